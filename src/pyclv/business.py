r"""Business metrics from the transaction log: cohorts, their forecast, payback, CLV tiers and RFM scores.

The models answer "what will each customer do next"; the questions a business asks of that answer are about
groups and money. This module sets the models' forecast beside what the log shows:

- :func:`cohort_table`: customers grouped by the calendar period of their first purchase (the acquisition
  cohort), with active customers, retention and revenue by periods since acquisition;
- :func:`cohort_forecast`: each cohort carried forward by a fitted transaction model (and a spend model):
  expected repeat purchases and revenue per cohort per future calendar period;
- :func:`payback`: how long each cohort takes to repay its acquisition cost, observed and forecast, and its
  CLV / CAC ratio;
- :func:`clv_segments`: customers ranked into CLV tiers, with each tier's share of the value;
- :func:`rfm_scores`: the familiar descriptive R, F and M quantile scores.

Calendar periods
----------------
Cohorts and their columns are *calendar* periods (pandas periods): ``"W"`` weeks from Monday to Sunday,
``"M"`` months, ``"Q"`` quarters and ``"Y"`` years. Period 0 is the acquisition period itself, so a customer
acquired on 31 January is in period 1 on 1 February. Every table is cut at the observation end: the calendar
period that contains it is *incomplete* unless the end is its last day, and it is **excluded** from the
tables (its cells are NaN, never a misleadingly small count), as are cohorts acquired in it. What the log
shows of it so far is kept apart (:attr:`CohortTables.incomplete`), and :func:`payback` adds it to the
forecast of the rest of that period.

References
----------
Fader, P. S. and Hardie, B. G. S. (2009). Probability models for customer-base analysis. Journal of
Interactive Marketing, 23(1), 61-69.

Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005). RFM and CLV: using iso-value curves for customer base
analysis. Journal of Marketing Research, 42(4), 415-430.

Gupta, S., Lehmann, D. R. and Stuart, J. A. (2004). Valuing customers. Journal of Marketing Research, 41(1),
7-18.
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from pyclv._time import DAYS_PER_UNIT
from pyclv import _summaries
from pyclv._validation import DateLike, LogColumns, day_str
from pyclv.engines.pandas import DailyLog, daily_totals, run_starts
from pyclv.exceptions import DataValidationError, PyCLVWarning
from pyclv.models._transaction import TransactionModel
from pyclv.models.gamma_gamma import GammaGamma

__all__ = [
    "CohortForecast",
    "CohortTables",
    "Payback",
    "Segments",
    "clv_segments",
    "cohort_forecast",
    "cohort_table",
    "payback",
    "rfm_scores",
]

#: The calendar periods a cohort can be cut into, as pandas period frequencies.
PERIODS: dict[str, str] = {"W": "W-SUN", "M": "M", "Q": "Q-DEC", "Y": "Y-DEC"}

_EPOCH = np.datetime64(0, "D")


# ---------------------------------------------------------------------------------------------------------
# Calendar periods
# ---------------------------------------------------------------------------------------------------------


def _check_period(period: str) -> str:
    if period not in PERIODS:
        supported = ", ".join(repr(p) for p in PERIODS)
        raise ValueError(f"period must be one of {supported} (weeks Monday-Sunday, months, quarters, years); got {period!r}.")
    return PERIODS[period]


def _ordinals(days: np.ndarray, freq: str) -> np.ndarray:
    """pandas period ordinals (consecutive periods have consecutive ordinals) of day numbers."""
    stamps = pd.DatetimeIndex(np.asarray(days, dtype=np.int64).astype("datetime64[D]"))
    return np.asarray(stamps.to_period(freq).asi8, dtype=np.int64)


def _periods(ordinals: np.ndarray, freq: str, name: str) -> pd.PeriodIndex:
    periods = pd.PeriodIndex.from_ordinals(np.asarray(ordinals, dtype=np.int64), freq=freq)  # type: ignore[attr-defined]
    return periods.rename(name)


def _last_days(ordinals: np.ndarray, freq: str) -> np.ndarray:
    """Day number of the last day of each period."""
    starts = _periods(np.asarray(ordinals) + 1, freq, "period").start_time
    return (starts.to_numpy().astype("datetime64[D]") - _EPOCH).astype(np.int64) - 1


def _last_complete(end_day: int, freq: str) -> int:
    """Ordinal of the last calendar period that is complete on ``end_day`` (the day after it starts a new one)."""
    return int(_ordinals(np.array([end_day + 1]), freq)[0]) - 1


@dataclass(frozen=True)
class _Cohorts:
    """The daily log with each row's period ordinal and each customer's cohort ordinal."""

    ordinal: np.ndarray  # per daily row
    cohort: np.ndarray  # per customer code
    last: int  # last complete period
    incomplete: bool  # is the period holding the observation end incomplete?


def _cohorts(daily: DailyLog, freq: str) -> _Cohorts:
    ordinal = _ordinals(daily.day, freq)
    starts = run_starts(daily.customer)  # rows are sorted by customer then day; every code has a row
    last = _last_complete(daily.end_day, freq)
    incomplete = int(_ordinals(np.array([daily.end_day]), freq)[0]) > last
    return _Cohorts(ordinal=ordinal, cohort=ordinal[starts], last=last, incomplete=incomplete)


# ---------------------------------------------------------------------------------------------------------
# Cohort tables
# ---------------------------------------------------------------------------------------------------------


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
        transactions, LogColumns(customer_id_col, datetime_col, monetary_value_col), observation_period_end
    )
    co = _cohorts(daily, freq)
    in_tables = co.cohort <= co.last
    n_left_out = int(np.count_nonzero(~in_tables))
    incomplete_period = _periods(np.array([co.last + 1]), freq, "period")[0] if co.incomplete else None
    if not in_tables.any():
        raise DataValidationError(
            f"Every customer was acquired in the incomplete period {incomplete_period} (the log ends on "
            f"{day_str(daily.end_day)}), so no cohort has a complete period. Use a shorter period, e.g. "
            f"period='W', or a later observation_period_end.",
            column=datetime_col,
            n_rows=len(daily.customer),
        )
    if n_left_out:
        warnings.warn(
            f"{n_left_out:,} customer(s) were acquired in the incomplete period {incomplete_period} (the log ends "
            f"on {day_str(daily.end_day)}); their cohort is not complete yet and is left out of the tables.",
            PyCLVWarning,
            stacklevel=2,
        )

    cohort_ordinals = np.unique(co.cohort[in_tables])
    n_k = co.last - int(cohort_ordinals[0]) + 1
    position = np.searchsorted(cohort_ordinals, co.cohort)  # per customer code (valid where in_tables)
    row_cust = daily.customer
    row_k = co.ordinal - co.cohort[row_cust]
    row_in = in_tables[row_cust]
    # one row per (customer, period): daily rows are sorted by customer, then day (so by period)
    pair_starts = run_starts(row_cust * (int(co.ordinal.max() - co.ordinal.min()) + 1) + (co.ordinal - co.ordinal.min()))
    pair_cust, pair_ord, pair_k = row_cust[pair_starts], co.ordinal[pair_starts], row_k[pair_starts]
    pair_in = in_tables[pair_cust]

    shape = (len(cohort_ordinals), n_k)
    complete = pair_in & (pair_ord <= co.last)
    n_cells = shape[0] * shape[1]
    cells = position[pair_cust[complete]] * n_k + pair_k[complete]
    active = np.bincount(cells, minlength=n_cells).astype(np.float64).reshape(shape)
    observed = (cohort_ordinals[:, None] + np.arange(n_k)[None, :]) <= co.last
    active[~observed] = np.nan
    sizes_arr = np.bincount(position[in_tables], minlength=len(cohort_ordinals))

    cohort_index = _periods(cohort_ordinals, freq, "cohort")
    columns = pd.RangeIndex(n_k, name="periods_since_acquisition")
    sizes = pd.Series(sizes_arr.astype(np.int64), index=cohort_index, name="customers")
    active_df = pd.DataFrame(active, index=cohort_index, columns=columns)
    retention_df = active_df.div(sizes.astype(float), axis=0)

    revenue_df = None
    if daily.amount is not None:
        row_complete = row_in & (co.ordinal <= co.last)
        cells = position[row_cust[row_complete]] * n_k + row_k[row_complete]
        revenue = np.bincount(cells, weights=daily.amount[row_complete], minlength=n_cells).reshape(shape)
        revenue[~observed] = np.nan
        revenue_df = pd.DataFrame(revenue, index=cohort_index, columns=columns)

    incomplete_df = None
    if co.incomplete:
        current = pair_in & (pair_ord == co.last + 1)
        parts = {"active": np.bincount(position[pair_cust[current]], minlength=shape[0]).astype(float)}
        if daily.amount is not None:
            row_current = row_in & (co.ordinal == co.last + 1)
            parts["revenue"] = np.bincount(
                position[row_cust[row_current]], weights=daily.amount[row_current], minlength=shape[0]
            )
        incomplete_df = pd.DataFrame(parts, index=cohort_index)

    first_rows = run_starts(row_cust)
    customers = pd.DataFrame(
        {
            "cohort": _periods(co.cohort, freq, "cohort"),
            "acquisition_date": pd.DatetimeIndex(daily.day[first_rows].astype("datetime64[D]")),
            "in_tables": in_tables,
        },
        index=daily.customers,
    )
    if daily.amount is not None:
        customers["revenue"] = np.bincount(row_cust, weights=daily.amount, minlength=len(daily.customers))
    return CohortTables(
        period=period,
        observation_period_end=pd.Timestamp(day_str(daily.end_day)),
        last_complete_period=_periods(np.array([co.last]), freq, "period")[0],
        incomplete_period=incomplete_period,
        sizes=sizes,
        active=active_df,
        retention=retention_df,
        revenue=revenue_df,
        incomplete=incomplete_df,
        customers=customers,
    )


# ---------------------------------------------------------------------------------------------------------
# Cohort forecast
# ---------------------------------------------------------------------------------------------------------


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
) -> CohortForecast:
    r"""Carry each acquisition cohort forward: expected repeat purchases (and revenue) per future period.

    Every customer of the log is summarised at the observation end τ (:func:`pyclv.rfm_summary` in the
    model's time unit). With :math:`e_j` the last day of the j-th calendar period after τ and
    :math:`t_j = e_j - τ` in the model's time unit, the cohort's expected repeat purchases in period j are

    .. math::
        P_{c,j} = \sum_{i \in c} \big( E[Y_i(t_j) \mid x_i, t_{x,i}, T_i] - E[Y_i(t_{j-1}) \mid x_i, t_{x,i}, T_i] \big),
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
        As :func:`pyclv.rfm_summary`.

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
    if not isinstance(transaction_model, TransactionModel):
        raise TypeError(
            f"transaction_model must be a pyclv transaction model (e.g. BetaGeo); got {type(transaction_model).__name__}."
        )
    transaction_model._check_fitted()
    unit = transaction_model.time_unit_
    if unit is None or transaction_model._discrete:
        raise ValueError(
            "cohort_forecast needs a continuous-time transaction model with a time unit (BetaGeo, ParetoNBD, "
            "ModifiedBetaGeo fitted on a summary from rfm_summary, or built with from_params(..., time_unit='W'))."
        )
    if spend_model is not None:
        if not isinstance(spend_model, GammaGamma):
            raise TypeError(f"spend_model must be a pyclv spend model (GammaGamma); got {type(spend_model).__name__}.")
        spend_model._check_fitted()
        if monetary_value_col is None:
            raise ValueError("A spend model needs the amounts: pass monetary_value_col (e.g. 'amount').")
    if int(n_periods) != n_periods or n_periods < 1:
        raise ValueError(f"n_periods must be a whole number >= 1; got {n_periods!r}.")
    freq = _check_period(period)
    daily = _summaries.daily_log(
        transactions, LogColumns(customer_id_col, datetime_col, monetary_value_col), observation_period_end
    )
    co = _cohorts(daily, freq)
    summary = _summaries.summary_frame(daily_totals(daily), daily.end_day, unit)

    future = np.arange(co.last + 1, co.last + 1 + int(n_periods), dtype=np.int64)
    horizons = (_last_days(future, freq) - daily.end_day) / DAYS_PER_UNIT[unit]
    cumulative = np.column_stack([transaction_model.expected_purchases(summary, float(t)).to_numpy() for t in horizons])
    increments = np.diff(cumulative, axis=1, prepend=0.0)

    cohort_ordinals, position = np.unique(co.cohort, return_inverse=True)
    cohort_index = _periods(cohort_ordinals, freq, "cohort")
    columns = _periods(future, freq, "period")

    def by_cohort(values: np.ndarray) -> pd.DataFrame:
        sums = [np.bincount(position, weights=column, minlength=len(cohort_ordinals)) for column in values.T]
        return pd.DataFrame(np.column_stack(sums), index=cohort_index, columns=columns)

    revenue = None
    if spend_model is not None:
        spend = spend_model.expected_spend(summary).to_numpy()
        revenue = by_cohort(increments * spend[:, None])
    return CohortForecast(
        period=period,
        observation_period_end=pd.Timestamp(day_str(daily.end_day)),
        first_period_partial=co.incomplete,
        sizes=pd.Series(np.bincount(position).astype(np.int64), index=cohort_index, name="customers"),
        purchases=by_cohort(increments),
        revenue=revenue,
        time_unit=unit,
    )


# ---------------------------------------------------------------------------------------------------------
# Payback
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, repr=False)
class Payback:
    """Cumulative margin per acquired customer against the acquisition cost (:func:`payback`).

    Attributes
    ----------
    observed : pandas.DataFrame
        Cohort x periods since acquisition: cumulative margin per acquired customer to the end of each
        complete period (NaN where unobserved).
    forecast : pandas.DataFrame or None
        The observed curve extended by the forecast (the incomplete period: what the log shows so far plus the
        forecast of its rest); ``None`` without a forecast.
    summary : pandas.DataFrame
        One row per cohort (see :func:`payback`).
    customers : pandas.DataFrame or None
        One row per customer of ``clv`` (see :func:`payback`); ``None`` without ``clv``.
    """

    observed: pd.DataFrame
    forecast: pd.DataFrame | None
    summary: pd.DataFrame
    customers: pd.DataFrame | None

    def __repr__(self) -> str:
        return f"Payback(cohorts={len(self.summary)}, forecast={self.forecast is not None})\n{self.summary!r}"


def _costs(
    acquisition_cost: float | pd.Series, tables: CohortTables
) -> tuple[pd.Series, pd.Series | None]:
    """Cost per acquired customer of each cohort, and the per-customer costs when given per customer."""
    cohorts: pd.PeriodIndex = tables.sizes.index  # type: ignore[assignment]
    members = tables.customers[tables.customers["in_tables"]]
    if not isinstance(acquisition_cost, pd.Series):
        cost = float(acquisition_cost)
        if not (np.isfinite(cost) and cost >= 0):
            raise ValueError(f"acquisition_cost must be a finite number >= 0; got {acquisition_cost!r}.")
        return pd.Series(cost, index=cohorts, name="acquisition_cost"), None
    values = pd.to_numeric(acquisition_cost, errors="coerce").astype(float)
    bad = ~np.isfinite(values.to_numpy()) | (values.to_numpy() < 0)
    if bad.any():
        raise DataValidationError(
            f"acquisition_cost has {int(bad.sum()):,} value(s) that are missing, not finite or negative (e.g. "
            f"{list(values.index[bad][:3])}). Costs are amounts >= 0.",
            column="acquisition_cost",
            n_rows=int(bad.sum()),
        )
    if values.index.has_duplicates:
        raise DataValidationError(
            "acquisition_cost has duplicated labels; give one cost per customer or per cohort.",
            column="acquisition_cost",
            n_rows=int(values.index.duplicated().sum()),
        )
    if not isinstance(values.index, pd.PeriodIndex) and members.index.isin(values.index).all():
        per_customer = values.rename("acquisition_cost")
        by_cohort = per_customer.reindex(members.index).groupby(members["cohort"]).mean()
        return by_cohort.reindex(cohorts).rename("acquisition_cost"), per_customer
    labels: pd.PeriodIndex | None = None
    if isinstance(values.index, pd.PeriodIndex):
        labels = values.index
    elif values.index.dtype == object or pd.api.types.is_string_dtype(values.index.dtype):
        try:
            labels = pd.PeriodIndex(values.index.astype(str), freq=cohorts.freq)
        except (ValueError, TypeError):
            labels = None
    if labels is not None and cohorts.isin(labels).all():
        return pd.Series(values.to_numpy(), index=labels).reindex(cohorts).rename("acquisition_cost"), None
    missing = int((~members.index.isin(values.index)).sum())
    raise DataValidationError(
        f"acquisition_cost must be a number, a Series indexed by cohort (covering all {len(cohorts)} cohorts, "
        f"e.g. {list(cohorts.astype(str)[:3])}) or a Series indexed by customer id (covering every customer in "
        f"the cohorts; {missing:,} are missing).",
        column="acquisition_cost",
        n_rows=missing,
    )


def _first_reached(curve: np.ndarray, cost: np.ndarray) -> np.ndarray:
    """Per row, the first column where the curve reaches the cost (NaN where it never does)."""
    with np.errstate(invalid="ignore"):
        reached = curve >= cost[:, None]
    reached &= ~np.isnan(curve)
    first = np.argmax(reached, axis=1).astype(float)
    first[~reached.any(axis=1)] = np.nan
    return first


def payback(
    tables: CohortTables,
    acquisition_cost: float | pd.Series,
    *,
    margin: float = 1.0,
    forecast: CohortForecast | None = None,
    clv: pd.Series | None = None,
) -> Payback:
    r"""When does each cohort repay its acquisition cost? Observed, forecast, and the CLV / CAC ratio.

    The curve of cohort c is the cumulative margin per acquired customer to the end of period k since
    acquisition,

    .. math:: V_{c,k} = \frac{m}{|c|} \sum_{j \le k} \mathrm{revenue}_{c,j},

    from the log (:func:`cohort_table`) while observed and, with a forecast, continued by the forecast revenue
    (undiscounted). The payback period is the first k with :math:`V_{c,k} \ge \mathrm{CAC}_c`: k = 0 means
    the acquisition period's own purchases repay it.

    Parameters
    ----------
    tables : CohortTables
        From :func:`cohort_table` with a value column.
    acquisition_cost : float or pandas.Series
        The cost of acquiring one customer: one number for all; a Series indexed by cohort (periods, or
        labels such as ``"1997-01"``) giving each cohort's cost *per acquired customer* (divide a campaign's
        total by ``tables.sizes``); or a Series indexed by customer id covering every customer of the
        tables (a cohort's CAC is then its customers' mean cost).
    margin : float, default 1.0
        Share of revenue that is margin.
    forecast : CohortForecast, optional
        From :func:`cohort_forecast` with a spend model, for the same log, period and observation end.
    clv : pandas.Series, optional
        Each customer's expected (residual) CLV from the observation end, e.g. from
        :func:`pyclv.customer_lifetime_value` on the summary at that end, covering every customer of the
        tables.

    Returns
    -------
    Payback
        ``observed`` and ``forecast`` curves (cohort x periods since acquisition), and ``summary``, one row per
        cohort: ``customers``, ``acquisition_cost`` (per customer), ``margin_to_date`` (per customer, to the
        last complete period), ``observed_periods``, ``payback_period_observed`` (NaN if not yet repaid),
        with a forecast ``horizon_periods`` and ``payback_period`` (observed, else forecast; NaN if not repaid
        within the forecast horizon), and ``payback_status``: ``"observed"``, ``"forecast"`` or
        ``"not reached"`` (within what is known). With ``clv``: ``mean_clv``, ``clv_cac_ratio`` = mean CLV /
        CAC, and ``ltv_cac_ratio`` = (margin to date + mean CLV) / CAC, the whole-life value against the cost
        (NaN when CAC is 0). ``customers`` (with ``clv``): one row per customer of ``clv`` with ``cohort``,
        ``acquisition_cost`` (the customer's own cost if given per customer, else its cohort's),
        ``margin_to_date`` (everything it spent up to the observation end, times ``margin``), ``clv``,
        ``clv_cac_ratio`` and ``ltv_cac_ratio``.

    Raises
    ------
    ValueError
        If the tables have no revenue, the forecast has no revenue or does not match the tables, or the margin
        or a cost is invalid.
    DataValidationError
        If costs or CLV do not cover the customers or cohorts.

    Examples
    --------
    >>> import pyclv
    >>> from pyclv.business import cohort_table, payback
    >>> tables = cohort_table(pyclv.datasets.load_cdnow_transactions(), monetary_value_col="amount")
    >>> result = payback(tables, 20.0, margin=0.3)
    >>> result.summary[["margin_to_date", "payback_period_observed", "payback_status"]].round(2)
    ... # doctest: +NORMALIZE_WHITESPACE
             margin_to_date  payback_period_observed payback_status
    cohort
    1997-01           30.29                      6.0       observed
    1997-02           31.74                      6.0       observed
    1997-03           31.11                      5.0       observed
    """
    if tables.revenue is None:
        raise ValueError("payback needs revenue: build the tables with cohort_table(..., monetary_value_col='amount').")
    margin = float(margin)
    if not np.isfinite(margin):
        raise ValueError(f"margin must be a finite number; got {margin!r}.")
    cac, per_customer_cost = _costs(acquisition_cost, tables)
    cohorts: pd.PeriodIndex = tables.sizes.index  # type: ignore[assignment]
    sizes = tables.sizes.to_numpy(dtype=float)
    revenue = tables.revenue.to_numpy()
    observed = margin * np.cumsum(np.nan_to_num(revenue), axis=1) / sizes[:, None]
    observed[np.isnan(revenue)] = np.nan
    observed_df = pd.DataFrame(observed, index=cohorts, columns=tables.revenue.columns)
    n_observed = (~np.isnan(revenue)).sum(axis=1)
    to_date = observed[np.arange(len(cohorts)), n_observed - 1]
    cost = cac.to_numpy()
    summary = pd.DataFrame(
        {
            "customers": tables.sizes,
            "acquisition_cost": cac,
            "margin_to_date": to_date,
            "observed_periods": n_observed,
            "payback_period_observed": _first_reached(observed, cost),
        },
        index=cohorts,
    )

    forecast_df = None
    if forecast is not None:
        if forecast.revenue is None:
            raise ValueError("payback needs the forecast's revenue: call cohort_forecast with a spend model.")
        if forecast.period != tables.period or forecast.observation_period_end != tables.observation_period_end:
            raise ValueError(
                f"The forecast (period {forecast.period!r}, end {forecast.observation_period_end.date()}) does not "
                f"match the tables (period {tables.period!r}, end {tables.observation_period_end.date()})."
            )
        future = forecast.revenue.reindex(cohorts)
        if future.isna().any().any():
            raise ValueError("The forecast does not cover every cohort of the tables: build both from the same log.")
        future_rev = future.to_numpy().copy()
        if tables.incomplete is not None:
            future_rev[:, 0] += tables.incomplete["revenue"].to_numpy()
        last_ordinal = tables.last_complete_period.ordinal
        offsets = last_ordinal - cohorts.asi8  # periods since acquisition of the last complete period
        n_total = int(offsets.max()) + 1 + future_rev.shape[1]
        full = np.full((len(cohorts), n_total), np.nan)
        for i, offset in enumerate(offsets):
            seq = np.r_[np.nan_to_num(revenue[i, : offset + 1]), future_rev[i]]
            full[i, : len(seq)] = margin * np.cumsum(seq) / sizes[i]
        forecast_df = pd.DataFrame(full, index=cohorts, columns=pd.RangeIndex(n_total, name="periods_since_acquisition"))
        summary["horizon_periods"] = offsets + 1 + future_rev.shape[1]
        summary["payback_period"] = _first_reached(full, cost)
        reached = summary["payback_period"]
    else:
        reached = summary["payback_period_observed"]
    summary["payback_status"] = np.where(
        summary["payback_period_observed"].notna(), "observed", np.where(reached.notna(), "forecast", "not reached")
    )

    customers_df = None
    if clv is not None:
        clv = _as_series(clv, "clv")
        members = tables.customers
        missing = ~members.index[members["in_tables"]].isin(clv.index)
        if missing.any():
            raise DataValidationError(
                f"clv is missing {int(missing.sum()):,} customer(s) of the cohorts: compute it for every customer of "
                "the log (the summary at the observation end).",
                column="clv",
                n_rows=int(missing.sum()),
            )
        cohort_of = members["cohort"].reindex(clv.index)
        mean_clv = clv.groupby(cohort_of).mean().reindex(cohorts).to_numpy()
        summary["mean_clv"] = mean_clv
        summary["clv_cac_ratio"] = _ratio(mean_clv, cost)
        summary["ltv_cac_ratio"] = _ratio(to_date + mean_clv, cost)
        if per_customer_cost is not None:
            own_cost = per_customer_cost.reindex(clv.index).to_numpy()
        else:
            own_cost = cac.reindex(pd.PeriodIndex(cohort_of)).to_numpy()
        if "revenue" in members.columns:
            spent = margin * members["revenue"].reindex(clv.index).to_numpy()
        else:  # pragma: no cover - the tables have revenue (checked above)
            spent = np.full(len(clv), np.nan)
        customers_df = pd.DataFrame(
            {
                "cohort": cohort_of,
                "acquisition_cost": own_cost,
                "margin_to_date": spent,
                "clv": clv.to_numpy(),
                "clv_cac_ratio": _ratio(clv.to_numpy(), own_cost),
                "ltv_cac_ratio": _ratio(spent + clv.to_numpy(), own_cost),
            },
            index=clv.index,
        )
    return Payback(observed=observed_df, forecast=forecast_df, summary=summary, customers=customers_df)


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """numerator / denominator, NaN where the denominator is 0 or missing."""
    numerator = np.asarray(numerator, dtype=float)
    denominator = np.asarray(denominator, dtype=float)
    ok = np.isfinite(denominator) & (denominator > 0)
    return np.divide(numerator, denominator, out=np.full(np.broadcast(numerator, denominator).shape, np.nan), where=ok)


# ---------------------------------------------------------------------------------------------------------
# Segments
# ---------------------------------------------------------------------------------------------------------


def _as_series(values: pd.Series, name: str) -> pd.Series:
    """A float Series with one finite value per distinct customer."""
    if not isinstance(values, pd.Series):
        raise DataValidationError(f"{name} must be a pandas Series indexed by customer id; got {type(values).__name__}.", column=name)
    if values.index.has_duplicates:
        n = int(values.index.duplicated().sum())
        raise DataValidationError(f"{name} lists {n:,} customer(s) more than once; give one value per customer.", column=name, n_rows=n)
    out = pd.to_numeric(values, errors="coerce").astype(float)
    bad = ~np.isfinite(out.to_numpy())
    if bad.any():
        raise DataValidationError(
            f"{name} has {int(bad.sum()):,} value(s) that are missing or not finite numbers (customers "
            f"{list(out.index[bad][:3])}).",
            column=name,
            n_rows=int(bad.sum()),
        )
    return out


def _aligned(values: pd.Series, index: pd.Index, name: str) -> pd.Series:
    series = _as_series(values, name)
    missing = ~index.isin(series.index)
    if missing.any():
        raise DataValidationError(
            f"{name} is missing {int(missing.sum()):,} customer(s) of clv (e.g. {list(index[missing][:3])}).",
            column=name,
            n_rows=int(missing.sum()),
        )
    return series.reindex(index)


@dataclass(frozen=True, repr=False)
class Segments:
    """Customers ranked into CLV tiers (:func:`clv_segments`).

    Attributes
    ----------
    customers : pandas.DataFrame
        One row per customer, in the input order: ``clv``, ``rank`` (1 = highest CLV; ties share the best
        rank), ``tier`` (an ordered categorical, lowest tier first) and the optional columns.
    tiers : pandas.DataFrame
        One row per tier, lowest first (see :func:`clv_segments`).
    """

    customers: pd.DataFrame
    tiers: pd.DataFrame

    def __repr__(self) -> str:
        return f"Segments(customers={len(self.customers):,})\n{self.tiers!r}"


def _tier_labels(cuts: Sequence[float], quantile: bool) -> list[str]:
    if quantile:
        bounds = [0.0, *cuts, 1.0]
        return [f"{100 * lo:g}-{100 * hi:g}%" for lo, hi in itertools.pairwise(bounds)]
    bounds_t = [-np.inf, *cuts, np.inf]
    return [
        f"< {hi:g}" if np.isinf(lo) else (f">= {lo:g}" if np.isinf(hi) else f"{lo:g} to < {hi:g}")
        for lo, hi in itertools.pairwise(bounds_t)
    ]


def clv_segments(
    clv: pd.Series | pd.DataFrame,
    *,
    p_alive: pd.Series | None = None,
    expected_value: pd.Series | None = None,
    quantiles: Sequence[float] | None = (0.5, 0.8, 0.95),
    thresholds: Sequence[float] | None = None,
    labels: Sequence[str] | None = None,
) -> Segments:
    """Rank customers into CLV tiers and describe each tier's size and share of the value.

    Parameters
    ----------
    clv : pandas.Series or pandas.DataFrame
        CLV per customer, or a score table (:func:`pyclv.score`) with a ``clv`` column (its ``p_alive``
        column is used unless ``p_alive`` is given).
    p_alive : pandas.Series, optional
        P(alive) per customer, covering the customers of ``clv``.
    expected_value : pandas.Series, optional
        Another per-customer quantity to average per tier (e.g. expected purchases or expected spend);
        reported as ``mean_<its name>`` (``mean_expected_value`` if unnamed).
    quantiles : sequence of float, default (0.5, 0.8, 0.95)
        Increasing levels in (0, 1) cutting the CLV distribution: the default gives the bottom half, the
        next 30 %, the next 15 % and the top 5 %. A customer is in a tier above a cut only if its CLV is
        strictly above the cut's value, so customers with equal CLV are always in the same tier and tier sizes
        can differ from the nominal shares when many values tie.
    thresholds : sequence of float, optional
        Increasing CLV values to cut at instead (a tier holds CLV >= its lower threshold and < the next);
        give either ``quantiles`` or ``thresholds``.
    labels : sequence of str, optional
        Tier names, lowest first (one more than cuts); default ``"0-50%"``, ... or ``"< 10"``, ...

    Returns
    -------
    Segments
        ``customers``: one row per input customer, same index and order, with ``clv``, ``rank``, ``tier`` (and
        ``p_alive``, the expected value when given). ``tiers``: per tier, lowest first, ``n_customers``,
        ``share_of_customers``, ``min_clv``, ``max_clv``, ``mean_clv``, ``total_clv``, ``share_of_value``
        (the tier's total over the total CLV; NaN if that is 0), and ``mean_p_alive`` /
        ``mean_<expected value>`` when given. Empty tiers are listed with 0 customers.

    Raises
    ------
    DataValidationError
        If a value is missing or not finite, a customer is listed twice, or ``p_alive`` / ``expected_value``
        does not cover the customers.
    ValueError
        If the cuts or labels are invalid.

    Examples
    --------
    >>> import pandas as pd
    >>> from pyclv.business import clv_segments
    >>> clv = pd.Series([1.0, 2.0, 3.0, 4.0, 100.0], index=pd.Index(list("abcde"), name="customer_id"))
    >>> segments = clv_segments(clv, quantiles=[0.6])
    >>> segments.tiers[["n_customers", "total_clv", "share_of_value"]].round(3)  # doctest: +NORMALIZE_WHITESPACE
            n_customers  total_clv  share_of_value
    tier
    0-60%             3        6.0           0.055
    60-100%           2      104.0           0.945
    """
    if isinstance(clv, pd.DataFrame):
        if "clv" not in clv.columns:
            raise DataValidationError("The score table has no 'clv' column.", column="clv")
        if p_alive is None and "p_alive" in clv.columns:
            p_alive = clv["p_alive"]
        clv = clv["clv"]
    values = _as_series(clv, "clv")
    if len(values) == 0:
        raise DataValidationError("clv has no customers.", column="clv", n_rows=0)
    if (quantiles is None) == (thresholds is None):
        if thresholds is not None:
            raise ValueError("Give either quantiles or thresholds, not both (pass quantiles=None with thresholds).")
        raise ValueError("Give quantiles or thresholds.")
    quantile = thresholds is None
    cuts = np.asarray(quantiles if quantile else thresholds, dtype=float)
    if cuts.ndim != 1 or len(cuts) == 0 or not np.all(np.isfinite(cuts)) or np.any(np.diff(cuts) <= 0):
        raise ValueError(f"The cuts must be a non-empty, strictly increasing sequence of finite numbers; got {list(cuts)}.")
    if quantile and not (cuts[0] > 0 and cuts[-1] < 1):
        raise ValueError(f"quantiles must lie strictly between 0 and 1; got {list(cuts)}.")
    names = list(labels) if labels is not None else _tier_labels(list(cuts), quantile)
    if len(names) != len(cuts) + 1 or len(set(names)) != len(names):
        raise ValueError(f"labels must be {len(cuts) + 1} distinct names (one more than the cuts); got {names}.")

    x = values.to_numpy()
    if quantile:
        tier_codes = np.searchsorted(np.quantile(x, cuts), x, side="left")  # cuts strictly below the value
    else:
        tier_codes = np.searchsorted(cuts, x, side="right")  # thresholds at or below the value
    tier = pd.Categorical.from_codes(tier_codes, categories=pd.Index(names, name="tier"), ordered=True)
    customers = pd.DataFrame(
        {"clv": x, "rank": rankdata(-x, method="min").astype(np.int64), "tier": tier}, index=values.index
    )
    extra: dict[str, pd.Series] = {}
    if p_alive is not None:
        extra["p_alive"] = _aligned(p_alive, values.index, "p_alive")
    if expected_value is not None:
        extra[str(expected_value.name or "expected_value")] = _aligned(expected_value, values.index, "expected_value")
    for name, series in extra.items():
        customers[name] = series.to_numpy()

    groups = customers.groupby("tier", observed=False)
    total = float(x.sum())
    tiers = pd.DataFrame(
        {
            "n_customers": groups.size().astype(np.int64),
            "share_of_customers": groups.size() / len(x),
            "min_clv": groups["clv"].min(),
            "max_clv": groups["clv"].max(),
            "mean_clv": groups["clv"].mean(),
            "total_clv": groups["clv"].sum(),
        }
    )
    tiers["share_of_value"] = tiers["total_clv"] / total if total != 0 else np.nan
    for name in extra:
        tiers[f"mean_{name}"] = groups[name].mean()
    tiers.index.name = "tier"
    return Segments(customers=customers, tiers=tiers)


# ---------------------------------------------------------------------------------------------------------
# RFM scores
# ---------------------------------------------------------------------------------------------------------


def _scores(values: np.ndarray, n_bins: int) -> np.ndarray:
    """Quantile scores 1..n_bins, higher for larger values; tied values share the score of their lowest rank."""
    ranks = rankdata(values, method="min")  # 1..n, ties share the smallest rank
    return (1 + np.floor(n_bins * (ranks - 1) / len(values))).astype(np.int64)


def rfm_scores(summary: pd.DataFrame, *, n_bins: int = 5) -> pd.DataFrame:
    r"""The descriptive RFM scores: recency, frequency and monetary quantile scores from 1 to ``n_bins``.

    Parameters
    ----------
    summary : pandas.DataFrame
        An RFM summary (:func:`pyclv.rfm_summary`) with ``frequency``, ``recency`` and ``T``, and optionally
        ``monetary_value``.
    n_bins : int, default 5
        Number of scores (quintiles by default), from 2 to 9 so that the combined code has one digit per
        letter.

    Returns
    -------
    pandas.DataFrame
        Same index and order as ``summary``: ``R``, ``F`` (and ``M`` with ``monetary_value``) as int64 scores,
        ``n_bins`` the best, and ``RFM``, the scores written as a code (e.g. ``"534"``).

    Raises
    ------
    DataValidationError
        As :func:`pyclv.data.validate_summary`.
    ValueError
        If ``n_bins`` is not a whole number from 2 to 9.

    Notes
    -----
    R scores the time since the last purchase, ``T - recency`` (pyclv's ``recency`` runs from the first to
    the last purchase): the most recent buyers score highest. F scores ``frequency`` and M
    ``monetary_value``, larger scoring higher. A customer at rank r of n (ascending, 1-based) scores
    :math:`1 + \lfloor b (r - 1) / n \rfloor`; tied values share the rank of the first of them, so equal
    customers always get equal scores whatever the row order, and a value shared by many customers (e.g.
    frequency 0) gives uneven bins. These scores describe the past; they are the baseline the models'
    P(alive) and CLV improve on (Fader, Hardie & Lee 2005, "RFM and CLV").

    Examples
    --------
    >>> import pyclv
    >>> from pyclv.business import rfm_scores
    >>> scores = rfm_scores(pyclv.datasets.load_cdnow_summary())
    >>> scores.head(3)  # doctest: +NORMALIZE_WHITESPACE
                 R  F  M  RFM
    customer_id
    1            5  4  4  544
    2            1  3  4  134
    3            1  1  1  111
    """
    from pyclv.data import validate_summary

    if int(n_bins) != n_bins or not 2 <= n_bins <= 9:
        raise ValueError(f"n_bins must be a whole number from 2 to 9; got {n_bins!r}.")
    n_bins = int(n_bins)
    monetary = "monetary_value" in summary.columns if isinstance(summary, pd.DataFrame) else False
    s = validate_summary(summary, require_monetary=monetary)
    assert s.recency is not None and s.T is not None
    # rounded so that equal calendar gaps, computed from different first purchases, tie exactly
    scores = {"R": _scores(-np.round(s.T - s.recency, 9), n_bins), "F": _scores(s.frequency, n_bins)}
    if s.monetary_value is not None:
        scores["M"] = _scores(s.monetary_value, n_bins)
    out = pd.DataFrame(scores, index=s.index)
    out["RFM"] = ["".join(map(str, row)) for row in zip(*scores.values())]
    return out
