r"""The likelihood kernel of Pareto/NBD: value, gradient and Hessian in one pass over the customers.

The log-likelihood of one customer (Fader & Hardie 2005 note, eqs. 19-22; Schmittlein et al. 1987) is

.. math::
    \log L = c(x) + \log\big(e^{t_1} + e^{t_2}\big), \qquad
    c = \log\Gamma(r+x) - \log\Gamma(r) + r\log\alpha + s\log\beta,

    t_1 = -(r+x)\log(\alpha+T) - s\log(\beta+T), \qquad t_2 = \log s + \log I, \qquad
    I = \int_{t_x}^{T} (\alpha+\tau)^{-(r+x)} (\beta+\tau)^{-(s+1)}\, d\tau .

Everything difficult is in :math:`\log I` and its first and second derivatives in :math:`(r, \alpha, s, \beta)`.
With :math:`c \ge d` the larger and smaller of :math:`\alpha, \beta` and :math:`p_c, p_d` the matching exponents
(the note's :math:`\alpha \ge \beta` switch), :math:`I` is the difference of two tails
:math:`G(t_x) - G(T)`, with Euler's form of the note's hypergeometric function

.. math::
    G(\tau) = \int_\tau^\infty (c+v)^{-p_c} (d+v)^{-p_d} dv
            = \frac{(c+\tau)^{-p_c} (d+\tau)^{1-p_d}}{p_c+p_d-1}\, F(z), \qquad
    F(z) = {}_2F_1(1, p_c; p_c+p_d; z) = \sum_{k\ge0} \frac{(p_c)_k}{(p_c+p_d)_k} z^k, \quad
    z = \frac{c-d}{c+\tau} \in [0, 1).

The coefficients depend on the customer through x only. :func:`table` computes them once per distinct frequency
and pass, with those of the derivatives of :math:`F` in :math:`p_c` and :math:`p_d` (the series differentiated term
by term: :math:`\partial_{p_c} \log c_k = \sum_{j<k} 1/(p_c+j) - 1/(p_c+p_d+j)`, and so on); each customer then costs
two Horner evaluations of polynomials in z, which also give the derivatives in z (and so in c and d). The terms
needed follow from z (:data:`LOG_TOLERANCE`): a few tens where :math:`\alpha` and :math:`\beta` are of the same order.

Two cases are computed differently, both with the derivatives as moments of the integrand f
(:math:`\nabla\log I = E[\nabla\log f]`, :math:`\nabla^2\log I = E[\nabla^2\log f] + \mathrm{Cov}[\nabla\log f]`
under f / I). Where the interval :math:`[t_x, T]` is short against the scale on which the integrand falls (the
tails would cancel), by Gauss-Legendre quadrature on the interval (:func:`short_integral`). Where z is so close to 1
that the series would need more than the table's terms (:math:`\beta \gg \alpha`, as when a fit runs towards
no dropout, or :math:`\alpha \gg \beta` with recent customers), or the tails still lose more than three digits
to cancellation, by a composite Gauss-Legendre rule on a logarithmic time scale (:func:`long_integral`). The
kernel reports any row whose value is still not finite, for the model's per-customer functions to take.

The derivatives of the log-sum combine as in BG/NBD (:mod:`pyclv._kernels.nbd`): with :math:`w_i` the shares of
the two terms, the Hessian is :math:`w_1 H_1 + w_2 H_2 + w_1 w_2 (g_1 - g_2)(g_1 - g_2)^\top`.

References
----------
Fader, P. S. and Hardie, B. G. S. (2005). A note on deriving the Pareto/NBD model and related expressions.
Schmittlein, D. C., Morrison, D. G. and Colombo, R. (1987). Counting your customers: who are they and what will
they do next? *Management Science*, 33(1), 1-24.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import special

from pyclv import _kernels

__all__ = [
    "LOG_TOLERANCE",
    "MAX_TERMS",
    "N_VALUES",
    "Rows",
    "Tables",
    "prepare",
    "short_integral",
    "table",
    "totals",
]

#: Values per row: the log-likelihood, 4 first derivatives and the 10 of the Hessian's upper triangle.
N_VALUES = 15
#: A row's series has ``ceil(LOG_TOLERANCE / log z) + 3`` terms: the first left out is below exp(-41) = 2e-18.
LOG_TOLERANCE = -41.0
#: At most this many terms per series (z up to about 0.98); rows needing more are left to the plain functions.
MAX_TERMS = 2000
# ... and at most this many coefficients in a pass's table (distinct frequencies x terms), 6 values each.
_MAX_TABLE = 600_000
# Intervals with (decay rate at t_x) x (T - t_x) below SHORT_DECAY and T - t_x below SHORT_SPAN x (min(alpha,
# beta) + t_x) are integrated by Gauss-Legendre with _NODES nodes (the error is far below 1e-16 there).
SHORT_DECAY = 0.1
SHORT_SPAN = 0.1
_NODES, _WEIGHTS = np.polynomial.legendre.leggauss(8)
# The composite rule of long_integral: each panel spans about PANEL_CHANGE of the log-integrand; the integral stops
# TAIL_DROP below the peak (a relative remainder below 1e-18), after at most MAX_PANELS panels.
PANEL_CHANGE = 1.0
TAIL_DROP = 42.0
MAX_PANELS = 400
_NO_SUMS = (0.0,) * 19
# The tails' difference may lose at most three digits (1 - G(T)/G(t_x) >= MIN_SHARE) before a row is given up.
MIN_SHARE = 1e-3
# Columns of the per-frequency table: the log-gamma part of c(x) and its first two derivatives in r, the
# exponents p_c, p_d of the tails and 1 / (p_c + p_d - 1), then the jet of log G(0) (the lower tail of every row
# with t_x = 0).
_C, _C_R, _C_RR, _PC, _PD, _INV_N, _G0 = range(7)
_N_TAB = _G0 + N_VALUES
# The pass's constants: c, d, log(c - d), 1.0 where alpha < beta (the tails' variables are then swapped), the
# number of series terms in the table, and log alpha, log beta, log s.
_CC, _DD, _LOG_CD, _SWAP, _TERMS, _LOG_ALPHA, _LOG_BETA, _LOG_S = range(8)


# ---------------------------------------------------------------------------------------------- the pieces
def tail_jet(
    pc: Any, pd: Any, inv_n: Any, cpt: Any, dpt: Any, log_cpt: Any, log_dpt: Any, horner: tuple[Any, ...]
) -> tuple[Any, ...]:
    r"""The log of a tail :math:`G(\tau)` with its gradient and Hessian in :math:`(p_c, c, p_d, d)`.

    Parameters
    ----------
    pc, pd : float or numpy.ndarray
        The exponents.
    inv_n : float or numpy.ndarray
        :math:`1 / (p_c + p_d - 1)`.
    cpt, dpt : float or numpy.ndarray
        :math:`c+\tau` and :math:`d+\tau`.
    log_cpt, log_dpt : float or numpy.ndarray
        Their logs.
    horner : tuple
        ``F, F', F'', F_a, F_a', F_b, F_b', F_aa, F_ab, F_bb``: the series and its derivatives in z (') and in
        :math:`p_c` (a) and :math:`p_d` (b), at z.

    Returns
    -------
    tuple
        The 15 values: log G, its 4 first derivatives and the Hessian's upper triangle, row by row.
    """
    f, f1, f2, fa, fa1, fb, fb1, faa, fab, fbb = horner
    ic, idd = 1.0 / cpt, 1.0 / dpt
    i_f = 1.0 / f
    ga, gb, gz = fa * i_f, fb * i_f, f1 * i_f
    haa, hab, hbb = faa * i_f - ga * ga, fab * i_f - ga * gb, fbb * i_f - gb * gb
    haz, hbz, hzz = fa1 * i_f - ga * gz, fb1 * i_f - gb * gz, f2 * i_f - gz * gz
    # z = (c - d) / (c + tau) and its derivatives in c and d
    zc, zd = dpt * ic * ic, -ic
    zcc, zcd = -2.0 * zc * ic, ic * ic
    nn = inv_n * inv_n
    return (
        -pc * log_cpt + (1.0 - pd) * log_dpt + np.log(inv_n) + np.log(f),
        -log_cpt - inv_n + ga,
        -pc * ic + gz * zc,
        -log_dpt - inv_n + gb,
        (1.0 - pd) * idd + gz * zd,
        nn + haa,
        -ic + haz * zc,
        nn + hab,
        haz * zd,
        pc * ic * ic + hzz * zc * zc + gz * zcc,
        hbz * zc,
        hzz * zc * zd + gz * zcd,
        nn + hbb,
        -idd + hbz * zd,
        (pd - 1.0) * idd * idd + hzz * zd * zd,
    )


def difference(lo: tuple[Any, ...], hi: tuple[Any, ...]) -> tuple[tuple[Any, ...], Any]:
    r"""The jet of :math:`\log(G_{lo} - G_{hi})` from the jets of :math:`\log G_{lo}` and :math:`\log G_{hi}`.

    With :math:`e = G_{hi}/G_{lo}` and :math:`V = 1 - e`, the gradient is :math:`(g_{lo} - e g_{hi})/V` and the
    Hessian :math:`[(H_{lo} + g_{lo}g_{lo}^\top) - e(H_{hi} + g_{hi}g_{hi}^\top)]/V` minus the gradient's outer
    product.

    Parameters
    ----------
    lo, hi : tuple
        Jets (15 values each) of the two tails, the larger first.

    Returns
    -------
    tuple
        The jet of the difference, and V (how much was left after the cancellation).
    """
    e = np.exp(hi[0] - lo[0])
    share = -np.expm1(hi[0] - lo[0])
    inv = 1.0 / share
    g0 = (lo[1] - e * hi[1]) * inv
    g1 = (lo[2] - e * hi[2]) * inv
    g2 = (lo[3] - e * hi[3]) * inv
    g3 = (lo[4] - e * hi[4]) * inv
    # [(H_lo + g_lo g_lo') - e (H_hi + g_hi g_hi')] / V minus the gradient's outer product, entry by entry
    return (
        lo[0] + np.log(share), g0, g1, g2, g3,
        ((lo[5] + lo[1] * lo[1]) - e * (hi[5] + hi[1] * hi[1])) * inv - g0 * g0,
        ((lo[6] + lo[1] * lo[2]) - e * (hi[6] + hi[1] * hi[2])) * inv - g0 * g1,
        ((lo[7] + lo[1] * lo[3]) - e * (hi[7] + hi[1] * hi[3])) * inv - g0 * g2,
        ((lo[8] + lo[1] * lo[4]) - e * (hi[8] + hi[1] * hi[4])) * inv - g0 * g3,
        ((lo[9] + lo[2] * lo[2]) - e * (hi[9] + hi[2] * hi[2])) * inv - g1 * g1,
        ((lo[10] + lo[2] * lo[3]) - e * (hi[10] + hi[2] * hi[3])) * inv - g1 * g2,
        ((lo[11] + lo[2] * lo[4]) - e * (hi[11] + hi[2] * hi[4])) * inv - g1 * g3,
        ((lo[12] + lo[3] * lo[3]) - e * (hi[12] + hi[3] * hi[3])) * inv - g2 * g2,
        ((lo[13] + lo[3] * lo[4]) - e * (hi[13] + hi[3] * hi[4])) * inv - g2 * g3,
        ((lo[14] + lo[4] * lo[4]) - e * (hi[14] + hi[4] * hi[4])) * inv - g3 * g3,
    ), share


def swap(jet: tuple[Any, ...]) -> tuple[Any, ...]:
    """A jet in ``(v2, v3, v0, v1)`` from one in ``(v0, v1, v2, v3)``: from (p_c, c, p_d, d) to (r, alpha, s, beta).

    Parameters
    ----------
    jet : tuple
        15 values.

    Returns
    -------
    tuple
    """
    return (jet[0], jet[3], jet[4], jet[1], jet[2],
            jet[12], jet[13], jet[7], jet[10], jet[14], jet[8], jet[11], jet[5], jet[6], jet[9])


@_kernels.jitable
def accumulate(acc: tuple[Any, ...], p: Any, q: Any, ia0: Any, ib0: Any, u: Any, weight: Any) -> tuple[Any, ...]:
    r"""Add one quadrature node to the moments of :func:`moments_jet`.

    Parameters
    ----------
    acc : tuple
        The 15 sums so far: :math:`\sum W f`, of :math:`W f` times :math:`1/(\alpha+\tau)`,
        :math:`1/(\beta+\tau)`, their squares, the 4 centred gradients of log f and their 10 products.
    p, q : float or numpy.ndarray
        The exponents.
    ia0, ib0 : float or numpy.ndarray
        :math:`1/(\alpha+lo)`, :math:`1/(\beta+lo)`.
    u : float or numpy.ndarray
        The node's distance from lo, :math:`\tau - lo`.
    weight : float or numpy.ndarray
        Its weight W (the rule's weight times the Jacobian of the integration variable).

    Returns
    -------
    tuple
        The 19 updated sums.
    """
    da, db = np.log1p(u * ia0), np.log1p(u * ib0)
    ia, ib = 1.0 / (1.0 / ia0 + u), 1.0 / (1.0 / ib0 + u)
    f = weight * np.exp(-p * da - q * db)
    # the gradient of log f in (p, alpha, q, beta) minus its value at lo
    c0, c1, c2, c3 = -da, p * u * ia * ia0, -db, q * u * ib * ib0
    return (
        acc[0] + f, acc[1] + f * ia, acc[2] + f * ib, acc[3] + f * ia * ia, acc[4] + f * ib * ib,
        acc[5] + f * c0, acc[6] + f * c1, acc[7] + f * c2, acc[8] + f * c3,
        acc[9] + f * c0 * c0, acc[10] + f * c0 * c1, acc[11] + f * c0 * c2, acc[12] + f * c0 * c3,
        acc[13] + f * c1 * c1, acc[14] + f * c1 * c2, acc[15] + f * c1 * c3,
        acc[16] + f * c2 * c2, acc[17] + f * c2 * c3, acc[18] + f * c3 * c3,
    )


@_kernels.jitable
def moments_jet(acc: tuple[Any, ...], p: Any, q: Any, a0: Any, b0: Any) -> tuple[Any, ...]:
    r"""The jet of :math:`\log I` in :math:`(p, \alpha, q, \beta)` from the moments of :func:`accumulate`.

    With f the integrand, the gradient of :math:`\log I` is :math:`E[\nabla\log f]` and its Hessian
    :math:`E[\nabla^2\log f] + \mathrm{Cov}[\nabla\log f]`, under the density f / I. The covariance is taken of
    the gradient's changes from the interval's start, so nothing cancels on short intervals.

    Parameters
    ----------
    acc : tuple
        The sums (see :func:`accumulate`), with f relative to its value at lo.
    p, q : float or numpy.ndarray
        The exponents.
    a0, b0 : float or numpy.ndarray
        :math:`\alpha+lo`, :math:`\beta+lo`.

    Returns
    -------
    tuple
        The 15 values of the jet.
    """
    inv = 1.0 / acc[0]
    ea, eb, ea2, eb2 = acc[1] * inv, acc[2] * inv, acc[3] * inv, acc[4] * inv
    m0, m1, m2, m3 = acc[5] * inv, acc[6] * inv, acc[7] * inv, acc[8] * inv
    log_a0, log_b0 = np.log(a0), np.log(b0)
    return (
        -p * log_a0 - q * log_b0 + np.log(acc[0]),
        -log_a0 + m0, -p / a0 + m1, -log_b0 + m2, -q / b0 + m3,
        acc[9] * inv - m0 * m0, acc[10] * inv - m0 * m1 - ea, acc[11] * inv - m0 * m2, acc[12] * inv - m0 * m3,
        acc[13] * inv - m1 * m1 + p * ea2, acc[14] * inv - m1 * m2, acc[15] * inv - m1 * m3,
        acc[16] * inv - m2 * m2, acc[17] * inv - m2 * m3 - eb,
        acc[18] * inv - m3 * m3 + q * eb2,
    )


def short_integral(p: Any, alpha: Any, q: Any, beta: Any, lo: Any, h: Any) -> tuple[Any, ...]:
    r"""The jet of the log of a short integral, by Gauss-Legendre quadrature.

    The integral is :math:`\int_{lo}^{lo+h} (\alpha+\tau)^{-p}(\beta+\tau)^{-q} d\tau`, its jet in
    :math:`(p, \alpha, q, \beta)`; the derivatives are moments of the integrand (:func:`moments_jet`).

    Parameters
    ----------
    p, alpha, q, beta : float or numpy.ndarray
        Exponents and shifts.
    lo, h : float or numpy.ndarray
        Start and length of the interval (h > 0).

    Returns
    -------
    tuple
        The 15 values of the jet.
    """
    a0, b0 = alpha + lo, beta + lo
    ia0, ib0 = 1.0 / a0, 1.0 / b0
    acc = _NO_SUMS
    for node in range(_NODES.shape[0]):
        acc = accumulate(acc, p, q, ia0, ib0, 0.5 * h * (1.0 + _NODES[node]), 0.5 * h * _WEIGHTS[node])
    return moments_jet(acc, p, q, a0, b0)


def long_integral(p: float, alpha: float, q: float, beta: float, lo: float, hi: float) -> tuple[float, ...]:
    r"""The jet of :math:`\log\int_{lo}^{hi} (\alpha+\tau)^{-p}(\beta+\tau)^{-q} d\tau` by composite quadrature.

    For the rows the series cannot take (z near 1). On :math:`v = \log((m+\tau)/(m+lo))`, m = min(alpha, beta),
    the log-integrand :math:`\psi(v) = v - p\log\frac{\alpha+\tau}{\alpha+lo} - q\log\frac{\beta+\tau}{\beta+lo}`
    is concave. Panels of :data:`_NODES`-point Gauss-Legendre follow one another from v = 0, each so short that
    :math:`\psi` changes by about :data:`PANEL_CHANGE` across it (from its slope and curvature at the panel's
    start), until hi or until :math:`\psi` has fallen :data:`TAIL_DROP` below its largest value on its way down.
    One customer at a time (compiled, or in Python on the numpy path).

    Parameters
    ----------
    p, alpha, q, beta : float
        Exponents and shifts.
    lo, hi : float
        The limits (lo < hi).

    Returns
    -------
    tuple
        The 15 values of the jet.
    """
    m = min(alpha, beta)
    base = m + lo
    a0, b0 = alpha + lo, beta + lo
    ia0, ib0 = 1.0 / a0, 1.0 / b0
    v_end = np.log1p((hi - lo) / base)
    acc = _NO_SUMS
    v = 0.0
    peak = 0.0
    for _ in range(MAX_PANELS):
        tau = lo + base * np.expm1(v)
        e = m + tau
        slope = 1.0 - p * e / (alpha + tau) - q * e / (beta + tau)
        curvature = e * (p * (alpha - m) / (alpha + tau) ** 2 + q * (beta - m) / (beta + tau) ** 2)
        width = min(PANEL_CHANGE / max(abs(slope), 1e-300), np.sqrt(2.0 * PANEL_CHANGE / max(curvature, 1e-300)),
                    v_end - v)
        for node in range(_NODES.shape[0]):
            w_node = v + 0.5 * width * (1.0 + _NODES[node])
            u = base * np.expm1(w_node)
            acc = accumulate(acc, p, q, ia0, ib0, u, 0.5 * width * _WEIGHTS[node] * base * np.exp(w_node))
        v += width
        if v >= v_end:
            break
        u = base * np.expm1(v)
        psi = v - p * np.log1p(u * ia0) - q * np.log1p(u * ib0)
        peak = max(peak, psi)
        if slope < 0.0 and psi < peak - TAIL_DROP:
            break
    return moments_jet(acc, p, q, a0, b0)


def assemble(
    theta: Any, logs: Any, c_x: Any, c_r: Any, c_rr: Any, x: Any, log_at: Any, log_bt: Any, at: Any, bt: Any,
    log_i: tuple[Any, ...],
) -> tuple[Any, ...]:
    r"""One customer's log-likelihood, gradient and Hessian from the jet of log I (see the module docstring).

    Parameters
    ----------
    theta : numpy.ndarray
        ``(r, alpha, s, beta)``.
    logs : numpy.ndarray
        The pass's constants, whose entries 5, 6, 7 are log alpha, log beta and log s.
    c_x, c_r, c_rr : float or numpy.ndarray
        The log-gamma part of c(x) and its first two derivatives in r.
    x : float or numpy.ndarray
        Frequencies.
    log_at, log_bt, at, bt : float or numpy.ndarray
        :math:`\log(\alpha+T)`, :math:`\log(\beta+T)`, :math:`\alpha+T`, :math:`\beta+T`.
    log_i : tuple
        The jet of log I in ``(r, alpha, s, beta)`` (value ``-inf`` and zero derivatives where t_x = T).

    Returns
    -------
    tuple
        The 15 values.
    """
    r, alpha, s, beta = theta[0], theta[1], theta[2], theta[3]
    rx = r + x
    iat, ibt = 1.0 / at, 1.0 / bt
    t1 = -rx * log_at - s * log_bt
    log_alpha, log_beta = logs[_LOG_ALPHA], logs[_LOG_BETA]
    t2 = logs[_LOG_S] + log_i[0]
    # the two terms' shares from one exponential: 1 / (1 + e) for the larger, e / (1 + e) for the other
    e = np.exp(-np.abs(t1 - t2))
    lse = np.maximum(t1, t2) + np.log1p(e)
    big = 1.0 / (1.0 + e)
    first = (t1 >= t2) * 1.0
    w1 = first * big + (1.0 - first) * (e * big)
    w2 = first * (e * big) + (1.0 - first) * big
    w12 = w1 * w2
    # g1 - g2, the difference of the two terms' gradients (t1's Hessian is sparse; t2's is log I's, plus -1/s^2)
    d0, d1, d2, d3 = -log_at - log_i[1], -rx * iat - log_i[2], -log_bt - log_i[3] - 1.0 / s, -s * ibt - log_i[4]
    return (
        c_x + r * log_alpha + s * log_beta + lse,
        c_r + log_alpha - w1 * log_at + w2 * log_i[1],
        r / alpha - w1 * rx * iat + w2 * log_i[2],
        log_beta - w1 * log_bt + w2 * (log_i[3] + 1.0 / s),
        s / beta - w1 * s * ibt + w2 * log_i[4],
        c_rr + w2 * log_i[5] + w12 * d0 * d0,
        1.0 / alpha - w1 * iat + w2 * log_i[6] + w12 * d0 * d1,
        w2 * log_i[7] + w12 * d0 * d2,
        w2 * log_i[8] + w12 * d0 * d3,
        -r / (alpha * alpha) + w1 * rx * iat * iat + w2 * log_i[9] + w12 * d1 * d1,
        w2 * log_i[10] + w12 * d1 * d2,
        w2 * log_i[11] + w12 * d1 * d3,
        w2 * (log_i[12] - 1.0 / (s * s)) + w12 * d2 * d2,
        1.0 / beta - w1 * ibt + w2 * log_i[13] + w12 * d2 * d3,
        -s / (beta * beta) + w1 * s * ibt * ibt + w2 * log_i[14] + w12 * d3 * d3,
    )


def n_terms(log_z: Any) -> Any:
    """The series terms needed at z (from log z; 3 at z = 0).

    Parameters
    ----------
    log_z : float or numpy.ndarray
        log z (``-inf`` for z = 0).

    Returns
    -------
    float or numpy.ndarray
        Whole numbers, as floats.
    """
    return np.floor(LOG_TOLERANCE / np.minimum(log_z, -1e-300)) + 3.0


# ---------------------------------------------------------------------------------------------- per pass
@dataclass(frozen=True)
class Tables:
    """What one pass needs besides the data: the constants, the per-frequency table and the series coefficients."""

    constants: np.ndarray
    table: np.ndarray
    coefficients: np.ndarray


def table(theta: np.ndarray, frequencies: np.ndarray, tau_min: float) -> Tables:
    r"""The per-pass constants and the per-frequency coefficients of the series (see the module docstring).

    For each distinct frequency, the coefficients :math:`c_k = (p_c)_k / (p_c+p_d)_k` of F and those of its
    derivatives: :math:`c_k a_k`, :math:`c_k b_k`, :math:`c_k(a_k^2 + a_k')`, :math:`c_k(a_k b_k + b_k')`,
    :math:`c_k(b_k^2 + b_k')`, with :math:`a_k = \sum_{j<k} 1/(p_c+j) - 1/(p_c+p_d+j)`,
    :math:`b_k = -\sum_{j<k} 1/(p_c+p_d+j)`, :math:`a_k' = \partial a_k / \partial p_c`,
    :math:`b_k' = \partial a_k/\partial p_d = \partial b_k / \partial p_d`. As many terms as the row with the
    largest z needs (the one with the smallest t_x), within :data:`MAX_TERMS` and the table's size limit.

    Parameters
    ----------
    theta : numpy.ndarray
        ``(r, alpha, s, beta)``.
    frequencies : numpy.ndarray
        The distinct frequencies.
    tau_min : float
        The smallest t_x of the data.

    Returns
    -------
    Tables
    """
    r, alpha, s, beta = (float(v) for v in theta)
    swapped = alpha < beta
    c, d = (beta, alpha) if swapped else (alpha, beta)
    p, q = r + frequencies, np.full(len(frequencies), s + 1.0)
    pc, pd = (q, p) if swapped else (p, q)
    with np.errstate(divide="ignore"):
        log_cd = np.log(c - d)
        needed = float(n_terms(log_cd - np.log(c + tau_min)))
    terms = int(max(3, min(needed, MAX_TERMS, _MAX_TABLE // max(len(frequencies), 1))))
    tab = np.empty((len(frequencies), _N_TAB))
    tab[:, _C] = special.gammaln(p) - special.gammaln(r)
    tab[:, _C_R] = special.digamma(p) - special.digamma(r)
    tab[:, _C_RR] = special.polygamma(1, p) - special.polygamma(1, r)
    tab[:, _PC], tab[:, _PD], tab[:, _INV_N] = pc, pd, 1.0 / (pc + pd - 1.0)
    k = np.arange(terms - 1.0)
    inv_c = 1.0 / (pc[:, None] + k)
    inv_n = 1.0 / (pc[:, None] + pd[:, None] + k)
    zero = np.zeros((len(frequencies), 1))

    def partial(v: np.ndarray, fn: Any) -> np.ndarray:
        return np.concatenate([zero, fn(v, axis=1)], axis=1)

    ck = np.concatenate([zero + 1.0, np.cumprod((pc[:, None] + k) * inv_n, axis=1)], axis=1)
    a = partial(inv_c - inv_n, np.cumsum)
    b = -partial(inv_n, np.cumsum)
    q_c, q_n = partial(inv_c * inv_c, np.cumsum), partial(inv_n * inv_n, np.cumsum)
    coefficients = np.stack(
        [ck, ck * a, ck * b, ck * (a * a - q_c + q_n), ck * (a * b + q_n), ck * (b * b + q_n)], axis=-1
    )
    coefficients = np.ascontiguousarray(coefficients)
    # the lower tail at t_x = 0, once per frequency
    with np.errstate(divide="ignore"):
        at_zero = np.full(len(frequencies), n_terms(log_cd - np.log(c)))
    series = _horner_each(coefficients, np.minimum(at_zero, terms), np.full(len(frequencies), (c - d) / c))
    jet = np.array(tail_jet(pc, pd, tab[:, _INV_N], c, d, np.log(c), np.log(d), series))
    jet[:, at_zero > terms] = np.nan
    tab[:, _G0:] = jet.T
    logs = [np.log(alpha), np.log(beta), np.log(s)]
    constants = np.array([c, d, log_cd, 1.0 if swapped else 0.0, float(terms), *logs])
    return Tables(constants, tab, coefficients)


def horner(coefficients: np.ndarray, terms: Any, z: Any) -> tuple[Any, ...]:
    """The series and its derivatives at z: ``F, F', F'', F_a, F_a', F_b, F_b', F_aa, F_ab, F_bb``.

    Horner's rule on the first ``terms`` coefficients, with the derivatives in z carried along.

    Parameters
    ----------
    coefficients : numpy.ndarray
        One frequency's coefficients, shape (terms in the table, 6).
    terms : int
        How many to use.
    z : float
        The argument.

    Returns
    -------
    tuple
        10 values.
    """
    f0 = f1 = f2 = a0 = a1 = b0 = b1 = aa = ab = bb = 0.0
    for k in range(terms - 1, -1, -1):
        f2 = f2 * z + f1
        f1 = f1 * z + f0
        f0 = f0 * z + coefficients[k, 0]
        a1 = a1 * z + a0
        a0 = a0 * z + coefficients[k, 1]
        b1 = b1 * z + b0
        b0 = b0 * z + coefficients[k, 2]
        aa = aa * z + coefficients[k, 3]
        ab = ab * z + coefficients[k, 4]
        bb = bb * z + coefficients[k, 5]
    return f0, f1, 2.0 * f2, a0, a1, b0, b1, aa, ab, bb


def horner_pair(coefficients: np.ndarray, terms_lo: int, z_lo: float, terms_hi: int, z_hi: float
                ) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """:func:`horner` at two points of one frequency's series (``terms_hi <= terms_lo``), in one loop.

    The same operations in the same order as two calls of :func:`horner`; run side by side, the two chains of
    dependent multiply-adds keep the processor busy.

    Parameters
    ----------
    coefficients : numpy.ndarray
        One frequency's coefficients, shape (terms in the table, 6).
    terms_lo, terms_hi : int
        How many to use at each point.
    z_lo, z_hi : float
        The points.

    Returns
    -------
    tuple
        :func:`horner`'s 10 values at ``z_lo`` and at ``z_hi``.
    """
    f0 = f1 = f2 = a0 = a1 = b0 = b1 = aa = ab = bb = 0.0
    g0 = g1 = g2 = c0 = c1 = d0 = d1 = cc = cd = dd = 0.0
    for k in range(terms_lo - 1, terms_hi - 1, -1):
        f2 = f2 * z_lo + f1
        f1 = f1 * z_lo + f0
        f0 = f0 * z_lo + coefficients[k, 0]
        a1 = a1 * z_lo + a0
        a0 = a0 * z_lo + coefficients[k, 1]
        b1 = b1 * z_lo + b0
        b0 = b0 * z_lo + coefficients[k, 2]
        aa = aa * z_lo + coefficients[k, 3]
        ab = ab * z_lo + coefficients[k, 4]
        bb = bb * z_lo + coefficients[k, 5]
    for k in range(terms_hi - 1, -1, -1):
        f2 = f2 * z_lo + f1
        f1 = f1 * z_lo + f0
        f0 = f0 * z_lo + coefficients[k, 0]
        g2 = g2 * z_hi + g1
        g1 = g1 * z_hi + g0
        g0 = g0 * z_hi + coefficients[k, 0]
        a1 = a1 * z_lo + a0
        a0 = a0 * z_lo + coefficients[k, 1]
        c1 = c1 * z_hi + c0
        c0 = c0 * z_hi + coefficients[k, 1]
        b1 = b1 * z_lo + b0
        b0 = b0 * z_lo + coefficients[k, 2]
        d1 = d1 * z_hi + d0
        d0 = d0 * z_hi + coefficients[k, 2]
        aa = aa * z_lo + coefficients[k, 3]
        cc = cc * z_hi + coefficients[k, 3]
        ab = ab * z_lo + coefficients[k, 4]
        cd = cd * z_hi + coefficients[k, 4]
        bb = bb * z_lo + coefficients[k, 5]
        dd = dd * z_hi + coefficients[k, 5]
    return (f0, f1, 2.0 * f2, a0, a1, b0, b1, aa, ab, bb), (g0, g1, 2.0 * g2, c0, c1, d0, d1, cc, cd, dd)


def _horner_rows(coefficients: np.ndarray, code: np.ndarray, terms: np.ndarray, z: np.ndarray) -> tuple[Any, ...]:
    """:func:`horner` on numpy arrays of rows (each row's coefficients above its own terms count as zero)."""
    zero = np.zeros(len(z))
    f0, f1, f2, a0, a1, b0, b1, aa, ab, bb = (zero,) * 10
    for k in range(int(terms.max()) - 1, -1, -1):
        coef = coefficients[code, k] * (k < terms)[:, None]
        f2 = f2 * z + f1
        f1 = f1 * z + f0
        f0 = f0 * z + coef[:, 0]
        a1 = a1 * z + a0
        a0 = a0 * z + coef[:, 1]
        b1 = b1 * z + b0
        b0 = b0 * z + coef[:, 2]
        aa = aa * z + coef[:, 3]
        ab = ab * z + coef[:, 4]
        bb = bb * z + coef[:, 5]
    return f0, f1, 2.0 * f2, a0, a1, b0, b1, aa, ab, bb


def _horner_each(coefficients: np.ndarray, terms: np.ndarray, z: np.ndarray) -> tuple[Any, ...]:
    """:func:`horner` of each frequency's own coefficients at its own z: compiled when numba is on.

    The numpy path loops over the terms in Python, a fixed cost of a few milliseconds per pass (thousands of
    terms where z is near one) whatever the number of customers; compiled, each frequency costs microseconds.
    The arithmetic is the same, in the same order.
    """
    if not _kernels.active():
        return _horner_rows(coefficients, np.arange(len(z)), terms, z)
    values = [_horner(coefficients[i], int(terms[i]), float(z[i])) for i in range(len(z))]
    return tuple(np.array(column, dtype=float) for column in zip(*values, strict=True))


_EMPTY_JET = (-np.inf,) + (0.0,) * (N_VALUES - 1)

_tail_jet = _kernels.compile_row(tail_jet)
_difference = _kernels.compile_row(difference)
_swap = _kernels.compile_row(swap)
_short_integral = _kernels.compile_row(short_integral)
_long_integral = _kernels.compile_row(long_integral)
_assemble = _kernels.compile_row(assemble)
_horner = _kernels.compile_row(horner)
_horner_pair = _kernels.compile_row(horner_pair)
_n_terms = _kernels.compile_row(n_terms)


def _row(
    theta: np.ndarray, constants: np.ndarray, tab: np.ndarray, coefficients: np.ndarray, x: float, t_x: float,
    T: float,
) -> tuple[float, ...]:
    """One customer's 15 values, compiled; all NaN where the row is left to the plain functions."""
    r, alpha, s, beta = theta[0], theta[1], theta[2], theta[3]
    at, bt = alpha + T, beta + T
    log_at, log_bt = np.log(at), np.log(bt)
    h = T - t_x
    if h <= 0.0:
        log_i = _EMPTY_JET
    else:
        p, q = r + x, s + 1.0
        a0, b0 = alpha + t_x, beta + t_x
        if (p / a0 + q / b0) * h <= SHORT_DECAY and h <= SHORT_SPAN * min(a0, b0):
            log_i = _short_integral(p, alpha, q, beta, t_x, h)
        else:
            log_a0, log_b0 = np.log(a0), np.log(b0)
            swapped = constants[_SWAP] > 0.0
            if swapped:
                c_lo, d_lo, lc_lo, ld_lo, c_hi, d_hi, lc_hi, ld_hi = b0, a0, log_b0, log_a0, bt, at, log_bt, log_at
            else:
                c_lo, d_lo, lc_lo, ld_lo, c_hi, d_hi, lc_hi, ld_hi = a0, b0, log_a0, log_b0, at, bt, log_at, log_bt
            cd = constants[_CC] - constants[_DD]
            pc, pd, inv_n = tab[_PC], tab[_PD], tab[_INV_N]
            if t_x == 0.0:
                lo = (tab[_G0], tab[_G0 + 1], tab[_G0 + 2], tab[_G0 + 3], tab[_G0 + 4], tab[_G0 + 5], tab[_G0 + 6],
                      tab[_G0 + 7], tab[_G0 + 8], tab[_G0 + 9], tab[_G0 + 10], tab[_G0 + 11], tab[_G0 + 12],
                      tab[_G0 + 13], tab[_G0 + 14])
                if np.isnan(lo[0]):
                    return _assemble(theta, constants, tab[_C], tab[_C_R], tab[_C_RR], x, log_at, log_bt, at, bt,
                                     _long_integral(p, alpha, q, beta, t_x, T))
                series_hi = _horner(coefficients, int(_n_terms(constants[_LOG_CD] - lc_hi)), cd / c_hi)
            else:
                terms_lo = _n_terms(constants[_LOG_CD] - lc_lo)
                if terms_lo > constants[_TERMS]:
                    return _assemble(theta, constants, tab[_C], tab[_C_R], tab[_C_RR], x, log_at, log_bt, at, bt,
                                     _long_integral(p, alpha, q, beta, t_x, T))
                terms_hi = min(_n_terms(constants[_LOG_CD] - lc_hi), terms_lo)
                series_lo, series_hi = _horner_pair(coefficients, int(terms_lo), cd / c_lo, int(terms_hi), cd / c_hi)
                lo = _tail_jet(pc, pd, inv_n, c_lo, d_lo, lc_lo, ld_lo, series_lo)
            hi = _tail_jet(pc, pd, inv_n, c_hi, d_hi, lc_hi, ld_hi, series_hi)
            jet, share = _difference(lo, hi)
            if share >= MIN_SHARE:
                log_i = _swap(jet) if swapped else jet
            else:
                log_i = _long_integral(p, alpha, q, beta, t_x, T)
    return _assemble(theta, constants, tab[_C], tab[_C_R], tab[_C_RR], x, log_at, log_bt, at, bt, log_i)


_compiled_row = _kernels.compile_row(_row)
_BLOCK = _kernels.BLOCK_ROWS


def _block(
    theta: np.ndarray, constants: np.ndarray, tab: np.ndarray, coefficients: np.ndarray, code: np.ndarray,
    x: np.ndarray, t_x: np.ndarray, T: np.ndarray, w: np.ndarray, left: np.ndarray, start: int, stop: int,
    acc: np.ndarray,
) -> None:
    """Add rows ``start:stop`` up into ``acc``, marking those left to the plain functions (compiled, one thread)."""
    for i in range(start, stop):
        values = _compiled_row(theta, constants, tab[code[i]], coefficients[code[i]], x[i], t_x[i], T[i])
        if np.isnan(values[0]):
            left[i] = True
            continue
        for j in range(N_VALUES):
            acc[j] += w[i] * values[j]


_compiled_block = _kernels.compile_function(_block, contract=True)


def _loop(
    theta: np.ndarray, constants: np.ndarray, tab: np.ndarray, coefficients: np.ndarray, code: np.ndarray,
    x: np.ndarray, t_x: np.ndarray, T: np.ndarray, w: np.ndarray, left: np.ndarray, out: np.ndarray,
) -> None:
    n = w.shape[0]
    for block in _kernels.prange(out.shape[0]):
        acc = np.zeros(N_VALUES)
        _compiled_block(theta, constants, tab, coefficients, code, x, t_x, T, w, left, block * _BLOCK,
                        min(n, (block + 1) * _BLOCK), acc)
        out[block] = acc


_compiled_loop = _kernels.compile_loop(_loop)


def _numpy_rows(
    theta: np.ndarray, tables: Tables, code: np.ndarray, x: np.ndarray, t_x: np.ndarray, T: np.ndarray
) -> np.ndarray:
    """The rows' 15 values on numpy arrays (the same pieces as the compiled row), NaN where left to the plain path."""
    r, alpha, s, beta = (float(v) for v in theta)
    constants, tab = tables.constants, tables.table[code].T
    at, bt = alpha + T, beta + T
    log_at, log_bt = np.log(at), np.log(bt)
    h = T - t_x
    p, q = r + x, s + 1.0
    a0, b0 = alpha + t_x, beta + t_x
    log_i = np.empty((N_VALUES, len(x)))
    log_i[:] = np.array(_EMPTY_JET)[:, None]
    short = (h > 0.0) & ((p / a0 + q / b0) * h <= SHORT_DECAY) & (h <= SHORT_SPAN * np.minimum(a0, b0))
    if np.any(short):
        log_i[:, short] = short_integral(p[short], alpha, q, beta, t_x[short], h[short])
    tails = (h > 0.0) & ~short
    if np.any(tails):
        swapped = constants[_SWAP] > 0.0
        ends = []
        for first, second in ((a0[tails], b0[tails]), (at[tails], bt[tails])):
            c_end, d_end = (second, first) if swapped else (first, second)
            lc, ld = np.log(c_end), np.log(d_end)
            terms = n_terms(constants[_LOG_CD] - lc)
            series = _horner_rows(tables.coefficients, code[tails], np.minimum(terms, constants[_TERMS]),
                                  (constants[_CC] - constants[_DD]) / c_end)
            exponents = (tab[_PC][tails], tab[_PD][tails], tab[_INV_N][tails])
            ends.append((tail_jet(*exponents, c_end, d_end, lc, ld, series), terms))
        (lo, terms_lo), (hi, _) = ends
        at_zero = t_x[tails] == 0.0
        lo = tuple(np.where(at_zero, tab[_G0 + i][tails], lo[i]) for i in range(N_VALUES))
        jet, share = difference(lo, hi)
        jet_array = np.array(swap(jet) if swapped else jet)
        jet_array[:, ~((share >= MIN_SHARE) & ((terms_lo <= constants[_TERMS]) | at_zero))] = np.nan
        for i in np.flatnonzero(np.isnan(jet_array[0])):
            k = np.flatnonzero(tails)[i]
            jet_array[:, i] = long_integral(float(p[k]), alpha, q, beta, float(t_x[k]), float(T[k]))
        log_i[:, tails] = jet_array
    values = assemble(theta, constants, tab[_C], tab[_C_R], tab[_C_RR], x, log_at, log_bt, at, bt, tuple(log_i))
    return np.array(values)


@dataclass(frozen=True)
class Rows:
    """The fit's data as the kernel reads it: each row's frequency code, the distinct frequencies, the columns."""

    code: np.ndarray
    frequencies: np.ndarray
    x: np.ndarray
    t_x: np.ndarray
    T: np.ndarray
    w: np.ndarray
    tau_min: float


def prepare(arrays: tuple[np.ndarray, ...], w: np.ndarray) -> Rows:
    """Index each row's frequency among the distinct ones (once per fit).

    Parameters
    ----------
    arrays : tuple of numpy.ndarray
        ``(x, t_x, T)``.
    w : numpy.ndarray
        The rows' weights.

    Returns
    -------
    Rows
    """
    x, t_x, T = (np.ascontiguousarray(a, dtype=float) for a in arrays)
    frequencies, code = np.unique(x, return_inverse=True)
    tau_min = float(t_x.min()) if len(t_x) else 0.0
    return Rows(code.astype(np.int64), frequencies, x, t_x, T, np.ascontiguousarray(w, dtype=float), tau_min)


def totals(theta: np.ndarray, rows: Rows) -> tuple[float, np.ndarray, np.ndarray, np.ndarray]:
    """The weighted log-likelihood total, its gradient and Hessian in ``(r, alpha, s, beta)``, over the rows it can.

    Parameters
    ----------
    theta : numpy.ndarray
        ``(r, alpha, s, beta)``.
    rows : Rows
        From :func:`prepare`.

    Returns
    -------
    tuple
        ``(total, gradient, hessian, left)``: the totals over the rows the kernel evaluates, and the indices of
        the rows it leaves to the model's per-customer functions (see the module docstring).
    """
    theta = np.ascontiguousarray(theta, dtype=float)
    tables = table(theta, rows.frequencies, rows.tau_min)
    data = (rows.x, rows.t_x, rows.T)
    if _kernels.active() and _compiled_loop is not None:
        left = np.zeros(len(rows.w), dtype=np.bool_)
        values = _kernels.block_totals(_compiled_loop, len(rows.w), N_VALUES, theta, tables.constants, tables.table,
                                       tables.coefficients, rows.code, *data, rows.w, left)
        left_rows = np.flatnonzero(left)
    else:
        values = np.zeros(N_VALUES)
        left_list = []
        step = _kernels.BLOCK_ROWS * 8
        for start in range(0, max(len(rows.w), 1), step):
            block = slice(start, start + step)
            v = _numpy_rows(theta, tables, rows.code[block], *(a[block] for a in data))
            bad = np.isnan(v[0])
            left_list.append(np.flatnonzero(bad) + start)
            v[:, bad] = 0.0
            values += v @ rows.w[block]
        left_rows = np.concatenate(left_list) if left_list else np.zeros(0, dtype=np.int64)
    return float(values[0]), values[1:5], _kernels.symmetric(values[5:], 4), left_rows
