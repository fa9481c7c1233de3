"""Covariate columns as numbers: how each one is encoded, learnt once at fit and applied the same way after.

A numeric column (integers, floats, booleans) enters as it is. Any other column (text, a pandas ``Categorical``)
is categorical and one-hot encoded against a reference level: the first category of a ``Categorical`` (so users
choose it by ordering the categories), else the first value in sorted order. Its coefficients are named
``column[level]`` and each is the effect of that level against the reference. The encoding is stored with the
model, so that predictions encode new data in the same way and refuse a level the fit never saw.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from pyclv.exceptions import DataValidationError

__all__ = ["Encoding", "encode", "learn"]

#: How many bad values an error message shows.
_EXAMPLES = 3


@dataclass(frozen=True)
class Encoding:
    """How one covariate column becomes numbers.

    Attributes
    ----------
    name : str
        The column.
    levels : tuple of str, optional
        For a categorical column, its levels with the reference first; None for a numeric column.
    """

    name: str
    levels: tuple[str, ...] | None = None

    @property
    def columns(self) -> tuple[str, ...]:
        """The encoded columns' names: the column itself, or ``name[level]`` for each level but the reference."""
        if self.levels is None:
            return (self.name,)
        return tuple(f"{self.name}[{level}]" for level in self.levels[1:])

    @property
    def reference(self) -> str | None:
        """The reference level of a categorical column (None for a numeric one)."""
        return None if self.levels is None else self.levels[0]

    def to_dict(self) -> dict[str, Any]:
        """The encoding as a JSON-ready dict.

        Returns
        -------
        dict
        """
        return {"name": self.name, "levels": None if self.levels is None else list(self.levels)}

    @classmethod
    def from_dict(cls, spec: dict[str, Any]) -> Encoding:
        """The encoding of :meth:`to_dict`.

        Parameters
        ----------
        spec : dict
            ``name`` and ``levels``.

        Returns
        -------
        Encoding
        """
        levels = spec.get("levels")
        return cls(str(spec["name"]), None if levels is None else tuple(str(v) for v in levels))


def _numeric(series: pd.Series) -> bool:
    return bool(pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series)) and not isinstance(
        series.dtype, pd.CategoricalDtype
    )


def _column(data: pd.DataFrame, name: str, what: str) -> pd.Series:
    if name not in data.columns:
        raise DataValidationError(
            f"The covariate column {name!r} is not in the {what} (its columns: {', '.join(map(str, data.columns))}). "
            "Add it, one value per customer (e.g. merge a customer table on the customer id).",
            column=name,
        )
    series = data[name]
    missing = series.isna().to_numpy()
    if missing.any():
        examples = ", ".join(map(str, data.index[missing][:_EXAMPLES]))
        raise DataValidationError(
            f"The covariate column {name!r} has {int(missing.sum())} missing value(s) (customers {examples}). "
            "A model with covariates needs a value for every customer: fill them in (e.g. an 'unknown' level for "
            "a categorical column) or leave those customers out.",
            column=name,
            n_rows=int(missing.sum()),
        )
    return series


def learn(data: pd.DataFrame, names: Sequence[str]) -> tuple[Encoding, ...]:
    """The encodings of the covariate columns ``names`` of the fit's data.

    Parameters
    ----------
    data : pandas.DataFrame
        The data the model is fitted on.
    names : sequence of str
        The covariate columns.

    Returns
    -------
    tuple of Encoding
        One per column, in order.

    Raises
    ------
    DataValidationError
        If a column is missing, has missing or infinite values, or is constant among the customers of the fit
        (a categorical column with one level, a numeric one with one value: its effect cannot be told from the
        base parameters; for Gamma-Gamma these are the customers with repeat purchases).
    """
    encodings = []
    for name in names:
        series = _column(data, name, "data")
        if _numeric(series):
            values = series.to_numpy(dtype=float)
            _check_finite(data, name, values)
            if len(values) and np.all(values == values[0]):
                raise _constant(name, f"every customer of the fit has the value {values[0]:g}")
            encodings.append(Encoding(name))
            continue
        present = {str(v) for v in pd.unique(series)}
        if isinstance(series.dtype, pd.CategoricalDtype):
            levels = tuple(str(c) for c in series.cat.categories if str(c) in present)
        else:
            levels = tuple(sorted(present))
        if len(levels) < 2:
            raise _constant(name, f"every customer of the fit has the level {levels[0]!r}" if levels else "it is empty")
        encodings.append(Encoding(name, levels))
    return tuple(encodings)


def _constant(name: str, why: str) -> DataValidationError:
    return DataValidationError(
        f"The covariate column {name!r} is constant ({why}), so its effect cannot be told apart from the model's "
        "base parameters: leave it out.",
        column=name,
    )


def _check_finite(data: pd.DataFrame, name: str, values: np.ndarray) -> None:
    bad = ~np.isfinite(values)
    if bad.any():
        examples = ", ".join(map(str, data.index[bad][:_EXAMPLES]))
        raise DataValidationError(
            f"The covariate column {name!r} has {int(bad.sum())} infinite value(s) (customers {examples}): give "
            "every customer a finite number.",
            column=name,
            n_rows=int(bad.sum()),
        )


def encode(data: pd.DataFrame, encodings: Sequence[Encoding], *, what: str = "data") -> np.ndarray:
    """The covariates of ``data`` as a float matrix, one row per customer, encoded as learnt.

    Parameters
    ----------
    data : pandas.DataFrame
        Customers with the covariate columns.
    encodings : sequence of Encoding
        From :func:`learn`.
    what : str, default "data"
        What ``data`` is, for messages.

    Returns
    -------
    numpy.ndarray
        Shape (customers, encoded columns), in the order of the encodings' :attr:`Encoding.columns`.

    Raises
    ------
    DataValidationError
        If a column is missing, has missing or infinite values, is categorical where the fit saw numbers (or
        the other way round), or has a level the fit never saw.
    """
    blocks = []
    for enc in encodings:
        series = _column(data, enc.name, what)
        if enc.levels is None:
            if not _numeric(series):
                raise DataValidationError(
                    f"The covariate column {enc.name!r} was numeric when the model was fitted, but holds "
                    f"{series.dtype} values here: give it numbers.",
                    column=enc.name,
                )
            values = series.to_numpy(dtype=float)
            _check_finite(data, enc.name, values)
            blocks.append(values[:, None])
            continue
        codes, distinct = pd.factorize(series)  # each distinct value once: text is made of those only
        text = np.asarray([str(v) for v in distinct], dtype=object)
        position = pd.Index(enc.levels).get_indexer(pd.Index(text))[codes]
        unknown = position < 0
        if unknown.any():
            examples = ", ".join(repr(v) for v in pd.unique(text[codes[unknown]])[:_EXAMPLES])
            raise DataValidationError(
                f"The covariate column {enc.name!r} has {int(unknown.sum())} row(s) with a level the model was not "
                f"fitted on ({examples}; the fit knew {', '.join(map(repr, enc.levels))}). Map them to a known "
                "level or refit the model on data that have them.",
                column=enc.name,
                n_rows=int(unknown.sum()),
            )
        onehot = np.zeros((len(series), len(enc.levels) - 1))
        rows = np.flatnonzero(position > 0)
        onehot[rows, position[rows] - 1] = 1.0
        blocks.append(onehot)
    if not blocks:
        return np.zeros((len(data), 0))
    return np.hstack(blocks)
