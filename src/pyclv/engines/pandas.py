"""The pandas engine: a transaction log held in a DataFrame, computed with numpy.

The log is read once into integer arrays (customer codes into the sorted unique ids, calendar day numbers,
float64 amounts) and reduced to one row per customer and purchase day with one sort of an integer key; the
totals are then bincounts over those rows, and amounts are summed exactly as fixed-point integers
(:mod:`pyclv._fixed_point`), so that no total depends on the order of the rows. Ten million transactions take
a few seconds.

Attribute columns (a log's covariates, :mod:`pyclv.engines._base`) keep their dtype; each customer's first values
are the smallest value of each column among the rows of its first purchase day (one sort of the rows on that day
by customer, then a grouped minimum).

Column types are read the way pandas users expect: datetimes of any resolution (tz-aware ones on the local
day of their own time zone) or date strings by the grammar every engine shares (:mod:`pyclv._dates`); amounts as
numbers or numeric strings. Numbers in a date column are refused, not read as epoch times. Every message comes
from :mod:`pyclv._validation`.
"""

from __future__ import annotations

import dataclasses
import functools
import numbers
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from pyclv import _fixed_point as fp
from pyclv import _validation as v
from pyclv._dates import in_range, string_days
from pyclv._numbers import text_amounts
from pyclv.engines._base import CustomerTotals, PeriodTotals, require_attributes
from pyclv.exceptions import DataValidationError

__all__ = ["DailyLog", "PandasLog", "daily_totals", "open_log", "run_starts", "to_days"]

#: What pandas.api.types.infer_dtype reports for object columns that may hold numbers.
_MAYBE_NUMBERS = frozenset(
    {"integer", "floating", "mixed-integer", "mixed-integer-float", "decimal", "boolean", "mixed"}
)


@dataclass(frozen=True)
class DailyLog:
    """A validated transaction log reduced to one row per customer and purchase day.

    Rows are sorted by customer, then day. ``customer`` holds positions into ``customers`` (the sorted unique
    customer ids); ``day`` is the purchase day as days since 1970-01-01; ``end_day`` is the last day of the
    observation period. ``limbs`` holds the day's amount as an exact fixed-point sum (:mod:`pyclv._fixed_point`),
    from which every total is summed, or ``None`` without a value column; ``amount`` is it as a float.
    """

    customers: pd.Index
    customer: np.ndarray
    day: np.ndarray
    end_day: int
    limbs: fp.Limbs | None = None

    @functools.cached_property
    def amount(self) -> np.ndarray | None:
        """The day's summed amount, computed from the exact sums when a table first asks for it.

        Returns
        -------
        numpy.ndarray or None
            float64, one per row; None without a value column.
        """
        return None if self.limbs is None else fp.to_float(*self.limbs)


def run_starts(values: np.ndarray) -> np.ndarray:
    """Positions where each run of equal values starts in a sorted (non-empty) array.

    Parameters
    ----------
    values : numpy.ndarray
        A sorted, non-empty array.

    Returns
    -------
    numpy.ndarray
        The start positions, beginning with 0.
    """
    return np.flatnonzero(np.r_[True, values[1:] != values[:-1]])


def daily_totals(daily: DailyLog, calibration_day: int | None = None) -> CustomerTotals:
    """Per-customer purchase days, first and last day and repeat spend of a daily log.

    Parameters
    ----------
    daily : DailyLog
        One row per customer and purchase day.
    calibration_day : int, optional
        Split the totals there: what is after it is counted in the holdout columns.

    Returns
    -------
    CustomerTotals
        One row per customer of ``daily``.
    """
    customer, day, limbs = daily.customer, daily.day, daily.limbs
    n = len(daily.customers)
    starts = run_starts(customer)
    first_day = day[starts]
    before = day <= (daily.end_day if calibration_day is None else calibration_day)
    n_days = np.bincount(customer[before], minlength=n)
    # the last row of each customer on or before the cut (rows are sorted by customer, then day)
    last_rows = before & np.r_[(customer[1:] != customer[:-1]) | ~before[1:], True]
    last_day = first_day.copy()
    last_day[customer[last_rows]] = day[last_rows]
    repeat_total = to_date = None
    if limbs is not None:
        repeat = before.copy()
        repeat[starts] = False
        repeat_total = _customer_sums(limbs, repeat, starts)
        to_date = _customer_sums(limbs, before, starts)
    if calibration_day is None:
        return CustomerTotals(daily.customers, n_days, first_day, last_day, repeat_total, spend_to_date=to_date)
    after = ~before
    revenue = None if limbs is None else _customer_sums(limbs, after, starts)
    n_holdout = np.bincount(customer[after], minlength=n)
    return CustomerTotals(daily.customers, n_days, first_day, last_day, repeat_total, n_holdout, revenue, to_date)


def to_days(dates: pd.Series, column: str, rule: v.DateRule | None = None) -> np.ndarray:
    """Calendar day numbers of a column of datetimes or date strings; missing or unreadable dates are errors.

    Parameters
    ----------
    dates : pandas.Series
        Datetimes of any resolution (tz-aware: their local day) or date strings.
    column : str
        The column's name, for messages.
    rule : DateRule, optional
        How strings are read: ISO 8601 by default.

    Returns
    -------
    numpy.ndarray
        int64 days since 1970-01-01.
    """
    rule = rule or v.DateRule()
    days, missing, unparseable = _to_days(dates, column, rule)
    if missing or unparseable:
        raise v.unreadable_dates(column, missing, unparseable, rule)
    return days


def open_log(
    transactions: Any, columns: v.LogColumns, rule: v.DateRule | None = None, attributes: Sequence[str] = ()
) -> PandasLog:
    """Open a DataFrame as a transaction log (a non-DataFrame or missing columns are refused at once).

    Parameters
    ----------
    transactions : pandas.DataFrame
        One row per transaction.
    columns : LogColumns
        Which columns hold the customer id, the date and the amount.
    rule : DateRule, optional
        How dates written as text are read: ISO 8601 by default.
    attributes : sequence of str, default ()
        Columns whose first values per customer the totals carry (:mod:`pyclv.engines._base`).

    Returns
    -------
    PandasLog
        The opened log.
    """
    if not isinstance(transactions, pd.DataFrame):
        raise v.not_a_dataframe(transactions)
    v.require_log_columns(list(transactions.columns), columns)
    require_attributes(list(transactions.columns), attributes)
    return PandasLog(transactions, columns, rule or v.DateRule(), tuple(dict.fromkeys(attributes)))


class PandasLog:
    """A DataFrame as a :class:`~pyclv.engines._base.TransactionLog`.

    Parameters
    ----------
    frame : pandas.DataFrame
        The transactions, with the columns named by ``columns``.
    columns : LogColumns
        Which columns hold the customer id, the date and the amount.
    date_rule : DateRule
        How dates written as text are read.
    attributes : tuple of str, default ()
        Columns whose first values per customer the totals carry.
    """

    def __init__(
        self, frame: pd.DataFrame, columns: v.LogColumns, date_rule: v.DateRule, attributes: tuple[str, ...] = ()
    ) -> None:
        self.frame = frame
        self.columns = columns
        self.date_rule = date_rule
        self.attributes = attributes
        self._codes: np.ndarray | None = None
        self._customers: pd.Index | None = None
        self._day: np.ndarray | None = None
        self._amount: np.ndarray | None = None

    # -- the profile: stops at the first kind of bad row, in the order the shared layer reports them
    def profile(self) -> v.LogProfile:
        """Read the columns and count the bad rows of the first kind found (see :class:`LogProfile`).

        Returns
        -------
        LogProfile
            The rows that break each rule (with examples) and the first and last transaction day.
        """
        frame, cols = self.frame, self.columns
        if len(frame) == 0:
            return v.LogProfile(n_rows=0)
        ids = frame[cols.customer_id]
        missing = ids.isna().to_numpy()
        if missing.any():
            return v.LogProfile(len(frame), missing_ids=v.BadRows(int(missing.sum())))
        _check_id_types(ids, cols.customer_id)
        dates = frame[cols.date]
        day, missing_dates, unparseable = _to_days(dates, cols.date, self.date_rule)
        if missing_dates or unparseable:
            return v.LogProfile(len(frame), missing_dates=missing_dates, unparseable_dates=unparseable)
        amount = None
        if cols.amount is not None:
            amount, bad_amounts = _to_amounts(frame[cols.amount], cols.amount)
            if bad_amounts is not None:
                return bad_amounts
        self._codes, self._customers = _factorize_customers(ids, cols.customer_id)
        self._day, self._amount = day, amount
        return v.LogProfile(len(frame), first_day=int(day.min()), last_day=int(day.max()))

    def _arrays(self) -> tuple[np.ndarray, pd.Index, np.ndarray, np.ndarray | None]:
        if self._codes is None or self._customers is None or self._day is None:
            raise RuntimeError("profile() must come first")  # the shared layer always calls it first
        return self._codes, self._customers, self._day, self._amount

    def count_after(self, end_day: int) -> tuple[int, int]:
        """Rows after ``end_day``, and customers all of whose rows are after it.

        Parameters
        ----------
        end_day : int
            The last day of the observation period.

        Returns
        -------
        (int, int)
            The number of rows after it and the number of customers who vanish with them.
        """
        codes, customers, day, _ = self._arrays()
        kept = day <= end_day
        observed = np.bincount(codes[kept], minlength=len(customers)) > 0
        return int(len(day) - np.count_nonzero(kept)), int(len(customers) - np.count_nonzero(observed))

    def daily(self, end_day: int) -> DailyLog:
        """One row per customer and purchase day up to ``end_day``, amounts summed.

        Parameters
        ----------
        end_day : int
            The last day of the observation period; later rows are left out.

        Returns
        -------
        DailyLog
            See :class:`DailyLog`.
        """
        codes, customers, day, amount = self._arrays()
        if int(day.max()) > end_day:
            keep = day <= end_day
            codes, day = codes[keep], day[keep]
            amount = amount[keep] if amount is not None else None
            observed = np.bincount(codes, minlength=len(customers)) > 0
            codes = (np.cumsum(observed) - 1)[codes]
            customers = customers[observed]
        # One integer key per (customer, day) in (customer, day) order; sort once, sum each run of equal keys.
        first_day = int(day.min())
        offset = day - first_day
        span = int(offset.max()) + 1
        key = codes * span + offset
        order = np.argsort(key, kind="stable")
        starts = run_starts(key[order])
        daily_limbs = None
        if amount is not None:  # exact sums: the same bits whatever the order of the rows (pyclv._fixed_point)
            daily_limbs = fp.run_sums(fp.quantize(amount[order]), starts)
        keys = key[order][starts]
        return DailyLog(customers, keys // span, keys % span + first_day, end_day, daily_limbs)

    def customer_totals(self, end_day: int, calibration_day: int | None = None) -> CustomerTotals:
        """Per-customer purchase days, first and last day and repeat spend (split at ``calibration_day``).

        Parameters
        ----------
        end_day : int
            The last day of the observation period; later rows are left out.
        calibration_day : int, optional
            Split the totals there: what is after it is counted in the holdout totals.

        Returns
        -------
        CustomerTotals
            One row per customer with a purchase on or before ``end_day``, sorted by id, with the first values
            of the attribute columns.
        """
        totals = daily_totals(self.daily(end_day), calibration_day)
        if not self.attributes:
            return totals
        return dataclasses.replace(totals, first_values=self.first_values(end_day))

    def first_values(self, end_day: int) -> pd.DataFrame:
        """Each customer's values of the attribute columns in its first transaction up to ``end_day``.

        The rows of each customer's first purchase day, sorted by customer, reduced by a grouped minimum that
        skips missing values (see :mod:`pyclv.engines._base` for the rule).

        Parameters
        ----------
        end_day : int
            The last day of the observation period; later rows are left out.

        Returns
        -------
        pandas.DataFrame
            One row per customer with a purchase on or before ``end_day``, indexed by the sorted ids; the
            attribute columns with their dtypes.
        """
        codes, customers, day, _ = self._arrays()
        kept = np.flatnonzero(day <= end_day)
        first = pd.Series(day[kept]).groupby(codes[kept], sort=True).min()
        first_day = np.full(len(customers), end_day + 1, dtype=np.int64)
        first_day[first.index.to_numpy()] = first.to_numpy()
        rows = kept[day[kept] == first_day[codes[kept]]]
        order = rows[np.argsort(codes[rows], kind="stable")]
        groups = codes[order]
        values = {name: _smallest(self.frame[name].iloc[order], groups, name) for name in self.attributes}
        return pd.DataFrame(values, index=customers[first.index.to_numpy()])

    def period_totals(self, end_day: int, length: float) -> PeriodTotals:
        """Per-customer opportunities of ``length`` days, counted from each customer's first purchase.

        Parameters
        ----------
        end_day : int
            The last day of the observation period; later rows are left out.
        length : float
            The length of one opportunity in days.

        Returns
        -------
        PeriodTotals
            One row per customer, sorted by id.
        """
        daily = self.daily(end_day)
        starts = run_starts(daily.customer)
        counts = np.diff(np.r_[starts, len(daily.customer)])
        first = np.repeat(daily.day[starts], counts)
        period = np.floor((daily.day - first) / length).astype(np.int64)
        n_periods = np.maximum(np.floor((daily.end_day - daily.day[starts] + 1) / length).astype(np.int64) - 1, 0)
        incomplete = period > np.repeat(n_periods, counts)
        keep = ~incomplete
        customer, period = daily.customer[keep], period[keep]
        # one row per (customer, period): the first row of each run; periods are sorted within a customer
        key_starts = run_starts(customer * (int(period.max()) + 1) + period)
        cust_p, per_p = customer[key_starts], period[key_starts]
        n_codes = len(daily.customers)
        repeat = per_p > 0
        frequency = np.bincount(cust_p[repeat], minlength=n_codes)
        recency = np.zeros(n_codes, dtype=np.int64)
        np.maximum.at(recency, cust_p, per_p)
        spend = None
        if daily.limbs is not None:  # the days of periods 1..n, summed exactly
            spent = np.zeros(len(keep), dtype=bool)
            spent[keep] = period > 0
            spend = _customer_sums(daily.limbs, spent, starts)
        return PeriodTotals(daily.customers, frequency, recency, n_periods, spend, int(np.count_nonzero(incomplete)))


# ---------------------------------------------------------------------------------------------------------
# Reading the columns
# ---------------------------------------------------------------------------------------------------------


def _smallest(values: pd.Series, groups: np.ndarray, column: str) -> np.ndarray | pd.api.extensions.ExtensionArray:
    """The smallest present value of each group (missing where all are), a ``Categorical`` by its categories."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        codes = values.cat.codes.to_numpy(dtype=np.int64)
        missing = codes < 0
        smallest = pd.Series(np.where(missing, len(values.cat.categories), codes)).groupby(groups, sort=True).min()
        smallest = smallest.where(smallest < len(values.cat.categories), -1)
        smallest_codes: np.ndarray = smallest.to_numpy(dtype=np.int64)
        return pd.Categorical.from_codes(smallest_codes, dtype=values.dtype)
    try:
        return values.reset_index(drop=True).groupby(groups, sort=True).min().array
    except TypeError as exc:  # values that cannot be ordered together, as 1 and "1" (only in a DataFrame)
        kinds = sorted({type(value).__name__ for value in values.dropna()})
        raise DataValidationError(
            f"The column {column!r} of transactions holds values of several types ({', '.join(kinds)}), which "
            "cannot be ordered to pick a customer's first value. Give it one type (e.g. astype(str)).",
            column=column,
        ) from exc


def _customer_sums(limbs: fp.Limbs, rows: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Per customer, the exact sum of the daily amounts of the selected ``rows`` (rows sorted by customer).

    Parameters
    ----------
    limbs : Limbs
        The fixed-point amount of each daily row.
    rows : numpy.ndarray
        Boolean, the rows to count.
    starts : numpy.ndarray
        Where each customer's rows begin.

    Returns
    -------
    numpy.ndarray
        float64 totals, 0.0 for a customer without a selected row.
    """
    selected = tuple(np.where(rows, limb, 0) for limb in limbs)
    return fp.to_float(*fp.run_sums(selected, starts))  # type: ignore[arg-type]


def _check_id_types(ids: pd.Series, column: str) -> None:
    """Ids of one type, so that 1 and "1" are not silently two people."""
    if ids.dtype == object and pd.api.types.infer_dtype(ids, skipna=False) in ("mixed", "mixed-integer"):
        types = ids.map(lambda value: type(value).__name__)
        common = types.mode().iloc[0]
        odd = (types != common).to_numpy()
        raise v.mixed_id_types(column, int(odd.sum()), common, v.examples(ids.index, odd, ids.to_numpy()))


def _factorize_customers(ids: pd.Series, column: str) -> tuple[np.ndarray, pd.Index]:
    """Codes of each row into the sorted unique customer ids, and those ids."""
    try:
        codes, uniques = pd.factorize(ids, sort=True)
    except TypeError as exc:
        raise v.ids_not_comparable(column, len(ids), exc) from exc
    return codes.astype(np.int64, copy=False), pd.Index(uniques, name=column)


def _day_numbers(stamps: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Calendar day numbers of datetimes (tz-aware: their local day), and the mask of missing ones (NaT)."""
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


def _text_mask(values: pd.Series) -> np.ndarray:
    """Which values of a column that is not datetime64 are strings (at C speed for the common all-one-kind columns)."""
    kind = pd.api.types.infer_dtype(values, skipna=True)
    if kind in ("string", "empty"):
        return values.notna().to_numpy()
    if kind in ("date", "datetime", "datetime64"):
        return np.zeros(len(values), dtype=bool)
    text = values.map(lambda value: isinstance(value, str), na_action="ignore")
    return text.to_numpy(dtype=bool, na_value=False)


def _parse_objects(dates: pd.Series, column: str) -> tuple[np.ndarray, np.ndarray]:
    """Dates held as Python objects (datetime, date, Timestamp): day numbers and the mask of those that are not."""
    try:
        return _day_numbers(pd.to_datetime(dates, errors="coerce"))
    except (ValueError, TypeError) as exc:
        raise v.dates_with_mixed_offsets(column, len(dates), exc) from exc


def _integer_digits(dates: pd.Series, rule: v.DateRule) -> pd.Series | None:
    """With a ``date_format``, integers such as 19970930 as their digits; None where numbers stay refused."""
    if rule.date_format is None or not pd.api.types.is_integer_dtype(dates.dtype):
        return None
    return dates.astype("Int64").astype("string").astype(object)


def _to_days(dates: pd.Series, column: str, rule: v.DateRule) -> tuple[np.ndarray, v.BadRows, v.BadRows]:
    """Day numbers of a column of datetimes or date strings, and its missing and unreadable rows.

    Strings are read by ``rule`` (:mod:`pyclv._dates`, the grammar every engine shares); datetimes
    of any resolution count on their (local) day; numbers are refused, except integers given a ``date_format``.
    Days outside 1900-2199 are unreadable, as in every engine.
    """
    digits = _integer_digits(dates, rule)
    values = dates if digits is None else digits
    numeric = _numbers_mask(values)
    if numeric.any():
        raise v.numbers_not_dates(column, int(numeric.sum()), v.distinct_values(dates.to_numpy()[numeric]))
    missing = values.isna().to_numpy()
    if values.dtype.kind == "M":
        days, nat = _day_numbers(values)
    else:
        is_text = _text_mask(values)
        days = np.zeros(len(values), dtype=np.int64)
        nat = missing.copy()
        if is_text.any():
            days[is_text], nat[is_text] = string_days(
                values[is_text], date_format=rule.date_format, dayfirst=rule.dayfirst
            )
        objects = ~is_text & ~missing
        if objects.any():
            days[objects], nat[objects] = _parse_objects(values[objects], column)
    nat |= ~in_range(days)
    unreadable = nat & ~missing
    return (
        days,
        v.BadRows(int(missing.sum())),
        v.BadRows(int(unreadable.sum()), v.distinct_values(dates.to_numpy()[unreadable])),
    )


def _to_amounts(amounts: pd.Series, column: str) -> tuple[np.ndarray, v.LogProfile | None]:
    """The amount column as float64, and a profile of its bad rows of the first kind found (None if none)."""
    n = len(amounts)
    if pd.api.types.is_bool_dtype(amounts.dtype):
        raise v.not_amounts(column, "booleans", n)
    if pd.api.types.is_numeric_dtype(amounts.dtype):
        values = amounts.to_numpy(dtype=np.float64, na_value=np.nan)
    else:  # text by the grammar every engine shares (pyclv._numbers); numbers held as objects as they are
        text = _text_mask(amounts)
        values = np.full(n, np.nan)
        not_numbers = np.zeros(n, dtype=bool)
        if text.any():
            values[text], not_numbers[text] = text_amounts(amounts[text])
        others = ~text & amounts.notna().to_numpy()
        if others.any():
            converted = pd.to_numeric(amounts[others], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
            values[others], not_numbers[others] = converted, np.isnan(converted)
        if not_numbers.any():
            shown = v.distinct_values(amounts.to_numpy()[not_numbers])
            return np.empty(0), v.LogProfile(n, not_numbers=v.BadRows(int(not_numbers.sum()), shown))

    def bad(mask: np.ndarray) -> v.BadRows:
        return v.BadRows(int(mask.sum()), v.distinct_values(values[mask]))

    missing, infinite, negative = np.isnan(values), np.isinf(values), values < 0
    huge = ~infinite & (values >= fp.MAX_AMOUNT)
    if missing.any():
        return values, v.LogProfile(n, missing_amounts=v.BadRows(int(missing.sum())))
    if infinite.any():
        return values, v.LogProfile(n, infinite_amounts=bad(infinite))
    if huge.any():
        return values, v.LogProfile(n, huge_amounts=bad(huge))
    if negative.any():
        return values, v.LogProfile(n, negative_amounts=bad(negative))
    total = float(values.sum())
    if total >= fp.MAX_TOTAL:
        return values, v.LogProfile(n, amount_total=total)
    return values, None
