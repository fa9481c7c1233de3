r"""BG/BB: the beta-geometric / beta-binomial model of discrete-time repeat transactions (Fader, Hardie & Shang 2010).

Customers have discrete transaction opportunities 1, 2, ... (e.g. a yearly fund-raising campaign). While
alive, a customer transacts at each opportunity with probability :math:`p`; at the start of each
opportunity a living customer dies (becomes inactive for good) with probability :math:`\theta`. Across
customers :math:`p \sim \mathrm{Beta}(\alpha, \beta)` and :math:`\theta \sim \mathrm{Beta}(\gamma, \delta)`.
A customer is summarised by ``frequency`` x (repeat transactions in n opportunities), ``recency``
:math:`t_x` (the opportunity of the last transaction, 0 if none) and ``n_periods`` n.

The module holds the mathematics as pure, broadcasting functions of ``(alpha, beta, gamma, delta)`` and the
data; :class:`BetaGeoBetaBinom` is the thin estimator around them. Every probability is computed in log
space with ``betaln``; the sums of the likelihood (one term per possible death opportunity) are evaluated
as segmented log-sum-exps over all customers at once.

References
----------
Fader, P. S., Hardie, B. G. S. and Shang, J. (2010). Customer-base analysis in a discrete-time
noncontractual setting. *Marketing Science*, 29(6), 1086-1108.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special

from pyclv.exceptions import DataValidationError
from pyclv.models._bgbb_sums import (
    expected_alive_opportunities,
    flat,
    log_binom,
    log_discounted_survival,
    ragged,
    ragged_blocks,
)
from pyclv.models._functions import TransactionFunctions
from pyclv.models._history import History
from pyclv.models._identification import Mixing
from pyclv.models._params import Param
from pyclv.models._special import segment_logsumexp
from pyclv.models._transaction import TransactionModel

__all__ = [
    "BetaGeoBetaBinom",
    "conditional_expected_purchases",
    "conditional_probability_of_purchases",
    "dert",
    "expected_purchases",
    "loglik",
    "loglik_grad",
    "p_alive",
    "probability_of_purchases",
    "simulate",
]

ArrayLike = np.ndarray | float

# Kept under its former name: tests and notebooks call it as a BG/BB function.
_expected_alive_opportunities = expected_alive_opportunities


# ---------------------------------------------------------------------------------------------- likelihood
def _log_alive_term(
    alpha: float, beta: float, gamma: float, delta: float, x: ArrayLike, n: ArrayLike
) -> np.ndarray:
    r"""Log of P(the history's transactions and alive through opportunity n).

    That is :math:`\frac{B(\alpha+x, \beta+n-x)}{B(\alpha,\beta)}\frac{B(\gamma, \delta+n)}{B(\gamma,\delta)}`.
    """
    return (
        special.betaln(alpha + x, beta + n - x)
        - special.betaln(alpha, beta)
        + special.betaln(gamma, delta + n)
        - special.betaln(gamma, delta)
    )


def _log_components(
    alpha: float, beta: float, gamma: float, delta: float, x: np.ndarray, t_x: np.ndarray, n: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    r"""The two parts of the likelihood (FHS 2010, eq. 5), in logs, for 1-d arrays of customers.

    Returns ``(log_alive, log_dead)``: the first term (alive through opportunity n) and the log of the sum
    over the opportunities :math:`t_x + i + 1` (:math:`i = 0, \dots, n - t_x - 1`) at whose start the
    customer may have died (``-inf`` when :math:`t_x = n`).
    """
    log_alive = _log_alive_term(alpha, beta, gamma, delta, x, n)
    log_dead = np.full(x.shape, -np.inf)
    counts = np.rint(n - t_x).astype(np.int64)
    norm = special.betaln(alpha, beta) + special.betaln(gamma, delta)
    for block in ragged_blocks(counts):
        row, i, starts = ragged(counts[block])
        if len(row) == 0:
            continue
        xb, tb = x[block][row], t_x[block][row]
        terms = special.betaln(alpha + xb, beta + tb - xb + i) + special.betaln(gamma + 1.0, delta + tb + i) - norm
        target = np.flatnonzero(counts[block] > 0) + block.start
        log_dead[target] = segment_logsumexp(terms, starts)
    return log_alive, log_dead


def loglik(
    alpha: float, beta: float, gamma: float, delta: float, x: ArrayLike, t_x: ArrayLike, n: ArrayLike
) -> np.ndarray:
    r"""Per-customer log-likelihood of the BG/BB model (FHS 2010, eq. 5), in log space.

    .. math::
        L = \frac{B(\alpha+x, \beta+n-x)}{B(\alpha,\beta)} \frac{B(\gamma, \delta+n)}{B(\gamma,\delta)}
            + \sum_{i=0}^{n-t_x-1} \frac{B(\alpha+x, \beta+t_x-x+i)}{B(\alpha,\beta)}
              \frac{B(\gamma+1, \delta+t_x+i)}{B(\gamma,\delta)}

    The first term is the probability of the history for a customer still alive at opportunity n; the i-th
    term of the sum, for one who died at the start of opportunity :math:`t_x + i + 1`. All terms are combined
    by log-sum-exp over customers at once (a ragged array of :math:`n - t_x` terms per customer).

    Parameters
    ----------
    alpha, beta : float
        Shape parameters of the Beta distribution of the transaction probability p across customers (> 0).
    gamma, delta : float
        Shape parameters of the Beta distribution of the dropout probability :math:`\theta` (> 0).
    x, t_x, n : array-like
        Repeat transactions, the opportunity of the last one (0 if none) and the opportunities observed (whole
        numbers, x <= t_x <= n); they broadcast together.

    Returns
    -------
    numpy.ndarray
        The log-likelihood of each customer, in the broadcast shape.
    """
    (xf, tf, nf), shape = flat(x, t_x, n)
    log_alive, log_dead = _log_components(alpha, beta, gamma, delta, xf, tf, nf)
    return np.logaddexp(log_alive, log_dead).reshape(shape)


def loglik_grad(
    alpha: float, beta: float, gamma: float, delta: float, x: np.ndarray, t_x: np.ndarray, n: np.ndarray
) -> np.ndarray:
    r"""Gradient of :func:`loglik` with respect to ``(alpha, beta, gamma, delta)``, one row per customer.

    Parameters
    ----------
    alpha, beta : float
        Shape parameters of the Beta distribution of the transaction probability p across customers (> 0).
    gamma, delta : float
        Shape parameters of the Beta distribution of the dropout probability :math:`\theta` (> 0).

    x, t_x, n : numpy.ndarray
        Repeat transactions, the opportunity of the last one and the opportunities observed (1-d, one per
        customer).

    Returns
    -------
    numpy.ndarray
        Shape (customers, 4): the derivatives in alpha, beta, gamma and delta.
    """
    x, t_x, n = (np.asarray(a, dtype=float) for a in (x, t_x, n))
    log_alive, log_dead = _log_components(alpha, beta, gamma, delta, x, t_x, n)
    ll = np.logaddexp(log_alive, log_dead)
    psi = special.digamma
    # d/d params of -betaln(alpha, beta) - betaln(gamma, delta)
    norm = np.array(
        [
            psi(alpha) - psi(alpha + beta),
            psi(beta) - psi(alpha + beta),
            psi(gamma) - psi(gamma + delta),
            psi(delta) - psi(gamma + delta),
        ]
    )
    w_alive = np.exp(log_alive - ll)
    psi_ax = psi(alpha + x)
    grad = np.empty((len(x), 4))
    grad[:, 0] = w_alive * (psi_ax - psi(alpha + beta + n))
    grad[:, 1] = w_alive * (psi(beta + n - x) - psi(alpha + beta + n))
    grad[:, 2] = w_alive * (psi(gamma) - psi(gamma + delta + n))
    grad[:, 3] = w_alive * (psi(delta + n) - psi(gamma + delta + n))
    counts = np.rint(n - t_x).astype(np.int64)
    lnorm = special.betaln(alpha, beta) + special.betaln(gamma, delta)
    psi_g1 = psi(gamma + 1.0)
    for block in ragged_blocks(counts):
        row, i, starts = ragged(counts[block])
        if len(row) == 0:
            continue
        r = row + block.start
        xb, tb = x[r], t_x[r]
        terms = special.betaln(alpha + xb, beta + tb - xb + i) + special.betaln(gamma + 1.0, delta + tb + i) - lnorm
        w = np.exp(terms - ll[r])
        psi_ab = psi(alpha + beta + tb + i)
        psi_gd = psi(gamma + delta + 1.0 + tb + i)
        target = np.flatnonzero(counts[block] > 0) + block.start
        grad[target, 0] += np.add.reduceat(w * (psi_ax[r] - psi_ab), starts)
        grad[target, 1] += np.add.reduceat(w * (psi(beta + tb - xb + i) - psi_ab), starts)
        grad[target, 2] += np.add.reduceat(w * (psi_g1 - psi_gd), starts)
        grad[target, 3] += np.add.reduceat(w * (psi(delta + tb + i) - psi_gd), starts)
    return grad - norm


# ---------------------------------------------------------------------------------------------- predictions
def _log_alive_posterior(
    alpha: float, beta: float, gamma: float, delta: float, x: ArrayLike, t_x: ArrayLike, n: ArrayLike
) -> np.ndarray:
    """Log P(alive through opportunity n | x, t_x, n): the first likelihood term over the likelihood."""
    (xf, tf, nf), shape = flat(x, t_x, n)
    log_alive, log_dead = _log_components(alpha, beta, gamma, delta, xf, tf, nf)
    return (log_alive - np.logaddexp(log_alive, log_dead)).reshape(shape)


def p_alive(
    alpha: float, beta: float, gamma: float, delta: float, x: ArrayLike, t_x: ArrayLike, n: ArrayLike
) -> np.ndarray:
    r"""Probability that a customer with history (x, t_x, n) is alive at opportunity n + 1 (FHS 2010, eq. 11).

    .. math::
        P(\text{alive at } n+1 \mid x, t_x, n) = \frac{B(\alpha+x, \beta+n-x)}{B(\alpha,\beta)}
        \frac{B(\gamma, \delta+n+1)}{B(\gamma,\delta)} \Big/ L(\alpha,\beta,\gamma,\delta \mid x, t_x, n)

    It is below 1 even for a customer who transacted at every opportunity: the customer may die at the
    start of the next one.

    Parameters
    ----------
    alpha, beta : float
        Shape parameters of the Beta distribution of the transaction probability p across customers (> 0).
    gamma, delta : float
        Shape parameters of the Beta distribution of the dropout probability :math:`\theta` (> 0).

    x, t_x, n : array-like
        Repeat transactions, the opportunity of the last one (0 if none) and the opportunities observed (whole
        numbers, x <= t_x <= n); they broadcast together.

    Returns
    -------
    numpy.ndarray
        P(alive at n + 1), in [0, 1], in the broadcast shape of the arguments.
    """
    log_post = _log_alive_posterior(alpha, beta, gamma, delta, x, t_x, n)
    n = np.asarray(n, dtype=float)
    return np.exp(log_post + np.log(delta + n) - np.log(gamma + delta + n))


def conditional_expected_purchases(
    alpha: float, beta: float, gamma: float, delta: float, x: ArrayLike, t_x: ArrayLike, n: ArrayLike, t: ArrayLike
) -> np.ndarray:
    r"""Expected transactions in the next t opportunities, n + 1, ..., n + t, given the history (FHS 2010, eq. 13).

    .. math::
        E[X(n, n+t) \mid x, t_x, n] = \frac{1}{L}\frac{B(\alpha+x+1, \beta+n-x)}{B(\alpha,\beta)}
        \frac{\delta}{\gamma-1}\frac{\Gamma(\gamma+\delta)}{\Gamma(1+\delta)}
        \Big[\frac{\Gamma(1+\delta+n)}{\Gamma(\gamma+\delta+n)}
        - \frac{\Gamma(1+\delta+n+t)}{\Gamma(\gamma+\delta+n+t)}\Big]

    computed as :math:`\frac{\alpha+x}{\alpha+\beta+n}\,P(\text{alive at } n \mid \cdot)\,G(\gamma, \delta+n, t)`
    (see :func:`pyclv.models._bgbb_sums.expected_alive_opportunities`), which is stable at
    :math:`\gamma = 1`. All arguments broadcast (customers along one axis, horizons along another).

    Parameters
    ----------
    alpha, beta : float
        Shape parameters of the Beta distribution of the transaction probability p across customers (> 0).
    gamma, delta : float
        Shape parameters of the Beta distribution of the dropout probability :math:`\theta` (> 0).

    x, t_x, n : array-like
        Repeat transactions, the opportunity of the last one (0 if none) and the opportunities observed (whole
        numbers, x <= t_x <= n); they broadcast together.
    t : array-like
        Horizon: the next t opportunities (whole numbers >= 0).

    Returns
    -------
    numpy.ndarray
        E[X(n, n + t) | x, t_x, n], in the broadcast shape of the arguments.
    """
    x = np.asarray(x, dtype=float)
    n = np.asarray(n, dtype=float)
    log_post = _log_alive_posterior(alpha, beta, gamma, delta, x, t_x, n)
    mean_p = (alpha + x) / (alpha + beta + n)
    return mean_p * np.exp(log_post) * expected_alive_opportunities(gamma, delta + n, t)


def expected_purchases(alpha: float, beta: float, gamma: float, delta: float, t: ArrayLike) -> np.ndarray:
    r"""Expected transactions of a new customer in its first t opportunities (FHS 2010, eq. 7).

    .. math::
        E[X(t)] = \frac{\alpha}{\alpha+\beta}\frac{\delta}{\gamma-1}
        \Big[1 - \frac{\Gamma(\gamma+\delta)}{\Gamma(1+\delta)}\frac{\Gamma(1+\delta+t)}{\Gamma(\gamma+\delta+t)}\Big]

    Parameters
    ----------
    alpha, beta : float
        Shape parameters of the Beta distribution of the transaction probability p across customers (> 0).
    gamma, delta : float
        Shape parameters of the Beta distribution of the dropout probability :math:`\theta` (> 0).
    t : array-like
        Opportunities since acquisition (whole numbers >= 0).

    Returns
    -------
    numpy.ndarray
        E[X(t)], shaped like ``t``.
    """
    return alpha / (alpha + beta) * expected_alive_opportunities(gamma, delta, np.asarray(t, dtype=float))


def conditional_probability_of_purchases(
    alpha: float,
    beta: float,
    gamma: float,
    delta: float,
    x: ArrayLike,
    t_x: ArrayLike,
    n: ArrayLike,
    k: ArrayLike,
    t: ArrayLike,
) -> np.ndarray:
    r"""Probability of exactly k transactions in the next t opportunities, n + 1, ..., n + t, given the history.

    Given p and :math:`\theta`, a customer alive through opportunity n survives the next j opportunities and
    dies at the start of opportunity n + j + 1 with probability :math:`\theta(1-\theta)^j` (j < t), or
    survives all t with probability :math:`(1-\theta)^t`, and transacts Binomial(j, p) times. Integrating
    over the Beta posteriors,

    .. math::
        P(X(n, n+t) = k \mid x, t_x, n) = \frac{1}{L}\Big[\delta_{k=0}\,(L - A)
        + \sum_{j=k}^{t-1} \binom{j}{k}\frac{B(\alpha+x+k, \beta+n-x+j-k)}{B(\alpha,\beta)}
          \frac{B(\gamma+1, \delta+n+j)}{B(\gamma,\delta)}
        + \binom{t}{k}\frac{B(\alpha+x+k, \beta+n-x+t-k)}{B(\alpha,\beta)}
          \frac{B(\gamma, \delta+n+t)}{B(\gamma,\delta)}\Big]

    where A is the first term of the likelihood (alive through n) and L - A the second (dead by n). With
    the empty history x = t_x = n = 0 this is FHS 2010, eq. (8). All arguments broadcast.

    Parameters
    ----------
    alpha, beta : float
        Shape parameters of the Beta distribution of the transaction probability p across customers (> 0).
    gamma, delta : float
        Shape parameters of the Beta distribution of the dropout probability :math:`\theta` (> 0).

    x, t_x, n : array-like
        Repeat transactions, the opportunity of the last one (0 if none) and the opportunities observed (whole
        numbers, x <= t_x <= n); they broadcast together.
    k : array-like
        Number of transactions (whole numbers >= 0).
    t : array-like
        Horizon: the next t opportunities (whole numbers >= 0).

    Returns
    -------
    numpy.ndarray
        P(X(n, n + t) = k | x, t_x, n), in the broadcast shape of the arguments.
    """
    (xf, tf, nf, kf, hf), shape = flat(x, t_x, n, k, t)
    log_alive, log_dead = _log_components(alpha, beta, gamma, delta, xf, tf, nf)
    ll = np.logaddexp(log_alive, log_dead)
    norm = special.betaln(alpha, beta) + special.betaln(gamma, delta)
    possible = kf <= hf
    km = np.where(possible, kf, 0.0)
    # survives all t opportunities
    total = np.where(
        possible,
        log_binom(hf, km)
        + special.betaln(alpha + xf + km, beta + nf - xf + hf - km)
        + special.betaln(gamma, delta + nf + hf)
        - norm,
        -np.inf,
    )
    total = np.where(kf == 0, np.logaddexp(total, log_dead), total)
    # dies at the start of opportunity n + j + 1, j = k..t-1
    counts = np.where(possible, np.rint(hf - km), 0).astype(np.int64)
    for block in ragged_blocks(counts):
        row, i, starts = ragged(counts[block])
        if len(row) == 0:
            continue
        r = row + block.start
        j = km[r] + i
        terms = (
            log_binom(j, km[r])
            + special.betaln(alpha + xf[r] + km[r], beta + nf[r] - xf[r] + j - km[r])
            + special.betaln(gamma + 1.0, delta + nf[r] + j)
            - norm
        )
        target = np.flatnonzero(counts[block] > 0) + block.start
        total[target] = np.logaddexp(total[target], segment_logsumexp(terms, starts))
    return np.minimum(np.exp(total - ll), 1.0).reshape(shape)


def probability_of_purchases(
    alpha: float, beta: float, gamma: float, delta: float, k: ArrayLike, t: ArrayLike
) -> np.ndarray:
    r"""Probability that a new customer makes exactly k transactions in its first t opportunities (FHS 2010, eq. 8).

    .. math::
        P(X(t) = k) = \binom{t}{k}\frac{B(\alpha+k, \beta+t-k)}{B(\alpha,\beta)}
        \frac{B(\gamma, \delta+t)}{B(\gamma,\delta)}
        + \sum_{i=k}^{t-1}\binom{i}{k}\frac{B(\alpha+k, \beta+i-k)}{B(\alpha,\beta)}
        \frac{B(\gamma+1, \delta+i)}{B(\gamma,\delta)}

    Parameters
    ----------
    alpha, beta : float
        Shape parameters of the Beta distribution of the transaction probability p across customers (> 0).
    gamma, delta : float
        Shape parameters of the Beta distribution of the dropout probability :math:`\theta` (> 0).
    k : array-like
        Number of transactions (whole numbers >= 0).
    t : array-like
        Opportunities since acquisition (whole numbers >= 0).

    Returns
    -------
    numpy.ndarray
        P(X(t) = k), in the broadcast shape of the arguments.
    """
    return conditional_probability_of_purchases(alpha, beta, gamma, delta, 0.0, 0.0, 0.0, k, t)


def dert(
    alpha: float,
    beta: float,
    gamma: float,
    delta: float,
    x: ArrayLike,
    t_x: ArrayLike,
    n: ArrayLike,
    discount: float,
) -> np.ndarray:
    r"""Discounted expected residual transactions (FHS 2010, eq. 14).

    A transaction at opportunity n + t is discounted by :math:`e^{-\text{discount}\, t}`, i.e. by
    :math:`(1+d)^{-t}` with :math:`d = e^{\text{discount}} - 1` the per-period discount rate:

    .. math::
        \mathrm{DERT}(d \mid x, t_x, n) = \frac{B(\alpha+x+1, \beta+n-x)}{B(\alpha,\beta)}
        \frac{B(\gamma, \delta+n+1)}{B(\gamma,\delta)(1+d)}
        \frac{{}_2F_1\big(1, \delta+n+1; \gamma+\delta+n+1; \tfrac{1}{1+d}\big)}
        {L(\alpha,\beta,\gamma,\delta \mid x, t_x, n)}

    The hypergeometric function depends on the customer only through n, so it is summed once per distinct
    n (see :func:`pyclv.models._bgbb_sums.log_discounted_survival`).

    Parameters
    ----------
    alpha, beta : float
        Shape parameters of the Beta distribution of the transaction probability p across customers (> 0).
    gamma, delta : float
        Shape parameters of the Beta distribution of the dropout probability :math:`\theta` (> 0).

    x, t_x, n : array-like
        Repeat transactions, the opportunity of the last one (0 if none) and the opportunities observed (whole
        numbers, x <= t_x <= n); they broadcast together.
    discount : float
        Continuous discount rate per period (> 0): a transaction t periods ahead counts
        :math:`e^{-\text{discount}\, t}`.

    Returns
    -------
    numpy.ndarray
        DERT per customer, in discounted transactions, in the broadcast shape of the arguments.
    """
    if not discount > 0:
        raise ValueError(f"DERT needs a positive discount rate; got {discount!r}.")
    (xf, tf, nf), shape = flat(x, t_x, n)
    log_post = _log_alive_posterior(alpha, beta, gamma, delta, xf, tf, nf)
    un, inverse = np.unique(nf, return_inverse=True)
    log_hyp = log_discounted_survival(gamma, delta + un, discount)[inverse]
    log_value = (
        np.log(alpha + xf)
        - np.log(alpha + beta + nf)
        + log_post
        + np.log(delta + nf)
        - np.log(gamma + delta + nf)
        - discount
        + log_hyp
    )
    return np.exp(log_value).reshape(shape)


def simulate(
    alpha: float, beta: float, gamma: float, delta: float, n: ArrayLike, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Draw (x, t_x, n) for customers observed over n transaction opportunities.

    Each customer gets :math:`p \sim \mathrm{Beta}(\alpha, \beta)` and
    :math:`\theta \sim \mathrm{Beta}(\gamma, \delta)`. It survives a geometric number j of opportunities
    (dying at the start of opportunity j + 1 with probability :math:`\theta(1-\theta)^j`) and transacts at
    each of the first :math:`m = \min(j, n)` with probability p. Reading those m Bernoulli trials backwards,
    the number of trailing misses is geometric: if it is below m, :math:`t_x = m - \text{misses}` and
    :math:`x = 1 + \mathrm{Binomial}(t_x - 1, p)`; else the customer never transacted (x = t_x = 0).

    Parameters
    ----------
    alpha, beta : float
        Shape parameters of the Beta distribution of the transaction probability p across customers (> 0).
    gamma, delta : float
        Shape parameters of the Beta distribution of the dropout probability :math:`\theta` (> 0).
    n : array-like
        Opportunities each customer is observed (whole numbers >= 0; 1-d, one per customer).
    rng : numpy.random.Generator
        Source of the random draws.

    Returns
    -------
    tuple of numpy.ndarray
        ``(x, t_x, n)``: repeat transactions, the opportunity of the last one and the opportunities observed
        (float64).
    """
    n_arr = np.asarray(n, dtype=float)
    size = n_arr.shape[0]
    p = np.asarray(rng.beta(alpha, beta, size=size))
    theta = rng.beta(gamma, delta, size=size)
    with np.errstate(divide="ignore"):
        # floor(log U / log(1 - q)) is Geometric(q) on 0, 1, 2, ... (inf for q = 0, 0 for q = 1)
        survived = np.floor(np.log(rng.random(size)) / np.log1p(-theta))
        misses = np.floor(np.log(rng.random(size)) / np.log1p(-p))
    m = np.minimum(survived, n_arr)
    bought = misses < m
    t_x = np.where(bought, m - np.where(bought, misses, 0.0), 0.0)
    x = np.zeros(size)
    draws = rng.binomial((t_x[bought] - 1.0).astype(np.int64), p[bought])
    x[bought] = draws + 1.0
    return x, t_x, n_arr.copy()


# ---------------------------------------------------------------------------------------------- the class

def _initial_params(arrays: tuple[np.ndarray, ...], weights: np.ndarray) -> np.ndarray:
    # p: transactions per opportunity up to the last transaction; theta: one over the mean number of
    # opportunities up to the last transaction; both as Beta distributions with shape sum 2.
    x, t_x, _ = arrays
    total_tx = float(weights @ t_x)
    p0 = float(np.clip(float(weights @ x) / total_tx if total_tx > 0 else 0.5, 0.05, 0.95))
    mean_tx = float(weights @ t_x) / float(weights.sum())
    theta0 = float(np.clip(1.0 / (1.0 + mean_tx), 0.05, 0.95))
    return np.array([2.0 * p0, 2.0 * (1.0 - p0), 2.0 * theta0, 2.0 * (1.0 - theta0)])


# numpydoc's checker reads one file's syntax tree: it cannot see the constructor, inherited from BaseModel, that
# these Parameters describe, hence the PR02 exemption.
class BetaGeoBetaBinom(TransactionModel):  # numpydoc ignore=PR02
    r"""The BG/BB model of repeat transactions at discrete opportunities (Fader, Hardie & Shang 2010).

    Parameters
    ----------
    penalizer : float, default 0.0
        L2 penalty on the parameters (see :class:`pyclv.models._base.BaseModel`).
    max_iterations : int, default 2000
        Iteration limit of the optimizer.

    Attributes
    ----------
    params_ : pandas.Series
        ``alpha``, ``beta`` (heterogeneity of the transaction probability p, Beta), ``gamma``, ``delta``
        (heterogeneity of the dropout probability :math:`\theta`, Beta).
    log_likelihood_, covariance_, standard_errors_, n_customers_, time_unit_, converged_

    Notes
    -----
    The data are a summary with whole-number columns ``frequency`` (x, repeat transactions), ``recency``
    (:math:`t_x`, the opportunity of the last transaction, 0 if none) and ``n_periods`` (n, the number of
    opportunities observed), with :math:`x \le t_x \le n`; compressed data take the pattern counts as
    ``fit(data, weights="weights")``. Horizons are whole numbers of periods. The log-likelihood is FHS
    2010 eq. (5); predictions are eqs. (7), (8), (11), (13) and (14). :meth:`p_alive` is the probability of
    being alive at opportunity n + 1 (eq. 11). A discount rate is converted per period with the model's
    time unit (``"Y"`` for yearly opportunities): a transaction t periods ahead is discounted by
    :math:`e^{-\delta t}`.

    References
    ----------
    Fader, Hardie & Shang (2010), Marketing Science 29(6), 1086-1108.

    Examples
    --------
    >>> import pyclv
    >>> from pyclv.models.beta_geo_beta_binom import BetaGeoBetaBinom
    >>> donations = pyclv.datasets.load_donations()
    >>> model = BetaGeoBetaBinom().fit(donations, weights="weights")
    >>> model.params_.round(3).to_dict()
    {'alpha': 1.204, 'beta': 0.75, 'gamma': 0.657, 'delta': 2.783}
    >>> round(model.log_likelihood_, 1)
    -33225.6
    """

    _params = (Param("alpha"), Param("beta"), Param("gamma"), Param("delta"))
    _mixings = (
        Mixing("beta", ("alpha", "beta"), "purchase probability per opportunity"),
        Mixing("beta", ("gamma", "delta"), "dropout probability per opportunity",
               "nobody drops out, P(alive) is about 1 and the model is in effect a beta-binomial"),
    )
    _functions = TransactionFunctions(
        initial_params=_initial_params,
        loglik=loglik,
        loglik_grad=loglik_grad,
        p_alive=p_alive,
        conditional_expected_purchases=conditional_expected_purchases,
        expected_purchases=expected_purchases,
        probability_of_purchases=probability_of_purchases,
        conditional_probability_of_purchases=conditional_probability_of_purchases,
        simulate=simulate,
        dert=dert,
    )
    columns = ("frequency", "recency", "n_periods")
    discrete = True

    # -- data: the discrete-time checks on top of the shared validation
    def _check_discrete(self, x: np.ndarray, t_x: np.ndarray, n: np.ndarray, index: pd.Index) -> None:
        f_col, r_col, n_col = self.columns
        for values, column in ((t_x, r_col), (n, n_col)):
            bad = values != np.floor(values)
            if bad.any():
                raise DataValidationError(
                    f"Column {column!r}: {int(bad.sum())} row(s) are not whole numbers (e.g. customer id(s) "
                    f"{', '.join(map(str, index[bad][:3]))}); {type(self).__name__} counts discrete "
                    "transaction opportunities.",
                    column=column,
                    n_rows=int(bad.sum()),
                )
        bad = (x > 0) & (x > t_x)
        if bad.any():
            raise DataValidationError(
                f"Column {f_col!r}: {int(bad.sum())} row(s) have {f_col} > {r_col} (e.g. customer id(s) "
                f"{', '.join(map(str, index[bad][:3]))}); a customer cannot transact more often than at every "
                f"opportunity up to its last transaction.",
                column=f_col,
                n_rows=int(bad.sum()),
            )

    def _arrays(self, data: pd.DataFrame) -> tuple[tuple[np.ndarray, ...], np.ndarray]:
        arrays, mask = super()._arrays(data)
        x, t_x, n = arrays
        self._check_discrete(x, t_x, n, data.index)
        return arrays, mask

    def history(self, data: pd.DataFrame) -> History:
        """Validated (x, t_x, n) of a summary with its index: whole numbers with x <= t_x.

        Parameters
        ----------
        data : pandas.DataFrame
            Summary with ``frequency``, ``recency`` and ``n_periods``.

        Returns
        -------
        History
        """
        history = super().history(data)
        x, t_x, n = history.values
        self._check_discrete(x, t_x, n, history.index)
        return history
