r"""BG/NBD: the beta-geometric / negative binomial distribution model (Fader, Hardie & Lee 2005).

While alive, a customer buys as a Poisson process with rate :math:`\lambda`; after each repeat purchase
it drops out with probability :math:`p`. Across customers :math:`\lambda \sim \mathrm{Gamma}(r, \alpha)`
and :math:`p \sim \mathrm{Beta}(a, b)`. A customer is summarised by ``frequency`` x (repeat purchases),
``recency`` :math:`t_x` (time of the last purchase since the first) and ``T`` (time since the first
purchase), in one time unit.

The module holds the mathematics as pure, broadcasting functions of ``(r, alpha, a, b)`` and the data;
:class:`BetaGeo` is the thin estimator around them.

References
----------
Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005). "Counting your customers" the easy way: an
alternative to the Pareto/NBD model. *Marketing Science*, 24(2), 275-284.
Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2008). Computing P(alive) using the BG/NBD model.
Fader, P. S., Hardie, B. G. S. (2013). Overcoming the BG/NBD model's #NUM! error problem.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import special

from pyclv._arrays import per_whole_number
from pyclv._log_gamma import log_beta_ratio, log_gamma_ratio
from pyclv.models._covariates import Link
from pyclv.models._functions import TransactionFunctions
from pyclv.models._identification import Mixing
from pyclv.models._params import Param
from pyclv.models._special import (
    alive_purchases_quadrature,
    alive_purchases_series,
    alive_purchases_series_converges,
    log_hyp2f1_series,
    one_minus_power_times,
)
from pyclv.models._transaction import PurchaseDropoutModel

__all__ = [
    "BetaGeo",
    "conditional_expected_purchases",
    "conditional_probability_of_purchases",
    "expected_purchases",
    "log_p_alive_odds",
    "loglik",
    "loglik_grad",
    "p_alive",
    "probability_of_purchases",
    "simulate",
]

ArrayLike = np.ndarray | float


def _log_terms(
    r: float, alpha: float, a: float, b: float, x: ArrayLike, t_x: ArrayLike, T: ArrayLike
) -> tuple[np.ndarray, np.ndarray]:
    r"""The two log-terms of the likelihood (FHL 2005, eq. 6) without their common factor.

    The common factor is :math:`\Gamma(r+x)\alpha^r / \{\Gamma(r)(\alpha+T)^{r+x}\}` (:func:`_log_common`), so
    the second term carries :math:`((\alpha+T)/(\alpha+t_x))^{r+x}`; the ratios of Beta functions are taken
    without cancellation (:func:`~pyclv._log_gamma.log_beta_ratio`), so that a, b in the hundreds of
    digits keep every digit of the likelihood.
    """
    x = np.asarray(x, dtype=float)
    term1 = per_whole_number(lambda u: log_beta_ratio(a, b, u), x)
    # The second term exists only for x > 0; b + x - 1 > 0 there. Evaluate it safely everywhere.
    beta2 = per_whole_number(lambda u: log_beta_ratio(a, b, np.maximum(u, 1.0) - 1.0), x)
    xm = np.maximum(x, 1.0)
    term2 = beta2 + np.log(a) - np.log(a + b + xm - 1.0) + (r + x) * np.log1p((T - t_x) / (alpha + t_x))
    term2 = np.where(x > 0, term2, -np.inf)
    return term1, term2


def _log_common(r: float, alpha: float, x: ArrayLike, T: ArrayLike) -> np.ndarray:
    """``log{Gamma(r+x) alpha^r / (Gamma(r) (alpha+T)^(r+x))}``, without cancellation for large r and alpha."""
    x = np.asarray(x, dtype=float)
    T = np.asarray(T, dtype=float)
    gamma_ratio = per_whole_number(lambda u: log_gamma_ratio(r, u), x)
    return gamma_ratio - r * np.log1p(T / alpha) - x * np.log(alpha + T)


def loglik(r: float, alpha: float, a: float, b: float, x: ArrayLike, t_x: ArrayLike, T: ArrayLike) -> np.ndarray:
    r"""Per-customer log-likelihood of the BG/NBD model (FHL 2005, eq. 6), in log space.

    .. math::
        L = \frac{B(a, b+x)}{B(a, b)} \frac{\Gamma(r+x)\alpha^r}{\Gamma(r)(\alpha+T)^{r+x}}
            + \delta_{x>0} \frac{B(a+1, b+x-1)}{B(a, b)} \frac{\Gamma(r+x)\alpha^r}{\Gamma(r)(\alpha+t_x)^{r+x}}

    The two terms are combined with ``logaddexp``, so x in the thousands and T in the tens of thousands
    stay finite (the #NUM! cases of Hardie's spreadsheet).

    Parameters
    ----------
    r, alpha : float
        Shape and rate of the Gamma distribution of purchase rates across customers (> 0; alpha in the
        model's time unit).
    a, b : float
        Shape parameters of the Beta distribution of the dropout probability after each purchase (> 0).

    x, t_x, T : array-like
        Repeat purchases, time of the last purchase and time since the first purchase, in the model's time
        unit (0 <= t_x <= T; t_x = 0 where x = 0); they broadcast together.

    Returns
    -------
    numpy.ndarray
        Each customer's log-likelihood, in the broadcast shape of the data.
    """
    term1, term2 = _log_terms(r, alpha, a, b, x, t_x, T)
    return _log_common(r, alpha, x, T) + np.logaddexp(term1, term2)


def loglik_grad(
    r: float, alpha: float, a: float, b: float, x: np.ndarray, t_x: np.ndarray, T: np.ndarray
) -> np.ndarray:
    """Gradient of :func:`loglik` with respect to ``(r, alpha, a, b)``, one row per customer.

    Parameters
    ----------
    r, alpha : float
        Shape and rate of the Gamma distribution of purchase rates across customers (> 0; alpha in the
        model's time unit).
    a, b : float
        Shape parameters of the Beta distribution of the dropout probability after each purchase (> 0).

    x, t_x, T : numpy.ndarray
        Repeat purchases, time of the last purchase and time since the first purchase (1-d, one per customer).

    Returns
    -------
    numpy.ndarray
        Shape (customers, 4): the derivatives in r, alpha, a and b.
    """
    term1, term2 = _log_terms(r, alpha, a, b, x, t_x, T)
    lse = np.logaddexp(term1, term2)
    w1 = np.exp(term1 - lse)
    w2 = 1.0 - w1
    log_at, log_atx = np.log(alpha + T), np.log(alpha + t_x)
    psi_ab, psi_a, psi_b = special.digamma(a + b), special.digamma(a), special.digamma(b)
    ab = a + b
    psi_abx = per_whole_number(lambda u: special.digamma(ab + u), x)
    psi_rx = per_whole_number(lambda u: special.digamma(r + u), x)
    psi_bx = per_whole_number(lambda u: special.digamma(b + u), x)
    # digamma(b + x - 1) is only used where x > 0 (w2 = 0 elsewhere): evaluate it at x >= 1
    psi_bx1 = per_whole_number(lambda u: special.digamma(b + np.maximum(u, 1.0) - 1.0), x)
    d_r = psi_rx - special.digamma(r) + np.log(alpha) - w1 * log_at - w2 * log_atx
    d_alpha = r / alpha - (r + x) * (w1 / (alpha + T) + w2 / (alpha + t_x))
    d_a = w1 * (psi_ab - psi_abx) + w2 * (special.digamma(a + 1.0) - psi_abx - psi_a + psi_ab)
    d_b = w1 * (psi_bx - psi_abx - psi_b + psi_ab) + w2 * (psi_bx1 - psi_abx - psi_b + psi_ab)
    return np.stack([d_r, d_alpha, d_a, d_b], axis=-1)


def log_p_alive_odds(
    r: float, alpha: float, a: float, b: float, x: ArrayLike, t_x: ArrayLike, T: ArrayLike
) -> np.ndarray:
    r"""Log of the odds of being dead at T given the history (FHL 2008).

    .. math:: \log\Big\{\frac{a}{b+x-1} \Big(\frac{\alpha+T}{\alpha+t_x}\Big)^{r+x}\Big\},

    or ``-inf`` for x = 0 (a customer without repeat purchases cannot have dropped out).

    Parameters
    ----------
    r, alpha : float
        Shape and rate of the Gamma distribution of purchase rates across customers (> 0; alpha in the
        model's time unit).
    a, b : float
        Shape parameters of the Beta distribution of the dropout probability after each purchase (> 0).

    x, t_x, T : array-like
        Repeat purchases, time of the last purchase and time since the first purchase, in the model's time
        unit (0 <= t_x <= T; t_x = 0 where x = 0); they broadcast together.

    Returns
    -------
    numpy.ndarray
        The log-odds of having dropped out by T (``-inf`` where x = 0), in the broadcast shape of the data.
    """
    xm = np.maximum(x, 1.0)
    log_odds = np.log(a) - np.log(b + xm - 1.0) + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x))
    return np.where(x > 0, log_odds, -np.inf)


def p_alive(r: float, alpha: float, a: float, b: float, x: ArrayLike, t_x: ArrayLike, T: ArrayLike) -> np.ndarray:
    r"""Probability that a customer with history (x, t_x, T) is alive at T (FHL 2008).

    .. math:: P(\text{alive}) = 1 \Big/ \Big(1 + \delta_{x>0} \frac{a}{b+x-1}
              \Big(\frac{\alpha+T}{\alpha+t_x}\Big)^{r+x}\Big)

    Parameters
    ----------
    r, alpha : float
        Shape and rate of the Gamma distribution of purchase rates across customers (> 0; alpha in the
        model's time unit).
    a, b : float
        Shape parameters of the Beta distribution of the dropout probability after each purchase (> 0).

    x, t_x, T : array-like
        Repeat purchases, time of the last purchase and time since the first purchase, in the model's time
        unit (0 <= t_x <= T; t_x = 0 where x = 0); they broadcast together.

    Returns
    -------
    numpy.ndarray
        P(alive at T), in [0, 1], in the broadcast shape of the data.
    """
    return special.expit(-log_p_alive_odds(r, alpha, a, b, x, t_x, T))


def _one_minus_scaled_hyp2f1(
    r: float, alpha: float, a: ArrayLike, b: ArrayLike, x: ArrayLike, T: ArrayLike, t: ArrayLike
) -> np.ndarray:
    r"""``(a+b+x-1)/(a-1) * (1 - ((alpha+T)/(alpha+T+t))^{r+x} 2F1(r+x, b+x; a+b+x-1; t/(alpha+T+t)))``.

    That is the expectation :math:`E[(1 - (1+pc)^{-s})/p]` over :math:`p \sim \mathrm{Beta}(a, b+x)`, with
    s = r + x and c = t/(alpha+T). For short horizons, and for customers who almost never drop out (b in the
    hundreds of digits, where the bracket cancels to nothing and its scale overflows), it is summed as a power
    series in c (:func:`pyclv.models._special.alive_purchases_series`). Otherwise, Euler's transformation
    turns the hypergeometric term into
    :math:`(1-z)^{a-1}\,{}_2F_1(a+b-1-r, a-1; a+b+x-1; z)`, whose upper parameters do not grow with x
    (the stable branch; the original series overflows for x in the hundreds). Where that evaluation fails
    in scipy, the Euler series is summed directly.

    At a = 1, and at a + b + x = 1 (possible only for x = 0), the expression has a removable singularity;
    within 1e-6 of one it is evaluated as the mean of the two points 1e-5 either side (second-order
    accurate, relative error about 1e-10). Where b is itself below 1e-5 (b cannot step down), the two points are
    b + 1e-5 and b + 2e-5, extrapolated linearly to b.
    """
    a, b, x, T, t = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (a, b, x, T, t)))
    s, c = r + x, t / (alpha + T)
    series = alive_purchases_series_converges(s, c, a, b + x)
    if np.any(series):
        value = np.empty(s.shape)
        value[series] = alive_purchases_series(s[series], c[series], a[series], b[series] + x[series])
        rest = ~series
        if np.any(rest):
            value[rest] = _one_minus_scaled_hyp2f1(r, alpha, a[rest], b[rest], x[rest], T[rest], t[rest])
        return value
    near_a = np.abs(a - 1.0) < 1e-6
    near_c = np.abs(a + b + x - 1.0) < 1e-6
    if np.any(near_a) or np.any(near_c):
        h = 1e-5
        one_sided = near_c & (b <= h)
        b_lo = np.where(near_c, np.where(one_sided, b + 2.0 * h, b - h), b)
        lo = _one_minus_scaled_hyp2f1(r, alpha, np.where(near_a, 1.0 - h, a), b_lo, x, T, t)
        hi = _one_minus_scaled_hyp2f1(r, alpha, np.where(near_a, 1.0 + h, a), np.where(near_c, b + h, b), x, T, t)
        value = np.where(one_sided, 2.0 * hi - lo, 0.5 * (lo + hi))
        return np.where(near_a | near_c, value, lo)
    z = t / (alpha + T + t)
    log1mz = np.log(alpha + T) - np.log(alpha + T + t)
    scale = (a + b + x - 1.0) / (a - 1.0)
    hyp = special.hyp2f1(a + b - 1.0 - r, a - 1.0, a + b + x - 1.0, z)
    value = scale * one_minus_power_times(a - 1.0, log1mz, hyp)
    failed = ~np.isfinite(value)
    if np.any(failed):
        value = np.array(value, dtype=float, copy=True)
        A, B, C, Z, L, S, R, X, AT, TT, BB = np.broadcast_arrays(
            a + b - 1.0 - r, a - 1.0, a + b + x - 1.0, z, log1mz, scale, r, x, alpha + T, t, b
        )
        # 1. Pfaff's transformation, 2F1(r+x, a-1; a+b+x-1; -t/(alpha+T)), also through scipy
        with np.errstate(invalid="ignore", over="ignore"):
            pfaff_hyp = special.hyp2f1(R[failed] + X[failed], B[failed], C[failed], -TT[failed] / AT[failed])
            pfaff = S[failed] * (1.0 - pfaff_hyp)
        value[failed] = pfaff
        failed = ~np.isfinite(value)
    if np.any(failed):
        # 2. Gauss's series of the Euler form, summed with rescaling (scipy can fail where it converges,
        #    e.g. 2F1(-0.5, -0.5; 99; 0.9), or overflow where (1-z)^(a-1) is tiny and the series huge)
        log_f = log_hyp2f1_series(A[failed], B[failed], C[failed], Z[failed])
        with np.errstate(invalid="ignore", over="ignore"):
            value[failed] = S[failed] * -np.expm1(B[failed] * L[failed] + log_f)
        failed = ~np.isfinite(value)
    if np.any(failed):
        # 3. The defining integral over the dropout probability, p ~ Beta(a, b+x), by the quadrature MBG/NBD
        #    uses too (last resort, rare rows)
        idx = np.flatnonzero(failed)
        s, c, p_a, p_b = ((R + X).flat[idx], (TT / AT).flat[idx], (B + 1.0).flat[idx], (BB + X).flat[idx])
        value.flat[idx] = alive_purchases_quadrature(s, c, p_a, p_b)
    return value


def conditional_expected_purchases(
    r: float, alpha: float, a: float, b: float, x: ArrayLike, t_x: ArrayLike, T: ArrayLike, t: ArrayLike
) -> np.ndarray:
    r"""Expected repeat purchases in (T, T + t] given the history (FHL 2005, eq. 10).

    .. math::
        E[Y(t) \mid x, t_x, T] = \frac{\frac{a+b+x-1}{a-1}\Big[1 - \big(\frac{\alpha+T}{\alpha+T+t}\big)^{r+x}
        {}_2F_1\big(r+x, b+x; a+b+x-1; \frac{t}{\alpha+T+t}\big)\Big]}
        {1 + \delta_{x>0}\frac{a}{b+x-1}\big(\frac{\alpha+T}{\alpha+t_x}\big)^{r+x}}

    All arguments broadcast (e.g. customers along one axis and horizons along another).

    Parameters
    ----------
    r, alpha : float
        Shape and rate of the Gamma distribution of purchase rates across customers (> 0; alpha in the
        model's time unit).
    a, b : float
        Shape parameters of the Beta distribution of the dropout probability after each purchase (> 0).

    x, t_x, T : array-like
        Repeat purchases, time of the last purchase and time since the first purchase, in the model's time
        unit (0 <= t_x <= T; t_x = 0 where x = 0); they broadcast together.
    t : array-like
        Horizon after T, in the model's time unit (>= 0); broadcasts with the data.

    Returns
    -------
    numpy.ndarray
        E[Y(t) | x, t_x, T], in the broadcast shape of the data.
    """
    numerator = _one_minus_scaled_hyp2f1(r, alpha, a, b, x, T, t)
    return numerator * p_alive(r, alpha, a, b, x, t_x, T)


def expected_purchases(r: float, alpha: float, a: float, b: float, t: ArrayLike) -> np.ndarray:
    r"""Expected repeat purchases of a new customer in (0, t] (FHL 2005, eq. 9).

    .. math:: E[X(t)] = \frac{a+b-1}{a-1}\Big[1 - \big(\frac{\alpha}{\alpha+t}\big)^r
              {}_2F_1\big(r, b; a+b-1; \frac{t}{\alpha+t}\big)\Big]

    Parameters
    ----------
    r, alpha : float
        Shape and rate of the Gamma distribution of purchase rates across customers (> 0; alpha in the
        model's time unit).
    a, b : float
        Shape parameters of the Beta distribution of the dropout probability after each purchase (> 0).
    t : array-like
        Time since the first purchase, in the model's time unit (>= 0).

    Returns
    -------
    numpy.ndarray
        E[X(t)], shaped like ``t``.
    """
    t = np.asarray(t, dtype=float)
    return _one_minus_scaled_hyp2f1(r, alpha, a, b, 0.0, 0.0, t)


def probability_of_purchases(
    r: ArrayLike, alpha: ArrayLike, a: ArrayLike, b: ArrayLike, n: ArrayLike, t: ArrayLike
) -> np.ndarray:
    r"""Unconditional probability of exactly n repeat purchases in (0, t] (FHL 2005, eq. 8).

    .. math::
        P(X(t)=n) = \frac{B(a, b+n)}{B(a, b)} \mathrm{NB}(n; r, \tfrac{\alpha}{\alpha+t})
        + \delta_{n>0} \frac{B(a+1, b+n-1)}{B(a, b)}
          \Big[1 - \sum_{j=0}^{n-1}\mathrm{NB}(j; r, \tfrac{\alpha}{\alpha+t})\Big]

    where NB is the negative binomial pmf; the bracket is its upper tail, the regularised incomplete beta
    function :math:`I_{t/(\alpha+t)}(n, r)`.

    Parameters
    ----------
    r, alpha, a, b : array-like
        The model's parameters (see :func:`loglik`); they broadcast, so that
        :func:`pyclv.models.modified_beta_geo.conditional_probability_of_purchases` can pass each customer's
        posterior parameters.
    n : array-like
        Number of repeat purchases (whole numbers >= 0).
    t : array-like
        Length of the period, in the model's time unit (>= 0).

    Returns
    -------
    numpy.ndarray
        P(X(t) = n), in the broadcast shape of the arguments.
    """
    n = np.asarray(n, dtype=float)
    t = np.asarray(t, dtype=float)
    lbeta_ab = special.betaln(a, b)
    log_nb = (
        special.gammaln(r + n)
        - special.gammaln(r)
        - special.gammaln(n + 1.0)
        + r * (np.log(alpha) - np.log(alpha + t))
        + special.xlogy(n, t)
        - n * np.log(alpha + t)
    )
    first = np.exp(special.betaln(a, b + n) - lbeta_ab + log_nb)
    nm = np.maximum(n, 1.0)
    tail = special.betainc(nm, r, t / (alpha + t))
    second = np.where(n > 0, np.exp(special.betaln(a + 1.0, b + nm - 1.0) - lbeta_ab) * tail, 0.0)
    return first + second


def conditional_probability_of_purchases(
    r: float,
    alpha: float,
    a: float,
    b: float,
    x: ArrayLike,
    t_x: ArrayLike,
    T: ArrayLike,
    n: ArrayLike,
    t: ArrayLike,
) -> np.ndarray:
    r"""Probability of exactly n repeat purchases in (T, T + t] given the history (x, t_x, T).

    A customer alive at T has the posterior :math:`\lambda \sim \mathrm{Gamma}(r+x, \alpha+T)`,
    :math:`p \sim \mathrm{Beta}(a, b+x)`; from there it buys until its geometric number of purchases J
    runs out, so :math:`Y = \min(N(t), J)` with :math:`N(t) \sim \mathrm{Poisson}(\lambda t)`. Integrating,

    .. math::
        P(Y(t)=n \mid \cdot) = \delta_{n=0}(1 - P_a) + P_a\Big[\frac{B(a, b+x+n)}{B(a, b+x)}
        \mathrm{NB}(n; r+x, \tfrac{\alpha+T}{\alpha+T+t})
        + \delta_{n>0}\frac{B(a+1, b+x+n-1)}{B(a, b+x)} I_{t/(\alpha+T+t)}(n, r+x)\Big]

    with :math:`P_a` = P(alive) and I the regularised incomplete beta function (the negative binomial's
    upper tail). For x = 0, T = 0 it reduces to FHL (2005) eq. (8).

    Parameters
    ----------
    r, alpha : float
        Shape and rate of the Gamma distribution of purchase rates across customers (> 0; alpha in the
        model's time unit).
    a, b : float
        Shape parameters of the Beta distribution of the dropout probability after each purchase (> 0).

    x, t_x, T : array-like
        Repeat purchases, time of the last purchase and time since the first purchase, in the model's time
        unit (0 <= t_x <= T; t_x = 0 where x = 0); they broadcast together.
    n : array-like
        Number of repeat purchases (whole numbers >= 0).
    t : array-like
        Horizon after T, in the model's time unit (>= 0).

    Returns
    -------
    numpy.ndarray
        P(Y(t) = n | x, t_x, T), in the broadcast shape of the data.
    """
    n = np.asarray(n, dtype=float)
    t = np.asarray(t, dtype=float)
    alive = p_alive(r, alpha, a, b, x, t_x, T)
    lbeta = special.betaln(a, b + x)
    log_nb = (
        special.gammaln(r + x + n)
        - special.gammaln(r + x)
        - special.gammaln(n + 1.0)
        + (r + x) * (np.log(alpha + T) - np.log(alpha + T + t))
        + special.xlogy(n, t)
        - n * np.log(alpha + T + t)
    )
    first = np.exp(special.betaln(a, b + x + n) - lbeta + log_nb)
    nm = np.maximum(n, 1.0)
    tail = special.betainc(nm, r + x, t / (alpha + T + t))
    second = np.where(n > 0, np.exp(special.betaln(a + 1.0, b + x + nm - 1.0) - lbeta) * tail, 0.0)
    return np.where(n == 0, 1.0 - alive, 0.0) + alive * (first + second)


def simulate(
    r: float, alpha: float, a: float, b: float, T: ArrayLike, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Draw (x, t_x, T) for customers observed for T time units after their first purchase.

    Each customer gets :math:`\lambda \sim \mathrm{Gamma}(r, 1/\alpha)` and
    :math:`p \sim \mathrm{Beta}(a, b)`; the number of repeat purchases is the smaller of a Poisson(λT) count
    and the geometric number of purchases until dropout; the last purchase time is the matching order
    statistic of the Poisson arrivals (uniform on (0, T)).

    Parameters
    ----------
    r, alpha : float
        Shape and rate of the Gamma distribution of purchase rates across customers (> 0; alpha in the
        model's time unit).
    a, b : float
        Shape parameters of the Beta distribution of the dropout probability after each purchase (> 0).
    T : array-like
        Each customer's observation time since its first purchase (1-d, in the model's time unit).
    rng : numpy.random.Generator
        Source of the random draws.

    Returns
    -------
    tuple of numpy.ndarray
        ``(x, t_x, T)``: repeat purchases, time of the last purchase and the observation times (float64).
    """
    T = np.asarray(T, dtype=float)
    n = T.shape[0]
    lam = rng.gamma(r, 1.0 / alpha, size=n)
    p = rng.beta(a, b, size=n)
    arrivals = rng.poisson(lam * T)
    purchases_until_dropout = rng.geometric(np.clip(p, 1e-300, 1.0))
    x = np.minimum(arrivals, purchases_until_dropout)
    t_x = np.zeros(n)
    pos = x > 0
    t_x[pos] = T[pos] * rng.beta(x[pos], arrivals[pos] - x[pos] + 1.0)
    return x.astype(float), t_x, T



def _kernel_prepare(arrays: tuple[np.ndarray, ...], w: np.ndarray, *, modified: bool = False) -> Any:
    """The fit's data for the compiled likelihood kernel (:mod:`pyclv._kernels.nbd`, shared with MBG/NBD).

    The kernel module is imported on first use, so that ``import pyclv`` does not load numba.

    Parameters
    ----------
    arrays : tuple of numpy.ndarray
        ``(x, t_x, T)``.
    w : numpy.ndarray
        The rows' weights.
    modified : bool, default False
        MBG/NBD's likelihood instead of BG/NBD's.

    Returns
    -------
    pyclv._kernels.nbd.Rows
    """
    from pyclv._kernels import nbd

    return nbd.prepare(arrays, w, modified=modified)


def _kernel_hessian_totals(theta: np.ndarray, rows: Any) -> tuple[float, np.ndarray, np.ndarray]:
    """The weighted log-likelihood total, gradient and Hessian from one pass of the kernel.

    Parameters
    ----------
    theta : numpy.ndarray
        ``(r, alpha, a, b)``.
    rows : pyclv._kernels.nbd.Rows
        From :func:`_kernel_prepare`.

    Returns
    -------
    tuple
        ``(total, gradient, hessian)``.
    """
    from pyclv._kernels import nbd

    return nbd.totals(theta, rows)


def _kernel_prepare_strata(
    arrays: tuple[np.ndarray, ...], w: np.ndarray, codes: np.ndarray, n_strata: int, *, modified: bool = False
) -> Any:
    """The fit's data with each row's stratum, for the kernel's pass over all strata (a model with covariates).

    Parameters
    ----------
    arrays : tuple of numpy.ndarray
        ``(x, t_x, T)``.
    w : numpy.ndarray
        The rows' weights.
    codes : numpy.ndarray
        Each row's stratum, in ``0..n_strata-1``.
    n_strata : int
        The number of strata.
    modified : bool, default False
        MBG/NBD's likelihood instead of BG/NBD's.

    Returns
    -------
    pyclv._kernels.nbd.StrataRows
    """
    from pyclv._kernels import nbd

    return nbd.prepare_strata(arrays, w, codes, n_strata, modified=modified)


def _kernel_strata_totals(thetas: np.ndarray, rows: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each stratum's log-likelihood total, gradient and Hessian at its own parameters, from one pass.

    Parameters
    ----------
    thetas : numpy.ndarray
        Shape (strata, 4): each stratum's ``(r, alpha, a, b)``.
    rows : pyclv._kernels.nbd.StrataRows
        From :func:`_kernel_prepare_strata`.

    Returns
    -------
    tuple of numpy.ndarray
        Shapes (strata,), (strata, 4) and (strata, 4, 4).
    """
    from pyclv._kernels import nbd

    return nbd.strata_totals(thetas, rows)


def _initial_params(arrays: tuple[np.ndarray, ...], weights: np.ndarray) -> np.ndarray:
    # Poisson-Gamma moment start with no dropout: E[x] = r T / alpha with r = 1.
    x, _, T = arrays
    mean_x = max(float(weights @ x) / float(weights.sum()), 1e-2)
    mean_T = max(float(weights @ T) / float(weights.sum()), 1e-2)
    return np.array([1.0, mean_T / mean_x, 1.0, 1.0])


# numpydoc's checker reads one file's syntax tree: it cannot see the constructor, inherited from BaseModel, that
# these Parameters describe, hence the PR02 exemption.
class BetaGeo(PurchaseDropoutModel):  # numpydoc ignore=PR02
    r"""The BG/NBD model of repeat purchasing (Fader, Hardie & Lee 2005).

    Parameters
    ----------
    purchase_covariates : list of str, optional
        Columns of the data (one value per customer) that shift the purchase process: each customer's
        purchase-rate scale is :math:`\alpha_i = \alpha e^{-\gamma_P^\top z_i}`, so a positive coefficient means
        more purchases.
    dropout_covariates : list of str, optional
        Columns that shift the dropout process: the Beta parameters are
        :math:`a_i = a e^{\gamma_D^\top z_i}` and :math:`b_i = b e^{\gamma_D^\top z_i}` (CLVTools' BG/NBD with
        static covariates).
    constrained_covariates : list of str, optional
        Columns of both lists that get one coefficient for both processes (``both.<column>``), as CLVTools'
        ``names.cov.constr``.
    covariate_penalty : float or dict, default 0.0
        L2 penalty on the coefficients, ``{"purchase": l1, "dropout": l2}`` or one number for both, added to the
        mean negative log-likelihood as CLVTools' ``reg.lambdas`` (a constrained coefficient, standing for one of
        each process, by the sum of both). ``log_likelihood_`` is the likelihood without the penalty (CLVTools'
        ``logLik`` reports the penalised mean).
    penalizer : float, default 0.0
        L2 penalty on the model's own parameters (see :class:`pyclv.models._base.BaseModel`).
    max_iterations : int, default 2000
        Iteration limit of the optimizer.

    Attributes
    ----------
    params_ : pandas.Series
        ``r``, ``alpha`` (purchase-rate heterogeneity, Gamma shape and rate), ``a``, ``b`` (dropout
        heterogeneity, Beta).
    log_likelihood_, covariance_, standard_errors_, n_customers_, time_unit_, converged_

    Notes
    -----
    The data are a summary with columns ``frequency`` (x), ``recency`` (:math:`t_x`) and ``T``, as returned
    by :func:`pyclv.rfm_summary`. The log-likelihood is FHL 2005 eq. (6); predictions are eqs. (8)-(10) and
    P(alive) from FHL (2008).

    References
    ----------
    Fader, Hardie & Lee (2005), Marketing Science 24(2), 275-284.

    Examples
    --------
    >>> import pyclv
    >>> summary = pyclv.datasets.load_cdnow_summary()
    >>> model = pyclv.BetaGeo().fit(summary)
    >>> model.params_.round(3).to_dict()
    {'r': 0.243, 'alpha': 4.414, 'a': 0.793, 'b': 2.426}
    """

    _params = (Param("r"), Param("alpha"), Param("a"), Param("b"))
    _mixings = (
        Mixing("gamma", ("r", "alpha"), "purchase rate"),
        Mixing("beta", ("a", "b"), "dropout probability after each purchase",
               "nobody drops out, P(alive) is about 1 and the model is in effect an NBD"),
    )
    alive_kernel = "bg_nbd"
    _links = (Link("alpha", "purchase", -1.0), Link("a", "dropout", 1.0), Link("b", "dropout", 1.0))
    _functions = TransactionFunctions(
        initial_params=_initial_params,
        loglik=loglik,
        loglik_grad=loglik_grad,
        prepare=_kernel_prepare,
        hessian_totals=_kernel_hessian_totals,
        compress_rows=False,
        prepare_strata=_kernel_prepare_strata,
        strata_totals=_kernel_strata_totals,
        p_alive=p_alive,
        conditional_expected_purchases=conditional_expected_purchases,
        expected_purchases=expected_purchases,
        probability_of_purchases=probability_of_purchases,
        conditional_probability_of_purchases=conditional_probability_of_purchases,
        simulate=simulate,
        expected_purchases_if_alive=_one_minus_scaled_hyp2f1,
    )
