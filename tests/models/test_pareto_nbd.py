"""Pareto/NBD against the published CDNOW results and independent arbitrary-precision computations."""

from __future__ import annotations

import mpmath
import numpy as np
import pandas as pd
import pytest

import pyclv
from pyclv.models import History, pareto_nbd
from pyclv.models.pareto_nbd import ParetoNBD
from tests.reference import pareto_nbd as ref


@pytest.fixture(scope="module")
def summary() -> pd.DataFrame:
    return pyclv.datasets.load_cdnow_summary()


@pytest.fixture(scope="module")
def fitted(summary: pd.DataFrame) -> ParetoNBD:
    return ParetoNBD().fit(summary)


@pytest.fixture(scope="module")
def published() -> ParetoNBD:
    return ParetoNBD.from_params(**ref.PARETO_NBD_CDNOW, time_unit="W")


# ---------------------------------------------------------------------------------------------- independent
def _mp_integral(pa: float, pb: float, alpha: float, beta: float, lo: float, hi: float) -> mpmath.mpf:
    """int_lo^hi (alpha+tau)^-pa (beta+tau)^-pb dtau by mpmath quadrature, split geometrically from lo."""
    mpmath.mp.dps = 40
    scale = min(alpha + lo, beta + lo) / (pa + pb)
    points = [mpmath.mpf(lo)]
    step = mpmath.mpf(scale) / 64
    while points[-1] + step < hi:
        points.append(points[-1] + step)
        step *= 4
    points.append(mpmath.mpf(hi))
    return mpmath.quad(lambda u: (alpha + u) ** (-pa) * (beta + u) ** (-pb), points)


def _mp_loglik_note(r: float, alpha: float, s: float, beta: float, x: int, t_x: float, T: float) -> float:
    """The note's closed form (Fader & Hardie 2005, eqs. 19-22) with its own 2F1s, in 40-digit arithmetic."""
    mpmath.mp.dps = 40
    r, alpha, s, beta, t_x, T = (mpmath.mpf(v) for v in (r, alpha, s, beta, t_x, T))
    a1 = r + s + x
    if alpha >= beta:

        def f(t: mpmath.mpf) -> mpmath.mpf:
            return mpmath.hyp2f1(a1, s + 1, a1 + 1, (alpha - beta) / (alpha + t)) / (alpha + t) ** a1
    else:

        def f(t: mpmath.mpf) -> mpmath.mpf:
            return mpmath.hyp2f1(a1, r + x, a1 + 1, (beta - alpha) / (beta + t)) / (beta + t) ** a1

    a0 = f(t_x) - f(T)
    bracket = 1 / ((alpha + T) ** (r + x) * (beta + T) ** s) + s / a1 * a0
    value = mpmath.loggamma(r + x) - mpmath.loggamma(r) + r * mpmath.log(alpha) + s * mpmath.log(beta)
    return float(value + mpmath.log(bracket))


def _mp_p_alive(r: float, alpha: float, s: float, beta: float, x: int, t_x: float, T: float) -> float:
    mpmath.mp.dps = 40
    alive = (alpha + T) ** (-(r + x)) * (beta + T) ** (-s)
    return float(alive / (alive + s * _mp_integral(r + x, s + 1, alpha, beta, t_x, T)))


# ---------------------------------------------------------------------------------------------- fit
def test_fit_matches_published_cdnow(fitted: ParetoNBD) -> None:
    p = fitted.params_
    for name in ("r", "alpha", "s"):
        assert p[name] == pytest.approx(ref.PARETO_NBD_CDNOW[name], rel=1e-3)
    # flat direction (REFERENCES.md): optimizers disagree on beta by about 0.015
    assert p["beta"] == pytest.approx(ref.PARETO_NBD_CDNOW["beta"], abs=0.03)
    for name, value in ref.PARETO_NBD_CDNOW_PUBLISHED.items():
        assert p[name] == pytest.approx(value, abs=6e-3)
    assert fitted.log_likelihood_ == pytest.approx(ref.PARETO_NBD_CDNOW_LL, abs=0.01)
    assert round(fitted.log_likelihood_, 1) == ref.PARETO_NBD_CDNOW_PUBLISHED_LL
    assert fitted.converged_ and fitted.time_unit_ == "W" and fitted.n_customers_ == 2357


def test_standard_errors_are_finite_and_beta_least_certain(fitted: ParetoNBD) -> None:
    se = fitted.standard_errors_
    assert se.notna().all() and (se > 0).all()
    rel = se / fitted.params_
    assert rel["beta"] > rel["r"] and rel["s"] > rel["alpha"]


def test_loglik_at_clvtools_optimum(published: ParetoNBD, summary: pd.DataFrame) -> None:
    x, t_x, T = (summary[c].to_numpy() for c in ("frequency", "recency", "T"))
    ll = pareto_nbd.loglik(*published.params_, x, t_x, T).sum()
    # on the 2-decimal summary the LL moves in the 3rd decimal (REFERENCES.md)
    assert ll == pytest.approx(ref.PARETO_NBD_CDNOW_LL, abs=0.01)


# ---------------------------------------------------------------------------------------------- likelihood
@pytest.mark.parametrize(
    ("theta", "x", "t_x", "T"),
    [
        ((0.55315, 10.57633, 0.60625, 11.6715), 0, 0.0, 38.86),  # alpha < beta branch
        ((0.55315, 10.57633, 0.60625, 11.6715), 2, 30.43, 38.86),
        ((0.55315, 12.0, 0.60625, 9.0), 2, 30.43, 38.86),  # alpha >= beta branch
        ((0.55315, 12.0, 0.60625, 9.0), 40, 1.0, 38.86),
        ((2.0, 3.0, 1.0, 3.0), 5, 10.0, 20.0),  # alpha == beta, s integer
        ((0.05, 200.0, 3.0, 0.5), 7, 100.0, 400.0),
    ],
)
def test_loglik_matches_note_closed_form_in_arbitrary_precision(theta: tuple, x: int, t_x: float, T: float) -> None:
    ours = pareto_nbd.loglik(*theta, np.array([float(x)]), np.array([t_x]), np.array([T]))[0]
    assert ours == pytest.approx(_mp_loglik_note(*theta, x, t_x, T), rel=1e-11, abs=1e-11)


@pytest.mark.parametrize(
    ("pa", "pb", "alpha", "beta", "lo", "hi"),
    [
        (10000.5, 1.6, 1000.0, 1e-3, 1.0, 1e5),  # scipy's hyp2f1 fails: quadrature fallback
        (5000.001, 1.001, 1e3, 1e-3, 9e4, 1e5),
        (0.001, 1001.0, 1e-3, 1e3, 0.0, 1e5),
        (300.5, 2.0, 50.0, 0.01, 0.001, 39.0),
        (1.5, 1.6, 10.0, 11.0, 38.0, 38.0 + 1e-9),  # tails cancel: quadrature fallback
    ],
)
def test_log_integral_in_the_extremes_matches_mpmath(
    pa: float, pb: float, alpha: float, beta: float, lo: float, hi: float
) -> None:
    ours = pareto_nbd.log_integral(pa, pb, alpha, beta, lo, hi)
    exact = float(mpmath.log(_mp_integral(pa, pb, alpha, beta, lo, hi)))
    assert ours == pytest.approx(exact, rel=1e-9, abs=1e-9)


def test_quadrature_fallback_agrees_with_hypergeometric_path() -> None:
    for args in [
        (3.5, 1.6, 10.0, 2.0, 1.0, 30.0),
        (0.6, 2.5, 2.0, 10.0, 0.0, 39.0),
        (25.0, 1.0001, 8.0, 8.0, 5.0, 6.0),
    ]:
        closed = pareto_nbd.log_integral(*args)
        quad = pareto_nbd._log_integral_quad(*args)
        assert closed == pytest.approx(quad, rel=1e-10)


def test_loglik_finite_in_the_extremes() -> None:
    x = np.array([0.0, 1.0, 5000.0, 10000.0, 10000.0, 0.0])
    t_x = np.array([0.0, 1e-6, 9.0e4, 1.0, 1.0e5, 0.0])
    T = np.array([1.0e5, 1.0e5, 1.0e5, 1.0e5, 1.0e5, 1e-3])
    for theta in [
        (1e-3,) * 4,
        (1e3,) * 4,
        (1e-3, 1e3, 1e-3, 1e3),
        (1e3, 1e-3, 1e3, 1e-3),
        (1e-3, 1e3, 1e3, 1e-3),
        (1e3, 1e-3, 1e-3, 1e3),
        (0.55, 10.6, 0.6, 11.7),
    ]:
        ll = pareto_nbd.loglik(*theta, x, t_x, T)
        grad = pareto_nbd.loglik_grad(*theta, x, t_x, T)
        pa = pareto_nbd.p_alive(*theta, x, t_x, T)
        assert np.all(np.isfinite(ll)) and np.all(np.isfinite(grad))
        assert np.all((pa >= 0) & (pa <= 1))


def test_extreme_loglik_matches_mpmath() -> None:
    theta = (1e-3, 1e3, 1e3, 1e-3)
    x, t_x, T = 10000.0, 1.0, 1e5
    ours = pareto_nbd.loglik(*theta, np.array([x]), np.array([t_x]), np.array([T]))[0]
    mpmath.mp.dps = 40
    r, alpha, s, beta = theta
    alive = (alpha + T) ** (-(r + x)) * mpmath.mpf(beta + T) ** (-s)
    bracket = alive + s * _mp_integral(r + x, s + 1, alpha, beta, t_x, T)
    exact = (
        mpmath.loggamma(r + x) - mpmath.loggamma(r) + r * mpmath.log(alpha) + s * mpmath.log(beta) + mpmath.log(bracket)
    )
    assert ours == pytest.approx(float(exact), rel=1e-10)


# ---------------------------------------------------------------------------------------------- predictions
@pytest.mark.parametrize(("x", "t_x", "T"), [(0, 0.0, 38.86), (2, 30.43, 38.86), (10, 5.0, 38.86), (30, 38.0, 38.86)])
def test_p_alive_matches_arbitrary_precision(published: ParetoNBD, x: int, t_x: float, T: float) -> None:
    data = pyclv.with_time_unit(pd.DataFrame({"frequency": [float(x)], "recency": [t_x], "T": [T]}), "W")
    exact = _mp_p_alive(*published.params_, x, t_x, T)
    assert published.p_alive(data).iloc[0] == pytest.approx(exact, rel=1e-10, abs=1e-15)


def _mp_conditional_expectation(
    r: float, alpha: float, s: float, beta: float, x: int, t_x: float, T: float, t: float
) -> float:
    """E[Y(t) | history] = P(alive) E[lambda] E[(1 - exp(-mu t)) / mu], mu ~ Gamma(s, beta + T), integrated
    over mu numerically (independent of the closed form)."""
    mpmath.mp.dps = 30
    b = mpmath.mpf(beta + T)

    def density(mu: mpmath.mpf) -> mpmath.mpf:
        return b**s * mu ** (s - 1) * mpmath.exp(-b * mu) / mpmath.gamma(s)

    e_life = mpmath.quad(lambda mu: density(mu) * -mpmath.expm1(-mu * t) / mu, [0, 1 / b, 10 / b, mpmath.inf])
    return float(_mp_p_alive(r, alpha, s, beta, x, t_x, T) * (r + x) / (alpha + T) * e_life)


@pytest.mark.parametrize(
    ("x", "t_x", "T", "t"), [(0, 0.0, 38.86, 39.0), (2, 30.43, 38.86, 39.0), (25, 38.0, 38.86, 520.0)]
)
def test_conditional_expectation_matches_numerical_integration(
    published: ParetoNBD, x: int, t_x: float, T: float, t: float
) -> None:
    data = pyclv.with_time_unit(pd.DataFrame({"frequency": [float(x)], "recency": [t_x], "T": [T]}), "W")
    exact = _mp_conditional_expectation(*published.params_, x, t_x, T, t)
    assert published.expected_purchases(data, t).iloc[0] == pytest.approx(exact, rel=1e-9)


def test_conditional_expectation_at_s_equal_one_is_the_limit() -> None:
    x, t_x, T, t = 3.0, 20.0, 39.0, 52.0
    at_one = pareto_nbd.conditional_expected_purchases(0.5, 10.0, 1.0, 12.0, x, t_x, T, t)
    near = [pareto_nbd.conditional_expected_purchases(0.5, 10.0, 1.0 + e, 12.0, x, t_x, T, t) for e in (-1e-7, 1e-7)]
    assert at_one == pytest.approx(np.mean(near), rel=1e-7)


def test_unconditional_expectation_matches_integral(published: ParetoNBD) -> None:
    r, alpha, s, beta = published.params_
    mpmath.mp.dps = 30
    for t in [0.5, 39.0, 78.0, 1000.0]:
        # E[X(t)] = E[lambda] E[(1 - exp(-mu t)) / mu], mu ~ Gamma(s, beta)
        def integrand(mu: mpmath.mpf, t: float = t) -> mpmath.mpf:
            return beta**s * mu ** (s - 1) * mpmath.exp(-beta * mu) / mpmath.gamma(s) * -mpmath.expm1(-mu * t) / mu

        e_life = mpmath.quad(integrand, [0, 1 / beta, 10 / beta, mpmath.inf])
        assert published.expected_purchases_new_customer(t) == pytest.approx(float(r / alpha * e_life), rel=1e-10)


def _mp_pmf_note(r: float, alpha: float, s: float, beta: float, x: int, t: float) -> float:
    """P(X(t) = x): the closed form of Fader, Hardie & Lee (2006), evaluated in 50-digit arithmetic (where its
    hypergeometric sums no longer cancel)."""
    mpmath.mp.dps = 50
    r, alpha, s, beta, t = (mpmath.mpf(v) for v in (r, alpha, s, beta, t))
    first = (
        mpmath.gamma(r + x)
        / (mpmath.gamma(r) * mpmath.factorial(x))
        * (alpha / (alpha + t)) ** r
        * (t / (alpha + t)) ** x
        * (beta / (beta + t)) ** s
    )
    if alpha >= beta:
        b1 = mpmath.hyp2f1(r + s, s + 1, r + s + x + 1, (alpha - beta) / alpha) / alpha ** (r + s)

        def b2(j: int) -> mpmath.mpf:
            z = (alpha - beta) / (alpha + t)
            return mpmath.hyp2f1(r + s + j, s + 1, r + s + x + 1, z) / (alpha + t) ** (r + s + j)

    else:
        b1 = mpmath.hyp2f1(r + s, r + x, r + s + x + 1, (beta - alpha) / beta) / beta ** (r + s)

        def b2(j: int) -> mpmath.mpf:
            z = (beta - alpha) / (beta + t)
            return mpmath.hyp2f1(r + s + j, r + x, r + s + x + 1, z) / (beta + t) ** (r + s + j)

    total = sum(
        mpmath.gamma(r + s + j) / (mpmath.gamma(r + s) * mpmath.factorial(j)) * t**j * b2(j) for j in range(x + 1)
    )
    second = alpha**r * beta**s * mpmath.beta(r + x, s + 1) / mpmath.beta(r, s) * (b1 - total)
    return float(first + second)


@pytest.mark.parametrize(("n", "t"), [(0, 39.0), (1, 39.0), (3, 10.0), (7, 78.0), (20, 39.0)])
def test_probability_of_purchases_matches_fhl_2006_closed_form(published: ParetoNBD, n: int, t: float) -> None:
    exact = _mp_pmf_note(*published.params_, n, t)
    assert published.probability_of_purchases(n, t) == pytest.approx(exact, rel=1e-9)


def test_probability_of_purchases_alpha_above_beta_branch() -> None:
    theta = (0.8, 12.0, 1.3, 4.0)
    values = pareto_nbd.probability_of_purchases(*theta, np.array([0.0, 2.0, 9.0]), 30.0)
    for n, v in zip([0, 2, 9], values, strict=True):
        assert v == pytest.approx(_mp_pmf_note(*theta, n, 30.0), rel=1e-9)


def test_probability_of_purchases_is_a_distribution(published: ParetoNBD) -> None:
    n = np.arange(0, 300)
    probs = published.probability_of_purchases(n, 39.0)
    assert np.all(probs >= 0)
    assert probs.sum() == pytest.approx(1.0, abs=1e-8)
    assert (n * probs).sum() == pytest.approx(published.expected_purchases_new_customer(39.0), rel=1e-6)
    assert isinstance(published.probability_of_purchases(0, 39.0), float)


def test_conditional_probability_of_purchases_is_a_distribution(published: ParetoNBD) -> None:
    data = pyclv.with_time_unit(
        pd.DataFrame({"frequency": [0.0, 2.0, 12.0], "recency": [0.0, 30.43, 36.0], "T": [38.86, 38.86, 38.86]}), "W"
    )
    probs = np.column_stack(
        [published.conditional_probability_of_purchases(data, n, 39.0).to_numpy() for n in range(200)]
    )
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-8)
    mean = probs @ np.arange(200)
    np.testing.assert_allclose(mean, published.expected_purchases(data, 39.0).to_numpy(), rtol=1e-6)
    p0 = published.conditional_probability_of_purchases(data, 0, 39.0)
    assert p0.name == "p_0_purchases" and (p0 >= 1 - published.p_alive(data) - 1e-12).all()


# ---------------------------------------------------------------------------------------------- DERT
def test_dert_closed_form_matches_numerical_default(published: ParetoNBD, summary: pd.DataFrame) -> None:
    head = summary.iloc[:200]
    history = published.history(head)
    delta = np.log(1.15) / 52.0
    closed = published.dert_at(published.theta, history, delta)
    numerical = published.discounted_purchases_at(published.theta, history, np.inf, delta)
    np.testing.assert_allclose(closed, numerical, rtol=1e-8)


def test_dert_matches_fhl_2005_formula_in_arbitrary_precision(published: ParetoNBD) -> None:
    r, alpha, s, beta = published.params_
    delta = 0.15 / 52  # JMR 2005 uses a 15% annual rate, continuously compounded weekly
    for x, t_x, T in [(0, 0.0, 38.86), (2, 30.43, 38.86), (14, 36.0, 38.86)]:
        mpmath.mp.dps = 40
        log_l = _mp_loglik_note(r, alpha, s, beta, x, t_x, T)
        exact = (
            mpmath.mpf(alpha) ** r
            * mpmath.mpf(beta) ** s
            * mpmath.mpf(delta) ** (s - 1)
            * mpmath.gamma(r + x + 1)
            * mpmath.hyperu(s, s, delta * (beta + T))
            / (mpmath.gamma(r) * mpmath.mpf(alpha + T) ** (r + x + 1) * mpmath.exp(log_l))
        )
        ours = pareto_nbd.dert(r, alpha, s, beta, np.array([x]), np.array([t_x]), np.array([T]), delta)[0]
        assert ours == pytest.approx(float(exact), rel=1e-9)


def test_dert_large_s_falls_back_and_stays_exact() -> None:
    r, alpha, s, beta = 0.5, 10.0, 200.0, 3000.0
    x, t_x, T, delta = np.array([3.0]), np.array([20.0]), np.array([39.0]), 0.003
    ours = pareto_nbd.dert(r, alpha, s, beta, x, t_x, T, delta)[0]
    model = ParetoNBD.from_params(r=r, alpha=alpha, s=s, beta=beta)
    history = History(pd.RangeIndex(1), model.columns, (x, t_x, T))
    numerical = model.discounted_purchases_at(model.theta, history, np.inf, delta)[0]
    assert np.isfinite(ours) and ours == pytest.approx(numerical, rel=1e-8)


def test_public_dert(fitted: ParetoNBD, summary: pd.DataFrame) -> None:
    values = fitted.dert(summary, annual_discount_rate=0.15)
    assert values.name == "dert" and values.index.equals(summary.index)
    assert np.all(np.isfinite(values)) and (values > 0).all()


def test_data_without_repeat_purchases_cannot_be_fitted(summary: pd.DataFrame) -> None:
    with pytest.raises(pyclv.DataValidationError, match="no customer has a repeat purchase"):
        ParetoNBD().fit(summary[summary["frequency"] == 0])
