"""Dates given as arguments (the ends of the periods) and the warnings about what falls outside them."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TypeAlias

import numpy as np
import pandas as pd

from pyclv._dates import in_range, string_days
from pyclv._validation.wording import argument, rows, warn
from pyclv.exceptions import DataValidationError

__all__ = [
    "DateLike",
    "DateRule",
    "calibration_end",
    "day_str",
    "future_dates",
    "observation_end",
    "to_day",
    "today",
    "warn_excluded_after_end",
    "warn_incomplete_periods",
    "warn_new_in_holdout",
]

#: A single date: a string such as "1997-09-30", a datetime or date, a numpy datetime64 or a pandas Timestamp.
DateLike: TypeAlias = str | datetime.date | np.datetime64 | pd.Timestamp


@dataclass(frozen=True)
class DateRule:
    """How dates written as text are read, the same way by every engine (:mod:`pyclv._dates`).

    By default only ISO 8601 (``1997-09-30``, with an optional time); ``dayfirst=True`` reads ``DD/MM/YYYY``
    and ``dayfirst=False`` ``MM/DD/YYYY``; ``date_format`` is an explicit ``strptime`` format. Anything else
    is refused, never guessed: ``01/09/1997`` is the 1st of September in one country and the 9th of January in
    another.

    Parameters
    ----------
    date_format : str, optional
        A ``strptime`` format such as ``"%d/%m/%Y"`` or ``"%Y%m%d"``.
    dayfirst : bool, optional
        True for day-first dates, False for month-first ones; not together with ``date_format``.

    Raises
    ------
    ValueError
        If both are given, or if either is of the wrong type.
    """

    date_format: str | None = None
    dayfirst: bool | None = None

    def __post_init__(self) -> None:
        if self.date_format is not None and (not isinstance(self.date_format, str) or "%" not in self.date_format):
            raise ValueError(
                f"{argument('date_format')} must be a strptime format such as '%d/%m/%Y' or '%Y%m%d'; got "
                f"{self.date_format!r}."
            )
        if self.dayfirst is not None and not isinstance(self.dayfirst, (bool, np.bool_)):
            raise ValueError(f"{argument('dayfirst')} must be True, False or None; got {self.dayfirst!r}.")
        if self.date_format is not None and self.dayfirst is not None:
            raise ValueError(
                f"Pass either {argument('date_format')} or {argument('dayfirst')}, not both: a format already says "
                f"where the day is."
            )

    @property
    def expected(self) -> str:
        """What a date must look like, for messages."""
        if self.date_format is not None:
            return f"dates in the format {self.date_format!r}"
        if self.dayfirst is None:
            return "ISO 8601 dates (YYYY-MM-DD, such as 1997-09-30, optionally with a time)"
        return "DD/MM/YYYY dates" if self.dayfirst else "MM/DD/YYYY dates"

    @property
    def todo(self) -> str:
        """What to do about text that is not a date by this rule, for messages."""
        if self.date_format is None and self.dayfirst is None:
            return (
                f"For dates such as 30/09/1997 pass {argument('dayfirst', 'True')} (day first) or "
                f"{argument('dayfirst', 'False')} (month first); for other formats pass {argument('date_format')} "
                f"with a strptime format, e.g. {argument('date_format', repr('%Y%m%d'))}."
            )
        return "Correct these dates, or pass the format the column really uses."


def to_day(value: DateLike, name: str, rule: DateRule | None = None) -> int:
    """Calendar day number (days since 1970-01-01) of a single date given as an argument.

    Text is read by ISO 8601, or by ``rule`` (the format of the log's date column), never guessed.

    Parameters
    ----------
    value : date-like
        The date; a tz-aware time counts on its local day.
    name : str
        The argument's name, for the message.
    rule : DateRule, optional
        How the log's dates are written: text in that form is accepted too.

    Returns
    -------
    int
        The day number.

    Raises
    ------
    DataValidationError
        If ``value`` is not a date, or is missing.
    """
    if isinstance(value, str):
        rules = [DateRule()] if rule is None or rule == DateRule() else [DateRule(), rule]
        for each in rules:
            days, bad = string_days(pd.Series([value], dtype=object), date_format=each.date_format,
                                    dayfirst=each.dayfirst)
            if not bad[0]:
                return int(days[0])
        expected = " or ".join(each.expected for each in rules)
        raise DataValidationError(
            f"{argument(name)} {value!r} is not a date: pyclv reads {expected}, and does not guess the order of "
            f"day and month. Write it as YYYY-MM-DD, e.g. '1997-09-30'.",
            column=name,
        )
    try:
        stamp = pd.Timestamp(value)
    except (ValueError, TypeError) as exc:
        raise DataValidationError(
            f"{argument(name)}={value!r} is not a date ({exc}). Pass a date such as '1997-09-30' or a datetime.",
            column=name,
        ) from exc
    if pd.isna(stamp):
        raise DataValidationError(f"{argument(name)} is missing (NaT). Pass a date such as '1997-09-30'.", column=name)
    if stamp.tz is not None:
        stamp = stamp.tz_localize(None)
    day = int(stamp.to_datetime64().astype("datetime64[D]").astype(np.int64))
    if not in_range(np.array([day]))[0]:
        raise DataValidationError(f"{argument(name)} {day_str(day)} is not a plausible date (1900 to 2199).",
                                  column=name)
    return day


def today() -> int:
    """Today's day number in UTC (the latest day a transaction can honestly carry, give or take a time zone)."""
    return (datetime.datetime.now(datetime.UTC).date() - datetime.date(1970, 1, 1)).days


def day_str(day: int) -> str:
    """A day number as an ISO date, ``1997-09-30``."""
    return str(np.datetime64(int(day), "D"))


def observation_end(
    first_day: int, last_day: int, end: DateLike | None, end_name: str, rule: DateRule | None = None
) -> int:
    """The last day of the observation period: ``end``, or the last transaction's day without one.

    Parameters
    ----------
    first_day, last_day : int
        The first and last transaction days of the log.
    end : date-like, optional
        The end the user asked for.
    end_name : str
        The argument's name, for the message.
    rule : DateRule, optional
        How the log's dates are written (text in that form is accepted for ``end`` too).

    Returns
    -------
    int
        The end's day number.

    Raises
    ------
    DataValidationError
        If the end is before the first transaction (no customer would be observed), or after today.
    """
    end_day = last_day if end is None else to_day(end, end_name, rule)
    if end is not None and end_day > today() + 1:  # a day of grace for the time zones ahead of UTC
        raise DataValidationError(
            f"{argument(end_name)} {day_str(end_day)} is after today ({day_str(today())}): the customers' ages T would "
            f"count days not yet observed. Pass the last day the log covers.",
            column=end_name,
        )
    if end_day < first_day:
        raise DataValidationError(
            f"{argument(end_name)} {day_str(end_day)} is before the first transaction ({day_str(first_day)}): no "
            f"customer would be observed. Pass a later {argument(end_name)}.",
            column=end_name,
        )
    return end_day


def calibration_end(value: DateLike, first_day: int, end_day: int, rule: DateRule | None = None) -> int:
    """The calibration period's last day, checked against the log and the observation end.

    Parameters
    ----------
    value : date-like
        ``calibration_period_end`` as the user gave it.
    first_day : int
        The first transaction's day.
    end_day : int
        The observation period's last day.
    rule : DateRule, optional
        How the log's dates are written (text in that form is accepted too).

    Returns
    -------
    int
        The calibration end's day number.

    Raises
    ------
    DataValidationError
        If the holdout or the calibration period would be empty.
    """
    name = "calibration_period_end"
    day = to_day(value, name, rule)
    if day >= end_day:
        raise DataValidationError(
            f"{argument(name)} {day_str(day)} must be before {argument('observation_period_end')} "
            f"{day_str(end_day)}, or the holdout period is empty. Pass an earlier calibration end.",
            column=name,
        )
    if day < first_day:
        raise DataValidationError(
            f"{argument(name)} {day_str(day)} is before the first transaction "
            f"({day_str(first_day)}): the calibration period is empty. Pass a later calibration end.",
            column=name,
        )
    return day


def future_dates(n_rows: int, last_day: int, today: int) -> DataValidationError:
    """The error for a log whose last transactions are after today, with no observation end to cut them off."""
    return DataValidationError(
        f"{rows(n_rows)} of the transactions are dated after today ({day_str(today)}), the last on "
        f"{day_str(last_day)}: without {argument('observation_period_end')} the observation period would end in "
        f"the future. Correct these dates, or pass {argument('observation_period_end')} to cut the log off.",
        n_rows=n_rows,
    )


def warn_excluded_after_end(n_rows: int, n_customers: int, end_name: str, end_day: int) -> None:
    """Warn that ``n_rows`` transactions after the end were excluded, and ``n_customers`` vanish with them."""
    warn(
        f"{n_rows:,} transaction(s) dated after {argument(end_name)} {day_str(end_day)} were excluded; {n_customers:,} "
        f"customer(s) whose first purchase is after that date are therefore not in the result."
    )


def warn_new_in_holdout(n_customers: int, calibration_day: int) -> None:
    """Warn that customers first seen in the holdout are left out of the calibration cohort."""
    warn(
        f"{n_customers:,} customer(s) made their first purchase in the holdout period, after "
        f"{argument('calibration_period_end')} {day_str(calibration_day)}; they are not in the calibration cohort and "
        f"are left "
        f"out."
    )


def warn_incomplete_periods(n_days: int, time_unit: str) -> None:
    """Warn that customer-days in a customer's last, incomplete period are left out of a discrete summary."""
    warn(
        f"{n_days:,} customer-day(s) with transactions fall in a customer's last, incomplete period of length "
        f"{time_unit} and are not in the summary (that opportunity is not over yet)."
    )
