"""Gamma-Gamma against the published CDNOW results and its own mathematics."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, stats

import pyclv
from pyclv.models import gamma_gamma
from tests.reference import published as ref


@pytest.fixture(scope="module")
def summary() -> pd.DataFrame:
    return pyclv.datasets.load_cdnow_summary()


@pytest.fixture(scope="module")
def fitted(summary: pd.DataFrame) -> pyclv.GammaGamma:
    return pyclv.GammaGamma().fit(summary)


def test_fit_matches_fader_hardie(fitted: pyclv.GammaGamma) -> None:
    for name, value in ref.GAMMA_GAMMA_CDNOW.items():
        # published to 2 decimals: 1e-3 relative, or half a unit in the last published digit
        assert fitted.params_[name] == pytest.approx(value, rel=1e-3, abs=0.005)
    assert fitted.log_likelihood_ == pytest.approx(ref.GAMMA_GAMMA_CDNOW_LL, abs=0.01)
    assert fitted.n_customers_ == ref.GAMMA_GAMMA_CDNOW_N  # customers with x = 0 carry no spend information


def test_bic_counts_the_customers_in_the_spend_fit(fitted: pyclv.GammaGamma, summary: pd.DataFrame) -> None:
    # n is the 946 customers with repeat purchases, not the 2,357 of the data that CLVTools' nobs() counts (its
    # customer table keeps the customers without repeat purchases: R/class_clv_gg.R, gg_cbs)
    repeaters = int((summary["frequency"] > 0).sum())
    assert fitted.n_customers_ == repeaters == ref.GAMMA_GAMMA_CDNOW_N and len(summary) == 2357
    assert fitted.bic == pytest.approx(3 * np.log(946) - 2 * fitted.log_likelihood_, rel=1e-12)
    assert fitted.bic == pytest.approx(8132.40, abs=0.01) and fitted.summary().stats["bic"] == fitted.bic
    clvtools = 3 * np.log(len(summary)) - 2 * fitted.log_likelihood_
    assert clvtools == pytest.approx(8135.14, abs=0.01)
    assert clvtools - fitted.bic == pytest.approx(3 * np.log(2357 / 946), rel=1e-9)


def test_expected_spend_customers_1_to_10(fitted: pyclv.GammaGamma, summary: pd.DataFrame) -> None:
    spend = fitted.expected_spend(summary.loc[1:10])
    np.testing.assert_allclose(spend.to_numpy(), ref.GAMMA_GAMMA_CDNOW_SPEND_1_10, atol=0.011)


def test_no_repeat_customers_get_the_population_mean(fitted: pyclv.GammaGamma, summary: pd.DataFrame) -> None:
    p, q, v = fitted.params_
    spend = fitted.expected_spend(summary)
    np.testing.assert_allclose(spend[summary["frequency"] == 0], p * v / (q - 1))


def test_density_integrates_to_one_and_conventions() -> None:
    # the density of the average spend integrates to 1 over zbar for any x
    for x in (1.0, 3.0, 20.0):
        total = integrate.quad(lambda z, x=x: np.exp(gamma_gamma.loglik(6.25, 3.74, 15.44, x, z)), 0, np.inf)[0]
        assert total == pytest.approx(1.0, abs=1e-8)
    # and equals the mixture of Gamma(p x, nu x) over nu ~ Gamma(q, v) (numerical check)
    x, z = 4.0, 30.0
    mixture = integrate.quad(
        lambda nu: stats.gamma.pdf(z, 6.25 * x, scale=1 / (nu * x)) * stats.gamma.pdf(nu, 3.74, scale=1 / 15.44),
        0,
        np.inf,
    )[0]
    assert np.exp(gamma_gamma.loglik(6.25, 3.74, 15.44, x, z)) == pytest.approx(mixture, rel=1e-7)




def test_zero_spend_customers_are_left_out_with_a_warning(summary: pd.DataFrame) -> None:
    data = summary.copy()
    repeaters = data.index[data["frequency"] > 0][:3]
    data.loc[repeaters, "monetary_value"] = 0.0
    with pytest.warns(pyclv.PyCLVWarning, match="3 customer"):
        model = pyclv.GammaGamma().fit(data)
    assert model.n_customers_ == ref.GAMMA_GAMMA_CDNOW_N - 3
    spend = model.expected_spend(data)
    assert spend.notna().all() and len(spend) == len(data)


def test_population_mean_undefined_when_q_at_most_1(summary: pd.DataFrame) -> None:
    # given parameters must define the population mean; a fit may still end at q <= 1 (the estimate stands)
    with pytest.raises(pyclv.DataValidationError, match="q must be > 1") as caught:
        pyclv.GammaGamma.from_params(p=2.0, q=0.9, v=10.0)
    assert caught.value.column == "q"
    model = pyclv.GammaGamma.from_estimates(theta=np.array([2.0, 0.9, 10.0]), covariance=np.full((3, 3), np.nan))
    with pytest.raises(pyclv.PyCLVError, match="q = 0.9"):
        model.expected_spend(summary)
    repeaters = summary[summary["frequency"] > 0]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert model.expected_spend(repeaters).gt(0).all()


def test_bad_monetary_value_is_rejected(summary: pd.DataFrame) -> None:
    data = summary.copy()
    data.loc[[1, 2], "monetary_value"] = np.nan
    with pytest.raises(pyclv.DataValidationError, match="monetary_value") as info:
        pyclv.GammaGamma().fit(data)
    assert info.value.n_rows == 2
