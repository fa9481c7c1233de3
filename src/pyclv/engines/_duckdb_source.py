"""How the DuckDB engine reads files: the connection, the files' types, and each column as typed SQL.

The only places where text is put into SQL are :func:`identifier` and :func:`literal`, always quoted.
"""

from __future__ import annotations

import csv
import io
import os
import re
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias

import duckdb
import pyarrow as pa

from pyclv import _dates
from pyclv import _validation as v
from pyclv._numbers import NUMBER
from pyclv._validation import DateRule, LogColumns
from pyclv.engines._base import INTEGER_TEXT, attribute_name, require_attributes
from pyclv.engines._read_errors import (
    check_csv_headers,
    check_exists,
    duckdb_error,
    first_line,
    first_not_utf8,
    reading,
    unreadable,
)
from pyclv.exceptions import DataValidationError

__all__ = [
    "RFC_4180",
    "CsvDialect",
    "FileSource",
    "Options",
    "check_parquet_files",
    "connection",
    "csv_header",
    "distinct_examples",
    "fetch",
    "identifier",
    "literal",
    "one_row",
    "open_source",
    "reading",
    "sniff_dialect",
]

#: A path or glob of Parquet or CSV files (``"tx/*.parquet"``, ``Path("tx.csv")``).
FileSource: TypeAlias = str | os.PathLike[str]

_PARQUET_SUFFIXES = (".parquet", ".pq", ".parq")
_CSV_SUFFIXES = (".csv", ".tsv", ".txt", ".csv.gz", ".tsv.gz", ".txt.gz", ".csv.zst")

_DATE_TYPES = re.compile(r"^(DATE|TIMESTAMP(_S|_MS|_NS)?|TIMESTAMP WITH TIME ZONE|TIMESTAMPTZ(_NS)?)$")
_ZONED_TYPES = re.compile(r"^(TIMESTAMP WITH TIME ZONE|TIMESTAMPTZ(_NS)?)$")
#: A fixed UTC offset as Arrow writes a time zone, ``+02:00`` or ``-05:30``.
_FIXED_OFFSET = re.compile(r"^([+-])([0-9]{2}):([0-9]{2})$")
_NUMBER_TYPES = re.compile(r"^(U?(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT)|FLOAT|DOUBLE|DECIMAL.*)$")
_INTEGER_TYPES = re.compile(r"^U?(TINYINT|SMALLINT|INTEGER|BIGINT)$")
#: Integer ids that fit a BIGINT whatever their value (UBIGINT ids above 2**63 stay UBIGINT, as in pandas).
_BIGINT_IDS = re.compile(r"^(U?(TINYINT|SMALLINT|INTEGER)|BIGINT)$")


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


def open_source(
    con: duckdb.DuckDBPyConnection,
    source: FileSource,
    columns: LogColumns,
    options: Options,
    attributes: Sequence[str] = (),
) -> None:
    """Define the views ``raw`` (the files as read) and ``tx(customer, raw_date, day, raw_amount, amount, ...)``.

    ``tx`` ends with the attribute columns, named by :func:`~pyclv.engines._base.attribute_name`.
    """
    path = os.fspath(source)
    fmt = _file_format(path, options.file_format)
    files = check_exists(path)
    if fmt == "csv" and files:  # every file's own header, before DuckDB reads them all by the first one's
        dialect = sniff_dialect(files[0])
        check_csv_headers(path, {file: csv_header(file, dialect) for file in files}, columns)
    reader = (
        f"read_parquet({literal(path)})"
        if fmt == "parquet"
        else f"read_csv({literal(path)}, header = true, all_varchar = true)"
    )
    con.execute(f"CREATE TEMP VIEW raw AS SELECT * FROM {reader}")
    schema = dict(con.execute("SELECT column_name, column_type FROM (DESCRIBE raw)").fetchall())
    if fmt != "csv" or not files:
        v.require_log_columns(list(schema), columns)
    require_attributes(list(schema), attributes)
    zone = check_parquet_files(files, columns, attributes) if fmt == "parquet" else None
    customer = _customer_expression(con, columns.customer_id, schema[columns.customer_id], fmt)
    if options.rule.date_format is not None:
        # a view cannot hold prepared parameters: the format travels in a session variable
        con.execute("SET VARIABLE pyclv_date_format = $date_format", {"date_format": options.rule.date_format})
    date_type = schema[columns.date]
    raw = "raw"
    if date_type == "VARCHAR" or (options.rule.date_format is not None and _INTEGER_TYPES.match(date_type)):
        # dates as text: each distinct text is read once (the grammar's patterns cost more than a hash join)
        text_day = _day_expression(con, "pyclv_text", date_type, options.rule, zone)
        con.execute(
            f"""
            CREATE TEMP TABLE pyclv_dates AS
            SELECT pyclv_text, {text_day} AS pyclv_day
            FROM (SELECT DISTINCT {identifier(columns.date)} AS pyclv_text FROM raw)
            """
        )
        raw = f"raw LEFT JOIN pyclv_dates ON raw.{identifier(columns.date)} = pyclv_dates.pyclv_text"
        day = "pyclv_dates.pyclv_day"
    else:
        day = _day_expression(con, columns.date, date_type, options.rule, zone)
    if columns.amount is not None:
        amount = _amount_expression(con, columns.amount, schema[columns.amount])
        raw_amount = identifier(columns.amount)
    else:
        amount = raw_amount = "CAST(0.0 AS DOUBLE)"
    typed = _attribute_expressions(con, attributes, schema) if fmt == "csv" else [
        f"raw.{identifier(name)}" for name in attributes
    ]
    carried = "".join(f",\n{sql} AS {attribute_name(i)}" for i, sql in enumerate(typed))
    con.execute(
        f"""
        CREATE TEMP VIEW tx AS
        SELECT {customer} AS customer,
               raw.{identifier(columns.date)} AS raw_date,
               {day} AS day,
               {raw_amount} AS raw_amount,
               {amount} AS amount{carried}
        FROM {raw}
        """
    )


def _attribute_expressions(
    con: duckdb.DuckDBPyConnection, attributes: Sequence[str], schema: Mapping[str, str]
) -> list[str]:
    """SQL for attribute columns read from CSV text: BIGINT, DOUBLE or the text, by the values of the whole file.

    The rule of :func:`pyclv.engines._base.typed_text`, counted in one pass for every column.
    """
    if not attributes:
        return []
    counts = []
    for name in attributes:
        text = f"trim({identifier(name)}, {literal(_dates.BLANKS)})"
        counts += [
            f"count(*) FILTER (WHERE {text} IS NOT NULL AND NOT regexp_full_match({text}, {literal(NUMBER)}))",
            f"count(*) FILTER (WHERE {text} IS NOT NULL AND NOT (regexp_full_match({text}, {literal(INTEGER_TEXT)}) "
            f"AND TRY_CAST({text} AS BIGINT) IS NOT NULL))",
        ]
    found = one_row(con, f"SELECT {', '.join(counts)} FROM raw")
    expressions = []
    for k, name in enumerate(attributes):
        n_not_numbers, n_not_integers = found[2 * k], found[2 * k + 1]
        text = f"trim(raw.{identifier(name)}, {literal(_dates.BLANKS)})"
        if schema[name] != "VARCHAR" or n_not_numbers:
            expressions.append(f"raw.{identifier(name)}")
        else:
            expressions.append(f"CAST({text} AS {'DOUBLE' if n_not_integers else 'BIGINT'})")
    return expressions


# ---------------------------------------------------------------------------------------------------------
# CSV headers, read as written
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CsvDialect:
    """How a CSV file is written: the delimiter, the quote, and the character that escapes a quote in quotes."""

    delimiter: str
    quote: str
    escape: str


#: RFC 4180: comma, double quotes doubled inside quotes, quoted line breaks (how a remote CSV file is read).
RFC_4180 = CsvDialect(",", '"', '"')


def sniff_dialect(file: str) -> CsvDialect:
    """The dialect DuckDB's sniffer finds in a local CSV file (tab for ``.tsv``; RFC 4180 quoting by default).

    A glob is read in the dialect of its first file, by DuckDB and by the Spark engine alike.
    """
    try:
        with duckdb.connect(":memory:") as con:
            row = con.execute(f"SELECT Delimiter, Quote, Escape FROM sniff_csv({literal(file)})").fetchone()
    except duckdb.Error as exc:
        raise duckdb_error(file, exc) from exc
    assert row is not None  # sniff_csv returns one row
    delimiter, quote, escape = (None if value == "(empty)" else str(value) for value in row)
    if file.lower().endswith((".tsv", ".tsv.gz")):
        delimiter = "\t"
    quote = quote or RFC_4180.quote
    return CsvDialect(delimiter or RFC_4180.delimiter, quote, escape or quote)


def csv_header(file: str, dialect: CsvDialect) -> list[str]:
    """The column names as written in the first record of a local CSV file (duplicates kept as they are).

    Only that record is read (decompressed on the fly for ``.gz`` and ``.zst``), so that checking the headers
    of a glob of hundreds of large files costs milliseconds. A header that is not UTF-8 is refused as the
    engines refuse such text, at its line.
    """
    quoting = {"doublequote": True} if dialect.escape == dialect.quote else {
        "doublequote": False, "escapechar": dialect.escape
    }
    try:
        with pa.input_stream(file, compression="detect") as raw, io.TextIOWrapper(
            raw, encoding="utf-8-sig", newline=""
        ) as text:
            return next(csv.reader(text, delimiter=dialect.delimiter, quotechar=dialect.quote, **quoting), [])
    except UnicodeDecodeError as exc:
        raise first_not_utf8([file]) or exc from exc
    except OSError as exc:  # unreadable, or compressed data that is corrupt
        raise unreadable(file, first_line(str(exc))) from exc


def _customer_expression(con: duckdb.DuckDBPyConnection, column: str, column_type: str, fmt: str) -> str:
    """SQL for the customer id: integers as BIGINT; CSV text ids as BIGINT when all are canonical integers."""
    name = identifier(column)
    if column_type == "UBIGINT":
        return name
    if _BIGINT_IDS.match(column_type):
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
    rule: DateRule,
    zone: str | None,
) -> str:
    """SQL for the calendar day number (days since 1970-01-01) of each row, NULL where there is no date.

    Text is read by the grammar of :mod:`pyclv._dates` (the same patterns as the pandas engine), and
    days outside 1900-2199 are NULL, whatever the column's type.
    """
    name = identifier(column)
    if _ZONED_TYPES.match(column_type):
        # pandas counts a tz-aware time on the local day of its own time zone; so does DuckDB in that zone. A
        # fixed offset, which DuckDB does not take as a zone, is added to the UTC time instead.
        zone = zone or "UTC"
        offset = _FIXED_OFFSET.match(zone)
        con.execute("SET TimeZone = $tz", {"tz": "UTC" if offset else zone})
        if offset:
            sign, hours, minutes = offset.groups()
            shift = f"{sign}{int(hours) * 60 + int(minutes)}"
            date = f"CAST(CAST({name} AS TIMESTAMP) + to_minutes(CAST({shift} AS BIGINT)) AS DATE)"
        else:
            date = f"CAST({name} AS DATE)"
    elif _DATE_TYPES.match(column_type):
        date = f"CAST({name} AS DATE)"
    elif column_type == "VARCHAR" or (rule.date_format is not None and _INTEGER_TYPES.match(column_type)):
        date = _text_date(f"trim(CAST({name} AS VARCHAR), {literal(_dates.BLANKS)})", rule)
    elif column_type == "BOOLEAN" or _NUMBER_TYPES.match(column_type):
        n, shown = _non_null_examples(con, name)
        raise v.numbers_not_dates(column, n, shown)
    else:
        raise v.not_dates(column, column_type)
    day = f"({date} - DATE '1970-01-01')"
    return f"(CASE WHEN {day} BETWEEN {_dates.FIRST_DAY} AND {_dates.LAST_DAY} THEN {day} END)"


def _text_date(text: str, rule: DateRule) -> str:
    """SQL for the DATE of text by ``rule`` (NULL where the text is not a date by it)."""
    if rule.date_format is not None:
        return f"CAST(TRY_STRPTIME({text}, getvariable('pyclv_date_format')) AS DATE)"
    if rule.dayfirst is None:
        iso = literal(_dates.ISO_DATE)
        return f"(CASE WHEN regexp_full_match({text}, {iso}) THEN TRY_CAST(left({text}, 10) AS DATE) END)"

    def part(group: int) -> str:
        return f"regexp_extract({text}, {literal(_dates.DAY_FIRST)}, {group})"

    day, month = (part(1), part(3)) if rule.dayfirst else (part(3), part(1))
    iso = f"concat({part(5)}, '-', lpad({month}, 2, '0'), '-', lpad({day}, 2, '0'))"
    return (
        f"(CASE WHEN regexp_full_match({text}, {literal(_dates.DAY_FIRST)}) AND {part(2)} = {part(4)} "
        f"THEN TRY_CAST({iso} AS DATE) END)"
    )


def distinct_examples(con: duckdb.DuckDBPyConnection, table: str, column_sql: str, condition: str) -> str:
    """The smallest distinct values of ``column_sql`` where ``condition`` holds, worded as every engine does.

    The same examples as the pandas engine's (:func:`pyclv._validation.distinct_values`): sorted, distinct,
    never "the first rows", whose order a parallel scan does not keep.
    """
    (n_distinct,) = one_row(con, f"SELECT count(DISTINCT {column_sql}) FROM {table} WHERE {condition}")
    rows = con.execute(
        f"SELECT DISTINCT {column_sql} AS value FROM {table} WHERE {condition} ORDER BY value LIMIT {v.N_EXAMPLES}"
    ).fetchall()
    return v.listed([row[0] for row in rows], int(n_distinct))


def _non_null_examples(con: duckdb.DuckDBPyConnection, name: str) -> tuple[int, str]:
    """How many values a raw column holds, and the smallest of them, for a message."""
    (n,) = one_row(con, f"SELECT count({name}) FROM raw")
    return int(n), distinct_examples(con, "raw", name, f"{name} IS NOT NULL")


def check_parquet_files(files: list[str], columns: LogColumns, attributes: Sequence[str] = ()) -> str | None:
    """Refuse Parquet files that disagree on the kind or time zone of a used column; return the date's zone.

    A reader takes the first file's types for every file of a glob: a customer id stored as 7 in one file and
    "007" in another would become one customer, and times stored in Tokyo in one file and in New York in another
    would be counted on one zone's days. Only the files' footers are read.

    Parameters
    ----------
    files : list of str
        The local Parquet files of a path or glob (none for a remote URL).
    columns : LogColumns
        The columns the log uses.
    attributes : sequence of str, default ()
        Its attribute columns, which must be of one kind too.

    Returns
    -------
    str or None
        The time zone of a tz-aware date column (the same in every file), or None.

    Raises
    ------
    DataValidationError
        If two files store a used column as different kinds (integer, number, text, date, timestamp in a zone).
    """
    import pyarrow.parquet as pq

    first: dict[str, str] = {}
    zone = None
    for path in files:
        schema = pq.read_schema(path)
        used = [*columns.required, *attributes]
        kinds = {name: _kind(schema.field(name).type) for name in used if name in schema.names}
        if not first:
            first, reference = kinds, path
            zone = getattr(schema.field(columns.date).type, "tz", None) if columns.date in schema.names else None
            continue
        for name, kind in kinds.items():
            if first.get(name, kind) != kind:
                raise DataValidationError(
                    f"{path}: column {name!r} holds {kind} but {first[name]} in {reference}; a reader would take one "
                    f"file's type for all. Write every file with the same type (and time zone).",
                    column=name,
                )
    return None if zone is None else str(zone)


def _kind(arrow_type: Any) -> str:
    """What a column holds, for comparing files: the widths of numbers do not matter, zones and text do."""
    import pyarrow as pa

    if pa.types.is_integer(arrow_type):
        return "integers"
    if pa.types.is_floating(arrow_type) or pa.types.is_decimal(arrow_type):
        return "numbers"
    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
        return "text"
    if pa.types.is_timestamp(arrow_type):
        return f"times in {arrow_type.tz}" if arrow_type.tz else "times without a zone"
    if pa.types.is_date(arrow_type):
        return "dates"
    return str(arrow_type)


def _amount_expression(con: duckdb.DuckDBPyConnection, column: str, column_type: str) -> str:
    """SQL for the amount as DOUBLE (NULL where the text is not a number); other types are an error."""
    name = identifier(column)
    if _NUMBER_TYPES.match(column_type):
        return f"CAST({name} AS DOUBLE)"
    if column_type == "VARCHAR":  # the grammar every engine shares (pyclv._numbers)
        text = f"trim({name}, {literal(_dates.BLANKS)})"
        return f"(CASE WHEN regexp_full_match({text}, {literal(NUMBER)}) THEN TRY_CAST({text} AS DOUBLE) END)"
    n, _ = _non_null_examples(con, name)
    raise v.not_amounts(column, "booleans" if column_type == "BOOLEAN" else f"{column_type} values", n)


@dataclass(frozen=True)
class Options:
    """How to read the files: how dates are written, the file type."""

    rule: DateRule = DateRule()
    file_format: str | None = None
