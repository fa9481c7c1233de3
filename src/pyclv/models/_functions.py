"""How a model declares its mathematics: one table of pure functions of ``(*params, *data)``.

Every model, whatever its family, sets a class attribute ``_functions`` to one of these tables and inherits
fitting, errors, summary and persistence. The functions broadcast (customers along one axis, horizons along
another) and take the natural parameters unpacked first, then the model's data columns in order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["ModelFunctions", "RetentionFunctions", "SpendFunctions", "TransactionFunctions"]


@dataclass(frozen=True, kw_only=True)
class ModelFunctions:
    """What every model declares for fitting.

    ``loglik(*params, *data)`` per customer and ``loglik_grad`` its gradient (one column per parameter);
    ``initial_params(data, weights)`` a data-driven starting point (natural scale). A model whose likelihood
    has a cheaper weighted total than the sum over customers also gives ``prepare(data, weights)`` (the fit's
    data, once, in the form ``totals`` reads) and ``totals(params, prepared)`` (the weighted log-likelihood
    total and its gradient); otherwise the totals are ``weights @ loglik`` and ``weights @ loglik_grad``. A model
    with its Hessian in closed form gives ``hessian_totals(params, prepared)`` (total, gradient and Hessian from one
    pass; it then serves as ``totals`` too) and is fitted by Newton's method. ``compress_rows`` says whether
    identical rows of large data are collapsed into weights before the fit (worth it unless one pass of a compiled
    kernel costs less than the grouping).

    For covariates (:mod:`pyclv.models._covariates`), a model may also give ``prepare_strata(data, weights, codes,
    n_strata)`` (the fit's data with each row's stratum, ``codes`` in ``0..n_strata-1``) and ``strata_totals(thetas,
    prepared)``: for one parameter vector per stratum (shape (S, k)), every stratum's total, gradient and Hessian
    (shapes (S,), (S, k), (S, k, k)) from one pass over all rows. Without them the strata are passed to
    ``hessian_totals`` one by one, which costs a little per stratum and so suits few strata.
    """

    loglik: Callable[..., np.ndarray]
    loglik_grad: Callable[..., np.ndarray]
    initial_params: Callable[[tuple[np.ndarray, ...], np.ndarray], np.ndarray]
    prepare: Callable[[tuple[np.ndarray, ...], np.ndarray], Any] | None = None
    totals: Callable[[np.ndarray, Any], tuple[float, np.ndarray]] | None = None
    hessian_totals: Callable[[np.ndarray, Any], tuple[float, np.ndarray, np.ndarray]] | None = None
    compress_rows: bool = True
    prepare_strata: Callable[[tuple[np.ndarray, ...], np.ndarray, np.ndarray, int], Any] | None = None
    strata_totals: Callable[[np.ndarray, Any], tuple[np.ndarray, np.ndarray, np.ndarray]] | None = None


@dataclass(frozen=True, kw_only=True)
class TransactionFunctions(ModelFunctions):
    """A transaction model's mathematics (data ``x, t_x, T``).

    ``p_alive(*params, x, t_x, T)``; ``conditional_expected_purchases(*params, x, t_x, T, t)``;
    ``expected_purchases(*params, t)`` for a new customer; ``probability_of_purchases(*params, n, t)``;
    ``conditional_probability_of_purchases(*params, x, t_x, T, n, t)``; ``simulate(*params, T, rng)`` returning
    (x, t_x, T); optionally ``expected_purchases_if_alive(*params, x, T, t)`` when the conditional expectation
    is P(alive) times a function of (x, T, t), and ``dert(*params, x, t_x, T, delta)`` in closed form.
    """

    p_alive: Callable[..., np.ndarray]
    conditional_expected_purchases: Callable[..., np.ndarray]
    expected_purchases: Callable[..., np.ndarray]
    probability_of_purchases: Callable[..., np.ndarray]
    conditional_probability_of_purchases: Callable[..., np.ndarray]
    simulate: Callable[..., tuple[np.ndarray, ...]]
    expected_purchases_if_alive: Callable[..., np.ndarray] | None = None
    dert: Callable[..., np.ndarray] | None = None


@dataclass(frozen=True, kw_only=True)
class SpendFunctions(ModelFunctions):
    """A spend model's mathematics (data ``x, zbar``).

    ``expected_spend(*params, x, zbar)`` and ``simulate(*params, x, rng)`` returning average spends.
    """

    expected_spend: Callable[..., np.ndarray]
    simulate: Callable[..., np.ndarray]


@dataclass(frozen=True, kw_only=True)
class RetentionFunctions(ModelFunctions):
    """A contractual retention model's mathematics (data ``periods, churned``).

    ``p_alive(*params, periods, churned)``, ``derl(*params, renewals, d)`` and ``simulate(*params, periods,
    rng)`` returning (periods, churned).
    """

    p_alive: Callable[..., np.ndarray]
    derl: Callable[..., np.ndarray]
    simulate: Callable[..., tuple[np.ndarray, np.ndarray]]
