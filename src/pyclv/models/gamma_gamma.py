r"""Gamma-Gamma model of spend per transaction (Fader, Hardie & Lee 2005, "RFM and CLV").

A customer's transaction values are i.i.d. :math:`\mathrm{Gamma}(p, \nu)`; across customers
:math:`\nu \sim \mathrm{Gamma}(q, \gamma)`. Given x repeat transactions with average value
:math:`\bar z`, the average is :math:`\mathrm{Gamma}(px, \nu x)`, and integrating over :math:`\nu`
gives the likelihood below. Spend is assumed independent of the transaction process.

The parameter called :math:`\gamma` in the papers is ``v`` here (as in lifetimes).

References
----------
Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005). RFM and CLV: using iso-value curves for customer base
analysis. *Journal of Marketing Research*, 42(4), 415-430.

Fader, P. S. and Hardie, B. G. S. (2013). The Gamma-Gamma model of monetary value.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Literal, overload

import numpy as np
import pandas as pd
from scipy import special

from pyclv._arrays import distinct_values
from pyclv._validation import reject, validate_summary
from pyclv.exceptions import DataValidationError, PyCLVError, PyCLVWarning
from pyclv.models._base import BaseModel
from pyclv.models._covariates import Link
from pyclv.models._functions import SpendFunctions
from pyclv.models._history import History
from pyclv.models._identification import Mixing
from pyclv.models._params import Param

if TYPE_CHECKING:
    from pyclv._kernels.strata import Blocks

__all__ = [
    "MAX_TOTAL_SPEND",
    "GammaGamma",
    "SpendData",
    "conditional_expected_spend",
    "loglik",
    "loglik_grad",
    "simulate",
]

ArrayLike = np.ndarray | float


def loglik(p: float, q: float, v: float, x: ArrayLike, zbar: ArrayLike) -> np.ndarray:
    r"""Log-density of the average spend :math:`\bar z` given x transactions (Fader & Hardie 2013, eq. 3).

    .. math::
        f(\bar z \mid p, q, \gamma; x) = \frac{\Gamma(px+q)}{\Gamma(px)\Gamma(q)}
        \frac{\gamma^q\, \bar z^{px-1} x^{px}}{(\gamma + x\bar z)^{px+q}}

    This is the density of the *average* (LL = -4055.92 on the CDNOW sample); the density of the total
    :math:`x\bar z` differs by :math:`-\log x` per customer (-4659.30). Defined for x >= 1, zbar > 0.

    Parameters
    ----------
    p : float
        Shape of each customer's Gamma distribution of transaction values (> 0).
    q, v : float
        Shape and rate of the Gamma distribution of that distribution's rate across customers (> 0; v is
        :math:`\gamma` in the papers, in units of money).

    x : array-like
        Repeat transactions (x >= 1).
    zbar : array-like
        Average value of those transactions (> 0); broadcasts with ``x``.

    Returns
    -------
    numpy.ndarray
        Each customer's log-density, in the broadcast shape of ``x`` and ``zbar``.
    """
    x_b, z_b = np.broadcast_arrays(np.asarray(x, dtype=float), np.asarray(zbar, dtype=float))
    ll, _ = SpendData.build(x_b.ravel(), z_b.ravel()).per_customer(p, q, v, gradient=False)
    return ll.reshape(x_b.shape)


def loglik_grad(p: float, q: float, v: float, x: np.ndarray, zbar: np.ndarray) -> np.ndarray:
    r"""Gradient of :func:`loglik` with respect to ``(p, q, v)``, one row per customer.

    Parameters
    ----------
    p : float
        Shape of each customer's Gamma distribution of transaction values (> 0).
    q, v : float
        Shape and rate of the Gamma distribution of that distribution's rate across customers (> 0; v is
        :math:`\gamma` in the papers, in units of money).

    x, zbar : numpy.ndarray
        Repeat transactions (x >= 1) and their average value (> 0), one per customer.

    Returns
    -------
    numpy.ndarray
        Shape (customers, 3): the derivatives in p, q and v.
    """
    x_b, z_b = np.broadcast_arrays(np.asarray(x, dtype=float), np.asarray(zbar, dtype=float))
    _, grad = SpendData.build(x_b.ravel(), z_b.ravel()).per_customer(p, q, v, gradient=True)
    return grad


def _x_terms(p: ArrayLike, q: ArrayLike, u: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The terms of the likelihood in x alone, at the distinct values u of x.

    They are log Gamma(pu+q) - log Gamma(pu), digamma(pu+q) and digamma(pu).
    """
    pu = p * u
    return special.gammaln(pu + q) - special.gammaln(pu), special.digamma(pu + q), special.digamma(pu)


@dataclass(frozen=True)
class SpendData:
    r"""Customers' spend data in the form the likelihood reads.

    It holds the distinct frequencies with their weights, the parameter-free sums, and per customer only
    what meets the parameters.

    The likelihood is written once, as terms in x alone (evaluated per distinct x) plus terms in
    :math:`\log(\gamma + x\bar z)`; :meth:`per_customer` spreads them to the customers, :meth:`totals`
    sums them with the weights (four dot products per evaluation: a fit of a million customers takes a
    fraction of a second). Build it with :meth:`build`.

    Attributes
    ----------
    distinct_x, weight_of_x : numpy.ndarray
        The distinct numbers of repeat transactions and their total weights.
    position : numpy.ndarray
        Each customer's position in ``distinct_x``.
    x, total, log_total, log_zbar, w : numpy.ndarray
        Per customer: repeat transactions, total spend x zbar, its log, log zbar and the weight.
    sum_wx_log_total, sum_w_log_zbar : float
        The parameter-free weighted sums of the likelihood.
    """

    distinct_x: np.ndarray
    weight_of_x: np.ndarray
    position: np.ndarray
    x: np.ndarray
    total: np.ndarray
    log_total: np.ndarray
    log_zbar: np.ndarray
    w: np.ndarray
    sum_wx_log_total: float
    sum_w_log_zbar: float

    @classmethod
    def build(cls, x: np.ndarray, zbar: np.ndarray, w: np.ndarray | None = None) -> SpendData:
        """The data of customers with ``x`` repeat transactions of average ``zbar`` and weights ``w``.

        Parameters
        ----------
        x : numpy.ndarray
            Repeat transactions per customer (x >= 1).
        zbar : numpy.ndarray
            Average value of those transactions (> 0).
        w : numpy.ndarray, optional
            How many customers each row stands for (1 if None).

        Returns
        -------
        SpendData
            The data, ready for :meth:`per_customer` and :meth:`totals`.
        """
        x = np.ascontiguousarray(x, dtype=float)
        w = np.ones(len(x)) if w is None else np.ascontiguousarray(w, dtype=float)
        total = x * zbar
        log_total, log_zbar = np.log(total), np.log(zbar)
        distinct, position = distinct_values(x)
        weight_of_x = np.bincount(position, weights=w, minlength=len(distinct))
        return cls(distinct, weight_of_x, position, x, total, log_total, log_zbar, w,
                   float((w * x) @ log_total), float(w @ log_zbar))

    # The overloads tell type checkers that the gradient is there exactly when it is asked for; the
    # implementation below carries the docstring.
    @overload
    def per_customer(  # numpydoc ignore=GL08
        self, p: float, q: float, v: float, *, gradient: Literal[True]
    ) -> tuple[np.ndarray, np.ndarray]: ...

    @overload
    def per_customer(  # numpydoc ignore=GL08
        self, p: float, q: float, v: float, *, gradient: Literal[False]
    ) -> tuple[np.ndarray, None]: ...

    def per_customer(self, p: float, q: float, v: float, *, gradient: bool) -> tuple[np.ndarray, np.ndarray | None]:
        """Each customer's log-likelihood and (if ``gradient``) its gradient, one row per customer.

        Parameters
        ----------
        p, q, v : float
            The model's parameters (see :func:`loglik`).
        gradient : bool
            Also compute the gradient.

        Returns
        -------
        tuple
            Each customer's log-likelihood (1-d) and, if ``gradient``, its gradient of shape (customers, 3) in
            p, q and v (else None).
        """
        lg, psi_pxq, psi_px = (term[self.position] for term in _x_terms(p, q, self.distinct_x))
        x, total = self.x, self.total
        log_v_total = np.log(v + total)
        # (px - 1) log zbar + px log x = px log(x zbar) - log zbar
        ll = (
            lg - special.gammaln(q) + q * np.log(v) + p * x * self.log_total - self.log_zbar
            - (p * x + q) * log_v_total
        )
        if not gradient:
            return ll, None
        grad = np.empty((len(x), 3))
        grad[:, 0] = x * (psi_pxq - psi_px + self.log_total - log_v_total)
        grad[:, 1] = psi_pxq - special.digamma(q) + np.log(v) - log_v_total
        grad[:, 2] = q / v - (p * x + q) / (v + total)
        return ll, grad

    def totals(self, p: float, q: float, v: float) -> tuple[float, np.ndarray]:
        """The weighted log-likelihood total and its gradient (see :meth:`hessian_totals`).

        Parameters
        ----------
        p, q, v : float
            The model's parameters (see :func:`loglik`).

        Returns
        -------
        tuple
            The weighted log-likelihood total (float) and its gradient in p, q and v (shape (3,)).
        """
        ll, grad, _ = self.hessian_totals(p, q, v)
        return ll, grad

    def hessian_totals(self, p: float, q: float, v: float) -> tuple[float, np.ndarray, np.ndarray]:
        r"""The weighted log-likelihood total, its gradient and its Hessian in (p, q, v).

        The terms in x alone are evaluated per distinct x; the rest needs, per customer, only
        :math:`\log(\gamma + x\bar z)` and :math:`1/(\gamma + x\bar z)`, in six weighted sums
        (:math:`S_k = \sum w (\gamma + x\bar z)^{-k}` and :math:`S^x_k = \sum w x (\gamma + x\bar z)^{-k}`
        for k = 1, 2, and the two sums of the log). With :math:`n = \sum w`, the second derivatives are

        .. math::
            \partial_{pp} = \sum w x^2 [\psi_1(px+q) - \psi_1(px)], \quad
            \partial_{pq} = \sum w x \psi_1(px+q), \quad \partial_{p\gamma} = -S^x_1,

            \partial_{qq} = \sum w \psi_1(px+q) - n\psi_1(q), \quad \partial_{q\gamma} = n/\gamma - S_1,
            \quad \partial_{\gamma\gamma} = -nq/\gamma^2 + p S^x_2 + q S_2.

        Parameters
        ----------
        p, q, v : float
            The model's parameters (see :func:`loglik`).

        Returns
        -------
        tuple
            The total (float), the gradient (shape (3,)) and the Hessian (shape (3, 3)).
        """
        from pyclv._kernels import gamma_gamma as kernel  # loaded on first use: numba is not free to import

        x_sums = tuple(float(self.weight_of_x @ term) for term in _x_jet(p, q, self.distinct_x))
        sums = kernel.sums(np.array([p, q, v]), self.x, self.total, self.w)
        ll, gradient, hessian = _assemble(p, q, v, float(self.weight_of_x.sum()), x_sums, sums,
                                          self.sum_wx_log_total, self.sum_w_log_zbar)
        return float(ll), gradient, hessian


def _x_jet(p: ArrayLike, q: ArrayLike, u: np.ndarray) -> tuple[np.ndarray, ...]:
    """The terms in x alone of the total, the gradient and the Hessian, at the distinct values u of x.

    They are log Gamma(pu+q) - log Gamma(pu), u [digamma(pu+q) - digamma(pu)], digamma(pu+q),
    u^2 [trigamma(pu+q) - trigamma(pu)], u trigamma(pu+q) and trigamma(pu+q) (``p`` and ``q`` may hold one value
    per value of u).
    """
    lg, psi_pxq, psi_px = _x_terms(p, q, u)
    tri_pxq, tri_px = special.polygamma(1, p * u + q), special.polygamma(1, p * u)
    return lg, u * (psi_pxq - psi_px), psi_pxq, u * u * (tri_pxq - tri_px), u * tri_pxq, tri_pxq


def _assemble(
    p: ArrayLike, q: ArrayLike, v: ArrayLike, n: ArrayLike, x_sums: tuple[ArrayLike, ...], sums: np.ndarray,
    sum_wx_log_total: ArrayLike, sum_w_log_zbar: ArrayLike,
) -> tuple[ArrayLike, np.ndarray, np.ndarray]:
    """The total, gradient and Hessian of :meth:`SpendData.hessian_totals` from its weighted sums.

    Parameters
    ----------
    p, q, v : float or numpy.ndarray
        The parameters (arrays: one value per stratum).
    n : float or numpy.ndarray
        The total weight.
    x_sums : tuple
        The weighted sums of the six terms of :func:`_x_jet`.
    sums : numpy.ndarray
        The six sums of :func:`pyclv._kernels.gamma_gamma.row`, shape (6,) or (6, strata).
    sum_wx_log_total, sum_w_log_zbar : float or numpy.ndarray
        The parameter-free sums.

    Returns
    -------
    tuple
        The total, the gradient (shape (..., 3)) and the Hessian (shape (..., 3, 3)).
    """
    lg, u_dpsi, psi_pxq, uu_dtri, u_tri_pxq, tri_pxq = x_sums
    w_log, wx_log, w_inv, wx_inv, w_inv2, wx_inv2 = sums
    ll = (
        lg
        + n * (q * np.log(v) - special.gammaln(q))
        + p * sum_wx_log_total
        - sum_w_log_zbar
        - (p * wx_log + q * w_log)
    )
    d_p = u_dpsi + sum_wx_log_total - wx_log
    d_q = psi_pxq - n * special.digamma(q) + n * np.log(v) - w_log
    d_v = n * q / v - (p * wx_inv + q * w_inv)
    d_qq = tri_pxq - n * special.polygamma(1, q)
    d_qv = n / v - w_inv
    d_vv = -n * q / (v * v) + p * wx_inv2 + q * w_inv2
    rows = ((uu_dtri, u_tri_pxq, -wx_inv), (u_tri_pxq, d_qq, d_qv), (-wx_inv, d_qv, d_vv))
    hessian = np.stack([np.stack(np.broadcast_arrays(*r), axis=-1) for r in rows], axis=-2)
    return ll, np.stack(np.broadcast_arrays(d_p, d_q, d_v), axis=-1), hessian


@dataclass(frozen=True)
class SpendStrata:
    """Customers' spend data sorted by stratum, for each stratum's likelihood at its own parameters in one pass.

    The strata of a model with covariates (:mod:`pyclv.models._covariates`): the terms in x alone are evaluated
    per (stratum, distinct x), the six sums of the compiled kernel per stratum
    (:func:`pyclv._kernels.gamma_gamma.strata_sums`), and :func:`_assemble` puts them together as
    :meth:`SpendData.hessian_totals` does for one stratum. Build it with :meth:`build`.

    Attributes
    ----------
    blocks : pyclv._kernels.strata.Blocks
        The sorted rows' strata and blocks.
    pair_stratum, pair_x, pair_weight : numpy.ndarray
        The distinct (stratum, x) pairs and their total weights.
    x, total, w : numpy.ndarray
        Per customer, sorted: repeat transactions, total spend x zbar and the weight.
    n, sum_wx_log_total, sum_w_log_zbar : numpy.ndarray
        Per stratum: the total weight and the parameter-free sums of the likelihood.
    """

    blocks: Blocks
    pair_stratum: np.ndarray
    pair_x: np.ndarray
    pair_weight: np.ndarray
    x: np.ndarray
    total: np.ndarray
    w: np.ndarray
    n: np.ndarray
    sum_wx_log_total: np.ndarray
    sum_w_log_zbar: np.ndarray

    @classmethod
    def build(cls, x: np.ndarray, zbar: np.ndarray, w: np.ndarray, codes: np.ndarray, n_strata: int) -> SpendStrata:
        """The data of customers with ``x`` repeat transactions of average ``zbar``, weights ``w`` and strata.

        Parameters
        ----------
        x, zbar, w : numpy.ndarray
            Repeat transactions (x >= 1), average spend (> 0) and weight per customer.
        codes : numpy.ndarray
            Each customer's stratum, in ``0..n_strata-1``.
        n_strata : int
            The number of strata.

        Returns
        -------
        SpendStrata
        """
        from pyclv._kernels import strata  # loaded on first use: numba is not free to import

        columns = (np.asarray(x, dtype=float), np.asarray(zbar, dtype=float))
        w = np.asarray(w, dtype=float)
        blocks = strata.arrange(codes, columns, w, n_strata)
        x, zbar, w = (np.ascontiguousarray(a[blocks.order]) for a in (*columns, w))
        total = x * zbar
        pair, pair_stratum, pair_x = strata.pairs(blocks.code, x)
        per_stratum = [np.bincount(blocks.code, weights=values, minlength=n_strata)
                       for values in (w, w * x * np.log(total), w * np.log(zbar))]
        return cls(blocks, pair_stratum, pair_x, np.bincount(pair, weights=w, minlength=len(pair_x)), x, total, w,
                   *per_stratum)

    def hessian_totals(self, thetas: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Each stratum's weighted log-likelihood total, gradient and Hessian at its own (p, q, v).

        Parameters
        ----------
        thetas : numpy.ndarray
            Shape (strata, 3).

        Returns
        -------
        tuple of numpy.ndarray
            Shapes (strata,), (strata, 3) and (strata, 3, 3).
        """
        from pyclv._kernels import gamma_gamma as kernel

        thetas = np.asarray(thetas, dtype=float)
        n_strata = self.blocks.n_strata
        at_pair = thetas[self.pair_stratum]
        x_sums = tuple(np.bincount(self.pair_stratum, weights=self.pair_weight * term, minlength=n_strata)
                       for term in _x_jet(at_pair[:, 0], at_pair[:, 1], self.pair_x))
        sums = kernel.strata_sums(thetas, self.x, self.total, self.w, self.blocks).T
        p, q, v = thetas.T
        ll, gradient, hessian = _assemble(p, q, v, self.n, x_sums, sums, self.sum_wx_log_total, self.sum_w_log_zbar)
        return np.asarray(ll), gradient, hessian


def _prepare(arrays: tuple[np.ndarray, ...], w: np.ndarray) -> SpendData:
    x, zbar = arrays
    return SpendData.build(x, zbar, w)


def _hessian_totals(theta: np.ndarray, data: SpendData) -> tuple[float, np.ndarray, np.ndarray]:
    return data.hessian_totals(*theta)


def _prepare_strata(arrays: tuple[np.ndarray, ...], w: np.ndarray, codes: np.ndarray, n_strata: int) -> SpendStrata:
    x, zbar = arrays
    return SpendStrata.build(x, zbar, w, codes, n_strata)


def _strata_totals(thetas: np.ndarray, data: SpendStrata) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return data.hessian_totals(thetas)


def _initial_params(arrays: tuple[np.ndarray, ...], weights: np.ndarray) -> np.ndarray:
    # p = 1, q = 2 puts the population mean spend p v / (q - 1) at the observed mean.
    x, zbar = arrays
    return np.array([1.0, 2.0, float(weights @ (x * zbar / x)) / float(weights.sum())])


def _expected_spend_checked(p: float, q: float, v: float, x: np.ndarray, zbar: np.ndarray) -> np.ndarray:
    if q <= 1.0 and np.any(x == 0):
        raise PyCLVError(
            f"GammaGamma has q = {q:.4g} <= 1, so the population mean spend (used for customers without "
            "repeat purchases) is infinite; refit with a penalizer or on more data."
        )
    return np.asarray(conditional_expected_spend(p, q, v, x, zbar))


def conditional_expected_spend(
    p: float, q: float, v: float, x: ArrayLike, zbar: ArrayLike
) -> np.ndarray | float:
    r"""Expected average spend given x transactions with average :math:`\bar z` (FHL 2005, eq. 5).

    .. math:: E[M \mid p, q, \gamma; \bar z, x] = \frac{p(\gamma + x\bar z)}{px + q - 1}

    a weighted mean of the population mean :math:`p\gamma/(q-1)` and the observed average; x = 0 gives the
    population mean. Requires q > 1 for customers with x = 0 (otherwise the mean spend is infinite).

    Parameters
    ----------
    p : float
        Shape of each customer's Gamma distribution of transaction values (> 0).
    q, v : float
        Shape and rate of the Gamma distribution of that distribution's rate across customers (> 0; v is
        :math:`\gamma` in the papers, in units of money).

    x : array-like
        Repeat transactions (x >= 0).
    zbar : array-like
        Average value of those transactions (ignored where x = 0); broadcasts with ``x``.

    Returns
    -------
    numpy.ndarray or float
        E[M | x, zbar] in units of money, in the broadcast shape (a float for scalar ``x`` and ``zbar``).
    """
    return p * (v + x * zbar) / (p * x + q - 1.0)


def simulate(
    p: float, q: float, v: float, x: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    r"""Draw average spends for customers with x transactions.

    :math:`\nu \sim \mathrm{Gamma}(q, \gamma)`, :math:`\bar z \sim \mathrm{Gamma}(px, \nu x)` (0 where x = 0).

    Parameters
    ----------
    p : float
        Shape of each customer's Gamma distribution of transaction values (> 0).
    q, v : float
        Shape and rate of the Gamma distribution of that distribution's rate across customers (> 0; v is
        :math:`\gamma` in the papers, in units of money).

    x : numpy.ndarray
        Repeat transactions per customer (whole numbers >= 0).
    rng : numpy.random.Generator
        Source of the random draws.

    Returns
    -------
    numpy.ndarray
        Average spends, shaped like ``x`` (0 where x = 0).
    """
    x = np.asarray(x, dtype=float)
    nu = rng.gamma(q, 1.0 / v, size=x.shape)
    pos = x > 0
    zbar = np.zeros(x.shape)
    zbar[pos] = rng.gamma(p * x[pos], 1.0 / (nu[pos] * x[pos]))
    return zbar


#: The largest total spend x zbar of a customer the model accepts. The likelihood's Hessian squares spend totals
#: (and the rate v, of their order), so beyond the square root of the largest float (1.3e154) they overflow;
#: 1e150 leaves a margin for the sums and is beyond any amount in any currency.
MAX_TOTAL_SPEND = 1e150


def _spend_columns(data: pd.DataFrame, *, unique_ids: bool = False) -> tuple[np.ndarray, np.ndarray, pd.Index]:
    """Validated frequency and monetary value of a summary, with its index (ids unique if ``unique_ids``).

    Totals ``frequency * monetary_value`` above :data:`MAX_TOTAL_SPEND` are refused, naming ``monetary_value``.
    """
    s = validate_summary(data, require_monetary=True, history=False, unique_ids=unique_ids)
    if s.monetary_value is None:  # validate_summary(require_monetary=True) returns it or raises
        raise DataValidationError("GammaGamma needs the column 'monetary_value'.", column="monetary_value")
    x, m = s.frequency, s.monetary_value
    with np.errstate(over="ignore"):
        total = x * m
    reject(
        ~(total <= MAX_TOTAL_SPEND),
        "monetary_value",
        s.index,
        f"a total spend (frequency x monetary_value) above {MAX_TOTAL_SPEND:.0e}, where the spend model's sums "
        "overflow",
        "Correct these amounts, or express all amounts in a larger unit (e.g. thousands).",
        {"frequency": x, "monetary_value": m},
    )
    return x, m, s.index


# numpydoc's checker reads one file's syntax tree: it cannot see the constructor, inherited from BaseModel, that
# these Parameters describe, hence the PR02 exemption.
class GammaGamma(BaseModel):  # numpydoc ignore=PR02
    r"""The Gamma-Gamma model of average spend per transaction (Fader, Hardie & Lee 2005; Fader & Hardie 2013).

    Parameters
    ----------
    spend_covariates : list of str, optional
        Columns of the data (one value per customer) that shift spend: each customer's
        :math:`v_i = v e^{\gamma_S^\top z_i}`, so the mean spend :math:`p v_i / (q - 1)` is multiplied by
        :math:`e^{\gamma_S^\top z_i}` and a coefficient is the log of the factor by which it changes the mean
        spend (:math:`v` is the scale of spend: the rate of the Gamma distribution of the spend rates). CLVTools
        has no covariates in its Gamma-Gamma model; this is its exp(gamma' z) form, with the sign that makes a
        positive coefficient mean more spend, as in its transaction models.
    covariate_penalty : float, default 0.0
        L2 penalty on the coefficients, added to the mean negative log-likelihood as CLVTools' ``reg.lambdas``.
    penalizer : float, default 0.0
        L2 penalty on the model's own parameters (see :class:`pyclv.models._base.BaseModel`).
    max_iterations : int, default 2000
        Iteration limit of the optimizer.

    Attributes
    ----------
    params_ : pandas.Series
        ``p`` (shape of a customer's spend distribution), ``q`` and ``v`` (shape and rate of the
        heterogeneity in its scale; :math:`\gamma` in the papers).

    Notes
    -----
    Data: a summary with ``frequency`` (x, repeat transactions) and ``monetary_value`` (:math:`\bar z`, the
    average of the repeat transactions). Only customers with x >= 1 and :math:`\bar z > 0` inform the fit:
    customers with x = 0 carry no spend information and are skipped silently; customers with repeat
    purchases but an average spend of 0 (e.g. free orders) cannot come from a Gamma distribution and are
    left out of the fit with a :class:`~pyclv.exceptions.PyCLVWarning` giving their count. The
    log-likelihood is that of the average spend (the convention giving LL = -4055.92 on CDNOW).

    The number of observations, ``n_customers_`` and the n of the BIC (``k log(n) - 2 LL``), counts the
    customers in the spend fit, those with repeat purchases: 946 of the 2,357 CDNOW customers, BIC =
    3 log(946) + 2 x 4055.92 = 8132.40. CLVTools counts every customer of the data (its ``nobs()`` is the
    number of rows of its customer table, which keeps the customers without repeat purchases): BIC =
    3 log(2357) + 2 x 4055.92 = 8135.14, 3 log(2357 / 946) = 2.74 higher. pyclv counts the customers whose
    spend the likelihood is a product over: the others add nothing to it, and counting them would make the
    penalty depend on how many non-repeaters were passed along. The AIC (8117.85) does not depend on n.

    Examples
    --------
    >>> import pyclv
    >>> summary = pyclv.datasets.load_cdnow_summary()
    >>> model = pyclv.GammaGamma().fit(summary)
    >>> model.params_.round(2).to_dict()
    {'p': 6.25, 'q': 3.74, 'v': 15.45}
    """

    _params = (Param("p"), Param("q"), Param("v"))
    _processes = ("spend",)
    _links = (Link("v", "spend", 1.0),)
    _mixings = (Mixing("gamma", ("q", "v"), "rate of a customer's spend distribution (p / rate is its mean)"),)
    _functions = SpendFunctions(
        loglik=loglik,
        loglik_grad=loglik_grad,
        initial_params=_initial_params,
        prepare=_prepare,
        hessian_totals=_hessian_totals,
        compress_rows=False,
        prepare_strata=_prepare_strata,
        strata_totals=_strata_totals,
        expected_spend=_expected_spend_checked,
        simulate=simulate,
    )
    columns: ClassVar[tuple[str, str]] = ("frequency", "monetary_value")

    def __init__(
        self,
        *,
        spend_covariates: Sequence[str] | None = None,
        covariate_penalty: float = 0.0,
        penalizer: float = 0.0,
        max_iterations: int = 2000,
    ) -> None:
        super().__init__(penalizer=penalizer, max_iterations=max_iterations)
        self._set_covariate_settings({"spend": spend_covariates}, penalty=covariate_penalty)

    def _arrays(self, data: pd.DataFrame) -> tuple[tuple[np.ndarray, ...], np.ndarray]:
        x, m, _ = _spend_columns(data)
        zero_spend = (x > 0) & (m <= 0)
        if zero_spend.any():
            warnings.warn(
                f"GammaGamma: {int(zero_spend.sum())} customer(s) with repeat purchases have an average spend "
                "of 0 and are left out of the spend fit (a Gamma distribution needs positive values); their "
                "expected spend is still predicted.",
                PyCLVWarning,
                stacklevel=3,
            )
        mask = (x > 0) & (m > 0)
        if not mask.any():
            raise DataValidationError(
                "GammaGamma needs customers with at least one repeat purchase and a positive average spend; "
                "none were found in columns 'frequency' and 'monetary_value'.",
                column="monetary_value",
                n_rows=len(x),
            )
        return (x[mask], m[mask]), mask

    @classmethod
    def _check_param_values(cls, values: dict[str, float]) -> None:
        """Given parameters need q > 1: the population mean spend p v / (q - 1) is infinite otherwise."""
        if not values["q"] > 1.0:
            raise DataValidationError(
                f"GammaGamma parameter q must be > 1 for a finite population mean spend p v / (q - 1) (what a "
                f"customer without repeat purchases is expected to spend); got {values['q']!r}.",
                column="q",
            )

    def history(self, data: pd.DataFrame) -> History:
        """Validated (frequency, monetary_value) of a summary with its index.

        Parameters
        ----------
        data : pandas.DataFrame
            Summary with ``frequency`` and ``monetary_value``.

        Returns
        -------
        History
        """
        self.check_fitted()
        self._refuse_covariates("one spend table for every customer")
        x, m, index = _spend_columns(data, unique_ids=True)
        return History(index, self.columns, (x, m))

    def expected_spend_at(self, theta: np.ndarray, history: History) -> np.ndarray:
        """Conditional expected average spend per customer at the parameters ``theta``.

        Parameters
        ----------
        theta : numpy.ndarray
            Natural parameters (p, q, v).
        history : History
            From :meth:`history`.

        Returns
        -------
        numpy.ndarray

        Raises
        ------
        PyCLVError
            If q <= 1 and some customer has no repeat purchase (infinite population mean).
        """
        return self._functions.expected_spend(*theta, *history.values)

    def expected_spend(self, data: pd.DataFrame) -> pd.Series:
        r"""Conditional expected average spend per transaction, per customer.

        Customers with no repeat purchase get the population mean :math:`p\gamma/(q-1)`.

        Parameters
        ----------
        data : pandas.DataFrame
            Summary with ``frequency`` and ``monetary_value``.

        Returns
        -------
        pandas.Series
            Named ``expected_spend``, aligned to ``data.index``.

        Raises
        ------
        PyCLVError
            If q <= 1 and some customer has no repeat purchase: the population mean spend is then infinite.
        """
        if self._layout is not None:
            return self._per_stratum(data, lambda model, rows: model.expected_spend(rows))
        history = self.history(data)
        return pd.Series(self.expected_spend_at(self.theta, history), index=history.index, name="expected_spend")

    def simulate(
        self, frequency: np.ndarray | pd.Series, *, seed: int | np.random.Generator | None = None
    ) -> pd.Series:
        """Draw average spends for customers with the given numbers of repeat purchases (0 where x = 0).

        Parameters
        ----------
        frequency : numpy.ndarray or pandas.Series
            Repeat purchases per customer (whole numbers >= 0); a Series lends its index to the result.
        seed : int or numpy.random.Generator, optional
            Seed for reproducible draws.

        Returns
        -------
        pandas.Series
            Named ``monetary_value``: the average spends, on the index of ``frequency`` (else ``customer_id``
            0..n-1).
        """
        self._refuse_covariates("simulating spend without the customers' covariates")
        rng = np.random.default_rng(seed)
        if isinstance(frequency, pd.Series):
            index = frequency.index
        else:
            index = pd.RangeIndex(len(frequency), name="customer_id")
        zbar = self._functions.simulate(*self.theta, np.asarray(frequency, dtype=float), rng)
        return pd.Series(zbar, index=index, name="monetary_value")
