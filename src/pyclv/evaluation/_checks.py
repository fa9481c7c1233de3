"""Checks of the evaluation functions' inputs, shared by their modules (each raises a message naming the column)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from pyclv._time import check_time_unit
from pyclv._validation import require_columns
from pyclv.exceptions import DataValidationError
from pyclv.models import TransactionModel

_HOLDOUT_COLUMNS = ("frequency_holdout", "revenue_holdout", "duration_holdout")


def _summary_arrays(data: pd.DataFrame, what: str, columns: Sequence[str]) -> dict[str, np.ndarray]:
    """Named float arrays of the summary columns a function needs (a DataValidationError names a missing one)."""
    require_columns(
        list(data.columns),
        columns,
        what=what,
        todo="Build the data with rfm_summary or calibration_holdout_split (with monetary_value_col for values).",
    )
    return {col: data[col].to_numpy(dtype=float) for col in columns}


def _whole_number(value: int, name: str) -> int:
    """``value`` as an int if it is a whole number >= 1, else a ValueError naming ``name``."""
    if not (float(value) == int(value) and int(value) >= 1):
        raise ValueError(f"{name} must be a whole number >= 1; got {value!r}.")
    return int(value)


def _holdout_duration(data: pd.DataFrame, what: str, columns: Sequence[str]) -> float:
    """The one holdout duration of a calibration/holdout split, after checking the columns ``what`` needs."""
    require_columns(
        list(data.columns),
        columns,
        what=what,
        todo="Build the data with calibration_holdout_split (with monetary_value_col for revenue).",
    )
    if len(data) == 0:
        raise DataValidationError(
            f"{what} needs at least one customer; the data are empty.", column=columns[0], n_rows=0
        )
    durations = data["duration_holdout"].to_numpy(dtype=float)
    if not np.all(durations == durations[0]):
        values, counts = np.unique(durations, return_counts=True)
        common = values[np.argmax(counts)]
        raise DataValidationError(
            f"{what} needs one holdout duration for all customers (column 'duration_holdout' varies): "
            f"{int(np.sum(durations != common)):,} rows differ from the most common value {common:g}.",
            column="duration_holdout",
            n_rows=int(np.sum(durations != common)),
        )
    duration = float(durations[0])
    if not (np.isfinite(duration) and duration > 0):
        raise DataValidationError(
            f"{what} needs a positive holdout duration; column 'duration_holdout' is {duration!r}.",
            column="duration_holdout",
            n_rows=len(durations),
        )
    return duration


def _finite_values(values: object, name: str) -> np.ndarray:
    """A 1-d float array of finite values, or a DataValidationError naming ``name`` and counting bad rows."""
    array = np.asarray(
        values.to_numpy(dtype=float, na_value=np.nan) if isinstance(values, pd.Series) else values,
        dtype=float,
    )
    if array.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional (one value per customer); got shape {array.shape}.")
    if len(array) == 0:
        raise DataValidationError(f"{name} is empty: there are no customers.", column=name, n_rows=0)
    bad = ~np.isfinite(array)
    if bad.any():
        n = int(bad.sum())
        raise DataValidationError(
            f"{name} has {n:,} missing or infinite value(s) of {len(array):,}; drop or fill them first.",
            column=name,
            n_rows=n,
        )
    return array


def _model_time_unit(model: TransactionModel, time_unit: str | None) -> str:
    """The time unit of the model's time axis: the model's, or the one given (which must agree with it)."""
    fitted = getattr(model, "time_unit_", None)
    if time_unit is None:
        if fitted is None:
            raise ValueError(
                "This model does not record its time unit: pass time_unit= (the unit it was fitted in, e.g. 'W'), "
                "or build it with from_params(..., time_unit='W')."
            )
        return str(fitted)
    check_time_unit(time_unit)
    if fitted is not None and fitted != time_unit:
        raise DataValidationError(
            f"time_unit={time_unit!r} differs from the model's time unit {fitted!r}; pyclv never rescales time "
            f"silently. Pass time_unit={fitted!r} or omit it.",
            column="time_unit",
        )
    return time_unit
