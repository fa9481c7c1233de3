"""Time units: the one place where calendar time is converted into model time.

pyclv measures recency, T and horizons in an explicit unit stored on the data (``attrs["time_unit"]``) and on
every fitted model (``time_unit_``). There are no hidden constants: a day is a day, a week is seven days, a
year is 365.25 days and a month a twelfth of that (never "30 days").

A model fitted in a unit refuses data that do not declare the same one. ``attrs`` travel through pandas'
operations and Parquet files, but not through CSV: :func:`with_time_unit` declares the unit of such data.
"""

from __future__ import annotations

import math
import numbers

import pandas as pd

from pyclv.exceptions import DataValidationError

__all__ = ["DAYS_PER_UNIT", "DAYS_PER_YEAR", "check_time_unit", "days_to_units", "rate_per_unit", "with_time_unit"]

#: Length of each supported time unit in days: day, week, the average Gregorian-Julian month (365.25 / 12)
#: and year (365.25). Months and years serve period-based models (sBG, BG/BB) and discounting.
DAYS_PER_UNIT: dict[str, float] = {"D": 1.0, "W": 7.0, "M": 365.25 / 12.0, "Y": 365.25}

#: Length of a year in days (the Julian year), for annual discount rates.
DAYS_PER_YEAR = 365.25


def check_time_unit(time_unit: str) -> str:
    """Return ``time_unit`` if it is supported, else raise ``ValueError`` listing the supported units."""
    if time_unit not in DAYS_PER_UNIT:
        supported = ", ".join(f"{k!r}" for k in DAYS_PER_UNIT)
        raise ValueError(f"time_unit must be one of {supported} (days, weeks, months, years); got {time_unit!r}.")
    return time_unit


def days_to_units(days: float, time_unit: str) -> float:
    """Convert a number of days into ``time_unit`` (exactly: weeks are days / 7)."""
    return days / DAYS_PER_UNIT[check_time_unit(time_unit)]


def rate_per_unit(annual_discount_rate: float, time_unit: str | None) -> float:
    """Continuous discount rate per time unit equivalent to an effective annual rate.

    A cash flow at time t (in ``time_unit``) is discounted by ``exp(-delta * t)`` with
    ``delta = log(1 + annual_discount_rate) * days_per_unit / 365.25``, so that one year of time units
    discounts by exactly ``1 / (1 + annual_discount_rate)``.

    A negative rate in (-1, 0) weights the future up (a finite horizon then has a finite value; an infinite one
    does not, and the callers refuse it).

    Raises
    ------
    DataValidationError
        If the rate is not a finite number > -1 (a ValueError, named ``annual_discount_rate``).
    ValueError
        If a non-zero rate is given without a time unit.
    """
    valid = isinstance(annual_discount_rate, numbers.Real) and not isinstance(annual_discount_rate, bool)
    if not (valid and math.isfinite(annual_discount_rate) and annual_discount_rate > -1.0):
        raise DataValidationError(
            f"annual_discount_rate must be a finite number > -1 (0.1 for 10 % a year; a negative rate weights the "
            f"future up); got {annual_discount_rate!r}.",
            column="annual_discount_rate",
        )
    if annual_discount_rate == 0.0:
        return 0.0
    if time_unit is None:
        raise ValueError(
            "An annual discount rate needs the model's time unit: fit the model on a summary from "
            "rfm_summary (which records it) or build it with from_params(..., time_unit='W')."
        )
    return math.log1p(annual_discount_rate) * DAYS_PER_UNIT[check_time_unit(time_unit)] / DAYS_PER_YEAR


def with_time_unit(data: pd.DataFrame, time_unit: str) -> pd.DataFrame:
    """The same summary, declaring the time unit its durations (recency, T, periods) are measured in.

    pyclv's summaries carry their unit in ``DataFrame.attrs["time_unit"]``, which Parquet files keep and CSV files
    lose. A model fitted in a unit refuses data that do not declare it: read back from CSV, declare it here.
    Nothing is rescaled: the values must already be in ``time_unit``.

    Parameters
    ----------
    data : pandas.DataFrame
        A summary (one row per customer).
    time_unit : {"D", "W", "M", "Y"}
        The unit of its durations.

    Returns
    -------
    pandas.DataFrame
        A shallow copy of ``data`` (the columns are shared, not copied) with ``attrs["time_unit"]`` set;
        ``data`` itself is unchanged.

    Raises
    ------
    TypeError
        If ``data`` is not a DataFrame.
    ValueError
        If ``time_unit`` is not supported.

    Examples
    --------
    >>> import pyclv
    >>> summary = pyclv.datasets.load_cdnow_summary()  # in weeks
    >>> bgnbd = pyclv.BetaGeo().fit(summary)
    >>> from_csv = summary.copy()
    >>> from_csv.attrs = {}  # what a CSV round trip does
    >>> p = bgnbd.p_alive(pyclv.with_time_unit(from_csv, "W"))
    >>> round(float(p.iloc[0]), 3)
    0.727
    """
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"with_time_unit takes a pandas DataFrame; got {type(data).__name__}.")
    out = data.copy(deep=False)
    out.attrs["time_unit"] = check_time_unit(time_unit)
    return out
