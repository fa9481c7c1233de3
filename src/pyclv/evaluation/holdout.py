r"""Judging a forecast against what customers really did in the holdout period.

The models' forecast for the holdout window is set beside the actual repeat transactions and revenue and
beside the baselines of :mod:`pyclv.evaluation.baselines`. :func:`evaluate` gathers everything in one report
(:class:`EvaluationReport`): aggregate and per-customer errors, the conditional expectations by calibration
frequency, the revenue captured by each predicted-CLV decile (lift, Gini, top-k overlap) and the same metrics
for three baselines. :func:`holdout_comparison` and :func:`compare_models` are the short tables.

References
----------
Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005). "Counting your customers" the easy way: an alternative
to the Pareto/NBD model. Marketing Science, 24(2), 275-284.
"""

from __future__ import annotations

import html
import math
import warnings
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from pyclv._format import format_number
from pyclv.evaluation._checks import _HOLDOUT_COLUMNS, _holdout_duration, _summary_arrays
from pyclv.evaluation.baselines import BASELINES, baseline_forecasts
from pyclv.evaluation.metrics import _accuracy, _conditional_expectations, _error_pct, decile_table, ranking_metrics
from pyclv.exceptions import PyCLVWarning
from pyclv.models import GammaGamma, TransactionModel, check_models
from pyclv.value import customer_lifetime_value

__all__ = ["EvaluationReport", "compare_models", "evaluate", "holdout_comparison"]


def holdout_comparison(
    transaction_model: TransactionModel, spend_model: GammaGamma, calibration_holdout_data: pd.DataFrame
) -> pd.DataFrame:
    r"""Forecast versus actual holdout repeat transactions and revenue, beside the historical-CLV baseline.

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
    L: revenue :math:`\bar z_i x_i L / T_i` and repeat transactions :math:`x_i L / T_i`. :func:`evaluate`
    gives the fuller report.
    """
    data = calibration_holdout_data
    duration = _holdout_duration(data, "holdout_comparison", _HOLDOUT_COLUMNS)
    purchases = transaction_model.expected_purchases(data, duration).to_numpy()
    spend = spend_model.expected_spend(data).to_numpy()
    hist = baseline_forecasts(data, horizon=duration)["historical_clv"]
    rows = {
        "repeat_transactions": (
            data["frequency_holdout"].to_numpy(dtype=float),
            purchases,
            hist["repeat_transactions"].to_numpy(),
        ),
        "revenue": (data["revenue_holdout"].to_numpy(dtype=float), purchases * spend, hist["revenue"].to_numpy()),
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
    duration = _holdout_duration(data, "compare_models", ("frequency_holdout", "duration_holdout"))
    actual = data["frequency_holdout"].to_numpy(dtype=float)
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


class EvaluationReport:
    """How a CLV forecast did in the holdout period, beside three baselines (returned by :func:`evaluate`).

    Prints as text in a terminal and renders as HTML in Jupyter.

    Parameters
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
    settings : dict
        Model names, number of customers, holdout duration and time unit, discount rate, top_k, and the
        historical formula's ``lifespan``, ``churn_rate`` and ``lapse``.

    Attributes
    ----------
    baseline_wins : list of (str, str)
        The (metric, baseline) pairs on which a baseline is strictly better than the model.
    baseline_beats_model : bool
        Whether ``baseline_wins`` is not empty.
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
        """Whether some baseline is strictly better than the model on some metric.

        Returns
        -------
        bool
            True when :attr:`baseline_wins` is not empty.
        """
        return bool(self.baseline_wins)

    def verdict(self) -> str:
        """One sentence: which baselines beat the model on which metrics, or that none does.

        Returns
        -------
        str
            The sentence.
        """
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
            f"holdout {format_number(s['duration_holdout'], 'estimate')} {s['time_unit']}, "
            f"annual discount rate {format_number(s['annual_discount_rate'], 'estimate')}"
        )

    def _baseline_note(self) -> str:
        s = self.settings
        return (
            f"Baselines: historical_clv = average order value x repeat rate x expected lifespan "
            f"{format_number(s['lifespan'], 'compact')} (churn rate {format_number(s['churn_rate'], 'compact')} "
            f"per time unit, lapse {format_number(s['lapse'], 'compact')}); "
            f"calibration_repeats = repeat rate x holdout duration; population_mean = the cohort's pooled "
            f"repeat rate and mean order value for everyone."
        )

    def __str__(self) -> str:
        lines = [self._title(), self.verdict(), ""]
        for title, table in self._sections():
            lines += [title, table.to_string(float_format=format_number), ""]
        lines.append(self._baseline_note())
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        parts = [f"<div><strong>{html.escape(self._title())}</strong>", f"<p>{html.escape(self.verdict())}</p>"]
        for title, table in self._sections():
            parts += [f"<h4>{html.escape(title)}</h4>", table.to_html(float_format=format_number)]
        parts += [f"<p>{html.escape(self._baseline_note())}</p>", "</div>"]
        return "\n".join(parts)


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
    top_k = _check_evaluate_inputs(transaction_model, spend_model, top_k)
    data = calibration_holdout_data
    duration = _holdout_duration(data, "evaluate", _HOLDOUT_COLUMNS)
    x = _summary_arrays(data, "evaluate", ("frequency", "recency", "T", "monetary_value"))["frequency"]
    actual_tx = data["frequency_holdout"].to_numpy(dtype=float)
    actual_rev = data["revenue_holdout"].to_numpy(dtype=float)

    pred_tx = transaction_model.expected_purchases(data, duration).to_numpy()
    pred_rev = pred_tx * spend_model.expected_spend(data).to_numpy()
    clv = customer_lifetime_value(
        transaction_model, spend_model, data, horizon=duration, annual_discount_rate=annual_discount_rate
    ).to_numpy()

    baseline = baseline_forecasts(data, horizon=duration)
    forecasts = {"model": (pred_tx, pred_rev, clv)}
    for name in BASELINES:  # each baseline ranks customers by its revenue forecast
        tx, rev = (baseline[name][q].to_numpy() for q in ("repeat_transactions", "revenue"))
        forecasts[name] = (tx, rev, rev)
    baselines = pd.DataFrame(
        {
            name: _metrics_row(tx, rev, score, actual_tx, actual_rev, top_k)
            for name, (tx, rev, score) in forecasts.items()
        }
    )
    baselines.index.name = "metric"
    settings: dict[str, object] = {
        "transaction_model": type(transaction_model).__name__,
        "spend_model": type(spend_model).__name__,
        "n_customers": int(x.size),
        "duration_holdout": duration,
        "time_unit": transaction_model.time_unit_ or data.attrs.get("time_unit") or "time units",
        "annual_discount_rate": float(annual_discount_rate),
        "top_k": top_k,
        **{key: baseline.attrs[key] for key in ("lifespan", "churn_rate", "lapse")},
    }
    return EvaluationReport(
        aggregate=_aggregate(pred_tx, pred_rev, actual_tx, actual_rev),
        per_customer=_per_customer(pred_tx, pred_rev, actual_tx, actual_rev),
        conditional_expectations=_conditional_expectations(x, actual_tx, pred_tx),
        deciles=decile_table(clv, actual_rev),
        ranking=ranking_metrics(clv, actual_rev, top_k=top_k),
        baselines=baselines,
        settings=settings,
    )


def _check_evaluate_inputs(transaction_model: object, spend_model: object, top_k: float) -> float:
    """``top_k`` as a float after checking the models' types and its range."""
    check_models(transaction_model, spend_model, needs_spend=True)
    top_k = float(top_k)
    if not 0.0 < top_k <= 1.0:
        raise ValueError(f"top_k must be a share of customers in (0, 1], e.g. 0.1; got {top_k!r}.")
    return top_k


def _aggregate(
    pred_tx: np.ndarray, pred_rev: np.ndarray, actual_tx: np.ndarray, actual_rev: np.ndarray
) -> pd.DataFrame:
    """Holdout totals, predicted against actual, with the error and the percentage error."""
    aggregate = pd.DataFrame(
        {
            "actual": [actual_tx.sum(), actual_rev.sum()],
            "predicted": [pred_tx.sum(), pred_rev.sum()],
        },
        index=pd.Index(["repeat_transactions", "revenue"], name="quantity"),
    )
    aggregate["error"] = aggregate["predicted"] - aggregate["actual"]
    pairs = zip(aggregate["predicted"], aggregate["actual"], strict=True)
    aggregate["error_pct"] = [_error_pct(p, a) for p, a in pairs]
    return aggregate


def _per_customer(
    pred_tx: np.ndarray, pred_rev: np.ndarray, actual_tx: np.ndarray, actual_rev: np.ndarray
) -> pd.DataFrame:
    """MAE, RMSE and correlations of per-customer predictions, for repeat transactions and revenue."""
    per_customer = pd.DataFrame(
        {"repeat_transactions": _accuracy(pred_tx, actual_tx), "revenue": _accuracy(pred_rev, actual_rev)}
    ).T
    per_customer.index.name = "quantity"
    return per_customer
