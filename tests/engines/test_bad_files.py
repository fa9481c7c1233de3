"""Files that cannot be read as a transaction log: one line that names the file, the problem and the remedy.

Each case reproduces what a user met: DuckDB's own messages ran to twenty lines of SQL and sniffer settings, or
came out as tracebacks, and a duplicated header silently used the first of the two columns.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pyclv import data
from pyclv.engines import duckdb as engine
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
    "duplicated-header": (_duplicated_header, DataValidationError, "several columns named 'amount'"),
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
    if not isinstance(error.value, DataValidationError) or "columns named" not in message:
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
