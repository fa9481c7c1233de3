"""What every pyclv model shares: maximum likelihood on an unconstrained scale, the observed-information
covariance (delta method back to the natural scale), the summary table, construction from known
parameters and the JSON artifact.

A model declares its parameters and their domains as data (:class:`Param`), a per-customer log-likelihood
and its gradient as pure functions, and how to read its arrays from a summary table. It inherits the rest.
"""

from __future__ import annotations

import datetime as _dt
import time
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Literal, Self

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

from pyclv._arrays import unique_rows
from pyclv._time import check_time_unit
from pyclv.exceptions import ConvergenceError, DataValidationError, ModelFormatError, NotFittedError, PyCLVWarning

__all__ = ["BaseModel", "ModelSummary", "Param", "model_registry"]

Domain = Literal["positive", "unit"]

#: Every concrete model class by its name, filled in as model modules are imported (for ``load_model``).
model_registry: dict[str, type[BaseModel]] = {}

# Bounds of the unconstrained scale: exp(+-30) spans 1e-13..1e13, far beyond any sensible parameter.
_U_BOUND = 30.0
# Above this many (distinct) rows, a fit starts from a quick fit on a random subset of _WARM_START_SUBSET rows.
_WARM_START_ROWS = 500_000
_WARM_START_SUBSET = 100_000


@dataclass(frozen=True)
class Param:
    """A model parameter: its name and its domain (``"positive"``: log scale, ``"unit"``: logit scale)."""

    name: str
    domain: Domain = "positive"

    def to_unconstrained(self, value: np.ndarray) -> np.ndarray:
        return np.log(value) if self.domain == "positive" else special.logit(value)

    def to_natural(self, u: np.ndarray) -> np.ndarray:
        return np.exp(u) if self.domain == "positive" else special.expit(u)

    def jacobian(self, value: np.ndarray) -> np.ndarray:
        """d(natural) / d(unconstrained) at ``value``."""
        return value if self.domain == "positive" else value * (1.0 - value)

    def contains(self, value: float) -> bool:
        if not np.isfinite(value):
            return False
        return value > 0.0 if self.domain == "positive" else 0.0 < value < 1.0


class ModelSummary:
    """The fitted model's parameter table and fit statistics.

    Prints as text, renders as HTML in Jupyter and converts with :meth:`to_frame`.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per parameter: ``estimate``, ``std_error``, ``lower``, ``upper`` (a ``1 - alpha`` Wald interval
        computed on the unconstrained scale and mapped back, so it respects the parameter's domain).
    stats : dict
        ``log_likelihood``, ``aic``, ``bic``, ``n_customers``, ``time_unit``, ``converged``.
    """

    def __init__(self, model_name: str, table: pd.DataFrame, stats: dict[str, Any]) -> None:
        self.model_name = model_name
        self.table = table
        self.stats = stats

    def to_frame(self) -> pd.DataFrame:
        """The parameter table (a copy)."""
        return self.table.copy()

    def __str__(self) -> str:
        head = [f"{self.model_name}"]
        head += [f"  {k}: {_fmt(v)}" for k, v in self.stats.items()]
        return "\n".join(head) + "\n" + self.table.to_string(float_format=lambda v: f"{v:.6g}")

    __repr__ = __str__

    def _repr_html_(self) -> str:
        stats = "".join(f"<tr><th>{k}</th><td>{_fmt(v)}</td></tr>" for k, v in self.stats.items())
        return (
            f"<div><strong>{self.model_name}</strong><table>{stats}</table>"
            f"{self.table.to_html(float_format=lambda v: f'{v:.6g}')}</div>"
        )


def _fmt(value: Any) -> str:
    return f"{value:.6g}" if isinstance(value, float) else str(value)


class BaseModel:
    """Base class of pyclv's models (the scikit-learn estimator contract).

    Subclasses set ``_params`` (a tuple of :class:`Param`) and implement ``_arrays`` (validated arrays from a
    summary table), ``_loglik`` and ``_loglik_grad`` (per customer, as functions of the natural
    parameters) and ``_initial_params``.

    Parameters
    ----------
    penalizer : float, default 0.0
        L2 penalty on the natural-scale parameters, added to the mean negative log-likelihood:
        ``-sum(w * ll) / sum(w) + penalizer * sum(theta ** 2)`` (the convention lifetimes users know).
        It stabilises fits on small or degenerate data at the cost of a small bias.
    max_iterations : int, default 2000
        Iteration limit of the optimizer; a fit that reaches it raises :class:`ConvergenceError`.
    """

    _params: ClassVar[tuple[Param, ...]] = ()

    def __init__(self, *, penalizer: float = 0.0, max_iterations: int = 2000) -> None:
        self.penalizer = penalizer
        self.max_iterations = max_iterations

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls._params:
            model_registry[cls.__name__] = cls

    # ------------------------------------------------------------------ what subclasses provide
    def _arrays(self, data: pd.DataFrame) -> tuple[tuple[np.ndarray, ...], np.ndarray]:
        """Validated float64 arrays for the likelihood and a boolean mask of the rows used."""
        raise NotImplementedError

    def _loglik(self, theta: np.ndarray, *arrays: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _loglik_grad(self, theta: np.ndarray, *arrays: np.ndarray) -> np.ndarray:
        """Per-customer gradient of ``_loglik``; this default uses central differences (override it with the
        analytic gradient where the model has one)."""
        grads = []
        for i, value in enumerate(theta):
            h = 1e-6 * max(abs(value), 1e-8)
            up, down = theta.copy(), theta.copy()
            up[i] += h
            down[i] -= h
            grads.append((self._loglik(up, *arrays) - self._loglik(down, *arrays)) / (2.0 * h))
        return np.stack(grads, axis=-1)

    def _initial_params(self, arrays: tuple[np.ndarray, ...], weights: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _prepare(self, arrays: tuple[np.ndarray, ...], w: np.ndarray) -> Any:
        """The fit's data, once, in whatever form ``_weighted_loglik_and_grad`` reads fastest (here: as is)."""
        return arrays, w

    def _weighted_loglik_and_grad(self, theta: np.ndarray, prepared: Any) -> tuple[float, np.ndarray]:
        """The weighted total log-likelihood and its gradient, what the optimizer needs. This default sums
        the per-customer functions; a model may override it (with ``_prepare``) with sums that need less work
        per row and per iteration."""
        arrays, w = prepared
        return float(w @ self._loglik(theta, *arrays)), w @ self._loglik_grad(theta, *arrays)

    # ------------------------------------------------------------------ construction
    @classmethod
    def param_names(cls) -> tuple[str, ...]:
        """The model's parameter names, in order."""
        return tuple(p.name for p in cls._params)

    @classmethod
    def from_params(cls, *, time_unit: str | None = None, **params: float) -> Self:
        """Build a ready-to-predict model from known parameter values.

        For published values, what-if analysis and tests. ``time_unit`` (``"D"`` or ``"W"``) is optional;
        what needs it, such as an annual discount rate, says so when it is missing.

        Raises
        ------
        ValueError
            If a parameter is missing, unknown, or outside its domain.
        """
        names = cls.param_names()
        missing = [n for n in names if n not in params]
        unknown = [n for n in params if n not in names]
        if missing or unknown:
            raise ValueError(
                f"{cls.__name__}.from_params needs exactly the parameters {', '.join(names)}; "
                f"missing: {missing or 'none'}, unknown: {unknown or 'none'}."
            )
        for p in cls._params:
            if not p.contains(float(params[p.name])):
                where = "> 0" if p.domain == "positive" else "in (0, 1)"
                raise ValueError(f"{cls.__name__} parameter {p.name} must be finite and {where}; got {params[p.name]!r}.")
        model = cls()
        model._set_fitted(
            theta=np.array([float(params[n]) for n in names]),
            covariance=np.full((len(names), len(names)), np.nan),
            log_likelihood=np.nan,
            n_customers=0,
            time_unit=None if time_unit is None else check_time_unit(time_unit),
            converged=True,
        )
        return model

    def _set_fitted(
        self,
        *,
        theta: np.ndarray,
        covariance: np.ndarray,
        log_likelihood: float,
        n_customers: float,
        time_unit: str | None,
        converged: bool,
        n_iterations: int = 0,
        fit_seconds: float = 0.0,
        fitted_at: str | None = None,
    ) -> None:
        names = pd.Index(self.param_names(), name="parameter")
        self.params_ = pd.Series(theta, index=names, name="estimate", dtype=float)
        self.covariance_ = pd.DataFrame(covariance, index=names, columns=names, dtype=float)
        self.standard_errors_ = pd.Series(np.sqrt(np.diag(covariance)), index=names, name="std_error")
        self.log_likelihood_ = float(log_likelihood)
        self.n_customers_ = n_customers
        self.time_unit_ = time_unit
        self.converged_ = converged
        self.n_iterations_ = n_iterations
        self.fit_seconds_ = fit_seconds
        self.fitted_at_ = fitted_at

    # ------------------------------------------------------------------ fitting
    def fit(
        self,
        data: pd.DataFrame,
        *,
        weights: np.ndarray | pd.Series | str | None = None,
        initial_params: Mapping[str, float] | None = None,
    ) -> Self:
        """Fit the model by maximum likelihood.

        The optimizer (L-BFGS-B with the analytic gradient) works on the unconstrained scale (log for
        positive parameters, logit for probabilities) from a data-driven starting point. Identical rows are
        collapsed into weights first, so the cost grows with the number of distinct rows. Standard errors
        come from the observed information matrix (central differences of the analytic gradient on the
        unconstrained scale), mapped back with the delta method.

        Parameters
        ----------
        data : pandas.DataFrame
            A summary table (see the model's docstring for its columns).
        weights : array-like, pandas.Series or str, optional
            How many customers each row stands for (compressed data): an array aligned to the rows, a
            Series aligned to the index, or the name of a column of ``data``.
        initial_params : mapping, optional
            Starting values by parameter name (all or some); the rest start at the default.

        Returns
        -------
        self

        Raises
        ------
        DataValidationError
            If the data or weights are invalid.
        ConvergenceError
            If the optimizer fails; the message says what to try.
        """
        if not (np.isfinite(self.penalizer) and self.penalizer >= 0):
            raise ValueError(f"penalizer must be a finite number >= 0; got {self.penalizer!r}.")
        start_clock = time.perf_counter()
        arrays, mask = self._arrays(data)
        w = _resolve_weights(data, weights)[mask]
        arrays, w = _compress(arrays, w)
        total_w = float(w.sum())
        if total_w <= 0:
            raise DataValidationError(f"{type(self).__name__}.fit needs at least one row with a positive weight.")
        theta0 = self._initial_params(arrays, w)
        if not initial_params and len(w) > _WARM_START_ROWS:
            theta0 = self._warm_start(arrays, w, theta0)
        if initial_params:
            for i, name in enumerate(self.param_names()):
                if name in initial_params:
                    theta0[i] = float(initial_params[name])
        u0 = self._to_u(theta0)
        prepared = self._prepare(arrays, w)

        def objective(u: np.ndarray) -> tuple[float, np.ndarray]:
            theta = self._to_theta(u)
            ll_sum, grad_sum = self._weighted_loglik_and_grad(theta, prepared)
            value = -ll_sum / total_w + self.penalizer * float(theta @ theta)
            g_theta = -grad_sum / total_w + 2.0 * self.penalizer * theta
            return value, g_theta * self._jac(theta)

        with np.errstate(all="ignore"):
            value0, _ = objective(u0)
        if not np.isfinite(value0):
            raise ConvergenceError(
                f"{type(self).__name__}: the log-likelihood is not finite at the starting values "
                f"{dict(zip(self.param_names(), theta0))}."
            )
        bounds = [(-_U_BOUND, _U_BOUND)] * len(u0)
        options = {"maxiter": int(self.max_iterations), "ftol": 1e-13, "gtol": 1e-9, "maxcor": 20}
        with np.errstate(all="ignore"):
            res = optimize.minimize(objective, u0, jac=True, method="L-BFGS-B", bounds=bounds, options=options)
            if not res.success:  # one restart from where it stopped usually finishes a line-search stall
                res = optimize.minimize(objective, res.x, jac=True, method="L-BFGS-B", bounds=bounds, options=options)
        grad_norm = float(np.max(np.abs(res.jac))) if res.jac is not None else np.inf
        if not np.all(np.isfinite(res.x)) or not np.isfinite(res.fun) or (not res.success and grad_norm > 1e-5):
            raise ConvergenceError(
                f"{type(self).__name__} did not converge ({res.message}; largest gradient {grad_norm:.3g}).",
                result=res,
            )
        at_edge = [n for n, u in zip(self.param_names(), res.x) if abs(u) > _U_BOUND - 1.0]
        if at_edge:
            warnings.warn(
                f"{type(self).__name__}: parameter(s) {', '.join(at_edge)} ran to the edge of their domain; "
                "the data may not identify them (try a penalizer, or a simpler model).",
                PyCLVWarning,
                stacklevel=2,
            )
        theta = self._to_theta(res.x)
        covariance = self._covariance(res.x, prepared, total_w)
        with np.errstate(all="ignore"):
            log_likelihood = float(w @ self._loglik(theta, *arrays))
        n_customers: float = int(round(total_w)) if np.allclose(w, np.round(w)) else total_w
        self._set_fitted(
            theta=theta,
            covariance=covariance,
            log_likelihood=log_likelihood,
            n_customers=n_customers,
            time_unit=None if data.attrs.get("time_unit") is None else check_time_unit(data.attrs["time_unit"]),
            converged=True,
            n_iterations=int(res.nit),
            fit_seconds=time.perf_counter() - start_clock,
            fitted_at=_dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        )
        return self

    def _warm_start(self, arrays: tuple[np.ndarray, ...], w: np.ndarray, theta0: np.ndarray) -> np.ndarray:
        """Starting values from a quick fit on a random subset of the rows (same weights' total share), so the
        full fit needs only a few iterations; the default start if that fit fails. The optimum, and so the
        result, is the full data's either way."""
        rows = np.random.default_rng(0).choice(len(w), _WARM_START_SUBSET, replace=False)
        sub_w = w[rows]
        sub = self._prepare(tuple(a[rows] for a in arrays), sub_w)
        total = float(sub_w.sum())

        def objective(u: np.ndarray) -> tuple[float, np.ndarray]:
            theta = self._to_theta(u)
            ll_sum, grad_sum = self._weighted_loglik_and_grad(theta, sub)
            return -ll_sum / total, -grad_sum / total * self._jac(theta)

        bounds = [(-_U_BOUND, _U_BOUND)] * len(theta0)
        with np.errstate(all="ignore"):
            res = optimize.minimize(objective, self._to_u(theta0), jac=True, method="L-BFGS-B", bounds=bounds,
                                    options={"maxiter": 200, "ftol": 1e-10})
        theta = self._to_theta(res.x)
        return theta if np.all(np.isfinite(theta)) and np.isfinite(res.fun) else theta0

    def _to_u(self, theta: np.ndarray) -> np.ndarray:
        return np.array([p.to_unconstrained(v) for p, v in zip(self._params, theta)], dtype=float)

    def _to_theta(self, u: np.ndarray) -> np.ndarray:
        return np.array([p.to_natural(v) for p, v in zip(self._params, u)], dtype=float)

    def _jac(self, theta: np.ndarray) -> np.ndarray:
        return np.array([p.jacobian(v) for p, v in zip(self._params, theta)], dtype=float)

    def _covariance(self, u: np.ndarray, prepared: Any, total_w: float) -> np.ndarray:
        """Inverse observed information on the natural scale (delta method from the unconstrained scale)."""
        k = len(u)

        def grad_u(u_: np.ndarray) -> np.ndarray:
            theta = self._to_theta(u_)
            g = -self._weighted_loglik_and_grad(theta, prepared)[1] + 2.0 * self.penalizer * total_w * theta
            return g * self._jac(theta)

        hessian = np.empty((k, k))
        with np.errstate(all="ignore"):
            for i in range(k):
                h = 1e-5 * max(1.0, abs(u[i]))
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
                f"{type(self).__name__}: the observed information matrix is singular or not positive definite; "
                "standard errors are NaN (the data may not identify every parameter).",
                PyCLVWarning,
                stacklevel=3,
            )
            return np.full((k, k), np.nan)
        jac = self._jac(self._to_theta(u))
        return cov_u * np.outer(jac, jac)

    # ------------------------------------------------------------------ results
    def _check_fitted(self) -> None:
        if not hasattr(self, "params_"):
            raise NotFittedError(
                f"This {type(self).__name__} is not fitted yet: call fit(data) or build it with "
                f"{type(self).__name__}.from_params(...)."
            )

    def _check_time_unit_of(self, data: pd.DataFrame, column: str) -> None:
        """Refuse data whose recorded time unit differs from the model's (pyclv never rescales time)."""
        unit = data.attrs.get("time_unit")
        if unit is not None and self.time_unit_ is not None and unit != self.time_unit_:
            raise DataValidationError(
                f"The data are in time unit {unit!r} but the model was fitted in {self.time_unit_!r}; rebuild them "
                f"in {self.time_unit_!r} (e.g. rfm_summary(..., time_unit={self.time_unit_!r})). pyclv never "
                "rescales time silently.",
                column=column,
            )

    @property
    def _theta(self) -> np.ndarray:
        self._check_fitted()
        return self.params_.to_numpy()

    def conf_int(self, alpha: float = 0.05) -> pd.DataFrame:
        """Wald ``1 - alpha`` confidence intervals, computed on the unconstrained scale and mapped back.

        Returns a DataFrame with columns ``lower`` and ``upper`` indexed by parameter (NaN where the
        covariance is unknown, e.g. for a model built with ``from_params``).
        """
        self._check_fitted()
        if not 0.0 < alpha < 1.0:
            raise ValueError(f"alpha must be in (0, 1); got {alpha!r}.")
        theta = self._theta
        jac = self._jac(theta)
        se_u = self.standard_errors_.to_numpy() / jac
        z = stats.norm.ppf(1.0 - alpha / 2.0)
        u = self._to_u(theta)
        lower = np.array([p.to_natural(v) for p, v in zip(self._params, u - z * se_u)])
        upper = np.array([p.to_natural(v) for p, v in zip(self._params, u + z * se_u)])
        return pd.DataFrame({"lower": lower, "upper": upper}, index=self.params_.index)

    @property
    def aic(self) -> float:
        """Akaike's information criterion, ``2k - 2 LL``."""
        self._check_fitted()
        return 2.0 * len(self._params) - 2.0 * self.log_likelihood_

    @property
    def bic(self) -> float:
        """Bayesian information criterion, ``k log(n) - 2 LL`` with n the number of customers."""
        self._check_fitted()
        n = float(self.n_customers_)
        return len(self._params) * np.log(n) - 2.0 * self.log_likelihood_ if n > 0 else np.nan

    def summary(self, alpha: float = 0.05) -> ModelSummary:
        """Parameter estimates, standard errors, ``1 - alpha`` intervals and LL, AIC, BIC, n."""
        ci = self.conf_int(alpha)
        table = pd.DataFrame(
            {
                "estimate": self.params_,
                "std_error": self.standard_errors_,
                "lower": ci["lower"],
                "upper": ci["upper"],
            }
        )
        stats_ = {
            "log_likelihood": self.log_likelihood_,
            "aic": self.aic,
            "bic": self.bic,
            "n_customers": self.n_customers_,
            "time_unit": self.time_unit_,
            "converged": self.converged_,
        }
        return ModelSummary(type(self).__name__, table, stats_)

    def __repr__(self) -> str:
        if not hasattr(self, "params_"):
            return f"{type(self).__name__}(penalizer={self.penalizer!r}, max_iterations={self.max_iterations!r})"
        params = ", ".join(f"{k}={v:.4g}" for k, v in self.params_.items())
        return f"{type(self).__name__}({params}, time_unit={self.time_unit_!r})"

    # ------------------------------------------------------------------ persistence
    def to_dict(self) -> dict[str, Any]:
        """The model as a JSON-ready dict (see :func:`pyclv.io.save_model`)."""
        self._check_fitted()
        from pyclv import __version__

        cov = self.covariance_.to_numpy()
        return {
            "model_type": type(self).__name__,
            "settings": {"penalizer": self.penalizer, "max_iterations": self.max_iterations},
            "params": {k: float(v) for k, v in self.params_.items()},
            "covariance": [[None if not np.isfinite(c) else float(c) for c in row] for row in cov],
            "log_likelihood": None if not np.isfinite(self.log_likelihood_) else self.log_likelihood_,
            "n_customers": self.n_customers_,
            "time_unit": self.time_unit_,
            "converged": self.converged_,
            "n_iterations": self.n_iterations_,
            "fit_seconds": self.fit_seconds_,
            "fitted_at": self.fitted_at_,
            "pyclv_version": __version__,
        }

    @classmethod
    def from_dict(cls, spec: Mapping[str, Any]) -> BaseModel:
        """Rebuild a model from :meth:`to_dict` output, refusing unknown types or malformed fields."""
        if not isinstance(spec, Mapping):
            raise ModelFormatError(f"A model entry must be a JSON object; got {type(spec).__name__}.")
        model_type = spec.get("model_type")
        if model_type not in model_registry:
            known = ", ".join(sorted(model_registry))
            raise ModelFormatError(f"Unknown model type {model_type!r}; this pyclv knows: {known}.")
        klass = model_registry[model_type]
        try:
            names = klass.param_names()
            theta = np.array([float(spec["params"][n]) for n in names])
            cov = np.array(
                [[np.nan if c is None else float(c) for c in row] for row in spec["covariance"]], dtype=float
            ).reshape(len(names), len(names))
            bad = [p.name for p, v in zip(klass._params, theta) if not p.contains(float(v))]
            if bad:
                raise ValueError(f"parameter(s) {', '.join(bad)} outside their domain")
            model = klass(**dict(spec.get("settings", {})))
            ll = spec.get("log_likelihood")
            time_unit = spec.get("time_unit")
            model._set_fitted(
                theta=theta,
                covariance=cov,
                log_likelihood=np.nan if ll is None else float(ll),
                n_customers=spec.get("n_customers", 0),
                time_unit=None if time_unit is None else check_time_unit(time_unit),
                converged=bool(spec.get("converged", True)),
                n_iterations=int(spec.get("n_iterations", 0)),
                fit_seconds=float(spec.get("fit_seconds", 0.0)),
                fitted_at=spec.get("fitted_at"),
            )
        except (AttributeError, KeyError, TypeError, ValueError) as exc:
            raise ModelFormatError(f"The {model_type} entry of the model file is malformed: {exc}.") from exc
        return model

    def save(self, path: str | Path) -> None:
        """Write the model as versioned JSON (atomically); read it back with :func:`pyclv.load_model`."""
        from pyclv.io import save_model

        save_model(self, path)


def _resolve_weights(data: pd.DataFrame, weights: np.ndarray | pd.Series | str | Sequence[float] | None) -> np.ndarray:
    """Weights as a float64 array aligned to the rows of ``data``, validated."""
    n = len(data)
    if weights is None:
        return np.ones(n)
    name = "weights"
    if isinstance(weights, str):
        if weights not in data.columns:
            raise DataValidationError(
                f"weights={weights!r} names no column of the data (columns: {', '.join(map(str, data.columns))}).",
                column=weights,
            )
        name = weights
        values = data[weights]
    elif isinstance(weights, pd.Series):
        if not weights.index.equals(data.index):
            if not weights.index.is_unique or not data.index.isin(weights.index).all():
                raise DataValidationError(
                    "The weights Series must be indexed like the data (one weight per customer id).",
                    column=name,
                )
            weights = weights.reindex(data.index)
        values = weights
    else:
        values = weights
    arr = pd.to_numeric(pd.Series(np.asarray(values).ravel()), errors="coerce").to_numpy(dtype=float)
    if arr.shape[0] != n:
        raise DataValidationError(f"weights has {arr.shape[0]} values for {n} rows of data.", column=name)
    bad = ~np.isfinite(arr) | (arr < 0)
    if bad.any():
        raise DataValidationError(
            f"Column {name!r}: {int(bad.sum())} weight(s) are missing, non-numeric, infinite or negative; "
            "weights must be finite counts >= 0.",
            column=name,
            n_rows=int(bad.sum()),
        )
    return arr


def _compress(arrays: tuple[np.ndarray, ...], w: np.ndarray) -> tuple[tuple[np.ndarray, ...], np.ndarray]:
    """Collapse identical rows of ``arrays`` into one row each, summing their weights; drop zero weights."""
    keep = w > 0
    if not keep.all():
        arrays = tuple(a[keep] for a in arrays)
        w = w[keep]
    n = len(w)
    if n > 50_000:
        # Collapsing pays when rows repeat (frequency, recency, T on a daily grid); with continuous columns
        # (average spend) nearly every row is distinct: judge from a sample before grouping everything.
        sample = np.random.default_rng(0).choice(n, 10_000, replace=False)
        distinct_sample, _ = unique_rows(tuple(a[sample] for a in arrays))
        if len(distinct_sample[0]) > 9_000:
            return arrays, w
    distinct, inverse = unique_rows(arrays)
    return distinct, np.bincount(inverse, weights=w, minlength=len(distinct[0]))
