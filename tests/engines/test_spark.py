"""The Spark engine gives the pandas engine's summaries, errors, warnings, fits and scores, in Spark's local mode."""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("pyspark")

from pyspark.sql import DataFrame, SparkSession  # noqa: E402

import pyclv  # noqa: E402
from pyclv import _fixed_point as fp  # noqa: E402
from pyclv import data  # noqa: E402
from pyclv.datasets import load_cdnow_transactions  # noqa: E402
from pyclv.engines import duckdb as duckdb_engine  # noqa: E402
from pyclv.engines import spark as engine  # noqa: E402
from pyclv.engines._read_errors import check_exists, is_url  # noqa: E402
from pyclv.exceptions import DataValidationError, ModelFormatError, PyCLVWarning  # noqa: E402
from pyclv.io import load_models  # noqa: E402
from pyclv.value import score  # noqa: E402

# pyspark warns that it does not fully support pandas 3, and calls pandas with a keyword pandas 3 deprecates; the
# engine only moves Arrow tables of numbers and strings, which it converts correctly.
pytestmark = [
    pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning"),
    pytest.mark.filterwarnings("ignore:The copy keyword is deprecated"),
]


@pytest.fixture(scope="module")
def spark() -> Iterator[SparkSession]:
    """One local Spark session for the module: two cores, four shuffle partitions, quiet, in UTC."""
    before = os.environ.get("PYSPARK_PYTHON")
    os.environ["PYSPARK_PYTHON"] = sys.executable  # the executors' Python workers run this interpreter
    session = (
        SparkSession.builder.master("local[2]")
        .appName("pyclv-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()
    if before is None:
        os.environ.pop("PYSPARK_PYTHON", None)
    else:
        os.environ["PYSPARK_PYTHON"] = before


def _run(function: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[Any, list[str]]:
    """The result and the messages of the PyCLVWarnings it issued (pyspark's own warnings about pandas aside)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = function(*args, **kwargs)
    caught = [w for w in caught if f"{os.sep}pyspark{os.sep}" not in w.filename]
    assert all(issubclass(w.category, PyCLVWarning) for w in caught), [str(w.message) for w in caught]
    return result, [str(w.message) for w in caught]


def _assert_same(expected: pd.DataFrame, actual: pd.DataFrame) -> None:
    """The same index (values, dtype, name), columns, dtypes, attrs and values, to the last bit."""
    pd.testing.assert_frame_equal(actual, expected, check_exact=True)
    assert actual.attrs == expected.attrs


@pytest.fixture(scope="module")
def cdnow() -> pd.DataFrame:
    return load_cdnow_transactions(sample=True)


@pytest.fixture(scope="module")
def cdnow_spark(spark: SparkSession, cdnow: pd.DataFrame) -> DataFrame:
    return spark.createDataFrame(cdnow).cache()


# ---------------------------------------------------------------------------------------------------------
# The same summaries as pandas on CDNOW
# ---------------------------------------------------------------------------------------------------------

RFM_CASES = {
    # weeks, amounts, and 1,959 transactions after the end excluded with the warning
    "weeks-calibration": {"monetary_value_col": "amount", "observation_period_end": "1997-09-30", "time_unit": "W"},
    "days-whole-log": {"time_unit": "D"},
    "late-end": {"monetary_value_col": "amount", "observation_period_end": "1998-12-31", "time_unit": "W"},
    # most customers' first purchase is after 1997-01-10, so they vanish (counted in the warning)
    "early-end": {"monetary_value_col": "amount", "observation_period_end": "1997-01-10", "time_unit": "D"},
}


@pytest.mark.parametrize("case", sorted(RFM_CASES))
def test_rfm_summary_matches_pandas(cdnow: pd.DataFrame, cdnow_spark: DataFrame, case: str) -> None:
    kwargs = RFM_CASES[case]
    expected, expected_warnings = _run(data.rfm_summary, cdnow, **kwargs)
    actual, actual_warnings = _run(engine.rfm_summary, cdnow_spark, **kwargs)
    _assert_same(expected, actual)
    assert actual_warnings == expected_warnings
    if case == "weeks-calibration":
        assert len(actual) == 2_357 and actual_warnings[0].startswith("1,959 transaction(s) dated after")
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
    # 1,128 customers buy first after 1997-02-15: left out with a warning
    "new-customers-in-holdout": {"calibration_period_end": "1997-02-15", "monetary_value_col": "amount"},
    "no-amounts": {"calibration_period_end": "1997-06-30", "time_unit": "W"},
}


@pytest.mark.parametrize("case", sorted(SPLIT_CASES))
def test_calibration_holdout_split_matches_pandas(cdnow: pd.DataFrame, cdnow_spark: DataFrame, case: str) -> None:
    kwargs = SPLIT_CASES[case]
    expected, expected_warnings = _run(data.calibration_holdout_split, cdnow, **kwargs)
    actual, actual_warnings = _run(engine.calibration_holdout_split, cdnow_spark, **kwargs)
    _assert_same(expected, actual)
    assert actual_warnings == expected_warnings
    if case == "new-customers-in-holdout":
        assert len(actual) == 2_357 - 1_128


@pytest.mark.parametrize(
    "kwargs",
    [
        {"monetary_value_col": "amount", "observation_period_end": "1997-09-30", "time_unit": "M"},
        {"monetary_value_col": "amount", "time_unit": "W"},
        {"time_unit": "D"},
    ],
    ids=["months-calibration", "weeks-whole-log", "days-no-amounts"],
)
def test_discrete_summary_matches_pandas(cdnow: pd.DataFrame, cdnow_spark: DataFrame, kwargs: dict[str, Any]) -> None:
    expected, expected_warnings = _run(data.discrete_summary, cdnow, **kwargs)
    actual, actual_warnings = _run(engine.discrete_summary, cdnow_spark, **kwargs)
    _assert_same(expected, actual)
    assert actual_warnings == expected_warnings
    if kwargs["time_unit"] == "M":
        assert any("incomplete period" in message for message in actual_warnings)


def test_string_ids_match_pandas(spark: SparkSession, cdnow: pd.DataFrame) -> None:
    log = cdnow.assign(customer_id="C" + cdnow["customer_id"].astype(str).str.zfill(5))
    kwargs = {"calibration_period_end": "1997-09-30", "monetary_value_col": "amount", "time_unit": "W"}
    expected, _ = _run(data.calibration_holdout_split, log, **kwargs)
    actual, _ = _run(engine.calibration_holdout_split, spark.createDataFrame(log), **kwargs)
    _assert_same(expected, actual)
    assert actual.index[0] == "C00001" and actual.index.name == "customer_id"


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_files_read_by_spark_match_pandas(
    spark: SparkSession, cdnow: pd.DataFrame, tmp_path: Path, fmt: str
) -> None:
    path = tmp_path / f"cdnow.{fmt}"
    if fmt == "csv":
        cdnow.assign(date=cdnow["date"].dt.strftime("%Y-%m-%d")).to_csv(path, index=False)
    else:
        cdnow.to_parquet(path, index=False)
    kwargs = {"monetary_value_col": "amount", "observation_period_end": "1997-09-30", "time_unit": "W"}
    expected, _ = _run(data.rfm_summary, cdnow, **kwargs)
    actual, _ = _run(engine.rfm_summary, path, spark=spark, **kwargs)
    _assert_same(expected, actual)


def test_csv_ids_stay_strings_unless_all_are_canonical_integers(spark: SparkSession, tmp_path: Path) -> None:
    # "007" and "7" would both be the number 7: they are two customers, so all ids are read as strings
    log = pd.DataFrame({"customer_id": ["007", "7", "7"], "date": ["2020-01-01", "2020-01-02", "2020-01-05"]})
    log.to_csv(tmp_path / "tx.csv", index=False)
    summary = engine.rfm_summary(tmp_path / "tx.csv", spark=spark)
    assert summary.index.tolist() == ["007", "7"]
    assert summary["frequency"].tolist() == [0.0, 1.0]
    log.assign(customer_id=["8", "7", "7"]).to_csv(tmp_path / "ints.csv", index=False)
    assert engine.rfm_summary(tmp_path / "ints.csv", spark=spark).index.tolist() == [7, 8]


# ---------------------------------------------------------------------------------------------------------
# Files: Spark accepts and refuses what DuckDB does, with the same messages
# ---------------------------------------------------------------------------------------------------------

_HEADER = "customer_id,date,amount\n"


def _latin1_ids(folder: Path) -> str:
    text = _HEADER + "1,1997-09-01,2\nJos\xe9,1997-09-05,3\nJos\xe8,1997-09-06,4\n"
    (folder / "tx.csv").write_bytes(text.encode("latin-1"))
    return "tx.csv"


def _latin1_after_the_sniffer(folder: Path) -> str:
    # past the rows DuckDB's sniffer samples: Spark decodes the byte to U+FFFD, which its profile counts
    rows = "".join(f"{i},1997-09-01,1\n" for i in range(30_000))
    (folder / "tx.csv").write_bytes((_HEADER + rows + "Jos\xe9,1997-09-05,3\n").encode("latin-1"))
    return "tx.csv"


def _replacement_character_written(folder: Path) -> str:
    (folder / "tx.csv").write_text(_HEADER + "Jos\ufffd,1997-09-01,2\nJos\ufffd,1997-09-05,3\nJose,1997-09-06,4\n")
    return "tx.csv"


def _reordered_columns(folder: Path) -> str:
    (folder / "a.csv").write_text(_HEADER + "1,1997-09-01,20\n1,1997-09-05,30\n")
    (folder / "b.csv").write_text("amount,date,customer_id\n40,1997-09-02,2\n50,1997-09-06,2\n")
    (folder / "c.csv").write_text("customer_id,amount,date,note\n3,60,1997-09-03,x\n")
    return "*.csv"


def _missing_column(folder: Path) -> str:
    (folder / "a.csv").write_text(_HEADER + "1,1997-09-01,20\n")
    (folder / "b.csv").write_text("customer_id,date\n2,1997-09-02\n")
    return "*.csv"


def _quoted_line_breaks(folder: Path) -> str:
    (folder / "tx.csv").write_text(
        'customer_id,note,date,amount\n1,"say ""hi""",1997-09-01,2\n1,"a,b",1997-09-05,3\n2,"two\nlines",1997-09-02,4\n'
    )
    return "tx.csv"


def _semicolons(folder: Path) -> str:
    (folder / "tx.csv").write_text('customer_id;date;amount\n1;1997-09-01;"2.5"\n1;1997-09-05;3\n2;1997-09-02;4\n')
    return "tx.csv"


def _tabs(folder: Path) -> str:
    (folder / "tx.tsv").write_text("customer_id\tdate\tamount\n1\t1997-09-01\t2\n1\t1997-09-05\t3\n")
    return "tx.tsv"


def _duplicated_header(folder: Path) -> str:
    (folder / "tx.csv").write_text("customer_id,date,amount,amount\n1,1997-09-01,2,9\n1,1997-09-05,3,9\n")
    return "tx.csv"


def _truncated_parquet(folder: Path) -> str:
    _base().to_parquet(folder / "whole.parquet")
    whole = (folder / "whole.parquet").read_bytes()
    (folder / "whole.parquet").unlink()
    (folder / "tx.parquet").write_bytes(whole[: len(whole) // 2])
    return "tx.parquet"


def _parquet_types_differ(folder: Path) -> str:
    _base().to_parquet(folder / "a.parquet")
    _base().assign(customer_id=lambda frame: frame["customer_id"].map(str)).to_parquet(folder / "b.parquet")
    return "*.parquet"


FILE_CASES = {
    "latin-1 ids": _latin1_ids,
    "latin-1 after the sniffer": _latin1_after_the_sniffer,
    "U+FFFD written as UTF-8": _replacement_character_written,
    "reordered columns": _reordered_columns,
    "a missing column": _missing_column,
    "quoted line breaks": _quoted_line_breaks,
    "semicolons": _semicolons,
    "tabs": _tabs,
    "duplicated header": _duplicated_header,
    "truncated parquet": _truncated_parquet,
    "parquet types differ": _parquet_types_differ,
}


def _outcome(function: Callable[..., pd.DataFrame], path: str, **kwargs: Any) -> tuple[Any, ...]:
    """The summary, or the error's type, message, column and count."""
    try:
        return ("summary", function(path, monetary_value_col="amount", **kwargs))
    except (DataValidationError, OSError) as exc:
        return (type(exc), str(exc), getattr(exc, "column", None), getattr(exc, "n_rows", None))


@pytest.mark.parametrize("case", sorted(FILE_CASES))
def test_files_get_the_duckdb_answer(spark: SparkSession, tmp_path: Path, case: str) -> None:
    path = str(tmp_path / FILE_CASES[case](tmp_path))
    expected = _outcome(duckdb_engine.rfm_summary, path)
    actual = _outcome(engine.rfm_summary, path, spark=spark)
    assert actual[0] == expected[0], (actual, expected)
    if expected[0] == "summary":
        _assert_same(expected[1], actual[1])
        return
    what, message, *where = expected
    assert actual[2:] == tuple(where)
    if what is OSError or "do not all have the same columns" in message:  # the reader's own words in brackets
        before, after = message.split("(", 1)[0], message.rsplit(")", 1)[1]
        assert actual[1].startswith(before) and actual[1].endswith(after), (actual[1], message)
        assert len(actual[1].splitlines()) == 1
    else:
        assert actual[1] == message


def test_no_column_is_read_from_another(spark: SparkSession, tmp_path: Path) -> None:
    # the second file orders its columns differently: its amounts must not become customer ids
    summary = engine.rfm_summary(str(tmp_path / _reordered_columns(tmp_path)), monetary_value_col="amount", spark=spark)
    assert summary.index.tolist() == [1, 2, 3]
    assert summary["monetary_value"].tolist() == [30.0, 50.0, 0.0]


def test_text_that_is_not_utf8_is_found_on_its_line(spark: SparkSession, tmp_path: Path) -> None:
    path = tmp_path / _latin1_after_the_sniffer(tmp_path)
    with pytest.raises(DataValidationError, match=r"tx.csv: the file is not UTF-8 text \(line 30,002\)"):
        engine.rfm_summary(str(path), spark=spark)


def test_csv_at_a_url_must_share_the_first_header(spark: SparkSession, tmp_path: Path) -> None:
    # read as RFC 4180 without sniffing; a file whose header differs is refused in one line, not read by position
    _reordered_columns(tmp_path)
    url = (tmp_path / "a.csv").as_uri().replace("a.csv", "[ab].csv")
    with pytest.raises(DataValidationError, match="the files do not all have the same columns") as refused:
        engine.rfm_summary(url, monetary_value_col="amount", spark=spark)
    assert len(str(refused.value).splitlines()) == 1 and "b.csv" in str(refused.value)


def test_urls_are_not_local_paths() -> None:
    assert all(is_url(url) for url in ("dbfs:/mnt/shop/tx/*.parquet", "s3a://shop/tx", "hdfs://nn/tx.csv"))
    assert not any(is_url(path) for path in ("tx/*.parquet", "/data/tx.csv", "C:/data/tx.csv", "C:\\tx.csv"))
    assert check_exists("dbfs:/mnt/shop/tx/*.parquet") == []


# ---------------------------------------------------------------------------------------------------------
# Sums in the canonical order, whatever the partitions
# ---------------------------------------------------------------------------------------------------------


def test_amounts_are_summed_exactly(spark: SparkSession) -> None:
    # 0.1 + 0.2 + 0.3 is 0.6000000000000001 in floats, 0.6 exactly: every engine sums the exact fixed-point values
    log = pd.DataFrame(
        {
            "customer_id": [1, 1, 1, 1, 1, 1],
            "date": pd.to_datetime(["2020-01-01", "2020-01-02", "2020-01-02", "2020-01-02", "2020-01-03",
                                    "2020-01-03"]),
            "amount": [5.0, 0.1, 0.2, 0.3, 0.7, 0.1],
        }
    )
    repeat = log["amount"].to_numpy()[1:]
    exact = fp.to_float(*(limb.sum(keepdims=True) for limb in fp.quantize(repeat)))[0]
    assert exact == 1.4 and exact != 0.1 + 0.2 + 0.3 + 0.7 + 0.1
    kwargs = {"calibration_period_end": "2020-01-01", "monetary_value_col": "amount", "spend_to_date": True}
    expected = data.calibration_holdout_split(log, **kwargs)
    for rows in (log, log.iloc[::-1]):
        for partitions in (1, 3):
            frame = spark.createDataFrame(rows).repartition(partitions)
            assert engine.rfm_summary(frame, monetary_value_col="amount").loc[1, "monetary_value"] == exact / 2
            split = engine.calibration_holdout_split(frame, **kwargs)
            _assert_same(expected, split)
            assert split.loc[1, "revenue_holdout"] == exact and split.loc[1, "spend_to_date"] == 5.0


def test_partitions_do_not_change_a_bit(spark: SparkSession, cdnow_spark: DataFrame) -> None:
    results = []
    for partitions, shuffle in ((1, "1"), (7, "13")):
        spark.conf.set("spark.sql.shuffle.partitions", shuffle)
        try:
            frame = cdnow_spark.repartition(partitions)
            kwargs = {"monetary_value_col": "amount", "time_unit": "W"}
            results.append(
                [
                    _run(engine.rfm_summary, frame, observation_period_end="1997-09-30", **kwargs)[0],
                    _run(engine.calibration_holdout_split, frame, calibration_period_end="1997-09-30", **kwargs)[0],
                    _run(engine.discrete_summary, frame, **kwargs)[0],
                ]
            )
        finally:
            spark.conf.set("spark.sql.shuffle.partitions", "4")
    for one, seven in zip(*results, strict=True):
        _assert_same(one, seven)


# ---------------------------------------------------------------------------------------------------------
# Dates: types and time zones
# ---------------------------------------------------------------------------------------------------------


def test_timestamps_count_on_their_local_day_in_the_session_time_zone(spark: SparkSession) -> None:
    stamps = pd.to_datetime(["2020-01-01 23:30", "2020-01-02 00:30", "2020-01-05 12:00"]).tz_localize("Asia/Tokyo")
    log = pd.DataFrame({"customer_id": [1, 1, 1], "date": stamps})
    expected = data.rfm_summary(log)
    spark.conf.set("spark.sql.session.timeZone", "Asia/Tokyo")
    try:
        actual = engine.rfm_summary(spark.createDataFrame(log))
    finally:
        spark.conf.set("spark.sql.session.timeZone", "UTC")
    _assert_same(expected, actual)
    assert actual.loc[1, "frequency"] == 2.0  # in UTC the first two would fall on one day


def test_parquet_timestamps_count_on_the_local_day_of_their_stored_zone(spark: SparkSession, tmp_path: Path) -> None:
    stamps = pd.to_datetime(["2020-01-01 23:30", "2020-01-02 00:30", "2020-01-05 12:00"]).tz_localize("Asia/Tokyo")
    log = pd.DataFrame({"customer_id": [1, 1, 1], "date": stamps})
    log.to_parquet(tmp_path / "tx.parquet")
    _assert_same(data.rfm_summary(log), engine.rfm_summary(tmp_path / "tx.parquet", spark=spark))


def test_date_strings_and_dates(spark: SparkSession) -> None:
    log = pd.DataFrame(
        {"customer_id": [1, 1, 2], "date": ["2020-01-01", "2020-01-05T10:30:00", "2020-01-03 08:00"]}
    )
    expected = data.rfm_summary(log)
    _assert_same(expected, engine.rfm_summary(spark.createDataFrame(log)))
    as_dates = spark.createDataFrame(log).selectExpr("customer_id", "to_date(substr(date, 1, 10)) AS date")
    _assert_same(expected, engine.rfm_summary(as_dates))


def test_date_format_reads_numbers_and_text(spark: SparkSession) -> None:
    numbers = pd.DataFrame({"customer_id": [1, 1, 2], "date": [20200101, 20200105, 20200103]})
    with pytest.raises(DataValidationError, match="holds numbers, not dates, in 3 rows") as info:
        engine.rfm_summary(spark.createDataFrame(numbers))
    assert (info.value.column, info.value.n_rows) == ("date", 3)
    summary = engine.rfm_summary(spark.createDataFrame(numbers), date_format="%Y%m%d")
    assert summary["recency"].tolist() == [4.0, 0.0]
    text = numbers.assign(date=["01/01/2020", "05/01/2020", "03/01/2020"])
    _assert_same(summary, engine.rfm_summary(spark.createDataFrame(text), dayfirst=True))


# ---------------------------------------------------------------------------------------------------------
# Validation: the same errors as pandas
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
    if column == "customer_id":
        frame[column] = frame[column].astype("Int64")  # nullable, to hold missing ids
    if column == "amount" and isinstance(value, str):
        frame[column] = frame[column].map(str)  # text amounts, some not numbers
    if column == "date":
        frame[column] = frame[column].astype(object)  # to hold None
    for position in positions:
        frame.loc[position, column] = value
    return frame


BAD_LOGS = {
    "missing-ids": (_with("customer_id", [1, 3], pd.NA), "customer_id", 2),
    "missing-dates": (_with("date", [0], None), "date", 1),
    "unparseable-dates": (_with("date", [2, 4], "not a date"), "date", 2),
    "numbers-as-dates": (_base().assign(date=[20200101, 20200105, 20200103, 20200102, 20200109]), "date", 5),
    "text-amounts": (_with("amount", [1, 2], "$20"), "amount", 2),
    "nan-amounts": (_with("amount", [4], np.nan), "amount", 1),
    "infinite-amounts": (_with("amount", [0, 1], np.inf), "amount", 2),
    "negative-amounts": (_with("amount", [3], -2.0), "amount", 1),
    "missing-columns": (_base().rename(columns={"date": "when"}), "date", None),
    "empty": (_base().iloc[:0], "customer_id", 0),
}


@pytest.mark.parametrize("case", sorted(BAD_LOGS))
def test_bad_inputs_get_the_pandas_error(spark: SparkSession, case: str) -> None:
    frame, column, n_rows = BAD_LOGS[case]
    schema = "customer_id long, date string, amount double" if case == "empty" else None
    with pytest.raises(DataValidationError) as expected:
        data.rfm_summary(frame, monetary_value_col="amount")
    with pytest.raises(DataValidationError) as actual:
        engine.rfm_summary(spark.createDataFrame(frame, schema=schema), monetary_value_col="amount")
    assert (actual.value.column, actual.value.n_rows) == (column, n_rows)
    assert str(actual.value) == str(expected.value)


def test_not_a_dataframe() -> None:
    with pytest.raises(DataValidationError, match="got list"):
        engine.rfm_summary([1, 2, 3])  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------------------
# Fits and scores
# ---------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def calibration(cdnow: pd.DataFrame) -> pd.DataFrame:
    kwargs = {"monetary_value_col": "amount", "observation_period_end": "1997-09-30", "time_unit": "W"}
    return _run(data.rfm_summary, cdnow, **kwargs)[0]


@pytest.fixture(scope="module")
def models(calibration: pd.DataFrame) -> tuple[pyclv.BetaGeo, pyclv.GammaGamma]:
    return pyclv.BetaGeo().fit(calibration), pyclv.GammaGamma().fit(calibration)


def test_fits_on_the_spark_summary_equal_pandas(
    cdnow_spark: DataFrame, calibration: pd.DataFrame, models: tuple[pyclv.BetaGeo, pyclv.GammaGamma]
) -> None:
    kwargs = {"monetary_value_col": "amount", "observation_period_end": "1997-09-30", "time_unit": "W"}
    summary, _ = _run(engine.rfm_summary, cdnow_spark, **kwargs)
    for model, fitted in zip((pyclv.BetaGeo(), pyclv.GammaGamma()), models, strict=True):
        model.fit(summary)
        pd.testing.assert_series_equal(model.params_, fitted.params_, check_exact=True)
        assert model.log_likelihood_ == fitted.log_likelihood_


def _scores_by_id(scores: DataFrame) -> pd.DataFrame:
    table = scores.toPandas().set_index("customer_id").sort_index()
    table.index = pd.Index(table.index.to_numpy(), name="customer_id")
    return table


def test_scores_in_one_partition_are_pandas_scores(
    spark: SparkSession, calibration: pd.DataFrame, models: tuple[pyclv.BetaGeo, pyclv.GammaGamma]
) -> None:
    # the partition holds the whole table: the very arithmetic of pyclv.value.score, to the last bit
    options = {"horizon": 52.0, "annual_discount_rate": 0.1, "margin": 0.3}
    expected = score(*models, calibration, **options)
    summary = engine.summary_to_spark(calibration, spark=spark).repartition(1)
    actual = _scores_by_id(engine.score(*models, summary, **options))
    pd.testing.assert_frame_equal(actual, expected, check_exact=True, check_like=False)


def test_scores_in_several_partitions_agree_with_pandas(
    spark: SparkSession, calibration: pd.DataFrame, models: tuple[pyclv.BetaGeo, pyclv.GammaGamma]
) -> None:
    # A customer's interpolation panel depends on its own (x, T) only (pyclv._factors' fixed lattice), so each
    # partition computes every customer's numbers exactly as pandas does for the whole table, bounds included.
    options = {"horizon": 52.0, "annual_discount_rate": 0.1, "interval": 0.9, "seed": 7}
    expected = score(*models, calibration, **options)
    summary = engine.summary_to_spark(calibration, spark=spark).repartition(3)
    actual = _scores_by_id(engine.score(*models, summary, **options))
    pd.testing.assert_frame_equal(actual, expected, check_exact=True)
    assert actual["clv_lower"].lt(actual["clv_upper"]).all()


def test_score_checks_columns_and_options_on_the_driver(
    spark: SparkSession, calibration: pd.DataFrame, models: tuple[pyclv.BetaGeo, pyclv.GammaGamma]
) -> None:
    summary = engine.summary_to_spark(calibration.drop(columns="monetary_value"), spark=spark)
    with pytest.raises(DataValidationError, match="'monetary_value'"):
        engine.score(*models, summary, horizon=52)
    # the unit travels with the data: a summary that does not declare it is refused, or told it explicitly
    undeclared = spark.createDataFrame(calibration.reset_index())
    with pytest.raises(DataValidationError, match="does not declare its time unit"):
        engine.score(*models, undeclared, horizon=52)
    with pytest.raises(DataValidationError, match="contradicts"):
        engine.score(*models, engine.summary_to_spark(calibration, spark=spark), horizon=52, time_unit="D")
    with pytest.raises(DataValidationError, match="fitted in 'W'"):  # told the wrong unit: refused at once
        engine.score(*models, undeclared, horizon=52, time_unit="D")
    with pytest.raises(ValueError, match="horizon"):
        engine.score(*models, engine.summary_to_spark(calibration, spark=spark), horizon=-1)


def test_write_scores_replaces_the_folder_whole(
    spark: SparkSession, calibration: pd.DataFrame, models: tuple[pyclv.BetaGeo, pyclv.GammaGamma], tmp_path: Path
) -> None:
    summary = engine.summary_to_spark(calibration, spark=spark).repartition(3)
    scores = engine.score(*models, summary, horizon=52)
    target = tmp_path / "scores"
    engine.write_scores(scores, target)
    engine.write_scores(scores.where("frequency > 0"), target)  # replaced, not appended to
    written = pd.read_parquet(target)
    assert written["customer_id"].is_monotonic_increasing
    assert len(written) == int((calibration["frequency"] > 0).sum())
    bad = engine.summary_to_spark(calibration.assign(frequency=-1.0), spark=spark)
    with pytest.raises(Exception, match="negative values"):  # raised by an executor, wrapped by Spark
        engine.write_scores(engine.score(*models, bad, horizon=52), target)
    assert len(pd.read_parquet(target)) == len(written)  # the old table is intact
    assert sorted(path.name for path in tmp_path.iterdir()) == ["scores"]  # no temporary folder left


def test_run_fit_and_run_score(
    spark: SparkSession, cdnow: pd.DataFrame, calibration: pd.DataFrame, tmp_path: Path
) -> None:
    cdnow.to_parquet(tmp_path / "tx.parquet")
    transaction, spend = _run(
        engine.run_fit, tmp_path / "tx.parquet", out=tmp_path / "clv.json", observation_period_end="1997-09-30",
        spark=spark,
    )[0]
    expected_models = pyclv.BetaGeo().fit(calibration), pyclv.GammaGamma().fit(calibration)
    pd.testing.assert_series_equal(transaction.params_, expected_models[0].params_, check_exact=True)
    assert sorted(load_models(tmp_path / "clv.json")) == ["spend", "transaction"]
    written = _run(
        engine.run_score, tmp_path / "tx.parquet", models=tmp_path / "clv.json", out=tmp_path / "scores",
        observation_period_end="1997-09-30", horizon=52, annual_discount_rate=0.1, spark=spark,
    )[0]
    actual = _scores_by_id(written)
    expected = score(transaction, spend, calibration, horizon=52, annual_discount_rate=0.1)
    pd.testing.assert_frame_equal(actual, expected, check_exact=True)
    with pytest.raises(ModelFormatError, match="transaction and a spend model"):
        pyclv.GammaGamma().fit(calibration).save(tmp_path / "spend.json")
        engine.run_score(tmp_path / "tx.parquet", models=tmp_path / "spend.json", out=tmp_path / "x",
                         observation_period_end="1997-09-30", horizon=52, spark=spark)


# ---------------------------------------------------------------------------------------------------------
# A million customers
# ---------------------------------------------------------------------------------------------------------


def _simulated_log(n_customers: int, seed: int) -> pd.DataFrame:
    """Purchases of ``n_customers`` over two years, rows shuffled: a first day in the first year, a negative
    binomial number of further purchases on uniformly drawn days (some on the same day), amounts in cents."""
    rng = np.random.default_rng(seed)
    first = rng.integers(0, 365, n_customers)
    n_rows = 1 + rng.negative_binomial(0.6, 0.2, n_customers)
    customer = np.repeat(np.arange(n_customers), n_rows)
    offset = rng.integers(0, 730, len(customer))
    offset[np.r_[0, np.cumsum(n_rows)[:-1]]] = 0
    day = first[customer] + np.minimum(offset, 729 - first[customer])
    order = rng.permutation(len(customer))
    return pd.DataFrame(
        {
            "customer_id": customer[order] * 7 + 3,
            "date": np.datetime64("2022-01-01", "D") + day[order],
            "amount": np.round(rng.gamma(2.0, 20.0, len(customer)), 2),
        }
    )


@pytest.mark.slow
def test_a_million_customers(spark: SparkSession, tmp_path: Path) -> None:
    log = _simulated_log(1_000_000, seed=11)
    log.to_parquet(tmp_path / "tx.parquet", row_group_size=500_000)
    kwargs = {"monetary_value_col": "amount", "observation_period_end": "2023-06-30", "time_unit": "W"}
    expected, expected_warnings = _run(data.rfm_summary, log, **kwargs)
    actual, actual_warnings = _run(engine.rfm_summary, tmp_path / "tx.parquet", spark=spark, **kwargs)
    _assert_same(expected, actual)
    assert actual_warnings == expected_warnings and len(actual) == 1_000_000
    with pytest.warns(pyclv.PyCLVWarning, match="in effect an NBD"):  # the simulated customers never drop out
        models = pyclv.BetaGeo().fit(expected), pyclv.GammaGamma().fit(expected)
    options = {"horizon": 52.0, "annual_discount_rate": 0.1}
    summary = engine.summary_to_spark(actual, spark=spark)  # spark.createDataFrame, with Arrow and the unit
    engine.write_scores(engine.score(*models, summary, **options), tmp_path / "scores")
    written = pd.read_parquet(tmp_path / "scores").set_index("customer_id")
    reference = score(*models, expected, **options)
    pd.testing.assert_frame_equal(written, reference, check_exact=True)


def test_the_session_settings_are_left_as_they_were(spark: SparkSession, cdnow: pd.DataFrame) -> None:
    # Arrow is turned on only while per-customer tables cross to the driver (Spark 3.5 has it off by default)
    arrow = "spark.sql.execution.arrow.pyspark.enabled"
    spark.conf.set(arrow, "false")
    try:
        summary = engine.rfm_summary(spark.createDataFrame(cdnow.head(50)))
        assert spark.conf.get(arrow) == "false"
    finally:
        spark.conf.unset(arrow)
    _assert_same(data.rfm_summary(cdnow.head(50)), summary)


def test_the_command_line_runs_the_same_job_on_spark(
    spark: SparkSession, cdnow: pd.DataFrame, tmp_path: Path
) -> None:
    # `pyclv fit/score --engine spark`: the summary on Spark, the same models and the same score table as DuckDB
    from pyclv.cli import main

    cdnow.to_parquet(tmp_path / "tx.parquet", index=False)
    tables = {}
    for name in ("duckdb", "spark"):
        folder = tmp_path / name
        model, scores = folder / "model.json", folder / "scores.parquet"
        common = [str(tmp_path / "tx.parquet"), "--engine", name]
        assert main(["-q", "fit", *common, "--observation-end", "1997-09-30", "--out", str(model)]) == 0
        options = ["--observation-end", "1998-06-30", "--horizon", "52", "--annual-discount-rate", "0.1"]
        assert main(["-q", "score", *common, "--model", str(model), *options, "--out", str(scores)]) == 0
        fitted = load_models(model)
        tables[name] = (fitted, pd.read_parquet(scores))
    (duck_models, duck_scores), (spark_models, spark_scores) = tables["duckdb"], tables["spark"]
    for role in ("transaction", "spend"):
        pd.testing.assert_series_equal(spark_models[role].params_, duck_models[role].params_, check_exact=True)
    # the model's id is its artifact's hash, whose lineage names the engine; every other column is the same bits
    assert (spark_scores["model_id"] != duck_scores["model_id"]).all()
    pd.testing.assert_frame_equal(
        spark_scores.drop(columns="model_id"), duck_scores.drop(columns="model_id"), check_exact=True
    )


# ---------------------------------------------------------------------------------------------------------
# Covariates: each customer's first values, as the other engines take them
# ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("source", ["dataframe", "csv"])
def test_first_values_as_pandas_and_duckdb(spark: SparkSession, source: str, tmp_path: Path) -> None:
    from tests.engines.test_customer_attributes import COVARIATES, END, EXPECTED, attribute_log

    frame = attribute_log().drop(columns="member")
    if source == "csv":
        frame.to_csv(tmp_path / "tx.csv", index=False)
        log: Any = str(tmp_path / "tx.csv")
    else:
        log = spark.createDataFrame(frame.astype({"channel": object}))
    summary, messages = _run(engine.rfm_summary, log, monetary_value_col="amount", observation_period_end=END,
                             covariate_cols=COVARIATES)
    assert len(messages) == 1 and "after observation_period_end" in messages[0]
    pd.testing.assert_frame_equal(summary[COVARIATES], EXPECTED, check_exact=True)
    expected, _ = _run(data.rfm_summary, frame, monetary_value_col="amount", observation_period_end=END,
                       covariate_cols=COVARIATES)
    _assert_same(expected, summary)


def test_a_missing_first_value_is_refused_as_by_pandas(spark: SparkSession) -> None:
    from tests.engines.test_customer_attributes import END, attribute_log

    frame = attribute_log().astype({"channel": object})
    frame.loc[frame["customer_id"] == 2, "channel"] = None
    with pytest.raises(DataValidationError, match=r"'channel' has no value in the first transaction of 1 customer"):
        _run(engine.rfm_summary, spark.createDataFrame(frame), observation_period_end=END, covariate_cols=["channel"])
