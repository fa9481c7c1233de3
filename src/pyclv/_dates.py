r"""How every engine reads dates written as text: one grammar, written once, for pandas, DuckDB and Spark.

A date string is read in exactly one of three ways, chosen by the caller (:class:`pyclv._validation.DateRule`):

- by default, **ISO 8601** only: ``YYYY-MM-DD``, optionally followed by ``T`` or a space and a time
  ``hh:mm[:ss[.fff]]``, optionally followed by ``Z`` or a UTC offset ``+hh[:mm]``. The day is the date as
  written: a time with an offset counts on its own local day, as a tz-aware timestamp does.
- with ``dayfirst=True``, ``DD/MM/YYYY`` (or with ``-`` or ``.`` between the parts, the same separator twice),
  and with ``dayfirst=False``, ``MM/DD/YYYY``; one- or two-digit days and months, four-digit years, and the same
  optional time as ISO 8601;
- with ``date_format``, an explicit ``strptime`` format such as ``"%d/%m/%Y"`` or ``"%Y%m%d"``.

Anything else is not a date: ``"01/09/1997"`` without ``dayfirst`` is refused as ambiguous rather than guessed,
which is how pandas and DuckDB, left to themselves, came to read 1 September and 1 January from the same column.
Surrounding blanks are ignored. Only days from :data:`FIRST_YEAR` to :data:`LAST_YEAR` count as dates:
placeholders such as ``0001-01-01`` or ``9999-12-31`` are refused, not read.

The patterns below use only what Python's ``re``, RE2 (DuckDB) and Java (Spark) read alike (``[0-9]``, never
``\d``, which in Python also matches other scripts' digits; no back-references), so that the SQL engines apply
the very same grammar. :func:`string_days` is the pandas implementation; it parses each distinct string once.
The rules' wording (what a date must look like, what to do) is :class:`pyclv._validation.DateRule`'s.
"""

from __future__ import annotations

import datetime

import numpy as np
import pandas as pd

__all__ = [
    "AFTER_DAY",
    "BLANKS",
    "DAY_FIRST",
    "DAY_FIRST_DAY",
    "FIRST_DAY",
    "FIRST_YEAR",
    "ISO_DATE",
    "ISO_DAY",
    "LAST_DAY",
    "LAST_YEAR",
    "TIME",
    "in_range",
    "string_days",
]

#: The optional time of day after a date: ``T`` or a space, ``hh:mm``, optional seconds and fraction, and an
#: optional ``Z`` or UTC offset. It is checked but does not change the day.
TIME = (
    r"(?:[T ](?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:[.,][0-9]+)?)?"
    r"(?:Z|[+-](?:[01][0-9]|2[0-3])(?::?[0-5][0-9])?)?)?"
)

#: An ISO 8601 calendar date, ``YYYY-MM-DD``; groups 1-3 are the year, month and day.
ISO_DAY = r"([0-9]{4})-([0-9]{2})-([0-9]{2})"

#: A day-first or month-first date; groups 1, 3 and 5 are the first number, the second and the year, groups 2
#: and 4 the separators (which must be equal: RE2 has no back-references, so engines compare them).
DAY_FIRST_DAY = r"([0-9]{1,2})([/.-])([0-9]{1,2})([/.-])([0-9]{4})"

#: Whole strings: an ISO 8601 date, or a day-first / month-first one, each with the optional time.
ISO_DATE = "^" + ISO_DAY + TIME + "$"
DAY_FIRST = "^" + DAY_FIRST_DAY + TIME + "$"

#: What follows the date in a string that matches one of the patterns (removed to leave the date).
AFTER_DAY = r"[T ].*$"

#: The years whose days count as dates; outside them a "date" is a placeholder or a typing error.
FIRST_YEAR, LAST_YEAR = 1900, 2199

#: The first and last valid day numbers (days since 1970-01-01).
FIRST_DAY = (datetime.date(FIRST_YEAR, 1, 1) - datetime.date(1970, 1, 1)).days
LAST_DAY = (datetime.date(LAST_YEAR, 12, 31) - datetime.date(1970, 1, 1)).days

#: The blanks stripped from both ends of a date string (exactly these, in every engine).
BLANKS = " \t\n\r\f\v"

#: Day number of an unreadable value in the arrays below (it is masked, never used).
_NO_DAY = np.iinfo(np.int64).min


def in_range(days: np.ndarray) -> np.ndarray:
    """Day numbers from 1900-01-01 to 2199-12-31 (the rest are placeholders, not dates)."""
    return (days >= FIRST_DAY) & (days <= LAST_DAY)


def string_days(
    values: pd.Series, *, date_format: str | None = None, dayfirst: bool | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Calendar day numbers of date strings read by one rule (see the module docstring).

    Parameters
    ----------
    values : pandas.Series
        Strings; missing values (None, NaN, NA) are allowed and come back masked.
    date_format : str, optional
        A ``strptime`` format; every string must match it.
    dayfirst : bool, optional
        True for ``DD/MM/YYYY``, False for ``MM/DD/YYYY``; None (and no ``date_format``) for ISO 8601 only.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        int64 days since 1970-01-01, and a boolean mask of the values that are not dates by the rule
        (missing values included; the caller tells them apart).

    Examples
    --------
    >>> days, bad = string_days(pd.Series(["1997-09-30", "30/09/1997", "1997-02-30", None]))
    >>> days[0], bad.tolist()
    (np.int64(10134), [False, True, True, True])
    >>> string_days(pd.Series(["30/09/1997", "1.10.1997"]), dayfirst=True)[0].tolist()
    [10134, 10135]
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    text = pd.Series(np.asarray(uniques, dtype=object), dtype=object).map(_as_text).str.strip(BLANKS)
    if date_format is not None:
        unique_days = _formatted_days(text, date_format)
    else:
        unique_days = _grammar_days(text, dayfirst)
    unique_days = np.where(in_range(unique_days), unique_days, _NO_DAY)
    days = np.where(codes >= 0, unique_days[np.maximum(codes, 0)] if len(unique_days) else _NO_DAY, _NO_DAY)
    return days.astype(np.int64), days == _NO_DAY


def _as_text(value: object) -> object:
    """A value as text for the date grammar (non-strings, e.g. bytes, become text that is not a date)."""
    return value if isinstance(value, str) else repr(value)


def _grammar_days(text: pd.Series, dayfirst: bool | None) -> np.ndarray:
    """Day numbers of ISO 8601 (or day-first / month-first) strings; ``_NO_DAY`` where one does not match.

    The whole strings are matched by one vectorised pattern; the date parts, far fewer than the strings when
    they carry times, are then split into year, month and day once each.
    """
    text = text.astype("str")
    ok = text.str.fullmatch(ISO_DATE if dayfirst is None else DAY_FIRST).to_numpy(dtype=bool, na_value=False)
    codes, unique_dates = pd.factorize(text[ok].str.replace(AFTER_DAY, "", regex=True))
    dates = pd.Series(unique_dates, dtype="str")
    if dayfirst is None:
        parts = dates.str.extract("^" + ISO_DAY + "$")
        year, month, day = parts[0], parts[1], parts[2]
        same_separators = pd.Series(True, index=dates.index)
    else:
        parts = dates.str.extract("^" + DAY_FIRST_DAY + "$")
        first, second = (parts[0], parts[2]) if dayfirst else (parts[2], parts[0])
        year, month, day = parts[4], second, first
        same_separators = parts[1] == parts[3]
    iso = (year + "-" + month.str.zfill(2) + "-" + day.str.zfill(2)).where(same_separators)
    date_days = _stamp_days(pd.to_datetime(iso, format="%Y-%m-%d", errors="coerce"))
    days = np.full(len(text), _NO_DAY, dtype=np.int64)
    days[ok] = date_days[codes]
    return days


def _formatted_days(text: pd.Series, date_format: str) -> np.ndarray:
    """Day numbers of strings in ``date_format``; ``_NO_DAY`` where one does not match it."""
    try:
        stamps = pd.to_datetime(text, format=date_format, errors="coerce")
    except ValueError:  # e.g. %z with several UTC offsets: each string on its own local day
        stamps = pd.Series(
            [_strptime_local(value, date_format) for value in text], index=text.index, dtype="datetime64[us]"
        )
    return _stamp_days(stamps)


def _strptime_local(value: str, date_format: str) -> datetime.datetime | None:
    """``value`` read with ``date_format`` as naive local time, or None."""
    try:
        return datetime.datetime.strptime(value, date_format).replace(tzinfo=None)
    except ValueError:
        return None


def _stamp_days(stamps: pd.Series) -> np.ndarray:
    """Day numbers of parsed timestamps (tz-aware: their local day); ``_NO_DAY`` for NaT."""
    if isinstance(stamps.dtype, pd.DatetimeTZDtype):
        stamps = stamps.dt.tz_localize(None)
    values = stamps.to_numpy(dtype="datetime64[us]")
    days = values.astype("datetime64[D]").view(np.int64)
    return np.where(np.isnat(values), _NO_DAY, days)
