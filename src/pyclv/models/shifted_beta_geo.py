r"""sBG: the shifted-beta-geometric model of contractual retention (Fader & Hardie 2007).

In a contractual setting (subscriptions, memberships, insurance policies) a customer is acquired at the
start of period 1 and, at the end of each period, either renews or leaves for good. While a customer, it
leaves at each renewal opportunity with a constant churn probability :math:`\theta`, so the period T in which
it is lost is shifted-geometric: :math:`P(T = t \mid \theta) = \theta (1-\theta)^{t-1}`, t = 1, 2, ....
Across customers :math:`\theta \sim \mathrm{Beta}(\alpha, \beta)`. Integrating over :math:`\theta` gives

.. math::
    P(T = t) = \frac{B(\alpha+1, \beta+t-1)}{B(\alpha, \beta)}, \qquad
    S(t) = P(T > t) = \frac{B(\alpha, \beta+t)}{B(\alpha, \beta)}, \qquad
    r_t = \frac{S(t)}{S(t-1)} = \frac{\beta+t-1}{\alpha+\beta+t-1}.

The retention rate :math:`r_t` rises with tenure although no customer's own churn probability changes: the
customers who churn easily leave first (the sorting effect of a heterogeneous cohort).

A customer is summarised by ``periods`` (n >= 1, the number of periods it was observed) and ``churned``:
``churned=True`` means it was lost in period n (T = n; it made n - 1 renewals); ``churned=False`` means it
was still active after n periods (T > n; it made n renewals). A cohort table of survivors becomes such data,
one row per (periods, churned) pattern with a weight, with :func:`survivors_to_data`.

The module holds the mathematics as pure, broadcasting functions of ``(alpha, beta)`` and the data;
:class:`ShiftedBetaGeo` is the thin estimator around them.

References
----------
Fader, P. S. and Hardie, B. G. S. (2007). How to project customer retention. *Journal of Interactive
Marketing*, 21(1), 76-90.

Fader, P. S. and Hardie, B. G. S. (2010). Customer-base valuation in a contractual setting: the perils of
ignoring heterogeneity. *Marketing Science*, 29(1), 85-93.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pandas as pd
from scipy import special

from pyclv._time import rate_per_unit
from pyclv._validation.summaries import check_unique_ids
from pyclv.exceptions import DataValidationError
from pyclv.models._base import BaseModel
from pyclv.models._functions import RetentionFunctions
from pyclv.models._history import History
from pyclv.models._identification import Mixing
from pyclv.models._params import Param
from pyclv.models._retention_data import survivors_to_data, validate_retention_data

__all__ = [
    "ShiftedBetaGeo",
    "churn_probability",
    "derl",
    "discounted_expected_lifetime",
    "loglik",
    "loglik_grad",
    "retention_rate",
    "simulate",
    "survival",
    "survivors_to_data",
    "validate_retention_data",
]

ArrayLike = np.ndarray | float

# Step and upper end of the trapezoidal rule in log-time used by _discounted_renewals (see its docstring).
_LOG_STEP = 0.1
_LOG_UPPER = float(np.log(50.0))
_CHUNK = 2048


# ---------------------------------------------------------------------------------------------------------
# The distribution of the churn period
# ---------------------------------------------------------------------------------------------------------


def churn_probability(alpha: float, beta: float, t: ArrayLike) -> np.ndarray:
    r"""Probability that a new customer is lost in period t (it makes t - 1 renewals), t = 1, 2, ....

    .. math:: P(T = t \mid \alpha, \beta) = \frac{B(\alpha+1, \beta+t-1)}{B(\alpha, \beta)}

    (FH 2007, eq. 7 gives it as the recursion :math:`P(T=1) = \alpha/(\alpha+\beta)`,
    :math:`P(T=t) = \frac{\beta+t-2}{\alpha+\beta+t-1} P(T=t-1)`). Computed in log space.

    Parameters
    ----------
    alpha, beta : float
        Shape parameters of the Beta distribution of the churn probability across customers (> 0).
    t : array-like
        Periods, t = 1, 2, ...

    Returns
    -------
    numpy.ndarray
        P(T = t), shaped like ``t``.
    """
    t = np.asarray(t, dtype=float)
    return np.exp(special.betaln(alpha + 1.0, beta + t - 1.0) - special.betaln(alpha, beta))


def survival(alpha: float, beta: float, t: ArrayLike) -> np.ndarray:
    r"""Probability that a new customer is still active after t periods (has made t renewals), t = 0, 1, ....

    .. math:: S(t \mid \alpha, \beta) = P(T > t) = \frac{B(\alpha, \beta+t)}{B(\alpha, \beta)}

    (FH 2007 compute it as :math:`S(t) = S(t-1) - P(T=t)`, S(0) = 1). Computed in log space.

    Parameters
    ----------
    alpha, beta : float
        Shape parameters of the Beta distribution of the churn probability across customers (> 0).
    t : array-like
        Periods since acquisition, t = 0, 1, ...

    Returns
    -------
    numpy.ndarray
        S(t), shaped like ``t``.
    """
    t = np.asarray(t, dtype=float)
    return np.exp(special.betaln(alpha, beta + t) - special.betaln(alpha, beta))


def retention_rate(alpha: float, beta: float, t: ArrayLike) -> np.ndarray:
    r"""Retention rate of period t, t = 1, 2, ... (FH 2007).

    The share of the customers active after t - 1 periods that renew at the end of period t:

    .. math:: r_t = \frac{S(t)}{S(t-1)} = \frac{\beta+t-1}{\alpha+\beta+t-1}

    Parameters
    ----------
    alpha, beta : float
        Shape parameters of the Beta distribution of the churn probability across customers (> 0).
    t : array-like
        Periods, t = 1, 2, ...

    Returns
    -------
    numpy.ndarray
        :math:`r_t`, shaped like ``t``.
    """
    t = np.asarray(t, dtype=float)
    return (beta + t - 1.0) / (alpha + beta + t - 1.0)


def loglik(alpha: float, beta: float, periods: ArrayLike, churned: ArrayLike) -> np.ndarray:
    r"""Per-customer log-likelihood of the sBG model (FH 2007, appendix eq. B3, one customer at a time).

    .. math::
        \ell = \begin{cases} \log B(\alpha+1, \beta+n-1) - \log B(\alpha, \beta) & \text{churned in period } n
        \ (T = n),\\ \log B(\alpha, \beta+n) - \log B(\alpha, \beta) & \text{active after } n \text{ periods}
        \ (T > n). \end{cases}

    ``churned`` is a boolean (or 0/1) array. Exact log-beta functions keep the values finite for n in the
    hundreds of thousands and parameters from 1e-3 to 1e3.

    Parameters
    ----------
    alpha, beta : float
        Shape parameters of the Beta distribution of the churn probability across customers (> 0).

    periods : array-like
        Whole periods each customer was observed (n >= 1).
    churned : array-like
        True (or 1) where the customer was lost in its last observed period, False (or 0) where it was still
        active after it; broadcasts with ``periods``.

    Returns
    -------
    numpy.ndarray
        Each customer's log-likelihood, in the broadcast shape of the data.
    """
    periods = np.asarray(periods, dtype=float)
    lost = np.asarray(churned) > 0.5
    log_b = special.betaln(alpha, beta)
    return np.where(
        lost,
        special.betaln(alpha + 1.0, beta + periods - 1.0),
        special.betaln(alpha, beta + periods),
    ) - log_b


def loglik_grad(alpha: float, beta: float, periods: np.ndarray, churned: np.ndarray) -> np.ndarray:
    r"""Gradient of :func:`loglik` with respect to ``(alpha, beta)``, one row per customer.

    With :math:`\psi` the digamma function and :math:`\partial_x \log B(x, y) = \psi(x) - \psi(x+y)`:
    for churned customers :math:`\partial_\alpha = \psi(\alpha+1) - \psi(\alpha)
    - \psi(\alpha+\beta+n) + \psi(\alpha+\beta)` and :math:`\partial_\beta = \psi(\beta+n-1) - \psi(\beta)
    - \psi(\alpha+\beta+n) + \psi(\alpha+\beta)`; for active ones :math:`\partial_\alpha = \psi(\alpha+\beta)
    - \psi(\alpha+\beta+n)` and :math:`\partial_\beta = \psi(\beta+n) - \psi(\beta) - \psi(\alpha+\beta+n)
    + \psi(\alpha+\beta)`. (:math:`\psi(\alpha+1) - \psi(\alpha) = 1/\alpha`.)

    Parameters
    ----------
    alpha, beta : float
        Shape parameters of the Beta distribution of the churn probability across customers (> 0).

    periods : numpy.ndarray
        Whole periods each customer was observed (1-d, n >= 1).
    churned : numpy.ndarray
        True (or 1) where the customer was lost in its last observed period.

    Returns
    -------
    numpy.ndarray
        Shape (customers, 2): the derivatives in alpha and beta.
    """
    periods = np.asarray(periods, dtype=float)
    lost = np.asarray(churned) > 0.5
    psi_ab = special.digamma(alpha + beta)
    psi_abn = special.digamma(alpha + beta + periods)
    psi_b = special.digamma(beta)
    common = psi_ab - psi_abn
    d_alpha = np.where(lost, 1.0 / alpha, 0.0) + common
    d_beta = np.where(lost, special.digamma(beta + periods - 1.0), special.digamma(beta + periods)) - psi_b + common
    return np.stack([d_alpha, d_beta], axis=-1)


def p_alive(alpha: float, beta: float, periods: ArrayLike, churned: ArrayLike) -> np.ndarray:
    r"""Probability that a customer renews at its next renewal opportunity, given its history.

    A customer active after n periods has churn probability :math:`\theta \mid T > n \sim
    \mathrm{Beta}(\alpha, \beta+n)`, so it renews at the end of period n + 1 with probability

    .. math:: P(T > n+1 \mid T > n) = r_{n+1} = \frac{\beta+n}{\alpha+\beta+n};

    a churned customer has left for good (0).

    Parameters
    ----------
    alpha, beta : float
        Shape parameters of the Beta distribution of the churn probability across customers (> 0).

    periods : array-like
        Whole periods each customer was observed (n >= 1).
    churned : array-like
        True (or 1) where the customer was lost in its last observed period, False (or 0) where it was still
        active after it; broadcasts with ``periods``.

    Returns
    -------
    numpy.ndarray
        The probability of the next renewal, in [0, 1] (0 for churned customers).
    """
    periods = np.asarray(periods, dtype=float)
    lost = np.asarray(churned) > 0.5
    return np.where(lost, 0.0, (beta + periods) / (alpha + beta + periods))


# ---------------------------------------------------------------------------------------------------------
# Discounted expected (residual) lifetime
# ---------------------------------------------------------------------------------------------------------


def _discounted_renewals(alpha: float, b: ArrayLike, d: float) -> np.ndarray:
    r"""``b/(alpha+b) 2F1(1, b+1; alpha+b+1; 1/(1+d))`` for b > 0, d > 0, by the trapezoidal rule in log-time.

    It is the expected discounted number of renewals of a customer whose churn probability is
    :math:`\mathrm{Beta}(\alpha, b)`, the first renewal undiscounted, i.e. :math:`E[\rho / (1 - \rho/(1+d))]`
    with :math:`\rho = 1 - \theta`.

    scipy's ``hyp2f1`` returns NaN here once b reaches the thousands with 1/(1+d) near 1 (monthly or weekly
    periods), and the Gauss series needs :math:`O(1/d)` terms. With m = alpha + b and z = 1/(1+d), Euler's
    transformation gives :math:`{}_2F_1(1, b+1; m+1; z) = E[m/(m+K)]/(1-z)` with K negative binomial
    :math:`(\alpha, z)`, and :math:`m/(m+K) = \int_0^\infty e^{-s} e^{-sK/m} ds` turns this into

    .. math::
        {}_2F_1(1, b+1; m+1; z) = \frac{1+d}{d} \int_0^\infty e^{-s}
        \Big(1 + \frac{1 - e^{-s/m}}{d}\Big)^{-\alpha} ds,

    a smooth integral of positive terms. In :math:`v = \log s` the integrand is analytic in a strip and decays
    exponentially at both ends, so the trapezoidal rule with step 0.1 is accurate to about 1e-14 (checked
    against arbitrary precision over alpha, b in 1e-3..1e5 and d in 1e-6..100). The lower end of the grid
    leaves out at most :math:`e^{-40}` of the integral (by Jensen, the integral exceeds
    :math:`1/(1 + \alpha/(m d))`), the upper end at most :math:`e^{-50}`.
    """
    b = np.asarray(b, dtype=float)
    m = (alpha + b).ravel()
    integral = np.empty(m.shape)
    for start in range(0, m.size, _CHUNK):  # bounded memory: _CHUNK rows of about 500-1000 nodes
        m_col = m[start : start + _CHUNK, None]
        lowest = float(np.min(-40.0 - np.log1p(alpha / (m_col * d))))
        v = np.arange(lowest, _LOG_UPPER + _LOG_STEP, _LOG_STEP)
        s = np.exp(v)
        log_integrand = v - s - alpha * np.log1p(-np.expm1(-s / m_col) / d)
        integral[start : start + _CHUNK] = _LOG_STEP * np.exp(log_integrand).sum(axis=1)
    return b / (alpha + b) * (1.0 + d) / d * integral.reshape(b.shape)


def derl(alpha: float, beta: float, renewals: ArrayLike, d: float) -> np.ndarray:
    r"""Discounted expected residual lifetime of an active customer that has made ``renewals`` renewals.

    FH 2010, eq. 6, with their n - 1 = ``renewals``:

    .. math::
        \mathrm{DERL}(d \mid \alpha, \beta, n-1 \text{ renewals})
        = \sum_{t=n}^{\infty} \frac{S(t)}{S(n-1)} \frac{1}{(1+d)^{t-n}}
        = \frac{\beta+n-1}{\alpha+\beta+n-1}\,
          {}_2F_1\Big(1, \beta+n; \alpha+\beta+n; \frac{1}{1+d}\Big).

    FH's convention: we stand at the end of period n, just before the customer's next renewal decision; each
    future renewal is one payment, the imminent one undiscounted and the k-th later one discounted by
    :math:`(1+d)^{-k}`. Multiply by the margin per period for the residual value. At d = 0 the sum is
    :math:`(\beta+n-1)/(\alpha-1)` for :math:`\alpha > 1` and infinite otherwise.

    Parameters
    ----------
    alpha, beta : float
        The sBG parameters.
    renewals : array-like
        Renewals made so far (n - 1 >= 0), i.e. the periods a still-active customer has been observed.
    d : float
        Discount rate per period (d >= 0).

    Returns
    -------
    numpy.ndarray
        DERL per value of ``renewals``, in payments (infinite at d = 0 when alpha <= 1).

    Raises
    ------
    ValueError
        If ``d`` is negative or not finite.
    """
    if not (np.isfinite(d) and d >= 0.0):
        raise ValueError(f"The discount rate per period must be finite and >= 0; got {d!r}.")
    renewals = np.asarray(renewals, dtype=float)
    b = beta + renewals
    if d == 0.0:
        return np.full(b.shape, np.inf) if alpha <= 1.0 else b / (alpha - 1.0)
    return _discounted_renewals(alpha, b, d)


def discounted_expected_lifetime(alpha: float, beta: float, d: float) -> float:
    r"""Discounted expected lifetime of a customer about to be acquired (FH 2010).

    .. math:: \mathrm{DEL}(d \mid \alpha, \beta) = \sum_{t=0}^{\infty} \frac{S(t)}{(1+d)^t}
              = {}_2F_1\Big(1, \beta; \alpha+\beta; \frac{1}{1+d}\Big)
              = 1 + \frac{\mathrm{DERL}(d \mid 0)}{1+d},

    counting the first payment (t = 0, undiscounted) and each renewal after it.

    Parameters
    ----------
    alpha, beta : float
        Shape parameters of the Beta distribution of the churn probability across customers (> 0).
    d : float
        Discount rate per period (d >= 0).

    Returns
    -------
    float
        DEL, in payments.

    Raises
    ------
    ValueError
        If ``d`` is negative or not finite.
    """
    if not (np.isfinite(d) and d >= 0.0):
        raise ValueError(f"The discount rate per period must be finite and >= 0; got {d!r}.")
    return float(1.0 + derl(alpha, beta, np.array([0.0]), d)[0] / (1.0 + d))


# ---------------------------------------------------------------------------------------------------------
# Simulation and data
# ---------------------------------------------------------------------------------------------------------


def simulate(
    alpha: float, beta: float, periods: ArrayLike, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    r"""Draw (periods, churned) for customers observed for ``periods`` periods each.

    Each customer gets :math:`\theta \sim \mathrm{Beta}(\alpha, \beta)` and a churn period
    :math:`T = \lceil \log U / \log(1-\theta) \rceil` (shifted-geometric by inversion, U uniform); it is
    recorded as churned in period T if T <= periods, else as active after ``periods`` periods.

    Parameters
    ----------
    alpha, beta : float
        Shape parameters of the Beta distribution of the churn probability across customers (> 0).
    periods : array-like
        Periods each customer is observed (whole numbers >= 1; 1-d, one per customer).
    rng : numpy.random.Generator
        Source of the random draws.

    Returns
    -------
    tuple of numpy.ndarray
        ``(periods, churned)``: the periods observed (the churn period for churned customers, float64) and
        whether each customer churned (bool).
    """
    periods = np.asarray(periods, dtype=float)
    theta = rng.beta(alpha, beta, size=periods.shape)
    u = 1.0 - rng.uniform(size=periods.shape)  # in (0, 1]
    with np.errstate(divide="ignore", invalid="ignore"):
        churn_period = np.ceil(np.log(u) / np.log1p(-theta))
    churn_period = np.where(np.isfinite(churn_period), np.maximum(churn_period, 1.0), np.inf)
    churned = churn_period <= periods
    return np.where(churned, churn_period, periods), churned


def _initial_params(arrays: tuple[np.ndarray, ...], weights: np.ndarray) -> np.ndarray:
    # Match the empirical retention rates of periods 1 and 2 (life-table hazards): r_1 = beta / s and
    # r_2 = (beta + 1) / (s + 1) with s = alpha + beta give s = (1 - r_2) / (r_2 - r_1). Without two usable
    # periods, or without the rise in retention that heterogeneity implies, use s = 1 around the pooled
    # churn rate (churn events per period at risk).
    periods, churned = arrays
    lost = churned > 0.5
    n_lost = float(weights @ lost)
    if n_lost <= 0:
        raise DataValidationError(
            "ShiftedBetaGeo cannot be fitted: no customer churned (column 'churned' is False in every row with "
            "a positive weight), so the data say nothing about churn. Use a longer observation period.",
            column="churned",
            n_rows=int(np.count_nonzero(weights > 0)),
        )
    pooled = min(max(n_lost / float(weights @ periods), 1e-3), 1.0 - 1e-3)
    s = 1.0
    at_risk = np.array([float(weights @ (periods >= t)) for t in (1, 2)])
    lost_in = np.array([float(weights @ (lost & (periods == t))) for t in (1, 2)])
    if np.all(at_risk > 0):
        r1, r2 = 1.0 - lost_in / at_risk
        if 0.0 < r1 < r2 < 1.0:
            s = float(np.clip((1.0 - r2) / (r2 - r1), 1e-2, 1e3))
            return np.array([(1.0 - r1) * s, r1 * s])
    return np.array([pooled * s, (1.0 - pooled) * s])


# ---------------------------------------------------------------------------------------------------------
# The estimator
# ---------------------------------------------------------------------------------------------------------


# numpydoc's checker reads one file's syntax tree: it cannot see the constructor, inherited from BaseModel, that
# these Parameters describe, hence the PR02 exemption.
class ShiftedBetaGeo(BaseModel):  # numpydoc ignore=PR02
    r"""The shifted-beta-geometric (sBG) model of contractual retention (Fader & Hardie 2007).

    Parameters
    ----------
    penalizer : float, default 0.0
        L2 penalty on the parameters (see :class:`pyclv.models._base.BaseModel`).
    max_iterations : int, default 2000
        Iteration limit of the optimizer.

    Attributes
    ----------
    params_ : pandas.Series
        ``alpha``, ``beta``: the Beta distribution of the churn probability across customers (mean churn
        probability :math:`\alpha/(\alpha+\beta)`).
    log_likelihood_, covariance_, standard_errors_, n_customers_, time_unit_, converged_

    Notes
    -----
    Data: one row per customer (or per pattern, with ``weights``) with ``periods`` (n >= 1, whole periods
    observed) and ``churned`` (True if lost in period n, False if still active after n periods). The
    log-likelihood is FH 2007 (appendix, eq. B3); predictions are the survival curve, retention rates, the
    probability of the next renewal and FH 2010's discounted expected residual lifetime. The period's length
    is the model's ``time_unit_`` (from ``data.attrs["time_unit"]``, e.g. set by :func:`survivors_to_data`),
    used to turn an annual discount rate into one per period.

    References
    ----------
    Fader & Hardie (2007), Journal of Interactive Marketing 21(1), 76-90.

    Fader & Hardie (2010), Marketing Science 29(1), 85-93.

    Examples
    --------
    The "high end" cohort of FH 2007, fitted on its first seven years:

    >>> from pyclv.models.shifted_beta_geo import ShiftedBetaGeo, survivors_to_data
    >>> cohort = survivors_to_data([1000, 869, 743, 653, 593, 551, 517, 491], time_unit="Y")
    >>> model = ShiftedBetaGeo().fit(cohort, weights="weights")
    >>> model.params_.round(3).to_dict()
    {'alpha': 0.668, 'beta': 3.806}
    >>> round(model.log_likelihood_, 2)
    -1611.16
    >>> model.survival([8, 12]).round(3)
    array([0.46 , 0.378])
    """

    _params = (Param("alpha"), Param("beta"))
    _mixings = (Mixing("beta", ("alpha", "beta"), "churn probability per period", "nobody churns"),)

    _functions = RetentionFunctions(
        loglik=loglik,
        loglik_grad=loglik_grad,
        initial_params=_initial_params,
        p_alive=p_alive,
        derl=derl,
        simulate=simulate,
    )
    columns: ClassVar[tuple[str, str]] = ("periods", "churned")

    def _arrays(self, data: pd.DataFrame) -> tuple[tuple[np.ndarray, ...], np.ndarray]:
        periods, churned = validate_retention_data(data)
        return (periods, churned.astype(float)), np.ones(len(periods), dtype=bool)

    # -- the prediction contract
    def history(self, data: pd.DataFrame) -> History:
        """Validated (periods, churned) of ``data`` with its index, refusing data in another time unit.

        Parameters
        ----------
        data : pandas.DataFrame
            ``periods`` and ``churned`` per customer.

        Returns
        -------
        History
            ``periods`` as float64, ``churned`` as bool.
        """
        self.check_fitted()
        periods, churned = validate_retention_data(data)
        self._check_time_unit_of(data, "periods")
        check_unique_ids(data.index)
        return History(data.index, self.columns, (periods, churned))

    def p_alive_at(self, theta: np.ndarray, history: History) -> np.ndarray:
        """The probability of the next renewal per customer at the parameters ``theta`` (see :meth:`p_alive`).

        Parameters
        ----------
        theta : numpy.ndarray
            Natural parameters (alpha, beta).
        history : History
            From :meth:`history`.

        Returns
        -------
        numpy.ndarray
        """
        return self._functions.p_alive(*theta, *history.values)

    def derl_at(self, theta: np.ndarray, history: History, d: float) -> np.ndarray:
        """DERL per customer at the parameters ``theta`` and discount rate per period ``d`` (see :meth:`derl`).

        Parameters
        ----------
        theta : numpy.ndarray
            Natural parameters (alpha, beta).
        history : History
            From :meth:`history`.
        d : float
            Discount rate per period (>= 0).

        Returns
        -------
        numpy.ndarray
            0 for churned customers.
        """
        periods, churned = history.values
        values = np.zeros(len(periods))
        active = ~churned
        if active.any():
            distinct, inverse = np.unique(periods[active], return_inverse=True)
            values[active] = self._functions.derl(*theta, distinct, d)[inverse]
        return values

    # -- helpers
    @property
    def _alpha_beta(self) -> tuple[float, float]:
        alpha, beta = self.theta
        return float(alpha), float(beta)

    @staticmethod
    def _whole_periods(t: ArrayLike, minimum: int, name: str = "t") -> np.ndarray:
        values = np.asarray(t, dtype=float)
        if not np.all(np.isfinite(values) & (values >= minimum) & (values == np.floor(values))):
            raise ValueError(f"{name} must be whole numbers of periods >= {minimum}; got {t!r}.")
        return values

    @staticmethod
    def _float_or_array(values: np.ndarray, like: ArrayLike) -> float | np.ndarray:
        return float(values) if np.ndim(like) == 0 else values

    def _rate_per_period(self, annual_discount_rate: float) -> float:
        """d, the discount rate per period equivalent to an effective annual rate (d = exp(delta) - 1)."""
        if not (np.isfinite(annual_discount_rate) and annual_discount_rate >= 0):
            raise ValueError(
                f"annual_discount_rate must be a finite number >= 0 (with a negative rate the discounted lifetime "
                f"is infinite); got {annual_discount_rate!r}."
            )
        if annual_discount_rate > 0 and self.time_unit_ is None:
            raise ValueError(
                "An annual discount rate needs the length of the model's period (its time unit): build the data "
                "with survivors_to_data(..., time_unit='Y') or set data.attrs['time_unit'] before fitting, or use "
                "ShiftedBetaGeo.from_params(..., time_unit='M')."
            )
        return float(np.expm1(rate_per_unit(annual_discount_rate, self.time_unit_)))

    # -- public predictions
    def survival(self, t: int | ArrayLike) -> float | np.ndarray:
        r"""Probability that a new customer is still active after t periods (t = 0, 1, ...).

        :math:`S(t) = B(\alpha, \beta+t) / B(\alpha, \beta)`: the expected share of a cohort left after t
        periods.

        Parameters
        ----------
        t : int or array-like of int
            Whole periods since acquisition (>= 0).

        Returns
        -------
        float or numpy.ndarray
            A float for a scalar ``t``, else an array shaped like ``t``.
        """
        self.check_fitted()
        values = self._whole_periods(t, 0)
        return self._float_or_array(survival(*self._alpha_beta, values), t)

    def churn_probability(self, t: int | ArrayLike) -> float | np.ndarray:
        r"""Probability that a new customer is lost in period t, :math:`P(T = t)` (t = 1, 2, ...).

        Parameters
        ----------
        t : int or array-like of int
            Whole periods since acquisition (>= 1).

        Returns
        -------
        float or numpy.ndarray
            A float for a scalar ``t``, else an array shaped like ``t``.
        """
        self.check_fitted()
        values = self._whole_periods(t, 1)
        return self._float_or_array(churn_probability(*self._alpha_beta, values), t)

    def retention_rate(self, t: int | ArrayLike) -> float | np.ndarray:
        r"""Retention rate of period t, :math:`r_t = (\beta+t-1)/(\alpha+\beta+t-1)` (t = 1, 2, ...).

        The share of the customers active after t - 1 periods that are still active after t. It rises with t.

        Parameters
        ----------
        t : int or array-like of int
            Whole periods since acquisition (>= 1).

        Returns
        -------
        float or numpy.ndarray
            A float for a scalar ``t``, else an array shaped like ``t``.
        """
        self.check_fitted()
        values = self._whole_periods(t, 1)
        return self._float_or_array(retention_rate(*self._alpha_beta, values), t)

    def p_alive(self, data: pd.DataFrame) -> pd.Series:
        r"""Probability that each customer renews at its next renewal opportunity.

        In a contractual setting a customer's status is observed, so "alive" here looks one renewal ahead:
        for a customer still active after n = ``periods`` periods it is :math:`P(T > n+1 \mid T > n) =
        (\beta+n)/(\alpha+\beta+n)` (the posterior mean of its retention probability); a churned customer
        has left for good and gets 0.

        Parameters
        ----------
        data : pandas.DataFrame
            ``periods`` and ``churned`` per customer.

        Returns
        -------
        pandas.Series
            Named ``p_alive``, aligned to ``data.index``.
        """
        history = self.history(data)
        return pd.Series(self.p_alive_at(self.theta, history), index=history.index, name="p_alive")

    def derl(self, data: pd.DataFrame, *, annual_discount_rate: float) -> pd.Series:
        r"""Discounted expected residual lifetime per customer (FH 2010, eq. 6), in renewals.

        For a customer still active after n = ``periods`` periods (n renewals, FH's n - 1), standing at the end
        of its current period just before its next renewal decision (FH's convention):

        .. math::
            \mathrm{DERL} = \sum_{k=0}^{\infty} \frac{S(n+1+k)}{S(n)} \frac{1}{(1+d)^k}
            = \frac{\beta+n}{\alpha+\beta+n}\, {}_2F_1\Big(1, \beta+n+1; \alpha+\beta+n+1; \frac{1}{1+d}\Big):

        the expected number of future renewals (payments), the imminent one undiscounted. Divide by
        :math:`1+d` to value them one period earlier, at the last observed renewal. Churned customers get 0.
        Multiply by the margin per period for the residual lifetime value.

        Parameters
        ----------
        data : pandas.DataFrame
            ``periods`` and ``churned`` per customer.
        annual_discount_rate : float
            Effective annual rate (>= 0), converted to the period's rate :math:`d = e^\delta - 1` with
            :math:`\delta` from :func:`pyclv._time.rate_per_unit` and the model's ``time_unit_``. At 0 the
            DERL is :math:`(\beta+n)/(\alpha-1)` if :math:`\alpha > 1`, else infinite.

        Returns
        -------
        pandas.Series
            Named ``derl``, aligned to ``data.index``.

        Raises
        ------
        ValueError
            If the rate is negative or not finite, or a non-zero rate is given to a model without a time unit.
        """
        history = self.history(data)
        d = self._rate_per_period(annual_discount_rate)
        return pd.Series(self.derl_at(self.theta, history, d), index=history.index, name="derl")

    def discounted_expected_lifetime(self, *, annual_discount_rate: float) -> float:
        r"""Discounted expected lifetime of a customer about to be acquired, in payments (FH 2010).

        :math:`\sum_{t \ge 0} S(t)/(1+d)^t`, the first payment included and undiscounted.

        Parameters
        ----------
        annual_discount_rate : float
            Effective annual rate (>= 0), converted to the period's rate as in :meth:`derl`.

        Returns
        -------
        float
            DEL, in payments (infinite at a zero rate when alpha <= 1).

        Raises
        ------
        ValueError
            If the rate is negative or not finite, or a non-zero rate is given to a model without a time unit.
        """
        self.check_fitted()
        d = self._rate_per_period(annual_discount_rate)
        alpha, beta = self._alpha_beta
        if d == 0.0:
            return float(np.inf) if alpha <= 1.0 else float((alpha + beta - 1.0) / (alpha - 1.0))
        return discounted_expected_lifetime(alpha, beta, d)

    def simulate(
        self, n_customers: int, periods: int | ArrayLike, *, seed: int | np.random.Generator | None = None
    ) -> pd.DataFrame:
        """Simulate customers from the fitted model, each observed for ``periods`` periods.

        Parameters
        ----------
        n_customers : int
            Number of customers.
        periods : int or array-like of int
            Periods each customer is observed (>= 1): one number, or one per customer.
        seed : int or numpy.random.Generator, optional
            Seed for reproducibility.

        Returns
        -------
        pandas.DataFrame
            ``periods`` (int) and ``churned`` (bool), indexed by ``customer_id`` 0..n-1, with
            ``attrs["time_unit"]`` set to the model's.
        """
        self.check_fitted()
        n = int(n_customers)
        if n < 0:
            raise ValueError(f"n_customers must be >= 0; got {n_customers!r}.")
        window = np.broadcast_to(self._whole_periods(periods, 1, "periods"), (n,))
        rng = np.random.default_rng(seed)
        observed, churned = simulate(*self._alpha_beta, window, rng)
        data = pd.DataFrame(
            {"periods": observed.astype(np.int64), "churned": churned},
            index=pd.RangeIndex(n, name="customer_id"),
        )
        data.attrs["time_unit"] = self.time_unit_
        return data
