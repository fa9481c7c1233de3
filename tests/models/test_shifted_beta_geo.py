"""sBG against the published cohorts of Fader & Hardie (2007) and its own mathematics."""

from __future__ import annotations

from pathlib import Path

import mpmath
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special

import pyclv
from pyclv.models import shifted_beta_geo as sbg
from pyclv.models.shifted_beta_geo import ShiftedBetaGeo, survivors_to_data
from tests.helpers import fh2007_cohort
from tests.reference import shifted_beta_geo as ref


@pytest.fixture(scope="module")
def high_end() -> ShiftedBetaGeo:
    return ShiftedBetaGeo().fit(fh2007_cohort(ref.SBG_HIGH_END_PERCENT), weights="weights")


@pytest.fixture(scope="module")
def regular() -> ShiftedBetaGeo:
    return ShiftedBetaGeo().fit(fh2007_cohort(ref.SBG_REGULAR_PERCENT), weights="weights")


def _long_discounted_sum(alpha: float, beta: float, n: int, d: float, terms: int = 20_000) -> float:
    """sum_{k >= 0} S(n+1+k) / S(n) / (1+d)^k by brute force (terms until (1+d)^-k is negligible)."""
    k = np.arange(terms, dtype=float)
    log_s = special.betaln(alpha, beta + n + 1 + k) - special.betaln(alpha, beta + n)
    return float(np.sum(np.exp(log_s - k * np.log1p(d))))


# ------------------------------------------------------------------ published results (FH 2007)
def test_survivors_to_data_builds_thefh2007_cohort() -> None:
    data = fh2007_cohort(ref.SBG_REGULAR_PERCENT)
    assert list(data.columns) == ["periods", "churned", "weights"] and data.attrs["time_unit"] == "Y"
    assert data["weights"].sum() == 1000
    np.testing.assert_array_equal(data["periods"], [1, 2, 3, 4, 5, 6, 7, 7])
    np.testing.assert_array_equal(data["churned"], [True] * 7 + [False])
    # 1000 - 631 = 369 lost in year 1, 242 still active after year 7
    assert data["weights"].iloc[0] == 369 and data["weights"].iloc[-1] == 241


def test_high_end_fit_matches_fh_2007(high_end: ShiftedBetaGeo) -> None:
    for name, value in ref.SBG_HIGH_END.items():
        assert high_end.params_[name] == pytest.approx(value, abs=6e-4)  # published to 3 decimals
    assert high_end.log_likelihood_ == pytest.approx(ref.SBG_HIGH_END_LL, abs=0.006)
    assert high_end.n_customers_ == 1000 and high_end.time_unit_ == "Y" and high_end.converged_
    se = high_end.standard_errors_
    assert se.notna().all() and (se > 0).all()


def test_regular_fit_matches_fh_2007(regular: ShiftedBetaGeo) -> None:
    for name, value in ref.SBG_REGULAR.items():
        assert regular.params_[name] == pytest.approx(value, abs=6e-4)


def test_mle_is_a_stationary_point(high_end: ShiftedBetaGeo) -> None:
    data = fh2007_cohort(ref.SBG_HIGH_END_PERCENT)
    grad = data["weights"].to_numpy() @ sbg.loglik_grad(
        *high_end.params_, data["periods"].to_numpy(float), data["churned"].to_numpy(float)
    )
    np.testing.assert_allclose(grad, 0.0, atol=1e-3)


@pytest.mark.parametrize(
    ("percent", "tolerance"),
    # FH 2007 show the projections only as figures. Fitted on years 0..7, the sBG curve stays within 0.4
    # points of the regular cohort's holdout and under-projects the high-end one by up to 1.6 points at
    # year 12 (their data are hypothetical, not drawn from the model).
    [(ref.SBG_REGULAR_PERCENT, 0.5), (ref.SBG_HIGH_END_PERCENT, 2.0)],
    ids=["regular", "high_end"],
)
def test_projection_of_years_8_to_12(percent: list[float], tolerance: float) -> None:
    model = ShiftedBetaGeo().fit(fh2007_cohort(percent), weights="weights")
    years = np.arange(ref.SBG_CALIBRATION_YEARS + 1, 13)
    projected = 100.0 * model.survival(years)
    actual = np.array(percent)[years]
    np.testing.assert_allclose(projected, actual, atol=tolerance)
    # FH's point: a single (homogeneous) retention rate fitted to the same years projects far worse.
    data = fh2007_cohort(percent)
    churn = (data["weights"] * data["churned"]).sum() / (data["weights"] * data["periods"]).sum()
    geometric = 100.0 * (1.0 - churn) ** years
    assert np.abs(geometric - actual).max() > 3.0 * np.abs(projected - actual).max()


# ------------------------------------------------------------------ the mathematics
def test_closed_forms_match_arbitrary_precision() -> None:
    mpmath.mp.dps = 30
    for alpha, beta in [(0.668, 3.806), (1e-3, 1e3), (1e3, 1e-3), (2.5, 0.4)]:
        for t in [1, 2, 7, 100, 100_000]:
            s_exact = mpmath.beta(alpha, beta + t) / mpmath.beta(alpha, beta)
            p_exact = mpmath.beta(alpha + 1, beta + t - 1) / mpmath.beta(alpha, beta)
            assert sbg.survival(alpha, beta, t) == pytest.approx(float(s_exact), rel=1e-9)
            assert sbg.churn_probability(alpha, beta, t) == pytest.approx(float(p_exact), rel=1e-9)


def test_distribution_identities() -> None:
    alpha, beta = 0.704, 1.182
    t = np.arange(1, 200)
    s = sbg.survival(alpha, beta, np.arange(0, 200))
    p = sbg.churn_probability(alpha, beta, t)
    # S(t-1) - S(t) = P(T = t); S carries relative errors of ~1e-13 (log-beta differences), which the
    # subtraction turns into absolute errors of that order
    np.testing.assert_allclose(s[:-1] - s[1:], p, rtol=1e-12, atol=5e-14)
    np.testing.assert_allclose(s[1:] / s[:-1], sbg.retention_rate(alpha, beta, t), rtol=1e-12)
    # FH 2007's recursion: P(T=1) = alpha/(alpha+beta), P(T=t) = (beta+t-2)/(alpha+beta+t-1) P(T=t-1)
    assert p[0] == pytest.approx(alpha / (alpha + beta), rel=1e-14)
    np.testing.assert_allclose(p[1:] / p[:-1], (beta + t[1:] - 2) / (alpha + beta + t[1:] - 1), rtol=1e-12)
    assert s[0] == 1.0


def test_loglik_finite_in_the_extremes() -> None:
    periods = np.array([1.0, 1.0, 7.0, 1e4, 1e5, 1e5])
    churned = np.array([1.0, 0.0, 1.0, 0.0, 1.0, 0.0])
    for alpha, beta in [(1e-3, 1e-3), (1e3, 1e3), (1e-3, 1e3), (1e3, 1e-3), (0.7, 1.2)]:
        ll = sbg.loglik(alpha, beta, periods, churned)
        grad = sbg.loglik_grad(alpha, beta, periods, churned)
        assert np.all(np.isfinite(ll)) and np.all(ll <= 0) and np.all(np.isfinite(grad))


# ------------------------------------------------------------------ predictions
def test_survival_retention_and_churn_methods(high_end: ShiftedBetaGeo) -> None:
    alpha, beta = high_end.params_
    assert isinstance(high_end.survival(3), float) and high_end.survival(0) == 1.0
    assert high_end.retention_rate(1) == pytest.approx(beta / (alpha + beta))
    t = np.array([[1, 2], [3, 4]])
    assert high_end.survival(t).shape == (2, 2) and high_end.churn_probability(t).shape == (2, 2)
    assert np.all(np.diff(high_end.retention_rate(np.arange(1, 50))) > 0)  # the sorting effect
    with pytest.raises(ValueError, match="whole numbers"):
        high_end.survival(1.5)
    with pytest.raises(ValueError, match=">= 1"):
        high_end.retention_rate(0)


def test_p_alive(high_end: ShiftedBetaGeo) -> None:
    alpha, beta = high_end.params_
    data = pd.DataFrame(
        {"periods": [1, 7, 7, 30], "churned": [False, False, True, False]}, index=pd.Index(list("dcba"), name="id")
    ).pipe(pyclv.with_time_unit, "Y")
    pa = high_end.p_alive(data)
    assert pa.name == "p_alive" and pa.index.equals(data.index)
    n = data["periods"].to_numpy(float)
    expected = np.where(data["churned"], 0.0, (beta + n) / (alpha + beta + n))
    np.testing.assert_allclose(pa, expected, rtol=1e-14)
    # the probability of renewing next equals S(n+1)/S(n)
    assert pa["d"] == pytest.approx(high_end.survival(2) / high_end.survival(1), rel=1e-12)


@pytest.mark.parametrize("periods", [1, 7, 50])
@pytest.mark.parametrize(("alpha", "beta"), [(0.668, 3.806), (0.704, 1.182), (3.0, 0.5)])
def test_derl_equals_a_long_discounted_sum(alpha: float, beta: float, periods: int) -> None:
    model = ShiftedBetaGeo.from_params(alpha=alpha, beta=beta, time_unit="Y")
    data = pyclv.with_time_unit(pd.DataFrame({"periods": [periods], "churned": [False]}), "Y")
    value = model.derl(data, annual_discount_rate=0.1).iloc[0]
    assert value == pytest.approx(_long_discounted_sum(alpha, beta, periods, 0.1, terms=2000), rel=1e-12)
    # FH 2010 closed form, evaluated in arbitrary precision (renewals made: n - 1 = periods)
    mpmath.mp.dps = 30
    n = periods + 1
    exact = (beta + n - 1) / (alpha + beta + n - 1) * mpmath.hyp2f1(1, beta + n, alpha + beta + n, 1 / mpmath.mpf(1.1))
    assert value == pytest.approx(float(exact), rel=1e-12)


def test_derl_in_months_uses_the_monthly_rate() -> None:
    alpha, beta = 0.5, 6.0
    model = ShiftedBetaGeo.from_params(alpha=alpha, beta=beta, time_unit="M")
    data = pd.DataFrame({"periods": [3, 24, 5], "churned": [False, False, True]}, index=[10, 20, 30])
    data = pyclv.with_time_unit(data, "M")
    derl = model.derl(data, annual_discount_rate=0.1)
    assert derl.name == "derl" and list(derl.index) == [10, 20, 30] and derl[30] == 0.0
    d = 1.1 ** (1 / 12) - 1  # a month is 1/12 of a 365.25-day year
    for idx, n in [(10, 3), (20, 24)]:
        assert derl[idx] == pytest.approx(_long_discounted_sum(alpha, beta, n, d, terms=200_000), rel=1e-11)


def test_derl_limits() -> None:
    data = pyclv.with_time_unit(pd.DataFrame({"periods": [4], "churned": [False]}), "Y")
    # undiscounted: (beta + n) / (alpha - 1) for alpha > 1, infinite otherwise
    model = ShiftedBetaGeo.from_params(alpha=3.0, beta=2.0, time_unit="Y")
    assert model.derl(data, annual_discount_rate=0.0).iloc[0] == pytest.approx(6.0 / 2.0)
    assert model.derl(data, annual_discount_rate=1e-9).iloc[0] == pytest.approx(3.0, rel=1e-6)
    heavy = ShiftedBetaGeo.from_params(alpha=0.5, beta=2.0, time_unit="Y")
    assert np.isinf(heavy.derl(data, annual_discount_rate=0.0).iloc[0])
    # homogeneous limit (FH 2010): with theta fixed, DERL = (1 - theta)(1 + d) / (d + theta)
    theta, d = 0.3, 0.1
    homogeneous = ShiftedBetaGeo.from_params(alpha=theta * 1e7, beta=(1 - theta) * 1e7, time_unit="Y")
    value = homogeneous.derl(data, annual_discount_rate=d).iloc[0]
    assert value == pytest.approx((1 - theta) * (1 + d) / (d + theta), rel=1e-5)


def test_derl_stable_in_the_extremes() -> None:
    # daily periods (d ~ 2.6e-4), tenures up to 100,000 periods, parameters 1e-3..1e3
    periods = np.array([1.0, 30.0, 1e3, 1e5])
    for alpha in [1e-3, 0.7, 1e3]:
        for beta in [1e-3, 1.2, 1e3]:
            for rate in [0.001, 0.1, 10.0]:
                d = (1 + rate) ** (1 / 365.25) - 1
                value = sbg.derl(alpha, beta, periods, d)
                assert np.all(np.isfinite(value)) and np.all(value > 0) and np.all(value <= (1 + d) / d * (1 + 1e-12))
                assert np.all(np.diff(value) >= -1e-9 * value[1:])  # longer tenure, more loyal


def test_derl_against_arbitrary_precision_at_scale() -> None:
    # scipy's hyp2f1 gives NaN here; mpmath's integral of the Euler representation is the reference
    alpha, beta, n, d = 0.7, 1.2, 5000.0, 0.1 / 12
    b = beta + n
    mpmath.mp.dps = 30
    exact = mpmath.quad(lambda r: r / (1 - r / (1 + d)) * r ** (b - 1) * (1 - r) ** (alpha - 1), [0, 0.99, 0.9999, 1])
    exact /= mpmath.beta(b, alpha)
    assert sbg.derl(alpha, beta, n, d) == pytest.approx(float(exact), rel=1e-10)


def test_discounted_expected_lifetime(regular: ShiftedBetaGeo) -> None:
    alpha, beta = regular.params_
    value = regular.discounted_expected_lifetime(annual_discount_rate=0.1)
    t = np.arange(5000)
    brute = float(np.sum(sbg.survival(alpha, beta, t) / 1.1**t))
    assert value == pytest.approx(brute, rel=1e-12)
    mpmath.mp.dps = 30
    assert value == pytest.approx(float(mpmath.hyp2f1(1, beta, alpha + beta, 1 / mpmath.mpf(1.1))), rel=1e-12)


def test_discounting_needs_a_time_unit_and_a_non_negative_rate() -> None:
    model = ShiftedBetaGeo.from_params(alpha=0.7, beta=1.2)
    data = pyclv.with_time_unit(pd.DataFrame({"periods": [3], "churned": [False]}), "Y")
    with pytest.raises(ValueError, match="time unit"):
        model.derl(data, annual_discount_rate=0.1)
    with pytest.raises(ValueError, match=">= 0"):
        ShiftedBetaGeo.from_params(alpha=0.7, beta=1.2, time_unit="Y").derl(data, annual_discount_rate=-0.05)


def test_data_in_another_time_unit_is_refused(high_end: ShiftedBetaGeo) -> None:
    data = survivors_to_data([100, 90, 80], time_unit="M")
    with pytest.raises(pyclv.DataValidationError, match="time unit"):
        high_end.p_alive(data)


# ------------------------------------------------------------------ fitting
def test_simulation_follows_the_survival_curve() -> None:
    truth = ShiftedBetaGeo.from_params(alpha=0.7, beta=1.2, time_unit="M")
    data = truth.simulate(20_000, 12, seed=20261125)
    assert data.attrs["time_unit"] == "M" and data.index.name == "customer_id"
    assert data["periods"].dtype == np.int64 and data["churned"].dtype == bool
    # the simulated cohort follows S(t)
    t = np.arange(1, 13)
    active = np.array([((data["periods"] >= k) & ~((data["periods"] == k) & data["churned"])).mean() for k in t])
    np.testing.assert_allclose(active, truth.survival(t), atol=0.015)
    fitted = ShiftedBetaGeo().fit(data)
    assert fitted.time_unit_ == "M" and fitted.n_customers_ == 20_000


def test_simulation_with_per_customer_windows() -> None:
    truth = ShiftedBetaGeo.from_params(alpha=1e-3, beta=1e3)  # almost nobody churns
    windows = np.array([1, 5, 100, 100_000])
    data = truth.simulate(4, windows, seed=3)
    assert np.all(data["periods"] <= windows) and np.all(data["periods"] >= 1)
    extreme = ShiftedBetaGeo.from_params(alpha=1e3, beta=1e-3).simulate(50, 10, seed=4)
    assert extreme["churned"].all() and (extreme["periods"] == 1).all()  # almost everybody churns at once


def test_save_load_round_trip(high_end: ShiftedBetaGeo, tmp_path: Path) -> None:
    high_end.save(tmp_path / "sbg.json")
    loaded = pyclv.load_model(tmp_path / "sbg.json")
    assert type(loaded) is ShiftedBetaGeo and loaded.time_unit_ == "Y"
    pd.testing.assert_series_equal(loaded.params_, high_end.params_)
    pd.testing.assert_frame_equal(loaded.covariance_, high_end.covariance_)
    data = pyclv.with_time_unit(pd.DataFrame({"periods": [1, 7], "churned": [False, True]}), "Y")
    pd.testing.assert_series_equal(
        loaded.derl(data, annual_discount_rate=0.1), high_end.derl(data, annual_discount_rate=0.1)
    )


# ------------------------------------------------------------------ validation
@pytest.mark.parametrize(
    ("frame", "column", "n_bad"),
    [
        (pd.DataFrame({"periods": [1, 2]}), "churned", None),
        (pd.DataFrame({"churned": [True]}), "periods", None),
        (pd.DataFrame({"periods": [1.0, 2.5, 0.0, np.nan], "churned": [True] * 4}), "periods", 3),
        (pd.DataFrame({"periods": ["1", "2"], "churned": [True, False]}), "periods", 2),
        (pd.DataFrame({"periods": [1, 2, 3], "churned": ["yes", 1, np.nan]}), "churned", 2),
        (pd.DataFrame({"periods": [1, 2, 3], "churned": [0, 1, 2]}), "churned", 1),
    ],
)
def test_invalid_data_is_rejected(frame: pd.DataFrame, column: str, n_bad: int | None) -> None:
    with pytest.raises(pyclv.DataValidationError, match=column) as info:
        ShiftedBetaGeo().fit(frame)
    assert info.value.column == column and info.value.n_rows == n_bad


def test_zero_one_churned_is_accepted() -> None:
    frame = pd.DataFrame({"periods": [1, 3, 3, 2], "churned": [1, 0, 1, 0]})
    model = ShiftedBetaGeo.from_params(alpha=1.0, beta=2.0)
    np.testing.assert_allclose(model.p_alive(frame), [0.0, 5.0 / 6.0, 0.0, 4.0 / 5.0])


def test_data_without_churn_cannot_be_fitted() -> None:
    with pytest.raises(pyclv.DataValidationError, match="no customer churned") as info:
        ShiftedBetaGeo().fit(pd.DataFrame({"periods": [3, 5], "churned": [False, False]}))
    assert info.value.column == "churned"


@pytest.mark.parametrize(
    ("survivors", "match"),
    [([1000], "at least two"), ([1000, 1100, 900], "must not increase"), ([1000, -1], "negative"), ([0, 0], "> 0")],
)
def test_invalid_survivor_counts(survivors: list[float], match: str) -> None:
    with pytest.raises(pyclv.DataValidationError, match=match):
        survivors_to_data(survivors)


# ------------------------------------------------------------------ properties
@settings(max_examples=40, deadline=None)
@given(
    alpha=st.floats(1e-3, 1e3),
    beta=st.floats(1e-3, 1e3),
    n=st.integers(1, 100_000),
    rate=st.floats(1e-4, 5.0),
    unit=st.sampled_from(["D", "W", "M", "Y"]),
)
def test_properties(alpha: float, beta: float, n: int, rate: float, unit: str) -> None:
    model = ShiftedBetaGeo.from_params(alpha=alpha, beta=beta, time_unit=unit)
    s = model.survival(np.array([0, n, n + 1, 2 * n]))
    assert np.all((s >= 0) & (s <= 1)) and np.all(np.diff(s) <= 0)
    r = model.retention_rate(np.array([n, n + 1]))
    assert 0 <= r[0] <= r[1] <= 1
    data = pyclv.with_time_unit(pd.DataFrame({"periods": [n, n + 10, n], "churned": [False, False, True]}), unit)
    pa = model.p_alive(data)  # in [0, 1], and 0 for the churned: the contract test
    low = model.derl(data, annual_discount_rate=rate)
    high = model.derl(data, annual_discount_rate=2 * rate)
    d = np.expm1(np.log1p(rate) * pyclv._time.DAYS_PER_UNIT[unit] / 365.25)
    assert np.all(np.isfinite(low)) and np.all(low >= 0) and low.iloc[2] == 0.0
    assert low.iloc[0] <= (1 + d) / d * (1 + 1e-12)  # at most one renewal per period, all of them
    assert low.iloc[0] >= pa.iloc[0] * (1 - 1e-12)  # at least the imminent renewal
    assert low.iloc[1] >= low.iloc[0] * (1 - 1e-10)  # longer tenure, more loyal
    assert np.all(high <= low * (1 + 1e-10))  # a higher rate discounts more
