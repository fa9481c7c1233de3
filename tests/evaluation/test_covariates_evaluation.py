"""Evaluation with models with covariates: every table at each customer's own parameters.

Two checks for each table. A model whose coefficients are all exactly 0 gives every customer the base
parameters, so its tables equal those of the model without covariates. A model with real effects gives the
sum over the profiles of the tables of the profiles' own models (``model.for_covariates``) on their customers.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import pyclv
from pyclv.business import cohort_forecast
from pyclv.evaluation import (
    alive_history,
    calibration_vs_holdout,
    compare_models,
    evaluate,
    frequency_recency_matrix,
    holdout_comparison,
    period_transactions,
    probability_alive_matrix,
    tracking,
)
from pyclv.evaluation.profiles import attach_covariates, covariate_columns, profile_groups
from pyclv.models import Encoding
from tests.evaluation.conftest import CAL_END, OBS_END

CHANNELS = ("phone", "store", "web")


def _channel(ids: pd.Index | pd.Series) -> np.ndarray:
    """A channel fixed by the customer id (the same in the summary and in the log)."""
    return np.asarray(CHANNELS)[np.asarray(ids) % 3]


def _with_effects(
    model: pyclv.BetaGeo | pyclv.GammaGamma, coefficients: list[float]
) -> pyclv.BetaGeo | pyclv.GammaGamma:
    """The model with covariate 'channel' in every process it has, at its estimates and these coefficients."""
    processes = {"BetaGeo": ("purchase", "dropout"), "GammaGamma": ("spend",)}[type(model).__name__]
    settings = {f"{p}_covariates": ["channel"] for p in processes}
    k, n = len(model.theta), len(coefficients)
    covariance = np.zeros((k + n, k + n))
    covariance[:k, :k] = model.covariance_.to_numpy()
    covariance[k:, k:] = np.eye(n) * 1e-4
    return type(model).from_estimates(
        theta=np.r_[model.theta, coefficients], covariance=covariance, settings=settings,
        encodings=(Encoding("channel", CHANNELS),), time_unit=model.time_unit_, n_customers=model.n_customers_,
        log_likelihood=model.log_likelihood_, null_log_likelihood=model.log_likelihood_,
    )


@pytest.fixture(scope="module")
def channels(split: pd.DataFrame) -> pd.DataFrame:
    return split.assign(channel=_channel(split.index))


@pytest.fixture(scope="module")
def zero(models: tuple) -> tuple:
    """The CDNOW models with a channel whose coefficients are all 0."""
    return _with_effects(models[0], [0.0] * 4), _with_effects(models[1], [0.0] * 2)


@pytest.fixture(scope="module")
def effects(models: tuple) -> tuple:
    """The CDNOW models with a channel that changes purchases, dropout and spend."""
    return _with_effects(models[0], [0.4, -0.3, 0.8, -0.5]), _with_effects(models[1], [0.25, -0.2])


def test_the_profiles_of_models_without_covariates_are_one_group_of_everybody(models: tuple, split) -> None:
    groups = profile_groups(split, *models)
    assert len(groups) == 1
    np.testing.assert_array_equal(groups[0].rows, np.arange(len(split)))
    assert groups[0].models[0] is models[0] and groups[0].models[1] is models[1]
    assert covariate_columns(*models) == []
    assert attach_covariates(split, None, [], what="x") is split


def test_the_profiles_of_models_with_covariates(effects: tuple, channels: pd.DataFrame) -> None:
    groups = profile_groups(channels, *effects)
    assert len(groups) == 3 and sum(len(g.rows) for g in groups) == len(channels)
    for group in groups:
        channel = channels["channel"].iloc[group.rows[0]]
        assert (channels["channel"].iloc[group.rows] == channel).all()
        assert np.all(np.diff(group.rows) > 0)  # in the data's order
        expected = effects[0].for_covariates(channel=channel).params_
        pd.testing.assert_series_equal(group.models[0].params_, expected)
        assert group.models[1].params_["v"] == pytest.approx(effects[1].for_covariates(channel=channel).params_["v"])


def test_holdout_tables_with_zero_coefficients_equal_the_plain_models(models, zero, split, channels) -> None:
    pd.testing.assert_frame_equal(holdout_comparison(*zero, channels), holdout_comparison(*models, split), rtol=1e-12)
    pd.testing.assert_frame_equal(calibration_vs_holdout(zero[0], channels), calibration_vs_holdout(models[0], split))
    plain, with_zero = evaluate(*models, split), evaluate(*zero, channels)
    for name in ("aggregate", "per_customer", "conditional_expectations", "deciles", "baselines"):
        pd.testing.assert_frame_equal(getattr(with_zero, name), getattr(plain, name), rtol=1e-12)
    compared = compare_models({"zero": zero[0]}, channels)
    assert compared.loc["zero", "predicted"] == pytest.approx(plain.aggregate.loc["repeat_transactions", "predicted"])


def test_period_transactions_with_zero_coefficients_equal_the_plain_model(models, zero, split, channels) -> None:
    plain = period_transactions(models[0], split)
    pd.testing.assert_frame_equal(period_transactions(zero[0], channels), plain, rtol=1e-12)


def test_period_transactions_add_up_the_profiles(effects: tuple, channels: pd.DataFrame) -> None:
    table = period_transactions(effects[0], channels)
    by_hand = sum(
        period_transactions(effects[0].for_covariates(channel=c), channels[channels["channel"] == c])["expected"]
        for c in CHANNELS
    )
    np.testing.assert_allclose(table["expected"], by_hand, rtol=1e-12)
    assert table["expected"].sum() == pytest.approx(len(channels))
    # the effects are real: the histogram differs from that of the base parameters
    base = period_transactions(pyclv.BetaGeo.from_params(**effects[0].params_.iloc[:4].to_dict()), channels)
    assert np.abs(table["expected"] - base["expected"]).max() > 5


def test_tracking_with_zero_coefficients_equals_the_plain_model(models, zero, log, channels) -> None:
    kwargs = {"calibration_period_end": CAL_END, "observation_period_end": OBS_END}
    plain = tracking(models[0], log, **kwargs)
    pd.testing.assert_frame_equal(tracking(zero[0], log, covariates=channels, **kwargs), plain, rtol=1e-12)


def test_tracking_adds_up_the_profiles(effects: tuple, log: pd.DataFrame, channels: pd.DataFrame) -> None:
    kwargs = {"calibration_period_end": CAL_END, "observation_period_end": OBS_END}
    table = tracking(effects[0], log, covariates=channels, **kwargs)
    total = 0.0
    for c in CHANNELS:
        part = log[_channel(log["customer_id"]) == c]
        total += tracking(effects[0].for_covariates(channel=c), part, **kwargs)["expected_cumulative"].iloc[-1]
    assert table["expected_cumulative"].iloc[-1] == pytest.approx(total, rel=1e-12)
    assert table.attrs["n_customers"] == len(channels)


def test_tracking_needs_every_customers_covariates(effects: tuple, log: pd.DataFrame, channels) -> None:
    kwargs = {"calibration_period_end": CAL_END, "observation_period_end": OBS_END}
    with pytest.raises(pyclv.DataValidationError, match=r"covariates \('channel'\).*pass covariates=") as error:
        tracking(effects[0], log, **kwargs)
    assert error.value.column == "covariates"
    with pytest.raises(pyclv.DataValidationError, match="no row for 5 of the 2,357 customers") as error:
        tracking(effects[0], log, covariates=channels.iloc[5:], **kwargs)
    assert error.value.n_rows == 5
    with pytest.raises(pyclv.DataValidationError, match="no column 'channel'") as error:
        tracking(effects[0], log, covariates=channels.drop(columns="channel"), **kwargs)
    assert error.value.column == "channel"


def test_alive_history_at_the_customers_own_parameters(models, zero, effects, log, channels) -> None:
    plain = alive_history(models[0], log, 4, observation_period_end=CAL_END)
    pd.testing.assert_frame_equal(alive_history(zero[0], log, 4, observation_period_end=CAL_END, covariates=channels),
                                  plain)
    history = alive_history(effects[0], log, 4, observation_period_end=CAL_END, covariates=channels)
    own = effects[0].for_covariates(channel=_channel([4])[0])
    np.testing.assert_allclose(history["p_alive"], own.p_alive(history).to_numpy(), rtol=1e-12)
    assert list(history.columns) == list(plain.columns)
    with pytest.raises(pyclv.DataValidationError, match="no row for 1 of the 1 customers"):
        alive_history(effects[0], log, 4, observation_period_end=CAL_END, covariates=channels.drop(index=4))


def test_the_matrices_ask_for_one_profile(effects: tuple) -> None:
    for matrix in (frequency_recency_matrix, probability_alive_matrix):
        with pytest.raises(pyclv.CovariatesNotSupportedError, match=r"model.for_covariates\(channel=...\)"):
            matrix(effects[0], T=39, max_frequency=5)
    one = frequency_recency_matrix(effects[0].for_covariates(channel="web"), T=39, max_frequency=5)
    assert one.shape == (6, 40)


def test_cohort_forecast_at_the_customers_own_parameters(models, zero, effects, log) -> None:
    calibration = log[log["date"] <= CAL_END]
    customers = pd.DataFrame({"channel": _channel(calibration["customer_id"].unique())},
                             index=calibration["customer_id"].unique())
    kwargs = {"monetary_value_col": "amount", "n_periods": 3}
    plain = cohort_forecast(models[0], calibration, spend_model=models[1], **kwargs)
    with_zero = cohort_forecast(zero[0], calibration, spend_model=zero[1], covariates=customers, **kwargs)
    pd.testing.assert_frame_equal(with_zero.purchases, plain.purchases, rtol=1e-12)
    pd.testing.assert_frame_equal(with_zero.revenue, plain.revenue, rtol=1e-12)
    forecast = cohort_forecast(effects[0], calibration, spend_model=effects[1], covariates=customers, **kwargs)
    by_hand = sum(
        cohort_forecast(effects[0].for_covariates(channel=c), calibration[_channel(calibration["customer_id"]) == c],
                        spend_model=effects[1].for_covariates(channel=c), **kwargs).revenue.sum(axis=0)
        for c in CHANNELS
    )
    np.testing.assert_allclose(forecast.revenue.sum(axis=0), by_hand, rtol=1e-10)
    with pytest.raises(pyclv.DataValidationError, match="cohort_forecast: the model has covariates"):
        cohort_forecast(effects[0], calibration, **kwargs)


@pytest.mark.slow
def test_backtest_refits_models_with_covariates(log: pd.DataFrame) -> None:
    customers = pd.DataFrame({"channel": _channel(log["customer_id"].unique())}, index=log["customer_id"].unique())
    kwargs = {"cutoffs": ["1997-09-30"], "horizon_days": 90}
    model = pyclv.BetaGeo(purchase_covariates=["channel"], dropout_covariates=["channel"])
    with warnings.catch_warnings(action="ignore", category=pyclv.PyCLVWarning):  # rows after the holdout
        table = pyclv.backtest(log, transaction_model=model, covariates=customers, **kwargs)
        plain = pyclv.backtest(log, **kwargs)
    assert table["customers"].tolist() == plain["customers"].tolist() == [2357]
    assert table["purchases_actual"].tolist() == plain["purchases_actual"].tolist()
    # a channel drawn from the id carries next to no information: the forecast moves by little
    assert table["purchases_forecast"].iloc[0] == pytest.approx(plain["purchases_forecast"].iloc[0], rel=0.02)
    with pytest.raises(pyclv.DataValidationError, match="backtest: the model has covariates"):
        pyclv.backtest(log, transaction_model=model, **kwargs)
