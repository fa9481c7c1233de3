"""The nightly run as an operator and a BI team see it: the score table's columns, the manifest beside it,
the lineage in model.json; run in a subprocess on the bundled CDNOW sample and read back."""

from __future__ import annotations

import hashlib
import json
import os
import pty
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import pyclv
from pyclv._score_table import historical_value, score_table
from pyclv.cli import EXIT_USAGE
from pyclv.io import load_artifact

END = "1998-06-30"
FIT_END = "1997-09-30"
SCORE = ("--observation-end", END, "--horizon", "52", "--annual-discount-rate", "0.1", "--margin", "0.3")


def run(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pyclv", *map(str, args)], capture_output=True, text=True,
                          timeout=300, cwd=cwd)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def manifest(out: Path) -> dict[str, Any]:
    return json.loads(out.with_name(out.name + ".manifest.json").read_text())


@pytest.fixture(scope="module")
def tx() -> pd.DataFrame:
    return pyclv.datasets.load_cdnow_transactions(sample=True)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory, tx: pd.DataFrame) -> Path:
    """log.csv (the CDNOW sample), model.json fitted on it to 1997-09-30 by ``pyclv fit``."""
    folder = tmp_path_factory.mktemp("operator")
    tx.assign(date=tx["date"].dt.strftime("%Y-%m-%d")).to_csv(folder / "log.csv", index=False)
    result = run("fit", "log.csv", "--observation-end", FIT_END, "--out", "model.json", cwd=folder)
    assert result.returncode == 0, result.stderr
    return folder


@pytest.fixture(scope="module")
def scored(folder: Path) -> Path:
    result = run("score", "log.csv", "--model", "model.json", *SCORE, "--out", "scores.parquet", cwd=folder)
    assert result.returncode == 0, result.stderr
    return folder / "scores.parquet"


# ---------------------------------------------------------------------------------------------------------
# model.json: its lineage
# ---------------------------------------------------------------------------------------------------------


def test_the_model_records_what_it_was_fitted_on(folder: Path, tx: pd.DataFrame) -> None:
    artifact = load_artifact(folder / "model.json")
    lineage = artifact.lineage
    assert lineage is not None
    assert lineage["inputs"] == [
        {"path": "log.csv", "bytes": (folder / "log.csv").stat().st_size, "sha256": sha256(folder / "log.csv")}
    ]
    summary = pyclv.rfm_summary(tx[tx["date"] <= FIT_END], observation_period_end=FIT_END, time_unit="W")
    assert lineage == {
        "inputs": lineage["inputs"],
        "columns": {"customer_id": "customer_id", "date": "date", "amount": "amount"},
        "date_rule": {"date_format": None, "dayfirst": None},
        "time_unit": "W",
        "rows": len(tx),
        "first_transaction": str(tx["date"].min().date()),
        "last_transaction": str(tx["date"].max().date()),
        "observation_end": FIT_END,
        "rows_dropped": {"after_observation_end": int((tx["date"] > FIT_END).sum())},
        "customers_dropped": {"first_purchase_after_observation_end": 0},
        "customers": len(summary),
        "repeat_customers": int((summary["frequency"] > 0).sum()),
    }
    fit_manifest = manifest(folder / "model.json")
    assert fit_manifest["model"]["sha256"] == artifact.sha256
    assert fit_manifest["output"]["sha256"] == sha256(folder / "model.json")


# ---------------------------------------------------------------------------------------------------------
# The score table, column by column
# ---------------------------------------------------------------------------------------------------------


def test_the_score_table_puts_the_customer_run_and_history_first(scored: Path, folder: Path) -> None:
    table = pd.read_parquet(scored)
    assert list(table.columns[:10]) == [
        "customer_id", "as_of", "model_id", "n_purchases", "spend_to_date", "historical_clv",
        "frequency", "recency", "T", "monetary_value",
    ]
    assert table["customer_id"].is_monotonic_increasing and len(table) == 2357
    assert (table["as_of"] == pd.Timestamp(END)).all()
    assert (table["model_id"] == load_artifact(folder / "model.json").sha256).all()
    assert (table["n_purchases"] == table["frequency"] + 1).all() and table["n_purchases"].dtype == np.int64


def test_the_history_matches_an_independent_computation(scored: Path, tx: pd.DataFrame) -> None:
    table = pd.read_parquet(scored).set_index("customer_id")
    seen = tx[tx["date"] <= END]
    spent = seen.groupby("customer_id")["amount"].sum()
    np.testing.assert_allclose(table["spend_to_date"], spent.reindex(table.index), rtol=1e-12)
    days = seen.groupby("customer_id")["date"].nunique()
    np.testing.assert_array_equal(table["n_purchases"], days.reindex(table.index))
    # the historical-CLV formula over the CLV's horizon (52 weeks), times its margin
    summary = pyclv.rfm_summary(tx, observation_period_end=END, time_unit="W", monetary_value_col="amount")
    formula = pyclv.evaluation.historical_clv(summary, horizon=52.0)
    np.testing.assert_allclose(table["historical_clv"], 0.3 * formula.reindex(table.index), rtol=1e-12)


def test_the_forecast_is_score_s(scored: Path, folder: Path, tx: pd.DataFrame) -> None:
    table = pd.read_parquet(scored).set_index("customer_id")
    models = pyclv.load_models(folder / "model.json")
    summary = pyclv.rfm_summary(tx, observation_period_end=END, time_unit="W", monetary_value_col="amount")
    expected = pyclv.score(models["transaction"], models["spend"], summary, horizon=52, annual_discount_rate=0.1,
                           margin=0.3)
    pd.testing.assert_frame_equal(table[expected.columns], expected, check_names=False, rtol=1e-12)


def test_score_table_of_a_hand_made_summary() -> None:
    summary = pd.DataFrame(
        {"frequency": [0.0, 2.0, 5.0], "recency": [0.0, 10.0, 30.0], "T": [40.0, 40.0, 40.0],
         "monetary_value": [0.0, 20.0, 10.0], "spend_to_date": [15.0, 55.0, 62.5]},
        index=pd.Index(["c", "a", "b"], name="id"),
    )
    summary.attrs["time_unit"] = "W"
    scores = pd.DataFrame({"frequency": summary["frequency"], "clv": [0.0, 4.0, 9.0]}).sort_index()
    table = score_table(scores, summary, as_of=10_000, model_id="f" * 64, horizon=26.0, margin=0.5)
    assert list(table.columns) == ["id", "as_of", "model_id", "n_purchases", "spend_to_date", "historical_clv",
                                   "frequency", "clv"]
    assert table["id"].tolist() == ["a", "b", "c"] and table["n_purchases"].tolist() == [3, 6, 1]
    assert table["spend_to_date"].tolist() == [55.0, 62.5, 15.0]
    assert (table["as_of"] == pd.Timestamp("1997-05-19")).all()  # day 10,000 since 1970-01-01
    # x / T x average order value x lifespan, the lifespan estimated from the summary and capped by 26 weeks
    lifespan = pyclv.evaluation.historical_clv(summary, horizon=26.0).attrs["lifespan"]
    np.testing.assert_allclose(table["historical_clv"], 0.5 * np.array([2 / 40 * 20, 5 / 40 * 10, 0.0]) * lifespan)
    with pytest.raises(pyclv.DataValidationError, match="spend_to_date=True"):
        score_table(scores, summary.drop(columns="spend_to_date"), as_of=0, model_id="x", horizon=1.0, margin=1.0)


def test_historical_value_of_whole_periods_and_of_an_infinite_horizon() -> None:
    periods = pd.DataFrame({"frequency": [1.0, 3.0], "recency": [2.0, 4.0], "n_periods": [4.0, 4.0],
                            "monetary_value": [10.0, 20.0]})
    values = historical_value(periods, horizon=2.0, margin=1.0)
    assert values.iloc[1] == pytest.approx(20.0 * 3 / 4 * 2.0)  # nobody lapsed: the lifespan is the horizon
    with pytest.raises(pyclv.DataValidationError, match="no customer has lapsed"):
        historical_value(periods, horizon=float("inf"), margin=1.0)


# ---------------------------------------------------------------------------------------------------------
# The manifest
# ---------------------------------------------------------------------------------------------------------


def test_the_manifest_describes_the_run(scored: Path, folder: Path, tx: pd.DataFrame) -> None:
    found = manifest(scored)
    table = pd.read_parquet(scored)
    assert list(found) == ["format", "format_version", "command", "argv", "versions", "inputs", "data", "model",
                           "settings", "output", "run"]
    assert found["command"] == "score" and found["argv"][:2] == ["score", "log.csv"]
    assert set(found["versions"]) == {"python", "pyclv", "numpy", "scipy", "pandas", "duckdb", "pyarrow", "numba"}
    assert found["versions"]["pandas"] == pd.__version__
    assert found["inputs"] == [{"path": "log.csv", "bytes": (folder / "log.csv").stat().st_size,
                                "sha256": sha256(folder / "log.csv")}]
    assert found["data"] == {
        "rows": len(tx), "first_transaction": "1997-01-01", "last_transaction": END, "observation_end": END,
        "rows_dropped": {"after_observation_end": 0},
        "customers_dropped": {"first_purchase_after_observation_end": 0}, "customers": 2357,
    }
    artifact = load_artifact(folder / "model.json")
    assert found["model"]["sha256"] == artifact.sha256
    assert found["model"]["models"]["transaction"]["params"] == artifact.models["transaction"].params_.to_dict()
    assert found["settings"] == {"horizon": 52.0, "time_unit": "W", "annual_discount_rate": 0.1, "margin": 0.3,
                                 "interval": None}
    output = found["output"]
    assert output["path"] == "scores.parquet" and output["sha256"] == sha256(scored)
    assert output["rows"] == 2357 and output["columns"] == list(table.columns)
    assert output["totals"]["clv"] == pytest.approx(table["clv"].sum(), rel=1e-15)
    assert output["totals"]["spend_to_date"] == pytest.approx(tx["amount"].sum(), rel=1e-12)
    assert output["totals"]["mean_p_alive"] == pytest.approx(table["p_alive"].mean(), rel=1e-15)
    assert set(found["run"]["seconds"]) == {"fingerprint", "summary", "score", "write", "total"}
    assert scored.with_name("scores.parquet.manifest.json").stat().st_mtime_ns >= scored.stat().st_mtime_ns


def test_dropped_rows_are_counted_by_reason(folder: Path, tx: pd.DataFrame) -> None:
    result = run("-q", "score", "log.csv", "--model", "model.json", "--observation-end", "1997-03-31",
                 "--horizon", "52", "--out", "early.csv", cwd=folder)
    assert result.returncode == 0, result.stderr
    data = manifest(folder / "early.csv")["data"]
    first = tx.groupby("customer_id")["date"].min()
    assert data["rows_dropped"] == {"after_observation_end": int((tx["date"] > "1997-03-31").sum())}
    assert data["customers_dropped"] == {"first_purchase_after_observation_end": int((first > "1997-03-31").sum())}
    assert data["customers"] == int((first <= "1997-03-31").sum()) == len(pd.read_csv(folder / "early.csv"))


def test_reruns_give_the_same_bytes_and_the_same_manifest_but_its_run(folder: Path) -> None:
    args = ("score", "log.csv", "--model", "model.json", *SCORE, "--interval", "0.9", "--draws", "50")
    outputs = []
    for _ in range(2):
        result = run(*args, "--out", "again.csv", cwd=folder)
        assert result.returncode == 0, result.stderr
        outputs.append(((folder / "again.csv").read_bytes(), manifest(folder / "again.csv")))
    (first, first_manifest), (second, second_manifest) = outputs
    assert first == second
    assert first_manifest.pop("run") != second_manifest.pop("run")  # time stamps and pid
    assert first_manifest == second_manifest
    assert first_manifest["settings"]["draws"] == 50 and first_manifest["settings"]["seed"] == 0
    table = pd.read_csv(folder / "again.csv")
    assert (table["clv_lower"] <= table["clv"]).all() and (table["clv"] <= table["clv_upper"]).all()
    assert "clv_upper" in first_manifest["output"]["totals"]


def test_a_glob_is_fingerprinted_file_by_file(folder: Path, tmp_path: Path, tx: pd.DataFrame) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    text = tx.assign(date=tx["date"].dt.strftime("%Y-%m-%d"))
    text.iloc[:3000].to_csv(logs / "part-1.csv", index=False)
    text.iloc[3000:].to_csv(logs / "part-0.csv", index=False)
    out = tmp_path / "scores.csv"
    result = run("-q", "score", logs / "*.csv", "--model", folder / "model.json", *SCORE, "--out", out)
    assert result.returncode == 0, result.stderr
    inputs = manifest(out)["inputs"]
    assert [Path(i["path"]).name for i in inputs] == ["part-0.csv", "part-1.csv"]
    assert [i["sha256"] for i in inputs] == [sha256(logs / "part-0.csv"), sha256(logs / "part-1.csv")]


def test_a_refused_run_writes_no_manifest(folder: Path) -> None:
    result = run("score", "log.csv", "--model", "model.json", *SCORE, "--interval", "1.5", "--out", "bad.csv",
                 cwd=folder)
    assert result.returncode == EXIT_USAGE
    assert result.stderr == (
        "pyclv: error: --interval must be a level between 0 and 1, e.g. 0.9 (see 'pyclv score --help')\n"
    )
    assert not (folder / "bad.csv").exists() and not (folder / "bad.csv.manifest.json").exists()


def test_the_manifest_is_never_an_input(folder: Path) -> None:
    (folder / "x.csv.manifest.json").write_text("{}")
    result = run("score", "x.csv.manifest.json", "--model", "model.json", *SCORE, "--out", "x.csv", cwd=folder)
    assert result.returncode == EXIT_USAGE
    assert "the manifest of --out x.csv.manifest.json is the transaction file" in result.stderr


# ---------------------------------------------------------------------------------------------------------
# Progress as the operator sees it
# ---------------------------------------------------------------------------------------------------------


def test_on_a_terminal_log_lines_erase_the_bar(folder: Path) -> None:
    """stderr a terminal (a pseudo-terminal here): every line starts by erasing the progress bar."""
    controller, terminal = pty.openpty()
    try:
        child = subprocess.Popen([sys.executable, "-m", "pyclv", "score", "log.csv", "--model", "model.json", *SCORE,
                                  "--out", "tty.csv"], cwd=folder, stderr=terminal, stdout=subprocess.DEVNULL)
        os.close(terminal)
        chunks = []
        while True:
            try:
                chunk = os.read(controller, 4096)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            chunks.append(chunk)
        assert child.wait(timeout=300) == 0
    finally:
        os.close(controller)
    text = b"".join(chunks).decode()
    assert "\r\x1b[Kpyclv: read log.csv: 2357 customers (time unit W)" in text
    assert "\r\x1b[Kpyclv: wrote tty.csv: 2357 customers" in text


def test_a_model_of_whole_periods_gets_the_same_history(folder: Path, tx: pd.DataFrame) -> None:
    """BG/BB's summary counts periods: the purchase days and the spend to date come from the engine's totals."""
    fit = run("-q", "fit", "log.csv", "--observation-end", END, "--model", "bgbb", "--time-unit", "M",
              "--out", "bgbb.json", cwd=folder)
    assert fit.returncode == 0, fit.stderr
    result = run("-q", "score", "log.csv", "--model", "bgbb.json", "--observation-end", END, "--horizon", "12",
                 "--out", "bgbb.csv", cwd=folder)
    assert result.returncode == 0, result.stderr
    table = pd.read_csv(folder / "bgbb.csv").set_index("customer_id")
    assert "n_periods" in table.columns and "T" not in table.columns
    np.testing.assert_array_equal(table["n_purchases"], tx.groupby("customer_id")["date"].nunique())
    np.testing.assert_allclose(table["spend_to_date"], tx.groupby("customer_id")["amount"].sum(), rtol=1e-12)
    assert (table["n_purchases"] > table["frequency"] + 1).any()  # purchase days, not purchase periods
