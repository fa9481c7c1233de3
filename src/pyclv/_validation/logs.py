"""The rules of a transaction log and every message about one.

What an engine counts (:class:`LogProfile`), the order in which problems are reported (:func:`check_log`), and
the errors an engine meets while reading a column's type.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pyclv._fixed_point import MAX_AMOUNT, MAX_TOTAL
from pyclv._validation.dates import DateRule
from pyclv._validation.wording import argument, rows
from pyclv.exceptions import DataValidationError

__all__ = [
    "BadRows",
    "LogColumns",
    "LogProfile",
    "check_log",
    "dates_with_mixed_offsets",
    "ids_not_comparable",
    "mixed_id_types",
    "no_transactions",
    "not_a_dataframe",
    "not_amounts",
    "not_dates",
    "numbers_not_dates",
    "require_columns",
    "require_log_columns",
    "unreadable_dates",
]

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
    huge_amounts: BadRows = BadRows()
    negative_amounts: BadRows = BadRows()
    amount_total: float = 0.0
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
        If a required column is missing, appears more than once, or is asked for twice.
    """
    repeated = sorted({c for c in required if list(present).count(c) > 1}, key=str)
    if repeated:
        raise DataValidationError(
            f"{what} has several columns named {', '.join(repr(c) for c in repeated)}; pyclv will not pick one. "
            f"Rename or drop the duplicates.",
            column=", ".join(repeated),
        )
    twice = sorted({c for c in required if list(required).count(c) > 1}, key=str)
    if twice:
        raise DataValidationError(
            f"The column {', '.join(repr(c) for c in twice)} is named for two roles (customer id, date, amount); "
            f"each role needs its own column.",
            column=", ".join(twice),
        )
    missing = [c for c in required if c not in present]
    if missing:
        shown = ", ".join(repr(c) for c in present) or "none"
        raise DataValidationError(
            f"{what} is missing the column(s) {', '.join(repr(c) for c in missing)}; the columns present are: "
            f"{shown}. {todo}",
            column=", ".join(missing),
        )


def require_log_columns(present: Sequence[Any], columns: LogColumns) -> None:
    """The log's columns are there, each once even ignoring case, or an error that says which argument names them.

    SQL engines (DuckDB, Spark) do not tell ``Amount`` from ``amount``: a log whose used column has a namesake
    that differs only in case is refused by every engine, pandas included, so that all read the same logs.
    """
    require_columns(
        present,
        columns.required,
        what="transactions",
        todo=f"Rename your columns or pass {argument('customer_id_col')}, {argument('datetime_col')} (and "
        f"{argument('monetary_value_col')}) to say which columns to use.",
    )
    by_folded: dict[str, list[str]] = {}
    for name in present:
        by_folded.setdefault(str(name).casefold(), []).append(str(name))
    clashes = [by_folded[str(c).casefold()] for c in dict.fromkeys(columns.required)]
    clash = next((names for names in clashes if len(names) > 1), None)
    if clash is not None:
        raise DataValidationError(
            f"transactions has columns whose names differ only in case ({', '.join(map(repr, clash))}), which DuckDB "
            f"and Spark do not tell apart; pyclv will not pick one. Rename or drop one of them.",
            column=", ".join(clash),
        )


def no_transactions(columns: LogColumns) -> DataValidationError:
    """The error for a log without rows."""
    return DataValidationError(
        "transactions is empty: there is nothing to summarise. Check the filter, query or files that produced it.",
        column=columns.customer_id,
        n_rows=0,
    )


def check_log(profile: LogProfile, columns: LogColumns, rule: DateRule | None = None) -> tuple[int, int]:
    """Raise for the first kind of bad row in ``profile``, in a fixed order; else its first and last day.

    Parameters
    ----------
    profile : LogProfile
        What the engine counted.
    columns : LogColumns
        The log's column names.
    rule : DateRule, optional
        How the log's dates written as text were read, for the message about those that could not be.

    Returns
    -------
    (int, int)
        The first and last transaction day.

    Raises
    ------
    DataValidationError
        For an empty log, missing customer ids, missing or unparseable dates, and amounts that are not
        numbers, missing, infinite, implausibly large (2**56 or more) or negative.
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
        raise unreadable_dates(columns.date, profile.missing_dates, profile.unparseable_dates, rule)
    if columns.amount is not None:
        _bad(
            columns.amount,
            profile.not_numbers,
            "that is not a number" if profile.not_numbers.n == 1 else "that are not numbers",
            "Amounts must be plain numbers such as 12.50: strip currency symbols and thousands separators, use a "
            "decimal point, and leave a missing amount empty.",
        )
        fill = "Drop these rows or fill in the amounts."
        _bad(columns.amount, profile.missing_amounts, "with missing (NaN) amounts", fill)
        _bad(columns.amount, profile.infinite_amounts, "with infinite amounts", "Correct or drop these rows.")
        _bad(
            columns.amount,
            profile.huge_amounts,
            f"with amounts of {MAX_AMOUNT:.2g} or more",
            "No purchase is that large: correct or drop these rows (a unit or parsing error?).",
        )
        _bad(
            columns.amount,
            profile.negative_amounts,
            "with negative amounts",
            "Remove returns and refunds, or net them against their purchases.",
        )
        if profile.amount_total >= MAX_TOTAL:
            raise DataValidationError(
                f"Column {columns.amount!r} adds up to {profile.amount_total:.3g}, beyond what pyclv sums exactly "
                f"({MAX_TOTAL:.2g}). Check the amounts' unit, or summarise the log in parts.",
                column=columns.amount,
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


def unreadable_dates(
    column: str, missing: BadRows, unparseable: BadRows, rule: DateRule | None = None
) -> DataValidationError:
    """The error for rows without a usable date (missing, or text that is not a date by ``rule``)."""
    rule = rule or DateRule()
    detail = []
    todo = []
    if missing:
        detail.append(f"{missing.n:,} missing")
        todo.append("Drop the rows without a date.")
    if unparseable:
        shown = f" (e.g. {unparseable.examples})" if unparseable.examples else ""
        detail.append(f"{unparseable.n:,} not readable as {rule.expected} in the years 1900-2199{shown}")
        todo.append(rule.todo)
    n = missing.n + unparseable.n
    return DataValidationError(
        f"Column {column!r} has {rows(n)} without a usable date: {' and '.join(detail)}. {' '.join(todo)}",
        column=column,
        n_rows=n,
    )


def numbers_not_dates(column: str, n: int, shown: str) -> DataValidationError:
    """The error for a date column that holds numbers (pyclv never reads them as epoch times)."""
    return DataValidationError(
        f"Column {column!r} holds numbers, not dates, in {rows(n)} (e.g. {shown}); pyclv does not guess their "
        f"meaning. Convert the column first, e.g. pd.to_datetime(col.astype(str), format='%Y%m%d') for YYYYMMDD "
        f"numbers or pd.to_datetime(col, unit='s') for Unix seconds; or pass "
        f"{argument('date_format', repr('%Y%m%d'))}.",
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
        f"as {argument('monetary_value_col')}.",
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
