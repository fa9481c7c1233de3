"""The transaction models' shared class: the questions users ask of a fitted model of purchase counts.

A transaction model's module supplies pure functions (a :class:`TransactionFunctions` table); the class
inherits the public methods, which validate the data, call the functions on numpy arrays and return pandas
objects aligned to the input's index. The ``*_at`` methods are the prediction contract valuation and
intervals use (see :mod:`pyclv.models._base`): they evaluate at any parameter vector.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import ClassVar

import numpy as np
import pandas as pd

from pyclv._arrays import unique_rows
from pyclv._quadrature import discounted_increments
from pyclv._time import rate_per_unit
from pyclv._validation import Summary, validate_summary
from pyclv.exceptions import DataValidationError
from pyclv.models._base import BaseModel
from pyclv.models._functions import TransactionFunctions
from pyclv.models._history import History

__all__ = ["PurchaseDropoutModel", "TransactionFunctions", "TransactionModel"]

Pairs = tuple[tuple[np.ndarray, ...], np.ndarray]


def _as_float_or_array(values: np.ndarray, like: float | np.ndarray) -> float | np.ndarray:
    return float(values) if np.ndim(like) == 0 else values


def _history_columns(s: Summary) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(x, t_x, T) of a summary validated with its history columns (``validate_summary(history=True)``)."""
    if s.recency is None or s.T is None:
        raise TypeError("A transaction model needs the summary's recency and T: validate it with history=True.")
    return s.frequency, s.recency, s.T


class TransactionModel(BaseModel):
    """Base class of the models of the number and timing of transactions (BG/NBD and its family).

    A subclass sets ``_params`` and ``_functions`` (its module's pure functions of the natural parameters and
    the customers' histories ``(x, t_x, T)``, broadcasting: customers along one axis, horizons along another);
    it inherits fitting, predictions, discounting and persistence. ``columns`` names the summary columns that
    hold x, t_x and T; ``discrete`` is True for models of whole purchase opportunities (BG/BB), whose
    horizons are whole periods.

    Parameters
    ----------
    penalizer : float, default 0.0
        L2 penalty on the parameters (see :class:`pyclv.models._base.BaseModel`).
    max_iterations : int, default 2000
        Iteration limit of the optimizer.
    """

    columns: ClassVar[tuple[str, str, str]] = ("frequency", "recency", "T")
    discrete: ClassVar[bool] = False
    #: The compiled P(alive) of scoring's intervals that the model's ``p_alive`` equals (``"bg_nbd"`` or
    #: ``"mbg_nbd"``, see :mod:`pyclv._kernels.scoring`), or None: then intervals use ``p_alive`` itself.
    alive_kernel: ClassVar[str | None] = None
    _functions: ClassVar[TransactionFunctions]

    # -- the prediction contract: evaluation at a given parameter vector
    @property
    def factorised(self) -> bool:
        """Whether E[Y(t) | x, t_x, T] = P(alive) g(x, T, t), so the costly g is computed per distinct (x, T)."""
        return self._functions.expected_purchases_if_alive is not None

    @property
    def has_closed_form_dert(self) -> bool:
        """Whether the model's DERT has a closed form (else it is integrated numerically)."""
        return self._functions.dert is not None

    def p_alive_at(self, theta: np.ndarray, history: History) -> np.ndarray:
        """P(alive) of each customer of ``history`` at the parameters ``theta``.

        Parameters
        ----------
        theta : numpy.ndarray
            Natural parameters.
        history : History
            From :meth:`history`.

        Returns
        -------
        numpy.ndarray
        """
        with np.errstate(divide="ignore"):
            return self._functions.p_alive(*theta, *history.values)

    def expected_purchases_at(
        self, theta: np.ndarray, history: History, t: float | np.ndarray, *, pairs: Pairs | None = None
    ) -> np.ndarray:
        """E[Y(t) | history] per customer at ``theta``.

        Factorised models compute their costly part once per distinct (x, T).

        Parameters
        ----------
        theta : numpy.ndarray
            Natural parameters.
        history : History
            From :meth:`history`.
        t : float or numpy.ndarray
            Horizon (broadcasts with the customers).
        pairs : tuple, optional
            ``unique_rows((x, T))`` of the history, if known.

        Returns
        -------
        numpy.ndarray
        """
        x, t_x, T = history.values
        t = np.asarray(t, dtype=float)
        with np.errstate(divide="ignore"):
            if not self.factorised:
                return self._functions.conditional_expected_purchases(*theta, x, t_x, T, t)
            (ux, uT), inverse = pairs if pairs is not None else unique_rows((x, T))
            return self.expected_purchases_if_alive_at(theta, ux, uT, t)[inverse] * self.p_alive_at(theta, history)

    def expected_purchases_if_alive_at(
        self, theta: np.ndarray, x: np.ndarray, T: np.ndarray, t: float | np.ndarray
    ) -> np.ndarray:
        """E[Y(t) | alive at T, x, T] for factorised models (the factor of P(alive)).

        Parameters
        ----------
        theta : numpy.ndarray
            Natural parameters.
        x, T : numpy.ndarray
            Repeat purchases and observation time.
        t : float or numpy.ndarray
            Horizon.

        Returns
        -------
        numpy.ndarray
        """
        if self._functions.expected_purchases_if_alive is None:
            raise TypeError(f"{type(self).__name__} is not factorised (see TransactionModel.factorised).")
        return self._functions.expected_purchases_if_alive(*theta, x, T, np.asarray(t, dtype=float))

    def dert_at(self, theta: np.ndarray, history: History, delta: float) -> np.ndarray:
        """Discounted expected residual transactions at ``theta``.

        The closed form where the model has one, else the conditional expectation integrated numerically
        (see :mod:`pyclv._quadrature`).

        Parameters
        ----------
        theta : numpy.ndarray
            Natural parameters.
        history : History
            From :meth:`history`.
        delta : float
            Continuous discount rate per time unit (> 0).

        Returns
        -------
        numpy.ndarray
        """
        if self._functions.dert is not None:
            return self._functions.dert(*theta, *history.values, delta)
        return self.discounted_purchases_at(theta, history, np.inf, delta)

    def discounted_purchases_at(
        self,
        theta: np.ndarray,
        history: History,
        horizon: float,
        delta: float,
        *,
        distinct: bool = False,
        nodes_per_panel: int = 12,
        pairs: Pairs | None = None,
    ) -> np.ndarray:
        """int_0^H exp(-delta t) dE[Y(t)] per customer at ``theta``, once per distinct history.

        Parameters
        ----------
        theta : numpy.ndarray
            Natural parameters.
        history : History
            From :meth:`history`.
        horizon : float
            H (``numpy.inf`` for the residual lifetime).
        delta : float
            Continuous discount rate per time unit.
        distinct : bool, default False
            The rows are distinct already.
        nodes_per_panel : int, default 12
            Gauss-Legendre nodes per panel of the quadrature.
        pairs : tuple, optional
            ``unique_rows((x, T))`` of the history, if known (factorised models).

        Returns
        -------
        numpy.ndarray
        """
        x, t_x, T = history.values
        if self.factorised:
            # the discounted purchases of an alive customer depend on (x, T) only
            (ux, uT), inverse = pairs if pairs is not None else unique_rows((x, T))
            values = self.discounted_if_alive_at(theta, ux, uT, horizon, delta, nodes_per_panel=nodes_per_panel)
            return values[inverse] * self.p_alive_at(theta, history)
        rows: slice | np.ndarray
        if distinct:
            (ux, utx, uT), rows = (x, t_x, T), slice(None)
        else:
            (ux, utx, uT), rows = unique_rows((x, t_x, T))
        expectation = self._functions.conditional_expected_purchases

        def path(block: slice, t: np.ndarray) -> np.ndarray:
            with np.errstate(divide="ignore"):
                return expectation(*theta, ux[block, None], utx[block, None], uT[block, None], t)

        values = discounted_increments(path, len(ux), horizon, delta, discrete=self.discrete,
                                       nodes_per_panel=nodes_per_panel)
        return values[rows]

    def discounted_if_alive_at(
        self,
        theta: np.ndarray,
        x: np.ndarray,
        T: np.ndarray,
        horizon: float,
        delta: float,
        *,
        nodes_per_panel: int = 12,
    ) -> np.ndarray:
        """int_0^H exp(-delta t) dE[Y(t) | alive at T, x, T] for factorised models, per (x, T) given.

        Parameters
        ----------
        theta : numpy.ndarray
            Natural parameters.
        x, T : numpy.ndarray
            Repeat purchases and observation time.
        horizon, delta : float
            As in :meth:`discounted_purchases_at`.
        nodes_per_panel : int, default 12
            Gauss-Legendre nodes per panel.

        Returns
        -------
        numpy.ndarray
        """

        def alive_path(rows: slice, t: np.ndarray) -> np.ndarray:
            return self.expected_purchases_if_alive_at(theta, x[rows, None], T[rows, None], t)

        return discounted_increments(alive_path, len(x), horizon, delta, discrete=self.discrete,
                                     nodes_per_panel=nodes_per_panel)

    # -- data
    def _arrays(self, data: pd.DataFrame) -> tuple[tuple[np.ndarray, ...], np.ndarray]:
        s = validate_summary(data, columns=self.columns)
        x, t_x, T = _history_columns(s)
        if not np.any(x > 0):
            raise DataValidationError(
                f"{type(self).__name__} cannot be fitted: no customer has a repeat purchase (column 'frequency' is 0 "
                f"in all {len(x)} rows), so the data say nothing about purchase rates or dropout. Use a "
                "longer observation period or more customers.",
                column="frequency",
                n_rows=len(x),
            )
        if not np.any(T > 0):
            raise DataValidationError(
                f"{type(self).__name__} cannot be fitted: every customer has T = 0 (observed for no time).",
                column="T",
                n_rows=len(T),
            )
        return (x, t_x, T), np.ones(len(x), dtype=bool)

    def history(self, data: pd.DataFrame) -> History:
        """Validated (x, t_x, T) of a summary with its index.

        A model with a time unit refuses a summary that does not declare the same one (see
        :func:`pyclv.with_time_unit`), and every model a summary that repeats a customer id.

        Parameters
        ----------
        data : pandas.DataFrame
            Summary with the model's :attr:`columns`.

        Returns
        -------
        History
            Named by :attr:`columns`.
        """
        self.check_fitted()
        self._refuse_covariates("one history table for every customer")
        s = validate_summary(data, columns=self.columns, time_unit=self.time_unit_, unique_ids=True)
        return History(s.index, self.columns, _history_columns(s))

    def _check_horizons(self, t: float | np.ndarray, name: str = "t") -> np.ndarray:
        """Horizons as a float array: finite, >= 0, and whole periods for discrete-time models."""
        t_arr = np.asarray(t, dtype=float)
        if not np.all(np.isfinite(t_arr) & (t_arr >= 0)):
            raise ValueError(f"{name} must be finite and >= 0 (in the model's time unit).")
        if self.discrete and not np.all(t_arr == np.floor(t_arr)):
            raise ValueError(f"{name} must be a whole number of periods for {type(self).__name__}.")
        return t_arr

    def _check_horizon(self, t: float, name: str = "t") -> float:
        t = float(t)
        if not (np.isfinite(t) and t >= 0):
            raise ValueError(f"{name} must be a finite number >= 0 (in the model's time unit); got {t!r}.")
        if self.discrete and t != np.floor(t):
            raise ValueError(f"{name} must be a whole number of periods for {type(self).__name__}; got {t!r}.")
        return t

    # -- public predictions
    def expected_purchases(self, data: pd.DataFrame, t: float) -> pd.Series:
        """Expected number of repeat purchases in the next ``t`` time units, per customer.

        Parameters
        ----------
        data : pandas.DataFrame
            Summary with ``frequency``, ``recency`` and ``T`` (in the model's time unit).
        t : float
            Horizon, in the model's time unit.

        Returns
        -------
        pandas.Series
            Named ``expected_purchases``, aligned to ``data.index``.
        """
        t = self._check_horizon(t)
        if self._layout is not None:
            return self._per_stratum(data, lambda model, rows: model.expected_purchases(rows, t))
        history = self.history(data)
        with np.errstate(divide="ignore"):
            values = self._functions.conditional_expected_purchases(*self.theta, *history.values, np.asarray(t))
        return pd.Series(values, index=history.index, name="expected_purchases")

    def p_alive(self, data: pd.DataFrame) -> pd.Series:
        """Probability that each customer is still alive at the end of its observation (``T``).

        Parameters
        ----------
        data : pandas.DataFrame
            Summary with the model's columns (``frequency``, ``recency`` and ``T``; ``n_periods`` for BG/BB),
            in the model's time unit.

        Returns
        -------
        pandas.Series
            Named ``p_alive``, aligned to ``data.index``, in [0, 1].
        """
        if self._layout is not None:
            return self._per_stratum(data, lambda model, rows: model.p_alive(rows))
        history = self.history(data)
        return pd.Series(self.p_alive_at(self.theta, history), index=history.index, name="p_alive")

    def expected_purchases_new_customer(self, t: float | np.ndarray) -> float | np.ndarray:
        """Expected repeat purchases of a randomly chosen new customer in its first ``t`` time units.

        Parameters
        ----------
        t : float or numpy.ndarray
            Time since the first purchase, in the model's time unit (>= 0; whole periods for BG/BB).

        Returns
        -------
        float or numpy.ndarray
            E[X(t)]: a float for a number ``t``, else an array of the same shape.
        """
        t_arr = self._check_horizons(t)
        self._refuse_covariates("a new customer's expectation")
        return _as_float_or_array(self._functions.expected_purchases(*self.theta, t_arr), t)

    def probability_of_purchases(self, n: int | np.ndarray, t: float | np.ndarray) -> float | np.ndarray:
        """Unconditional probability that a new customer makes exactly ``n`` repeat purchases in (0, t].

        Parameters
        ----------
        n : int or numpy.ndarray
            Number of repeat purchases (whole numbers >= 0).
        t : float or numpy.ndarray
            Length of the period, in the model's time unit (>= 0; whole periods for BG/BB); broadcasts with ``n``.

        Returns
        -------
        float or numpy.ndarray
            P(X(t) = n): a float when ``n`` and ``t`` are numbers, else an array of their broadcast shape.
        """
        n_arr = np.asarray(n, dtype=float)
        t_arr = self._check_horizons(t)
        if not np.all((n_arr >= 0) & (n_arr == np.round(n_arr))):
            raise ValueError("n must be a whole number >= 0.")
        self._refuse_covariates("a new customer's probability of purchases")
        values = self._functions.probability_of_purchases(*self.theta, n_arr, t_arr)
        return _as_float_or_array(values, np.broadcast_arrays(n_arr, t_arr)[0])

    def conditional_probability_of_purchases(self, data: pd.DataFrame, n: int, t: float) -> pd.Series:
        """Probability that each customer makes exactly ``n`` repeat purchases in the next ``t`` time units.

        Parameters
        ----------
        data : pandas.DataFrame
            Summary with the model's columns, in the model's time unit.
        n : int
            Number of repeat purchases (a whole number >= 0).
        t : float
            Horizon, in the model's time unit (>= 0; whole periods for BG/BB).

        Returns
        -------
        pandas.Series
            Named ``p_{n}_purchases``, aligned to ``data.index``.
        """
        t = self._check_horizon(t)
        if not (float(n) >= 0 and float(n) == np.floor(float(n))):
            raise ValueError(f"n must be a whole number >= 0; got {n!r}.")
        if self._layout is not None:
            return self._per_stratum(data, lambda model, rows: model.conditional_probability_of_purchases(rows, n, t))
        history = self.history(data)
        with np.errstate(divide="ignore"):
            values = self._functions.conditional_probability_of_purchases(
                *self.theta, *history.values, np.asarray(float(n)), np.asarray(t)
            )
        return pd.Series(values, index=history.index, name=f"p_{int(n)}_purchases")

    def dert(self, data: pd.DataFrame, *, annual_discount_rate: float) -> pd.Series:
        r"""Discounted expected residual transactions: :math:`\int_0^\infty e^{-\delta t}\, dE[Y(t)]`.

        The number of future transactions, each discounted to today, with :math:`\delta` the continuous rate
        per time unit equivalent to ``annual_discount_rate`` (which must be > 0). Multiplied by the expected
        margin per transaction it is the customer's residual lifetime value (Fader, Hardie & Lee 2005,
        "RFM and CLV").

        Parameters
        ----------
        data : pandas.DataFrame
            Summary with the model's columns, in the model's time unit.
        annual_discount_rate : float
            Effective annual rate (> 0; 0.1 for 10 % a year), converted with the model's ``time_unit_``.

        Returns
        -------
        pandas.Series
            Named ``dert``, aligned to ``data.index``.
        """
        if not annual_discount_rate > 0:
            raise ValueError(f"DERT needs a positive annual_discount_rate; got {annual_discount_rate!r}.")
        if self._layout is not None:
            return self._per_stratum(
                data, lambda model, rows: model.dert(rows, annual_discount_rate=annual_discount_rate)
            )
        delta = rate_per_unit(annual_discount_rate, self.time_unit_)
        history = self.history(data)
        return pd.Series(self.dert_at(self.theta, history, delta), index=history.index, name="dert")

    def simulate(
        self, n_customers: int, T: float | np.ndarray, *, seed: int | np.random.Generator | None = None
    ) -> pd.DataFrame:
        """Draw a summary table from the fitted model.

        Parameters
        ----------
        n_customers : int
            Number of customers.
        T : float or array of length ``n_customers``
            Each customer's observation time since its first purchase (whole periods for discrete-time
            models).
        seed : int or numpy.random.Generator, optional
            Seed for reproducible draws.

        Returns
        -------
        pandas.DataFrame
            The model's summary columns (``frequency``, ``recency``, ``T``; ``n_periods`` for BG/BB) indexed by
            ``customer_id`` 0..n-1, with the model's time unit in ``attrs``.
        """
        self._refuse_covariates("simulating customers without their covariates")
        rng = np.random.default_rng(seed)
        T_arr = np.broadcast_to(self._check_horizons(T, "T"), (int(n_customers),)).copy()
        x, t_x, T_out = self._functions.simulate(*self.theta, T_arr, rng)
        frame = pd.DataFrame(
            dict(zip(self.columns, (x, t_x, T_out), strict=True)),
            index=pd.RangeIndex(int(n_customers), name="customer_id"),
        )
        frame.attrs["time_unit"] = self.time_unit_
        return frame


class PurchaseDropoutModel(TransactionModel):
    """A transaction model whose covariates act on its purchase and its dropout process (BG/NBD, Pareto/NBD).

    A subclass sets ``_links``: which of its parameters each process scales (see
    :mod:`pyclv.models._covariates`).

    Parameters
    ----------
    purchase_covariates, dropout_covariates : list of str, optional
        Columns of the data (one value per customer) that shift each process.
    constrained_covariates : list of str, optional
        Columns of both lists with one coefficient for both processes.
    covariate_penalty : float or dict, default 0.0
        L2 penalty on the coefficients, one number or one per process.
    penalizer : float, default 0.0
        L2 penalty on the model's own parameters (see :class:`pyclv.models._base.BaseModel`).
    max_iterations : int, default 2000
        Iteration limit of the optimizer.
    """

    _processes = ("purchase", "dropout")

    def __init__(
        self,
        *,
        purchase_covariates: Sequence[str] | None = None,
        dropout_covariates: Sequence[str] | None = None,
        constrained_covariates: Sequence[str] | None = None,
        covariate_penalty: float | Mapping[str, float] = 0.0,
        penalizer: float = 0.0,
        max_iterations: int = 2000,
    ) -> None:
        super().__init__(penalizer=penalizer, max_iterations=max_iterations)
        self._set_covariate_settings(
            {"purchase": purchase_covariates, "dropout": dropout_covariates}, constrained_covariates, covariate_penalty
        )
