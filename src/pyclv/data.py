"""From a transaction log to the RFM summary the models are fitted on, with validation where data enters.

Every model in pyclv works on a per-customer summary of frequency, recency and age (``T``), with the
conventions of Fader, Hardie and co-authors:

- purchase times are calendar days: timestamps are floored to the day, and purchases by one customer on
  the same day are one transaction (their amounts summed);
- ``frequency`` counts the *repeat* transactions, the number of distinct purchase days minus one;
- ``recency`` is the time from the first to the last purchase day and ``T`` the time from the first purchase
  day to the end of the observation period, both measured exactly in the chosen time unit (weeks are days / 7);
- ``monetary_value`` is the mean amount of the repeat transactions: the first purchase is excluded, and it is
  0.0 for customers without repeat transactions.

:func:`rfm_summary` builds that summary and :func:`calibration_holdout_split` adds what the customers did in
a later holdout period. Both validate the transaction log once, here, so that the models can trust their
input; models check a summary with :func:`validate_summary` before fitting or predicting.

References
----------
Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005). "Counting your customers" the easy way: an alternative
to the Pareto/NBD model. Marketing Science, 24(2), 275-284.

Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005). RFM and CLV: using iso-value curves for customer base
analysis. Journal of Marketing Research, 42(4), 415-430.
"""

from __future__ import annotations

import datetime
import numbers
import os
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, TypeAlias, TypeGuard

import numpy as np
import pandas as pd

from pyclv._time import DAYS_PER_UNIT, check_time_unit
from pyclv.exceptions import DataValidationError, PyCLVWarning

__all__ = ["Summary", "calibration_holdout_split", "discrete_summary", "rfm_summary", "validate_summary"]

#: How many offending values or row labels an error message shows.
_N_EXAMPLES = 3

#: What pandas.api.types.infer_dtype reports for object columns that may hold numbers.
_MAYBE_NUMBERS = frozenset(
    {"integer", "floating", "mixed-integer", "mixed-integer-float", "decimal", "boolean", "mixed"}
)

#: Relative tolerance of the check recency <= T (summaries read from rounded files may differ slightly).
_RECENCY_RTOL = 1e-9

#: A single date: a string such as "1997-09-30", a datetime or date, a numpy datetime64 or a pandas Timestamp.
DateLike: TypeAlias = str | datetime.date | np.datetime64 | pd.Timestamp

#: A transaction log: a DataFrame (summarised with pandas) or a path or glob of Parquet or CSV files
#: (summarised out of core by the embedded DuckDB engine, :mod:`pyclv.engines.duckdb`).
Transactions: TypeAlias = pd.DataFrame | str | os.PathLike[str]


def _is_file_source(transactions: Any) -> TypeGuard[str | os.PathLike[str]]:
    """A path or glob of files, for the DuckDB engine, rather than a DataFrame."""
    return isinstance(transactions, (str, os.PathLike))


# ---------------------------------------------------------------------------------------------------------
# Messages
# ---------------------------------------------------------------------------------------------------------


def _examples(labels: pd.Index, mask: np.ndarray, values: Any = None) -> str:
    """Describe up to three offending rows by label and value, ``3 ('abc'), 7 (nan), ...``, or by label only.

    ``values`` is an array aligned with ``labels``, or a dict of named arrays (``20 (recency=9.0, T=8.0)``).
    """
    positions = np.flatnonzero(mask)[:_N_EXAMPLES]
    if values is None:
        parts = [_show(labels[i]) for i in positions]
    elif isinstance(values, dict):
        parts = [
            f"{_show(labels[i])} ({', '.join(f'{name}={_show(v[i])}' for name, v in values.items())})"
            for i in positions
        ]
    else:
        parts = [f"{_show(labels[i])} ({_show(values[i])})" for i in positions]
    more = ", ..." if np.count_nonzero(mask) > _N_EXAMPLES else ""
    return ", ".join(parts) + more


def _show(value: Any) -> str:
    """A short representation of one offending value (numpy scalars shown as plain Python values)."""
    if isinstance(value, np.generic):
        value = value.item()
    return repr(value)


def _rows(n: int) -> str:
    return f"{n:,} row" if n == 1 else f"{n:,} rows"


# ---------------------------------------------------------------------------------------------------------
# Validation and reduction of a transaction log to daily rows (shared by rfm_summary and the split)
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _DailyLog:
    """A validated transaction log reduced to one row per customer and purchase day.

    Rows are sorted by customer, then day. ``customer`` holds positions into ``customers`` (the sorted unique
    customer ids); ``day`` is the purchase day as days since 1970-01-01; ``amount`` the day's summed amount,
    or ``None`` without a value column. ``end_day`` is the last day of the observation period.
    """

    customers: pd.Index
    customer: np.ndarray
    day: np.ndarray
    amount: np.ndarray | None
    end_day: int


def _require_columns(frame: pd.DataFrame, required: Sequence[str], *, what: str, todo: str) -> None:
    """Raise a DataValidationError listing the required columns missing from ``frame`` and those present."""
    missing = [c for c in required if c not in frame.columns]
    if missing:
        present = ", ".join(repr(c) for c in frame.columns) or "none"
        raise DataValidationError(
            f"{what} is missing the column(s) {', '.join(repr(c) for c in missing)}; the columns present are: "
            f"{present}. {todo}",
            column=", ".join(missing),
        )


def _check_columns(transactions: Any, required: Sequence[str]) -> None:
    """A non-empty DataFrame with the required columns."""
    if not isinstance(transactions, pd.DataFrame):
        raise DataValidationError(
            f"transactions must be a pandas DataFrame with one row per transaction, or the path of Parquet or "
            f"CSV files; got {type(transactions).__name__}. Build one with pd.DataFrame(...), or pass a path."
        )
    _require_columns(
        transactions,
        required,
        what="transactions",
        todo="Rename your columns or pass customer_id_col=, datetime_col= (and monetary_value_col=) to say which "
        "columns to use.",
    )
    if len(transactions) == 0:
        raise DataValidationError(
            "transactions is empty: there is nothing to summarise. Check the filter or query that produced it.",
            column=required[0],
            n_rows=0,
        )


def _check_customer_ids(ids: pd.Series, column: str) -> None:
    """Every transaction needs a customer id, and ids are of one type (1 and "1" are not silently two people)."""
    missing = ids.isna().to_numpy()
    if missing.any():
        n = int(missing.sum())
        raise DataValidationError(
            f"Column {column!r} has {_rows(n)} with a missing customer id (rows "
            f"{_examples(ids.index, missing)}). Every transaction needs a customer: drop these rows or fill in "
            f"their ids.",
            column=column,
            n_rows=n,
        )
    if ids.dtype == object and pd.api.types.infer_dtype(ids, skipna=False) in ("mixed", "mixed-integer"):
        types = ids.map(lambda value: type(value).__name__)
        odd = (types != types.mode().iloc[0]).to_numpy()
        n = int(odd.sum())
        raise DataValidationError(
            f"Column {column!r} mixes customer ids of different types, so that 1 and '1' would be two "
            f"customers: {_rows(n)} with ids not of the most common type, {types.mode().iloc[0]} (e.g. "
            f"{_examples(ids.index, odd, ids.to_numpy())}). Convert the ids to one type, e.g. "
            f"transactions[{column!r}].astype(str).",
            column=column,
            n_rows=n,
        )


def _factorize_customers(ids: pd.Series, column: str) -> tuple[np.ndarray, pd.Index]:
    """Codes of each row into the sorted unique customer ids, and those ids."""
    try:
        codes, uniques = pd.factorize(ids, sort=True)
    except TypeError as exc:
        raise DataValidationError(
            f"Column {column!r} holds customer ids that cannot be compared or hashed ({exc}). Use integer or "
            f"string ids, e.g. transactions[{column!r}].astype(str).",
            column=column,
            n_rows=len(ids),
        ) from exc
    return codes.astype(np.int64, copy=False), pd.Index(uniques, name=column)


def _day_numbers(stamps: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Calendar day numbers (days since 1970-01-01) of datetimes, and the mask of missing ones (NaT).

    tz-aware datetimes are first converted to the naive local time of their own time zone.
    """
    if stamps.dt.tz is not None:
        stamps = stamps.dt.tz_localize(None)
    values = stamps.to_numpy()
    return values.astype("datetime64[D]").view(np.int64), np.isnat(values)


def _numbers_mask(dates: pd.Series) -> np.ndarray:
    """Rows of a would-be date column that hold numbers (or booleans), which pandas would read as epoch times."""
    if pd.api.types.is_bool_dtype(dates.dtype) or pd.api.types.is_numeric_dtype(dates.dtype):
        return dates.notna().to_numpy()
    if dates.dtype == object and pd.api.types.infer_dtype(dates, skipna=True) in _MAYBE_NUMBERS:
        return dates.map(_is_number).to_numpy(dtype=bool)
    return np.zeros(len(dates), dtype=bool)


def _is_number(value: object) -> bool:
    """A number (int, float, Decimal, numpy scalar, bool) that is not NaN."""
    return isinstance(value, numbers.Number) and value == value


def _parse_dates(dates: pd.Series, column: str, **options: Any) -> tuple[np.ndarray, np.ndarray]:
    """Parse strings (or other objects) with pandas; values that cannot be parsed become NaT."""
    try:
        return _day_numbers(pd.to_datetime(dates, errors="coerce", **options))
    except (ValueError, TypeError) as exc:
        raise DataValidationError(
            f"Column {column!r} ({_rows(len(dates))}) cannot be read as dates ({exc}). If the dates carry "
            f"different UTC offsets, "
            f"convert them to one time zone first, e.g. pd.to_datetime(transactions[{column!r}], "
            f"utc=True).dt.tz_convert('Europe/Paris').",
            column=column,
            n_rows=len(dates),
        ) from exc


def _to_days(dates: pd.Series, column: str) -> np.ndarray:
    """Calendar day numbers of a column of datetimes or date strings; missing or unparseable dates are errors.

    Datetimes of any resolution are accepted, tz-aware ones at the local day of their own time zone.
    Strings are parsed by pandas in the format of the first one; those in another format are parsed again
    one by one.
    """
    numbers = _numbers_mask(dates)
    if numbers.any():
        n = int(numbers.sum())
        raise DataValidationError(
            f"Column {column!r} holds numbers, not dates, in {_rows(n)} (e.g. "
            f"{_examples(dates.index, numbers, dates.to_numpy())}); pyclv does not guess their meaning. Convert "
            f"the column first, e.g. pd.to_datetime(transactions[{column!r}].astype(str), format='%Y%m%d') for "
            f"YYYYMMDD integers or pd.to_datetime(..., unit='s') for Unix seconds.",
            column=column,
            n_rows=n,
        )
    missing = dates.isna().to_numpy()
    if dates.dtype.kind == "M":
        days, nat = _day_numbers(dates)
    else:
        days, nat = _parse_dates(dates, column)
        failed = nat & ~missing
        if failed.any():
            days[failed], nat[failed] = _parse_dates(dates[failed], column, format="mixed")
    if nat.any():
        unparseable = nat & ~missing
        n_missing, n_unparseable = int(missing.sum()), int(unparseable.sum())
        detail = []
        if n_missing:
            detail.append(f"{n_missing:,} missing (rows {_examples(dates.index, missing)})")
        if n_unparseable:
            detail.append(
                f"{n_unparseable:,} unparseable (e.g. {_examples(dates.index, unparseable, dates.to_numpy())})"
            )
        raise DataValidationError(
            f"Column {column!r} has {_rows(n_missing + n_unparseable)} without a usable date: "
            f"{' and '.join(detail)}. Drop these rows or correct the dates (pd.to_datetime with an explicit "
            f"format= shows which values fail).",
            column=column,
            n_rows=n_missing + n_unparseable,
        )
    return days


def _to_amounts(amounts: pd.Series, column: str) -> np.ndarray:
    """The amount column as float64; non-numeric, missing, non-finite and negative amounts are errors."""
    labels = amounts.index
    if pd.api.types.is_bool_dtype(amounts.dtype):
        raise DataValidationError(
            f"Column {column!r} holds booleans, not amounts, in all {_rows(len(amounts))}. Pass the column "
            f"with the transaction value as monetary_value_col.",
            column=column,
            n_rows=len(amounts),
        )
    if not pd.api.types.is_numeric_dtype(amounts.dtype):
        converted = pd.to_numeric(amounts, errors="coerce")
        not_numbers = converted.isna().to_numpy() & amounts.notna().to_numpy()
        if not_numbers.any():
            n = int(not_numbers.sum())
            raise DataValidationError(
                f"Column {column!r} has {_rows(n)} that are not numbers (e.g. "
                f"{_examples(labels, not_numbers, amounts.to_numpy())}). Clean the column, e.g. strip "
                f"currency symbols, then convert it with pd.to_numeric.",
                column=column,
                n_rows=n,
            )
        amounts = converted
    values = amounts.to_numpy(dtype=np.float64, na_value=np.nan)
    checks = (
        (np.isnan(values), "missing (NaN) amounts", "drop these rows or fill in the amounts"),
        (np.isinf(values), "infinite amounts", "correct or drop these rows"),
        (values < 0, "negative amounts", "remove returns and refunds, or net them against their purchases"),
    )
    for bad, what, todo in checks:
        if bad.any():
            n = int(bad.sum())
            raise DataValidationError(
                f"Column {column!r} has {_rows(n)} with {what} (e.g. {_examples(labels, bad, values)}): {todo}.",
                column=column,
                n_rows=n,
            )
    return values


def _to_day(value: DateLike, name: str) -> int:
    """Calendar day number of a single date given as a parameter (tz-aware: its local day)."""
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


def _day_str(day: int) -> str:
    return str(np.datetime64(int(day), "D"))


def _validated_days(
    transactions: Any,
    customer_id_col: str,
    datetime_col: str,
    monetary_value_col: str | None,
    end: DateLike | None,
    end_name: str,
) -> _DailyLog:
    """Validate a transaction log and reduce it to one row per (customer, day), up to the period end.

    Transactions after the end are excluded with a :class:`PyCLVWarning`. This is the one place where
    pyclv validates and aggregates transactions.
    """
    required = [customer_id_col, datetime_col] + ([monetary_value_col] if monetary_value_col is not None else [])
    _check_columns(transactions, required)
    _check_customer_ids(transactions[customer_id_col], customer_id_col)
    day = _to_days(transactions[datetime_col], datetime_col)
    amount = _to_amounts(transactions[monetary_value_col], monetary_value_col) if monetary_value_col else None
    codes, customers = _factorize_customers(transactions[customer_id_col], customer_id_col)

    first_day, last_day = int(day.min()), int(day.max())
    end_day = last_day if end is None else _to_day(end, end_name)
    if end_day < first_day:
        raise DataValidationError(
            f"{end_name} {_day_str(end_day)} is before the first transaction ({_day_str(first_day)}): no "
            f"customer would be observed. Pass a later {end_name}.",
            column=end_name,
        )
    if end_day < last_day:
        keep = day <= end_day
        codes, day = codes[keep], day[keep]
        amount = amount[keep] if amount is not None else None
        observed = np.bincount(codes, minlength=len(customers)) > 0
        n_vanished = len(customers) - int(observed.sum())
        codes = (np.cumsum(observed) - 1)[codes]
        customers = customers[observed]
        warnings.warn(
            f"{len(keep) - len(day):,} transaction(s) dated after {end_name} {_day_str(end_day)} were "
            f"excluded; {n_vanished:,} customer(s) whose first purchase is after that date are therefore not "
            f"in the result.",
            PyCLVWarning,
            stacklevel=3,
        )

    # One integer key per (customer, day) in (customer, day) order; sort once, sum each run of equal keys.
    offset = day - first_day
    span = int(offset.max()) + 1
    key = codes * span + offset
    order = np.argsort(key, kind="stable")
    key = key[order]
    starts = _run_starts(key)
    keys = key[starts]
    daily_amount = np.add.reduceat(amount[order], starts) if amount is not None else None
    return _DailyLog(
        customers=customers,
        customer=keys // span,
        day=keys % span + first_day,
        amount=daily_amount,
        end_day=end_day,
    )


def _run_starts(values: np.ndarray) -> np.ndarray:
    """Positions where each run of equal values starts in a sorted (non-empty) array."""
    return np.flatnonzero(np.r_[True, values[1:] != values[:-1]])


def _summarise(
    customers: pd.Index,
    customer: np.ndarray,
    day: np.ndarray,
    amount: np.ndarray | None,
    end_day: int,
    time_unit: str,
) -> pd.DataFrame:
    """The RFM summary of daily rows sorted by customer and day (all on or before ``end_day``)."""
    starts = _run_starts(customer)
    ends = np.r_[starts[1:], len(customer)]
    repeat_total = None
    if amount is not None:
        repeat = amount.copy()
        repeat[starts] = 0.0
        repeat_total = np.add.reduceat(repeat, starts)
    return _summary_frame(
        customers.take(customer[starts]), ends - starts, day[starts], day[ends - 1], repeat_total, end_day, time_unit
    )


def _summary_frame(
    index: pd.Index,
    n_days: np.ndarray,
    first: np.ndarray,
    last: np.ndarray,
    repeat_total: np.ndarray | None,
    end_day: int,
    time_unit: str,
) -> pd.DataFrame:
    """The RFM summary from per-customer integers (purchase days, first and last day numbers, repeat spend):
    the one place, shared by the pandas path and the DuckDB engine, where they become model time."""
    days_per_unit = DAYS_PER_UNIT[time_unit]
    frequency = (n_days - 1).astype(np.float64)
    columns = {
        "frequency": frequency,
        "recency": (last - first) / days_per_unit,
        "T": (end_day - first) / days_per_unit,
    }
    if repeat_total is not None:
        columns["monetary_value"] = np.divide(
            repeat_total, frequency, out=np.zeros_like(repeat_total), where=frequency > 0
        )
    summary = pd.DataFrame(columns, index=index)
    summary.attrs["time_unit"] = time_unit
    return summary


# ---------------------------------------------------------------------------------------------------------
# Public functions
# ---------------------------------------------------------------------------------------------------------


def rfm_summary(
    transactions: Transactions,
    *,
    customer_id_col: str = "customer_id",
    datetime_col: str = "date",
    monetary_value_col: str | None = None,
    observation_period_end: DateLike | None = None,
    time_unit: str = "D",
) -> pd.DataFrame:
    """Summarise a transaction log into frequency, recency, T (and monetary value) per customer.

    Parameters
    ----------
    transactions : pandas.DataFrame, str or os.PathLike
        One row per transaction, with at least a customer id and a date column. A path or glob of Parquet
        or CSV files (``"tx/*.parquet"``) is summarised out of core by the embedded DuckDB engine
        (:func:`pyclv.engines.duckdb.rfm_summary`), with the same result, validation and warnings.
    customer_id_col : str, default "customer_id"
        Column of customer ids (integers or strings; not missing).
    datetime_col : str, default "date"
        Column of transaction times: datetimes of any resolution, tz-aware datetimes or date strings.
        Times are floored to the calendar day; a tz-aware time counts on the local day of its own time zone
        (it is converted to naive local time, not to UTC). Strings with different UTC offsets are rejected:
        convert them to the time zone whose calendar defines a day, e.g.
        ``pd.to_datetime(col, utc=True).dt.tz_convert("Europe/Paris")``. Numbers are rejected, not read as
        epoch times.
    monetary_value_col : str, optional
        Column of transaction amounts (numbers, finite and >= 0; zero amounts are valid). When given, the
        result has a ``monetary_value`` column.
    observation_period_end : date-like, optional
        Last day of the observation period (inclusive); defaults to the date of the last transaction.
        Transactions after it are excluded with a warning.
    time_unit : {"D", "W"}, default "D"
        Unit of ``recency`` and ``T``: days, or weeks of exactly seven days (fractional).

    Returns
    -------
    pandas.DataFrame
        One row per customer with a transaction on or before the end, indexed by customer id (index named
        ``customer_id_col``) and sorted by it, with float64 columns ``frequency``, ``recency``, ``T`` and,
        with a value column, ``monetary_value``. ``attrs["time_unit"]`` records the time unit.

    Raises
    ------
    DataValidationError
        If ``transactions`` is not a DataFrame or is empty; if columns are missing; if customer ids are
        missing; if dates are missing or unparseable; if amounts are non-numeric, missing, infinite or
        negative; if ``observation_period_end`` is not a date or is before the first transaction. The error
        names the column (``.column``), counts the bad rows (``.n_rows``) and shows examples.
    ValueError
        If ``time_unit`` is not supported.

    Warns
    -----
    PyCLVWarning
        If transactions fall after ``observation_period_end``. They are excluded rather than rejected, so
        a full log can be summarised at any earlier date; the warning counts the excluded rows and the
        customers who therefore vanish entirely because their first purchase is after the end.

    Notes
    -----
    The conventions are those of Fader, Hardie and Lee (2005): purchases on the same day are one
    transaction (amounts summed); ``frequency`` is the number of distinct purchase days minus one (repeat
    transactions); ``recency`` = last purchase day - first purchase day and ``T`` = end day - first
    purchase day, in ``time_unit``; ``monetary_value`` is the mean of the repeat transactions' amounts (the
    first purchase is excluded) and 0.0 for customers with ``frequency`` 0.

    The computation is vectorised (integer day numbers and one hashing pass over (customer, day) pairs), so
    ten million transactions take a few seconds.

    References
    ----------
    Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005). "Counting your customers" the easy way: an
    alternative to the Pareto/NBD model. Marketing Science, 24(2), 275-284.

    Examples
    --------
    >>> from pyclv.data import rfm_summary
    >>> from pyclv.datasets import load_cdnow_transactions
    >>> log = load_cdnow_transactions()
    >>> summary = rfm_summary(log[log["date"] <= "1997-09-30"], observation_period_end="1997-09-30",
    ...                       monetary_value_col="amount", time_unit="W")
    >>> len(summary), summary.attrs["time_unit"]
    (2357, 'W')
    >>> summary.loc[1].round(4).tolist()  # weeks are exact: recency = 213 / 7, T = 272 / 7
    [2.0, 30.4286, 38.8571, 22.345]
    """
    check_time_unit(time_unit)
    if _is_file_source(transactions):
        from pyclv.engines import duckdb as engine

        return engine.rfm_summary(
            transactions,
            customer_id_col=customer_id_col,
            datetime_col=datetime_col,
            monetary_value_col=monetary_value_col,
            observation_period_end=observation_period_end,
            time_unit=time_unit,
        )
    daily = _validated_days(
        transactions,
        customer_id_col,
        datetime_col,
        monetary_value_col,
        observation_period_end,
        "observation_period_end",
    )
    return _summarise(daily.customers, daily.customer, daily.day, daily.amount, daily.end_day, time_unit)


def discrete_summary(
    transactions: Transactions,
    *,
    customer_id_col: str = "customer_id",
    datetime_col: str = "date",
    monetary_value_col: str | None = None,
    observation_period_end: DateLike | None = None,
    time_unit: str = "Y",
) -> pd.DataFrame:
    """Summarise a transaction log into whole purchase opportunities, for discrete-time models (BG/BB).

    Each customer's time is cut into periods of one ``time_unit`` counted from its first purchase: period 0
    holds the first purchase, periods 1, 2, ..., n are its repeat opportunities, n being the number of
    *complete* periods before ``observation_period_end``. A period with one or more transactions counts once.

    Parameters
    ----------
    transactions, customer_id_col, datetime_col, monetary_value_col, observation_period_end
        As in :func:`rfm_summary` (the same validation); files are summarised by
        :func:`pyclv.engines.duckdb.discrete_summary`.
    time_unit : {"Y", "M", "W", "D"}, default "Y"
        Length of one opportunity.

    Returns
    -------
    pandas.DataFrame
        Indexed by customer id: ``frequency`` (opportunities 1..n with a transaction), ``recency`` (the last
        such opportunity, 0 if none), ``n_periods`` (n), and with a value column ``monetary_value`` (mean spend
        per repeat opportunity with a transaction, 0 if none). ``attrs["time_unit"]`` records the period.

    Warns
    -----
    PyCLVWarning
        Transactions in a customer's last, incomplete period are not in the summary (that opportunity is
        not over yet); the warning counts them.

    Examples
    --------
    >>> import pyclv
    >>> tx = pyclv.datasets.load_cdnow_transactions()
    >>> calibration = tx[tx["date"] <= "1997-09-30"]
    >>> daily = discrete_summary(calibration, observation_period_end="1997-09-30", time_unit="D")
    >>> daily.loc[1].tolist()  # days 17 and 213 after the first purchase, of 272 complete days
    [2.0, 213.0, 272.0]
    """
    check_time_unit(time_unit)
    if _is_file_source(transactions):
        from pyclv.engines import duckdb as engine

        return engine.discrete_summary(
            transactions,
            customer_id_col=customer_id_col,
            datetime_col=datetime_col,
            monetary_value_col=monetary_value_col,
            observation_period_end=observation_period_end,
            time_unit=time_unit,
        )
    daily = _validated_days(
        transactions, customer_id_col, datetime_col, monetary_value_col, observation_period_end, "observation_period_end"
    )
    length = DAYS_PER_UNIT[time_unit]
    starts = _run_starts(daily.customer)
    counts = np.diff(np.r_[starts, len(daily.customer)])
    first = np.repeat(daily.day[starts], counts)
    period = np.floor((daily.day - first) / length).astype(np.int64)
    n_periods = np.floor((daily.end_day - daily.day[starts] + 1) / length).astype(np.int64) - 1
    n_periods = np.maximum(n_periods, 0)
    incomplete = period > np.repeat(n_periods, counts)
    if incomplete.any():
        warnings.warn(
            f"{int(incomplete.sum()):,} customer-day(s) with transactions fall in a customer's last, incomplete "
            f"period of length {time_unit} and are not in the summary (that opportunity is not over yet).",
            PyCLVWarning,
            stacklevel=2,
        )
    keep = ~incomplete
    customer, period = daily.customer[keep], period[keep]
    amount = daily.amount[keep] if daily.amount is not None else None
    # one row per (customer, period): the first row of each run; periods are sorted within a customer
    key_starts = _run_starts(customer * (int(period.max()) + 1) + period)
    cust_p, per_p = customer[key_starts], period[key_starts]
    n_codes = len(daily.customers)
    repeat = per_p > 0
    frequency = np.bincount(cust_p[repeat], minlength=n_codes).astype(np.float64)
    recency = np.zeros(n_codes)
    np.maximum.at(recency, cust_p, per_p.astype(np.float64))
    observed = np.unique(customer)
    columns = {"frequency": frequency[observed], "recency": recency[observed], "n_periods": n_periods.astype(np.float64)}
    if amount is not None:
        per_amount = np.add.reduceat(amount, key_starts)
        spend = np.bincount(cust_p[repeat], weights=per_amount[repeat], minlength=n_codes)
        columns["monetary_value"] = np.divide(spend, frequency, out=np.zeros(n_codes), where=frequency > 0)[observed]
    summary = pd.DataFrame(columns, index=daily.customers.take(observed))
    summary.index.name = customer_id_col
    summary.attrs["time_unit"] = time_unit
    return summary


def calibration_holdout_split(
    transactions: Transactions,
    *,
    calibration_period_end: DateLike,
    observation_period_end: DateLike | None = None,
    customer_id_col: str = "customer_id",
    datetime_col: str = "date",
    monetary_value_col: str | None = None,
    time_unit: str = "D",
) -> pd.DataFrame:
    """Summarise a calibration period and count what each customer did in the holdout period after it.

    Parameters
    ----------
    transactions : pandas.DataFrame, str or os.PathLike
        One row per transaction (see :func:`rfm_summary`), or a path or glob of Parquet or CSV files
        (summarised by :func:`pyclv.engines.duckdb.calibration_holdout_split`).
    calibration_period_end : date-like
        Last day of the calibration period (inclusive).
    observation_period_end : date-like, optional
        Last day of the holdout period (inclusive); defaults to the date of the last transaction.
        Transactions after it are excluded with a warning.
    customer_id_col, datetime_col, monetary_value_col, time_unit
        As in :func:`rfm_summary`.

    Returns
    -------
    pandas.DataFrame
        The calibration summary (:func:`rfm_summary` of the transactions up to ``calibration_period_end``)
        with three more float64 columns: ``frequency_holdout``, the number of distinct purchase days in
        (calibration end, observation end]; ``revenue_holdout`` (only with ``monetary_value_col``), the total
        amount spent in the holdout, the historical value a forecast is judged against; and
        ``duration_holdout``, the holdout length (observation end - calibration end) in ``time_unit``, the
        same for every row. Every calibration customer appears exactly once, with zeros if inactive in the
        holdout. ``attrs["time_unit"]`` records the time unit.

    Raises
    ------
    DataValidationError
        As :func:`rfm_summary`; also if ``calibration_period_end`` is not before
        ``observation_period_end`` or is before the first transaction.
    ValueError
        If ``time_unit`` is not supported.

    Warns
    -----
    PyCLVWarning
        If transactions fall after ``observation_period_end`` (they are excluded), and if some customers
        make their first purchase in the holdout: they are not in the calibration cohort, so they are left
        out of the result, and the warning counts them.

    Examples
    --------
    >>> import warnings
    >>> from pyclv.data import calibration_holdout_split
    >>> from pyclv.datasets import load_cdnow_transactions
    >>> with warnings.catch_warnings(action="ignore"):  # the whole sample is the calibration cohort
    ...     split = calibration_holdout_split(load_cdnow_transactions(), calibration_period_end="1997-09-30",
    ...                                       observation_period_end="1998-06-30", time_unit="W")
    >>> split.loc[1, ["frequency", "frequency_holdout", "duration_holdout"]].round(2).tolist()
    [2.0, 1.0, 39.0]
    """
    check_time_unit(time_unit)
    if _is_file_source(transactions):
        from pyclv.engines import duckdb as engine

        return engine.calibration_holdout_split(
            transactions,
            calibration_period_end=calibration_period_end,
            observation_period_end=observation_period_end,
            customer_id_col=customer_id_col,
            datetime_col=datetime_col,
            monetary_value_col=monetary_value_col,
            time_unit=time_unit,
        )
    daily = _validated_days(
        transactions,
        customer_id_col,
        datetime_col,
        monetary_value_col,
        observation_period_end,
        "observation_period_end",
    )
    calibration_end = _to_day(calibration_period_end, "calibration_period_end")
    if calibration_end >= daily.end_day:
        raise DataValidationError(
            f"calibration_period_end {_day_str(calibration_end)} must be before observation_period_end "
            f"{_day_str(daily.end_day)}, or the holdout period is empty. Pass an earlier calibration end.",
            column="calibration_period_end",
        )
    first_day = int(daily.day.min())
    if calibration_end < first_day:
        raise DataValidationError(
            f"calibration_period_end {_day_str(calibration_end)} is before the first transaction "
            f"({_day_str(first_day)}): the calibration period is empty. Pass a later calibration end.",
            column="calibration_period_end",
        )

    in_calibration = daily.day <= calibration_end
    cohort = np.zeros(len(daily.customers), dtype=bool)
    cohort[daily.customer[in_calibration]] = True
    n_new = len(cohort) - int(cohort.sum())
    if n_new:
        warnings.warn(
            f"{n_new:,} customer(s) made their first purchase in the holdout period, after "
            f"calibration_period_end {_day_str(calibration_end)}; they are not in the calibration cohort and "
            f"are left out.",
            PyCLVWarning,
            stacklevel=2,
        )

    calibration_amount = daily.amount[in_calibration] if daily.amount is not None else None
    split = _summarise(
        daily.customers,
        daily.customer[in_calibration],
        daily.day[in_calibration],
        calibration_amount,
        calibration_end,
        time_unit,
    )
    # Holdout activity of the calibration cohort, per customer code, then aligned to the summary's rows.
    codes = np.flatnonzero(cohort)
    in_holdout = ~in_calibration & cohort[daily.customer]
    holdout_customer = daily.customer[in_holdout]
    n_codes = len(daily.customers)
    split["frequency_holdout"] = np.bincount(holdout_customer, minlength=n_codes)[codes].astype(np.float64)
    if daily.amount is not None:
        revenue = np.bincount(holdout_customer, weights=daily.amount[in_holdout], minlength=n_codes)
        split["revenue_holdout"] = revenue[codes]
    split["duration_holdout"] = (daily.end_day - calibration_end) / DAYS_PER_UNIT[time_unit]
    split.attrs["time_unit"] = time_unit
    return split


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


def _float_column(data: pd.DataFrame, column: str) -> np.ndarray:
    """A numeric column as float64 (no copy if it already is one); non-numeric columns are an error."""
    series = data[column]
    if pd.api.types.is_bool_dtype(series.dtype) or not pd.api.types.is_numeric_dtype(series.dtype):
        raise DataValidationError(
            f"Column {column!r} must be numeric but has dtype {series.dtype} ({_rows(len(series))}). Convert "
            f"it with pd.to_numeric, or rebuild the summary with pyclv.rfm_summary.",
            column=column,
            n_rows=len(series),
        )
    if series.dtype == np.float64:
        return np.asarray(series, dtype=np.float64)
    return series.to_numpy(dtype=np.float64, na_value=np.nan)


def _reject(bad: np.ndarray, column: str, index: pd.Index, what: str, todo: str, values: Any = None) -> None:
    """Raise a DataValidationError if any row is flagged in ``bad``."""
    if bad.any():
        n = int(np.count_nonzero(bad))
        raise DataValidationError(
            f"Column {column!r} has {_rows(n)} with {what} (customers {_examples(index, bad, values)}). {todo}",
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
        One row per customer, e.g. from :func:`rfm_summary` or :func:`pyclv.datasets.load_cdnow_summary`.
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
    are merged, as :func:`rfm_summary` does, but summaries built elsewhere (e.g. by lifetimes) contain it
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
    _require_columns(
        data,
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
    arrays = {name: _float_column(data, name) for name in required}
    for name, values in arrays.items():
        _reject(np.isnan(values), name, index, "missing (NaN) values", "Drop these customers or fill them in.")
        _reject(np.isinf(values), name, index, "infinite values", "Correct or drop these customers.", values)
        _reject(
            values < 0,
            name,
            index,
            "negative values",
            "Summaries are counts, durations and amounts "
            "and cannot be negative: rebuild the summary with pyclv.rfm_summary.",
            values,
        )

    f_col, r_col, t_col = names
    frequency = arrays[f_col]
    _reject(
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
    _reject(
        recency > T + _RECENCY_RTOL * T,
        r_col,
        index,
        f"{r_col} > {t_col}",
        f"Recency (first to last purchase) cannot exceed {t_col} (first purchase to the end of the period): "
        f"check that both are in the same time unit and measured from the first purchase.",
        {r_col: recency, t_col: T},
    )
    _reject(
        (frequency == 0) & (recency != 0),
        r_col,
        index,
        f"{f_col} 0 but {r_col} other than 0",
        "A customer without repeat purchases has recency 0: rebuild the summary with pyclv.rfm_summary.",
        recency,
    )
    return Summary(frequency, recency, T, index, arrays["monetary_value"] if require_monetary else None)
