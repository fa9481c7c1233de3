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
import numbers
from collections.abc import Callable

import numpy as np
import pandas as pd

from pyclv._arrays import unique_rows
from pyclv._factors import build as build_factors
from pyclv._factors import scale_of
from pyclv._intervals import bounds
from pyclv._predict import Factors, Scoring, factor_function, factor_names, interpolates, predictions
from pyclv._time import DAYS_PER_UNIT, rate_per_unit
from pyclv._validation import check_margin
from pyclv._validation.summaries import check_finite_output
from pyclv.exceptions import DataValidationError
from pyclv.models import TransactionModel, check_models, profile_groups
from pyclv.models.gamma_gamma import GammaGamma
from pyclv.uncertainty import Method, check_interval_settings, draws_for

__all__ = ["SHORT_WINDOWS_DAYS", "customer_lifetime_value", "discounted_expected_purchases", "score"]

#: The short planning windows of the score table, in days.
SHORT_WINDOWS_DAYS: tuple[int, ...] = (30, 60, 90)


#: What to do when a prediction is not finite (the inputs are beyond what float64 arithmetic can value).
_NOT_FINITE_TODO = (
    "Their summary values are beyond what the models can value (e.g. a frequency or monetary_value near the "
    "largest float): check these customers' frequency, recency, T and monetary_value, and correct or drop them."
)


def _checked_horizon_and_rate(
    horizon: float, annual_discount_rate: float, time_unit: str | None
) -> tuple[float, float]:
    """The horizon and the continuous rate per time unit, refused before any work if out of range."""
    valid = isinstance(horizon, numbers.Real) and not isinstance(horizon, bool)
    if not (valid and float(horizon) > 0):  # also refuses NaN
        raise DataValidationError(
            f"horizon must be a number > 0 in the model's time unit (or numpy.inf with a positive "
            f"annual_discount_rate); got {horizon!r}.",
            column="horizon",
        )
    horizon = float(horizon)
    delta = rate_per_unit(annual_discount_rate, time_unit)
    if np.isinf(horizon) and delta <= 0:
        raise DataValidationError(
            f"An infinite horizon needs a positive annual_discount_rate (got {annual_discount_rate!r}): without "
            "discounting, or with a negative rate, the value of a whole lifetime is infinite. Give a finite horizon.",
            column="annual_discount_rate",
        )
    return horizon, delta


def _checked_settings(
    transaction_model: TransactionModel, horizon: float, annual_discount_rate: float, margin: float,
    interval: float | None, method: str, n_draws: int,
) -> tuple[float, float, float, int]:
    """Every setting of a valuation, checked before any work: horizon, rate per time unit, margin and draws."""
    horizon, delta = _checked_horizon_and_rate(horizon, annual_discount_rate, transaction_model.time_unit_)
    margin = check_margin(margin)
    if interval is not None:
        n_draws = check_interval_settings(interval, method, n_draws)
    return horizon, delta, margin, n_draws


def _checked_outputs(values: dict[str, np.ndarray], index: pd.Index) -> dict[str, np.ndarray]:
    """Refuse predictions that are not finite (O(n) per column), naming the column and the customers."""
    for name, column in values.items():
        check_finite_output(column, name, index, _NOT_FINITE_TODO)
    return values


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
        Effective annual rate (0.1 for 10 % a year; finite and > -1, negative only with a finite horizon);
        needs the model's time unit when non-zero.

    Returns
    -------
    pandas.Series
        Named ``discounted_expected_purchases``, aligned to ``data.index``.

    Raises
    ------
    DataValidationError
        If an argument is out of range (checked before any work), the data are invalid, or a value is not
        finite.
    """
    check_models(transaction_model)
    horizon, delta = _checked_horizon_and_rate(horizon, annual_discount_rate, transaction_model.time_unit_)
    name = "discounted_expected_purchases"
    with np.errstate(over="ignore", invalid="ignore"):  # non-finite results are refused below
        series = _discounted_series(transaction_model, data, horizon, annual_discount_rate, delta).rename(name)
    _checked_outputs({name: series.to_numpy()}, series.index)
    return series


def _discounted_series(
    transaction_model: TransactionModel, data: pd.DataFrame, horizon: float, annual_discount_rate: float, delta: float
) -> pd.Series:
    if np.isinf(horizon):
        return transaction_model.dert(data, annual_discount_rate=annual_discount_rate)
    if delta == 0.0:
        return transaction_model.expected_purchases(data, horizon)
    if transaction_model.has_covariates:
        return transaction_model._per_stratum(
            data, lambda model, rows: _discounted_series(model, rows, horizon, annual_discount_rate, delta)
        )
    history = transaction_model.history(data)
    values = transaction_model.discounted_purchases_at(transaction_model.theta, history, horizon, delta)
    return pd.Series(values, index=history.index)


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
    horizon, delta, margin, n_draws = _checked_settings(
        transaction_model, horizon, annual_discount_rate, margin, interval, method, n_draws
    )
    settings = _Settings(horizon, delta, margin, windows, full, interval)
    if transaction_model.has_covariates or spend_model.has_covariates:
        return _evaluate_strata(transaction_model, spend_model, data, settings, method, n_draws, seed, weights)
    draws = None
    if interval is not None:

        def draw() -> tuple[np.ndarray, np.ndarray]:
            rng = np.random.default_rng(seed)
            return (draws_for(transaction_model, data, method=method, n_draws=n_draws, rng=rng, weights=weights),
                    draws_for(spend_model, data, method=method, n_draws=n_draws, rng=rng, weights=weights))

        draws = draw
    return _evaluate_customers(transaction_model, spend_model, data, settings, draws)


@dataclasses.dataclass(frozen=True)
class _Settings:
    """What to compute for each customer (checked)."""

    horizon: float
    delta: float
    margin: float
    windows: dict[str, float]
    full: bool
    interval: float | None


def _evaluate_customers(
    transaction_model: TransactionModel,
    spend_model: GammaGamma,
    data: pd.DataFrame,
    settings: _Settings,
    draws: Callable[[], tuple[np.ndarray, np.ndarray]] | None,
) -> tuple[dict[str, np.ndarray], pd.Index]:
    """The predictions of models without covariates, and their bounds from the parameter draws ``draws()``."""
    customers = transaction_model.history(data)
    spend_history = spend_model.history(data)
    if not np.array_equal(customers.values[0], spend_history["frequency"]):
        raise DataValidationError("The transaction and spend columns disagree on 'frequency'.", column="frequency")
    horizon, delta = settings.horizon, settings.delta
    scoring = Scoring(history=customers, pairs=None, inverse=None, spend_history=spend_history, horizon=horizon,
                      delta=delta, margin=settings.margin, windows=settings.windows, full=settings.full)
    if interpolates(transaction_model, horizon, delta):  # every customer, the factors interpolated (pyclv._factors)
        names = factor_names(horizon, delta, settings.windows, settings.full)
        evaluate = factor_function(transaction_model, transaction_model.theta, names, scoring, nodes_per_panel=12)
        x, _, T = customers.values
        panels, coefficients = build_factors(x, T, evaluate, scale=scale_of(transaction_model.time_unit_))
        scoring = dataclasses.replace(scoring, factors=Factors(names, panels, coefficients))
    else:  # once per distinct history
        history, inverse = customers.distinct()
        x, _, T = history.values
        pairs = unique_rows((x, T)) if transaction_model.factorised else None
        scoring = dataclasses.replace(scoring, history=history, inverse=inverse, pairs=pairs)
    # Inputs at the edge of float64 may overflow; the results are checked for that below, with a message that
    # names the customers, instead of numpy's RuntimeWarning.
    with np.errstate(over="ignore", invalid="ignore"):
        result = predictions(transaction_model, spend_model, transaction_model.theta, spend_model.theta, scoring)
    if settings.interval is not None and draws is not None:
        draws_t, draws_s = draws()
        with np.errstate(over="ignore", invalid="ignore"):
            result.update(bounds(transaction_model, spend_model, draws_t, draws_s, settings.interval, scoring))
    return _checked_outputs(result, customers.index), customers.index


def _evaluate_strata(
    transaction_model: TransactionModel,
    spend_model: GammaGamma,
    data: pd.DataFrame,
    settings: _Settings,
    method: Method,
    n_draws: int,
    seed: int | np.random.Generator | None,
    weights: np.ndarray | pd.Series | str | None,
) -> tuple[dict[str, np.ndarray], pd.Index]:
    """The predictions of models with covariates: each group of customers with equal covariates at its parameters.

    Parameter draws are made once for each model as a whole (every coefficient with its covariance, or refits
    with covariates on resampled customers) and mapped to each group's parameters, so a customer's interval does
    not depend on which other customers are scored with it.
    """
    models = (transaction_model, spend_model)
    for model in models:  # every rule of the data at once, before the groups
        model.check_data(data)
    draws: list[np.ndarray] | None = None
    if settings.interval is not None:
        rng = np.random.default_rng(seed)
        draws = [draws_for(m, data, method=method, n_draws=n_draws, rng=rng, weights=weights) for m in models]
    out: dict[str, np.ndarray] = {}
    for group in profile_groups(data, *models):
        pair = None
        if draws is not None:
            pair_draws = tuple(m.draws_for_row(d, z) for m, d, z in zip(models, draws, group.covariates, strict=True))
            pair = (lambda d=pair_draws: d)  # noqa: E731 - the draws of this group, handed over when asked
        transaction, spend = group.models
        values, _ = _evaluate_customers(transaction, spend, data.iloc[group.rows], settings, pair)  # type: ignore[arg-type]
        for name, v in values.items():
            out.setdefault(name, np.empty(len(data)))[group.rows] = v
    return out, data.index


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
        Effective annual discount rate, finite and > -1; converted to a continuous rate per time unit with
        365.25 days a year. A negative rate weights the future up (finite horizons only).
    margin : float, default 1.0
        The fraction of spend kept as profit, in (0, 1] (0.3 for 30 %); 1 values revenue.
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

    Raises
    ------
    DataValidationError
        As :func:`score`.

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
    DataValidationError
        If an argument is out of range (checked before any work: horizon > 0, annual_discount_rate finite and
        > -1 and positive for an infinite horizon, margin in (0, 1], interval in (0, 1), n_draws >= 2); if the
        data are invalid, repeat a customer id, or do not declare the model's time unit; or if a prediction is
        not finite (the error names the column and the customers).
    """
    check_models(transaction_model, spend_model, needs_spend=True)
    _checked_settings(transaction_model, horizon, annual_discount_rate, margin, interval, method, n_draws)
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
