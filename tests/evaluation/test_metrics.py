"""pyclv.evaluation.metrics: decile table, lift, Gini, top-k overlap (by hand, on CDNOW, as properties)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import pyclv
from pyclv.evaluation import clv_distribution, decile_table, ranking_metrics


def test_deciles_lift_and_gini_by_hand() -> None:
    # ranked by prediction the actual values are 30, 20, 40, 10 for the first four customers and 0 after
    predicted = [1, 5, 2, 9, 3, 4, 8, 0.5, 7, 6]
    actual = [0, 10, 0, 30, 0, 0, 20, 0, 40, 0]
    table = decile_table(predicted, actual)
    np.testing.assert_allclose(table["share"], [0.3, 0.2, 0.4, 0.0, 0.1, 0, 0, 0, 0, 0], atol=1e-15)
    np.testing.assert_allclose(table["cumulative_share"], [0.3, 0.5, 0.9, 0.9, 1, 1, 1, 1, 1, 1])
    assert table["n_customers"].tolist() == [1] * 10
    metrics = ranking_metrics(predicted, actual, top_k=0.2)
    assert metrics["top_decile_lift"] == pytest.approx(3.0)
    # gains curve at 0, .1, ..., 1: 0, .3, .5, .9, .9, 1, ...; area by trapezoids = 0.81, Gini = 2 * 0.81 - 1
    assert metrics["gini"] == pytest.approx(0.62)
    # perfect ranking: Gini of (40, 30, 20, 10, 0 x 6) = sum |xi - xj| / (2 n^2 mean) = 1400 / 2000
    assert metrics["normalized_gini"] == pytest.approx(0.62 / 0.7)
    # k = 2: predicted best {9, 8} -> customers 3 and 6; actual best {40, 30} -> customers 8 and 3
    assert metrics["k"] == 2 and metrics["top_k_overlap"] == pytest.approx(0.5)


def test_ties_score_as_a_random_order() -> None:
    actual = np.array([50.0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 30, 20, 0, 0, 0, 0, 0, 0, 0, 0])
    flat = ranking_metrics(np.ones(20), actual, top_k=0.1)
    assert flat["gini"] == pytest.approx(0.0, abs=1e-12)
    assert flat["top_decile_lift"] == pytest.approx(1.0)
    assert flat["top_k_overlap"] == pytest.approx(0.1)  # k = 2: each customer is in the top 2 with probability 0.1
    np.testing.assert_allclose(decile_table(np.ones(20), actual)["share"], 0.1)
    # two customers tied at the top, one of whom spent 50: the top-decile (2 customers) gets both
    predicted = np.r_[5.0, 5.0, np.zeros(18)]
    assert decile_table(predicted, actual).loc[1, "share"] == pytest.approx(0.5)
    # three tied at the top, k = 2: customer 0 (50) is in the predicted top 2 with probability 2/3
    predicted = np.r_[5.0, 5.0, 5.0, np.zeros(17)]
    assert ranking_metrics(predicted, actual, top_k=0.1)["top_k_overlap"] == pytest.approx((2 / 3) / 2)


def test_decile_table_of_the_fhl_forecast(fhl: pyclv.BetaGeo, split: pd.DataFrame) -> None:
    predicted = fhl.expected_purchases(split, 39.0)
    actual = split["frequency_holdout"]
    table = decile_table(predicted, actual)
    # cuts at floor(k * 2357 / 10): 0, 235, 471, 707, 942, 1178, 1414, 1649, 1885, 2121, 2357
    assert table["n_customers"].tolist() == [235, 236, 236, 235, 236, 236, 235, 236, 236, 236]
    assert table["share"].sum() == pytest.approx(1.0) and table["predicted_share"].sum() == pytest.approx(1.0)
    assert table.loc[1, "predicted_share"] == pytest.approx(table.loc[1, "predicted"] / predicted.sum())
    # the top decile's actual total, tied predictions averaged (computed with a pandas groupby)
    tie_mean = actual.groupby(predicted).transform("mean")
    top = tie_mean[predicted.sort_values(ascending=False, kind="stable").index[:235]].sum()
    assert table.loc[1, "actual"] == pytest.approx(top, rel=1e-12)
    assert table.loc[1, "lift"] > 3  # the top decile holds more than three times its share of holdout purchases
    # a perfect ranking captures the most in the top group, and shares never increase
    perfect = decile_table(actual, actual)
    assert np.all(np.diff(perfect["share"]) <= 1e-12)
    assert perfect.loc[1, "share"] >= table.loc[1, "share"]


def test_decile_table_aligns_series_on_the_index() -> None:
    predicted = pd.Series([5.0, 1.0, 3.0, 0.0], index=["a", "b", "c", "d"])
    actual = pd.Series([2.0, 4.0, 0.0, 4.0], index=["d", "c", "b", "a"])
    table = decile_table(predicted, actual, n_bins=2)
    assert table["actual"].tolist() == [8.0, 2.0] and table["lift"].tolist() == [1.6, 0.4]
    assert table["predicted_share"].tolist() == [8.0 / 9.0, 1.0 / 9.0]
    with pytest.raises(pyclv.DataValidationError, match="same customers") as info:
        decile_table(predicted, actual.rename(index={"d": "e"}), n_bins=2)
    assert info.value.n_rows == 1
    assert decile_table(predicted, actual * 0, n_bins=2)["share"].isna().all()  # no value to share
    with pytest.raises(pyclv.DataValidationError, match="missing or infinite") as info:
        decile_table([1.0, np.nan, np.inf], [1.0, 2.0, 3.0])
    assert info.value.column == "predicted" and info.value.n_rows == 2
    with pytest.raises(pyclv.DataValidationError, match="negative"):
        decile_table([1.0, 2.0], [1.0, -2.0])
    with pytest.raises(ValueError, match="n_bins"):
        decile_table([1.0, 2.0], [1.0, 2.0], n_bins=0)


@given(
    st.lists(st.tuples(st.integers(0, 5), st.floats(0, 100, allow_subnormal=False)), min_size=10, max_size=40)
)
def test_ranking_properties(rows: list[tuple[int, float]]) -> None:
    predicted, actual = np.array(rows, dtype=float).T
    table = decile_table(predicted, actual)
    metrics = ranking_metrics(predicted, actual, top_k=0.3)
    assert 0.0 <= metrics["top_k_overlap"] <= 1.0 + 1e-12
    if actual.sum() > 0:
        assert table["share"].sum() == pytest.approx(1.0)
        best = ranking_metrics(actual, actual)
        assert -1.0 <= metrics["gini"] <= best["gini"] + 1e-12
    else:
        assert table["share"].isna().all() and np.isnan(metrics["gini"])


def test_clv_distribution_counts_every_customer_in_equal_bins() -> None:
    values = np.array([0.0, 10.0, 10.0, 250.0, 40.0, 41.0])
    table = clv_distribution(values, bins=5)

    assert table["n_customers"].tolist() == [5, 0, 0, 0, 1]  # widths of 50: [0, 50) holds five
    np.testing.assert_allclose(table["lower"], [0.0, 50.0, 100.0, 150.0, 200.0])
    np.testing.assert_allclose(table["upper"], [50.0, 100.0, 150.0, 200.0, 250.0])
    assert table.attrs == {"mean": pytest.approx(values.mean()), "median": 25.0}
    frame = pd.DataFrame({"clv": values, "clv_lower": values - 1})
    assert table.equals(clv_distribution(frame, bins=5))
    with pytest.raises(pyclv.DataValidationError, match="missing or infinite"):
        clv_distribution(np.array([1.0, np.nan]))
