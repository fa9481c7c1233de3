"""The base class of every pyclv model: the scikit-learn estimator contract over the shared pieces.

A model declares its parameters and their domains as data (:class:`~pyclv.models._params.Param`), its
mathematics as a table of pure functions (:mod:`pyclv.models._functions`) and how it reads its data; it
inherits fitting (:mod:`pyclv.models._mle`), the summary (:mod:`pyclv.models._summary`) and persistence
(:mod:`pyclv._artifact`).

**The public prediction contract.** What valuation and intervals use, the same for every model:

* ``model.history(data)``: the customers' validated columns as a :class:`~pyclv.models._history.History`
  (index + named arrays), refusing data in another time unit;
* ``model.theta``: the fitted parameter vector (natural scale, in ``param_names()`` order);
* ``model.to_unconstrained(theta)``, ``model.to_natural(u)``, ``model.jacobian(theta)``: the mapping to the
  log/logit scale on which the estimator is asymptotically normal, and its derivative;
* ``model.covariance_``, ``model.get_params()``: the covariance of ``theta`` and the constructor settings;
* evaluation at any parameter vector (one per draw), named ``*_at(theta, history, ...)``: transaction models
  ``p_alive_at``, ``expected_purchases_at``, ``discounted_purchases_at``, ``dert_at`` and, for factorised
  models, ``expected_purchases_if_alive_at`` and ``discounted_if_alive_at``; Gamma-Gamma
  ``expected_spend_at``; sBG ``p_alive_at`` and ``derl_at``.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import functools
import numbers
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, ClassVar, Literal, Self

import numpy as np
import pandas as pd

from pyclv import _artifact
from pyclv._format import format_number
from pyclv._time import check_time_unit
from pyclv._validation import resolve_weights, warn
from pyclv._validation.summaries import check_time_unit_of
from pyclv.exceptions import CovariatesNotSupportedError, DataValidationError, NotFittedError
from pyclv.models import _covariates, _mle
from pyclv.models._covariates import Layout, Link
from pyclv.models._design import Encoding, encode
from pyclv.models._functions import ModelFunctions
from pyclv.models._history import History
from pyclv.models._identification import Mixing, describe
from pyclv.models._params import Param, jacobian, to_natural, to_unconstrained
from pyclv.models._summary import ModelSummary, likelihood_ratio_test, wald_intervals

__all__ = ["BaseModel"]


class _class_or_instance:  # noqa: N801 - used as a decorator, like classmethod
    """A method that receives the class when called on it, and the instance when called on one.

    Like ``classmethod``, but an instance with parameters of its own (a fitted model with covariates) answers for
    itself.
    """

    def __init__(self, function: Callable[[Any], Any]) -> None:
        self.function = function
        functools.update_wrapper(self, function)  # type: ignore[arg-type]

    def __get__(self, instance: object, owner: type) -> Callable[[], Any]:
        bound = functools.partial(self.function, owner if instance is None else instance)
        return functools.update_wrapper(bound, self.function)


class BaseModel:
    """Base class of pyclv's models (the scikit-learn estimator contract).

    Subclasses set ``_params`` (a tuple of :class:`Param`) and ``_functions`` (their mathematics), and
    implement ``_arrays`` (validated arrays for the fit and a mask of the rows used) and :meth:`history`.

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
    _functions: ClassVar[ModelFunctions]
    #: The model's mixing distributions, for the words of the warning on an unidentified fit.
    _mixings: ClassVar[tuple[Mixing, ...]] = ()
    #: The processes covariates can act on (e.g. ``("purchase", "dropout")``), and the parameters each scales.
    _processes: ClassVar[tuple[str, ...]] = ()
    _links: ClassVar[tuple[Link, ...]] = ()
    #: A fitted model with covariates: its coefficients (None without covariates).
    _layout: Layout | None = None

    def __init__(self, *, penalizer: float = 0.0, max_iterations: int = 2000) -> None:
        self.penalizer = penalizer
        self.max_iterations = max_iterations

    def _data_columns(self) -> tuple[str, ...]:
        """The summary columns the model's likelihood reads (not covariates)."""
        return tuple(getattr(self, "columns", ()))

    def _set_covariate_settings(
        self, covariates: Mapping[str, Any], constrained: Any = None, penalty: Any = 0.0
    ) -> None:
        """Store the covariate settings of a model that takes them (called by its ``__init__``)."""
        for process in self._processes:
            setattr(self, f"{process}_covariates", covariates.get(process))
        if len(self._processes) > 1:
            self.constrained_covariates = constrained
        self.covariate_penalty = penalty

    def _covariate_settings(self) -> dict[str, Any]:
        settings = {f"{p}_covariates": getattr(self, f"{p}_covariates", None) for p in self._processes}
        if len(self._processes) > 1:
            settings["constrained_covariates"] = getattr(self, "constrained_covariates", None)
        if self._processes:
            settings["covariate_penalty"] = getattr(self, "covariate_penalty", 0.0)
        return settings

    @property
    def has_covariates(self) -> bool:
        """Whether the model has covariates (any ``*_covariates`` setting names a column)."""
        return any(_covariates.named(getattr(self, f"{p}_covariates", None)) for p in self._processes)

    # ------------------------------------------------------------------ what subclasses provide
    def _arrays(self, data: pd.DataFrame) -> tuple[tuple[np.ndarray, ...], np.ndarray]:
        """Validated float64 arrays for the likelihood and a boolean mask of the rows used."""
        raise NotImplementedError

    def history(self, data: pd.DataFrame) -> History:
        """The customers' validated columns, as the model's predictions read them.

        Parameters
        ----------
        data : pandas.DataFrame
            The model's data (see its docstring for the columns).

        Returns
        -------
        History
            The index and one array per column of the model.

        Raises
        ------
        NotFittedError
            If the model is not fitted.
        DataValidationError
            If the data are invalid or in another time unit than the model's.
        """
        raise NotImplementedError

    # ------------------------------------------------------------------ parameters and settings
    @_class_or_instance
    def param_names(owner: Any) -> tuple[str, ...]:  # noqa: N805 - the class, or a fitted model with covariates
        """The model's parameter names, in order (a fitted model with covariates: its coefficients' too).

        Returns
        -------
        tuple of str
        """
        return tuple(p.name for p in owner._params)

    @_class_or_instance
    def parameters(owner: Any) -> tuple[Param, ...]:  # noqa: N805 - the class, or a fitted model with covariates
        """The model's parameters with their domains, in order (a fitted model with covariates: its coefficients' too).

        Returns
        -------
        tuple of Param
        """
        return tuple(owner._params)

    @classmethod
    def parameters_for(cls, settings: Mapping[str, Any], encodings: tuple[Encoding, ...] = ()) -> tuple[Param, ...]:
        """The parameters of a model of this class with the given settings and covariate encodings.

        Parameters
        ----------
        settings : mapping
            Constructor settings (:meth:`get_params`).
        encodings : tuple of Encoding, optional
            For a model with covariates, how its covariate columns are encoded.

        Returns
        -------
        tuple of Param
            The model's own parameters, then the coefficients of its covariates.
        """
        model = cls(**dict(settings))
        if not model.has_covariates:
            if encodings:
                raise ValueError("the covariates field describes covariates that the settings do not name")
            return cls._params
        per_process, shared, lambdas = model._checked_covariate_settings()
        expected = list(dict.fromkeys(name for names in per_process.values() for name in names))
        if [enc.name for enc in encodings] != expected:
            raise ValueError(
                f"the covariates field must hold one encoding for each covariate column of the settings, in order "
                f"({', '.join(expected)}); it holds {', '.join(enc.name for enc in encodings) or 'none'}"
            )
        return _covariates.layout(cls._params, cls._links, per_process, shared, lambdas, encodings).params

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The constructor settings (scikit-learn's meaning), e.g. to build an unfitted copy.

        Parameters
        ----------
        deep : bool, default True
            Accepted for scikit-learn compatibility (pyclv models hold no sub-estimators).

        Returns
        -------
        dict
            ``penalizer`` and ``max_iterations``, and the covariate settings of models that take them.
        """
        return {"penalizer": self.penalizer, "max_iterations": self.max_iterations, **self._covariate_settings()}

    @property
    def theta(self) -> np.ndarray:
        """The fitted parameter vector (natural scale, ``param_names()`` order); NotFittedError if unfitted."""
        self.check_fitted()
        return self.params_.to_numpy()

    def to_unconstrained(self, theta: np.ndarray) -> np.ndarray:
        """Map parameter vectors (last axis) to the log/logit scale.

        Parameters
        ----------
        theta : numpy.ndarray
            Natural parameters.

        Returns
        -------
        numpy.ndarray
        """
        return to_unconstrained(self._params, theta)

    def to_natural(self, u: np.ndarray) -> np.ndarray:
        """Map unconstrained vectors (last axis) back to the natural scale.

        Parameters
        ----------
        u : numpy.ndarray
            Unconstrained parameters.

        Returns
        -------
        numpy.ndarray
        """
        return to_natural(self._params, u)

    def jacobian(self, theta: np.ndarray) -> np.ndarray:
        """d(natural) / d(unconstrained) at ``theta``, per parameter.

        Parameters
        ----------
        theta : numpy.ndarray
            Natural parameters.

        Returns
        -------
        numpy.ndarray
        """
        return jacobian(self._params, theta)

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_params(cls, *, time_unit: str | None = None, **params: float) -> Self:
        """Build a ready-to-predict model from known parameter values.

        For published values, what-if analysis and tests. ``time_unit`` (``"D"`` or ``"W"``) is optional;
        what needs it, such as an annual discount rate, says so when it is missing.

        Parameters
        ----------
        time_unit : str, optional
            The time unit the parameters are in.
        **params : float
            Every parameter by name.

        Returns
        -------
        BaseModel
            A model of this class, without covariance.

        Raises
        ------
        DataValidationError
            If a parameter is missing, unknown, not a number, or outside the domain where the model's expectations
            are defined (the message names it).
        """
        names = cls.param_names()
        missing = [n for n in names if n not in params]
        unknown = [n for n in params if n not in names]
        if missing or unknown:
            raise DataValidationError(
                f"{cls.__name__}.from_params needs exactly the parameters {', '.join(names)}; "
                f"missing: {missing or 'none'}, unknown: {unknown or 'none'}.",
                column=(missing or unknown)[0],
            )
        values: dict[str, float] = {}
        for p in cls._params:
            value = params[p.name]
            number = isinstance(value, numbers.Real) and not isinstance(value, bool)
            if not (number and p.contains(float(value))):
                raise DataValidationError(
                    f"{cls.__name__} parameter {p.name} must be a finite number {p.describe_domain()}; got {value!r}.",
                    column=p.name,
                )
            values[p.name] = float(value)
        cls._check_param_values(values)
        theta = np.array([values[n] for n in names])
        return cls.from_estimates(theta=theta, covariance=np.full((len(names), len(names)), np.nan),
                                  time_unit=time_unit)

    @classmethod
    def _check_param_values(cls, values: dict[str, float]) -> None:
        """Constraints of given parameters beyond their domains (a model whose expectations need them overrides)."""

    @classmethod
    def from_estimates(
        cls,
        *,
        theta: np.ndarray,
        covariance: np.ndarray,
        settings: Mapping[str, Any] | None = None,
        log_likelihood: float = np.nan,
        n_customers: float = 0,
        time_unit: str | None = None,
        converged: bool = True,
        n_iterations: int = 0,
        fit_seconds: float = 0.0,
        fitted_at: str | None = None,
        encodings: tuple[Encoding, ...] = (),
        null_log_likelihood: float = np.nan,
    ) -> Self:
        """A fitted model from its estimates and fit record (what a saved artifact holds).

        Parameters
        ----------
        theta : numpy.ndarray
            The parameter values, in ``param_names()`` order.
        covariance : numpy.ndarray
            Their k x k covariance (NaN where unknown).
        settings : mapping, optional
            Constructor settings (:meth:`get_params`).
        log_likelihood, n_customers, time_unit, converged, n_iterations, fit_seconds, fitted_at
            The fit's record (see the fitted attributes).
        encodings : tuple of Encoding, optional
            For a model with covariates: how its covariate columns were encoded (``covariate_encodings_``).
        null_log_likelihood : float, optional
            For a model with covariates: the log-likelihood of the same model without them on the same data.

        Returns
        -------
        BaseModel
        """
        model = cls(**dict(settings or {}))
        if model.has_covariates:
            model._set_layout(_covariates.layout(
                cls._params, cls._links, *model._checked_covariate_settings(), encodings
            ))
            model.null_log_likelihood_ = float(null_log_likelihood)
        model._set_fitted(
            theta=np.asarray(theta, dtype=float), covariance=np.asarray(covariance, dtype=float),
            log_likelihood=log_likelihood, n_customers=n_customers,
            time_unit=None if time_unit is None else check_time_unit(time_unit), converged=converged,
            n_iterations=n_iterations, fit_seconds=fit_seconds, fitted_at=fitted_at,
        )
        return model

    def _checked_covariate_settings(
        self,
    ) -> tuple[dict[str, tuple[str, ...]], tuple[str, ...], dict[str, float]]:
        return _covariates.check_settings(
            type(self).__name__, self._processes,
            {p: getattr(self, f"{p}_covariates", None) for p in self._processes},
            getattr(self, "constrained_covariates", None), getattr(self, "covariate_penalty", 0.0),
        )

    def _set_layout(self, layout: Layout) -> None:
        """The coefficients of a model with covariates: its parameters become the base ones and those."""
        self._layout = layout
        self._params = layout.params  # type: ignore[misc]  # this model's own parameters, coefficients included
        self.covariate_encodings_ = layout.encodings

    def _set_fitted(
        self, *, theta: np.ndarray, covariance: np.ndarray, log_likelihood: float, n_customers: float,
        time_unit: str | None, converged: bool, n_iterations: int, fit_seconds: float, fitted_at: str | None,
    ) -> None:
        names = pd.Index([p.name for p in self._params], name="parameter")
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
    def _totals(self, theta: np.ndarray, prepared: Any) -> tuple[float, np.ndarray]:
        if self._functions.totals is not None:
            return self._functions.totals(theta, prepared)
        if self._functions.hessian_totals is not None:  # the same pass, Hessian dropped
            total, gradient, _ = self._functions.hessian_totals(theta, prepared)
            return total, gradient
        arrays, w = prepared
        return float(w @ self._functions.loglik(*theta, *arrays)), w @ self._functions.loglik_grad(*theta, *arrays)

    def _prepare(self, arrays: tuple[np.ndarray, ...], w: np.ndarray) -> Any:
        return (arrays, w) if self._functions.prepare is None else self._functions.prepare(arrays, w)

    def fit(
        self,
        data: pd.DataFrame,
        *,
        weights: np.ndarray | pd.Series | str | None = None,
        initial_params: Mapping[str, float] | None = None,
    ) -> Self:
        """Fit the model by maximum likelihood.

        The optimizer works on the unconstrained scale (log for positive parameters, logit for probabilities)
        from a data-driven starting point (for large data, a quick fit on a random subset). Models with the
        Hessian in closed form (BG/NBD, MBG/NBD, Pareto/NBD, Gamma-Gamma) are fitted by Newton's method in a
        trust region, a handful of passes over the data through compiled kernels, and their standard errors
        come from that Hessian; the others, and any fit where Newton's method stops short, by L-BFGS-B with the
        analytic gradient, with the Hessian from central differences of the gradient. Either way the observed
        information is mapped back with the delta method. Identical rows are collapsed into weights first for
        small data, and for large data where the model has no compiled kernel.

        A model with covariates (see :mod:`pyclv.models._covariates`) is first fitted without them (its
        ``null_log_likelihood_``, the start of the full fit and the reference of :meth:`likelihood_ratio_test`);
        the covariate columns' encodings are learnt from ``data`` and kept for predictions
        (``covariate_encodings_``), and the likelihood is summed over the groups of customers with equal
        covariates, each through the model's compiled kernel at the group's parameters.

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
            If the data or weights are invalid, or a covariate setting or column is (the message names it).
        ConvergenceError
            If the optimizer fails; the message says what to try.
        """
        if not (np.isfinite(self.penalizer) and self.penalizer >= 0):
            raise ValueError(f"penalizer must be a finite number >= 0; got {self.penalizer!r}.")
        start_clock = time.perf_counter()
        if self._processes:
            settings = self._checked_covariate_settings()  # before the data: a wrong setting is said first
        arrays, mask = self._arrays(data)
        weights_used = resolve_weights(data, weights)[mask]
        if not float(weights_used.sum()) > 0:
            raise DataValidationError(f"{type(self).__name__}.fit needs at least one row with a positive weight.")
        if self.has_covariates:
            base = self._fit_arrays(type(self)._params, arrays, weights_used, None, self.penalizer)
            # the covariates of the customers that count: a level seen only with weight 0 gets no coefficient
            keep = weights_used > 0
            customers = data.iloc[np.flatnonzero(mask)[keep]]
            _covariates.refuse_model_columns(settings[0], self._data_columns())
            layout = _covariates.learn_layout(customers, type(self)._params, self._links, *settings)
            _covariates.refuse_levels_outside(data, customers, layout)
            self._set_layout(layout)
            start = np.concatenate([base.theta, np.zeros(len(layout.names))])
            penalty = np.concatenate([np.full(len(layout.base), float(self.penalizer)), layout.penalties])
            z = encode(customers, layout.encodings)
            result = self._fit_strata(layout, z, tuple(a[keep] for a in arrays), weights_used[keep], start,
                                      initial_params, penalty)
            self.null_log_likelihood_ = base.log_likelihood
        else:
            result = self._fit_arrays(self._params, arrays, weights_used, initial_params, self.penalizer)
        total_w = float(weights_used.sum())
        w_whole = weights is None or np.allclose(weights_used, np.round(weights_used))
        unit = data.attrs.get("time_unit")
        self._set_fitted(
            theta=result.theta,
            covariance=result.covariance,
            log_likelihood=result.log_likelihood,
            n_customers=int(round(total_w)) if w_whole else total_w,
            time_unit=None if unit is None else check_time_unit(unit),
            converged=result.converged,
            n_iterations=result.n_iterations,
            fit_seconds=time.perf_counter() - start_clock,
            fitted_at=_dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        )
        if result.flagged:
            values = dict(zip(self.params_.index, result.theta.tolist(), strict=True))
            warn(describe(type(self).__name__, result.flagged, values, self._mixings))
        return self

    def _fit_arrays(
        self, params: tuple[Param, ...], arrays: tuple[np.ndarray, ...], weights: np.ndarray,
        initial_params: Mapping[str, float] | None, penalizer: float,
    ) -> _mle.FitResult:
        """The maximum-likelihood fit of the model without covariates to validated arrays and weights."""
        arrays, w = _mle.compress(arrays, weights, group=self._functions.compress_rows)
        theta0 = np.asarray(self._functions.initial_params(arrays, w), dtype=float)
        if not initial_params and len(w) > _mle.WARM_START_ROWS:
            theta0 = _mle.warm_start(params, self._prepare, self._totals, arrays, w, theta0,
                                     self._functions.hessian_totals)
        for i, p in enumerate(params):
            if initial_params and p.name in initial_params:
                theta0[i] = float(initial_params[p.name])
        return _mle.maximise(type(self).__name__, params, self._totals, self._prepare(arrays, w), theta0,
                             total_w=float(w.sum()), penalizer=penalizer, max_iterations=self.max_iterations,
                             hessian_totals=self._functions.hessian_totals)

    def _fit_strata(
        self, layout: Layout, z: np.ndarray, arrays: tuple[np.ndarray, ...], weights: np.ndarray,
        start: np.ndarray, initial_params: Mapping[str, float] | None, penalty: np.ndarray,
    ) -> _mle.FitResult:
        """The fit with covariates: the likelihood summed over the strata of customers with equal covariates."""
        if self._functions.hessian_totals is None:
            raise TypeError(f"{type(self).__name__} takes no covariates (its likelihood has no closed-form Hessian).")
        strata = _covariates.strata(z)
        _covariates.check_identified(layout, strata)
        _covariates.warn_many_strata(layout, strata)
        functions = self._functions
        assert functions.hessian_totals is not None  # checked above
        if functions.prepare_strata is not None and functions.strata_totals is not None:
            codes = strata.inverse.astype(float)
            (codes, *rows), w = _mle.compress((codes, *arrays), weights, group=functions.compress_rows)
            strata_totals = functions.strata_totals
            prepared: Any = functions.prepare_strata(tuple(rows), w, codes.astype(np.int64), len(strata.rows))
        else:
            prepared = []
            for members in strata.members():
                sub, w = _mle.compress(tuple(a[members] for a in arrays), weights[members],
                                       group=functions.compress_rows)
                prepared.append(self._prepare(sub, w))
            strata_totals = _covariates.per_stratum_totals(functions.hessian_totals, prepared)
        k = len(layout.base)
        # the optimiser's scale: numeric covariates centred (unless the base parameters are penalised) and scaled
        scaled = _covariates.Standardisation.of(layout, z, weights, centred=not np.any(penalty[:k] > 0))
        totals = _covariates.hessian_totals(strata_totals, prepared, layout.loadings(scaled.apply(strata.rows)), k)
        known = {p.name for p in layout.params}
        unknown = sorted(set(initial_params or {}) - known)
        if unknown:
            raise DataValidationError(
                f"initial_params names {unknown[0]!r}, which is not a parameter of this model (its parameters: "
                f"{', '.join(sorted(known))}).", column="initial_params",
            )
        for i, p in enumerate(layout.params):
            if initial_params and p.name in initial_params:
                start[i] = float(initial_params[p.name])
        result = _mle.maximise(
            type(self).__name__, layout.params, lambda theta, _: totals(theta, None)[:2], None,
            scaled.to_fit(layout, start), total_w=float(weights.sum()),
            penalizer=np.concatenate([penalty[:k], scaled.penalties(layout)]), max_iterations=self.max_iterations,
            hessian_totals=totals,
        )
        theta, covariance = scaled.from_fit(layout, result.theta, result.covariance)
        return dataclasses.replace(result, theta=theta, covariance=covariance)

    # ------------------------------------------------------------------ results
    def check_fitted(self) -> None:
        """Raise :class:`NotFittedError` unless the model is fitted (or built with :meth:`from_params`).

        Returns
        -------
        None
        """
        if not hasattr(self, "params_"):
            raise NotFittedError(
                f"This {type(self).__name__} is not fitted yet: call fit(data) or build it with "
                f"{type(self).__name__}.from_params(...)."
            )

    def _per_stratum(self, data: pd.DataFrame, call: Callable[[Self, pd.DataFrame], pd.Series]) -> pd.Series:
        """``call`` on the model without covariates of each group of customers with equal covariates."""
        self.check_data(data)
        return _covariates.per_stratum(self, data, call)  # type: ignore[arg-type]

    def check_data(self, data: pd.DataFrame) -> None:
        """Check ``data`` as the model's predictions read it, every rule at once (covariates aside).

        A model with covariates predicts group by group; its data are checked whole first, so that an error
        counts every bad row, as for a model without covariates.

        Parameters
        ----------
        data : pandas.DataFrame
            The customers to predict.

        Raises
        ------
        NotFittedError
            If the model is not fitted.
        DataValidationError
            If the data break a rule (the message names the column and counts the rows).
        """
        self.check_fitted()
        plain = self if self._layout is None else self.for_covariate_row(np.zeros(self.covariate_matrix_width))
        plain.history(data)

    @property
    def covariate_matrix_width(self) -> int:
        """The number of encoded covariate columns (0 without covariates)."""
        return 0 if self._layout is None else sum(len(enc.columns) for enc in self._layout.encodings)

    def _refuse_covariates(self, what: str) -> None:
        """Raise for a model with covariates where ``what`` needs one parameter vector for every customer."""
        if self._layout is not None:
            columns = ", ".join(enc.name for enc in self._layout.encodings)
            raise CovariatesNotSupportedError(
                f"This {type(self).__name__} has covariates ({columns}), so each customer has its own parameters "
                f"and {what} is not defined for the model as a whole: ask it of the model of one profile, "
                f"model.for_covariates({self._layout.encodings[0].name}=...)."
            )

    def _check_time_unit_of(self, data: pd.DataFrame, column: str) -> None:
        """Refuse data that do not declare the model's time unit (a model without a unit checks nothing)."""
        if self.time_unit_ is not None:
            check_time_unit_of(data, self.time_unit_, column=column)

    def conf_int(self, alpha: float = 0.05, *, scale: Literal["log", "natural"] = "log") -> pd.DataFrame:
        r"""Wald ``1 - alpha`` confidence intervals of the parameters, on the log or on the natural scale.

        Parameters
        ----------
        alpha : float, default 0.05
            One minus the coverage.
        scale : {"log", "natural"}, default "log"
            Where the interval is symmetric. ``"log"`` (pyclv's choice): on the unconstrained scale the fit
            runs on (log for positive parameters, logit for probabilities), :math:`u \pm z\,se_u` with the
            standard error carried there by the delta method, mapped back. Its bounds stay inside each
            parameter's domain and lie further above the estimate than below it, like the skewed sampling
            distribution of a positive parameter (a small shape r, say), which is closer to normal on the log
            scale.
            ``"natural"``: :math:`\hat\theta \pm z\,se` on the parameters' own scale, with the
            ``standard_errors_``, as CLVTools' ``confint()`` and lifetimes' ``confidence_intervals_`` give it,
            to compare with their numbers; its lower bound can fall below 0 (and a probability's bounds
            outside [0, 1]) when the standard error is large next to the estimate.

        Returns
        -------
        pandas.DataFrame
            Columns ``lower`` and ``upper`` indexed by parameter (NaN where the covariance is unknown, e.g.
            for a model built with ``from_params``).

        Raises
        ------
        DataValidationError
            If ``scale`` is neither ``"log"`` nor ``"natural"``.
        ValueError
            If ``alpha`` is not in (0, 1).
        """
        if scale not in ("log", "natural"):
            raise DataValidationError(
                f"scale must be 'log' (intervals computed on the log/logit scale, inside each parameter's domain) "
                f"or 'natural' (estimate +/- z * std_error, as CLVTools prints them); got {scale!r}.",
                column="scale",
            )
        theta, errors = self.theta, self.standard_errors_.to_numpy()
        bounds = wald_intervals(self._params, theta, errors, alpha, natural=scale == "natural")
        return pd.DataFrame(bounds, columns=["lower", "upper"], index=self.params_.index)

    @property
    def aic(self) -> float:
        """Akaike's information criterion, ``2k - 2 LL``."""
        self.check_fitted()
        return 2.0 * len(self._params) - 2.0 * self.log_likelihood_

    @property
    def bic(self) -> float:
        """Bayesian information criterion, ``k log(n) - 2 LL`` with n the customers in the fit (``n_customers_``).

        For Gamma-Gamma these are the customers with repeat purchases, where CLVTools counts every customer
        (see :class:`pyclv.GammaGamma`).
        """
        self.check_fitted()
        n = float(self.n_customers_)
        return len(self._params) * np.log(n) - 2.0 * self.log_likelihood_ if n > 0 else np.nan

    def summary(self, alpha: float = 0.05, *, scale: Literal["log", "natural"] = "log") -> ModelSummary:
        """Parameter estimates, standard errors, ``1 - alpha`` intervals and LL, AIC, BIC, n.

        Parameters
        ----------
        alpha : float, default 0.05
            One minus the intervals' coverage.
        scale : {"log", "natural"}, default "log"
            The intervals' scale, as in :meth:`conf_int`: ``"natural"`` gives CLVTools' intervals.

        Returns
        -------
        ModelSummary
        """
        ci = self.conf_int(alpha, scale=scale)
        table = pd.DataFrame(
            {"estimate": self.params_, "std_error": self.standard_errors_, "lower": ci["lower"], "upper": ci["upper"]}
        )
        stats_ = {
            "log_likelihood": self.log_likelihood_,
            "aic": self.aic,
            "bic": self.bic,
            "n_customers": self.n_customers_,
            "time_unit": self.time_unit_,
            "converged": self.converged_,
        }
        if self._layout is not None:
            test = self.likelihood_ratio_test()
            stats_.update({
                "log_likelihood_without_covariates": self.null_log_likelihood_,
                "lr_statistic": test["statistic"], "lr_df": test["df"], "lr_p_value": test["p_value"],
            })
            references = {enc.name: enc.reference for enc in self._layout.encodings if enc.reference is not None}
            if references:
                stats_["reference_levels"] = ", ".join(f"{k}={v}" for k, v in references.items())
        return ModelSummary(type(self).__name__, table, stats_)

    def likelihood_ratio_test(self) -> dict[str, float]:
        r"""The likelihood-ratio test of the covariates: does the model fit better with them than without.

        :math:`2(\ell_1 - \ell_0)`, with :math:`\ell_0` the log-likelihood of the same model fitted without
        covariates on the same data, is asymptotically :math:`\chi^2` with as many degrees of freedom as
        coefficients under the hypothesis that every coefficient is 0. With a ``covariate_penalty`` the
        coefficients are shrunk, the statistic is smaller and the test conservative.

        Returns
        -------
        dict
            ``statistic``, ``df`` and ``p_value``.

        Raises
        ------
        NotFittedError
            If the model is not fitted.
        DataValidationError
            If the model has no covariates.
        """
        self.check_fitted()
        if self._layout is None:
            raise DataValidationError(f"This {type(self).__name__} has no covariates to test: fit it with some.")
        return likelihood_ratio_test(self.log_likelihood_, self.null_log_likelihood_, len(self._layout.names))

    def for_covariates(self, **values: object) -> Self:
        """The model of the customers with the given covariates (this model without covariates, at their parameters).

        For what-if questions about a profile (``model.for_covariates(channel="email")``), e.g. the expected
        purchases of a new customer of that profile. Its covariance comes from the delta method, so its
        ``conf_int`` and the intervals of its predictions carry the uncertainty of the coefficients.

        Parameters
        ----------
        **values : object
            A value for every covariate column, by name.

        Returns
        -------
        BaseModel
            A fitted model of this class without covariates.

        Raises
        ------
        NotFittedError
            If the model is not fitted.
        DataValidationError
            If a covariate is missing or unknown, or a level was not in the fit's data.
        """
        self.check_fitted()
        if self._layout is None:
            raise DataValidationError(
                f"This {type(self).__name__} has no covariates: it is the model of every customer already."
            )
        names = [enc.name for enc in self._layout.encodings]
        missing, unknown = [n for n in names if n not in values], [n for n in values if n not in names]
        if missing or unknown:
            raise DataValidationError(
                f"for_covariates needs a value for each covariate of the model ({', '.join(names)}); missing: "
                f"{missing or 'none'}, unknown: {unknown or 'none'}.",
                column=(missing or unknown)[0],
            )
        row = pd.DataFrame({n: [values[n]] for n in names})
        return self.for_covariate_row(encode(row, self._layout.encodings, what="profile")[0])

    def covariate_matrix(self, data: pd.DataFrame) -> np.ndarray:
        """The covariates of ``data`` encoded as at the fit, one row per customer (no columns without covariates).

        Parameters
        ----------
        data : pandas.DataFrame
            Customers with the model's covariate columns.

        Returns
        -------
        numpy.ndarray
            Shape (customers, encoded columns).

        Raises
        ------
        DataValidationError
            If a covariate column is missing, has missing values or a level the fit did not see.
        """
        if self._layout is None:
            return np.zeros((len(data), 0))
        return encode(data, self._layout.encodings)

    def draws_for_row(self, draws: np.ndarray, z: np.ndarray) -> np.ndarray:
        """Parameter draws of the whole model mapped to the customers with encoded covariates ``z``.

        Parameters
        ----------
        draws : numpy.ndarray
            Shape (draws, parameters): draws of ``theta`` (base parameters and coefficients).
        z : numpy.ndarray
            One row of encoded covariates.

        Returns
        -------
        numpy.ndarray
            Shape (draws, base parameters): the draws of :meth:`for_covariate_row`'s parameters.
        """
        if self._layout is None:
            return draws
        loadings = self._layout.loadings(np.asarray(z, dtype=float)[None])
        return _covariates.individual(draws, loadings, len(self._layout.base))[:, 0, :]

    def for_covariate_row(self, z: np.ndarray) -> Self:
        """The model without covariates at the parameters of customers whose encoded covariates are ``z``.

        Parameters
        ----------
        z : numpy.ndarray
            One row of encoded covariates (see :mod:`pyclv.models._design`).

        Returns
        -------
        BaseModel
        """
        if self._layout is None:
            return self
        k = len(self._layout.base)
        loadings = self._layout.loadings(np.asarray(z, dtype=float)[None])
        theta = _covariates.individual(self.theta, loadings, k)[0]
        covariance = _covariates.stratum_covariance(self.theta, self.covariance_.to_numpy(), loadings[0], k)
        plain = type(self).from_estimates(
            theta=theta, covariance=covariance, settings={"penalizer": self.penalizer,
                                                          "max_iterations": self.max_iterations},
            time_unit=self.time_unit_, converged=self.converged_, fitted_at=self.fitted_at_,
        )
        return plain

    def __repr__(self) -> str:
        if not hasattr(self, "params_"):
            return f"{type(self).__name__}(penalizer={self.penalizer!r}, max_iterations={self.max_iterations!r})"
        params = ", ".join(f"{k}={format_number(v, 'compact')}" for k, v in self.params_.items())
        return f"{type(self).__name__}({params}, time_unit={self.time_unit_!r})"

    # ------------------------------------------------------------------ persistence
    def save(self, path: str | Path) -> None:
        """Write the model as versioned JSON (atomically); read it back with :func:`pyclv.load_model`.

        Parameters
        ----------
        path : str or pathlib.Path
            The file to write.

        Returns
        -------
        None
        """
        _artifact.save_model(self, path)
