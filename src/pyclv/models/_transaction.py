"""The interface every transaction model shares: the questions users ask of a fitted model.

A transaction model's module supplies pure functions; its class maps them to these private hooks and
inherits the public methods, which validate the data, call the hooks on numpy arrays and return pandas
objects aligned to the input's index.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd

from pyclv._arrays import unique_rows
from pyclv._quadrature import discounted_increments
from pyclv._time import rate_per_unit
from pyclv.data import validate_summary
from pyclv.exceptions import DataValidationError
from pyclv.models._base import BaseModel

__all__ = ["TransactionFunctions", "TransactionModel"]


def _as_float_or_array(values: np.ndarray, like: object) -> float | np.ndarray:
    return float(values) if np.ndim(like) == 0 else values


@dataclass(frozen=True)
class TransactionFunctions:
    """A transaction model's mathematics: pure functions of ``(*params, ...)`` that broadcast.

    ``loglik(*params, x, t_x, T)`` per customer; ``loglik_grad`` its gradient (one column per parameter; None:
    numerical); ``p_alive(*params, x, t_x, T)``; ``conditional_expected_purchases(*params, x, t_x, T, t)``;
    ``expected_purchases(*params, t)`` for a new customer; ``probability_of_purchases(*params, n, t)``;
    ``conditional_probability_of_purchases(*params, x, t_x, T, n, t)``; ``simulate(*params, T, rng)`` returning
    (x, t_x, T); optionally ``expected_purchases_if_alive(*params, x, T, t)`` when the conditional expectation
    is P(alive) times a function of (x, T, t), and ``dert(*params, x, t_x, T, delta)`` in closed form.
    """

    loglik: Callable[..., np.ndarray]
    loglik_grad: Callable[..., np.ndarray] | None
    p_alive: Callable[..., np.ndarray]
    conditional_expected_purchases: Callable[..., np.ndarray]
    expected_purchases: Callable[..., np.ndarray]
    probability_of_purchases: Callable[..., np.ndarray]
    conditional_probability_of_purchases: Callable[..., np.ndarray]
    simulate: Callable[..., tuple[np.ndarray, ...]]
    expected_purchases_if_alive: Callable[..., np.ndarray] | None = None
    dert: Callable[..., np.ndarray] | None = None


class TransactionModel(BaseModel):
    """Base class of the models of the number and timing of transactions (BG/NBD and its family).

    A subclass sets ``_params`` and ``_functions`` (its module's pure functions of the natural parameters and
    the customers' histories ``(x, t_x, T)``, broadcasting: customers along one axis, horizons along another)
    and ``_initial_params``; it inherits fitting, predictions, discounting and persistence. ``_columns`` names the summary columns that hold x, t_x and T; ``_discrete`` is True for
    models of whole purchase opportunities (BG/BB), whose horizons are whole periods.
    """

    _columns: ClassVar[tuple[str, str, str]] = ("frequency", "recency", "T")
    _discrete: ClassVar[bool] = False
    _functions: ClassVar[TransactionFunctions]

    # -- hooks: the model's pure functions, called with the natural parameters unpacked first
    def _loglik(self, theta: np.ndarray, *arrays: np.ndarray) -> np.ndarray:
        return self._functions.loglik(*theta, *arrays)

    def _loglik_grad(self, theta: np.ndarray, *arrays: np.ndarray) -> np.ndarray:
        if self._functions.loglik_grad is None:
            return super()._loglik_grad(theta, *arrays)
        return self._functions.loglik_grad(*theta, *arrays)

    def _conditional_expected_purchases(
        self, theta: np.ndarray, x: np.ndarray, t_x: np.ndarray, T: np.ndarray, t: np.ndarray
    ) -> np.ndarray:
        return self._functions.conditional_expected_purchases(*theta, x, t_x, T, t)

    def _p_alive(self, theta: np.ndarray, x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> np.ndarray:
        return self._functions.p_alive(*theta, x, t_x, T)

    def _expected_purchases_if_alive(self, theta: np.ndarray, x: np.ndarray, T: np.ndarray, t: np.ndarray) -> np.ndarray:
        """E[Y(t) | alive at T, x, T] for factorised models."""
        assert self._functions.expected_purchases_if_alive is not None
        return self._functions.expected_purchases_if_alive(*theta, x, T, t)

    def _expected_purchases_new_customer(self, theta: np.ndarray, t: np.ndarray) -> np.ndarray:
        return self._functions.expected_purchases(*theta, t)

    def _probability_of_purchases(self, theta: np.ndarray, n: np.ndarray, t: np.ndarray) -> np.ndarray:
        return self._functions.probability_of_purchases(*theta, n, t)

    def _conditional_probability_of_purchases(
        self, theta: np.ndarray, x: np.ndarray, t_x: np.ndarray, T: np.ndarray, n: np.ndarray, t: np.ndarray
    ) -> np.ndarray:
        return self._functions.conditional_probability_of_purchases(*theta, x, t_x, T, n, t)

    def _simulate(self, theta: np.ndarray, T: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
        return self._functions.simulate(*theta, T, rng)

    @property
    def _factorised(self) -> bool:
        """E[Y(t) | x, t_x, T] = P(alive) g(x, T, t): the costly g is computed once per distinct (x, T)."""
        return self._functions.expected_purchases_if_alive is not None

    def _expected_purchases_by_history(
        self,
        theta: np.ndarray,
        x: np.ndarray,
        t_x: np.ndarray,
        T: np.ndarray,
        t: np.ndarray,
        pairs: tuple[tuple[np.ndarray, ...], np.ndarray] | None = None,
    ) -> np.ndarray:
        """``_conditional_expected_purchases`` for many customers at one horizon, the factorised models'
        costly part computed once per distinct (x, T) (``pairs``: ``unique_rows((x, T))``, if known)."""
        if not self._factorised:
            return self._conditional_expected_purchases(theta, x, t_x, T, t)
        (ux, uT), inverse = pairs if pairs is not None else unique_rows((x, T))
        return self._expected_purchases_if_alive(theta, ux, uT, t)[inverse] * self._p_alive(theta, x, t_x, T)

    def _dert(self, theta: np.ndarray, x: np.ndarray, t_x: np.ndarray, T: np.ndarray, delta: float) -> np.ndarray:
        """Discounted expected residual transactions over an infinite horizon: the model's closed form where it
        has one, else the conditional expectation integrated numerically (see :mod:`pyclv._quadrature`)."""
        if self._functions.dert is not None:
            return self._functions.dert(*theta, x, t_x, T, delta)
        return self._discounted_purchases(theta, x, t_x, T, np.inf, delta)

    def _discounted_purchases(
        self,
        theta: np.ndarray,
        x: np.ndarray,
        t_x: np.ndarray,
        T: np.ndarray,
        horizon: float,
        delta: float,
        *,
        distinct: bool = False,
        nodes_per_panel: int = 12,
        pairs: tuple[tuple[np.ndarray, ...], np.ndarray] | None = None,
    ) -> np.ndarray:
        """int_0^H exp(-delta t) dE[Y(t)] per customer, computed once per distinct (x, t_x, T) (``distinct``:
        the rows are distinct already; ``pairs``: ``unique_rows((x, T))``, if known)."""
        if self._factorised:
            # the discounted purchases of an alive customer depend on (x, T) only
            (ux, uT), inverse = pairs if pairs is not None else unique_rows((x, T))
            values = self._discounted_if_alive(theta, ux, uT, horizon, delta, nodes_per_panel=nodes_per_panel)
            with np.errstate(divide="ignore"):
                return values[inverse] * self._p_alive(theta, x, t_x, T)
        if distinct:
            (ux, utx, uT), inverse = (x, t_x, T), slice(None)
        else:
            (ux, utx, uT), inverse = unique_rows((x, t_x, T))

        def path(rows: slice, t: np.ndarray) -> np.ndarray:
            with np.errstate(divide="ignore"):
                return self._conditional_expected_purchases(theta, ux[rows, None], utx[rows, None], uT[rows, None], t)

        values = discounted_increments(
            path, len(ux), horizon, delta, discrete=self._discrete, nodes_per_panel=nodes_per_panel
        )
        return values[inverse]

    def _discounted_if_alive(
        self, theta: np.ndarray, x: np.ndarray, T: np.ndarray, horizon: float, delta: float, *, nodes_per_panel: int = 12
    ) -> np.ndarray:
        """int_0^H exp(-delta t) dE[Y(t) | alive at T, x, T] for factorised models, per (x, T) given."""

        def alive_path(rows: slice, t: np.ndarray) -> np.ndarray:
            return self._expected_purchases_if_alive(theta, x[rows, None], T[rows, None], t)

        return discounted_increments(
            alive_path, len(x), horizon, delta, discrete=self._discrete, nodes_per_panel=nodes_per_panel
        )

    @property
    def _has_closed_form_dert(self) -> bool:
        return self._functions.dert is not None

    # -- data
    def _arrays(self, data: pd.DataFrame) -> tuple[tuple[np.ndarray, ...], np.ndarray]:
        s = validate_summary(data, columns=self._columns)
        if not np.any(s.frequency > 0):
            raise DataValidationError(
                f"{type(self).__name__} cannot be fitted: no customer has a repeat purchase (column 'frequency' is 0 "
                f"in all {len(s.frequency)} rows), so the data say nothing about purchase rates or dropout. Use a "
                "longer observation period or more customers.",
                column="frequency",
                n_rows=len(s.frequency),
            )
        if not np.any(s.T > 0):
            raise DataValidationError(
                f"{type(self).__name__} cannot be fitted: every customer has T = 0 (observed for no time).",
                column="T",
                n_rows=len(s.T),
            )
        return (s.frequency, s.recency, s.T), np.ones(len(s.frequency), dtype=bool)

    def _history(self, data: pd.DataFrame) -> tuple[tuple[np.ndarray, np.ndarray, np.ndarray], pd.Index]:
        """Validated (x, t_x, T) arrays and the index of a summary, refusing one in another time unit."""
        self._check_fitted()
        s = validate_summary(data, columns=self._columns)
        self._check_time_unit_of(data, self._columns[2])
        return (s.frequency, s.recency, s.T), s.index

    def _check_horizons(self, t: float | np.ndarray, name: str = "t") -> np.ndarray:
        """Horizons as a float array: finite, >= 0, and whole periods for discrete-time models."""
        t_arr = np.asarray(t, dtype=float)
        if not np.all(np.isfinite(t_arr) & (t_arr >= 0)):
            raise ValueError(f"{name} must be finite and >= 0 (in the model's time unit).")
        if self._discrete and not np.all(t_arr == np.floor(t_arr)):
            raise ValueError(f"{name} must be a whole number of periods for {type(self).__name__}.")
        return t_arr

    def _check_horizon(self, t: float, name: str = "t") -> float:
        t = float(t)
        if not (np.isfinite(t) and t >= 0):
            raise ValueError(f"{name} must be a finite number >= 0 (in the model's time unit); got {t!r}.")
        if self._discrete and t != np.floor(t):
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
        (x, t_x, T), index = self._history(data)
        with np.errstate(divide="ignore"):
            values = self._conditional_expected_purchases(self._theta, x, t_x, T, np.asarray(t))
        return pd.Series(values, index=index, name="expected_purchases")

    def p_alive(self, data: pd.DataFrame) -> pd.Series:
        """Probability that each customer is still alive at the end of its observation (``T``).

        Returns
        -------
        pandas.Series
            Named ``p_alive``, aligned to ``data.index``, in [0, 1].
        """
        (x, t_x, T), index = self._history(data)
        with np.errstate(divide="ignore"):
            values = self._p_alive(self._theta, x, t_x, T)
        return pd.Series(values, index=index, name="p_alive")

    def expected_purchases_new_customer(self, t: float | np.ndarray) -> float | np.ndarray:
        """Expected repeat purchases of a randomly chosen new customer in its first ``t`` time units.

        ``t`` may be a number (returns a float) or an array (returns an array of the same shape).
        """
        t_arr = self._check_horizons(t)
        return _as_float_or_array(self._expected_purchases_new_customer(self._theta, t_arr), t)

    def probability_of_purchases(self, n: int | np.ndarray, t: float | np.ndarray) -> float | np.ndarray:
        """Unconditional probability that a new customer makes exactly ``n`` repeat purchases in (0, t].

        ``n`` and ``t`` broadcast; scalars give a float.
        """
        n_arr = np.asarray(n, dtype=float)
        t_arr = self._check_horizons(t)
        if not np.all((n_arr >= 0) & (n_arr == np.round(n_arr))):
            raise ValueError("n must be a whole number >= 0.")
        values = self._probability_of_purchases(self._theta, n_arr, t_arr)
        return _as_float_or_array(values, np.broadcast_arrays(n_arr, t_arr)[0])

    def conditional_probability_of_purchases(self, data: pd.DataFrame, n: int, t: float) -> pd.Series:
        """Probability that each customer makes exactly ``n`` repeat purchases in the next ``t`` time units.

        Returns
        -------
        pandas.Series
            Named ``p_{n}_purchases``, aligned to ``data.index``.
        """
        t = self._check_horizon(t)
        if not (float(n) >= 0 and float(n) == np.floor(float(n))):
            raise ValueError(f"n must be a whole number >= 0; got {n!r}.")
        (x, t_x, T), index = self._history(data)
        with np.errstate(divide="ignore"):
            values = self._conditional_probability_of_purchases(self._theta, x, t_x, T, np.asarray(float(n)), np.asarray(t))
        return pd.Series(values, index=index, name=f"p_{int(n)}_purchases")

    def dert(self, data: pd.DataFrame, *, annual_discount_rate: float) -> pd.Series:
        r"""Discounted expected residual transactions: :math:`\int_0^\infty e^{-\delta t}\, dE[Y(t)]`.

        The number of future transactions, each discounted to today, with :math:`\delta` the continuous rate
        per time unit equivalent to ``annual_discount_rate`` (which must be > 0). Multiplied by the expected
        margin per transaction it is the customer's residual lifetime value (Fader, Hardie & Lee 2005,
        "RFM and CLV").

        Returns
        -------
        pandas.Series
            Named ``dert``, aligned to ``data.index``.
        """
        if not annual_discount_rate > 0:
            raise ValueError(f"DERT needs a positive annual_discount_rate; got {annual_discount_rate!r}.")
        delta = rate_per_unit(annual_discount_rate, self.time_unit_)
        (x, t_x, T), index = self._history(data)
        return pd.Series(self._dert(self._theta, x, t_x, T, delta), index=index, name="dert")

    def simulate(self, n_customers: int, T: float | np.ndarray, *, seed: int | np.random.Generator | None = None) -> pd.DataFrame:
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
        rng = np.random.default_rng(seed)
        T_arr = np.broadcast_to(self._check_horizons(T, "T"), (int(n_customers),)).copy()
        x, t_x, T_out = self._simulate(self._theta, T_arr, rng)
        frame = pd.DataFrame(
            dict(zip(self._columns, (x, t_x, T_out))),
            index=pd.RangeIndex(int(n_customers), name="customer_id"),
        )
        frame.attrs["time_unit"] = self.time_unit_
        return frame
