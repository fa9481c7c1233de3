r"""Per-customer loops of scoring: Chebyshev sums on the panels, P(alive) and the interval bounds.

The interpolants of :mod:`pyclv._factors` are sums of Chebyshev polynomials, evaluated by their three-term
recurrence (:func:`chebyshev_sums`),

.. math:: T_0 = 1, \quad T_1 = s, \quad T_{k+1}(s) = 2 s\, T_k(s) - T_{k-1}(s), \qquad
          g_q = \sum_{k=0}^{n} c_{qk} T_k(s),

written once as plain arithmetic: numba compiles it for one customer inside a parallel loop, numpy runs it on
blocks of customers, and the tests hold the two to each other. Each customer's values are computed alone, so
the results do not depend on the number of threads.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from pyclv import _kernels
from pyclv._arrays import distinct_values

__all__ = [
    "ALIVE_KINDS",
    "alive",
    "alive_offsets",
    "chebyshev_sums",
    "chebyshev_values",
    "interval_bounds",
    "quantile_pair",
]

_NUMPY_BLOCK = 65_536


def chebyshev_sums(c: Any, s: Any, out: Any) -> None:
    r"""Every factor's :math:`\sum_k c_{qk} T_k(s)`, into ``out[q]``, with one pass of the recurrence.

    The Chebyshev polynomials come from :math:`T_{k+1}(s) = 2 s T_k(s) - T_{k-1}(s)` (stable on [-1, 1]).

    Parameters
    ----------
    c : numpy.ndarray
        Coefficients, shape (factors, terms) for one customer, or (factors, terms, customers).
    s : float or numpy.ndarray
        The customer's (customers') point in [-1, 1].
    out : numpy.ndarray
        Filled in place: shape (factors,) or (factors, customers).
    """
    t0 = 1.0 + 0.0 * s
    t1 = s
    for q in range(c.shape[0]):
        out[q] = c[q, 0] * t0 + c[q, 1] * t1
    for k in range(2, c.shape[1]):
        t0, t1 = t1, 2.0 * s * t1 - t0
        for q in range(c.shape[0]):
            out[q] += c[q, k] * t1


_sums = _kernels.compile_row(chebyshev_sums)
_BLOCK = _kernels.BLOCK_ROWS


def _values_loop(panel: np.ndarray, position: np.ndarray, coefficients: np.ndarray, out: np.ndarray) -> None:
    n = panel.shape[0]
    for block in _kernels.prange((n + _BLOCK - 1) // _BLOCK):
        acc = np.empty(coefficients.shape[1])
        for i in range(block * _BLOCK, min(n, (block + 1) * _BLOCK)):
            p = panel[i]
            if p < 0:
                for q in range(acc.shape[0]):
                    out[q, i] = np.nan
                continue
            _sums(coefficients[p], position[i], acc)
            for q in range(acc.shape[0]):
                out[q, i] = acc[q]


_compiled_values = _kernels.compile_loop(_values_loop)


def chebyshev_values(panel: np.ndarray, position: np.ndarray, coefficients: np.ndarray) -> np.ndarray:
    """Each customer's interpolants on its panel (NaN for customers without one).

    Parameters
    ----------
    panel, position : numpy.ndarray
        From :func:`locate`.
    coefficients : numpy.ndarray
        Shape (panels, factors, coefficients).

    Returns
    -------
    numpy.ndarray
        Shape (factors, customers).
    """
    if coefficients.shape[0] == 0:
        return np.full((coefficients.shape[1], len(panel)), np.nan)
    coefficients = np.ascontiguousarray(coefficients, dtype=float)
    if _kernels.active() and _compiled_values is not None:
        out = np.empty((coefficients.shape[1], len(panel)))
        _kernels.launch(_compiled_values, panel, position, coefficients, out)
        return out
    out = np.full((coefficients.shape[1], len(panel)), np.nan)
    for start in range(0, len(panel), _NUMPY_BLOCK):
        block = slice(start, start + _NUMPY_BLOCK)
        has = panel[block] >= 0
        rows = np.flatnonzero(has) + start
        values = np.empty((coefficients.shape[1], len(rows)))
        chebyshev_sums(np.moveaxis(coefficients[panel[rows]], 0, 2), position[rows], values)
        out[:, rows] = values
    return out


# -- intervals: every draw of every customer, and the quantiles over the draws, in one pass

#: P(alive) kinds of :func:`alive`: BG/NBD (FHL 2008) and MBG/NBD (Batislam et al. 2007).
ALIVE_KINDS = {"bg_nbd": 0, "mbg_nbd": 1}


def alive_offsets(kind: int, theta: np.ndarray, frequencies: np.ndarray) -> np.ndarray:
    r"""The part of P(alive)'s log-odds that depends on the frequency alone, :math:`\log a - \log(b + x - 1)`.

    ``- 1`` for BG/NBD (``kind`` 0), nothing for MBG/NBD (``kind`` 1); for BG/NBD's x = 0 the value is unused.

    Parameters
    ----------
    kind : int
        The P(alive) kind (:data:`ALIVE_KINDS`).
    theta : numpy.ndarray
        ``(r, alpha, a, b)``.
    frequencies : numpy.ndarray
        The distinct frequencies.

    Returns
    -------
    numpy.ndarray
    """
    shift = -1.0 if kind == 0 else 0.0
    with np.errstate(all="ignore"):
        return np.log(theta[2]) - np.log(theta[3] + np.maximum(frequencies + shift, 0.0))


def alive(kind: int, r: float, alpha: float, offset: float, x: float, t_x: float, T: float) -> float:
    r"""P(alive) of one customer in the BG/NBD family, given :func:`alive_offsets`' value for its frequency.

    BG/NBD (``kind`` 0, FHL 2008): :math:`1/(1 + \delta_{x>0}\frac{a}{b+x-1}(\frac{\alpha+T}{\alpha+t_x})^{r+x})`;
    MBG/NBD (``kind`` 1, Batislam et al. 2007): :math:`1/(1 + \frac{a}{b+x}(\frac{\alpha+T}{\alpha+t_x})^{r+x})`.
    The log of the ratio is :math:`\mathrm{log1p}((T - t_x)/(\alpha + t_x))`, as in
    :func:`pyclv.models.modified_beta_geo.log_p_alive_odds`.

    Parameters
    ----------
    kind : int
        0 for BG/NBD, 1 for MBG/NBD (:data:`ALIVE_KINDS`).
    r, alpha : float
        The purchase-rate parameters.
    offset : float
        :func:`alive_offsets` at the customer's frequency.
    x, t_x, T : float
        The customer's history.

    Returns
    -------
    float
    """
    if kind == 0 and x <= 0.0:
        return 1.0
    odds = offset + (r + x) * np.log1p((T - t_x) / (alpha + t_x))
    return 1.0 / (1.0 + np.exp(odds))


def _lerp(low: float, high: float, gamma: float) -> float:
    """Numpy's linear interpolation between two order statistics (``numpy.lib._function_base_impl._lerp``)."""
    diff = high - low
    if gamma >= 0.5:
        return high - diff * (1.0 - gamma)
    return low + diff * gamma


_lerp_row = _kernels.compile_row(_lerp)


def quantile_pair(v: np.ndarray, q_lo: float, q_hi: float, small: np.ndarray, large: np.ndarray) -> tuple[float, float]:
    r"""The q_lo- and q_hi-quantiles of ``v`` as ``numpy.quantile`` computes them (its default, linear method).

    For q below one half and above it (an interval's bounds): with :math:`h = nq + (1 - q) - 1`, numpy's virtual
    index, the order statistics around h are the :math:`\lfloor h \rfloor`-th and the next. One pass over the
    sample keeps the :math:`\lfloor h_{lo} \rfloor + 2` smallest values in ``small`` (ascending) and the
    :math:`n - \lfloor h_{hi} \rfloor + 1` largest in ``large`` (descending), by insertion: a few comparisons
    per value when the quantiles are near 0 and 1. NaN if any value is NaN.

    Parameters
    ----------
    v : numpy.ndarray
        The sample (left unchanged).
    q_lo, q_hi : float
        The probabilities, q_lo < 1/2 < q_hi.
    small, large : numpy.ndarray
        Scratch space, at least as long as ``v``.

    Returns
    -------
    tuple of float
    """
    n = v.shape[0]
    h_lo = n * q_lo + (1.0 - q_lo) - 1.0
    h_hi = n * q_hi + (1.0 - q_hi) - 1.0
    k_lo = min(max(int(np.floor(h_lo)), 0), n - 1)
    k_hi = min(max(int(np.floor(h_hi)), 0), n - 1)
    m_lo = min(k_lo + 2, n)
    m_hi = min(n - k_hi + 1, n)
    c_lo = 0
    c_hi = 0
    for i in range(n):
        value = v[i]
        if np.isnan(value):
            return np.nan, np.nan
        if c_lo < m_lo or value < small[m_lo - 1]:
            j = c_lo if c_lo < m_lo else m_lo - 1
            c_lo = min(c_lo + 1, m_lo)
            while j > 0 and small[j - 1] > value:
                small[j] = small[j - 1]
                j -= 1
            small[j] = value
        if c_hi < m_hi or value > large[m_hi - 1]:
            j = c_hi if c_hi < m_hi else m_hi - 1
            c_hi = min(c_hi + 1, m_hi)
            while j > 0 and large[j - 1] < value:
                large[j] = large[j - 1]
                j -= 1
            large[j] = value
    if h_lo >= n - 1:
        lower = large[0]
    elif h_lo < 0:
        lower = small[0]
    else:
        lower = _lerp_row(small[k_lo], small[k_lo + 1], h_lo - k_lo)
    if h_hi >= n - 1:
        upper = large[0]
    elif h_hi < 0:
        upper = small[0]
    else:
        upper = _lerp_row(large[n - 1 - k_hi], large[n - 2 - k_hi], h_hi - k_hi)
    return lower, upper


_quantile_pair = _kernels.compile_row(quantile_pair)
_alive = _kernels.compile_row(alive)


def _interval_loop(
    kind: int, x: np.ndarray, t_x: np.ndarray, T: np.ndarray, zbar: np.ndarray, code: np.ndarray,
    offsets: np.ndarray, panel: np.ndarray, position: np.ndarray, direct: np.ndarray, theta_t: np.ndarray,
    theta_s: np.ndarray, coefficients: np.ndarray, direct_values: np.ndarray, outputs: np.ndarray, discounted: int,
    full: bool, margin: float, q_lo: float, q_hi: float, lower: np.ndarray, upper: np.ndarray,
) -> None:
    n, n_draws, n_factors, n_out = x.shape[0], theta_t.shape[0], coefficients.shape[2], lower.shape[0]
    n_terms = coefficients.shape[3]
    for block in _kernels.prange((n + _BLOCK - 1) // _BLOCK):
        values = np.empty((n_out, n_draws))
        acc = np.empty(n_factors)
        basis = np.empty(n_terms)
        small = np.empty(n_draws)
        large = np.empty(n_draws)
        for i in range(block * _BLOCK, min(n, (block + 1) * _BLOCK)):
            p_i = panel[i]
            if p_i >= 0:  # the Chebyshev polynomials at the customer's point: the same for every draw
                s = position[i]
                basis[0] = 1.0
                basis[1] = s
                for k in range(2, n_terms):
                    basis[k] = 2.0 * s * basis[k - 1] - basis[k - 2]
            for d in range(n_draws):
                p = _alive(kind, theta_t[d, 0], theta_t[d, 1], offsets[d, code[i]], x[i], t_x[i], T[i])
                if p_i >= 0:
                    for q in range(n_factors):
                        total = 0.0
                        for k in range(n_terms):
                            total += coefficients[d, p_i, q, k] * basis[k]
                        acc[q] = total
                else:
                    for q in range(n_factors):
                        acc[q] = direct_values[d, q, direct[i]]
                sp, sq, sv = theta_s[d, 0], theta_s[d, 1], theta_s[d, 2]
                spend = sp * (sv + x[i] * zbar[i]) / (sp * x[i] + sq - 1.0)
                o = 0
                if full:
                    values[0, d] = p
                    o = 1
                for j in range(outputs.shape[0]):
                    values[o, d] = acc[outputs[j]] * p
                    o += 1
                if full:
                    values[o, d] = spend
                    o += 1
                values[o, d] = margin * spend * (acc[discounted] * p)
            for o in range(n_out):
                lower[o, i], upper[o, i] = _quantile_pair(values[o], q_lo, q_hi, small, large)


_compiled_intervals = _kernels.compile_loop(_interval_loop)


def interval_bounds(
    kind: int, history: tuple[np.ndarray, ...], zbar: np.ndarray, panel: np.ndarray, position: np.ndarray,
    direct: np.ndarray, theta_t: np.ndarray, theta_s: np.ndarray, coefficients: np.ndarray,
    direct_values: np.ndarray, outputs: np.ndarray, discounted: int, *, full: bool, margin: float,
    quantiles: tuple[float, float],
) -> tuple[np.ndarray, np.ndarray]:
    r"""Lower and upper quantiles over the draws of every customer's quantities (compiled; numba required).

    For each customer and draw: P(alive) (:func:`alive`, with :func:`alive_offsets` per draw and frequency), the
    factors (the interpolants of its panel, or the
    direct values), Gamma-Gamma's expected spend :math:`p(\\gamma + x\\bar z)/(px + q - 1)` (FHL 2005b, eq. 5)
    and the CLV; then the quantiles over the draws (:func:`quantile_pair`).

    Parameters
    ----------
    kind : int
        The P(alive) kind (:data:`ALIVE_KINDS`).
    history : tuple of numpy.ndarray
        ``(x, t_x, T)`` of every customer.
    zbar : numpy.ndarray
        Average spend per customer.
    panel, position : numpy.ndarray
        Each customer's panel (-1 for none) and position on it.
    direct : numpy.ndarray
        Each customer's column in ``direct_values`` (used where ``panel`` is -1).
    theta_t, theta_s : numpy.ndarray
        The draws of the transaction and spend parameters, one row per draw.
    coefficients : numpy.ndarray
        Shape (draws, panels, factors, nodes).
    direct_values : numpy.ndarray
        Shape (draws, factors, direct rows).
    outputs : numpy.ndarray
        The factors reported (times P(alive)), in order.
    discounted : int
        The factor of the discounted purchases (the CLV's).
    full : bool
        Report P(alive) first and the expected spend before the CLV.
    margin : float
        The profit margin.
    quantiles : tuple of float
        The lower and upper probabilities.

    Returns
    -------
    tuple of numpy.ndarray
        ``(lower, upper)``, shape (quantities, customers).
    """
    if _compiled_intervals is None:
        raise RuntimeError("interval_bounds needs numba.")
    x, t_x, T = (np.ascontiguousarray(v, dtype=float) for v in history)
    n_out = len(outputs) + 1 + (2 if full else 0)
    lower, upper = np.empty((n_out, len(x))), np.empty((n_out, len(x)))
    frequencies, code = distinct_values(x)
    offsets = np.array([alive_offsets(kind, theta, frequencies) for theta in theta_t]).reshape(-1, len(frequencies))
    if len(x):
        _kernels.launch(
            _compiled_intervals, kind, x, t_x, T, np.ascontiguousarray(zbar, dtype=float), code, offsets, panel,
            position, direct,
            np.ascontiguousarray(theta_t, dtype=float), np.ascontiguousarray(theta_s, dtype=float),
            np.ascontiguousarray(coefficients, dtype=float), np.ascontiguousarray(direct_values, dtype=float),
            np.asarray(outputs, dtype=np.int64), int(discounted), bool(full), float(margin), float(quantiles[0]),
            float(quantiles[1]), lower, upper,
        )
    return lower, upper
