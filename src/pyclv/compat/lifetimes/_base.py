"""What every lifetimes-style fitter shares: the fit through a pyclv model, ``params_``, ``summary``, JSON files.

A compat fitter holds a fitted pyclv model (``model_``) and answers lifetimes' questions with it. lifetimes fits
continuous-time models with time rescaled so that the longest ``T`` is 1 (its penalty then applies to the rescaled
rates); the fit here does the same, so that ``penalizer_coef`` means what it meant in lifetimes, and maps the rates
back.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar, Self

import numpy as np
import pandas as pd

from pyclv.compat.lifetimes._inputs import as_columns, refuse_options
from pyclv.exceptions import DataValidationError, ModelFormatError, NotFittedError
from pyclv.io import load_model
from pyclv.models import BaseModel

__all__ = ["LifetimesFitter"]


class LifetimesFitter:
    """Base class of the compat fitters: the fit, the parameters and their summary, persistence.

    A subclass names its pyclv model class, the columns of its summary (as pyclv names them), which of them
    are durations (rescaled for the fit, as lifetimes does), which parameters are rates per time unit, and how
    lifetimes reads ``initial_params`` and ``penalizer_coef``.

    Parameters
    ----------
    penalizer_coef : float, default 0.0
        lifetimes' L2 penalty: ``penalizer_coef * sum(params ** 2)`` added to the mean negative log-likelihood,
        the rates measured with time rescaled so that the longest ``T`` is 1.
    """

    _model_class: ClassVar[type[BaseModel]]
    _columns: ClassVar[tuple[str, ...]]
    #: Summary columns that are durations: lifetimes divides them by max(T) before fitting.
    _durations: ClassVar[tuple[str, ...]] = ()
    #: Parameters that are rates per unit of time (they scale with the durations).
    _rates: ClassVar[tuple[str, ...]] = ()
    #: Columns lifetimes keeps as integers in :attr:`data`.
    _whole: ClassVar[tuple[str, ...]] = ()
    #: Whether lifetimes' ``initial_params`` are logarithms of the parameters (else the parameters themselves).
    _log_initial: ClassVar[bool] = True
    #: Whether lifetimes divides the weighted log-likelihood by the mean weight (Pareto/NBD), not their sum.
    _penalty_per_row: ClassVar[bool] = False

    def __init__(self, penalizer_coef: float = 0.0) -> None:
        self.penalizer_coef = penalizer_coef

    # ------------------------------------------------------------------ fitting
    def _fit(
        self,
        columns: Mapping[str, Any],
        weights: Any,
        initial_params: Any,
        index: Any,
        options: Mapping[str, Any],
        max_iterations: int = 2000,
    ) -> Self:
        """Fit the pyclv model on lifetimes' arguments, as lifetimes would, and keep it in ``model_``."""
        name = f"{type(self).__name__}.fit"
        refuse_options(name, options)
        penalizer = float(self.penalizer_coef)
        if not (np.isfinite(penalizer) and penalizer >= 0):
            raise DataValidationError(
                f"penalizer_coef must be a finite number >= 0; got {self.penalizer_coef!r}.", column="penalizer_coef"
            )
        cols = as_columns(**columns, weights=1.0 if weights is None else weights)
        frame = cols.frame
        if len(frame) == 0:
            raise DataValidationError(f"{name} got empty columns: pass at least one customer.",
                                      column=self._columns[0])
        scale = 1.0
        if self._durations:
            longest = float(frame["T" if "T" in frame else self._durations[-1]].max())
            scale = 1.0 / longest if longest > 0 else 1.0
        scaled = frame[list(self._columns)].copy()
        for column in self._durations:
            scaled[column] = scaled[column] * scale
        if self._penalty_per_row:
            penalizer /= len(frame)
        model = self._model_class(penalizer=penalizer, max_iterations=max_iterations)
        model.fit(scaled, weights=frame["weights"].to_numpy(), initial_params=self._initial(initial_params))
        factors = np.array([1.0 / scale if p in self._rates else 1.0 for p in model.param_names()])
        self.model_ = type(model).from_estimates(
            theta=model.theta * factors,
            covariance=model.covariance_.to_numpy() * np.outer(factors, factors),
            settings={"penalizer": float(self.penalizer_coef), "max_iterations": max_iterations},
            # each of a customer's x purchase times has a density in 1 / time: rescaling time by s adds x log s
            log_likelihood=model.log_likelihood_ + np.log(scale) * float(np.dot(frame["weights"], frame["frequency"])),
            n_customers=model.n_customers_,
            converged=model.converged_,
            n_iterations=model.n_iterations_,
            fit_seconds=model.fit_seconds_,
            fitted_at=model.fitted_at_,
        )
        data = {c: frame[c].to_numpy() for c in (*self._columns, "weights")}
        for column in self._whole:  # validated by the fit: whole numbers
            data[column] = data[column].astype(np.int64)
        self.data = pd.DataFrame(data, index=index)
        return self

    def _initial(self, initial_params: Any) -> dict[str, float] | None:
        """Starting values by name from lifetimes' ``initial_params`` (a vector in its own scale)."""
        if initial_params is None:
            return None
        values = np.asarray(initial_params, dtype=float).ravel()
        names = self._model_class.param_names()
        if values.shape != (len(names),) or not np.all(np.isfinite(values)):
            raise DataValidationError(
                f"initial_params must be {len(names)} finite numbers ({', '.join(names)}"
                f"{', as logarithms' if self._log_initial else ''}); got {initial_params!r}.",
                column="initial_params",
            )
        natural = np.exp(values) if self._log_initial else values
        return dict(zip(names, natural.tolist(), strict=True))

    # ------------------------------------------------------------------ results
    @property
    def model(self) -> BaseModel:
        """The fitted pyclv model behind this fitter (``NotFittedError`` before ``fit``)."""
        if not hasattr(self, "model_"):
            raise NotFittedError(
                f"This {type(self).__name__} is not fitted yet: call fit(...) or load_model(path) first."
            )
        return self.model_

    @property
    def params_(self) -> pd.Series:
        """The fitted parameters, named as lifetimes names them."""
        params = self.model.params_
        return pd.Series(params.to_numpy(), index=list(params.index), dtype=float)

    @property
    def standard_errors_(self) -> pd.Series:
        """Standard errors of the parameters (delta method on the log scale, as lifetimes computes them)."""
        errors = self.model.standard_errors_
        return pd.Series(errors.to_numpy(), index=list(errors.index), dtype=float)

    @property
    def variance_matrix_(self) -> pd.DataFrame:
        """The parameters' covariance matrix."""
        cov = self.model.covariance_
        return pd.DataFrame(cov.to_numpy(), index=list(cov.index), columns=list(cov.columns))

    @property
    def confidence_intervals_(self) -> pd.DataFrame:
        """The 95 % intervals of lifetimes: estimate plus or minus the normal quantile times the standard error.

        The model's own ``conf_int(scale="natural")`` (with the exact quantile, where lifetimes writes 1.96).
        """
        bounds = self.model.conf_int(0.05, scale="natural")
        return pd.DataFrame(
            {"lower 95% bound": bounds["lower"].to_numpy(), "upper 95% bound": bounds["upper"].to_numpy()},
            index=list(bounds.index),
        )

    @property
    def summary(self) -> pd.DataFrame:
        """The summary table of lifetimes: ``coef``, ``se(coef)``, ``lower 95% bound``, ``upper 95% bound``."""
        table = pd.DataFrame({"coef": self.params_, "se(coef)": self.standard_errors_})
        return table.join(self.confidence_intervals_)

    def _unload_params(self, *names: str) -> list[float]:
        params = self.params_
        return [float(params[n]) for n in names]

    # ------------------------------------------------------------------ persistence
    def save_model(self, path: str | Path) -> None:
        """Write the fitted model as pyclv's versioned JSON (lifetimes pickled it with dill).

        The file holds the parameters, their covariance and the fit's record, not the data. It is a pyclv
        model file: :func:`pyclv.load_model` reads it too.

        Parameters
        ----------
        path : str or pathlib.Path
            The file to write.

        Returns
        -------
        None
        """
        self.model.save(path)

    def load_model(self, path: str | Path) -> None:
        """Read a model written by :meth:`save_model` (or by pyclv for the same model) into this fitter.

        Parameters
        ----------
        path : str or pathlib.Path
            A pyclv model file.

        Returns
        -------
        None

        Raises
        ------
        ModelFormatError
            If the file holds another model than this fitter's.
        """
        model = load_model(path)
        if type(model) is not self._model_class:
            raise ModelFormatError(
                f"{path} holds a {type(model).__name__}; {type(self).__name__} reads {self._model_class.__name__} "
                "files."
            )
        self.model_ = model
        self.penalizer_coef = float(model.get_params()["penalizer"])

    def __repr__(self) -> str:
        name = f"pyclv.compat.lifetimes.{type(self).__name__}"
        if not hasattr(self, "model_"):
            return f"<{name}>"
        subjects = f" fitted with {len(self.data):d} subjects," if hasattr(self, "data") else ""
        params = ", ".join(f"{k}: {v:.2f}" for k, v in sorted(self.params_.items()))
        return f"<{name}:{subjects} {params}>"
