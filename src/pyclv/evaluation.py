r"""Judging a forecast against what customers really did in the holdout period.

The models' forecast for the holdout window is set beside the actual repeat transactions and revenue and
beside the baselines that practitioners compute in a spreadsheet (:func:`historical_clv`). :func:`evaluate`
gathers everything in one report: aggregate and per-customer errors, the conditional expectations by
calibration frequency, the revenue captured by each predicted-CLV decile (lift, Gini, top-k overlap) and the
same metrics for three baselines. :func:`tracking` sets expected beside actual repeat transactions per
calendar period, across calibration and holdout, as in the tracking plots of Fader, Hardie and Lee (2005).

References
----------
Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005). "Counting your customers" the easy way: an alternative
to the Pareto/NBD model. Marketing Science, 24(2), 275-284.

Schmittlein, D. C. and Peterson, R. A. (1994). Customer base analysis: an industrial purchase process
application. Marketing Science, 13(1), 41-67.
"""

from __future__ import annotations

import html
import math
import warnings
from collections.abc import Mapping, Sequence
from typing import Literal, NamedTuple

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from pyclv._time import DAYS_PER_UNIT, check_time_unit
from pyclv import _summaries
from pyclv import _validation as v
from pyclv._validation import DateLike, LogColumns, day_str
from pyclv.exceptions import DataValidationError, PyCLVWarning
from pyclv.models._transaction import TransactionModel
from pyclv.models.gamma_gamma import GammaGamma
from pyclv.value import customer_lifetime_value

__all__ = [
    "EvaluationReport",
    "compare_models",
    "decile_table",
    "evaluate",
    "historical_clv",
    "holdout_comparison",
    "ranking_metrics",
    "tracking",
]

_HOLDOUT_COLUMNS = ("frequency_holdout", "revenue_holdout", "duration_holdout")

#: Probability that a customer still buying at the cohort's active purchase rate stays silent longer than the
#: default lapse threshold of :func:`historical_clv` (the threshold is ``-log(_LAPSE_TAIL) / rate``).
_LAPSE_TAIL = 0.05


# ---------------------------------------------------------------------------------------------------------
# The historical-CLV formula
# ---------------------------------------------------------------------------------------------------------


class _Lifespan(NamedTuple):
    """The expected lifespan of the historical-CLV formula and how it was obtained."""

    lifespan: float
    churn_rate: float
    lapse: float
    n_lapsed: int


def _summary_arrays(data: pd.DataFrame, what: str, columns: Sequence[str]) -> dict[str, np.ndarray]:
    """Named float arrays of the summary columns a function needs (a DataValidationError names a missing one)."""
    out = {}
    for col in columns:
        if col not in data.columns:
            raise DataValidationError(
                f"{what} needs the column {col!r}: build the data with rfm_summary or calibration_holdout_split "
                "(with monetary_value_col for values).",
                column=col,
            )
        out[col] = data[col].to_numpy(dtype=float)
    return out


def _whole_number(value: int, name: str) -> int:
    """``value`` as an int if it is a whole number >= 1, else a ValueError naming ``name``."""
    if not (float(value) == int(value) and int(value) >= 1):
        raise ValueError(f"{name} must be a whole number >= 1; got {value!r}.")
    return int(value)


def _historical_lifespan(
    frequency: np.ndarray, recency: np.ndarray, T: np.ndarray, horizon: float, lapse: float | None
) -> _Lifespan:
    """Churn rate per time unit estimated from a calibration summary and the expected lifespan within H."""
    repeaters = frequency > 0
    if lapse is None:
        active_time = recency[repeaters].sum()
        rate = frequency[repeaters].sum() / active_time if active_time > 0 else 0.0
        lapse = -math.log(_LAPSE_TAIL) / rate if rate > 0 else math.inf
    lapse = float(lapse)
    if not lapse > 0:  # also refuses NaN
        raise ValueError(f"lapse must be a number > 0 (in the data's time unit) or None; got {lapse!r}.")
    n_lapsed = int(np.count_nonzero(T - recency > lapse))
    exposure = float(T.sum())
    churn = n_lapsed / exposure if exposure > 0 else 0.0
    if churn > 0 and math.isfinite(horizon):
        lifespan = -math.expm1(-churn * horizon) / churn
    elif churn > 0:
        lifespan = 1.0 / churn
    else:
        lifespan = horizon
    return _Lifespan(lifespan=lifespan, churn_rate=churn, lapse=lapse, n_lapsed=n_lapsed)


def historical_clv(
    data: pd.DataFrame,
    *,
    horizon: float,
    lifespan: float | Literal["estimate"] = "estimate",
    lapse: float | None = None,
) -> pd.Series:
    r"""The historical-CLV formula: average order value x purchase frequency x expected lifespan, per customer.

    .. math:: \mathrm{CLV}^{hist}_i = \bar z_i \times \frac{x_i}{T_i} \times L

    This is the spreadsheet baseline the probabilistic models are judged against. Its three parts:

    - **average order value** :math:`\bar z_i`: the customer's mean repeat-transaction amount
      (``monetary_value``; 0 without repeat transactions);
    - **purchase frequency** :math:`x_i / T_i`: the customer's repeat transactions per time unit of its
      observed age (0 when T = 0);
    - **expected lifespan** L: by default estimated from the calibration data, the same for every customer.
      A customer counts as *lapsed* when silent for longer than ``lapse`` (:math:`T_i - t_{x,i} > \ell`);
      the churn rate per time unit is the number of lapsed customers over the cohort's total observed time,
      :math:`\hat\mu = \#\{\text{lapsed}\} / \sum_i T_i`; with a constant churn rate the expected time alive
      within the horizon is

      .. math:: L = E[\min(\tau, H)] = \frac{1 - e^{-\hat\mu H}}{\hat\mu},

      which is "1 / churn rate, capped by the horizon" done exactly: it never exceeds
      :math:`\min(1/\hat\mu, H)`, tends to H when nobody lapses and to :math:`1/\hat\mu` for a long horizon.

    The formula ignores that customers differ in how long they stay and that few purchases are a noisy
    guide to the rate; that is what the models add.

    Parameters
    ----------
    data : pandas.DataFrame
        Calibration summary with ``frequency``, ``recency``, ``T`` and ``monetary_value`` (e.g. from
        :func:`pyclv.rfm_summary` with a value column).
    horizon : float
        H, in the data's time unit (``numpy.inf`` for an uncapped lifespan of :math:`1/\hat\mu`).
    lifespan : float or "estimate", default "estimate"
        The expected lifespan L in the data's time unit, capped by the horizon; ``lifespan=horizon`` gives
        the naive formula in which every customer keeps buying for the whole horizon.
    lapse : float, optional
        Silence (time since the last purchase, in the data's time unit) after which a customer counts as
        lapsed. By default :math:`\ell = \log(20) / \bar\lambda`, with :math:`\bar\lambda = \sum x_i / \sum
        t_{x,i}` over repeat customers their pooled purchase rate while active: a customer still buying at
        that rate stays silent that long with probability 5 %.

    Returns
    -------
    pandas.Series
        Named ``historical_clv``, aligned to ``data.index``; 0 for customers with T = 0. Its ``attrs`` record
        ``lifespan``, ``churn_rate`` (per time unit; NaN when the lifespan was given), ``lapse`` and
        ``n_lapsed``.

    Raises
    ------
    DataValidationError
        If a column is missing.
    ValueError
        If ``horizon``, ``lifespan`` or ``lapse`` is not a positive number.

    Examples
    --------
    >>> import pyclv
    >>> log = pyclv.datasets.load_cdnow_transactions()
    >>> summary = pyclv.rfm_summary(log[log["date"] <= "1997-09-30"], monetary_value_col="amount",
    ...                             observation_period_end="1997-09-30", time_unit="W")
    >>> hist = historical_clv(summary, horizon=39.0)
    >>> round(hist.attrs["lifespan"], 2), round(hist.attrs["lapse"], 2)  # weeks
    (25.75, 19.67)
    >>> bool((hist <= historical_clv(summary, horizon=39.0, lifespan=39.0)).all())
    True
    """
    horizon = float(horizon)
    if not horizon > 0:
        raise ValueError(f"horizon must be a number > 0 in the data's time unit; got {horizon!r}.")
    cols = _summary_arrays(data, "historical_clv", ("frequency", "recency", "T", "monetary_value"))
    x, t_x, T = cols["frequency"], cols["recency"], cols["T"]
    if isinstance(lifespan, str):
        if lifespan != "estimate":
            raise ValueError(f"lifespan must be a number > 0 or 'estimate'; got {lifespan!r}.")
        life = _historical_lifespan(x, t_x, T, horizon, lapse)
    else:
        value = float(lifespan)
        if not value > 0:
            raise ValueError(f"lifespan must be a number > 0 or 'estimate'; got {lifespan!r}.")
        life = _Lifespan(min(value, horizon), math.nan, math.nan if lapse is None else float(lapse), 0)
    rate = np.divide(x, T, out=np.zeros_like(x), where=T > 0)
    values = pd.Series(cols["monetary_value"] * rate * life.lifespan, index=data.index, name="historical_clv")
    values.attrs.update(life._asdict())
    return values


def _holdout_duration(data: pd.DataFrame, what: str, columns: Sequence[str]) -> float:
    """The one holdout duration of a calibration/holdout split, after checking the columns ``what`` needs."""
    for col in columns:
        if col not in data.columns:
            raise DataValidationError(
                f"{what} needs the column {col!r}: build the data with calibration_holdout_split "
                "(with monetary_value_col for revenue).",
                column=col,
            )
    if len(data) == 0:
        raise DataValidationError(f"{what} needs at least one customer; the data are empty.", column=columns[0], n_rows=0)
    durations = data["duration_holdout"].to_numpy(dtype=float)
    if not np.all(durations == durations[0]):
        values, counts = np.unique(durations, return_counts=True)
        common = values[np.argmax(counts)]
        raise DataValidationError(
            f"{what} needs one holdout duration for all customers (column 'duration_holdout' varies): "
            f"{int(np.sum(durations != common)):,} rows differ from the most common value {common:g}.",
            column="duration_holdout",
            n_rows=int(np.sum(durations != common)),
        )
    duration = float(durations[0])
    if not (np.isfinite(duration) and duration > 0):
        raise DataValidationError(
            f"{what} needs a positive holdout duration; column 'duration_holdout' is {duration!r}.",
            column="duration_holdout",
            n_rows=len(durations),
        )
    return duration


def holdout_comparison(
    transaction_model: TransactionModel, spend_model: GammaGamma, calibration_holdout_data: pd.DataFrame
) -> pd.DataFrame:
    """Forecast versus actual holdout repeat transactions and revenue, beside the historical-CLV baseline.

    Parameters
    ----------
    transaction_model, spend_model
        Fitted models.
    calibration_holdout_data : pandas.DataFrame
        Output of :func:`pyclv.calibration_holdout_split` with a value column (``frequency``, ``recency``,
        ``T``, ``monetary_value``, ``frequency_holdout``, ``revenue_holdout``, ``duration_holdout``).

    Returns
    -------
    pandas.DataFrame
        Rows ``repeat_transactions`` and ``revenue``; columns ``actual``, ``model``, ``historical`` (totals
        over customers), ``model_error_pct`` and ``historical_error_pct`` (aggregate percentage errors),
        ``model_mae`` and ``historical_mae`` (mean absolute error per customer).

    Notes
    -----
    The historical forecast is :func:`historical_clv` over the holdout duration H with its estimated lifespan
    L: revenue :math:`\\bar z_i x_i L / T_i` and repeat transactions :math:`x_i L / T_i`. :func:`evaluate`
    gives the fuller report.
    """
    data = calibration_holdout_data
    duration = _holdout_duration(data, "holdout_comparison", _HOLDOUT_COLUMNS)
    purchases = transaction_model.expected_purchases(data, duration).to_numpy()
    spend = spend_model.expected_spend(data).to_numpy()
    hist = historical_clv(data, horizon=duration)
    x, T = data["frequency"].to_numpy(dtype=float), data["T"].to_numpy(dtype=float)
    hist_purchases = np.divide(x, T, out=np.zeros_like(x), where=T > 0) * hist.attrs["lifespan"]
    rows = {
        "repeat_transactions": (data["frequency_holdout"].to_numpy(dtype=float), purchases, hist_purchases),
        "revenue": (data["revenue_holdout"].to_numpy(dtype=float), purchases * spend, hist.to_numpy()),
    }
    table = {}
    for name, (actual, model, hist_values) in rows.items():
        total = actual.sum()
        table[name] = {
            "actual": total,
            "model": model.sum(),
            "historical": hist_values.sum(),
            "model_error_pct": 100.0 * (model.sum() - total) / total if total else np.nan,
            "historical_error_pct": 100.0 * (hist_values.sum() - total) / total if total else np.nan,
            "model_mae": np.abs(model - actual).mean(),
            "historical_mae": np.abs(hist_values - actual).mean(),
        }
    return pd.DataFrame(table).T


def compare_models(
    models: Mapping[str, TransactionModel] | Sequence[TransactionModel], calibration_holdout_data: pd.DataFrame
) -> pd.DataFrame:
    """Fit statistics and holdout accuracy of several fitted transaction models, side by side.

    Parameters
    ----------
    models : mapping of name to model, or sequence of models
        Transaction models fitted on the calibration part of ``calibration_holdout_data`` (a sequence is named
        by class name).
    calibration_holdout_data : pandas.DataFrame
        Output of :func:`pyclv.calibration_holdout_split`: the calibration summary with ``frequency_holdout``
        and ``duration_holdout``.

    Returns
    -------
    pandas.DataFrame
        One row per model: ``n_params``, ``log_likelihood``, ``aic``, ``bic`` (from the fit), and on the holdout
        ``actual`` and ``predicted`` total repeat transactions, ``aggregate_error_pct``, and the per-customer
        ``mae`` and ``rmse`` of predicted against actual repeat transactions. Sorted by BIC.

    Notes
    -----
    LL, AIC and BIC compare models only when they were fitted on the same data; the holdout columns compare
    them on what customers did next, which is what a forecast is for.
    """
    named = dict(models) if isinstance(models, Mapping) else {type(m).__name__: m for m in models}
    if not named:
        raise ValueError("compare_models needs at least one fitted model.")
    data = calibration_holdout_data
    for col in ("frequency_holdout", "duration_holdout"):
        if col not in data.columns:
            raise DataValidationError(
                f"compare_models needs the column {col!r}: build the data with calibration_holdout_split.", column=col
            )
    actual = data["frequency_holdout"].to_numpy(dtype=float)
    durations = data["duration_holdout"].to_numpy(dtype=float)
    if not np.all(durations == durations[0]):
        raise DataValidationError(
            "compare_models needs one holdout duration for all customers (column 'duration_holdout' varies).",
            column="duration_holdout",
            n_rows=int(np.sum(durations != durations[0])),
        )
    duration = float(durations[0])
    sizes = {name: model.n_customers_ for name, model in named.items() if hasattr(model, "n_customers_")}
    if len(set(sizes.values())) > 1:
        warnings.warn(
            f"compare_models: the models were fitted on different numbers of customers ({sizes}); their LL, AIC "
            "and BIC are not comparable, only the holdout columns are.",
            PyCLVWarning,
            stacklevel=2,
        )
    rows = {}
    for name, model in named.items():
        if not isinstance(model, TransactionModel):
            raise TypeError(f"compare_models compares transaction models; {name!r} is a {type(model).__name__}.")
        predicted = model.expected_purchases(data, duration).to_numpy()
        error = predicted - actual
        rows[name] = {
            "n_params": len(model.param_names()),
            "log_likelihood": model.log_likelihood_,
            "aic": model.aic,
            "bic": model.bic,
            "actual": actual.sum(),
            "predicted": predicted.sum(),
            "aggregate_error_pct": 100.0 * (predicted.sum() - actual.sum()) / actual.sum() if actual.sum() else np.nan,
            "mae": np.abs(error).mean(),
            "rmse": np.sqrt(np.mean(error**2)),
        }
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "model"
    return table.sort_values("bic")


# ---------------------------------------------------------------------------------------------------------
# Ranking: deciles, lift, Gini, top-k overlap
# ---------------------------------------------------------------------------------------------------------


def _finite_values(values: object, name: str) -> np.ndarray:
    """A 1-d float array of finite values, or a DataValidationError naming ``name`` and counting bad rows."""
    array = np.asarray(
        values.to_numpy(dtype=float, na_value=np.nan) if isinstance(values, pd.Series) else values,
        dtype=float,
    )
    if array.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional (one value per customer); got shape {array.shape}.")
    if len(array) == 0:
        raise DataValidationError(f"{name} is empty: there are no customers.", column=name, n_rows=0)
    bad = ~np.isfinite(array)
    if bad.any():
        n = int(bad.sum())
        raise DataValidationError(
            f"{name} has {n:,} missing or infinite value(s) of {len(array):,}; drop or fill them first.",
            column=name,
            n_rows=n,
        )
    return array


def _ranking_arrays(predicted: object, actual: object) -> tuple[np.ndarray, np.ndarray]:
    """Finite per-customer predictions and actual values (>= 0) in one order; two Series are aligned on their index."""
    if isinstance(predicted, pd.Series) and isinstance(actual, pd.Series) and not predicted.index.equals(actual.index):
        if len(predicted) != len(actual) or not predicted.index.isin(actual.index).all():
            missing = int((~predicted.index.isin(actual.index)).sum()) + max(len(actual) - len(predicted), 0)
            raise DataValidationError(
                f"predicted and actual do not hold the same customers ({missing:,} unmatched); align them first.",
                column="actual",
                n_rows=missing,
            )
        actual = actual.reindex(predicted.index)
    p, a = (
        _finite_values(v if isinstance(v, pd.Series) else np.ravel(np.asarray(v, dtype=float)), name)
        for v, name in ((predicted, "predicted"), (actual, "actual"))
    )
    if p.shape != a.shape:
        raise DataValidationError(
            f"predicted has {p.size:,} values and actual {a.size:,}; they must be one per customer, in the same order.",
            column="actual",
        )
    if np.any(a < 0):
        n = int(np.sum(a < 0))
        raise DataValidationError(f"actual holds {n:,} negative value(s); revenue is >= 0.", column="actual", n_rows=n)
    return p, a


def _positional_actual(predicted: np.ndarray, actual: np.ndarray) -> np.ndarray:
    """Actual values in order of decreasing prediction, ties replaced by their group mean.

    Customers with equal predictions are in a random order; averaging their actual values gives every
    ranking metric its expectation over that random order, so a constant forecast scores as a random one.
    """
    order = np.argsort(-predicted, kind="stable")
    p, a = predicted[order], actual[order]
    starts = np.flatnonzero(np.r_[True, p[1:] != p[:-1]])
    counts = np.diff(np.r_[starts, p.size])
    return np.repeat(np.add.reduceat(a, starts) / counts, counts)


def decile_table(predicted: object, actual: object, *, n_bins: int = 10) -> pd.DataFrame:
    r"""Share of the actual value captured by each decile of customers ranked by a prediction.

    Customers are ordered by decreasing prediction and cut at positions :math:`\lfloor kn/B \rfloor`,
    k = 0..B with B = ``n_bins`` (groups differ in size by at most one customer). Customers with equal
    predictions are in a random order: their actual values are averaged, which gives each share its
    expectation over that order.

    Parameters
    ----------
    predicted, actual : pandas.Series or array-like
        Per-customer prediction (e.g. CLV over the holdout) and actual value (e.g. holdout revenue, >= 0),
        in the same order. Two Series are aligned on their index, which must hold the same customers.
    n_bins : int, default 10
        Number of groups B (deciles by default).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``decile`` 1 (highest predictions) to ``n_bins``: ``n_customers``, ``predicted`` and
        ``actual`` (totals in the group), ``predicted_share`` (of the total prediction), ``share`` (of the
        total actual value), ``cumulative_share`` and ``lift`` (share / share of customers: 1 for a random
        ranking; NaN for an empty group). Actual shares are NaN when the actual total is 0, and predicted
        shares when the predicted total is 0.

    Raises
    ------
    DataValidationError
        If values are missing or infinite, ``actual`` is negative, or the two do not hold the same customers.
    ValueError
        If ``n_bins`` is not a whole number >= 1.

    Examples
    --------
    >>> table = decile_table(range(10, 0, -1), [5, 3, 2, 0, 0, 0, 0, 0, 0, 0])
    >>> table["share"].round(6).tolist()[:4], table["lift"].round(6).tolist()[:4]
    ([0.5, 0.3, 0.2, 0.0], [5.0, 3.0, 2.0, 0.0])
    >>> halves = decile_table([5.0, 1.0, 3.0, 0.0], [4.0, 0.0, 4.0, 2.0], n_bins=2)
    >>> halves["share"].tolist(), halves["lift"].tolist()  # the top half holds 80% of the value
    ([0.8, 0.2], [1.6, 0.4])
    """
    n_bins = _whole_number(n_bins, "n_bins")
    p, a = _ranking_arrays(predicted, actual)
    n = p.size
    values = _positional_actual(p, a)
    sorted_p = np.sort(p)[::-1]
    bounds = (np.arange(n_bins + 1) * n) // n_bins
    sizes = np.diff(bounds)
    cum_a = np.r_[0.0, np.cumsum(values)][bounds]
    cum_p = np.r_[0.0, np.cumsum(sorted_p)][bounds]
    total = a.sum()
    share = np.diff(cum_a) / total if total > 0 else np.full(n_bins, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        predicted_share = np.diff(cum_p) / p.sum()
        lift = np.where(sizes > 0, share / (sizes / n), np.nan)
    table = pd.DataFrame(
        {
            "n_customers": sizes,
            "predicted": np.diff(cum_p),
            "actual": np.diff(cum_a),
            "predicted_share": predicted_share,
            "share": share,
            "cumulative_share": np.cumsum(share),
            "lift": lift,
        },
        index=pd.RangeIndex(1, n_bins + 1, name="decile"),
    )
    return table


def _gains_gini(values: np.ndarray) -> float:
    """2 x area under the cumulative gains curve - 1, for values already in ranked order (trapezoids)."""
    total = values.sum()
    if total <= 0:
        return math.nan
    cum = np.r_[0.0, np.cumsum(values)] / total
    return float((cum[:-1] + cum[1:]).sum() / values.size - 1.0)


def _top_membership(values: np.ndarray, k: int) -> np.ndarray:
    """Probability that each customer is among the k highest values, ties at the cut broken at random."""
    cut = np.sort(values)[::-1][k - 1]
    above = values > cut
    tied = values == cut
    out = above.astype(float)
    out[tied] = (k - np.count_nonzero(above)) / np.count_nonzero(tied)
    return out


def ranking_metrics(predicted: object, actual: object, *, top_k: float = 0.1) -> pd.Series:
    r"""How well a prediction ranks customers by their actual value: lift, Gini and top-k overlap.

    Customers are ordered by decreasing prediction (ties averaged, as in :func:`decile_table`); G(p) is the
    share of the total actual value held by the first fraction p of them, linear between customers (the
    cumulative gains curve).

    - ``top_decile_lift``: G(0.1) / 0.1 on whole customers, the top decile's share over its share of
      customers (:func:`decile_table`, decile 1; NaN for fewer than 10 customers);
    - ``gini``: :math:`2\int_0^1 G(p)\,dp - 1`; 0 for a random ranking and, for the ranking by the actual
      values themselves, the Gini coefficient of the actual values (mean absolute difference over twice the
      mean); negative when the ranking is worse than random;
    - ``normalized_gini``: ``gini`` over that of the perfect ranking (1 for a perfect ranking);
    - ``top_k_overlap``: with :math:`k = \max(1, \mathrm{round}(\text{top\_k} \cdot n))`, the share of the k
      customers with the highest predictions who are also among the k with the highest actual values
      (expected value when ties straddle the cut); ``k/n`` for a random ranking.

    Parameters
    ----------
    predicted, actual : array-like
        Per-customer prediction and actual value (>= 0), in the same order.
    top_k : float, default 0.1
        Share of customers in (0, 1] that are "the best customers".

    Returns
    -------
    pandas.Series
        Named ``ranking``, with the four metrics above and ``k``. The Gini values are NaN when the actual
        total is 0.

    Examples
    --------
    >>> ranking_metrics([4, 3, 2, 1], [4, 3, 2, 1], top_k=0.25).round(4).tolist()  # no deciles of 4 customers
    [nan, 0.25, 1.0, 1.0, 1.0]
    """
    p, a = _ranking_arrays(predicted, actual)
    top_k = float(top_k)
    if not 0.0 < top_k <= 1.0:
        raise ValueError(f"top_k must be a share of customers in (0, 1], e.g. 0.1; got {top_k!r}.")
    n = p.size
    gini = _gains_gini(_positional_actual(p, a))
    best = _gains_gini(np.sort(a)[::-1])
    k = max(1, round(top_k * n))
    overlap = float(np.dot(_top_membership(p, k), _top_membership(a, k)) / k)
    lift = decile_table(p, a)["lift"].iloc[0] if n >= 10 else math.nan
    return pd.Series(
        {
            "top_decile_lift": float(lift),
            "gini": gini,
            "normalized_gini": gini / best if best > 0 else math.nan,
            "top_k_overlap": overlap,
            "k": float(k),
        },
        name="ranking",
    )


# ---------------------------------------------------------------------------------------------------------
# Per-customer accuracy
# ---------------------------------------------------------------------------------------------------------


def _pearson(a: np.ndarray, b: np.ndarray) -> float:
    """Pearson correlation; NaN when either side is constant (a correlation is then undefined)."""
    da, db = a - a.mean(), b - b.mean()
    sa, sb = math.sqrt(float(np.dot(da, da))), math.sqrt(float(np.dot(db, db)))
    if a.size < 2 or sa <= 1e-12 * max(1.0, float(np.abs(a).max())) or sb <= 1e-12 * max(1.0, float(np.abs(b).max())):
        return math.nan
    return float(np.clip(np.dot(da, db) / (sa * sb), -1.0, 1.0))


def _accuracy(predicted: np.ndarray, actual: np.ndarray) -> dict[str, float]:
    error = predicted - actual
    return {
        "mae": float(np.abs(error).mean()),
        "rmse": float(np.sqrt(np.mean(error**2))),
        "pearson": _pearson(predicted, actual),
        "spearman": _pearson(rankdata(predicted), rankdata(actual)),
    }


def _error_pct(predicted: float, actual: float) -> float:
    return 100.0 * (predicted - actual) / actual if actual else math.nan


# ---------------------------------------------------------------------------------------------------------
# The report
# ---------------------------------------------------------------------------------------------------------

#: The baselines of :func:`evaluate`, in the order of the report's columns.
BASELINES: tuple[str, ...] = ("historical_clv", "calibration_repeats", "population_mean")

#: The metrics of the baselines table and how they compare: "abs" (smaller |value| is better), "min", "max".
_METRICS: dict[str, str] = {
    "repeat_transactions_error_pct": "abs",
    "revenue_error_pct": "abs",
    "repeat_transactions_mae": "min",
    "repeat_transactions_rmse": "min",
    "repeat_transactions_pearson": "max",
    "repeat_transactions_spearman": "max",
    "revenue_mae": "min",
    "revenue_rmse": "min",
    "revenue_pearson": "max",
    "revenue_spearman": "max",
    "top_decile_lift": "max",
    "gini": "max",
    "top_k_overlap": "max",
}

#: Relative margin by which a baseline must beat the model to count (so that rounding noise is no win).
_WIN_RTOL = 1e-9

#: The start of the report's sentence when a baseline wins.
_WIN_SENTENCE = "A baseline beats the model"


def _beats(baseline: float, model: float, direction: str) -> bool:
    """True if the baseline's value is strictly better than the model's on a metric."""
    if not math.isfinite(baseline):
        return False
    if not math.isfinite(model):
        return True
    if direction == "abs":
        baseline, model = -abs(baseline), -abs(model)
    elif direction == "min":
        baseline, model = -baseline, -model
    return baseline > model + _WIN_RTOL * max(1.0, abs(model))


def _metrics_row(
    tx: np.ndarray, rev: np.ndarray, rank_score: np.ndarray, actual_tx: np.ndarray, actual_rev: np.ndarray, top_k: float
) -> dict[str, float]:
    """Every metric of the baselines table for one forecast."""
    row = {
        "repeat_transactions_error_pct": _error_pct(tx.sum(), actual_tx.sum()),
        "revenue_error_pct": _error_pct(rev.sum(), actual_rev.sum()),
    }
    for prefix, pred, actual in (("repeat_transactions", tx, actual_tx), ("revenue", rev, actual_rev)):
        row.update({f"{prefix}_{k}": v for k, v in _accuracy(pred, actual).items()})
    ranking = ranking_metrics(rank_score, actual_rev, top_k=top_k)
    row.update({name: float(ranking[name]) for name in ("top_decile_lift", "gini", "top_k_overlap")})
    return row


def _fmt_number(value: float) -> str:
    """A table entry: thousands as whole numbers with separators, rounding noise as 0, else 4 digits."""
    if not math.isfinite(value):
        return str(value)
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) < 1e-9:
        return "0"
    return f"{value:.4g}"


class EvaluationReport:
    """How a CLV forecast did in the holdout period, beside three baselines (returned by :func:`evaluate`).

    Prints as text in a terminal and renders as HTML in Jupyter.

    Attributes
    ----------
    aggregate : pandas.DataFrame
        Rows ``repeat_transactions`` and ``revenue``; columns ``actual``, ``predicted`` (totals over
        customers), ``error`` (predicted - actual) and ``error_pct`` (100 x error / actual).
    per_customer : pandas.DataFrame
        Rows ``repeat_transactions`` and ``revenue``; columns ``mae``, ``rmse``, ``pearson`` and ``spearman``
        of predicted against actual holdout values.
    conditional_expectations : pandas.DataFrame
        Indexed by calibration frequency 0, 1, ..., 6, "7+": mean ``actual`` and ``predicted`` holdout repeat
        transactions and ``n_customers``.
    deciles : pandas.DataFrame
        :func:`decile_table` of predicted CLV over the holdout against actual holdout revenue.
    ranking : pandas.Series
        :func:`ranking_metrics` of the same: ``top_decile_lift``, ``gini``, ``normalized_gini``,
        ``top_k_overlap``, ``k``.
    baselines : pandas.DataFrame
        One row per metric, columns ``model`` and the baselines ``historical_clv``, ``calibration_repeats``
        and ``population_mean``.
    baseline_wins : list of (str, str)
        The (metric, baseline) pairs on which a baseline is strictly better than the model.
    baseline_beats_model : bool
        Whether ``baseline_wins`` is not empty.
    settings : dict
        Model names, number of customers, holdout duration and time unit, discount rate, top_k, and the
        historical formula's ``lifespan``, ``churn_rate`` and ``lapse``.
    """

    def __init__(
        self,
        *,
        aggregate: pd.DataFrame,
        per_customer: pd.DataFrame,
        conditional_expectations: pd.DataFrame,
        deciles: pd.DataFrame,
        ranking: pd.Series,
        baselines: pd.DataFrame,
        settings: dict[str, object],
    ) -> None:
        self.aggregate = aggregate
        self.per_customer = per_customer
        self.conditional_expectations = conditional_expectations
        self.deciles = deciles
        self.ranking = ranking
        self.baselines = baselines
        self.settings = settings
        values = baselines.to_numpy(dtype=float)
        row, col = {m: i for i, m in enumerate(baselines.index)}, {c: j for j, c in enumerate(baselines.columns)}
        self.baseline_wins: list[tuple[str, str]] = [
            (metric, name)
            for metric, direction in _METRICS.items()
            for name in BASELINES
            if _beats(values[row[metric], col[name]], values[row[metric], col["model"]], direction)
        ]

    @property
    def baseline_beats_model(self) -> bool:
        """True when some baseline is strictly better than the model on some metric."""
        return bool(self.baseline_wins)

    def verdict(self) -> str:
        """One sentence: which baselines beat the model on which metrics, or that none does."""
        if not self.baseline_wins:
            return "No baseline beats the model on any metric."
        by_metric: dict[str, list[str]] = {}
        for metric, name in self.baseline_wins:
            by_metric.setdefault(metric, []).append(name)
        parts = "; ".join(f"{metric} ({', '.join(names)})" for metric, names in by_metric.items())
        n = len(by_metric)
        return f"{_WIN_SENTENCE} on {n} of {len(_METRICS)} metric{'s' if n > 1 else ''}: {parts}."

    def _sections(self) -> list[tuple[str, pd.DataFrame]]:
        k = int(self.ranking["k"])
        return [
            ("Holdout totals: predicted vs actual", self.aggregate),
            ("Per customer: predicted vs actual", self.per_customer),
            ("Mean holdout repeat transactions by calibration frequency", self.conditional_expectations),
            ("Holdout revenue captured by predicted-CLV decile", self.deciles),
            (f"Ranking (top-k overlap with k = {k} customers)", self.ranking.drop("k").to_frame()),
            ("Model and baselines", self.baselines),
        ]

    def _title(self) -> str:
        s = self.settings
        return (
            f"Holdout evaluation of {s['transaction_model']} + {s['spend_model']}: {s['n_customers']:,} customers, "
            f"holdout {s['duration_holdout']:g} {s['time_unit']}, annual discount rate {s['annual_discount_rate']:g}"
        )

    def _baseline_note(self) -> str:
        s = self.settings
        return (
            f"Baselines: historical_clv = average order value x repeat rate x expected lifespan "
            f"{s['lifespan']:.4g} (churn rate {s['churn_rate']:.4g} per time unit, lapse {s['lapse']:.4g}); "
            f"calibration_repeats = repeat rate x holdout duration; population_mean = the cohort's pooled "
            f"repeat rate and mean order value for everyone."
        )

    def __str__(self) -> str:
        lines = [self._title(), self.verdict(), ""]
        for title, table in self._sections():
            lines += [title, table.to_string(float_format=_fmt_number), ""]
        lines.append(self._baseline_note())
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        parts = [f"<div><strong>{html.escape(self._title())}</strong>", f"<p>{html.escape(self.verdict())}</p>"]
        for title, table in self._sections():
            parts += [f"<h4>{html.escape(title)}</h4>", table.to_html(float_format=_fmt_number)]
        parts += [f"<p>{html.escape(self._baseline_note())}</p>", "</div>"]
        return "\n".join(parts)


def _conditional_expectations(
    frequency: np.ndarray, actual: np.ndarray, predicted: np.ndarray, max_frequency: int = 7
) -> pd.DataFrame:
    """Mean actual and predicted holdout transactions by calibration frequency 0, 1, ... and "7+" (max_frequency).

    An empty group has NaN means.
    """
    labels: list[int | str] = [*range(max_frequency), f"{max_frequency}+"]
    group = np.minimum(frequency, max_frequency).astype(np.int64)
    n = np.bincount(group, minlength=max_frequency + 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        table = pd.DataFrame(
            {
                "actual": np.bincount(group, weights=actual, minlength=max_frequency + 1) / n,
                "predicted": np.bincount(group, weights=predicted, minlength=max_frequency + 1) / n,
                "n_customers": n,
            },
            index=pd.Index(labels, name="frequency", dtype=object),
        )
    return table


def evaluate(
    transaction_model: TransactionModel,
    spend_model: GammaGamma,
    calibration_holdout_data: pd.DataFrame,
    *,
    annual_discount_rate: float = 0.0,
    top_k: float = 0.1,
) -> EvaluationReport:
    r"""Judge a CLV forecast against what customers did in the holdout, and against three baselines.

    Parameters
    ----------
    transaction_model : TransactionModel
        Transaction model fitted on the calibration summary (e.g. :class:`pyclv.BetaGeo`).
    spend_model : GammaGamma
        Spend model fitted on the calibration summary.
    calibration_holdout_data : pandas.DataFrame
        Output of :func:`pyclv.calibration_holdout_split` with a value column: ``frequency``, ``recency``,
        ``T``, ``monetary_value``, ``frequency_holdout``, ``revenue_holdout`` and ``duration_holdout`` (one
        holdout duration H for every customer).
    annual_discount_rate : float, default 0.0
        Discount rate of the predicted CLV over the holdout that ranks customers for the deciles and the
        ranking metrics. Revenue totals and errors compare undiscounted predictions with the actual
        (undiscounted) holdout revenue.
    top_k : float, default 0.1
        Share of customers in (0, 1] that are "the best customers" for the top-k overlap.

    Returns
    -------
    EvaluationReport
        Tables ``aggregate``, ``per_customer``, ``conditional_expectations``, ``deciles``, ``ranking``,
        ``baselines``, and ``baseline_wins``; it prints as text and renders as HTML.

    Raises
    ------
    DataValidationError
        If a column is missing or the holdout duration varies between customers.
    TypeError
        If the models are not a pyclv transaction model and a :class:`pyclv.GammaGamma`.

    Notes
    -----
    The model predicts :math:`E[Y(H) \mid x, t_x, T]` repeat transactions
    (``transaction_model.expected_purchases``), revenue :math:`E[Y(H) \mid \cdot]\, E[M \mid x, \bar z]`
    (times ``spend_model.expected_spend``) and ranks customers by
    :func:`pyclv.customer_lifetime_value` over H. The baselines, computed from the calibration summary
    only (x repeat transactions, age T, mean repeat order value :math:`\bar z`):

    - ``historical_clv``: :func:`historical_clv` over H, revenue :math:`\bar z_i\, (x_i/T_i)\, L` and
      transactions :math:`(x_i/T_i)\, L` with L the expected lifespan estimated from the calibration data;
    - ``calibration_repeats``, "the calibration period repeats itself": transactions :math:`(x_i/T_i)\, H`,
      revenue :math:`\bar z_i (x_i/T_i)\, H`;
    - ``population_mean``: every customer gets the cohort's pooled rate :math:`\sum x / \sum T` times H
      transactions, at the cohort's mean repeat order value :math:`\sum x \bar z / \sum x`.

    Each baseline ranks customers by its revenue prediction. ``historical_clv`` and ``calibration_repeats``
    differ by the constant factor L/H, so their correlations and ranking metrics coincide; the population
    mean ranks at random (ties are averaged) and has no correlation (NaN). A baseline *beats* the model on a
    metric when it is strictly better: smaller absolute aggregate error, smaller MAE and RMSE, larger
    correlation, lift, Gini and top-k overlap. ``conditional_expectations`` is the comparison of Fader,
    Hardie and Lee (2005, Figure 5).

    References
    ----------
    Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005). "Counting your customers" the easy way: an
    alternative to the Pareto/NBD model. Marketing Science, 24(2), 275-284.

    Examples
    --------
    >>> import pyclv
    >>> split = pyclv.calibration_holdout_split(
    ...     pyclv.datasets.load_cdnow_transactions(), calibration_period_end="1997-09-30",
    ...     observation_period_end="1998-06-30", monetary_value_col="amount", time_unit="W")
    >>> report = evaluate(pyclv.BetaGeo().fit(split), pyclv.GammaGamma().fit(split), split)
    >>> float(report.aggregate.loc["repeat_transactions", "actual"])  # distinct (customer, day) in the holdout
    1882.0
    >>> report.baseline_beats_model == ("A baseline beats the model" in str(report))
    True
    >>> int(report.conditional_expectations["n_customers"].sum())
    2357
    """
    _check_transaction_model(transaction_model)
    if not isinstance(spend_model, GammaGamma):
        raise TypeError(f"spend_model must be a pyclv spend model (GammaGamma); got {type(spend_model).__name__}.")
    top_k = float(top_k)
    if not 0.0 < top_k <= 1.0:
        raise ValueError(f"top_k must be a share of customers in (0, 1], e.g. 0.1; got {top_k!r}.")
    data = calibration_holdout_data
    duration = _holdout_duration(data, "evaluate", _HOLDOUT_COLUMNS)
    cols = _summary_arrays(data, "evaluate", ("frequency", "recency", "T", "monetary_value"))
    x, T, m = cols["frequency"], cols["T"], cols["monetary_value"]
    actual_tx = data["frequency_holdout"].to_numpy(dtype=float)
    actual_rev = data["revenue_holdout"].to_numpy(dtype=float)

    pred_tx = transaction_model.expected_purchases(data, duration).to_numpy()
    pred_rev = pred_tx * spend_model.expected_spend(data).to_numpy()
    clv = customer_lifetime_value(
        transaction_model, spend_model, data, horizon=duration, annual_discount_rate=annual_discount_rate
    ).to_numpy()

    hist = historical_clv(data, horizon=duration)
    rate = np.divide(x, T, out=np.zeros_like(x), where=T > 0)
    pooled_rate = x.sum() / T.sum() if T.sum() > 0 else 0.0
    mean_order = float(np.dot(x, m) / x.sum()) if x.sum() > 0 else 0.0
    pop_tx = np.full(x.size, pooled_rate * duration)
    forecasts = {
        "model": (pred_tx, pred_rev, clv),
        "historical_clv": (rate * hist.attrs["lifespan"], hist.to_numpy(), hist.to_numpy()),
        "calibration_repeats": (rate * duration, m * rate * duration, m * rate * duration),
        "population_mean": (pop_tx, pop_tx * mean_order, pop_tx * mean_order),
    }
    baselines = pd.DataFrame(
        {name: _metrics_row(tx, rev, score, actual_tx, actual_rev, top_k) for name, (tx, rev, score) in forecasts.items()}
    )
    baselines.index.name = "metric"

    aggregate = pd.DataFrame(
        {
            "actual": [actual_tx.sum(), actual_rev.sum()],
            "predicted": [pred_tx.sum(), pred_rev.sum()],
        },
        index=pd.Index(["repeat_transactions", "revenue"], name="quantity"),
    )
    aggregate["error"] = aggregate["predicted"] - aggregate["actual"]
    aggregate["error_pct"] = [_error_pct(p, a) for p, a in zip(aggregate["predicted"], aggregate["actual"])]
    per_customer = pd.DataFrame(
        {"repeat_transactions": _accuracy(pred_tx, actual_tx), "revenue": _accuracy(pred_rev, actual_rev)}
    ).T
    per_customer.index.name = "quantity"
    settings: dict[str, object] = {
        "transaction_model": type(transaction_model).__name__,
        "spend_model": type(spend_model).__name__,
        "n_customers": int(x.size),
        "duration_holdout": duration,
        "time_unit": transaction_model.time_unit_ or data.attrs.get("time_unit") or "time units",
        "annual_discount_rate": float(annual_discount_rate),
        "top_k": top_k,
        "lifespan": hist.attrs["lifespan"],
        "churn_rate": hist.attrs["churn_rate"],
        "lapse": hist.attrs["lapse"],
    }
    return EvaluationReport(
        aggregate=aggregate,
        per_customer=per_customer,
        conditional_expectations=_conditional_expectations(x, actual_tx, pred_tx),
        deciles=decile_table(clv, actual_rev),
        ranking=ranking_metrics(clv, actual_rev, top_k=top_k),
        baselines=baselines,
        settings=settings,
    )


# ---------------------------------------------------------------------------------------------------------
# Tracking over calendar time
# ---------------------------------------------------------------------------------------------------------


def _check_transaction_model(model: object, name: str = "transaction_model") -> None:
    """A TypeError unless ``model`` is a pyclv transaction model."""
    if not isinstance(model, TransactionModel):
        raise TypeError(f"{name} must be a pyclv transaction model (e.g. BetaGeo); got {type(model).__name__}.")


def _model_time_unit(model: TransactionModel, time_unit: str | None) -> str:
    """The time unit of the model's time axis: the model's, or the one given (which must agree with it)."""
    fitted = getattr(model, "time_unit_", None)
    if time_unit is None:
        if fitted is None:
            raise ValueError(
                "This model does not record its time unit: pass time_unit= (the unit it was fitted in, e.g. 'W'), "
                "or build it with from_params(..., time_unit='W')."
            )
        return str(fitted)
    check_time_unit(time_unit)
    if fitted is not None and fitted != time_unit:
        raise DataValidationError(
            f"time_unit={time_unit!r} differs from the model's time unit {fitted!r}; pyclv never rescales time "
            f"silently. Pass time_unit={fitted!r} or omit it.",
            column="time_unit",
        )
    return time_unit


def _tracking_period(period: str) -> float | pd.offsets.BaseOffset:
    """A tracking period: a length in days (counted from the cohort's first day) or a calendar offset."""
    if period in DAYS_PER_UNIT:
        return DAYS_PER_UNIT[period]
    try:
        offset = pd.tseries.frequencies.to_offset(period)
    except (TypeError, ValueError) as error:
        raise ValueError(
            f"period must be a time unit ('D', 'W', 'M', 'Y'), a whole number of days ('14D') or a pandas calendar "
            f"frequency ('W-SUN', 'MS', 'QS'); got {period!r}."
        ) from error
    if isinstance(offset, pd.offsets.Day):
        days = float(offset.n)
    elif isinstance(offset, pd.offsets.Tick):
        days = offset.nanos / 86_400e9
    else:
        return offset  # calendar periods (weeks ending on a given weekday, months, quarters, ...)
    if days < 1 or days != math.floor(days):
        raise ValueError(f"period must be a whole number of days or a calendar period (e.g. 'MS'); got {period!r}.")
    return days


def _period_ends(first_day: int, last_day: int, period: float | pd.offsets.BaseOffset) -> np.ndarray:
    """Last days (day numbers) of the periods that cover first_day..last_day, the last one possibly cut short."""
    if isinstance(period, float):
        n_full = math.floor((last_day - first_day + 1) / period)
        ends = first_day - 1 + np.floor(np.arange(1, n_full + 1) * period).astype(np.int64)
    else:  # the last day of each bin, as pandas resamples the days
        days = np.arange(first_day, last_day + 1)
        binned = pd.Series(days, index=pd.DatetimeIndex(days.astype("datetime64[D]"))).resample(period).max()
        ends = binned.dropna().to_numpy(dtype=np.int64)
    return np.r_[ends[ends < last_day], last_day]


def tracking(
    transaction_model: TransactionModel,
    transactions: pd.DataFrame,
    *,
    customer_id_col: str = "customer_id",
    datetime_col: str = "date",
    calibration_period_end: DateLike,
    observation_period_end: DateLike | None = None,
    time_unit: str | None = None,
    period: str = "W",
) -> pd.DataFrame:
    r"""Expected and actual repeat transactions of the calibration cohort per calendar period.

    The cohort is every customer whose first purchase is on or before ``calibration_period_end``; customer
    i is "born" on its first purchase day :math:`b_i` and followed to ``observation_period_end``, through
    the calibration and holdout periods. By the end :math:`e` of a period (a day, inclusive) the cohort has
    made

    .. math:: \text{actual}(e) = \#\{\text{repeat purchase days} \le e\}, \qquad
              \text{expected}(e) = \sum_{i: b_i \le e} E[X(e - b_i)],

    with :math:`E[X(t)]` the model's ``expected_purchases_new_customer`` (repeat purchases of a new
    customer in its first t time units; FHL 2005, eq. 9). This is the tracking comparison of Fader, Hardie
    and Lee (2005, Figures 1 and 3), drawn by :func:`pyclv.plotting.plot_cumulative_transactions` and
    :func:`pyclv.plotting.plot_incremental_transactions`: a good model follows the cumulative curve through
    the calibration period and keeps following it in the holdout, which it has not seen.

    Parameters
    ----------
    transaction_model : TransactionModel
        A fitted transaction model.
    transactions : pandas.DataFrame
        The transaction log (validated as in :func:`pyclv.rfm_summary`; purchases on one day are one
        transaction).
    customer_id_col, datetime_col : str
        Its columns.
    calibration_period_end : date-like
        Last day of the calibration period (inclusive).
    observation_period_end : date-like, optional
        Last day followed (inclusive); the last transaction's date by default. Later transactions are
        excluded with a warning.
    time_unit : {"D", "W", "M", "Y"}, optional
        The model's time unit (ages are measured in it); by default the one the model records
        (``time_unit_``). A different unit is an error: pyclv never rescales time.
    period : str, default "W"
        Length of a tracking period. A time unit ``"D"``, ``"W"``, ``"M"``, ``"Y"`` (1, 7, 365.25/12 and
        365.25 days) or a whole number of days such as ``"14D"`` counts periods from the cohort's first
        purchase day :math:`b_{min}`: period j ends on day :math:`b_{min} + \lfloor j L \rfloor - 1` (L the
        period length in days; week 1 is the first seven days, as in the paper). Calendar frequencies of
        pandas (``"W-SUN"``, ``"MS"``, ``"QS"``, ...) follow :meth:`pandas.DataFrame.resample`. The
        calibration and observation ends are always period ends, so a period may be cut short there.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``period_end`` (the last day of each period, a Timestamp), with float columns ``actual``
        and ``expected`` (repeat transactions in the period), ``actual_cumulative`` and
        ``expected_cumulative`` (since the cohort's first purchase), and ``holdout`` (True for periods after
        the calibration end). ``attrs`` records ``calibration_period_end`` (a Timestamp) and ``time_unit``.

    Raises
    ------
    DataValidationError
        As :func:`pyclv.rfm_summary`; also if ``calibration_period_end`` is before the first transaction or
        not before the observation end, or if ``time_unit`` differs from the model's.
    TypeError
        If ``transaction_model`` is not a pyclv transaction model.
    ValueError
        If ``time_unit`` is not supported or not given for a model that does not record it, or ``period``
        is neither a time unit, a whole number of days nor a calendar frequency.

    Warns
    -----
    PyCLVWarning
        If transactions fall after ``observation_period_end``, or customers make their first purchase after
        ``calibration_period_end`` (they are not in the cohort and are left out).

    Notes
    -----
    With :math:`n_b` customers born on day b, the expected cumulative repeat transactions are the
    convolution :math:`\sum_{b \le e} n_b \, E[X(e - b)]`, computed on the daily grid (memory proportional
    to the number of days, not customers); a discrete-time model counts only completed periods. At the
    calibration end the cumulative values equal the total calibration frequency of
    :func:`pyclv.rfm_summary` (actual) and :math:`\sum_i E[X(T_i)]` (expected).

    References
    ----------
    Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005). "Counting your customers" the easy way: an
    alternative to the Pareto/NBD model. Marketing Science, 24(2), 275-284.

    Examples
    --------
    >>> import pyclv
    >>> tx = pyclv.datasets.load_cdnow_transactions()
    >>> split = pyclv.calibration_holdout_split(tx, calibration_period_end="1997-09-30",
    ...                                         observation_period_end="1998-06-30", time_unit="W")
    >>> table = tracking(pyclv.BetaGeo().fit(split), tx, calibration_period_end="1997-09-30",
    ...                  observation_period_end="1998-06-30")
    >>> len(table), int(table["holdout"].sum()), int(table["actual_cumulative"].iloc[-1])
    (78, 39, 4339)
    >>> int(table.loc["1997-09-30", "actual_cumulative"])  # week 39: the calibration repeat transactions
    2457
    """
    _check_transaction_model(transaction_model)
    transaction_model._check_fitted()
    unit = _model_time_unit(transaction_model, time_unit)
    length = _tracking_period(period)
    daily = _summaries.daily_log(transactions, LogColumns(customer_id_col, datetime_col), observation_period_end)
    starts = np.flatnonzero(np.r_[True, daily.customer[1:] != daily.customer[:-1]])
    births = daily.day[starts]
    first_day = int(births.min())
    calibration_end = v.calibration_end(calibration_period_end, first_day, daily.end_day)
    in_cohort = births <= calibration_end
    if not in_cohort.all():
        v.warn_new_in_holdout(int((~in_cohort).sum()), calibration_end)
    is_repeat = np.ones(daily.day.size, dtype=bool)
    is_repeat[starts] = False
    counts = np.diff(np.r_[starts, daily.customer.size])
    repeat_days = np.sort(daily.day[np.repeat(in_cohort, counts) & is_repeat])

    ends = np.unique(np.r_[_period_ends(first_day, daily.end_day, length), calibration_end])
    n_days = daily.end_day - first_day + 1
    born = np.bincount(births[in_cohort] - first_day, minlength=n_days).astype(float)
    ages = np.arange(n_days) / DAYS_PER_UNIT[unit]
    if transaction_model._discrete:
        ages = np.floor(ages)  # a discrete opportunity counts once it is complete
    per_new_customer = np.asarray(transaction_model.expected_purchases_new_customer(ages), dtype=float)
    expected_cum = np.convolve(born, per_new_customer)[:n_days][ends - first_day]
    actual_cum = np.searchsorted(repeat_days, ends, side="right").astype(float)

    table = pd.DataFrame(
        {
            "actual": np.diff(actual_cum, prepend=0.0),
            "expected": np.diff(expected_cum, prepend=0.0),
            "actual_cumulative": actual_cum,
            "expected_cumulative": expected_cum,
            "holdout": ends > calibration_end,
        },
        index=pd.DatetimeIndex(ends.astype("datetime64[D]"), name="period_end"),
    )
    table.attrs["calibration_period_end"] = pd.Timestamp(day_str(calibration_end))
    table.attrs["time_unit"] = unit
    return table
