r"""The per-customer sums of the Gamma-Gamma likelihood, in one pass.

Given the parameters, the Gamma-Gamma log-likelihood (Fader & Hardie 2013, eq. 3) meets each customer only
through :math:`\log(\gamma + x\bar z)` and :math:`1/(\gamma + x\bar z)`: its total, gradient and Hessian need the
six weighted sums of :func:`row` (see :meth:`pyclv.models.gamma_gamma.SpendData.hessian_totals`); everything else
is a function of x alone, summed per distinct x. :func:`strata_sums` gives the six sums of each stratum of a model
with covariates, each row at its stratum's parameters, in one pass (:mod:`pyclv._kernels.strata`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from pyclv import _kernels
from pyclv._kernels import strata

__all__ = ["N_VALUES", "row", "strata_sums", "sums"]

#: The sums: of log(v + total), x log(v + total), 1/(v + total), x/(v + total), and of the squared inverses.
N_VALUES = 6


def row(theta: np.ndarray, x: Any, total: Any) -> tuple[Any, ...]:
    """One customer's terms in (p, q, v): the logs and inverse powers of ``v + total``, plain and times x.

    Plain arithmetic, so that numba compiles it for one customer and numpy runs it on blocks of customers.
    """
    shifted = theta[2] + total
    log_shifted = np.log(shifted)
    inverse = 1.0 / shifted
    inverse2 = inverse * inverse
    return (log_shifted, x * log_shifted, inverse, x * inverse, inverse2, x * inverse2)


_row = _kernels.compile_row(row)
_BLOCK = _kernels.BLOCK_ROWS


def _loop(theta: np.ndarray, x: np.ndarray, total: np.ndarray, w: np.ndarray, out: np.ndarray) -> None:
    n = w.shape[0]
    for block in _kernels.prange(out.shape[0]):
        acc = np.zeros(N_VALUES)
        for i in range(block * _BLOCK, min(n, (block + 1) * _BLOCK)):
            values = _row(theta, x[i], total[i])
            for j in range(N_VALUES):
                acc[j] += w[i] * values[j]
        out[block] = acc


_compiled_loop = _kernels.compile_loop(_loop)


def sums(theta: np.ndarray, x: np.ndarray, total: np.ndarray, w: np.ndarray) -> np.ndarray:
    """The six weighted sums of :func:`row` over the customers (compiled, or on numpy).

    Parameters
    ----------
    theta : numpy.ndarray
        ``(p, q, v)``.
    x, total, w : numpy.ndarray
        Repeat transactions, total spend and weight per customer (float64, contiguous).

    Returns
    -------
    numpy.ndarray
        Shape (6,).
    """
    theta = np.ascontiguousarray(theta, dtype=float)
    if _kernels.active() and _compiled_loop is not None:
        return _kernels.block_totals(_compiled_loop, len(w), N_VALUES, theta, x, total, w)
    return _kernels.numpy_totals(row, theta, None, None, (x, total), w)


def _strata_loop(
    thetas: np.ndarray, x: np.ndarray, total: np.ndarray, w: np.ndarray, starts: np.ndarray, stratum: np.ndarray,
    out: np.ndarray,
) -> None:
    for block in _kernels.prange(out.shape[0]):
        theta = thetas[stratum[block]]
        acc = np.zeros(N_VALUES)
        for i in range(starts[block], starts[block + 1]):
            values = _row(theta, x[i], total[i])
            for j in range(N_VALUES):
                acc[j] += w[i] * values[j]
        out[block] = acc


_compiled_strata_loop = _kernels.compile_loop(_strata_loop)


def strata_sums(
    thetas: np.ndarray, x: np.ndarray, total: np.ndarray, w: np.ndarray, blocks: strata.Blocks
) -> np.ndarray:
    """The six weighted sums of :func:`row` for each stratum, at the stratum's parameters (compiled, or on numpy).

    Parameters
    ----------
    thetas : numpy.ndarray
        Shape (strata, 3): each stratum's ``(p, q, v)``.
    x, total, w : numpy.ndarray
        Repeat transactions, total spend and weight per customer, sorted by stratum (float64, contiguous).
    blocks : pyclv._kernels.strata.Blocks
        The rows' strata and blocks, from :func:`pyclv._kernels.strata.arrange`.

    Returns
    -------
    numpy.ndarray
        Shape (strata, 6).
    """
    thetas = np.ascontiguousarray(thetas, dtype=float)
    if _kernels.active() and _compiled_strata_loop is not None:
        out = np.zeros((blocks.n_blocks, N_VALUES))
        _kernels.launch(_compiled_strata_loop, thetas, x, total, w, blocks.starts, blocks.stratum, out)
        return blocks.per_stratum(out)
    return strata.numpy_totals(row, thetas, None, None, (x, total), w, blocks)
