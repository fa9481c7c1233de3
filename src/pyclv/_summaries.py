"""From an engine's per-customer totals to the summaries the models read, in model time.

This is the one place where calendar days become model time.

Each function takes a :class:`~pyclv.engines._base.TransactionLog` opened by any engine, has the shared
layer check it (:mod:`pyclv._validation`), asks the engine for totals and builds the summary with the same
numpy expressions whatever the engine: weeks are days / 7 exactly, ``monetary_value`` is the repeat spend
divided by the number of repeat transactions. A log opened with attribute columns (covariates) adds each
customer's first values of them after the summary's own columns, and refuses customers without one.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pyclv import _validation as v
from pyclv._time import DAYS_PER_UNIT
from pyclv.engines import CustomerTotals, TransactionLog
from pyclv.engines import pandas as pandas_engine
from pyclv.exceptions import DataValidationError

__all__ = [
    "calibration_holdout_split",
    "checked_end",
    "daily_log",
    "discrete_summary",
    "rfm_summary",
    "summary_frame",
    "with_first_values",
]


def checked_end(
    log: TransactionLog, end: v.DateLike | None, end_name: str = "observation_period_end"
) -> tuple[int, int]:
    """Check the log, fix the observation end and warn about the rows after it.

    Parameters
    ----------
    log : TransactionLog
        An opened log.
    end : date-like, optional
        The last day of the observation period; the last transaction's day without one.
    end_name : str, default "observation_period_end"
        The argument's name, for messages.

    Returns
    -------
    (int, int)
        The first transaction day and the end day.
    """
    first_day, last_day = v.check_log(log.profile(), log.columns, log.date_rule)
    if end is None:
        today = v.today()
        if last_day > today + 1:  # a day of grace for the time zones ahead of UTC
            raise v.future_dates(log.count_after(today + 1)[0], last_day, today)
    end_day = v.observation_end(first_day, last_day, end, end_name, log.date_rule)
    if end_day < last_day:
        v.warn_excluded_after_end(*log.count_after(end_day), end_name, end_day)
    return first_day, end_day


def summary_frame(
    totals: CustomerTotals, end_day: int, time_unit: str, *, spend_to_date: bool = False
) -> pd.DataFrame:
    """The RFM summary of per-customer totals, observed until ``end_day``, in ``time_unit``.

    Parameters
    ----------
    totals : CustomerTotals
        Purchase days, first and last day and repeat spend per customer.
    end_day : int
        The end of the observation (or calibration) period.
    time_unit : str
        The unit of recency and T.
    spend_to_date : bool, default False
        Add ``spend_to_date``, the spend of every purchase day up to the end (the first included).

    Returns
    -------
    pandas.DataFrame
        float64 ``frequency``, ``recency``, ``T`` (and ``monetary_value``, ``spend_to_date``), then the first
        values of the log's attribute columns (:func:`with_first_values`), ``attrs["time_unit"]``.
    """
    days_per_unit = DAYS_PER_UNIT[time_unit]
    frequency = (totals.n_days - 1).astype(np.float64)
    columns = {
        "frequency": frequency,
        "recency": (totals.last_day - totals.first_day) / days_per_unit,
        "T": (end_day - totals.first_day) / days_per_unit,
    }
    if totals.repeat_total is not None:
        columns["monetary_value"] = _per_repeat(totals.repeat_total, frequency)
    if spend_to_date:
        if totals.spend_to_date is None:
            raise ValueError("spend_to_date needs the amounts: pass monetary_value_col as well.")
        columns["spend_to_date"] = np.asarray(totals.spend_to_date, dtype=np.float64)
    summary = pd.DataFrame(columns, index=totals.ids)
    summary.attrs["time_unit"] = time_unit
    return with_first_values(summary, totals.first_values)


def with_first_values(
    summary: pd.DataFrame, first_values: pd.DataFrame | None, *, table: str | None = None
) -> pd.DataFrame:
    """The summary with each customer's first values of the log's attribute columns, none of them missing.

    Parameters
    ----------
    summary : pandas.DataFrame
        One row per customer.
    first_values : pandas.DataFrame or None
        The first values (:attr:`~pyclv.engines.CustomerTotals.first_values`), in the summary's order.
    table : str, optional
        The customer table the values come from instead (for messages).

    Returns
    -------
    pandas.DataFrame
        ``summary`` with the attribute columns after its own (as they are without any).

    Raises
    ------
    DataValidationError
        If a column has a missing first value (NULL, NaN) for some customers: it names the column, counts the
        customers and shows some.
    """
    if first_values is None:
        return summary
    clash = [name for name in first_values.columns if name in summary.columns]
    if clash:
        raise DataValidationError(
            f"The covariate column {clash[0]!r} has the name of a column of the summary; rename it in the log.",
            column=str(clash[0]),
        )
    for name in first_values.columns:
        missing = first_values[name].isna().to_numpy()
        if missing.any():
            n, shown = int(missing.sum()), v.examples(summary.index, missing)
            message = (
                f"The covariate column {name!r} has no value in the first transaction of {n:,} customer(s) (e.g. "
                f"{shown}). A customer's covariate is the value of its first purchase day: fill those values in "
                "the log (e.g. an 'unknown' level), or take the covariates from a customer table."
                if table is None else
                f"The covariate column {name!r} of the customer table {table} has no value for {n:,} customer(s) "
                f"(e.g. {shown}): fill them in (e.g. an 'unknown' level)."
            )
            raise DataValidationError(message, column=str(name), n_rows=n)
        summary[name] = first_values[name].array
    return summary


def _per_repeat(total: np.ndarray, frequency: np.ndarray) -> np.ndarray:
    """``total / frequency``, 0 where there is no repeat transaction."""
    total = np.asarray(total, dtype=np.float64)
    return np.divide(total, frequency, out=np.zeros_like(total), where=frequency > 0)


def rfm_summary(
    log: TransactionLog, end: v.DateLike | None, time_unit: str, *, spend_to_date: bool = False
) -> pd.DataFrame:
    """The RFM summary of a log (see :func:`pyclv.rfm_summary`)."""
    _, end_day = checked_end(log, end)
    summary = summary_frame(log.customer_totals(end_day), end_day, time_unit, spend_to_date=spend_to_date)
    summary.index.name = log.columns.customer_id
    return summary


def calibration_holdout_split(
    log: TransactionLog,
    calibration_end: v.DateLike,
    end: v.DateLike | None,
    time_unit: str,
    *,
    spend_to_date: bool = False,
) -> pd.DataFrame:
    """The calibration summary with the holdout's activity (see :func:`pyclv.calibration_holdout_split`)."""
    first_day, end_day = checked_end(log, end)
    calibration_day = v.calibration_end(calibration_end, first_day, end_day, log.date_rule)
    totals = log.customer_totals(end_day, calibration_day)
    cohort = totals.first_day <= calibration_day
    n_new = len(cohort) - int(np.count_nonzero(cohort))
    if n_new:
        v.warn_new_in_holdout(n_new, calibration_day)
    assert totals.n_holdout is not None
    kept = CustomerTotals(
        ids=totals.ids[cohort],
        n_days=totals.n_days[cohort],
        first_day=totals.first_day[cohort],
        last_day=totals.last_day[cohort],
        repeat_total=None if totals.repeat_total is None else totals.repeat_total[cohort],
        spend_to_date=None if totals.spend_to_date is None else totals.spend_to_date[cohort],
        first_values=None if totals.first_values is None else totals.first_values[cohort],
    )
    split = summary_frame(kept, calibration_day, time_unit, spend_to_date=spend_to_date)
    split.index.name = log.columns.customer_id
    split["frequency_holdout"] = totals.n_holdout[cohort].astype(np.float64)
    if totals.revenue_holdout is not None:
        split["revenue_holdout"] = np.asarray(totals.revenue_holdout[cohort], dtype=np.float64)
    split["duration_holdout"] = (end_day - calibration_day) / DAYS_PER_UNIT[time_unit]
    return split


def discrete_summary(log: TransactionLog, end: v.DateLike | None, time_unit: str) -> pd.DataFrame:
    """Whole purchase opportunities per customer (see :func:`pyclv.discrete_summary`)."""
    _, end_day = checked_end(log, end)
    totals = log.period_totals(end_day, DAYS_PER_UNIT[time_unit])
    if totals.n_incomplete:
        v.warn_incomplete_periods(totals.n_incomplete, time_unit)
    frequency = totals.frequency.astype(np.float64)
    columns = {
        "frequency": frequency,
        "recency": totals.recency.astype(np.float64),
        "n_periods": totals.n_periods.astype(np.float64),
    }
    if totals.spend is not None:
        columns["monetary_value"] = _per_repeat(totals.spend, frequency)
    summary = pd.DataFrame(columns, index=totals.ids.rename(log.columns.customer_id))
    summary.attrs["time_unit"] = time_unit
    return summary


def daily_log(
    transactions: pd.DataFrame,
    columns: v.LogColumns,
    end: v.DateLike | None,
    end_name: str = "observation_period_end",
    rule: v.DateRule | None = None,
) -> pandas_engine.DailyLog:
    """A DataFrame of transactions, checked, as one row per customer and purchase day up to the end.

    For the tables built from daily purchases (cohorts, tracking curves, a customer's history).

    Parameters
    ----------
    transactions : pandas.DataFrame
        One row per transaction.
    columns : LogColumns
        Which columns hold the customer id, the date and the amount.
    end : date-like, optional
        The last day of the observation period; the last transaction's day without one.
    end_name : str, default "observation_period_end"
        The argument's name, for messages.
    rule : DateRule, optional
        How dates written as text are read: ISO 8601 by default.

    Returns
    -------
    DailyLog
        See :class:`pyclv.engines.pandas.DailyLog`.
    """
    log = pandas_engine.open_log(transactions, columns, rule)
    _, end_day = checked_end(log, end, end_name)
    return log.daily(end_day)
