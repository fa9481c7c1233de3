"""Files that cannot be read as a transaction log: one line that names the file, the problem and the remedy.

Each case reproduces what a user met: DuckDB's own messages ran to twenty lines of SQL and sniffer settings, or
came out as tracebacks, and a duplicated header silently used the first of the two columns.
"""

from __future__ import annotations

import functools
import gzip
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pyclv import data
from pyclv.engines import duckdb as engine
from pyclv.engines._duckdb_source import RFC_4180, csv_header
from pyclv.exceptions import DataValidationError


def _log(n: int = 3000) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    return pd.DataFrame(
        {
            "customer_id": rng.integers(1, 300, n),
            "date": pd.Timestamp("1997-01-01") + pd.to_timedelta(rng.integers(0, 365, n), unit="D"),
            "amount": rng.gamma(2.0, 10.0, n).round(2),
        }
    )


def _latin1(folder: Path) -> str:
    path = folder / "tx.csv"
    _log().to_csv(path, index=False)
    raw = path.read_bytes()
    at = raw.index(b"\n", len(raw) - 500) + 1  # a row near the end: past DuckDB's sniffing sample
    path.write_bytes(raw[:at] + b"1,1997-03-01,3.5\xe9\n" + raw[at:])
    return str(path)


def _corrupt(folder: Path) -> str:
    path = folder / "tx.parquet"
    _log(20000).to_parquet(path, index=False, row_group_size=2000)
    raw = path.read_bytes()
    middle = len(raw) // 2
    path.write_bytes(raw[:middle] + bytes(4000) + raw[middle + 4000 :])
    return str(path)


def _truncated(folder: Path) -> str:
    path = folder / "tx.parquet"
    _log().to_parquet(path, index=False)
    path.write_bytes(path.read_bytes()[:-300])
    return str(path)


def _partitions_differ(folder: Path) -> str:
    log = _log()
    log.iloc[:1500].to_parquet(folder / "a.parquet", index=False)
    log.iloc[1500:].rename(columns={"amount": "value"}).to_parquet(folder / "b.parquet", index=False)
    return str(folder / "*.parquet")


def _empty(folder: Path) -> str:
    (folder / "tx.csv").write_text("")
    return str(folder / "tx.csv")


def _duplicated_header(folder: Path) -> str:
    (folder / "tx.csv").write_text("customer_id,date,amount,amount\n1,1997-01-01,3,4\n1,1997-01-05,2,2\n")
    return str(folder / "tx.csv")


#: name: (writes the file and returns its path, the error class, words of the message).
BAD_FILES: dict[str, tuple[Callable[[Path], str], type[Exception], str]] = {
    "latin-1-byte-deep-in-a-csv": (_latin1, DataValidationError, "is not UTF-8 text (line"),
    "corrupt-parquet-pages": (_corrupt, OSError, "may be corrupt, truncated"),
    "truncated-parquet": (_truncated, OSError, "may be corrupt, truncated"),
    "partitions-with-other-columns": (_partitions_differ, DataValidationError, "do not all have the same columns"),
    "empty-file": (_empty, DataValidationError, "is empty (0 bytes)"),
    "duplicated-header": (_duplicated_header, DataValidationError, "tx.csv: transactions has several columns named "
                          "'amount'"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_a_bad_file_gets_one_line_that_names_it(case: str, tmp_path: Path) -> None:
    write, error_class, words = BAD_FILES[case]
    path = write(tmp_path)
    with pytest.raises(error_class) as error:
        engine.rfm_summary(path, monetary_value_col="amount")
    message = str(error.value)
    assert words in message
    assert "\n" not in message and len(message) < 600
    assert Path(path).name in message or path in message


def test_64_bit_ids_above_two_to_the_63_stay_as_they_are(tmp_path: Path) -> None:
    ids = np.array([2**63 + 5, 2**64 - 1, 3, 2**63 + 5], dtype=np.uint64)
    frame = pd.DataFrame({"customer_id": ids, "date": ["1997-01-01", "1997-01-02", "1997-01-03", "1997-01-09"]})
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), tmp_path / "tx.parquet")
    summary = engine.rfm_summary(tmp_path / "tx.parquet")
    pd.testing.assert_frame_equal(summary, data.rfm_summary(frame))
    assert summary.index.tolist() == [3, 2**63 + 5, 2**64 - 1]
    assert summary.loc[2**63 + 5, "frequency"] == 1.0


def _two_files(folder: Path, first: pd.DataFrame, second: pd.DataFrame) -> str:
    first.to_parquet(folder / "a.parquet", index=False)
    second.to_parquet(folder / "b.parquet", index=False)
    return str(folder / "*.parquet")


def test_a_glob_whose_files_store_ids_differently_is_refused(tmp_path: Path) -> None:
    # 7 in one file and "007" in the other were one customer: the first file's type was taken for both
    dates = ["1997-01-01", "1997-01-05"]
    path = _two_files(
        tmp_path,
        pd.DataFrame({"customer_id": [7, 7], "date": dates}),
        pd.DataFrame({"customer_id": ["007", "007"], "date": dates}),
    )
    with pytest.raises(DataValidationError, match=r"b.parquet: column 'customer_id' holds text but integers") as info:
        engine.rfm_summary(path)
    assert info.value.column == "customer_id"


def test_a_glob_whose_files_keep_times_in_other_zones_is_refused(tmp_path: Path) -> None:
    stamps = pd.to_datetime(["1997-01-01 23:00", "1997-01-04 00:00"])
    path = _two_files(
        tmp_path,
        pd.DataFrame({"customer_id": [1, 1], "date": stamps.tz_localize("Asia/Tokyo")}),
        pd.DataFrame({"customer_id": [2, 2], "date": stamps.tz_localize("America/New_York")}),
    )
    with pytest.raises(DataValidationError, match="holds times in America/New_York but times in Asia/Tokyo"):
        engine.rfm_summary(path)
    # the same zone in both files (and numbers of other widths) are one table
    same = _two_files(
        tmp_path,
        pd.DataFrame({"customer_id": np.array([1, 1], dtype=np.int32), "date": stamps.tz_localize("Asia/Tokyo")}),
        pd.DataFrame({"customer_id": [2, 2], "date": stamps.tz_localize("Asia/Tokyo").as_unit("ns")}),
    )
    assert engine.rfm_summary(same)["recency"].tolist() == [3.0, 3.0]


# ---------------------------------------------------------------------------------------------------------
# Every CSV file of a glob by its own header
# ---------------------------------------------------------------------------------------------------------


def _csv_glob(folder: Path, *headers: str) -> str:
    """Files 00.csv, 01.csv, ... with these headers over the same rows (columns in the order of each header)."""
    log = _log(60).assign(channel="web", date=lambda frame: frame["date"].dt.strftime("%Y-%m-%d"))
    for number, header in enumerate(headers):
        names = header.split(",")
        rows = log[[name if name in log else "amount" for name in names]]
        rows.to_csv(folder / f"{number:02d}.csv", index=False, header=names)
    return str(folder / "*.csv")


GOOD = "customer_id,date,amount,channel"


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        # DuckDB read the later file by the first one's header and took the first of its two amounts
        ((GOOD, GOOD, "customer_id,date,amount,amount"),
         "{folder}/02.csv: transactions has several columns named 'amount'; pyclv will not pick one. Rename or drop "
         "the duplicates."),
        ((GOOD, "customer_id,date,amount"),
         "{folder}/*.csv: the files do not all have the same columns ({folder}/01.csv has no column 'channel', which "
         "{folder}/00.csv has). Give every file the same columns, or summarise them separately."),
        ((GOOD, "customer_id,date,value,channel"),
         "{folder}/01.csv: transactions is missing the column(s) 'amount'; the columns present are: 'customer_id', "
         "'date', 'value', 'channel'. Rename your columns or pass customer_id_col, datetime_col (and "
         "monetary_value_col) to say which columns to use."),
    ],
    ids=["a-later-file-names-a-column-twice", "a-later-file-lacks-a-column", "a-later-file-lacks-a-used-column"],
)
def test_a_later_csv_file_with_another_header_is_refused_naming_it(
    tmp_path: Path, headers: tuple[str, ...], message: str
) -> None:
    with pytest.raises(DataValidationError) as error:
        engine.rfm_summary(_csv_glob(tmp_path, *headers), monetary_value_col="amount")
    assert str(error.value) == message.format(folder=tmp_path)


def test_later_csv_files_may_order_their_columns_otherwise(tmp_path: Path) -> None:
    path = _csv_glob(tmp_path, GOOD, "amount,channel,date,customer_id")
    log = _log(60).assign(channel="web")
    expected = data.rfm_summary(pd.concat([log, log]), monetary_value_col="amount")
    pd.testing.assert_frame_equal(engine.rfm_summary(path, monetary_value_col="amount"), expected)


def test_a_header_is_read_from_the_first_record_alone(tmp_path: Path) -> None:
    # a quoted name across lines is one name; the rest of the file is not read (a truncated gzip stream after it)
    text = 'customer_id,"da\nte",amount\n' + "".join(f"{i},1997-01-01,{i}.5\n" for i in range(200_000))
    path = tmp_path / "tx.csv.gz"
    path.write_bytes(gzip.compress(text.encode())[:100_000])
    assert csv_header(str(path), RFC_4180) == ["customer_id", "da\nte", "amount"]


# ---------------------------------------------------------------------------------------------------------
# Spark at a URL: its reader renames a repeated name (amount, amount -> amount2, amount3)
# ---------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    """A local Spark session, quiet, for the reads at a URL."""
    pytest.importorskip("pyspark")
    from pyspark.sql import SparkSession

    before = os.environ.get("PYSPARK_PYTHON")
    os.environ["PYSPARK_PYTHON"] = sys.executable
    session = (
        SparkSession.builder.master("local[1]")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
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


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("customer_id,date,amount,amount", "{url}: transactions has several columns named 'amount'; pyclv will not "
         "pick one. Rename or drop the duplicates."),
        ("customer_id,Amount,date,amount", "{url}: transactions has columns whose names differ only in case "
         "('Amount', 'amount'), which DuckDB and Spark do not tell apart; pyclv will not pick one. Rename or drop "
         "one of them."),
    ],
    ids=["a-name-twice", "names-that-differ-in-case"],
)
def test_spark_at_a_url_refuses_a_header_that_names_a_column_twice(
    spark: Any, tmp_path: Path, header: str, message: str
) -> None:
    from pyclv.engines import spark as spark_engine

    (tmp_path / "tx.csv").write_text(f"{header}\n1,1997-01-01,3,4\n1,1997-01-05,2,2\n")
    url = (tmp_path / "tx.csv").as_uri()  # a file:// URL takes the path of s3a:// and hdfs:// logs
    with pytest.raises(DataValidationError) as error:
        spark_engine.rfm_summary(url, monetary_value_col="amount", spark=spark)
    assert str(error.value) == message.format(url=url)
    # the message of a local file, but for its name, with DuckDB and with Spark
    for read in (engine.rfm_summary, functools.partial(spark_engine.rfm_summary, spark=spark)):
        with pytest.raises(DataValidationError) as local:
            read(tmp_path / "tx.csv", monetary_value_col="amount")
        assert str(local.value) == str(error.value).replace(url, str(tmp_path / "tx.csv"))
    if "Amount" in header:  # pandas tells them apart, and refuses them all the same
        with pytest.raises(DataValidationError) as in_pandas:
            data.rfm_summary(pd.read_csv(tmp_path / "tx.csv"), monetary_value_col="amount")
        assert str(in_pandas.value) == message.format(url=url).removeprefix(f"{url}: ")


def test_spark_at_a_url_reads_names_that_end_in_their_position(spark: Any, tmp_path: Path) -> None:
    from pyclv.engines import spark as spark_engine

    _log(200).assign(note3="x").to_csv(tmp_path / "tx.csv", index=False)  # 'note3' looks renamed, and is not
    url = (tmp_path / "tx.csv").as_uri()
    summary = spark_engine.rfm_summary(url, monetary_value_col="amount", spark=spark)
    pd.testing.assert_frame_equal(summary, engine.rfm_summary(tmp_path / "tx.csv", monetary_value_col="amount"))
