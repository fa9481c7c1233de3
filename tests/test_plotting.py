"""Tests of pyclv.plotting: every figure draws, is labelled, and its artists hold the numbers they should.

The tables the figures draw (pyclv.evaluation.frequency_recency_matrix, period_transactions, tracking, ...) are
tested in tests/evaluation/; here each figure is checked to draw them.

The data are the bundled CDNOW sample and the BG/NBD parameters Fader, Hardie & Lee (2005, Table 1) estimated
on its 39-week calibration period. Expected values are computed independently of the plotting code, from the
raw transaction log with pandas or from the model's public predictions customer by customer.
"""

from __future__ import annotations

import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest
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


# ---------------------------------------------------------------------------------------------------------
# General contract
# ---------------------------------------------------------------------------------------------------------


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
    assert "frequency" in ax.get_ylabel().lower() and "recency" in ax.get_xlabel().lower()
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
        (plotting.plot_incremental_transactions, "actual", "expected", "per period"),
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
    actual_line, model_line, calibration_line = ax.get_lines()
    np.testing.assert_array_equal(actual_line.get_ydata(), table[actual].to_numpy())
    np.testing.assert_array_equal(model_line.get_ydata(), table[expected].to_numpy())
    assert pd.DatetimeIndex(actual_line.get_xdata()).equals(pd.DatetimeIndex(table.index.to_numpy()))
    assert calibration_line.get_label() == "End of calibration"
    assert pd.Timestamp(calibration_line.get_xdata()[0]) == pd.Timestamp(CALIBRATION_END)
    assert ylabel in ax.get_ylabel() and "Tracking" in ax.get_title()


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
    plotting.plot_clv_distribution(clv, bins=20, ax=ax)
    heights = np.array([p.get_height() for p in ax.patches])
    assert len(heights) == 20 and heights.sum() == 1_000
    np.testing.assert_array_equal(heights, np.histogram(clv, bins=20)[0])
    mean_line, median_line = ax.get_lines()
    assert mean_line.get_xdata()[0] == pytest.approx(clv.mean()) and median_line.get_xdata()[0] == pytest.approx(
        clv.median()
    )
    assert ax.get_ylabel() == "Customers" and "lifetime value" in ax.get_title()


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
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        "2024-01",
        "2024-02",
        "2024-03",
    ]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["1", "2", "3"]
    assert [t.get_text() for t in ax.texts] == [
        "62%",
        "48%",
        "41%",
        "58%",
        "45%",
        "66%",
    ]
    assert ax.get_xlabel() == "month" and ax.get_ylabel() == "cohort" and ax.get_title() == "Retention by cohort"
    plotting.plot_cohort_retention(retention, annotate=False, ax=Figure().subplots())


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
