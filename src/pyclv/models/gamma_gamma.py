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
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from pyclv._arrays import per_whole_number
from pyclv.data import validate_summary
from pyclv.exceptions import DataValidationError, PyCLVError, PyCLVWarning
from pyclv.models._base import BaseModel, Param

__all__ = ["GammaGamma", "conditional_expected_spend", "loglik", "loglik_grad", "simulate"]

ArrayLike = np.ndarray | float


def loglik(p: float, q: float, v: float, x: ArrayLike, zbar: ArrayLike) -> np.ndarray:
    r"""Log-density of the average spend :math:`\bar z` given x transactions (Fader & Hardie 2013, eq. 3):

    .. math::
        f(\bar z \mid p, q, \gamma; x) = \frac{\Gamma(px+q)}{\Gamma(px)\Gamma(q)}
        \frac{\gamma^q\, \bar z^{px-1} x^{px}}{(\gamma + x\bar z)^{px+q}}

    This is the density of the *average* (LL = -4055.92 on the CDNOW sample); the density of the total
    :math:`x\bar z` differs by :math:`-\log x` per customer (-4659.30). Defined for x >= 1, zbar > 0.
    """
    return _loglik(p, q, v, *_spend_arrays(np.asarray(x, dtype=float), np.asarray(zbar, dtype=float)))


def loglik_grad(p: float, q: float, v: float, x: np.ndarray, zbar: np.ndarray) -> np.ndarray:
    """Gradient of :func:`loglik` with respect to ``(p, q, v)``, one row per customer."""
    return _loglik_grad(p, q, v, *_spend_arrays(np.asarray(x, dtype=float), np.asarray(zbar, dtype=float)))


def _spend_arrays(x: np.ndarray, zbar: np.ndarray) -> tuple[np.ndarray, ...]:
    """The data as the likelihood uses it: x, the total spend s = x zbar, log s and log zbar (fixed during a
    fit, so computed once)."""
    total = x * zbar
    return x, total, np.log(total), np.log(zbar)


def _loglik(
    p: float, q: float, v: float, x: np.ndarray, total: np.ndarray, log_total: np.ndarray, log_zbar: np.ndarray
) -> np.ndarray:
    # (px - 1) log zbar + px log x = px log(x zbar) - log zbar
    return (
        per_whole_number(lambda u: special.gammaln(p * u + q) - special.gammaln(p * u), x)
        - special.gammaln(q)
        + q * np.log(v)
        + p * x * log_total
        - log_zbar
        - (p * x + q) * np.log(v + total)
    )


def _loglik_grad(
    p: float, q: float, v: float, x: np.ndarray, total: np.ndarray, log_total: np.ndarray, log_zbar: np.ndarray
) -> np.ndarray:
    psi_pxq = per_whole_number(lambda u: special.digamma(p * u + q), x)
    psi_px = per_whole_number(lambda u: special.digamma(p * u), x)
    log_v_total = np.log(v + total)
    grad = np.empty((len(x), 3))
    grad[:, 0] = x * (psi_pxq - psi_px + log_total - log_v_total)
    grad[:, 1] = psi_pxq - special.digamma(q) + np.log(v) - log_v_total
    grad[:, 2] = q / v - (p * x + q) / (v + total)
    return grad


@dataclass(frozen=True)
class _FitSums:
    """A Gamma-Gamma fit's data in the form its totals need: the distinct frequencies with their weights, the
    parameter-free sums, and per customer only what meets the parameters (x, total spend, weights)."""

    distinct_x: np.ndarray
    weight_of_x: np.ndarray
    n: float
    sum_wx_log_total: float
    sum_w_log_zbar: float
    total: np.ndarray
    w: np.ndarray
    wx: np.ndarray

    @classmethod
    def build(cls, w: np.ndarray, x: np.ndarray, total: np.ndarray, log_total: np.ndarray, log_zbar: np.ndarray) -> _FitSums | None:
        xi = x.astype(np.int64)
        if not np.array_equal(xi, x):  # not whole numbers: the per-customer functions are used instead
            return None
        counts = np.bincount(xi, weights=w)
        distinct = np.flatnonzero(counts)
        wx = w * x
        return cls(distinct.astype(float), counts[distinct], float(counts.sum()), float(wx @ log_total),
                   float(w @ log_zbar), total, w, wx)

    def loglik_and_grad(self, p: float, q: float, v: float) -> tuple[float, np.ndarray]:
        """The weighted log-likelihood total and its gradient: terms in x alone per distinct x, the rest from
        log(v + total) and 1 / (v + total) with four dot products."""
        u, wu, n = self.distinct_x, self.weight_of_x, self.n
        v_total = v + self.total
        log_v_total = np.log(v_total)
        inverse = 1.0 / v_total
        w_log, wx_log = float(self.w @ log_v_total), float(self.wx @ log_v_total)
        w_inv, wx_inv = float(self.w @ inverse), float(self.wx @ inverse)
        pu = p * u
        psi_pxq, psi_px = special.digamma(pu + q), special.digamma(pu)
        ll = (
            float(wu @ (special.gammaln(pu + q) - special.gammaln(pu)))
            + n * (q * np.log(v) - special.gammaln(q))
            + p * self.sum_wx_log_total
            - self.sum_w_log_zbar
            - (p * wx_log + q * w_log)
        )
        d_p = float(wu @ (u * (psi_pxq - psi_px))) + self.sum_wx_log_total - wx_log
        d_q = float(wu @ psi_pxq) - n * special.digamma(q) + n * np.log(v) - w_log
        d_v = n * q / v - (p * wx_inv + q * w_inv)
        return ll, np.array([d_p, d_q, d_v])


def conditional_expected_spend(p: float, q: float, v: float, x: ArrayLike, zbar: ArrayLike) -> np.ndarray:
    r"""Expected average spend given x transactions with average :math:`\bar z` (FHL 2005, eq. 5):

    .. math:: E[M \mid p, q, \gamma; \bar z, x] = \frac{p(\gamma + x\bar z)}{px + q - 1}

    a weighted mean of the population mean :math:`p\gamma/(q-1)` and the observed average; x = 0 gives the
    population mean. Requires q > 1 for customers with x = 0 (otherwise the mean spend is infinite).
    """
    return p * (v + x * zbar) / (p * x + q - 1.0)


def simulate(
    p: float, q: float, v: float, x: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    r"""Draw average spends for customers with x transactions: :math:`\nu \sim \mathrm{Gamma}(q, \gamma)`,
    :math:`\bar z \sim \mathrm{Gamma}(px, \nu x)` (0 where x = 0)."""
    x = np.asarray(x, dtype=float)
    nu = rng.gamma(q, 1.0 / v, size=x.shape)
    pos = x > 0
    zbar = np.zeros(x.shape)
    zbar[pos] = rng.gamma(p * x[pos], 1.0 / (nu[pos] * x[pos]))
    return zbar


class GammaGamma(BaseModel):
    r"""The Gamma-Gamma model of average spend per transaction (Fader, Hardie & Lee 2005; Fader & Hardie 2013).

    Parameters
    ----------
    penalizer : float, default 0.0
        L2 penalty on the parameters (see :class:`pyclv.models._base.BaseModel`).

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

    Examples
    --------
    >>> import pyclv
    >>> summary = pyclv.datasets.load_cdnow_summary()
    >>> model = pyclv.GammaGamma().fit(summary)
    >>> model.params_.round(2).to_dict()
    {'p': 6.25, 'q': 3.74, 'v': 15.45}
    """

    _params = (Param("p"), Param("q"), Param("v"))

    def _arrays(self, data: pd.DataFrame) -> tuple[tuple[np.ndarray, ...], np.ndarray]:
        s = validate_summary(data, require_monetary=True, history=False)
        x, m = s.frequency, s.monetary_value
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
        return _spend_arrays(x[mask], m[mask]), mask

    @staticmethod
    def _loglik(theta: np.ndarray, *arrays: np.ndarray) -> np.ndarray:
        return _loglik(*theta, *arrays)

    @staticmethod
    def _loglik_grad(theta: np.ndarray, *arrays: np.ndarray) -> np.ndarray:
        return _loglik_grad(*theta, *arrays)

    def _prepare(self, arrays: tuple[np.ndarray, ...], w: np.ndarray) -> Any:
        sums = _FitSums.build(w, *arrays)
        return sums if sums is not None else super()._prepare(arrays, w)

    def _weighted_loglik_and_grad(self, theta: np.ndarray, prepared: Any) -> tuple[float, np.ndarray]:
        if isinstance(prepared, _FitSums):
            return prepared.loglik_and_grad(*theta)
        return super()._weighted_loglik_and_grad(theta, prepared)

    def _initial_params(self, arrays: tuple[np.ndarray, ...], weights: np.ndarray) -> np.ndarray:
        # p = 1, q = 2 puts the population mean spend p v / (q - 1) at the observed mean.
        x, total = arrays[0], arrays[1]
        return np.array([1.0, 2.0, float(weights @ (total / x)) / float(weights.sum())])

    def expected_spend(self, data: pd.DataFrame) -> pd.Series:
        """Conditional expected average spend per transaction, per customer.

        Customers with no repeat purchase get the population mean :math:`p\\gamma/(q-1)`.

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
        x, m, index = self._spend_history(data)
        return pd.Series(self._expected_spend(self._theta, x, m), index=index, name="expected_spend")

    def _spend_history(self, data: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, pd.Index]:
        """Validated (frequency, monetary_value) arrays and the index of a summary."""
        self._check_fitted()
        s = validate_summary(data, require_monetary=True, history=False)
        assert s.monetary_value is not None
        return s.frequency, s.monetary_value, s.index

    @staticmethod
    def _expected_spend(theta: np.ndarray, x: np.ndarray, m: np.ndarray) -> np.ndarray:
        p, q, v = theta
        if q <= 1.0 and np.any(x == 0):
            raise PyCLVError(
                f"GammaGamma has q = {q:.4g} <= 1, so the population mean spend (used for customers without "
                "repeat purchases) is infinite; refit with a penalizer or on more data."
            )
        return conditional_expected_spend(p, q, v, x, m)

    def simulate(self, frequency: np.ndarray | pd.Series, *, seed: int | np.random.Generator | None = None) -> pd.Series:
        """Draw average spends for customers with the given numbers of repeat purchases (0 where x = 0)."""
        rng = np.random.default_rng(seed)
        index = frequency.index if isinstance(frequency, pd.Series) else pd.RangeIndex(len(frequency), name="customer_id")
        zbar = simulate(*self._theta, np.asarray(frequency, dtype=float), rng)
        return pd.Series(zbar, index=index, name="monetary_value")
