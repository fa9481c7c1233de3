r"""Backtesting: how the forecast would have done at past cut-offs (rolling origin).

A single calibration/holdout split judges a model once, at one date. A *rolling-origin* backtest repeats the
judgement at several past cut-offs: at each cut-off :math:`c` the log up to :math:`c` is summarised, the models
are refitted on it alone, and their forecast of the cohort's repeat purchases and revenue over the next
``horizon_days`` is set beside what the same customers really did in :math:`(c, c + h]` and beside the
historical-CLV formula over the same window (:func:`~pyclv.evaluation.holdout_comparison`). Nothing after a
cut-off is seen by the fit made at it, so the table shows how a nightly job run on those days would have
forecast, and whether the model keeps beating the spreadsheet formula as the business changes.

:func:`backtest` does it for a DataFrame or files (DuckDB); :func:`backtest_log` for a log an engine opened
(what ``pyclv backtest`` calls). :func:`pyclv.plotting.plot_backtest` draws the table.

References
----------
Tashman, L. J. (2000). Out-of-sample tests of forecasting accuracy: an analysis and review. International
Journal of Forecasting, 16(4), 437-450.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import Any

import numpy as np
import pandas as pd

from pyclv import _progress, _summaries
from pyclv import _validation as v
from pyclv._lineage import RecordedLog
from pyclv._time import check_time_unit
from pyclv._validation import DateLike, DateRule, LogColumns, argument, day_str
from pyclv.data import Transactions
from pyclv.engines import TransactionLog
from pyclv.engines import duckdb as duckdb_engine
from pyclv.engines import pandas as pandas_engine
from pyclv.evaluation.holdout import holdout_comparison
from pyclv.evaluation.profiles import attach_covariates, covariate_columns
from pyclv.exceptions import DataValidationError
from pyclv.models import BetaGeo, GammaGamma, TransactionModel

__all__ = ["COLUMNS", "FitPair", "backtest", "backtest_log"]

#: What ``holdout_comparison`` calls its rows, as the backtest table names them.
_QUANTITIES = {"repeat_transactions": "purchases", "revenue": "revenue"}
#: What ``holdout_comparison`` calls its columns, as the backtest table names them.
_MEASURES = {
    "actual": "actual",
    "model": "forecast",
    "historical": "historical",
    "model_error_pct": "forecast_error_pct",
    "historical_error_pct": "historical_error_pct",
    "model_mae": "forecast_mae",
    "historical_mae": "historical_mae",
}
#: The backtest table's columns, in order.
COLUMNS = (
    "cutoff",
    "horizon_days",
    "customers",
    *(f"{quantity}_{measure}" for quantity in _QUANTITIES.values() for measure in _MEASURES.values()),
)

#: Fits the transaction and the spend model on a calibration summary.
FitPair = Callable[[pd.DataFrame], tuple[TransactionModel, GammaGamma]]

log = logging.getLogger("pyclv")


def _cutoff_days(cutoffs: Any, rule: DateRule) -> list[int]:
    """The cut-offs' day numbers, sorted; refused when not a non-empty list of distinct dates."""
    if isinstance(cutoffs, (str, bytes)) or not isinstance(cutoffs, Sequence | np.ndarray | pd.Index | pd.Series):
        raise DataValidationError(
            f"{argument('cutoffs')} must be a list of dates, e.g. ['1997-06-30', '1997-09-30']; got "
            f"{type(cutoffs).__name__} {cutoffs!r}",
            column="cutoffs",
        )
    if len(cutoffs) == 0:
        raise DataValidationError(
            f"{argument('cutoffs')} is empty: give at least one past day at which to fit and forecast, "
            f"e.g. ['1997-09-30']",
            column="cutoffs",
        )
    days = [v.to_day(cutoff, "cutoffs", rule) for cutoff in cutoffs]
    twice = sorted({day_str(day) for day in days if days.count(day) > 1})
    if twice:
        raise DataValidationError(
            f"{argument('cutoffs')} names the same day more than once ({', '.join(twice)}); give each cut-off once",
            column="cutoffs",
            n_rows=len(days) - len(set(days)),
        )
    return sorted(days)


def _check_window(days: list[int], horizon_days: int, first_day: int, last_day: int) -> None:
    """Refuse cut-offs before the first transaction, or whose holdout ends after the last one."""
    early = [day for day in days if day < first_day]
    if early:
        raise DataValidationError(
            f"{argument('cutoffs')} {', '.join(map(day_str, early))}: before the first transaction "
            f"({day_str(first_day)}), so nothing is left to fit on; choose later cut-offs",
            column="cutoffs",
            n_rows=len(early),
        )
    late = [day for day in days if day + horizon_days > last_day]
    if late:
        raise DataValidationError(
            f"{argument('cutoffs')} {day_str(late[0])}: its {horizon_days}-day holdout ends "
            f"{day_str(late[0] + horizon_days)}, after the last transaction ({day_str(last_day)}); choose earlier "
            f"cut-offs or a shorter {argument('horizon_days')}",
            column="cutoffs",
            n_rows=len(late),
        )


def _check_horizon(horizon_days: Any) -> int:
    if isinstance(horizon_days, bool) or not isinstance(horizon_days, int | np.integer) or horizon_days <= 0:
        raise DataValidationError(
            f"{argument('horizon_days')} must be a whole number of days > 0, e.g. 90; got {horizon_days!r}",
            column="horizon_days",
        )
    return int(horizon_days)


def backtest_log(
    transaction_log: TransactionLog,
    cutoffs: Sequence[DateLike],
    horizon_days: int,
    time_unit: str,
    fit_pair: FitPair,
    covariates: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The backtest table of a log an engine opened, the models fitted by ``fit_pair`` (see :func:`backtest`).

    Parameters
    ----------
    transaction_log : TransactionLog
        The log, with amounts, opened by any engine (wrap it in a :class:`~pyclv._lineage.RecordedLog` to
        learn what was read; it is profiled once in any case).
    cutoffs : sequence of date-like
        The cut-offs, dates as the log's dates are written (or ISO 8601), in any order.
    horizon_days : int
        Days after each cut-off over which the forecast is judged.
    time_unit : {"D", "W"}
        The models' time unit.
    fit_pair : callable
        Fits the transaction and the spend model on a calibration summary (``fit_pair(summary)``).
    covariates : pandas.DataFrame, optional
        The customers' covariates for models with covariates: every column is joined, by customer id, to each
        cut-off's summary (a row for every customer of each cohort).

    Returns
    -------
    pandas.DataFrame
        As :func:`backtest`.

    Raises
    ------
    DataValidationError
        As :func:`backtest`.
    """
    recorded = transaction_log if isinstance(transaction_log, RecordedLog) else RecordedLog(transaction_log)
    horizon_days = _check_horizon(horizon_days)
    days = _cutoff_days(cutoffs, recorded.date_rule)
    first_day, last_day = v.check_log(recorded.profile(), recorded.columns, recorded.date_rule)
    _check_window(days, horizon_days, first_day, last_day)
    rows = []
    for number, day in enumerate(days, start=1):
        end = day + horizon_days
        with _progress.step("summary"):
            split = _summaries.calibration_holdout_split(recorded, day_str(day), day_str(end), time_unit)
        if covariates is not None:
            split = attach_covariates(split, covariates, list(covariates.columns), what="backtest")
        transaction, spend = fit_pair(split)
        comparison = holdout_comparison(transaction, spend, split)
        row: dict[str, object] = {"cutoff": day, "horizon_days": horizon_days, "customers": len(split)}
        values = comparison.loc[list(_QUANTITIES), list(_MEASURES)].to_numpy(dtype=float)
        for i, name in enumerate(_QUANTITIES.values()):
            for j, column in enumerate(_MEASURES.values()):
                row[f"{name}_{column}"] = float(values[i, j])
        log.info(
            "cut-off %s (%d of %d): %d customers; revenue over %d days: actual %.2f, forecast %.2f, historical %.2f",
            day_str(day), number, len(days), len(split), horizon_days, row["revenue_actual"],
            row["revenue_forecast"], row["revenue_historical"],
        )
        rows.append(row)
    table = pd.DataFrame(rows, columns=list(COLUMNS))
    table["cutoff"] = table["cutoff"].to_numpy(dtype=np.int64).astype("datetime64[D]").astype("datetime64[s]")
    return table


def _unfitted_transaction(model: object) -> TransactionModel:
    """An unfitted copy of a transaction model given as a template (its settings, none of its fit)."""
    if not isinstance(model, TransactionModel) or model.discrete:
        raise TypeError(
            "transaction_model must be a continuous-time transaction model such as BetaGeo(); got "
            f"{type(model).__name__}"
        )
    return type(model)(**model.get_params())


def _unfitted_spend(model: object) -> GammaGamma:
    """An unfitted copy of a spend model given as a template."""
    if not isinstance(model, GammaGamma):
        raise TypeError(f"spend_model must be GammaGamma(); got {type(model).__name__}")
    return type(model)(**model.get_params())


def backtest(
    transactions: Transactions,
    *,
    cutoffs: Sequence[DateLike],
    horizon_days: int,
    transaction_model: TransactionModel | None = None,
    spend_model: GammaGamma | None = None,
    customer_id_col: str = "customer_id",
    datetime_col: str = "date",
    monetary_value_col: str = "amount",
    time_unit: str = "W",
    date_format: str | None = None,
    dayfirst: bool | None = None,
    covariates: pd.DataFrame | None = None,
) -> pd.DataFrame:
    r"""Refit at several past cut-offs and set each forecast beside what happened (a rolling-origin backtest).

    At each cut-off :math:`c` the transactions up to :math:`c` are summarised
    (:func:`pyclv.calibration_holdout_split`, the holdout being the ``horizon_days`` after :math:`c`), unfitted
    copies of ``transaction_model`` and ``spend_model`` are fitted on that calibration summary, and the
    forecast of the cohort's repeat purchases and revenue over :math:`(c, c + h]` is compared with the actual
    ones and with the historical-CLV formula (:func:`holdout_comparison`). The origin of the forecast rolls
    through the cut-offs; nothing after a cut-off is seen by its fit.

    Parameters
    ----------
    transactions : pandas.DataFrame, str or os.PathLike
        One row per transaction with a customer id, a date and an amount; or a path or glob of Parquet or CSV
        files, read out of core by DuckDB (:mod:`pyclv.engines.duckdb`). Validated as in
        :func:`pyclv.rfm_summary`.
    cutoffs : sequence of date-like
        The past days at which to fit and forecast, in any order (the table is sorted); ISO 8601 or as the
        log's dates are written. Each must be on or after the first transaction, with its whole holdout on or
        before the last one.
    horizon_days : int
        Days after each cut-off over which the forecast is judged (> 0).
    transaction_model : TransactionModel, optional
        A continuous-time transaction model whose settings are used (e.g. ``ParetoNBD(penalizer=0.001)``);
        a fitted one is not changed. ``BetaGeo()`` by default.
    spend_model : GammaGamma, optional
        The spend model, used likewise; ``GammaGamma()`` by default.
    customer_id_col, datetime_col, date_format, dayfirst
        As in :func:`pyclv.rfm_summary`.
    monetary_value_col : str, default "amount"
        Column of transaction amounts (the revenue).
    time_unit : {"W", "D"}, default "W"
        The models' time unit.
    covariates : pandas.DataFrame, optional
        For models with covariates (``BetaGeo(purchase_covariates=["channel"])``): a table indexed by customer
        id with their covariate columns and a row for every customer of the log; each cut-off's summary gets
        them before the models are refitted on it.

    Returns
    -------
    pandas.DataFrame
        One row per cut-off, sorted by it: ``cutoff`` (datetime64), ``horizon_days``, ``customers`` (the cohort:
        customers with a purchase on or before the cut-off) and, for ``purchases`` (repeat transactions) and
        ``revenue``: ``_actual``, ``_forecast`` and ``_historical`` (cohort totals over the holdout),
        ``_forecast_error_pct`` and ``_historical_error_pct`` (aggregate percentage errors) and
        ``_forecast_mae`` and ``_historical_mae`` (mean absolute error per customer); the columns of
        :data:`COLUMNS`.

    Raises
    ------
    DataValidationError
        For an invalid log (as :func:`pyclv.rfm_summary`); for ``cutoffs`` that are not a non-empty list of
        distinct dates, that are before the first transaction or whose holdout ends after the last one; for a
        ``horizon_days`` that is not a whole number > 0; for models with covariates, if ``covariates`` is
        missing or lacks a column or a customer. The message names the argument.
    TypeError
        If a model is not of the expected kind.
    ConvergenceError
        If a fit does not converge at some cut-off.

    Warns
    -----
    PyCLVWarning
        At each cut-off, as :func:`pyclv.calibration_holdout_split` warns: transactions after the holdout are
        left out, and customers new in the holdout are not in the cohort.

    See Also
    --------
    pyclv.plotting.plot_backtest : Draws the table.
    holdout_comparison : The comparison at one cut-off.

    Notes
    -----
    Refitting at each cut-off costs one fit of each model per cut-off; the log is validated (profiled) once.
    The historical-CLV formula forecasts customer :math:`i`'s revenue over :math:`h` as
    :math:`\bar z_i x_i h / T_i` from the calibration period alone, the spreadsheet rule a model should beat.

    References
    ----------
    Tashman, L. J. (2000). Out-of-sample tests of forecasting accuracy: an analysis and review.
    International Journal of Forecasting, 16(4), 437-450.

    Examples
    --------
    >>> import warnings
    >>> import pyclv
    >>> tx = pyclv.datasets.load_cdnow_transactions(sample=True)
    >>> with warnings.catch_warnings(action="ignore", category=pyclv.PyCLVWarning):  # rows after each holdout
    ...     table = pyclv.evaluation.backtest(tx, cutoffs=["1997-06-30", "1997-09-30"], horizon_days=90)
    >>> table = table.set_index("cutoff").rename_axis(index=None)
    >>> table[["purchases_actual", "purchases_forecast", "purchases_historical"]].round(1)
                purchases_actual  purchases_forecast  purchases_historical
    1997-06-30             703.0               707.8                 909.3
    1997-09-30             718.0               621.6                 836.2

    The model's forecast of the revenue is nearer what happened than the historical-CLV formula's, at both
    cut-offs:

    >>> table[["revenue_forecast_error_pct", "revenue_historical_error_pct"]].round(1)
                revenue_forecast_error_pct  revenue_historical_error_pct
    1997-06-30                        -3.3                          38.4
    1997-09-30                       -17.6                          19.2
    """
    check_time_unit(time_unit)
    transaction_template = BetaGeo() if transaction_model is None else transaction_model
    spend_template = GammaGamma() if spend_model is None else spend_model
    _unfitted_transaction(transaction_template), _unfitted_spend(spend_template)  # refused before the log is read
    columns = covariate_columns(transaction_template, spend_template)
    if columns:  # the customers' covariates checked, and kept to the models' columns, before the log is read
        index = covariates.index if isinstance(covariates, pd.DataFrame) else pd.Index([])
        covariates = attach_covariates(pd.DataFrame(index=index), covariates, columns, what="backtest")
    else:
        covariates = None

    def _fit_pair(summary: pd.DataFrame) -> tuple[TransactionModel, GammaGamma]:
        """Fit unfitted copies of the templates on one cut-off's calibration summary."""
        with _progress.step("fit"):
            transaction = _unfitted_transaction(transaction_template).fit(summary)
            return transaction, _unfitted_spend(spend_template).fit(summary)

    log_columns = LogColumns(customer_id_col, datetime_col, monetary_value_col)
    opened: AbstractContextManager[TransactionLog]
    if isinstance(transactions, str | os.PathLike):  # files, out of core, as pyclv.rfm_summary reads them
        opened = duckdb_engine.open_log(transactions, log_columns, date_format=date_format, dayfirst=dayfirst)
    else:
        opened = nullcontext(pandas_engine.open_log(transactions, log_columns, DateRule(date_format, dayfirst)))
    with opened as transaction_log:
        return backtest_log(transaction_log, cutoffs, horizon_days, time_unit, _fit_pair, covariates)
