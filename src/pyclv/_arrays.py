"""Small array utilities shared by fitting and scoring."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["unique_rows"]


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
