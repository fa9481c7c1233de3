"""From a transaction log to the RFM summary the models are fitted on, with validation where data enters.

Every model in pyclv works on a per-customer summary of frequency, recency and age (``T``), with the
conventions of Fader, Hardie and co-authors:

- purchase times are calendar days: timestamps are floored to the day, and purchases by one customer on
  the same day are one transaction (their amounts summed);
- ``frequency`` counts the *repeat* transactions, the number of distinct purchase days minus one;
- ``recency`` is the time from the first to the last purchase day and ``T`` the time from the first purchase
  day to the end of the observation period, both measured exactly in the chosen time unit (weeks are days / 7);
- ``monetary_value`` is the mean amount of the repeat transactions: the first purchase is excluded, and it is
  0.0 for customers without repeat transactions.

:func:`rfm_summary` builds that summary and :func:`calibration_holdout_split` adds what the customers did in
a later holdout period; :func:`discrete_summary` counts whole purchase opportunities for discrete-time models.

Each takes a DataFrame (computed by the pandas engine, :mod:`pyclv.engines.pandas`) or a path or glob of
Parquet or CSV files (computed out of core by DuckDB, :mod:`pyclv.engines.duckdb`). Whatever the engine, the
log is checked by the same rules with the same messages (:mod:`pyclv._validation`) and becomes a summary by
the same expressions (:mod:`pyclv._summaries`). Models check a summary with :func:`validate_summary` before
fitting or predicting.

References
----------
Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005). "Counting your customers" the easy way: an alternative
to the Pareto/NBD model. Marketing Science, 24(2), 275-284.

Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005). RFM and CLV: using iso-value curves for customer base
analysis. Journal of Marketing Research, 42(4), 415-430.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import Any, TypeAlias

import pandas as pd

from pyclv import _summaries
from pyclv._time import check_time_unit
from pyclv._validation import DateLike, DateRule, LogColumns, Summary, validate_summary
from pyclv.engines import TransactionLog
from pyclv.engines import duckdb as duckdb_engine
from pyclv.engines import pandas as pandas_engine
from pyclv.exceptions import DataValidationError

__all__ = [
    "DateLike",
    "Summary",
    "Transactions",
    "calibration_holdout_split",
    "discrete_summary",
    "rfm_summary",
    "validate_summary",
]

#: A transaction log: a DataFrame (summarised with pandas) or a path or glob of Parquet or CSV files
#: (summarised out of core by the embedded DuckDB engine, :mod:`pyclv.engines.duckdb`).
Transactions: TypeAlias = pd.DataFrame | str | os.PathLike[str]


def _open(
    transactions: Any, columns: LogColumns, rule: DateRule, attributes: Sequence[str] | None = None
) -> AbstractContextManager[TransactionLog]:
    """The engine for ``transactions``: DuckDB for a path or glob of files, pandas for anything else."""
    names = _covariate_names(attributes)
    if isinstance(transactions, (str, os.PathLike)):
        return duckdb_engine.open_log(
            transactions, columns, attributes=names, date_format=rule.date_format, dayfirst=rule.dayfirst
        )
    return nullcontext(pandas_engine.open_log(transactions, columns, rule, names))


def _covariate_names(names: Sequence[str] | None) -> tuple[str, ...]:
    """``covariate_cols`` as a tuple of column names (each once), or the error that says what it must be."""
    if names is None:
        return ()
    if isinstance(names, str) or not all(isinstance(name, str) and name for name in names):
        raise DataValidationError(
            f"covariate_cols must be a list of column names (e.g. ['channel']); got {names!r}.",
            column="covariate_cols",
        )
    return tuple(dict.fromkeys(names))


def rfm_summary(
    transactions: Transactions,
    *,
    customer_id_col: str = "customer_id",
    datetime_col: str = "date",
    monetary_value_col: str | None = None,
    observation_period_end: DateLike | None = None,
    time_unit: str = "D",
    date_format: str | None = None,
    dayfirst: bool | None = None,
    spend_to_date: bool = False,
    covariate_cols: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Summarise a transaction log into frequency, recency, T (and monetary value) per customer.

    Parameters
    ----------
    transactions : pandas.DataFrame, str or os.PathLike
        One row per transaction, with at least a customer id and a date column. A path or glob of Parquet
        or CSV files (``"tx/*.parquet"``) is summarised out of core by the embedded DuckDB engine
        (:func:`pyclv.engines.duckdb.rfm_summary`), with the same result, validation and warnings.
    customer_id_col : str, default "customer_id"
        Column of customer ids (integers or strings; not missing).
    datetime_col : str, default "date"
        Column of transaction times: datetimes of any resolution, tz-aware datetimes or date strings.
        Times are floored to the calendar day; a tz-aware time counts on the local day of its own time zone
        (it is converted to naive local time, not to UTC), and so does a string with a UTC offset (its date as
        written). Strings are read as ISO 8601 (``1997-09-30``, optionally with a time) unless ``date_format``
        or ``dayfirst`` says otherwise; nothing is guessed. Numbers are rejected, not read as epoch times.
        Days before 1900 or after 2199 are refused as placeholders.
    monetary_value_col : str, optional
        Column of transaction amounts (numbers, finite and >= 0; zero amounts are valid). When given, the
        result has a ``monetary_value`` column.
    observation_period_end : date-like, optional
        Last day of the observation period (inclusive); defaults to the date of the last transaction.
        Transactions after it are excluded with a warning.
    time_unit : {"D", "W"}, default "D"
        Unit of ``recency`` and ``T``: days, or weeks of exactly seven days (fractional).
    date_format : str, optional
        A ``strptime`` format for dates written as text, e.g. ``"%d/%m/%Y"`` or ``"%Y%m%d"`` (integers such as
        19970930 are read as their digits). Every date string must match it.
    dayfirst : bool, optional
        True reads ``DD/MM/YYYY`` strings (also with ``-`` or ``.``), False ``MM/DD/YYYY``; not with
        ``date_format``. Without either, only ISO 8601 is read: ``01/09/1997`` is refused, not guessed.
        Dates given as arguments (``observation_period_end``) may be ISO 8601 or in the column's format.
    spend_to_date : bool, default False
        Also return ``spend_to_date``: every purchase's amount up to the end, the first purchase included (what
        the customer has really spent, for the historical side of a score table). Needs ``monetary_value_col``.
    covariate_cols : sequence of str, optional
        Columns of the log to attach to the summary as covariates (time-invariant, one value per customer, for
        a model's ``purchase_covariates`` and so on): each customer's value in its *first* transaction, on its
        earliest purchase day up to the end. When that day has several transactions, the smallest of their
        values is taken (numbers by value, text by code point, False before True, a ``Categorical`` by the
        order of its categories), missing values last; each column on its own. Values keep their type.

    Returns
    -------
    pandas.DataFrame
        One row per customer with a transaction on or before the end, indexed by customer id (index named
        ``customer_id_col``) and sorted by it, with float64 columns ``frequency``, ``recency``, ``T`` and,
        with a value column, ``monetary_value``, then the ``covariate_cols``. ``attrs["time_unit"]`` records
        the time unit.

    Raises
    ------
    DataValidationError
        If ``transactions`` is not a DataFrame or is empty; if columns are missing; if customer ids are
        missing; if dates are missing or unparseable; if amounts are non-numeric, missing, infinite or
        negative; if ``observation_period_end`` is not a date or is before the first transaction; if a column
        of ``covariate_cols`` is missing, or has no value in the first transaction of some customers. The error
        names the column (``.column``), counts the bad rows or customers (``.n_rows``) and shows examples.
    ValueError
        If ``time_unit`` is not supported.

    Warns
    -----
    PyCLVWarning
        If transactions fall after ``observation_period_end``. They are excluded rather than rejected, so
        a full log can be summarised at any earlier date; the warning counts the excluded rows and the
        customers who therefore vanish entirely because their first purchase is after the end.

    Notes
    -----
    The conventions are those of Fader, Hardie and Lee (2005): purchases on the same day are one
    transaction (amounts summed); ``frequency`` is the number of distinct purchase days minus one (repeat
    transactions); ``recency`` = last purchase day - first purchase day and ``T`` = end day - first
    purchase day, in ``time_unit``; ``monetary_value`` is the mean of the repeat transactions' amounts (the
    first purchase is excluded) and 0.0 for customers with ``frequency`` 0.

    The computation is vectorised (integer day numbers and one hashing pass over (customer, day) pairs), so
    ten million transactions take a few seconds.

    References
    ----------
    Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005). "Counting your customers" the easy way: an
    alternative to the Pareto/NBD model. Marketing Science, 24(2), 275-284.

    Examples
    --------
    >>> from pyclv.data import rfm_summary
    >>> from pyclv.datasets import load_cdnow_transactions
    >>> log = load_cdnow_transactions()
    >>> summary = rfm_summary(log[log["date"] <= "1997-09-30"], observation_period_end="1997-09-30",
    ...                       monetary_value_col="amount", time_unit="W")
    >>> len(summary), summary.attrs["time_unit"]
    (2357, 'W')
    >>> summary.loc[1].round(4).tolist()  # weeks are exact: recency = 213 / 7, T = 272 / 7
    [2.0, 30.4286, 38.8571, 22.345]

    A covariate from the log, each customer's value in its first transaction:

    >>> log["channel"] = log["customer_id"].map(lambda c: "web" if c % 3 else "store")
    >>> rfm_summary(log, covariate_cols=["channel"])["channel"].value_counts().to_dict()
    {'web': 1572, 'store': 785}
    """
    check_time_unit(time_unit)
    with _open(
        transactions,
        LogColumns(customer_id_col, datetime_col, monetary_value_col),
        DateRule(date_format, dayfirst),
        covariate_cols,
    ) as log:
        return _summaries.rfm_summary(log, observation_period_end, time_unit, spend_to_date=spend_to_date)


def discrete_summary(
    transactions: Transactions,
    *,
    customer_id_col: str = "customer_id",
    datetime_col: str = "date",
    monetary_value_col: str | None = None,
    observation_period_end: DateLike | None = None,
    time_unit: str = "Y",
    date_format: str | None = None,
    dayfirst: bool | None = None,
) -> pd.DataFrame:
    """Summarise a transaction log into whole purchase opportunities, for discrete-time models (BG/BB).

    Each customer's time is cut into periods of one ``time_unit`` counted from its first purchase: period 0
    holds the first purchase, periods 1, 2, ..., n are its repeat opportunities, n being the number of
    *complete* periods before ``observation_period_end``. A period with one or more transactions counts once.

    Parameters
    ----------
    transactions, customer_id_col, datetime_col, monetary_value_col, observation_period_end, date_format, dayfirst
        As in :func:`rfm_summary` (the same validation); files are summarised by
        :func:`pyclv.engines.duckdb.discrete_summary`.
    time_unit : {"Y", "M", "W", "D"}, default "Y"
        Length of one opportunity.

    Returns
    -------
    pandas.DataFrame
        Indexed by customer id: ``frequency`` (opportunities 1..n with a transaction), ``recency`` (the last
        such opportunity, 0 if none), ``n_periods`` (n), and with a value column ``monetary_value`` (mean spend
        per repeat opportunity with a transaction, 0 if none). ``attrs["time_unit"]`` records the period.

    Warns
    -----
    PyCLVWarning
        Transactions in a customer's last, incomplete period are not in the summary (that opportunity is
        not over yet); the warning counts them.

    Examples
    --------
    >>> import pyclv
    >>> tx = pyclv.datasets.load_cdnow_transactions()
    >>> calibration = tx[tx["date"] <= "1997-09-30"]
    >>> daily = discrete_summary(calibration, observation_period_end="1997-09-30", time_unit="D")
    >>> daily.loc[1].tolist()  # days 17 and 213 after the first purchase, of 272 complete days
    [2.0, 213.0, 272.0]
    """
    check_time_unit(time_unit)
    with _open(
        transactions, LogColumns(customer_id_col, datetime_col, monetary_value_col), DateRule(date_format, dayfirst)
    ) as log:
        return _summaries.discrete_summary(log, observation_period_end, time_unit)


def calibration_holdout_split(
    transactions: Transactions,
    *,
    calibration_period_end: DateLike,
    observation_period_end: DateLike | None = None,
    customer_id_col: str = "customer_id",
    datetime_col: str = "date",
    monetary_value_col: str | None = None,
    time_unit: str = "D",
    date_format: str | None = None,
    dayfirst: bool | None = None,
    spend_to_date: bool = False,
    covariate_cols: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Summarise a calibration period and count what each customer did in the holdout period after it.

    Parameters
    ----------
    transactions : pandas.DataFrame, str or os.PathLike
        One row per transaction (see :func:`rfm_summary`), or a path or glob of Parquet or CSV files
        (summarised by :func:`pyclv.engines.duckdb.calibration_holdout_split`).
    calibration_period_end : date-like
        Last day of the calibration period (inclusive).
    observation_period_end : date-like, optional
        Last day of the holdout period (inclusive); defaults to the date of the last transaction.
        Transactions after it are excluded with a warning.
    customer_id_col, datetime_col, monetary_value_col, time_unit, date_format, dayfirst, spend_to_date
        As in :func:`rfm_summary` (``spend_to_date`` up to the calibration end).
    covariate_cols : sequence of str, optional
        As in :func:`rfm_summary`: each calibration customer's values in its first transaction.

    Returns
    -------
    pandas.DataFrame
        The calibration summary (:func:`rfm_summary` of the transactions up to ``calibration_period_end``)
        with three more float64 columns: ``frequency_holdout``, the number of distinct purchase days in
        (calibration end, observation end]; ``revenue_holdout`` (only with ``monetary_value_col``), the total
        amount spent in the holdout, the historical value a forecast is judged against; and
        ``duration_holdout``, the holdout length (observation end - calibration end) in ``time_unit``, the
        same for every row. Every calibration customer appears exactly once, with zeros if inactive in the
        holdout. ``attrs["time_unit"]`` records the time unit.

    Raises
    ------
    DataValidationError
        As :func:`rfm_summary`; also if ``calibration_period_end`` is not before
        ``observation_period_end`` or is before the first transaction.
    ValueError
        If ``time_unit`` is not supported.

    Warns
    -----
    PyCLVWarning
        If transactions fall after ``observation_period_end`` (they are excluded), and if some customers
        make their first purchase in the holdout: they are not in the calibration cohort, so they are left
        out of the result, and the warning counts them.

    Examples
    --------
    >>> import warnings
    >>> from pyclv.data import calibration_holdout_split
    >>> from pyclv.datasets import load_cdnow_transactions
    >>> with warnings.catch_warnings(action="ignore"):  # the whole sample is the calibration cohort
    ...     split = calibration_holdout_split(load_cdnow_transactions(), calibration_period_end="1997-09-30",
    ...                                       observation_period_end="1998-06-30", time_unit="W")
    >>> split.loc[1, ["frequency", "frequency_holdout", "duration_holdout"]].round(2).tolist()
    [2.0, 1.0, 39.0]
    """
    check_time_unit(time_unit)
    with _open(
        transactions,
        LogColumns(customer_id_col, datetime_col, monetary_value_col),
        DateRule(date_format, dayfirst),
        covariate_cols,
    ) as log:
        return _summaries.calibration_holdout_split(
            log, calibration_period_end, observation_period_end, time_unit, spend_to_date=spend_to_date
        )
