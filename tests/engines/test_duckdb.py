"""The DuckDB engine gives the pandas path's summaries, errors and warnings for Parquet and CSV files."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from pyclv import data
from pyclv.datasets import load_cdnow_transactions
from pyclv.engines import duckdb as engine
from pyclv.exceptions import DataValidationError, PyCLVWarning

FORMATS = ("parquet", "csv")


def _write(frame: pd.DataFrame, path: Path) -> Path:
    if path.suffix == ".csv":
        frame.to_csv(path, index=False)
    else:
        frame.to_parquet(path, index=False)
    return path


def _run(function: Callable[..., pd.DataFrame], *args: Any, **kwargs: Any) -> tuple[pd.DataFrame, list[str]]:
    """The result and the messages of the PyCLVWarnings it issued."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = function(*args, **kwargs)
    assert all(issubclass(w.category, PyCLVWarning) for w in caught)
    return result, [str(w.message) for w in caught]


def _assert_same(expected: pd.DataFrame, actual: pd.DataFrame) -> None:
    """Same index (values, dtype, name), columns, attrs, and float values to a relative 1e-12."""
    pd.testing.assert_index_equal(actual.index, expected.index, exact=True)
    assert list(actual.columns) == list(expected.columns)
    assert (actual.dtypes == np.float64).all()
    assert actual.attrs == expected.attrs
    np.testing.assert_allclose(actual.to_numpy(), expected.to_numpy(), rtol=1e-12, atol=0)


@pytest.fixture(scope="module")
def cdnow() -> pd.DataFrame:
    return load_cdnow_transactions(sample=True)


@pytest.fixture(scope="module")
def cdnow_string_ids(cdnow: pd.DataFrame) -> pd.DataFrame:
    frame = cdnow.copy()
    frame["customer_id"] = "C" + frame["customer_id"].astype(str).str.zfill(5)
    return frame


@pytest.fixture(scope="module")
def files(
    cdnow: pd.DataFrame, cdnow_string_ids: pd.DataFrame, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("cdnow")
    paths = {}
    for fmt in FORMATS:
        paths[fmt] = _write(cdnow, folder / f"cdnow.{fmt}")
        paths[f"{fmt}-str"] = _write(cdnow_string_ids, folder / f"cdnow_str.{fmt}")
    return paths


# ---------------------------------------------------------------------------------------------------------
# The same results as the pandas path on CDNOW
# ---------------------------------------------------------------------------------------------------------

RFM_CASES = {
    # weeks, amounts, and 1,959 transactions after the end excluded with the warning
    "weeks-calibration": {"monetary_value_col": "amount", "observation_period_end": "1997-09-30", "time_unit": "W"},
    "days-whole-log": {"time_unit": "D"},
    # an end after the last transaction: T grows, no warning
    "late-end": {"monetary_value_col": "amount", "observation_period_end": "1998-12-31", "time_unit": "W"},
    # 1997-01-10: most customers' first purchase is later, so they vanish (counted in the warning)
    "early-end": {"monetary_value_col": "amount", "observation_period_end": "1997-01-10", "time_unit": "D"},
}


@pytest.mark.parametrize("case", sorted(RFM_CASES))
@pytest.mark.parametrize("fmt", FORMATS)
def test_rfm_summary_matches_pandas(cdnow: pd.DataFrame, files: dict[str, Path], fmt: str, case: str) -> None:
    kwargs = RFM_CASES[case]
    expected, expected_warnings = _run(data.rfm_summary, cdnow, **kwargs)
    actual, actual_warnings = _run(engine.rfm_summary, files[fmt], **kwargs)
    _assert_same(expected, actual)
    assert actual_warnings == expected_warnings
    if case == "weeks-calibration":
        assert len(actual) == 2_357
        assert actual_warnings == [
            ("1,959 transaction(s) dated after observation_period_end 1997-09-30 were excluded; 0 customer(s) "
            "whose first purchase is after that date are therefore not in the result.")
        ]
        # Fader & Hardie's customer 1: purchases on days 0, 17 and 213 of 272; weeks are exact (days / 7)
        assert actual.loc[1, "recency"] == 213 / 7 and actual.loc[1, "T"] == 272 / 7
    if case == "early-end":
        assert len(actual) < 2_357 and "customer(s) whose first purchase is after" in actual_warnings[0]


SPLIT_CASES = {
    "holdout-to-1998-03": {
        "calibration_period_end": "1997-09-30",
        "observation_period_end": "1998-03-31",
        "monetary_value_col": "amount",
        "time_unit": "W",
    },
    # CDNOW customers first buy until 1997-03-25: with a calibration end on 1997-02-15 1,128 of them buy first
    # in the holdout and are left out with a warning
    "new-customers-in-holdout": {"calibration_period_end": "1997-02-15", "monetary_value_col": "amount"},
    "no-amounts": {"calibration_period_end": "1997-06-30", "time_unit": "W"},
}


@pytest.mark.parametrize("case", sorted(SPLIT_CASES))
@pytest.mark.parametrize("fmt", FORMATS)
def test_calibration_holdout_split_matches_pandas(
    cdnow: pd.DataFrame, files: dict[str, Path], fmt: str, case: str
) -> None:
    kwargs = SPLIT_CASES[case]
    expected, expected_warnings = _run(data.calibration_holdout_split, cdnow, **kwargs)
    actual, actual_warnings = _run(engine.calibration_holdout_split, files[fmt], **kwargs)
    _assert_same(expected, actual)
    assert actual_warnings == expected_warnings
    if case == "new-customers-in-holdout":
        assert len(actual) == 2_357 - 1_128
        assert actual_warnings[0].startswith("1,128 customer(s) made their first purchase in the holdout period")


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    "kwargs",
    [
        {"monetary_value_col": "amount", "observation_period_end": "1997-09-30", "time_unit": "M"},
        {"time_unit": "W"},
    ],
    ids=["months-calibration", "weeks-whole-log"],
)
def test_discrete_summary_matches_pandas(
    cdnow: pd.DataFrame, files: dict[str, Path], fmt: str, kwargs: dict[str, Any]
) -> None:
    expected, expected_warnings = _run(data.discrete_summary, cdnow, **kwargs)
    actual, actual_warnings = _run(engine.discrete_summary, files[fmt], **kwargs)
    _assert_same(expected, actual)
    assert actual_warnings == expected_warnings
    assert any("incomplete period" in message for message in actual_warnings)


@pytest.mark.parametrize("fmt", FORMATS)
def test_string_ids_match_pandas(cdnow_string_ids: pd.DataFrame, files: dict[str, Path], fmt: str) -> None:
    kwargs = {"calibration_period_end": "1997-09-30", "monetary_value_col": "amount", "time_unit": "W"}
    expected, _ = _run(data.calibration_holdout_split, cdnow_string_ids, **kwargs)
    actual, _ = _run(engine.calibration_holdout_split, files[f"{fmt}-str"], **kwargs)
    _assert_same(expected, actual)
    assert actual.index[0] == "C00001" and actual.index.name == "customer_id"


def test_csv_ids_stay_strings_unless_all_are_canonical_integers(tmp_path: Path) -> None:
    # "007" and "7" would both be the number 7: they are two customers, so all ids are read as strings
    log = pd.DataFrame({"customer_id": ["007", "7", "7"], "date": ["2020-01-01", "2020-01-02", "2020-01-05"]})
    summary = engine.rfm_summary(_write(log, tmp_path / "tx.csv"))
    assert summary.index.tolist() == ["007", "7"]
    assert summary["frequency"].tolist() == [0.0, 1.0]


# ---------------------------------------------------------------------------------------------------------
# The conventions, checked by hand on a small log
# ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_conventions_on_a_small_log(tmp_path: Path, fmt: str) -> None:
    log = pd.DataFrame(
        {
            "customer_id": [1, 1, 1, 1, 2, 3],
            "date": pd.to_datetime(
                [
                    "2020-01-01 09:00",
                    "2020-01-01 18:30",
                    "2020-01-11 00:00",
                    "2020-01-25 00:00",
                    "2020-01-20 00:00",
                    "2020-02-10 00:00",
                ]
            ),
            "amount": [10.0, 5.0, 20.0, 30.0, 7.0, 1.0],
        }
    )
    summary, caught = _run(
        engine.rfm_summary,
        _write(log, tmp_path / f"tx.{fmt}"),
        monetary_value_col="amount",
        observation_period_end="2020-01-31",
        time_unit="W",
    )
    # customer 1: two purchases on day 0 are one transaction (15.0, the first, not in monetary_value);
    # repeat purchases on days 10 and 24; T = 30 days. Customer 3 buys only after the end.
    assert summary.index.tolist() == [1, 2]
    assert list(summary.loc[1]) == [2.0, 24 / 7, 30 / 7, 25.0]
    assert list(summary.loc[2]) == [0.0, 0.0, 11 / 7, 0.0]
    assert caught == [
        ("1 transaction(s) dated after observation_period_end 2020-01-31 were excluded; 1 customer(s) whose "
        "first purchase is after that date are therefore not in the result.")
    ]


def test_time_zone_aware_dates_count_on_their_local_day(tmp_path: Path) -> None:
    stamps = pd.to_datetime(["2020-01-01 23:30", "2020-01-02 00:30", "2020-01-05 12:00"]).tz_localize("Asia/Tokyo")
    log = pd.DataFrame({"customer_id": [1, 1, 1], "date": stamps})
    expected = data.rfm_summary(log)
    actual = engine.rfm_summary(_write(log, tmp_path / "tx.parquet"))
    _assert_same(expected, actual)
    assert actual.loc[1, "frequency"] == 2.0  # in UTC the first two would fall on one day


def test_glob_and_dispatch_from_pyclv_data(cdnow: pd.DataFrame, tmp_path: Path) -> None:
    # the log in three Parquet files: the public functions take a path or glob and use the engine
    for part, rows in enumerate(np.array_split(np.arange(len(cdnow)), 3)):
        cdnow.iloc[rows].to_parquet(tmp_path / f"part-{part}.parquet")
    kwargs = {"monetary_value_col": "amount", "observation_period_end": "1997-09-30", "time_unit": "W"}
    expected = _run(data.rfm_summary, cdnow, **kwargs)[0]
    with pytest.warns(PyCLVWarning, match="1,959 transaction") as caught:
        actual = data.rfm_summary(str(tmp_path / "*.parquet"), **kwargs)
    assert caught[0].filename == __file__  # the warning points at the user's call
    _assert_same(expected, actual)
    split = _run(data.calibration_holdout_split, tmp_path / "part-*.parquet", calibration_period_end="1997-09-30")[0]
    _assert_same(_run(data.calibration_holdout_split, cdnow, calibration_period_end="1997-09-30")[0], split)
    discrete = _run(data.discrete_summary, tmp_path / "part-*.parquet", time_unit="M")[0]
    _assert_same(_run(data.discrete_summary, cdnow, time_unit="M")[0], discrete)


# ---------------------------------------------------------------------------------------------------------
# Validation, counted in SQL
# ---------------------------------------------------------------------------------------------------------


def _base() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": [1, 1, 2, 3, 3],
            "date": ["2020-01-01", "2020-01-05", "2020-01-03", "2020-01-02", "2020-01-09"],
            "amount": [10.0, 20.0, 5.0, 7.5, 2.5],
        }
    )


def _with(column: str, positions: list[int], value: Any) -> pd.DataFrame:
    frame = _base()
    if column == "amount" and isinstance(value, str):
        frame[column] = frame[column].astype(object)
    if column == "customer_id":
        frame[column] = frame[column].astype("Int64")  # nullable, to hold missing ids
    for position in positions:
        frame.loc[position, column] = value
    return frame


BAD_LOGS = {
    "missing-ids": (_with("customer_id", [1, 3], pd.NA), "customer_id", 2),
    "missing-dates": (_with("date", [0], None), "date", 1),
    "unparseable-dates": (_with("date", [2, 4], "not a date"), "date", 2),
    "nan-amounts": (_with("amount", [4], np.nan), "amount", 1),
    "infinite-amounts": (_with("amount", [0, 1], np.inf), "amount", 2),
    "negative-amounts": (_with("amount", [3], -2.0), "amount", 1),
}


@pytest.mark.parametrize("case", sorted(BAD_LOGS))
@pytest.mark.parametrize("fmt", FORMATS)
def test_bad_rows_are_counted_like_pandas(tmp_path: Path, fmt: str, case: str) -> None:
    frame, column, n_rows = BAD_LOGS[case]
    with pytest.raises(DataValidationError) as expected:
        data.rfm_summary(frame, monetary_value_col="amount")
    with pytest.raises(DataValidationError) as actual:
        engine.rfm_summary(_write(frame, tmp_path / f"tx.{fmt}"), monetary_value_col="amount")
    assert (actual.value.column, actual.value.n_rows) == (expected.value.column, expected.value.n_rows)
    assert (actual.value.column, actual.value.n_rows) == (column, n_rows)
    assert repr(column) in str(actual.value)
    assert str(actual.value) == str(expected.value)  # the same message, examples included


def test_text_amounts_in_csv(tmp_path: Path) -> None:
    frame = _with("amount", [1, 2], "$20")
    with pytest.raises(DataValidationError, match="2 rows that are not numbers") as info:
        engine.rfm_summary(_write(frame, tmp_path / "tx.csv"), monetary_value_col="amount")
    assert (info.value.column, info.value.n_rows) == ("amount", 2)


def test_missing_columns_are_named(tmp_path: Path) -> None:
    path = _write(_base().rename(columns={"date": "when"}), tmp_path / "tx.parquet")
    with pytest.raises(DataValidationError, match="missing the column.*'date', 'value'.*'when'") as info:
        engine.rfm_summary(path, monetary_value_col="value")
    assert info.value.column == "date, value"


def test_numbers_are_not_dates_unless_a_format_says_so(tmp_path: Path) -> None:
    frame = _base().assign(date=[20200101, 20200105, 20200103, 20200102, 20200109])
    path = _write(frame, tmp_path / "tx.parquet")
    with pytest.raises(DataValidationError, match="holds numbers, not dates, in 5 rows") as info:
        engine.rfm_summary(path)
    assert (info.value.column, info.value.n_rows) == ("date", 5)
    expected = data.rfm_summary(_base())
    _assert_same(expected, engine.rfm_summary(path, date_format="%Y%m%d"))


def test_empty_file_and_bad_periods(tmp_path: Path) -> None:
    path = _write(_base(), tmp_path / "tx.parquet")
    with pytest.raises(DataValidationError, match="empty") as info:
        engine.rfm_summary(_write(_base().iloc[:0], tmp_path / "empty.parquet"))
    assert info.value.n_rows == 0
    with pytest.raises(DataValidationError, match="before the first transaction"):
        engine.rfm_summary(path, observation_period_end="2019-12-31")
    with pytest.raises(DataValidationError, match="must be before observation_period_end"):
        engine.calibration_holdout_split(path, calibration_period_end="2020-01-09")
    with pytest.raises(DataValidationError, match="calibration period is empty"):
        engine.calibration_holdout_split(path, calibration_period_end="2019-06-30")


def test_files_that_cannot_be_found_or_typed(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        engine.rfm_summary(tmp_path / "nothing-*.parquet")
    with pytest.raises(ValueError, match="file_format"):
        engine.rfm_summary(_write(_base(), tmp_path / "tx.parquet").rename(tmp_path / "tx.data"))
    summary = engine.rfm_summary(tmp_path / "tx.data", file_format="parquet")
    assert summary["frequency"].tolist() == [1.0, 0.0, 1.0]


def test_column_names_are_quoted(tmp_path: Path) -> None:
    # identifiers with quotes and spaces are passed to SQL quoted, never spliced in raw
    frame = _base().rename(columns={"customer_id": 'client "id"', "amount": "net amount; DROP"})
    expected = data.rfm_summary(frame, customer_id_col='client "id"', monetary_value_col="net amount; DROP")
    path = _write(frame, tmp_path / "it's here.parquet")
    actual = engine.rfm_summary(path, customer_id_col='client "id"', monetary_value_col="net amount; DROP")
    _assert_same(expected, actual)
