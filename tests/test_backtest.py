"""``pyclv backtest``: refits at past cut-offs, against an independent computation at one of them; its figure."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import pyclv
from pyclv.cli import EXIT_USAGE
from pyclv.cli._backtest import COLUMNS

CUTOFFS = ("1997-06-30", "1997-09-30")
HORIZON_DAYS = 90


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pyclv", *map(str, args)], capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def tx() -> pd.DataFrame:
    return pyclv.datasets.load_cdnow_transactions(sample=True)


@pytest.fixture(scope="module")
def backtest(tmp_path_factory: pytest.TempPathFactory, tx: pd.DataFrame) -> Path:
    folder = tmp_path_factory.mktemp("backtest")
    tx.assign(date=tx["date"].dt.strftime("%Y-%m-%d")).to_csv(folder / "log.csv", index=False)
    result = run("-q", "backtest", folder / "log.csv", "--cutoffs", *reversed(CUTOFFS), "--horizon-days",
                 HORIZON_DAYS, "--out", folder / "backtest.csv", "--figure", folder / "backtest.png")
    assert result.returncode == 0, result.stderr
    return folder


def test_one_row_per_cutoff(backtest: Path) -> None:
    table = pd.read_csv(backtest / "backtest.csv")
    assert tuple(table.columns) == COLUMNS
    assert table["cutoff"].tolist() == list(CUTOFFS)  # sorted, whatever the order given
    assert (table["horizon_days"] == HORIZON_DAYS).all() and (table["customers"] == 2357).all()
    manifest = json.loads((backtest / "backtest.csv.manifest.json").read_text())
    assert manifest["settings"]["cutoffs"] == list(CUTOFFS)
    assert manifest["output"]["rows"] == 2
    assert manifest["run"]["seconds"]["fit"] > 0


def test_the_numbers_at_one_cutoff_against_an_independent_computation(backtest: Path, tx: pd.DataFrame) -> None:
    row = pd.read_csv(backtest / "backtest.csv").set_index("cutoff").loc["1997-09-30"]
    cutoff = pd.Timestamp("1997-09-30")
    end = cutoff + pd.Timedelta(days=HORIZON_DAYS)
    # what happened, from the raw log: the cohort's purchase days (and spend) in the 90 days after the cut-off
    cohort = tx.groupby("customer_id")["date"].min() <= cutoff
    after = tx[(tx["date"] > cutoff) & (tx["date"] <= end) & tx["customer_id"].map(cohort)]
    assert row["purchases_actual"] == after.groupby("customer_id")["date"].nunique().sum()
    assert row["revenue_actual"] == pytest.approx(after["amount"].sum(), rel=1e-12)
    # the forecast, with the in-memory API: both models fitted on the log up to the cut-off
    summary = pyclv.rfm_summary(tx[tx["date"] <= cutoff], observation_period_end=cutoff, time_unit="W",
                                monetary_value_col="amount")
    bgnbd, spend = pyclv.BetaGeo().fit(summary), pyclv.GammaGamma().fit(summary)
    weeks = HORIZON_DAYS / 7
    purchases = bgnbd.expected_purchases(summary, weeks)
    assert row["purchases_forecast"] == pytest.approx(purchases.sum(), rel=1e-6)
    assert row["revenue_forecast"] == pytest.approx((purchases * spend.expected_spend(summary)).sum(), rel=1e-6)
    hist = pyclv.evaluation.baseline_forecasts(summary, horizon=weeks)["historical_clv"]
    assert row["revenue_historical"] == pytest.approx(hist["revenue"].sum(), rel=1e-9)
    assert row["purchases_historical"] == pytest.approx(hist["repeat_transactions"].sum(), rel=1e-9)
    error = 100 * (row["revenue_forecast"] - row["revenue_actual"]) / row["revenue_actual"]
    assert row["revenue_forecast_error_pct"] == pytest.approx(error, rel=1e-9)


def test_the_figure_is_written(backtest: Path) -> None:
    assert (backtest / "backtest.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_cutoff_without_a_whole_holdout_is_refused(backtest: Path) -> None:
    out = backtest / "late.csv"
    result = run("backtest", backtest / "log.csv", "--cutoffs", "1998-06-01", "--horizon-days", "90", "--out", out)
    assert result.returncode == EXIT_USAGE and not out.exists()
    assert result.stderr == (
        "pyclv: error: --cutoffs 1998-06-01: its 90-day holdout ends 1998-08-30, after the last transaction "
        "(1998-06-30); choose earlier cut-offs or a shorter --horizon-days (see 'pyclv backtest --help')\n"
    )


def test_the_figure_must_not_be_the_output(backtest: Path) -> None:
    result = run("backtest", backtest / "log.csv", "--cutoffs", "1997-06-30", "--horizon-days", "90",
                 "--out", backtest / "x.csv", "--figure", backtest / "log.csv")
    assert result.returncode == EXIT_USAGE
    assert "--figure must end in .png or .svg or .pdf" in result.stderr


def test_plot_backtest_draws_the_table(pyplot: object) -> None:
    from matplotlib.figure import Figure

    from pyclv.plotting import plot_backtest

    table = pd.DataFrame({
        "cutoff": pd.to_datetime(["1997-09-30", "1997-06-30"]), "horizon_days": [90, 90],
        "purchases_actual": [700.0, 720.0], "purchases_forecast": [650.0, 710.0],
        "purchases_historical": [800.0, 900.0],
    })
    ax = plot_backtest(table, quantity="purchases", ax=Figure().subplots())
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert list(lines) == ["Actual", "Forecast", "Historical CLV formula"]
    np.testing.assert_array_equal(lines["Actual"].get_ydata(), [720.0, 700.0])  # in cut-off order
    assert "90 days" in ax.get_title()
    with pytest.raises(pyclv.DataValidationError, match="missing: revenue_actual"):
        plot_backtest(table, ax=Figure().subplots())
    with pytest.raises(ValueError, match="quantity must be one of"):
        plot_backtest(table, quantity="clv", ax=Figure().subplots())


def test_a_rerun_gives_the_same_bytes(backtest: Path) -> None:
    again = backtest / "again"
    result = run("-q", "backtest", backtest / "log.csv", "--cutoffs", *CUTOFFS, "--horizon-days", HORIZON_DAYS,
                 "--out", again / "backtest.csv", "--figure", again / "backtest.png")
    assert result.returncode == 0, result.stderr
    for name in ("backtest.csv", "backtest.png"):
        assert (again / name).read_bytes() == (backtest / name).read_bytes(), name


# ---------------------------------------------------------------------------------------------- the public API
@pytest.fixture(scope="module")
def api_table(tx: pd.DataFrame) -> pd.DataFrame:
    with pytest.warns(pyclv.PyCLVWarning, match="after"):  # each cut-off leaves out the rows after its holdout
        return pyclv.backtest(tx, cutoffs=list(reversed(CUTOFFS)), horizon_days=HORIZON_DAYS)


def test_the_api_on_a_dataframe_gives_the_command_line_s_table(api_table: pd.DataFrame, backtest: Path) -> None:
    assert pyclv.backtest is pyclv.evaluation.backtest
    assert tuple(api_table.columns) == COLUMNS
    assert api_table["cutoff"].tolist() == [pd.Timestamp(day) for day in CUTOFFS]
    cli = pd.read_csv(backtest / "backtest.csv")
    numbers = [column for column in COLUMNS if column != "cutoff"]
    np.testing.assert_allclose(api_table[numbers].to_numpy(float), cli[numbers].to_numpy(float), rtol=1e-12)
    # the model beats the spreadsheet formula on CDNOW's revenue at both cut-offs
    assert (api_table["revenue_forecast_error_pct"].abs() < api_table["revenue_historical_error_pct"].abs()).all()


def test_the_api_on_files_read_by_duckdb_gives_the_same_table(api_table: pd.DataFrame, backtest: Path) -> None:
    with pytest.warns(pyclv.PyCLVWarning, match="after"):
        table = pyclv.evaluation.backtest(str(backtest / "log.csv"), cutoffs=CUTOFFS, horizon_days=HORIZON_DAYS)
    pd.testing.assert_frame_equal(table, api_table, rtol=1e-12)


def test_the_api_fits_copies_of_the_models_it_is_given(tx: pd.DataFrame, api_table: pd.DataFrame) -> None:
    calibration = pyclv.rfm_summary(tx[tx["date"] <= CUTOFFS[0]], observation_period_end=CUTOFFS[0], time_unit="W",
                                     monetary_value_col="amount")
    fitted = pyclv.BetaGeo().fit(calibration)
    before = fitted.params_.copy()
    with pytest.warns(pyclv.PyCLVWarning, match="after"):
        table = pyclv.backtest(tx, cutoffs=CUTOFFS[1:], horizon_days=HORIZON_DAYS, transaction_model=fitted,
                               spend_model=pyclv.GammaGamma(penalizer=0.0))
    pd.testing.assert_series_equal(fitted.params_, before)  # the template is left as it was
    assert table["revenue_forecast"].iloc[0] == pytest.approx(api_table["revenue_forecast"].iloc[1], rel=1e-12)
    with pytest.raises(TypeError, match="transaction_model must be a continuous-time transaction model"):
        pyclv.backtest(tx, cutoffs=CUTOFFS, horizon_days=HORIZON_DAYS, transaction_model=pyclv.BetaGeoBetaBinom())


@pytest.mark.parametrize(
    ("cutoffs", "message", "n_rows"),
    [
        (["1997-06-30", "1997-09-30", "1997-06-30"], "cutoffs names the same day more than once (1997-06-30); give "
         "each cut-off once", 1),
        ([], "cutoffs is empty: give at least one past day at which to fit and forecast, e.g. ['1997-09-30']", None),
        ("1997-06-30", "cutoffs must be a list of dates, e.g. ['1997-06-30', '1997-09-30']; got str '1997-06-30'",
         None),
        (["1997-06-30", "30/09/1997"], "cutoffs '30/09/1997' is not a date", None),
        (["1996-12-01", "1996-12-31", "1997-06-30"], "cutoffs 1996-12-01, 1996-12-31: before the first transaction "
         "(1997-01-01), so nothing is left to fit on; choose later cut-offs", 2),
        (["1997-06-30", "1998-06-01"], "cutoffs 1998-06-01: its 90-day holdout ends 1998-08-30, after the last "
         "transaction (1998-06-30); choose earlier cut-offs or a shorter horizon_days", 1),
    ],
)
def test_bad_cutoffs_are_refused_in_one_line_naming_the_argument(
    tx: pd.DataFrame, cutoffs: object, message: str, n_rows: int | None
) -> None:
    with pytest.raises(pyclv.DataValidationError) as caught:
        pyclv.backtest(tx, cutoffs=cutoffs, horizon_days=HORIZON_DAYS)  # type: ignore[arg-type]
    assert str(caught.value).startswith(message) and "\n" not in str(caught.value)
    assert caught.value.column == "cutoffs" and caught.value.n_rows == n_rows


@pytest.mark.parametrize("horizon", [0, -7, 90.5, True])
def test_a_bad_horizon_is_refused_naming_the_argument(tx: pd.DataFrame, horizon: object) -> None:
    with pytest.raises(pyclv.DataValidationError, match=r"^horizon_days must be a whole number of days > 0") as caught:
        pyclv.backtest(tx, cutoffs=CUTOFFS, horizon_days=horizon)  # type: ignore[arg-type]
    assert caught.value.column == "horizon_days"
