r"""Acquisition cohorts: what they did (:func:`cohort_table`) and what a model expects next (:func:`cohort_forecast`).

Cohorts and their columns are *calendar* periods (see :mod:`pyclv.business`); the last, incomplete period is
excluded from the tables and kept apart.

References
----------
Fader, P. S. and Hardie, B. G. S. (2009). Probability models for customer-base analysis. Journal of
Interactive Marketing, 23(1), 61-69.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pyclv import _summaries
from pyclv._time import DAYS_PER_UNIT
from pyclv._validation import DateLike, LogColumns, day_str
from pyclv.business._periods import _check_period, _Cohorts, _cohorts, _last_days, _periods
from pyclv.engines.pandas import DailyLog, daily_totals, run_starts
from pyclv.evaluation.profiles import attach_covariates, covariate_columns
from pyclv.exceptions import DataValidationError, PyCLVWarning
from pyclv.models import GammaGamma, TransactionModel, check_models

__all__ = ["CohortForecast", "CohortTables", "cohort_forecast", "cohort_table"]

#: The name of the observation end in validation messages.
_END = "observation_period_end"

@dataclass(frozen=True, repr=False)
class CohortTables:
    """Acquisition cohorts and what they did, by calendar periods since acquisition (see :func:`cohort_table`).

    Attributes
    ----------
    period : str
        ``"W"``, ``"M"``, ``"Q"`` or ``"Y"``.
    observation_period_end : pandas.Timestamp
        The last day of the log that was used.
    last_complete_period : pandas.Period
        The last calendar period observed in full; the tables stop there.
    incomplete_period : pandas.Period or None
        The period holding the observation end when the end is not its last day (excluded from the tables).
    sizes : pandas.Series
        Customers acquired per cohort (int64), indexed by cohort (a ``PeriodIndex`` named ``cohort``).
    active : pandas.DataFrame
        Cohort x periods since acquisition (columns 0, 1, ..., named ``periods_since_acquisition``): the
        number of customers of the cohort with at least one purchase in that calendar period. Float, NaN for
        cells after the last complete period.
    retention : pandas.DataFrame
        ``active`` divided by the cohort's size; 1 in period 0 by definition.
    revenue : pandas.DataFrame or None
        Total amount spent by the cohort in each period (acquisition purchases included in period 0), NaN
        where unobserved; ``None`` without a value column.
    incomplete : pandas.DataFrame or None
        What the log shows so far of the incomplete period, per cohort of the tables: ``active`` and, with a
        value column, ``revenue``. ``None`` when the last period is complete.
    customers : pandas.DataFrame
        One row per customer of the log (up to the end), indexed by customer id and sorted: ``cohort``
        (period), ``acquisition_date``, ``in_tables`` (False for customers acquired in the incomplete period)
        and, with a value column, ``revenue`` (everything spent up to the observation end).
    """

    period: str
    observation_period_end: pd.Timestamp
    last_complete_period: pd.Period
    incomplete_period: pd.Period | None
    sizes: pd.Series
    active: pd.DataFrame
    retention: pd.DataFrame
    revenue: pd.DataFrame | None
    incomplete: pd.DataFrame | None
    customers: pd.DataFrame

    def __repr__(self) -> str:
        return (
            f"CohortTables(period={self.period!r}, cohorts={len(self.sizes)}, customers={int(self.sizes.sum()):,}, "
            f"observation_period_end={self.observation_period_end.date()}, "
            f"last_complete_period={self.last_complete_period}, incomplete_period={self.incomplete_period})"
        )


def cohort_table(
    transactions: pd.DataFrame,
    *,
    customer_id_col: str = "customer_id",
    datetime_col: str = "date",
    monetary_value_col: str | None = None,
    period: str = "M",
    observation_period_end: DateLike | None = None,
) -> CohortTables:
    r"""Acquisition cohorts with their active customers, retention and revenue by calendar period.

    Each customer belongs to the cohort of the calendar period of its first purchase in the log. For cohort
    c acquired in period a and k = 0, 1, ... periods since acquisition, the tables hold

    .. math::
        \mathrm{active}_{c,k} = \#\{i \in c : i \text{ buys in period } a + k\}, \qquad
        \mathrm{retention}_{c,k} = \mathrm{active}_{c,k} / |c|, \qquad
        \mathrm{revenue}_{c,k} = \sum_{i \in c} \text{amount spent by } i \text{ in period } a + k,

    for every cell whose calendar period a + k is complete by the observation end; later cells are NaN.

    Parameters
    ----------
    transactions : pandas.DataFrame
        One row per transaction; validated as by :func:`pyclv.rfm_summary` (same-day purchases are one
        transaction, their amounts summed).
    customer_id_col, datetime_col, monetary_value_col, observation_period_end
        As in :func:`pyclv.rfm_summary`; transactions after ``observation_period_end`` are excluded with a
        warning. With a value column the result has revenue.
    period : {"M", "W", "Q", "Y"}, default "M"
        Calendar months, weeks (Monday to Sunday), quarters or years.

    Returns
    -------
    CohortTables
        ``sizes``, ``active``, ``retention``, ``revenue`` (cohort x periods since acquisition), the
        per-customer cohorts and what is known of the incomplete last period.

    Raises
    ------
    DataValidationError
        As :func:`pyclv.rfm_summary`; also if every customer was acquired in the incomplete last period.
    ValueError
        If ``period`` is not supported.

    Warns
    -----
    PyCLVWarning
        If some customers were acquired in the incomplete last period: their cohort is not yet complete, so
        it is left out of the tables (they stay in ``customers`` with ``in_tables`` False).

    Notes
    -----
    The last calendar period is **excluded**, not flagged, when the observation end is not its last day: a
    half-observed month would show a retention that merely looks low. Younger cohorts have fewer observed
    periods; their cells beyond the observation end are NaN, never 0. The cohort is the first purchase *in
    the log*: customers who bought before the log starts are counted as acquired at their first logged
    purchase.

    Examples
    --------
    >>> import pyclv
    >>> from pyclv.business import cohort_table
    >>> tables = cohort_table(pyclv.datasets.load_cdnow_transactions(), monetary_value_col="amount")
    >>> tables.sizes.to_dict()
    {Period('1997-01', 'M'): 781, Period('1997-02', 'M'): 857, Period('1997-03', 'M'): 719}
    >>> tables.retention.iloc[:, :4].round(3)  # doctest: +NORMALIZE_WHITESPACE
    periods_since_acquisition    0      1      2      3
    cohort
    1997-01                    1.0  0.159  0.122  0.090
    1997-02                    1.0  0.156  0.128  0.088
    1997-03                    1.0  0.121  0.117  0.108
    >>> tables.active.iloc[:, -3:]  # younger cohorts: fewer observed months  # doctest: +NORMALIZE_WHITESPACE
    periods_since_acquisition    15    16    17
    cohort
    1997-01                    37.0  37.0  33.0
    1997-02                    59.0  60.0   NaN
    1997-03                    45.0   NaN   NaN
    """
    freq = _check_period(period)
    daily = _summaries.daily_log(
        transactions, LogColumns(customer_id_col, datetime_col, monetary_value_col), observation_period_end, _END
    )
    co = _cohorts(daily, freq)
    in_tables = co.cohort <= co.last
    incomplete_period = _periods(np.array([co.last + 1]), freq, "period")[0] if co.incomplete else None
    _check_cohorts_in_tables(in_tables, incomplete_period, daily.end_day, datetime_col, len(daily.customer))
    grid = _CohortGrid.of(daily, co, in_tables)
    cohort_index = _periods(grid.cohort_ordinals, freq, "cohort")
    columns = pd.RangeIndex(grid.n_k, name="periods_since_acquisition")
    sizes = pd.Series(grid.sizes().astype(np.int64), index=cohort_index, name="customers")
    active_df = pd.DataFrame(grid.active(), index=cohort_index, columns=columns)
    revenue_df = None
    if daily.amount is not None:
        revenue_df = pd.DataFrame(grid.revenue(daily.amount), index=cohort_index, columns=columns)
    incomplete_df = pd.DataFrame(grid.incomplete(daily.amount), index=cohort_index) if co.incomplete else None
    return CohortTables(
        period=period,
        observation_period_end=pd.Timestamp(day_str(daily.end_day)),
        last_complete_period=_periods(np.array([co.last]), freq, "period")[0],
        incomplete_period=incomplete_period,
        sizes=sizes,
        active=active_df,
        retention=active_df.div(sizes.astype(float), axis=0),
        revenue=revenue_df,
        incomplete=incomplete_df,
        customers=_cohort_customers(daily, co, in_tables, freq),
    )


def _check_cohorts_in_tables(
    in_tables: np.ndarray, incomplete_period: pd.Period | None, end_day: int, datetime_col: str, n_rows: int
) -> None:
    """Refuse a log whose every cohort is incomplete; warn about customers acquired in the incomplete period."""
    n_left_out = int(np.count_nonzero(~in_tables))
    if not in_tables.any():
        raise DataValidationError(
            f"Every customer was acquired in the incomplete period {incomplete_period} (the log ends on "
            f"{day_str(end_day)}), so no cohort has a complete period. Use a shorter period, e.g. "
            f"period='W', or a later observation_period_end.",
            column=datetime_col,
            n_rows=n_rows,
        )
    if n_left_out:
        warnings.warn(
            f"{n_left_out:,} customer(s) were acquired in the incomplete period {incomplete_period} (the log ends "
            f"on {day_str(end_day)}); their cohort is not complete yet and is left out of the tables.",
            PyCLVWarning,
            stacklevel=3,
        )


@dataclass(frozen=True)
class _CohortGrid:
    """The daily log laid out on the cohort x periods-since-acquisition grid of :func:`cohort_table`."""

    co: _Cohorts
    in_tables: np.ndarray  # per customer code: acquired in a complete period
    cohort_ordinals: np.ndarray  # the cohorts of the tables
    position: np.ndarray  # per customer code: its cohort's row (valid where in_tables)
    row_cust: np.ndarray  # per daily row: customer code
    row_k: np.ndarray  # per daily row: periods since acquisition
    pair_cust: np.ndarray  # per (customer, period) with a purchase: customer code
    pair_ord: np.ndarray  # ... its period ordinal
    pair_k: np.ndarray  # ... its periods since acquisition
    n_k: int

    @classmethod
    def of(cls, daily: DailyLog, co: _Cohorts, in_tables: np.ndarray) -> _CohortGrid:
        """The grid of the daily log ``daily`` cut into the cohorts ``co``."""
        cohort_ordinals = np.unique(co.cohort[in_tables])
        row_cust = daily.customer
        row_k = co.ordinal - co.cohort[row_cust]
        # one row per (customer, period): daily rows are sorted by customer, then day (so by period)
        span = int(co.ordinal.max() - co.ordinal.min()) + 1
        pair_starts = run_starts(row_cust * span + (co.ordinal - co.ordinal.min()))
        return cls(
            co=co,
            in_tables=in_tables,
            cohort_ordinals=cohort_ordinals,
            position=np.searchsorted(cohort_ordinals, co.cohort),
            row_cust=row_cust,
            row_k=row_k,
            pair_cust=row_cust[pair_starts],
            pair_ord=co.ordinal[pair_starts],
            pair_k=row_k[pair_starts],
            n_k=co.last - int(cohort_ordinals[0]) + 1,
        )

    @property
    def shape(self) -> tuple[int, int]:
        """(cohorts, periods since acquisition)."""
        return (len(self.cohort_ordinals), self.n_k)

    def _observed(self) -> np.ndarray:
        """Cells whose calendar period is complete by the observation end."""
        return (self.cohort_ordinals[:, None] + np.arange(self.n_k)[None, :]) <= self.co.last

    def sizes(self) -> np.ndarray:
        """Customers per cohort."""
        return np.bincount(self.position[self.in_tables], minlength=len(self.cohort_ordinals))

    def active(self) -> np.ndarray:
        """Customers with a purchase per cell, NaN where unobserved."""
        complete = self.in_tables[self.pair_cust] & (self.pair_ord <= self.co.last)
        cells = self.position[self.pair_cust[complete]] * self.n_k + self.pair_k[complete]
        active = np.bincount(cells, minlength=self.shape[0] * self.shape[1]).astype(np.float64).reshape(self.shape)
        active[~self._observed()] = np.nan
        return active

    def revenue(self, amount: np.ndarray) -> np.ndarray:
        """Amount spent per cell, NaN where unobserved."""
        row_complete = self.in_tables[self.row_cust] & (self.co.ordinal <= self.co.last)
        cells = self.position[self.row_cust[row_complete]] * self.n_k + self.row_k[row_complete]
        revenue = np.bincount(cells, weights=amount[row_complete], minlength=self.shape[0] * self.shape[1])
        revenue = revenue.reshape(self.shape)
        revenue[~self._observed()] = np.nan
        return revenue

    def incomplete(self, amount: np.ndarray | None) -> dict[str, np.ndarray]:
        """What the log shows of the incomplete period, per cohort: active customers (and revenue)."""
        current = self.in_tables[self.pair_cust] & (self.pair_ord == self.co.last + 1)
        parts = {"active": np.bincount(self.position[self.pair_cust[current]], minlength=self.shape[0]).astype(float)}
        if amount is not None:
            row_current = self.in_tables[self.row_cust] & (self.co.ordinal == self.co.last + 1)
            parts["revenue"] = np.bincount(
                self.position[self.row_cust[row_current]], weights=amount[row_current], minlength=self.shape[0]
            )
        return parts


def _cohort_customers(daily: DailyLog, co: _Cohorts, in_tables: np.ndarray, freq: str) -> pd.DataFrame:
    """One row per customer: cohort, acquisition date, whether in the tables, and revenue with amounts."""
    first_rows = run_starts(daily.customer)
    customers = pd.DataFrame(
        {
            "cohort": _periods(co.cohort, freq, "cohort"),
            "acquisition_date": pd.DatetimeIndex(daily.day[first_rows].astype("datetime64[D]")),
            "in_tables": in_tables,
        },
        index=daily.customers,
    )
    if daily.amount is not None:
        customers["revenue"] = np.bincount(daily.customer, weights=daily.amount, minlength=len(daily.customers))
    return customers


@dataclass(frozen=True, repr=False)
class CohortForecast:
    """Expected repeat purchases (and revenue) of each cohort in future calendar periods (:func:`cohort_forecast`).

    Attributes
    ----------
    period : str
        ``"W"``, ``"M"``, ``"Q"`` or ``"Y"``.
    observation_period_end : pandas.Timestamp
        The forecast starts the day after it.
    first_period_partial : bool
        True when the observation end is inside the first forecast period: that column holds only the
        expected purchases of the rest of the period (from the day after the end to its last day).
    sizes : pandas.Series
        Customers per cohort (every customer of the log, including a cohort acquired in the incomplete period).
    purchases : pandas.DataFrame
        Cohort (rows, ``PeriodIndex`` named ``cohort``) x future calendar period (columns, ``PeriodIndex``
        named ``period``): the sum over the cohort's customers of their expected repeat purchases in it.
    revenue : pandas.DataFrame or None
        The same for revenue, each customer's expected purchases times its expected spend per transaction;
        ``None`` without a spend model.
    time_unit : str
        The transaction model's time unit.
    """

    period: str
    observation_period_end: pd.Timestamp
    first_period_partial: bool
    sizes: pd.Series
    purchases: pd.DataFrame
    revenue: pd.DataFrame | None
    time_unit: str

    def __repr__(self) -> str:
        return (
            f"CohortForecast(period={self.period!r}, cohorts={len(self.sizes)}, periods={self.purchases.shape[1]}, "
            f"observation_period_end={self.observation_period_end.date()}, "
            f"first_period_partial={self.first_period_partial}, revenue={self.revenue is not None})"
        )


def cohort_forecast(
    transaction_model: TransactionModel,
    transactions: pd.DataFrame,
    *,
    spend_model: GammaGamma | None = None,
    n_periods: int = 12,
    period: str = "M",
    customer_id_col: str = "customer_id",
    datetime_col: str = "date",
    monetary_value_col: str | None = None,
    observation_period_end: DateLike | None = None,
    covariates: pd.DataFrame | None = None,
) -> CohortForecast:
    r"""Carry each acquisition cohort forward: expected repeat purchases (and revenue) per future period.

    Every customer of the log is summarised at the observation end τ (:func:`pyclv.rfm_summary` in the
    model's time unit). With :math:`e_j` the last day of the j-th calendar period after τ and
    :math:`t_j = e_j - τ` in the model's time unit, the cohort's expected repeat purchases in period j are

    .. math::
        P_{c,j} = \sum_{i \in c} \big( E[Y_i(t_j) \mid x_i, t_{x,i}, T_i]
                  - E[Y_i(t_{j-1}) \mid x_i, t_{x,i}, T_i] \big),
        \qquad t_0 = 0,

    the conditional expectations of the fitted model (its public ``expected_purchases``), differenced over
    the period boundaries. With a spend model the revenue is :math:`\sum_{i \in c} E[M_i] (E[Y_i(t_j)] -
    E[Y_i(t_{j-1})])`, the spend model assumed independent of the purchase process (Fader, Hardie & Lee
    2005). Nothing is discounted, and the cohorts are closed: customers acquired after τ are not forecast.

    Parameters
    ----------
    transaction_model : TransactionModel
        A fitted continuous-time transaction model (BG/NBD, Pareto/NBD, MBG/NBD) with a time unit, e.g.
        fitted on a calibration summary; it is applied to the summary at ``observation_period_end``.
    transactions : pandas.DataFrame
        The transaction log, validated as by :func:`pyclv.rfm_summary`.
    spend_model : GammaGamma, optional
        A fitted spend model; needs ``monetary_value_col``.
    n_periods : int, default 12
        Number of calendar periods to forecast, counting the rest of the period holding the end.
    period : {"M", "W", "Q", "Y"}, default "M"
        Calendar period, as in :func:`cohort_table`.
    customer_id_col, datetime_col, monetary_value_col, observation_period_end
        As in :func:`pyclv.rfm_summary`.
    covariates : pandas.DataFrame, optional
        For models with covariates: a table indexed by customer id with their covariate columns and a row for
        every customer of the log (each customer is forecast at its own parameters).

    Returns
    -------
    CohortForecast
        ``purchases`` (and ``revenue``): cohort x future calendar period.

    Raises
    ------
    TypeError
        If the models are not a pyclv transaction model and spend model.
    ValueError
        If the model has no time unit or counts whole periods (BG/BB), if ``n_periods`` < 1, if a spend model
        is given without ``monetary_value_col``, or if ``period`` is not supported.
    DataValidationError
        As :func:`pyclv.rfm_summary`; for models with covariates, if ``covariates`` is missing or lacks a
        customer of the log.

    Examples
    --------
    >>> import pyclv
    >>> from pyclv.business import cohort_forecast
    >>> tx = pyclv.datasets.load_cdnow_transactions()
    >>> calibration = pyclv.rfm_summary(tx[tx["date"] <= "1997-09-30"], monetary_value_col="amount", time_unit="W")
    >>> bgnbd = pyclv.BetaGeo().fit(calibration)
    >>> forecast = cohort_forecast(bgnbd, tx[tx["date"] <= "1997-09-30"], n_periods=3)
    >>> forecast.purchases.round(1)  # doctest: +NORMALIZE_WHITESPACE
    period   1997-10  1997-11  1997-12
    cohort
    1997-01     72.8     66.8     65.7
    1997-02     84.2     77.0     75.4
    1997-03     68.6     62.6     61.2
    """
    check_models(transaction_model, spend_model)
    unit = transaction_model.time_unit_
    if unit is None or transaction_model.discrete:
        raise ValueError(
            "cohort_forecast needs a continuous-time transaction model with a time unit (BetaGeo, ParetoNBD, "
            "ModifiedBetaGeo fitted on a summary from rfm_summary, or built with from_params(..., time_unit='W'))."
        )
    if spend_model is not None:
        if monetary_value_col is None:
            raise ValueError("A spend model needs the amounts: pass monetary_value_col (e.g. 'amount').")
    if int(n_periods) != n_periods or n_periods < 1:
        raise ValueError(f"n_periods must be a whole number >= 1; got {n_periods!r}.")
    freq = _check_period(period)
    daily = _summaries.daily_log(
        transactions, LogColumns(customer_id_col, datetime_col, monetary_value_col), observation_period_end, _END
    )
    co = _cohorts(daily, freq)
    summary = _summaries.summary_frame(daily_totals(daily), daily.end_day, unit)
    models = [transaction_model] if spend_model is None else [transaction_model, spend_model]
    summary = attach_covariates(summary, covariates, covariate_columns(*models), what="cohort_forecast")

    future = np.arange(co.last + 1, co.last + 1 + int(n_periods), dtype=np.int64)
    horizons = (_last_days(future, freq) - daily.end_day) / DAYS_PER_UNIT[unit]
    cumulative = np.column_stack([transaction_model.expected_purchases(summary, float(t)).to_numpy() for t in horizons])
    increments = np.diff(cumulative, axis=1, prepend=0.0)

    cohort_ordinals, position = np.unique(co.cohort, return_inverse=True)
    cohort_index = _periods(cohort_ordinals, freq, "cohort")
    columns = _periods(future, freq, "period")

    def _by_cohort(values: np.ndarray) -> pd.DataFrame:
        sums = [np.bincount(position, weights=column, minlength=len(cohort_ordinals)) for column in values.T]
        return pd.DataFrame(np.column_stack(sums), index=cohort_index, columns=columns)

    revenue = None
    if spend_model is not None:
        spend = spend_model.expected_spend(summary).to_numpy()
        revenue = _by_cohort(increments * spend[:, None])
    return CohortForecast(
        period=period,
        observation_period_end=pd.Timestamp(day_str(daily.end_day)),
        first_period_partial=co.incomplete,
        sizes=pd.Series(np.bincount(position).astype(np.int64), index=cohort_index, name="customers"),
        purchases=_by_cohort(increments),
        revenue=revenue,
        time_unit=unit,
    )
