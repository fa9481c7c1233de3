"""How the Spark engine reads a log: the session, the source, each column as a typed Spark expression.

A source (a Spark DataFrame, or Parquet or CSV files read by Spark) becomes the DataFrame
``tx(customer, raw_date, day, raw_amount, amount)``: ``customer`` the id (integers as BIGINT, strings as
strings), ``day`` the calendar day number (days since 1970-01-01, NULL where there is no readable date),
``amount`` a DOUBLE (NULL where the text is not a number), beside the raw values that messages show. Date
strings and numeric strings are read on the executors by the very pandas functions the pandas engine uses
(pandas UDFs), so that both engines read every string alike.

User column names only enter Spark through :func:`column` (quoted), never spliced into SQL text.

What crosses to the driver, one row per customer, travels as Arrow (:func:`to_pandas`); a per-customer table
goes back the same way (:func:`to_spark`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Literal, TypeAlias, cast

import numpy as np
import pandas as pd
from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from pyclv import _validation as v
from pyclv._dates import FIRST_DAY, LAST_DAY, string_days
from pyclv._validation import DateRule, LogColumns
from pyclv.engines._duckdb_source import _check_exists, _file_format

__all__ = [
    "ARROW",
    "Options",
    "SparkSource",
    "column",
    "distinct_examples",
    "open_source",
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


def open_source(source: SparkSource, columns: LogColumns, options: Options, spark: SparkSession | None) -> DataFrame:
    """The DataFrame ``tx(customer, raw_date, day, raw_amount, amount)`` of a source (see the module docstring).

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

    Returns
    -------
    pyspark.sql.DataFrame
        The log with typed columns; nothing is computed yet (except for the few checks of a column's values
        that choose its type, e.g. whether every CSV id is an integer).
    """
    if isinstance(source, DataFrame):
        raw, from_csv, time_zone = source, False, None
    elif isinstance(source, (str, os.PathLike)):
        raw, from_csv, time_zone = _read_files(session_of(source, spark), os.fspath(source), columns, options)
    else:
        raise v.not_a_dataframe(source)
    v.require_log_columns(raw.columns, columns)
    fields = {field.name: field.dataType for field in raw.schema.fields}
    customer = _customer_expression(raw, columns.customer_id, fields[columns.customer_id], from_csv)
    day = _day_expression(raw, columns.date, fields[columns.date], options, time_zone)
    if columns.amount is not None:
        raw_amount = column(columns.amount)
        amount = _amount_expression(raw, columns.amount, fields[columns.amount])
    else:
        raw_amount = amount = F.lit(0.0).cast("double")
    return raw.select(
        customer.alias("customer"),
        column(columns.date).alias("raw_date"),
        day.alias("day"),
        raw_amount.alias("raw_amount"),
        amount.alias("amount"),
    )


def _read_files(
    spark: SparkSession, path: str, columns: LogColumns, options: Options
) -> tuple[DataFrame, bool, str | None]:
    """The files as Spark reads them, whether they are CSV, and the time zone of a tz-aware date column."""
    fmt = _file_format(path, options.file_format)
    files = _check_exists(path)
    if fmt == "csv":  # every column as text, converted explicitly below, as the DuckDB engine does
        return spark.read.csv(path, header=True, inferSchema=False), True, None
    raw = spark.read.parquet(path)
    return raw, False, _stored_time_zone(files, columns.date)


def _stored_time_zone(files: list[str], name: str) -> str:
    """The time zone of a timestamp column in the Arrow schema of local Parquet files ("UTC" when naive).

    Spark reads a tz-aware Parquet timestamp as an instant and forgets its zone; pandas and DuckDB count it on
    the local day of that zone, so the engine does too. Remote files count on their UTC day.
    """
    if files:
        import pyarrow.dataset as ds

        schema = ds.dataset(files[0], format="parquet").schema
        if name in schema.names:
            tz = getattr(schema.field(name).type, "tz", None)
            if tz:
                return str(tz)
    return "UTC"


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
    """One batch of numeric strings as floats, as the pandas engine reads them (NaN where not a number)."""
    return pd.to_numeric(values, errors="coerce").astype("float64")


def _numeric_udf() -> Callable[[Column], Column]:
    """A pandas UDF reading numeric strings."""

    def numbers(values: pd.Series) -> pd.Series:
        return _read_numbers(values)

    return cast(Callable[[Column], Column], F.pandas_udf(numbers, "double"))  # type: ignore[call-overload]
