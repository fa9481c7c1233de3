"""Every rule about input data and every message about it, written once.

Engines (:mod:`pyclv.engines`) compute; this module checks what they computed and words the errors, so
that pandas, DuckDB (and any later engine) accept and refuse the same inputs with the same messages. A
message names the column, counts the bad rows, shows up to :data:`N_EXAMPLES` examples and says what to do;
the error carries the column (``.column``) and the count (``.n_rows``).

Three kinds of input are checked here:

- a transaction log, through the :class:`LogProfile` an engine computes (:func:`check_log`), plus the errors
  an engine meets while reading a column's type (:func:`numbers_not_dates`, :func:`not_amounts`, ...);
- the dates that bound the periods (:func:`to_day`, :func:`observation_end`, :func:`calibration_end`);
- a per-customer summary handed to a model (:func:`validate_summary`) and fit weights
  (:func:`resolve_weights`).
"""

from __future__ import annotations

import datetime
import sys
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, TypeAlias

import numpy as np
import pandas as pd

from pyclv.exceptions import DataValidationError, PyCLVWarning

__all__ = [
    "N_EXAMPLES",
    "RECENCY_RTOL",
    "BadRows",
    "DateLike",
    "LogColumns",
    "LogProfile",
    "Summary",
    "calibration_end",
    "check_log",
    "dates_with_mixed_offsets",
    "day_str",
    "examples",
    "float_column",
    "ids_not_comparable",
    "listed",
    "mixed_id_types",
    "no_transactions",
    "not_a_dataframe",
    "not_amounts",
    "not_dates",
    "numbers_not_dates",
    "observation_end",
    "reject",
    "require_columns",
    "require_log_columns",
    "resolve_weights",
    "rows",
    "show",
    "to_day",
    "unreadable_dates",
    "validate_summary",
    "warn",
    "warn_excluded_after_end",
    "warn_incomplete_periods",
    "warn_new_in_holdout",
]

#: How many offending values or row labels an error message shows.
N_EXAMPLES = 3

#: Relative tolerance of the check recency <= T (summaries read from rounded files may differ slightly).
RECENCY_RTOL = 1e-9

#: A single date: a string such as "1997-09-30", a datetime or date, a numpy datetime64 or a pandas Timestamp.
DateLike: TypeAlias = str | datetime.date | np.datetime64 | pd.Timestamp


# ---------------------------------------------------------------------------------------------------------
# Wording
# ---------------------------------------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------------------------------------
# Dates given as arguments
# ---------------------------------------------------------------------------------------------------------


def to_day(value: DateLike, name: str) -> int:
    """Calendar day number (days since 1970-01-01) of a single date given as an argument.

    Parameters
    ----------
    value : date-like
        The date; a tz-aware time counts on its local day.
    name : str
        The argument's name, for the message.

    Returns
    -------
    int
        The day number.

    Raises
    ------
    DataValidationError
        If ``value`` is not a date, or is missing.
    """
    try:
        stamp = pd.Timestamp(value)
    except (ValueError, TypeError) as exc:
        raise DataValidationError(
            f"{name}={value!r} is not a date ({exc}). Pass a date such as '1997-09-30' or a datetime.",
            column=name,
        ) from exc
    if pd.isna(stamp):
        raise DataValidationError(f"{name} is missing (NaT). Pass a date such as '1997-09-30'.", column=name)
    if stamp.tz is not None:
        stamp = stamp.tz_localize(None)
    return int(stamp.to_datetime64().astype("datetime64[D]").astype(np.int64))


def day_str(day: int) -> str:
    """A day number as an ISO date, ``1997-09-30``."""
    return str(np.datetime64(int(day), "D"))


def observation_end(first_day: int, last_day: int, end: DateLike | None, end_name: str) -> int:
    """The last day of the observation period: ``end``, or the last transaction's day without one.

    Parameters
    ----------
    first_day, last_day : int
        The first and last transaction days of the log.
    end : date-like, optional
        The end the user asked for.
    end_name : str
        The argument's name, for the message.

    Returns
    -------
    int
        The end's day number.

    Raises
    ------
    DataValidationError
        If the end is before the first transaction (no customer would be observed).
    """
    end_day = last_day if end is None else to_day(end, end_name)
    if end_day < first_day:
        raise DataValidationError(
            f"{end_name} {day_str(end_day)} is before the first transaction ({day_str(first_day)}): no "
            f"customer would be observed. Pass a later {end_name}.",
            column=end_name,
        )
    return end_day


def calibration_end(value: DateLike, first_day: int, end_day: int) -> int:
    """The calibration period's last day, checked against the log and the observation end.

    Parameters
    ----------
    value : date-like
        ``calibration_period_end`` as the user gave it.
    first_day : int
        The first transaction's day.
    end_day : int
        The observation period's last day.

    Returns
    -------
    int
        The calibration end's day number.

    Raises
    ------
    DataValidationError
        If the holdout or the calibration period would be empty.
    """
    day = to_day(value, "calibration_period_end")
    if day >= end_day:
        raise DataValidationError(
            f"calibration_period_end {day_str(day)} must be before observation_period_end "
            f"{day_str(end_day)}, or the holdout period is empty. Pass an earlier calibration end.",
            column="calibration_period_end",
        )
    if day < first_day:
        raise DataValidationError(
            f"calibration_period_end {day_str(day)} is before the first transaction "
            f"({day_str(first_day)}): the calibration period is empty. Pass a later calibration end.",
            column="calibration_period_end",
        )
    return day


def warn_excluded_after_end(n_rows: int, n_customers: int, end_name: str, end_day: int) -> None:
    """Warn that ``n_rows`` transactions after the end were excluded, and ``n_customers`` vanish with them."""
    warn(
        f"{n_rows:,} transaction(s) dated after {end_name} {day_str(end_day)} were excluded; {n_customers:,} "
        f"customer(s) whose first purchase is after that date are therefore not in the result."
    )


def warn_new_in_holdout(n_customers: int, calibration_day: int) -> None:
    """Warn that customers first seen in the holdout are left out of the calibration cohort."""
    warn(
        f"{n_customers:,} customer(s) made their first purchase in the holdout period, after "
        f"calibration_period_end {day_str(calibration_day)}; they are not in the calibration cohort and are left "
        f"out."
    )


def warn_incomplete_periods(n_days: int, time_unit: str) -> None:
    """Warn that customer-days in a customer's last, incomplete period are left out of a discrete summary."""
    warn(
        f"{n_days:,} customer-day(s) with transactions fall in a customer's last, incomplete period of length "
        f"{time_unit} and are not in the summary (that opportunity is not over yet)."
    )


# ---------------------------------------------------------------------------------------------------------
# Transaction logs
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LogColumns:
    """Which columns of a transaction log hold the customer id, the date and (optionally) the amount."""

    customer_id: str = "customer_id"
    date: str = "date"
    amount: str | None = None

    @property
    def required(self) -> list[str]:
        """The columns the log must have."""
        return [self.customer_id, self.date] + ([self.amount] if self.amount is not None else [])


@dataclass(frozen=True)
class BadRows:
    """How many rows of a log break one rule, and examples of them as an engine can show them."""

    n: int = 0
    examples: str = ""

    def __bool__(self) -> bool:
        return self.n > 0


@dataclass(frozen=True)
class LogProfile:
    """What an engine found in a transaction log: its size, its bad rows by rule, its first and last day.

    An engine may stop counting at the first kind of bad row it finds (only the first is reported, in the
    order of the fields below); ``first_day`` and ``last_day`` are then None.
    """

    n_rows: int
    missing_ids: BadRows = BadRows()
    missing_dates: BadRows = BadRows()
    unparseable_dates: BadRows = BadRows()
    not_numbers: BadRows = BadRows()
    missing_amounts: BadRows = BadRows()
    infinite_amounts: BadRows = BadRows()
    negative_amounts: BadRows = BadRows()
    first_day: int | None = None
    last_day: int | None = None


def not_a_dataframe(transactions: Any) -> DataValidationError:
    """The error for transactions that are neither a DataFrame nor a path."""
    return DataValidationError(
        f"transactions must be a pandas DataFrame with one row per transaction, or the path of Parquet or CSV "
        f"files; got {type(transactions).__name__}. Build one with pd.DataFrame(...), or pass a path."
    )


def require_columns(present: Sequence[Any], required: Sequence[str], *, what: str, todo: str) -> None:
    """Raise a DataValidationError listing the required columns missing from ``present`` and those present.

    Parameters
    ----------
    present : sequence
        The columns there are.
    required : sequence of str
        The columns needed.
    what : str
        What is missing them ("transactions", "The summary").
    todo : str
        What to do about it.

    Raises
    ------
    DataValidationError
        If a required column is missing.
    """
    missing = [c for c in required if c not in present]
    if missing:
        shown = ", ".join(repr(c) for c in present) or "none"
        raise DataValidationError(
            f"{what} is missing the column(s) {', '.join(repr(c) for c in missing)}; the columns present are: "
            f"{shown}. {todo}",
            column=", ".join(missing),
        )


def require_log_columns(present: Sequence[Any], columns: LogColumns) -> None:
    """The log's columns are there, or an error that says which argument names them."""
    require_columns(
        present,
        columns.required,
        what="transactions",
        todo="Rename your columns or pass customer_id_col=, datetime_col= (and monetary_value_col=) to say which "
        "columns to use.",
    )


def no_transactions(columns: LogColumns) -> DataValidationError:
    """The error for a log without rows."""
    return DataValidationError(
        "transactions is empty: there is nothing to summarise. Check the filter, query or files that produced it.",
        column=columns.customer_id,
        n_rows=0,
    )


def check_log(profile: LogProfile, columns: LogColumns) -> tuple[int, int]:
    """Raise for the first kind of bad row in ``profile``, in a fixed order; else its first and last day.

    Parameters
    ----------
    profile : LogProfile
        What the engine counted.
    columns : LogColumns
        The log's column names.

    Returns
    -------
    (int, int)
        The first and last transaction day.

    Raises
    ------
    DataValidationError
        For an empty log, missing customer ids, missing or unparseable dates, and amounts that are not
        numbers, missing, infinite or negative.
    """
    if profile.n_rows == 0:
        raise no_transactions(columns)
    if profile.missing_ids:
        _bad(
            columns.customer_id,
            profile.missing_ids,
            "with a missing customer id",
            "Every transaction needs a customer: drop these rows or fill in their ids.",
            label="rows",
        )
    if profile.missing_dates or profile.unparseable_dates:
        raise unreadable_dates(columns.date, profile.missing_dates, profile.unparseable_dates)
    if columns.amount is not None:
        _bad(
            columns.amount,
            profile.not_numbers,
            "that are not numbers",
            "Clean the column, e.g. strip currency symbols, then convert it with pd.to_numeric.",
        )
        fill = "Drop these rows or fill in the amounts."
        _bad(columns.amount, profile.missing_amounts, "with missing (NaN) amounts", fill)
        _bad(columns.amount, profile.infinite_amounts, "with infinite amounts", "Correct or drop these rows.")
        _bad(
            columns.amount,
            profile.negative_amounts,
            "with negative amounts",
            "Remove returns and refunds, or net them against their purchases.",
        )
    if profile.first_day is None or profile.last_day is None:
        raise RuntimeError("the engine's profile has bad rows it did not report")  # an engine bug, not bad data
    return profile.first_day, profile.last_day


def _bad(column: str, bad: BadRows, what: str, todo: str, *, label: str = "e.g.") -> None:
    """Raise ``Column 'x' has 3 rows <what> (e.g. <examples>). <todo>`` if any row is bad."""
    if not bad:
        return
    shown = f" ({label} {bad.examples})" if bad.examples else ""
    raise DataValidationError(f"Column {column!r} has {rows(bad.n)} {what}{shown}. {todo}", column=column, n_rows=bad.n)


def unreadable_dates(column: str, missing: BadRows, unparseable: BadRows) -> DataValidationError:
    """The error for rows without a usable date (missing, or text that is not a date)."""
    detail = []
    if missing:
        detail.append(f"{missing.n:,} missing" + (f" (rows {missing.examples})" if missing.examples else ""))
    if unparseable:
        shown = f" (e.g. {unparseable.examples})" if unparseable.examples else ""
        detail.append(f"{unparseable.n:,} unparseable{shown}")
    n = missing.n + unparseable.n
    return DataValidationError(
        f"Column {column!r} has {rows(n)} without a usable date: {' and '.join(detail)}. Drop these rows or correct "
        f"the dates (ISO 8601 such as 1997-09-30; for files, date_format= gives another format).",
        column=column,
        n_rows=n,
    )


def numbers_not_dates(column: str, n: int, shown: str) -> DataValidationError:
    """The error for a date column that holds numbers (pyclv never reads them as epoch times)."""
    return DataValidationError(
        f"Column {column!r} holds numbers, not dates, in {rows(n)} (e.g. {shown}); pyclv does not guess their "
        f"meaning. Convert the column first, e.g. pd.to_datetime(col.astype(str), format='%Y%m%d') for YYYYMMDD "
        f"numbers or pd.to_datetime(col, unit='s') for Unix seconds; for files, pass date_format='%Y%m%d'.",
        column=column,
        n_rows=n,
    )


def not_dates(column: str, type_name: str) -> DataValidationError:
    """The error for a date column of a type that cannot hold dates."""
    return DataValidationError(
        f"Column {column!r} has type {type_name}, which cannot be read as dates. Store dates as DATE, TIMESTAMP or "
        f"ISO 8601 strings.",
        column=column,
    )


def dates_with_mixed_offsets(column: str, n: int, reason: Exception) -> DataValidationError:
    """The error for date strings that pandas cannot put on one time line (different UTC offsets)."""
    return DataValidationError(
        f"Column {column!r} ({rows(n)}) cannot be read as dates ({reason}). If the dates carry different UTC "
        f"offsets, convert them to one time zone first, e.g. pd.to_datetime(transactions[{column!r}], "
        f"utc=True).dt.tz_convert('Europe/Paris').",
        column=column,
        n_rows=n,
    )


def not_amounts(column: str, what: str, n: int) -> DataValidationError:
    """The error for an amount column that holds something else (``what``: "booleans", "DATE values")."""
    return DataValidationError(
        f"Column {column!r} holds {what}, not amounts, in {rows(n)}. Pass the column with the transaction value "
        f"as monetary_value_col.",
        column=column,
        n_rows=n,
    )


def mixed_id_types(column: str, n: int, common_type: str, shown: str) -> DataValidationError:
    """The error for customer ids of different types (1 and '1' would be two customers)."""
    return DataValidationError(
        f"Column {column!r} mixes customer ids of different types, so that 1 and '1' would be two customers: "
        f"{rows(n)} with ids not of the most common type, {common_type} (e.g. {shown}). Convert the ids to one "
        f"type, e.g. transactions[{column!r}].astype(str).",
        column=column,
        n_rows=n,
    )


def ids_not_comparable(column: str, n: int, reason: Exception) -> DataValidationError:
    """The error for customer ids that cannot be sorted or hashed."""
    return DataValidationError(
        f"Column {column!r} holds customer ids that cannot be compared or hashed ({reason}). Use integer or "
        f"string ids, e.g. transactions[{column!r}].astype(str).",
        column=column,
        n_rows=n,
    )


# ---------------------------------------------------------------------------------------------------------
# Summaries handed to models
# ---------------------------------------------------------------------------------------------------------


class Summary(NamedTuple):
    """A validated RFM summary as float64 arrays, returned by :func:`validate_summary`.

    Attributes
    ----------
    frequency, recency, T : numpy.ndarray
        The repeat-transaction count, the time of the last purchase and the customer's age (float64).
    index : pandas.Index
        The summary's index (customer ids), to label predictions.
    monetary_value : numpy.ndarray or None
        The mean repeat-transaction amount (float64), when requested.
    """

    frequency: np.ndarray
    recency: np.ndarray | None
    T: np.ndarray | None
    index: pd.Index  # type: ignore[assignment]  # the field shadows tuple.index, deliberately
    monetary_value: np.ndarray | None = None


def float_column(data: pd.DataFrame, column: str) -> np.ndarray:
    """A numeric column as float64 (no copy if it already is one).

    Parameters
    ----------
    data : pandas.DataFrame
        The table.
    column : str
        The column's name.

    Returns
    -------
    numpy.ndarray
        The values as float64.

    Raises
    ------
    DataValidationError
        If the column is not numeric.
    """
    series = data[column]
    if pd.api.types.is_bool_dtype(series.dtype) or not pd.api.types.is_numeric_dtype(series.dtype):
        raise DataValidationError(
            f"Column {column!r} must be numeric but has dtype {series.dtype} ({rows(len(series))}). Convert it with "
            f"pd.to_numeric, or rebuild the summary with pyclv.rfm_summary.",
            column=column,
            n_rows=len(series),
        )
    if series.dtype == np.float64:
        return np.asarray(series, dtype=np.float64)
    return series.to_numpy(dtype=np.float64, na_value=np.nan)


def reject(bad: np.ndarray, column: str, index: pd.Index, what: str, todo: str, values: Any = None) -> None:
    """Raise a DataValidationError if any row is flagged in ``bad``.

    Parameters
    ----------
    bad : numpy.ndarray
        Boolean, True for the offending rows.
    column : str
        The column the rule is about.
    index : pandas.Index
        The rows' labels (customer ids), for the examples.
    what : str
        What is wrong with them ("negative values").
    todo : str
        What to do about it.
    values : array-like or dict, optional
        Values to show beside the examples (see :func:`examples`).

    Raises
    ------
    DataValidationError
        If any row is bad.
    """
    if bad.any():
        n = int(np.count_nonzero(bad))
        raise DataValidationError(
            f"Column {column!r} has {rows(n)} with {what} (customers {examples(index, bad, values)}). {todo}",
            column=column,
            n_rows=n,
        )


def validate_summary(
    data: pd.DataFrame,
    *,
    columns: Sequence[str] = ("frequency", "recency", "T"),
    require_monetary: bool = False,
    history: bool = True,
) -> Summary:
    """Check an RFM summary before a model fits or predicts on it, and return its columns as arrays.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per customer, e.g. from :func:`pyclv.rfm_summary` or :func:`pyclv.datasets.load_cdnow_summary`.
    columns : sequence of three str, default ("frequency", "recency", "T")
        Names of the frequency, recency and T columns, in that order.
    require_monetary : bool, default False
        Also require and check a ``monetary_value`` column (finite, >= 0).
    history : bool, default True
        Require and check the recency and T columns. A spend model needs only frequency and monetary value:
        with ``history=False`` those two are checked and ``recency`` and ``T`` are returned as ``None``.

    Returns
    -------
    Summary
        A named tuple ``(frequency, recency, T, index, monetary_value)`` of float64 arrays (no copy for
        float64 columns), the index of ``data``, and the monetary values (``None`` unless
        ``require_monetary``).

    Raises
    ------
    DataValidationError
        If ``data`` is not a non-empty DataFrame; if a column is missing or non-numeric; if a value is
        NaN or infinite or negative; if ``frequency`` is not a whole number; if ``recency`` exceeds ``T``
        (relative tolerance 1e-9); if a customer without repeat purchases (``frequency`` 0) has a
        ``recency`` other than 0. The error names the column, counts the bad rows and shows up to three
        customer ids.

    Notes
    -----
    A customer with ``frequency`` > 0 and ``recency`` 0 is allowed: it cannot arise when same-day purchases
    are merged, as :func:`pyclv.rfm_summary` does, but summaries built elsewhere (e.g. by lifetimes) contain it
    and the models' likelihoods are defined there.

    Examples
    --------
    >>> from pyclv.data import validate_summary
    >>> from pyclv.datasets import load_cdnow_summary
    >>> checked = validate_summary(load_cdnow_summary(), require_monetary=True)
    >>> checked.frequency.shape, checked.monetary_value.dtype
    ((2357,), dtype('float64'))
    """
    if not isinstance(data, pd.DataFrame):
        raise DataValidationError(
            f"The summary must be a pandas DataFrame with one row per customer; got {type(data).__name__}. "
            f"Build one with pyclv.rfm_summary."
        )
    names = list(columns)
    if len(names) != 3:
        raise ValueError(f"columns must name the frequency, recency and T columns (three names); got {columns!r}.")
    required = (names if history else names[:1]) + (["monetary_value"] if require_monetary else [])
    monetary_hint = " (with monetary_value_col=...)" if "monetary_value" not in data.columns else ""
    require_columns(
        list(data.columns),
        required,
        what="The summary",
        todo=f"Build the summary with pyclv.rfm_summary{monetary_hint}, or rename its columns.",
    )
    if len(data) == 0:
        raise DataValidationError(
            "The summary has no customers. Check the filter or the period that produced it.",
            column=names[0],
            n_rows=0,
        )
    index = data.index
    arrays = {name: float_column(data, name) for name in required}
    for name, values in arrays.items():
        _check_finite_and_non_negative(values, name, index)
    f_col, r_col, t_col = names
    frequency = arrays[f_col]
    reject(
        frequency != np.floor(frequency),
        f_col,
        index,
        "non-integer frequencies",
        "Frequency counts repeat transactions and must be a whole number.",
        frequency,
    )
    if not history:
        return Summary(frequency, None, None, index, arrays.get("monetary_value"))
    recency, T = arrays[r_col], arrays[t_col]
    reject(
        recency > T + RECENCY_RTOL * T,
        r_col,
        index,
        f"{r_col} > {t_col}",
        f"Recency (first to last purchase) cannot exceed {t_col} (first purchase to the end of the period): "
        f"check that both are in the same time unit and measured from the first purchase.",
        {r_col: recency, t_col: T},
    )
    reject(
        (frequency == 0) & (recency != 0),
        r_col,
        index,
        f"{f_col} 0 but {r_col} other than 0",
        "A customer without repeat purchases has recency 0: rebuild the summary with pyclv.rfm_summary.",
        recency,
    )
    return Summary(frequency, recency, T, index, arrays["monetary_value"] if require_monetary else None)


def _check_finite_and_non_negative(values: np.ndarray, name: str, index: pd.Index) -> None:
    reject(np.isnan(values), name, index, "missing (NaN) values", "Drop these customers or fill them in.")
    reject(np.isinf(values), name, index, "infinite values", "Correct or drop these customers.", values)
    reject(
        values < 0,
        name,
        index,
        "negative values",
        "Summaries are counts, durations and amounts and cannot be negative: rebuild the summary with "
        "pyclv.rfm_summary.",
        values,
    )


# ---------------------------------------------------------------------------------------------------------
# Fit weights
# ---------------------------------------------------------------------------------------------------------


def resolve_weights(data: pd.DataFrame, weights: np.ndarray | pd.Series | str | Sequence[float] | None) -> np.ndarray:
    """Weights as a float64 array aligned to the rows of ``data``, validated.

    Parameters
    ----------
    data : pandas.DataFrame
        The summary the weights belong to.
    weights : array-like, pandas.Series, str or None
        How many customers each row stands for: an array aligned to the rows, a Series aligned to the index,
        the name of a column of ``data``, or None (one each).

    Returns
    -------
    numpy.ndarray
        float64 weights, one per row.

    Raises
    ------
    DataValidationError
        If the weights are missing, misaligned, non-numeric, infinite or negative.
    """
    n = len(data)
    if weights is None:
        return np.ones(n)
    name = "weights"
    if isinstance(weights, str):
        if weights not in data.columns:
            raise DataValidationError(
                f"weights={weights!r} names no column of the data (columns: {', '.join(map(str, data.columns))}).",
                column=weights,
            )
        name = weights
        values: Any = data[weights]
    elif isinstance(weights, pd.Series):
        if not weights.index.equals(data.index):
            if not weights.index.is_unique or not data.index.isin(weights.index).all():
                raise DataValidationError(
                    "The weights Series must be indexed like the data (one weight per customer id).",
                    column=name,
                )
            weights = weights.reindex(data.index)
        values = weights
    else:
        values = weights
    arr = pd.to_numeric(pd.Series(np.asarray(values).ravel()), errors="coerce").to_numpy(dtype=float)
    if arr.shape[0] != n:
        raise DataValidationError(f"weights has {arr.shape[0]} values for {n} rows of data.", column=name)
    bad = ~np.isfinite(arr) | (arr < 0)
    if bad.any():
        raise DataValidationError(
            f"Column {name!r}: {int(bad.sum())} weight(s) are missing, non-numeric, infinite or negative; "
            "weights must be finite counts >= 0.",
            column=name,
            n_rows=int(bad.sum()),
        )
    return arr
