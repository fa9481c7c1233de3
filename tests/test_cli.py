"""The command line, run as a user runs it: in a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import pyclv
from pyclv.cli import EXIT_DATA, EXIT_DRIFT, EXIT_IO, EXIT_USAGE


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pyclv", *map(str, args)], capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def log_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "transactions.csv"
    tx = pyclv.datasets.load_cdnow_transactions(sample=True)
    tx.assign(date=tx["date"].dt.strftime("%Y-%m-%d")).to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def model_json(log_csv: Path) -> Path:
    out = log_csv.parent / "model.json"
    result = run("fit", log_csv, "--observation-end", "1997-09-30", "--time-unit", "W", "--out", out)
    assert result.returncode == 0, result.stderr
    return out


def test_fit_writes_both_models(model_json: Path) -> None:
    models = pyclv.load_models(model_json)
    assert isinstance(models["transaction"], pyclv.BetaGeo)
    assert isinstance(models["spend"], pyclv.GammaGamma)
    # fitted on the calibration period of the CDNOW sample: FHL (2005) parameters
    assert models["transaction"].params_["r"] == pytest.approx(0.2426, rel=1e-3)
    assert models["transaction"].time_unit_ == "W"


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_score_writes_one_sorted_row_per_customer(log_csv: Path, model_json: Path, suffix: str) -> None:
    out = log_csv.parent / f"scores{suffix}"
    result = run(
        "score",
        log_csv,
        "--model",
        model_json,
        "--observation-end",
        "1998-06-30",
        "--horizon",
        "52",
        "--annual-discount-rate",
        "0.1",
        "--out",
        out,
    )
    assert result.returncode == 0, result.stderr
    assert "wrote" in result.stderr
    table = pd.read_parquet(out) if suffix == ".parquet" else pd.read_csv(out, index_col="customer_id")
    assert len(table) == 2357 and table.index.is_unique and table.index.is_monotonic_increasing
    assert table[["p_alive", "expected_purchases", "expected_spend", "clv"]].notna().all().all()
    assert np.all((table["p_alive"] >= 0) & (table["p_alive"] <= 1))


def test_missing_column_is_a_data_error(log_csv: Path, tmp_path: Path) -> None:
    out = tmp_path / "m.json"
    result = run("fit", log_csv, "--observation-end", "1997-09-30", "--amount-col", "revenue", "--out", out)
    assert result.returncode == EXIT_DATA
    assert "revenue" in result.stderr and "Traceback" not in result.stderr
    assert not out.exists()


@pytest.mark.slow
def test_bad_dates_are_a_data_error(log_csv: Path, tmp_path: Path) -> None:
    frame = pd.read_csv(log_csv)
    frame.loc[[3, 7], "date"] = "not a date"
    bad = tmp_path / "bad.csv"
    frame.to_csv(bad, index=False)
    result = run("fit", bad, "--observation-end", "1997-09-30", "--out", tmp_path / "m.json")
    assert result.returncode == EXIT_DATA
    assert "'date'" in result.stderr and "2" in result.stderr and "Traceback" not in result.stderr


def test_missing_file_is_an_io_error(tmp_path: Path) -> None:
    result = run("fit", tmp_path / "nope.csv", "--observation-end", "1997-09-30", "--out", tmp_path / "m.json")
    assert result.returncode == EXIT_IO and "no such file" in result.stderr


@pytest.mark.slow
def test_bad_model_file_is_an_io_error(log_csv: Path, tmp_path: Path) -> None:
    model = tmp_path / "bad.json"
    model.write_text('{"format": "pyclv-models", "format_version": 42}')
    result = run(
        "score",
        log_csv,
        "--model",
        model,
        "--observation-end",
        "1998-06-30",
        "--horizon",
        "52",
        "--out",
        tmp_path / "s.parquet",
    )
    assert result.returncode == EXIT_IO and "version 42" in result.stderr
    assert not (tmp_path / "s.parquet").exists()


@pytest.mark.slow
def test_bad_usage(log_csv: Path, model_json: Path, tmp_path: Path) -> None:
    result = run(
        "score",
        log_csv,
        "--model",
        model_json,
        "--observation-end",
        "1998-06-30",
        "--horizon",
        "-1",
        "--out",
        tmp_path / "s.parquet",
    )
    assert result.returncode == EXIT_USAGE and "--horizon" in result.stderr
    assert run("fit").returncode == EXIT_USAGE


@pytest.mark.slow
def test_date_format_option(tmp_path: Path) -> None:
    tx = pyclv.datasets.load_cdnow_transactions(sample=True)
    path = tmp_path / "yyyymmdd.parquet"
    tx.assign(date=tx["date"].dt.strftime("%Y%m%d").astype(int)).to_parquet(path)
    result = run(
        "fit", path, "--observation-end", "1997-09-30", "--date-format", "%Y%m%d", "--out", tmp_path / "m.json"
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.slow
def test_demo_runs_the_whole_pipeline(tmp_path: Path) -> None:
    result = run("demo", "--out", tmp_path)
    assert result.returncode == 0, result.stderr
    assert "23,570 customers" in result.stdout
    assert "repeat_transactions" in result.stdout and "revenue" in result.stdout
    scores = pd.read_parquet(tmp_path / "scores.parquet")
    assert len(scores) == 23570 and scores["clv"].notna().all()
    assert set(pyclv.load_models(tmp_path / "model.json")) == {"transaction", "spend"}


@pytest.mark.slow
def test_csv_ids_are_text_so_no_customer_is_merged(model_json: Path, tmp_path: Path) -> None:
    log = tmp_path / "ids.csv"
    log.write_text("customer_id,date,amount\n001,1997-01-01,3\n1,1997-02-01,4\n01,1997-03-01,5\n1,1997-03-05,6\n")
    out = tmp_path / "s.csv"
    result = run(
        "score", log, "--model", model_json, "--observation-end", "1998-06-30", "--horizon", "52", "--out", out
    )
    assert result.returncode == 0, result.stderr
    table = pd.read_csv(out, dtype={"customer_id": str}).set_index("customer_id")
    assert list(table.index) == ["001", "01", "1"]
    assert list(table["frequency"]) == [0.0, 0.0, 1.0]


@pytest.mark.slow
def test_non_finite_options_are_usage_errors(log_csv: Path, model_json: Path, tmp_path: Path) -> None:
    base = ["score", log_csv, "--model", model_json, "--observation-end", "1998-06-30", "--out", tmp_path / "s.parquet"]
    for extra in (["--horizon", "nan"], ["--horizon", "52", "--margin", "inf"]):
        result = run(*base, *extra)
        assert result.returncode == EXIT_USAGE, result.stderr
    assert not (tmp_path / "s.parquet").exists()


def test_spend_model_with_infinite_mean_is_a_clear_error(log_csv: Path, tmp_path: Path) -> None:
    model = tmp_path / "q.json"
    pyclv.save_models(
        model,
        transaction=pyclv.BetaGeo.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426, time_unit="W"),
        spend=pyclv.GammaGamma.from_estimates(theta=np.array([6.25, 0.9, 15.44]), covariance=np.full((3, 3), np.nan)),
    )
    result = run(
        "score",
        log_csv,
        "--model",
        model,
        "--observation-end",
        "1998-06-30",
        "--horizon",
        "52",
        "--out",
        tmp_path / "s.parquet",
    )
    assert result.returncode == EXIT_DATA and "q = 0.9" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "cls", "unit"),
    [
        ("pareto-nbd", pyclv.ParetoNBD, "W"),
        ("mbgnbd", pyclv.ModifiedBetaGeo, "W"),
        ("bgbb", pyclv.BetaGeoBetaBinom, "M"),  # whole months as purchase opportunities
    ],
)
def test_fit_and_score_every_model(log_csv: Path, tmp_path: Path, name: str, cls: type, unit: str) -> None:
    model = tmp_path / f"{name}.json"
    result = run(
        "fit", log_csv, "--observation-end", "1997-09-30", "--model", name, "--time-unit", unit, "--out", model
    )
    assert result.returncode == 0, result.stderr
    fitted = pyclv.load_models(model)["transaction"]
    assert type(fitted) is cls and fitted.time_unit_ == unit
    out = tmp_path / f"{name}.parquet"
    result = run(
        "score",
        log_csv,
        "--model",
        model,
        "--observation-end",
        "1998-06-30",
        "--horizon",
        "12",
        "--annual-discount-rate",
        "0.1",
        "--out",
        out,
    )
    assert result.returncode == 0, result.stderr
    table = pd.read_parquet(out)
    assert len(table) == 2357 and table["clv"].notna().all() and (table["clv"] >= 0).all()


# ---------------------------------------------------------------------------------------------------------
# The drift guard: fit --previous
# ---------------------------------------------------------------------------------------------------------


@pytest.fixture
def doubled_log(log_csv: Path, tmp_path: Path) -> Path:
    """The same customers and days with every amount doubled: the spend model's scale v doubles, nothing else moves."""
    path = tmp_path / "doubled.csv"
    tx = pd.read_csv(log_csv)
    tx.assign(amount=2 * tx["amount"]).to_csv(path, index=False)
    return path


def test_a_refit_on_the_same_log_passes_the_drift_guard(log_csv: Path, model_json: Path, tmp_path: Path) -> None:
    out = tmp_path / "model.json"
    result = run("fit", log_csv, "--observation-end", "1997-09-30", "--previous", model_json, "--out", out)
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    assert f"pyclv: drift from {model_json} (limit 25%):" in lines
    moved = [line for line in lines if line.startswith("pyclv:   ")]
    assert len(moved) == 10 and all(line.endswith("+0.0%") for line in moved), moved
    assert json.loads((tmp_path / "model.json.manifest.json").read_text())["command"] == "fit"


def test_the_drift_guard_refuses_a_model_that_moved(
    log_csv: Path, doubled_log: Path, model_json: Path, tmp_path: Path
) -> None:
    current = tmp_path / "model.json"
    current.write_bytes(model_json.read_bytes())
    result = run("fit", doubled_log, "--observation-end", "1997-09-30", "--previous", current, "--out", current)
    assert result.returncode == EXIT_DRIFT, result.stderr
    assert current.read_bytes() == model_json.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["doubled.csv", "model.json"]
    lines = result.stderr.splitlines()
    assert any(line.startswith("pyclv:   spend v ") and line.endswith("+100.0%  <- beyond the limit") for line in lines)
    assert any(line.startswith("pyclv:   transaction r ") and line.endswith("+0.0%") for line in lines)
    assert lines[-1].startswith(
        f"pyclv: refused: the new models moved beyond --max-drift 0.25 from --previous {current}: "
        "spend v +100.0% (15.44 -> 30.89); "
    )
    assert lines[-1].endswith(f"{current} was not written. Check the new transactions, or rerun with --force to "
                              "replace the models")
    # --force replaces it (and says so), a wider limit lets it through
    forced = run("-q", "fit", doubled_log, "--observation-end", "1997-09-30", "--previous", current, "--out", current,
                 "--force")
    assert forced.returncode == 0 and "written anyway (--force)" in forced.stderr
    assert pyclv.load_models(current)["spend"].params_["v"] == pytest.approx(
        2 * pyclv.load_models(model_json)["spend"].params_["v"], rel=1e-4
    )
    wide = run("-q", "fit", log_csv, "--observation-end", "1997-09-30", "--previous", current,
               "--max-drift", "1.5", "--out", tmp_path / "wide.json")
    assert wide.returncode == 0, wide.stderr


def test_a_previous_model_of_another_kind_cannot_be_compared(log_csv: Path, model_json: Path, tmp_path: Path) -> None:
    out = tmp_path / "pareto.json"
    result = run("-q", "fit", log_csv, "--observation-end", "1997-09-30", "--model", "pareto-nbd",
                 "--previous", model_json, "--out", out)
    assert result.returncode == EXIT_DRIFT and not out.exists()
    assert "transaction model: BetaGeo (W) -> ParetoNBD (W) (not comparable)" in result.stderr
