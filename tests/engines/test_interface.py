"""Every engine answers the interface of pyclv.engines._base the same way: profiles, totals, periods.

The shared layer (pyclv._validation, pyclv._summaries) trusts these answers, so an engine that computes them
differently would change summaries or messages for its users only. Each test runs every engine on one log.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from pyclv import _validation as v
from pyclv.datasets import load_cdnow_transactions
from pyclv.engines import TransactionLog
from pyclv.engines import duckdb as duckdb_engine
from pyclv.engines import pandas as pandas_engine
from pyclv.exceptions import DataValidationError

COLUMNS = v.LogColumns("customer_id", "date", "amount")
ENGINES = ("pandas", "parquet", "csv")

#: 1997-09-30 and 1998-06-30 as day numbers (days since 1970-01-01).
CALIBRATION_DAY, END_DAY = 10134, 10407


@contextmanager
def _opened(engine: str, frame: pd.DataFrame, folder: Path, columns: v.LogColumns = COLUMNS) -> Iterator[Any]:
    """The log ``frame`` opened by ``engine`` (DuckDB engines read it from a file)."""
    if engine == "pandas":
        with nullcontext(pandas_engine.open_log(frame, columns)) as log:
            yield log
        return
    path = folder / f"tx.{engine}"
    if engine == "csv":
        frame.to_csv(path, index=False)
    else:
        frame.to_parquet(path, index=False)
    with duckdb_engine.open_log(path, columns) as log:
        yield log


@pytest.fixture(scope="module")
def cdnow() -> pd.DataFrame:
    return load_cdnow_transactions(sample=True)


def _profiled(log: TransactionLog) -> v.LogProfile:
    profile = log.profile()
    assert v.check_log(profile, log.columns) == (profile.first_day, profile.last_day)
    return profile


@pytest.mark.parametrize("engine", ENGINES)
def test_customer_totals_are_the_same_integers(engine: str, cdnow: pd.DataFrame, tmp_path: Path) -> None:
    with _opened("pandas", cdnow, tmp_path) as reference:
        _profiled(reference)
        expected = reference.customer_totals(END_DAY, CALIBRATION_DAY)
    with _opened(engine, cdnow, tmp_path) as log:
        profile = _profiled(log)
        actual = log.customer_totals(END_DAY, CALIBRATION_DAY)
        plain = log.customer_totals(CALIBRATION_DAY)
    assert (profile.n_rows, profile.first_day, profile.last_day) == (len(cdnow), 9862, 10407)
    assert np.array_equal(actual.ids.to_numpy(), expected.ids.to_numpy())
    for name in ("n_days", "first_day", "n_holdout"):
        np.testing.assert_array_equal(getattr(actual, name), getattr(expected, name), err_msg=name)
    cohort = actual.first_day <= CALIBRATION_DAY  # the last calibration day is defined for the cohort only
    np.testing.assert_array_equal(actual.last_day[cohort], expected.last_day[cohort])
    for name in ("repeat_total", "revenue_holdout"):  # sums in one canonical order: the same bits
        np.testing.assert_array_equal(getattr(actual, name), getattr(expected, name), err_msg=name)
    # without a split, the totals up to the calibration day are the split's calibration side, for the cohort
    assert plain.n_holdout is None and plain.revenue_holdout is None
    np.testing.assert_array_equal(plain.n_days, actual.n_days[cohort])
    # every purchase day up to the end is on one side of the cut
    daily = cdnow[cdnow["date"] <= "1998-06-30"].groupby(["customer_id", "date"]).size()
    assert int(actual.n_days.sum() + actual.n_holdout.sum()) == len(daily)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("length", [1.0, 7.0, 365.25 / 12])
def test_period_totals_are_the_same(engine: str, length: float, cdnow: pd.DataFrame, tmp_path: Path) -> None:
    with _opened("pandas", cdnow, tmp_path) as reference:
        _profiled(reference)
        expected = reference.period_totals(CALIBRATION_DAY, length)
    with _opened(engine, cdnow, tmp_path) as log:
        _profiled(log)
        actual = log.period_totals(CALIBRATION_DAY, length)
    for name in ("frequency", "recency", "n_periods"):
        np.testing.assert_array_equal(getattr(actual, name), getattr(expected, name), err_msg=name)
    np.testing.assert_array_equal(actual.spend, expected.spend)
    assert actual.n_incomplete == expected.n_incomplete
    assert (actual.n_incomplete > 0) == (length > 1.0)  # whole days are never incomplete
    assert (actual.frequency <= actual.n_periods).all() and (actual.recency <= actual.n_periods).all()


@pytest.mark.parametrize("engine", ENGINES)
def test_count_after_the_end(engine: str, cdnow: pd.DataFrame, tmp_path: Path) -> None:
    late = cdnow["date"] > "1997-09-30"
    first = cdnow.groupby("customer_id")["date"].min()
    with _opened(engine, cdnow, tmp_path) as log:
        _profiled(log)
        assert log.count_after(CALIBRATION_DAY) == (int(late.sum()), int((first > "1997-09-30").sum()))
        assert log.count_after(END_DAY) == (0, 0)


def _with(frame: pd.DataFrame, column: str, rows: list[int], value: Any) -> pd.DataFrame:
    frame = frame.copy()
    if column == "customer_id":
        frame[column] = frame[column].astype("Int64")
    elif isinstance(value, str) or value is None:
        frame[column] = frame[column].astype(object)
    frame.loc[rows, column] = value
    return frame


#: A bad log, the profile field the engines must count, the column the error names, and how many rows.
BAD_LOGS: dict[str, tuple[Callable[[pd.DataFrame], pd.DataFrame], str, str, int]] = {
    "missing-ids": (lambda f: _with(f, "customer_id", [3, 5], pd.NA), "missing_ids", "customer_id", 2),
    "missing-dates": (lambda f: _with(f, "date", [0, 1, 2], None), "missing_dates", "date", 3),
    "unparseable-dates": (lambda f: _with(f, "date", [4], "New Year's Eve"), "unparseable_dates", "date", 1),
    "text-amounts": (lambda f: _with(f, "amount", [7, 8], "$12.00"), "not_numbers", "amount", 2),
    "negative-amounts": (lambda f: _with(f, "amount", [9], -1.0), "negative_amounts", "amount", 1),
}


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("case", sorted(BAD_LOGS))
def test_profiles_count_the_same_bad_rows(engine: str, case: str, tmp_path: Path) -> None:
    base = pd.DataFrame(
        {
            "customer_id": np.arange(12) % 4,
            "date": [f"1997-01-{day:02d}" for day in range(1, 13)],
            "amount": np.linspace(1.0, 12.0, 12),
        }
    )
    change, field, column, n = BAD_LOGS[case]
    frame = change(base)
    if engine == "parquet" and case == "text-amounts":
        pytest.skip("Parquet keeps the column's type: text amounts are a CSV's problem")
    with _opened(engine, frame, tmp_path) as log:
        profile = log.profile()
        assert getattr(profile, field).n == n
        with pytest.raises(DataValidationError) as error:
            v.check_log(profile, log.columns)
    assert (error.value.column, error.value.n_rows) == (column, n)
    assert f"Column {column!r} has {v.rows(n)}" in str(error.value)


def _busy_days(seed: int) -> pd.DataFrame:
    """Amounts of every magnitude, many purchases per day: sums whose last bits depend on their order."""
    rng = np.random.default_rng(seed)
    n = 60_000
    return pd.DataFrame(
        {
            "customer_id": rng.integers(0, 500, n),
            "date": pd.Timestamp("1997-01-01") + pd.to_timedelta(rng.integers(0, 90, n), unit="D"),
            "amount": rng.lognormal(0.0, 3.0, n) * rng.choice([1e-3, 1.0, 1e4], n),
        }
    )


@pytest.mark.parametrize("threads", [1, 2, 3, 8])
def test_sums_are_the_same_bits_whatever_the_threads_and_the_row_order(threads: int, tmp_path: Path) -> None:
    # A user's reruns differed in the last bit of monetary_value: DuckDB's parallel sum changed its order.
    # Every engine now sums amounts exactly, as fixed-point integers (pyclv._fixed_point).
    frame = _busy_days(3)
    shuffled = frame.sample(frac=1.0, random_state=threads).reset_index(drop=True)
    shuffled.to_parquet(tmp_path / "tx.parquet", index=False, row_group_size=4096)
    with _opened("pandas", frame, tmp_path) as reference:
        _profiled(reference)
        expected = reference.customer_totals(10000, 9900)
        periods = reference.period_totals(10000, 7.0)
    with duckdb_engine.open_log(tmp_path / "tx.parquet", COLUMNS, threads=threads) as log:
        _profiled(log)
        actual = log.customer_totals(10000, 9900)
        actual_periods = log.period_totals(10000, 7.0)
    with _opened("pandas", shuffled, tmp_path) as reordered:
        _profiled(reordered)
        again = reordered.customer_totals(10000, 9900)
    for name in ("repeat_total", "revenue_holdout"):
        np.testing.assert_array_equal(getattr(actual, name), getattr(expected, name), err_msg=name)
        np.testing.assert_array_equal(getattr(again, name), getattr(expected, name), err_msg=name)
    np.testing.assert_array_equal(actual_periods.spend, periods.spend)
    # and the totals are the exact sums, rounded: within an ulp of the true sum, whatever the order of the terms
    one = frame[(frame["customer_id"] == expected.ids[0]) & (frame["date"] <= "1997-02-08")]  # day 9900
    repeat = one.loc[one["date"] > one["date"].min(), "amount"]
    exact = sum((Fraction(float(np.rint(a * 2.0**60))) / 2**60 for a in repeat), Fraction(0))
    assert expected.repeat_total is not None
    assert abs(expected.repeat_total[0] - float(exact)) <= np.spacing(float(exact))
