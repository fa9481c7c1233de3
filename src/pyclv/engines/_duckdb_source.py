"""How the DuckDB engine reads files: the connection, the files' types, and each column as typed SQL.

The only places where text is put into SQL are :func:`identifier` and :func:`literal`, always quoted.
"""

from __future__ import annotations

import glob
import os
import re
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias

import duckdb

from pyclv import _validation as v
from pyclv._validation import LogColumns

__all__ = ["FileSource", "Options", "connection", "fetch", "identifier", "literal", "one_row", "open_source"]

#: A path or glob of Parquet or CSV files (``"tx/*.parquet"``, ``Path("tx.csv")``).
FileSource: TypeAlias = str | os.PathLike[str]

_PARQUET_SUFFIXES = (".parquet", ".pq", ".parq")
_CSV_SUFFIXES = (".csv", ".tsv", ".txt", ".csv.gz", ".tsv.gz", ".txt.gz", ".csv.zst")

_DATE_TYPES = re.compile(r"^(DATE|TIMESTAMP(_S|_MS|_NS)?|TIMESTAMP WITH TIME ZONE|TIMESTAMPTZ)$")
_NUMBER_TYPES = re.compile(r"^(U?(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT)|FLOAT|DOUBLE|DECIMAL.*)$")
_INTEGER_TYPES = re.compile(r"^U?(TINYINT|SMALLINT|INTEGER|BIGINT)$")


# ---------------------------------------------------------------------------------------------------------
# SQL helpers: the only places where text is put into SQL, always quoted
# ---------------------------------------------------------------------------------------------------------


def identifier(name: str) -> str:
    """A column name as a quoted SQL identifier (double quotes doubled)."""
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    """A file path or glob as a quoted SQL string literal (single quotes doubled)."""
    return "'" + text.replace("'", "''") + "'"


def fetch(con: duckdb.DuckDBPyConnection, sql: str, params: Mapping[str, Any] | None = None) -> Any:
    """Run ``sql`` with the named parameters (``$name``) it uses, out of ``params``."""
    used = {name: value for name, value in (params or {}).items() if f"${name}" in sql}
    return con.execute(sql, used)


def one_row(con: duckdb.DuckDBPyConnection, sql: str, params: Mapping[str, Any] | None = None) -> tuple[Any, ...]:
    """The single row of an aggregate query."""
    row = fetch(con, sql, params).fetchone()
    assert row is not None  # an aggregate without GROUP BY always returns one row
    return tuple(row)


# ---------------------------------------------------------------------------------------------------------
# The connection and the source
# ---------------------------------------------------------------------------------------------------------


@contextmanager
def connection(
    memory_limit: str, temp_directory: str | os.PathLike[str] | None, threads: int | None
) -> Iterator[duckdb.DuckDBPyConnection]:
    """An in-memory DuckDB connection with a memory limit, a spill directory and ``threads`` threads.

    Without ``temp_directory`` a private temporary directory is created and removed afterwards.
    """
    with tempfile.TemporaryDirectory(prefix="pyclv-duckdb-") as private:
        config: dict[str, str | bool | int | float | list[str]] = {
            "memory_limit": memory_limit,
            "temp_directory": os.fspath(temp_directory) if temp_directory is not None else private,
            "threads": threads if threads is not None else (os.cpu_count() or 1),
            "preserve_insertion_order": False,
        }
        con = duckdb.connect(":memory:", config=config)
        con.execute("SET enable_progress_bar = false")  # no output from library code
        try:
            yield con
        except duckdb.IOException as exc:  # a file that disappears or is corrupt part-way through
            raise OSError(f"cannot read the transactions ({exc}).") from exc
        finally:
            con.close()


def _file_format(path: str, file_format: str | None) -> Literal["parquet", "csv"]:
    if file_format is not None:
        if file_format not in ("parquet", "csv"):
            raise ValueError(f"file_format must be 'parquet' or 'csv'; got {file_format!r}.")
        return file_format  # type: ignore[return-value]
    lower = path.lower()
    if lower.endswith(_PARQUET_SUFFIXES):
        return "parquet"
    if lower.endswith(_CSV_SUFFIXES):
        return "csv"
    raise ValueError(
        f"{path}: cannot tell the file type from its name; use a .parquet or .csv suffix or pass "
        f"file_format='parquet' or 'csv'."
    )


def _check_exists(path: str) -> list[str]:
    """Local files matching ``path`` (a glob), or [] for remote URLs; no match is a FileNotFoundError."""
    if "://" in path:
        return []
    matches = sorted(glob.glob(path, recursive=True)) if glob.has_magic(path) else [path]
    if not matches or not all(os.path.exists(match) for match in matches):
        raise FileNotFoundError(f"No transaction file matches {path!r}. Check the path or glob.")
    return matches


def open_source(con: duckdb.DuckDBPyConnection, source: FileSource, columns: LogColumns, options: Options) -> None:
    """Define the views ``raw`` (the files as read) and ``tx(customer, raw_date, day, raw_amount, amount)``."""
    path = os.fspath(source)
    fmt = _file_format(path, options.file_format)
    files = _check_exists(path)
    reader = (
        f"read_parquet({literal(path)})"
        if fmt == "parquet"
        else f"read_csv({literal(path)}, header = true, all_varchar = true)"
    )
    try:
        con.execute(f"CREATE TEMP VIEW raw AS SELECT * FROM {reader}")
        schema = dict(con.execute("SELECT column_name, column_type FROM (DESCRIBE raw)").fetchall())
    except duckdb.IOException as exc:
        raise OSError(f"{path}: cannot read the transactions ({exc}).") from exc
    except duckdb.Error as exc:
        raise ValueError(f"{path}: cannot read the transactions as {fmt} ({exc}).") from exc
    v.require_log_columns(list(schema), columns)
    customer = _customer_expression(con, columns.customer_id, schema[columns.customer_id], fmt)
    day = _day_expression(con, columns.date, schema[columns.date], options.date_format, files)
    if columns.amount is not None:
        amount = _amount_expression(con, columns.amount, schema[columns.amount])
        raw_amount = identifier(columns.amount)
    else:
        amount = raw_amount = "CAST(0.0 AS DOUBLE)"
    if options.date_format is not None:
        # a view cannot hold prepared parameters: the format travels in a session variable
        con.execute("SET VARIABLE pyclv_date_format = $date_format", {"date_format": options.date_format})
    con.execute(
        f"""
        CREATE TEMP VIEW tx AS
        SELECT {customer} AS customer,
               {identifier(columns.date)} AS raw_date,
               {day} AS day,
               {raw_amount} AS raw_amount,
               {amount} AS amount
        FROM raw
        """
    )


def _customer_expression(con: duckdb.DuckDBPyConnection, column: str, column_type: str, fmt: str) -> str:
    """SQL for the customer id: integers as BIGINT; CSV text ids as BIGINT when all are canonical integers."""
    name = identifier(column)
    if _INTEGER_TYPES.match(column_type):
        return f"CAST({name} AS BIGINT)"
    if fmt == "csv":
        (n_other,) = one_row(
            con,
            f"""
            SELECT count(*) FROM raw
            WHERE {name} IS NOT NULL
              AND CAST(TRY_CAST({name} AS BIGINT) AS VARCHAR) IS DISTINCT FROM {name}
            """
        )
        if n_other == 0:
            return f"CAST({name} AS BIGINT)"
    return name


def _day_expression(
    con: duckdb.DuckDBPyConnection,
    column: str,
    column_type: str,
    date_format: str | None,
    files: list[str],
) -> str:
    """SQL for the calendar day number (days since 1970-01-01) of each row, NULL where there is no date."""
    name = identifier(column)
    epoch = "DATE '1970-01-01'"
    if column_type in ("TIMESTAMP WITH TIME ZONE", "TIMESTAMPTZ"):
        # pandas counts a tz-aware time on the local day of its own time zone; so does DuckDB in that zone.
        con.execute("SET TimeZone = $tz", {"tz": _stored_time_zone(files, column)})
    if _DATE_TYPES.match(column_type):
        return f"(CAST({name} AS DATE) - {epoch})"
    if date_format is not None:
        return f"(CAST(TRY_STRPTIME(CAST({name} AS VARCHAR), getvariable('pyclv_date_format')) AS DATE) - {epoch})"
    if column_type == "VARCHAR":
        return f"(CAST(TRY_CAST({name} AS TIMESTAMP) AS DATE) - {epoch})"
    if column_type == "BOOLEAN" or _NUMBER_TYPES.match(column_type):
        n, shown = _non_null_examples(con, name)
        raise v.numbers_not_dates(column, n, shown)
    raise v.not_dates(column, column_type)


def _non_null_examples(con: duckdb.DuckDBPyConnection, name: str) -> tuple[int, str]:
    """How many values a raw column holds, and up to three of them, for a message."""
    (n,) = one_row(con, f"SELECT count({name}) FROM raw")
    values = [row[0] for row in con.execute(f"SELECT {name} FROM raw WHERE {name} IS NOT NULL LIMIT 3").fetchall()]
    return int(n), v.listed(values, int(n))


def _stored_time_zone(files: list[str], column: str) -> str:
    """The time zone of a tz-aware timestamp column, from the Arrow schema of the first Parquet file."""
    if files:
        import pyarrow.parquet as pq

        field_type = pq.read_schema(files[0]).field(column).type
        tz = getattr(field_type, "tz", None)
        if tz:
            return str(tz)
    return "UTC"


def _amount_expression(con: duckdb.DuckDBPyConnection, column: str, column_type: str) -> str:
    """SQL for the amount as DOUBLE (NULL where the text is not a number); other types are an error."""
    name = identifier(column)
    if _NUMBER_TYPES.match(column_type):
        return f"CAST({name} AS DOUBLE)"
    if column_type == "VARCHAR":
        return f"TRY_CAST(trim({name}) AS DOUBLE)"
    n, _ = _non_null_examples(con, name)
    raise v.not_amounts(column, "booleans" if column_type == "BOOLEAN" else f"{column_type} values", n)


@dataclass(frozen=True)
class Options:
    """How to read the files: a date format, the file type."""

    date_format: str | None = None
    file_format: str | None = None
