"""pyclv.evaluation.tracking: expected and actual repeat transactions per period, against the raw log."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.figure import Figure

import pyclv
from pyclv import plotting
from pyclv._time import DAYS_PER_UNIT
from pyclv.evaluation import tracking
from pyclv.evaluation.tracking import _periods, _tracking_period
from tests.evaluation.conftest import CAL_END, OBS_END


def _daily_log(log: pd.DataFrame) -> pd.DataFrame:
    """One row per (customer, purchase day), with the customer's first day and a repeat flag (pandas only)."""
    daily = log.assign(day=log["date"].dt.floor("D"))[["customer_id", "day"]].drop_duplicates()
    daily = daily.sort_values(["customer_id", "day"])
    daily["birth"] = daily.groupby("customer_id")["day"].transform("min")
    daily["repeat"] = daily["day"] > daily["birth"]
    return daily


def _daily(log: pd.DataFrame) -> pd.DataFrame:
    """One row per (customer, day) of the log, amounts summed: the papers' transactions."""
    days = log.assign(day=log["date"].dt.floor("D"))
    return days.groupby(["customer_id", "day"], as_index=False)["amount"].sum()


@pytest.fixture(scope="module")
def weekly(models: tuple, log: pd.DataFrame) -> pd.DataFrame:
    return tracking(models[0], log, calibration_period_end=CAL_END, observation_period_end=OBS_END)


def test_tracking_totals_equal_the_log(weekly: pd.DataFrame, log: pd.DataFrame, split: pd.DataFrame) -> None:
    daily = _daily(log)
    daily = daily[daily["day"] <= OBS_END]
    repeats = len(daily) - daily["customer_id"].nunique()
    assert (
        weekly["actual_cumulative"].iloc[-1] == repeats == split["frequency"].sum() + split["frequency_holdout"].sum()
    )
    assert repeats == 4339
    assert weekly["actual"].sum() == repeats
    np.testing.assert_allclose(weekly["expected"].cumsum(), weekly["expected_cumulative"], rtol=1e-12)
    assert len(weekly) == 78 and weekly["holdout"].sum() == 39
    assert weekly.index[0] == pd.Timestamp("1997-01-07") and weekly.index[-1] == pd.Timestamp(OBS_END)
    calibration = weekly[~weekly["holdout"]]
    assert calibration["actual_cumulative"].iloc[-1] == split["frequency"].sum()
    assert weekly.loc[CAL_END, "actual_cumulative"] == 2457  # the total calibration frequency of the CDNOW summary
    # week by week, counted from 1997-01-01 with pandas
    marked = _daily_log(log)
    week = (marked.loc[marked["repeat"], "day"] - pd.Timestamp("1997-01-01")).dt.days // 7
    np.testing.assert_array_equal(weekly["actual"].to_numpy(), np.bincount(week, minlength=78))
    # repeats of one week, counted directly
    week = daily[(daily["day"] > "1997-03-04") & (daily["day"] <= "1997-03-11")]
    first = daily.groupby("customer_id")["day"].transform("min")
    assert weekly.loc["1997-03-11", "actual"] == (week["day"] > first[week.index]).sum()


def test_tracking_expected_is_the_sum_over_births(weekly: pd.DataFrame, models: tuple, log: pd.DataFrame) -> None:
    births = log.groupby("customer_id")["date"].min().dt.floor("D")
    bg = models[0]
    for end in ("1997-09-30", OBS_END):
        ages = (pd.Timestamp(end) - births).dt.days.to_numpy() / 7.0
        direct = np.sum(bg.expected_purchases_new_customer(ages))
        assert weekly.loc[end, "expected_cumulative"] == pytest.approx(direct, rel=1e-12)
    # the model tracks the holdout within 15 % (Fader, Hardie and Lee 2005 report a close fit on CDNOW)
    holdout = weekly[weekly["holdout"]]
    assert holdout["expected"].sum() == pytest.approx(holdout["actual"].sum(), rel=0.15)


def test_tracking_periods_and_errors(models: tuple, log: pd.DataFrame) -> None:
    monthly = tracking(models[0], log, calibration_period_end=CAL_END, observation_period_end=OBS_END, period="M")
    assert pd.Timestamp(CAL_END) in monthly.index and monthly.index[-1] == pd.Timestamp(OBS_END)
    assert (
        monthly["actual"].sum()
        == tracking(models[0], log, calibration_period_end=CAL_END, observation_period_end=OBS_END, period="D")[
            "actual"
        ].sum()
    )
    with pytest.raises(pyclv.DataValidationError, match="time unit"):
        tracking(models[0], log, calibration_period_end=CAL_END, observation_period_end=OBS_END, time_unit="D")
    with pytest.raises(pyclv.DataValidationError, match="calibration_period_end"):
        tracking(models[0], log[log["date"] <= CAL_END], calibration_period_end=OBS_END, observation_period_end=CAL_END)
    late = pd.concat(
        [
            log,
            pd.DataFrame(
                {"customer_id": [99999], "date": [pd.Timestamp("1998-01-05")], "quantity": [1], "amount": [9.0]}
            ),
        ]
    )
    with pytest.warns(pyclv.PyCLVWarning, match="first purchase in the holdout period"):
        tracking(models[0], late, calibration_period_end=CAL_END, observation_period_end=OBS_END)


def test_tracking_expected_is_the_sum_of_new_customer_expectations(fhl: pyclv.BetaGeo, log: pd.DataFrame) -> None:
    table = tracking(fhl, log, calibration_period_end=CAL_END, observation_period_end=OBS_END)
    for end in (CAL_END, OBS_END):
        part = log[log["date"] <= end]
        ages = pyclv.rfm_summary(part, observation_period_end=end, time_unit="W")["T"].to_numpy()
        direct = fhl.expected_purchases_new_customer(ages).sum()
        assert table.loc[end, "expected_cumulative"] == pytest.approx(direct, rel=1e-12)
    # the BG/NBD tracks CDNOW's cumulative repeat transactions within 5% at weeks 39 and 78 (FHL 2005, Figure 1)
    error = table["expected_cumulative"] / table["actual_cumulative"] - 1
    assert abs(error.loc[CAL_END]) < 0.05 and abs(error.loc[OBS_END]) < 0.05


def test_tracking_by_calendar_month_and_by_day(fhl: pyclv.BetaGeo, log: pd.DataFrame, weekly: pd.DataFrame) -> None:
    def run(period: str) -> pd.DataFrame:
        return tracking(fhl, log, calibration_period_end=CAL_END, observation_period_end=OBS_END, period=period)

    monthly = run("MS")
    assert len(monthly) == 18 and monthly.index[0] == pd.Timestamp("1997-01-31")
    assert monthly["actual"].sum() == 4339 and monthly["holdout"].sum() == 9
    daily = run("D")
    assert len(daily) == 546
    for end in ("1997-01-31", CAL_END, OBS_END):
        assert daily.loc[end, "expected_cumulative"] == pytest.approx(
            monthly.loc[end, "expected_cumulative"], rel=1e-12
        )
    assert daily.loc[CAL_END, "actual_cumulative"] == weekly.loc[CAL_END, "actual_cumulative"]
    # fixed lengths count from the calibration end: 273 calibration days are 19 fortnights and a first week
    fortnights = run("14D")
    assert fortnights.index[0] == pd.Timestamp("1997-01-07") and len(fortnights) == 40
    assert fortnights["partial"].tolist() == [True] + [False] * 38 + [True]
    assert fortnights["days"].iloc[[0, 1, -2, -1]].tolist() == [7, 14, 14, 7]
    # calendar weeks: partial first and last weeks, and the calibration end (a Tuesday) cuts its week in two
    sundays = run("W-SUN")
    assert sundays.index[0] == pd.Timestamp("1997-01-05") and pd.Timestamp(CAL_END) in sundays.index
    inner = sundays.index.drop([pd.Timestamp(CAL_END), pd.Timestamp(OBS_END)])
    assert (inner.day_of_week == 6).all() and len(inner) == len(pd.date_range("1997-01-05", OBS_END, freq="W-SUN"))
    assert sundays.index[-1] == pd.Timestamp(OBS_END) and sundays["actual"].sum() == 4339
    # the Wednesday 1997-01-01 starts a 5-day week; Tuesday's cut leaves 2 + 5 days; the data end on a Tuesday
    cut = sundays.index.get_loc(pd.Timestamp(CAL_END))
    assert sundays.index[sundays["partial"]].tolist() == list(sundays.index[[0, cut, cut + 1, -1]])
    assert sundays["days"].iloc[[0, cut, cut + 1, -1]].tolist() == [5, 2, 5, 2]
    assert (sundays.loc[~sundays["partial"], "days"] == 7).all()
    assert sundays.loc[CAL_END, "expected_cumulative"] == pytest.approx(
        daily.loc[CAL_END, "expected_cumulative"], rel=1e-12
    )
    with pytest.raises(ValueError, match="whole number of days"):
        run("12h")
    with pytest.raises(ValueError, match="period must be"):
        run("fortnightly")


def test_tracking_leaves_out_customers_born_after_calibration(fhl: pyclv.BetaGeo, log: pd.DataFrame) -> None:
    with pytest.warns(pyclv.PyCLVWarning, match="not in the calibration cohort"):
        table = tracking(fhl, log, calibration_period_end="1997-02-15", observation_period_end=OBS_END)
    daily = _daily_log(log)
    cohort = daily[(daily["birth"] <= "1997-02-15") & daily["repeat"]]
    assert table["actual"].sum() == len(cohort)


def test_tracking_checks_time_units_and_dates(fhl: pyclv.BetaGeo, log: pd.DataFrame) -> None:
    def run(model: pyclv.BetaGeo, **kwargs: object) -> pd.DataFrame:
        return tracking(model, log, calibration_period_end=CAL_END, observation_period_end=OBS_END, **kwargs)

    with pytest.raises(pyclv.DataValidationError, match="time unit"):
        run(fhl, time_unit="D")
    unitless = pyclv.BetaGeo.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
    with pytest.raises(ValueError, match="time_unit="):
        run(unitless)
    assert run(unitless, time_unit="W").equals(run(fhl))
    # the observation end defaults to the last transaction, here the end of the CDNOW log
    assert tracking(fhl, log, calibration_period_end=CAL_END).equals(run(fhl))
    with pytest.raises(pyclv.DataValidationError, match="calibration_period_end"):
        tracking(fhl, log, calibration_period_end=OBS_END, observation_period_end=OBS_END)
    with pytest.raises(pyclv.DataValidationError, match="before the first transaction"):
        tracking(fhl, log, calibration_period_end="1996-12-31", observation_period_end=OBS_END)
    with pytest.raises(TypeError, match="transaction model"):
        tracking(pyclv.GammaGamma(), log, calibration_period_end=CAL_END)


def test_tracking_periods_end_at_the_calibration_end(fhl: pyclv.BetaGeo, log: pd.DataFrame) -> None:
    # a Sunday cut on the 271st day: weeks are counted back and forth from it, so the weeks on either side of
    # the cut are whole; the first week is partial (271 = 38 * 7 + 5 days) and so is the last (273 = 39 * 7 + 2)
    cut = "1997-09-28"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pyclv.PyCLVWarning)
        table = tracking(fhl, log, calibration_period_end=cut, observation_period_end=OBS_END)
    assert pd.Timestamp(cut) in table.index
    assert table.index[0] == pd.Timestamp("1997-01-05") and table["days"].iloc[0] == 5
    assert table.index[table["partial"]].tolist() == [pd.Timestamp("1997-01-05"), pd.Timestamp(OBS_END)]
    assert table["days"].iloc[-1] == 2 and (table["days"].iloc[1:-1] == 7).all()
    assert table["days"].sum() == (pd.Timestamp(OBS_END) - pd.Timestamp("1997-01-01")).days + 1
    at_cut = table.index.get_loc(pd.Timestamp(cut))
    assert not table["holdout"].iloc[at_cut] and table["holdout"].iloc[at_cut + 1]
    assert table.attrs["n_customers"] == 2357 and table.attrs["period"] == "W"


@settings(max_examples=80, deadline=None)
@given(
    first=st.integers(0, 400),
    calibration=st.integers(0, 800),
    holdout=st.integers(1, 800),
    period=st.sampled_from(["D", "W", "M", "Y", "14D", "W-SUN", "W-WED", "MS", "ME", "QS"]),
)
def test_tracking_periods_tile_the_days(first: int, calibration: int, holdout: int, period: str) -> None:
    cut = first + calibration
    last = cut + holdout
    ends, days, partial = _periods(first, last, cut, _tracking_period(period))
    assert np.all(np.diff(ends) > 0) and ends[-1] == last and cut in ends
    assert np.all(days >= 1) and days.sum() == last - first + 1
    at_cut = int(np.flatnonzero(ends == cut)[0])
    if period in DAYS_PER_UNIT or period == "14D":
        length = DAYS_PER_UNIT.get(period, 14.0)
        # counted from the cut: only the first and the last period can be short
        assert set(np.flatnonzero(partial)) <= {0, len(ends) - 1}
        assert np.all((days[~partial] == math.floor(length)) | (days[~partial] == math.ceil(length)))
    else:
        # calendar periods: the first, the two either side of the cut and the last can be short
        assert set(np.flatnonzero(partial)) <= {0, at_cut, at_cut + 1, len(ends) - 1}
        # a whole period starts (MS, QS) or ends (W-SUN, ME) on a day of the calendar frequency
        calendar = pd.date_range("1968-01-01", "1976-12-31", freq=period)
        starts, stops = (pd.DatetimeIndex(d.astype("datetime64[D]")) for d in (ends - days + 1, ends))
        assert (starts.isin(calendar) | stops.isin(calendar))[~partial].all()


# ---------------------------------------------------------------------------------------------- evaluate_at
# BTYD's vignette "Buy 'Til You Die - A Walkthrough" (CRAN package BTYD, vignettes/BTYD-walkthrough.pdf), the
# Pareto/NBD on the CDNOW sample with a 39-week calibration period: cum.tracking[, 20:25], the cumulative repeat
# transactions at weeks 20 to 25, printed rounded to whole transactions.
BTYD_CUMULATIVE_WEEKS_20_25 = {
    "actual": [1359, 1414, 1484, 1517, 1573, 1672],
    "expected": [1309, 1385, 1460, 1533, 1604, 1674],
}


@pytest.fixture(scope="module")
def pareto(split: pd.DataFrame) -> pyclv.ParetoNBD:
    return pyclv.ParetoNBD().fit(split)


def _lifetimes_cumulative(model: pyclv.BetaGeo | pyclv.ParetoNBD, log: pd.DataFrame) -> np.ndarray:
    """lifetimes' expected_cumulative_transactions, weekly over the 78 weeks, at ``model``'s parameters."""
    with warnings.catch_warnings():  # lifetimes changes the global warning filters: keep them in here
        warnings.simplefilter("ignore")
        lifetimes = pytest.importorskip("lifetimes")
        fitter = lifetimes.ParetoNBDFitter() if isinstance(model, pyclv.ParetoNBD) else lifetimes.BetaGeoFitter()
        fitter.params_ = model.params_.copy()  # its expectation reads only params_
        table = lifetimes.utils.expected_cumulative_transactions(
            fitter, log, "date", "customer_id", 78 * 7, freq="D", freq_multiplier=7
        )
    return table["predicted"].to_numpy(dtype=float)


def _at(model: object, log: pd.DataFrame, evaluate_at: str) -> pd.DataFrame:
    return tracking(
        model, log, calibration_period_end=CAL_END, observation_period_end=OBS_END, evaluate_at=evaluate_at
    )


@pytest.mark.parametrize("family", ["bg_nbd", "pareto_nbd"])
def test_tracking_at_the_end_of_the_day_is_btyd_and_lifetimes(
    family: str, models: tuple, pareto: pyclv.ParetoNBD, log: pd.DataFrame
) -> None:
    model = models[0] if family == "bg_nbd" else pareto
    end = _at(model, log, "end")
    assert end.attrs["evaluate_at"] == "end" and len(end) == 78
    np.testing.assert_allclose(end["expected_cumulative"], _lifetimes_cumulative(model, log), rtol=1e-6)
    weeks = end.iloc[19:25]
    assert weeks["actual_cumulative"].tolist() == BTYD_CUMULATIVE_WEEKS_20_25["actual"]
    if family == "pareto_nbd":  # BTYD's walkthrough tracks the Pareto/NBD
        assert weeks["expected_cumulative"].round().tolist() == BTYD_CUMULATIVE_WEEKS_20_25["expected"]


def test_tracking_at_the_start_of_the_day_is_pyclvs_default(
    models: tuple, pareto: pyclv.ParetoNBD, log: pd.DataFrame, weekly: pd.DataFrame, split: pd.DataFrame
) -> None:
    bg = models[0]
    start = _at(bg, log, "start")
    assert start.equals(weekly) and weekly.attrs["evaluate_at"] == "start"
    # at the calibration end, "start" is the sum of E[X(T)] at the summary's T; "end" is one day later
    ages = split["T"].to_numpy()
    assert start.loc[CAL_END, "expected_cumulative"] == pytest.approx(
        bg.expected_purchases_new_customer(ages).sum(), rel=1e-12
    )
    end = _at(bg, log, "end")
    assert end.loc[CAL_END, "expected_cumulative"] == pytest.approx(
        bg.expected_purchases_new_customer(ages + 1 / 7).sum(), rel=1e-12
    )
    assert start[["actual", "actual_cumulative"]].equals(end[["actual", "actual_cumulative"]])
    # measured: "start" is 0.83 % (BG/NBD) and 0.85 % (Pareto/NBD) lower at week 20, 0.58 % and 0.59 % at
    # week 25 (the gap, one day of purchases, shrinks as the cohort ages)
    for model in (bg, pareto):
        gap = 1 - _at(model, log, "start")["expected_cumulative"] / _at(model, log, "end")["expected_cumulative"]
        weeks = gap.iloc[19:25].to_numpy()
        assert np.all((weeks > 0.0057) & (weeks < 0.0086)) and np.all(np.diff(weeks) < 0)
        assert gap.iloc[0] == pytest.approx(0.272, abs=0.001) and 0.001 < gap.iloc[-1] < 0.0013


def test_tracking_refuses_an_unknown_evaluate_at(models: tuple, log: pd.DataFrame) -> None:
    with pytest.raises(pyclv.DataValidationError, match="evaluate_at must be 'start'.*got 'middle'") as caught:
        _at(models[0], log, "middle")
    assert caught.value.column == "evaluate_at"


@pytest.mark.parametrize(
    ("function", "column"),
    [("plot_cumulative_transactions", "expected_cumulative"), ("plot_incremental_transactions", "expected")],
)
def test_tracking_plots_pass_evaluate_at_on(models: tuple, log: pd.DataFrame, function: str, column: str) -> None:
    ax = getattr(plotting, function)(
        models[0], log, calibration_period_end=CAL_END, observation_period_end=OBS_END, evaluate_at="end",
        ax=Figure().subplots(),
    )
    model_line = ax.get_lines()[1]
    np.testing.assert_array_equal(model_line.get_ydata(), _at(models[0], log, "end")[column].to_numpy())
