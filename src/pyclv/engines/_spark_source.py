"""How the Spark engine reads a log: the session, the source, each column as a typed Spark expression.

A source (a Spark DataFrame, or Parquet or CSV files read by Spark) becomes the DataFrame
``tx(customer, raw_date, day, raw_amount, amount, undecodable)``: ``customer`` the id (integers as BIGINT,
strings as strings), ``day`` the calendar day number (days since 1970-01-01, NULL where there is no readable
date), ``amount`` a DOUBLE (NULL where the text is not a number), beside the raw values that messages show, and
``undecodable``, true where CSV text was not UTF-8. Date strings and amounts written as text are read on the
executors by the very functions the pandas engine uses (pandas UDFs), so that both engines read every string
alike.

Local CSV files are read in the dialect DuckDB's sniffer finds in the first, each by its own header, as the
DuckDB engine reads them (:func:`~pyclv.engines._duckdb_source.sniff_dialect`,
:func:`~pyclv.engines._duckdb_source.csv_header`); what Spark raises while reading files becomes
one line that names them (:func:`reading`, worded in :mod:`pyclv.engines._read_errors`).

User column names only enter Spark through :func:`column` (quoted), never spliced into SQL text.

What crosses to the driver, one row per customer, travels as Arrow (:func:`to_pandas`); a per-customer table
goes back the same way (:func:`to_spark`).
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Literal, TypeAlias, cast

import numpy as np
import pandas as pd
from pyspark.sql import Column, DataFrame, DataFrameReader, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from pyclv import _validation as v
from pyclv._dates import FIRST_DAY, LAST_DAY, string_days
from pyclv._numbers import text_amounts
from pyclv._validation import DateRule, LogColumns
from pyclv.engines._base import (
    MISSING,
    NUMBER_KIND,
    TEXT,
    attribute_name,
    require_attributes,
    text_integers,
    text_kinds,
)
from pyclv.engines._duckdb_source import (
    RFC_4180,
    CsvDialect,
    _file_format,
    check_parquet_files,
    csv_header,
    sniff_dialect,
)
from pyclv.engines._read_errors import (
    check_csv_headers,
    check_exists,
    different_columns,
    first_line,
    first_not_utf8,
    names_differ_in_case,
    not_utf8,
    unreadable,
)
from pyclv.exceptions import DataValidationError

__all__ = [
    "ARROW",
    "Options",
    "SparkSource",
    "TextFiles",
    "column",
    "distinct_examples",
    "open_source",
    "reading",
    "session_of",
    "to_pandas",
    "to_spark",
]

#: A Spark DataFrame, or a path or glob of Parquet or CSV files (local, ``hdfs://``, ``s3a://``, ``dbfs:/``...).
SparkSource: TypeAlias = DataFrame | str | os.PathLike[str]

#: The setting that makes ``toPandas`` and ``createDataFrame`` move data as Arrow (on by default in Spark 4).
ARROW = "spark.sql.execution.arrow.pyspark.enabled"

_INTEGER_TYPES = (T.ByteType, T.ShortType, T.IntegerType, T.LongType)
_NUMBER_TYPES = (*_INTEGER_TYPES, T.FloatType, T.DoubleType, T.DecimalType)
_MICROS_PER_DAY = 86_400_000_000
#: What Spark's UTF-8 decoder puts in place of bytes that are not UTF-8.
_REPLACEMENT = "\ufffd"
#: Spark's errors of reading files, and those of them that mean the files' columns differ.
_READ_FAILURES = ("FAILED_READ_FILE", "CANNOT_READ_FILE", "PATH_NOT_FOUND")
_DIFFERENT_COLUMNS = ("PARQUET_COLUMN_DATA_TYPE_MISMATCH", "CSV header does not conform", "CANNOT_MERGE")


@dataclass(frozen=True)
class Options:
    """How to read the source: how dates are written, the file type."""

    rule: DateRule = DateRule()
    file_format: Literal["parquet", "csv"] | None = None


def column(name: str) -> Column:
    """A column by its exact name (dots, spaces and backticks quoted)."""
    return F.col("`" + name.replace("`", "``") + "`")


def session_of(source: SparkSource, spark: SparkSession | None) -> SparkSession:
    """The session of a DataFrame; for files ``spark``, else the active session (or a new local one)."""
    if isinstance(source, DataFrame):
        return source.sparkSession
    if spark is not None:
        return spark
    return SparkSession.getActiveSession() or SparkSession.builder.getOrCreate()


# ---------------------------------------------------------------------------------------------------------
# The driver boundary: per-customer tables as Arrow
# ---------------------------------------------------------------------------------------------------------


@contextmanager
def _arrow(spark: SparkSession) -> Iterator[None]:
    """Arrow transfers for the duration of the block (Spark 3.5 has them off by default); the setting is restored."""
    before = spark.conf.get(ARROW) or "false"  # the session's value, or Spark's default
    if before.lower() == "true":
        yield
        return
    spark.conf.set(ARROW, "true")
    try:
        yield
    finally:
        spark.conf.set(ARROW, before)


def to_pandas(frame: DataFrame) -> pd.DataFrame:
    """Collect a (per-customer) DataFrame to the driver as Arrow."""
    with _arrow(frame.sparkSession):
        return frame.toPandas()


def to_spark(spark: SparkSession, frame: pd.DataFrame) -> DataFrame:
    """A pandas DataFrame (its columns, not its index) as a Spark DataFrame, sent as Arrow."""
    with _arrow(spark):
        return spark.createDataFrame(frame)


# ---------------------------------------------------------------------------------------------------------
# The source
# ---------------------------------------------------------------------------------------------------------


def open_source(
    source: SparkSource,
    columns: LogColumns,
    options: Options,
    spark: SparkSession | None,
    attributes: Sequence[str] = (),
) -> tuple[DataFrame, TextFiles | None]:
    """The DataFrame ``tx(customer, raw_date, day, raw_amount, amount, undecodable, ...)`` of a source.

    ``tx`` ends with the attribute columns, named by :func:`~pyclv.engines._base.attribute_name` (from CSV text,
    typed by the rule of :func:`~pyclv.engines._base.typed_text`).

    Parameters
    ----------
    source : pyspark.sql.DataFrame, str or os.PathLike
        One row per transaction.
    columns : LogColumns
        Which columns hold the customer id, the date and the amount.
    options : Options
        How to read dates and files.
    spark : pyspark.sql.SparkSession, optional
        The session that reads files.
    attributes : sequence of str, default ()
        Columns to carry, whose first values per customer the totals hold.

    Returns
    -------
    pyspark.sql.DataFrame
        The log with typed columns (see the module docstring) and ``undecodable``, true where the text of a used
        column read from CSV holds U+FFFD (Spark's replacement of bytes that are not UTF-8); nothing is computed
        yet (except for the few checks of a column's values that choose its type, e.g. whether every CSV id is an
        integer).
    TextFiles or None
        The CSV files whose text must be UTF-8; None for other sources.
    """
    if isinstance(source, DataFrame):
        raw, text, time_zone = source, None, None
    elif isinstance(source, (str, os.PathLike)):
        raw, text, time_zone = _read_files(
            session_of(source, spark), os.fspath(source), columns, options, attributes
        )
    else:
        raise v.not_a_dataframe(source)
    v.require_log_columns(raw.columns, columns)
    require_attributes(raw.columns, attributes)
    fields = {field.name: field.dataType for field in raw.schema.fields}
    customer = _customer_expression(raw, columns.customer_id, fields[columns.customer_id], text is not None)
    day = _day_expression(raw, columns.date, fields[columns.date], options, time_zone)
    if columns.amount is not None:
        raw_amount = column(columns.amount)
        amount = _amount_expression(raw, columns.amount, fields[columns.amount])
    else:
        raw_amount = amount = F.lit(0.0).cast("double")
    if text is not None:
        used = dict.fromkeys([*columns.required, *attributes])
        undecodable = F.concat_ws("", *(column(name) for name in used)).contains(_REPLACEMENT)
    else:
        undecodable = F.lit(False)
    carried = _attribute_expressions(raw, attributes) if text is not None else [column(name) for name in attributes]
    tx = raw.select(
        customer.alias("customer"),
        column(columns.date).alias("raw_date"),
        day.alias("day"),
        raw_amount.alias("raw_amount"),
        amount.alias("amount"),
        undecodable.alias("undecodable"),
        *(value.alias(attribute_name(i)) for i, value in enumerate(carried)),
    )
    return tx, text


def _attribute_expressions(raw: DataFrame, attributes: Sequence[str]) -> list[Column]:
    """Attribute columns read from CSV text: BIGINT, DOUBLE or the text, by the values of the whole file.

    The kinds of the values are found by the pandas code of :func:`pyclv.engines._base.text_kinds` on the
    executors, in one aggregation for every column.
    """
    if not attributes:
        return []
    kinds_udf = cast(Callable[[Column], Column], F.pandas_udf(_read_kinds, "tinyint"))  # type: ignore[call-overload]
    found = raw.agg(*(F.max(kinds_udf(column(name))).alias(f"k{i}") for i, name in enumerate(attributes))).first()
    assert found is not None  # an aggregation without grouping has one row
    expressions = []
    for i, name in enumerate(attributes):
        kind = found[f"k{i}"] or MISSING
        if kind == TEXT:
            expressions.append(column(name))
        elif kind == NUMBER_KIND:
            expressions.append(_numeric_udf()(column(name)))
        else:
            integers = cast(Callable[[Column], Column], F.pandas_udf(text_integers, "bigint"))  # type: ignore[call-overload]
            expressions.append(integers(column(name)))
    return expressions


def _read_kinds(values: pd.Series) -> pd.Series:
    """One batch of CSV text as the kinds of :func:`pyclv.engines._base.text_kinds`."""
    return pd.Series(text_kinds(values), index=values.index)


@contextmanager
def reading(source: SparkSource) -> Iterator[None]:
    """Turn what Spark raises while reading files into one line that names the path, as the DuckDB engine does.

    Spark reads lazily, so the block is the whole job over the files. A corrupt, truncated or unreadable file is
    an :class:`OSError`, files whose columns differ a :class:`~pyclv.exceptions.DataValidationError`; other
    errors, and any error of a DataFrame source, are raised as they are. The original stays attached as the cause.

    Parameters
    ----------
    source : pyspark.sql.DataFrame, str or os.PathLike
        The source being read.

    Yields
    ------
    None
    """
    if isinstance(source, DataFrame):
        yield
        return
    from py4j.protocol import Py4JJavaError
    from pyspark.errors.exceptions.captured import CapturedException

    try:
        yield
    except (Py4JJavaError, CapturedException) as exc:
        error = _read_error(os.fspath(source), str(exc))
        if error is None:
            raise
        raise error from exc


def _read_error(path: str, text: str) -> Exception | None:
    """The one-line error for a Spark failure to read ``path`` (None when it is not one)."""
    if not any(marker in text for marker in _READ_FAILURES):
        return None
    found = re.search(r"\[[A-Z_.]+\] ([^\n]*)", text)
    detail = re.sub(r"\s*SQLSTATE: \w+\s*$", "", found.group(1)) if found else first_line(text)
    causes = re.findall(r"(?:Exception|Error): ([^\n]+)", text)
    if causes and causes[-1].strip() not in detail:
        detail = f"{detail.strip()} {causes[-1].strip()}"
    detail = first_line(detail)
    if any(marker in text for marker in _DIFFERENT_COLUMNS):
        return different_columns(path, detail)
    return unreadable(path, detail)


@dataclass(frozen=True)
class TextFiles:
    """CSV files that Spark decodes as UTF-8, replacing bytes that are not UTF-8 by U+FFFD.

    Parameters
    ----------
    path : str
        The path or glob, as given.
    files : list of str
        The local files it matches ([] for a URL).
    """

    path: str
    files: list[str]

    def not_utf8(self) -> DataValidationError | None:
        """The error for a log whose text holds U+FFFD: where a local file is not UTF-8, or any URL's.

        None when every local file is valid UTF-8 (its U+FFFD were written as such, and are kept).
        """
        if not self.files:
            return not_utf8(self.path, None)
        return first_not_utf8(self.files)


def _read_files(
    spark: SparkSession, path: str, columns: LogColumns, options: Options, attributes: Sequence[str] = ()
) -> tuple[DataFrame, TextFiles | None, str | None]:
    """The files as Spark reads them, the CSV files whose text must be UTF-8, and a tz-aware date column's zone."""
    fmt = _file_format(path, options.file_format)
    files = check_exists(path)
    if fmt == "csv":  # every column as text, converted explicitly below, as the DuckDB engine does
        if files:
            raw = _read_local_csv(spark, path, files, columns, attributes)
        else:
            raw = _read_remote_csv(spark, path, columns)
        return raw, TextFiles(path, files), None
    raw = spark.read.parquet(path)
    return raw, None, _parquet_time_zone(path, files, columns, attributes)


def _parquet_time_zone(path: str, files: list[str], columns: LogColumns, attributes: Sequence[str] = ()) -> str:
    """The zone whose local days a tz-aware date column counts on: the one every local file stores; else UTC.

    Spark reads a tz-aware Parquet timestamp as an instant and forgets its zone; pandas and DuckDB count it on
    the local day of that zone, so the engine does too. Local files that store a used column as different kinds
    or in different zones are refused, as DuckDB refuses them; remote files count on their UTC day.
    """
    import pyarrow as pa

    try:
        zone = check_parquet_files(files, columns, attributes)
    except (OSError, pa.ArrowException) as exc:
        raise unreadable(path, first_line(str(exc))) from exc
    return zone or "UTC"


def _read_remote_csv(spark: SparkSession, path: str, columns: LogColumns) -> DataFrame:
    """CSV files at a URL, read as RFC 4180; Spark refuses files whose header differs from the first file's.

    Spark renames the names a header repeats (``amount``, ``amount`` become ``amount2``, ``amount3``: the name and
    its position), case-insensitively, so that the duplicated column would be reported missing. When a column
    may have been so renamed (its name ends in its position), the header as written, the first record read by
    Spark itself, is checked as a local file's header is.
    """
    raw = _csv_reader(spark, RFC_4180).option("enforceSchema", "false").csv(path)
    if any(name.endswith(str(position)) for position, name in enumerate(raw.columns)):
        records = _csv_reader(spark, RFC_4180).option("header", "false").csv(path)
        first = records.select(F.input_file_name().alias("file"), F.array(*records.columns).alias("names")).first()
        if first is not None:
            header = ["" if name is None else str(name) for name in first["names"]]
            check_csv_headers(first["file"], {first["file"]: header}, columns)
            folded = [name for name in header if [other.lower() for other in header].count(name.lower()) > 1]
            if folded:
                raise names_differ_in_case(first["file"], folded)
    return raw


def _read_local_csv(
    spark: SparkSession, path: str, files: list[str], columns: LogColumns, attributes: Sequence[str] = ()
) -> DataFrame:
    """Local CSV files in the dialect of the first, each file's columns matched by name.

    Every file's header is read as written (one line, on the driver), so that duplicated names get the same
    message as with the other engines, and files that order their columns differently are each read by their
    own header: never a customer id read from an amount column. A file without one of the first file's columns
    is refused, as DuckDB refuses it.
    """
    dialect = sniff_dialect(files[0])
    headers = {file: csv_header(file, dialect) for file in files}
    check_csv_headers(path, headers, columns)
    groups: dict[tuple[str, ...], list[str]] = {}
    for file, header in headers.items():
        groups.setdefault(tuple(header), []).append(file)
    require_attributes(headers[files[0]], attributes)
    used = [column(name) for name in dict.fromkeys([*columns.required, *attributes])]
    parts = [
        _csv_reader(spark, dialect)
        .schema(T.StructType([T.StructField(name, T.StringType()) for name in header]))
        .csv(group)
        .select(*used)
        for header, group in groups.items()
    ]
    return functools.reduce(DataFrame.unionByName, parts)


def _csv_reader(spark: SparkSession, dialect: CsvDialect) -> DataFrameReader:
    """Spark's CSV reader: a header line, every column as text, quoted line breaks, the dialect's characters."""
    return spark.read.options(
        header="true",
        inferSchema="false",
        multiLine="true",
        sep=dialect.delimiter,
        quote=dialect.quote,
        escape=dialect.escape,
        encoding="UTF-8",
    )


def distinct_examples(frame: DataFrame, values: Column) -> str:
    """The smallest distinct ``values`` of ``frame``, worded as every engine shows examples of bad rows.

    Sorted and distinct, never "the first rows", whose order a distributed scan does not keep.
    """
    distinct = frame.select(values.alias("value")).where(F.col("value").isNotNull()).distinct()
    smallest = [row[0] for row in distinct.orderBy("value").limit(v.N_EXAMPLES).collect()]
    return v.listed(smallest, distinct.count())


def _non_null_examples(raw: DataFrame, name: str) -> tuple[int, str]:
    """How many values a raw column holds, and the smallest of them, for a message."""
    return raw.where(column(name).isNotNull()).count(), distinct_examples(raw, column(name))


def _customer_expression(raw: DataFrame, name: str, data_type: T.DataType, from_csv: bool) -> Column:
    """The customer id: integers as BIGINT; CSV text ids as BIGINT when all are canonical integers."""
    ids = column(name)
    if isinstance(data_type, _INTEGER_TYPES):
        return ids.cast("bigint")
    if from_csv:
        as_integer = F.expr("try_cast(value AS BIGINT)")
        canonical = raw.select(ids.alias("value")).where(
            F.col("value").isNotNull() & ~as_integer.cast("string").eqNullSafe(F.col("value"))
        )
        if canonical.limit(1).count() == 0:
            return ids.cast("bigint")
    return ids


def _day_expression(
    raw: DataFrame, name: str, data_type: T.DataType, options: Options, time_zone: str | None
) -> Column:
    """The calendar day number of each row (days since 1970-01-01), NULL where there is no date.

    DATE and TIMESTAMP_NTZ count on the day written; a TIMESTAMP (an instant) on its local day in the session
    time zone, or, read from Parquet, in the zone the file stores (as pandas and DuckDB count it). Text, and
    integers given a ``date_format``, are read by the grammar every engine shares (:mod:`pyclv._dates`). Days
    outside 1900-2199 are NULL, whatever the column's type.
    """
    dates = column(name)
    rule = options.rule
    if isinstance(data_type, T.TimestampType) and time_zone is not None:
        local = F.from_utc_timestamp(dates, time_zone)  # the local wall clock in that zone, as if in UTC
        day = F.floor(F.unix_micros(local) / F.lit(_MICROS_PER_DAY)).cast("bigint")
    elif isinstance(data_type, (T.DateType, T.TimestampNTZType, T.TimestampType)):
        day = F.unix_date(F.to_date(dates)).cast("bigint")
    elif isinstance(data_type, T.StringType) or (
        rule.date_format is not None and isinstance(data_type, _INTEGER_TYPES)
    ):
        day = _string_day_udf(rule)(dates.cast("string"))
    elif isinstance(data_type, (*_NUMBER_TYPES, T.BooleanType)):
        raise v.numbers_not_dates(name, *_non_null_examples(raw, name))
    else:
        raise v.not_dates(name, data_type.simpleString().upper())
    return F.when(day.between(FIRST_DAY, LAST_DAY), day)


def _amount_expression(raw: DataFrame, name: str, data_type: T.DataType) -> Column:
    """The amount as DOUBLE (NULL where the text is not a number); other types are an error."""
    amounts = column(name)
    if isinstance(data_type, _NUMBER_TYPES):
        return amounts.cast("double")
    if isinstance(data_type, T.StringType):
        return _numeric_udf()(amounts)
    n, _ = _non_null_examples(raw, name)
    what = "booleans" if isinstance(data_type, T.BooleanType) else f"{data_type.simpleString().upper()} values"
    raise v.not_amounts(name, what, n)


# ---------------------------------------------------------------------------------------------------------
# Strings, read on the executors by pandas
# ---------------------------------------------------------------------------------------------------------


def _read_days(values: pd.Series, rule: DateRule) -> pd.Series:
    """One batch of date strings as nullable day numbers (NULL where missing or not a date by ``rule``)."""
    days, unread = string_days(values, date_format=rule.date_format, dayfirst=rule.dayfirst)
    return pd.Series(pd.arrays.IntegerArray(np.where(unread, 0, days), unread))


def _string_day_udf(rule: DateRule) -> Callable[[Column], Column]:
    """A pandas UDF reading date strings by ``rule``, on the executors."""

    def days(values: pd.Series) -> pd.Series:
        return _read_days(values, rule)

    return cast(Callable[[Column], Column], F.pandas_udf(days, "bigint"))  # type: ignore[call-overload]


def _read_numbers(values: pd.Series) -> pd.Series:
    """One batch of amounts written as text, by the grammar of every engine (NaN, a NULL, where not a number)."""
    amounts, _ = text_amounts(values)
    return pd.Series(amounts, index=values.index)


def _numeric_udf() -> Callable[[Column], Column]:
    """A pandas UDF reading numeric strings."""

    def numbers(values: pd.Series) -> pd.Series:
        return _read_numbers(values)

    return cast(Callable[[Column], Column], F.pandas_udf(numbers, "double"))  # type: ignore[call-overload]
