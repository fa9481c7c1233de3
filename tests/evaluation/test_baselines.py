"""pyclv.evaluation.baselines: the historical-CLV formula and the baselines of evaluate."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pyclv.evaluation import EvaluationReport, baseline_forecasts, historical_clv


def test_baselines_are_what_the_documentation_says(report: EvaluationReport, split: pd.DataFrame) -> None:
    base = report.baselines
    assert list(base.columns) == ["model", "historical_clv", "calibration_repeats", "population_mean"]
    x, T, m = split["frequency"], split["T"], split["monetary_value"]
    actual_tx, actual_rev = split["frequency_holdout"], split["revenue_holdout"]
    repeats = x / T * 39.0
    assert base.loc["repeat_transactions_mae", "calibration_repeats"] == pytest.approx(
        (repeats - actual_tx).abs().mean()
    )
    assert base.loc["revenue_mae", "calibration_repeats"] == pytest.approx((repeats * m - actual_rev).abs().mean())
    hist = historical_clv(split, horizon=39.0)
    assert report.settings["lifespan"] == pytest.approx(hist.attrs["lifespan"])
    assert base.loc["revenue_error_pct", "historical_clv"] == pytest.approx(100 * (hist.sum() / actual_rev.sum() - 1))
    pooled = x.sum() / T.sum() * 39.0
    assert base.loc["repeat_transactions_rmse", "population_mean"] == pytest.approx(
        np.sqrt(((pooled - actual_tx) ** 2).mean())
    )
    # a constant forecast has no correlation and ranks at random
    assert np.isnan(base.loc["revenue_pearson", "population_mean"])
    assert base.loc["gini", "population_mean"] == pytest.approx(0.0, abs=1e-12)
    assert base.loc["top_k_overlap", "population_mean"] == pytest.approx(236 / 2357)
    # the historical formula is the calibration rate scaled by L / H: same ranking and correlations
    for metric in ("revenue_spearman", "revenue_pearson", "gini", "top_k_overlap", "top_decile_lift"):
        assert base.loc[metric, "historical_clv"] == pytest.approx(base.loc[metric, "calibration_repeats"])
    assert base.loc["gini", "model"] == pytest.approx(report.ranking["gini"])


def test_historical_lifespan_by_hand() -> None:
    # four customers; lapse 10: customers b (silent 12) and d (silent 20) have lapsed; exposure sum T = 80
    data = pd.DataFrame(
        {
            "frequency": [2.0, 1.0, 0.0, 3.0],
            "recency": [18.0, 8.0, 0.0, 0.0],
            "T": [20.0, 20.0, 20.0, 20.0],
            "monetary_value": [10.0, 20.0, 0.0, 5.0],
        },
        index=list("abcd"),
    )
    data.loc["c", "T"] = 5.0  # young: not lapsed; exposure is now 65
    data.loc["d", "recency"] = 0.0
    hist = historical_clv(data, horizon=30.0, lapse=10.0)
    mu = 2 / 65
    lifespan = (1 - np.exp(-mu * 30.0)) / mu
    assert hist.attrs["n_lapsed"] == 2 and hist.attrs["churn_rate"] == pytest.approx(mu)
    assert hist.attrs["lifespan"] == pytest.approx(lifespan) and lifespan < min(1 / mu, 30.0)
    np.testing.assert_allclose(hist, [10 * 2 / 20 * lifespan, 20 * 1 / 20 * lifespan, 0.0, 5 * 3 / 20 * lifespan])
    # the naive formula: everyone keeps buying for the whole horizon; a given lifespan is capped by it
    np.testing.assert_allclose(historical_clv(data, horizon=30.0, lifespan=30.0), hist * 30.0 / lifespan)
    np.testing.assert_allclose(historical_clv(data, horizon=30.0, lifespan=99.0), hist * 30.0 / lifespan)
    # an infinite horizon gives 1 / churn rate; nobody lapsed gives the horizon
    assert historical_clv(data, horizon=np.inf, lapse=10.0).attrs["lifespan"] == pytest.approx(1 / mu)
    assert historical_clv(data, horizon=30.0, lapse=100.0).attrs["lifespan"] == 30.0
    with pytest.raises(ValueError, match="lapse"):
        historical_clv(data, horizon=30.0, lapse=-1.0)


def test_historical_default_lapse(split: pd.DataFrame) -> None:
    repeaters = split[split["frequency"] > 0]
    rate = repeaters["frequency"].sum() / repeaters["recency"].sum()
    hist = historical_clv(split, horizon=39.0)
    assert hist.attrs["lapse"] == pytest.approx(np.log(20) / rate)
    lapsed = (split["T"] - split["recency"] > hist.attrs["lapse"]).sum()
    assert hist.attrs["n_lapsed"] == lapsed and hist.attrs["churn_rate"] == pytest.approx(lapsed / split["T"].sum())


def test_baseline_forecasts_follow_their_formulas(split: pd.DataFrame) -> None:
    H = float(split["duration_holdout"].iloc[0])
    forecasts = baseline_forecasts(split, horizon=H)
    assert forecasts.index.equals(split.index)
    assert forecasts.columns.names == ["baseline", "quantity"]
    x, T, m = split["frequency"], split["T"], split["monetary_value"]
    rate = x / T
    hist = historical_clv(split, horizon=H)
    np.testing.assert_allclose(forecasts["historical_clv"]["revenue"], hist, rtol=1e-12)
    np.testing.assert_allclose(
        forecasts["historical_clv"]["repeat_transactions"], rate * hist.attrs["lifespan"], rtol=1e-12
    )
    np.testing.assert_allclose(forecasts["calibration_repeats"]["revenue"], m * rate * H, rtol=1e-12)
    pooled = np.full(len(split), x.sum() / T.sum() * H)
    np.testing.assert_allclose(forecasts["population_mean"]["repeat_transactions"], pooled, rtol=1e-12)
    np.testing.assert_allclose(forecasts["population_mean"]["revenue"], pooled * (x * m).sum() / x.sum(), rtol=1e-12)
    assert forecasts.attrs["lifespan"] == hist.attrs["lifespan"]
