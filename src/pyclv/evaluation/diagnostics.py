r"""Model checks as tables: what a fitted transaction model says, set beside what customers did.

Each function returns a DataFrame that :mod:`pyclv.plotting` draws and a test can read (Fader, Hardie & Lee
2005, section 4):

- :func:`frequency_recency_matrix`, :func:`probability_alive_matrix`: expected purchases and P(alive) over a
  frequency x recency grid of customers of one age;
- :func:`period_transactions`: the histogram of calibration repeat transactions beside the model's
  expectation (the in-sample fit);
- :func:`calibration_vs_holdout`: mean holdout purchases by calibration frequency, actual and predicted (the
  conditional expectations);
- :func:`alive_history`: one customer's P(alive), day by day.

They use the models' public predictions only (``expected_purchases``, ``p_alive``,
``probability_of_purchases``), so they work for every continuous-time transaction model of pyclv.

References
----------
Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005). "Counting your customers" the easy way: an alternative
to the Pareto/NBD model. Marketing Science, 24(2), 275-284.

Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005). RFM and CLV: using iso-value curves for customer base
analysis. Journal of Marketing Research, 42(4), 415-430.
"""

from __future__ import annotations

import math
from typing import Any, cast

import numpy as np
import pandas as pd

from pyclv import _summaries
from pyclv._time import DAYS_PER_UNIT
from pyclv._validation import DateLike, LogColumns, day_str, to_day, validate_summary
from pyclv.engines import pandas as pandas_engine
from pyclv.evaluation._checks import _finite_values, _model_time_unit, _whole_number
from pyclv.evaluation.metrics import _conditional_expectations
from pyclv.evaluation.profiles import attach_covariates, covariate_columns, profile_groups
from pyclv.exceptions import CovariatesNotSupportedError, DataValidationError
from pyclv.models import TransactionModel

__all__ = [
    "alive_history",
    "calibration_vs_holdout",
    "frequency_recency_matrix",
    "period_transactions",
    "probability_alive_matrix",
]

#: Largest number of recency columns of the frequency/recency matrices (the grid stays small at any T).
_MAX_RECENCY_POINTS = 200


#: Largest frequency the matrices choose by default, and the quantile of the model's distribution of repeat
#: purchases in (0, T] that sets the default.
_MAX_DEFAULT_FREQUENCY = 100
_DEFAULT_FREQUENCY_QUANTILE = 0.99


#: Distinct customer ages evaluated at once by period_transactions (bounds its memory).
_CHUNK = 50_000


def _frequency_labels(max_frequency: int) -> list[str]:
    """``["0", "1", ..., "6", "7+"]`` for ``max_frequency=7``."""
    return [str(k) for k in range(max_frequency)] + [f"{max_frequency}+"]


def _age_column(data: pd.DataFrame) -> str:
    """The column holding each customer's observation length: ``T`` (or ``n_periods`` for BG/BB data)."""
    return "n_periods" if "T" not in data.columns and "n_periods" in data.columns else "T"


def _default_max_frequency(model: TransactionModel, T: float) -> int:
    """The 99% quantile of a new customer's repeat purchases in (0, T] under the model (at least 1)."""
    n = np.arange(_MAX_DEFAULT_FREQUENCY + 1, dtype=float)
    cdf = np.cumsum(np.asarray(model.probability_of_purchases(n, T), dtype=float))
    reached = np.flatnonzero(cdf >= _DEFAULT_FREQUENCY_QUANTILE)
    return max(int(reached[0]) if len(reached) else _MAX_DEFAULT_FREQUENCY, 1)


def _grid(
    model: TransactionModel,
    T: float,
    max_frequency: int | None,
    max_recency: float | None,
) -> tuple[np.ndarray, np.ndarray, pd.DataFrame, np.ndarray]:
    """Frequencies, recencies, the summary of the possible grid cells, and their positions in the grid."""
    if model.has_covariates:
        columns = covariate_columns(model)
        raise CovariatesNotSupportedError(
            f"This {type(model).__name__} has covariates ({', '.join(columns)}): each profile has its own matrix. "
            f"Draw it for one profile: pass model.for_covariates({columns[0]}=...) (a value for each covariate)."
        )
    T = float(T)
    if not (math.isfinite(T) and T > 0):
        raise ValueError(f"T must be a finite number > 0 (the customers' age, in the model's time unit); got {T!r}.")
    max_f = _default_max_frequency(model, T) if max_frequency is None else _whole_number(max_frequency, "max_frequency")
    max_r = T if max_recency is None else float(max_recency)
    if not (math.isfinite(max_r) and 0 < max_r <= T):
        raise ValueError(f"max_recency must be > 0 and <= T = {T!r} (recency cannot exceed age); got {max_recency!r}.")
    n_recency = min(math.ceil(max_r) + 1, _MAX_RECENCY_POINTS)
    frequency = np.arange(max_f + 1, dtype=float)
    recency = np.linspace(0.0, max_r, n_recency)
    f_grid, r_grid = np.meshgrid(frequency, recency, indexing="ij")
    possible = (f_grid > 0) | (r_grid == 0)  # without repeat purchases, recency is 0
    cells = pd.DataFrame({"frequency": f_grid[possible], "recency": r_grid[possible], "T": T})
    unit = getattr(model, "time_unit_", None)
    if unit is not None:  # the grid is in the model's own unit
        cells.attrs["time_unit"] = unit
    return frequency, recency, cells, possible


def _expected_frequency_counts(model: TransactionModel, ages: np.ndarray, max_frequency: int) -> np.ndarray:
    """Expected numbers of customers with 0, 1, ..., max_frequency - 1 and >= max_frequency repeat purchases."""
    unique_ages, counts = np.unique(ages, return_counts=True)
    n = np.arange(max_frequency, dtype=float)[:, None]
    expected = np.zeros(max_frequency)
    for start in range(0, len(unique_ages), _CHUNK):
        chunk = slice(start, start + _CHUNK)
        probabilities = np.asarray(model.probability_of_purchases(n, unique_ages[None, chunk]), dtype=float)
        expected += probabilities @ counts[chunk]
    return np.r_[expected, len(ages) - expected.sum()]


def _matrix(
    model: TransactionModel, T: float, max_frequency: int | None, max_recency: float | None, values_of: Any
) -> pd.DataFrame:
    """A frequency x recency table of ``values_of(cells)`` over the grid of customers of age T (NaN if impossible)."""
    frequency, recency, cells, possible = _grid(model, T, max_frequency, max_recency)
    values = np.full(possible.shape, np.nan)
    values[possible] = values_of(cells)
    table = pd.DataFrame(
        values, index=pd.Index(frequency, name="frequency"), columns=pd.Index(recency, name="recency")
    )
    table.attrs.update(T=float(T), time_unit=getattr(model, "time_unit_", None))
    return table


def frequency_recency_matrix(
    model: TransactionModel,
    *,
    T: float,
    max_frequency: int | None = None,
    max_recency: float | None = None,
    t: float = 1.0,
) -> pd.DataFrame:
    r"""Expected purchases in the next ``t`` over a frequency x recency grid of customers of age ``T``.

    Every cell is a customer of age ``T`` with frequency x (rows) and recency :math:`t_x` (columns); its
    value is :math:`E[Y(t) \mid x, t_x, T]` from ``model.expected_purchases``. The table behind Fader, Hardie
    & Lee (2005, "RFM and CLV", Figure 3), drawn by :func:`pyclv.plotting.plot_frequency_recency_matrix`.

    Parameters
    ----------
    model : TransactionModel
        Fitted continuous-time transaction model (BG/NBD, Pareto/NBD, MBG/NBD).
    T : float
        The customers' age (time since the first purchase), in the model's time unit.
    max_frequency : int, optional
        Largest frequency; by default the 99% quantile of a new customer's repeat purchases in (0, T] under
        the model (at most 100).
    max_recency : float, optional
        Largest recency, at most ``T`` (the default).
    t : float, default 1.0
        Horizon of the forecast, in the model's time unit.

    Returns
    -------
    pandas.DataFrame
        Index ``frequency`` 0, 1, ..., ``max_frequency``; columns ``recency``, ``min(ceil(max_recency) + 1,
        200)`` evenly spaced values from 0 to ``max_recency`` (memory does not depend on the number of
        customers). Cells with frequency 0 and recency > 0 cannot occur (a customer without repeat purchases
        has recency 0) and are NaN. ``attrs`` records ``T``, ``t`` and ``time_unit``.

    Raises
    ------
    ValueError
        If ``T``, ``max_frequency`` or ``max_recency`` is out of range.
    CovariatesNotSupportedError
        If the model has covariates: pass the model of one profile, ``model.for_covariates(...)``.

    Examples
    --------
    >>> import pyclv
    >>> bgnbd = pyclv.BetaGeo.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426, time_unit="W")
    >>> matrix = frequency_recency_matrix(bgnbd, T=39, max_frequency=10, t=52)
    >>> matrix.shape  # 11 frequencies x 40 recencies
    (11, 40)
    >>> round(float(matrix.loc[10.0, 39.0]), 2)  # ten repeat purchases, the last one just now
    8.52
    """
    table = _matrix(model, T, max_frequency, max_recency, lambda cells: model.expected_purchases(cells, t).to_numpy())
    table.attrs["t"] = t
    return table


def probability_alive_matrix(
    model: TransactionModel,
    *,
    T: float,
    max_frequency: int | None = None,
    max_recency: float | None = None,
) -> pd.DataFrame:
    r"""P(alive) over a frequency x recency grid of customers of age ``T``.

    Every cell is a customer of age ``T`` with frequency x (rows) and recency :math:`t_x` (columns); its
    value is :math:`P(\text{alive} \mid x, t_x, T)` from ``model.p_alive``. Drawn by
    :func:`pyclv.plotting.plot_probability_alive_matrix`.

    Parameters
    ----------
    model, T, max_frequency, max_recency
        As in :func:`frequency_recency_matrix`.

    Returns
    -------
    pandas.DataFrame
        The grid of :func:`frequency_recency_matrix` (index ``frequency``, columns ``recency``, NaN where a
        cell cannot occur), holding P(alive). ``attrs`` records ``T`` and ``time_unit``.

    Raises
    ------
    ValueError
        If ``T``, ``max_frequency`` or ``max_recency`` is out of range.
    CovariatesNotSupportedError
        If the model has covariates: pass the model of one profile, ``model.for_covariates(...)``.

    Examples
    --------
    >>> import pyclv
    >>> bgnbd = pyclv.BetaGeo.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426, time_unit="W")
    >>> matrix = probability_alive_matrix(bgnbd, T=39, max_frequency=10)
    >>> float(matrix.loc[0.0, 0.0])  # frequency 0: alive for sure under the BG/NBD
    1.0
    """
    return _matrix(model, T, max_frequency, max_recency, lambda cells: model.p_alive(cells).to_numpy())


def period_transactions(model: TransactionModel, data: pd.DataFrame, *, max_frequency: int = 7) -> pd.DataFrame:
    r"""Actual and expected numbers of customers with 0, 1, 2, ..., "7+" repeat transactions.

    The in-sample check of Fader, Hardie & Lee (2005, Figure 2): the histogram of the calibration
    frequencies beside what the model expects for customers observed for the same lengths of time. Drawn by
    :func:`pyclv.plotting.plot_period_transactions`.

    Parameters
    ----------
    model : TransactionModel
        Fitted transaction model.
    data : pandas.DataFrame
        The calibration summary the model was fitted on (``frequency``, ``recency``, ``T``; ``n_periods``
        instead of ``T`` for BG/BB data).
    max_frequency : int, default 7
        The last row counts the customers with ``max_frequency`` or more repeat transactions.

    Returns
    -------
    pandas.DataFrame
        Index ``frequency`` (labels ``"0"``, ..., ``"6"``, ``"7+"``); columns ``actual`` (int64, customers
        with that many repeat transactions) and ``expected`` (float, the model's expectation). Both columns
        sum to the number of customers.

    Raises
    ------
    DataValidationError
        As :func:`pyclv.data.validate_summary`.
    ValueError
        If ``max_frequency`` is not a whole number >= 1.

    Notes
    -----
    The expected number of customers with k repeat transactions is

    .. math:: E[n_k] = \sum_i P(X(T_i) = k),

    each customer's probability taken at its own age :math:`T_i` from ``model.probability_of_purchases``
    (the unconditional distribution of a new customer's repeat purchases in (0, T]); the last row is
    :math:`N - \sum_{k < K} E[n_k]`. It is exact, not simulated, so it does not vary between runs, and it is
    computed once per distinct age, which keeps it fast and small for any number of customers.

    Examples
    --------
    >>> import pyclv
    >>> bgnbd = pyclv.BetaGeo.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426, time_unit="W")
    >>> table = period_transactions(bgnbd, pyclv.datasets.load_cdnow_summary())
    >>> table["actual"].tolist()  # the CDNOW calibration histogram
    [1411, 439, 214, 100, 62, 38, 29, 64]
    >>> round(float(table["expected"].sum()))  # every customer, as the actual counts
    2357
    """
    max_frequency = _whole_number(max_frequency, "max_frequency")
    checked = validate_summary(data, columns=("frequency", "recency", _age_column(data)))
    actual = np.bincount(np.minimum(checked.frequency, max_frequency).astype(np.int64), minlength=max_frequency + 1)
    assert checked.T is not None  # validated with history
    expected = np.zeros(max_frequency + 1)
    for group in profile_groups(data, model):  # a model with covariates: each profile at its own parameters
        plain = cast(TransactionModel, group.models[0])
        expected += _expected_frequency_counts(plain, checked.T[group.rows], max_frequency)
    return pd.DataFrame(
        {"actual": actual.astype(np.int64), "expected": expected},
        index=pd.Index(_frequency_labels(max_frequency), name="frequency"),
    )


def calibration_vs_holdout(
    model: TransactionModel, calibration_holdout_data: pd.DataFrame, *, max_frequency: int = 7
) -> pd.DataFrame:
    r"""Mean actual and predicted holdout purchases by calibration frequency (0, 1, ..., "7+").

    The conditional-expectations check of Fader, Hardie & Lee (2005, Figure 4): customers are grouped by
    their calibration frequency, and within each group the mean number of repeat transactions they made in
    the holdout is set beside the mean of ``model.expected_purchases(data, duration_holdout)``. Drawn by
    :func:`pyclv.plotting.plot_calibration_purchases_vs_holdout_purchases`.

    Parameters
    ----------
    model : TransactionModel
        Transaction model fitted on the calibration part of the data.
    calibration_holdout_data : pandas.DataFrame
        Output of :func:`pyclv.calibration_holdout_split` (``frequency``, ``recency``, ``T``,
        ``frequency_holdout``, ``duration_holdout``; the holdout durations may differ between customers).
    max_frequency : int, default 7
        The last group holds the customers with ``max_frequency`` or more calibration transactions.

    Returns
    -------
    pandas.DataFrame
        Index ``frequency`` (0, 1, ..., ``"7+"``); columns ``actual`` and ``predicted`` (mean holdout repeat
        transactions, NaN for a group without customers) and ``n_customers``.

    Raises
    ------
    DataValidationError
        If the holdout columns are missing or hold missing values.
    ValueError
        If ``max_frequency`` is not a whole number >= 1.

    Examples
    --------
    >>> import warnings
    >>> import pyclv
    >>> with warnings.catch_warnings(action="ignore"):
    ...     split = pyclv.calibration_holdout_split(pyclv.datasets.load_cdnow_transactions(),
    ...         calibration_period_end="1997-09-30", observation_period_end="1998-06-30", time_unit="W")
    >>> bgnbd = pyclv.BetaGeo.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426, time_unit="W")
    >>> table = calibration_vs_holdout(bgnbd, split)
    >>> int(table["n_customers"].sum()), int(table.loc[0, "n_customers"])
    (2357, 1411)
    """
    max_frequency = _whole_number(max_frequency, "max_frequency")
    data = calibration_holdout_data
    for column in ("frequency_holdout", "duration_holdout"):
        if column not in data.columns:
            raise DataValidationError(
                f"The data have no column {column!r}: build them with pyclv.calibration_holdout_split.",
                column=column,
            )
    checked = validate_summary(data)
    actual = _finite_values(data["frequency_holdout"], "frequency_holdout")
    durations = _finite_values(data["duration_holdout"], "duration_holdout")
    predicted = np.empty(len(data))
    for duration in np.unique(durations):  # usually one holdout length for everybody
        rows = durations == duration
        predicted[rows] = model.expected_purchases(data[rows], float(duration)).to_numpy()
    return _conditional_expectations(checked.frequency, actual, predicted, max_frequency)


def _customer_days(
    transactions: pd.DataFrame,
    customer_id: Any,
    observation_period_end: DateLike | None,
    customer_id_col: str,
    datetime_col: str,
) -> tuple[np.ndarray, int]:
    """One customer's distinct purchase days (sorted day numbers) up to the end, and the end's day number."""
    pandas_engine.open_log(transactions, LogColumns(customer_id_col, datetime_col))
    if observation_period_end is None:
        observation_period_end = day_str(int(pandas_engine.to_days(transactions[datetime_col], datetime_col).max()))
    rows = transactions[transactions[customer_id_col] == customer_id]
    if len(rows):  # a shorter history is what was asked: no warning
        end_day = to_day(observation_period_end, "observation_period_end")
        rows = rows[pandas_engine.to_days(rows[datetime_col], datetime_col) <= end_day]
    if len(rows) == 0:
        raise DataValidationError(
            f"Customer {customer_id!r} has no transactions in column {customer_id_col!r} on or before the end of "
            f"the period. Check the id and its type (1 and '1' differ).",
            column=customer_id_col,
            n_rows=0,
        )
    daily = _summaries.daily_log(rows, LogColumns(customer_id_col, datetime_col), observation_period_end)
    return daily.day, int(daily.end_day)  # one customer: its distinct purchase days, sorted


def alive_history(
    model: TransactionModel,
    transactions: pd.DataFrame,
    customer_id: Any,
    *,
    observation_period_end: DateLike | None = None,
    customer_id_col: str = "customer_id",
    datetime_col: str = "date",
    time_unit: str | None = None,
    covariates: pd.DataFrame | None = None,
) -> pd.DataFrame:
    r"""One customer's history and P(alive), day by day from its first purchase.

    On each day d the customer's history so far, :math:`(x(d), t_x(d), T = d - b)` with b its first purchase
    day, gives ``model.p_alive``: the probability rises at each repeat purchase and decays while the customer
    stays silent. Drawn by :func:`pyclv.plotting.plot_history_alive`.

    Parameters
    ----------
    model : TransactionModel
        Fitted transaction model.
    transactions : pandas.DataFrame
        The transaction log (any number of customers).
    customer_id : Any
        The customer, a value of ``customer_id_col``.
    observation_period_end : date-like, optional
        Last day; the log's last transaction date by default. The customer's later purchases are left out.
    customer_id_col, datetime_col : str
        Columns of the customer ids and transaction dates.
    time_unit : str, optional
        The model's time unit; by default the one the model records.
    covariates : pandas.DataFrame, optional
        For a model with covariates: a table indexed by customer id with its covariate columns (e.g. the
        summary the model was fitted on); the customer's row gives its parameters.

    Returns
    -------
    pandas.DataFrame
        One row per day from the first purchase to the end, indexed by ``date``: the history ``frequency``,
        ``recency`` and ``T`` (in the model's time unit) on that day, ``p_alive``, and ``purchase`` (True on
        the purchase days).

    Raises
    ------
    DataValidationError
        If the customer has no transaction on or before the end, or the log is invalid; for a model with
        covariates, if ``covariates`` is missing or has no row for the customer.
    ValueError
        If the model does not record its time unit and none is given.

    Examples
    --------
    >>> import pyclv
    >>> bgnbd = pyclv.BetaGeo.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426, time_unit="W")
    >>> tx = pyclv.datasets.load_cdnow_transactions()
    >>> history = alive_history(bgnbd, tx, 1, observation_period_end="1997-09-30")
    >>> int(history["purchase"].sum()), len(history)  # three purchase days; 273 days from 1 January
    (3, 273)
    """
    unit = _model_time_unit(model, time_unit)
    purchase_days, end_day = _customer_days(
        transactions, customer_id, observation_period_end, customer_id_col, datetime_col
    )
    birth = int(purchase_days[0])
    days = np.arange(birth, end_day + 1)
    n_before = np.searchsorted(purchase_days, days, side="right")  # purchase days on or before each day
    history = pd.DataFrame(
        {
            "frequency": (n_before - 1).astype(float),
            "recency": (purchase_days[n_before - 1] - birth) / DAYS_PER_UNIT[unit],
            "T": (days - birth) / DAYS_PER_UNIT[unit],
        },
        index=pd.DatetimeIndex(days.astype("datetime64[D]"), name="date"),
    )
    history.attrs["time_unit"] = unit
    if model.has_covariates:  # the customer's covariates on every day of its history
        one = attach_covariates(
            pd.DataFrame(index=pd.Index([customer_id])), covariates, covariate_columns(model), what="alive_history"
        )
        for column in one.columns:
            history[column] = one[column].iloc[0]
    history["p_alive"] = model.p_alive(history).to_numpy()
    history = history.drop(columns=covariate_columns(model))
    history["purchase"] = np.isin(days, purchase_days)
    history.attrs["customer_id"] = customer_id
    return history
