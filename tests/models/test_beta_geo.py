"""BG/NBD against the published CDNOW results and its own mathematics."""

from __future__ import annotations

import mpmath
import numpy as np
import pandas as pd
import pytest

import pyclv
from pyclv.models import beta_geo
from tests.reference import published as ref


@pytest.fixture(scope="module")
def summary() -> pd.DataFrame:
    return pyclv.datasets.load_cdnow_summary()


@pytest.fixture(scope="module")
def fitted(summary: pd.DataFrame) -> pyclv.BetaGeo:
    return pyclv.BetaGeo().fit(summary)


@pytest.fixture(scope="module")
def published() -> pyclv.BetaGeo:
    return pyclv.BetaGeo.from_params(**ref.BGNBD_CDNOW, time_unit="W")


def test_fit_matches_fhl_2005(fitted: pyclv.BetaGeo) -> None:
    for name, value in ref.BGNBD_CDNOW.items():
        assert fitted.params_[name] == pytest.approx(value, rel=1e-3)
    # The summary file is rounded to 2 decimals; REFERENCES.md notes the LL moves in the 3rd decimal.
    assert fitted.log_likelihood_ == pytest.approx(ref.BGNBD_CDNOW_LL, abs=0.01)
    assert fitted.converged_ and fitted.time_unit_ == "W" and fitted.n_customers_ == 2357


def test_standard_errors_are_finite_and_sensible(fitted: pyclv.BetaGeo) -> None:
    se = fitted.standard_errors_
    assert se.notna().all() and (se > 0).all()
    # the dropout parameters are the least certain: relative error of b exceeds that of r
    assert se["b"] / fitted.params_["b"] > se["r"] / fitted.params_["r"]
    ci = fitted.conf_int(0.05)
    assert (ci["lower"] < fitted.params_).all() and (fitted.params_ < ci["upper"]).all()


def test_hardie_num_error_cases_are_finite_and_exact() -> None:
    p = ref.BGNBD_NUM_PARAMS
    for x, t_x, T, expected in ref.BGNBD_NUM_CASES:
        ll = beta_geo.loglik(p["r"], p["alpha"], p["a"], p["b"], np.array([x], float), np.array([t_x]), np.array([T]))
        assert ll[0] == pytest.approx(expected, abs=5e-5)


def test_loglik_finite_in_the_extremes() -> None:
    x = np.array([0.0, 1.0, 5000.0, 10000.0, 10000.0])
    t_x = np.array([0.0, 1e-6, 9.0e4, 1.0, 1.0e5])
    T = np.array([1.0e5, 1.0e5, 1.0e5, 1.0e5, 1.0e5])
    for r, alpha, a, b in [(1e-3, 1e-3, 1e-3, 1e-3), (1e3, 1e3, 1e3, 1e3), (0.24, 4.4, 0.79, 2.4)]:
        ll = beta_geo.loglik(r, alpha, a, b, x, t_x, T)
        grad = beta_geo.loglik_grad(r, alpha, a, b, x, t_x, T)
        pa = beta_geo.p_alive(r, alpha, a, b, x, t_x, T)
        assert np.all(np.isfinite(ll)) and np.all(np.isfinite(grad))
        assert np.all((pa >= 0) & (pa <= 1))


def test_unconditional_expectation_matches_hardie_spreadsheet(published: pyclv.BetaGeo) -> None:
    for t, expected in ref.BGNBD_CDNOW_EXPECTED_NEW.items():
        # The spreadsheet sums a truncated 2F1 series; at t = 78 (z = 0.95) that truncation shows in the 4th
        # decimal (the exact value, checked with mpmath below, is 1.85796).
        tol = 5e-4 if t > 50 else 5e-5
        assert published.expected_purchases_new_customer(t) == pytest.approx(expected, abs=tol)


def test_unconditional_expectation_matches_arbitrary_precision(published: pyclv.BetaGeo) -> None:
    r, alpha, a, b = published.params_
    mpmath.mp.dps = 30
    for t in [0.5, 5.0, 78.0, 1000.0]:
        exact = (
            (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r * mpmath.hyp2f1(r, b, a + b - 1, t / (alpha + t)))
        )
        assert published.expected_purchases_new_customer(t) == pytest.approx(float(exact), rel=1e-10)


@pytest.mark.slow
def test_unconditional_expectation_at_a_long_horizon_and_a_tiny_alpha() -> None:
    # found by the contract test: scipy's adaptive quadrature, the old last resort where the 2F1 fails, warned
    # "probably divergent" and returned -176.6 here; the Gauss-Legendre rule of _special gives the exact value
    r, alpha, a, b, t = 0.25, 0.001953125, 0.125, 636.0, 8295.0
    mpmath.mp.dps = 30
    z = mpmath.mpf(t) / (alpha + t)
    exact = (a + b - 1) / (a - 1) * (1 - (mpmath.mpf(alpha) / (alpha + t)) ** r * mpmath.hyp2f1(r, b, a + b - 1, z))
    model = pyclv.BetaGeo.from_params(r=r, alpha=alpha, a=a, b=b)
    assert model.expected_purchases_new_customer(t) == pytest.approx(float(exact), rel=1e-8)


def test_customer_1_conditional_expectation(published: pyclv.BetaGeo, summary: pd.DataFrame) -> None:
    value = published.expected_purchases(summary, 39.0).loc[1]
    assert value == pytest.approx(ref.BGNBD_CDNOW_CUSTOMER1_39W, abs=5e-4)


def _conditional_exact(r: float, alpha: float, a: float, b: float, x: int, t_x: float, T: float, t: float) -> float:
    mpmath.mp.dps = 40
    z = mpmath.mpf(t) / (alpha + T + t)
    num = (
        (a + b + x - 1)
        / (a - 1)
        * (1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * mpmath.hyp2f1(r + x, b + x, a + b + x - 1, z))
    )
    den = 1 + (a / (b + x - 1) * ((alpha + T) / (alpha + t_x)) ** (r + x) if x > 0 else 0)
    return float(num / den)


@pytest.mark.parametrize(
    ("x", "t_x", "T", "t"),
    [(0, 0.0, 38.86, 39.0), (2, 30.43, 38.86, 39.0), (25, 38.0, 38.86, 520.0), (300, 1000.0, 1050.0, 100.0)],
)
def test_conditional_expectation_matches_arbitrary_precision(
    published: pyclv.BetaGeo, x: int, t_x: float, T: float, t: float
) -> None:
    data = pyclv.with_time_unit(pd.DataFrame({"frequency": [x], "recency": [t_x], "T": [T]}), "W")
    exact = _conditional_exact(*published.params_, x, t_x, T, t)
    assert published.expected_purchases(data, t).iloc[0] == pytest.approx(exact, rel=1e-9)


def test_p_alive_published_formula(published: pyclv.BetaGeo, summary: pd.DataFrame) -> None:
    r, alpha, a, b = published.params_
    pa = published.p_alive(summary)
    x, t_x, T = summary["frequency"], summary["recency"], summary["T"]
    direct = 1.0 / (1.0 + (x > 0) * a / (b + x - 1).clip(lower=1e-12) * ((alpha + T) / (alpha + t_x)) ** (r + x))
    np.testing.assert_allclose(pa, direct, rtol=1e-12)
    assert (pa[x == 0] == 1.0).all()


def test_probability_of_purchases_is_a_distribution(published: pyclv.BetaGeo) -> None:
    n = np.arange(0, 400)
    probs = published.probability_of_purchases(n, 39.0)
    assert np.all(probs >= 0)
    assert probs.sum() == pytest.approx(1.0, abs=1e-9)
    # its mean is E[X(t)]
    assert (n * probs).sum() == pytest.approx(published.expected_purchases_new_customer(39.0), rel=1e-6)


def test_probability_of_purchases_scalar_returns_float(published: pyclv.BetaGeo) -> None:
    assert isinstance(published.probability_of_purchases(0, 39.0), float)
    with pytest.raises(ValueError, match="whole number"):
        published.probability_of_purchases(1.5, 39.0)


def test_failed_fit_raises_convergence_error(summary: pd.DataFrame) -> None:
    with pytest.raises(pyclv.ConvergenceError, match="What to try") as info:
        pyclv.BetaGeo(max_iterations=2).fit(summary)
    assert info.value.result is not None and not info.value.result.success


def test_data_without_repeat_purchases_cannot_be_fitted(summary: pd.DataFrame) -> None:
    with pytest.raises(pyclv.DataValidationError, match="no customer has a repeat purchase") as info:
        pyclv.BetaGeo().fit(summary[summary["frequency"] == 0])
    assert info.value.column == "frequency" and info.value.n_rows == int((summary["frequency"] == 0).sum())


def test_conditional_probabilities_form_a_distribution_with_the_right_mean(
    published: pyclv.BetaGeo, summary: pd.DataFrame
) -> None:
    data = summary.loc[[1, 2, 3, 18, 1516]]  # a mix of x = 0 and repeat buyers
    probs = np.column_stack([published.conditional_probability_of_purchases(data, n, 39.0) for n in range(300)])
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-9)
    mean = probs @ np.arange(300)
    np.testing.assert_allclose(mean, published.expected_purchases(data, 39.0), rtol=1e-7)


def test_conditional_probability_reduces_to_the_unconditional(published: pyclv.BetaGeo) -> None:
    new = pyclv.with_time_unit(pd.DataFrame({"frequency": [0.0], "recency": [0.0], "T": [0.0]}), "W")
    for n in range(5):
        conditional = published.conditional_probability_of_purchases(new, n, 39.0).iloc[0]
        assert conditional == pytest.approx(published.probability_of_purchases(n, 39.0), rel=1e-12)


def test_conditional_probability_matches_simulation() -> None:
    # simulate the posterior story directly: alive with P(alive), then min(Poisson(lambda t), geometric J)
    model = pyclv.BetaGeo.from_params(r=0.5, alpha=5.0, a=0.8, b=2.5)
    x, t_x, T, t = 3.0, 20.0, 30.0, 26.0
    data = pyclv.with_time_unit(pd.DataFrame({"frequency": [x], "recency": [t_x], "T": [T]}), "W")
    rng = np.random.default_rng(5)
    m = 400_000
    alive = rng.random(m) < model.p_alive(data).iloc[0]
    lam = rng.gamma(0.5 + x, 1.0 / (5.0 + T), m)
    p = rng.beta(0.8, 2.5 + x, m)
    y = np.where(alive, np.minimum(rng.poisson(lam * t), rng.geometric(p)), 0)
    for n in range(4):
        expected = model.conditional_probability_of_purchases(data, n, t).iloc[0]
        assert (y == n).mean() == pytest.approx(expected, abs=4 * np.sqrt(expected * (1 - expected) / m))


def test_dert_is_the_limit_of_discounted_purchases(published: pyclv.BetaGeo, summary: pd.DataFrame) -> None:
    data = summary.iloc[:20]
    dert = published.dert(data, annual_discount_rate=0.15)
    long_run = pyclv.discounted_expected_purchases(published, data, horizon=52 * 400, annual_discount_rate=0.15)
    np.testing.assert_allclose(dert, long_run, rtol=1e-9)
    # more discounting, less value; and DERT exceeds the first year's discounted purchases
    assert (published.dert(data, annual_discount_rate=0.3) < dert).all()
    one_year = pyclv.discounted_expected_purchases(published, data, horizon=52, annual_discount_rate=0.15)
    assert (dert > one_year).all()


@pytest.mark.parametrize(
    ("theta", "x", "T", "t"),
    [
        ((0.0332, 0.0159, 889.0, 0.0524), 0, 428.0, 8790.0),  # scipy's 2F1 overflows in both transformations
        ((0.5, 1.0, 0.5, 0.5), 99, 1.0, 19.0),  # scipy returns inf for 2F1(-0.5, -0.5; 99; 0.905)
        ((101.0, 833.0, 869.0, 1.02), 1, 2510.0, 6420.0),
        ((0.00662, 880.0, 0.00149, 0.0639), 10_000, 56_700.0, 0.0123),  # tiny z: cancellation-prone
    ],
)
def test_hard_cases_match_arbitrary_precision(theta: tuple[float, ...], x: int, T: float, t: float) -> None:
    r, alpha, a, b = theta
    mpmath.mp.dps = 60
    z = mpmath.mpf(t) / (alpha + T + t)
    scaled = ((mpmath.mpf(alpha) + T) / (alpha + T + t)) ** (r + x) * mpmath.hyp2f1(r + x, b + x, a + b + x - 1, z)
    exact = (a + b + x - 1) / (a - 1) * (1 - scaled)
    ours = beta_geo._one_minus_scaled_hyp2f1(r, alpha, a, b, float(x), T, t)
    assert float(ours) == pytest.approx(float(exact), rel=1e-5)


def test_expected_purchases_stay_finite_where_the_dropout_beta_piles_up_at_one() -> None:
    # a = 1 (a removable singularity) with b = 1e-11, where b cannot step down, and the quadrature's Beta quantile
    # at exactly 1: NaN before; now continuous with a just off 1
    summary = pyclv.datasets.load_cdnow_summary()
    at_one = pyclv.BetaGeo.from_params(r=0.24, alpha=4.4, a=1.0, b=1e-11, time_unit="W")
    near = pyclv.BetaGeo.from_params(r=0.24, alpha=4.4, a=1.0 + 3e-6, b=1e-11, time_unit="W")
    values = at_one.expected_purchases(summary, 52.0)
    assert np.isfinite(values).all() and (values >= 0).all()
    np.testing.assert_allclose(values, near.expected_purchases(summary, 52.0), rtol=1e-4, atol=1e-12)
    huge_r = pyclv.BetaGeo.from_params(r=1e8, alpha=4.4, a=1.0, b=1e-11, time_unit="W")
    assert np.isfinite(huge_r.expected_purchases(summary, 52.0)).all()


# Parameters an optimizer can run away to: almost no dropout (b = 1e200) and an almost Poisson purchase rate
# (r = 1e8); the history is ordinary. The likelihood's Beta and Gamma ratios are differences of values near 4e13
# and 2e9, and the closed form of the expected purchases is 1e189 times a difference of nearly equal numbers.
EXTREME_X = np.array([0.0, 1.0, 2.0, 5.0, 10.0])
EXTREME_TX = np.array([0.0, 5.0, 10.0, 20.0, 30.0])
EXTREME_T = np.full(5, 38.0)


def _bgnbd_loglik_mpmath(r: float, alpha: float, a: float, b: float, x: float, t_x: float, T: float) -> float:
    """FHL (2005) eq. 6 in mpmath (300 digits: log-gamma of 1e200 has 203 before the point)."""
    with mpmath.workdps(300):
        r, alpha, a, b, x, t_x, T = map(mpmath.mpf, (r, alpha, a, b, x, t_x, T))

        def log_beta(p: mpmath.mpf, q: mpmath.mpf) -> mpmath.mpf:
            return mpmath.loggamma(p) + mpmath.loggamma(q) - mpmath.loggamma(p + q)

        common = mpmath.loggamma(r + x) - mpmath.loggamma(r) + r * mpmath.log(alpha)
        likelihood = mpmath.exp(log_beta(a, b + x) - log_beta(a, b) - (r + x) * mpmath.log(alpha + T))
        if x > 0:
            likelihood += mpmath.exp(log_beta(a + 1, b + x - 1) - log_beta(a, b) - (r + x) * mpmath.log(alpha + t_x))
        return float(common + mpmath.log(likelihood))


@pytest.mark.parametrize("alpha", [1.0, 10.0, 1e8])
def test_extreme_parameters_give_finite_right_values(alpha: float) -> None:
    r, a, b, t = 1e8, 1e11, 1e200, 10.0
    ll = beta_geo.loglik(r, alpha, a, b, EXTREME_X, EXTREME_TX, EXTREME_T)
    rows = zip(EXTREME_X, EXTREME_TX, EXTREME_T, strict=True)
    expected = [_bgnbd_loglik_mpmath(r, alpha, a, b, *row) for row in rows]
    np.testing.assert_allclose(ll, expected, rtol=1e-13)
    assert np.isfinite(beta_geo.loglik_grad(r, alpha, a, b, EXTREME_X, EXTREME_TX, EXTREME_T)).all()
    p_alive = beta_geo.p_alive(r, alpha, a, b, EXTREME_X, EXTREME_TX, EXTREME_T)
    ce = beta_geo.conditional_expected_purchases(r, alpha, a, b, EXTREME_X, EXTREME_TX, EXTREME_T, t)
    with mpmath.workdps(50):
        for x, t_x, T, got_alive, got_ce in zip(EXTREME_X, EXTREME_TX, EXTREME_T, p_alive, ce, strict=True):
            odds = 0 if x == 0 else a / mpmath.mpf(b + x - 1) * ((alpha + T) / mpmath.mpf(alpha + t_x)) ** (r + x)
            alive = 1 / (1 + odds)
            # alive at T, a customer buys E[(1 - (1 + p c)^-s) / p] over p ~ Beta(a, b + x): s c to within
            # s (s+1) c^2 E[p] / 2 = 1e-170 relative, the Gamma-Poisson mean
            s, c = r + x, t / mpmath.mpf(alpha + T)
            assert got_alive == pytest.approx(float(alive), rel=1e-14, abs=1e-300)
            assert got_ce == pytest.approx(float(alive * s * c), rel=1e-13, abs=1e-300)
    new = beta_geo.expected_purchases(r, alpha, a, b, np.array([1.0, 10.0]))
    np.testing.assert_allclose(new, r * np.array([1.0, 10.0]) / alpha, rtol=1e-13)
