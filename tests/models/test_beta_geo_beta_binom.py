"""BG/BB against the published donations results, brute-force enumeration and its own mathematics."""

from __future__ import annotations

import itertools

import mpmath
import numpy as np
import pandas as pd
import pytest
from scipy import special

import pyclv
from pyclv.models import beta_geo_beta_binom as bgbb
from pyclv.models.beta_geo_beta_binom import BetaGeoBetaBinom
from tests.reference import beta_geo_beta_binom as ref

COLUMNS = ["frequency", "recency", "n_periods"]


@pytest.fixture(scope="module")
def donations() -> pd.DataFrame:
    return pyclv.datasets.load_donations()


@pytest.fixture(scope="module")
def fitted(donations: pd.DataFrame) -> BetaGeoBetaBinom:
    return BetaGeoBetaBinom().fit(donations, weights="weights")


def _frame(x: float, t_x: float, n: float) -> pd.DataFrame:
    return pd.DataFrame({"frequency": [float(x)], "recency": [float(t_x)], "n_periods": [float(n)]})


# ------------------------------------------------------------------------------------ published values
def test_fit_matches_fhs_2010(fitted: BetaGeoBetaBinom) -> None:
    for name, value in ref.BGBB_DONATIONS.items():
        assert fitted.params_[name] == pytest.approx(value, abs=6e-4)
    assert fitted.log_likelihood_ == pytest.approx(ref.BGBB_DONATIONS_LL, abs=0.05)
    assert fitted.converged_ and fitted.n_customers_ == 11104
    se = fitted.standard_errors_
    assert se.notna().all() and (se > 0).all()


def test_p_alive_matches_fhs_table_6(fitted: BetaGeoBetaBinom, donations: pd.DataFrame) -> None:
    pa = fitted.p_alive(donations)
    for (x, t_x), expected in ref.BGBB_DONATIONS_P_ALIVE.items():
        row = (donations["frequency"] == x) & (donations["recency"] == t_x)
        assert pa[row].iloc[0] == pytest.approx(expected, abs=0.005)


def test_expected_donations_2002_2006_match_hardie_spreadsheet(
    fitted: BetaGeoBetaBinom, donations: pd.DataFrame
) -> None:
    total = float((fitted.expected_purchases(donations, 5) * donations["weights"]).sum())
    assert total == pytest.approx(ref.BGBB_DONATIONS_EXPECTED_TOTAL_5, abs=0.05)


def test_in_sample_fit_matches_hardie_spreadsheet(fitted: BetaGeoBetaBinom) -> None:
    for x, expected in ref.BGBB_DONATIONS_IN_SAMPLE.items():
        assert 11104 * fitted.probability_of_purchases(x, 6) == pytest.approx(expected, abs=0.05)


# ------------------------------------------------------------------------------------ brute force
def _brute_force(theta: tuple[float, float, float, float], n: int, n_star: int) -> dict[str, dict]:
    """Enumerate every purchase sequence and death opportunity over n + n_star opportunities and integrate
    the individual-level probabilities over p ~ Beta(alpha, beta), theta ~ Beta(gamma, delta) by Gauss-Jacobi
    quadrature (exact here: the integrands are polynomials of degree <= n + n_star)."""
    alpha, beta, gamma, delta = theta
    xj, wj = special.roots_jacobi(24, beta - 1.0, alpha - 1.0)
    p, wp = (1.0 + xj) / 2.0, wj / wj.sum()
    xk, wk = special.roots_jacobi(24, delta - 1.0, gamma - 1.0)
    q, wq = (1.0 + xk) / 2.0, wk / wk.sum()
    P, Q = np.meshgrid(p, q, indexing="ij")
    W = np.outer(wp, wq)
    total = n + n_star
    joint: dict[tuple[int, int, int], float] = {}
    alive_next: dict[tuple[int, int], float] = {}
    for seq in itertools.product((0, 1), repeat=total):
        for death in range(1, total + 2):  # dies at the start of opportunity `death` (total + 1: survives)
            if any(seq[death - 1 :]):
                continue  # no purchases once dead
            alive = sum(seq[: death - 1])
            prob = P**alive * (1 - P) ** (death - 1 - alive) * (1 - Q) ** (death - 1)
            if death <= total:
                prob = prob * Q
            value = float((W * prob).sum())
            past = seq[:n]
            x = sum(past)
            t_x = max((i + 1 for i, y in enumerate(past) if y), default=0)
            k = sum(seq[n:])
            joint[(x, t_x, k)] = joint.get((x, t_x, k), 0.0) + value
            if death > n + 1:
                alive_next[(x, t_x)] = alive_next.get((x, t_x), 0.0) + value
    return {"joint": joint, "alive_next": alive_next}


@pytest.mark.parametrize(
    "theta", [(1.204, 0.750, 0.657, 2.783), (0.4, 2.5, 1.0, 0.8), (3.0, 1.2, 2.5, 6.0), (0.9, 0.9, 1.0 + 1e-9, 2.0)]
)
def test_predictions_match_brute_force_enumeration(theta: tuple[float, float, float, float]) -> None:
    n, n_star = 4, 3
    bf = _brute_force(theta, n, n_star)
    joint = bf["joint"]
    histories = sorted({(x, t_x) for x, t_x, _ in joint})
    x = np.array([h[0] for h in histories], float)
    t_x = np.array([h[1] for h in histories], float)
    nn = np.full(len(x), float(n))
    marginal = np.array([sum(joint.get((a, b, k), 0.0) for k in range(n_star + 1)) for a, b in histories])
    # sequences sharing (x, t_x): C(t_x - 1, x - 1) for x >= 1; the likelihood is that of one sequence
    n_sequences = np.where(x > 0, special.comb(np.maximum(t_x - 1, 0), np.maximum(x - 1, 0)), 1.0)
    np.testing.assert_allclose(np.exp(bgbb.loglik(*theta, x, t_x, nn)), marginal / n_sequences, rtol=1e-10)
    alive = np.array([bf["alive_next"].get(h, 0.0) for h in histories]) / marginal
    np.testing.assert_allclose(bgbb.p_alive(*theta, x, t_x, nn), alive, rtol=1e-10)
    expected = np.zeros(len(x))
    for k in range(n_star + 1):
        cond = np.array([joint.get((a, b, k), 0.0) for a, b in histories]) / marginal
        np.testing.assert_allclose(
            bgbb.conditional_probability_of_purchases(*theta, x, t_x, nn, float(k), float(n_star)),
            cond,
            rtol=1e-9,
            atol=1e-15,
        )
        expected += k * cond
    conditional = bgbb.conditional_expected_purchases(*theta, x, t_x, nn, float(n_star))
    np.testing.assert_allclose(conditional, expected, rtol=1e-10)
    # unconditional P(X(n) = x), eq. (8), and E[X(n)], eq. (7)
    for count in range(n + 1):
        p_count = sum(v for (a, _, _), v in joint.items() if a == count)
        assert bgbb.probability_of_purchases(*theta, float(count), float(n)) == pytest.approx(p_count, rel=1e-10)
    mean = sum(a * v for (a, _, _), v in joint.items())
    assert bgbb.expected_purchases(*theta, float(n)) == pytest.approx(mean, rel=1e-10)


# ------------------------------------------------------------------------------------ numerics
def _loglik_exact(alpha: float, beta: float, gamma: float, delta: float, x: int, t_x: int, n: int) -> float:
    mpmath.mp.dps = 40
    B = mpmath.beta
    value = B(alpha + x, beta + n - x) / B(alpha, beta) * B(gamma, delta + n) / B(gamma, delta)
    for i in range(n - t_x):
        value += B(alpha + x, beta + t_x - x + i) / B(alpha, beta) * B(gamma + 1, delta + t_x + i) / B(gamma, delta)
    return float(mpmath.log(value))


@pytest.mark.parametrize(
    ("theta", "x", "t_x", "n"),
    [
        ((1.204, 0.750, 0.657, 2.783), 0, 0, 6),
        ((1.204, 0.750, 0.657, 2.783), 3, 4, 6),
        ((1e-3, 1e-3, 1e-3, 1e-3), 2, 700, 1000),
        ((1e3, 1e3, 1e3, 1e3), 400, 900, 1000),
        ((0.5, 20.0, 0.2, 50.0), 1000, 1500, 3000),
    ],
)
def test_loglik_matches_arbitrary_precision(theta: tuple[float, ...], x: int, t_x: int, n: int) -> None:
    value = bgbb.loglik(*theta, np.array([x], float), np.array([t_x], float), np.array([n], float))[0]
    assert value == pytest.approx(_loglik_exact(*theta, x, t_x, n), rel=1e-11, abs=1e-10)


def test_loglik_and_predictions_finite_in_the_extremes() -> None:
    x = np.array([0.0, 1.0, 5000.0, 10000.0, 10000.0])
    t_x = np.array([0.0, 1.0, 90000.0, 10000.0, 100000.0])
    n = np.full(5, 1.0e5)
    horizons = np.array([[1.0, 10.0, 1.0e4, 1.0e5]])
    for theta in [(1e-3,) * 4, (1e3,) * 4, (1e-3, 1e3, 1e3, 1e-3), (1e3, 1e-3, 1e-3, 1e3)]:
        ll = bgbb.loglik(*theta, x, t_x, n)
        grad = bgbb.loglik_grad(*theta, x, t_x, n)
        pa = bgbb.p_alive(*theta, x, t_x, n)
        ce = bgbb.conditional_expected_purchases(*theta, x[:, None], t_x[:, None], n[:, None], horizons)
        dert = bgbb.dert(*theta, x, t_x, n, 0.05)
        assert np.all(np.isfinite(ll)) and np.all(ll <= 0) and np.all(np.isfinite(grad))
        assert np.all((pa >= 0) & (pa <= 1))
        assert np.all(np.isfinite(ce)) and np.all(np.diff(ce, axis=1) >= -1e-12 * ce[:, 1:])
        assert np.all(np.isfinite(dert)) and np.all(dert >= 0)


def _alive_opportunities_exact(gamma: float, d: float, m: int) -> float:
    mpmath.mp.dps = 50
    g, d_ = mpmath.mpf(gamma), mpmath.mpf(d)
    if g == 1:
        return float(d_ * (mpmath.digamma(1 + d_ + m) - mpmath.digamma(1 + d_)))
    lg = mpmath.loggamma
    ratio = mpmath.exp(lg(g + d_) + lg(1 + d_ + m) - lg(1 + d_) - lg(g + d_ + m))
    return float(d_ / (g - 1) * (1 - ratio))


@pytest.mark.parametrize("gamma", [1e-3, 0.657, 1.0 - 1e-9, 1.0, 1.0 + 1e-7, 1.05, 2.0, 1e3])
def test_expected_alive_opportunities_is_accurate(gamma: float) -> None:
    # the closed form of eqs. (7) and (13): exact sum for short horizons, log-gamma differences for long ones
    for d in [1e-3, 2.783, 1e5]:
        for m in [1, 7, 4096, 4097, 100_000]:
            value = bgbb._expected_alive_opportunities(gamma, d, float(m))
            assert value == pytest.approx(_alive_opportunities_exact(gamma, d, m), rel=1e-11)


# ------------------------------------------------------------------------------------ DERT
def test_dert_closed_form_matches_discounted_sum(fitted: BetaGeoBetaBinom, donations: pd.DataFrame) -> None:
    history = fitted.history(donations)
    theta = fitted.theta
    for discount in [np.log(1.1), 0.01, 1.0]:
        closed = fitted.dert_at(theta, history, discount)
        numeric = fitted.discounted_purchases_at(theta, history, np.inf, discount)  # the period-by-period sum
        np.testing.assert_allclose(closed, numeric, rtol=1e-10)


def test_dert_matches_arbitrary_precision_hypergeometric() -> None:
    alpha, beta, gamma, delta = 1.204, 0.750, 0.657, 2.783
    x, t_x, n, d = 4, 5, 6, 0.1
    mpmath.mp.dps = 30
    B = mpmath.beta
    lik = mpmath.exp(_loglik_exact(alpha, beta, gamma, delta, x, t_x, n))
    exact = (
        B(alpha + x + 1, beta + n - x) / B(alpha, beta) * B(gamma, delta + n + 1) / (B(gamma, delta) * (1 + d))
        * mpmath.hyp2f1(1, delta + n + 1, gamma + delta + n + 1, 1 / (1 + mpmath.mpf(d))) / lik
    )  # FHS 2010, eq. (14)
    value = bgbb.dert(alpha, beta, gamma, delta, float(x), float(t_x), float(n), float(np.log1p(d)))
    assert value == pytest.approx(float(exact), rel=1e-11)


def test_public_dert_uses_yearly_periods(fitted: BetaGeoBetaBinom, donations: pd.DataFrame) -> None:
    yearly = BetaGeoBetaBinom.from_params(**fitted.params_, time_unit="Y")
    value = yearly.dert(donations, annual_discount_rate=0.1)
    x, t_x, n = (donations[c].to_numpy(float) for c in COLUMNS)
    np.testing.assert_allclose(value, bgbb.dert(*fitted.theta, x, t_x, n, np.log(1.1)), rtol=1e-12)
    assert value.name == "dert" and value.index.equals(donations.index)
    # more frequent and more recent donors are worth more
    assert value.iloc[-1] == value.max() and value.iloc[0] < value.iloc[-1]


# ------------------------------------------------------------------------------------ distributions
def test_conditional_distribution_sums_to_one_and_has_the_right_mean(
    fitted: BetaGeoBetaBinom, donations: pd.DataFrame
) -> None:
    probs = np.column_stack([fitted.conditional_probability_of_purchases(donations, k, 5) for k in range(6)])
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(probs @ np.arange(6), fitted.expected_purchases(donations, 5), rtol=1e-12)
    assert (fitted.conditional_probability_of_purchases(donations, 6, 5) == 0).all()


def test_unconditional_distribution_and_mean(fitted: BetaGeoBetaBinom) -> None:
    k = np.arange(0, 31)
    probs = fitted.probability_of_purchases(k, 30)
    assert probs.sum() == pytest.approx(1.0, rel=1e-12)
    assert (k * probs).sum() == pytest.approx(fitted.expected_purchases_new_customer(30), rel=1e-12)
    assert isinstance(fitted.probability_of_purchases(0, 6), float)
    with pytest.raises(ValueError, match="whole number"):
        fitted.expected_purchases_new_customer(2.5)
    with pytest.raises(ValueError, match="whole number"):
        fitted.expected_purchases(pd.DataFrame({"frequency": [1], "recency": [1], "n_periods": [6]}), 1.5)


# ------------------------------------------------------------------------------------ simulation
def test_simulated_pattern_shares_match_the_model() -> None:
    truth = BetaGeoBetaBinom.from_params(alpha=1.2, beta=0.75, gamma=0.66, delta=2.8)
    data = truth.simulate(40_000, 6, seed=20261125)
    assert list(data.columns) == COLUMNS
    # pattern shares agree with P(X(6) = x), eq. (8)
    shares = data["frequency"].value_counts(normalize=True).sort_index()
    expected = truth.probability_of_purchases(np.arange(7), 6)
    assert np.all(np.abs(shares.to_numpy() - expected) < 4 * np.sqrt(expected * (1 - expected) / 40_000))
    with pytest.raises(ValueError, match="whole number"):
        truth.simulate(10, 5.5, seed=1)


def test_simulated_holdout_matches_conditional_expectation() -> None:
    # simulate 6 + 5 opportunities; the mean of the last 5 by calibration pattern is E[X(n, n+5) | history]
    truth = BetaGeoBetaBinom.from_params(alpha=1.2, beta=0.75, gamma=0.66, delta=2.8)
    rng = np.random.default_rng(7)
    size = 200_000
    p = rng.beta(1.2, 0.75, size)
    theta = rng.beta(0.66, 2.8, size)
    survived = np.minimum(rng.geometric(theta) - 1, 11)
    buys = (rng.random((size, 11)) < p[:, None]) & (np.arange(11)[None, :] < survived[:, None])
    x = buys[:, :6].sum(axis=1)
    t_x = np.where(x > 0, 6 - np.argmax(buys[:, 5::-1], axis=1), 0)
    future = buys[:, 6:].sum(axis=1)
    frame = pd.DataFrame({"frequency": x, "recency": t_x, "n_periods": 6, "future": future})
    groups = frame.groupby(["frequency", "recency", "n_periods"])["future"].agg(["mean", "std", "size"]).reset_index()
    model = truth.expected_purchases(groups, 5).to_numpy()
    se = groups["std"].to_numpy() / np.sqrt(groups["size"].to_numpy())
    assert np.all(np.abs(groups["mean"].to_numpy() - model) < 4.5 * se + 1e-9)


# ------------------------------------------------------------------------------------ validation
def test_frequency_above_recency_is_rejected(donations: pd.DataFrame) -> None:
    bad = donations.copy()
    bad.loc[[1, 2], "frequency"] = [2, 3]  # recency 1 and 2
    with pytest.raises(pyclv.DataValidationError, match="frequency > recency") as info:
        BetaGeoBetaBinom().fit(bad, weights="weights")
    assert info.value.column == "frequency" and info.value.n_rows == 2
    with pytest.raises(pyclv.DataValidationError) as info:
        BetaGeoBetaBinom.from_params(**ref.BGBB_DONATIONS).p_alive(bad)
    assert info.value.column == "frequency"


def test_fractional_periods_are_rejected(donations: pd.DataFrame) -> None:
    bad = donations.astype({"recency": float})
    bad.loc[3, "recency"] = 2.5
    with pytest.raises(pyclv.DataValidationError) as info:
        BetaGeoBetaBinom().fit(bad, weights="weights")
    assert info.value.column == "recency" and info.value.n_rows == 1
