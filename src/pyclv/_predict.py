"""Per-customer predictions at one pair of parameter vectors: the kernel of scoring and of its intervals.

Transaction quantities (P(alive), expected and discounted purchases) are computed once per distinct history
(x, t_x, T), through the models' public prediction contract (``*_at(theta, history, ...)``), and spread to the
customers; spend and CLV are per customer. :func:`predictions` runs at the estimate and, for intervals, at every
parameter draw (:mod:`pyclv._intervals`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pyclv.models import History, TransactionModel
from pyclv.models.gamma_gamma import GammaGamma

__all__ = ["Pairs", "Scoring", "predictions", "transaction_predictions"]

Pairs = tuple[tuple[np.ndarray, ...], np.ndarray]


@dataclass(frozen=True)
class Scoring:
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
    pairs: Pairs | None
    inverse: np.ndarray
    spend_history: History
    horizon: float
    delta: float
    margin: float
    windows: dict[str, float]
    full: bool


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
    per_history = transaction_predictions(
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
