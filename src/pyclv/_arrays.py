"""Small array utilities shared by fitting and scoring."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

__all__ = ["per_whole_number", "unique_rows"]


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
    _, first = np.unique(inverse, return_index=True)
    return tuple(a[first] for a in arrays), inverse


def per_whole_number(f: Callable[[np.ndarray], np.ndarray], x: np.ndarray | float) -> np.ndarray:
    """``f(x)`` evaluated once per distinct value of ``x``.

    The special functions of a customer's frequency (gammaln, betaln, digamma) are the costly part of the
    likelihoods, and a large customer base has few distinct frequencies. Whole numbers (as validated
    frequencies are) go through a lookup table, with no sorting; other values through ``numpy.unique``.
    """
    x = np.asarray(x, dtype=float)
    if x.size < 1024:
        return f(x)
    top = float(x.max())
    if 0 <= x.min() and top < 4 * x.size:
        index = x.astype(np.int64)
        if np.array_equal(index, x):
            return f(np.arange(int(top) + 1, dtype=float))[index]
    distinct, inverse = np.unique(x, return_inverse=True)
    return f(distinct)[inverse.reshape(x.shape)]
