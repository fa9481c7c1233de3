"""Special-function helpers shared by several models.

Stable log-space sums, power series of hypergeometric type, and ratios that stay accurate through their
removable singularities.
"""

from __future__ import annotations

import numpy as np
from scipy import special

__all__ = [
    "log1mexp",
    "log1p_ratio",
    "lgamma_diff",
    "log_hyp2f1_series",
    "one_minus_power_over",
    "one_minus_power_times",
    "segment_logsumexp",
]

ArrayLike = np.ndarray | float

# Stirling-series coefficients B_2k / (2k (2k - 1)), k = 1..8.
STIRLING = (1 / 12, -1 / 360, 1 / 1260, -1 / 1680, 1 / 1188, -691 / 360360, 1 / 156, -3617 / 122400)


def log1mexp(a: np.ndarray) -> np.ndarray:
    """``log(1 - exp(a))`` for a <= 0, accurate near 0 and for very negative a (-inf at a = 0)."""
    a = np.asarray(a, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(a > -0.6931471805599453, np.log(-np.expm1(a)), np.log1p(-np.exp(a)))


def log_hyp2f1_series(
    A: np.ndarray, B: np.ndarray, C: np.ndarray, z: np.ndarray, max_terms: int = 200_000
) -> np.ndarray:
    """Log of Gauss's series for 2F1(A, B; C; z), 0 <= z < 1, rescaled as it grows.

    NaN where the sum is negative or has not converged within ``max_terms`` terms.
    """
    total = np.ones_like(z)
    term = np.ones_like(z)
    log_scale = np.zeros_like(z)
    active = np.ones(z.shape, dtype=bool)
    for k in range(max_terms):
        if not active.any():
            break
        idx = np.flatnonzero(active)
        term[idx] *= (A[idx] + k) * (B[idx] + k) / ((C[idx] + k) * (k + 1.0)) * z[idx]
        total[idx] += term[idx]
        big = np.abs(total[idx]) > 1e200
        if big.any():
            j = idx[big]
            total[j] *= 1e-200
            term[j] *= 1e-200
            log_scale[j] += 200.0 * np.log(10.0)
        done = np.abs(term[idx]) <= 1e-17 * np.abs(total[idx])
        active[idx[done]] = False
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(active | (total <= 0), np.nan, np.log(total) + log_scale)


def one_minus_power_times(exponent: ArrayLike, log_base: ArrayLike, factor: ArrayLike) -> np.ndarray:
    """``1 - exp(exponent * log_base) * factor``, without cancellation when the product is near 1."""
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        log_form = -np.expm1(exponent * log_base + np.log(factor))
        direct = 1.0 - np.exp(exponent * log_base) * factor
    return np.where(np.asarray(factor) > 0, log_form, direct)


def one_minus_power_over(c: ArrayLike, log_ratio: ArrayLike) -> np.ndarray:
    r""":math:`(1 - e^{-c L})/c` for L >= 0, equal to L at c = 0 (``L * exprel(-c L)``)."""
    return log_ratio * special.exprel(-np.asarray(c) * log_ratio)


def segment_logsumexp(values: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """log(sum(exp(values))) over the segments beginning at ``starts`` (all non-empty)."""
    peak = np.maximum.reduceat(values, starts)
    lengths = np.diff(np.append(starts, len(values)))
    total = np.add.reduceat(np.exp(values - np.repeat(peak, lengths)), starts)
    return peak + np.log(total)


def log1p_ratio(u: np.ndarray) -> np.ndarray:
    """log(1 + u) / u, continuous at u = 0 (for u > -1)."""
    small = np.abs(u) < 1e-8
    safe = np.where(small, 1.0, u)
    return np.where(small, 1.0 - 0.5 * u, np.log1p(safe) / safe)


def lgamma_diff(y: np.ndarray, h: float) -> np.ndarray:
    r"""``gammaln(y + h) - gammaln(y)`` for y >= 1 and h > -1, accurate to a few ulps of the result.

    Below 11, y is first shifted up with :math:`\log\Gamma(y+h) - \log\Gamma(y) =
    [\log\Gamma(y+K+h) - \log\Gamma(y+K)] - \sum_{j<K} \log(1 + h/(y+j))`. Then Stirling's series in
    difference form, :math:`(y-\tfrac12)\log(1+h/y) + h\log(y+h) - h + \phi(y+h) - \phi(y)` (8 terms of
    :math:`\phi`, error below 1e-16 for y, y + h >= 10), avoids subtracting two large log-gamma values.
    """
    y = np.asarray(y, dtype=float)
    shift = np.maximum(0.0, np.ceil(11.0 - y))
    correction = np.zeros_like(y)
    for j in range(int(shift.max()) if shift.size else 0):
        correction += np.where(j < shift, np.log1p(h / (y + j)), 0.0)
    yb = y + shift
    yh = yb + h
    log_ratio = np.log1p(h / yb)
    phi = np.zeros_like(yb)
    for k, c in enumerate(STIRLING, start=1):  # phi(y + h) - phi(y) without cancellation for small h
        phi += c * yb ** (1 - 2 * k) * np.expm1((1 - 2 * k) * log_ratio)
    return (yb - 0.5) * log_ratio + h * np.log(yh) - h + phi - correction
