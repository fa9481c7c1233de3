"""The embedded DuckDB engine: RFM summaries of Parquet or CSV files, aggregated out of core.

The functions here take a path or glob (``"tx/*.parquet"``) instead of a DataFrame and return exactly what
their pandas counterparts in :mod:`pyclv.data` return for the same transactions: the same index, columns,
float values (to the last bit: amounts are summed exactly, :mod:`pyclv._fixed_point`), ``attrs``, errors and
warnings.
:func:`pyclv.rfm_summary`, :func:`pyclv.calibration_holdout_split` and :func:`pyclv.discrete_summary` call
them when given a ``str`` or :class:`pathlib.Path`.

How it works: :func:`open_log` opens the files in one in-process DuckDB connection, with a memory limit, a private spill
directory and all cores, as a :class:`DuckDBLog`, which answers the engine interface of
:mod:`pyclv.engines._base`:

1. :meth:`DuckDBLog.profile` counts, in one SQL pass, the rows with a missing customer id, a missing or
   unreadable date, or an amount that is not a number, missing, infinite, implausibly large (2**40 or more) or
   negative, adds up the amounts and finds the first and last day; :mod:`pyclv._validation` checks the counts and
   words the errors, as for every engine;
2. :meth:`DuckDBLog.customer_totals` merges each customer's purchases by calendar day (amounts summed exactly,
   as fixed-point integers) and reduces the days to per-customer totals (number of purchase days, first and
   last day, repeat spend, spend to date);
3. with attribute columns (covariates), :meth:`DuckDBLog.first_values` takes each customer's smallest value of
   each on its first purchase day (a join of the rows with the customers' first days, then ``min``);
4. pandas receives one row per customer, and :mod:`pyclv._summaries` computes the float columns from those
   integers with the same numpy expressions as for the pandas engine (weeks are days / 7 exactly).

Each pass is a part of the caller's step whose progress is read from DuckDB (:func:`pyclv._progress.polling` of
:meth:`duckdb.DuckDBPyConnection.query_progress`; DuckDB's progress bar is on for the connection, never printed),
so that the command line shows how far a summary of a large log is.

Nothing but the per-customer result is loaded into Python: 100 million transactions need a few GB of
memory, bounded by ``memory_limit`` (DuckDB spills to ``temp_directory`` beyond it).

Column types: Parquet columns keep their types: dates may be DATE, TIMESTAMP or TIMESTAMP WITH TIME ZONE (counted on the
local day of the time zone stored in the file, as pandas does) or text. CSV files are read with
every column as text, then converted explicitly: customer ids become integers when every id is a canonical
decimal integer (so ``"007"`` and ``"7"`` stay two customers, as strings), dates are read by the grammar every
engine shares (:mod:`pyclv._dates`: ISO 8601, or ``dayfirst``, or a ``strptime`` ``date_format``; the
patterns are applied in SQL) and amounts as numbers. Numbers in a date column are rejected, not read as epoch
times; with a ``date_format``, integers such as 19970930 are read as their digits.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, Literal

import duckdb
import pandas as pd

from pyclv import _fixed_point as fp
from pyclv import _progress, _summaries
from pyclv import _validation as v
from pyclv._time import check_time_unit
from pyclv._validation import DateLike, LogColumns
from pyclv.engines._base import (
    CustomerTotals,
    PeriodTotals,
    attribute_name,
    customer_totals_of,
    first_values_of,
    period_totals_of,
)
from pyclv.engines._duckdb_source import (
    FileSource,
    Options,
    connection,
    distinct_examples,
    fetch,
    one_row,
    open_source,
    reading,
)

__all__ = [
    "DEFAULT_MEMORY_LIMIT",
    "DuckDBLog",
    "FileSource",
    "calibration_holdout_split",
    "discrete_summary",
    "open_log",
    "rfm_summary",
]

#: DuckDB's memory budget unless the caller sets one; beyond it, intermediate results spill to disk.
DEFAULT_MEMORY_LIMIT = "4GB"


# ---------------------------------------------------------------------------------------------------------
# The log: counts and totals in SQL
# ---------------------------------------------------------------------------------------------------------

#: Common table expressions over ``tx``: ``daily`` holds one row per customer and purchase day up to
#: ``$end_day`` (purchases on the same day are one transaction, their amounts summed as exact fixed-point
#: integers, :mod:`pyclv._fixed_point`, so that no sum depends on the threads' order) and ``dated`` adds each
#: customer's first purchase day (a hash join, cheaper than a window over all days).
_DAILY = f"""
daily AS (
    SELECT customer, day, sum({fp.QUANTIZE_SQL}) AS amount
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

#: One pass over the files that counts every kind of bad row and finds the first and last day.
_PROFILE = f"""
SELECT count(*) AS n_rows,
       count(*) FILTER (WHERE customer IS NULL) AS missing_ids,
       count(*) FILTER (WHERE raw_date IS NULL) AS missing_dates,
       count(*) FILTER (WHERE raw_date IS NOT NULL AND day IS NULL) AS unparseable_dates,
       count(*) FILTER (WHERE raw_amount IS NOT NULL AND amount IS NULL) AS not_numbers,
       count(*) FILTER (WHERE raw_amount IS NULL OR isnan(amount)) AS missing_amounts,
       count(*) FILTER (WHERE isinf(amount)) AS infinite_amounts,
       count(*) FILTER (WHERE NOT isinf(amount) AND amount >= {fp.MAX_AMOUNT!r}) AS huge_amounts,
       count(*) FILTER (WHERE amount < 0) AS negative_amounts,
       sum(amount) FILTER (WHERE amount >= 0 AND amount < {fp.MAX_AMOUNT!r}) AS amount_total,
       min(day) AS first_day,
       max(day) AS last_day
FROM tx
"""

#: For each counted rule: the column whose values a message shows, and the condition that selects the rows.
_EXAMPLES = {
    "unparseable_dates": ("raw_date", "raw_date IS NOT NULL AND day IS NULL"),
    "not_numbers": ("raw_amount", "raw_amount IS NOT NULL AND amount IS NULL"),
    "infinite_amounts": ("amount", "isinf(amount)"),
    "huge_amounts": ("amount", f"NOT isinf(amount) AND amount >= {fp.MAX_AMOUNT!r}"),
    "negative_amounts": ("amount", "amount < 0"),
}


class DuckDBLog:
    """Parquet or CSV files opened in a DuckDB connection, as a :class:`~pyclv.engines._base.TransactionLog`.

    Build it with :func:`open_log`; the connection lives as long as that context.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        A connection in which the view ``tx(customer, raw_date, day, raw_amount, amount)`` is defined.
    columns : LogColumns
        The user's names of the columns behind the view.
    date_rule : DateRule
        How the view read dates written as text.
    attributes : tuple of str, default ()
        The attribute columns the view carries (:func:`~pyclv.engines._base.attribute_name`).
    """

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        columns: LogColumns,
        date_rule: v.DateRule,
        attributes: tuple[str, ...] = (),
    ) -> None:
        self.con = con
        self.columns = columns
        self.date_rule = date_rule
        self.attributes = attributes

    def profile(self) -> v.LogProfile:
        """Count every kind of bad row in one pass, with example values for those a message shows.

        Returns
        -------
        LogProfile
            The rows that break each rule (with examples) and the first and last transaction day.
        """
        names = ("n_rows", "missing_ids", "missing_dates", "unparseable_dates", "not_numbers", "missing_amounts",
                 "infinite_amounts", "huge_amounts", "negative_amounts", "amount_total", "first_day", "last_day")
        with _polled(self.con, "profile"):
            counts = dict(zip(names, one_row(self.con, _PROFILE), strict=True))
        bad: dict[str, v.BadRows] = {}
        for field in names[1:-3]:
            n = int(counts[field])
            if field in ("not_numbers", "missing_amounts", "infinite_amounts", "huge_amounts", "negative_amounts") and (
                self.columns.amount is None
            ):
                n = 0
            shown = self._examples(*_EXAMPLES[field], n) if n and field in _EXAMPLES else ""
            bad[field] = v.BadRows(n, shown)
        first, last = counts["first_day"], counts["last_day"]
        total = counts["amount_total"]
        return v.LogProfile(
            int(counts["n_rows"]),
            **bad,
            amount_total=float(total) if total is not None and self.columns.amount is not None else 0.0,
            first_day=None if first is None else int(first),
            last_day=None if last is None else int(last),
        )

    def _examples(self, column_sql: str, condition: str, n: int) -> str:
        return distinct_examples(self.con, "tx", column_sql, condition)

    def count_after(self, end_day: int) -> tuple[int, int]:
        """Rows after ``end_day``, and customers all of whose rows are after it.

        Parameters
        ----------
        end_day : int
            The last day of the observation period.

        Returns
        -------
        (int, int)
            The number of rows after it and the number of customers who vanish with them.
        """
        with _polled(self.con, "rows after the end"):
            n_after, n_vanished = one_row(
                self.con,
                """
                SELECT (SELECT count(*) FROM tx WHERE day > $end_day),
                       (SELECT count(*) FROM (SELECT customer FROM tx GROUP BY customer HAVING min(day) > $end_day))
                """,
                {"end_day": end_day},
            )
        return int(n_after), int(n_vanished)

    def customer_totals(self, end_day: int, calibration_day: int | None = None) -> CustomerTotals:
        """Per-customer purchase days, first and last day and repeat spend (split at ``calibration_day``).

        Parameters
        ----------
        end_day : int
            The last day of the observation period; later rows are left out.
        calibration_day : int, optional
            Split the totals there: what is after it is counted in the holdout totals.

        Returns
        -------
        CustomerTotals
            One row per customer with a purchase on or before ``end_day``, sorted by id, with the first values
            of the attribute columns.
        """
        cut = end_day if calibration_day is None else calibration_day
        with _polled(self.con, "totals"):
            result = fetch(
                self.con,
                f"""
                WITH {_DAILY},
                totals AS (
                    SELECT customer,
                           count(*) FILTER (WHERE day <= $cut) AS n_days,
                           min(day) AS first_day,
                           coalesce(max(day) FILTER (WHERE day <= $cut), min(day)) AS last_day,
                           coalesce(sum(amount) FILTER (WHERE day > first_day AND day <= $cut), 0) AS repeat_total,
                           count(*) FILTER (WHERE day > $cut) AS n_holdout,
                           coalesce(sum(amount) FILTER (WHERE day > $cut), 0) AS revenue_holdout,
                           coalesce(sum(amount) FILTER (WHERE day <= $cut), 0) AS spend_to_date
                    FROM dated
                    GROUP BY customer
                )
                SELECT customer, n_days, first_day, last_day, n_holdout,
                       {_limbs("repeat_total")}, {_limbs("revenue_holdout")}, {_limbs("spend_to_date")}
                FROM totals
                ORDER BY customer
                """,
                {"end_day": end_day, "cut": cut},
            ).fetchnumpy()
        totals = customer_totals_of(result, amounts=self.columns.amount is not None, split=calibration_day is not None)
        if not self.attributes:
            return totals
        return dataclasses.replace(totals, first_values=self.first_values(end_day))

    def first_values(self, end_day: int) -> pd.DataFrame:
        """Each customer's values of the attribute columns in its first transaction up to ``end_day``.

        The smallest value of each column (NULL last) among the rows of the customer's first purchase day (see
        :mod:`pyclv.engines._base` for the rule).

        Parameters
        ----------
        end_day : int
            The last day of the observation period; later rows are left out.

        Returns
        -------
        pandas.DataFrame
            One row per customer with a purchase on or before ``end_day``, indexed by the sorted ids; the
            attribute columns (text as ``str``, numbers as numbers).
        """
        names = [attribute_name(i) for i in range(len(self.attributes))]
        with _polled(self.con, "covariates"):
            result = fetch(
                self.con,
                f"""
                WITH firsts AS (
                    SELECT customer, min(day) AS first_day FROM tx WHERE day <= $end_day GROUP BY customer
                )
                SELECT tx.customer, {", ".join(f"min(tx.{name}) AS {name}" for name in names)}
                FROM tx JOIN firsts ON tx.customer = firsts.customer AND tx.day = firsts.first_day
                GROUP BY tx.customer
                ORDER BY tx.customer
                """,
                {"end_day": end_day},
            ).df()
        return first_values_of(result, self.attributes)

    def period_totals(self, end_day: int, length: float) -> PeriodTotals:
        """Per-customer opportunities of ``length`` days, counted from each customer's first purchase.

        Parameters
        ----------
        end_day : int
            The last day of the observation period; later rows are left out.
        length : float
            The length of one opportunity in days.

        Returns
        -------
        PeriodTotals
            One row per customer, sorted by id.
        """
        # The same floating-point expressions as the pandas engine: floor(days / length) with days an integer.
        with _polled(self.con, "totals"):
            result = fetch(
                self.con,
                f"""
                WITH {_DAILY},
                periods AS (
                    SELECT customer,
                           amount,
                           CAST(floor((day - first_day) / $length) AS BIGINT) AS period,
                           greatest(CAST(floor(($end_day - first_day + 1) / $length) AS BIGINT) - 1, 0) AS n_periods
                    FROM dated
                ),
                totals AS (
                    SELECT customer,
                           count(DISTINCT period) FILTER (WHERE period > 0 AND period <= n_periods) AS frequency,
                           max(period) FILTER (WHERE period <= n_periods) AS recency,
                           any_value(n_periods) AS n_periods,
                           coalesce(sum(amount) FILTER (WHERE period > 0 AND period <= n_periods), 0) AS spend,
                           count(*) FILTER (WHERE period > n_periods) AS n_incomplete
                    FROM periods
                    GROUP BY customer
                )
                SELECT customer, frequency, recency, n_periods, n_incomplete, {_limbs("spend")}
                FROM totals
                ORDER BY customer
                """,
                {"end_day": end_day, "length": length},
            ).fetchnumpy()
        return period_totals_of(result, amounts=self.columns.amount is not None)


@contextmanager
def _polled(con: duckdb.DuckDBPyConnection, name: str) -> Iterator[None]:
    """The block, a query on ``con``, as the part ``name`` of the caller's step, its progress read from DuckDB."""

    def fraction() -> float | None:  # a percentage, or -1 before the query's first pipeline runs
        percent = con.query_progress()
        return percent / 100 if percent >= 0 else None

    with _progress.polling(name, fraction):
        yield


def _limbs(total: str) -> str:
    """SQL for the three limbs of an exact fixed-point total (HUGEINT), named ``<total>_high`` and so on."""
    return fp.LIMB_SQL.format(total=total, name=total)


@contextmanager
def open_log(
    source: FileSource,
    columns: LogColumns,
    *,
    attributes: Sequence[str] = (),
    date_format: str | None = None,
    dayfirst: bool | None = None,
    file_format: Literal["parquet", "csv"] | None = None,
    memory_limit: str = DEFAULT_MEMORY_LIMIT,
    temp_directory: str | os.PathLike[str] | None = None,
    threads: int | None = None,
) -> Iterator[DuckDBLog]:
    """Open Parquet or CSV files as a transaction log, in a DuckDB connection that lives as long as the context.

    Parameters
    ----------
    source : str or os.PathLike
        A Parquet or CSV file, or a glob of them, one row per transaction.
    columns : LogColumns
        Which columns hold the customer id, the date and the amount.
    attributes : sequence of str, default ()
        Columns whose first values per customer the totals carry (:mod:`pyclv.engines._base`).
    date_format, dayfirst, file_format, memory_limit, temp_directory, threads
        As in :func:`rfm_summary`.

    Yields
    ------
    DuckDBLog
        The opened log.
    """
    rule = v.DateRule(date_format, dayfirst)
    with connection(memory_limit, temp_directory, threads) as con, reading(os.fspath(source), memory_limit):
        # query_progress answers -1 unless DuckDB tracks progress, which its progress bar does: on, never printed
        con.execute("SET enable_progress_bar = true")
        con.execute("SET enable_progress_bar_print = false")
        attributes = tuple(dict.fromkeys(attributes))
        open_source(con, source, columns, Options(rule, file_format), attributes)
        yield DuckDBLog(con, columns, rule, attributes)


# ---------------------------------------------------------------------------------------------------------
# Public functions: the summaries of pyclv.data, for files, with DuckDB's options
# ---------------------------------------------------------------------------------------------------------

_OPTION_NAMES = ("date_format", "dayfirst", "file_format", "memory_limit", "temp_directory", "threads")


def _engine_options(arguments: Mapping[str, Any]) -> dict[str, Any]:
    """The engine's options out of a public function's arguments."""
    return {name: arguments[name] for name in _OPTION_NAMES}


def rfm_summary(
    source: FileSource,
    *,
    customer_id_col: str = "customer_id",
    datetime_col: str = "date",
    monetary_value_col: str | None = None,
    observation_period_end: DateLike | None = None,
    time_unit: str = "D",
    date_format: str | None = None,
    dayfirst: bool | None = None,
    file_format: Literal["parquet", "csv"] | None = None,
    memory_limit: str = DEFAULT_MEMORY_LIMIT,
    temp_directory: str | os.PathLike[str] | None = None,
    threads: int | None = None,
    spend_to_date: bool = False,
    covariate_cols: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Summarise Parquet or CSV transaction files into frequency, recency, T (and monetary value), out of core.

    The file counterpart of :func:`pyclv.data.rfm_summary`, with the same conventions and result: purchases
    on the same day are one transaction, ``frequency`` counts repeat transactions, ``recency`` and ``T`` are
    exact in ``time_unit`` and ``monetary_value`` is the mean of the repeat transactions.

    Parameters
    ----------
    source : str or os.PathLike
        A Parquet or CSV file, or a glob of them (``"tx/*.parquet"``), one row per transaction.
    customer_id_col, datetime_col, monetary_value_col, observation_period_end, time_unit, spend_to_date
        As in :func:`pyclv.data.rfm_summary`.
    covariate_cols : sequence of str, optional
        As in :func:`pyclv.data.rfm_summary`: each customer's values in its first transaction. In CSV files a
        column whose every value is a number is numeric (integers if all are whole), else text.
    date_format, dayfirst
        How dates stored as text are read, as in :func:`pyclv.data.rfm_summary` (integer columns such as
        19970930 are read as text with a ``date_format``).
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
    exactly, as fixed-point integers: the same bits whatever the number of threads.

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
    columns = LogColumns(customer_id_col, datetime_col, monetary_value_col)
    with open_log(source, columns, attributes=covariate_cols or (), **_engine_options(locals())) as log:
        return _summaries.rfm_summary(log, observation_period_end, time_unit, spend_to_date=spend_to_date)


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
    dayfirst: bool | None = None,
    file_format: Literal["parquet", "csv"] | None = None,
    memory_limit: str = DEFAULT_MEMORY_LIMIT,
    temp_directory: str | os.PathLike[str] | None = None,
    threads: int | None = None,
    spend_to_date: bool = False,
    covariate_cols: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Summarise a calibration period of transaction files and count what each customer did in the holdout.

    The file counterpart of :func:`pyclv.data.calibration_holdout_split`, with the same result.

    Parameters
    ----------
    source : str or os.PathLike
        A Parquet or CSV file, or a glob of them, one row per transaction.
    calibration_period_end, observation_period_end, customer_id_col, datetime_col, monetary_value_col, time_unit
        As in :func:`pyclv.data.calibration_holdout_split`.
    spend_to_date, covariate_cols
        As in :func:`pyclv.data.calibration_holdout_split`.
    date_format, dayfirst, file_format, memory_limit, temp_directory, threads
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
    columns = LogColumns(customer_id_col, datetime_col, monetary_value_col)
    with open_log(source, columns, attributes=covariate_cols or (), **_engine_options(locals())) as log:
        return _summaries.calibration_holdout_split(
            log, calibration_period_end, observation_period_end, time_unit, spend_to_date=spend_to_date
        )


def discrete_summary(
    source: FileSource,
    *,
    customer_id_col: str = "customer_id",
    datetime_col: str = "date",
    monetary_value_col: str | None = None,
    observation_period_end: DateLike | None = None,
    time_unit: str = "Y",
    date_format: str | None = None,
    dayfirst: bool | None = None,
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
    date_format, dayfirst, file_format, memory_limit, temp_directory, threads
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
    columns = LogColumns(customer_id_col, datetime_col, monetary_value_col)
    with open_log(source, columns, **_engine_options(locals())) as log:
        return _summaries.discrete_summary(log, observation_period_end, time_unit)
