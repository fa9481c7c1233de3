"""The Spark engine: RFM summaries and scores of customer bases beyond one machine (``pip install 'pyclv[spark]'``).

The summary functions here take a Spark DataFrame (or the path of Parquet or CSV files, read by Spark) and
return exactly what their counterparts in :mod:`pyclv.data` and :mod:`pyclv.engines.duckdb` return for the same
transactions: the same index, columns, float values, ``attrs``, errors and warnings. The summary is a pandas
DataFrame on the driver, one row per customer, which every model fits as it would any other summary (the exact
maximum-likelihood estimate, the same as pandas'). :func:`score` scores a summary held in Spark on the executors,
and :func:`write_scores` writes the scores as Parquet; :func:`run_fit` and :func:`run_score` are the whole jobs
of ``pyclv fit --engine spark`` and ``pyclv score --engine spark``.

How it works: :func:`open_log` turns the source into the DataFrame
``tx(customer, raw_date, day, raw_amount, amount, undecodable)`` (:mod:`pyclv.engines._spark_source`) and a
:class:`SparkLog` (:mod:`pyclv.engines._spark_log`), which answers the engine interface of
:mod:`pyclv.engines._base` in Spark:

1. :meth:`SparkLog.profile` counts, in one aggregation, the rows with a missing customer id, a missing or
   unreadable date, or an amount that is not a number, missing, infinite or negative (and, in CSV files, text
   that was not UTF-8), and finds the first and last day; :mod:`pyclv._validation` checks the counts and words
   the errors, as for every engine;
2. :meth:`SparkLog.customer_totals` merges each customer's purchases by calendar day and aggregates them per
   customer, in one shuffle. Amounts are summed exactly, as fixed-point integer limbs (:mod:`pyclv._fixed_point`),
   so that no total depends on how Spark partitions or orders the rows, to the last bit;
3. the per-customer totals (integers, and the limbs of the sums) are collected to the driver as Arrow, and
   :mod:`pyclv._summaries` computes the summary from them with the same numpy expressions as for the other
   engines. No transaction is ever collected.

Files: Parquet files, and CSV files read as the DuckDB engine reads them. A local CSV glob is read in the
dialect (delimiter, quote, escape) DuckDB's sniffer finds in its first file (tab for ``.tsv``), with quoted
line breaks, and each file by the column names of its own header, so files that order their columns differently
are read alike and a file without one of the first file's columns is refused; CSV files at a URL are read as
RFC 4180 (comma, ``"`` doubled inside quotes) and must share the first file's header. Text that is not UTF-8,
duplicated column names, Parquet files whose used columns differ in type or time zone, and corrupt or truncated
files are refused with the DuckDB engine's one-line messages (:mod:`pyclv.engines._read_errors`). Paths may be
local or URLs (``hdfs://``, ``s3a://``, ``dbfs:/``...).

Column types: ids that are integers become BIGINT and strings stay strings (in CSV files, where every column is
text, ids are integers when every id is a canonical decimal integer, so ``"007"`` and ``"7"`` stay two
customers). Dates may be DATE or TIMESTAMP_NTZ (the day written), TIMESTAMP (an instant: its local day in the
session time zone, ``spark.sql.session.timeZone``; read from local Parquet files that store a time zone, the
local day in that zone, as pandas and DuckDB count it; from remote Parquet files, the UTC day) or strings, which
are read on the executors by the same pandas code as the pandas engine's (ISO 8601, or
``date_format``/``dayfirst``). Numbers in a date column are refused, not read as epoch times, unless
``date_format`` says how to read them. Amounts are numbers or text by the grammar of :mod:`pyclv._numbers`.

Session settings: the engine changes none, except that it turns Arrow transfers on
(``spark.sql.execution.arrow.pyspark.enabled``, on by default since Spark 4) while it collects the per-customer
totals or sends a summary to the executors, and sets it back afterwards; and it runs its actions in a job group
of its own (``pyclv-...``, by which it follows their progress), unless the calling thread has one. It does not
cache anything: the source is read once for the profile and once for the totals (twice more when some
transactions fall after the end).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, Literal

import numpy as np
import pandas as pd
from pyspark.sql import DataFrame, SparkSession

from pyclv import _summaries
from pyclv import _validation as v
from pyclv._time import check_time_unit, with_time_unit
from pyclv._validation import DateLike, LogColumns
from pyclv._validation.summaries import check_time_unit_of
from pyclv.engines._read_errors import is_url
from pyclv.engines._spark_log import SparkLog, polled
from pyclv.engines._spark_scoring import models_text, output_schema, score_columns, scorer, write_directory
from pyclv.engines._spark_source import Options, SparkSource, open_source, reading, session_of, to_spark
from pyclv.exceptions import DataValidationError, ModelFormatError
from pyclv.io import load_models, save_models
from pyclv.models import GammaGamma, TransactionModel
from pyclv.models.registry import TRANSACTION_MODELS

__all__ = [
    "SparkLog",
    "SparkSource",
    "calibration_holdout_split",
    "discrete_summary",
    "open_log",
    "rfm_summary",
    "run_fit",
    "run_score",
    "score",
    "summary_to_spark",
    "time_unit_of",
    "write_scores",
]

#: The summary's duration columns, which carry its time unit in their Spark metadata (``{"time_unit": "W"}``).
_DURATIONS = ("recency", "T", "n_periods")


@contextmanager
def open_log(
    source: SparkSource,
    columns: LogColumns,
    *,
    attributes: Sequence[str] = (),
    date_format: str | None = None,
    dayfirst: bool | None = None,
    file_format: Literal["parquet", "csv"] | None = None,
    spark: SparkSession | None = None,
) -> Iterator[SparkLog]:
    """Open a Spark DataFrame, or Parquet or CSV files read by Spark, as a transaction log.

    Parameters
    ----------
    source : pyspark.sql.DataFrame, str or os.PathLike
        One row per transaction.
    columns : LogColumns
        Which columns hold the customer id, the date and the amount.
    attributes : sequence of str, default ()
        Columns whose first values per customer the totals carry (:mod:`pyclv.engines._base`).
    date_format, dayfirst, file_format, spark
        As in :func:`rfm_summary`.

    Yields
    ------
    SparkLog
        The opened log.
    """
    rule = v.DateRule(date_format, dayfirst)
    attributes = tuple(dict.fromkeys(attributes))
    with reading(source):
        tx, text = open_source(source, columns, Options(rule, file_format), spark, attributes)
        yield SparkLog(tx, columns, rule, text, attributes)


# ---------------------------------------------------------------------------------------------------------
# Public functions: the summaries of pyclv.data, on Spark
# ---------------------------------------------------------------------------------------------------------

_OPTION_NAMES = ("date_format", "dayfirst", "file_format", "spark")


def _engine_options(arguments: Mapping[str, Any]) -> dict[str, Any]:
    """The engine's options out of a public function's arguments."""
    return {name: arguments[name] for name in _OPTION_NAMES}


def rfm_summary(
    source: SparkSource,
    *,
    customer_id_col: str = "customer_id",
    datetime_col: str = "date",
    monetary_value_col: str | None = None,
    observation_period_end: DateLike | None = None,
    time_unit: str = "D",
    date_format: str | None = None,
    dayfirst: bool | None = None,
    file_format: Literal["parquet", "csv"] | None = None,
    spark: SparkSession | None = None,
    spend_to_date: bool = False,
    covariate_cols: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Summarise a Spark DataFrame of transactions into frequency, recency, T (and monetary value), on Spark.

    The Spark counterpart of :func:`pyclv.data.rfm_summary`, with the same conventions and result: purchases
    on the same day are one transaction, ``frequency`` counts repeat transactions, ``recency`` and ``T`` are
    exact in ``time_unit`` and ``monetary_value`` is the mean of the repeat transactions.

    Parameters
    ----------
    source : pyspark.sql.DataFrame, str or os.PathLike
        One row per transaction: a Spark DataFrame, or the path or glob of Parquet or CSV files that Spark
        reads (local, ``hdfs://``, ``s3a://``, ``dbfs:/``...).
    customer_id_col, datetime_col, monetary_value_col, observation_period_end, time_unit, spend_to_date
        As in :func:`pyclv.data.rfm_summary`.
    covariate_cols : sequence of str, optional
        As in :func:`pyclv.engines.duckdb.rfm_summary` (the same first values, the same types from CSV text).
    date_format : str, optional
        A ``strptime`` format for dates stored as text or integers, e.g. ``"%Y%m%d"``; by default dates are
        DATE or TIMESTAMP columns or ISO 8601 strings (the grammar of :mod:`pyclv._dates`).
    dayfirst : bool, optional
        For date strings written ``DD/MM/YYYY`` (True) or ``MM/DD/YYYY`` (False); not with ``date_format``.
    file_format : {"parquet", "csv"}, optional
        The file type, if the name's suffix does not tell it.
    spark : pyspark.sql.SparkSession, optional
        The session that reads files; by default the active one. A DataFrame is computed in its own session.

    Returns
    -------
    pandas.DataFrame
        As :func:`pyclv.data.rfm_summary`: one row per customer, indexed by customer id and sorted by it,
        float64 ``frequency``, ``recency``, ``T`` (and ``monetary_value``), ``attrs["time_unit"]``.

    Raises
    ------
    DataValidationError
        As :func:`pyclv.data.rfm_summary`; bad rows are counted in Spark and the error shows example values.
    FileNotFoundError
        If no local file matches ``source``.
    ValueError
        If the type of the files is unknown.

    Warns
    -----
    PyCLVWarning
        If transactions fall after ``observation_period_end`` (they are excluded).

    Notes
    -----
    Two passes over the transactions: one counts bad rows and finds the first and last day, one aggregates
    (two more count the transactions after ``observation_period_end``, when there are some). Only per-customer
    totals reach the driver.

    Examples
    --------
    >>> from pyspark.sql import SparkSession
    >>> from pyclv.datasets import load_cdnow_transactions
    >>> from pyclv.engines import spark as spark_engine
    >>> spark = SparkSession.builder.master("local[1]").getOrCreate()  # doctest: +SKIP
    >>> log = spark.createDataFrame(load_cdnow_transactions())  # doctest: +SKIP
    >>> summary = spark_engine.rfm_summary(log.where("date <= '1997-09-30'"), observation_period_end="1997-09-30",
    ...                                    monetary_value_col="amount", time_unit="W")  # doctest: +SKIP
    >>> len(summary), summary.loc[1].round(4).tolist()  # doctest: +SKIP
    (2357, [2.0, 30.4286, 38.8571, 22.345])
    """
    check_time_unit(time_unit)
    columns = LogColumns(customer_id_col, datetime_col, monetary_value_col)
    with open_log(source, columns, attributes=covariate_cols or (), **_engine_options(locals())) as log:
        return _summaries.rfm_summary(log, observation_period_end, time_unit, spend_to_date=spend_to_date)


def calibration_holdout_split(
    source: SparkSource,
    *,
    calibration_period_end: DateLike,
    observation_period_end: DateLike | None = None,
    customer_id_col: str = "customer_id",
    datetime_col: str = "date",
    monetary_value_col: str | None = None,
    time_unit: str = "D",
    date_format: str | None = None,
    dayfirst: bool | None = None,
    file_format: Literal["parquet", "csv"] | None = None,
    spark: SparkSession | None = None,
    spend_to_date: bool = False,
    covariate_cols: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Summarise a calibration period of a Spark DataFrame and count what each customer did in the holdout.

    The Spark counterpart of :func:`pyclv.data.calibration_holdout_split`, with the same result.

    Parameters
    ----------
    source : pyspark.sql.DataFrame, str or os.PathLike
        One row per transaction (see :func:`rfm_summary`).
    calibration_period_end, observation_period_end, customer_id_col, datetime_col, monetary_value_col, time_unit
        As in :func:`pyclv.data.calibration_holdout_split`.
    spend_to_date, covariate_cols
        As in :func:`pyclv.data.calibration_holdout_split`.
    date_format, dayfirst, file_format, spark
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
    FileNotFoundError, ValueError
        As :func:`rfm_summary`.

    Warns
    -----
    PyCLVWarning
        If transactions fall after ``observation_period_end``, and if some customers make their first
        purchase in the holdout (they are left out and counted).
    """
    check_time_unit(time_unit)
    columns = LogColumns(customer_id_col, datetime_col, monetary_value_col)
    with open_log(source, columns, attributes=covariate_cols or (), **_engine_options(locals())) as log:
        return _summaries.calibration_holdout_split(
            log, calibration_period_end, observation_period_end, time_unit, spend_to_date=spend_to_date
        )


def discrete_summary(
    source: SparkSource,
    *,
    customer_id_col: str = "customer_id",
    datetime_col: str = "date",
    monetary_value_col: str | None = None,
    observation_period_end: DateLike | None = None,
    time_unit: str = "Y",
    date_format: str | None = None,
    dayfirst: bool | None = None,
    file_format: Literal["parquet", "csv"] | None = None,
    spark: SparkSession | None = None,
) -> pd.DataFrame:
    """Summarise a Spark DataFrame of transactions into whole purchase opportunities (BG/BB), on Spark.

    The Spark counterpart of :func:`pyclv.data.discrete_summary`, with the same result: period 0 holds each
    customer's first purchase, periods 1..n are its repeat opportunities (n complete periods of ``time_unit``
    before ``observation_period_end``), and a period with any transaction counts once.

    Parameters
    ----------
    source : pyspark.sql.DataFrame, str or os.PathLike
        One row per transaction (see :func:`rfm_summary`).
    customer_id_col, datetime_col, monetary_value_col, observation_period_end, time_unit
        As in :func:`pyclv.data.discrete_summary`.
    date_format, dayfirst, file_format, spark
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
    """
    check_time_unit(time_unit)
    columns = LogColumns(customer_id_col, datetime_col, monetary_value_col)
    with open_log(source, columns, **_engine_options(locals())) as log:
        return _summaries.discrete_summary(log, observation_period_end, time_unit)


# ---------------------------------------------------------------------------------------------------------
# Scoring on the executors, and the jobs of the command line
# ---------------------------------------------------------------------------------------------------------


def summary_to_spark(summary: pd.DataFrame, *, spark: SparkSession | None = None) -> DataFrame:
    """A pandas summary as a Spark DataFrame whose duration columns carry its time unit (Spark column metadata).

    The unit travels with the data, as ``attrs["time_unit"]`` does in pandas: :func:`score` reads it, and a
    model refuses a summary whose unit it cannot confirm. The index becomes the first column.

    Parameters
    ----------
    summary : pandas.DataFrame
        A summary from :func:`rfm_summary` (or any engine's), with ``attrs["time_unit"]``.
    spark : pyspark.sql.SparkSession, optional
        The session; the active one by default.

    Returns
    -------
    pyspark.sql.DataFrame
        The customer id column, then the summary's columns; ``recency``, ``T`` and ``n_periods`` with the
        metadata ``{"time_unit": unit}``.

    Raises
    ------
    DataValidationError
        If the summary does not declare its time unit.
    """
    unit = summary.attrs.get("time_unit")
    if unit is None:
        raise DataValidationError(
            "The summary does not declare its time unit (attrs['time_unit']): declare it with "
            "pyclv.with_time_unit(summary, 'W') before sending it to Spark.",
            column="T",
        )
    session = spark or SparkSession.getActiveSession() or SparkSession.builder.getOrCreate()
    frame = to_spark(session, summary.reset_index())
    for name in _DURATIONS:
        if name in frame.columns:
            frame = frame.withMetadata(name, {"time_unit": check_time_unit(unit)})
    return frame


def time_unit_of(summary: DataFrame) -> str | None:
    """The time unit a Spark summary's duration columns declare (see :func:`summary_to_spark`), or None.

    Parameters
    ----------
    summary : pyspark.sql.DataFrame
        A summary held in Spark.

    Returns
    -------
    str or None
        The unit, or None if no duration column declares one.

    Raises
    ------
    DataValidationError
        If its columns declare different units.
    """
    declared = (summary.schema[name].metadata.get("time_unit") for name in _DURATIONS if name in summary.columns)
    units = {str(unit) for unit in declared if unit is not None}
    if len(units) > 1:
        raise DataValidationError(
            f"The summary's duration columns declare different time units ({', '.join(sorted(units))}).",
            column="T",
        )
    return units.pop() if units else None


def score(
    transaction_model: TransactionModel,
    spend_model: GammaGamma,
    summary: DataFrame,
    *,
    horizon: float,
    annual_discount_rate: float = 0.0,
    margin: float = 1.0,
    interval: float | None = None,
    n_draws: int = 200,
    seed: int | None = None,
    customer_id_col: str = "customer_id",
    time_unit: str | None = None,
) -> DataFrame:
    """Score every customer of a summary held in Spark, on the executors: :func:`pyclv.value.score` per partition.

    Parameters
    ----------
    transaction_model : TransactionModel
        A fitted transaction model (e.g. :class:`pyclv.BetaGeo`).
    spend_model : GammaGamma
        A fitted spend model.
    summary : pyspark.sql.DataFrame
        One row per customer: the column ``customer_id_col`` and the summary columns the models read
        (``frequency``, ``recency``, ``T`` or ``n_periods``, ``monetary_value``), in the transaction model's
        time unit, which it declares: :func:`summary_to_spark` of a summary from :func:`rfm_summary`.
    horizon, annual_discount_rate, margin, interval, n_draws
        As in :func:`pyclv.value.score`; intervals come from draws of the estimators' asymptotic distribution.
    seed : int, optional
        Seed of the parameter draws of ``interval``; every partition uses the same draws. Without one, a seed
        is drawn once on the driver.
    customer_id_col : str, default "customer_id"
        The column of customer ids, kept first in the result.
    time_unit : str, optional
        The summary's time unit, for a summary that does not declare it in its columns' metadata (e.g. read
        back from files); it must then be the transaction model's.

    Returns
    -------
    pyspark.sql.DataFrame
        Not computed yet: per customer, its id (as typed in ``summary``) then the columns of
        :func:`pyclv.value.score`, all DOUBLE, in the same order; sorted by id (the summary is range-partitioned
        by id before it is scored, so that sorting the scores never computes them twice).

    Raises
    ------
    DataValidationError
        If ``summary`` lacks a column the models need or does not declare its time unit (raised here), or
        holds invalid values (raised when the result is computed, by the executor that meets them).
    ValueError
        For options :func:`pyclv.value.score` refuses (checked on the driver, before any task runs).

    Notes
    -----
    The models travel to the executors as the JSON text of their artifact and are rebuilt once per Python
    worker. A partition's rows are scored together: the score of a customer is the one
    :func:`pyclv.value.score` gives on any table that holds it, up to the accuracy of the interpolated
    factors it uses for large tables (1e-10 relative, about 1e-12 in practice); a partition of fewer rows
    than that threshold is scored by the models' functions themselves, bit for bit as pandas does.
    """
    names = [c for c in (*transaction_model.columns, "monetary_value") if c in summary.columns]
    v.require_columns(
        summary.columns,
        [customer_id_col, *transaction_model.columns, "monetary_value"],
        what="The summary",
        todo="Build it with rfm_summary(..., monetary_value_col=...) and pass its index as a column.",
    )
    declared = time_unit_of(summary)
    if declared is not None and time_unit is not None and declared != time_unit:
        raise DataValidationError(
            f"time_unit={time_unit!r} contradicts the summary's own unit, {declared!r}.", column="time_unit"
        )
    unit = declared or time_unit
    if unit is None:
        raise DataValidationError(
            "The Spark summary does not declare its time unit: build it with summary_to_spark(summary), or pass "
            f"time_unit= (the model was fitted in {transaction_model.time_unit_!r}).",
            column="T",
        )
    if transaction_model.time_unit_ is not None:  # on the driver, with pandas' message, before any task
        check_time_unit_of(with_time_unit(pd.DataFrame(), unit), transaction_model.time_unit_, column="T")
    if interval is not None and seed is None:
        seed = int(np.random.SeedSequence().generate_state(1)[0])
    options = {"horizon": horizon, "annual_discount_rate": annual_discount_rate, "margin": margin,
               "interval": interval, "n_draws": n_draws, "seed": seed}
    columns = score_columns(transaction_model, spend_model, names, options)
    run = scorer(models_text(transaction_model, spend_model), customer_id_col, columns, options, unit)
    rows = summary.select(customer_id_col, *names).orderBy(customer_id_col)
    return rows.mapInPandas(run, output_schema(summary, customer_id_col, columns))


def write_scores(
    scores: DataFrame,
    path: str | os.PathLike[str],
    *,
    customer_id_col: str = "customer_id",
    partition_by: str | Sequence[str] | None = None,
) -> None:
    """Write a score table as Parquet files, each sorted by customer id, replacing ``path`` whole.

    Parameters
    ----------
    scores : pyspark.sql.DataFrame
        E.g. from :func:`score`, whose partitions hold ranges of ids in order: the files then read back as one
        table sorted by id (other tables are sorted within each file, without a shuffle).
    path : str or os.PathLike
        The folder to write. A local path (seen by the driver and every executor: local mode, or a mount such
        as ``/dbfs/...``) is written to a temporary folder beside it, then renamed into place, so that readers
        see the old table or the new one, never a part of it. A URL (``hdfs://``, ``s3a://``, ``dbfs:/``...) is
        written by Spark's own commit protocol, which replaces the folder (``mode="overwrite"``).
    customer_id_col : str, default "customer_id"
        The column to sort by.
    partition_by : str or sequence of str, optional
        Columns to partition the folder by (``partitionBy``), e.g. a segment.

    Returns
    -------
    None
        The table is on disk at ``path``.
    """
    target = os.fspath(path)
    sorted_scores = scores.sortWithinPartitions(customer_id_col)
    by = [partition_by] if isinstance(partition_by, str) else list(partition_by or [])

    def _write(folder: str, mode: str = "errorifexists") -> None:
        with polled(sorted_scores, "write"):
            sorted_scores.write.parquet(folder, mode=mode, partitionBy=by or None)

    if is_url(target):
        _write(target, "overwrite")
    else:
        write_directory(_write, target)


def run_fit(
    source: SparkSource,
    *,
    out: str | os.PathLike[str],
    observation_period_end: DateLike,
    model: str = "bgnbd",
    time_unit: str | None = None,
    penalizer: float = 0.0,
    customer_id_col: str = "customer_id",
    datetime_col: str = "date",
    monetary_value_col: str = "amount",
    date_format: str | None = None,
    dayfirst: bool | None = None,
    file_format: Literal["parquet", "csv"] | None = None,
    spark: SparkSession | None = None,
) -> tuple[TransactionModel, GammaGamma]:
    """The job of ``pyclv fit --engine spark``: summarise on Spark, fit both models on the driver, save them.

    Parameters
    ----------
    source : pyspark.sql.DataFrame, str or os.PathLike
        The transactions (see :func:`rfm_summary`).
    out : str or os.PathLike
        The model artifact to write (JSON, on the driver's file system; ``/dbfs/...`` on Databricks).
    observation_period_end : date-like
        The last day of the observation period.
    model : {"bgnbd", "pareto-nbd", "mbgnbd", "bgbb"}, default "bgnbd"
        The transaction model (:data:`pyclv.models.registry.TRANSACTION_MODELS`); ``"bgbb"`` fits whole periods.
    time_unit : {"D", "W", "M", "Y"}, optional
        The models' time unit; weeks by default, years for ``"bgbb"``.
    penalizer : float, default 0.0
        L2 penalty of both models.
    customer_id_col, datetime_col, monetary_value_col, date_format, dayfirst, file_format, spark
        As in :func:`rfm_summary`.

    Returns
    -------
    (TransactionModel, GammaGamma)
        The fitted models, also written to ``out`` (roles ``transaction`` and ``spend``).

    Notes
    -----
    The summary, one row per customer, is collected to the driver and both models are fitted there: the
    maximum-likelihood estimate is exactly the one pandas gives on the same transactions.

    With spark-submit, a script ``fit_clv.py``::

        from pyclv.engines import spark as clv
        clv.run_fit("s3a://shop/transactions/*.parquet", out="models/clv.json",
                    observation_period_end="2024-12-31", monetary_value_col="amount")

    run as ``spark-submit --master yarn --conf spark.sql.session.timeZone=Europe/Paris fit_clv.py``.
    In a Databricks notebook cell, with the cluster's ``spark`` session::

        from pyclv.engines import spark as clv
        transaction, spend = clv.run_fit(spark.table("shop.transactions"), out="/dbfs/models/clv.json",
                                         observation_period_end="2024-12-31")
        transaction.summary()
    """
    discrete = TRANSACTION_MODELS[model].discrete
    unit = time_unit or ("Y" if discrete else "W")
    summarise = discrete_summary if discrete else rfm_summary
    summary = summarise(
        source,
        customer_id_col=customer_id_col,
        datetime_col=datetime_col,
        monetary_value_col=monetary_value_col,
        observation_period_end=observation_period_end,
        time_unit=unit,
        date_format=date_format,
        dayfirst=dayfirst,
        file_format=file_format,
        spark=spark,
    )
    transaction = TRANSACTION_MODELS[model](penalizer=penalizer).fit(summary)
    spend = GammaGamma(penalizer=penalizer).fit(summary)
    save_models(os.fspath(out), transaction=transaction, spend=spend)
    return transaction, spend


def run_score(
    source: SparkSource,
    *,
    models: str | os.PathLike[str],
    out: str | os.PathLike[str],
    observation_period_end: DateLike,
    horizon: float,
    annual_discount_rate: float = 0.0,
    margin: float = 1.0,
    customer_id_col: str = "customer_id",
    datetime_col: str = "date",
    monetary_value_col: str = "amount",
    date_format: str | None = None,
    dayfirst: bool | None = None,
    file_format: Literal["parquet", "csv"] | None = None,
    partition_by: str | Sequence[str] | None = None,
    spark: SparkSession | None = None,
) -> DataFrame:
    """The job of ``pyclv score --engine spark``: summarise on Spark, score on the executors, write Parquet.

    Parameters
    ----------
    source : pyspark.sql.DataFrame, str or os.PathLike
        The transactions (see :func:`rfm_summary`).
    models : str or os.PathLike
        The artifact written by :func:`run_fit` or ``pyclv fit`` (a transaction and a spend model).
    out : str or os.PathLike
        The folder of Parquet files to write (see :func:`write_scores`).
    observation_period_end : date-like
        The scoring date: the last day of the log to use.
    horizon, annual_discount_rate, margin
        As in :func:`pyclv.value.score`, the horizon in the models' time unit.
    customer_id_col, datetime_col, monetary_value_col, date_format, dayfirst, file_format, spark
        As in :func:`rfm_summary`.
    partition_by : str or sequence of str, optional
        As in :func:`write_scores`.

    Returns
    -------
    pyspark.sql.DataFrame
        The written table, read back from ``out`` (one row per customer, sorted by id).

    Raises
    ------
    ModelFormatError
        If ``models`` does not hold a transaction and a spend model with a time unit.

    Notes
    -----
    The summary is computed as in :func:`rfm_summary` (one row per customer on the driver), sent back to the
    executors as Arrow and scored there by :func:`score`.

    With spark-submit, a script ``score_clv.py``::

        from pyclv.engines import spark as clv
        clv.run_score("s3a://shop/transactions/*.parquet", models="models/clv.json",
                      out="s3a://shop/clv-scores", observation_period_end="2024-12-31", horizon=52,
                      annual_discount_rate=0.1)

    run as ``spark-submit --master yarn --conf spark.sql.session.timeZone=Europe/Paris score_clv.py``.
    In a Databricks notebook cell::

        from pyclv.engines import spark as clv
        scores = clv.run_score(spark.table("shop.transactions"), models="/dbfs/models/clv.json",
                               out="dbfs:/clv/scores", observation_period_end="2024-12-31", horizon=52)
        display(scores.orderBy(scores.clv.desc()).limit(20))
    """
    loaded = load_models(os.fspath(models))
    transaction, spend = loaded.get("transaction"), loaded.get("spend")
    if not isinstance(transaction, TransactionModel) or not isinstance(spend, GammaGamma):
        raise ModelFormatError(f"{models} does not hold a transaction and a spend model; write it with run_fit.")
    if transaction.time_unit_ is None:
        raise ModelFormatError(f"{models}: the transaction model has no time unit; refit it with run_fit.")
    summarise = discrete_summary if transaction.discrete else rfm_summary
    summary = summarise(
        source,
        customer_id_col=customer_id_col,
        datetime_col=datetime_col,
        monetary_value_col=monetary_value_col,
        observation_period_end=observation_period_end,
        time_unit=transaction.time_unit_,
        date_format=date_format,
        dayfirst=dayfirst,
        file_format=file_format,
        spark=spark,
    )
    session = session_of(source, spark)
    scores = score(
        transaction,
        spend,
        summary_to_spark(summary, spark=session),
        horizon=horizon,
        annual_discount_rate=annual_discount_rate,
        margin=margin,
        customer_id_col=customer_id_col,
    )
    write_scores(scores, out, customer_id_col=customer_id_col, partition_by=partition_by)
    return session.read.parquet(os.fspath(out))
