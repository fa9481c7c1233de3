"""One pass over the customers of many strata at once: rows sorted by stratum, blocks that never span two strata.

A model with covariates needs, at every step of its fit, each stratum's likelihood total, gradient and Hessian at
the stratum's own parameters (:mod:`pyclv.models._covariates`). A kernel that gives them in one pass sorts the rows
once (:func:`arrange`): by stratum, then by every data column and the weight, so that the order of the data does
not matter down to the last bit. Each stratum's rows are cut into blocks of at most :data:`~pyclv._kernels.BLOCK_ROWS`;
a compiled loop (written in each kernel's module, like its loop without strata) fills one row of values per block,
and :meth:`Blocks.per_stratum` adds the blocks of each stratum up in order, so the totals do not depend on the
number of threads either. Without numba, :func:`numpy_totals` runs the kernel's row function on chunks of rows.

The per-frequency tables of the kernels become per-(stratum, frequency) tables: :func:`pairs` numbers the distinct
(stratum, value) pairs of the sorted rows, and each row reads its stratum's parameters and its pair's constants.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from pyclv import _kernels

__all__ = ["Blocks", "arrange", "numpy_totals", "pairs", "symmetric"]


@dataclass(frozen=True)
class Blocks:
    """Rows sorted by stratum, cut into blocks of one stratum each.

    Attributes
    ----------
    order : numpy.ndarray
        The sorted rows' positions in the data.
    code : numpy.ndarray
        Each sorted row's stratum (int64).
    starts : numpy.ndarray
        The blocks' first rows, and the number of rows at the end (int64, blocks + 1 values).
    stratum : numpy.ndarray
        Each block's stratum (int64).
    n_strata : int
        The number of strata (some may have no rows).
    """

    order: np.ndarray
    code: np.ndarray
    starts: np.ndarray
    stratum: np.ndarray
    n_strata: int

    @property
    def n_blocks(self) -> int:
        """The number of blocks."""
        return len(self.stratum)

    def per_stratum(self, block_values: np.ndarray) -> np.ndarray:
        """Each stratum's totals: the rows of ``block_values`` added up, block after block, per stratum.

        Parameters
        ----------
        block_values : numpy.ndarray
            One row of totals per block, shape (blocks, values).

        Returns
        -------
        numpy.ndarray
            Shape (strata, values); zero for a stratum without rows.
        """
        out = np.zeros((self.n_strata, block_values.shape[1]))
        if self.n_blocks:
            first = np.flatnonzero(np.r_[True, self.stratum[1:] != self.stratum[:-1]])
            out[self.stratum[first]] = np.add.reduceat(block_values, first, axis=0)
        return out


def arrange(codes: np.ndarray, columns: tuple[np.ndarray, ...], w: np.ndarray, n_strata: int) -> Blocks:
    """Sort the rows by stratum, then by the columns in order and the weight; cut each stratum into blocks.

    Equal rows are interchangeable, so the sorted data, and every sum over them, are the same whatever the order
    of the rows.

    Parameters
    ----------
    codes : numpy.ndarray
        Each row's stratum, in ``0..n_strata-1``.
    columns : tuple of numpy.ndarray
        The data columns, the first the most significant after the stratum.
    w : numpy.ndarray
        The rows' weights.
    n_strata : int
        The number of strata.

    Returns
    -------
    Blocks
    """
    codes = np.asarray(codes, dtype=np.int64)
    order = np.lexsort((w, *columns[::-1], codes))
    code = np.ascontiguousarray(codes[order])
    counts = np.bincount(code, minlength=n_strata)
    first_row = np.concatenate([[0], np.cumsum(counts)[:-1]])
    per = -(-counts // _kernels.BLOCK_ROWS)  # blocks per stratum, none for an empty one
    stratum = np.repeat(np.arange(n_strata, dtype=np.int64), per)
    first_block = np.concatenate([[0], np.cumsum(per)[:-1]])
    starts = first_row[stratum] + (np.arange(len(stratum)) - first_block[stratum]) * _kernels.BLOCK_ROWS
    return Blocks(order, code, np.append(starts, len(code)).astype(np.int64), stratum, int(n_strata))


def pairs(code: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Number the distinct (stratum, value) pairs of rows sorted by stratum and value.

    Parameters
    ----------
    code : numpy.ndarray
        Each row's stratum (sorted).
    values : numpy.ndarray
        Each row's value (sorted within each stratum).

    Returns
    -------
    tuple of numpy.ndarray
        Each row's pair (int64), and each pair's stratum and value.
    """
    new = np.ones(len(code), dtype=bool)
    new[1:] = (code[1:] != code[:-1]) | (values[1:] != values[:-1])
    return np.cumsum(new, dtype=np.int64) - 1, code[new], values[new]


def numpy_totals(
    row: Callable[..., tuple[Any, ...]],
    thetas: np.ndarray,
    table: np.ndarray | None,
    pair: np.ndarray | None,
    columns: tuple[np.ndarray, ...],
    w: np.ndarray,
    blocks: Blocks,
) -> np.ndarray:
    """Each stratum's weighted totals of a row function's values, on numpy arrays.

    Parameters
    ----------
    row : callable
        ``row(theta, table_row, *data)``, or ``row(theta, *data)`` without a table, called with chunks of rows
        (``theta`` and ``table_row`` then hold one column per row).
    thetas : numpy.ndarray
        One parameter vector per stratum, shape (strata, k).
    table : numpy.ndarray or None
        Per-pair constants, one row per pair (None if the row function takes none).
    pair : numpy.ndarray or None
        Each row's pair (its row of ``table``).
    columns : tuple of numpy.ndarray
        The sorted data, one array per column.
    w : numpy.ndarray
        The sorted rows' weights.
    blocks : Blocks
        From :func:`arrange`.

    Returns
    -------
    numpy.ndarray
        Shape (strata, values).
    """
    total: np.ndarray | None = None
    for start in range(0, max(len(w), 1), _kernels.BLOCK_ROWS * 8):
        chunk = slice(start, start + _kernels.BLOCK_ROWS * 8)
        code, data = blocks.code[chunk], tuple(c[chunk] for c in columns)
        theta = thetas[code].T
        values = row(theta, *data) if table is None or pair is None else row(theta, table[pair[chunk]].T, *data)
        sums = np.stack([np.bincount(code, weights=w[chunk] * np.broadcast_to(v, code.shape),
                                     minlength=blocks.n_strata) for v in values], axis=1)
        total = sums if total is None else total + sums
    assert total is not None
    return total


def symmetric(upper: np.ndarray, k: int) -> np.ndarray:
    """The k x k symmetric matrices whose upper triangles, row by row, are the rows of ``upper``.

    Parameters
    ----------
    upper : numpy.ndarray
        Shape (n, k (k + 1) / 2).
    k : int
        The matrix size.

    Returns
    -------
    numpy.ndarray
        Shape (n, k, k).
    """
    rows, cols = np.triu_indices(k)
    out = np.empty((len(upper), k, k))
    out[:, rows, cols] = upper
    out[:, cols, rows] = upper
    return out
