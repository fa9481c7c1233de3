"""Judging a forecast against what customers really did in the holdout period.

The models' forecast for the holdout window is set beside the actual repeat transactions and revenue and
beside the historical-CLV baseline that practitioners compute in a spreadsheet.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from pyclv.exceptions import DataValidationError, PyCLVWarning
from pyclv.models._transaction import TransactionModel
from pyclv.models.gamma_gamma import GammaGamma

__all__ = ["compare_models", "historical_clv", "holdout_comparison"]

_HOLDOUT_COLUMNS = ("frequency_holdout", "revenue_holdout", "duration_holdout")


def historical_clv(data: pd.DataFrame, *, horizon: float) -> pd.Series:
    r"""The historical-CLV formula: average order value x purchase frequency x lifespan, per customer.

    .. math:: \mathrm{CLV}^{hist}_i = \bar z_i \times \frac{x_i}{T_i} \times H

    with :math:`\bar z_i` the average repeat order value (``monetary_value``), :math:`x_i / T_i` the repeat
    purchases per time unit observed so far, and the lifespan taken as the horizon H: every customer is
    assumed to keep buying as it has. This is the spreadsheet baseline the probabilistic models are judged
    against; it ignores that customers drop out, and that few purchases are a noisy guide to the rate.

    Returns
    -------
    pandas.Series
        Named ``historical_clv``, aligned to ``data.index``; 0 for customers with T = 0.
    """
    for col in ("frequency", "T", "monetary_value"):
        if col not in data.columns:
            raise DataValidationError(f"historical_clv needs the column {col!r}.", column=col)
    x = data["frequency"].to_numpy(dtype=float)
    T = data["T"].to_numpy(dtype=float)
    rate = np.divide(x, T, out=np.zeros_like(x), where=T > 0)
    return pd.Series(data["monetary_value"].to_numpy(dtype=float) * rate * float(horizon), index=data.index, name="historical_clv")


def holdout_comparison(
    transaction_model: TransactionModel, spend_model: GammaGamma, calibration_holdout_data: pd.DataFrame
) -> pd.DataFrame:
    """Forecast versus actual holdout repeat transactions and revenue, beside the historical-CLV baseline.

    Parameters
    ----------
    transaction_model, spend_model
        Fitted models.
    calibration_holdout_data : pandas.DataFrame
        Output of :func:`pyclv.calibration_holdout_split` with a value column (``frequency``, ``recency``,
        ``T``, ``monetary_value``, ``frequency_holdout``, ``revenue_holdout``, ``duration_holdout``).

    Returns
    -------
    pandas.DataFrame
        Rows ``repeat_transactions`` and ``revenue``; columns ``actual``, ``model``, ``historical`` (totals
        over customers), ``model_error_pct`` and ``historical_error_pct`` (aggregate percentage errors),
        ``model_mae`` and ``historical_mae`` (mean absolute error per customer).
    """
    data = calibration_holdout_data
    for col in _HOLDOUT_COLUMNS:
        if col not in data.columns:
            raise DataValidationError(
                f"holdout_comparison needs the column {col!r}: build the data with calibration_holdout_split "
                "(with monetary_value_col for revenue).",
                column=col,
            )
    duration = float(data["duration_holdout"].iloc[0])
    purchases = transaction_model.expected_purchases(data, duration).to_numpy()
    spend = spend_model.expected_spend(data).to_numpy()
    hist_revenue = historical_clv(data, horizon=duration).to_numpy()
    x, T = data["frequency"].to_numpy(dtype=float), data["T"].to_numpy(dtype=float)
    hist_purchases = np.divide(x, T, out=np.zeros_like(x), where=T > 0) * duration
    rows = {
        "repeat_transactions": (data["frequency_holdout"].to_numpy(dtype=float), purchases, hist_purchases),
        "revenue": (data["revenue_holdout"].to_numpy(dtype=float), purchases * spend, hist_revenue),
    }
    table = {}
    for name, (actual, model, hist) in rows.items():
        total = actual.sum()
        table[name] = {
            "actual": total,
            "model": model.sum(),
            "historical": hist.sum(),
            "model_error_pct": 100.0 * (model.sum() - total) / total if total else np.nan,
            "historical_error_pct": 100.0 * (hist.sum() - total) / total if total else np.nan,
            "model_mae": np.abs(model - actual).mean(),
            "historical_mae": np.abs(hist - actual).mean(),
        }
    return pd.DataFrame(table).T


def compare_models(
    models: Mapping[str, TransactionModel] | Sequence[TransactionModel], calibration_holdout_data: pd.DataFrame
) -> pd.DataFrame:
    """Fit statistics and holdout accuracy of several fitted transaction models, side by side.

    Parameters
    ----------
    models : mapping of name to model, or sequence of models
        Transaction models fitted on the calibration part of ``calibration_holdout_data`` (a sequence is named
        by class name).
    calibration_holdout_data : pandas.DataFrame
        Output of :func:`pyclv.calibration_holdout_split`: the calibration summary with ``frequency_holdout``
        and ``duration_holdout``.

    Returns
    -------
    pandas.DataFrame
        One row per model: ``n_params``, ``log_likelihood``, ``aic``, ``bic`` (from the fit), and on the holdout
        ``actual`` and ``predicted`` total repeat transactions, ``aggregate_error_pct``, and the per-customer
        ``mae`` and ``rmse`` of predicted against actual repeat transactions. Sorted by BIC.

    Notes
    -----
    LL, AIC and BIC compare models only when they were fitted on the same data; the holdout columns compare
    them on what customers did next, which is what a forecast is for.
    """
    named = dict(models) if isinstance(models, Mapping) else {type(m).__name__: m for m in models}
    if not named:
        raise ValueError("compare_models needs at least one fitted model.")
    data = calibration_holdout_data
    for col in ("frequency_holdout", "duration_holdout"):
        if col not in data.columns:
            raise DataValidationError(
                f"compare_models needs the column {col!r}: build the data with calibration_holdout_split.", column=col
            )
    actual = data["frequency_holdout"].to_numpy(dtype=float)
    durations = data["duration_holdout"].to_numpy(dtype=float)
    if not np.all(durations == durations[0]):
        raise DataValidationError(
            "compare_models needs one holdout duration for all customers (column 'duration_holdout' varies).",
            column="duration_holdout",
            n_rows=int(np.sum(durations != durations[0])),
        )
    duration = float(durations[0])
    sizes = {name: model.n_customers_ for name, model in named.items() if hasattr(model, "n_customers_")}
    if len(set(sizes.values())) > 1:
        warnings.warn(
            f"compare_models: the models were fitted on different numbers of customers ({sizes}); their LL, AIC "
            "and BIC are not comparable, only the holdout columns are.",
            PyCLVWarning,
            stacklevel=2,
        )
    rows = {}
    for name, model in named.items():
        if not isinstance(model, TransactionModel):
            raise TypeError(f"compare_models compares transaction models; {name!r} is a {type(model).__name__}.")
        predicted = model.expected_purchases(data, duration).to_numpy()
        error = predicted - actual
        rows[name] = {
            "n_params": len(model.param_names()),
            "log_likelihood": model.log_likelihood_,
            "aic": model.aic,
            "bic": model.bic,
            "actual": actual.sum(),
            "predicted": predicted.sum(),
            "aggregate_error_pct": 100.0 * (predicted.sum() - actual.sum()) / actual.sum() if actual.sum() else np.nan,
            "mae": np.abs(error).mean(),
            "rmse": np.sqrt(np.mean(error**2)),
        }
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "model"
    return table.sort_values("bic")
