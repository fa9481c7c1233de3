r"""The factors g(x, T) of factorised transaction models, as piecewise Chebyshev interpolants in T per frequency.

A factorised model's expectation is :math:`E[Y(t) \mid x, t_x, T] = P(\text{alive})\, g(x, T, t)`, and its
discounted value :math:`P(\text{alive})\, d(x, T)` with :math:`d = \int_0^H e^{-\delta t}\, dg(x, T, t)`. The
factors are costly (a hypergeometric function per horizon, a quadrature of several dozen of them for d), and
on real data every customer has its own T, so computing them once per distinct (x, T) saves nothing. But for
a fixed x they are smooth (analytic) functions of T, and a customer base has few distinct frequencies.

For each frequency held by at least :data:`MIN_CUSTOMERS` customers, :func:`build` covers the customers' range
of :math:`u = \log(T + \kappa)` with panels on which every factor is the Chebyshev interpolant at
:data:`N_NODES` points (the model's own functions evaluated there). A panel is accepted when the last three
Chebyshev coefficients of every factor add up to less than :data:`TOLERANCE` times the factor's smallest value
on the panel: the interpolation error of an analytic function is of the order of its first neglected
coefficients (Trefethen 2013, ch. 8), so the values agree with the model's functions to about 1e-12 relative
(the tests ask 1e-10 and measure about 1e-12). Other panels are halved, up to :data:`MAX_LEVELS` times; the
customers of panels that never converge, of rare frequencies, and of frequencies whose panels would cost more
than :data:`MAX_EVALUATIONS_PER_CUSTOMER` evaluations per customer get the model's functions directly.

The variable u makes the panels geometric in T. The factors of the BG/NBD family depend on T through
:math:`\alpha + T` and :math:`\alpha + T + t`; with :math:`\kappa < \alpha` their zeros are at
:math:`u = \log(\kappa - \alpha)` and :math:`\log(\kappa - \alpha - t)`, a distance :math:`\pi` off the real
axis, so a panel about one wide in u converges at 17 points. :math:`\kappa` is :data:`SCALE_FRACTION` of the
largest T; the halving takes care of models whose time scale is smaller still.

Evaluating the interpolants costs a few dozen multiplications per customer (:mod:`pyclv._kernels.scoring`),
and the panels do not depend on the parameters, so parameter draws reuse them (only the coefficients change:
:func:`coefficients`).

References
----------
Trefethen, L. N. (2013). *Approximation Theory and Approximation Practice*. SIAM.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from pyclv._arrays import distinct_values

__all__ = [
    "MAX_LEVELS",
    "MIN_CUSTOMERS",
    "N_NODES",
    "TOLERANCE",
    "Panels",
    "build",
    "coefficients",
    "direct_rows",
    "values",
]

#: Chebyshev points per panel (the interpolants have degree N_NODES - 1).
N_NODES = 17
#: The accepted size of a panel's last three Chebyshev coefficients, relative to the factor's smallest value: ten
#: times the noise of the models' functions (scipy's hypergeometric function and the cancellation in
#: 1 - (1 - z)^(a-1) 2F1 leave about 1e-13 relative), far below the 1e-10 the tests ask.
TOLERANCE = 1e-12
#: How many times a panel may be halved before its customers get the model's functions directly.
MAX_LEVELS = 24
#: Frequencies held by fewer customers get the model's functions directly (interpolants would cost more).
MIN_CUSTOMERS = 64
#: The model's functions are evaluated at most this many times per customer of a frequency to build its panels;
#: beyond, the remaining customers of the frequency get the functions directly (in the numerical extremes, where
#: the functions fall back to quadrature and the interpolants need many panels, this bounds the cost).
MAX_EVALUATIONS_PER_CUSTOMER = 0.5
#: The shift kappa of u = log(T + kappa), as a fraction of the largest T (1 if every T is 0).
SCALE_FRACTION = 1e-3
#: The widest panel in u at the start (the factors are smooth in u, on a scale of about one).
START_WIDTH = 1.0

#: The factors of a block of (x, T), one row per factor: ``evaluate(x, T)`` has shape (factors, len(x)).
FactorFunction = Callable[[np.ndarray, np.ndarray], np.ndarray]

_K = np.arange(N_NODES)
#: Chebyshev points of the second kind on [-1, 1], from +1 down to -1.
NODES = np.cos(np.pi * _K / (N_NODES - 1))


def _coefficient_matrix() -> np.ndarray:
    """The matrix taking values at :data:`NODES` to Chebyshev coefficients (a type-I discrete cosine transform)."""
    n = N_NODES - 1
    matrix = (2.0 / n) * np.cos(np.pi * np.outer(_K, _K) / n)
    matrix[:, [0, n]] *= 0.5
    matrix[[0, n], :] *= 0.5
    return matrix


COEFFICIENTS = _coefficient_matrix()


@dataclass(frozen=True)
class Panels:
    """Panels of T per frequency, and where each customer falls.

    Attributes
    ----------
    scale : float
        kappa, the shift of u = log(T + kappa).
    x, lo, hi : numpy.ndarray
        Each panel's frequency and its range of u.
    panel : numpy.ndarray
        Each customer's panel, or -1 for the customers that get the model's functions directly.
    position : numpy.ndarray
        Each customer's u mapped to [-1, 1] on its panel (0 on panels of a single u).
    direct : numpy.ndarray
        The positions of the customers with panel -1.
    """

    scale: float
    x: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    panel: np.ndarray
    position: np.ndarray
    direct: np.ndarray


def _nodes_T(lo: np.ndarray, hi: np.ndarray, scale: float) -> np.ndarray:
    """T at the Chebyshev points in u of each panel, shape (panels, N_NODES) (never below 0)."""
    mid, half = 0.5 * (lo + hi), 0.5 * (hi - lo)
    return np.maximum(np.exp(mid[:, None] + half[:, None] * NODES[None, :]) - scale, 0.0)


def _fit(
    x: np.ndarray, lo: np.ndarray, hi: np.ndarray, scale: float, evaluate: FactorFunction
) -> tuple[np.ndarray, np.ndarray]:
    """Chebyshev coefficients of every factor on every panel, shape (panels, factors, N_NODES), and the values."""
    T = _nodes_T(lo, hi, scale)
    with np.errstate(all="ignore"):
        f = evaluate(np.repeat(x, N_NODES), T.ravel())
    f = f.reshape(f.shape[0], len(x), N_NODES).transpose(1, 0, 2)
    c = f @ COEFFICIENTS.T
    single = hi == lo  # a panel of one T: the constant
    c[single, :, 1:] = 0.0
    c[single, :, 0] = f[single, :, 0]
    return c, f


def _converged(c: np.ndarray, f: np.ndarray, tolerance: float) -> np.ndarray:
    """Whether each panel's interpolants are accurate (see the module docstring)."""
    with np.errstate(invalid="ignore"):
        tail = np.abs(c[:, :, -3:]).sum(axis=2)
        scale = np.abs(f).min(axis=2)
        ok = np.isfinite(c).all(axis=2) & (tail <= tolerance * scale)
    return ok.all(axis=1)


def build(
    x: np.ndarray,
    T: np.ndarray,
    evaluate: FactorFunction,
    *,
    tolerance: float = TOLERANCE,
) -> tuple[Panels, np.ndarray]:
    """Panels covering each frequency's customers, with the factors' coefficients on them.

    Parameters
    ----------
    x, T : numpy.ndarray
        The customers' frequencies and observation times.
    evaluate : callable
        The model's factors at given (x, T), shape (factors, len(x)).
    tolerance : float, default TOLERANCE
        The accepted tail of the coefficients, relative to the factor's smallest value on the panel.

    Returns
    -------
    tuple
        The :class:`Panels` and the coefficients, shape (panels, factors, N_NODES).
    """
    from pyclv._kernels import scoring

    top = float(np.max(T)) if len(T) else 0.0
    scale = SCALE_FRACTION * top if top > 0 else 1.0
    u = np.log(T + scale)
    frequencies, code = distinct_values(x)
    counts, u_min, u_max = scoring.frequency_ranges(code, u, len(frequencies))
    common = counts >= MIN_CUSTOMERS
    budget = np.floor(MAX_EVALUATIONS_PER_CUSTOMER * counts / N_NODES)
    used = np.zeros(len(frequencies))
    # start from panels no wider than START_WIDTH
    pieces = np.maximum(np.ceil((u_max[common] - u_min[common]) / START_WIDTH), 1).astype(np.int64)
    cand_code = np.repeat(np.flatnonzero(common), pieces)
    cand_x = np.repeat(frequencies[common], pieces)
    start = np.repeat(u_min[common], pieces)
    step = np.repeat((u_max[common] - u_min[common]) / pieces, pieces)
    k = np.arange(len(cand_x)) - np.repeat(np.cumsum(pieces) - pieces, pieces)
    cand_lo = start + k * step
    cand_hi = np.where(k + 1 == np.repeat(pieces, pieces), np.repeat(u_max[common], pieces), start + (k + 1) * step)
    done_x, done_lo, done_hi, done_c = [], [], [], []
    for _ in range(MAX_LEVELS + 1):
        used += np.bincount(cand_code, minlength=len(frequencies))
        within = used[cand_code] <= budget[cand_code]  # else the frequency's remaining customers go direct
        cand_code, cand_x, cand_lo, cand_hi = cand_code[within], cand_x[within], cand_lo[within], cand_hi[within]
        if len(cand_x) == 0:
            break
        c, f = _fit(cand_x, cand_lo, cand_hi, scale, evaluate)
        ok = _converged(c, f, tolerance)
        done_x.append(cand_x[ok])
        done_lo.append(cand_lo[ok])
        done_hi.append(cand_hi[ok])
        done_c.append(c[ok])
        bad = ~ok & (cand_hi > cand_lo)
        mid = 0.5 * (cand_lo[bad] + cand_hi[bad])
        cand_code = np.repeat(cand_code[bad], 2)
        cand_x = np.repeat(cand_x[bad], 2)
        cand_lo = np.column_stack([cand_lo[bad], mid]).ravel()
        cand_hi = np.column_stack([mid, cand_hi[bad]]).ravel()
    n_factors = c.shape[1] if done_c else 0
    px = np.concatenate([np.zeros(0), *done_x])
    plo = np.concatenate([np.zeros(0), *done_lo])
    phi = np.concatenate([np.zeros(0), *done_hi])
    pc = np.concatenate([np.zeros((0, n_factors, N_NODES)), *done_c]) if done_c else np.zeros((0, 0, N_NODES))
    order = np.lexsort((plo, px))
    px, plo, phi, pc = px[order], plo[order], phi[order], pc[order]
    panel, position = scoring.locate(code, u, frequencies, px, plo, phi)
    direct = np.flatnonzero(panel < 0)
    return Panels(scale, px, plo, phi, panel, position, direct), pc


def coefficients(panels: Panels, evaluate: FactorFunction) -> np.ndarray:
    """The factors' coefficients on given panels (e.g. at another parameter vector).

    Parameters
    ----------
    panels : Panels
        From :func:`build`.
    evaluate : callable
        The model's factors at given (x, T), shape (factors, len(x)).

    Returns
    -------
    numpy.ndarray
        Shape (panels, factors, N_NODES).
    """
    return _fit(panels.x, panels.lo, panels.hi, panels.scale, evaluate)[0]


def values(
    panels: Panels, coefficients: np.ndarray, x: np.ndarray, T: np.ndarray, evaluate: FactorFunction
) -> np.ndarray:
    """Every factor of every customer: the interpolants, and the model's functions for the other customers.

    Parameters
    ----------
    panels : Panels
        From :func:`build`.
    coefficients : numpy.ndarray
        From :func:`build` or :func:`coefficients`, shape (panels, factors, N_NODES).
    x, T : numpy.ndarray
        The customers' frequencies and observation times (those given to :func:`build`).
    evaluate : callable
        The model's factors at given (x, T), shape (factors, len(x)).

    Returns
    -------
    numpy.ndarray
        Shape (factors, customers).
    """
    from pyclv._kernels import scoring

    out = scoring.chebyshev_values(panels.panel, panels.position, coefficients)
    if len(panels.direct):
        (ux, uT), inverse = direct_rows(panels, x, T)
        with np.errstate(all="ignore"):
            direct = evaluate(ux, uT)
        if out.shape[0] == 0:
            out = np.empty((direct.shape[0], len(x)))
        out[:, panels.direct] = direct[:, inverse]
    return out


def direct_rows(panels: Panels, x: np.ndarray, T: np.ndarray) -> tuple[tuple[np.ndarray, np.ndarray], np.ndarray]:
    """The distinct (x, T) of the customers without a panel, and each such customer's row among them.

    Parameters
    ----------
    panels : Panels
        From :func:`build`.
    x, T : numpy.ndarray
        The customers' frequencies and observation times.

    Returns
    -------
    tuple
        ``((x, T), inverse)`` as :func:`pyclv._arrays.unique_rows` gives them, for ``panels.direct``.
    """
    from pyclv._arrays import unique_rows

    (ux, uT), inverse = unique_rows((x[panels.direct], T[panels.direct]))
    return (ux, uT), inverse
