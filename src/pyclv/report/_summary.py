"""The report's prose.

What the data are, what the model forecasts, how that compares with the historical-CLV formula and with what
happened, and what a baseline beating the model means for the reader.
"""

from __future__ import annotations

import html
import math

import pandas as pd

from pyclv._format import format_number
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

#: The metric families of the verdict: a heading, and what to do when a baseline wins all of the family's
#: metrics or some of them.
_FAMILIES: dict[str, tuple[str, str, str]] = {
    "totals": (
        "Totals",
        "For a budget or a revenue plan, do not take the model's total alone: the model assumes that each customer "
        "keeps the buying rate of the calibration period, so a trend, a season or a campaign in the holdout moves "
        "the actual away from it. Look for such a change in the weekly chart (drawn from the transaction log), and run "
        "pyclv backtest at a few earlier cut-offs to see whether the gap repeats.",
        "The model's totals are usable, but check the measure it lost before using them for a budget.",
    ),
    "customer": (
        "Each customer's amount",
        "One customer's future is uncertain whatever the method: use the per-customer numbers to rank and group "
        "customers (the tiers and lists below), not as a promise of what a given customer will spend.",
        "Use the per-customer numbers to rank and group customers rather than as exact amounts.",
    ),
    "order": (
        "Ordering all customers",
        "Most customers bought little or nothing, and a simple formula orders that long tail as well as the model. "
        "If a decision depends on the order of the whole list (one cut-off for everyone), compare both orders on "
        "the results of a past campaign first.",
        "The model orders customers about as well as the baseline; for a cut-off deep in the list, either will do.",
    ),
    "ranking": (
        "Finding the best customers",
        "For choosing whom to target, a ranking by past spend picks much the same customers here; the model's "
        "lists add most for customers with little history.",
        "For the top of the list (the tiers and customers below) use the model's ranking; for a cut-off deep in "
        "the list, the simple formula does as well.",
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
    if metric == "top_decile_lift":
        return fmt.ratio(value)
    return fmt.correlation(value)


def _range(estimate: tuple[float, float, float], write: object) -> str:
    assert callable(write)
    low, high = estimate[1], estimate[2]
    if math.isnan(low) or math.isnan(high):
        return str(write(estimate[0]))
    return f"{write(estimate[0])} (range {write(low)} to {write(high)})"


def _window_name(window: Window, fmt: Formats) -> str:
    if window.holdout:
        return f"the {fmt.duration(window.length)} of the holdout"
    return f"the next {fmt.days(round(window.days))}"


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
        f"{fmt.count(facts.calibration_purchases)} purchases {when}, a calibration period of "
        f"{fmt.duration(facts.calibration_length)}; {fmt.count(facts.n_repeaters)} of them bought more than once, "
        f"for {fmt.money(facts.calibration_repeat_revenue)} of repeat purchases. The forecast was then checked "
        f"against what the same customers bought {after}, a holdout of {fmt.duration(facts.holdout_length)} that "
        "the models did not see (both periods counted in calendar days, the first and last included)."
    )
    hold = facts.holdout
    short = [w for w in facts.windows if not w.holdout]
    soon = "; ".join(f"{fmt.money(w.revenue[0])} in {_window_name(w, fmt)}" for w in short)
    forecast = (
        f"For the {fmt.duration(hold.length)} after the calibration period the model expected "
        f"{_range(hold.purchases, fmt.count)} repeat purchases worth {_range(hold.revenue, fmt.money)}. "
        f"Each {INTERVAL:.0%} range holds the actual total with that probability if the customers keep buying as "
        "the model describes: it counts both the uncertainty of the model's parameters and the chance in each "
        "customer's purchases; it leaves out changes in behaviour (a trend, a season, a campaign)."
    )
    if soon:
        forecast += f" Sooner: {soon}."
    settings = [f"a margin of {fmt.rate(facts.margin)}"] if facts.margin != 1.0 else []
    if facts.annual_discount_rate != 0.0:
        settings.append(f"an annual discount rate of {fmt.rate(facts.annual_discount_rate)}")
    if settings:
        forecast += (
            f" Valued at {' and '.join(settings)}, the customers are worth {_range(facts.value, fmt.money)} over "
            "that period (a range from the parameters' uncertainty alone: a value is an expectation)."
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
        f"The actual {' and '.join(outside)} fell outside the model's {INTERVAL:.0%} range. That range already "
        "counts the uncertainty of the parameters and the chance in each customer's purchases, so a gap this "
        "large is unlikely to be bad luck: it points at a change in behaviour between the two periods, or at "
        "customers the model describes poorly."
    )


def _compared(metric: str, report: EvaluationReport, baselines: list[str], fmt: Formats) -> str:
    """E.g. "total revenue: model −17.3%, the historical-CLV formula −4.8%" (more digits where they would tie)."""
    row = report.baselines.loc[metric].to_numpy(dtype=float)
    position = {str(name): i for i, name in enumerate(report.baselines.columns)}
    values = [float(row[position[name]]) for name in ("model", *baselines)]
    texts = [metric_value(metric, value, fmt) for value in values]
    if texts[0] in texts[1:]:  # the model and a baseline equal when rounded: show the digits that tell them apart
        texts = [format_number(value, "compact") for value in values]
    names = ["model", *(BASELINE_NAMES.get(b, b) for b in baselines)]
    pairs = ", ".join(f"{name} {text}" for name, text in zip(names, texts, strict=True))
    return f"{METRIC_NAMES.get(metric, metric.replace('_', ' '))}: {pairs}"


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
    lost: dict[str, list[str]] = {}
    for metric, baseline in report.baseline_wins:
        lost.setdefault(metric, []).append(baseline)
    items = []
    n_lost = 0
    for family, (heading, todo_all, todo_some) in _FAMILIES.items():
        metrics = [m for m in report.baselines.index if _FAMILY_OF.get(m, "customer") == family]
        beaten = [m for m in metrics if m in lost]
        won = [METRIC_NAMES.get(m, m) for m in metrics if m not in lost]
        if not beaten:
            text = "The model did better than every baseline on " + _and(won) + "."
        else:
            n_lost += 1
            who = sorted({b for m in beaten for b in lost[m]}, key=list(BASELINE_NAMES).index)
            names = _and([BASELINE_NAMES.get(b, b) for b in who])
            details = "; ".join(_compared(m, report, lost[m], fmt) for m in beaten)
            text = f"{names[0].upper()}{names[1:]} did better ({details})."
            if won:
                text = f"Mixed. The model did better on {_and(won)}. " + text
            text += " " + (todo_some if won else todo_all)
        items.append(f"<li><strong>{html.escape(heading)}.</strong> {html.escape(text)}</li>")
    if n_lost == 0:
        head = "The model did better than every simple baseline on every measure."
    else:
        head = (
            f"On {n_lost} of the {len(_FAMILIES)} uses of a forecast, a simple baseline did better than the model "
            "on at least one measure. That does not make the baseline the better tool; it tells you which of the "
            "model's numbers to lean on:"
        )
    kind = "verdict good" if n_lost == 0 else "verdict"
    return f'<div class="{kind}"><p>{html.escape(head)}</p><ul>{"".join(items)}</ul></div>'


def _and(words: list[str]) -> str:
    """"a", "a and b", "a, b and c"."""
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


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
