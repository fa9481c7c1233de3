"""The one small interface every engine implements.

An engine opens a transaction log (a pandas DataFrame, Parquet or CSV files, a Spark DataFrame, ...) as a
:class:`TransactionLog` and answers four questions about it, with integer day numbers (days since
1970-01-01) throughout:

1. :meth:`TransactionLog.profile`: how many rows break each rule, with examples, and the first and last day;
2. :meth:`TransactionLog.count_after`: how many rows fall after a day, and how many customers vanish with them;
3. :meth:`TransactionLog.customer_totals`: per customer, the number of purchase days, the first and last day and
   the repeat spend (optionally split at a calibration day, with the holdout's counts and revenue), and the
   values of the customer's first transaction in the log's attribute columns (its covariates, see below);
4. :meth:`TransactionLog.period_totals`: per customer, the whole purchase opportunities of discrete-time models.

Attribute columns: a log opened with ``attributes=("channel", ...)`` carries those columns, and its totals
hold each customer's *first values* (:attr:`CustomerTotals.first_values`): the value of each column in the
customer's first transaction, on the earliest purchase day; when that day has several transactions, the smallest
of their values (numbers by value, text by code point, booleans False first, a pandas ``Categorical`` by the
order of its categories), missing values (NULL, NaN) last, so that a value is missing only if every transaction
of that day misses it. Each column is reduced on its own. The values keep their type: numbers stay numbers, text
stays text. In CSV files, where every column is text, an attribute column is numeric when every value in the
file is a number by the grammar of :mod:`pyclv._numbers` (integers when every one is a whole number written
without a point or exponent, ``-12``, ``007``) and text otherwise (:func:`typed_text`, :func:`text_kinds`), as
pandas' ``read_csv`` types a column.

The engine only computes. :mod:`pyclv._validation` checks the profile and words every error and warning,
and :mod:`pyclv._summaries` turns the totals into model time; so every engine accepts and refuses the same
inputs with the same messages, and returns the same summaries.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import pandas as pd

from pyclv import _fixed_point as fp
from pyclv import _validation as v
from pyclv._dates import BLANKS
from pyclv._numbers import NUMBER, text_amounts
from pyclv._validation import DateRule, LogColumns, LogProfile

__all__ = [
    "INTEGER_TEXT",
    "CustomerTotals",
    "PeriodTotals",
    "TransactionLog",
    "attribute_name",
    "customer_totals_of",
    "first_values_of",
    "limb_total",
    "period_totals_of",
    "require_attributes",
    "text_integers",
    "text_kinds",
    "typed_text",
]

#: A whole number written as text (after trimming :data:`pyclv._dates.BLANKS`): an attribute column of a CSV
#: file whose every value is one (and fits 64 bits) is read as integers; Python's ``re``, RE2 and Java read it alike.
INTEGER_TEXT = r"^[+-]?[0-9]+$"


@dataclass(frozen=True)
class CustomerTotals:
    """Per-customer integers of a log, one row per customer, sorted by customer id.

    Attributes
    ----------
    ids : pandas.Index
        The customer ids (sorted).
    n_days : numpy.ndarray
        Distinct purchase days (up to the calibration day, when one is given).
    first_day, last_day : numpy.ndarray
        First purchase day; last purchase day (up to the calibration day; any value where ``n_days`` is 0).
    repeat_total : numpy.ndarray or None
        Spend on the days after the first purchase day (up to the calibration day); None without amounts.
    n_holdout, revenue_holdout : numpy.ndarray or None
        Purchase days and spend after the calibration day (None without one; revenue None without amounts).
    spend_to_date : numpy.ndarray or None
        Spend on every purchase day up to the calibration day (or the end), the first included; None without
        amounts.
    first_values : pandas.DataFrame or None
        The values of the log's attribute columns in each customer's first transaction (see the module's
        docstring), one row per customer in the order of ``ids``, columns named as in the log; None for a log
        opened without attribute columns.
    """

    ids: pd.Index
    n_days: np.ndarray
    first_day: np.ndarray
    last_day: np.ndarray
    repeat_total: np.ndarray | None
    n_holdout: np.ndarray | None = None
    revenue_holdout: np.ndarray | None = None
    spend_to_date: np.ndarray | None = None
    first_values: pd.DataFrame | None = None


@dataclass(frozen=True)
class PeriodTotals:
    """Per-customer whole purchase opportunities, one row per customer, sorted by customer id.

    Attributes
    ----------
    ids : pandas.Index
        The customer ids (sorted).
    frequency : numpy.ndarray
        Opportunities 1..n with a transaction.
    recency : numpy.ndarray
        The last such opportunity (0 if none).
    n_periods : numpy.ndarray
        n, the complete opportunities after the first purchase's.
    spend : numpy.ndarray or None
        Spend in opportunities 1..n (None without amounts).
    n_incomplete : int
        Customer-days with transactions in a customer's last, incomplete opportunity (left out).
    """

    ids: pd.Index
    frequency: np.ndarray
    recency: np.ndarray
    n_periods: np.ndarray
    spend: np.ndarray | None
    n_incomplete: int


#: A per-customer table as an engine returns it: column name to values (DuckDB's fetchnumpy, a pandas DataFrame).
Table = Mapping[str, Any] | pd.DataFrame


def limb_total(table: Table, name: str) -> np.ndarray:
    """The float totals of the exact fixed-point limbs ``<name>_whole``, ``_high``, ``_low`` of a per-customer table.

    Parameters
    ----------
    table : mapping of str to array-like, or pandas.DataFrame
        A per-customer table a SQL engine returned (column name to values).
    name : str
        The total's name.

    Returns
    -------
    numpy.ndarray
        float64, one per customer (:func:`pyclv._fixed_point.to_float`).
    """
    return fp.to_float(*(np.asarray(table[f"{name}_{limb}"], dtype=np.int64) for limb in ("whole", "high", "low")))


def attribute_name(position: int) -> str:
    """The name under which an engine carries the attribute column at ``position`` (never a user's name in SQL).

    Parameters
    ----------
    position : int
        The column's position in the log's attributes.

    Returns
    -------
    str
        ``pyclv_attribute_<position>``.
    """
    return f"pyclv_attribute_{position}"


def require_attributes(present: Sequence[Any], attributes: Sequence[str]) -> None:
    """The log has every attribute column, once: else the error every engine raises.

    Parameters
    ----------
    present : sequence
        The log's columns.
    attributes : sequence of str
        The attribute columns asked for.

    Raises
    ------
    DataValidationError
        If one is missing or named twice in the log.
    """
    v.require_columns(
        present,
        list(dict.fromkeys(attributes)),
        what="transactions",
        todo=f"Name columns of the log in {v.argument('covariate_cols')}, or take the covariates from a customer "
        "table (one row per customer) instead.",
    )


#: What :func:`text_kinds` finds a value of a CSV attribute column to be, in the order of the types they allow.
MISSING, INTEGER, NUMBER_KIND, TEXT = 0, 1, 2, 3


def text_kinds(values: pd.Series) -> np.ndarray:
    """What each value of an attribute column read from CSV text is: missing, a whole number, a number or text.

    Parameters
    ----------
    values : pandas.Series
        Text, with missing values.

    Returns
    -------
    numpy.ndarray
        int8, one per value: :data:`MISSING`, :data:`INTEGER` (:data:`INTEGER_TEXT`, within 64 bits),
        :data:`NUMBER_KIND` (:data:`pyclv._numbers.NUMBER`) or :data:`TEXT`. A column's type is that of its
        largest kind (:func:`typed_text`).
    """
    present = values.notna().to_numpy()
    text = values.astype(object).where(present, "").astype(str).str.strip(BLANKS)
    number = text.str.fullmatch(NUMBER).to_numpy(dtype=bool)
    whole = text.str.fullmatch(INTEGER_TEXT).to_numpy(dtype=bool).copy()
    long = whole & (text.str.lstrip("+-0").str.len().to_numpy() > 18)  # may not fit 64 bits: ask Python
    whole[long] = [-(2**63) <= int(t) < 2**63 for t in text[long]]
    kinds = np.where(whole, INTEGER, np.where(number, NUMBER_KIND, TEXT)).astype(np.int8)
    kinds[~present] = MISSING
    return kinds


def text_integers(values: pd.Series) -> pd.Series:
    """Whole numbers written as text (:data:`INTEGER_TEXT`) as nullable 64-bit integers, missing where missing.

    Parameters
    ----------
    values : pandas.Series
        Text whose present values are all whole numbers within 64 bits.

    Returns
    -------
    pandas.Series
        ``Int64``.
    """
    present = values.notna().to_numpy()
    integers = pd.Series(pd.NA, index=values.index, name=values.name, dtype="Int64")
    integers[present] = [int(t) for t in values[present].astype(str).str.strip(BLANKS)]
    return integers


def typed_text(values: pd.Series) -> pd.Series:
    """An attribute column read from CSV text, typed by the rule every engine shares (see the module's docstring).

    Parameters
    ----------
    values : pandas.Series
        Text, with missing values.

    Returns
    -------
    pandas.Series
        int64 when every present value is a whole number (:data:`INTEGER_TEXT`) that fits 64 bits (nullable
        ``Int64`` if some are missing); float64 (NaN where missing) when every one is a number
        (:data:`pyclv._numbers.NUMBER`); else the text as it is.

    Examples
    --------
    >>> typed_text(pd.Series([" 12", "-3"])).tolist(), typed_text(pd.Series(["1.5", None])).tolist()
    ([12, -3], [1.5, nan])
    >>> typed_text(pd.Series(["web", "12"])).tolist()
    ['web', '12']
    """
    kind = int(text_kinds(values).max(initial=MISSING))
    if kind == TEXT:
        return values
    if kind == NUMBER_KIND:
        return pd.Series(text_amounts(values)[0], index=values.index, name=values.name)
    integers = text_integers(values)
    return integers if integers.isna().any() else integers.astype(np.int64)


def first_values_of(table: Table, attributes: Sequence[str]) -> pd.DataFrame:
    """The first values a SQL engine returned, indexed by customer and named as in the log; text as ``str``.

    Parameters
    ----------
    table : pandas.DataFrame
        Columns ``customer`` and :func:`attribute_name` of each attribute, sorted by customer.
    attributes : sequence of str
        The attribute columns, in order.

    Returns
    -------
    pandas.DataFrame
        One row per customer.
    """
    columns = {}
    for position, name in enumerate(attributes):
        values = pd.Series(np.asarray(table[attribute_name(position)]) if not isinstance(table, pd.DataFrame)
                           else table[attribute_name(position)].array)
        if values.dtype == object and pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty"):
            values = values.astype("str")
        columns[name] = values.array
    return pd.DataFrame(columns, index=pd.Index(np.asarray(table["customer"])))


def customer_totals_of(table: Table, *, amounts: bool, split: bool) -> CustomerTotals:
    """The :class:`CustomerTotals` of a per-customer table a SQL engine returned, sorted by customer.

    Parameters
    ----------
    table : mapping of str to array-like, or pandas.DataFrame
        Columns ``customer``, ``n_days``, ``first_day``, ``last_day``, ``n_holdout`` and the limbs of
        ``repeat_total``, ``revenue_holdout`` and ``spend_to_date``.
    amounts : bool
        Whether the log has amounts (else the spend totals are None).
    split : bool
        Whether the totals are split at a calibration day (else the holdout's are None).

    Returns
    -------
    CustomerTotals
        The totals.
    """
    return CustomerTotals(
        ids=pd.Index(np.asarray(table["customer"])),
        n_days=np.asarray(table["n_days"], dtype=np.int64),
        first_day=np.asarray(table["first_day"], dtype=np.int64),
        last_day=np.asarray(table["last_day"], dtype=np.int64),
        repeat_total=limb_total(table, "repeat_total") if amounts else None,
        n_holdout=np.asarray(table["n_holdout"], dtype=np.int64) if split else None,
        revenue_holdout=limb_total(table, "revenue_holdout") if split and amounts else None,
        spend_to_date=limb_total(table, "spend_to_date") if amounts else None,
    )


def period_totals_of(table: Table, *, amounts: bool) -> PeriodTotals:
    """The :class:`PeriodTotals` of a per-customer table a SQL engine returned, sorted by customer.

    Parameters
    ----------
    table : mapping of str to array-like, or pandas.DataFrame
        Columns ``customer``, ``frequency``, ``recency``, ``n_periods``, ``n_incomplete`` and the limbs of
        ``spend``.
    amounts : bool
        Whether the log has amounts (else the spend is None).

    Returns
    -------
    PeriodTotals
        The totals.
    """
    return PeriodTotals(
        ids=pd.Index(np.asarray(table["customer"])),
        frequency=np.asarray(table["frequency"], dtype=np.int64),
        recency=np.asarray(table["recency"], dtype=np.int64),
        n_periods=np.asarray(table["n_periods"], dtype=np.int64),
        spend=limb_total(table, "spend") if amounts else None,
        n_incomplete=int(np.asarray(table["n_incomplete"]).sum()),
    )


class TransactionLog(Protocol):
    """A transaction log opened by an engine (see the module's docstring).

    ``columns`` names its columns; ``date_rule`` says how its dates written as text were read, so that the
    dates given as arguments (the ends of the periods) are read the same way.
    """

    columns: LogColumns
    date_rule: DateRule

    def profile(self) -> LogProfile:
        """Counts of the rows that break each rule, with examples, and the first and last transaction day."""
        ...

    def count_after(self, end_day: int) -> tuple[int, int]:
        """Rows after ``end_day``, and customers all of whose rows are after it."""
        ...

    def customer_totals(self, end_day: int, calibration_day: int | None = None) -> CustomerTotals:
        """Per-customer totals of the purchase days up to ``end_day`` (split at ``calibration_day``)."""
        ...

    def period_totals(self, end_day: int, length: float) -> PeriodTotals:
        """Per-customer opportunities of ``length`` days up to ``end_day``."""
        ...
