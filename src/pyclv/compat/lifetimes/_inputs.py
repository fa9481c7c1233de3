"""lifetimes' loose inputs (scalars, arrays, Series) as pyclv's summary tables, and results back in their shape.

lifetimes' methods take each column as a separate argument and return whatever numpy or pandas arithmetic on
them returns: a Series for Series, an array for arrays, a number for numbers. The compat fitters put the
arguments into one summary table, so that pyclv validates them, and give the result back in that shape.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from pyclv.exceptions import DataValidationError

__all__ = ["Columns", "as_columns", "refuse_options"]


class Columns:
    """Broadcast arguments as a summary table, and how to give a result back in their shape.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per broadcast element (a fresh 0..n-1 index, so that pyclv's checks of unique ids hold).
    shape : tuple of int
        The broadcast shape of the arguments.
    index : pandas.Index or None
        The index of the first Series among the arguments, if any.
    """

    def __init__(self, frame: pd.DataFrame, shape: tuple[int, ...], index: pd.Index | None) -> None:
        self.frame = frame
        self.shape = shape
        self.index = index

    def like_inputs(self, values: np.ndarray, name: str | None = None) -> Any:
        """``values`` (one per row of :attr:`frame`) as lifetimes returns them.

        Parameters
        ----------
        values : numpy.ndarray
            One value per row.
        name : str, optional
            The name of a returned Series.

        Returns
        -------
        pandas.Series, numpy.ndarray or float
            A Series on the arguments' index if one was a Series, a float if all were numbers, else an array of
            their broadcast shape.
        """
        values = np.asarray(values, dtype=float)
        if self.index is not None:
            return pd.Series(values, index=self.index, name=name)
        if self.shape == ():
            return float(values.reshape(()))
        return values.reshape(self.shape)


def as_columns(**columns: Any) -> Columns:
    """Broadcast named array-likes (scalars, arrays, Series) into a summary table.

    Parameters
    ----------
    **columns : array-like
        The columns by name, in the order of the table.

    Returns
    -------
    Columns

    Raises
    ------
    DataValidationError
        If the arguments do not broadcast together, or are not numbers.
    """
    index: pd.Index | None = None
    arrays = {}
    for name, value in columns.items():
        if isinstance(value, pd.DataFrame):
            raise DataValidationError(
                f"Argument {name!r} got a DataFrame of {value.shape[1]} columns; pass one column (e.g. data[{name!r}], "
                "not data.T, which is the transpose).",
                column=name,
                n_rows=len(value),
            )
        if isinstance(value, pd.Series) and index is None:
            index = value.index
        try:
            arrays[name] = np.asarray(value, dtype=float)
        except (TypeError, ValueError):
            raise DataValidationError(
                f"Argument {name!r} must hold numbers; got {type(value).__name__} "
                f"{str(value)[:60]!r}. Pass numbers, a numpy array or a pandas Series.",
                column=name,
            ) from None
    try:
        broadcast = np.broadcast_arrays(*arrays.values())
    except ValueError:
        shapes = ", ".join(f"{k} {v.shape}" for k, v in arrays.items())
        raise DataValidationError(
            f"The arguments {', '.join(arrays)} must have the same length (or be single numbers); got shapes "
            f"{shapes}.",
            column=next(iter(arrays)),
        ) from None
    shape = broadcast[0].shape
    if index is not None and len(index) != int(np.prod(shape)):
        index = None
    frame = pd.DataFrame({k: v.ravel() for k, v in zip(arrays, broadcast, strict=True)})
    return Columns(frame, shape, index)


def refuse_options(method: str, options: Mapping[str, Any]) -> None:
    """Refuse the scipy.optimize options lifetimes passed through ``**kwargs``: pyclv's optimizer takes none.

    Parameters
    ----------
    method : str
        The method that received them, for the message.
    options : mapping
        The extra keyword arguments.

    Returns
    -------
    None

    Raises
    ------
    DataValidationError
        If there are any.
    """
    if options:
        names = ", ".join(sorted(options))
        raise DataValidationError(
            f"{method} got scipy.optimize options ({names}) that lifetimes passed to its optimizer; pyclv fits by "
            "its own Newton / L-BFGS-B method with fixed tolerances and takes none. Remove them.",
            column=sorted(options)[0],
            n_rows=len(options),
        )
