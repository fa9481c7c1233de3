"""Maximum likelihood as plain functions.

Weights, row compression, the optimiser with its warm start, and the observed-information covariance (delta
method back to the natural scale).

A model hands these functions its parameters (:class:`~pyclv.models._params.Param`), a ``prepare`` function
that puts the fit's data into the form its likelihood reads fastest, and ``totals(theta, prepared)``, the
weighted log-likelihood total and its gradient in the natural parameters. A model that also has the Hessian in
closed form (``hessian_totals(theta, prepared)``, returning total, gradient and Hessian from one pass over the
data) is fitted by Newton's method in a trust region, which needs a handful of passes, and its covariance is the
inverse of that Hessian; the others by L-BFGS-B, with the Hessian from differences of the gradient.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import optimize

from pyclv._arrays import unique_rows
from pyclv.exceptions import ConvergenceError
from pyclv.models._identification import flagged
from pyclv.models._params import U_BOUND, Param, curvature, jacobian, to_natural, to_unconstrained

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
# Newton's method: the trust region runs until the largest element of the mean objective's gradient is below
# NEWTON_TRUST_GTOL, then at most NEWTON_POLISH_STEPS plain steps take it below NEWTON_GTOL (or as far as rounding
# allows); the fit counts as converged below NEWTON_ACCEPTED_GRADIENT.
NEWTON_TRUST_GTOL = 1e-6
NEWTON_POLISH_STEPS = 4
NEWTON_GTOL = 1e-12
NEWTON_ACCEPTED_GRADIENT = 1e-7
# Points whose pass the Newton objective remembers (the oldest is forgotten first).
NEWTON_REMEMBERED = 2
WARM_START_OPTIONS: dict[str, Any] = {"maxiter": 200, "ftol": 1e-10}
ACCEPTED_GRADIENT = 1e-5
# Relative step of the central differences of the gradient that give the observed information.
HESSIAN_STEP = 1e-5

#: An L2 penalty: one number for every parameter, or one per parameter.
Penalty = float | np.ndarray
Prepare = Callable[[tuple[np.ndarray, ...], np.ndarray], Any]
Totals = Callable[[np.ndarray, Any], tuple[float, np.ndarray]]
HessianTotals = Callable[[np.ndarray, Any], tuple[float, np.ndarray, np.ndarray]]


@dataclass(frozen=True)
class FitResult:
    """What :func:`maximise` finds.

    The natural parameters, their covariance, the iterations, the log-likelihood, and the parameters at the
    boundary or not identified, with the reason (:func:`pyclv.models._identification.flagged`; empty when the
    optimum is interior and identified).
    """

    theta: np.ndarray
    covariance: np.ndarray
    n_iterations: int
    log_likelihood: float
    flagged: dict[str, str] = field(default_factory=dict)

    @property
    def converged(self) -> bool:
        """Whether the optimum is interior and identified (the gradient is small at every optimum returned)."""
        return not self.flagged


def compress(
    arrays: tuple[np.ndarray, ...], w: np.ndarray, *, group: bool = True
) -> tuple[tuple[np.ndarray, ...], np.ndarray]:
    """Collapse identical rows of ``arrays`` into one row each, summing their weights; drop zero weights.

    Parameters
    ----------
    arrays : tuple of numpy.ndarray
        Parallel 1-d arrays, one row per customer.
    w : numpy.ndarray
        The rows' weights.
    group : bool, default True
        Whether to collapse identical rows of large data too. Models whose compiled kernel passes over a
        million rows faster than grouping them pass False; small data (up to COMPRESS_CHECK_ROWS rows) are
        grouped either way, which costs little and gives the same rows, and so the same fit, whether the data
        come with weights or as repeated rows.

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
    if not group and n > COMPRESS_CHECK_ROWS:
        return arrays, w
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
    params: tuple[Param, ...], totals: Totals, prepared: Any, total_w: float, penalizer: Penalty
) -> Callable[[np.ndarray], tuple[float, np.ndarray]]:
    """The penalised mean negative log-likelihood and its gradient, both on the unconstrained scale."""

    def objective(u: np.ndarray) -> tuple[float, np.ndarray]:
        theta = to_natural(params, u)
        ll_sum, grad_sum = totals(theta, prepared)
        value = -ll_sum / total_w + float(theta @ (penalizer * theta))
        g_theta = -grad_sum / total_w + 2.0 * penalizer * theta
        return value, g_theta * jacobian(params, theta)

    return objective


@dataclass(frozen=True)
class _Point:
    """The penalised mean objective at one point of the unconstrained scale, from one pass over the data."""

    value: float
    gradient: np.ndarray
    hessian: np.ndarray
    log_likelihood: float


def _newton_objective(
    params: tuple[Param, ...], hessian_totals: HessianTotals, prepared: Any, total_w: float, penalizer: Penalty
) -> Callable[[np.ndarray], _Point]:
    r"""The penalised mean negative log-likelihood, its gradient and Hessian on the unconstrained scale.

    One pass over the data gives all three; the last NEWTON_REMEMBERED points are remembered, since the optimiser
    asks for the value, gradient and Hessian at the same point in three calls, and the final polish step may go back
    to the point before it. With :math:`\theta = \theta(u)` element by element,
    :math:`H_u = J H_\theta J + \mathrm{diag}(g_\theta \theta'')`. Outside the unconstrained box, or where the
    likelihood is not finite, the value is ``inf`` (a step the trust region rejects).
    """
    last: dict[bytes, _Point] = {}
    k = len(params)

    def objective(u: np.ndarray) -> _Point:
        key = u.tobytes()
        if key not in last:
            while len(last) >= NEWTON_REMEMBERED:
                del last[next(iter(last))]
            if np.any(np.abs(u) > U_BOUND):
                last[key] = _Point(np.inf, np.full(k, np.nan), np.full((k, k), np.nan), np.nan)
                return last[key]
            theta = to_natural(params, u)
            with np.errstate(all="ignore"):
                ll_sum, grad_sum, hess_sum = hessian_totals(theta, prepared)
            value = -ll_sum / total_w + float(theta @ (penalizer * theta))
            g_theta = -grad_sum / total_w + 2.0 * penalizer * theta
            h_theta = -hess_sum / total_w + np.diag(np.broadcast_to(2.0 * penalizer, (k,)))
            jac = jacobian(params, theta)
            h_u = h_theta * np.outer(jac, jac) + np.diag(g_theta * curvature(params, theta))
            finite = np.isfinite(value) and np.all(np.isfinite(g_theta)) and np.all(np.isfinite(h_u))
            last[key] = _Point(value if finite else np.inf, g_theta * jac, h_u, ll_sum)
        return last[key]

    return objective


@dataclass(frozen=True)
class _Newton:
    """Where Newton's method stopped: the point, the iterations, the objective there and whether it converged."""

    u: np.ndarray
    n_iterations: int
    point: _Point
    converged: bool


def _newton(objective: Callable[[np.ndarray], _Point], u0: np.ndarray, max_iterations: int) -> _Newton | None:
    """Newton's method in a trust region (scipy's ``trust-exact``), then plain Newton steps to polish.

    The trust region judges steps by the change of the value, which near the optimum drowns in rounding: it
    runs until the gradient is below NEWTON_TRUST_GTOL, and plain Newton steps, judged on the gradient alone, take
    it to the rounding level (each squares the error). Not converged (the gradient above NEWTON_ACCEPTED_GRADIENT,
    or a parameter at the edge of the box), the caller goes on with L-BFGS-B from where it stopped: L-BFGS-B keeps
    to the box and reports what went wrong. None if it could not start.
    """
    if not np.isfinite(objective(u0).value):
        return None
    with np.errstate(all="ignore"):
        try:
            res = optimize.minimize(
                lambda u: objective(u).value, u0, jac=lambda u: objective(u).gradient,
                hess=lambda u: objective(u).hessian, method="trust-exact",
                options={"gtol": NEWTON_TRUST_GTOL, "maxiter": int(max_iterations)},
            )
        except (ValueError, np.linalg.LinAlgError):  # a Hessian the subproblem cannot work with
            return None
    u, point, n_iterations = res.x, objective(res.x), int(res.nit)
    for _ in range(min(NEWTON_POLISH_STEPS, int(max_iterations) - n_iterations)):
        size = np.max(np.abs(point.gradient))
        if not np.isfinite(point.value) or size < NEWTON_GTOL:
            break
        try:
            candidate = u - np.linalg.solve(point.hessian, point.gradient)
        except np.linalg.LinAlgError:
            break
        if np.any(np.abs(candidate) > U_BOUND):
            break
        better = objective(candidate)
        if not (np.isfinite(better.value) and np.max(np.abs(better.gradient)) < size):
            break
        u, point, n_iterations = candidate, better, n_iterations + 1
    objective(u)  # the optimum is the point remembered
    converged = (
        bool(np.isfinite(point.value))
        and np.max(np.abs(point.gradient)) <= NEWTON_ACCEPTED_GRADIENT
        and not np.any(np.abs(u) > U_BOUND - 1.0)
    )
    return _Newton(u, n_iterations, point, converged)


def warm_start(
    params: tuple[Param, ...], prepare: Prepare, totals: Totals, arrays: tuple[np.ndarray, ...], w: np.ndarray,
    theta0: np.ndarray, hessian_totals: HessianTotals | None = None,
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
    hessian_totals : callable, optional
        The likelihood with its Hessian, for Newton's method.

    Returns
    -------
    numpy.ndarray
        The subset's optimum, or ``theta0`` if that fit fails.
    """
    rows = np.sort(np.random.default_rng(0).choice(len(w), WARM_START_SUBSET, replace=False))
    sub_w = w[rows]
    prepared = prepare(tuple(a[rows] for a in arrays), sub_w)
    u0 = to_unconstrained(params, theta0)
    if hessian_totals is not None:
        objective_h = _newton_objective(params, hessian_totals, prepared, float(sub_w.sum()), 0.0)
        found = _newton(objective_h, u0, int(WARM_START_OPTIONS["maxiter"]))
        if found is not None and found.converged:
            return to_natural(params, found.u)
    objective = _objective(params, totals, prepared, float(sub_w.sum()), 0.0)
    bounds = [(-U_BOUND, U_BOUND)] * len(theta0)
    with np.errstate(all="ignore"):
        res = optimize.minimize(objective, u0, jac=True, method="L-BFGS-B", bounds=bounds, options=WARM_START_OPTIONS)
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
    penalizer: Penalty,
    max_iterations: int,
    hessian_totals: HessianTotals | None = None,
) -> FitResult:
    """Maximise the penalised log-likelihood on the unconstrained scale.

    Newton's method in a trust region where the model has its Hessian in closed form; L-BFGS-B otherwise, and
    wherever Newton's method fails or runs out of the box of the unconstrained scale.

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
    penalizer : float or numpy.ndarray
        L2 penalty on the natural parameters (one for all, or one per parameter).
    max_iterations : int
        Iteration limit of the optimiser.
    hessian_totals : callable, optional
        ``hessian_totals(theta, prepared)``: the total, its gradient and its Hessian.

    Returns
    -------
    FitResult

    Raises
    ------
    ConvergenceError
        If the likelihood is not finite at the start, or the optimiser fails.
    """
    objective = _objective(params, totals, prepared, total_w, penalizer)
    objective_h = None if hessian_totals is None else _newton_objective(
        params, hessian_totals, prepared, total_w, penalizer
    )
    u0 = to_unconstrained(params, theta0)
    with np.errstate(all="ignore"):
        value0 = objective(u0)[0] if objective_h is None else objective_h(u0).value
    if not np.isfinite(value0):
        names = [p.name for p in params]
        raise ConvergenceError(
            f"{name}: the log-likelihood is not finite at the starting values {dict(zip(names, theta0, strict=True))}."
        )
    found = None if objective_h is None else _newton(objective_h, u0, max_iterations)
    if found is not None and found.converged:
        theta = to_natural(params, found.u)
        covariance = _inverse_information(params, found.point.hessian * total_w, found.u)
        return FitResult(theta, covariance, found.n_iterations, found.point.log_likelihood,
                         flagged(params, theta, covariance, found.u))
    # L-BFGS-B, from where Newton's method stopped if it got further than the start. Its covariance comes from
    # differences of the gradient, as always on this path: where Newton's method fails the data rarely identify
    # every parameter, and there the analytic Hessian's cancellations can look positive definite.
    start, n_newton = u0, 0
    if found is not None and np.isfinite(found.point.value) and found.point.value < value0:
        start, n_newton = np.clip(found.u, -U_BOUND, U_BOUND), found.n_iterations
    try:
        res = _lbfgsb(name, objective, start, max_iterations)
        u, n_iterations = res.x, n_newton + int(res.nit)
    except ConvergenceError:
        # On a flat ridge L-BFGS-B may stall where Newton's method had stopped close enough by L-BFGS-B's own bar.
        if start is u0 or not np.max(np.abs(found.point.gradient)) <= ACCEPTED_GRADIENT:  # type: ignore[union-attr]
            raise
        u, n_iterations = start, n_newton
    covariance = observed_covariance(params, totals, prepared, u, total_w=total_w, penalizer=penalizer)
    theta = to_natural(params, u)
    with np.errstate(all="ignore"):
        log_likelihood = totals(theta, prepared)[0]
    return FitResult(theta, covariance, n_iterations, log_likelihood, flagged(params, theta, covariance, u))


def _lbfgsb(
    name: str, objective: Callable[[np.ndarray], tuple[float, np.ndarray]], u0: np.ndarray, max_iterations: int
) -> optimize.OptimizeResult:
    """L-BFGS-B inside the box of the unconstrained scale, with one restart; an error for the user if it fails.

    An optimum at the edge of the box is not an error here: :func:`maximise` reports it in ``FitResult.flagged``.
    """
    bounds = [(-U_BOUND, U_BOUND)] * len(u0)
    options = {"maxiter": int(max_iterations), **OPTIMIZER_OPTIONS}
    with np.errstate(all="ignore"):
        res = optimize.minimize(objective, u0, jac=True, method="L-BFGS-B", bounds=bounds, options=options)
        if not res.success:  # one restart from where it stopped usually finishes a line-search stall
            first = int(res.nit)
            res = optimize.minimize(objective, res.x, jac=True, method="L-BFGS-B", bounds=bounds, options=options)
            res.nit = first + int(res.nit)
    grad_norm = float(np.max(np.abs(res.jac))) if res.jac is not None else np.inf
    stalled = not res.success and grad_norm > ACCEPTED_GRADIENT
    if not np.all(np.isfinite(res.x)) or not np.isfinite(res.fun) or stalled:
        raise ConvergenceError(
            f"{name} did not converge ({res.message}; largest gradient {grad_norm:.3g}).", result=res
        )
    return res


def observed_covariance(
    params: tuple[Param, ...], totals: Totals, prepared: Any, u: np.ndarray, *, total_w: float,
    penalizer: Penalty, hessian_totals: HessianTotals | None = None,
) -> np.ndarray:
    """Inverse observed information on the natural scale (delta method from the unconstrained scale).

    The Hessian on the unconstrained scale is the model's own where it has one in closed form, else central
    differences of the analytic gradient.

    Parameters
    ----------
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
    penalizer : float or numpy.ndarray
        The L2 penalty of the fit (one for all, or one per parameter).
    hessian_totals : callable, optional
        ``hessian_totals(theta, prepared)``: the total, its gradient and its Hessian.

    Returns
    -------
    numpy.ndarray
        The k x k covariance; all NaN if the information matrix is singular or not positive definite (the fit
        then reports its parameters as not identified, see :mod:`pyclv.models._identification`).
    """
    if hessian_totals is not None:
        hessian = _newton_objective(params, hessian_totals, prepared, total_w, penalizer)(u).hessian * total_w
    else:
        hessian = _differenced_hessian(params, totals, prepared, u, total_w=total_w, penalizer=penalizer)
    return _inverse_information(params, hessian, u)


def _inverse_information(params: tuple[Param, ...], hessian: np.ndarray, u: np.ndarray) -> np.ndarray:
    """The covariance on the natural scale from the Hessian of the negative log-likelihood on the unconstrained.

    All NaN where the Hessian is not finite or not positive definite: never a silent pseudo-inverse.
    """
    k = len(u)
    hessian = 0.5 * (hessian + hessian.T)
    try:
        if not np.all(np.isfinite(hessian)):
            raise np.linalg.LinAlgError("non-finite Hessian")
        np.linalg.cholesky(hessian)
        cov_u = np.linalg.inv(hessian)
    except np.linalg.LinAlgError:
        return np.full((k, k), np.nan)
    jac = jacobian(params, to_natural(params, u))
    return cov_u * np.outer(jac, jac)


def _differenced_hessian(
    params: tuple[Param, ...], totals: Totals, prepared: Any, u: np.ndarray, *, total_w: float, penalizer: Penalty
) -> np.ndarray:
    """The Hessian of the penalised negative log-likelihood on the unconstrained scale, by central differences."""
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
    return hessian
