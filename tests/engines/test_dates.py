"""One table of date columns, run through every engine: the same days, or the same refusal with the same message.

A user found that pandas read ``01/09/1997`` as 1 September while DuckDB refused it and ``01/02/2025`` became 2
January on the command line. Dates are now read by one grammar (pyclv._dates): ISO 8601, or day-first /
month-first when asked, or an explicit strptime format; anything else is refused, never guessed.
"""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from pyclv import _validation as v
from pyclv import data
from pyclv._dates import FIRST_DAY, LAST_DAY, string_days
from pyclv.engines import duckdb as duckdb_engine
from pyclv.exceptions import DataValidationError

ENGINES = ("pandas", "parquet", "csv")

#: The days of the three purchases in most cases.
DAYS = ["1997-01-01", "1997-01-05", "1997-09-30"]

#: name: (date strings of customer 1's three purchases, the rule, the days read or the words of the refusal).
CASES: dict[str, tuple[list[Any], dict[str, Any], list[str] | str]] = {
    "iso": (["1997-01-01", "1997-01-05", "1997-09-30"], {}, DAYS),
    "iso-times-and-offsets": (
        ["1997-01-01T23:30", "1997-01-05 00:15:09.123", "1997-09-30T23:59:59+02:00"],
        {},
        DAYS,
    ),
    "iso-with-blanks": ([" 1997-01-01", "1997-01-05\t", "1997-09-30"], {}, DAYS),
    "day-first-refused-by-default": (["01/01/1997", "05/01/1997", "30/09/1997"], {}, "3 not readable as ISO 8601"),
    "iso-basic-refused": (["19970101", "19970105", "1997-09-30"], {}, "2 not readable as ISO 8601"),
    "unpadded-iso-refused": (["1997-1-1", "1997-01-05", "1997-09-30"], {}, "'1997-1-1'"),
    "impossible-day": (["1997-02-30", "1997-01-05", "1997-09-30"], {}, "'1997-02-30'"),
    "impossible-time": (["1997-01-01T24:00", "1997-01-05", "1997-09-30"], {}, "'1997-01-01T24:00'"),
    "placeholder-year": (["0001-01-01", "1997-01-05", "9999-12-31"], {}, "'0001-01-01', '9999-12-31'"),
    "day-first": (["01/01/1997", "5.1.1997", "30-09-1997 10:00"], {"dayfirst": True}, DAYS),
    "month-first": (["01/01/1997", "1/5/1997", "09/30/1997"], {"dayfirst": False}, DAYS),
    "day-first-mixed-separators": (["01/01-1997", "05/01/1997", "30/09/1997"], {"dayfirst": True}, "'01/01-1997'"),
    "day-first-impossible": (["31/02/1997", "05/01/1997", "30/09/1997"], {"dayfirst": True}, "as DD/MM/YYYY"),
    "day-first-refuses-iso": (["1997-01-01", "05/01/1997", "30/09/1997"], {"dayfirst": True}, "'1997-01-01'"),
    "format": (["01.01.97", "05.01.97", "30.09.97"], {"date_format": "%d.%m.%y"}, DAYS),
    "format-compact": (["19970101", "19970105", "19970930"], {"date_format": "%Y%m%d"}, DAYS),
    "format-mismatch": (
        ["1997-01-01", "05/01/1997", "19970930"],
        {"date_format": "%Y%m%d"},
        "2 not readable as dates in the format '%Y%m%d'",
    ),
}


def _write(frame: pd.DataFrame, path: Path) -> str:
    if path.suffix == ".csv":
        frame.to_csv(path, index=False)
    else:
        frame.to_parquet(path, index=False)
    return str(path)


def _summarise(engine: str, frame: pd.DataFrame, folder: Path, **kwargs: Any) -> pd.DataFrame:
    if engine == "pandas":
        return data.rfm_summary(frame, **kwargs)
    return duckdb_engine.rfm_summary(_write(frame, folder / f"tx.{engine}"), **kwargs)


def _log(dates: list[Any]) -> pd.DataFrame:
    return pd.DataFrame({"customer_id": [1, 1, 1], "date": pd.Series(dates, dtype=object)})


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("case", sorted(CASES))
def test_every_engine_reads_the_same_dates(engine: str, case: str, tmp_path: Path) -> None:
    dates, rule, expected = CASES[case]
    frame = _log(dates)
    if isinstance(expected, str):
        with pytest.raises(DataValidationError) as error:
            _summarise(engine, frame, tmp_path, **rule)
        assert expected in str(error.value)
        assert error.value.column == "date"
        with pytest.raises(DataValidationError) as reference:
            data.rfm_summary(frame, **rule)
        assert str(error.value) == str(reference.value)  # the same message from every engine
        return
    first, second, last = (datetime.date.fromisoformat(day) for day in expected)
    summary = _summarise(engine, frame, tmp_path, **rule)
    assert summary.loc[1].tolist() == [2.0, (last - first).days, (last - first).days]
    assert summary.loc[1, "T"] == (last - first).days and second > first


@pytest.mark.parametrize("engine", ENGINES)
def test_the_end_of_the_period_is_read_by_the_same_rule(engine: str, tmp_path: Path) -> None:
    frame = _log(["01/01/1997", "05/01/1997", "30/09/1997"])
    # the user's own example: 01/02/2025 is 1 February with dayfirst, and refused without a rule
    ends = {"1997-10-31": 303.0, "31/10/1997": 303.0}
    for end, T in ends.items():
        summary = _summarise(engine, frame, tmp_path, dayfirst=True, observation_period_end=end)
        assert summary.loc[1, "T"] == T
    with pytest.raises(DataValidationError, match=r"observation_period_end '10/31/1997' is not a date"):
        _summarise(engine, frame, tmp_path, dayfirst=True, observation_period_end="10/31/1997")
    iso = _log(["1997-01-01", "1997-01-05", "1997-09-30"])
    with pytest.raises(DataValidationError, match=r"'01/10/1997' is not a date: pyclv reads ISO 8601 dates"):
        _summarise(engine, iso, tmp_path, observation_period_end="01/10/1997")


def test_a_rule_needs_one_way_of_reading() -> None:
    with pytest.raises(ValueError, match="either date_format or dayfirst"):
        v.DateRule("%d/%m/%Y", True)
    with pytest.raises(ValueError, match="strptime format"):
        v.DateRule("dd/mm/yyyy")


def test_messages_name_the_flags_of_a_command_line() -> None:
    frame = _log(["01/01/1997", "05/01/1997", "30/09/1997"])
    flags = {"dayfirst=True": "--dayfirst", "dayfirst=False": "--monthfirst", "date_format": "--date-format"}
    with v.argument_names(flags), pytest.raises(DataValidationError) as error:
        data.rfm_summary(frame)
    assert "pass --dayfirst (day first) or --monthfirst (month first)" in str(error.value)
    assert "--date-format '%Y%m%d'" in str(error.value) and "dayfirst=" not in str(error.value)


@pytest.mark.parametrize("engine", ENGINES)
def test_typed_dates_count_on_their_local_day(engine: str, tmp_path: Path) -> None:
    # 23:30 in New York on 1 January is 04:30 UTC on 2 January: the purchase is dated 1 January, in a DataFrame
    # and in Parquet alike (a CSV holds the text with its offset, read as written).
    stamps = pd.to_datetime(["1997-01-01 08:00", "1997-01-01 23:30", "1997-01-03 00:15"]).tz_localize(
        "America/New_York"
    )
    frame = pd.DataFrame({"customer_id": [1, 1, 1], "date": stamps})
    summary = _summarise(engine, frame, tmp_path)
    assert summary.loc[1].tolist() == [1.0, 2.0, 2.0]


@pytest.mark.parametrize("unit", ["s", "ms", "us", "ns"])
@pytest.mark.parametrize(
    "zone",
    ["UTC", "Europe/Paris", "America/New_York", datetime.timezone(datetime.timedelta(hours=2)),
     datetime.timezone(-datetime.timedelta(hours=5, minutes=30))],
    ids=str,
)
def test_parquet_keeps_the_local_day_of_any_zone_and_resolution(zone: Any, unit: str, tmp_path: Path) -> None:
    # a user found tz-aware timestamps accepted in a DataFrame and refused in Parquet (nanoseconds, fixed offsets)
    utc = pd.to_datetime(["1997-01-01 08:00", "1997-01-01 23:30", "1997-01-03 00:15", "1997-01-04 03:00"])
    stamps = utc.tz_localize("UTC").tz_convert(zone).as_unit(unit)
    frame = pd.DataFrame({"customer_id": [1, 1, 1, 1], "date": stamps})
    expected = data.rfm_summary(frame)
    local_days = stamps.tz_localize(None).normalize().unique()
    assert expected.loc[1, "frequency"] == len(local_days) - 1
    pd.testing.assert_frame_equal(_summarise("parquet", frame, tmp_path), expected)


@pytest.mark.parametrize("engine", ENGINES)
def test_integers_are_dates_only_with_a_format(engine: str, tmp_path: Path) -> None:
    frame = pd.DataFrame({"customer_id": [1, 1], "date": [19970101, 19970105]})
    refusal = "not readable as ISO 8601" if engine == "csv" else "holds numbers, not dates, in 2 rows"  # CSV is text
    with pytest.raises(DataValidationError, match=refusal):
        _summarise(engine, frame, tmp_path)
    assert _summarise(engine, frame, tmp_path, date_format="%Y%m%d").loc[1].tolist() == [1.0, 4.0, 4.0]


@pytest.mark.parametrize("engine", ENGINES)
def test_future_dates_need_an_end(engine: str, tmp_path: Path) -> None:
    today = datetime.datetime.now(datetime.UTC).date()
    later = (today + datetime.timedelta(days=400)).isoformat()
    frame = _log(["1997-01-01", later, later])
    with pytest.raises(DataValidationError, match=r"2 rows of the transactions are dated after today"):
        _summarise(engine, frame, tmp_path)
    with pytest.warns(UserWarning, match="2 transaction"):
        assert _summarise(engine, frame, tmp_path, observation_period_end="1997-12-31").loc[1, "T"] == 364.0


def test_string_days_masks_what_it_cannot_read() -> None:
    days, bad = string_days(pd.Series(["1900-01-01", "2199-12-31", "1899-12-31", "2200-01-01", None, "x"]))
    assert days[:2].tolist() == [FIRST_DAY, LAST_DAY]
    assert bad.tolist() == [False, False, True, True, True, True]
    assert np.issubdtype(days.dtype, np.int64)
