r"""Differences of log-gamma and log-beta values without cancellation, for the likelihoods and their kernels.

:math:`\log\Gamma(y+h) - \log\Gamma(y)` at y = 1e9 keeps only seven digits when taken as the difference of two
log-gamma values, and two values of ``betaln`` near -4e13 keep none: the models (:mod:`pyclv.models`) and the
compiled likelihood kernels (:mod:`pyclv._kernels.nbd`) share these forms, so that both give the same totals.
"""

from __future__ import annotations

import numpy as np
from scipy import special

__all__ = ["STIRLING", "lgamma_diff", "log_beta_ratio", "log_gamma_ratio"]

ArrayLike = np.ndarray | float

# Stirling-series coefficients B_2k / (2k (2k - 1)), k = 1..8.
STIRLING = (1 / 12, -1 / 360, 1 / 1260, -1 / 1680, 1 / 1188, -691 / 360360, 1 / 156, -3617 / 122400)


def lgamma_diff(y: np.ndarray, h: ArrayLike) -> np.ndarray:
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


def log_gamma_ratio(y: ArrayLike, h: ArrayLike) -> np.ndarray:
    r""":math:`\log\Gamma(y+h) - \log\Gamma(y)` for y > 0 and h >= 0, without cancellation for large y.

    Where y >= 1 it is :func:`lgamma_diff` (the difference of two log-gamma values of 1e9 would keep only
    seven digits at r = 1e8); below, the two log-gamma values are small and their difference exact enough.
    """
    y, h = np.broadcast_arrays(np.asarray(y, dtype=float), np.asarray(h, dtype=float))
    out = np.asarray(special.gammaln(y + h) - special.gammaln(y), dtype=float)
    large = y >= 1.0
    if np.any(large):
        out = np.array(out, copy=True)
        out[large] = lgamma_diff(y[large], h[large])
    return out


def log_beta_ratio(a: ArrayLike, b: ArrayLike, h: ArrayLike) -> np.ndarray:
    r""":math:`\log\{B(a, b+h)/B(a, b)\}` for a, b > 0 and h >= 0, without cancellation for large a or b.

    As :math:`[\log\Gamma(b+h) - \log\Gamma(b)] - [\log\Gamma(a+b+h) - \log\Gamma(a+b)]`
    (:func:`log_gamma_ratio`): two values of ``betaln`` near -4e13 (a = 1e11, b = 1e200) would keep no digit of
    their difference.
    """
    return log_gamma_ratio(b, h) - log_gamma_ratio(np.add(a, b), h)
