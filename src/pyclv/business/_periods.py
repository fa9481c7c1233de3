"""Calendar periods of the cohort tables: pandas period ordinals of day numbers, and each customer's cohort."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pyclv.engines.pandas import DailyLog, run_starts

#: The calendar periods a cohort can be cut into, as pandas period frequencies.
PERIODS: dict[str, str] = {"W": "W-SUN", "M": "M", "Q": "Q-DEC", "Y": "Y-DEC"}


_EPOCH = np.datetime64(0, "D")


def _check_period(period: str) -> str:
    if period not in PERIODS:
        supported = ", ".join(repr(p) for p in PERIODS)
        raise ValueError(
            f"period must be one of {supported} (weeks Monday-Sunday, months, quarters, years); got {period!r}."
        )
    return PERIODS[period]


def _ordinals(days: np.ndarray, freq: str) -> np.ndarray:
    """Pandas period ordinals (consecutive periods have consecutive ordinals) of day numbers."""
    stamps = pd.DatetimeIndex(np.asarray(days, dtype=np.int64).astype("datetime64[D]"))
    return np.asarray(stamps.to_period(freq).asi8, dtype=np.int64)


def _periods(ordinals: np.ndarray, freq: str, name: str) -> pd.PeriodIndex:
    periods = pd.PeriodIndex.from_ordinals(np.asarray(ordinals, dtype=np.int64), freq=freq)  # type: ignore[attr-defined]
    return periods.rename(name)


def _last_days(ordinals: np.ndarray, freq: str) -> np.ndarray:
    """Day number of the last day of each period."""
    starts = _periods(np.asarray(ordinals) + 1, freq, "period").start_time
    return (starts.to_numpy().astype("datetime64[D]") - _EPOCH).astype(np.int64) - 1


def _last_complete(end_day: int, freq: str) -> int:
    """Ordinal of the last calendar period that is complete on ``end_day`` (the day after it starts a new one)."""
    return int(_ordinals(np.array([end_day + 1]), freq)[0]) - 1


@dataclass(frozen=True)
class _Cohorts:
    """The daily log with each row's period ordinal and each customer's cohort ordinal."""

    ordinal: np.ndarray  # per daily row
    cohort: np.ndarray  # per customer code
    last: int  # last complete period
    incomplete: bool  # is the period holding the observation end incomplete?


def _cohorts(daily: DailyLog, freq: str) -> _Cohorts:
    ordinal = _ordinals(daily.day, freq)
    starts = run_starts(daily.customer)  # rows are sorted by customer then day; every code has a row
    last = _last_complete(daily.end_day, freq)
    incomplete = int(_ordinals(np.array([daily.end_day]), freq)[0]) > last
    return _Cohorts(ordinal=ordinal, cohort=ordinal[starts], last=last, incomplete=incomplete)
