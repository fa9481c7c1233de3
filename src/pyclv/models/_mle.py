"""Maximum likelihood as plain functions.

Weights, row compression, the optimiser with its warm start, and the observed-information covariance (delta
method back to the natural scale).

A model hands these functions its parameters (:class:`~pyclv.models._params.Param`), a ``prepare`` function
that puts the fit's data into the form its likelihood reads fastest, and ``totals(theta, prepared)``, the
weighted log-likelihood total and its gradient in the natural parameters.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import optimize

from pyclv._arrays import unique_rows
from pyclv.exceptions import ConvergenceError, PyCLVWarning
from pyclv.models._params import U_BOUND, Param, jacobian, to_natural, to_unconstrained

__all__ = [
    "WARM_START_ROWS",
    "WARM_START_SUBSET",
    "FitResult",
    "compress",
    "maximise",
    "observed_covariance",
    "warm_start",
]

#: Above this many (distinct) rows, a fit starts from a quick fit on a random subset of WARM_START_SUBSET rows.
WARM_START_ROWS = 500_000
WARM_START_SUBSET = 100_000
# Row compression pays when rows repeat; above COMPRESS_CHECK_ROWS rows a sample of COMPRESS_SAMPLE rows is
# grouped first, and if more than COMPRESS_DISTINCT_SHARE of it is distinct the rows are kept as they are.
COMPRESS_CHECK_ROWS = 50_000
COMPRESS_SAMPLE = 10_000
COMPRESS_DISTINCT_SHARE = 0.9
# The optimiser's settings (L-BFGS-B on the unconstrained scale) and the tolerance below which a fit that
# stopped without "success" still counts as converged.
OPTIMIZER_OPTIONS = {"ftol": 1e-13, "gtol": 1e-9, "maxcor": 20}
WARM_START_OPTIONS = {"maxiter": 200, "ftol": 1e-10}
ACCEPTED_GRADIENT = 1e-5
# Relative step of the central differences of the gradient that give the observed information.
HESSIAN_STEP = 1e-5

Prepare = Callable[[tuple[np.ndarray, ...], np.ndarray], Any]
Totals = Callable[[np.ndarray, Any], tuple[float, np.ndarray]]


@dataclass(frozen=True)
class FitResult:
    """What :func:`maximise` finds: the natural parameters, their covariance and the iterations used."""

    theta: np.ndarray
    covariance: np.ndarray
    n_iterations: int


def compress(arrays: tuple[np.ndarray, ...], w: np.ndarray) -> tuple[tuple[np.ndarray, ...], np.ndarray]:
    """Collapse identical rows of ``arrays`` into one row each, summing their weights; drop zero weights.

    Parameters
    ----------
    arrays : tuple of numpy.ndarray
        Parallel 1-d arrays, one row per customer.
    w : numpy.ndarray
        The rows' weights.

    Returns
    -------
    tuple
        The distinct rows and their summed weights (the rows as they are when nearly all are distinct).
    """
    keep = w > 0
    if not keep.all():
        arrays = tuple(a[keep] for a in arrays)
        w = w[keep]
    n = len(w)
    if n > COMPRESS_CHECK_ROWS:
        # Collapsing pays when rows repeat (frequency, recency, T on a daily grid); with continuous columns
        # (average spend) nearly every row is distinct: judge from a sample before grouping everything.
        sample = np.random.default_rng(0).choice(n, COMPRESS_SAMPLE, replace=False)
        distinct_sample, _ = unique_rows(tuple(a[sample] for a in arrays))
        if len(distinct_sample[0]) > COMPRESS_DISTINCT_SHARE * COMPRESS_SAMPLE:
            return arrays, w
    distinct, inverse = unique_rows(arrays)
    return distinct, np.bincount(inverse, weights=w, minlength=len(distinct[0]))


def _objective(
    params: tuple[Param, ...], totals: Totals, prepared: Any, total_w: float, penalizer: float
) -> Callable[[np.ndarray], tuple[float, np.ndarray]]:
    """The penalised mean negative log-likelihood and its gradient, both on the unconstrained scale."""

    def objective(u: np.ndarray) -> tuple[float, np.ndarray]:
        theta = to_natural(params, u)
        ll_sum, grad_sum = totals(theta, prepared)
        value = -ll_sum / total_w + penalizer * float(theta @ theta)
        g_theta = -grad_sum / total_w + 2.0 * penalizer * theta
        return value, g_theta * jacobian(params, theta)

    return objective


def warm_start(
    params: tuple[Param, ...], prepare: Prepare, totals: Totals, arrays: tuple[np.ndarray, ...], w: np.ndarray,
    theta0: np.ndarray,
) -> np.ndarray:
    """Starting values from a quick fit on a random subset of WARM_START_SUBSET rows.

    The full fit then needs only a few iterations; the optimum, and so the result, is the full data's either
    way.

    Parameters
    ----------
    params : tuple of Param
        The model's parameters.
    prepare, totals : callable
        The model's likelihood (see the module docstring).
    arrays, w : numpy.ndarray
        The fit's (compressed) data and weights.
    theta0 : numpy.ndarray
        The default start.

    Returns
    -------
    numpy.ndarray
        The subset's optimum, or ``theta0`` if that fit fails.
    """
    rows = np.random.default_rng(0).choice(len(w), WARM_START_SUBSET, replace=False)
    sub_w = w[rows]
    objective = _objective(params, totals, prepare(tuple(a[rows] for a in arrays), sub_w), float(sub_w.sum()), 0.0)
    bounds = [(-U_BOUND, U_BOUND)] * len(theta0)
    with np.errstate(all="ignore"):
        res = optimize.minimize(objective, to_unconstrained(params, theta0), jac=True, method="L-BFGS-B",
                                bounds=bounds, options=WARM_START_OPTIONS)
    theta = to_natural(params, res.x)
    return theta if np.all(np.isfinite(theta)) and np.isfinite(res.fun) else theta0


def maximise(
    name: str,
    params: tuple[Param, ...],
    totals: Totals,
    prepared: Any,
    theta0: np.ndarray,
    *,
    total_w: float,
    penalizer: float,
    max_iterations: int,
) -> FitResult:
    """Maximise the penalised log-likelihood with L-BFGS-B on the unconstrained scale.

    Parameters
    ----------
    name : str
        The model's name, for messages.
    params : tuple of Param
        The model's parameters.
    totals : callable
        ``totals(theta, prepared)``: the weighted log-likelihood total and its gradient.
    prepared : object
        The fit's data, as the model's ``prepare`` returned it.
    theta0 : numpy.ndarray
        Starting values (natural scale).
    total_w : float
        The total weight (number of customers).
    penalizer : float
        L2 penalty on the natural parameters.
    max_iterations : int
        Iteration limit of the optimiser.

    Returns
    -------
    FitResult

    Raises
    ------
    ConvergenceError
        If the likelihood is not finite at the start, or the optimiser fails.
    """
    objective = _objective(params, totals, prepared, total_w, penalizer)
    u0 = to_unconstrained(params, theta0)
    with np.errstate(all="ignore"):
        value0, _ = objective(u0)
    if not np.isfinite(value0):
        names = [p.name for p in params]
        raise ConvergenceError(
            f"{name}: the log-likelihood is not finite at the starting values {dict(zip(names, theta0, strict=True))}."
        )
    bounds = [(-U_BOUND, U_BOUND)] * len(u0)
    options = {"maxiter": int(max_iterations), **OPTIMIZER_OPTIONS}
    with np.errstate(all="ignore"):
        res = optimize.minimize(objective, u0, jac=True, method="L-BFGS-B", bounds=bounds, options=options)
        if not res.success:  # one restart from where it stopped usually finishes a line-search stall
            res = optimize.minimize(objective, res.x, jac=True, method="L-BFGS-B", bounds=bounds, options=options)
    grad_norm = float(np.max(np.abs(res.jac))) if res.jac is not None else np.inf
    stalled = not res.success and grad_norm > ACCEPTED_GRADIENT
    if not np.all(np.isfinite(res.x)) or not np.isfinite(res.fun) or stalled:
        raise ConvergenceError(
            f"{name} did not converge ({res.message}; largest gradient {grad_norm:.3g}).", result=res
        )
    at_edge = [p.name for p, u in zip(params, res.x, strict=True) if abs(u) > U_BOUND - 1.0]
    if at_edge:
        warnings.warn(
            f"{name}: parameter(s) {', '.join(at_edge)} ran to the edge of their domain; "
            "the data may not identify them (try a penalizer, or a simpler model).",
            PyCLVWarning,
            stacklevel=4,
        )
    covariance = observed_covariance(name, params, totals, prepared, res.x, total_w=total_w, penalizer=penalizer)
    return FitResult(to_natural(params, res.x), covariance, int(res.nit))


def observed_covariance(
    name: str, params: tuple[Param, ...], totals: Totals, prepared: Any, u: np.ndarray, *, total_w: float,
    penalizer: float,
) -> np.ndarray:
    """Inverse observed information on the natural scale (delta method from the unconstrained scale).

    The Hessian is central differences of the analytic gradient on the unconstrained scale.

    Parameters
    ----------
    name : str
        The model's name, for the warning.
    params : tuple of Param
        The model's parameters.
    totals : callable
        ``totals(theta, prepared)``: the weighted log-likelihood total and its gradient.
    prepared : object
        The fit's data, as the model's ``prepare`` returned it.
    u : numpy.ndarray
        The optimum on the unconstrained scale.
    total_w : float
        The total weight.
    penalizer : float
        The L2 penalty of the fit.

    Returns
    -------
    numpy.ndarray
        The k x k covariance; all NaN (with a PyCLVWarning) if the information matrix is singular or not
        positive definite.
    """
    k = len(u)

    def grad_u(u_: np.ndarray) -> np.ndarray:
        theta = to_natural(params, u_)
        g = -totals(theta, prepared)[1] + 2.0 * penalizer * total_w * theta
        return g * jacobian(params, theta)

    hessian = np.empty((k, k))
    with np.errstate(all="ignore"):
        for i in range(k):
            h = HESSIAN_STEP * max(1.0, abs(u[i]))
            step = np.zeros(k)
            step[i] = h
            hessian[:, i] = (grad_u(u + step) - grad_u(u - step)) / (2.0 * h)
    hessian = 0.5 * (hessian + hessian.T)
    try:
        if not np.all(np.isfinite(hessian)):
            raise np.linalg.LinAlgError("non-finite Hessian")
        np.linalg.cholesky(hessian)
        cov_u = np.linalg.inv(hessian)
    except np.linalg.LinAlgError:
        warnings.warn(
            f"{name}: the observed information matrix is singular or not positive definite; "
            "standard errors are NaN (the data may not identify every parameter).",
            PyCLVWarning,
            stacklevel=5,
        )
        return np.full((k, k), np.nan)
    jac = jacobian(params, to_natural(params, u))
    return cov_u * np.outer(jac, jac)
