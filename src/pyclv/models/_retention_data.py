"""The sBG model's data: validation of retention data and a cohort's survivor counts turned into such data.

The shifted-beta-geometric model (:mod:`pyclv.models.shifted_beta_geo`) reads one row per customer (or per
pattern, with weights): ``periods`` (n >= 1, the whole periods it was observed) and ``churned`` (True if it was
lost in period n). The rules about these columns and the messages about them live here, beside
:func:`survivors_to_data`, which builds such data from a cohort table (Fader & Hardie 2007). Both public names
are re-exported by :mod:`pyclv.models.shifted_beta_geo` and :func:`survivors_to_data` by :mod:`pyclv`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from pyclv._time import check_time_unit
from pyclv._validation import float_column, reject, require_columns
from pyclv.exceptions import DataValidationError

__all__ = ["churned_column", "survivors_to_data", "validate_retention_data"]


def survivors_to_data(survivors: Sequence[float] | np.ndarray, *, time_unit: str | None = None) -> pd.DataFrame:
    """Turn a cohort's counts of active customers per period into weighted sBG data.

    ``survivors[t]`` is the number of the cohort's customers active at the end of period t, starting with the
    cohort's size at t = 0 (e.g. 1000, 631, 468, ... from FH 2007). The ``survivors[t-1] - survivors[t]``
    customers lost in period t become a row ``(periods=t, churned=True)``; the ``survivors[-1]`` customers
    still active become ``(periods=len(survivors) - 1, churned=False)``. Fit with ``weights="weights"``.

    Parameters
    ----------
    survivors : sequence of float
        Active customers at t = 0, 1, ..., at least two values, non-increasing, >= 0, the first > 0.
        Percentages work too (the log-likelihood is then that of a cohort of 100).
    time_unit : str, optional
        The length of a period (``"D"``, ``"W"``, ``"M"`` or ``"Y"``), stored in ``attrs["time_unit"]`` so the
        fitted model knows it (needed to turn an annual discount rate into a per-period one).

    Returns
    -------
    pandas.DataFrame
        Columns ``periods`` (int), ``churned`` (bool) and ``weights`` (float), one row per period plus one for
        the survivors.

    Raises
    ------
    DataValidationError
        If the counts are not a valid survivor curve.

    Examples
    --------
    >>> from pyclv.models.shifted_beta_geo import survivors_to_data
    >>> survivors_to_data([1000, 631, 468], time_unit="Y")
       periods  churned  weights
    0        1     True    369.0
    1        2     True    163.0
    2        2    False    468.0
    """
    values = np.asarray(survivors, dtype=float)
    if values.ndim != 1 or values.size < 2:
        raise DataValidationError(
            f"survivors must be a flat sequence of at least two counts (the cohort at t = 0, then the active "
            f"customers after each period); got shape {values.shape}.",
            column="survivors",
        )
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        raise DataValidationError(
            f"survivors has {int(bad.sum())} value(s) that are missing, infinite or negative.",
            column="survivors",
            n_rows=int(bad.sum()),
        )
    rising = np.diff(values) > 0
    if rising.any():
        raise DataValidationError(
            f"survivors must not increase from one period to the next (a cohort only loses customers); it rises "
            f"at {int(rising.sum())} period(s), first at t = {int(np.argmax(rising)) + 1}.",
            column="survivors",
            n_rows=int(rising.sum()),
        )
    if values[0] <= 0:
        raise DataValidationError("survivors[0], the cohort's size, must be > 0.", column="survivors", n_rows=1)
    last = values.size - 1
    data = pd.DataFrame(
        {
            "periods": np.append(np.arange(1, last + 1), last).astype(np.int64),
            "churned": np.append(np.ones(last, dtype=bool), False),
            "weights": np.append(-np.diff(values), values[-1]),
        }
    )
    if time_unit is not None:
        data.attrs["time_unit"] = check_time_unit(time_unit)
    return data


def churned_column(data: pd.DataFrame) -> np.ndarray:
    """The ``churned`` column as a boolean array; True/False or 0/1 only, anything else is an error."""
    series = data["churned"]
    if pd.api.types.is_bool_dtype(series.dtype) and not series.hasnans:
        return series.to_numpy(dtype=bool)
    values = series.to_numpy(dtype=object)
    ok = np.array(
        [
            isinstance(v, (bool, np.bool_))
            or (isinstance(v, (int, float, np.integer, np.floating)) and (v == 0 or v == 1))
            for v in values
        ],
        dtype=bool,
    )
    reject(
        ~ok,
        "churned",
        data.index,
        "values that are not booleans",
        "Use True for customers lost in their last observed period and False for customers still active.",
        values,
    )
    return values.astype(bool)


def validate_retention_data(data: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Check sBG data and return ``(periods, churned)`` as float64 and bool arrays.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per customer (or pattern) with ``periods`` (whole periods observed, >= 1) and ``churned``
        (True/False or 0/1: lost in the last observed period).

    Returns
    -------
    tuple of numpy.ndarray
        ``periods`` as float64 and ``churned`` as bool, one value per row of ``data``.

    Raises
    ------
    DataValidationError
        If ``periods`` or ``churned`` is missing, ``periods`` is not a whole number >= 1 or ``churned`` is not
        boolean (True/False or 0/1); the error names the column and counts the bad rows.
    """
    if not isinstance(data, pd.DataFrame):
        raise DataValidationError(f"sBG data must be a pandas DataFrame; got {type(data).__name__}.")
    require_columns(
        list(data.columns),
        ["periods", "churned"],
        what="The retention data",
        todo="It needs 'periods' (whole periods observed, >= 1) and 'churned' (True if lost in the last one); "
        "survivors_to_data builds it from a cohort's survivor counts.",
    )
    periods = float_column(data, "periods")
    with np.errstate(invalid="ignore"):
        bad = ~np.isfinite(periods) | (periods < 1) | (periods != np.floor(periods))
    reject(
        bad,
        "periods",
        data.index,
        "values that are not whole numbers >= 1",
        "periods counts the whole periods a customer was observed, from 1.",
        periods,
    )
    return periods, churned_column(data)
