"""Tests of pyclv.plotting: every figure draws, is labelled, and its artists hold the numbers they should.

The tables the figures draw (pyclv.evaluation.frequency_recency_matrix, period_transactions, tracking, ...) are
tested in tests/evaluation/; here each figure is checked to draw them.

The data are the bundled CDNOW sample and the BG/NBD parameters Fader, Hardie & Lee (2005, Table 1) estimated
on its 39-week calibration period, and a simulated three-year daily log. Expected values are computed
independently of the plotting code, from the raw transaction log with pandas or from the model's public
predictions customer by customer. Every figure is also checked to be readable (:func:`assert_readable`): no two
of its tick labels or texts overlap once it is laid out and drawn, as the report draws it.
"""

from __future__ import annotations

import itertools
import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest
from matplotlib import dates as mdates
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

import pyclv
from pyclv import plotting
from pyclv.exceptions import DataValidationError, PyCLVWarning

CALIBRATION_END = "1997-09-30"
OBSERVATION_END = "1998-06-30"


@pytest.fixture(scope="module")
def bgnbd() -> pyclv.BetaGeo:
    # FHL (2005), Table 1: BG/NBD estimates on the CDNOW sample, 39-week calibration period.
    return pyclv.BetaGeo.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426, time_unit="W")


@pytest.fixture(scope="module")
def transactions() -> pd.DataFrame:
    return pyclv.datasets.load_cdnow_transactions()


@pytest.fixture(scope="module")
def summary() -> pd.DataFrame:
    return pyclv.datasets.load_cdnow_summary()


@pytest.fixture(scope="module")
def split(transactions: pd.DataFrame) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PyCLVWarning)
        return pyclv.calibration_holdout_split(
            transactions,
            calibration_period_end=CALIBRATION_END,
            observation_period_end=OBSERVATION_END,
            monetary_value_col="amount",
            time_unit="W",
        )


@pytest.fixture
def ax():
    figure = Figure()
    return figure.subplots()


#: Every test of this file draws on the headless pyplot of tests/conftest.py (Agg, no show, figures closed).
pytestmark = pytest.mark.usefixtures("pyplot")


def _visible_texts(axes) -> list:
    """The tick labels matplotlib draws on ``axes`` (non-empty, at ticks inside the view) and its texts."""
    texts = [text for text in axes.texts if text.get_visible() and text.get_text()]
    for axis in (axes.xaxis, axes.yaxis):
        low, high = sorted(axis.get_view_interval())
        tolerance = 1e-9 * max(1.0, abs(high - low))
        for tick in axis.get_major_ticks():
            if low - tolerance <= tick.get_loc() <= high + tolerance:
                texts += [label for label in (tick.label1, tick.label2) if label.get_visible() and label.get_text()]
    return texts


def assert_readable(ax) -> None:
    """Lay the figure out and draw it as the report does; then no two visible tick labels or texts of any of its
    Axes (colour bars included) overlap, and its title and axis labels lie inside the figure."""
    figure = ax.figure
    canvas = figure.canvas if isinstance(figure.canvas, FigureCanvasAgg) else FigureCanvasAgg(figure)
    figure.tight_layout()
    canvas.draw()
    renderer = canvas.get_renderer()
    for axes in figure.axes:
        texts = _visible_texts(axes)
        boxes = [text.get_window_extent(renderer).padded(-0.5) for text in texts]  # touching is not overlapping
        for (a, box_a), (b, box_b) in itertools.combinations(zip(texts, boxes, strict=True), 2):
            assert not box_a.overlaps(box_b), f"{a.get_text()!r} overlaps {b.get_text()!r} on {axes.get_label()!r}"
    page = figure.bbox.padded(1.0)
    for text in (ax.title, ax.xaxis.label, ax.yaxis.label):
        if text.get_text():
            box = text.get_window_extent(renderer)
            inside = page.x0 <= box.x0 and box.x1 <= page.x1 and page.y0 <= box.y0 and box.y1 <= page.y1
            assert inside, f"{text.get_text()!r} runs off the figure"


def _three_year_log(seed: int = 11, n: int = 4_000) -> pd.DataFrame:
    """A daily log of the BG/NBD process over three years: customers arrive all along (rates per day
    Gamma(0.5, 20), dropout after each purchase Beta(0.8, 4)), one row per purchase day."""
    rng = np.random.default_rng(seed)
    span = (pd.Timestamp("2023-12-31") - pd.Timestamp("2021-01-01")).days + 1
    births = rng.integers(0, span, n)
    rates, dropout = rng.gamma(0.5, 1 / 20.0, n), rng.beta(0.8, 4.0, n)
    rows = []
    for i in range(n):
        times = births[i] + np.cumsum(rng.exponential(1 / rates[i], size=rng.geometric(dropout[i])))
        days = np.unique(np.r_[births[i], np.floor(times[times < span])]).astype(int)
        rows.append(pd.DataFrame({"customer_id": i, "day": days}))
    log = pd.concat(rows, ignore_index=True)
    log["date"] = pd.Timestamp("2021-01-01") + pd.to_timedelta(log.pop("day"), unit="D")
    log["amount"] = np.round(rng.gamma(2.0, 20.0, len(log)), 2)
    return log


@pytest.fixture(scope="module")
def daily_log() -> pd.DataFrame:
    return _three_year_log()


#: The simulation's parameters in weeks (a daily rate of Gamma(0.5, 20) is a weekly one of Gamma(0.5, 20 / 7)).
DAILY_BGNBD = {"r": 0.5, "alpha": 20.0 / 7.0, "a": 0.8, "b": 4.0}

#: A Sunday, the 724th day of the log: not a whole number of weeks from its first day.
SUNDAY_CUT = "2022-12-25"


# ---------------------------------------------------------------------------------------------------------
# General contract
# ---------------------------------------------------------------------------------------------------------


def test_assert_readable_catches_overlapping_labels(ax):
    # what the retention heat map did with 36 monthly cohorts: a label on every row
    ax.imshow(np.zeros((36, 36)))
    ax.set_yticks(np.arange(36), [str(p) for p in pd.period_range("2021-01", periods=36, freq="M")])
    with pytest.raises(AssertionError, match="overlaps"):
        assert_readable(ax)
    other = Figure().subplots()
    other.text(0.5, 0.5, "100%")
    other.text(0.51, 0.5, "100%")  # cell texts running together
    with pytest.raises(AssertionError, match="'100%' overlaps '100%'"):
        assert_readable(other)


def test_importing_plotting_does_not_import_matplotlib():
    code = "import sys, pyclv.plotting; sys.exit(1 if 'matplotlib' in sys.modules else 0)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_ax_none_draws_on_the_current_pyplot_axes(bgnbd, summary, pyplot):
    current = pyplot.figure().gca()
    assert plotting.plot_period_transactions(bgnbd, summary) is current
    assert plotting.plot_clv_distribution(np.arange(10.0)) is current


# ---------------------------------------------------------------------------------------------------------
# Frequency x recency matrices
# ---------------------------------------------------------------------------------------------------------


def test_frequency_recency_matrix_holds_expected_purchases(bgnbd, ax):
    out = plotting.plot_frequency_recency_matrix(bgnbd, T=39.0, max_frequency=12, t=52.0, ax=ax)
    assert out is ax
    values = ax.collections[0].get_array()
    assert values.shape == (
        13,
        40,
    )  # frequencies 0..12, recencies 0, 1, ..., 39 (40 points up to T)
    assert "next 52 weeks" in ax.get_title() and "T = 39 weeks" in ax.get_title()
    assert "frequency" in ax.get_ylabel().lower() and "recency (weeks" in ax.get_xlabel().lower()
    assert_readable(ax)
    recency = np.linspace(0.0, 39.0, 40)
    for f, j in [(1, 0), (3, 10), (12, 39), (7, 25)]:
        cell = pyclv.with_time_unit(pd.DataFrame({"frequency": [float(f)], "recency": [recency[j]], "T": [39.0]}), "W")
        assert values[f, j] == pytest.approx(bgnbd.expected_purchases(cell, 52.0).iloc[0], rel=1e-12)
    # frequency 0 with recency > 0 cannot happen: blank; frequency 0 at recency 0 is drawn
    assert values.mask[0, 1:].all() and not values.mask[0, 0] and not values.mask[1:].any()
    # more recent buyers (same frequency) are worth more: expected purchases increase along each row
    assert np.all(np.diff(values[1:].filled(np.nan), axis=1) > 0)


def test_probability_alive_matrix_holds_p_alive(bgnbd, ax):
    plotting.plot_probability_alive_matrix(bgnbd, T=39.0, max_frequency=5, max_recency=20.0, ax=ax)
    values = ax.collections[0].get_array()
    recency = np.linspace(0.0, 20.0, 21)
    cells = pyclv.with_time_unit(pd.DataFrame({"frequency": 4.0, "recency": recency, "T": 39.0}), "W")
    np.testing.assert_allclose(values[4], bgnbd.p_alive(cells).to_numpy(), rtol=1e-12)
    assert values[0, 0] == 1.0  # BG/NBD: no repeat purchase, no chance to drop out yet
    assert 0.0 <= values.min() and values.max() <= 1.0
    assert ax.collections[0].get_clim() == (0.0, 1.0)
    assert "alive" in ax.get_title().lower()


def test_matrix_titles_read_as_durations(bgnbd, ax):
    # the report's median age of the CDNOW customers is 26.2857 weeks; a one-week horizon is "next week"
    plotting.plot_frequency_recency_matrix(bgnbd, T=26.2857, t=1.0, ax=ax)
    assert ax.get_title() == "Expected purchases in the next week,\nby frequency and recency (age T = 26 weeks)"
    assert ax.figure.axes[1].get_ylabel() == "Expected purchases in the next week"
    unitless = pyclv.BetaGeo.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
    other = Figure().subplots()
    plotting.plot_probability_alive_matrix(unitless, T=1.0, max_frequency=3, ax=other)
    assert other.get_title().endswith("(age T = 1 time unit)") and "time units from" in other.get_xlabel()
    assert_readable(ax)
    assert_readable(other)


def test_matrix_default_frequency_is_the_99_percent_quantile(bgnbd, ax):
    cdf = np.cumsum([bgnbd.probability_of_purchases(n, 39.0) for n in range(60)])
    quantile = int(np.argmax(cdf >= 0.99))
    plotting.plot_frequency_recency_matrix(bgnbd, T=39.0, ax=ax)
    assert ax.collections[0].get_array().shape[0] == quantile + 1


def test_matrix_stays_small_for_long_histories(bgnbd, ax):
    # ten years in weeks, and in days: the grid is capped at 200 recency points, whatever T is
    days = pyclv.BetaGeo.from_params(r=0.243, alpha=4.414 * 7, a=0.793, b=2.426, time_unit="D")
    plotting.plot_probability_alive_matrix(days, T=3652.0, max_frequency=20, ax=ax)
    assert ax.collections[0].get_array().shape == (21, 200)


def test_matrix_rejects_recency_beyond_age(bgnbd, ax):
    with pytest.raises(ValueError, match="max_recency"):
        plotting.plot_frequency_recency_matrix(bgnbd, T=10.0, max_recency=11.0, ax=ax)
    with pytest.raises(ValueError, match="T must be"):
        plotting.plot_probability_alive_matrix(bgnbd, T=0.0, ax=ax)


# ---------------------------------------------------------------------------------------------------------
# Calibration fit and holdout
# ---------------------------------------------------------------------------------------------------------


def test_period_transactions_actual_bars_are_the_histogram(bgnbd, summary, ax):
    plotting.plot_period_transactions(bgnbd, summary, ax=ax)
    actual, model = ax.containers
    counts = summary["frequency"].clip(upper=7).value_counts().sort_index()
    # the CDNOW calibration histogram (FHL 2005, Figure 2): 1,411 customers made no repeat purchase
    assert [bar.get_height() for bar in actual] == counts.tolist() == [1411, 439, 214, 100, 62, 38, 29, 64]
    assert [t.get_text() for t in ax.get_xticklabels()] == [
        "0",
        "1",
        "2",
        "3",
        "4",
        "5",
        "6",
        "7+",
    ]
    assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel() == "Customers"
    assert [c.get_label() for c in ax.containers] == ["Actual", "Model"]
    heights = np.array([bar.get_height() for bar in model])
    assert heights.sum() == pytest.approx(len(summary), rel=1e-12)
    assert_readable(ax)


def test_period_transactions_model_bars_sum_probabilities_per_customer(bgnbd, summary, ax):
    plotting.plot_period_transactions(bgnbd, summary, max_frequency=4, ax=ax)
    heights = np.array([bar.get_height() for bar in ax.containers[1]])
    T = summary["T"].to_numpy()
    direct = [sum(bgnbd.probability_of_purchases(k, T)) for k in range(4)]  # one customer at a time, no grouping
    np.testing.assert_allclose(heights[:4], direct, rtol=1e-10)
    np.testing.assert_allclose(heights[4], len(T) - sum(direct), rtol=1e-10)


def test_period_transactions_model_bars_match_simulation(bgnbd, summary, ax):
    plotting.plot_period_transactions(bgnbd, summary, ax=ax)
    heights = np.array([bar.get_height() for bar in ax.containers[1]])
    reps = 50
    sim = bgnbd.simulate(reps * len(summary), np.tile(summary["T"].to_numpy(), reps), seed=20260101)
    simulated = np.bincount(np.minimum(sim["frequency"].to_numpy(), 7).astype(int), minlength=8) / reps
    # standard error of a bin's mean count over 50 replicates is at most sqrt(N / 4 / 50) ~ 3.4 customers
    np.testing.assert_allclose(simulated, heights, atol=4 * np.sqrt(len(summary) / 4 / reps))


def test_calibration_vs_holdout_lines_are_group_means(bgnbd, split, ax):
    out = plotting.plot_calibration_purchases_vs_holdout_purchases(bgnbd, split, ax=ax)
    assert out is ax
    actual, model = ax.get_lines()
    group = split["frequency"].clip(upper=7)
    expected_actual = split["frequency_holdout"].groupby(group).mean()
    expected_model = bgnbd.expected_purchases(split, 39.0).groupby(group).mean()
    np.testing.assert_allclose(actual.get_ydata(), expected_actual.to_numpy(), rtol=1e-12)
    np.testing.assert_allclose(model.get_ydata(), expected_model.to_numpy(), rtol=1e-12)
    assert list(actual.get_xdata()) == list(range(8))
    assert ax.get_xticklabels()[-1].get_text() == "7+"
    assert "holdout" in ax.get_ylabel().lower() and "calibration" in ax.get_xlabel().lower()
    # more calibration purchases, more holdout purchases: in the data and in the model
    assert np.all(np.diff(actual.get_ydata()) > 0) and np.all(np.diff(model.get_ydata()) > 0)
    # the model here is conditional on each customer's history; the tracking plots' is not: each figure says so
    assert model.get_label() == "Model (conditional)" and "conditional on each customer's history" in ax.get_title()
    assert "(39 weeks)" in ax.get_title()
    assert_readable(ax)


def test_calibration_vs_holdout_needs_holdout_columns(bgnbd, summary, ax):
    with pytest.raises(DataValidationError, match="frequency_holdout"):
        plotting.plot_calibration_purchases_vs_holdout_purchases(bgnbd, summary, ax=ax)


# ---------------------------------------------------------------------------------------------------------
# Tracking
# ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("function", "actual", "expected", "ylabel"),
    [
        (
            plotting.plot_cumulative_transactions,
            "actual_cumulative",
            "expected_cumulative",
            "Cumulative",
        ),
        (plotting.plot_incremental_transactions, "actual", "expected", "per week"),
    ],
)
def test_tracking_plots_draw_the_table(bgnbd, transactions, ax, function, actual, expected, ylabel):
    out = function(
        bgnbd,
        transactions,
        calibration_period_end=CALIBRATION_END,
        observation_period_end=OBSERVATION_END,
        ax=ax,
    )
    assert out is ax
    table = pyclv.tracking(
        bgnbd, transactions, calibration_period_end=CALIBRATION_END, observation_period_end=OBSERVATION_END
    )
    assert not table["partial"].any()  # CDNOW: 39 + 39 whole weeks
    actual_line, model_line, calibration_line = ax.get_lines()
    np.testing.assert_array_equal(actual_line.get_ydata(), table[actual].to_numpy())
    np.testing.assert_array_equal(model_line.get_ydata(), table[expected].to_numpy())
    assert pd.DatetimeIndex(actual_line.get_xdata()).equals(pd.DatetimeIndex(table.index.to_numpy()))
    assert model_line.get_label() == "Model (unconditional)"
    assert calibration_line.get_label() == f"End of calibration ({CALIBRATION_END})"
    assert pd.Timestamp(calibration_line.get_xdata()[0]) == pd.Timestamp(CALIBRATION_END)
    assert ylabel in ax.get_ylabel() and "Tracking" in ax.get_title()
    assert "2,357 customers acquired by 1997-09-30" in ax.get_title()
    assert not ax.patches  # no partial period to shade
    assert_readable(ax)


def _drawn_tracking(ax, daily_log, period: str) -> tuple[pd.DataFrame, list]:
    """The incremental tracking plot of the three-year log cut on a Sunday, and the table it draws."""
    model = pyclv.BetaGeo.from_params(**DAILY_BGNBD, time_unit="W")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PyCLVWarning)  # customers acquired after the cut are left out
        dates = {"calibration_period_end": SUNDAY_CUT, "observation_period_end": "2023-12-31"}
        plotting.plot_incremental_transactions(model, daily_log, period=period, ax=ax, **dates)
        table = pyclv.tracking(model, daily_log, period=period, **dates)
    return table, ax.get_lines()


def test_incremental_tracking_leaves_partial_periods_out(daily_log, ax):
    # three years of days, cut on a Sunday that is not a whole number of weeks from the first day: the weeks
    # are counted from the cut, so only the first week is partial (724 days = 103 weeks + 3 days; the 371 days
    # after the cut are 53 weeks)
    table, (actual_line, model_line, cut_line) = _drawn_tracking(ax, daily_log, "W")
    assert table.index[table["partial"]].tolist() == [pd.Timestamp("2021-01-03")]
    assert table.loc[SUNDAY_CUT, "days"] == 7 and table["days"].iloc[table.index.get_loc(SUNDAY_CUT) + 1] == 7
    whole = ~table["partial"].to_numpy()
    for line, column in ((actual_line, "actual"), (model_line, "expected")):
        y = line.get_ydata()
        np.testing.assert_array_equal(y[whole], table.loc[whole, column].to_numpy())
        assert np.isnan(y[~whole]).all()
    assert pd.DatetimeIndex(actual_line.get_xdata()).equals(table.index)
    assert pd.Timestamp(cut_line.get_xdata()[0]) == pd.Timestamp(SUNDAY_CUT)
    # the partial first period is shaded over its three days and said so in the legend
    (span,) = ax.patches
    left, right = span.get_x(), span.get_x() + span.get_width()
    assert (left, right) == (pytest.approx(mdates.date2num(pd.Timestamp("2020-12-31"))),
                             pytest.approx(mdates.date2num(pd.Timestamp("2021-01-03"))))
    legend = [text.get_text() for text in ax.get_legend().get_texts()]
    assert legend[0] == "Partial period (fewer days), left out"
    # no crash at the cut: the drawn weeks either side of it are within 25 % of each other
    at_cut = table.index.get_loc(SUNDAY_CUT)
    drawn = actual_line.get_ydata()
    assert drawn[at_cut + 1] == pytest.approx(drawn[at_cut], rel=0.25)
    assert ax.get_ylabel() == "Repeat transactions per week" and "per week" in ax.get_title()
    assert_readable(ax)


def test_incremental_tracking_of_calendar_weeks_shades_the_cut(daily_log, ax):
    # calendar weeks ending on Saturdays: the Sunday cut leaves a 1-day week and a 6-day week either side of it
    table, (actual_line, model_line, _) = _drawn_tracking(ax, daily_log, "W-SAT")
    at_cut = table.index.get_loc(SUNDAY_CUT)
    partial = np.flatnonzero(table["partial"].to_numpy())
    assert at_cut in partial and at_cut + 1 in partial and table["days"].iloc[at_cut] == 1
    assert np.isnan(actual_line.get_ydata()[partial]).all() and np.isnan(model_line.get_ydata()[partial]).all()
    assert len(ax.patches) == len(partial)
    days = [round(p.get_width()) for p in ax.patches]
    assert days == table["days"].iloc[partial].tolist()
    assert_readable(ax)


def test_cumulative_tracking_of_a_long_daily_log(daily_log, ax):
    model = pyclv.BetaGeo.from_params(**DAILY_BGNBD, time_unit="W")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PyCLVWarning)
        plotting.plot_cumulative_transactions(model, daily_log, calibration_period_end=SUNDAY_CUT, ax=ax)
        table = pyclv.tracking(model, daily_log, calibration_period_end=SUNDAY_CUT)
    actual_line, model_line, _ = ax.get_lines()
    np.testing.assert_array_equal(actual_line.get_ydata(), table["actual_cumulative"].to_numpy())
    np.testing.assert_array_equal(model_line.get_ydata(), table["expected_cumulative"].to_numpy())
    n_cohort = daily_log.groupby("customer_id")["date"].min().le(SUNDAY_CUT).sum()
    assert f"{n_cohort:,} customers acquired by {SUNDAY_CUT}" in ax.get_title()
    # the model simulated is the model drawn: it tracks the actual curve within 5 % at the end
    assert model_line.get_ydata()[-1] == pytest.approx(actual_line.get_ydata()[-1], rel=0.05)
    assert_readable(ax)


def test_tracking_plots_pass_the_period_and_time_unit_on(transactions, ax):
    unitless = pyclv.BetaGeo.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
    plotting.plot_incremental_transactions(
        unitless, transactions, calibration_period_end=CALIBRATION_END, observation_period_end=OBSERVATION_END,
        time_unit="W", period="MS", ax=ax,
    )
    assert len(ax.get_lines()[0].get_xdata()) == 18  # calendar months from January 1997 to June 1998
    with pytest.raises(ValueError, match="time_unit="):
        plotting.plot_cumulative_transactions(unitless, transactions, calibration_period_end=CALIBRATION_END, ax=ax)


# ---------------------------------------------------------------------------------------------------------
# One customer's history
# ---------------------------------------------------------------------------------------------------------


def test_history_alive_follows_the_customer(bgnbd, transactions, ax):
    out = plotting.plot_history_alive(bgnbd, transactions, 3, ax=ax)  # customer 3 bought once, on 1997-01-01
    assert out is ax
    curve, purchases = ax.get_lines()
    rows = transactions[transactions["customer_id"] == 3]
    assert pd.DatetimeIndex(purchases.get_xdata()).equals(pd.DatetimeIndex(rows["date"].drop_duplicates()))
    assert np.all(curve.get_ydata() == 1.0)  # no repeat purchase: alive for sure under the BG/NBD
    assert len(curve.get_xdata()) == (pd.Timestamp(OBSERVATION_END) - pd.Timestamp("1997-01-01")).days + 1
    assert_readable(ax)


def test_history_alive_ends_at_the_models_p_alive(bgnbd, transactions, ax):
    customer = 79  # four purchase days, the last on 1997-05-03
    plotting.plot_history_alive(bgnbd, transactions, customer, observation_period_end=CALIBRATION_END, ax=ax)
    curve, purchases = ax.get_lines()
    rows = transactions[(transactions["customer_id"] == customer) & (transactions["date"] <= CALIBRATION_END)]
    ours = pyclv.rfm_summary(rows, observation_period_end=CALIBRATION_END, time_unit="W")
    assert curve.get_ydata()[-1] == pytest.approx(bgnbd.p_alive(ours).iloc[0], rel=1e-12)
    assert len(purchases.get_xdata()) == rows["date"].nunique() == 4
    assert len(curve.get_xdata()) == (pd.Timestamp(CALIBRATION_END) - rows["date"].min()).days + 1
    y = curve.get_ydata()
    assert np.all((0 <= y) & (y <= 1))
    after_last = np.asarray(pd.DatetimeIndex(curve.get_xdata()) > rows["date"].max())
    assert np.all(np.diff(y[after_last]) < 0)  # silence after the last purchase: P(alive) decays
    assert ax.get_ylabel() == "P(alive)" and str(customer) in ax.get_title()
    assert_readable(ax)


def test_history_alive_unknown_customer(bgnbd, transactions, ax):
    with pytest.raises(DataValidationError, match="no transactions") as info:
        plotting.plot_history_alive(bgnbd, transactions, "1", ax=ax)
    assert info.value.column == "customer_id"


# ---------------------------------------------------------------------------------------------------------
# Value
# ---------------------------------------------------------------------------------------------------------


def test_clv_distribution_counts_every_customer(ax):
    rng = np.random.default_rng(7)
    clv = pd.Series(rng.gamma(0.5, 100.0, size=1_000), name="clv")
    plotting.plot_clv_distribution(clv, bins=20, scale="linear", ax=ax)
    heights = np.array([p.get_height() for p in ax.patches])
    assert len(heights) == 20 and heights.sum() == 1_000
    np.testing.assert_array_equal(heights, np.histogram(clv, bins=20)[0])
    mean_line, median_line = ax.get_lines()
    assert mean_line.get_xdata()[0] == pytest.approx(clv.mean()) and median_line.get_xdata()[0] == pytest.approx(
        clv.median()
    )
    assert ax.get_ylabel() == "Customers" and "lifetime value" in ax.get_title() and ax.get_xscale() == "linear"
    assert_readable(ax)


def _bin_edges(ax) -> np.ndarray:
    """The histogram's bin edges, read back from its bars."""
    return np.array([p.get_x() for p in ax.patches] + [ax.patches[-1].get_x() + ax.patches[-1].get_width()])


def test_clv_distribution_shows_a_skewed_shape_on_log_bins(ax):
    # lognormal values: a long right tail
    rng = np.random.default_rng(7)
    clv = pd.Series(rng.lognormal(2.0, 1.2, size=5_000), name="clv")
    plotting.plot_clv_distribution(clv, bins=30, ax=ax)
    assert ax.get_xscale() == "log" and "log scale" in ax.get_xlabel()
    edges = _bin_edges(ax)
    heights = np.array([p.get_height() for p in ax.patches])
    np.testing.assert_array_equal(heights, np.histogram(clv, bins=edges)[0])
    assert heights.sum() == 5_000 and len(heights) == 30
    # equal width on the log axis: every bin spans the same ratio, from the smallest value to the largest
    np.testing.assert_allclose(edges[1:] / edges[:-1], edges[1] / edges[0], rtol=1e-9)
    assert edges[0] == pytest.approx(clv.min()) and edges[-1] == pytest.approx(clv.max())
    # the shape shows: a bell with its peak inside, no bar above 11 % of the customers, where bins of equal
    # width put 90 % of them in the first bar
    assert 5 < np.argmax(heights) < 25 and heights.max() < 0.11 * len(clv)
    assert np.histogram(clv, bins=30)[0][0] > 0.85 * len(clv)
    assert_readable(ax)


def _shown_labels(axis) -> dict[float, str]:
    """The labelled major ticks of an axis inside its view, by position (read after the figure is drawn)."""
    low, high = sorted(axis.get_view_interval())
    tolerance = 1e-9 * (high - low)
    return {
        tick.get_loc(): tick.label1.get_text()
        for tick in axis.get_major_ticks()
        if low - tolerance <= tick.get_loc() <= high + tolerance and tick.label1.get_text()
    }


def _decades_and_zero(ax) -> list[str]:
    """The x tick labels drawn in the view, from left to right."""
    shown = _shown_labels(ax.xaxis)
    return [shown[x] for x in sorted(shown)]


@pytest.fixture(scope="module")
def daily_clv(daily_log) -> pd.Series:
    """The three-year log's one-year CLVs (margin 0.3, 10 % a year) under the model it was simulated from: many
    customers, long gone, are worth next to nothing (down to 1e-36)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PyCLVWarning)
        summary = pyclv.rfm_summary(daily_log, monetary_value_col="amount", time_unit="W")
    model = pyclv.BetaGeo.from_params(**DAILY_BGNBD, time_unit="W")
    spend = pyclv.GammaGamma.from_params(p=2.0, q=100.0, v=2_000.0)  # amounts Gamma(2, scale 20): mean 40
    return pyclv.customer_lifetime_value(model, spend, summary, horizon=52.0, annual_discount_rate=0.1, margin=0.3)


def test_clv_distribution_of_a_daily_log_keeps_its_tick_labels_apart(daily_clv, ax):
    clv = daily_clv
    positive = clv[clv > 0]
    assert clv.min() < 1e-30 and np.quantile(positive, 0.01) < 1e-6  # ten decades of near-zero values
    plotting.plot_clv_distribution(clv, ax=ax)
    assert ax.get_xscale() == "symlog"
    edges = _bin_edges(ax)
    heights = np.array([p.get_height() for p in ax.patches])
    np.testing.assert_array_equal(heights, np.histogram(clv, bins=edges)[0])
    assert heights.sum() == len(clv)
    # the log part starts at a decade: the 1st percentile, but at most three decades below the median (0.0065)
    threshold = edges[1]
    assert edges[0] == 0.0 and threshold == 0.001 and heights[0] == (clv < 0.001).sum() == 158
    assert ax.get_xlim() == (0.0, pytest.approx(clv.max()))
    # ticks at 0 and at decades from the threshold up, every one labelled, none touching another
    assert_readable(ax)
    labels = _decades_and_zero(ax)
    assert labels[0] == "0" and labels[1:] == ["0.001", "0.01", "0.1", "1", "10", "100"]
    # the first bar covers 0 to the threshold, as wide on the axis as a decade
    to_pixels = ax.transData.transform
    zero, first, tenth = (to_pixels((x, 1.0))[0] for x in (0.0, 0.001, 0.01))
    assert first - zero >= 0.99 * (tenth - first)


def test_clv_distribution_tick_labels_thin_out_on_a_narrow_figure(daily_clv):
    ax = Figure(figsize=(2.5, 2.5)).subplots()
    plotting.plot_clv_distribution(daily_clv, ax=ax)
    ax.set_title("")  # a small multiple, titled and explained by its page
    ax.set_xlabel("CLV")
    assert_readable(ax)
    labels = _decades_and_zero(ax)
    assert labels[0] == "0" and 2 <= len(labels) < 7


def test_clv_distribution_draws_zeros_apart(ax):
    # 90 % of the customers are worth exactly 0: they are said in the title, not merged with the first values
    rng = np.random.default_rng(3)
    positive = rng.lognormal(3.0, 1.0, size=990)
    clv = pd.Series(np.r_[np.zeros(9_010), positive], name="clv")
    plotting.plot_clv_distribution(clv, ax=ax)
    assert ax.get_xscale() == "symlog"
    edges = _bin_edges(ax)
    heights = np.array([p.get_height() for p in ax.patches])
    assert heights.sum() == 990  # only the positive values are in the bars
    np.testing.assert_array_equal(heights, np.histogram(positive, bins=edges)[0])
    assert edges[1] == 1.0  # the 1st percentile of the positive values (2.1) rounded down to a decade
    assert ax.get_title().endswith("(10,000 customers)\n9,010 of them (90%) at exactly 0, not in the bars")
    assert [text.get_text() for text in ax.get_legend().get_texts()] == [f"Mean ({clv.mean():.2f})", "Median (0.00)"]
    # the y axis is scaled to the bars: the tallest one reaches at least 80 % of the axis
    assert ax.get_yscale() == "linear" and heights.max() >= 0.8 * ax.get_ylim()[1]
    assert_readable(ax)


def test_clv_distribution_one_dwarfing_bar_gets_a_log_y_axis(ax):
    # 5,000 long-gone customers worth about 1e-12 and 100 worth 1 to 1,000: one bar is 50 times any other
    rng = np.random.default_rng(4)
    clv = np.r_[rng.uniform(0.9e-12, 1.1e-12, 5_000), rng.lognormal(3.0, 1.0, 100)]
    plotting.plot_clv_distribution(clv, ax=ax)
    heights = np.sort([p.get_height() for p in ax.patches])
    assert heights[-1] > 50 * heights[-2]
    assert ax.get_yscale() == "log" and ax.get_ylabel() == "Customers (log scale)"
    assert ax.get_ylim()[0] < 1.0  # a bar of one customer shows
    assert_readable(ax)
    # no dwarfing bar: a linear axis
    other = Figure().subplots()
    plotting.plot_clv_distribution(rng.lognormal(3.0, 1.0, 500), ax=other)
    assert other.get_yscale() == "linear" and other.get_ylabel() == "Customers"


def test_clv_distribution_of_equal_values_is_one_bar_centred_on_them(ax):
    plotting.plot_clv_distribution(np.full(100, 12.5), ax=ax)
    (bar,) = [p for p in ax.patches if p.get_height() > 0]
    assert bar.get_height() == 100 and len(ax.patches) == 1
    assert bar.get_x() + bar.get_width() / 2 == pytest.approx(12.5) and 0 < bar.get_width() <= 1.25
    mean_line, median_line = ax.get_lines()
    assert mean_line.get_xdata()[0] == median_line.get_xdata()[0] == 12.5
    assert_readable(ax)
    zeros = Figure().subplots()
    plotting.plot_clv_distribution(np.zeros(5), ax=zeros)
    (bar,) = zeros.patches
    assert bar.get_x() + bar.get_width() / 2 == pytest.approx(0.0) and bar.get_width() > 0


def test_clv_distribution_names_the_currency(daily_clv, ax):
    plotting.plot_clv_distribution(np.linspace(10.0, 20.0, 50), currency="EUR", ax=ax)
    assert ax.get_xlabel() == "Customer lifetime value (EUR)"
    other = Figure().subplots()
    plotting.plot_clv_distribution(daily_clv, currency="$", ax=other)
    assert other.get_xlabel() == "Customer lifetime value ($; log scale, bins of equal width on it)"
    assert_readable(other)


def test_clv_distribution_puts_zeros_on_a_symlog_axis(ax, bgnbd, summary):
    clv = bgnbd.expected_purchases(summary, 52.0) * 35.0
    clv.iloc[:300] = 0.0  # customers known to be gone
    plotting.plot_clv_distribution(clv, ax=ax)
    assert ax.get_xscale() == "symlog"
    edges = _bin_edges(ax)
    heights = np.array([p.get_height() for p in ax.patches])
    positive = clv[clv > 0]
    # the log part starts at the 1st percentile of the positive values, rounded down to a decade
    threshold = 10.0 ** np.floor(np.log10(np.quantile(positive, 0.01)))
    assert edges[0] == 0.0 and edges[1] == pytest.approx(threshold)
    assert heights[0] == ((clv > 0) & (clv < threshold)).sum() and heights.sum() == len(clv) - 300
    np.testing.assert_array_equal(heights, np.histogram(positive, bins=edges)[0])
    assert ax.get_xlim()[0] == 0.0
    assert ax.get_title().endswith("\n300 of them (13%) at exactly 0, not in the bars")
    assert_readable(ax)


def test_clv_distribution_scale_choice_and_errors(ax):
    # no long tail: equal widths; negative values: linear, and refused on a log scale
    plotting.plot_clv_distribution(np.linspace(10.0, 20.0, 50), bins=5, ax=ax)
    assert ax.get_xscale() == "linear"
    other = Figure().subplots()
    plotting.plot_clv_distribution(np.array([-5.0, 1.0, 2.0, 300.0]), bins=3, ax=other)
    assert other.get_xscale() == "linear"
    with pytest.raises(DataValidationError, match="negative") as info:
        plotting.plot_clv_distribution(np.array([-5.0, 1.0, 2.0, 300.0]), scale="log", ax=other)
    assert info.value.n_rows == 1 and info.value.column == "clv"
    with pytest.raises(ValueError, match="scale must be"):
        plotting.plot_clv_distribution(np.ones(3), scale="logarithmic", ax=other)
    # nothing spreads on a log axis: all equal values are drawn on the linear one
    plotting.plot_clv_distribution(np.full(4, 7.0), scale="log", ax=Figure().subplots())


def test_clv_distribution_reads_the_clv_column_and_rejects_nan(ax):
    plotting.plot_clv_distribution(pd.DataFrame({"clv": [1.0, 2.0], "clv_lower": [0.0, 1.0]}), bins=2, ax=ax)
    assert sum(p.get_height() for p in ax.patches) == 2
    with pytest.raises(DataValidationError) as info:
        plotting.plot_clv_distribution(pd.Series([1.0, np.nan, np.inf]), ax=ax)
    assert info.value.n_rows == 2


def test_lift_chart_bars_are_the_actual_shares(bgnbd, split, ax):
    predicted = bgnbd.expected_purchases(split, 39.0)
    out = plotting.plot_lift_chart(predicted, split["frequency_holdout"], ax=ax)
    assert out is ax
    table = pyclv.decile_table(predicted, split["frequency_holdout"])
    np.testing.assert_allclose(
        [bar.get_height() for bar in ax.containers[0]],
        table["share"],
        rtol=1e-12,
    )
    predicted_line, random_line = ax.get_lines()
    np.testing.assert_allclose(predicted_line.get_ydata(), table["predicted_share"], rtol=1e-12)
    assert random_line.get_ydata()[0] == pytest.approx(0.1)
    assert "Share of actual value" in ax.get_ylabel()
    # the shares read as percentages
    ax.figure.canvas.draw()
    shown = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    assert shown and all(text.endswith("%") for text in shown)
    assert ax.yaxis.get_major_formatter().format_ticks([0.0, 0.1, 0.2]) == ["0%", "10%", "20%"]
    assert_readable(ax)


def test_lift_chart_needs_value_to_share_and_enough_customers(ax):
    predicted = pd.Series([5.0, 1.0, 3.0, 0.0], index=["a", "b", "c", "d"])
    actual = pd.Series([2.0, 4.0, 0.0, 4.0], index=["d", "c", "b", "a"])
    with pytest.raises(DataValidationError, match="positive total"):
        plotting.plot_lift_chart(predicted, actual * 0, n_bins=2, ax=ax)
    with pytest.raises(DataValidationError, match="cannot fill 5 groups"):
        plotting.plot_lift_chart(predicted, actual, n_bins=5, ax=ax)


# ---------------------------------------------------------------------------------------------------------
# Cohorts
# ---------------------------------------------------------------------------------------------------------


@pytest.fixture
def retention() -> pd.DataFrame:
    table = pd.DataFrame(
        [[0.62, 0.48, 0.41], [0.58, 0.45, np.nan], [0.66, np.nan, np.nan]],
        index=pd.Index(["2024-01", "2024-02", "2024-03"], name="cohort"),
        columns=pd.Index([1, 2, 3], name="month"),
    )
    return table


def test_cohort_retention_image_is_the_table(retention, ax):
    out = plotting.plot_cohort_retention(retention, ax=ax)
    assert out is ax
    image = ax.images[0].get_array()
    np.testing.assert_array_equal(image.filled(np.nan), retention.to_numpy())
    assert image.mask.sum() == 3
    assert [t.get_text() for t in ax.get_yticklabels() if t.get_text()] == ["2024-01", "2024-02", "2024-03"]
    assert [t.get_text() for t in ax.get_xticklabels() if t.get_text()] == ["1", "2", "3"]
    # large cells: every rate is written in its own cell
    assert [(t.get_text(), t.get_position()) for t in ax.texts] == [
        ("62%", (0, 0)),
        ("48%", (1, 0)),
        ("41%", (2, 0)),
        ("58%", (0, 1)),
        ("45%", (1, 1)),
        ("66%", (0, 2)),
    ]
    # no period 0 here: the scale runs to the largest rate, rounded up to 5 %
    assert ax.images[0].norm.vmin == 0.0 and ax.images[0].norm.vmax == pytest.approx(0.7)
    assert ax.get_xlabel() == "Month" and ax.get_ylabel() == "Cohort"
    assert ax.get_title() == "Retention by cohort (3 cohorts)"
    assert_readable(ax)
    plotting.plot_cohort_retention(retention, annotate=False, ax=Figure().subplots())


def _retention_of(n_cohorts: int, seed: int = 5, start: str = "2019-01") -> pd.DataFrame:
    """A monthly retention triangle: period 0 is 100 %, later periods decay from about 30 % with noise."""
    rng = np.random.default_rng(seed)
    ages = np.arange(n_cohorts)
    rates = np.clip(0.3 * np.exp(-ages / 18.0)[None, :] + rng.normal(0, 0.02, (n_cohorts, n_cohorts)), 0, 1)
    rates[:, 0] = 1.0
    rates[ages[:, None] + ages[None, :] >= n_cohorts] = np.nan  # younger cohorts: fewer months observed
    cohorts = pd.period_range(start, periods=n_cohorts, freq="M", name="cohort")
    return pd.DataFrame(rates, index=cohorts, columns=pd.RangeIndex(n_cohorts, name="periods_since_acquisition"))


@pytest.mark.parametrize("n_cohorts", [3, 12, 36, 60])
def test_cohort_retention_stays_readable(n_cohorts, ax):
    table = _retention_of(n_cohorts)
    plotting.plot_cohort_retention(table, ax=ax)
    assert_readable(ax)
    image = ax.images[0]
    np.testing.assert_array_equal(image.get_array().filled(np.nan), table.to_numpy())
    # period 0 (100 % by definition) is above the scale, drawn in the colour map's "over" grey
    later = table.iloc[:, 1:].to_numpy()
    assert np.nanmax(later) <= image.norm.vmax < np.nanmax(later) + 0.05 and image.norm.vmax < 1.0
    assert image.cmap.get_over()[:3] == pytest.approx((0.85, 0.85, 0.85))
    assert ax.figure.axes[1].get_ylabel() == "Retention rate (period 0 = 100 %, grey)"
    # every label shown is its own row's or column's, and enough are shown to find one's way
    for axis, labels in ((ax.yaxis, table.index.astype(str)), (ax.xaxis, table.columns.astype(str))):
        shown = {round(t.get_loc()): t.label1.get_text() for t in axis.get_major_ticks() if t.label1.get_text()}
        assert shown and all(labels[i] == text for i, text in shown.items())
        assert len(shown) >= min(n_cohorts, 5)
    assert ax.get_xlabel() == "Months since acquisition" and ax.get_ylabel() == "Acquisition month (cohort)"
    # cell texts only when the cells have room: with 3 cohorts x 3 months, not with 12 x 12 and more
    assert bool(ax.texts) == (n_cohorts == 3)


@pytest.mark.parametrize("start", ["2019-01", "2020-11"])
@pytest.mark.parametrize("n_cohorts", [12, 36, 60])
def test_cohort_retention_labels_months_at_steps_that_divide_a_year(n_cohorts, start, ax):
    # 60 monthly cohorts were labelled every 10 months (2020-11, 2021-09, ...): now every 1, 2, 3, 6 or 12
    # months, on the months a step of that size starts a year at (January; quarters; half-years)
    table = _retention_of(n_cohorts, start=start)
    plotting.plot_cohort_retention(table, ax=ax)
    assert_readable(ax)
    shown = _shown_labels(ax.yaxis)
    rows = sorted(round(loc) for loc in shown)
    steps = set(np.diff(rows))
    assert len(steps) == 1 and steps <= {1, 2, 3, 6, 12} and len(rows) >= 4
    (step,) = steps
    months = [table.index[i] for i in rows]
    assert [shown[i] for i in rows] == [str(month) for month in months]
    assert all((month.month - 1) % step == 0 for month in months)
    assert rows[0] < step  # the first such month of the table is labelled
    # the months since acquisition likewise: 0, then every 1, 2, 3, 6 or 12 months
    columns = sorted(round(loc) for loc in _shown_labels(ax.xaxis))
    assert columns[0] == 0 and len(set(np.diff(columns))) == 1 and set(np.diff(columns)) <= {1, 2, 3, 6, 12}
    if n_cohorts == 60:  # five years: labelled every year (or half-year), not every 10 months
        assert step in (6, 12) and columns[1] in (6, 12)


def test_cohort_retention_of_cdnow_cohorts(transactions, ax):
    # the three CDNOW cohorts, followed for 15 to 17 months: narrow cells, no cell texts to run together
    retention = pyclv.business.cohort_table(transactions).retention
    plotting.plot_cohort_retention(retention, ax=ax)
    assert retention.shape == (3, 18) and not ax.texts
    largest = np.nanmax(retention.iloc[:, 1:].to_numpy())  # 15.9 %, in month 1 of the January cohort
    assert ax.images[0].norm.vmax == pytest.approx(np.ceil(largest * 100) / 100) == pytest.approx(0.16)
    assert_readable(ax)


def test_cohort_retention_rejects_counts_and_text(retention, ax):
    with pytest.raises(DataValidationError, match=r"outside \[0, 1\]") as info:
        plotting.plot_cohort_retention(retention * 100, ax=ax)
    assert info.value.n_rows == 3
    with pytest.raises(DataValidationError, match="not numbers"):
        plotting.plot_cohort_retention(retention.astype(str), ax=ax)


def test_payback_lines_and_cost(ax):
    curves = pd.DataFrame(
        {0: [10.0, 12.0], 3: [25.0, 26.0], 6: [38.0, np.nan]},
        index=pd.Index(["2024-Q1", "2024-Q2"], name="cohort"),
    )
    out = plotting.plot_payback(curves, acquisition_cost=30.0, ax=ax)
    assert out is ax
    first, second, cost = ax.get_lines()
    np.testing.assert_array_equal(first.get_xdata(), [0.0, 3.0, 6.0])
    np.testing.assert_array_equal(first.get_ydata(), [10.0, 25.0, 38.0])
    np.testing.assert_array_equal(second.get_ydata(), [12.0, 26.0, np.nan])
    assert first.get_label() == "2024-Q1" and cost.get_label() == "Acquisition cost"
    assert list(cost.get_ydata()) == [30.0, 30.0]
    assert "margin" in ax.get_ylabel().lower() and "Payback" in ax.get_title()
    assert_readable(ax)


def test_payback_accepts_one_curve():
    ax = Figure().subplots()
    curve = pd.Series([5.0, 9.0, 12.0], index=["M1", "M2", "M3"], name="all customers")
    plotting.plot_payback(curve, ax=ax)
    (line,) = ax.get_lines()
    assert line.get_label() == "all customers"
    np.testing.assert_array_equal(line.get_ydata(), [5.0, 9.0, 12.0])
    assert [t.get_text() for t in ax.get_xticklabels()] == ["M1", "M2", "M3"]
    with pytest.raises(ValueError, match="acquisition_cost"):
        plotting.plot_payback(curve, acquisition_cost=float("nan"), ax=ax)


@pytest.fixture(scope="module")
def cdnow_payback(transactions, bgnbd) -> pyclv.business.Payback:
    """Payback of the CDNOW cohorts observed to the end of the calibration period, then forecast for a year."""
    calibration = transactions[transactions["date"] <= CALIBRATION_END]
    tables = pyclv.business.cohort_table(calibration, monetary_value_col="amount")
    spend = pyclv.GammaGamma.from_params(p=6.25, q=3.74, v=15.44)  # FHL (2005, "RFM and CLV"), CDNOW
    forecast = pyclv.business.cohort_forecast(
        bgnbd, calibration, spend_model=spend, monetary_value_col="amount", n_periods=12
    )
    return pyclv.business.payback(tables, 20.0, margin=0.3, forecast=forecast)


def test_payback_marks_where_the_forecast_begins(cdnow_payback, ax):
    plotting.plot_payback(cdnow_payback, acquisition_cost=20.0, ax=ax)
    observed, forecast = cdnow_payback.observed, cdnow_payback.forecast
    lines = ax.get_lines()
    assert len(lines) == 3 * 3 + 1  # per cohort: observed, forecast, last observed point; then the cost
    for k, cohort in enumerate(observed.index):
        solid, dashed, last = lines[3 * k : 3 * k + 3]
        seen = observed.loc[cohort].dropna()
        n_seen = len(seen)  # months 0 .. n_seen - 1 observed
        assert solid.get_label() == str(cohort) and solid.get_linestyle() == "-"
        np.testing.assert_array_equal(solid.get_ydata()[:n_seen], seen.to_numpy())
        assert np.isnan(solid.get_ydata()[n_seen:]).all()
        assert dashed.get_linestyle() == "--" and np.isnan(dashed.get_ydata()[: n_seen - 1]).all()
        np.testing.assert_array_equal(dashed.get_ydata()[n_seen - 1 :], forecast.loc[cohort].to_numpy()[n_seen - 1 :])
        assert (last.get_xdata()[0], last.get_ydata()[0]) == (n_seen - 1, seen.iloc[-1])
        assert last.get_markerfacecolor() == "white"
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend[-3:] == ["Observed", "Forecast", "Last observed period"]
    assert "observed (solid) then forecast (dashed)" in ax.get_title()
    assert ax.get_xlabel() == "Months since acquisition"
    assert all(float(t).is_integer() for t in ax.get_xticks())
    assert_readable(ax)
    # the same drawing from the forecast curves and the observed ones given apart
    other = Figure().subplots()
    plotting.plot_payback(cdnow_payback.forecast, observed=cdnow_payback.observed, ax=other)
    np.testing.assert_array_equal(other.get_lines()[1].get_ydata(), lines[1].get_ydata())


def test_payback_names_the_oldest_and_youngest_of_many_cohorts(ax):
    curves = pd.DataFrame(
        np.cumsum(np.full((24, 12), 2.0), axis=1), index=pd.period_range("2022-01", periods=24, freq="M")
    )
    plotting.plot_payback(curves, ax=ax)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["2022-01 (oldest)", "2023-12 (youngest)"]
    colours = [line.get_color() for line in ax.get_lines()]
    assert len({tuple(c) for c in colours}) == 24  # one colour per cohort, old to young
    assert_readable(ax)


def test_backtest_draws_its_table(ax):
    table = pd.DataFrame(
        {
            "cutoff": pd.date_range("2021-03-31", periods=12, freq="QE"),
            "horizon_days": 90,
            "revenue_actual": np.linspace(900.0, 1_400.0, 12),
            "revenue_forecast": np.linspace(950.0, 1_350.0, 12),
            "revenue_historical": np.linspace(1_200.0, 1_900.0, 12),
        }
    ).sample(frac=1.0, random_state=3)  # any order: drawn by cut-off
    plotting.plot_backtest(table, ax=ax)
    ordered = table.sort_values("cutoff")
    for line, column in zip(ax.get_lines(), ["actual", "forecast", "historical"], strict=True):
        np.testing.assert_array_equal(line.get_ydata(), ordered[f"revenue_{column}"].to_numpy())
        assert pd.DatetimeIndex(line.get_xdata()).equals(pd.DatetimeIndex(ordered["cutoff"]))
    assert ax.get_title() == "Backtest: revenue in the 90 days after each cut-off"
    assert_readable(ax)
