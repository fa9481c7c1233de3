r"""Payback: when each cohort repays its acquisition cost, observed and forecast, and its CLV / CAC ratio.

References
----------
Gupta, S., Lehmann, D. R. and Stuart, J. A. (2004). Valuing customers. Journal of Marketing Research, 41(1),
7-18.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pyclv.business.cohorts import CohortForecast, CohortTables
from pyclv.business.segments import _as_series
from pyclv.exceptions import DataValidationError

__all__ = ["Payback", "payback"]

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
        forecast_df, horizon = _forecast_curve(tables, forecast, revenue, margin)
        summary["horizon_periods"] = horizon
        summary["payback_period"] = _first_reached(forecast_df.to_numpy(), cost)
        reached = summary["payback_period"]
    else:
        reached = summary["payback_period_observed"]
    summary["payback_status"] = np.where(
        summary["payback_period_observed"].notna(), "observed", np.where(reached.notna(), "forecast", "not reached")
    )

    customers_df = None
    if clv is not None:
        clv = _as_series(clv, "clv")
        cohort_of = _cohort_of(tables, clv)
        mean_clv = clv.groupby(cohort_of).mean().reindex(cohorts).to_numpy()
        summary["mean_clv"] = mean_clv
        summary["clv_cac_ratio"] = _ratio(mean_clv, cost)
        summary["ltv_cac_ratio"] = _ratio(to_date + mean_clv, cost)
        customers_df = _customer_ratios(tables, clv, cohort_of, cac, per_customer_cost, margin)
    return Payback(observed=observed_df, forecast=forecast_df, summary=summary, customers=customers_df)


def _forecast_curve(
    tables: CohortTables, forecast: CohortForecast, revenue: np.ndarray, margin: float
) -> tuple[pd.DataFrame, np.ndarray]:
    """The observed payback curves continued by the forecast revenue, and each cohort's horizon in periods."""
    cohorts: pd.PeriodIndex = tables.sizes.index  # type: ignore[assignment]
    sizes = tables.sizes.to_numpy(dtype=float)
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
    curve = pd.DataFrame(full, index=cohorts, columns=pd.RangeIndex(n_total, name="periods_since_acquisition"))
    return curve, offsets + 1 + future_rev.shape[1]


def _cohort_of(tables: CohortTables, clv: pd.Series) -> pd.Series:
    """The cohort of each customer of ``clv``, after checking that ``clv`` covers the customers of the tables."""
    members = tables.customers
    missing = ~members.index[members["in_tables"]].isin(clv.index)
    if missing.any():
        raise DataValidationError(
            f"clv is missing {int(missing.sum()):,} customer(s) of the cohorts: compute it for every customer of "
            "the log (the summary at the observation end).",
            column="clv",
            n_rows=int(missing.sum()),
        )
    return members["cohort"].reindex(clv.index)


def _customer_ratios(
    tables: CohortTables,
    clv: pd.Series,
    cohort_of: pd.Series,
    cac: pd.Series,
    per_customer_cost: pd.Series | None,
    margin: float,
) -> pd.DataFrame:
    """Per customer of ``clv``: cohort, cost, margin to date, CLV and the CLV / CAC and LTV / CAC ratios."""
    if per_customer_cost is not None:
        own_cost = per_customer_cost.reindex(clv.index).to_numpy()
    else:
        own_cost = cac.reindex(pd.PeriodIndex(cohort_of)).to_numpy()
    spent = margin * tables.customers["revenue"].reindex(clv.index).to_numpy()  # the tables have revenue
    return pd.DataFrame(
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


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """Numerator / denominator, NaN where the denominator is 0 or missing."""
    numerator = np.asarray(numerator, dtype=float)
    denominator = np.asarray(denominator, dtype=float)
    ok = np.isfinite(denominator) & (denominator > 0)
    return np.divide(numerator, denominator, out=np.full(np.broadcast(numerator, denominator).shape, np.nan), where=ok)
