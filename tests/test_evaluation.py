"""Forecast against the holdout: the demo's comparison and compare_models."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import pyclv


@pytest.fixture(scope="module")
def split() -> pd.DataFrame:
    tx = pyclv.datasets.load_cdnow_transactions()
    return pyclv.calibration_holdout_split(
        tx, calibration_period_end="1997-09-30", observation_period_end="1998-06-30", monetary_value_col="amount", time_unit="W"
    )


@pytest.fixture(scope="module")
def fitted(split: pd.DataFrame) -> dict[str, pyclv.models.TransactionModel]:
    return {
        "BG/NBD": pyclv.BetaGeo().fit(split),
        "Pareto/NBD": pyclv.ParetoNBD().fit(split),
        "MBG/NBD": pyclv.ModifiedBetaGeo().fit(split),
    }


def test_compare_models_table(fitted: dict, split: pd.DataFrame) -> None:
    table = pyclv.compare_models(fitted, split)
    assert set(table.index) == set(fitted)
    assert list(table["bic"]) == sorted(table["bic"])
    bg = fitted["BG/NBD"]
    assert table.loc["BG/NBD", "log_likelihood"] == bg.log_likelihood_
    assert table.loc["BG/NBD", "aic"] == pytest.approx(8 - 2 * bg.log_likelihood_)
    predicted = bg.expected_purchases(split, 39.0)
    actual = split["frequency_holdout"]
    assert table.loc["BG/NBD", "actual"] == actual.sum()
    assert table.loc["BG/NBD", "mae"] == pytest.approx((predicted - actual).abs().mean())
    assert table.loc["BG/NBD", "rmse"] == pytest.approx(np.sqrt(((predicted - actual) ** 2).mean()))
    expected_pct = 100 * (predicted.sum() - actual.sum()) / actual.sum()
    assert table.loc["BG/NBD", "aggregate_error_pct"] == pytest.approx(expected_pct)


def test_compare_models_accepts_a_list_and_refuses_spend_models(fitted: dict, split: pd.DataFrame) -> None:
    table = pyclv.compare_models(list(fitted.values()), split)
    assert set(table.index) == {"BetaGeo", "ParetoNBD", "ModifiedBetaGeo"}
    with pytest.raises(TypeError, match="transaction models"):
        pyclv.compare_models({"spend": pyclv.GammaGamma().fit(split)}, split)
    with pytest.raises(pyclv.DataValidationError, match="frequency_holdout"):
        pyclv.compare_models(fitted, split.drop(columns="frequency_holdout"))


def test_holdout_comparison_matches_its_parts(fitted: dict, split: pd.DataFrame) -> None:
    bg = fitted["BG/NBD"]
    gg = pyclv.GammaGamma().fit(split)
    table = pyclv.holdout_comparison(bg, gg, split)
    assert table.loc["revenue", "actual"] == pytest.approx(split["revenue_holdout"].sum())
    forecast = (bg.expected_purchases(split, 39.0) * gg.expected_spend(split)).sum()
    assert table.loc["revenue", "model"] == pytest.approx(forecast)
    hist = pyclv.historical_clv(split, horizon=39.0)
    assert table.loc["revenue", "historical"] == pytest.approx(hist.sum())


@pytest.mark.parametrize("model_cls", [pyclv.BetaGeo, pyclv.ParetoNBD, pyclv.ModifiedBetaGeo])
def test_score_works_with_every_transaction_model(model_cls: type, split: pd.DataFrame) -> None:
    model = model_cls().fit(split)
    gg = pyclv.GammaGamma().fit(split)
    table = pyclv.score(model, gg, split, horizon=52.0, annual_discount_rate=0.1)
    assert table.index.equals(split.index) and table.notna().all().all()
    lifetime = pyclv.customer_lifetime_value(model, gg, split.iloc[:200], horizon=np.inf, annual_discount_rate=0.1)
    assert (lifetime >= table["clv"].iloc[:200] * (1 - 1e-12)).all()


def test_compare_models_warns_when_fits_are_not_comparable(fitted: dict, split: pd.DataFrame) -> None:
    other = pyclv.BetaGeo().fit(split.iloc[:1000])
    with pytest.warns(pyclv.PyCLVWarning, match="different numbers of customers"):
        pyclv.compare_models({"all": fitted["BG/NBD"], "part": other}, split)
    uneven = split.copy()
    uneven.loc[uneven.index[:5], "duration_holdout"] = 10.0
    with pytest.raises(pyclv.DataValidationError, match="duration_holdout"):
        pyclv.compare_models(fitted, uneven)
