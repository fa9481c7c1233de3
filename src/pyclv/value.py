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

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pyclv._arrays import unique_rows
from pyclv._quadrature import DRAW_NODES_PER_PANEL
from pyclv._time import DAYS_PER_UNIT, rate_per_unit
from pyclv.exceptions import DataValidationError
from pyclv.models import BaseModel, History, TransactionModel
from pyclv.models.gamma_gamma import GammaGamma
from pyclv.uncertainty import Method, draws_for

__all__ = ["SHORT_WINDOWS_DAYS", "customer_lifetime_value", "discounted_expected_purchases", "score"]

#: The short planning windows of the score table, in days.
SHORT_WINDOWS_DAYS: tuple[int, ...] = (30, 60, 90)


def _check_models(transaction_model: BaseModel, spend_model: BaseModel | None) -> None:
    if not isinstance(transaction_model, TransactionModel):
        raise TypeError(
            "transaction_model must be a pyclv transaction model (e.g. BetaGeo); got "
            f"{type(transaction_model).__name__}."
        )
    transaction_model.check_fitted()
    if spend_model is not None:
        if not isinstance(spend_model, GammaGamma):
            raise TypeError(f"spend_model must be a pyclv spend model (GammaGamma); got {type(spend_model).__name__}.")
        spend_model.check_fitted()


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
    _check_models(transaction_model, None)
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


_Pairs = tuple[tuple[np.ndarray, ...], np.ndarray]


@dataclass(frozen=True)
class _Scoring:
    """What one scoring run shares between the prediction at the estimate and those at every parameter draw.

    Attributes
    ----------
    history : History
        The customers' distinct histories (x, t_x, T).
    pairs : tuple or None
        ``unique_rows((x, T))`` of those histories for factorised models (their costly factor depends on
        (x, T) only), else None.
    inverse : numpy.ndarray
        Each customer's position in ``history``.
    spend_history : History
        The spend model's data, one row per customer.
    horizon : float
        H, in the transaction model's time unit (``numpy.inf`` for the residual lifetime).
    delta : float
        Continuous discount rate per time unit (0 for none).
    margin : float
        Profit margin applied to spend.
    windows : dict of str to float
        The short planning windows: column name to horizon in the model's time unit.
    full : bool
        Every quantity of the score table (True) or the CLV only.
    """

    history: History
    pairs: _Pairs | None
    inverse: np.ndarray
    spend_history: History
    horizon: float
    delta: float
    margin: float
    windows: dict[str, float]
    full: bool


def _transaction_predictions(
    model: TransactionModel,
    theta: np.ndarray,
    history: History,
    scoring: _Scoring,
    *,
    nodes_per_panel: int,
    pairs: _Pairs | None,
) -> dict[str, np.ndarray]:
    """Transaction-model predictions for distinct histories (x, t_x, T) at one parameter vector.

    ``pairs`` are the histories' distinct (x, T), for factorised models; the horizon, rate, windows and
    whether all quantities are wanted come from ``scoring``.
    """
    horizon, delta, full = scoring.horizon, scoring.delta, scoring.full
    out: dict[str, np.ndarray] = {}
    with np.errstate(divide="ignore"):
        if full:
            out["p_alive"] = model.p_alive_at(theta, history)
            for name, t in scoring.windows.items():
                out[name] = model.expected_purchases_at(theta, history, t, pairs=pairs)
        if np.isfinite(horizon) and (full or delta == 0.0):
            out["expected_purchases"] = model.expected_purchases_at(theta, history, horizon, pairs=pairs)
        if delta == 0.0:
            out["discounted"] = out["expected_purchases"]
        elif np.isinf(horizon) and model.has_closed_form_dert:
            out["discounted"] = model.dert_at(theta, history, delta)
        else:
            out["discounted"] = model.discounted_purchases_at(
                theta, history, horizon, delta, distinct=True, nodes_per_panel=nodes_per_panel, pairs=pairs
            )
        if np.isinf(horizon):
            out["dert"] = out["discounted"]
    return out


def _predictions(
    transaction_model: TransactionModel,
    spend_model: GammaGamma,
    theta_t: np.ndarray,
    theta_s: np.ndarray,
    scoring: _Scoring,
    *,
    nodes_per_panel: int = 12,
) -> dict[str, np.ndarray]:
    """Per-customer predictions at one pair of parameter vectors (the estimate, or one draw).

    Transaction quantities are computed once per distinct history and spread to customers by
    ``scoring.inverse``; spend (cheap arithmetic) per customer.
    """
    full, inverse, margin = scoring.full, scoring.inverse, scoring.margin
    per_history = _transaction_predictions(
        transaction_model, theta_t, scoring.history, scoring, nodes_per_panel=nodes_per_panel, pairs=scoring.pairs
    )
    out = {name: values[inverse] for name, values in per_history.items() if full and name != "discounted"}
    spend = spend_model.expected_spend_at(theta_s, scoring.spend_history)
    if full:
        out["expected_spend"] = spend
        for name in scoring.windows:  # the value of the short planning windows (undiscounted)
            out[name.replace("expected_purchases", "expected_value")] = margin * spend * out[name]
    out["clv"] = margin * spend * per_history["discounted"][inverse]
    return out


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
    _check_models(transaction_model, spend_model)
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
    history, inverse = customers.distinct()
    x, _, T = history.values
    scoring = _Scoring(
        history=history,
        pairs=unique_rows((x, T)) if transaction_model.factorised else None,
        inverse=inverse,
        spend_history=spend_history,
        horizon=horizon,
        delta=delta,
        margin=margin,
        windows=windows,
        full=full,
    )
    result = _predictions(transaction_model, spend_model, transaction_model.theta, spend_model.theta, scoring)
    if interval is not None:
        rng = np.random.default_rng(seed)
        draws_t = draws_for(transaction_model, data, method=method, n_draws=n_draws, rng=rng, weights=weights)
        draws_s = draws_for(spend_model, data, method=method, n_draws=n_draws, rng=rng, weights=weights)
        result.update(_bounds(transaction_model, spend_model, draws_t, draws_s, interval, scoring))
    return result, customers.index


_BLOCK_CUSTOMERS = 50_000
_MAX_FACTOR_VALUES = 50_000_000  # draws x distinct (x, T) x quantities kept in memory at once (400 MB)


def _alive_factors(model: TransactionModel, draws: np.ndarray, scoring: _Scoring) -> dict[str, np.ndarray] | None:
    """For factorised models, the factors g(x, T) of every quantity at every draw, shape (draws, pairs).

    They are computed once for all customers instead of once per block. None when the model is not
    factorised, when they would not fit in memory, or when the model has a closed-form DERT for an infinite
    horizon (then the per-history path is used).
    """
    if scoring.pairs is None:
        return None
    (ux, uT), _ = scoring.pairs
    horizon, delta = scoring.horizon, scoring.delta
    infinite = bool(np.isinf(horizon))
    if infinite and model.has_closed_form_dert:
        return None
    horizons = dict(scoring.windows) if scoring.full else {}
    if not infinite and (scoring.full or delta == 0.0):
        horizons["expected_purchases"] = horizon
    n_quantities = len(horizons) + 1
    if len(draws) * len(ux) * n_quantities > _MAX_FACTOR_VALUES:
        return None
    factors: dict[str, np.ndarray] = {name: np.empty((len(draws), len(ux))) for name in horizons}
    factors["discounted"] = np.empty((len(draws), len(ux)))
    for d, theta in enumerate(draws):
        for name, t in horizons.items():
            factors[name][d] = model.expected_purchases_if_alive_at(theta, ux, uT, t)
        if delta == 0.0:
            factors["discounted"][d] = factors["expected_purchases"][d]
        else:
            factors["discounted"][d] = model.discounted_if_alive_at(
                theta, ux, uT, horizon, delta, nodes_per_panel=DRAW_NODES_PER_PANEL
            )
    if infinite:
        factors["dert"] = factors["discounted"]
    return factors


@dataclass(frozen=True)
class _Block:
    """Consecutive distinct histories ``start:stop`` and their customers.

    Attributes
    ----------
    start, stop : int
        The block's histories, as a slice of the distinct histories.
    customers : numpy.ndarray
        Positions of the block's customers in the data, grouped by history.
    local : numpy.ndarray
        Each of those customers' history, counted from ``start``.
    """

    start: int
    stop: int
    customers: np.ndarray
    local: np.ndarray


def _history_blocks(inverse: np.ndarray, n_histories: int) -> Iterator[_Block]:
    """Blocks of whole histories with about ``_BLOCK_CUSTOMERS`` customers each (at least one history)."""
    order = np.argsort(inverse, kind="stable")
    first = np.searchsorted(inverse[order], np.arange(n_histories + 1))  # each history's customers in `order`
    h0 = 0
    while h0 < n_histories:
        h1 = int(np.searchsorted(first, first[h0] + _BLOCK_CUSTOMERS, side="right")) - 1
        h1 = min(max(h1, h0 + 1), n_histories)
        customers = order[first[h0] : first[h1]]
        yield _Block(h0, h1, customers, inverse[customers] - h0)
        h0 = h1


def _block_samples(
    transaction_model: TransactionModel,
    spend_model: GammaGamma,
    draws: Iterable[tuple[np.ndarray, np.ndarray]],
    scoring: _Scoring,
    block: _Block,
    alive: dict[str, np.ndarray] | None,
) -> tuple[dict[str, list[np.ndarray]], set[str]]:
    """Every quantity at every draw for one block, and the names of those kept per history.

    Every draw gives the transaction quantities once per distinct history of the block (P(alive) times the
    precomputed factors ``alive`` for factorised models) and the spend and CLV per customer.
    """
    full = scoring.full
    histories = scoring.history.take(slice(block.start, block.stop))
    block_pairs = unique_rows((histories.values[0], histories.values[2])) if scoring.pairs is not None else None
    pair = scoring.pairs[1][block.start : block.stop] if scoring.pairs is not None else None
    block_spend = scoring.spend_history.take(block.customers)
    samples: dict[str, list[np.ndarray]] = {}
    per_history_names: set[str] = set()
    for d, (theta_t, theta_s) in enumerate(draws):
        if alive is not None and pair is not None:  # factorised: P(alive) per history times the factors
            p_alive = transaction_model.p_alive_at(theta_t, histories)
            per_history = {name: factor[d][pair] * p_alive for name, factor in alive.items()}
            if full:
                per_history["p_alive"] = p_alive
        else:
            per_history = _transaction_predictions(
                transaction_model, theta_t, histories, scoring, nodes_per_panel=DRAW_NODES_PER_PANEL,
                pairs=block_pairs,
            )
        per_history_names = set(per_history)
        spend = spend_model.expected_spend_at(theta_s, block_spend)
        # history-level quantities stay per history (their quantiles are taken once per history)
        values = {name: v for name, v in per_history.items() if full and name != "discounted"}
        if full:
            values["expected_spend"] = spend
        values["clv"] = scoring.margin * spend * per_history["discounted"][block.local]
        for name, v in values.items():
            samples.setdefault(name, []).append(v)
    return samples, per_history_names


def _bounds(
    transaction_model: TransactionModel,
    spend_model: GammaGamma,
    draws_t: np.ndarray,
    draws_s: np.ndarray,
    interval: float,
    scoring: _Scoring,
) -> dict[str, np.ndarray]:
    """The ``interval`` bounds of every prediction over the parameter draws, block by block.

    Customers are grouped by history (x, t_x, T) and processed in blocks of about 50,000, so memory stays
    bounded (draws x block) at any number of customers: in each block every draw gives the transaction
    quantities once per distinct history and the spend and CLV per customer, and the quantiles over the
    draws are taken before the next block.
    """
    q = [(1.0 - interval) / 2.0, (1.0 + interval) / 2.0]
    n_customers = len(scoring.inverse)
    alive = _alive_factors(transaction_model, draws_t, scoring)
    lower: dict[str, np.ndarray] = {}
    upper: dict[str, np.ndarray] = {}
    for block in _history_blocks(scoring.inverse, len(scoring.history)):
        draws = zip(draws_t, draws_s, strict=True)  # both have n_draws rows
        samples, per_history = _block_samples(transaction_model, spend_model, draws, scoring, block, alive)
        for name, v in samples.items():
            lo, hi = np.quantile(np.vstack(v), q, axis=0)
            if name in per_history:  # a per-history quantity: spread to the customers of each history
                lo, hi = lo[block.local], hi[block.local]
            lower.setdefault(name, np.empty(n_customers))[block.customers] = lo
            upper.setdefault(name, np.empty(n_customers))[block.customers] = hi
    return {f"{name}_{side}": bound[name] for name in lower for side, bound in (("lower", lower), ("upper", upper))}


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
