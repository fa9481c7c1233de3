"""Loops over customers compiled with numba when it is there, and the same arithmetic on numpy arrays when not.

A likelihood kernel is written once, as a *row function*: plain arithmetic (``+ - * /``, ``np.log``, ``np.exp``,
``np.log1p``, ``np.abs``, ``np.maximum``) of the parameters, one row of a table of per-frequency constants and one
customer's data, returning a tuple of numbers (the log-likelihood, its gradient and the upper triangle of its
Hessian). Compiled (:func:`compile_row`, :func:`compile_loop`), a loop calls it once per customer and adds the
weighted values up per fixed block of :data:`BLOCK_ROWS` rows, so the totals do not depend on the number of
threads and reruns agree to the last bit. Without numba, :func:`numpy_totals` calls the same function on whole
blocks of arrays: one mathematics, two ways of running it, and the tests hold them to each other.

numba is used when it imports and the environment variable ``PYCLV_NUMBA`` is not ``0``; :func:`plain` switches
it off for a block of code (for tests and comparisons). Compiled code is cached on disk by numba, so only the
first call after an install pays for compilation.
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

__all__ = [
    "BLOCK_ROWS",
    "ENV_VARIABLE",
    "active",
    "available",
    "block_totals",
    "compile_function",
    "compile_loop",
    "compile_row",
    "compile_serial",
    "jitable",
    "launch",
    "n_blocks",
    "numpy_totals",
    "plain",
    "prange",
    "symmetric",
]

#: Rows per block of the accumulation: the unit of parallel work, and the fixed order of the sums.
BLOCK_ROWS = 16_384
#: Set to ``0`` to run every kernel on numpy instead of numba.
ENV_VARIABLE = "PYCLV_NUMBA"

_forced_plain = False
# One parallel launch at a time (see launch).
_LAUNCH = threading.Lock()


def available() -> bool:
    """Whether numba is allowed (``PYCLV_NUMBA`` is not ``0``) and imports.

    With ``PYCLV_NUMBA=0`` numba is never imported, so a broken numba installation can be switched off.

    Returns
    -------
    bool
    """
    return os.environ.get(ENV_VARIABLE, "1") != "0" and _imports()


@functools.cache
def _imports() -> bool:
    try:
        import numba  # noqa: F401
    except Exception:  # an ImportError, or a numba that refuses this numpy
        return False
    return True


def active() -> bool:
    """Whether kernels run compiled now: numba is available, not switched off by the environment or :func:`plain`.

    Returns
    -------
    bool
    """
    return not _forced_plain and available()


@contextmanager
def plain() -> Iterator[None]:
    """Run every kernel on numpy inside the ``with`` block.

    Yields
    ------
    None
    """
    global _forced_plain
    before, _forced_plain = _forced_plain, True
    try:
        yield
    finally:
        _forced_plain = before


def compile_row(fn: Callable[..., Any]) -> Callable[..., Any]:
    """A row function compiled for use inside compiled loops (the function itself without numba).

    Parameters
    ----------
    fn : callable
        The row function.

    Returns
    -------
    callable
    """
    if not available():
        return fn
    return _njit(fn, inline="always")


def jitable(fn: Callable[..., Any]) -> Callable[..., Any]:
    """A plain function that compiled code may call too (numba's ``register_jitable``), unchanged for Python.

    For the small pieces that other pieces call: called from Python (the numpy path) they stay plain functions;
    called from compiled code they are compiled into it.

    Parameters
    ----------
    fn : callable
        The function.

    Returns
    -------
    callable
        ``fn`` itself.
    """
    if not available():
        return fn
    from numba.extending import register_jitable

    return register_jitable(fn)


def compile_function(fn: Callable[..., Any], *, contract: bool = False) -> Callable[..., Any]:
    """A function compiled for compiled loops and called there, not inlined (the function itself without numba).

    For a row function with branches and many pieces: inlined into a parallel loop, numba's analysis of the loop
    would have to see through all of it.

    Parameters
    ----------
    fn : callable
        The function.
    contract : bool, default False
        Let the compiler fuse multiplications and additions (``fastmath={"contract"}``): faster polynomials, and
        results that differ from the numpy path's in the last bits.

    Returns
    -------
    callable
    """
    if not available():
        return fn
    return _njit(fn, fastmath={"contract"} if contract else False)


def compile_loop(fn: Callable[..., Any]) -> Callable[..., Any] | None:
    """A loop over blocks of rows compiled with numba's threads, or None without numba.

    Parameters
    ----------
    fn : callable
        The loop: ``fn(..., out)`` with ``out`` of shape (:func:`n_blocks`, values per row), filled in place.

    Returns
    -------
    callable or None
    """
    if not available():
        return None
    return _njit(fn, parallel=True)


def compile_serial(fn: Callable[..., Any]) -> Callable[..., Any] | None:
    """A loop compiled with numba without threads (for loops that update shared entries), or None without numba.

    Parameters
    ----------
    fn : callable
        The loop, filling its output arguments in place.

    Returns
    -------
    callable or None
    """
    if not available():
        return None
    return _njit(fn)


def _njit(fn: Callable[..., Any], **options: Any) -> Callable[..., Any]:
    """The compiled function: numba's ``njit``, cached on disk where there is a writable place (else per process)."""
    import numba

    try:
        return numba.njit(cache=True, error_model="numpy", **options)(fn)
    except RuntimeError:  # "cannot cache function ...: no locator available" (read-only install, no home)
        return numba.njit(cache=False, error_model="numpy", **options)(fn)


def _range(*args: int) -> range:
    return range(*args)


prange: Callable[..., range]
"""numba's parallel range inside compiled loops (plain ``range`` without numba)."""
if available():
    from numba import prange
else:  # pragma: no cover - the fallback when numba is not installed
    prange = _range


def n_blocks(n_rows: int) -> int:
    """The number of blocks of :data:`BLOCK_ROWS` rows that ``n_rows`` rows make.

    Parameters
    ----------
    n_rows : int
        Rows.

    Returns
    -------
    int
    """
    return max(1, -(-int(n_rows) // BLOCK_ROWS))


def block_totals(loop: Callable[..., None], n_rows: int, n_values: int, *args: Any) -> np.ndarray:
    """Run a compiled loop and add its blocks up in order.

    Parameters
    ----------
    loop : callable
        From :func:`compile_loop`.
    n_rows, n_values : int
        Rows of the data and values per row.
    *args
        The loop's arguments before ``out``.

    Returns
    -------
    numpy.ndarray
        The ``n_values`` weighted totals.
    """
    out = np.zeros((n_blocks(n_rows), n_values))
    launch(loop, *args, out)
    return out.sum(axis=0)


def launch(loop: Callable[..., None], *args: Any) -> None:
    """Run a compiled parallel loop, one launch at a time across Python threads.

    numba's workqueue threading layer (its fallback where neither OpenMP nor TBB is installed) aborts the process
    when two threads start parallel loops at once: a user's thread pool fitting or scoring several models takes
    turns here.

    Parameters
    ----------
    loop : callable
        From :func:`compile_loop`.
    *args
        Its arguments.

    Returns
    -------
    None
    """
    with _LAUNCH:
        loop(*args)


def numpy_totals(
    row: Callable[..., tuple[Any, ...]],
    theta: np.ndarray,
    table: np.ndarray | None,
    code: np.ndarray | None,
    columns: tuple[np.ndarray, ...],
    w: np.ndarray,
) -> np.ndarray:
    """The weighted totals of a row function's values, on numpy arrays, block by block.

    Parameters
    ----------
    row : callable
        ``row(theta, table_row, *data)``, or ``row(theta, *data)`` without a table; called with a block of rows
        (``table_row`` is then the table's entries along the first axis, one column per row).
    theta : numpy.ndarray
        The parameters.
    table : numpy.ndarray or None
        Per-code constants, one row per code (None if the row function takes none).
    code : numpy.ndarray or None
        Each row's code (its row of ``table``).
    columns : tuple of numpy.ndarray
        The data, one array per column.
    w : numpy.ndarray
        The rows' weights.

    Returns
    -------
    numpy.ndarray
        The weighted totals, one per value of the row function.
    """
    total: np.ndarray | None = None
    for start in range(0, max(len(w), 1), BLOCK_ROWS * 8):
        block = slice(start, start + BLOCK_ROWS * 8)
        data = tuple(c[block] for c in columns)
        values = row(theta, *data) if table is None or code is None else row(theta, table[code[block]].T, *data)
        sums = np.array([w[block] @ np.broadcast_to(v, w[block].shape) for v in values])
        total = sums if total is None else total + sums
    assert total is not None
    return total


def symmetric(upper: np.ndarray, k: int) -> np.ndarray:
    """The k x k symmetric matrix whose upper triangle, row by row, is ``upper``.

    Parameters
    ----------
    upper : numpy.ndarray
        ``k (k + 1) / 2`` values.
    k : int
        The matrix size.

    Returns
    -------
    numpy.ndarray
    """
    matrix = np.zeros((k, k))
    matrix[np.triu_indices(k)] = upper
    return matrix + np.triu(matrix, 1).T
