"""The report's prose: what the data are, what the model forecasts, how that compares with the historical-CLV
formula and with what happened, and what a baseline beating the model means for the reader.
"""

from __future__ import annotations

import html
import math

import pandas as pd

from pyclv.evaluation import EvaluationReport
from pyclv.report._facts import INTERVAL, Facts, Window
from pyclv.report._html import Formats

__all__ = ["BASELINE_NAMES", "METRIC_NAMES", "cards", "summary", "verdict"]

#: The baselines in words.
BASELINE_NAMES = {
    "historical_clv": "the historical-CLV formula",
    "calibration_repeats": "“the past repeats itself”",
    "population_mean": "“everyone buys at the average rate”",
}

#: The metrics of the baselines table in words.
METRIC_NAMES = {
    "repeat_transactions_error_pct": "total purchases",
    "revenue_error_pct": "total revenue",
    "repeat_transactions_mae": "mean absolute error of each customer's purchases",
    "repeat_transactions_rmse": "root-mean-square error of each customer's purchases",
    "revenue_mae": "mean absolute error of each customer's revenue",
    "revenue_rmse": "root-mean-square error of each customer's revenue",
    "repeat_transactions_pearson": "correlation with each customer's purchases",
    "repeat_transactions_spearman": "rank correlation with each customer's purchases",
    "revenue_pearson": "correlation with each customer's revenue",
    "revenue_spearman": "rank correlation with each customer's revenue",
    "top_decile_lift": "revenue of the top 10% against the average (lift)",
    "gini": "Gini coefficient of the ranking",
    "top_k_overlap": "overlap with the customers who really spent most",
}

#: The metric families of the verdict: a heading, what winning means, and what to do when a baseline wins.
_FAMILIES: dict[str, tuple[str, str, str]] = {
    "totals": (
        "Totals",
        "The model's totals over the holdout were closer to what happened than every baseline's.",
        "For a budget or a revenue plan, do not take the model's total alone: it assumes that each customer keeps "
        "the buying rate of the calibration period, so a trend, a season or a campaign in the holdout moves the "
        "actual away from it. Check the weekly tracking chart in the appendix for such a change, and run "
        "pyclv backtest at a few earlier cut-offs to see whether the gap repeats.",
    ),
    "customer": (
        "Each customer's amount",
        "The model's forecast for each customer was closer to what that customer did than every baseline's.",
        "One customer's future is uncertain whatever the method: use the per-customer numbers to rank and group "
        "customers (tiers, lists below), not as a promise of what a given customer will spend.",
    ),
    "order": (
        "Ordering all customers",
        "The model's forecasts followed what customers did more closely than every baseline's.",
        "Most customers bought little or nothing, and a simple formula can order that long tail as well as the "
        "model. If a decision depends on the order of the whole list (one cut-off for everyone), compare both "
        "orders on the results of a past campaign before choosing.",
    ),
    "ranking": (
        "Finding the best customers",
        "The model found the customers who spent most in the holdout better than every baseline.",
        "For choosing whom to target, the simpler ranking was as good here: the value tiers and lists below are "
        "still the model's, but a targeting rule based on past spend would have picked much the same customers.",
    ),
}

#: The family of each metric.
_FAMILY_OF = {
    "repeat_transactions_error_pct": "totals",
    "revenue_error_pct": "totals",
    "repeat_transactions_mae": "customer",
    "repeat_transactions_rmse": "customer",
    "revenue_mae": "customer",
    "revenue_rmse": "customer",
    "repeat_transactions_pearson": "order",
    "repeat_transactions_spearman": "order",
    "revenue_pearson": "order",
    "revenue_spearman": "order",
    "top_decile_lift": "ranking",
    "gini": "ranking",
    "top_k_overlap": "ranking",
}


def metric_value(metric: str, value: float, fmt: Formats) -> str:
    """A metric of the baselines table written as the kind of number it is.

    Parameters
    ----------
    metric : str
        Its name in :attr:`pyclv.evaluation.EvaluationReport.baselines`.
    value : float
        Its value.
    fmt : Formats
        The report's formats.

    Returns
    -------
    str
        The text.
    """
    if metric.endswith("_error_pct"):
        return fmt.change(value / 100.0)
    if metric.endswith(("_mae", "_rmse")):
        return fmt.money(value, cents=True) if metric.startswith("revenue") else fmt.mean(value)
    if metric == "top_k_overlap":
        return fmt.share(value)
    return fmt.ratio(value)


def _range(estimate: tuple[float, float, float], write: object) -> str:
    assert callable(write)
    low, high = estimate[1], estimate[2]
    if math.isnan(low) or math.isnan(high):
        return str(write(estimate[0]))
    return f"{write(estimate[0])} ({write(low)} to {write(high)})"


def _window_name(window: Window, fmt: Formats) -> str:
    return f"the holdout's {fmt.duration(window.length)}" if window.holdout else f"the next {fmt.days(round(window.days))}"


def summary(facts: Facts, report: EvaluationReport, fmt: Formats) -> list[str]:
    """The opening paragraphs: the data, the forecast, and how it compares.

    Parameters
    ----------
    facts : Facts
        The report's numbers.
    report : EvaluationReport
        The holdout evaluation.
    fmt : Formats
        The report's formats.

    Returns
    -------
    list of str
        HTML paragraphs.
    """
    when = (
        f"from {fmt.date(facts.calibration_start)} to {fmt.date(facts.calibration_end)}"
        if facts.calibration_end is not None
        else "in the calibration period"
    )
    after = (
        f"from {fmt.date(facts.calibration_end + pd.Timedelta(days=1))} to {fmt.date(facts.holdout_end)}"
        if facts.calibration_end is not None and facts.holdout_end is not None
        else "in the holdout period that followed"
    )
    data = (
        f"The models learned from {fmt.count(facts.n_customers)} customers who made "
        f"{fmt.count(facts.calibration_purchases)} purchases {when} (the calibration period, "
        f"{fmt.duration(facts.calibration_length)}); {fmt.count(facts.n_repeaters)} of them bought more than once, "
        f"for {fmt.money(facts.calibration_repeat_revenue)} of repeat purchases. The forecast was then checked "
        f"against what the same customers bought {after} (the holdout, {fmt.duration(facts.holdout_length)}), "
        "which the models did not see."
    )
    hold = facts.holdout
    level = f"{INTERVAL:.0%}"
    short = [w for w in facts.windows if not w.holdout]
    soon = (
        "; ".join(f"{fmt.money(w.revenue[0])} in {_window_name(w, fmt)}" for w in short) + ". "
        if short else ""
    )
    forecast = (
        f"For {_window_name(hold, fmt)} after the calibration period the model expected "
        f"{_range(hold.purchases, fmt.count)} repeat purchases worth {_range(hold.revenue, fmt.money)} "
        f"(in brackets: a {level} range from the uncertainty of the model's parameters; it does not include the "
        f"chance in individual customers' purchases). Sooner: {soon}"
    )
    if facts.margin != 1.0 or facts.annual_discount_rate != 0.0:
        forecast += (
            f"Valued at a margin of {fmt.share(facts.margin)} and an annual discount rate of "
            f"{fmt.share(facts.annual_discount_rate)}, the customers are worth {_range(facts.value, fmt.money)} "
            "over the holdout. "
        )
    versus = (
        f"The historical-CLV formula (average order value × purchase rate × expected lifespan) expected "
        f"{fmt.count(hold.formula_purchases)} purchases worth {fmt.money(hold.formula_revenue)}. What really "
        f"happened: {fmt.count(hold.actual_purchases)} purchases worth {fmt.money(hold.actual_revenue)}, so the "
        f"model was {_off(hold.purchases[0], hold.actual_purchases, fmt)} on purchases and "
        f"{_off(hold.revenue[0], hold.actual_revenue, fmt)} on revenue, the formula "
        f"{_off(hold.formula_purchases, hold.actual_purchases, fmt)} and "
        f"{_off(hold.formula_revenue, hold.actual_revenue, fmt)}."
    )
    inside = _inside(hold)
    if inside:
        versus += " " + inside
    return [f"<p>{html.escape(text)}</p>" for text in (data, forecast, versus)]


def _off(predicted: float, actual: float, fmt: Formats) -> str:
    """E.g. "14.3% low"."""
    if not actual or math.isnan(actual):
        return "not comparable"
    change = (predicted - actual) / actual
    text = fmt.change(abs(change))
    return "exact" if text == "0.0%" else f"{text.lstrip('+')} {'low' if change < 0 else 'high'}"


def _inside(window: Window) -> str:
    """A sentence on whether the actual totals fall in the model's ranges."""
    outside = [
        name
        for name, (est, low, high), actual in (
            ("purchases", window.purchases, window.actual_purchases),
            ("revenue", window.revenue, window.actual_revenue),
        )
        if not (math.isnan(low) or math.isnan(actual)) and not low <= actual <= high
    ]
    if not outside:
        return ""
    return (
        f"The actual {' and '.join(outside)} fell outside the model's range: the range covers only the "
        "uncertainty of the parameters, so a gap this large points at a change in behaviour between the two "
        "periods rather than at bad luck."
    )


def verdict(report: EvaluationReport, fmt: Formats) -> str:
    """What the comparison with the baselines means, per family of metrics, and what to do about it.

    Parameters
    ----------
    report : EvaluationReport
        The holdout evaluation.
    fmt : Formats
        The report's formats.

    Returns
    -------
    str
        A ``<div class="verdict">`` with one item per family.
    """
    wins: dict[str, dict[str, list[str]]] = {}
    for metric, baseline in report.baseline_wins:
        family = _FAMILY_OF.get(metric, "customer")
        wins.setdefault(family, {}).setdefault(metric, []).append(baseline)
    items = []
    for family, (heading, good, todo) in _FAMILIES.items():
        lost = wins.get(family)
        if not lost:
            items.append(f"<li><strong>{html.escape(heading)}.</strong> {html.escape(good)}</li>")
            continue
        details = "; ".join(
            f"{METRIC_NAMES.get(metric, metric.replace('_', ' '))}: model "
            f"{metric_value(metric, report.baselines.loc[metric, 'model'], fmt)}, "
            + ", ".join(
                f"{BASELINE_NAMES.get(b, b)} {metric_value(metric, report.baselines.loc[metric, b], fmt)}"
                for b in baselines
            )
            for metric, baselines in lost.items()
        )
        who = sorted({b for baselines in lost.values() for b in baselines}, key=list(BASELINE_NAMES).index)
        names = " and ".join(BASELINE_NAMES.get(b, b) for b in who)
        items.append(
            f"<li><strong>{html.escape(heading)}.</strong> {html.escape(names[0].upper() + names[1:])} did better "
            f"than the model ({html.escape(details)}). {html.escape(todo)}</li>"
        )
    n_lost = len(wins)
    if n_lost == 0:
        head = "The model did better than every simple baseline on every measure."
    else:
        head = (
            f"A simple baseline did better than the model on {n_lost} of the {len(_FAMILIES)} things a forecast is "
            "used for. That does not make the baseline the better tool for everything; it tells you which of the "
            "model's numbers to lean on and which to check:"
        )
    kind = "verdict good" if n_lost == 0 else "verdict"
    return f'<div class="{kind}"><p>{html.escape(head)}</p><ul>{"".join(items)}</ul></div>'


def cards(facts: Facts, fmt: Formats) -> list[str]:
    """The key numbers, one card each.

    Parameters
    ----------
    facts : Facts
        The report's numbers.
    fmt : Formats
        The report's formats.

    Returns
    -------
    list of str
        ``<div class="card">`` elements.
    """
    hold = facts.holdout
    top = facts.tiers.iloc[0]
    values = [
        (fmt.count(facts.n_customers), "customers in the calibration cohort"),
        (fmt.money(hold.revenue[0]), f"forecast revenue, {fmt.duration(hold.length)}"),
        (fmt.money(hold.actual_revenue), "actual revenue in the holdout"),
        (fmt.share(top["share_of_value"]), f"of forecast value in the {str(top.name).lower()} of customers"),
        (fmt.count(len(facts.at_risk)), "high-value customers at risk"),
    ]
    return [
        f'<div class="card"><span class="value">{html.escape(value)}</span>'
        f'<span class="label">{html.escape(label)}</span></div>'
        for value, label in values
    ]
