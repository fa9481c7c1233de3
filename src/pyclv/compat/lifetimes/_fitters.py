"""lifetimes' transaction fitters: BG/NBD, MBG/NBD, Pareto/NBD and BG/BB, answered by pyclv's models."""

from __future__ import annotations

from typing import Any, ClassVar, Self

import numpy as np
import pandas as pd
from scipy.special import betaln

from pyclv.compat.lifetimes._base import LifetimesFitter
from pyclv.compat.lifetimes._inputs import Columns, as_columns
from pyclv.exceptions import DataValidationError
from pyclv.models import BetaGeo, BetaGeoBetaBinom, ModifiedBetaGeo, ParetoNBD, TransactionModel

__all__ = ["BetaGeoBetaBinomFitter", "BetaGeoFitter", "ModifiedBetaGeoFitter", "ParetoNBDFitter"]


def _horizons(values: np.ndarray, name: str) -> np.ndarray:
    """Horizons checked as lifetimes' users pass them: finite numbers >= 0."""
    bad = ~(np.isfinite(values) & (values >= 0))
    if bad.any():
        raise DataValidationError(
            f"Argument {name!r}: {int(bad.sum())} value(s) are not finite numbers >= 0 (e.g. "
            f"{', '.join(map(str, values[bad][:3]))}); horizons count time units ahead.",
            column=name,
            n_rows=int(bad.sum()),
        )
    return values


class _TransactionFitter(LifetimesFitter):
    """The questions lifetimes asks of every transaction model, per customer and for a new customer."""

    _model_class: ClassVar[type[TransactionModel]]

    @property
    def model(self) -> TransactionModel:
        """The fitted pyclv model behind this fitter (``NotFittedError`` before ``fit``)."""
        model = super().model
        assert isinstance(model, TransactionModel)
        return model

    def _expected(self, t: Any, columns: dict[str, Any], t_name: str) -> Any:
        """E[purchases in the next t | history] per broadcast element, in the arguments' shape."""
        model = self.model
        cols = as_columns(t=t, **columns)
        history = model.history(cols.frame[list(self._columns)])
        horizons = _horizons(cols.frame["t"].to_numpy(), t_name)
        values = np.empty(len(horizons))
        for horizon in np.unique(horizons):  # one call per distinct horizon (usually one, or one per customer)
            rows = np.flatnonzero(horizons == horizon)
            values[rows] = model.expected_purchases_at(model.theta, history.take(rows), horizon)
        return cols.like_inputs(values)

    def _p_alive(self, columns: dict[str, Any]) -> tuple[np.ndarray, Columns]:
        model = self.model
        cols = as_columns(**columns)
        return model.p_alive_at(model.theta, model.history(cols.frame[list(self._columns)])), cols


class _ContinuousFitter(_TransactionFitter):
    """BG/NBD, MBG/NBD and Pareto/NBD: histories (frequency, recency, T) in continuous time."""

    _columns = ("frequency", "recency", "T")
    _durations = ("recency", "T")
    _whole = ("frequency",)

    def fit(
        self,
        frequency: Any,
        recency: Any,
        T: Any,
        weights: Any = None,
        initial_params: Any = None,
        verbose: bool = False,
        tol: float = 1e-7,
        index: Any = None,
        **kwargs: Any,
    ) -> Self:
        """Fit the model to customers' histories, as lifetimes' ``fit``.

        Parameters
        ----------
        frequency, recency, T : array-like
            Repeat purchases, time of the last one and age of each customer (time since the first purchase).
        weights : array-like, optional
            How many customers each row stands for (default 1 each).
        initial_params : array-like, optional
            Starting values in lifetimes' scale: the logarithms of the parameters, with time rescaled so that
            the longest ``T`` is 1.
        verbose, tol : optional
            Accepted for compatibility; pyclv's optimizer prints nothing and uses its own tolerances.
        index : array-like, optional
            The index of :attr:`data`.
        **kwargs
            lifetimes' scipy.optimize options: refused (pyclv's optimizer takes none).

        Returns
        -------
        self
        """
        columns = {"frequency": frequency, "recency": recency, "T": T}
        return self._fit(columns, weights, initial_params, index, kwargs)

    def conditional_expected_number_of_purchases_up_to_time(self, t: Any, frequency: Any, recency: Any, T: Any) -> Any:
        """Expected repeat purchases in the next ``t`` time units of customers with the given histories.

        Parameters
        ----------
        t : float or array-like
            Horizons, in the unit of ``recency`` and ``T``.
        frequency, recency, T : array-like
            The customers' histories (they broadcast with ``t``).

        Returns
        -------
        pandas.Series, numpy.ndarray or float
            A Series on the index of the first Series argument, else an array (a float for numbers).
        """
        return self._expected(t, {"frequency": frequency, "recency": recency, "T": T}, "t")

    def predict(self, t: Any, frequency: Any, recency: Any, T: Any) -> Any:
        """An alias of :meth:`conditional_expected_number_of_purchases_up_to_time`.

        Parameters
        ----------
        t : float or array-like
            Horizons.
        frequency, recency, T : array-like
            The customers' histories.

        Returns
        -------
        pandas.Series, numpy.ndarray or float
        """
        return self.conditional_expected_number_of_purchases_up_to_time(t, frequency, recency, T)

    def conditional_probability_alive(self, frequency: Any, recency: Any, T: Any) -> Any:
        """Probability that customers with the given histories are alive at ``T``.

        Parameters
        ----------
        frequency, recency, T : array-like
            The customers' histories.

        Returns
        -------
        numpy.ndarray
            At least one-dimensional, as lifetimes returns it.
        """
        values, cols = self._p_alive({"frequency": frequency, "recency": recency, "T": T})
        return np.atleast_1d(values.reshape(cols.shape))

    def expected_number_of_purchases_up_to_time(self, t: Any) -> Any:
        """Expected repeat purchases of a new customer in its first ``t`` time units.

        Parameters
        ----------
        t : float or array-like
            Horizons.

        Returns
        -------
        pandas.Series, numpy.ndarray or float
        """
        cols = as_columns(t=t)
        horizons = _horizons(cols.frame["t"].to_numpy(), "t")
        name = str(t.name) if isinstance(t, pd.Series) and t.name is not None else None  # lifetimes keeps it
        return cols.like_inputs(np.asarray(self.model.expected_purchases_new_customer(horizons)), name=name)

    def probability_of_n_purchases_up_to_time(self, t: Any, n: Any) -> Any:
        """Probability that a new customer makes exactly ``n`` repeat purchases in its first ``t`` time units.

        Parameters
        ----------
        t : float or array-like
            Horizons.
        n : int or array-like
            Numbers of purchases (they broadcast with ``t``).

        Returns
        -------
        pandas.Series, numpy.ndarray or float
        """
        cols = as_columns(t=t, n=n)
        horizons = _horizons(cols.frame["t"].to_numpy(), "t")
        counts = cols.frame["n"].to_numpy()
        bad = ~((counts >= 0) & (counts == np.round(counts)))
        if bad.any():
            raise DataValidationError(
                f"Argument 'n': {int(bad.sum())} value(s) are not whole numbers >= 0 (e.g. "
                f"{', '.join(map(str, counts[bad][:3]))}).",
                column="n",
                n_rows=int(bad.sum()),
            )
        return cols.like_inputs(np.asarray(self.model.probability_of_purchases(counts, horizons)))

    def conditional_probability_of_n_purchases_up_to_time(
        self, n: int, t: float, frequency: Any, recency: Any, T: Any
    ) -> Any:
        """Probability that customers with the given histories make exactly ``n`` purchases in the next ``t``.

        Parameters
        ----------
        n : int
            Number of purchases.
        t : float
            Horizon.
        frequency, recency, T : array-like
            The customers' histories.

        Returns
        -------
        pandas.Series, numpy.ndarray or float
        """
        cols = as_columns(frequency=frequency, recency=recency, T=T)
        series = self.model.conditional_probability_of_purchases(cols.frame, n, t)
        return cols.like_inputs(series.to_numpy())


class BetaGeoFitter(_ContinuousFitter):
    """lifetimes' ``BetaGeoFitter`` (BG/NBD), fitted and answered by :class:`pyclv.BetaGeo`.

    Parameters
    ----------
    penalizer_coef : float, default 0.0
        lifetimes' L2 penalty on the parameters, with time rescaled so that the longest ``T`` is 1.

    Attributes
    ----------
    params_ : pandas.Series
        ``r``, ``alpha``, ``a``, ``b``.
    summary : pandas.DataFrame
        ``coef``, ``se(coef)``, ``lower 95% bound``, ``upper 95% bound``.
    data : pandas.DataFrame
        The fitted columns and their ``weights``.
    model_ : pyclv.BetaGeo
        The pyclv model behind the fitter.

    See Also
    --------
    pyclv.BetaGeo : pyclv's own API.

    Notes
    -----
    How pyclv's own API differs: a model is fitted on one summary table (``BetaGeo().fit(summary)``) rather
    than on three columns; the table carries its time unit, which the model records and checks on every later
    table; predictions take a table and return a Series on its index (``expected_purchases(summary, t)``,
    ``p_alive(summary)``, ``expected_purchases_new_customer(t)``, ``probability_of_purchases(n, t)``); invalid
    data are refused with a message naming the column; ``summary()`` adds the log-likelihood, AIC and BIC and
    computes its intervals on the log scale (always positive); and ``save``/``pyclv.load_model`` write JSON.

    Examples
    --------
    >>> from pyclv.compat.lifetimes import BetaGeoFitter
    >>> from pyclv.datasets import load_cdnow_summary
    >>> data = load_cdnow_summary()
    >>> bgf = BetaGeoFitter().fit(data["frequency"], data["recency"], data["T"])
    >>> round(float(bgf.predict(39, 2, 30.43, 38.86)), 4)
    1.2259

    The same with pyclv's API:

    >>> import pyclv
    >>> model = pyclv.BetaGeo().fit(data)
    >>> round(float(model.expected_purchases(data.loc[[1]], 39).iloc[0]), 4)
    1.2259
    """

    _model_class = BetaGeo
    _rates = ("alpha",)


class ModifiedBetaGeoFitter(_ContinuousFitter):
    """lifetimes' ``ModifiedBetaGeoFitter`` (MBG/NBD), fitted and answered by :class:`pyclv.ModifiedBetaGeo`.

    Parameters
    ----------
    penalizer_coef : float, default 0.0
        lifetimes' L2 penalty on the parameters, with time rescaled so that the longest ``T`` is 1.

    Attributes
    ----------
    params_ : pandas.Series
        ``r``, ``alpha``, ``a``, ``b``.
    summary : pandas.DataFrame
        ``coef``, ``se(coef)``, ``lower 95% bound``, ``upper 95% bound``.
    data : pandas.DataFrame
        The fitted columns and their ``weights``.
    model_ : pyclv.ModifiedBetaGeo
        The pyclv model behind the fitter.

    See Also
    --------
    pyclv.ModifiedBetaGeo : pyclv's own API.

    Notes
    -----
    pyclv's own API differs as for :class:`BetaGeoFitter`: one summary table with its time unit in, Series on
    its index out, validated data, JSON files.

    Examples
    --------
    >>> from pyclv.compat.lifetimes import ModifiedBetaGeoFitter
    >>> from pyclv.datasets import load_cdnow_summary
    >>> data = load_cdnow_summary()
    >>> mbgf = ModifiedBetaGeoFitter().fit(data["frequency"], data["recency"], data["T"])
    >>> list(mbgf.params_.index)
    ['r', 'alpha', 'a', 'b']
    """

    _model_class = ModifiedBetaGeo
    _rates = ("alpha",)


class ParetoNBDFitter(_ContinuousFitter):
    """lifetimes' ``ParetoNBDFitter``, fitted and answered by :class:`pyclv.ParetoNBD`.

    Parameters
    ----------
    penalizer_coef : float, default 0.0
        lifetimes' L2 penalty on the parameters, with time rescaled so that the longest ``T`` is 1 (lifetimes
        divides the weighted log-likelihood by the mean weight here, so the penalty weighs less than in its
        other fitters; the same is done here).

    Attributes
    ----------
    params_ : pandas.Series
        ``r``, ``alpha``, ``s``, ``beta``.
    summary : pandas.DataFrame
        ``coef``, ``se(coef)``, ``lower 95% bound``, ``upper 95% bound`` (lifetimes computed no standard errors
        for this model; pyclv does).
    data : pandas.DataFrame
        The fitted columns and their ``weights``.
    model_ : pyclv.ParetoNBD
        The pyclv model behind the fitter.

    See Also
    --------
    pyclv.ParetoNBD : pyclv's own API.

    Notes
    -----
    lifetimes fitted this model by Nelder-Mead from random starting points (``iterative_fitting`` of them);
    pyclv's fit is deterministic (Newton's method with the exact Hessian), so one fit is enough and
    ``fit_method`` has no effect. pyclv's own API differs as for :class:`BetaGeoFitter`.

    Examples
    --------
    >>> from pyclv.compat.lifetimes import ParetoNBDFitter
    >>> from pyclv.datasets import load_cdnow_summary
    >>> data = load_cdnow_summary()
    >>> pnbd = ParetoNBDFitter().fit(data["frequency"], data["recency"], data["T"])
    >>> pnbd.params_.round(2).to_dict()
    {'r': 0.55, 'alpha': 10.58, 's': 0.61, 'beta': 11.67}
    """

    _model_class = ParetoNBD
    _rates = ("alpha", "beta")
    _log_initial = False
    _penalty_per_row = True

    def fit(  # type: ignore[override]
        self,
        frequency: Any,
        recency: Any,
        T: Any,
        weights: Any = None,
        iterative_fitting: int = 1,
        initial_params: Any = None,
        verbose: bool = False,
        tol: float = 1e-4,
        index: Any = None,
        fit_method: str = "Nelder-Mead",
        maxiter: int = 2000,
        **kwargs: Any,
    ) -> Self:
        """Fit the model to customers' histories, as lifetimes' ``fit``.

        Parameters
        ----------
        frequency, recency, T : array-like
            Repeat purchases, time of the last one and age of each customer.
        weights : array-like, optional
            How many customers each row stands for (default 1 each).
        iterative_fitting : int, default 1
            lifetimes' number of random restarts: must be >= 1; pyclv's fit is deterministic and runs once.
        initial_params : array-like, optional
            Starting values in lifetimes' scale: the parameters, with time rescaled so that the longest ``T``
            is 1.
        verbose, tol, fit_method : optional
            Accepted for compatibility; pyclv's optimizer prints nothing and uses its own method and tolerances.
        index : array-like, optional
            The index of :attr:`data`.
        maxiter : int, default 2000
            Iteration limit of the optimizer.
        **kwargs
            lifetimes' scipy.optimize options: refused (pyclv's optimizer takes none).

        Returns
        -------
        self
        """
        if not (isinstance(iterative_fitting, int) and iterative_fitting >= 1):
            raise DataValidationError(
                f"iterative_fitting must be a whole number >= 1; got {iterative_fitting!r}.", column="iterative_fitting"
            )
        columns = {"frequency": frequency, "recency": recency, "T": T}
        return self._fit(columns, weights, initial_params, index, kwargs, max_iterations=int(maxiter))

    def conditional_probability_alive(self, frequency: Any, recency: Any, T: Any) -> Any:
        """Probability that customers with the given histories are alive at ``T``.

        Unlike the BG/NBD fitters' (an array), lifetimes' Pareto/NBD returns it shaped like its arguments.

        Parameters
        ----------
        frequency, recency, T : array-like
            The customers' histories.

        Returns
        -------
        pandas.Series, numpy.ndarray or float
            A Series on the arguments' index if one was a Series, a float if all were numbers, else an array.
        """
        values, cols = self._p_alive({"frequency": frequency, "recency": recency, "T": T})
        return cols.like_inputs(values)


class BetaGeoBetaBinomFitter(_TransactionFitter):
    """lifetimes' ``BetaGeoBetaBinomFitter`` (BG/BB), fitted and answered by :class:`pyclv.BetaGeoBetaBinom`.

    Parameters
    ----------
    penalizer_coef : float, default 0.0
        lifetimes' L2 penalty on the parameters.

    Attributes
    ----------
    params_ : pandas.Series
        ``alpha``, ``beta``, ``gamma``, ``delta``.
    summary : pandas.DataFrame
        ``coef``, ``se(coef)``, ``lower 95% bound``, ``upper 95% bound``.
    data : pandas.DataFrame
        The fitted columns and their ``weights``.
    model_ : pyclv.BetaGeoBetaBinom
        The pyclv model behind the fitter.

    See Also
    --------
    pyclv.BetaGeoBetaBinom : pyclv's own API.

    Notes
    -----
    How pyclv's own API differs: the model is fitted on one table with columns ``frequency``, ``recency`` and
    ``n_periods`` (``fit(table, weights="weights")``), such as :func:`pyclv.discrete_summary` builds from a
    transaction log; ``p_alive`` is the probability of being alive at opportunity n + 1 (lifetimes' ``m = 1``);
    ``probability_of_purchases(x, n)`` is the probability of x transactions in the first n opportunities,
    which lifetimes only gave multiplied by the number of customers.

    Examples
    --------
    >>> from pyclv.compat.lifetimes import BetaGeoBetaBinomFitter
    >>> from pyclv.datasets import load_donations
    >>> d = load_donations()
    >>> bbf = BetaGeoBetaBinomFitter().fit(d["frequency"], d["recency"], d["n_periods"], weights=d["weights"])
    >>> bbf.params_.round(3).to_dict()
    {'alpha': 1.204, 'beta': 0.75, 'gamma': 0.657, 'delta': 2.783}
    """

    _model_class = BetaGeoBetaBinom
    _columns = ("frequency", "recency", "n_periods")
    _whole = ("frequency", "recency", "n_periods")

    def fit(
        self,
        frequency: Any,
        recency: Any,
        n_periods: Any,
        weights: Any = None,
        initial_params: Any = None,
        verbose: bool = False,
        tol: float = 1e-7,
        index: Any = None,
        **kwargs: Any,
    ) -> Self:
        """Fit the model to customers' histories of discrete opportunities, as lifetimes' ``fit``.

        Parameters
        ----------
        frequency, recency, n_periods : array-like
            Repeat transactions, the opportunity of the last one and the number of opportunities observed.
        weights : array-like, optional
            How many customers each row stands for (default 1 each).
        initial_params : array-like, optional
            Starting values in lifetimes' scale: the logarithms of the parameters.
        verbose, tol : optional
            Accepted for compatibility; pyclv's optimizer prints nothing and uses its own tolerances.
        index : array-like, optional
            The index of :attr:`data`.
        **kwargs
            lifetimes' scipy.optimize options: refused (pyclv's optimizer takes none).

        Returns
        -------
        self
        """
        columns = {"frequency": frequency, "recency": recency, "n_periods": n_periods}
        return self._fit(columns, weights, initial_params, index, kwargs)

    def conditional_expected_number_of_purchases_up_to_time(
        self, m_periods_in_future: Any, frequency: Any, recency: Any, n_periods: Any
    ) -> Any:
        """Expected transactions in the next ``m_periods_in_future`` opportunities (FHS 2010, eq. 13).

        Parameters
        ----------
        m_periods_in_future : int or array-like
            Numbers of future opportunities.
        frequency, recency, n_periods : array-like
            The customers' histories.

        Returns
        -------
        pandas.Series, numpy.ndarray or float
        """
        columns = {"frequency": frequency, "recency": recency, "n_periods": n_periods}
        return self._expected(m_periods_in_future, columns, "m_periods_in_future")

    def conditional_probability_alive(
        self, m_periods_in_future: Any, frequency: Any, recency: Any, n_periods: Any
    ) -> Any:
        """Probability of being alive at opportunity ``n_periods + m_periods_in_future`` (FHS 2010, A10).

        Parameters
        ----------
        m_periods_in_future : int or array-like
            Numbers of future opportunities (1 is pyclv's ``p_alive``).
        frequency, recency, n_periods : array-like
            The customers' histories.

        Returns
        -------
        pandas.Series, numpy.ndarray or float
        """
        alive_next, cols = self._p_alive(
            {"m": m_periods_in_future, "frequency": frequency, "recency": recency, "n_periods": n_periods}
        )
        m = _horizons(cols.frame["m"].to_numpy(), "m_periods_in_future")
        _, _, gamma, delta = self.model.theta
        n = cols.frame["n_periods"].to_numpy()
        # surviving the opportunities after n + 1: the Beta posterior of the dropout rate, a ratio of Beta functions
        return cols.like_inputs(alive_next * np.exp(betaln(gamma, delta + n + m) - betaln(gamma, delta + n + 1)))

    def expected_number_of_transactions_in_first_n_periods(self, n: int) -> pd.DataFrame:
        """Expected number of fitted customers with each observed frequency after ``n`` opportunities (eq. 7).

        Parameters
        ----------
        n : int
            Number of opportunities.

        Returns
        -------
        pandas.DataFrame
            Column ``model``, indexed by ``frequency`` (the frequencies in the fitted data).
        """
        counts = self.data.groupby("frequency")["weights"].sum()
        x = counts.index.to_numpy(dtype=float)
        probabilities = np.asarray(self.model.probability_of_purchases(x, float(n)))
        return pd.DataFrame(
            {"model": probabilities * float(counts.sum())}, index=pd.Index(counts.index, name="frequency")
        )
