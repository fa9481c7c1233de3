"""How every message about input data is worded: counts, examples, warnings that point at the user's call."""

from __future__ import annotations

import sys
import warnings
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import numpy as np
import pandas as pd

from pyclv.exceptions import PyCLVWarning

__all__ = [
    "N_EXAMPLES",
    "argument",
    "argument_names",
    "distinct_values",
    "examples",
    "listed",
    "rows",
    "show",
    "warn",
]

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


def distinct_values(values: Any) -> str:
    """The smallest few distinct offending values, ``'a', 'b', ...``: what every engine shows of a bad column.

    Engines show the same examples for the same data: the :data:`N_EXAMPLES` smallest distinct values (SQL
    engines ``SELECT DISTINCT ... ORDER BY ... LIMIT``), never "the first rows", whose order a parallel engine does
    not keep.

    Parameters
    ----------
    values : array-like
        The offending values (missing ones are ignored).

    Returns
    -------
    str
        The examples, with ``, ...`` when there are more distinct values.

    Examples
    --------
    >>> distinct_values(["x", "$3", "x", "b", "a"])
    "'$3', 'a', 'b', ..."
    """
    unique = pd.unique(pd.Series(np.asarray(values, dtype=object)).dropna())
    try:
        ordered = sorted(unique)
    except TypeError:  # values of several types, only possible in a DataFrame
        ordered = sorted(unique, key=lambda value: (type(value).__name__, repr(value)))
    return listed(ordered[:N_EXAMPLES], len(ordered))


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


#: How the caller names the arguments that messages mention: a Python call's keywords by default, a command
#: line's flags inside :func:`argument_names`.
_NAMES: ContextVar[Mapping[str, str] | None] = ContextVar("pyclv_argument_names", default=None)


@contextmanager
def argument_names(flags: Mapping[str, str]) -> Iterator[None]:
    """Within the context, messages name arguments by ``flags`` (``{"date_format": "--date-format"}``).

    A key ``"name=value"`` names one value of an argument (``{"dayfirst=True": "--dayfirst"}``). The setting is
    local to the thread or task (a :class:`contextvars.ContextVar`), so a command line can word the messages of
    the library it calls without a global switch.

    Parameters
    ----------
    flags : mapping of str to str
        The caller's name of each argument.

    Yields
    ------
    None
    """
    token = _NAMES.set(flags)
    try:
        yield
    finally:
        _NAMES.reset(token)


def argument(name: str, value: str | None = None) -> str:
    """How a message tells the user to pass an argument: ``date_format='%Y%m%d'``, or ``--date-format '%Y%m%d'``.

    Parameters
    ----------
    name : str
        The Python keyword.
    value : str, optional
        The value to show, as source text; without it, the bare name (``observation_period_end``).

    Returns
    -------
    str
        The argument as the caller writes it.

    Examples
    --------
    >>> argument("date_format", "'%Y%m%d'")
    "date_format='%Y%m%d'"
    >>> with argument_names({"date_format": "--date-format", "dayfirst=True": "--dayfirst"}):
    ...     argument("date_format", "'%Y%m%d'"), argument("dayfirst", "True")
    ("--date-format '%Y%m%d'", '--dayfirst')
    """
    flags = _NAMES.get()
    if flags is None:
        return name if value is None else f"{name}={value}"
    if value is not None and f"{name}={value}" in flags:
        return flags[f"{name}={value}"]
    flag = flags.get(name, name)
    return flag if value is None else f"{flag} {value}"


def warn(message: str) -> None:
    """Issue a :class:`~pyclv.exceptions.PyCLVWarning` pointing at the first caller outside pyclv."""
    frame = sys._getframe(1)
    level = 2  # stacklevel 1 would be this function, 2 its caller, frame 1
    while frame is not None and str(frame.f_globals.get("__name__", "")).startswith("pyclv."):
        frame = frame.f_back  # type: ignore[assignment]
        level += 1
    warnings.warn(message, PyCLVWarning, stacklevel=level)
