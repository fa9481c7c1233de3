"""The embedded DuckDB engine: RFM summaries of Parquet or CSV files, aggregated out of core.

The functions here take a path or glob (``"tx/*.parquet"``) instead of a DataFrame and return exactly what
their pandas counterparts in :mod:`pyclv.data` return for the same transactions: the same index, columns,
float values (up to the order of floating-point summation of amounts), ``attrs``, errors and warnings.
:func:`pyclv.rfm_summary`, :func:`pyclv.calibration_holdout_split` and :func:`pyclv.discrete_summary` call
them when given a ``str`` or :class:`pathlib.Path`.

How it works
------------
One in-process DuckDB connection per call, with a memory limit, a private spill directory and all cores:

1. a validation pass counts, in SQL, the rows with a missing customer id, a missing or unparseable date,
   or an amount that is not a number, missing, infinite or negative, and finds the first and last day;
2. an aggregation pass merges each customer's purchases by calendar day (amounts summed) and reduces the
   days to integer per-customer aggregates (number of purchase days, first and last day, repeat spend);
3. pandas receives one row per customer, and the float columns are computed from those integers with the
   same numpy expressions as the pandas path (weeks are days / 7 exactly).

Nothing but the per-customer result is loaded into Python: 100 million transactions need a few GB of
memory, bounded by ``memory_limit`` (DuckDB spills to ``temp_directory`` beyond it).

Column types
------------
Parquet columns keep their types: dates may be DATE, TIMESTAMP or TIMESTAMP WITH TIME ZONE (counted on the
local day of the time zone stored in the file, as pandas does) or ISO 8601 strings. CSV files are read with
every column as text, then converted explicitly: customer ids become integers when every id is a canonical
decimal integer (so ``"007"`` and ``"7"`` stay two customers, as strings), dates are parsed as ISO 8601
(or with ``date_format``, a ``strptime`` format such as ``"%Y%m%d"``) and amounts as numbers. Numbers in a
date column are rejected, not read as epoch times, unless ``date_format`` says how to read them.
"""

from __future__ import annotations

import glob
import os
import re
import sys
import tempfile
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias

import duckdb
import numpy as np
import pandas as pd

from pyclv._time import DAYS_PER_UNIT, check_time_unit
from pyclv.data import DateLike, _day_str, _rows, _summary_frame, _to_day
from pyclv.exceptions import DataValidationError, PyCLVWarning

__all__ = [
    "DEFAULT_MEMORY_LIMIT",
    "FileSource",
    "calibration_holdout_split",
    "discrete_summary",
    "rfm_summary",
]

#: A path or glob of Parquet or CSV files (``"tx/*.parquet"``, ``Path("tx.csv")``).
FileSource: TypeAlias = str | os.PathLike[str]

#: DuckDB's memory budget unless the caller sets one; beyond it, intermediate results spill to disk.
DEFAULT_MEMORY_LIMIT = "4GB"

#: How many offending values an error message shows (as in pyclv.data).
_N_EXAMPLES = 3

_PARQUET_SUFFIXES = (".parquet", ".pq", ".parq")
_CSV_SUFFIXES = (".csv", ".tsv", ".txt", ".csv.gz", ".tsv.gz", ".txt.gz", ".csv.zst")

_DATE_TYPES = re.compile(r"^(DATE|TIMESTAMP(_S|_MS|_NS)?|TIMESTAMP WITH TIME ZONE|TIMESTAMPTZ)$")
_NUMBER_TYPES = re.compile(r"^(U?(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT)|FLOAT|DOUBLE|DECIMAL.*)$")
_INTEGER_TYPES = re.compile(r"^U?(TINYINT|SMALLINT|INTEGER|BIGINT)$")


# ---------------------------------------------------------------------------------------------------------
# SQL helpers: the only places where text is put into SQL, always quoted
# ---------------------------------------------------------------------------------------------------------


def _identifier(name: str) -> str:
    """A column name as a quoted SQL identifier (double quotes doubled)."""
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    """A file path or glob as a quoted SQL string literal (single quotes doubled)."""
    return "'" + text.replace("'", "''") + "'"


def _fetch(con: duckdb.DuckDBPyConnection, sql: str, params: Mapping[str, Any] | None = None) -> Any:
    """Run ``sql`` with the named parameters (``$name``) it uses, out of ``params``."""
    used = {name: value for name, value in (params or {}).items() if f"${name}" in sql}
    return con.execute(sql, used)


def _one_row(con: duckdb.DuckDBPyConnection, sql: str, params: Mapping[str, Any] | None = None) -> tuple[Any, ...]:
    """The single row of an aggregate query."""
    row = _fetch(con, sql, params).fetchone()
    assert row is not None  # an aggregate without GROUP BY always returns one row
    return tuple(row)


# ---------------------------------------------------------------------------------------------------------
# The connection and the source
# ---------------------------------------------------------------------------------------------------------


@contextmanager
def _connection(
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


@dataclass(frozen=True)
class _Source:
    """The user's column names of a source whose typed view is ``tx(customer, raw_date, day, raw_amount, amount)``."""

    customer_id_col: str
    datetime_col: str
    monetary_value_col: str | None


def _open_source(
    con: duckdb.DuckDBPyConnection,
    source: FileSource,
    *,
    customer_id_col: str,
    datetime_col: str,
    monetary_value_col: str | None,
    file_format: str | None,
    date_format: str | None,
) -> _Source:
    """Define the views ``raw`` (the file as read) and ``tx`` (typed columns) and check the column types."""
    path = os.fspath(source)
    fmt = _file_format(path, file_format)
    files = _check_exists(path)
    reader = (
        f"read_parquet({_literal(path)})"
        if fmt == "parquet"
        else f"read_csv({_literal(path)}, header = true, all_varchar = true)"
    )
    try:
        con.execute(f"CREATE TEMP VIEW raw AS SELECT * FROM {reader}")
        schema = dict(con.execute("SELECT column_name, column_type FROM (DESCRIBE raw)").fetchall())
    except duckdb.IOException as exc:
        raise OSError(f"{path}: cannot read the transactions ({exc}).") from exc
    except duckdb.Error as exc:
        raise ValueError(f"{path}: cannot read the transactions as {fmt} ({exc}).") from exc

    required = [customer_id_col, datetime_col] + ([monetary_value_col] if monetary_value_col is not None else [])
    missing = [c for c in required if c not in schema]
    if missing:
        present = ", ".join(repr(c) for c in schema) or "none"
        raise DataValidationError(
            f"transactions is missing the column(s) {', '.join(repr(c) for c in missing)}; the columns present "
            f"are: {present}. Rename your columns or pass customer_id_col=, datetime_col= (and "
            f"monetary_value_col=) to say which columns to use.",
            column=", ".join(missing),
        )

    customer = _customer_expression(con, customer_id_col, schema[customer_id_col], fmt)
    day = _day_expression(con, datetime_col, schema[datetime_col], date_format, files)
    if monetary_value_col is not None:
        amount = _amount_expression(monetary_value_col, schema[monetary_value_col])
        raw_amount = _identifier(monetary_value_col)
    else:
        amount = raw_amount = "CAST(0.0 AS DOUBLE)"
    if date_format is not None:
        # a view cannot hold prepared parameters: the format travels in a session variable
        con.execute("SET VARIABLE pyclv_date_format = $date_format", {"date_format": date_format})
    con.execute(
        f"""
        CREATE TEMP VIEW tx AS
        SELECT {customer} AS customer,
               {_identifier(datetime_col)} AS raw_date,
               {day} AS day,
               {raw_amount} AS raw_amount,
               {amount} AS amount
        FROM raw
        """
    )
    return _Source(customer_id_col, datetime_col, monetary_value_col)


def _customer_expression(con: duckdb.DuckDBPyConnection, column: str, column_type: str, fmt: str) -> str:
    """SQL for the customer id: integers as BIGINT; CSV text ids as BIGINT when all are canonical integers."""
    name = _identifier(column)
    if _INTEGER_TYPES.match(column_type):
        return f"CAST({name} AS BIGINT)"
    if fmt == "csv":
        (n_other,) = _one_row(
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
    name = _identifier(column)
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
        (n,) = _one_row(con, f"SELECT count({name}) FROM raw")
        rows = con.execute(f"SELECT {name} FROM raw WHERE {name} IS NOT NULL LIMIT 3").fetchall()
        examples = [row[0] for row in rows]
        raise DataValidationError(
            f"Column {column!r} holds numbers, not dates, in {_rows(n)} (e.g. {_show_values(examples, n)}); "
            f"pyclv does not guess their meaning. Pass date_format='%Y%m%d' for YYYYMMDD numbers, or convert "
            f"the column to dates before writing the file.",
            column=column,
            n_rows=n,
        )
    raise DataValidationError(
        f"Column {column!r} has type {column_type}, which cannot be read as dates. Store dates as DATE, "
        f"TIMESTAMP or ISO 8601 strings.",
        column=column,
    )


def _stored_time_zone(files: list[str], column: str) -> str:
    """The time zone of a tz-aware timestamp column, from the Arrow schema of the first Parquet file."""
    if files:
        import pyarrow.parquet as pq

        field_type = pq.read_schema(files[0]).field(column).type
        tz = getattr(field_type, "tz", None)
        if tz:
            return str(tz)
    return "UTC"


def _amount_expression(column: str, column_type: str) -> str:
    """SQL for the amount as DOUBLE (NULL where the text is not a number); booleans are an error."""
    name = _identifier(column)
    if _NUMBER_TYPES.match(column_type):
        return f"CAST({name} AS DOUBLE)"
    if column_type == "VARCHAR":
        return f"TRY_CAST(trim({name}) AS DOUBLE)"
    raise DataValidationError(
        f"Column {column!r} has type {column_type}, not amounts. Pass the column with the transaction value as "
        f"monetary_value_col.",
        column=column,
    )


def _stacklevel() -> int:
    """The ``stacklevel`` that points a warning at the first caller outside pyclv (the user's call).

    Call it from the function that warns; the public functions of pyclv.data dispatch here, so the depth
    differs between ``pyclv.rfm_summary(path)`` and a direct call.
    """
    frame = sys._getframe(1)
    level = 1
    while frame is not None and str(frame.f_globals.get("__name__", "")).startswith("pyclv."):
        frame = frame.f_back  # type: ignore[assignment]
        level += 1
    return level


def _show_values(values: list[Any], n: int) -> str:
    more = ", ..." if n > len(values) else ""
    return ", ".join(repr(v) for v in values) + more


# ---------------------------------------------------------------------------------------------------------
# Validation: one pass of counts in SQL
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Checked:
    first_day: int
    last_day: int
    end_day: int


def _examples(con: duckdb.DuckDBPyConnection, column_sql: str, condition: str, n: int) -> str:
    values = [row[0] for row in con.execute(f"SELECT {column_sql} FROM tx WHERE {condition} LIMIT 3").fetchall()]
    return _show_values(values, n)


def _validate(
    con: duckdb.DuckDBPyConnection, src: _Source, end: DateLike | None, end_name: str
) -> _Checked:
    """Count every kind of bad row in one pass over the file; raise on the first kind found, as pyclv.data."""
    counts = _one_row(
        con,
        """
        SELECT count(*) AS n_rows,
               count(*) FILTER (WHERE customer IS NULL) AS missing_ids,
               count(*) FILTER (WHERE raw_date IS NULL) AS missing_dates,
               count(*) FILTER (WHERE raw_date IS NOT NULL AND day IS NULL) AS unparseable_dates,
               count(*) FILTER (WHERE raw_amount IS NOT NULL AND amount IS NULL) AS not_numbers,
               count(*) FILTER (WHERE raw_amount IS NULL OR isnan(amount)) AS missing_amounts,
               count(*) FILTER (WHERE isinf(amount)) AS infinite_amounts,
               count(*) FILTER (WHERE amount < 0) AS negative_amounts,
               min(day) AS first_day,
               max(day) AS last_day
        FROM tx
        """
    )
    (n_rows, missing_ids, missing_dates, unparseable, not_numbers, nan, inf, negative, first_day, last_day) = counts
    id_col, date_col, amount_col = src.customer_id_col, src.datetime_col, src.monetary_value_col
    if n_rows == 0:
        raise DataValidationError(
            "transactions is empty: there is nothing to summarise. Check the files or the query that wrote them.",
            column=id_col,
            n_rows=0,
        )
    if missing_ids:
        raise DataValidationError(
            f"Column {id_col!r} has {_rows(missing_ids)} with a missing customer id. Every transaction needs a "
            f"customer: drop these rows or fill in their ids.",
            column=id_col,
            n_rows=missing_ids,
        )
    if missing_dates or unparseable:
        detail = []
        if missing_dates:
            detail.append(f"{missing_dates:,} missing")
        if unparseable:
            shown = _examples(con, "raw_date", "raw_date IS NOT NULL AND day IS NULL", unparseable)
            detail.append(f"{unparseable:,} unparseable (e.g. {shown})")
        raise DataValidationError(
            f"Column {date_col!r} has {_rows(missing_dates + unparseable)} without a usable date: "
            f"{' and '.join(detail)}. Drop these rows or correct the dates (ISO 8601, e.g. 1997-09-30, or pass "
            f"date_format=).",
            column=date_col,
            n_rows=missing_dates + unparseable,
        )
    if amount_col is not None:
        if not_numbers:
            shown = _examples(con, "raw_amount", "raw_amount IS NOT NULL AND amount IS NULL", not_numbers)
            raise DataValidationError(
                f"Column {amount_col!r} has {_rows(not_numbers)} that are not numbers (e.g. {shown}). Clean "
                f"the column, e.g. strip currency symbols.",
                column=amount_col,
                n_rows=not_numbers,
            )
        fill = "drop these rows or fill in the amounts"
        refunds = "remove returns and refunds, or net them against their purchases"
        checks = (
            (nan, "missing (NaN) amounts", "raw_amount IS NULL OR isnan(amount)", fill),
            (inf, "infinite amounts", "isinf(amount)", "correct or drop these rows"),
            (negative, "negative amounts", "amount < 0", refunds),
        )
        for n, what, condition, todo in checks:
            if n:
                raise DataValidationError(
                    f"Column {amount_col!r} has {_rows(n)} with {what} (e.g. "
                    f"{_examples(con, 'amount', condition, n)}): {todo}.",
                    column=amount_col,
                    n_rows=n,
                )
    end_day = int(last_day) if end is None else _to_day(end, end_name)
    if end_day < first_day:
        raise DataValidationError(
            f"{end_name} {_day_str(end_day)} is before the first transaction ({_day_str(first_day)}): no "
            f"customer would be observed. Pass a later {end_name}.",
            column=end_name,
        )
    return _Checked(int(first_day), int(last_day), end_day)


# ---------------------------------------------------------------------------------------------------------
# Aggregation
# ---------------------------------------------------------------------------------------------------------

#: Common table expressions over ``tx``: ``daily`` holds one row per customer and purchase day up to
#: ``$end_day`` (purchases on the same day are one transaction, their amounts summed) and ``dated`` adds each
#: customer's first purchase day (a hash join, cheaper than a window over all days).
_DAILY = """
daily AS (
    SELECT customer, day, sum(amount) AS amount
    FROM tx
    WHERE day <= $end_day
    GROUP BY customer, day
),
firsts AS (
    SELECT customer, min(day) AS first_day
    FROM daily
    GROUP BY customer
),
dated AS (
    SELECT daily.customer, daily.day, daily.amount, firsts.first_day
    FROM daily JOIN firsts ON daily.customer = firsts.customer
)
"""


def _prepare(
    con: duckdb.DuckDBPyConnection,
    source: FileSource,
    *,
    customer_id_col: str,
    datetime_col: str,
    monetary_value_col: str | None,
    end: DateLike | None,
    end_name: str,
    date_format: str | None,
    file_format: str | None,
) -> _Checked:
    """Open and validate the source; warn (as pyclv.data) about transactions after the end."""
    src = _open_source(
        con,
        source,
        customer_id_col=customer_id_col,
        datetime_col=datetime_col,
        monetary_value_col=monetary_value_col,
        file_format=file_format,
        date_format=date_format,
    )
    checked = _validate(con, src, end, end_name)
    if checked.end_day < checked.last_day:
        params = {"end_day": checked.end_day}
        n_after, n_vanished = _one_row(
            con,
            """
            SELECT (SELECT count(*) FROM tx WHERE day > $end_day),
                   (SELECT count(*) FROM (SELECT customer FROM tx GROUP BY customer HAVING min(day) > $end_day))
            """,
            params,
        )
        warnings.warn(
            f"{n_after:,} transaction(s) dated after {end_name} {_day_str(checked.end_day)} were excluded; "
            f"{n_vanished:,} customer(s) whose first purchase is after that date are therefore not in the result.",
            PyCLVWarning,
            stacklevel=_stacklevel(),
        )
    return checked


def rfm_summary(
    source: FileSource,
    *,
    customer_id_col: str = "customer_id",
    datetime_col: str = "date",
    monetary_value_col: str | None = None,
    observation_period_end: DateLike | None = None,
    time_unit: str = "D",
    date_format: str | None = None,
    file_format: Literal["parquet", "csv"] | None = None,
    memory_limit: str = DEFAULT_MEMORY_LIMIT,
    temp_directory: str | os.PathLike[str] | None = None,
    threads: int | None = None,
) -> pd.DataFrame:
    """Summarise Parquet or CSV transaction files into frequency, recency, T (and monetary value), out of core.

    The file counterpart of :func:`pyclv.data.rfm_summary`, with the same conventions and result: purchases
    on the same day are one transaction, ``frequency`` counts repeat transactions, ``recency`` and ``T`` are
    exact in ``time_unit`` and ``monetary_value`` is the mean of the repeat transactions.

    Parameters
    ----------
    source : str or os.PathLike
        A Parquet or CSV file, or a glob of them (``"tx/*.parquet"``), one row per transaction.
    customer_id_col, datetime_col, monetary_value_col, observation_period_end, time_unit
        As in :func:`pyclv.data.rfm_summary`.
    date_format : str, optional
        A ``strptime`` format for dates stored as text or numbers, e.g. ``"%Y%m%d"``; by default dates are
        DATE or TIMESTAMP columns or ISO 8601 strings.
    file_format : {"parquet", "csv"}, optional
        The file type, if the name's suffix does not tell it.
    memory_limit : str, default "4GB"
        DuckDB's memory budget; larger intermediate results spill to ``temp_directory``.
    temp_directory : str or os.PathLike, optional
        Where DuckDB spills; by default a private temporary directory, removed afterwards.
    threads : int, optional
        Worker threads; by default all cores.

    Returns
    -------
    pandas.DataFrame
        As :func:`pyclv.data.rfm_summary`: one row per customer, indexed by customer id and sorted by it,
        float64 ``frequency``, ``recency``, ``T`` (and ``monetary_value``), ``attrs["time_unit"]``.

    Raises
    ------
    DataValidationError
        As :func:`pyclv.data.rfm_summary`; bad rows are counted in SQL and the error shows example values.
    FileNotFoundError
        If no file matches ``source``.
    OSError, ValueError
        If the files cannot be read, or their type is unknown.

    Warns
    -----
    PyCLVWarning
        If transactions fall after ``observation_period_end`` (they are excluded).

    Notes
    -----
    Two passes over the files: one counts bad rows and finds the first and last day, one aggregates. The
    repeat spend is summed over the days after each customer's first purchase day (not total minus first),
    so that it carries no cancellation error.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from pyclv.datasets import load_cdnow_transactions
    >>> from pyclv.engines.duckdb import rfm_summary
    >>> log = load_cdnow_transactions()
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> log[log["date"] <= "1997-09-30"].to_parquet(folder / "cdnow.parquet")
    >>> summary = rfm_summary(folder / "cdnow.parquet", observation_period_end="1997-09-30",
    ...                       monetary_value_col="amount", time_unit="W")
    >>> len(summary), summary.loc[1].round(4).tolist()
    (2357, [2.0, 30.4286, 38.8571, 22.345])
    """
    check_time_unit(time_unit)
    with _connection(memory_limit, temp_directory, threads) as con:
        checked = _prepare(
            con,
            source,
            customer_id_col=customer_id_col,
            datetime_col=datetime_col,
            monetary_value_col=monetary_value_col,
            end=observation_period_end,
            end_name="observation_period_end",
            date_format=date_format,
            file_format=file_format,
        )
        result = _fetch(
            con,
            f"""
            WITH {_DAILY}
            SELECT customer,
                   count(*) AS n_days,
                   min(day) AS first_day,
                   max(day) AS last_day,
                   coalesce(sum(amount) FILTER (WHERE day > first_day), 0.0) AS repeat_total
            FROM dated
            GROUP BY customer
            ORDER BY customer
            """,
            {"end_day": checked.end_day},
        ).fetchnumpy()
    return _summary_frame(
        pd.Index(result["customer"], name=customer_id_col),
        result["n_days"],
        result["first_day"],
        result["last_day"],
        result["repeat_total"] if monetary_value_col is not None else None,
        checked.end_day,
        time_unit,
    )


def calibration_holdout_split(
    source: FileSource,
    *,
    calibration_period_end: DateLike,
    observation_period_end: DateLike | None = None,
    customer_id_col: str = "customer_id",
    datetime_col: str = "date",
    monetary_value_col: str | None = None,
    time_unit: str = "D",
    date_format: str | None = None,
    file_format: Literal["parquet", "csv"] | None = None,
    memory_limit: str = DEFAULT_MEMORY_LIMIT,
    temp_directory: str | os.PathLike[str] | None = None,
    threads: int | None = None,
) -> pd.DataFrame:
    """Summarise a calibration period of transaction files and count what each customer did in the holdout.

    The file counterpart of :func:`pyclv.data.calibration_holdout_split`, with the same result.

    Parameters
    ----------
    source : str or os.PathLike
        A Parquet or CSV file, or a glob of them, one row per transaction.
    calibration_period_end, observation_period_end, customer_id_col, datetime_col, monetary_value_col, time_unit
        As in :func:`pyclv.data.calibration_holdout_split`.
    date_format, file_format, memory_limit, temp_directory, threads
        As in :func:`rfm_summary`.

    Returns
    -------
    pandas.DataFrame
        As :func:`pyclv.data.calibration_holdout_split`: the calibration summary with ``frequency_holdout``,
        ``revenue_holdout`` (with ``monetary_value_col``) and ``duration_holdout``.

    Raises
    ------
    DataValidationError
        As :func:`pyclv.data.calibration_holdout_split`.
    FileNotFoundError, OSError, ValueError
        As :func:`rfm_summary`.

    Warns
    -----
    PyCLVWarning
        If transactions fall after ``observation_period_end``, and if some customers make their first
        purchase in the holdout (they are left out and counted).

    Examples
    --------
    >>> import tempfile, pathlib, warnings
    >>> from pyclv.datasets import load_cdnow_transactions
    >>> from pyclv.engines.duckdb import calibration_holdout_split
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> load_cdnow_transactions().to_csv(folder / "cdnow.csv", index=False)
    >>> split = calibration_holdout_split(folder / "cdnow.csv", calibration_period_end="1997-09-30",
    ...                                   observation_period_end="1998-06-30", time_unit="W")
    >>> split.loc[1, ["frequency", "frequency_holdout", "duration_holdout"]].round(2).tolist()
    [2.0, 1.0, 39.0]
    """
    check_time_unit(time_unit)
    with _connection(memory_limit, temp_directory, threads) as con:
        checked = _prepare(
            con,
            source,
            customer_id_col=customer_id_col,
            datetime_col=datetime_col,
            monetary_value_col=monetary_value_col,
            end=observation_period_end,
            end_name="observation_period_end",
            date_format=date_format,
            file_format=file_format,
        )
        calibration_end = _to_day(calibration_period_end, "calibration_period_end")
        if calibration_end >= checked.end_day:
            raise DataValidationError(
                f"calibration_period_end {_day_str(calibration_end)} must be before observation_period_end "
                f"{_day_str(checked.end_day)}, or the holdout period is empty. Pass an earlier calibration end.",
                column="calibration_period_end",
            )
        if calibration_end < checked.first_day:
            raise DataValidationError(
                f"calibration_period_end {_day_str(calibration_end)} is before the first transaction "
                f"({_day_str(checked.first_day)}): the calibration period is empty. Pass a later calibration end.",
                column="calibration_period_end",
            )
        params = {"end_day": checked.end_day, "calibration_end": calibration_end}
        _fetch(
            con,
            f"""
            CREATE TEMP TABLE customers AS
            WITH {_DAILY}
            SELECT customer,
                   count(*) FILTER (WHERE day <= $calibration_end) AS n_days,
                   min(day) AS first_day,
                   max(day) FILTER (WHERE day <= $calibration_end) AS last_day,
                   coalesce(sum(amount) FILTER (WHERE day > first_day AND day <= $calibration_end), 0.0)
                       AS repeat_total,
                   count(*) FILTER (WHERE day > $calibration_end) AS n_holdout,
                   coalesce(sum(amount) FILTER (WHERE day > $calibration_end), 0.0) AS revenue_holdout
            FROM dated
            GROUP BY customer
            """,
            params,
        )
        (n_new,) = _one_row(
            con, "SELECT count(*) FROM customers WHERE first_day > $calibration_end", params
        )
        if n_new:
            warnings.warn(
                f"{n_new:,} customer(s) made their first purchase in the holdout period, after "
                f"calibration_period_end {_day_str(calibration_end)}; they are not in the calibration cohort and "
                f"are left out.",
                PyCLVWarning,
                stacklevel=_stacklevel(),
            )
        result = _fetch(
            con,
            "SELECT * FROM customers WHERE first_day <= $calibration_end ORDER BY customer",
            params,
        ).fetchnumpy()
    split = _summary_frame(
        pd.Index(result["customer"], name=customer_id_col),
        result["n_days"],
        result["first_day"],
        result["last_day"],
        result["repeat_total"] if monetary_value_col is not None else None,
        calibration_end,
        time_unit,
    )
    split["frequency_holdout"] = result["n_holdout"].astype(np.float64)
    if monetary_value_col is not None:
        split["revenue_holdout"] = result["revenue_holdout"]
    split["duration_holdout"] = (checked.end_day - calibration_end) / DAYS_PER_UNIT[time_unit]
    split.attrs["time_unit"] = time_unit
    return split


def discrete_summary(
    source: FileSource,
    *,
    customer_id_col: str = "customer_id",
    datetime_col: str = "date",
    monetary_value_col: str | None = None,
    observation_period_end: DateLike | None = None,
    time_unit: str = "Y",
    date_format: str | None = None,
    file_format: Literal["parquet", "csv"] | None = None,
    memory_limit: str = DEFAULT_MEMORY_LIMIT,
    temp_directory: str | os.PathLike[str] | None = None,
    threads: int | None = None,
) -> pd.DataFrame:
    """Summarise transaction files into whole purchase opportunities, for discrete-time models (BG/BB).

    The file counterpart of :func:`pyclv.data.discrete_summary`, with the same result: period 0 holds each
    customer's first purchase, periods 1..n are its repeat opportunities (n complete periods of ``time_unit``
    before ``observation_period_end``), and a period with any transaction counts once.

    Parameters
    ----------
    source : str or os.PathLike
        A Parquet or CSV file, or a glob of them, one row per transaction.
    customer_id_col, datetime_col, monetary_value_col, observation_period_end, time_unit
        As in :func:`pyclv.data.discrete_summary`.
    date_format, file_format, memory_limit, temp_directory, threads
        As in :func:`rfm_summary`.

    Returns
    -------
    pandas.DataFrame
        As :func:`pyclv.data.discrete_summary`: ``frequency``, ``recency``, ``n_periods`` (and
        ``monetary_value``) per customer.

    Warns
    -----
    PyCLVWarning
        If transactions fall after ``observation_period_end``, and for customer-days in a customer's last,
        incomplete period (left out of the summary).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from pyclv.datasets import load_cdnow_transactions
    >>> from pyclv.engines.duckdb import discrete_summary
    >>> log = load_cdnow_transactions()
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "cdnow.parquet"
    >>> log[log["date"] <= "1997-09-30"].to_parquet(path)
    >>> discrete_summary(path, observation_period_end="1997-09-30", time_unit="D").loc[1].tolist()
    [2.0, 213.0, 272.0]
    """
    check_time_unit(time_unit)
    with _connection(memory_limit, temp_directory, threads) as con:
        checked = _prepare(
            con,
            source,
            customer_id_col=customer_id_col,
            datetime_col=datetime_col,
            monetary_value_col=monetary_value_col,
            end=observation_period_end,
            end_name="observation_period_end",
            date_format=date_format,
            file_format=file_format,
        )
        params = {"end_day": checked.end_day, "length": DAYS_PER_UNIT[time_unit]}
        # The same floating-point expressions as pyclv.data: floor(days / length) with days an integer.
        result = _fetch(
            con,
            f"""
            WITH {_DAILY},
            periods AS (
                SELECT customer,
                       amount,
                       CAST(floor((day - first_day) / $length) AS BIGINT) AS period,
                       greatest(CAST(floor(($end_day - first_day + 1) / $length) AS BIGINT) - 1, 0) AS n_periods
                FROM dated
            )
            SELECT customer,
                   count(DISTINCT period) FILTER (WHERE period > 0 AND period <= n_periods) AS frequency,
                   max(period) FILTER (WHERE period <= n_periods) AS recency,
                   any_value(n_periods) AS n_periods,
                   coalesce(sum(amount) FILTER (WHERE period > 0 AND period <= n_periods), 0.0) AS spend,
                   count(*) FILTER (WHERE period > n_periods) AS n_incomplete
            FROM periods
            GROUP BY customer
            ORDER BY customer
            """,
            params,
        ).fetchnumpy()
    n_incomplete = int(result["n_incomplete"].sum())
    if n_incomplete:
        warnings.warn(
            f"{n_incomplete:,} customer-day(s) with transactions fall in a customer's last, incomplete "
            f"period of length {time_unit} and are not in the summary (that opportunity is not over yet).",
            PyCLVWarning,
            stacklevel=_stacklevel(),
        )
    frequency = result["frequency"].astype(np.float64)
    columns = {
        "frequency": frequency,
        "recency": result["recency"].astype(np.float64),
        "n_periods": result["n_periods"].astype(np.float64),
    }
    if monetary_value_col is not None:
        spend = result["spend"]
        columns["monetary_value"] = np.divide(spend, frequency, out=np.zeros_like(spend), where=frequency > 0)
    summary = pd.DataFrame(columns, index=pd.Index(result["customer"], name=customer_id_col))
    summary.attrs["time_unit"] = time_unit
    return summary
