r"""MBG/NBD: the modified beta-geometric / negative binomial distribution model (Batislam et al. 2007).

The BG/NBD story with one change: a customer may also drop out right at its first purchase. While alive,
a customer buys as a Poisson process with rate :math:`\lambda`; at time 0 and after each repeat purchase it
drops out with probability :math:`p`. Across customers :math:`\lambda \sim \mathrm{Gamma}(r, \alpha)` and
:math:`p \sim \mathrm{Beta}(a, b)`. Unlike the BG/NBD model, a customer with no repeat purchase (x = 0) can
be dead, so its P(alive) is below one and falls with T. The same model was proposed independently by Hoppe
and Wagner (2007) as the "central variant" CBG/NBD.

A customer is summarised by ``frequency`` x (repeat purchases), ``recency`` :math:`t_x` (time of the last
purchase since the first; 0 when x = 0) and ``T`` (time since the first purchase), in one time unit.

Two facts make the predictions follow from the BG/NBD mathematics of :mod:`pyclv.models.beta_geo`:

* a customer alive at T after x repeat purchases has survived x + 1 dropout opportunities, so its posterior
  is :math:`\lambda \sim \mathrm{Gamma}(r+x, \alpha+T)`, :math:`p \sim \mathrm{Beta}(a, b+x+1)`;
* from then on it buys exactly as a BG/NBD customer does (dropping out after each purchase).

So the future of an alive MBG/NBD customer with history x is that of an alive BG/NBD customer with
history x and parameter b + 1, and the helpers of :mod:`~pyclv.models.beta_geo` are reused with b + 1.

References
----------
Batislam, E. P., Denizel, M. and Filiztekin, A. (2007). Empirical validation and comparison of models for
customer base analysis. *International Journal of Research in Marketing*, 24(3), 201-209.
Hoppe, D. and Wagner, U. (2007). Customer base analysis: the case for a central variant of the
Betageometric/NBD model. *Marketing - Journal of Research and Management*, 3(2), 75-90.
Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005). "Counting your customers" the easy way: an
alternative to the Pareto/NBD model. *Marketing Science*, 24(2), 275-284.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import special

from pyclv._arrays import per_whole_number
from pyclv._log_gamma import log_beta_ratio, log_gamma_ratio
from pyclv.models import beta_geo
from pyclv.models._functions import TransactionFunctions
from pyclv.models._identification import Mixing
from pyclv.models._params import Param
from pyclv.models._special import (
    alive_purchases_quadrature,
    alive_purchases_series,
    alive_purchases_series_converges,
    one_minus_power_times,
)
from pyclv.models._transaction import TransactionModel

__all__ = [
    "ModifiedBetaGeo",
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


def log_p_alive_odds(
    r: float, alpha: float, a: float, b: float, x: ArrayLike, t_x: ArrayLike, T: ArrayLike
) -> np.ndarray:
    r"""Log of the odds of being dead at T given the history.

    .. math:: \log\Big\{\frac{a}{b+x}\Big(\frac{\alpha+T}{\alpha+t_x}\Big)^{r+x}\Big\},

    defined for every x >= 0 (for x = 0, :math:`t_x = 0`). The ratio of the powers is taken as
    ``log1p((T - t_x) / (alpha + t_x))`` so that it stays exact when T is close to :math:`t_x`.

    Parameters
    ----------
    r, alpha : float
        Shape and rate of the Gamma distribution of purchase rates across customers (> 0; alpha in the
        model's time unit).
    a, b : float
        Shape parameters of the Beta distribution of the dropout probability at time 0 and after each
        purchase (> 0).

    x, t_x, T : array-like
        Repeat purchases, time of the last purchase and time since the first purchase, in the model's time
        unit (0 <= t_x <= T; t_x = 0 where x = 0); they broadcast together.

    Returns
    -------
    numpy.ndarray
        The log-odds of having dropped out by T, in the broadcast shape of the data.
    """
    x = np.asarray(x, dtype=float)
    t_x = np.asarray(t_x, dtype=float)
    T = np.asarray(T, dtype=float)
    return np.log(a) - np.log(b + x) + (r + x) * np.log1p((T - t_x) / (alpha + t_x))


def loglik(r: float, alpha: float, a: float, b: float, x: ArrayLike, t_x: ArrayLike, T: ArrayLike) -> np.ndarray:
    r"""Per-customer log-likelihood of the MBG/NBD model (Batislam et al. 2007), in log space.

    Given :math:`\lambda` and p, a customer alive at T has survived x + 1 dropout opportunities (time 0 and
    each repeat purchase); a dead one survived x and dropped out at the last, right after :math:`t_x`:

    .. math::
        L(\lambda, p) = (1-p)^{x+1}\lambda^x e^{-\lambda T} + p(1-p)^x \lambda^x e^{-\lambda t_x}.

    Integrating over the Gamma and Beta mixing distributions,

    .. math::
        L = \frac{\Gamma(r+x)\alpha^r}{\Gamma(r)(\alpha+T)^{r+x}} \frac{B(a, b+x+1)}{B(a, b)}
            \Big[1 + \frac{a}{b+x}\Big(\frac{\alpha+T}{\alpha+t_x}\Big)^{r+x}\Big].

    The second term exists for x = 0 too (the BG/NBD model's :math:`\delta_{x>0}` is gone). The bracket is
    ``log1p(exp(.))`` of :func:`log_p_alive_odds`, so x in the thousands and T in the tens of thousands
    stay finite.

    Parameters
    ----------
    r, alpha : float
        Shape and rate of the Gamma distribution of purchase rates across customers (> 0; alpha in the
        model's time unit).
    a, b : float
        Shape parameters of the Beta distribution of the dropout probability at time 0 and after each
        purchase (> 0).

    x, t_x, T : array-like
        Repeat purchases, time of the last purchase and time since the first purchase, in the model's time
        unit (0 <= t_x <= T; t_x = 0 where x = 0); they broadcast together.

    Returns
    -------
    numpy.ndarray
        Each customer's log-likelihood, in the broadcast shape of the data.
    """
    log_odds = log_p_alive_odds(r, alpha, a, b, x, t_x, T)
    x = np.asarray(x, dtype=float)
    T = np.asarray(T, dtype=float)
    # each ratio on its own, without cancellation (r = 1e8, or b = 1e200, keep every digit)
    return (
        per_whole_number(lambda u: log_gamma_ratio(r, u) + log_beta_ratio(a, b, u + 1.0), x)
        - r * np.log1p(T / alpha)
        - x * np.log(alpha + T)
        + np.logaddexp(0.0, log_odds)
    )


def loglik_grad(
    r: float, alpha: float, a: float, b: float, x: np.ndarray, t_x: np.ndarray, T: np.ndarray
) -> np.ndarray:
    r"""Gradient of :func:`loglik` with respect to ``(r, alpha, a, b)``, one row per customer.

    With :math:`w = 1 - P(\text{alive})` the weight of the dropout term (``expit`` of the log-odds),

    .. math::
        \partial_r &= \psi(r+x) - \psi(r) + \log\alpha - (1-w)\log(\alpha+T) - w\log(\alpha+t_x) \\
        \partial_\alpha &= r/\alpha - (r+x)\big[(1-w)/(\alpha+T) + w/(\alpha+t_x)\big] \\
        \partial_a &= \psi(a+b) - \psi(a+b+x+1) + w/a \\
        \partial_b &= \psi(a+b) - \psi(a+b+x+1) + \psi(b+x) - \psi(b) + (1-w)/(b+x)

    Parameters
    ----------
    r, alpha : float
        Shape and rate of the Gamma distribution of purchase rates across customers (> 0; alpha in the
        model's time unit).
    a, b : float
        Shape parameters of the Beta distribution of the dropout probability at time 0 and after each
        purchase (> 0).

    x, t_x, T : numpy.ndarray
        Repeat purchases, time of the last purchase and time since the first purchase (1-d, one per customer).

    Returns
    -------
    numpy.ndarray
        Shape (customers, 4): the derivatives in r, alpha, a and b.
    """
    x = np.asarray(x, dtype=float)
    t_x = np.asarray(t_x, dtype=float)
    T = np.asarray(T, dtype=float)
    log_odds = log_p_alive_odds(r, alpha, a, b, x, t_x, T)
    w = special.expit(log_odds)
    w_alive = special.expit(-log_odds)
    log_at, log_atx = np.log(alpha + T), np.log(alpha + t_x)
    psi_common = special.digamma(a + b) - per_whole_number(lambda u: special.digamma(a + b + u + 1.0), x)
    psi_rx = per_whole_number(lambda u: special.digamma(r + u), x)
    psi_bx = per_whole_number(lambda u: special.digamma(b + u), x)
    d_r = psi_rx - special.digamma(r) + np.log(alpha) - w_alive * log_at - w * log_atx
    d_alpha = r / alpha - (r + x) * (w_alive / (alpha + T) + w / (alpha + t_x))
    d_a = psi_common + w / a
    d_b = psi_common + psi_bx - special.digamma(b) + w_alive / (b + x)
    return np.stack(np.broadcast_arrays(d_r, d_alpha, d_a, d_b), axis=-1)


def p_alive(r: float, alpha: float, a: float, b: float, x: ArrayLike, t_x: ArrayLike, T: ArrayLike) -> np.ndarray:
    r"""Probability that a customer with history (x, t_x, T) is alive at T (Batislam et al. 2007, appendix A).

    .. math:: P(\text{alive}) = 1 \Big/ \Big(1 + \frac{a}{b+x}\Big(\frac{\alpha+T}{\alpha+t_x}\Big)^{r+x}\Big)

    For a new customer (x = 0, T = 0) it is b / (a + b), the chance of surviving the first purchase.

    Parameters
    ----------
    r, alpha : float
        Shape and rate of the Gamma distribution of purchase rates across customers (> 0; alpha in the
        model's time unit).
    a, b : float
        Shape parameters of the Beta distribution of the dropout probability at time 0 and after each
        purchase (> 0).

    x, t_x, T : array-like
        Repeat purchases, time of the last purchase and time since the first purchase, in the model's time
        unit (0 <= t_x <= T; t_x = 0 where x = 0); they broadcast together.

    Returns
    -------
    numpy.ndarray
        P(alive at T), in [0, 1], in the broadcast shape of the data.
    """
    return special.expit(-log_p_alive_odds(r, alpha, a, b, x, t_x, T))


def _alive_future(
    r: float, alpha: float, a: ArrayLike, b: ArrayLike, x: ArrayLike, T: ArrayLike, t: ArrayLike
) -> np.ndarray:
    r"""Expected purchases in (T, T + t] of a customer alive at T.

    .. math::
        \frac{a+b+x}{a-1}\Big[1 - \Big(\frac{\alpha+T}{\alpha+T+t}\Big)^{r+x}
        {}_2F_1\Big(r+x, b+x+1; a+b+x; z\Big)\Big], \quad z = \frac{t}{\alpha+T+t},

    the BG/NBD numerator with b + 1 for b. Euler's transformation gives
    :math:`(1-z)^{r+x}\,{}_2F_1(r+x, b+x+1; a+b+x; z) = (1-z)^{a-1}\,{}_2F_1(a+b-r, a-1; a+b+x; z)`, whose upper
    parameters do not grow with x (the stable branch, as in :mod:`pyclv.models.beta_geo`). For short
    horizons, and for customers who almost never drop out (b in the hundreds of digits), where that bracket
    is small and would lose digits to cancellation, a power series in t / (alpha + T) is summed instead
    (:func:`pyclv.models._special.alive_purchases_series`). Where z is within 1e-4 of one (scipy's
    value loses digits there in the extremes), or scipy's value is not finite or breaks the bounds
    :math:`0 \le E \le s t/(\alpha+T)` (and :math:`E \le (a+b+x)/(a-1)` for a > 1), the posterior integral
    is computed by quadrature (:func:`pyclv.models._special.alive_purchases_quadrature`). At a = 1 the
    expression has a removable singularity; within 1e-6 of one it is the mean of the values at 1 -+ 1e-5
    (second-order accurate, relative error about 1e-10).
    """
    a_arr, b_arr, x, T, t = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (a, b, x, T, t)))
    s = r + x
    c = t / (alpha + T)
    small = alive_purchases_series_converges(s, c, a_arr, b_arr + x + 1.0)
    if np.any(small):
        value = np.empty(s.shape)
        value[small] = alive_purchases_series(s[small], c[small], a_arr[small], b_arr[small] + x[small] + 1.0)
        rest = ~small
        if np.any(rest):
            value[rest] = _alive_future(r, alpha, a_arr[rest], b_arr[rest], x[rest], T[rest], t[rest])
        return value
    near_a = np.abs(a_arr - 1.0) < 1e-6  # a removable singularity of the closed form (not of the series)
    if np.any(near_a):
        lo = _alive_future(r, alpha, np.where(near_a, 1.0 - 1e-5, a_arr), b_arr, x, T, t)
        hi = _alive_future(r, alpha, np.where(near_a, 1.0 + 1e-5, a_arr), b_arr, x, T, t)
        return np.where(near_a, 0.5 * (lo + hi), lo)
    z = t / (alpha + T + t)
    log1mz = np.log(alpha + T) - np.log(alpha + T + t)
    scale = (a_arr + b_arr + x) / (a_arr - 1.0)
    with np.errstate(all="ignore"):
        hyp = special.hyp2f1(a_arr + b_arr - r, a_arr - 1.0, a_arr + b_arr + x, z)
        value = scale * one_minus_power_times(a_arr - 1.0, log1mz, hyp)
        bound = np.where(a_arr > 1.0, np.minimum(s * c, scale), s * c) * (1.0 + 1e-9)
        bad = ~np.isfinite(value) | (value < 0.0) | (value > bound) | (c > 1e4)
    if np.any(bad):
        value = np.array(value, dtype=float, copy=True)
        value[bad] = alive_purchases_quadrature(s[bad], c[bad], a_arr[bad], b_arr[bad] + x[bad] + 1.0)
    return value


def conditional_expected_purchases(
    r: float, alpha: float, a: float, b: float, x: ArrayLike, t_x: ArrayLike, T: ArrayLike, t: ArrayLike
) -> np.ndarray:
    r"""Expected repeat purchases in (T, T + t] given the history (Batislam et al. 2007).

    .. math::
        E[Y(t) \mid x, t_x, T] = P(\text{alive}) \, \frac{a+b+x}{a-1}
        \Big[1 - \Big(\frac{\alpha+T}{\alpha+T+t}\Big)^{r+x}
        {}_2F_1\Big(r+x, b+x+1; a+b+x; \frac{t}{\alpha+T+t}\Big)\Big]

    Derivation: an alive customer expects :math:`(1 - e^{-\lambda p t})/p` purchases in the next t; its
    posterior is Gamma(r+x, alpha+T) x Beta(a, b+x+1). The bracketed factor is the BG/NBD numerator (FHL
    2005, eq. 10) with b + 1 in place of b, evaluated on its stable branch (Euler's transformation, as in
    :mod:`pyclv.models.beta_geo`), with the posterior integral done by quadrature where scipy fails.

    All arguments broadcast (e.g. customers along one axis and horizons along another).

    Parameters
    ----------
    r, alpha : float
        Shape and rate of the Gamma distribution of purchase rates across customers (> 0; alpha in the
        model's time unit).
    a, b : float
        Shape parameters of the Beta distribution of the dropout probability at time 0 and after each
        purchase (> 0).

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
    x = np.asarray(x, dtype=float)
    T = np.asarray(T, dtype=float)
    return _alive_future(r, alpha, a, b, x, T, t) * p_alive(r, alpha, a, b, x, t_x, T)


def expected_purchases(r: float, alpha: float, a: float, b: float, t: ArrayLike) -> np.ndarray:
    r"""Expected repeat purchases of a new customer in (0, t] (Batislam et al. 2007).

    .. math:: E[X(t)] = \frac{b}{a-1}\Big[1 - \Big(\frac{\alpha}{\alpha+t}\Big)^r
              {}_2F_1\Big(r, b+1; a+b; \frac{t}{\alpha+t}\Big)\Big]

    It is the conditional expectation at x = 0, t_x = T = 0: the BG/NBD expectation (FHL 2005, eq. 9) with
    b + 1 in place of b, times the chance b / (a + b) of surviving the first purchase.

    Parameters
    ----------
    r, alpha : float
        Shape and rate of the Gamma distribution of purchase rates across customers (> 0; alpha in the
        model's time unit).
    a, b : float
        Shape parameters of the Beta distribution of the dropout probability at time 0 and after each
        purchase (> 0).
    t : array-like
        Time since the first purchase, in the model's time unit (>= 0).

    Returns
    -------
    numpy.ndarray
        E[X(t)], shaped like ``t``.
    """
    t = np.asarray(t, dtype=float)
    return conditional_expected_purchases(r, alpha, a, b, 0.0, 0.0, 0.0, t)


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
    :math:`p \sim \mathrm{Beta}(a, b+x+1)`; from there it buys until its geometric number of purchases J
    (dropout after the J-th) runs out, :math:`Y = \min(N(t), J)` with
    :math:`N(t) \sim \mathrm{Poisson}(\lambda t)`. Integrating,

    .. math::
        P(Y(t)=n \mid \cdot) = \delta_{n=0}(1 - P_a) + P_a\Big[\frac{B(a, b+x+1+n)}{B(a, b+x+1)}
        \mathrm{NB}(n; r+x, \tfrac{\alpha+T}{\alpha+T+t})
        + \delta_{n>0}\frac{B(a+1, b+x+n)}{B(a, b+x+1)} I_{t/(\alpha+T+t)}(n, r+x)\Big]

    with :math:`P_a` = P(alive), NB the negative binomial pmf and I the regularised incomplete beta
    function (the negative binomial's upper tail). The bracket is FHL (2005) eq. (8) at the posterior
    parameters :math:`(r+x, \alpha+T, a, b+x+1)`, computed by
    :func:`pyclv.models.beta_geo.probability_of_purchases`.

    Parameters
    ----------
    r, alpha : float
        Shape and rate of the Gamma distribution of purchase rates across customers (> 0; alpha in the
        model's time unit).
    a, b : float
        Shape parameters of the Beta distribution of the dropout probability at time 0 and after each
        purchase (> 0).

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
    x = np.asarray(x, dtype=float)
    T = np.asarray(T, dtype=float)
    n = np.asarray(n, dtype=float)
    log_odds = log_p_alive_odds(r, alpha, a, b, x, t_x, T)
    t = np.asarray(t, dtype=float)
    alive_part = beta_geo.probability_of_purchases(r + x, alpha + T, a, b + x + 1.0, n, t)
    return np.where(n == 0, special.expit(log_odds), 0.0) + special.expit(-log_odds) * alive_part


def probability_of_purchases(
    r: float, alpha: float, a: float, b: float, n: ArrayLike, t: ArrayLike
) -> np.ndarray:
    r"""Unconditional probability of exactly n repeat purchases in (0, t].

    .. math::
        P(X(t)=n) = \delta_{n=0}\frac{a}{a+b}
        + \frac{B(a, b+n+1)}{B(a, b)} \mathrm{NB}(n; r, \tfrac{\alpha}{\alpha+t})
        + \delta_{n>0} \frac{B(a+1, b+n)}{B(a, b)} I_{t/(\alpha+t)}(n, r)

    The first term is the customers who drop out at their first purchase (the n = 0 case of the last term,
    with I = 1). It is :func:`conditional_probability_of_purchases` at x = 0, t_x = T = 0, where
    P(alive) = b / (a + b).

    Parameters
    ----------
    r, alpha : float
        Shape and rate of the Gamma distribution of purchase rates across customers (> 0; alpha in the
        model's time unit).
    a, b : float
        Shape parameters of the Beta distribution of the dropout probability at time 0 and after each
        purchase (> 0).
    n : array-like
        Number of repeat purchases (whole numbers >= 0).
    t : array-like
        Length of the period, in the model's time unit (>= 0).

    Returns
    -------
    numpy.ndarray
        P(X(t) = n), in the broadcast shape of ``n`` and ``t``.
    """
    return conditional_probability_of_purchases(r, alpha, a, b, 0.0, 0.0, 0.0, n, t)


def simulate(
    r: float, alpha: float, a: float, b: float, T: ArrayLike, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Draw (x, t_x, T) for customers observed for T time units after their first purchase.

    Each customer gets :math:`\lambda \sim \mathrm{Gamma}(r, 1/\alpha)` and
    :math:`p \sim \mathrm{Beta}(a, b)`. Dropout opportunities are time 0 and each repeat purchase; the
    first at which the customer drops out is geometric G >= 1, so it makes at most G - 1 repeat purchases,
    and x is the smaller of that and a Poisson(λT) count. The last purchase time is the matching order
    statistic of the Poisson arrivals (uniform on (0, T)).

    Parameters
    ----------
    r, alpha : float
        Shape and rate of the Gamma distribution of purchase rates across customers (> 0; alpha in the
        model's time unit).
    a, b : float
        Shape parameters of the Beta distribution of the dropout probability at time 0 and after each
        purchase (> 0).
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
    purchases_before_dropout = rng.geometric(np.clip(p, 1e-300, 1.0)) - 1
    x = np.minimum(arrivals, purchases_before_dropout)
    t_x = np.zeros(n)
    pos = x > 0
    t_x[pos] = T[pos] * rng.beta(x[pos], arrivals[pos] - x[pos] + 1.0)
    return x.astype(float), t_x, T



def _prepare(arrays: tuple[np.ndarray, ...], w: np.ndarray) -> Any:
    # the compiled kernel of BG/NBD, with MBG/NBD's terms
    return beta_geo._kernel_prepare(arrays, w, modified=True)


def _prepare_strata(arrays: tuple[np.ndarray, ...], w: np.ndarray, codes: np.ndarray, n_strata: int) -> Any:
    # the compiled kernel's pass over all strata, with MBG/NBD's terms
    return beta_geo._kernel_prepare_strata(arrays, w, codes, n_strata, modified=True)


def _initial_params(arrays: tuple[np.ndarray, ...], weights: np.ndarray) -> np.ndarray:
    # Poisson-Gamma moment start among the repeat buyers, with no dropout: E[x | x > 0] ~ r T / alpha with
    # r = 1; the share of customers with x = 0 sets the mean dropout probability a / (a + b) with a = 1.
    x, _, T = arrays
    total = float(weights.sum())
    buyers = x > 0
    w_buy = weights[buyers]
    mean_x = max(float(w_buy @ x[buyers]) / max(float(w_buy.sum()), 1e-12), 1e-2)
    mean_T = max(float(weights @ T) / total, 1e-2)
    share_zero = float(weights[~buyers].sum()) / total
    p_drop = min(max(0.5 * share_zero, 0.05), 0.9)
    return np.array([1.0, mean_T / mean_x, 1.0, (1.0 - p_drop) / p_drop])


# numpydoc's checker reads one file's syntax tree: it cannot see the constructor, inherited from BaseModel, that
# these Parameters describe, hence the PR02 exemption.
class ModifiedBetaGeo(TransactionModel):  # numpydoc ignore=PR02
    r"""The MBG/NBD model of repeat purchasing (Batislam, Denizel & Filiztekin 2007).

    BG/NBD in which a customer can also drop out at its first purchase, so customers without repeat
    purchases are not all alive.

    Parameters
    ----------
    penalizer : float, default 0.0
        L2 penalty on the parameters (see :class:`pyclv.models._base.BaseModel`).
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
    by :func:`pyclv.rfm_summary`. The log-likelihood and predictions are in the module's functions
    (:func:`loglik`, :func:`conditional_expected_purchases`, ...). Discounted expected residual transactions
    (DERT) have no closed form here and are integrated numerically (:mod:`pyclv._quadrature`).

    References
    ----------
    Batislam, Denizel & Filiztekin (2007), International Journal of Research in Marketing 24(3), 201-209.
    Hoppe & Wagner (2007), Marketing - Journal of Research and Management 3(2), 75-90.

    Examples
    --------
    >>> import pyclv
    >>> from pyclv.models.modified_beta_geo import ModifiedBetaGeo
    >>> summary = pyclv.datasets.load_cdnow_summary()
    >>> model = ModifiedBetaGeo().fit(summary)
    >>> model.params_.round(3).to_dict()
    {'r': 0.525, 'alpha': 6.183, 'a': 0.891, 'b': 1.614}
    """

    _params = (Param("r"), Param("alpha"), Param("a"), Param("b"))
    _mixings = (
        Mixing("gamma", ("r", "alpha"), "purchase rate"),
        Mixing("beta", ("a", "b"), "dropout probability at each purchase",
               "nobody drops out, P(alive) is about 1 and the model is in effect an NBD"),
    )
    alive_kernel = "mbg_nbd"
    _functions = TransactionFunctions(
        initial_params=_initial_params,
        loglik=loglik,
        loglik_grad=loglik_grad,
        prepare=_prepare,
        hessian_totals=beta_geo._kernel_hessian_totals,
        compress_rows=False,
        prepare_strata=_prepare_strata,
        strata_totals=beta_geo._kernel_strata_totals,
        p_alive=p_alive,
        conditional_expected_purchases=conditional_expected_purchases,
        expected_purchases=expected_purchases,
        probability_of_purchases=probability_of_purchases,
        conditional_probability_of_purchases=conditional_probability_of_purchases,
        simulate=simulate,
        expected_purchases_if_alive=_alive_future,
    )
