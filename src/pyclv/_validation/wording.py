"""How every message about input data is worded: counts, examples, warnings that point at the user's call."""

from __future__ import annotations

import sys
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from pyclv.exceptions import PyCLVWarning

__all__ = ["N_EXAMPLES", "examples", "listed", "rows", "show", "warn"]

#: How many offending values or row labels an error message shows.
N_EXAMPLES = 3


def show(value: Any) -> str:
    """A short representation of one offending value (numpy scalars shown as plain Python values)."""
    if isinstance(value, np.generic):
        value = value.item()
    return repr(value)


def rows(n: int) -> str:
    """``"1 row"`` or ``"1,234 rows"``."""
    return f"{n:,} row" if n == 1 else f"{n:,} rows"


def listed(values: Sequence[Any], n: int) -> str:
    """Example values fetched by an engine, ``'a', 'b', ...`` (the ellipsis when ``n`` exceeds them)."""
    more = ", ..." if n > len(values) else ""
    return ", ".join(show(v) for v in values) + more


def examples(labels: pd.Index, mask: np.ndarray, values: Any = None) -> str:
    """Describe up to three offending rows by label and value, ``3 ('abc'), 7 (nan), ...``, or by label only.

    Parameters
    ----------
    labels : pandas.Index
        The row labels.
    mask : numpy.ndarray
        Boolean, True for the offending rows.
    values : array-like or dict of array-like, optional
        Values aligned with ``labels``, or named arrays (``20 (recency=9.0, T=8.0)``).

    Returns
    -------
    str
        The examples, with ``, ...`` when there are more.
    """
    positions = np.flatnonzero(mask)[:N_EXAMPLES]
    if values is None:
        parts = [show(labels[i]) for i in positions]
    elif isinstance(values, dict):
        parts = [
            f"{show(labels[i])} ({', '.join(f'{name}={show(v[i])}' for name, v in values.items())})"
            for i in positions
        ]
    else:
        parts = [f"{show(labels[i])} ({show(values[i])})" for i in positions]
    more = ", ..." if np.count_nonzero(mask) > N_EXAMPLES else ""
    return ", ".join(parts) + more


def warn(message: str) -> None:
    """Issue a :class:`~pyclv.exceptions.PyCLVWarning` pointing at the first caller outside pyclv."""
    frame = sys._getframe(1)
    level = 2  # stacklevel 1 would be this function, 2 its caller, frame 1
    while frame is not None and str(frame.f_globals.get("__name__", "")).startswith("pyclv."):
        frame = frame.f_back  # type: ignore[assignment]
        level += 1
    warnings.warn(message, PyCLVWarning, stacklevel=level)
