r"""Customer segments: CLV tiers, RFM scores and the value of groups such as acquisition channels.

:func:`clv_segments` ranks customers into CLV tiers, :func:`rfm_scores` gives the descriptive RFM scores and
:func:`value_by_group` the value and predictions of each group (e.g. CLV by channel).

References
----------
Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005). RFM and CLV: using iso-value curves for customer base
analysis. Journal of Marketing Research, 42(4), 415-430.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from pyclv._validation import validate_summary
from pyclv.exceptions import DataValidationError

__all__ = ["Segments", "clv_segments", "rfm_scores", "value_by_group"]

def _as_series(values: pd.Series, name: str) -> pd.Series:
    """A float Series with one finite value per distinct customer."""
    if not isinstance(values, pd.Series):
        raise DataValidationError(
            f"{name} must be a pandas Series indexed by customer id; got {type(values).__name__}.", column=name
        )
    if values.index.has_duplicates:
        n = int(values.index.duplicated().sum())
        raise DataValidationError(
            f"{name} lists {n:,} customer(s) more than once; give one value per customer.", column=name, n_rows=n
        )
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
        raise ValueError(
            f"The cuts must be a non-empty, strictly increasing sequence of finite numbers; got {list(cuts)}."
        )
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
    out["RFM"] = ["".join(map(str, row)) for row in zip(*scores.values(), strict=True)]
    return out


#: A numeric grouping column with more distinct values than this is cut into quantile groups.
_MAX_LEVELS = 8

#: The score table's columns whose mean :func:`value_by_group` reports, when present.
_MEANS = ("p_alive", "expected_purchases", "dert", "expected_spend")


def _group_labels(values: pd.Series, n_bins: int) -> pd.Series:
    """Each customer's group: its level, or for a numeric column with many values its quantile range."""
    numeric = pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
    if not numeric or values.nunique() <= _MAX_LEVELS:
        return values
    cut = pd.qcut(values, n_bins, duplicates="drop")
    return cut.cat.rename_categories([f"{c.left:g} to {c.right:g}" for c in cut.cat.categories])


def value_by_group(
    scores: pd.DataFrame, by: str | pd.Series, *, n_bins: int = 4, means: Sequence[str] = ()
) -> pd.DataFrame:
    """The customers' value and predictions by group: e.g. the average CLV of each acquisition channel.

    Parameters
    ----------
    scores : pandas.DataFrame
        The score table of :func:`pyclv.score` (``clv``, and ``p_alive``, ``expected_purchases`` or ``dert``
        and ``expected_spend`` when present), one row per customer.
    by : str or pandas.Series
        The group of each customer: a column of ``scores`` or a Series on its index (e.g. a covariate column of
        the summary the models were fitted on). A numeric one with more than 8 distinct values is cut into
        ``n_bins`` groups of about equal size.
    n_bins : int, default 4
        How many groups a numeric ``by`` with many values is cut into.
    means : sequence of str, optional
        Other columns of ``scores`` whose mean per group to add as ``mean_<column>`` (e.g. an actual revenue).

    Returns
    -------
    pandas.DataFrame
        One row per group (its levels in order; a ``Categorical``'s own order), indexed by the group's name:
        ``n_customers``, ``share_of_customers``, ``mean_clv``, ``total_clv``, ``share_of_value`` (of the total
        CLV) and the means ``mean_p_alive``, ``mean_expected_purchases`` (or ``mean_dert``) and
        ``mean_expected_spend`` of the columns ``scores`` has.

    Raises
    ------
    DataValidationError
        If ``scores`` has no ``clv``, ``by`` names no column of it, or ``by`` misses customers or has missing
        values.

    Examples
    --------
    >>> import pandas as pd
    >>> scores = pd.DataFrame({"clv": [10.0, 30.0, 20.0, 40.0], "p_alive": [0.5, 1.0, 0.25, 0.75]})
    >>> table = value_by_group(scores, pd.Series(["web", "store", "web", "store"], name="channel"))
    >>> table.loc["store", ["n_customers", "mean_clv", "share_of_value", "mean_p_alive"]].tolist()
    [2.0, 35.0, 0.7, 0.875]
    """
    if "clv" not in scores.columns:
        raise DataValidationError("value_by_group needs the score table's column 'clv' (pyclv.score).", column="clv")
    if isinstance(by, str):
        if by not in scores.columns:
            raise DataValidationError(
                f"value_by_group: the scores have no column {by!r}; pass the groups as a Series on the scores' index "
                "(e.g. summary['channel']).",
                column=by,
            )
        by = scores[by]
    groups = by.reindex(scores.index) if isinstance(by, pd.Series) else pd.Series(by, index=scores.index)
    name = str(groups.name or "group")
    missing = groups.isna().to_numpy()
    if missing.any():
        raise DataValidationError(
            f"value_by_group: {int(missing.sum()):,} customer(s) have no group in {name!r} (e.g. "
            f"{list(scores.index[missing][:3])}); give every scored customer a group.",
            column=name,
            n_rows=int(missing.sum()),
        )
    labels = _group_labels(groups, int(n_bins)).rename(name)
    grouped = scores.groupby(labels, observed=True, sort=True)
    total = float(scores["clv"].sum())
    table = pd.DataFrame(
        {
            "n_customers": grouped.size(),
            "share_of_customers": grouped.size() / len(scores),
            "mean_clv": grouped["clv"].mean(),
            "total_clv": grouped["clv"].sum(),
        }
    )
    table["share_of_value"] = table["total_clv"] / total if total else np.nan
    for column in dict.fromkeys([*(c for c in _MEANS if c in scores.columns), *means]):
        if column not in scores.columns:
            raise DataValidationError(f"value_by_group: the scores have no column {column!r}.", column=column)
        table[f"mean_{column}"] = grouped[column].mean()
    table.index.name = name
    return table
