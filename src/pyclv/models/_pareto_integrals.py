r"""The integrals of the Pareto/NBD model (:mod:`pyclv.models.pareto_nbd`), in log space.

Notes
-----
Everything rests on one integral,

.. math:: I(p, q; a, b) = \int_a^b (\alpha+\tau)^{-p} (\beta+\tau)^{-q}\, d\tau ,

whose tail :math:`\int_\tau^\infty` is a Gauss hypergeometric function (Fader & Hardie 2005 note, the
:math:`A_0` term). With :math:`c = \max(\alpha, \beta)`, :math:`d = \min(\alpha, \beta)` and the exponents
:math:`(p_c, p_d)` of the matching factors (the note's :math:`\alpha \ge \beta` switch, which keeps the
argument :math:`z = (c-d)/(c+\tau)` in [0, 1)), Euler's transformation gives

.. math:: \int_\tau^\infty = \frac{(c+\tau)^{-p_c} (d+\tau)^{1-p_d}}{p+q-1}\,
          {}_2F_1\big(1, p_c; p+q; z\big),

whose hypergeometric factor lies between 1 and :math:`(1-z)^{\min(0, p_c-1)}`-scale values instead of
overflowing as the note's :math:`{}_2F_1(r+s+x, s+1; r+s+x+1; z)` does for large x. It is evaluated in log
space; the difference of the two tails uses ``log1mexp``. Where scipy's ``hyp2f1`` cannot evaluate the
function (it returns NaN for upper parameters in the hundreds and z near 1), the integral is computed by
adaptive quadrature of its log-concave integrand on a logarithmic time scale instead.

The same care goes into the two other integrals of the model: :func:`log_j_quad`, the integral of
P(X(t) = n) for n >= 1 (Fader, Hardie & Lee 2006), by quadrature of its log-concave integrand, and
:func:`log_laplace_gamma_tail`, Tricomi's confluent function of the DERT (Fader, Hardie & Lee 2005).

References
----------
Fader, P. S. and Hardie, B. G. S. (2005). A note on deriving the Pareto/NBD model and related expressions.
Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005). RFM and CLV: using iso-value curves for customer base
analysis. *Journal of Marketing Research*, 42(4), 415-430.
Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2006). Deriving an expression for P(X(t) = x) under the
Pareto/NBD model.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import numpy as np
from pandas import factorize
from scipy import integrate, optimize, special

from pyclv.models._special import log1mexp

__all__ = [
    "log_integral",
    "log_integral_quad",
    "log_j_quad",
    "log_laplace_gamma_tail",
    "log_quad_concave",
    "log_tail_hyp",
    "log_tail_hyp_direct",
]

ArrayLike = np.ndarray | float


def log_tail_hyp(pc: np.ndarray, pd: np.ndarray, c: np.ndarray, d: np.ndarray, tau: np.ndarray) -> np.ndarray:
    r"""Log of :math:`\int_\tau^\infty (c+v)^{-p_c}(d+v)^{-p_d} dv` for c >= d, via 2F1 (NaN where scipy fails).

    In a fit, c, d and one exponent are the same for every customer, and the other exponent with tau,
    (r + x, t_x or T), repeats a lot: the hypergeometric function is then evaluated once per distinct pair
    (found by hashing, no sorting).
    """
    if pc.ndim == 1 and pc.size > 4096 and c.min() == c.max() and d.min() == d.max():
        varying_c = pd.min() == pd.max()
        if varying_c or pc.min() == pc.max():
            codes, pairs = factorize((pc if varying_c else pd) + 1j * tau)
            if len(pairs) < pc.size // 2:
                p_c = pairs.real if varying_c else pc[:1]
                p_d = pd[:1] if varying_c else pairs.real
                return log_tail_hyp_direct(p_c, p_d, c[:1], d[:1], pairs.imag)[codes]
    return log_tail_hyp_direct(pc, pd, c, d, tau)


def log_tail_hyp_direct(pc: np.ndarray, pd: np.ndarray, c: np.ndarray, d: np.ndarray, tau: np.ndarray) -> np.ndarray:
    n = pc + pd - 1.0
    log_one_minus_z = np.log(d + tau) - np.log(c + tau)
    z = -np.expm1(log_one_minus_z)
    with np.errstate(all="ignore"):
        hyp = special.hyp2f1(1.0, pc, pc + pd, z)
        log_hyp = np.where(np.isfinite(hyp) & (hyp > 0), np.log(np.where(hyp > 0, hyp, 1.0)), np.nan)
    return -pc * np.log(c + tau) + (1.0 - pd) * np.log(d + tau) - np.log(n) + log_hyp


def log_quad_concave(psi: Callable[[float], float], lo: float, mode: float, hi: float, *, limit: int) -> float:
    """Log of the integral of ``exp(psi(u))`` over [lo, hi], for a concave ``psi`` whose maximum there is at ``mode``.

    The integrand is scaled by its peak ``exp(psi(mode))`` (so it neither overflows nor underflows) and the
    interval is split at the mode, so adaptive quadrature (relative tolerance 1e-11, at most ``limit``
    subintervals per side) sees a monotone integrand on each side. ``-inf`` for an empty interval. Limits that
    are not finite and ordered, or a non-finite peak, raise ValueError: nothing undefined reaches
    ``scipy.integrate.quad``.
    """
    if not (np.isfinite(lo) and np.isfinite(hi) and lo <= mode <= hi):
        raise ValueError(f"quadrature limits must be finite and ordered; got lo={lo!r}, mode={mode!r}, hi={hi!r}.")
    peak = psi(mode)
    if not np.isfinite(peak):
        raise ValueError(f"the log-integrand is not finite at its mode ({mode!r}); the arguments are out of range.")

    def f(u: float) -> float:
        return float(np.exp(psi(u) - peak))

    total = 0.0
    for a, b in ((lo, mode), (mode, hi)):
        if b > a:
            total += integrate.quad(f, a, b, epsabs=0.0, epsrel=1e-11, limit=limit, full_output=1)[0]
    return peak + float(np.log(total)) if total > 0 else -np.inf


def log_integral_quad(pa: float, pb: float, alpha: float, beta: float, lo: float, hi: float) -> float:
    r"""Log of :math:`\int_{lo}^{hi} (\alpha+\tau)^{-p_a}(\beta+\tau)^{-p_b} d\tau` by adaptive quadrature.

    On the scale :math:`u = \log((m + \tau)/(m + lo))`, m = min(alpha, beta), the log-integrand
    :math:`\psi(u) = \log(m+\tau) - p_a\log(\alpha+\tau) - p_b\log(\beta+\tau)` is concave, so it has one
    maximum; the integrand is scaled by it and the interval split there. The upper limit
    ``log1p((hi - lo) / (m + lo))`` keeps short intervals exact.
    """
    if not hi > lo:
        return -np.inf
    m = min(alpha, beta)
    base = m + lo

    def psi(u: float) -> float:
        tau = lo + base * np.expm1(u)
        return np.log(base) + u - pa * np.log(alpha + tau) - pb * np.log(beta + tau)

    def dpsi(u: float) -> float:
        tau = lo + base * np.expm1(u)
        e = m + tau
        return 1.0 - pa * e / (alpha + tau) - pb * e / (beta + tau)

    u1 = float(np.log1p((hi - lo) / base))
    if dpsi(0.0) <= 0.0:
        mode = 0.0
    elif dpsi(u1) >= 0.0:
        mode = u1
    else:
        mode = optimize.brentq(dpsi, 0.0, u1, xtol=1e-14 * max(u1, 1e-300))
    return log_quad_concave(psi, 0.0, mode, u1, limit=200)


def log_integral(
    pa: ArrayLike, pb: ArrayLike, alpha: ArrayLike, beta: ArrayLike, lo: ArrayLike, hi: ArrayLike
) -> np.ndarray:
    r"""Log of :math:`\int_{lo}^{hi} (\alpha+\tau)^{-p_a} (\beta+\tau)^{-p_b}\, d\tau` (0 <= lo <= hi < inf).

    The Pareto/NBD likelihood's :math:`A_0` term is this integral with :math:`p_a = r+x`, :math:`p_b = s+1`,
    lo = :math:`t_x`, hi = T (Fader & Hardie 2005 note, eq. 22 and the :math:`\alpha \ge \beta` switch). It
    is the difference of two hypergeometric tails (see the module notes), computed in log space; where the
    hypergeometric function cannot be evaluated, by adaptive quadrature. Returns ``-inf`` where lo = hi.

    Parameters
    ----------
    pa, pb : array-like
        The exponents of :math:`\alpha+\tau` and :math:`\beta+\tau` (> 0, with pa + pb > 1).
    alpha, beta : array-like
        The shifts (> 0).
    lo, hi : array-like
        The limits of integration (0 <= lo <= hi, finite).

    Returns
    -------
    numpy.ndarray or float
        The log of the integral, in the broadcast shape of the arguments (a float for scalar arguments).
    """
    pa, pb, alpha, beta, lo, hi = (np.asarray(v, dtype=float) for v in (pa, pb, alpha, beta, lo, hi))
    shape = np.broadcast_shapes(*(np.shape(v) for v in (pa, pb, alpha, beta, lo, hi)))
    pa, pb, alpha, beta, lo, hi = (np.atleast_1d(v) for v in np.broadcast_arrays(pa, pb, alpha, beta, lo, hi))
    a_big = alpha >= beta
    pc, pd = np.where(a_big, pa, pb), np.where(a_big, pb, pa)
    c, d = np.where(a_big, alpha, beta), np.where(a_big, beta, alpha)
    g_lo = log_tail_hyp(pc, pd, c, d, lo)
    g_hi = log_tail_hyp(pc, pd, c, d, hi)
    with np.errstate(invalid="ignore"):
        diff = np.minimum(g_hi - g_lo, 0.0)
        out = np.where(hi > lo, g_lo + log1mexp(diff), -np.inf)
    # Fall back to quadrature where the hypergeometric tails failed, or where their difference lost
    # more than six digits to cancellation (the two tails agree to within 1e-6).
    redo = (hi > lo) & (~np.isfinite(out) | (np.isfinite(diff) & (diff > -1e-6)))
    if np.any(redo):
        out = np.array(out, dtype=float, copy=True)
        for i in zip(*np.nonzero(redo), strict=True):
            out[i] = log_integral_quad(pa[i], pb[i], alpha[i], beta[i], lo[i], hi[i])
    return out.reshape(shape)[()]


def log_j_quad(n: float, r: float, alpha: float, s: float, beta: float, t: float) -> float:
    r"""Log of :math:`\int_0^t \tau^n(\alpha+\tau)^{-(r+n)}(\beta+\tau)^{-(s+1)} d\tau` for n >= 1, by quadrature.

    The quadrature runs on u = log(tau), where the log-integrand is concave.
    """
    if not (np.isfinite(t) and t > 0):
        raise ValueError(f"the upper limit of integration must be finite and > 0; got {t!r}.")
    pa, pb = r + n, s + 1.0

    def psi(u: float) -> float:
        e = np.exp(u)
        return (n + 1.0) * u - pa * np.log(alpha + e) - pb * np.log(beta + e)

    def dpsi(u: float) -> float:
        e = np.exp(u)
        return (n + 1.0) - pa * e / (alpha + e) - pb * e / (beta + e)

    u1 = np.log(t)
    if dpsi(u1) >= 0.0:
        mode = u1
    else:
        lo = u1 - 1.0
        while dpsi(lo) < 0.0:
            lo -= 2.0 * (u1 - lo)
        mode = optimize.brentq(dpsi, lo, u1, xtol=1e-12)
    # psi' >= n + 1 - ... tends to n + 1 >= 2 on the left; 80 log-units below the mode the integrand is
    # below exp(-80) of its peak.
    u0 = min(mode, np.log(min(alpha, beta))) - 80.0 / (n + 1.0) - 40.0
    return log_quad_concave(psi, u0, mode, u1, limit=400)


def log_laplace_gamma_tail(s: float, z: np.ndarray) -> np.ndarray:
    r"""Log of :math:`U(1, 2-s, z) = \int_0^\infty e^{-zt}(1+t)^{-s} dt` (Tricomi's confluent function).

    scipy's ``hyperu`` is used where it returns a finite value; otherwise (large s) the integral is
    computed by adaptive quadrature.
    """
    z = np.asarray(z, dtype=float)
    with np.errstate(all="ignore"):
        u = special.hyperu(1.0, 2.0 - s, z)
    out = np.where(np.isfinite(u) & (u > 0), np.log(np.where(u > 0, u, 1.0)), np.nan)
    bad = ~np.isfinite(out)
    if np.any(bad):
        out = np.array(out, dtype=float, copy=True)
        for i in zip(*np.nonzero(bad), strict=True):
            zi = float(z[i])
            if not (np.isfinite(zi) and zi > 0):
                raise ValueError(f"the Laplace transform needs a finite argument > 0; got {zi!r}.")
            scale = 1.0 / (zi + s)  # the integrand falls by e over about this length near t = 0

            def f(v: float, zi: float = zi) -> float:
                return float(np.exp(-zi * v - s * np.log1p(v)))

            edges = [0.0, scale, 50.0 * scale]
            val = sum(
                integrate.quad(f, a, b, epsabs=0.0, epsrel=1e-11, limit=200, full_output=1)[0]
                for a, b in itertools.pairwise(edges)
            )
            val += integrate.quad(f, edges[-1], np.inf, epsabs=0.0, epsrel=1e-11, limit=200, full_output=1)[0]
            out[i] = np.log(val)
    return out
