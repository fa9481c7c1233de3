"""Per-customer predictions at one pair of parameter vectors: the kernel of scoring and of its intervals.

Transaction quantities (P(alive), expected and discounted purchases) come through the models' public prediction
contract (``*_at(theta, history, ...)``). For factorised continuous-time models (E[Y(t)] = P(alive) g(x, T, t)),
the costly factors g and their discounted integral are piecewise Chebyshev interpolants in T per frequency
(:mod:`pyclv._factors`), built from the model's own functions and evaluated per customer, and P(alive) is
computed per customer; this costs the same whether customers repeat or not. Other models compute every
quantity once per distinct history (x, t_x, T) and spread it to the customers. Spend and CLV are per customer.
:func:`predictions` runs at the estimate and, for intervals, at every parameter draw (:mod:`pyclv._intervals`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pyclv import _factors
from pyclv.models import History, TransactionModel
from pyclv.models.gamma_gamma import GammaGamma

__all__ = [
    "Factors",
    "Pairs",
    "Scoring",
    "factor_function",
    "factor_names",
    "interpolates",
    "predictions",
    "transaction_predictions",
]

Pairs = tuple[tuple[np.ndarray, ...], np.ndarray]


@dataclass(frozen=True)
class Factors:
    """The interpolated factors of a factorised model: their names, the panels, the coefficients at the estimate.

    Attributes
    ----------
    names : tuple of str
        The factors, in the order of the coefficients' second axis (see :func:`factor_names`).
    panels : pyclv._factors.Panels
        Panels of T per frequency, and where each customer falls.
    estimate : numpy.ndarray
        The coefficients at the estimate, shape (panels, factors, nodes).
    """

    names: tuple[str, ...]
    panels: _factors.Panels
    estimate: np.ndarray


@dataclass(frozen=True)
class Scoring:
    """What one scoring run shares between the prediction at the estimate and those at every parameter draw.

    Attributes
    ----------
    history : History
        The customers' distinct histories (x, t_x, T); every customer's history when ``factors`` is given.
    pairs : tuple or None
        ``unique_rows((x, T))`` of those histories for factorised models (their costly factor depends on
        (x, T) only), else None.
    inverse : numpy.ndarray or None
        Each customer's position in ``history`` (None when ``history`` is every customer's).
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
    factors : Factors or None
        The interpolated factors (:func:`interpolates` models), else None.
    """

    history: History
    pairs: Pairs | None
    inverse: np.ndarray | None
    spend_history: History
    horizon: float
    delta: float
    margin: float
    windows: dict[str, float]
    full: bool
    factors: Factors | None = None


def interpolates(model: TransactionModel, horizon: float, delta: float) -> bool:
    """Whether the model's factors are interpolated (:mod:`pyclv._factors`) for this horizon.

    Parameters
    ----------
    model : TransactionModel
        The transaction model.
    horizon : float
        H (``numpy.inf`` for the residual lifetime).
    delta : float
        The discount rate per time unit.

    Returns
    -------
    bool
        True for factorised continuous-time models when discounting (the costly quadrature), unless a
        closed-form DERT serves an infinite horizon. Without discounting, the expectations are computed once
        per distinct history, so that the CLV is exactly margin x spend x ``expected_purchases``.
    """
    return (
        delta != 0.0
        and model.factorised
        and not model.discrete
        and not (np.isinf(horizon) and model.has_closed_form_dert)
    )


def factor_names(horizon: float, delta: float, windows: dict[str, float], full: bool) -> tuple[str, ...]:
    """The factors a scoring run needs: the windows', the horizon's and the discounted one.

    Parameters
    ----------
    horizon, delta : float
        H and the discount rate per time unit.
    windows : dict of str to float
        The short planning windows.
    full : bool
        Every quantity of the score table, or the CLV only.

    Returns
    -------
    tuple of str
        Window names, ``"expected_purchases"`` (finite H, when wanted) and ``"discounted"`` (non-zero rate).
    """
    names = list(windows) if full else []
    if np.isfinite(horizon) and (full or delta == 0.0):
        names.append("expected_purchases")
    if delta != 0.0:
        names.append("discounted")
    return tuple(names)


def factor_function(
    model: TransactionModel, theta: np.ndarray, names: tuple[str, ...], scoring: Scoring, *, nodes_per_panel: int
) -> _factors.FactorFunction:
    """The factors ``names`` of a factorised model at ``theta``, as a function of (x, T).

    Parameters
    ----------
    model : TransactionModel
        A factorised model.
    theta : numpy.ndarray
        Its parameters.
    names : tuple of str
        From :func:`factor_names`.
    scoring : Scoring
        The horizon, rate and windows.
    nodes_per_panel : int
        Gauss-Legendre nodes per panel of the discounting quadrature.

    Returns
    -------
    callable
        ``evaluate(x, T)``, shape (len(names), len(x)).
    """
    horizons = {**scoring.windows, "expected_purchases": scoring.horizon}

    def evaluate(x: np.ndarray, T: np.ndarray) -> np.ndarray:
        rows = []
        for name in names:
            if name == "discounted":
                rows.append(model.discounted_if_alive_at(
                    theta, x, T, scoring.horizon, scoring.delta, nodes_per_panel=nodes_per_panel
                ))
            else:
                rows.append(model.expected_purchases_if_alive_at(theta, x, T, horizons[name]))
        return np.vstack(rows) if rows else np.zeros((0, len(x)))

    return evaluate


def interpolated_predictions(
    model: TransactionModel, theta: np.ndarray, history: History, scoring: Scoring, coefficients: np.ndarray | None,
    *, nodes_per_panel: int,
) -> dict[str, np.ndarray]:
    """Transaction predictions of every customer of ``history`` from the interpolated factors.

    ``coefficients`` are the factors' on ``scoring.factors.panels`` at ``theta`` (computed when None); the
    customers without a panel get the model's functions.
    """
    factors = scoring.factors
    assert factors is not None
    evaluate = factor_function(model, theta, factors.names, scoring, nodes_per_panel=nodes_per_panel)
    if coefficients is None:
        coefficients = _factors.coefficients(factors.panels, evaluate)
    x, _, T = history.values
    values = _factors.values(factors.panels, coefficients, x, T, evaluate)
    p_alive = model.p_alive_at(theta, history)
    out = {name: values[q] * p_alive for q, name in enumerate(factors.names)}
    if scoring.full:
        out["p_alive"] = p_alive
    if scoring.delta == 0.0:
        out["discounted"] = out["expected_purchases"]
    if np.isinf(scoring.horizon):
        out["dert"] = out["discounted"]
    return out


def transaction_predictions(
    model: TransactionModel,
    theta: np.ndarray,
    history: History,
    scoring: Scoring,
    *,
    nodes_per_panel: int,
    pairs: Pairs | None,
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


def predictions(
    transaction_model: TransactionModel,
    spend_model: GammaGamma,
    theta_t: np.ndarray,
    theta_s: np.ndarray,
    scoring: Scoring,
    *,
    nodes_per_panel: int = 12,
) -> dict[str, np.ndarray]:
    """Per-customer predictions at one pair of parameter vectors (the estimate, or one draw).

    Transaction quantities are computed once per distinct history and spread to customers by
    ``scoring.inverse``; spend (cheap arithmetic) per customer.
    """
    full, inverse, margin = scoring.full, scoring.inverse, scoring.margin
    if scoring.factors is not None:
        at_estimate = np.array_equal(theta_t, transaction_model.theta) and nodes_per_panel == 12
        per_history = interpolated_predictions(
            transaction_model, theta_t, scoring.history, scoring, scoring.factors.estimate if at_estimate else None,
            nodes_per_panel=nodes_per_panel,
        )
    else:
        per_history = transaction_predictions(
            transaction_model, theta_t, scoring.history, scoring, nodes_per_panel=nodes_per_panel, pairs=scoring.pairs
        )

    def spread(values: np.ndarray) -> np.ndarray:
        return values if inverse is None else values[inverse]

    out = {name: spread(values) for name, values in per_history.items() if full and name != "discounted"}
    spend = spend_model.expected_spend_at(theta_s, scoring.spend_history)
    if full:
        out["expected_spend"] = spend
        for name in scoring.windows:  # the value of the short planning windows (undiscounted)
            out[name.replace("expected_purchases", "expected_value")] = margin * spend * out[name]
    out["clv"] = margin * spend * spread(per_history["discounted"])
    return out
