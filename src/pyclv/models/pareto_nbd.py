r"""Pareto/NBD: the Pareto / negative binomial distribution model (Schmittlein, Morrison & Colombo 1987).

While alive, a customer buys as a Poisson process with rate :math:`\lambda`; its lifetime is exponential with
rate :math:`\mu`. Across customers :math:`\lambda \sim \mathrm{Gamma}(r, \alpha)` and
:math:`\mu \sim \mathrm{Gamma}(s, \beta)` (shape, rate), independently. A customer is summarised by
``frequency`` x (repeat purchases), ``recency`` :math:`t_x` (time of the last purchase since the first) and
``T`` (time since the first purchase), in one time unit.

The module holds the mathematics as pure, broadcasting functions of ``(r, alpha, s, beta)`` and the data;
:class:`ParetoNBD` is the thin estimator around them.

Notes
-----
Everything rests on one integral,

.. math:: I(p, q; a, b) = \int_a^b (\alpha+\tau)^{-p} (\beta+\tau)^{-q}\, d\tau ,

whose tail :math:`\int_\tau^\infty` is a Gauss hypergeometric function (Fader & Hardie 2005 note, the
:math:`A_0` term). :func:`log_integral` evaluates it in log space on the stable branch (the note's
:math:`\alpha \ge \beta` switch and Euler's transformation), by quadrature where scipy cannot; these numerics,
and those of the integrals behind P(X(t) = n) and DERT, are in :mod:`pyclv.models._pareto_integrals`.

References
----------
Schmittlein, D. C., Morrison, D. G. and Colombo, R. (1987). Counting your customers: who are they and what
will they do next? *Management Science*, 33(1), 1-24.
Fader, P. S. and Hardie, B. G. S. (2005). A note on deriving the Pareto/NBD model and related expressions.
Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005). RFM and CLV: using iso-value curves for customer base
analysis. *Journal of Marketing Research*, 42(4), 415-430.
Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2006). Deriving an expression for P(X(t) = x) under the
Pareto/NBD model.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import special

from pyclv.models._covariates import Link
from pyclv.models._functions import TransactionFunctions
from pyclv.models._identification import Mixing
from pyclv.models._params import Param
from pyclv.models._pareto_integrals import log_integral, log_integral_quad, log_j_quad, log_laplace_gamma_tail
from pyclv.models._special import one_minus_power_over
from pyclv.models._transaction import PurchaseDropoutModel

__all__ = [
    "ParetoNBD",
    "conditional_expected_purchases",
    "conditional_probability_of_purchases",
    "dert",
    "expected_purchases",
    "log_integral",
    "loglik",
    "loglik_grad",
    "p_alive",
    "probability_of_purchases",
    "simulate",
]

ArrayLike = np.ndarray | float

# Kept under its former name: tests call it as a Pareto/NBD function.
_log_integral_quad = log_integral_quad


# ---------------------------------------------------------------------------------------------- likelihood
def _log_terms(
    r: float, alpha: float, s: float, beta: float, x: ArrayLike, t_x: ArrayLike, T: ArrayLike
) -> tuple[np.ndarray, np.ndarray]:
    """The two log-terms of the likelihood bracket: alive at T, and died in (t_x, T]."""
    term1 = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
    term2 = np.log(s) + log_integral(r + x, s + 1.0, alpha, beta, t_x, T)
    return term1, term2


def loglik(r: float, alpha: float, s: float, beta: float, x: ArrayLike, t_x: ArrayLike, T: ArrayLike) -> np.ndarray:
    r"""Per-customer log-likelihood of the Pareto/NBD model (Fader & Hardie 2005 note, eqs. 19-22).

    .. math::
        L = \frac{\Gamma(r+x)\alpha^r\beta^s}{\Gamma(r)} \Big[\frac{1}{(\alpha+T)^{r+x}(\beta+T)^s}
            + s \int_{t_x}^{T} \frac{d\tau}{(\alpha+\tau)^{r+x}(\beta+\tau)^{s+1}}\Big]

    The integral is the note's :math:`\frac{s}{r+s+x} A_0` (a difference of two Gauss hypergeometric
    functions with the :math:`\alpha \ge \beta` switch), evaluated by :func:`log_integral`; the two terms
    are combined with ``logaddexp``.

    Parameters
    ----------
    r, alpha : float
        Shape and rate of the Gamma distribution of purchase rates across customers (> 0; alpha in the
        model's time unit).
    s, beta : float
        Shape and rate of the Gamma distribution of dropout rates across customers (> 0; beta in the model's
        time unit).

    x, t_x, T : array-like
        Repeat purchases, time of the last purchase and time since the first purchase, in the model's time
        unit (0 <= t_x <= T; t_x = 0 where x = 0); they broadcast together.

    Returns
    -------
    numpy.ndarray
        Each customer's log-likelihood, in the broadcast shape of the data.
    """
    x = np.asarray(x, dtype=float)
    common = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha) + s * np.log(beta)
    term1, term2 = _log_terms(r, alpha, s, beta, x, t_x, T)
    return common + np.logaddexp(term1, term2)


def loglik_grad(
    r: float, alpha: float, s: float, beta: float, x: np.ndarray, t_x: np.ndarray, T: np.ndarray
) -> np.ndarray:
    r"""Gradient of :func:`loglik` with respect to ``(r, alpha, s, beta)``, one row per customer.

    With :math:`w_1, w_2` the shares of the two terms, the derivatives in alpha and beta are exact
    (:math:`\partial I/\partial\alpha = -(r+x)\,I(r+x+1, s+1)`, :math:`\partial I/\partial\beta =
    -(s+1)\,I(r+x, s+2)`); those of :math:`\log I` in its exponents (for r and s) are central differences
    of :func:`log_integral` (relative error about 1e-9).

    Parameters
    ----------
    r, alpha : float
        Shape and rate of the Gamma distribution of purchase rates across customers (> 0; alpha in the
        model's time unit).
    s, beta : float
        Shape and rate of the Gamma distribution of dropout rates across customers (> 0; beta in the model's
        time unit).

    x, t_x, T : numpy.ndarray
        Repeat purchases, time of the last purchase and time since the first purchase (1-d, one per customer).

    Returns
    -------
    numpy.ndarray
        Shape (customers, 4): the derivatives in r, alpha, s and beta.
    """
    x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
    pa, pb = r + x, s + 1.0
    term1, term2 = _log_terms(r, alpha, s, beta, x, t_x, T)
    lse = np.logaddexp(term1, term2)
    w1 = np.exp(term1 - lse)
    w2 = np.exp(term2 - lse)
    log_i = term2 - np.log(s)
    has = np.isfinite(log_i)
    safe_log_i = np.where(has, log_i, 0.0)
    h_r = 1e-5 * (1.0 + pa)
    h_s = 1e-5 * (1.0 + pb)
    with np.errstate(invalid="ignore"):
        dlogi_dpa = (
            log_integral(pa + h_r, pb, alpha, beta, t_x, T) - log_integral(pa - h_r, pb, alpha, beta, t_x, T)
        ) / (2 * h_r)
        dlogi_dpb = (
            log_integral(pa, pb + h_s, alpha, beta, t_x, T) - log_integral(pa, pb - h_s, alpha, beta, t_x, T)
        ) / (2 * h_s)
        ratio_a = np.exp(log_integral(pa + 1.0, pb, alpha, beta, t_x, T) - safe_log_i)
        ratio_b = np.exp(log_integral(pa, pb + 1.0, alpha, beta, t_x, T) - safe_log_i)
    dlogi_dpa = np.where(has, dlogi_dpa, 0.0)
    dlogi_dpb = np.where(has, dlogi_dpb, 0.0)
    ratio_a = np.where(has, ratio_a, 0.0)
    ratio_b = np.where(has, ratio_b, 0.0)
    log_at, log_bt = np.log(alpha + T), np.log(beta + T)
    d_r = special.digamma(r + x) - special.digamma(r) + np.log(alpha) - w1 * log_at + w2 * dlogi_dpa
    d_alpha = r / alpha - w1 * (r + x) / (alpha + T) - w2 * pa * ratio_a
    d_s = np.log(beta) - w1 * log_bt + w2 * (1.0 / s + dlogi_dpb)
    d_beta = s / beta - w1 * s / (beta + T) - w2 * pb * ratio_b
    return np.stack(np.broadcast_arrays(d_r, d_alpha, d_s, d_beta), axis=-1)


# ---------------------------------------------------------------------------------------------- predictions
def log_p_alive_odds(
    r: float, alpha: float, s: float, beta: float, x: ArrayLike, t_x: ArrayLike, T: ArrayLike
) -> np.ndarray:
    """Log of the odds of having died by T given the history (``-inf`` where t_x = T).

    Parameters
    ----------
    r, alpha : float
        Shape and rate of the Gamma distribution of purchase rates across customers (> 0; alpha in the
        model's time unit).
    s, beta : float
        Shape and rate of the Gamma distribution of dropout rates across customers (> 0; beta in the model's
        time unit).

    x, t_x, T : array-like
        Repeat purchases, time of the last purchase and time since the first purchase, in the model's time
        unit (0 <= t_x <= T; t_x = 0 where x = 0); they broadcast together.

    Returns
    -------
    numpy.ndarray
        The log-odds of having died by T, in the broadcast shape of the data.
    """
    term1, term2 = _log_terms(r, alpha, s, beta, np.asarray(x, dtype=float), t_x, T)
    return term2 - term1


def p_alive(
    r: float, alpha: float, s: float, beta: float, x: ArrayLike, t_x: ArrayLike, T: ArrayLike
) -> np.ndarray:
    r"""Probability that a customer with history (x, t_x, T) is alive at T (Fader & Hardie 2005 note, eq. 24).

    .. math:: P(\text{alive}) = \frac{\Gamma(r+x)\alpha^r\beta^s}{\Gamma(r)(\alpha+T)^{r+x}(\beta+T)^s}
              \Big/ L(r, \alpha, s, \beta \mid x, t_x, T)

    Parameters
    ----------
    r, alpha : float
        Shape and rate of the Gamma distribution of purchase rates across customers (> 0; alpha in the
        model's time unit).
    s, beta : float
        Shape and rate of the Gamma distribution of dropout rates across customers (> 0; beta in the model's
        time unit).

    x, t_x, T : array-like
        Repeat purchases, time of the last purchase and time since the first purchase, in the model's time
        unit (0 <= t_x <= T; t_x = 0 where x = 0); they broadcast together.

    Returns
    -------
    numpy.ndarray
        P(alive at T), in [0, 1], in the broadcast shape of the data.
    """
    return special.expit(-log_p_alive_odds(r, alpha, s, beta, x, t_x, T))


def conditional_expected_purchases(
    r: float, alpha: float, s: float, beta: float, x: ArrayLike, t_x: ArrayLike, T: ArrayLike, t: ArrayLike
) -> np.ndarray:
    r"""Expected repeat purchases in (T, T + t] given the history (Fader & Hardie 2005 note, eq. 27).

    .. math::
        E[Y(t) \mid x, t_x, T] = \frac{(r+x)(\beta+T)}{(\alpha+T)(s-1)}
        \Big[1 - \Big(\frac{\beta+T}{\beta+T+t}\Big)^{s-1}\Big] P(\text{alive})

    At s = 1 the bracket over (s - 1) is its limit :math:`\log((\beta+T+t)/(\beta+T))`.
    All arguments broadcast (e.g. customers along one axis and horizons along another).

    Parameters
    ----------
    r, alpha : float
        Shape and rate of the Gamma distribution of purchase rates across customers (> 0; alpha in the
        model's time unit).
    s, beta : float
        Shape and rate of the Gamma distribution of dropout rates across customers (> 0; beta in the model's
        time unit).

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
    return _expected_purchases_if_alive(r, alpha, s, beta, x, T, t) * p_alive(r, alpha, s, beta, x, t_x, T)


def _expected_purchases_if_alive(
    r: float, alpha: float, s: float, beta: float, x: ArrayLike, T: ArrayLike, t: ArrayLike
) -> np.ndarray:
    """The conditional expectation's factor for a customer alive at T (depends on x and T only)."""
    x, T, t = (np.asarray(v, dtype=float) for v in (x, T, t))
    L = np.log1p(t / (beta + T))
    mean_rate_alive = (r + x) / (alpha + T)
    return mean_rate_alive * (beta + T) * one_minus_power_over(s - 1.0, L)


def expected_purchases(r: float, alpha: float, s: float, beta: float, t: ArrayLike) -> np.ndarray:
    r"""Expected repeat purchases of a new customer in (0, t] (Schmittlein et al. 1987; FH 2005 note, eq. 17).

    .. math:: E[X(t)] = \frac{r\beta}{\alpha(s-1)}\Big[1 - \Big(\frac{\beta}{\beta+t}\Big)^{s-1}\Big]

    Parameters
    ----------
    r, alpha : float
        Shape and rate of the Gamma distribution of purchase rates across customers (> 0; alpha in the
        model's time unit).
    s, beta : float
        Shape and rate of the Gamma distribution of dropout rates across customers (> 0; beta in the model's
        time unit).
    t : array-like
        Time since the first purchase, in the model's time unit (>= 0).

    Returns
    -------
    numpy.ndarray
        E[X(t)], shaped like ``t``.
    """
    t = np.asarray(t, dtype=float)
    return r / alpha * beta * one_minus_power_over(s - 1.0, np.log1p(t / beta))


def probability_of_purchases(
    r: ArrayLike, alpha: ArrayLike, s: ArrayLike, beta: ArrayLike, n: ArrayLike, t: ArrayLike
) -> np.ndarray:
    r"""Probability that a new customer makes exactly n repeat purchases in (0, t] (Fader, Hardie & Lee 2006).

    .. math::
        P(X(t)=n) = \frac{\Gamma(r+n)}{\Gamma(r)\,n!}\Big(\frac{\alpha}{\alpha+t}\Big)^r
        \Big(\frac{t}{\alpha+t}\Big)^n \Big(\frac{\beta}{\beta+t}\Big)^s
        + \frac{s\,\alpha^r\beta^s\,\Gamma(r+n)}{\Gamma(r)\,n!}
          \int_0^t \frac{\tau^n\, d\tau}{(\alpha+\tau)^{r+n}(\beta+\tau)^{s+1}}

    (alive at t with n purchases, or died at :math:`\tau < t` with n purchases before). The note writes the
    integral as a difference of hypergeometric sums, which cancels badly for small t; here it is the
    integral itself: closed form (:func:`log_integral`) for n = 0 and adaptive quadrature of its
    log-concave integrand (on log time) for n >= 1, once per distinct (parameters, n, t). All arguments
    broadcast, so the conditional version can pass each customer's updated parameters.

    Parameters
    ----------
    r, alpha, s, beta : array-like
        The model's parameters (see :func:`loglik`); they broadcast, so that
        :func:`conditional_probability_of_purchases` can pass each customer's posterior parameters.
    n : array-like
        Number of repeat purchases (whole numbers >= 0).
    t : array-like
        Length of the period, in the model's time unit (>= 0).

    Returns
    -------
    numpy.ndarray or float
        P(X(t) = n), in the broadcast shape of the arguments (a float when they are all scalars).
    """
    r, alpha, s, beta, n, t = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (r, alpha, s, beta, n, t)))
    log_coef = special.gammaln(r + n) - special.gammaln(r) - special.gammaln(n + 1.0)
    log_alive = (
        log_coef
        + r * (np.log(alpha) - np.log(alpha + t))
        + special.xlogy(n, t)
        - n * np.log(alpha + t)
        + s * (np.log(beta) - np.log(beta + t))
    )
    log_j = np.full(r.shape, -np.inf)
    zero = (n == 0) & (t > 0)
    if np.any(zero):
        log_j[zero] = log_integral(r[zero], s[zero] + 1.0, alpha[zero], beta[zero], 0.0, t[zero])
    todo = (n > 0) & (t > 0)
    if np.any(todo):
        keys = np.stack([a[todo] for a in (n, r, alpha, s, beta, t)], axis=-1)
        distinct, inverse = np.unique(keys, axis=0, return_inverse=True)
        values = np.array([log_j_quad(*row) for row in distinct])
        log_j[todo] = values[inverse.ravel()]
    log_dead = np.log(s) + log_coef + r * np.log(alpha) + s * np.log(beta) + log_j
    out = np.exp(np.logaddexp(log_alive, log_dead))
    return out[()] if out.ndim == 0 else out


def conditional_probability_of_purchases(
    r: float,
    alpha: float,
    s: float,
    beta: float,
    x: ArrayLike,
    t_x: ArrayLike,
    T: ArrayLike,
    n: ArrayLike,
    t: ArrayLike,
) -> np.ndarray:
    r"""P(exactly n repeat purchases in (T, T + t] | x, t_x, T) (Fader, Hardie & Lee 2006, sec. 3).

    Given that the customer is alive at T, :math:`\lambda \sim \mathrm{Gamma}(r+x, \alpha+T)` and
    :math:`\mu \sim \mathrm{Gamma}(s, \beta+T)`, and by the memorylessness of the exponential lifetime the
    future is that of a new customer with these parameters:

    .. math:: P(X(T, T+t) = n \mid \cdot) = \delta_{n=0}\,(1 - P(\text{alive}))
              + P(\text{alive})\, P(X(t) = n \mid r+x, \alpha+T, s, \beta+T)

    Parameters
    ----------
    r, alpha : float
        Shape and rate of the Gamma distribution of purchase rates across customers (> 0; alpha in the
        model's time unit).
    s, beta : float
        Shape and rate of the Gamma distribution of dropout rates across customers (> 0; beta in the model's
        time unit).

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
        P(X(T, T + t) = n | x, t_x, T), in the broadcast shape of the data.
    """
    x, t_x, T, n, t = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (x, t_x, T, n, t)))
    pa = p_alive(r, alpha, s, beta, x, t_x, T)
    future = probability_of_purchases(r + x, alpha + T, s, beta + T, n, t)
    return np.where(n == 0, 1.0 - pa, 0.0) + pa * future


def dert(
    r: float, alpha: float, s: float, beta: float, x: ArrayLike, t_x: ArrayLike, T: ArrayLike, delta: float
) -> np.ndarray:
    r"""Discounted expected residual transactions at a continuous discount rate delta (FHL 2005, JMR, eq. 2).

    .. math::
        \mathrm{DERT} = \frac{\alpha^r\beta^s\delta^{s-1}\Gamma(r+x+1)\,\Psi(s, s; \delta(\beta+T))}
        {\Gamma(r)(\alpha+T)^{r+x+1}\, L(r, \alpha, s, \beta \mid x, t_x, T)}
        = P(\text{alive})\,\frac{(r+x)(\beta+T)}{\alpha+T}\;\Psi\big(1, 2-s; \delta(\beta+T)\big)

    with :math:`\Psi` the confluent hypergeometric function of the second kind (Kummer's transformation
    :math:`\Psi(s, s; z) = z^{1-s}\Psi(1, 2-s; z)` gives the second, bounded form:
    :math:`\Psi(1, 2-s; z) = \int_0^\infty e^{-zt}(1+t)^{-s} dt \le 1/z`).

    Parameters
    ----------
    r, alpha : float
        Shape and rate of the Gamma distribution of purchase rates across customers (> 0; alpha in the
        model's time unit).
    s, beta : float
        Shape and rate of the Gamma distribution of dropout rates across customers (> 0; beta in the model's
        time unit).

    x, t_x, T : array-like
        Repeat purchases, time of the last purchase and time since the first purchase, in the model's time
        unit (0 <= t_x <= T; t_x = 0 where x = 0); they broadcast together.
    delta : float
        Continuous discount rate per time unit (> 0).

    Returns
    -------
    numpy.ndarray
        DERT per customer, in discounted transactions, in the broadcast shape of the data.
    """
    if not delta > 0:
        raise ValueError(f"DERT needs a positive discount rate; got {delta!r}.")
    x, T = np.asarray(x, dtype=float), np.asarray(T, dtype=float)
    z = delta * (beta + T)
    uz, inverse = np.unique(z, return_inverse=True)
    log_u = log_laplace_gamma_tail(s, uz)[inverse].reshape(np.shape(z))
    log_value = np.log(r + x) + np.log(beta + T) - np.log(alpha + T) + log_u
    return np.exp(log_value) * p_alive(r, alpha, s, beta, x, t_x, T)


def simulate(
    r: float, alpha: float, s: float, beta: float, T: ArrayLike, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Draw (x, t_x, T) for customers observed for T time units after their first purchase.

    Each customer gets :math:`\lambda \sim \mathrm{Gamma}(r, \alpha)` and :math:`\mu \sim \mathrm{Gamma}(s,
    \beta)` (rates), and a lifetime :math:`\tau \sim \mathrm{Exp}(\mu)`. It buys as a Poisson(:math:`\lambda`)
    process on :math:`(0, \min(\tau, T))`; its last purchase is the largest of x uniform arrival times.

    Parameters
    ----------
    r, alpha : float
        Shape and rate of the Gamma distribution of purchase rates across customers (> 0; alpha in the
        model's time unit).
    s, beta : float
        Shape and rate of the Gamma distribution of dropout rates across customers (> 0; beta in the model's
        time unit).
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
    mu = rng.gamma(s, 1.0 / beta, size=n)
    with np.errstate(divide="ignore", over="ignore"):
        lifetime = rng.exponential(1.0 / np.maximum(mu, 1e-300))
    active = np.minimum(lifetime, T)
    x = rng.poisson(lam * active)
    t_x = np.zeros(n)
    pos = x > 0
    t_x[pos] = active[pos] * rng.beta(x[pos], 1.0)
    return x.astype(float), t_x, T


# ---------------------------------------------------------------------------------------------- estimator

#: Relative step of the central differences of :func:`loglik_grad` that give the Hessian of the few rows the
#: compiled kernel leaves to the per-customer functions.
FALLBACK_HESSIAN_STEP = 1e-5


def _kernel_prepare(arrays: tuple[np.ndarray, ...], w: np.ndarray) -> Any:
    """The fit's data for the compiled likelihood kernel (:mod:`pyclv._kernels.pareto`).

    The kernel module is imported on first use, so that ``import pyclv`` does not load numba.

    Parameters
    ----------
    arrays : tuple of numpy.ndarray
        ``(x, t_x, T)``.
    w : numpy.ndarray
        The rows' weights.

    Returns
    -------
    pyclv._kernels.pareto.Rows
    """
    from pyclv._kernels import pareto

    return pareto.prepare(arrays, w)


def _kernel_hessian_totals(theta: np.ndarray, rows: Any) -> tuple[float, np.ndarray, np.ndarray]:
    """The weighted log-likelihood total, gradient and Hessian from one pass of the kernel.

    A row whose value the kernel could not make finite (a safety net: none is known) is left to :func:`loglik` and
    :func:`loglik_grad`; such rows' Hessian is the central difference of :func:`loglik_grad` (relative step
    :data:`FALLBACK_HESSIAN_STEP`).

    Parameters
    ----------
    theta : numpy.ndarray
        ``(r, alpha, s, beta)``.
    rows : pyclv._kernels.pareto.Rows
        From :func:`_kernel_prepare`.

    Returns
    -------
    tuple
        ``(total, gradient, hessian)``.
    """
    from pyclv._kernels import pareto

    total, gradient, hessian, left = pareto.totals(theta, rows)
    if len(left):
        w = rows.w[left]
        x, t_x, T = rows.x[left], rows.t_x[left], rows.T[left]
        r, alpha, s, beta = (float(v) for v in theta)
        total += float(w @ loglik(r, alpha, s, beta, x, t_x, T))
        gradient = gradient + w @ loglik_grad(r, alpha, s, beta, x, t_x, T)
        columns = []
        for k in range(4):
            step = np.zeros(4)
            step[k] = FALLBACK_HESSIAN_STEP * theta[k]
            up, down = theta + step, theta - step
            upper = w @ loglik_grad(float(up[0]), float(up[1]), float(up[2]), float(up[3]), x, t_x, T)
            lower = w @ loglik_grad(float(down[0]), float(down[1]), float(down[2]), float(down[3]), x, t_x, T)
            columns.append((upper - lower) / (2.0 * step[k]))
        differenced = np.column_stack(columns)
        hessian = hessian + 0.5 * (differenced + differenced.T)
    return total, gradient, hessian


def _initial_params(arrays: tuple[np.ndarray, ...], weights: np.ndarray) -> np.ndarray:
    # Moment-style start: exponential heterogeneity (r = s = 1) with the mean purchase rate of the
    # data, E[lambda] = 1 / alpha = mean x / mean T, and a mean lifetime of the order of the
    # observation period (beta = mean T). It converges on CDNOW and on simulated data untuned.
    x, _, T = arrays
    total = float(weights.sum())
    mean_x = max(float(weights @ x) / total, 1e-2)
    mean_T = max(float(weights @ T) / total, 1e-2)
    return np.array([1.0, mean_T / mean_x, 1.0, mean_T])


# numpydoc's checker reads one file's syntax tree: it cannot see the constructor, inherited from BaseModel, that
# these Parameters describe, hence the PR02 exemption.
class ParetoNBD(PurchaseDropoutModel):  # numpydoc ignore=PR02
    r"""The Pareto/NBD model of repeat purchasing (Schmittlein, Morrison & Colombo 1987).

    Parameters
    ----------
    purchase_covariates : list of str, optional
        Columns of the data (one value per customer) that shift the purchase process: each customer's
        purchase-rate scale is :math:`\alpha_i = \alpha e^{-\gamma_P^\top z_i}`, so a positive coefficient means
        more purchases.
    dropout_covariates : list of str, optional
        Columns that shift the dropout process: each customer's dropout-rate scale is
        :math:`\beta_i = \beta e^{-\gamma_D^\top z_i}`, so a positive coefficient means a shorter lifetime.
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
        ``r``, ``alpha`` (purchase-rate heterogeneity, Gamma shape and rate), ``s``, ``beta`` (dropout-rate
        heterogeneity, Gamma shape and rate).
    log_likelihood_, covariance_, standard_errors_, n_customers_, time_unit_, converged_

    Notes
    -----
    The data are a summary with columns ``frequency`` (x), ``recency`` (:math:`t_x`) and ``T``, as returned
    by :func:`pyclv.rfm_summary`. The log-likelihood is Fader & Hardie's (2005 note) eqs. (19)-(22) with the
    :math:`\alpha \ge \beta` switch; P(alive) and the conditional expectation are its eqs. (24) and (27);
    P(X(t) = n) follows Fader, Hardie & Lee (2006); DERT is the closed form of Fader, Hardie & Lee (2005,
    JMR). The likelihood is flat along (s, beta): their ratio is well determined, each alone less so.

    The fit runs on a compiled kernel (:mod:`pyclv._kernels.pareto`) that gives the log-likelihood with its exact
    gradient and Hessian in one pass (Euler's series of the note's hypergeometric function, differentiated term
    by term in r and s): Newton's method in a trust region converges in a few passes, and the covariance is the
    inverse of that Hessian. :func:`loglik` and :func:`loglik_grad` remain the per-customer reference.

    References
    ----------
    Schmittlein, Morrison & Colombo (1987), Management Science 33(1), 1-24.
    Fader & Hardie (2005), "A note on deriving the Pareto/NBD model and related expressions".
    Fader, Hardie & Lee (2005), "RFM and CLV", Journal of Marketing Research 42(4), 415-430.

    Examples
    --------
    >>> import pyclv
    >>> from pyclv.models.pareto_nbd import ParetoNBD
    >>> summary = pyclv.datasets.load_cdnow_summary()
    >>> model = ParetoNBD().fit(summary)
    >>> model.params_[["r", "alpha", "s"]].round(2).to_dict()
    {'r': 0.55, 'alpha': 10.58, 's': 0.61}
    """

    _params = (Param("r"), Param("alpha"), Param("s"), Param("beta"))
    _mixings = (
        Mixing("gamma", ("r", "alpha"), "purchase rate"),
        Mixing("gamma", ("s", "beta"), "dropout rate",
               "nobody drops out, P(alive) is about 1 and the model is in effect an NBD"),
    )
    _links = (Link("alpha", "purchase", -1.0), Link("beta", "dropout", -1.0))
    _functions = TransactionFunctions(
        initial_params=_initial_params,
        loglik=loglik,
        loglik_grad=loglik_grad,
        prepare=_kernel_prepare,
        hessian_totals=_kernel_hessian_totals,
        p_alive=p_alive,
        conditional_expected_purchases=conditional_expected_purchases,
        expected_purchases=expected_purchases,
        probability_of_purchases=probability_of_purchases,
        conditional_probability_of_purchases=conditional_probability_of_purchases,
        simulate=simulate,
        expected_purchases_if_alive=_expected_purchases_if_alive,
        dert=dert,
    )
