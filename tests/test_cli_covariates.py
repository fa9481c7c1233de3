"""Covariates on the command line: fit with them from the log or a customer table, score with the same, and
the errors as an operator meets them (one line, exit code 2 for usage, 3 for data).
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import pyclv
from pyclv import cli
from pyclv.cli import EXIT_DATA, EXIT_IO, EXIT_USAGE

FIT = ("--observation-end", "1997-09-30", "--time-unit", "W")
SCORE = ("--observation-end", "1997-09-30", "--horizon", "52")


def _channel(customer: int) -> str:
    return "web" if customer % 3 else "store"


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The CDNOW sample's calibration period with a channel column (log.csv) and a customer table (customers.csv)."""
    folder = tmp_path_factory.mktemp("covariates")
    tx = pyclv.datasets.load_cdnow_transactions(sample=True)
    tx = tx[tx["date"] <= "1997-09-30"].assign(date=lambda t: t["date"].dt.strftime("%Y-%m-%d"))
    tx["channel"] = tx["customer_id"].map(_channel)
    tx.to_csv(folder / "log.csv", index=False)
    customers = pd.DataFrame({"customer_id": sorted(tx["customer_id"].unique())})
    customers["region"] = customers["customer_id"].map(lambda c: ["north", "south"][c % 2])
    customers["age"] = customers["customer_id"] % 40 + 20
    customers.to_csv(folder / "customers.csv", index=False)
    return folder


def run_main(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, list[str]]:
    code = cli.main(["-q", *map(str, args)])
    return code, capsys.readouterr().err.splitlines()


@pytest.fixture(scope="module")
def fitted(folder: Path) -> Path:
    """A model fitted with the log's first channel on the purchase and dropout processes and the spend."""
    out = folder / "model.json"
    code = cli.main(["-q", "fit", str(folder / "log.csv"), *FIT, "--out", str(out),
                     "--purchase-covariates", "channel", "--dropout-covariates", "channel",
                     "--spend-covariates", "channel"])
    assert code == 0
    return out


def test_fit_from_the_log_records_the_covariates(folder: Path, fitted: Path) -> None:
    artifact = pyclv.io.load_artifact(fitted)
    transaction, spend = artifact.models["transaction"], artifact.models["spend"]
    assert [e.name for e in transaction.covariate_encodings_] == ["channel"]
    assert transaction.covariate_encodings_[0].levels == ("store", "web")  # the reference first, in sorted order
    assert spend.has_covariates
    assert artifact.lineage is not None
    assert artifact.lineage["covariates"] == {"columns": ["channel"], "source": "log"}
    manifest = json.loads((folder / "model.json.manifest.json").read_text())
    assert manifest["settings"]["covariates"]["purchase_covariates"] == ["channel"]
    # the same fit as the library's, on the summary with the first channel
    summary = pyclv.rfm_summary(folder / "log.csv", observation_period_end="1997-09-30", time_unit="W",
                                monetary_value_col="amount", covariate_cols=["channel"])
    direct = pyclv.BetaGeo(purchase_covariates=["channel"], dropout_covariates=["channel"]).fit(summary)
    pd.testing.assert_series_equal(transaction.params_, direct.params_, rtol=1e-6)


def test_score_carries_the_covariates(folder: Path, fitted: Path, tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "scores.parquet"
    code, err = run_main(capsys, "score", folder / "log.csv", "--model", fitted, *SCORE, "--out", out)
    assert (code, err) == (0, [])
    table = pd.read_parquet(out)
    log = pd.read_csv(folder / "log.csv")
    assert len(table) == log["customer_id"].nunique() == table["customer_id"].nunique()
    assert table.columns[-1] == "channel"
    assert (table["channel"] == table["customer_id"].map(_channel)).all()
    # a channel's customers are scored at its parameters: the same as the library's score of the summary
    model = pyclv.io.load_artifact(fitted).models
    summary = pyclv.rfm_summary(folder / "log.csv", observation_period_end="1997-09-30", time_unit="W",
                                monetary_value_col="amount", covariate_cols=["channel"])
    expected = pyclv.score(model["transaction"], model["spend"], summary, horizon=52.0)
    assert table["clv"].to_numpy() == pytest.approx(expected.sort_index()["clv"].to_numpy(), rel=1e-12)
    assert table.groupby("channel")["clv"].mean().nunique() == 2


def test_fit_and_score_with_a_customer_table(folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    model, scores = tmp_path / "model.json", tmp_path / "scores.csv"
    code, err = run_main(capsys, "fit", folder / "log.csv", *FIT, "--out", model, "--customers",
                         folder / "customers.csv", "--purchase-covariates", "region", "age")
    assert (code, err) == (0, [])
    artifact = pyclv.io.load_artifact(model)
    assert artifact.lineage is not None
    assert artifact.lineage["covariates"]["source"] == "customers"
    assert artifact.models["transaction"].covariate_encodings_[1].levels is None  # age: numbers from CSV text
    # score needs the table again, and says so in one line (usage, exit 2)
    code, err = run_main(capsys, "score", folder / "log.csv", "--model", model, *SCORE, "--out", scores)
    assert code == EXIT_USAGE and len(err) == 1
    assert "--customers" in err[0] and "region, age" in err[0]
    assert not scores.exists()
    code, err = run_main(capsys, "score", folder / "log.csv", "--model", model, *SCORE, "--out", scores,
                         "--customers", folder / "customers.csv")
    assert (code, err) == (0, [])
    table = pd.read_csv(scores)
    assert list(table.columns[-2:]) == ["region", "age"]
    assert (table["age"] == table["customer_id"] % 40 + 20).all()


@pytest.mark.parametrize(
    ("change", "flags", "code", "message"),
    [
        (None, ("--purchase-covariates", "region"), EXIT_DATA, "missing the column(s) 'region'"),
        ("missing", ("--purchase-covariates", "channel"), EXIT_DATA,
         "no value in the first transaction of 1 customer(s) (e.g. 5)"),
        (None, ("--model", "mbgnbd", "--purchase-covariates", "channel"), EXIT_USAGE, "takes no covariates"),
        (None, ("--customers", "customers.csv"), EXIT_USAGE, "--customers holds covariates"),
        (None, ("--purchase-covariates", "channel", "--covariate-penalty", "-1"), EXIT_USAGE, "--covariate-penalty"),
        ("short table", ("--customers", "customers.csv", "--purchase-covariates", "region"), EXIT_DATA,
         "lacks 2 customer(s) of the log (e.g. 1, 2)"),
        ("twice", ("--customers", "customers.csv", "--purchase-covariates", "region"), EXIT_DATA,
         "has 1 customer id(s) on several rows (e.g. '3')"),
        ("gap", ("--customers", "customers.csv", "--purchase-covariates", "region"), EXIT_DATA,
         "has no value for 1 customer(s) (e.g. 4)"),
        (None, ("--customers", "absent.csv", "--purchase-covariates", "region"), EXIT_IO, "absent.csv"),
    ],
)
def test_errors_are_one_line(folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], change: str | None,
                             flags: tuple[str, ...], code: int, message: str) -> None:
    log, customers = pd.read_csv(folder / "log.csv"), pd.read_csv(folder / "customers.csv")
    if change == "missing":
        log.loc[log["customer_id"] == 5, "channel"] = None
    elif change == "short table":
        customers = customers[customers["customer_id"] > 2]
    elif change == "twice":
        customers = pd.concat([customers, customers[customers["customer_id"] == 3]])
    elif change == "gap":
        customers.loc[customers["customer_id"] == 4, "region"] = None
    log.to_csv(tmp_path / "log.csv", index=False)
    customers.to_csv(tmp_path / "customers.csv", index=False)
    flags = tuple(str(tmp_path / f) if f.endswith(".csv") else f for f in flags)
    found, err = run_main(capsys, "fit", tmp_path / "log.csv", *FIT, "--out", tmp_path / "model.json", *flags)
    assert found == code, err
    assert len(err) == 1 and message in err[0], err
    assert not (tmp_path / "model.json").exists()


def test_the_customer_table_is_never_an_output(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, err = run_main(capsys, "fit", folder / "log.csv", *FIT, "--out", folder / "customers.csv",
                         "--customers", folder / "customers.csv", "--purchase-covariates", "region")
    assert code == EXIT_USAGE and len(err) == 1
