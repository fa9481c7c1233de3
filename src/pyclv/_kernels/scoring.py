r"""Per-customer loops of scoring: frequencies and their ranges of T, panels, and Chebyshev sums.

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

__all__ = ["chebyshev_sums", "chebyshev_values", "frequency_codes", "frequency_ranges", "locate"]

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


def frequency_codes(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each customer's position among the distinct frequencies, and those frequencies (sorted).

    Whole frequencies (as validated summaries have) are counted without sorting.

    Parameters
    ----------
    x : numpy.ndarray
        Frequencies.

    Returns
    -------
    tuple of numpy.ndarray
        ``(code, frequencies)``.
    """
    x = np.asarray(x, dtype=float)
    if x.size and x.min() >= 0 and x.max() < 4 * x.size + 1024:
        whole = x.astype(np.int64)
        if np.array_equal(whole, x):
            present = np.bincount(whole) > 0
            remap = np.cumsum(present) - 1
            return remap[whole], np.flatnonzero(present).astype(float)
    frequencies, code = np.unique(x, return_inverse=True)
    return code.astype(np.int64), frequencies


def _ranges_loop(code: np.ndarray, T: np.ndarray, counts: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> None:
    for i in range(code.shape[0]):
        j = code[i]
        counts[j] += 1
        if T[i] < lo[j]:
            lo[j] = T[i]
        if T[i] > hi[j]:
            hi[j] = T[i]


_compiled_ranges = _kernels.compile_serial(_ranges_loop)


def frequency_ranges(code: np.ndarray, T: np.ndarray, n_codes: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Customers per frequency and their smallest and largest T.

    Parameters
    ----------
    code : numpy.ndarray
        Each customer's frequency code (:func:`frequency_codes`).
    T : numpy.ndarray
        Observation times.
    n_codes : int
        The number of codes.

    Returns
    -------
    tuple of numpy.ndarray
        ``(counts, T_min, T_max)``.
    """
    counts = np.zeros(n_codes, dtype=np.int64)
    lo, hi = np.full(n_codes, np.inf), np.full(n_codes, -np.inf)
    if _kernels.active() and _compiled_ranges is not None:
        _compiled_ranges(code, np.ascontiguousarray(T, dtype=float), counts, lo, hi)
    else:
        counts += np.bincount(code, minlength=n_codes)
        np.minimum.at(lo, code, T)
        np.maximum.at(hi, code, T)
    return counts, lo, hi


def _locate_loop(
    code: np.ndarray, T: np.ndarray, first: np.ndarray, last: np.ndarray, lo: np.ndarray, hi: np.ndarray,
    panel: np.ndarray, position: np.ndarray,
) -> None:
    for i in _kernels.prange(code.shape[0]):
        j = code[i]
        a, b = first[j], last[j]
        if a == b:
            panel[i] = -1
            position[i] = 0.0
            continue
        while b - a > 1:  # the last panel of the frequency that starts at or below T
            m = (a + b) // 2
            if lo[m] <= T[i]:
                a = m
            else:
                b = m
        panel[i] = a
        half = 0.5 * (hi[a] - lo[a])
        position[i] = (T[i] - 0.5 * (lo[a] + hi[a])) / half if half > 0 else 0.0


_compiled_locate = _kernels.compile_loop(_locate_loop)


def locate(
    code: np.ndarray, T: np.ndarray, frequencies: np.ndarray, x: np.ndarray, lo: np.ndarray, hi: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Each customer's panel (-1 if its frequency has none) and its T mapped to [-1, 1] there.

    Parameters
    ----------
    code : numpy.ndarray
        Each customer's frequency code.
    T : numpy.ndarray
        Observation times.
    frequencies : numpy.ndarray
        The distinct frequencies (sorted).
    x, lo, hi : numpy.ndarray
        The panels' frequencies and ranges of T, sorted by frequency then T; the panels of one frequency
        tile its range of T.

    Returns
    -------
    tuple of numpy.ndarray
        ``(panel, position)``.
    """
    first = np.searchsorted(x, frequencies, side="left").astype(np.int64)
    last = np.searchsorted(x, frequencies, side="right").astype(np.int64)
    T = np.ascontiguousarray(T, dtype=float)
    panel = np.empty(len(T), dtype=np.int64)
    position = np.empty(len(T))
    if _kernels.active() and _compiled_locate is not None:
        _compiled_locate(code, T, first, last, lo, hi, panel, position)
        return panel, position
    panel[:] = -1
    position[:] = 0.0
    order = np.argsort(code, kind="stable")
    bounds = np.searchsorted(code[order], np.arange(len(frequencies) + 1))
    for j in np.flatnonzero(last > first):
        rows = order[bounds[j] : bounds[j + 1]]
        p = first[j] + np.searchsorted(lo[first[j] : last[j]], T[rows], side="right") - 1
        half = 0.5 * (hi[p] - lo[p])
        panel[rows] = p
        with np.errstate(invalid="ignore", divide="ignore"):
            position[rows] = np.where(half > 0, (T[rows] - 0.5 * (lo[p] + hi[p])) / half, 0.0)
    return panel, position


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
        _compiled_values(panel, position, coefficients, out)
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
