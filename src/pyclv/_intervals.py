"""Bounds of every per-customer prediction under parameter uncertainty, in bounded memory.

For the BG/NBD family scored through interpolated factors (:mod:`pyclv._factors`), :func:`interpolated_bounds`
computes the factors' coefficients on the estimate's panels once per draw (the panels do not depend on the
parameters), then one compiled pass over the customers evaluates every draw of every quantity of a customer and
takes the quantiles over the draws before moving on (:func:`pyclv._kernels.scoring.interval_bounds`): memory
is that of the results, and the per-draw work per customer is a few logs and a few dozen multiplications.

Otherwise customers are grouped by history (x, t_x, T) and processed in blocks of about
:data:`BLOCK_CUSTOMERS`; in each block every parameter draw gives the transaction quantities once per distinct
history and the spend and CLV per customer, and the quantiles over the draws are taken before the next block.
For factorised models the factors g(x, T) of every quantity are computed once for all draws and all customers
(:func:`alive_factors`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from pyclv import _factors, _kernels, _progress
from pyclv._arrays import unique_rows
from pyclv._predict import Scoring, factor_function, transaction_predictions
from pyclv._quadrature import DRAW_NODES_PER_PANEL
from pyclv.models import TransactionModel
from pyclv.models.gamma_gamma import GammaGamma

__all__ = ["BLOCK_CUSTOMERS", "MAX_FACTOR_VALUES", "bounds", "interpolated_bounds"]

BLOCK_CUSTOMERS = 50_000
MAX_FACTOR_VALUES = 50_000_000  # draws x distinct (x, T) x quantities kept in memory at once (400 MB)


def alive_factors(model: TransactionModel, draws: np.ndarray, scoring: Scoring) -> dict[str, np.ndarray] | None:
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
    if len(draws) * len(ux) * n_quantities > MAX_FACTOR_VALUES:
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
class Block:
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


def history_blocks(inverse: np.ndarray, n_histories: int) -> Iterator[Block]:
    """Blocks of whole histories with about ``BLOCK_CUSTOMERS`` customers each (at least one history)."""
    order = np.argsort(inverse, kind="stable")
    first = np.searchsorted(inverse[order], np.arange(n_histories + 1))  # each history's customers in `order`
    h0 = 0
    while h0 < n_histories:
        h1 = int(np.searchsorted(first, first[h0] + BLOCK_CUSTOMERS, side="right")) - 1
        h1 = min(max(h1, h0 + 1), n_histories)
        customers = order[first[h0] : first[h1]]
        yield Block(h0, h1, customers, inverse[customers] - h0)
        h0 = h1


def block_samples(
    transaction_model: TransactionModel,
    spend_model: GammaGamma,
    draws: Iterable[tuple[np.ndarray, np.ndarray]],
    scoring: Scoring,
    block: Block,
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
            per_history = transaction_predictions(
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


def bounds(
    transaction_model: TransactionModel,
    spend_model: GammaGamma,
    draws_t: np.ndarray,
    draws_s: np.ndarray,
    interval: float,
    scoring: Scoring,
) -> dict[str, np.ndarray]:
    """The ``interval`` bounds of every prediction over the parameter draws, block by block.

    Customers are grouped by history (x, t_x, T) and processed in blocks of about 50,000, so memory stays
    bounded (draws x block) at any number of customers: in each block every draw gives the transaction
    quantities once per distinct history and the spend and CLV per customer, and the quantiles over the
    draws are taken before the next block.
    """
    if scoring.factors is not None:
        if transaction_model.alive_kernel is not None and _kernels.active():
            return interpolated_bounds(transaction_model, spend_model, draws_t, draws_s, interval, scoring)
        history, inverse = scoring.history.distinct()
        x, _, T = history.values
        scoring = dataclasses.replace(scoring, history=history, inverse=inverse, pairs=unique_rows((x, T)),
                                      factors=None)
    assert scoring.inverse is not None
    q = [(1.0 - interval) / 2.0, (1.0 + interval) / 2.0]
    n_customers = len(scoring.inverse)
    alive = alive_factors(transaction_model, draws_t, scoring)
    lower: dict[str, np.ndarray] = {}
    upper: dict[str, np.ndarray] = {}
    for block in history_blocks(scoring.inverse, len(scoring.history)):
        draws = zip(draws_t, draws_s, strict=True)  # both have n_draws rows
        samples, per_history = block_samples(transaction_model, spend_model, draws, scoring, block, alive)
        for name, v in samples.items():
            lo, hi = np.quantile(np.vstack(v), q, axis=0)
            if name in per_history:  # a per-history quantity: spread to the customers of each history
                lo, hi = lo[block.local], hi[block.local]
            lower.setdefault(name, np.empty(n_customers))[block.customers] = lo
            upper.setdefault(name, np.empty(n_customers))[block.customers] = hi
        _progress.advance(block.stop, len(scoring.history))  # for a listener (the command line's progress bar)
    return {f"{name}_{side}": bound[name] for name in lower for side, bound in (("lower", lower), ("upper", upper))}


def interpolated_bounds(
    transaction_model: TransactionModel,
    spend_model: GammaGamma,
    draws_t: np.ndarray,
    draws_s: np.ndarray,
    interval: float,
    scoring: Scoring,
) -> dict[str, np.ndarray]:
    """The ``interval`` bounds of every prediction over the draws, from the interpolated factors (compiled).

    The factors' coefficients on the estimate's panels, and their values for the customers without a panel,
    are computed once per draw (with :data:`~pyclv._quadrature.DRAW_NODES_PER_PANEL` nodes of discounting
    quadrature, as the per-block path); one compiled pass then gives every customer's bounds.

    Parameters
    ----------
    transaction_model : TransactionModel
        A model with an ``alive_kernel``.
    spend_model : GammaGamma
        The spend model.
    draws_t, draws_s : numpy.ndarray
        The parameter draws, one row per draw.
    interval : float
        The probability of the interval.
    scoring : Scoring
        With ``factors``.

    Returns
    -------
    dict of str to numpy.ndarray
        ``{name}_lower`` and ``{name}_upper`` per customer.
    """
    from pyclv._kernels import scoring as kernel

    factors = scoring.factors
    assert factors is not None and transaction_model.alive_kernel is not None
    names, panels = factors.names, factors.panels
    x, t_x, T = scoring.history.values
    spend_x, zbar = scoring.spend_history.values
    zero = np.flatnonzero(spend_x == 0)[:1]
    if len(zero):  # the spend model's own check (q > 1 where x = 0), with its own error
        for theta_s in draws_s:
            spend_model.expected_spend_at(theta_s, scoring.spend_history.take(zero))
    (ux, uT), direct_inverse = _factors.direct_rows(panels, x, T)
    direct = np.full(len(x), -1, dtype=np.int64)
    direct[panels.direct] = direct_inverse
    coefficients = np.zeros((len(draws_t), len(panels.x), len(names), _factors.N_NODES))
    direct_values = np.zeros((len(draws_t), len(names), len(ux)))
    for d, theta in enumerate(draws_t):
        evaluate = factor_function(transaction_model, theta, names, scoring, nodes_per_panel=DRAW_NODES_PER_PANEL)
        if len(panels.x):
            coefficients[d] = _factors.coefficients(panels, evaluate)
        if len(ux):
            with np.errstate(all="ignore"):
                direct_values[d] = evaluate(ux, uT)
    infinite = bool(np.isinf(scoring.horizon))
    reported = [name for name in names if name != "discounted"] if scoring.full else []
    outputs = [names.index(name) for name in reported]
    if scoring.full and infinite:
        reported.append("dert")
        outputs.append(names.index("discounted"))
    discounted = names.index("discounted" if "discounted" in names else "expected_purchases")
    out_names = ["p_alive", *reported, "expected_spend", "clv"] if scoring.full else ["clv"]
    lower, upper = kernel.interval_bounds(
        kernel.ALIVE_KINDS[transaction_model.alive_kernel], (x, t_x, T), zbar, panels.panel, panels.position,
        direct, draws_t, draws_s, coefficients, direct_values, np.array(outputs, dtype=np.int64), discounted,
        full=scoring.full, margin=scoring.margin, quantiles=((1.0 - interval) / 2.0, (1.0 + interval) / 2.0),
    )
    result: dict[str, np.ndarray] = {}
    for o, name in enumerate(out_names):
        result[f"{name}_lower"] = lower[o]
        result[f"{name}_upper"] = upper[o]
    return result
