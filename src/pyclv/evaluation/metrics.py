r"""Forecast metrics: errors, ranking metrics (lift, Gini, top-k overlap), the decile table and value bins.

Every function takes per-customer predictions and actual values and returns a table (a DataFrame or a Series)
to read, test and draw (:mod:`pyclv.plotting` draws :func:`decile_table` and :func:`clv_distribution`).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from pyclv.evaluation._checks import _finite_values, _whole_number
from pyclv.exceptions import DataValidationError

__all__ = ["clv_distribution", "decile_table", "ranking_metrics"]

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


def clv_distribution(clv: pd.Series | pd.DataFrame | np.ndarray, *, bins: int = 50) -> pd.DataFrame:
    """Histogram of customer lifetime values: customers per bin of equal width, with the mean and median.

    Drawn by :func:`pyclv.plotting.plot_clv_distribution`.

    Parameters
    ----------
    clv : pandas.Series, numpy.ndarray or pandas.DataFrame
        One value per customer, e.g. from :func:`pyclv.customer_lifetime_value`; a DataFrame is read from
        its ``clv`` column (the output with intervals).
    bins : int, default 50
        Number of bins, of equal width from the smallest to the largest value (as :func:`numpy.histogram`).

    Returns
    -------
    pandas.DataFrame
        One row per bin (index ``bin`` 0, 1, ...): ``lower`` and ``upper`` edges and ``n_customers`` (the last
        bin includes its upper edge, so the counts sum to the number of customers). ``attrs`` records the
        ``mean`` and ``median`` of the values.

    Raises
    ------
    DataValidationError
        If values are missing or infinite, there are none, or a DataFrame has no ``clv`` column.

    Examples
    --------
    >>> import numpy as np
    >>> table = clv_distribution(np.array([0.0, 10.0, 10.0, 250.0]), bins=5)
    >>> table["n_customers"].tolist(), table.attrs["median"]
    ([3, 0, 0, 0, 1], 10.0)
    """
    if isinstance(clv, pd.DataFrame):
        if "clv" not in clv.columns:
            raise DataValidationError("The CLV table has no column 'clv' to plot.", column="clv")
        clv = clv["clv"]
    values = _finite_values(clv, "clv")
    counts, edges = np.histogram(values, bins=bins)
    table = pd.DataFrame(
        {"lower": edges[:-1], "upper": edges[1:], "n_customers": counts.astype(np.int64)},
        index=pd.RangeIndex(len(counts), name="bin"),
    )
    table.attrs.update(mean=float(values.mean()), median=float(np.median(values)))
    return table
