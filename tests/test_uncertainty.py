"""Per-customer intervals from parameter uncertainty."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import pyclv
from pyclv.uncertainty import parameter_draws


@pytest.fixture(scope="module")
def summary() -> pd.DataFrame:
    return pyclv.datasets.load_cdnow_summary()


@pytest.fixture(scope="module")
def models(summary: pd.DataFrame) -> tuple[pyclv.BetaGeo, pyclv.GammaGamma]:
    return pyclv.BetaGeo().fit(summary), pyclv.GammaGamma().fit(summary)


def test_asymptotic_draws_reproduce_the_covariance(models: tuple) -> None:
    bgnbd, _ = models
    draws = parameter_draws(bgnbd, 40_000, np.random.default_rng(0))
    assert (draws > 0).all()
    # on the log scale the draws are normal with the delta-method covariance
    jac = bgnbd.params_.to_numpy()
    expected = bgnbd.covariance_.to_numpy() / np.outer(jac, jac)
    sd = np.sqrt(np.diag(expected))
    np.testing.assert_allclose(np.cov(np.log(draws).T) / np.outer(sd, sd), expected / np.outer(sd, sd), atol=0.03)


def test_score_intervals_bracket_the_estimates(models: tuple, summary: pd.DataFrame) -> None:
    bgnbd, gg = models
    table = pyclv.score(bgnbd, gg, summary, horizon=52, annual_discount_rate=0.1, interval=0.9, n_draws=100, seed=3)
    for name in ("p_alive", "expected_purchases", "expected_purchases_30d", "expected_spend", "clv"):
        lower, upper = table[f"{name}_lower"], table[f"{name}_upper"]
        assert table[[name, f"{name}_lower", f"{name}_upper"]].notna().all().all()
        assert (lower <= upper).all()
        # the plug-in estimate sits inside its own 90 % band for nearly every customer
        assert ((lower <= table[name] * (1 + 1e-9)) & (table[name] <= upper * (1 + 1e-9))).mean() > 0.95
    assert (table["p_alive_lower"] >= 0).all() and (table["p_alive_upper"] <= 1).all()
    np.testing.assert_allclose(table["p_churned_lower"], 1 - table["p_alive_upper"])
    np.testing.assert_allclose(table["p_churned_upper"], 1 - table["p_alive_lower"])
    # customers with no repeat purchase are certainly alive in BG/NBD: a band of zero width
    zero = table["frequency"] == 0
    assert (table.loc[zero, "p_alive_upper"] - table.loc[zero, "p_alive_lower"]).max() == 0.0


def test_intervals_are_seeded_and_narrow_with_more_data(models: tuple, summary: pd.DataFrame) -> None:
    bgnbd, gg = models
    kwargs = {"horizon": 52, "annual_discount_rate": 0.1, "interval": 0.9, "n_draws": 60}
    first = pyclv.customer_lifetime_value(bgnbd, gg, summary, seed=11, **kwargs)
    again = pyclv.customer_lifetime_value(bgnbd, gg, summary, seed=11, **kwargs)
    pd.testing.assert_frame_equal(first, again)
    assert list(first.columns) == ["clv", "clv_lower", "clv_upper"]
    # the full cohort is ten times the sample: parameter uncertainty shrinks by about sqrt(10)
    tx = pyclv.datasets.load_cdnow_transactions(sample=False)
    tx = tx[tx["date"] <= "1997-09-30"]
    full = pyclv.rfm_summary(tx, monetary_value_col="amount", observation_period_end="1997-09-30", time_unit="W")
    with pytest.warns(pyclv.PyCLVWarning, match="average spend of 0"):  # one free repeat order in the cohort
        big = (pyclv.BetaGeo().fit(full), pyclv.GammaGamma().fit(full))
    wide = ((first["clv_upper"] - first["clv_lower"]) / first["clv"]).median()
    narrow_frame = pyclv.customer_lifetime_value(*big, summary, seed=11, **kwargs)
    narrow = ((narrow_frame["clv_upper"] - narrow_frame["clv_lower"]) / narrow_frame["clv"]).median()
    assert 2.0 < wide / narrow < 5.0


@pytest.mark.slow
def test_bootstrap_agrees_with_asymptotic(models: tuple, summary: pd.DataFrame) -> None:
    bgnbd, gg = models
    kwargs = {"horizon": 39, "interval": 0.9, "seed": 5}
    asym = pyclv.customer_lifetime_value(bgnbd, gg, summary, n_draws=100, **kwargs)
    boot = pyclv.customer_lifetime_value(bgnbd, gg, summary, method="bootstrap", n_draws=30, **kwargs)
    ratio = ((boot["clv_upper"] - boot["clv_lower"]) / (asym["clv_upper"] - asym["clv_lower"])).median()
    assert 0.6 < ratio < 1.6


def test_intervals_need_a_covariance(summary: pd.DataFrame) -> None:
    bgnbd = pyclv.BetaGeo.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426, time_unit="W")
    gg = pyclv.GammaGamma.from_params(p=6.25, q=3.74, v=15.44)
    with pytest.raises(pyclv.PyCLVError, match="no covariance"):
        pyclv.customer_lifetime_value(bgnbd, gg, summary, horizon=52, interval=0.9)
    with pytest.raises(ValueError, match="interval"):
        pyclv.customer_lifetime_value(bgnbd, gg, summary, horizon=52, interval=1.5)


def test_infinite_horizon_is_margin_spend_dert(models: tuple, summary: pd.DataFrame) -> None:
    bgnbd, gg = models
    summary = summary.iloc[:300]
    clv = pyclv.customer_lifetime_value(bgnbd, gg, summary, horizon=np.inf, annual_discount_rate=0.1, margin=0.3)
    expected = 0.3 * gg.expected_spend(summary) * bgnbd.dert(summary, annual_discount_rate=0.1)
    np.testing.assert_allclose(clv, expected, rtol=1e-12)
    table = pyclv.score(bgnbd, gg, summary, horizon=np.inf, annual_discount_rate=0.1)
    assert "dert" in table.columns and "expected_purchases" not in table.columns
    with pytest.raises(ValueError, match="positive annual_discount_rate"):
        pyclv.customer_lifetime_value(bgnbd, gg, summary, horizon=np.inf)


@pytest.mark.slow
def test_bootstrap_resamples_customers_of_weighted_patterns() -> None:
    # BG/BB donations: 22 patterns standing for 11,104 donors (weights). A bootstrap must resample donors,
    # not patterns: the spread of its refits then matches the asymptotic standard errors.
    from pyclv.uncertainty import bootstrap_draws

    data = pyclv.datasets.load_donations()
    bgbb = pyclv.BetaGeoBetaBinom().fit(data, weights="weights")
    draws = bootstrap_draws(bgbb, data, 60, np.random.default_rng(4), weights="weights")
    ratio = draws.std(axis=0, ddof=1) / bgbb.standard_errors_.to_numpy()
    assert np.all((ratio > 0.6) & (ratio < 1.6)), ratio
    # resampling the 22 rows themselves would scatter the refits far more widely (or fail to converge)
