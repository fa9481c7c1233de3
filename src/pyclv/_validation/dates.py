"""Dates given as arguments (the ends of the periods) and the warnings about what falls outside them."""

from __future__ import annotations

import datetime
from typing import TypeAlias

import numpy as np
import pandas as pd

from pyclv._validation.wording import warn
from pyclv.exceptions import DataValidationError

__all__ = [
    "DateLike",
    "calibration_end",
    "day_str",
    "observation_end",
    "to_day",
    "warn_excluded_after_end",
    "warn_incomplete_periods",
    "warn_new_in_holdout",
]

#: A single date: a string such as "1997-09-30", a datetime or date, a numpy datetime64 or a pandas Timestamp.
DateLike: TypeAlias = str | datetime.date | np.datetime64 | pd.Timestamp


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
