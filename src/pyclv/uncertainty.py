"""Parameter uncertainty carried through to per-customer predictions.

Two ways to draw plausible parameter sets for a fitted model:

* ``"asymptotic"``: draws from the maximum-likelihood estimator's asymptotic normal distribution on the
  unconstrained scale (log / logit), mapped back, so every draw respects the parameters' domains;
* ``"bootstrap"``: refits of the same model class and settings on customers resampled with replacement
  (rows that stand for several customers, through ``weights``, are resampled customer by customer).

A prediction is evaluated at every draw (vectorised over customers, one pass per draw), and the
``(1 - interval) / 2`` and ``(1 + interval) / 2`` quantiles over the draws bound it. The point prediction
stays the plug-in value at the estimate. Seeded and reproducible.
"""

from __future__ import annotations

import numbers
import warnings
from typing import Literal

import numpy as np
import pandas as pd

from pyclv._validation import resolve_weights
from pyclv.exceptions import ConvergenceError, DataValidationError, PyCLVError, PyCLVWarning
from pyclv.models import BaseModel

__all__ = ["Method", "bootstrap_draws", "check_interval_settings", "draws_for", "parameter_draws"]

Method = Literal["asymptotic", "bootstrap"]


def parameter_draws(model: BaseModel, n_draws: int, rng: np.random.Generator) -> np.ndarray:
    """``n_draws`` parameter vectors from the fitted model's asymptotic distribution.

    Normal on the unconstrained (log / logit) scale with the covariance mapped there by the delta method,
    then mapped back, so every draw respects the parameters' domains.

    Parameters
    ----------
    model : BaseModel
        A fitted model with a finite covariance matrix.
    n_draws : int
        Number of draws.
    rng : numpy.random.Generator
        Source of the random draws.

    Returns
    -------
    numpy.ndarray
        Shape (n_draws, k): natural-scale parameter vectors, one per row, in the order of ``model.params_``.

    Raises
    ------
    PyCLVError
        If the model has no usable covariance (built with ``from_params``, or a singular information matrix).
    """
    theta = model.theta
    cov = model.covariance_.to_numpy()
    if not np.all(np.isfinite(cov)):
        raise PyCLVError(
            f"{type(model).__name__} has no covariance matrix (built with from_params, or a singular information "
            "matrix), so parameter uncertainty is unknown: fit the model on data, or use method='bootstrap'."
        )
    jac = model.jacobian(theta)
    cov_u = cov / np.outer(jac, jac)
    u_hat = model.to_unconstrained(theta)
    chol = np.linalg.cholesky(0.5 * (cov_u + cov_u.T))
    u = u_hat + rng.standard_normal((n_draws, len(theta))) @ chol.T
    return model.to_natural(u)


def bootstrap_draws(
    model: BaseModel,
    data: pd.DataFrame,
    n_draws: int,
    rng: np.random.Generator,
    weights: np.ndarray | pd.Series | str | None = None,
) -> np.ndarray:
    """Parameters refitted on ``n_draws`` bootstrap resamples of the customers of ``data``.

    ``weights`` (as in ``fit``) counts the customers each row stands for, e.g. the donors of a BG/BB pattern;
    a resample draws that many customers with replacement, which is a multinomial draw of new counts per row.
    A resample whose refit does not converge is replaced by another (with a warning); more than
    ``n_draws // 10`` failures raise the last error.

    Parameters
    ----------
    model : BaseModel
        A fitted model; its class and settings are refitted, starting from its estimates.
    data : pandas.DataFrame
        The data the model was fitted on.
    n_draws : int
        Number of refits (draws).
    rng : numpy.random.Generator
        Source of the resamples.
    weights : array-like, pandas.Series or str, optional
        How many customers each row stands for (as in ``fit``); 1 each if None.

    Returns
    -------
    numpy.ndarray
        Shape (n_draws, k): the refitted natural-scale parameters, one row per resample.

    Raises
    ------
    ValueError
        If the data stand for fewer than two customers.
    ConvergenceError, DataValidationError
        If more than ``max(n_draws // 10, 1)`` refits fail.
    """
    counts = resolve_weights(data, weights)
    total = int(round(counts.sum()))
    if total < 2:
        raise ValueError("The bootstrap needs at least two customers.")
    probabilities = counts / counts.sum()
    settings = model.get_params()
    start = dict(model.params_)
    draws: list[np.ndarray] = []
    failures = 0
    # a resample's edge-of-domain warnings are expected (local to this block, the user's filters are kept)
    with warnings.catch_warnings(action="ignore", category=PyCLVWarning):
        while len(draws) < n_draws:
            resample = rng.multinomial(total, probabilities).astype(float)
            try:
                refit = type(model)(**settings).fit(data, weights=resample, initial_params=start)
                _check_same_parameters(model, refit)
            except (ConvergenceError, DataValidationError) as exc:
                failures += 1
                if failures > max(n_draws // 10, 1):
                    if model.has_covariates and isinstance(exc, DataValidationError):
                        raise DataValidationError(
                            f"{failures} bootstrap resamples could not be fitted; the last: {exc} Covariate levels "
                            "with very few customers make resamples without them: merge such levels with another "
                            "one, or use method='asymptotic'.",
                            column=exc.column,
                        ) from exc
                    raise
                continue
            draws.append(refit.params_.to_numpy())
    if failures:
        warnings.warn(
            f"{type(model).__name__}: {failures} bootstrap refit(s) did not converge or could not be fitted (e.g. a "
            "resample without a rare covariate level) and were replaced by new resamples.",
            PyCLVWarning,
            stacklevel=3,
        )
    return np.asarray(draws)


def _check_same_parameters(model: BaseModel, refit: BaseModel) -> None:
    """Refuse a refit with other parameters than the model's: a resample without any customer of a covariate's level."""
    if not refit.params_.index.equals(model.params_.index):
        missing = sorted(set(model.params_.index) - set(refit.params_.index))
        raise DataValidationError(
            f"A bootstrap resample has no customer with the covariate level of {', '.join(missing)}, so it cannot "
            "estimate that coefficient: levels with very few customers make the bootstrap fail; merge them with "
            "another level, or use method='asymptotic'.",
            column=missing[0] if missing else None,
        )


def check_interval_settings(interval: float, method: str, n_draws: int) -> int:
    """Check an interval's settings before any work: the level, the method and the number of draws.

    Parameters
    ----------
    interval : float
        The probability of the interval, in (0, 1).
    method : str
        ``"asymptotic"`` or ``"bootstrap"``.
    n_draws : int
        Number of draws: a whole number >= 2.

    Returns
    -------
    int
        ``n_draws`` as an int.

    Raises
    ------
    DataValidationError
        Naming the argument that is out of range.
    """
    if isinstance(interval, bool) or not (isinstance(interval, numbers.Real) and 0.0 < interval < 1.0):
        raise DataValidationError(
            f"interval must be a probability in (0, 1), e.g. 0.9 for a 90 % interval; got {interval!r}.",
            column="interval",
        )
    if method not in ("asymptotic", "bootstrap"):
        raise DataValidationError(f"method must be 'asymptotic' or 'bootstrap'; got {method!r}.", column="method")
    whole = isinstance(n_draws, (int, np.integer)) and not isinstance(n_draws, bool)
    if not whole or n_draws < 2:
        raise DataValidationError(
            f"n_draws must be a whole number >= 2 (a few hundred give stable bounds); got {n_draws!r}.",
            column="n_draws",
        )
    return int(n_draws)


def draws_for(
    model: BaseModel,
    data: pd.DataFrame,
    *,
    method: Method,
    n_draws: int,
    rng: np.random.Generator,
    weights: np.ndarray | pd.Series | str | None = None,
) -> np.ndarray:
    """Parameter draws by ``method``, after checking the arguments.

    Parameters
    ----------
    model : BaseModel
        A fitted model.
    data : pandas.DataFrame
        The data the model was fitted on (used by the bootstrap).
    method : {"asymptotic", "bootstrap"}
        :func:`parameter_draws` or :func:`bootstrap_draws`.
    n_draws : int
        Number of draws (>= 2).
    rng : numpy.random.Generator
        Source of the random draws.
    weights : array-like, pandas.Series or str, optional
        For the bootstrap: how many customers each row stands for.

    Returns
    -------
    numpy.ndarray
        Shape (n_draws, k): natural-scale parameter vectors.

    Raises
    ------
    DataValidationError
        If ``n_draws`` is not a whole number >= 2 or ``method`` is unknown.
    """
    n_draws = check_interval_settings(0.5, method, n_draws)
    if method == "asymptotic":
        return parameter_draws(model, n_draws, rng)
    return bootstrap_draws(model, data, n_draws, rng, weights)
