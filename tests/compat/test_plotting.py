"""pyclv.compat.lifetimes.plotting side by side with lifetimes.plotting 0.11.3 on CDNOW.

The data drawn are read back from the Axes (bar heights, line ydata, heat-map arrays) and compared with what
lifetimes draws, at the same parameters (the lifetimes fitter holds the compat fitter's). Where lifetimes'
function fails on pandas 3 or matplotlib 3.8+, the comparison is with the lifetimes model functions its figure
would have drawn, and the failure is asserted, so that the test says when it changes.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

import matplotlib
import numpy as np
import pandas as pd
import pytest

import pyclv
from pyclv.compat import lifetimes as compat
from pyclv.compat.lifetimes import plotting as cplot
from pyclv.exceptions import DataValidationError, PyCLVWarning

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


@contextmanager
def _contained() -> Iterator[None]:
    """lifetimes sets global warning filters at import and in its calls: keep them in here."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def _quietly(call: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    with _contained():
        return call(*args, **kwargs)


@pytest.fixture(scope="module")
def lt() -> ModuleType:
    with _contained():
        module = pytest.importorskip("lifetimes")
        import lifetimes.plotting  # noqa: F401
    return module


@pytest.fixture(autouse=True)
def _close_figures() -> Iterator[None]:
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def transactions() -> pd.DataFrame:
    return pyclv.datasets.load_cdnow_transactions()


@pytest.fixture(scope="module")
def daily(transactions: pd.DataFrame) -> compat.BetaGeoFitter:
    """BG/NBD fitted in days on CDNOW's 39-week calibration period, as a lifetimes user would fit it."""
    with pytest.warns(PyCLVWarning, match="excluded"):
        data = compat.utils.summary_data_from_transaction_data(
            transactions, "customer_id", "date", observation_period_end="1997-09-30"
        )
    return compat.BetaGeoFitter().fit(data["frequency"], data["recency"], data["T"])


@pytest.fixture(scope="module")
def weekly() -> compat.BetaGeoFitter:
    data = pyclv.datasets.load_cdnow_summary()
    return compat.BetaGeoFitter().fit(data["frequency"], data["recency"], data["T"])


def _twin(lt: ModuleType, fitter: compat.BetaGeoFitter) -> Any:
    """A lifetimes BG/NBD fitter holding the compat fitter's parameters and data."""
    twin = lt.BetaGeoFitter()
    twin.params_ = fitter.params_.copy()
    twin.data = fitter.data.copy()
    return twin


def _axes() -> Any:
    return plt.figure().subplots()


# ---------------------------------------------------------------------------------------- calibration
def test_period_transactions_count_the_customers_and_agree_with_lifetimes_simulation(
    lt: ModuleType, weekly: compat.BetaGeoFitter
) -> None:
    data = weekly.data
    with _contained():
        theirs_fit = lt.BetaGeoFitter().fit(data["frequency"], data["recency"], data["T"])
        np.random.seed(20240612)  # lifetimes simulates with numpy's global generator
        plt.figure()
        theirs = lt.plotting.plot_period_transactions(theirs_fit)
    ours = cplot.plot_period_transactions(weekly, ax=_axes())
    actual = [bar.get_height() for bar in ours.containers[0]]
    model = np.array([bar.get_height() for bar in ours.containers[1]])
    # lifetimes: 7 bars (0-6), pyclv adds "7+", so that both sets count all 2,357 customers
    assert len(actual) == len(model) == 8
    assert sum(actual) == 2357 and model.sum() == pytest.approx(2357)
    their_actual = [bar.get_height() for bar in theirs.containers[0]]
    their_model = np.array([bar.get_height() for bar in theirs.containers[1]])
    assert actual[:7] == their_actual
    # lifetimes simulates 2,357 customers: its counts scatter around pyclv's exact expectation binomially
    spread = np.sqrt(model[:7] * (1 - model[:7] / 2357))
    assert np.all(np.abs(their_model - model[:7]) <= 4 * spread)


def test_period_transactions_labels_and_titles(weekly: compat.BetaGeoFitter) -> None:
    ax = cplot.plot_period_transactions(weekly, max_frequency=3, title="T", xlabel="X", ylabel="Y",
                                        label=["Observed", "BG/NBD"], ax=_axes())
    assert [c.get_label() for c in ax.containers] == ["Observed", "BG/NBD"]
    assert (ax.get_title(), ax.get_xlabel(), ax.get_ylabel()) == ("T", "X", "Y")
    assert len(ax.containers[0]) == 4


def test_calibration_vs_holdout_matches_lifetimes(lt: ModuleType, transactions: pd.DataFrame) -> None:
    split = compat.utils.calibration_and_holdout_data(
        transactions, "customer_id", "date", calibration_period_end="1997-09-30",
        observation_period_end="1998-06-30", freq="W",
    )
    fitter = compat.BetaGeoFitter().fit(split["frequency_cal"], split["recency_cal"], split["T_cal"])
    plt.figure()
    theirs = _quietly(lt.plotting.plot_calibration_purchases_vs_holdout_purchases, _twin(lt, fitter), split)
    ours = cplot.plot_calibration_purchases_vs_holdout_purchases(fitter, split, ax=_axes())
    for mine, their in zip(ours.get_lines(), theirs.get_lines(), strict=True):
        assert len(mine.get_ydata()) == 8 and len(their.get_ydata()) == 7  # pyclv adds the group "7+"
        np.testing.assert_allclose(mine.get_ydata()[:7], their.get_ydata(), rtol=1e-6)


# ---------------------------------------------------------------------------------------- matrices
@pytest.mark.parametrize(
    ("ours_call", "their_name", "options"),
    [
        (cplot.plot_frequency_recency_matrix, "plot_frequency_recency_matrix", {"T": 4}),
        (cplot.plot_frequency_recency_matrix, "plot_frequency_recency_matrix", {"T": 1, "max_frequency": 10,
                                                                               "max_recency": 20}),
        (cplot.plot_probability_alive_matrix, "plot_probability_alive_matrix", {}),
    ],
)
def test_matrices_hold_lifetimes_values_turned(
    lt: ModuleType, weekly: compat.BetaGeoFitter, ours_call: Callable[..., Any], their_name: str,
    options: dict[str, Any],
) -> None:
    plt.figure()
    theirs = _quietly(getattr(lt.plotting, their_name), _twin(lt, weekly), **options).images[0].get_array()
    ours = ours_call(weekly, ax=_axes(), **options).collections[0].get_array()
    # lifetimes: rows recency, columns frequency; pyclv: rows frequency, columns recency
    assert ours.shape == theirs.shape[::-1]
    impossible = np.zeros(ours.shape, dtype=bool)
    impossible[0, 1:] = True  # frequency 0 with recency > 0: blank in pyclv
    np.testing.assert_array_equal(np.ma.getmaskarray(ours), impossible)
    np.testing.assert_allclose(ours[~impossible], np.asarray(theirs).T[~impossible], rtol=1e-9)


# ---------------------------------------------------------------------------------------- where lifetimes fails
def test_expected_repeat_purchases_draws_lifetimes_curve(lt: ModuleType, weekly: compat.BetaGeoFitter) -> None:
    twin = _twin(lt, weekly)
    plt.figure()
    with pytest.raises(AttributeError, match="prop_cycler"):  # lifetimes' figure fails on matplotlib >= 3.8
        _quietly(lt.plotting.plot_expected_repeat_purchases, twin)
    ax = cplot.plot_expected_repeat_purchases(weekly, label="BG/NBD", color="C3", ax=_axes())
    solid, dashed = ax.get_lines()
    longest = float(weekly.data["T"].max())
    for line, (start, stop), style in ((solid, (0, longest), "-"), (dashed, (longest, 1.5 * longest), "--")):
        times = np.linspace(start, stop, 100)
        np.testing.assert_allclose(line.get_xdata(), times)
        np.testing.assert_allclose(line.get_ydata(), _quietly(twin.expected_number_of_purchases_up_to_time, times),
                                   rtol=1e-9)
        assert line.get_linestyle() == style and line.get_color() == "C3"
    assert solid.get_label() == "BG/NBD"


def test_history_alive_matches_lifetimes_p_alive_day_by_day(
    lt: ModuleType, daily: compat.BetaGeoFitter, transactions: pd.DataFrame
) -> None:
    one = transactions[transactions["customer_id"] == 1]
    twin = _twin(lt, daily)
    plt.figure()
    with pytest.raises(TypeError):  # lifetimes' figure fails on pandas 3 (it sums the dates)
        _quietly(lt.plotting.plot_history_alive, twin, 300, one, "date")
    ax = cplot.plot_history_alive(daily, 300, one, "date", start_date="1997-02-01", ax=_axes())
    path = ax.get_lines()[0].get_ydata()
    assert len(path) == 301  # the first purchase day and 300 more, as lifetimes' path
    # what lifetimes' path holds (calculate_alive_path): P(alive) at each day's history, in days
    days = np.arange(301)
    purchase_days = np.array([0, 17, 213])  # customer 1 bought on 1 Jan, 18 Jan and 2 Aug 1997
    frequency = np.searchsorted(purchase_days, days, side="right") - 1
    recency = purchase_days[frequency]
    expected = _quietly(twin.conditional_probability_alive, frequency, recency, days)
    np.testing.assert_allclose(path, expected, rtol=1e-9)
    assert len(ax.get_lines()[1].get_xdata()) == 3
    assert matplotlib.dates.num2date(ax.get_xlim()[0]).date().isoformat() == "1997-02-01"


# ---------------------------------------------------------------------------------------- tracking
@pytest.fixture(scope="module")
def tracking_days(lt: ModuleType, daily: compat.BetaGeoFitter, transactions: pd.DataFrame) -> pd.DataFrame:
    return _quietly(lt.utils.expected_cumulative_transactions, _twin(lt, daily), transactions, "date",
                    "customer_id", 546)


def test_cumulative_tracking_matches_lifetimes_up_to_the_day_convention(
    lt: ModuleType, daily: compat.BetaGeoFitter, transactions: pd.DataFrame, tracking_days: pd.DataFrame
) -> None:
    plt.figure()
    theirs = _quietly(lt.plotting.plot_cumulative_transactions, _twin(lt, daily), transactions, "date",
                      "customer_id", 546, 273)
    ours = cplot.plot_cumulative_transactions(daily, transactions, "date", "customer_id", 546, 273, ax=_axes())
    actual, expected = (line.get_ydata() for line in ours.get_lines()[:2])
    their_actual, their_expected = (line.get_ydata() for line in theirs.get_lines()[:2])
    np.testing.assert_allclose(their_expected, tracking_days["predicted"])
    np.testing.assert_array_equal(actual, their_actual)
    assert actual[-1] == 4339
    # pyclv evaluates each day's expectation at its start, lifetimes at its end: pyclv is lower, by
    # 0.58-0.83 % at weeks 20-25 (days 140-175, measured) and 0.12 % on the last day
    gap = expected / their_expected - 1
    assert np.all((gap[139:175] > -0.009) & (gap[139:175] < -0.0055))
    assert -0.0015 < gap[-1] < -0.001
    assert np.all(gap[7:] < 0)
    calibration_end = ours.get_lines()[2].get_xdata()[0]
    assert pd.Timestamp(calibration_end).date().isoformat() == "1997-09-30"


def test_incremental_tracking_matches_lifetimes(
    lt: ModuleType, daily: compat.BetaGeoFitter, transactions: pd.DataFrame, tracking_days: pd.DataFrame
) -> None:
    ours = cplot.plot_incremental_transactions(daily, transactions, "date", "customer_id", 546, 273, ax=_axes())
    actual, expected = (line.get_ydata() for line in ours.get_lines()[:2])
    their_incremental = tracking_days.diff()  # what lifetimes draws: NaN on the first day
    np.testing.assert_array_equal(actual[1:], their_incremental["actual"].to_numpy()[1:])
    assert actual[0] == 0.0  # no repeat purchase on the first day; lifetimes: NaN
    # the day convention in increments: pyclv's day k is lifetimes' day k - 1, exactly
    np.testing.assert_allclose(expected[2:], their_incremental["predicted"].to_numpy()[1:-1], rtol=1e-9)


def test_weekly_tracking_differs_from_lifetimes_by_its_calendar_weeks(
    lt: ModuleType, weekly: compat.BetaGeoFitter, transactions: pd.DataFrame
) -> None:
    theirs = _quietly(lt.utils.expected_cumulative_transactions, _twin(lt, weekly), transactions, "date",
                      "customer_id", 79, freq="W")
    ours = cplot.plot_cumulative_transactions(weekly, transactions, "date", "customer_id", 79, 40, freq="W",
                                              ax=_axes())
    actual, expected = (line.get_ydata() for line in ours.get_lines()[:2])
    assert len(actual) == len(theirs) == 79  # calendar weeks, Monday to Sunday, from 30 December 1996
    assert pd.Timestamp(ours.get_lines()[0].get_xdata()[0]).date().isoformat() == "1997-01-05"
    # lifetimes counts one purchase per customer and week: 335 fewer by the end (measured)
    assert actual[-1] - theirs["actual"].iloc[-1] == 335
    gap = expected / theirs["predicted"].to_numpy() - 1  # its ages are whole weeks from the birth week
    assert np.all((gap[19:25] > -0.032) & (gap[19:25] < -0.021))  # weeks 20-25: 2.2-3.1 % (measured)


# ---------------------------------------------------------------------------------------- errors
def test_errors_name_the_argument(weekly: compat.BetaGeoFitter, transactions: pd.DataFrame,
                                  tmp_path: Path) -> None:
    with pytest.raises(DataValidationError, match="color") as error:
        cplot.plot_period_transactions(weekly, color="red")
    assert error.value.column == "color"
    with pytest.raises(DataValidationError, match="kind='recency_cal'"):
        cplot.plot_calibration_purchases_vs_holdout_purchases(weekly, pd.DataFrame(), kind="recency_cal")
    with pytest.raises(DataValidationError, match="duration_holdout"):
        cplot.plot_calibration_purchases_vs_holdout_purchases(
            weekly, pd.DataFrame({"frequency_cal": [1.0], "recency_cal": [1.0], "T_cal": [2.0],
                                  "frequency_holdout": [0.0]}))
    with pytest.raises(DataValidationError, match="freq must be one of"):
        cplot.plot_cumulative_transactions(weekly, transactions, "date", "customer_id", 79, 40, freq="M")
    with pytest.raises(DataValidationError, match="t_cal"):
        cplot.plot_cumulative_transactions(weekly, transactions, "date", "customer_id", 40, 40, freq="W")
    with pytest.raises(DataValidationError, match="pyclv.compat.lifetimes"):
        cplot.plot_probability_alive_matrix(pyclv.BetaGeo.from_params(r=0.2, alpha=4.0, a=0.8, b=2.4))
    path = tmp_path / "bgf.json"
    weekly.save_model(path)
    loaded = compat.BetaGeoFitter()
    loaded.load_model(path)
    with pytest.raises(DataValidationError, match="fit"):
        cplot.plot_probability_alive_matrix(loaded)
    ax = cplot.plot_probability_alive_matrix(loaded, max_frequency=5, max_recency=30, ax=_axes())
    assert ax.collections[0].get_array().shape == (6, 31)
