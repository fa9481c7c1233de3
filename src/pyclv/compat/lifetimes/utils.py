"""lifetimes' ``summary_data_from_transaction_data`` and ``calibration_and_holdout_data``, computed by pyclv.

Both keep lifetimes' signatures, column names and its ``freq`` / ``freq_multiplier`` semantics: transactions in
the same period (day, or calendar week ending on Sunday) are one, durations count periods between the periods'
starts, divided by ``freq_multiplier``. The summaries themselves are :func:`pyclv.rfm_summary` and
:func:`pyclv.calibration_holdout_split` of the log with each date moved to the start of its period.

pyclv's own functions differ: they count days (``time_unit="D"``) or weeks of exactly seven days
(``time_unit="W"``, fractional, with no calendar weeks), record the unit in ``attrs["time_unit"]``, read dates
strictly (ISO 8601 unless a format is given), warn about transactions after the end instead of dropping them
silently, and report the holdout's revenue (``revenue_holdout``) rather than its mean purchase value.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from pyclv.data import calibration_holdout_split, rfm_summary
from pyclv.exceptions import DataValidationError

__all__ = ["calibration_and_holdout_data", "summary_data_from_transaction_data"]

#: The ``freq`` values supported, with their length in days (pyclv summarises calendar days).
_PERIOD_DAYS: dict[str, int] = {"D": 1, "W": 7}


def _period_log(
    transactions: pd.DataFrame, customer_id_col: str, datetime_col: str, monetary_value_col: str | None,
    datetime_format: str | None, freq: str, freq_multiplier: float,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The log with dates at their period's start (weeks), and pyclv's date-reading options."""
    if freq not in _PERIOD_DAYS:
        raise DataValidationError(
            f"freq must be one of {', '.join(map(repr, _PERIOD_DAYS))} (days or calendar weeks) in pyclv's lifetimes "
            f"layer; got {freq!r}. For finer units use freq='D' and freq_multiplier; for others summarise "
            "with pyclv.rfm_summary.",
            column="freq",
        )
    if not (isinstance(freq_multiplier, int | float) and freq_multiplier > 0):
        raise DataValidationError(
            f"freq_multiplier must be a number > 0; got {freq_multiplier!r}.", column="freq_multiplier"
        )
    if not isinstance(transactions, pd.DataFrame):
        raise DataValidationError(
            f"transactions must be a pandas DataFrame; got {type(transactions).__name__}.", column="transactions"
        )
    columns = [customer_id_col, datetime_col] + ([monetary_value_col] if monetary_value_col else [])
    missing = [c for c in columns if c not in transactions.columns]
    if missing:
        raise DataValidationError(
            f"transactions has no column {missing[0]!r} (columns: {', '.join(map(str, transactions.columns))}).",
            column=missing[0],
        )
    log = transactions[columns]
    options: dict[str, Any] = {"date_format": datetime_format}
    if freq != "D":
        log = log.copy()
        log[datetime_col] = _period_start(log[datetime_col], datetime_format, freq, datetime_col)
        options = {"date_format": None}
    return log, options


def _period_start(values: Any, datetime_format: str | None, freq: str, name: str) -> Any:
    """The first day of each value's calendar period (lifetimes' ``to_period(freq)``)."""
    try:
        dates = pd.to_datetime(values, format=datetime_format)
    except (TypeError, ValueError) as error:
        raise DataValidationError(
            f"Column {name!r}: dates could not be read ({error}); pass datetimes or give datetime_format.",
            column=name,
        ) from None
    if isinstance(dates, pd.Series):
        return dates.dt.to_period(freq).dt.start_time
    return dates.to_period(freq).start_time


def _end(value: Any, datetime_format: str | None, freq: str, name: str) -> Any:
    return value if value is None or freq == "D" else _period_start(value, datetime_format, freq, name)


def _lifetimes_columns(
    summary: pd.DataFrame, divisor: float, monetary_value_col: str | None, include_first_transaction: bool
) -> pd.DataFrame:
    """The summary of pyclv (durations in days) as lifetimes' columns (durations in periods / multiplier)."""
    out = pd.DataFrame(index=summary.index)
    out["frequency"] = summary["frequency"] + (1.0 if include_first_transaction else 0.0)
    out["recency"] = summary["recency"] / divisor
    out["T"] = summary["T"] / divisor
    if monetary_value_col:
        if include_first_transaction:
            out["monetary_value"] = summary["spend_to_date"] / out["frequency"]
        else:
            out["monetary_value"] = summary["monetary_value"]
    return out.astype(float)


def summary_data_from_transaction_data(
    transactions: pd.DataFrame,
    customer_id_col: str,
    datetime_col: str,
    monetary_value_col: str | None = None,
    datetime_format: str | None = None,
    observation_period_end: Any = None,
    freq: str = "D",
    freq_multiplier: float = 1,
    include_first_transaction: bool = False,
) -> pd.DataFrame:
    """The summary of a transaction log as lifetimes makes it: ``frequency``, ``recency``, ``T`` [, amounts].

    Parameters
    ----------
    transactions : pandas.DataFrame
        One row per transaction.
    customer_id_col, datetime_col : str
        The columns of customer ids and of transaction dates.
    monetary_value_col : str, optional
        The column of amounts.
    datetime_format : str, optional
        A ``strptime`` format of the dates.
    observation_period_end : date-like, optional
        The end of the observation (its whole period counts); defaults to the last transaction.
    freq : {"D", "W"}, default "D"
        The period: transactions in one period are one; durations count periods.
    freq_multiplier : float, default 1
        Durations are divided by it.
    include_first_transaction : bool, default False
        Count the first purchase in ``frequency`` and ``monetary_value`` (not for fitting).

    Returns
    -------
    pandas.DataFrame
        Float columns indexed by customer id, sorted.
    """
    log, options = _period_log(transactions, customer_id_col, datetime_col, monetary_value_col, datetime_format,
                               freq, freq_multiplier)
    summary = rfm_summary(
        log,
        customer_id_col=customer_id_col,
        datetime_col=datetime_col,
        monetary_value_col=monetary_value_col,
        observation_period_end=_end(observation_period_end, datetime_format, freq, "observation_period_end"),
        time_unit="D",
        spend_to_date=bool(monetary_value_col) and include_first_transaction,
        **options,
    )
    return _lifetimes_columns(summary, _PERIOD_DAYS[freq] * freq_multiplier, monetary_value_col,
                              include_first_transaction)


def calibration_and_holdout_data(
    transactions: pd.DataFrame,
    customer_id_col: str,
    datetime_col: str,
    calibration_period_end: Any,
    observation_period_end: Any = None,
    freq: str = "D",
    freq_multiplier: float = 1,
    datetime_format: str | None = None,
    monetary_value_col: str | None = None,
    include_first_transaction: bool = False,
) -> pd.DataFrame:
    """The calibration summary and holdout counts per customer, as lifetimes makes them.

    Parameters
    ----------
    transactions : pandas.DataFrame
        One row per transaction.
    customer_id_col, datetime_col : str
        The columns of customer ids and of transaction dates.
    calibration_period_end : date-like
        The end of the calibration period (inclusive).
    observation_period_end : date-like, optional
        The end of the holdout period; defaults to the last transaction.
    freq : {"D", "W"}, default "D"
        The period (see :func:`summary_data_from_transaction_data`).
    freq_multiplier : float, default 1
        Durations are divided by it.
    datetime_format : str, optional
        A ``strptime`` format of the dates.
    monetary_value_col : str, optional
        The column of amounts.
    include_first_transaction : bool, default False
        Count the first purchase in the calibration ``frequency`` and ``monetary_value``.

    Returns
    -------
    pandas.DataFrame
        ``frequency_cal``, ``recency_cal``, ``T_cal`` [, ``monetary_value_cal``], ``frequency_holdout``
        [, ``monetary_value_holdout``: the mean amount of the holdout's transactions], ``duration_holdout``,
        indexed by the calibration customers.

    Notes
    -----
    With ``freq="W"`` the calibration end should be the last day of a week: lifetimes puts a purchase made
    after it in the same week into the holdout, here it belongs to the week, hence to the calibration.
    """
    log, options = _period_log(transactions, customer_id_col, datetime_col, monetary_value_col, datetime_format,
                               freq, freq_multiplier)
    if observation_period_end is None:
        observation_period_end = log[datetime_col].max()
    split = calibration_holdout_split(
        log,
        calibration_period_end=_end(calibration_period_end, datetime_format, freq, "calibration_period_end"),
        observation_period_end=_end(observation_period_end, datetime_format, freq, "observation_period_end"),
        customer_id_col=customer_id_col,
        datetime_col=datetime_col,
        monetary_value_col=monetary_value_col,
        time_unit="D",
        spend_to_date=bool(monetary_value_col) and include_first_transaction,
        **options,
    )
    divisor = _PERIOD_DAYS[freq] * freq_multiplier
    out = _lifetimes_columns(split, divisor, monetary_value_col, include_first_transaction)
    out.columns = [f"{c}_cal" for c in out.columns]
    out["frequency_holdout"] = split["frequency_holdout"]
    if monetary_value_col:
        out["monetary_value_holdout"] = split["revenue_holdout"] / _holdout_rows(
            log, customer_id_col, datetime_col, datetime_format,
            _end(calibration_period_end, datetime_format, freq, "calibration_period_end"),
            _end(observation_period_end, datetime_format, freq, "observation_period_end"), out.index,
        ).where(lambda n: n > 0)
        out["monetary_value_holdout"] = out["monetary_value_holdout"].fillna(0.0)
    out["duration_holdout"] = split["duration_holdout"] / divisor
    return out


def _holdout_rows(
    transactions: pd.DataFrame, customer_id_col: str, datetime_col: str, datetime_format: str | None,
    calibration_period_end: Any, observation_period_end: Any, customers: pd.Index,
) -> pd.Series:
    """Transactions (rows, not periods) of each customer in the holdout: lifetimes averages their amounts.

    Counted by day, as the split counts the holdout's revenue (:func:`pyclv.calibration_holdout_split`): a
    purchase at 15:00 on the calibration end's day belongs to the calibration period.
    """
    dates = pd.to_datetime(transactions[datetime_col], format=datetime_format).dt.normalize()
    start = pd.Timestamp(pd.to_datetime(calibration_period_end, format=datetime_format)).normalize()
    end = pd.Timestamp(pd.to_datetime(observation_period_end, format=datetime_format)).normalize()
    in_holdout = (dates > start) & (dates <= end)
    counts = transactions.loc[in_holdout, customer_id_col].value_counts()
    return counts.reindex(customers, fill_value=0).astype(float)
