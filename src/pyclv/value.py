r"""Customer lifetime value: discounting, CLV and the per-customer score table.

The expected discounted value of a customer over the next H time units is

.. math::
    \mathrm{CLV} = m \; E[M] \int_0^H e^{-\delta t}\, dE[Y(t)]

with m the margin, E[M] the expected spend per transaction (the spend model), E[Y(t)] the expected number
of repeat purchases in the next t time units (the transaction model) and :math:`\delta` the continuous
discount rate per time unit equivalent to the annual rate (:func:`pyclv._time.rate_per_unit`; a year is
365.25 days). Integrating by parts,

.. math::
    \int_0^H e^{-\delta t}\, dE[Y(t)] = e^{-\delta H} E[Y(H)] + \delta \int_0^H e^{-\delta t} E[Y(t)]\, dt,

and the last integral is computed numerically (:mod:`pyclv._quadrature`: composite Gauss-Legendre on panels
that resolve both the model's own time scale and the discount factor; relative error below 1e-9 against
adaptive quadrature in the tests). With a zero rate the integral is exactly E[Y(H)]; with an infinite
horizon it is the model's DERT (closed form where the literature has one). The spend model is assumed
independent of the transaction process, as in Fader, Hardie & Lee (2005, "RFM and CLV").
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from pyclv._arrays import unique_rows
from pyclv._factors import build as build_factors
from pyclv._intervals import bounds
from pyclv._predict import Factors, Scoring, factor_function, factor_names, interpolates, predictions
from pyclv._time import DAYS_PER_UNIT, rate_per_unit
from pyclv.exceptions import DataValidationError
from pyclv.models import TransactionModel, check_models
from pyclv.models.gamma_gamma import GammaGamma
from pyclv.uncertainty import Method, draws_for

__all__ = ["SHORT_WINDOWS_DAYS", "customer_lifetime_value", "discounted_expected_purchases", "score"]

#: The short planning windows of the score table, in days.
SHORT_WINDOWS_DAYS: tuple[int, ...] = (30, 60, 90)


def _check_horizon(horizon: float) -> float:
    horizon = float(horizon)
    if not (horizon > 0):  # also refuses NaN
        raise ValueError(f"horizon must be a number > 0 (or numpy.inf) in the model's time unit; got {horizon!r}.")
    return horizon


def _checked_margin(margin: float) -> float:
    margin = float(margin)
    if not np.isfinite(margin):
        raise ValueError(f"margin must be a finite number; got {margin!r}.")
    return margin


def discounted_expected_purchases(
    transaction_model: TransactionModel, data: pd.DataFrame, *, horizon: float, annual_discount_rate: float = 0.0
) -> pd.Series:
    r"""Discounted expected repeat purchases :math:`\int_0^H e^{-\delta t}\, dE[Y(t)]` per customer.

    Parameters
    ----------
    transaction_model : TransactionModel
        A fitted transaction model (e.g. :class:`pyclv.BetaGeo`).
    data : pandas.DataFrame
        Summary with the model's columns (``frequency``, ``recency``, ``T``) in the model's time unit.
    horizon : float
        H, in the model's time unit; ``numpy.inf`` gives the model's DERT (needs a positive rate).
    annual_discount_rate : float, default 0.0
        Effective annual rate (0.1 for 10 % a year); needs the model's time unit when non-zero.

    Returns
    -------
    pandas.Series
        Named ``discounted_expected_purchases``, aligned to ``data.index``.
    """
    check_models(transaction_model)
    horizon = _check_horizon(horizon)
    delta = rate_per_unit(annual_discount_rate, transaction_model.time_unit_)
    if np.isinf(horizon):
        if delta <= 0:
            raise ValueError("An infinite horizon needs a positive annual_discount_rate (otherwise CLV is infinite).")
        dert = transaction_model.dert(data, annual_discount_rate=annual_discount_rate)
        return dert.rename("discounted_expected_purchases")
    if delta == 0.0:
        return transaction_model.expected_purchases(data, horizon).rename("discounted_expected_purchases")
    history = transaction_model.history(data)
    values = transaction_model.discounted_purchases_at(transaction_model.theta, history, horizon, delta)
    return pd.Series(values, index=history.index, name="discounted_expected_purchases")


def _evaluate(
    transaction_model: TransactionModel,
    spend_model: GammaGamma,
    data: pd.DataFrame,
    *,
    horizon: float,
    annual_discount_rate: float,
    margin: float,
    windows: dict[str, float],
    full: bool,
    interval: float | None,
    method: Method,
    n_draws: int,
    seed: int | np.random.Generator | None,
    weights: np.ndarray | pd.Series | str | None = None,
) -> tuple[dict[str, np.ndarray], pd.Index]:
    """Predictions (and their bounds under parameter uncertainty) for the customers of ``data``."""
    check_models(transaction_model, spend_model, needs_spend=True)
    horizon = _check_horizon(horizon)
    margin = _checked_margin(margin)
    if interval is not None and not 0.0 < interval < 1.0:
        raise ValueError(f"interval must be in (0, 1), e.g. 0.9; got {interval!r}.")
    delta = rate_per_unit(annual_discount_rate, transaction_model.time_unit_)
    if np.isinf(horizon) and delta <= 0:
        raise ValueError("An infinite horizon needs a positive annual_discount_rate (otherwise CLV is infinite).")
    customers = transaction_model.history(data)
    spend_history = spend_model.history(data)
    if not np.array_equal(customers.values[0], spend_history["frequency"]):
        raise DataValidationError("The transaction and spend columns disagree on 'frequency'.", column="frequency")
    scoring = Scoring(history=customers, pairs=None, inverse=None, spend_history=spend_history, horizon=horizon,
                      delta=delta, margin=margin, windows=windows, full=full)
    if interpolates(transaction_model, horizon, delta):  # every customer, the factors interpolated (pyclv._factors)
        names = factor_names(horizon, delta, windows, full)
        evaluate = factor_function(transaction_model, transaction_model.theta, names, scoring, nodes_per_panel=12)
        x, _, T = customers.values
        panels, coefficients = build_factors(x, T, evaluate)
        scoring = dataclasses.replace(scoring, factors=Factors(names, panels, coefficients))
    else:  # once per distinct history
        history, inverse = customers.distinct()
        x, _, T = history.values
        pairs = unique_rows((x, T)) if transaction_model.factorised else None
        scoring = dataclasses.replace(scoring, history=history, inverse=inverse, pairs=pairs)
    result = predictions(transaction_model, spend_model, transaction_model.theta, spend_model.theta, scoring)
    if interval is not None:
        rng = np.random.default_rng(seed)
        draws_t = draws_for(transaction_model, data, method=method, n_draws=n_draws, rng=rng, weights=weights)
        draws_s = draws_for(spend_model, data, method=method, n_draws=n_draws, rng=rng, weights=weights)
        result.update(bounds(transaction_model, spend_model, draws_t, draws_s, interval, scoring))
    return result, customers.index


def customer_lifetime_value(
    transaction_model: TransactionModel,
    spend_model: GammaGamma,
    data: pd.DataFrame,
    *,
    horizon: float,
    annual_discount_rate: float = 0.0,
    margin: float = 1.0,
    interval: float | None = None,
    method: Method = "asymptotic",
    n_draws: int = 200,
    seed: int | np.random.Generator | None = None,
    weights: np.ndarray | pd.Series | str | None = None,
) -> pd.Series | pd.DataFrame:
    r"""Expected discounted margin per customer over the next ``horizon`` time units.

    .. math:: \mathrm{CLV} = m \; E[M \mid x, \bar z] \int_0^H e^{-\delta t}\, dE[Y(t) \mid x, t_x, T]

    Parameters
    ----------
    transaction_model : TransactionModel
        Fitted transaction model (e.g. :class:`pyclv.BetaGeo`).
    spend_model : GammaGamma
        Fitted spend model.
    data : pandas.DataFrame
        Summary with the transaction model's columns (``frequency``, ``recency``, ``T``) and
        ``monetary_value``.
    horizon : float
        H, in the transaction model's time unit (e.g. 52 for a year in weeks); ``numpy.inf`` for the whole
        residual lifetime (margin x expected spend x DERT; needs a positive rate).
    annual_discount_rate : float, default 0.0
        Effective annual discount rate; converted to a continuous rate per time unit with 365.25 days a year.
    margin : float, default 1.0
        Profit margin applied to spend.
    interval : float, optional
        If given (e.g. 0.9), also return the bounds of a ``interval`` interval for each customer's CLV from the
        parameter uncertainty of both models (see :mod:`pyclv.uncertainty`).
    method : {"asymptotic", "bootstrap"}, default "asymptotic"
        How parameter draws are made: from the estimators' asymptotic normal distribution, or by refitting
        both models on customers of ``data`` resampled with replacement.
    n_draws : int, default 200
        Number of parameter draws.
    seed : int or numpy.random.Generator, optional
        Seed for reproducible intervals.
    weights : array-like, pandas.Series or str, optional
        For the bootstrap: how many customers each row stands for (as in ``fit``), e.g. the ``weights``
        column of pattern data such as BG/BB's donations.

    Returns
    -------
    pandas.Series or pandas.DataFrame
        A Series named ``clv`` aligned to ``data.index``; with ``interval``, a DataFrame with columns ``clv``,
        ``clv_lower`` and ``clv_upper``. With a zero rate the CLV equals
        ``margin * expected_spend * expected_purchases(data, horizon)`` exactly.

    References
    ----------
    Fader, Hardie & Lee (2005), "RFM and CLV: using iso-value curves for customer base analysis", JMR 42(4).

    Examples
    --------
    >>> import pyclv
    >>> summary = pyclv.datasets.load_cdnow_summary()
    >>> bgnbd = pyclv.BetaGeo().fit(summary)
    >>> gg = pyclv.GammaGamma().fit(summary)
    >>> clv = pyclv.customer_lifetime_value(bgnbd, gg, summary, horizon=52, annual_discount_rate=0.1)
    >>> round(float(clv.loc[1]), 2)
    36.79
    """
    values, index = _evaluate(
        transaction_model, spend_model, data, horizon=horizon, annual_discount_rate=annual_discount_rate,
        margin=margin, windows={}, full=False, interval=interval, method=method, n_draws=n_draws, seed=seed,
        weights=weights,
    )
    if interval is None:
        return pd.Series(values["clv"], index=index, name="clv")
    return pd.DataFrame({k: values[k] for k in ("clv", "clv_lower", "clv_upper")}, index=index)


def score(
    transaction_model: TransactionModel,
    spend_model: GammaGamma,
    data: pd.DataFrame,
    *,
    horizon: float,
    annual_discount_rate: float = 0.0,
    margin: float = 1.0,
    interval: float | None = None,
    method: Method = "asymptotic",
    n_draws: int = 200,
    seed: int | np.random.Generator | None = None,
    weights: np.ndarray | pd.Series | str | None = None,
) -> pd.DataFrame:
    """The per-customer table a nightly job writes.

    Parameters
    ----------
    transaction_model, spend_model, data, horizon, annual_discount_rate, margin
        As in :func:`customer_lifetime_value`.
    interval, method, n_draws, seed, weights
        As in :func:`customer_lifetime_value`; with ``interval``, ``p_alive``, ``p_churned``, the expected
        purchases (windows and horizon, or ``dert``), ``expected_spend`` and ``clv`` get ``_lower`` and ``_upper``
        bounds (the 30/60/90-day values are products of those and get none: a product's bounds are not the
        product of the bounds).

    Returns
    -------
    pandas.DataFrame
        One row per input customer, same index, with the summary columns (e.g. ``frequency``, ``recency``,
        ``T``, ``monetary_value``), ``p_alive``, ``p_churned`` (1 - p_alive), ``expected_purchases_30d``,
        ``_60d``, ``_90d`` (windows in days, converted into the model's time unit; not for models of whole
        periods such as BG/BB), ``expected_purchases`` over the horizon (``dert`` instead for an infinite
        horizon), ``expected_spend``, ``expected_value_30d``, ``_60d``, ``_90d`` (margin x expected spend x
        expected purchases in the window, undiscounted) and ``clv``.

    Raises
    ------
    ValueError
        If the transaction model has no time unit (the day windows cannot be converted).
    """
    unit = transaction_model.time_unit_
    if unit is None:
        raise ValueError(
            "score needs the transaction model's time unit to convert the 30/60/90-day windows: fit it on a "
            "summary from rfm_summary, or build it with from_params(..., time_unit='D' or 'W')."
        )
    columns = [c for c in (*transaction_model.columns, "monetary_value") if c in data.columns]
    if "monetary_value" not in columns:
        raise DataValidationError(
            "score needs the column 'monetary_value' (average repeat spend): pass monetary_value_col to rfm_summary.",
            column="monetary_value",
        )
    windows = (
        {}
        if transaction_model.discrete
        else {f"expected_purchases_{d}d": d / DAYS_PER_UNIT[unit] for d in SHORT_WINDOWS_DAYS}
    )
    values, index = _evaluate(
        transaction_model, spend_model, data, horizon=horizon, annual_discount_rate=annual_discount_rate,
        margin=margin, windows=windows, full=True, interval=interval, method=method, n_draws=n_draws, seed=seed,
        weights=weights,
    )
    out = data[columns].astype(float).copy()
    value_windows = [name.replace("expected_purchases", "expected_value") for name in windows]
    order = ["p_alive", *windows, "expected_purchases", "dert", "expected_spend", *value_windows, "clv"]
    for name in order:
        if name not in values:
            continue
        out[name] = values[name]
        if f"{name}_lower" in values:
            out[f"{name}_lower"] = values[f"{name}_lower"]
            out[f"{name}_upper"] = values[f"{name}_upper"]
        if name == "p_alive":
            out["p_churned"] = 1.0 - values["p_alive"]
            if "p_alive_lower" in values:
                out["p_churned_lower"] = 1.0 - values["p_alive_upper"]
                out["p_churned_upper"] = 1.0 - values["p_alive_lower"]
    out.attrs.update(time_unit=unit, horizon=float(horizon), annual_discount_rate=annual_discount_rate, margin=margin)
    if interval is not None:
        out.attrs.update(interval=interval, interval_method=method, n_draws=int(n_draws))
    return out
