"""The numbers the report states.

The data's dates and counts, the forecast totals with their ranges, what really happened, the value tiers and
the customers to act on.

Everything is computed from the calibration/holdout summary through the public model contract; the
transaction log, when given, adds what happened in the first 30, 60 and 90 days of the holdout.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import cast

import numpy as np
import pandas as pd

from pyclv._time import DAYS_PER_UNIT, rate_per_unit
from pyclv._validation import DateLike, warn
from pyclv.business import clv_segments
from pyclv.evaluation import baseline_forecasts, decile_table
from pyclv.evaluation.profiles import profile_groups
from pyclv.exceptions import PyCLVError
from pyclv.models import TransactionModel
from pyclv.models.gamma_gamma import GammaGamma
from pyclv.report._chance import purchase_variance, revenue_variance
from pyclv.uncertainty import parameter_draws
from pyclv.value import SHORT_WINDOWS_DAYS, score

__all__ = ["AT_RISK_P_ALIVE", "HIGH_VALUE_SHARE", "INTERVAL", "TIERS", "Facts", "Window", "facts_of"]

#: Probability of the ranges of the forecast totals (the parameters' uncertainty and the purchases' chance).
INTERVAL = 0.9

#: Parameter draws behind those ranges, and their seed (the report is reproducible).
_N_DRAWS = 200
_SEED = 0

#: The value tiers: the cuts of the customers ranked by forecast value, and the tiers' names, lowest first.
TIERS: tuple[tuple[float, ...], tuple[str, ...]] = ((0.5, 0.9, 0.99), ("Bottom 50%", "Next 40%", "Next 9%", "Top 1%"))

#: "High value": the customers whose past repeat spend is in this top share.
HIGH_VALUE_SHARE = 0.1

#: "At risk": P(alive) below this.
AT_RISK_P_ALIVE = 0.5

#: Customers listed in the tables of customers.
N_LISTED = 10


@dataclass(frozen=True)
class Window:
    """A forecast window after the calibration end.

    The model's totals and their range, the historical-CLV formula's, and what happened.

    Attributes
    ----------
    days : float
        Its length in days.
    length : float
        Its length in the model's time unit.
    holdout : bool
        Whether it is the whole holdout.
    purchases, revenue : tuple of float
        The model's expected repeat purchases and revenue: estimate, and the lower and upper bound of the
        prediction range of the total (the parameters' uncertainty and the customers' chance; NaN bounds when
        the parameters' uncertainty is unknown).
    formula_purchases, formula_revenue : float
        The historical-CLV formula's.
    actual_purchases, actual_revenue : float
        What the customers did (NaN when unknown).
    """

    days: float
    length: float
    holdout: bool
    purchases: tuple[float, float, float]
    revenue: tuple[float, float, float]
    formula_purchases: float
    formula_revenue: float
    actual_purchases: float
    actual_revenue: float


@dataclass(frozen=True)
class Facts:
    """Everything the report states in numbers.

    Attributes
    ----------
    calibration_start, calibration_end, holdout_end : pandas.Timestamp or None
        The first purchase of the cohort and the ends of the two periods (None when not given).
    calibration_length, holdout_length : float
        In the model's time unit, both counting the calendar days of the period with both ends included: the
        calibration from the first purchase day through its end (the oldest customer's T plus that first day:
        T is measured from the first purchase day), the holdout from the day after the calibration end through
        the observation end (its ``duration_holdout``).
    n_customers, n_repeaters : int
        Customers, and those with a repeat purchase in the calibration period.
    calibration_purchases, calibration_repeat_revenue : float
        Purchases (first and repeat) and the revenue of repeat purchases in the calibration period.
    windows : list of Window
        30, 60 and 90 days (those shorter than the holdout) and the whole holdout.
    value : tuple of float
        The customers' total forecast value over the holdout (margin, discount): estimate and the bounds from
        the parameters' uncertainty.
    scores : pandas.DataFrame
        Per customer: :func:`pyclv.score` over the holdout, with ``forecast_revenue`` (expected purchases times
        expected spend over the holdout, not discounted), ``actual_revenue`` and ``actual_purchases`` (holdout),
        ``past_revenue`` (repeat spend in the calibration), ``last_purchase`` and ``silence`` (time since the
        last purchase, in the time unit), ``tier`` and ``rank``.
    tiers : pandas.DataFrame
        :func:`pyclv.business.clv_segments`' tiers, highest first, with ``actual_revenue`` and
        ``share_of_actual``.
    high_value_floor : float
        The past repeat spend above which a customer is "high value".
    at_risk : pandas.DataFrame
        The high-value customers with P(alive) below :data:`AT_RISK_P_ALIVE`, by past spend, with ``p_buys``
        (the probability that the customer buys at least once in the holdout, given its history).
    deciles : pandas.DataFrame
        :func:`pyclv.evaluation.decile_table` of the customers' forecast revenue over the holdout (not
        discounted, without margin: comparable with the actual) against their actual revenue.
    margin, annual_discount_rate : float
        The valuation's settings.
    """

    calibration_start: pd.Timestamp | None
    calibration_end: pd.Timestamp | None
    holdout_end: pd.Timestamp | None
    calibration_length: float
    holdout_length: float
    n_customers: int
    n_repeaters: int
    calibration_purchases: float
    calibration_repeat_revenue: float
    windows: list[Window]
    value: tuple[float, float, float]
    scores: pd.DataFrame
    tiers: pd.DataFrame
    high_value_floor: float
    at_risk: pd.DataFrame
    deciles: pd.DataFrame
    margin: float
    annual_discount_rate: float

    @property
    def holdout(self) -> Window:
        """The window of the whole holdout.

        Returns
        -------
        Window
            The last window.
        """
        return self.windows[-1]


def _day(value: DateLike | None) -> pd.Timestamp | None:
    return None if value is None else pd.Timestamp(value).normalize()


def _totals(
    transaction_model: TransactionModel,
    spend_model: GammaGamma,
    data: pd.DataFrame,
    lengths: list[float],
    *,
    margin: float,
    delta: float,
) -> np.ndarray:
    """Prediction ranges of the total purchases and revenue of every window, and the range of the total value.

    A total is uncertain for two reasons: the model's parameters are estimates, and each customer's purchases
    are random even with the parameters known (the chance that dominates a short window). At each of
    :data:`_N_DRAWS` parameter draws the totals' means are computed, and a normal draw with the variance of
    the total's chance is added to them (the sum over customers of each customer's variance given its history,
    :mod:`pyclv.report._chance`, computed once at the estimate; thousands of independent customers make the
    sum normal). The ranges are the quantiles of these totals: they hold the actual total with probability
    :data:`INTERVAL` if the customers keep buying as the model describes. The revenue's chance leaves out the
    uncertainty of each customer's own mean amount, so its range is if anything narrow. The value (an
    expectation, not a total that happens) has the range of the parameters' uncertainty alone.

    With covariates, the draws of each model are made once for the model as a whole and mapped to each group of
    customers with equal covariates (:func:`pyclv.evaluation.profiles.profile_groups`), whose sums add up.

    Shape (2, len(lengths) * 2 + 1), lower and upper; NaN when the models have no covariance (built with
    ``from_params``).
    """
    n_values = 2 * len(lengths) + 1
    rng = np.random.default_rng(_SEED)
    try:
        draws_t = parameter_draws(transaction_model, _N_DRAWS, rng)
        draws_s = parameter_draws(spend_model, _N_DRAWS, rng)
    except PyCLVError:
        return np.full((2, n_values), np.nan)
    totals = np.zeros((_N_DRAWS, n_values))
    for group in profile_groups(data, transaction_model, spend_model):  # one group of everybody without covariates
        plain_t, plain_s = cast(TransactionModel, group.models[0]), cast(GammaGamma, group.models[1])
        rows = data.iloc[group.rows]
        history, spend_history = plain_t.history(rows), plain_s.history(rows)
        group_t = transaction_model.draws_for_row(draws_t, group.covariates[0])
        group_s = spend_model.draws_for_row(draws_s, group.covariates[1])
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            for d, (theta_t, theta_s) in enumerate(zip(group_t, group_s, strict=True)):
                spend = plain_s.expected_spend_at(theta_s, spend_history)
                for w, length in enumerate(lengths):
                    purchases = plain_t.expected_purchases_at(theta_t, history, length)
                    totals[d, 2 * w : 2 * w + 2] += purchases.sum(), (purchases * spend).sum()
                if delta == 0.0:
                    discounted = purchases
                else:
                    discounted = plain_t.discounted_purchases_at(theta_t, history, lengths[-1], delta)
                totals[d, -1] += margin * (discounted * spend).sum()
    spend = spend_model.expected_spend(data).to_numpy(dtype=float)
    shape = float(spend_model.params_["p"])
    for w, length in enumerate(lengths):
        purchases = transaction_model.expected_purchases(data, length).to_numpy(dtype=float)
        variance = purchase_variance(transaction_model, data, length)
        chance = (variance.sum(), revenue_variance(variance, purchases, spend, shape).sum())
        totals[:, 2 * w : 2 * w + 2] += rng.standard_normal((_N_DRAWS, 2)) * np.sqrt(chance)
    totals[~np.isfinite(totals)] = np.nan
    return np.nanquantile(totals, [(1 - INTERVAL) / 2, (1 + INTERVAL) / 2], axis=0)


def _log_actuals(
    transactions: pd.DataFrame | None,
    customers: pd.Index,
    calibration_end: pd.Timestamp | None,
    window_days: list[float],
    expected_last: tuple[float, float],
    *,
    customer_id_col: str,
    datetime_col: str,
    monetary_value_col: str | None,
) -> list[tuple[float, float]]:
    """Repeat purchases (purchase days) and revenue of the cohort in each window after the calibration end.

    NaN without a log, and with a warning when the log's count over the whole holdout differs from the
    summary's (the log and the summary are then not of the same customers).
    """
    unknown = [(math.nan, math.nan)] * len(window_days)
    if transactions is None or calibration_end is None:
        return unknown
    dates = pd.to_datetime(transactions[datetime_col]).dt.normalize()
    after = (dates - calibration_end).dt.days
    ids = transactions[customer_id_col]
    # ids compared as text when the log and the summary read them differently (a CSV's "7" and the summary's 7)
    member = ids.isin(customers) if ids.dtype == customers.dtype else ids.astype(str).isin(customers.astype(str))
    kept = member & (after > 0) & (after <= max(window_days))
    log = pd.DataFrame({"customer": transactions.loc[kept, customer_id_col], "after": after[kept]})
    log["amount"] = transactions.loc[kept, monetary_value_col] if monetary_value_col else np.nan
    days = log.groupby(["customer", "after"], sort=False)["amount"].sum(min_count=1).reset_index()
    out = [
        (float((days["after"] <= w).sum()), float(days.loc[days["after"] <= w, "amount"].sum())) for w in window_days
    ]
    if not math.isclose(out[-1][0], expected_last[0], rel_tol=1e-9):
        warn(
            f"report: the transaction log has {out[-1][0]:,.0f} repeat purchases of the summary's customers in the "
            f"holdout, the summary {expected_last[0]:,.0f}; pass the log the summary was made from. The 30, 60 "
            "and 90-day actuals are left out."
        )
        return unknown
    if not monetary_value_col:
        out = [(count, math.nan) for count, _ in out]
    return out


def facts_of(
    transaction_model: TransactionModel,
    spend_model: GammaGamma,
    data: pd.DataFrame,
    transactions: pd.DataFrame | None,
    *,
    calibration_period_end: DateLike | None,
    observation_period_end: DateLike | None,
    customer_id_col: str,
    datetime_col: str,
    monetary_value_col: str | None,
    annual_discount_rate: float,
    margin: float,
) -> Facts:
    """The report's numbers.

    Parameters
    ----------
    transaction_model, spend_model, data, transactions
        As in :func:`pyclv.report.build_report`.
    calibration_period_end, observation_period_end : date-like or None
        The ends of the periods.
    customer_id_col, datetime_col, monetary_value_col : str
        The log's columns.
    annual_discount_rate, margin : float
        The valuation's settings.

    Returns
    -------
    Facts
        The numbers.
    """
    unit = str(transaction_model.time_unit_ or data.attrs.get("time_unit") or "W")
    holdout_length = float(data["duration_holdout"].iloc[0])
    calibration_end = _day(calibration_period_end)
    holdout_end = _day(observation_period_end)
    T = data["T"].to_numpy(dtype=float)
    oldest = pd.Timedelta(days=round(float(T.max()) * DAYS_PER_UNIT[unit]))
    start = calibration_end - oldest if calibration_end is not None else None

    window_days = [float(d) for d in SHORT_WINDOWS_DAYS if d / DAYS_PER_UNIT[unit] < holdout_length - 1e-9]
    window_days.append(holdout_length * DAYS_PER_UNIT[unit])
    lengths = [d / DAYS_PER_UNIT[unit] for d in window_days]
    delta = rate_per_unit(annual_discount_rate, unit)
    bounds = _totals(transaction_model, spend_model, data, lengths, margin=margin, delta=delta)
    purchases = [transaction_model.expected_purchases(data, t) for t in lengths]
    spend = spend_model.expected_spend(data)
    actual_last = (float(data["frequency_holdout"].sum()), float(data["revenue_holdout"].sum()))
    actuals = _log_actuals(
        transactions, data.index, calibration_end, window_days, actual_last, customer_id_col=customer_id_col,
        datetime_col=datetime_col, monetary_value_col=monetary_value_col,
    )
    actuals[-1] = actual_last
    windows = []
    for w, (days, length) in enumerate(zip(window_days, lengths, strict=True)):
        formula = baseline_forecasts(data, horizon=length)["historical_clv"]
        windows.append(
            Window(
                days=days, length=length, holdout=w == len(lengths) - 1,
                purchases=(float(purchases[w].sum()), bounds[0, 2 * w], bounds[1, 2 * w]),
                revenue=(float((purchases[w] * spend).sum()), bounds[0, 2 * w + 1], bounds[1, 2 * w + 1]),
                formula_purchases=float(formula["repeat_transactions"].sum()),
                formula_revenue=float(formula["revenue"].sum()),
                actual_purchases=actuals[w][0], actual_revenue=actuals[w][1],
            )
        )

    scores = score(
        transaction_model, spend_model, data, horizon=holdout_length, annual_discount_rate=annual_discount_rate,
        margin=margin,
    )
    scores["forecast_revenue"] = purchases[-1] * spend
    scores["actual_revenue"] = data["revenue_holdout"].astype(float)
    scores["actual_purchases"] = data["frequency_holdout"].astype(float)
    scores["past_revenue"] = scores["frequency"] * scores["monetary_value"]
    scores["silence"] = scores["T"] - scores["recency"]
    if calibration_end is not None:
        days_ago = np.round(scores["silence"].to_numpy() * DAYS_PER_UNIT[unit]).astype("timedelta64[D]")
        scores["last_purchase"] = calibration_end.to_datetime64() - days_ago
    tiers, scores = _tiers(scores)
    floor, at_risk = _at_risk(scores)
    if len(at_risk):
        none = transaction_model.conditional_probability_of_purchases(data.loc[at_risk.index], 0, holdout_length)
        at_risk = at_risk.assign(p_buys=1.0 - none.to_numpy(dtype=float))
    else:
        at_risk = at_risk.assign(p_buys=pd.Series(dtype=float))
    return Facts(
        calibration_start=start, calibration_end=calibration_end, holdout_end=holdout_end,
        calibration_length=float(T.max()) + 1.0 / DAYS_PER_UNIT[unit], holdout_length=holdout_length,
        n_customers=len(data),
        n_repeaters=int((data["frequency"] > 0).sum()),
        calibration_purchases=float(len(data) + data["frequency"].sum()),
        calibration_repeat_revenue=float(scores["past_revenue"].sum()),
        windows=windows, value=(float(scores["clv"].sum()), bounds[0, -1], bounds[1, -1]),
        scores=scores, tiers=tiers, high_value_floor=floor, at_risk=at_risk,
        deciles=decile_table(scores["forecast_revenue"], scores["actual_revenue"]),
        margin=margin, annual_discount_rate=annual_discount_rate,
    )


def _tiers(scores: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The value tiers, highest first, with what each tier really spent in the holdout."""
    cuts, labels = TIERS
    segments = clv_segments(scores, quantiles=cuts, labels=labels)
    scores = scores.assign(tier=segments.customers["tier"], rank=segments.customers["rank"])
    tiers = segments.tiers.iloc[::-1].copy()
    actual = scores.groupby("tier", observed=False)["actual_revenue"].sum()
    tiers["actual_revenue"] = actual.reindex(tiers.index)
    total = float(scores["actual_revenue"].sum())
    tiers["share_of_actual"] = tiers["actual_revenue"] / total if total > 0 else np.nan
    return tiers, scores


def _at_risk(scores: pd.DataFrame) -> tuple[float, pd.DataFrame]:
    """The floor of "high value" (past repeat spend) and the high-value customers at risk, by past spend."""
    spenders = scores["past_revenue"][scores["past_revenue"] > 0]
    if spenders.empty:
        return math.inf, scores.iloc[:0]
    floor = float(np.quantile(spenders.to_numpy(), 1 - HIGH_VALUE_SHARE))
    chosen = (scores["past_revenue"] >= floor) & (scores["p_alive"] < AT_RISK_P_ALIVE)
    return floor, scores[chosen].sort_values(["past_revenue", "p_alive"], ascending=[False, True])
