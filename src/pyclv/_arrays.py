"""Small array utilities shared by fitting and scoring."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

__all__ = ["distinct_values", "per_whole_number", "unique_rows"]


def unique_rows(arrays: tuple[np.ndarray, ...]) -> tuple[tuple[np.ndarray, ...], np.ndarray]:
    """The distinct rows of parallel 1-d arrays and, for each input row, the index of its distinct row.

    Expensive per-customer quantities depend on the customer only through a few columns (frequency,
    recency, T) that repeat a lot in real data, so they are computed once per distinct row.
    """
    n = len(arrays[0])
    if n == 0:
        return arrays, np.zeros(0, dtype=np.intp)
    frame = pd.DataFrame(dict(enumerate(arrays)), copy=False)
    inverse = frame.groupby(list(frame.columns), sort=False).ngroup().to_numpy()
    # Unsorted groups are numbered in the order they are first seen, so a row is its group's first exactly where
    # the running maximum of the numbers goes up: no sort needed.
    first = np.empty(n, dtype=bool)
    first[0] = True
    first[1:] = inverse[1:] > np.maximum.accumulate(inverse)[:-1]
    return tuple(a[first] for a in arrays), inverse


def distinct_values(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct values of a 1-d array, in increasing order, and each element's position among them.

    Whole numbers (as validated frequencies are) go through a lookup table, in one pass with no sorting; other
    values through ``numpy.unique``.

    Parameters
    ----------
    x : numpy.ndarray
        The values.

    Returns
    -------
    tuple of numpy.ndarray
        The distinct values (float) and the positions (int64), so that ``values[positions]`` is ``x``.
    """
    x = np.asarray(x, dtype=float)
    if x.size and 0 <= x.min() and x.max() < 4 * x.size + 1024:
        whole = x.astype(np.int64)
        if np.array_equal(whole, x):
            present = np.flatnonzero(np.bincount(whole))
            position = np.zeros(int(whole.max()) + 1, dtype=np.int64)
            position[present] = np.arange(len(present))
            return present.astype(float), position[whole]
    values, inverse = np.unique(x, return_inverse=True)
    return values, inverse.reshape(x.shape).astype(np.int64)


def per_whole_number(f: Callable[[np.ndarray], np.ndarray], x: np.ndarray | float) -> np.ndarray:
    """``f(x)`` evaluated once per distinct value of ``x``.

    The special functions of a customer's frequency (gammaln, betaln, digamma) are the costly part of the
    likelihoods, and a large customer base has few distinct frequencies (see :func:`distinct_values`).
    """
    x = np.asarray(x, dtype=float)
    if x.size < 1024:
        return f(x)
    values, position = distinct_values(x.ravel())
    return f(values)[position.reshape(x.shape)]
