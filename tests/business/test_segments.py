"""pyclv.business.segments: CLV tiers and RFM scores."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import pyclv
from pyclv.business import clv_segments, rfm_scores


@pytest.fixture(scope="module")
def scores(cal_summary: pd.DataFrame, models) -> pd.DataFrame:
    bg, gg = models
    return pyclv.score(bg, gg, cal_summary, horizon=52, annual_discount_rate=0.1)


def test_segments_partition_the_customers(scores: pd.DataFrame) -> None:
    seg = clv_segments(scores)  # a score table: clv and p_alive taken from it
    customers, tiers = seg.customers, seg.tiers
    assert customers.index.equals(scores.index)
    assert list(tiers.index) == ["0-50%", "50-80%", "80-95%", "95-100%"]
    assert tiers["n_customers"].sum() == len(scores) == 2357
    assert tiers["total_clv"].sum() == pytest.approx(scores["clv"].sum())
    assert tiers["share_of_value"].sum() == pytest.approx(1.0)
    assert (tiers["max_clv"].to_numpy()[:-1] < tiers["min_clv"].to_numpy()[1:]).all()
    cuts = np.quantile(scores["clv"], [0.5, 0.8, 0.95])
    assert tiers["n_customers"].iloc[-1] == int((scores["clv"] > cuts[-1]).sum())
    assert tiers["n_customers"].iloc[-1] == pytest.approx(0.05 * 2357, abs=1)  # CLV has no ties at the 95 % cut
    assert tiers["mean_p_alive"].to_numpy() == pytest.approx(
        scores["p_alive"].groupby(customers["tier"], observed=False).mean().to_numpy()
    )
    # the top 5 % of customers hold a large share of the value
    assert tiers["share_of_value"].iloc[-1] > 0.2
    assert customers["rank"].min() == 1 and customers.loc[scores["clv"].idxmax(), "rank"] == 1


def test_segments_thresholds_ties_and_errors() -> None:
    clv = pd.Series([0.0, 0.0, 0.0, 0.0, 5.0, 10.0, 20.0], index=list("abcdefg"))
    seg = clv_segments(clv, thresholds=[5.0, 20.0], quantiles=None, labels=["low", "mid", "high"])
    assert seg.customers["tier"].astype(str).tolist() == ["low"] * 4 + ["mid", "mid", "high"]  # >= threshold goes up
    ties = clv_segments(clv, quantiles=[0.5])  # the median is 0: every 0 stays in the bottom tier
    assert ties.tiers["n_customers"].tolist() == [4, 3]
    assert ties.customers["rank"].tolist() == [4, 4, 4, 4, 3, 2, 1]
    empty = clv_segments(pd.Series([1.0, 1.0], index=["a", "b"]))
    assert empty.tiers["n_customers"].tolist() == [2, 0, 0, 0]
    extra = clv_segments(clv, expected_value=pd.Series(1.0, index=clv.index, name="expected_purchases"))
    assert "mean_expected_purchases" in extra.tiers.columns
    with pytest.raises(pyclv.DataValidationError, match="missing"):
        clv_segments(pd.Series([1.0, np.nan], index=["a", "b"]))
    with pytest.raises(pyclv.DataValidationError, match="more than once"):
        clv_segments(pd.Series([1.0, 2.0], index=["a", "a"]))
    with pytest.raises(pyclv.DataValidationError, match="p_alive is missing"):
        clv_segments(clv, p_alive=pd.Series(0.5, index=list("abc")))
    with pytest.raises(ValueError, match="not both"):
        clv_segments(clv, thresholds=[1.0])
    with pytest.raises(ValueError, match="labels"):
        clv_segments(clv, labels=["a", "b"])
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        clv_segments(clv, quantiles=[0.5, 1.0])


@given(st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=60))
def test_segments_property_partition_and_order(values: list[float]) -> None:
    clv = pd.Series(values, index=pd.RangeIndex(len(values), name="customer_id"))
    seg = clv_segments(clv)
    assert seg.customers.index.equals(clv.index)
    assert seg.tiers["n_customers"].sum() == len(values)
    codes = seg.customers["tier"].cat.codes.to_numpy()
    order = np.argsort(clv.to_numpy(), kind="stable")
    assert (np.diff(codes[order]) >= 0).all()  # higher CLV never in a lower tier
    x = clv.to_numpy()
    same = x[:, None] == x[None, :]
    assert (codes[:, None] == codes[None, :])[same].all()  # equal CLV, same tier


def test_rfm_scores_on_cdnow() -> None:
    summary = pyclv.datasets.load_cdnow_summary()
    rfm = rfm_scores(summary)
    assert rfm.index.equals(summary.index) and list(rfm.columns) == ["R", "F", "M", "RFM"]
    for col in "RFM":
        assert rfm[col].between(1, 5).all()
    assert (rfm["RFM"] == rfm["R"].astype(str) + rfm["F"].astype(str) + rfm["M"].astype(str)).all()
    # ties share a score: every one-time buyer (frequency 0, 1,411 customers) has F = 1 and M = 1
    one_time = summary["frequency"] == 0
    assert one_time.sum() == 1411
    assert (rfm.loc[one_time, "F"] == 1).all() and (rfm.loc[one_time, "M"] == 1).all()
    assert rfm.groupby(summary["frequency"])["F"].nunique().max() == 1
    # larger values never score lower; R rewards the most recent purchase (smallest T - recency)
    for column, values in (
        ("F", summary["frequency"]),
        ("M", summary["monetary_value"]),
        ("R", summary["recency"] - summary["T"]),
    ):
        order = np.argsort(values.to_numpy(), kind="stable")
        assert (np.diff(rfm[column].to_numpy()[order]) >= 0).all()


def test_rfm_quintiles_are_even_for_distinct_values_and_independent_of_order() -> None:
    rng = np.random.default_rng(7)
    n = 100
    T = np.full(n, 52.0)
    recency = rng.permutation(np.arange(n) / 2.0)
    summary = pd.DataFrame(
        {
            "frequency": rng.permutation(np.arange(1, n + 1)).astype(float),
            "recency": recency,
            "T": T,
            "monetary_value": rng.permutation(np.arange(n) + 10.0),
        },
        index=pd.Index([f"c{i}" for i in range(n)], name="customer_id"),
    )
    rfm = rfm_scores(summary)
    for col in "RFM":
        assert rfm[col].value_counts().sort_index().tolist() == [20] * 5
    shuffled = rfm_scores(summary.sample(frac=1.0, random_state=3))
    pd.testing.assert_frame_equal(shuffled.loc[rfm.index], rfm)
    no_m = rfm_scores(summary.drop(columns="monetary_value"), n_bins=4)
    assert list(no_m.columns) == ["R", "F", "RFM"] and no_m["F"].value_counts().tolist() == [25] * 4
    with pytest.raises(ValueError, match="n_bins"):
        rfm_scores(summary, n_bins=10)
    with pytest.raises(pyclv.DataValidationError):
        rfm_scores(summary.drop(columns="T"))
