r"""The likelihood kernel of BG/NBD and MBG/NBD: value, gradient and Hessian in one pass over the customers.

Both models' likelihoods have the form (FHL 2005, eq. 6; Batislam et al. 2007)

.. math::
    \log L = c(r, \alpha; x) + \log\big(e^{t_1} + e^{t_2}\big), \qquad
    t_1 = k_1(a, b; x) - (r+x)\log(\alpha+T), \quad t_2 = k_2(a, b; x) - (r+x)\log(\alpha+t_x),

with :math:`c = \log\Gamma(r+x) - \log\Gamma(r) + r\log\alpha` and :math:`k_i` differences of log-beta functions:
BG/NBD has :math:`k_1 = \log B(a, b+x) - \log B(a, b)` and :math:`k_2 = \log B(a+1, b+x-1) - \log B(a, b)` (only
for x > 0), MBG/NBD :math:`k_1 = \log B(a, b+x+1) - \log B(a, b)` and :math:`k_2 = \log B(a+1, b+x) - \log B(a,
b)`. Everything that depends on x alone (the log-gamma, log-beta, digamma and trigamma values) is computed once
per distinct frequency in :func:`table`; the row function :func:`row` then needs two logs and three exps per
customer. With :math:`w_i = e^{t_i - \log L + c}`, the Hessian of the log-sum is
:math:`w_1 H_1 + w_2 H_2 + w_1 w_2 (g_1 - g_2)(g_1 - g_2)^\top`, where :math:`g_i, H_i` are the gradient and Hessian
of :math:`t_i`.

A model with covariates needs the totals of every stratum at its own parameters: :func:`strata_totals` gives them
from one pass over the rows sorted by stratum (:mod:`pyclv._kernels.strata`), with one row of the table per
(stratum, frequency) pair, computed for all pairs at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import special

from pyclv import _kernels
from pyclv._arrays import distinct_values
from pyclv._kernels import strata
from pyclv._log_gamma import log_beta_ratio, log_gamma_ratio

__all__ = ["N_VALUES", "Rows", "StrataRows", "prepare", "prepare_strata", "row", "strata_totals", "table", "totals"]

#: Values per row: the log-likelihood, 4 first derivatives and the 10 of the Hessian's upper triangle.
N_VALUES = 15
# The columns of the table, one row per distinct frequency.
_C, _C_R, _C_RR, _K1, _K2, _K1_A, _K1_B, _K2_A, _K2_B, _K1_AA, _K1_AB, _K1_BB, _K2_AA, _K2_AB, _K2_BB = range(15)


def _beta_part(
    a: Any, b: Any, a_shift: float, n: np.ndarray, each: Callable[[Any], Any]
) -> tuple[np.ndarray, ...]:
    """``log B(a + a_shift, b + n) - log B(a, b)`` (a_shift 0 or 1) with its first and second derivatives in (a, b).

    ``each`` spreads a function of the parameters alone to the values of ``n`` (see :func:`table`).
    """
    s = each(a + a_shift + b) + n
    psi, tri = special.digamma, special.polygamma
    value = log_beta_ratio(each(a), each(b), n)  # without cancellation for large a or b (pyclv._log_gamma)
    if a_shift:  # B(a+1, b+n) = B(a, b+n) a / (a+b+n)
        value = value + each(np.log(a)) - np.log(each(a + b) + n)
    d_a = each(psi(a + a_shift)) - psi(s) - each(psi(a)) + each(psi(a + b))
    d_b = psi(each(b) + n) - psi(s) - each(psi(b)) + each(psi(a + b))
    t_ab, t_s = each(tri(1, a + b)), tri(1, s)
    d_aa = each(tri(1, a + a_shift)) - t_s - each(tri(1, a)) + t_ab
    d_ab = t_ab - t_s
    d_bb = tri(1, each(b) + n) - t_s - each(tri(1, b)) + t_ab
    return value, d_a, d_b, d_aa, d_ab, d_bb


def table(theta: np.ndarray, x: np.ndarray, modified: bool, stratum: np.ndarray | None = None) -> np.ndarray:
    """The per-frequency constants of :func:`row` at ``theta``, one row per value of ``x``.

    Parameters
    ----------
    theta : numpy.ndarray
        ``(r, alpha, a, b)``, or shape (4, strata): one parameter vector per stratum of a model with covariates.
    x : numpy.ndarray
        The distinct frequencies (of each stratum).
    modified : bool
        MBG/NBD's terms instead of BG/NBD's.
    stratum : numpy.ndarray, optional
        With one parameter vector per stratum: the stratum of each value of ``x``. The special functions of the
        parameters alone are then evaluated once per stratum, those of the parameters and x once per value.

    Returns
    -------
    numpy.ndarray
        Shape (len(x), 15).
    """
    r, alpha, a, b = np.asarray(theta, dtype=float)

    def each(values: Any) -> Any:
        return values if stratum is None else values[stratum]

    out = np.empty((len(x), N_VALUES))
    r_x = each(r)
    out[:, _C] = log_gamma_ratio(r_x, x) + each(r * np.log(alpha))
    out[:, _C_R] = special.digamma(r_x + x) - each(special.digamma(r)) + each(np.log(alpha))
    out[:, _C_RR] = special.polygamma(1, r_x + x) - each(special.polygamma(1, r))
    if modified:
        first, second = _beta_part(a, b, 0.0, x + 1.0, each), _beta_part(a, b, 1.0, x, each)
    else:
        # BG/NBD's second term exists for x > 0 only: evaluate it at x >= 1 and drop it below
        first, second = _beta_part(a, b, 0.0, x, each), _beta_part(a, b, 1.0, np.maximum(x, 1.0) - 1.0, each)
    for columns, part in (((_K1, _K1_A, _K1_B, _K1_AA, _K1_AB, _K1_BB), first),
                          ((_K2, _K2_A, _K2_B, _K2_AA, _K2_AB, _K2_BB), second)):
        for column, values in zip(columns, part, strict=True):
            out[:, column] = values
    if not modified:
        out[x == 0, _K2] = -np.inf
    return out


def row(theta: np.ndarray, tab: np.ndarray, x: Any, t_x: Any, T: Any) -> tuple[Any, ...]:
    """One customer's log-likelihood, gradient and Hessian upper triangle (see the module docstring).

    Plain arithmetic, so that numba compiles it for one customer and numpy runs it on blocks of customers
    (``tab`` is then the table's entries along the first axis, one column per customer).
    """
    r, alpha = theta[0], theta[1]
    rx = r + x
    log_T, log_tx = np.log(alpha + T), np.log(alpha + t_x)
    inv_T, inv_tx = 1.0 / (alpha + T), 1.0 / (alpha + t_x)
    t1 = tab[_K1] - rx * log_T
    t2 = tab[_K2] - rx * log_tx
    lse = np.maximum(t1, t2) + np.log1p(np.exp(-np.abs(t1 - t2)))
    w1, w2 = np.exp(t1 - lse), np.exp(t2 - lse)
    w12 = w1 * w2
    # g1 - g2, the difference of the two terms' gradients
    d_r, d_alpha = log_tx - log_T, rx * (inv_tx - inv_T)
    d_a, d_b = tab[_K1_A] - tab[_K2_A], tab[_K1_B] - tab[_K2_B]
    return (
        tab[_C] + lse,
        tab[_C_R] - w1 * log_T - w2 * log_tx,
        r / alpha - rx * (w1 * inv_T + w2 * inv_tx),
        w1 * tab[_K1_A] + w2 * tab[_K2_A],
        w1 * tab[_K1_B] + w2 * tab[_K2_B],
        tab[_C_RR] + w12 * d_r * d_r,
        1.0 / alpha - w1 * inv_T - w2 * inv_tx + w12 * d_r * d_alpha,
        w12 * d_r * d_a,
        w12 * d_r * d_b,
        -r / (alpha * alpha) + rx * (w1 * inv_T * inv_T + w2 * inv_tx * inv_tx) + w12 * d_alpha * d_alpha,
        w12 * d_alpha * d_a,
        w12 * d_alpha * d_b,
        w1 * tab[_K1_AA] + w2 * tab[_K2_AA] + w12 * d_a * d_a,
        w1 * tab[_K1_AB] + w2 * tab[_K2_AB] + w12 * d_a * d_b,
        w1 * tab[_K1_BB] + w2 * tab[_K2_BB] + w12 * d_b * d_b,
    )


_row = _kernels.compile_row(row)
_BLOCK = _kernels.BLOCK_ROWS


def _loop(
    theta: np.ndarray, table: np.ndarray, code: np.ndarray, x: np.ndarray, t_x: np.ndarray, T: np.ndarray,
    w: np.ndarray, out: np.ndarray,
) -> None:
    n = w.shape[0]
    for block in _kernels.prange(out.shape[0]):
        acc = np.zeros(N_VALUES)
        for i in range(block * _BLOCK, min(n, (block + 1) * _BLOCK)):
            values = _row(theta, table[code[i]], x[i], t_x[i], T[i])
            for j in range(N_VALUES):
                acc[j] += w[i] * values[j]
        out[block] = acc


_compiled_loop = _kernels.compile_loop(_loop)


@dataclass(frozen=True)
class Rows:
    """The fit's data as the kernel reads it: each row's frequency code, the distinct frequencies, the columns."""

    code: np.ndarray
    frequencies: np.ndarray
    x: np.ndarray
    t_x: np.ndarray
    T: np.ndarray
    w: np.ndarray
    modified: bool


def prepare(arrays: tuple[np.ndarray, ...], w: np.ndarray, *, modified: bool) -> Rows:
    """Index each row's frequency among the distinct ones (once per fit).

    Parameters
    ----------
    arrays : tuple of numpy.ndarray
        ``(x, t_x, T)``.
    w : numpy.ndarray
        The rows' weights.
    modified : bool
        MBG/NBD instead of BG/NBD.

    Returns
    -------
    Rows
    """
    x, t_x, T = (np.ascontiguousarray(a, dtype=float) for a in arrays)
    frequencies, code = distinct_values(x)
    return Rows(code, frequencies, x, t_x, T, np.ascontiguousarray(w, dtype=float), modified)


def totals(theta: np.ndarray, rows: Rows) -> tuple[float, np.ndarray, np.ndarray]:
    """The weighted log-likelihood total, its gradient and its Hessian in ``(r, alpha, a, b)``.

    Parameters
    ----------
    theta : numpy.ndarray
        ``(r, alpha, a, b)``.
    rows : Rows
        From :func:`prepare`.

    Returns
    -------
    tuple
        ``(total, gradient, hessian)``.
    """
    theta = np.ascontiguousarray(theta, dtype=float)
    tab = table(theta, rows.frequencies, rows.modified)
    data = (rows.x, rows.t_x, rows.T)
    if _kernels.active() and _compiled_loop is not None:
        values = _kernels.block_totals(_compiled_loop, len(rows.w), N_VALUES, theta, tab, rows.code, *data, rows.w)
    else:
        values = _kernels.numpy_totals(row, theta, tab, rows.code, data, rows.w)
    return float(values[0]), values[1:5], _kernels.symmetric(values[5:], 4)


# ---------------------------------------------------------------------------------------------- many strata
def _strata_loop(
    thetas: np.ndarray, table: np.ndarray, pair: np.ndarray, x: np.ndarray, t_x: np.ndarray, T: np.ndarray,
    w: np.ndarray, starts: np.ndarray, stratum: np.ndarray, out: np.ndarray,
) -> None:
    for block in _kernels.prange(out.shape[0]):
        theta = thetas[stratum[block]]
        acc = np.zeros(N_VALUES)
        for i in range(starts[block], starts[block + 1]):
            values = _row(theta, table[pair[i]], x[i], t_x[i], T[i])
            for j in range(N_VALUES):
                acc[j] += w[i] * values[j]
        out[block] = acc


_compiled_strata_loop = _kernels.compile_loop(_strata_loop)


@dataclass(frozen=True)
class StrataRows:
    """The fit's data sorted by stratum (:mod:`pyclv._kernels.strata`), with each row's (stratum, frequency) pair."""

    blocks: strata.Blocks
    pair: np.ndarray
    pair_stratum: np.ndarray
    pair_x: np.ndarray
    x: np.ndarray
    t_x: np.ndarray
    T: np.ndarray
    w: np.ndarray
    modified: bool


def prepare_strata(
    arrays: tuple[np.ndarray, ...], w: np.ndarray, codes: np.ndarray, n_strata: int, *, modified: bool
) -> StrataRows:
    """Sort the rows by stratum and number their (stratum, frequency) pairs (once per fit).

    Parameters
    ----------
    arrays : tuple of numpy.ndarray
        ``(x, t_x, T)``.
    w : numpy.ndarray
        The rows' weights.
    codes : numpy.ndarray
        Each row's stratum, in ``0..n_strata-1``.
    n_strata : int
        The number of strata.
    modified : bool
        MBG/NBD instead of BG/NBD.

    Returns
    -------
    StrataRows
    """
    columns = tuple(np.asarray(a, dtype=float) for a in arrays)
    w = np.asarray(w, dtype=float)
    blocks = strata.arrange(codes, columns, w, n_strata)
    x, t_x, T, w = (np.ascontiguousarray(a[blocks.order]) for a in (*columns, w))
    pair, pair_stratum, pair_x = strata.pairs(blocks.code, x)
    return StrataRows(blocks, pair, pair_stratum, pair_x, x, t_x, T, w, modified)


def strata_totals(thetas: np.ndarray, rows: StrataRows) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each stratum's weighted log-likelihood total, gradient and Hessian at its own ``(r, alpha, a, b)``.

    The same numbers as :func:`totals` on each stratum's rows alone, from one pass over all rows: the table holds
    the constants of each (stratum, frequency) pair, computed for all pairs at once.

    Parameters
    ----------
    thetas : numpy.ndarray
        Shape (strata, 4): each stratum's ``(r, alpha, a, b)``.
    rows : StrataRows
        From :func:`prepare_strata`.

    Returns
    -------
    tuple of numpy.ndarray
        Shapes (strata,), (strata, 4) and (strata, 4, 4).
    """
    thetas = np.ascontiguousarray(thetas, dtype=float)
    tab = table(thetas.T, rows.pair_x, rows.modified, rows.pair_stratum)
    blocks = rows.blocks
    data = (rows.x, rows.t_x, rows.T)
    if _kernels.active() and _compiled_strata_loop is not None:
        out = np.zeros((blocks.n_blocks, N_VALUES))
        _kernels.launch(_compiled_strata_loop, thetas, tab, rows.pair, *data, rows.w, blocks.starts, blocks.stratum,
                        out)
        values = blocks.per_stratum(out)
    else:
        values = strata.numpy_totals(row, thetas, tab, rows.pair, data, rows.w, blocks)
    return values[:, 0], values[:, 1:5], strata.symmetric(values[:, 5:], 4)
