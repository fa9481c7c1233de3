r"""The factors g(x, T) of factorised transaction models, as piecewise Chebyshev interpolants in T per frequency.

A factorised model's expectation is :math:`E[Y(t) \mid x, t_x, T] = P(\text{alive})\, g(x, T, t)`, and its
discounted value :math:`P(\text{alive})\, d(x, T)` with :math:`d = \int_0^H e^{-\delta t}\, dg(x, T, t)`. The
factors are costly (a hypergeometric function per horizon, a quadrature of several dozen of them for d), and
on real data every customer has its own T, so computing them once per distinct (x, T) saves nothing. But for
a fixed x they are smooth (analytic) functions of T, and a customer base has few distinct frequencies.

The panels lie on a fixed lattice in :math:`u = \log(T + \kappa)`, with :math:`\kappa` a day in the model's
time unit: for each frequency, the cells :math:`[k, k + 1]` (k an integer) that hold customers, each halved as
long as needed into :math:`[j 2^{-L}, (j + 1) 2^{-L}]`. On a panel, every factor is the Chebyshev interpolant
at :data:`N_NODES` points (the model's own functions evaluated there). A panel is accepted when the last three
Chebyshev coefficients of every factor add up to less than :data:`TOLERANCE` times the factor's smallest value
on the panel: the interpolation error of an analytic function is of the order of its first neglected
coefficients (Trefethen 2013, ch. 8), so the values agree with the model's functions to about 1e-12 relative
(the tests ask 1e-10 and measure about 1e-12). Otherwise the halves that hold customers are tried, up to
:data:`MAX_LEVELS` times. Halving an analytic function's panel shrinks that tail many times over; where it
shrinks less than :data:`STALL` times (the functions' own rounding noise, a singularity at the panel's edge,
values that are not finite), the panel's customers get the model's functions directly.

A customer's panel therefore depends on its own (x, T) and the model only, never on the other customers of the
table: a customer is scored to the same bits alone, in a table of millions, or in any partition of a Spark job.

The variable u makes the panels geometric in T. The factors of the BG/NBD family depend on T through
:math:`\alpha + T` and :math:`\alpha + T + t`; with :math:`\kappa < \alpha` their zeros are at
:math:`u = \log(\kappa - \alpha)` and :math:`\log(\kappa - \alpha - t)`, a distance :math:`\pi` off the real
axis, so a panel one wide in u converges at 17 points. Purchases are dated by the day, so :math:`\alpha`, the
scale of the time between purchases, is rarely below a day; the halving takes care of models where it is.

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
    "N_NODES",
    "STALL",
    "TOLERANCE",
    "Panels",
    "build",
    "coefficients",
    "direct_rows",
    "scale_of",
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
#: A panel whose error (tail over what is accepted) is above STALL times its parent's is not halved further: an
#: analytic function's tail shrinks by orders of magnitude when its panel is halved, rounding noise does not.
STALL = 0.25
#: The width in u of the lattice's cells (the factors are smooth in u, on a scale of about one); a power of two,
#: so that the cells' ends and halves are exact.
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
        Each customer's u mapped to [-1, 1) on its panel (0 for the customers without one).
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


def scale_of(time_unit: str | None) -> float:
    """kappa, the shift of u = log(T + kappa): a day in ``time_unit`` (1 when the unit is not known).

    Parameters
    ----------
    time_unit : str or None
        The model's time unit (:data:`pyclv._time.DAYS_PER_UNIT`).

    Returns
    -------
    float
        1 / days per unit.
    """
    from pyclv._time import DAYS_PER_UNIT

    return 1.0 if time_unit is None else 1.0 / DAYS_PER_UNIT[time_unit]


def _nodes_T(lo: np.ndarray, hi: np.ndarray, scale: float) -> np.ndarray:
    """T at the Chebyshev points in u of each panel, shape (panels, N_NODES) (never below 0)."""
    mid, half = 0.5 * (lo + hi), 0.5 * (hi - lo)
    return np.maximum(np.exp(mid[:, None] + half[:, None] * NODES[None, :]) - scale, 0.0)


def _fit(
    x: np.ndarray, lo: np.ndarray, hi: np.ndarray, scale: float, evaluate: FactorFunction
) -> tuple[np.ndarray, np.ndarray]:
    """Chebyshev coefficients of every factor on every panel, shape (panels, factors, N_NODES), and the values.

    The transform is summed term by term in a fixed order (not by a matrix product, whose summation order BLAS
    may choose by the shape of the batch), so a panel's coefficients do not depend on which panels share the call.
    """
    T = _nodes_T(lo, hi, scale)
    with np.errstate(all="ignore"):
        f = evaluate(np.repeat(x, N_NODES), T.ravel())
        f = f.reshape(f.shape[0], len(x), N_NODES).transpose(1, 0, 2)
        c = np.zeros(f.shape)
        for k in range(N_NODES):
            c += f[:, :, k, None] * COEFFICIENTS[None, None, :, k]
    return c, f


def _errors(c: np.ndarray, f: np.ndarray, tolerance: float) -> np.ndarray:
    """Each panel's interpolation error relative to what is accepted: at most 1 when the panel converged.

    The size of the last three Chebyshev coefficients of each factor over ``tolerance`` times the factor's
    smallest value on the panel, the largest over the factors (see the module docstring); infinite when a value
    is not finite or a factor vanishes.
    """
    with np.errstate(all="ignore"):
        tail = np.abs(c[:, :, -3:]).sum(axis=2)
        ratio = tail / (tolerance * np.abs(f).min(axis=2))
        ratio = np.where(np.isfinite(c).all(axis=2) & np.isfinite(ratio), ratio, np.inf)
    return ratio.max(axis=1, initial=0.0)


def _groups(code: np.ndarray, cell: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct pairs (frequency code, cell): a row of each, and each row's pair (numbered in sorted order)."""
    low = cell.min()
    span = int(cell.max() - low) + 1
    key = code * span + (cell - low).astype(np.int64)
    size = (int(code.max()) + 1) * span
    if size > 4 * len(key) + 1_000_000:
        _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
        return first, inverse
    occupied = np.zeros(size, dtype=bool)  # few pairs (the usual case): counted without sorting
    occupied[key] = True
    inverse = (np.cumsum(occupied) - 1)[key]
    first = np.empty(int(occupied.sum()), dtype=np.int64)
    first[inverse] = np.arange(len(key))
    return first, inverse


def build(
    x: np.ndarray,
    T: np.ndarray,
    evaluate: FactorFunction,
    *,
    scale: float,
    tolerance: float = TOLERANCE,
) -> tuple[Panels, np.ndarray]:
    """Panels of the lattice holding each customer, with the factors' coefficients on them.

    Parameters
    ----------
    x, T : numpy.ndarray
        The customers' frequencies and observation times.
    evaluate : callable
        The model's factors at given (x, T), shape (factors, len(x)).
    scale : float
        kappa > 0, the shift of u = log(T + kappa) (a day in the model's time unit: :func:`scale_of`).
    tolerance : float, default TOLERANCE
        The accepted tail of the coefficients, relative to the factor's smallest value on the panel.

    Returns
    -------
    tuple
        The :class:`Panels` and the coefficients, shape (panels, factors, N_NODES).
    """
    u = np.log(np.asarray(T, dtype=float) + scale)
    frequencies, code = distinct_values(x)
    n = len(u)
    panel = np.full(n, -1, dtype=np.int64)
    position = np.zeros(n)
    previous = np.full(n, np.inf)  # the error of each customer's panel at the level above
    todo = np.flatnonzero(np.isfinite(u))
    found_x, found_lo, found_c = [], [], []
    n_panels, n_factors = 0, 0
    for level in range(MAX_LEVELS + 1):
        if len(todo) == 0:
            break
        width = START_WIDTH / 2.0**level
        cell = np.floor(u[todo] / width)  # exact: the width is a power of two
        first, inverse = _groups(code[todo], cell)
        cx, clo = frequencies[code[todo[first]]], cell[first] * width
        c, f = _fit(cx, clo, clo + width, scale, evaluate)
        n_factors = c.shape[1]
        error = _errors(c, f, tolerance)
        ok = error <= 1.0
        stalled = ~ok & (np.isinf(error) | (error > STALL * previous[todo[first]]))  # not worth halving
        number = np.cumsum(ok) - 1 + n_panels
        accepted = ok[inverse]
        rows = todo[accepted]
        panel[rows] = number[inverse[accepted]]
        lo = clo[inverse[accepted]]
        position[rows] = (u[rows] - (lo + 0.5 * width)) / (0.5 * width)
        found_x.append(cx[ok])
        found_lo.append(np.column_stack([clo[ok], clo[ok] + width]))
        found_c.append(c[ok])
        n_panels += int(ok.sum())
        previous[todo] = error[inverse]
        todo = todo[~(ok | stalled)[inverse]]
    px = np.concatenate([np.zeros(0), *found_x])
    bounds = np.concatenate([np.zeros((0, 2)), *found_lo])
    pc = np.concatenate([np.zeros((0, n_factors, N_NODES)), *found_c])
    direct = np.flatnonzero(panel < 0)
    return Panels(scale, px, bounds[:, 0], bounds[:, 1], panel, position, direct), pc


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
