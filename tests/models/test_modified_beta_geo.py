"""MBG/NBD against the published CDNOW fit and against its own mathematics, integrated independently."""

from __future__ import annotations

import itertools
import warnings

import mpmath
import numpy as np
import pandas as pd
import pytest

import pyclv
from pyclv.models import History
from pyclv.models import modified_beta_geo as mbg
from pyclv.models.modified_beta_geo import ModifiedBetaGeo
from tests.reference import modified_beta_geo as ref


@pytest.fixture(scope="module")
def summary() -> pd.DataFrame:
    return pyclv.datasets.load_cdnow_summary()


@pytest.fixture(scope="module")
def fitted(summary: pd.DataFrame) -> ModifiedBetaGeo:
    return ModifiedBetaGeo().fit(summary)


@pytest.fixture(scope="module")
def published() -> ModifiedBetaGeo:
    return ModifiedBetaGeo.from_params(**ref.MBGNBD_CDNOW, time_unit="W")


# ----------------------------------------------------------------------------------- independent integrals
def _beta_expect(f, a: float, b: float) -> mpmath.mpf:
    """E[f(p)] for p ~ Beta(a, b), by mpmath quadrature (split where a concentrated Beta puts its mass)."""
    mode = mpmath.mpf(a) / (a + b)
    pts = sorted({mpmath.mpf(0), mode / 100, mode / 10, mode, min(10 * mode, mpmath.mpf(0.5)), mpmath.mpf(1)})

    def dens(p: mpmath.mpf) -> mpmath.mpf:
        return p ** (a - 1) * (1 - p) ** (b - 1) / mpmath.beta(a, b)

    return mpmath.quad(lambda p: f(p) * dens(p), pts)


def _posterior(r: float, alpha: float, a: float, b: float, x: int, t_x: float, T: float) -> tuple[mpmath.mpf, ...]:
    """Alive and dead terms of the likelihood, integrated over p numerically (the lambda integral is the
    Gamma moment), and P(alive) as their ratio: nothing from the closed form of the module."""

    def gam(tt: float) -> mpmath.mpf:
        return mpmath.gamma(r + x) * mpmath.mpf(alpha) ** r / (mpmath.gamma(r) * mpmath.mpf(alpha + tt) ** (r + x))

    alive = _beta_expect(lambda p: (1 - p) ** (x + 1), a, b) * gam(T)
    dead = _beta_expect(lambda p: p * (1 - p) ** x, a, b) * gam(t_x)
    return alive, dead, alive / (alive + dead)


HISTORIES = [(0, 0.0, 38.86), (2, 30.43, 38.86), (25, 38.0, 38.86), (300, 1000.0, 1050.0)]


# ----------------------------------------------------------------------------------- fit
def test_fit_matches_lifetimes_and_btydplus(fitted: ModifiedBetaGeo) -> None:
    for name, value in ref.MBGNBD_CDNOW.items():
        assert fitted.params_[name] == pytest.approx(value, rel=1e-3)
    assert fitted.converged_ and fitted.time_unit_ == "W" and fitted.n_customers_ == 2357


def test_fit_is_the_maximum(fitted: ModifiedBetaGeo, summary: pd.DataFrame) -> None:
    # the likelihood falls in every direction away from the fit, and the fit's LL is the sum of loglik
    x, t_x, T = (summary[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    theta = fitted.params_.to_numpy()
    ll = mbg.loglik(*theta, x, t_x, T).sum()
    assert fitted.log_likelihood_ == pytest.approx(ll, rel=1e-12)
    for k in range(4):
        for step in (0.99, 1.01):
            moved = theta.copy()
            moved[k] *= step
            assert mbg.loglik(*moved, x, t_x, T).sum() < ll
    se = fitted.standard_errors_
    assert se.notna().all() and (se > 0).all()


def test_fit_converges_from_the_default_start_in_another_time_unit(
    summary: pd.DataFrame, fitted: ModifiedBetaGeo
) -> None:
    # the same data in days: alpha scales by 7, the rest stays (the start adapts to the time scale)
    days = summary[["frequency", "recency", "T"]].copy()
    days[["recency", "T"]] *= 7.0
    in_days = ModifiedBetaGeo().fit(days)
    expected = fitted.params_.to_numpy() * np.array([1.0, 7.0, 1.0, 1.0])
    np.testing.assert_allclose(in_days.params_.to_numpy(), expected, rtol=2e-4)


# ----------------------------------------------------------------------------------- likelihood
@pytest.mark.parametrize(("x", "t_x", "T"), [(0, 0.0, 38.86), (2, 30.43, 38.86), (40, 35.0, 39.0)])
def test_loglik_matches_numerical_integration(published: ModifiedBetaGeo, x: int, t_x: float, T: float) -> None:
    mpmath.mp.dps = 30
    theta = published.params_.to_numpy()
    alive, dead, _ = _posterior(*theta, x, t_x, T)
    ll = mbg.loglik(*theta, np.array([float(x)]), np.array([t_x]), np.array([T]))[0]
    assert ll == pytest.approx(float(mpmath.log(alive + dead)), rel=1e-12)


def test_everything_finite_in_the_extremes() -> None:
    x = np.array([0.0, 1.0, 5000.0, 10000.0, 10000.0, 0.0])
    t_x = np.array([0.0, 1e-6, 9.0e4, 1.0, 1.0e5, 0.0])
    T = np.array([1.0e5, 1.0e5, 1.0e5, 1.0e5, 1.0e5, 0.0])
    t = np.array([0.0, 1e-3, 1.0, 1e3, 1e5])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for r, alpha, a, b in itertools.product([1e-3, 1.0, 1e3], repeat=4):
            ll = mbg.loglik(r, alpha, a, b, x, t_x, T)
            grad = mbg.loglik_grad(r, alpha, a, b, x, t_x, T)
            pa = mbg.p_alive(r, alpha, a, b, x, t_x, T)
            e = mbg.conditional_expected_purchases(r, alpha, a, b, x[:, None], t_x[:, None], T[:, None], t)
            cp = mbg.conditional_probability_of_purchases(
                r, alpha, a, b, x[:, None], t_x[:, None], T[:, None], np.arange(4.0), 50.0
            )
            for v in (ll, grad, pa, e, cp):
                assert np.all(np.isfinite(v)), (r, alpha, a, b)
            assert np.all((pa >= 0) & (pa <= 1)) and np.all((cp >= 0) & (cp <= 1 + 1e-12))
            assert np.all(e >= 0) and np.all(np.diff(e, axis=1) >= -1e-9 * e[:, 1:])


# ----------------------------------------------------------------------------------- predictions
def _exact_alive_future(r: float, alpha: float, a: float, b: float, x: int, T: float, t: float) -> mpmath.mpf:
    # E[(1 - ((alpha+T)/(alpha+T+p t))^(r+x)) / p] over the alive posterior p ~ Beta(a, b+x+1)
    s, base = mpmath.mpf(r + x), mpmath.mpf(alpha + T)
    return _beta_expect(lambda p: (1 - (base / (base + p * t)) ** s) / p, a, b + x + 1)


@pytest.mark.parametrize(("x", "t_x", "T"), HISTORIES)
@pytest.mark.parametrize("t", [0.5, 39.0, 520.0])
def test_conditional_expectation_matches_posterior_integral(
    published: ModifiedBetaGeo, x: int, t_x: float, T: float, t: float
) -> None:
    mpmath.mp.dps = 30
    theta = published.params_.to_numpy()
    _, _, pa = _posterior(*theta, x, t_x, T)
    exact = pa * _exact_alive_future(*theta, x, T, t)
    data = pyclv.with_time_unit(pd.DataFrame({"frequency": [float(x)], "recency": [t_x], "T": [T]}), "W")
    assert published.expected_purchases(data, t).iloc[0] == pytest.approx(float(exact), rel=1e-9)
    assert published.p_alive(data).iloc[0] == pytest.approx(float(pa), rel=1e-12)


def test_expectation_of_new_customer_matches_closed_form_and_integral(published: ModifiedBetaGeo) -> None:
    mpmath.mp.dps = 30
    r, alpha, a, b = published.params_
    for t in [0.1429, 1.0, 39.0, 78.0, 1000.0]:
        closed = b / (a - 1) * (1 - (alpha / (alpha + t)) ** r * mpmath.hyp2f1(r, b + 1, a + b, t / (alpha + t)))
        integral = _beta_expect(lambda p, t=t: (1 - p) / p * (1 - (alpha / (alpha + p * t)) ** r), a, b)
        value = published.expected_purchases_new_customer(t)
        assert value == pytest.approx(float(closed), rel=1e-10)
        assert value == pytest.approx(float(integral), rel=1e-9)


def test_quadrature_fallback_matches_arbitrary_precision() -> None:
    # horizons far beyond alpha + T (z within 1e-4 of one) go to the quadrature; check it where scipy fails
    mpmath.mp.dps = 40
    cases = [
        (1e-3, 1e-3, 1e3, 1.0, 0, 0.0, 1e5),
        (1.0, 1e-3, 1e-3, 1e3, 0, 0.0, 1e3),
        (1e3, 1.0, 1e3, 1e3, 0, 0.0, 1e5),
        (0.5, 1e-3, 3.0, 0.5, 0, 0.0, 1e5),
        (0.5, 0.01, 0.9, 1.6, 10, 1.0, 1e3),
    ]
    for r, alpha, a, b, x, T, t in cases:
        z = mpmath.mpf(t) / (alpha + T + t)
        scaled = ((alpha + T) / mpmath.mpf(alpha + T + t)) ** (r + x) * mpmath.hyp2f1(r + x, b + x + 1, a + b + x, z)
        exact = (a + b + x) / (a - 1) * (1 - scaled)
        value = mbg._alive_future(r, alpha, a, b, float(x), T, t)
        assert float(value) == pytest.approx(float(exact), rel=1e-9), (r, alpha, a, b, x, T, t)


def test_p_alive_of_customers_without_repeat_purchases(published: ModifiedBetaGeo, summary: pd.DataFrame) -> None:
    r, alpha, a, b = published.params_
    pa = published.p_alive(summary)
    zero = summary["frequency"] == 0
    assert (pa[zero] < 1).all() and (pa > 0).all()
    # x = 0: 1 / (1 + a/b ((alpha+T)/alpha)^r), falling with T; a new customer has b / (a + b)
    T = summary.loc[zero, "T"]
    np.testing.assert_allclose(pa[zero], 1 / (1 + a / b * ((alpha + T) / alpha) ** r), rtol=1e-12)
    new = pyclv.with_time_unit(pd.DataFrame({"frequency": [0.0], "recency": [0.0], "T": [0.0]}), "W")
    assert published.p_alive(new).iloc[0] == pytest.approx(b / (a + b), rel=1e-14)


def test_probability_of_purchases_is_a_distribution(published: ModifiedBetaGeo) -> None:
    n = np.arange(0, 400)
    for t in (0.0, 39.0, 78.0):
        probs = published.probability_of_purchases(n, t)
        assert np.all(probs >= 0)
        assert probs.sum() == pytest.approx(1.0, abs=1e-9)
        assert (n * probs).sum() == pytest.approx(published.expected_purchases_new_customer(t), rel=1e-7, abs=1e-15)
    # at t = 0 nobody has bought yet
    assert published.probability_of_purchases(0, 0.0) == pytest.approx(1.0, abs=1e-15)


def test_probability_of_purchases_matches_numerical_integration(published: ModifiedBetaGeo) -> None:
    # P(X(t)=n | lambda, p) = delta_{n0} p + (1-p)^{n+1} Pois(n; lambda t) + delta_{n>0} p (1-p)^n P(Pois >= n);
    # the lambda integral of each piece is a negative binomial pmf / tail, the p integral numerical
    mpmath.mp.dps = 30
    r, alpha, a, b = published.params_
    t = 39.0
    q = mpmath.mpf(t) / (alpha + t)

    def nb(j: int) -> mpmath.mpf:
        return mpmath.binomial(r + j - 1, j) * (1 - q) ** r * q**j

    for n in range(5):
        tail = 1 - mpmath.fsum(nb(j) for j in range(n))

        def f(p: mpmath.mpf, n: int = n, tail: mpmath.mpf = tail) -> mpmath.mpf:
            return (p if n == 0 else 0) + (1 - p) ** (n + 1) * nb(n) + (p * (1 - p) ** n * tail if n > 0 else 0)

        assert published.probability_of_purchases(n, t) == pytest.approx(float(_beta_expect(f, a, b)), rel=1e-9)


def test_simulation_matches_the_distribution(published: ModifiedBetaGeo) -> None:
    m = 200_000
    sim = published.simulate(m, 39.0, seed=7)
    for n in range(4):
        expected = published.probability_of_purchases(n, 39.0)
        assert (sim["frequency"] == n).mean() == pytest.approx(expected, abs=4 * np.sqrt(expected * (1 - expected) / m))
    assert sim["frequency"].mean() == pytest.approx(published.expected_purchases_new_customer(39.0), rel=0.02)
    assert (sim.loc[sim["frequency"] == 0, "recency"] == 0).all()
    assert ((sim["recency"] <= sim["T"]) & (sim["recency"] >= 0)).all()


def test_conditional_probabilities_form_a_distribution_with_the_right_mean(
    published: ModifiedBetaGeo, summary: pd.DataFrame
) -> None:
    data = summary.loc[[1, 2, 3, 18, 1516]]
    probs = np.column_stack([published.conditional_probability_of_purchases(data, n, 39.0) for n in range(300)])
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-9)
    np.testing.assert_allclose(probs @ np.arange(300), published.expected_purchases(data, 39.0), rtol=1e-7)


def test_conditional_probability_reduces_to_the_unconditional(published: ModifiedBetaGeo) -> None:
    new = pyclv.with_time_unit(pd.DataFrame({"frequency": [0.0], "recency": [0.0], "T": [0.0]}), "W")
    for n in range(5):
        conditional = published.conditional_probability_of_purchases(new, n, 39.0).iloc[0]
        assert conditional == pytest.approx(published.probability_of_purchases(n, 39.0), rel=1e-12)


def test_conditional_probability_matches_simulation_of_the_posterior() -> None:
    # the posterior story: alive with P(alive), then lambda ~ Gamma(r+x, alpha+T), p ~ Beta(a, b+x+1),
    # purchases min(Poisson(lambda t), J) with J the geometric number of purchases until dropout
    model = ModifiedBetaGeo.from_params(r=0.5, alpha=5.0, a=0.8, b=1.5)
    x, t_x, T, t = 3.0, 20.0, 30.0, 26.0
    data = pyclv.with_time_unit(pd.DataFrame({"frequency": [x], "recency": [t_x], "T": [T]}), "W")
    rng = np.random.default_rng(5)
    m = 400_000
    alive = rng.random(m) < model.p_alive(data).iloc[0]
    lam = rng.gamma(0.5 + x, 1.0 / (5.0 + T), m)
    p = rng.beta(0.8, 1.5 + x + 1.0, m)
    y = np.where(alive, np.minimum(rng.poisson(lam * t), rng.geometric(p)), 0)
    for n in range(4):
        expected = model.conditional_probability_of_purchases(data, n, t).iloc[0]
        assert (y == n).mean() == pytest.approx(expected, abs=4 * np.sqrt(expected * (1 - expected) / m))


def test_dert_matches_posterior_integral(published: ModifiedBetaGeo) -> None:
    # DERT = P(alive) E[lambda / (delta + lambda p)] over the alive posterior (the discounted rate of an alive
    # customer, whose E[Y(t) | lambda, p] = (1 - exp(-lambda p t)) / p). The lambda integral is
    # (1 - delta E[1/(delta + lambda p)]) / p with E[1/(delta + lambda p)] = w^s U(s, s, w) / delta,
    # w = (alpha + T) delta / p (Tricomi's U); the p integral is numerical.
    mpmath.mp.dps = 20
    theta = published.params_.to_numpy()
    r, alpha, a, b = theta
    delta = mpmath.mpf(0.0027)
    for x, t_x, T in [(2, 30.43, 38.86), (0, 0.0, 38.86)]:
        _, _, pa = _posterior(*theta, x, t_x, T)
        s, rate = r + x, alpha + T

        def given_p(p: mpmath.mpf, s: float = s, rate: float = rate) -> mpmath.mpf:
            w = rate * delta / p
            return (1 - w**s * mpmath.hyperu(s, s, w)) / p

        exact = pa * _beta_expect(given_p, a, b + x + 1)
        history = History(pd.RangeIndex(1), published.columns, (np.array([float(x)]), np.array([t_x]), np.array([T])))
        got = published.dert_at(theta, history, float(delta))[0]
        assert got == pytest.approx(float(exact), rel=1e-7)


def test_data_without_repeat_purchases_cannot_be_fitted(summary: pd.DataFrame) -> None:
    with pytest.raises(pyclv.DataValidationError, match="no customer has a repeat purchase"):
        ModifiedBetaGeo().fit(summary[summary["frequency"] == 0])


def _mbgnbd_loglik_mpmath(r: float, alpha: float, a: float, b: float, x: float, t_x: float, T: float) -> float:
    """Batislam et al. (2007) in mpmath (300 digits: log-gamma of 1e200 has 203 before the point)."""
    with mpmath.workdps(300):
        r, alpha, a, b, x, t_x, T = map(mpmath.mpf, (r, alpha, a, b, x, t_x, T))

        def log_beta(p: mpmath.mpf, q: mpmath.mpf) -> mpmath.mpf:
            return mpmath.loggamma(p) + mpmath.loggamma(q) - mpmath.loggamma(p + q)

        log_odds = mpmath.log(a / (b + x)) + (r + x) * mpmath.log((alpha + T) / (alpha + t_x))
        return float(
            mpmath.loggamma(r + x) - mpmath.loggamma(r) + r * mpmath.log(alpha) - (r + x) * mpmath.log(alpha + T)
            + log_beta(a, b + x + 1) - log_beta(a, b) + mpmath.log1p(mpmath.exp(log_odds))
        )


@pytest.mark.parametrize("alpha", [1.0, 10.0, 1e8])
def test_extreme_parameters_give_finite_right_values(alpha: float) -> None:
    # almost no dropout (b = 1e200), an almost Poisson purchase rate (r = 1e8), an ordinary history: the pieces
    # it shares with BG/NBD (the Beta and Gamma ratios, the expected purchases of a customer alive)
    r, a, b, t = 1e8, 1e11, 1e200, 10.0
    x, t_x, T = np.array([0.0, 1.0, 2.0, 5.0, 10.0]), np.array([0.0, 5.0, 10.0, 20.0, 30.0]), np.full(5, 38.0)
    ll = mbg.loglik(r, alpha, a, b, x, t_x, T)
    expected = [_mbgnbd_loglik_mpmath(r, alpha, a, b, *row) for row in zip(x, t_x, T, strict=True)]
    np.testing.assert_allclose(ll, expected, rtol=1e-9)  # x = 0 at alpha = 1: -435 out of two terms of 3.7e8
    assert np.isfinite(mbg.loglik_grad(r, alpha, a, b, x, t_x, T)).all()
    p_alive = mbg.p_alive(r, alpha, a, b, x, t_x, T)
    ce = mbg.conditional_expected_purchases(r, alpha, a, b, x, t_x, T, t)
    with mpmath.workdps(50):
        for xi, txi, Ti, got_alive, got_ce in zip(x, t_x, T, p_alive, ce, strict=True):
            alive = 1 / (1 + a / mpmath.mpf(b + xi) * ((alpha + Ti) / mpmath.mpf(alpha + txi)) ** (r + xi))
            s, c = r + xi, t / mpmath.mpf(alpha + Ti)  # alive, the Gamma-Poisson mean to 1e-170 (see BG/NBD's test)
            assert got_alive == pytest.approx(float(alive), rel=1e-14, abs=1e-300)
            assert got_ce == pytest.approx(float(alive * s * c), rel=1e-13, abs=1e-300)
    # a new customer survives its first purchase with probability b / (a + b) = 1 - 1e-189
    np.testing.assert_allclose(mbg.expected_purchases(r, alpha, a, b, np.array([1.0, 10.0])),
                               r * np.array([1.0, 10.0]) / alpha, rtol=1e-13)
