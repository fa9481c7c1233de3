"""Transaction log -> RFM summary, the calibration/holdout split, and validation at the boundary."""

from __future__ import annotations

import datetime
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pyclv.data import Summary, calibration_holdout_split, rfm_summary, validate_summary
from pyclv.datasets import load_cdnow_summary, load_cdnow_transactions
from pyclv.exceptions import DataValidationError, PyCLVWarning

#: The classic summary file rounds weeks and dollars to two decimals.
ROUNDING = 0.005 + 1e-9


def _log(rows: list[tuple[Any, str, float]]) -> pd.DataFrame:
    """A small transaction log from (customer, date, amount) triples."""
    frame = pd.DataFrame(rows, columns=["customer_id", "date", "amount"])
    frame["date"] = pd.to_datetime(frame["date"])
    return frame


@pytest.fixture(scope="module")
def cdnow() -> pd.DataFrame:
    return load_cdnow_transactions(sample=True)


@pytest.fixture(scope="module")
def cdnow_calibration(cdnow: pd.DataFrame) -> pd.DataFrame:
    return cdnow[cdnow["date"] <= "1997-09-30"]


# ---------------------------------------------------------------------------------------------------------
# rfm_summary on CDNOW
# ---------------------------------------------------------------------------------------------------------


def test_rfm_summary_reproduces_the_classic_cdnow_summary(cdnow_calibration: pd.DataFrame) -> None:
    # Fader & Hardie's 39-week CDNOW sample summary (cdnow_customers_summary_with_transactions.csv, see
    # REFERENCES.md): x, t_x, T in weeks (days / 7) and zbar (mean repeat spend), all rounded to 2 decimals.
    summary = rfm_summary(
        cdnow_calibration,
        time_unit="W",
        observation_period_end="1997-09-30",
        monetary_value_col="amount",
    )
    reference = load_cdnow_summary()
    assert len(summary) == 2_357
    assert summary.index.equals(reference.index)
    assert summary.index.name == "customer_id"
    assert list(summary.columns) == ["frequency", "recency", "T", "monetary_value"]
    assert (summary.dtypes == np.float64).all()
    assert summary.attrs["time_unit"] == "W"
    np.testing.assert_array_equal(summary["frequency"], reference["frequency"])
    for column in ["recency", "T", "monetary_value"]:
        np.testing.assert_allclose(summary[column], reference[column], rtol=0, atol=ROUNDING, err_msg=column)
    # Customer 1 bought on 1997-01-01, 1997-01-18 and 1997-08-02 ($29.33, $29.73, $14.96): exact weeks.
    assert summary.loc[1, "recency"] == pytest.approx(213 / 7, abs=1e-12)
    assert summary.loc[1, "T"] == pytest.approx(272 / 7, abs=1e-12)
    assert summary.loc[1, "monetary_value"] == pytest.approx((29.73 + 14.96) / 2, abs=1e-12)


def test_rfm_summary_in_days_is_seven_times_weeks(cdnow_calibration: pd.DataFrame) -> None:
    kwargs: dict[str, Any] = {"observation_period_end": "1997-09-30", "monetary_value_col": "amount"}
    weeks = rfm_summary(cdnow_calibration, time_unit="W", **kwargs)
    days = rfm_summary(cdnow_calibration, time_unit="D", **kwargs)
    assert days.attrs["time_unit"] == "D"
    pd.testing.assert_series_equal(days["frequency"], weeks["frequency"])
    pd.testing.assert_series_equal(days["monetary_value"], weeks["monetary_value"])
    for column in ["recency", "T"]:
        np.testing.assert_allclose(days[column], 7 * weeks[column], rtol=1e-12)
        assert (days[column] == days[column].round()).all()  # whole days


def test_full_cdnow_cohort_accepts_zero_amounts() -> None:
    log = load_cdnow_transactions(sample=False)
    assert int((log["amount"] == 0).sum()) == 80
    summary = rfm_summary(log, monetary_value_col="amount", time_unit="W")
    assert len(summary) == 23_570
    assert summary.index.tolist() == list(range(1, 23_571))
    assert (summary["monetary_value"] >= 0).all()
    assert summary["T"].max() == pytest.approx((pd.Timestamp("1998-06-30") - pd.Timestamp("1997-01-01")).days / 7)


# ---------------------------------------------------------------------------------------------------------
# rfm_summary conventions on small logs
# ---------------------------------------------------------------------------------------------------------


def test_same_day_purchases_are_one_transaction() -> None:
    log = _log(
        [
            (1, "2020-01-01 09:00", 10.0),
            (1, "2020-01-01 18:30", 5.0),  # same day as the first purchase
            (1, "2020-01-05 08:00", 2.0),
            (1, "2020-01-05 23:59", 3.0),  # same day: one repeat transaction of 5.0
            (1, "2020-01-08 12:00", 11.0),
        ]
    )
    summary = rfm_summary(log, monetary_value_col="amount", observation_period_end="2020-01-11")
    assert summary.loc[1].tolist() == [2.0, 7.0, 10.0, (5.0 + 11.0) / 2]


def test_first_purchase_is_excluded_from_monetary_value() -> None:
    log = _log([(1, "2020-01-01", 1000.0), (1, "2020-01-02", 10.0), (1, "2020-01-03", 20.0), (2, "2020-01-02", 7.0)])
    summary = rfm_summary(log, monetary_value_col="amount")
    assert summary.loc[1, "monetary_value"] == 15.0
    assert summary.loc[2, "monetary_value"] == 0.0  # no repeat purchase
    assert summary.loc[2].tolist() == [0.0, 0.0, 1.0, 0.0]


def test_observation_period_end_defaults_to_last_transaction_and_output_is_sorted() -> None:
    log = _log([(3, "2020-01-04", 1.0), (1, "2020-01-01", 1.0), (2, "2020-01-10", 1.0), (1, "2020-01-03", 1.0)])
    summary = rfm_summary(log)
    assert summary.index.tolist() == [1, 2, 3]
    assert summary["T"].tolist() == [9.0, 0.0, 6.0]
    assert "monetary_value" not in summary.columns
    assert summary.attrs["time_unit"] == "D"


def test_weeks_are_fractional() -> None:
    log = _log([(1, "2020-01-01", 1.0), (1, "2020-01-04", 1.0)])
    summary = rfm_summary(log, observation_period_end="2020-01-11", time_unit="W")
    assert summary.loc[1, "recency"] == pytest.approx(3 / 7, abs=1e-15)
    assert summary.loc[1, "T"] == pytest.approx(10 / 7, abs=1e-15)


def test_string_customer_ids() -> None:
    log = _log([("b", "2020-01-01", 1.0), ("a", "2020-01-02", 2.0), ("b", "2020-01-03", 4.0)])
    log["customer_id"] = log["customer_id"].astype("string")
    summary = rfm_summary(log, customer_id_col="customer_id", monetary_value_col="amount")
    assert summary.index.tolist() == ["a", "b"]
    assert summary.loc["b"].tolist() == [1.0, 2.0, 2.0, 4.0]
    assert summary.loc["a"].tolist() == [0.0, 0.0, 1.0, 0.0]


def test_custom_column_names() -> None:
    log = _log([(1, "2020-01-01", 1.0), (1, "2020-01-03", 2.0)]).rename(
        columns={"customer_id": "cust", "date": "ts", "amount": "value"}
    )
    summary = rfm_summary(log, customer_id_col="cust", datetime_col="ts", monetary_value_col="value")
    assert summary.index.name == "cust"
    assert summary.loc[1].tolist() == [1.0, 2.0, 2.0, 2.0]


@pytest.mark.parametrize("unit", ["s", "ms", "us", "ns"])
def test_datetime64_of_any_resolution(unit: str) -> None:
    stamps = np.array(["2020-01-01T23:59:59", "2020-01-02T00:00:00", "2020-01-09T12:00:00"], dtype=f"M8[{unit}]")
    log = pd.DataFrame({"customer_id": [1, 1, 1], "date": stamps})
    assert log["date"].dtype == np.dtype(f"M8[{unit}]")
    assert rfm_summary(log).loc[1].tolist() == [2.0, 8.0, 8.0]


def test_dates_as_strings_are_iso_8601_unless_told_otherwise() -> None:
    log = pd.DataFrame(
        {"customer_id": [1, 1, 1], "date": ["2020-01-01", "2020-01-05 10:00", "01/09/2020"]},
        index=[7, 7, 8],  # duplicated labels
    )
    # 1 September or 9 January? pyclv refuses to guess, and says how to tell it.
    refusal = r"1 not readable as ISO 8601 .*\(e\.g\. '01/09/2020'\).*dayfirst=True"
    with pytest.raises(DataValidationError, match=refusal):
        rfm_summary(log)
    log["date"] = ["01/01/2020", "05/01/2020 10:00", "01/09/2020"]
    assert rfm_summary(log, dayfirst=True).loc[1].tolist() == [2.0, 244.0, 244.0]  # 1 Jan, 5 Jan, 1 Sep
    assert rfm_summary(log, dayfirst=False).loc[1].tolist() == [2.0, 121.0, 121.0]  # 1 Jan, 1 May, 9 Jan


def test_tz_aware_dates_count_on_their_local_day() -> None:
    # 23:30 in New York on 1 January is 04:30 UTC on 2 January: the purchase is dated 1 January.
    stamps = pd.to_datetime(["2020-01-01 08:00", "2020-01-01 23:30", "2020-01-03 00:15"]).tz_localize(
        "America/New_York"
    )
    log = pd.DataFrame({"customer_id": [1, 1, 1], "date": stamps})
    summary = rfm_summary(log, observation_period_end=pd.Timestamp("2020-01-05 23:00", tz="America/New_York"))
    assert summary.loc[1].tolist() == [1.0, 2.0, 4.0]


def test_tz_aware_strings() -> None:
    log = pd.DataFrame({"customer_id": [1, 1], "date": ["2020-01-01T23:30:00+02:00", "2020-01-02T00:30:00+02:00"]})
    assert rfm_summary(log).loc[1].tolist() == [1.0, 1.0, 1.0]


def test_strings_with_different_utc_offsets_count_on_their_own_local_day() -> None:
    # 23:30 at UTC+02:00 on 1 January and 00:30 at UTC-05:00 on 3 January: each is dated as written.
    log = pd.DataFrame({"customer_id": [1, 1], "date": ["2020-01-01T23:30+02:00", "2020-01-03T00:30-05:00"]})
    assert rfm_summary(log).loc[1].tolist() == [1.0, 2.0, 2.0]


def test_arrow_backed_columns() -> None:
    log = _log([(1, "2020-01-01", 1.0), (1, "2020-01-03", 3.0), (2, "2020-01-02", 2.0)])
    arrow = log.astype({"customer_id": "int64[pyarrow]", "date": "timestamp[us][pyarrow]", "amount": "double[pyarrow]"})
    summary = rfm_summary(arrow, monetary_value_col="amount")
    assert summary.index.dtype == arrow["customer_id"].dtype  # the ids keep their type
    pd.testing.assert_frame_equal(summary, rfm_summary(log, monetary_value_col="amount"), check_index_type=False)


def test_observation_period_end_accepts_dates_and_times() -> None:
    log = _log([(1, "2020-01-01", 1.0), (1, "2020-01-03", 1.0)])
    for end in [
        "2020-01-10",
        datetime.date(2020, 1, 10),
        datetime.datetime(2020, 1, 10, 23, 59),
        np.datetime64("2020-01-10T06:00"),
        pd.Timestamp("2020-01-10 12:00"),
    ]:
        assert rfm_summary(log, observation_period_end=end).loc[1, "T"] == 9.0


def test_transactions_after_the_end_are_excluded_with_a_warning() -> None:
    log = _log(
        [
            (1, "2020-01-01", 1.0),
            (1, "2020-01-05", 2.0),
            (1, "2020-01-20", 4.0),  # after the end
            (2, "2020-01-15", 8.0),  # after the end: customer 2 vanishes
            (2, "2020-01-16", 8.0),  # after the end
            (3, "2020-01-10", 3.0),
        ]
    )
    with pytest.warns(PyCLVWarning, match=r"3 transaction\(s\) dated after observation_period_end 2020-01-10") as rec:
        summary = rfm_summary(log, monetary_value_col="amount", observation_period_end="2020-01-10")
    assert "1 customer(s)" in str(rec[0].message)
    assert summary.index.tolist() == [1, 3]
    assert summary.loc[1].tolist() == [1.0, 4.0, 9.0, 2.0]


def test_no_warning_when_nothing_is_excluded(cdnow_calibration: pd.DataFrame) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rfm_summary(cdnow_calibration, observation_period_end="1997-09-30")
        rfm_summary(cdnow_calibration, observation_period_end="1998-01-01")


def test_unsupported_time_unit() -> None:
    with pytest.raises(ValueError, match="time_unit"):
        rfm_summary(_log([(1, "2020-01-01", 1.0)]), time_unit="H")


# ---------------------------------------------------------------------------------------------------------
# Validation of transaction logs
# ---------------------------------------------------------------------------------------------------------


def _count(n_rows: int) -> str:
    """How an error message counts the bad rows."""
    return "1 row" if n_rows == 1 else f"{n_rows:,} rows"


def _base() -> pd.DataFrame:
    return _log([(1, "2020-01-01", 1.0), (1, "2020-01-03", 2.0), (2, "2020-01-02", 3.0), (3, "2020-01-04", 4.0)])


def _set(column: str, values: list[Any], dtype: Any = object) -> Callable[[pd.DataFrame], pd.DataFrame]:
    def change(frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame.copy()
        frame[column] = pd.Series(values, index=frame.index, dtype=dtype)
        return frame

    return change


# (case id, change to the valid log, column, n_rows, words the message must contain)
TRANSACTION_ERRORS = [
    ("missing-ids", _set("customer_id", [1, None, np.nan, 3]), "customer_id", 2, ["2 rows", "missing customer id"]),
    (
        "mixed-id-types",
        _set("customer_id", [1, "1", 2, 3]),
        "customer_id",
        1,
        ["mixes customer ids", "type, int", "1 ('1')"],
    ),
    (
        "missing-and-unparseable-dates",
        _set("date", ["2020-01-01", None, "not a date", "2020-13-45"]),
        "date",
        3,
        ["1 missing", "2 not readable as ISO 8601 dates", "'not a date'"],
    ),
    ("int-dates", _set("date", [20200101, 20200103, 20200102, 20200104], "int64"), "date", 4, ["numbers", "format="]),
    ("object-int-dates", _set("date", [20200101, 20200103, 20200102, 20200104]), "date", 4, ["numbers"]),
    ("some-numeric-dates", _set("date", ["2020-01-01", 20200103, 1.5e9, "2020-01-04"]), "date", 2, ["2 rows"]),
    ("amount-not-numeric", _set("amount", [1.0, "$2", "three", 4.0]), "amount", 2, ["2 rows", "not numbers", "'$2'"]),
    ("amount-nan", _set("amount", [1.0, np.nan, 3.0, None]), "amount", 2, ["2 rows", "missing"]),
    ("amount-infinite", _set("amount", [1.0, np.inf, -np.inf, 4.0]), "amount", 2, ["2 rows", "infinite"]),
    ("amount-negative", _set("amount", [1.0, -2.0, 3.0, 4.0]), "amount", 1, ["1 row", "negative", "-2.0"]),
    ("amount-boolean", _set("amount", [True, False, True, True], bool), "amount", 4, ["booleans"]),
    ("amount-strings", _set("amount", ["1.5", "2", "x", "4"], "str"), "amount", 1, ["not a number", "'x'"]),
]


@pytest.mark.parametrize(
    ("change", "column", "n_rows", "words"),
    [case[1:] for case in TRANSACTION_ERRORS],
    ids=[case[0] for case in TRANSACTION_ERRORS],
)
def test_invalid_transactions(
    change: Callable[[pd.DataFrame], pd.DataFrame], column: str, n_rows: int, words: list[str]
) -> None:
    frame = change(_base())
    with pytest.raises(DataValidationError) as info:
        rfm_summary(frame, monetary_value_col="amount")
    error = info.value
    assert error.column == column
    assert error.n_rows == n_rows
    message = str(error)
    assert repr(column) in message
    assert _count(n_rows) in message
    for word in words:
        assert word in message


def test_error_shows_at_most_three_examples() -> None:
    frame = _base()
    frame = pd.concat([frame] * 5, ignore_index=True)
    frame.loc[[0, 4, 8, 12, 16], "amount"] = [-1.0, -5.0, -1.0, -3.0, -2.0]
    with pytest.raises(DataValidationError, match=r"5 rows") as info:
        rfm_summary(frame, monetary_value_col="amount")
    # the smallest distinct values, whatever their order in the log, as every engine shows them
    assert "(e.g. -5.0, -3.0, -2.0, ...)" in str(info.value)
    assert "-1.0" not in str(info.value)


def test_numeric_strings_are_valid_amounts() -> None:
    frame = _set("amount", ["1.5", "2", "3", "4.25"], "str")(_base())
    summary = rfm_summary(frame, monetary_value_col="amount")
    assert summary["monetary_value"].tolist() == [2.0, 0.0, 0.0]


def test_not_a_dataframe() -> None:
    with pytest.raises(DataValidationError, match="must be a pandas DataFrame") as info:
        rfm_summary([(1, "2020-01-01")])  # type: ignore[arg-type]
    assert info.value.column is None and info.value.n_rows is None


def test_missing_columns_lists_what_is_present() -> None:
    frame = _base().rename(columns={"date": "when"})
    with pytest.raises(DataValidationError) as info:
        rfm_summary(frame, monetary_value_col="value")
    error = info.value
    assert error.column == "date, value"
    assert error.n_rows is None
    assert "'date', 'value'" in str(error)
    assert "'customer_id', 'when', 'amount'" in str(error)


def test_empty_transactions() -> None:
    with pytest.raises(DataValidationError, match="empty") as info:
        rfm_summary(_base().iloc[:0])
    assert info.value.column == "customer_id" and info.value.n_rows == 0


@pytest.mark.parametrize(
    ("end", "words"),
    [("not a date", "is not a date"), (pd.NaT, "missing"), ("2019-12-31", "before the first transaction (2020-01-01)")],
)
def test_invalid_observation_period_end(end: Any, words: str) -> None:
    with pytest.raises(DataValidationError, match=r"observation_period_end") as info:
        rfm_summary(_base(), observation_period_end=end)
    assert words in str(info.value)
    assert info.value.column == "observation_period_end"


def test_end_on_first_transaction_day_is_valid() -> None:
    with pytest.warns(PyCLVWarning):
        summary = rfm_summary(_base(), observation_period_end="2020-01-01 08:00")
    assert summary.loc[1].tolist() == [0.0, 0.0, 0.0]


# ---------------------------------------------------------------------------------------------------------
# Property: any small log gives a consistent summary equal to a direct computation
# ---------------------------------------------------------------------------------------------------------


transactions_strategy = st.lists(
    st.tuples(
        st.sampled_from(["a", "b", "c", "d", "e"]),
        st.integers(min_value=0, max_value=60 * 24 * 40),  # minutes after 2020-01-01, over 40 days
        st.integers(min_value=0, max_value=500).map(lambda cents: cents / 100),
    ),
    min_size=1,
    max_size=40,
)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(rows=transactions_strategy, end_offset=st.integers(min_value=0, max_value=45))
def test_summary_properties(rows: list[tuple[str, int, float]], end_offset: int) -> None:
    start = pd.Timestamp("2020-01-01")
    log = pd.DataFrame(
        {
            "customer_id": [c for c, _, _ in rows],
            "date": [start + pd.Timedelta(minutes=m) for _, m, _ in rows],
            "amount": [a for _, _, a in rows],
        }
    )
    first_day = min(m for _, m, _ in rows) // (60 * 24)
    end_day = first_day + end_offset
    end = start + pd.Timedelta(days=end_day)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PyCLVWarning)
        summary = rfm_summary(log, monetary_value_col="amount", observation_period_end=end, time_unit="W")

    # A direct, loop-based computation of the same conventions.
    days: dict[str, dict[int, float]] = {}
    for customer, minute, amount in rows:
        day = minute // (60 * 24)
        if day <= end_day:
            days.setdefault(customer, {}).setdefault(day, 0.0)
            days[customer][day] += amount
    assert summary.index.tolist() == sorted(days)  # each customer seen by the end exactly once
    for customer, spend in days.items():
        ordered = sorted(spend)
        row = summary.loc[customer]
        assert row["frequency"] == len(ordered) - 1
        assert float(row["frequency"]).is_integer() and row["frequency"] >= 0
        assert row["recency"] == pytest.approx((ordered[-1] - ordered[0]) / 7, abs=1e-12)
        assert row["T"] == pytest.approx((end_day - ordered[0]) / 7, abs=1e-12)
        assert 0 <= row["recency"] <= row["T"]
        repeat = [spend[d] for d in ordered[1:]]
        assert row["monetary_value"] == pytest.approx(np.mean(repeat) if repeat else 0.0, abs=1e-9)
    validate_summary(summary, require_monetary=True)


# ---------------------------------------------------------------------------------------------------------
# calibration_holdout_split
# ---------------------------------------------------------------------------------------------------------


def test_calibration_holdout_split_on_cdnow(cdnow: pd.DataFrame, cdnow_calibration: pd.DataFrame) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the whole sample is the calibration cohort: nothing to warn about
        split = calibration_holdout_split(
            cdnow,
            calibration_period_end="1997-09-30",
            observation_period_end="1998-06-30",
            monetary_value_col="amount",
            time_unit="W",
        )
    assert len(split) == 2_357 and split.index.is_unique
    assert list(split.columns) == [
        "frequency",
        "recency",
        "T",
        "monetary_value",
        "frequency_holdout",
        "revenue_holdout",
        "duration_holdout",
    ]
    assert (split.dtypes == np.float64).all()
    assert split.attrs["time_unit"] == "W"
    calibration = rfm_summary(
        cdnow_calibration, observation_period_end="1997-09-30", monetary_value_col="amount", time_unit="W"
    )
    pd.testing.assert_frame_equal(split[calibration.columns], calibration)

    holdout = cdnow[cdnow["date"] > "1997-09-30"]
    assert split["frequency_holdout"].sum() == len(holdout.drop_duplicates(["customer_id", "date"]))
    assert split["revenue_holdout"].sum() == pytest.approx(holdout["amount"].sum(), rel=1e-12)
    np.testing.assert_allclose(split["duration_holdout"], 273 / 7, rtol=1e-15)  # 1997-09-30 to 1998-06-30
    per_customer = holdout.groupby("customer_id")["date"].nunique()
    expected = per_customer.reindex(split.index, fill_value=0).astype(float)
    np.testing.assert_array_equal(split["frequency_holdout"], expected)
    # Customer 1's one holdout purchase: 1997-12-12, $26.48 (CDNOW_sample.txt).
    assert split.loc[1, ["frequency_holdout", "revenue_holdout"]].tolist() == [1.0, 26.48]


def test_split_without_amounts_in_days(cdnow: pd.DataFrame) -> None:
    split = calibration_holdout_split(cdnow, calibration_period_end="1997-09-30")
    assert list(split.columns) == ["frequency", "recency", "T", "frequency_holdout", "duration_holdout"]
    assert (split["duration_holdout"] == 273.0).all()  # observation end defaults to the last transaction
    assert split.attrs["time_unit"] == "D"


def test_split_new_customers_and_late_transactions_warn() -> None:
    log = _log(
        [
            (1, "2020-01-01", 1.0),
            (1, "2020-01-05", 2.0),
            (1, "2020-01-12", 4.0),  # holdout
            (1, "2020-01-12", 1.0),  # holdout, same day
            (1, "2020-01-14", 8.0),  # holdout
            (1, "2020-02-01", 9.0),  # after the observation end
            (2, "2020-01-03", 5.0),  # no holdout activity
            (3, "2020-01-11", 6.0),  # first purchase in the holdout
            (4, "2020-01-13", 6.0),  # first purchase in the holdout
        ]
    )
    with pytest.warns(PyCLVWarning) as record:
        split = calibration_holdout_split(
            log,
            calibration_period_end="2020-01-10",
            observation_period_end="2020-01-20",
            monetary_value_col="amount",
        )
    messages = [str(w.message) for w in record]
    assert any("1 transaction(s) dated after observation_period_end 2020-01-20" in m for m in messages)
    assert any("2 customer(s) made their first purchase in the holdout" in m for m in messages)
    assert split.index.tolist() == [1, 2]
    assert split.loc[1].tolist() == [1.0, 4.0, 9.0, 2.0, 2.0, 13.0, 10.0]
    assert split.loc[2].tolist() == [0.0, 0.0, 7.0, 0.0, 0.0, 0.0, 10.0]


@pytest.mark.parametrize(
    ("calibration_end", "observation_end", "words"),
    [
        ("2020-01-04", "2020-01-04", "must be before observation_period_end"),
        ("2020-01-05", "2020-01-04", "must be before observation_period_end"),
        ("2019-12-31", "2020-01-04", "before the first transaction"),
        ("yesterday-ish", "2020-01-04", "is not a date"),
    ],
)
def test_split_invalid_periods(calibration_end: str, observation_end: str, words: str) -> None:
    with pytest.raises(DataValidationError, match="calibration_period_end") as info:
        calibration_holdout_split(
            _base(), calibration_period_end=calibration_end, observation_period_end=observation_end
        )
    assert words in str(info.value)
    assert info.value.column == "calibration_period_end"


def test_split_validates_like_rfm_summary() -> None:
    frame = _set("amount", [1.0, -1.0, -1.0, 4.0])(_base())
    with pytest.raises(DataValidationError) as info:
        calibration_holdout_split(frame, calibration_period_end="2020-01-02", monetary_value_col="amount")
    assert info.value.column == "amount" and info.value.n_rows == 2


# ---------------------------------------------------------------------------------------------------------
# validate_summary
# ---------------------------------------------------------------------------------------------------------


def _summary() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "frequency": [0.0, 2.0, 5.0, 1.0],
            "recency": [0.0, 3.5, 10.0, 0.0],  # frequency 1 with recency 0 is tolerated
            "T": [4.0, 8.0, 10.0, 2.0],
            "monetary_value": [0.0, 12.5, 3.0, 7.0],
        },
        index=pd.Index([10, 20, 30, 40], name="customer_id"),
    )


def test_validate_summary_returns_float_arrays_without_copying() -> None:
    data = _summary()
    checked = validate_summary(data)
    assert isinstance(checked, Summary)
    assert checked.monetary_value is None
    assert checked.index is data.index
    for name in ["frequency", "recency", "T"]:
        values = getattr(checked, name)
        assert values.dtype == np.float64
        np.testing.assert_array_equal(values, data[name].to_numpy())
        assert np.shares_memory(values, data[name].to_numpy())
    with_money = validate_summary(data, require_monetary=True)
    np.testing.assert_array_equal(with_money.monetary_value, [0.0, 12.5, 3.0, 7.0])


def test_validate_summary_converts_integers_and_renamed_columns() -> None:
    data = _summary().astype({"frequency": "int64"}).rename(columns={"frequency": "x", "recency": "t_x"})
    data["x"] = data["x"].astype("Int64")
    checked = validate_summary(data, columns=("x", "t_x", "T"))
    assert checked.frequency.dtype == np.float64
    np.testing.assert_array_equal(checked.frequency, [0.0, 2.0, 5.0, 1.0])


def test_validate_summary_accepts_the_bundled_summaries(cdnow_calibration: pd.DataFrame) -> None:
    validate_summary(load_cdnow_summary(), require_monetary=True)
    exact = rfm_summary(cdnow_calibration, observation_period_end="1997-09-30", time_unit="W")
    assert len(validate_summary(exact).T) == 2_357


def test_validate_summary_recency_tolerance() -> None:
    data = _summary()
    data.loc[30, "recency"] = 10.0 * (1 + 1e-10)  # rounding noise
    validate_summary(data)
    data.loc[30, "recency"] = 10.0 * (1 + 1e-8)
    with pytest.raises(DataValidationError, match="recency > T"):
        validate_summary(data)


def _put(column: str, position: int, value: Any) -> Callable[[pd.DataFrame], pd.DataFrame]:
    def change(frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame.copy()
        frame.iloc[position, frame.columns.get_loc(column)] = value
        return frame

    return change


def _two(column: str, value: float) -> Callable[[pd.DataFrame], pd.DataFrame]:
    def change(frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame.copy()
        frame.loc[[20, 30], column] = value
        return frame

    return change


# (case id, change to a valid summary, column, n_rows, words the message must contain)
SUMMARY_ERRORS = [
    ("nan", _two("T", np.nan), "T", 2, ["2 rows", "NaN", "20, 30"]),
    ("infinite", _put("recency", 1, np.inf), "recency", 1, ["1 row", "infinite", "20 (inf)"]),
    ("negative", _put("frequency", 2, -1.0), "frequency", 1, ["negative", "30 (-1.0)"]),
    ("negative-money", _put("monetary_value", 0, -5.0), "monetary_value", 1, ["negative", "10 (-5.0)"]),
    ("non-integer", _two("frequency", 1.5), "frequency", 2, ["non-integer", "20 (1.5)"]),
    ("recency-above-T", _put("recency", 1, 9.0), "recency", 1, ["recency > T", "20 (recency=9.0, T=8.0)"]),
    ("zero-frequency-recency", _put("recency", 0, 1.0), "recency", 1, ["frequency 0", "10 (1.0)"]),
    (
        "non-numeric",
        lambda frame: frame.astype({"T": str}),
        "T",
        4,
        ["must be numeric"],
    ),
]


@pytest.mark.parametrize(
    ("change", "column", "n_rows", "words"),
    [case[1:] for case in SUMMARY_ERRORS],
    ids=[case[0] for case in SUMMARY_ERRORS],
)
def test_validate_summary_errors(
    change: Callable[[pd.DataFrame], pd.DataFrame], column: str, n_rows: int, words: list[str]
) -> None:
    with pytest.raises(DataValidationError) as info:
        validate_summary(change(_summary()), require_monetary=True)
    error = info.value
    assert error.column == column
    assert error.n_rows == n_rows
    assert repr(column) in str(error)
    assert _count(n_rows) in str(error)
    for word in words:
        assert word in str(error)


def test_validate_summary_missing_columns_and_empty() -> None:
    with pytest.raises(DataValidationError, match="'monetary_value'") as info:
        validate_summary(_summary().drop(columns="monetary_value"), require_monetary=True)
    assert info.value.column == "monetary_value"
    assert "monetary_value_col" in str(info.value)
    validate_summary(_summary().drop(columns="monetary_value"))  # not required by default
    with pytest.raises(DataValidationError, match="no customers") as info:
        validate_summary(_summary().iloc[:0])
    assert info.value.n_rows == 0
    with pytest.raises(DataValidationError, match="DataFrame"):
        validate_summary(_summary().to_dict())  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="three names"):
        validate_summary(_summary(), columns=("frequency", "recency"))


@pytest.mark.parametrize("engine", ["pandas", "parquet"])
def test_spend_to_date_counts_every_purchase_up_to_the_end(engine: str, tmp_path: Path) -> None:
    log = load_cdnow_transactions()
    source: Any = log
    if engine == "parquet":
        log.to_parquet(tmp_path / "tx.parquet", index=False)
        source = tmp_path / "tx.parquet"
    with pytest.warns(PyCLVWarning, match="1,959 transaction"):  # the later rows are left out, and counted
        summary = rfm_summary(
            source, monetary_value_col="amount", observation_period_end="1997-09-30", spend_to_date=True
        )
    up_to_end = log[log["date"] <= "1997-09-30"]
    expected = up_to_end.groupby("customer_id")["amount"].sum()
    np.testing.assert_allclose(summary["spend_to_date"], expected.loc[summary.index], rtol=1e-13)
    # the first purchase is in spend to date, not in the repeat spend behind monetary_value
    first_day = up_to_end.groupby("customer_id")["date"].transform("min")
    first_spend = up_to_end[up_to_end["date"] == first_day].groupby("customer_id")["amount"].sum()
    repeat_spend = summary["monetary_value"] * summary["frequency"]
    np.testing.assert_allclose(summary["spend_to_date"] - repeat_spend, first_spend.loc[summary.index], atol=1e-9)
    split = calibration_holdout_split(
        source, calibration_period_end="1997-09-30", observation_period_end="1998-06-30",
        monetary_value_col="amount", spend_to_date=True,
    )
    pd.testing.assert_series_equal(split["spend_to_date"], summary["spend_to_date"])
    with pytest.raises(ValueError, match="needs the amounts"):
        rfm_summary(source, spend_to_date=True)
