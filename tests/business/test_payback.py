"""pyclv.business.payback: observed and forecast payback curves, costs per cohort and per customer, CLV / CAC."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import pyclv
from pyclv.business import cohort_forecast, cohort_table, payback


def test_observed_payback_curve_and_its_monotonicity_in_cost(tables) -> None:
    result = payback(tables, 20.0, margin=0.3)
    curve = 0.3 * tables.revenue.cumsum(axis=1).div(tables.sizes, axis=0)
    pd.testing.assert_frame_equal(result.observed, curve.where(tables.revenue.notna()))
    assert result.summary["margin_to_date"].to_numpy() == pytest.approx(
        0.3 * tables.customers.groupby("cohort")["revenue"].sum().to_numpy() / tables.sizes.to_numpy()
    )
    assert result.summary["payback_period_observed"].tolist() == [6.0, 6.0, 5.0]
    first = result.observed.ge(20.0).idxmax(axis=1)
    assert result.summary["payback_period_observed"].tolist() == first.astype(float).tolist()
    assert payback(tables, 0.0).summary["payback_period_observed"].tolist() == [0.0, 0.0, 0.0]
    # later, or never, as the cost grows
    costs = np.linspace(0.0, 40.0, 41)
    periods = np.array([payback(tables, c, margin=0.3).summary["payback_period_observed"].to_numpy() for c in costs])
    as_inf = np.where(np.isnan(periods), 1e9, periods)
    assert (np.diff(as_inf, axis=0) >= 0).all()
    assert np.isnan(periods[-1]).all()  # $40 of margin per customer is not repaid by June 1998
    assert result.forecast is None and result.customers is None
    assert (payback(tables, 40.0, margin=0.3).summary["payback_status"] == "not reached").all()


def test_cost_per_cohort_and_per_customer(tables) -> None:
    scalar = payback(tables, 20.0, margin=0.3).summary
    per_cohort = pd.Series([20.0, 20.0, 20.0], index=["1997-01", "1997-02", "1997-03"])
    pd.testing.assert_frame_equal(payback(tables, per_cohort, margin=0.3).summary, scalar)
    per_customer = pd.Series(20.0, index=tables.customers.index)
    pd.testing.assert_frame_equal(payback(tables, per_customer, margin=0.3).summary, scalar)
    # varying per-customer costs: the cohort's CAC is their mean
    costs = pd.Series(np.where(tables.customers.index % 2 == 0, 10.0, 30.0), index=tables.customers.index)
    summary = payback(tables, costs, margin=0.3).summary
    assert summary["acquisition_cost"].to_numpy() == pytest.approx(
        costs.groupby(tables.customers["cohort"]).mean().to_numpy()
    )
    with pytest.raises(pyclv.DataValidationError, match="acquisition_cost"):
        payback(tables, per_customer.iloc[:-1])
    with pytest.raises(pyclv.DataValidationError, match="negative"):
        payback(tables, per_cohort * -1)
    with pytest.raises(ValueError, match="acquisition_cost"):
        payback(tables, float("nan"))
    with pytest.raises(ValueError, match="revenue"):
        payback(cohort_table(pyclv.datasets.load_cdnow_transactions()), 20.0)


def test_forecast_payback_extends_the_observed_curve(tx: pd.DataFrame, models) -> None:
    bg, gg = models
    mid = tx[tx["date"] <= "1997-09-15"]  # September is incomplete: observed so far + forecast of the rest
    tables = cohort_table(mid, monetary_value_col="amount")
    forecast = cohort_forecast(bg, mid, spend_model=gg, n_periods=12, monetary_value_col="amount")
    result = payback(tables, 25.0, margin=0.3, forecast=forecast)
    observed, extended = result.observed, result.forecast
    assert extended.shape[1] == observed.shape[1] + 12
    both = observed.notna()
    np.testing.assert_allclose(extended.iloc[:, : observed.shape[1]].to_numpy()[both], observed.to_numpy()[both])
    # the first forecast period adds what September shows so far to the forecast of its rest
    for i, cohort in enumerate(tables.sizes.index):
        k = int(observed.loc[cohort].notna().sum())
        step = extended.loc[cohort, k] - extended.loc[cohort, k - 1]
        expected = 0.3 * (tables.incomplete["revenue"].iloc[i] + forecast.revenue.iloc[i, 0]) / tables.sizes.iloc[i]
        assert step == pytest.approx(expected)
    assert (np.diff(extended.to_numpy(), axis=1)[~np.isnan(np.diff(extended.to_numpy(), axis=1))] >= 0).all()
    summary = result.summary
    assert summary["payback_period_observed"].isna().all()
    assert summary["payback_status"].tolist() == ["forecast"] * 3
    assert (summary["payback_period"] >= summary["observed_periods"]).all()
    assert summary["horizon_periods"].tolist() == [20, 19, 18]
    never = payback(tables, 1e4, forecast=forecast).summary
    assert never["payback_period"].isna().all() and (never["payback_status"] == "not reached").all()
    with pytest.raises(ValueError, match="does not match"):
        payback(cohort_table(tx[tx["date"] <= "1997-08-31"], monetary_value_col="amount"), 25.0, forecast=forecast)
    with pytest.raises(ValueError, match="spend model"):
        payback(tables, 25.0, forecast=cohort_forecast(bg, mid, n_periods=2))


def test_clv_to_cac_per_cohort_and_per_customer(tx_cal: pd.DataFrame, cal_summary, models) -> None:
    bg, gg = models
    tables = cohort_table(tx_cal, monetary_value_col="amount")
    clv = pyclv.customer_lifetime_value(bg, gg, cal_summary, horizon=52, annual_discount_rate=0.1, margin=0.3)
    costs = pd.Series(np.linspace(5.0, 40.0, len(cal_summary)), index=cal_summary.index)
    result = payback(tables, costs, margin=0.3, clv=clv)
    summary, customers = result.summary, result.customers
    cohort_of = tables.customers["cohort"]
    mean_clv = clv.groupby(cohort_of).mean().to_numpy()
    cac = costs.groupby(cohort_of).mean().to_numpy()
    assert summary["clv_cac_ratio"].to_numpy() == pytest.approx(mean_clv / cac)
    assert summary["ltv_cac_ratio"].to_numpy() == pytest.approx((summary["margin_to_date"].to_numpy() + mean_clv) / cac)
    assert customers.index.equals(clv.index) and customers.index.is_unique
    assert customers["clv_cac_ratio"].to_numpy() == pytest.approx(clv.to_numpy() / costs.to_numpy())
    spent = 0.3 * tx_cal.groupby("customer_id")["amount"].sum()
    assert customers["margin_to_date"].to_numpy() == pytest.approx(spent.reindex(clv.index).to_numpy())
    # a zero cost gives NaN ratios, not inf (and no warning)
    zero = payback(tables, 0.0, clv=clv)
    assert zero.summary["clv_cac_ratio"].isna().all() and zero.customers["ltv_cac_ratio"].isna().all()
    with pytest.raises(pyclv.DataValidationError, match="clv is missing"):
        payback(tables, 10.0, clv=clv.iloc[1:])
