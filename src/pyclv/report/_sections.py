"""The report's sections, in reading order.

The forecast, the value tiers, the customers to act on, the cohorts' payback, and the appendix of evaluation
tables, model checks and model details (the summary is :mod:`pyclv.report._summary`).
"""

from __future__ import annotations

import html

import pandas as pd

from pyclv.business.payback import Payback
from pyclv.evaluation import EvaluationReport
from pyclv.models import TransactionModel
from pyclv.models.gamma_gamma import GammaGamma
from pyclv.report._facts import AT_RISK_P_ALIVE, HIGH_VALUE_SHARE, INTERVAL, N_LISTED, Facts
from pyclv.report._html import Formats, Table, grid, table
from pyclv.report._summary import BASELINE_NAMES, METRIC_NAMES, metric_value

__all__ = ["appendix", "customers", "forecast", "payback_table", "tiers"]


def _text(value: object) -> str:
    return str(value)


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _h2(title: str, anchor: str) -> str:
    return f'<h2 id="{anchor}">{html.escape(title)}</h2>'


def _range(fmt_one: object, estimate: tuple[float, float, float]) -> str:
    assert callable(fmt_one)
    low, high = estimate[1], estimate[2]
    return "–" if pd.isna(low) or pd.isna(high) else f"{fmt_one(low)}–{fmt_one(high)}"


def forecast(facts: Facts, fmt: Formats, tracking: list[str]) -> list[str]:
    """The forecast of each window beside the historical-CLV formula and what happened, and the tracking charts.

    Parameters
    ----------
    facts : Facts
        The report's numbers.
    fmt : Formats
        The report's formats.
    tracking : list of str
        The tracking figures (empty without a log).

    Returns
    -------
    list of str
        The section's HTML parts.
    """
    names = [
        f"Holdout, {fmt.duration(w.length)}" if w.holdout else f"Next {fmt.days(round(w.days))}" for w in facts.windows
    ]
    level = f"{INTERVAL:.0%}"
    headings = {"model": "Model", "range": f"{level} range", "formula": "Formula", "actual": "Actual"}
    tables = []
    for quantity, write in (("purchases", fmt.count), ("revenue", fmt.money)):
        rows = {}
        for name, w in zip(names, facts.windows, strict=True):
            estimate = w.purchases if quantity == "purchases" else w.revenue
            formula, actual = (
                (w.formula_purchases, w.actual_purchases) if quantity == "purchases" else
                (w.formula_revenue, w.actual_revenue)
            )
            rows[name] = {"model": write(estimate[0]), "range": _range(write, estimate), "formula": write(formula),
                          "actual": write(actual)}
        frame = pd.DataFrame.from_dict(rows, orient="index")
        frame.index.name = "After the calibration end"
        how = (
            "“Model”: the sum of each customer's conditional forecast, given that customer's own history. "
            f"The {level} range holds the actual with that probability if buying goes on as the model describes: "
            "it counts the uncertainty of the model's parameters and the chance in each customer's purchases, not "
            "a change in behaviour. “Formula”: the historical-CLV formula. A dash: not known (the shorter "
            "windows' actuals need the transaction log)."
            if quantity == "purchases" else
            "The same for revenue: each customer's expected purchases times the expected amount of a purchase; "
            "the range adds the chance in the amounts of the purchases (but not the uncertainty of each "
            "customer's own average amount, so it is if anything narrow). Amounts are not discounted."
        )
        caption = "Repeat purchases" if quantity == "purchases" else "Revenue of repeat purchases"
        tables.append(table(Table(frame, {k: (v, _text) for k, v in headings.items()}, how, caption=caption)))
    lead = (
        "What the customers of the calibration period were expected to buy, and bought, in windows starting the day "
        "after it ended."
    )
    return [_h2("Forecast and what happened", "forecast"), f"<p>{html.escape(lead)}</p>", grid(tables, "tables"),
            grid(tracking)]


def tiers(facts: Facts, fmt: Formats, figures: list[str]) -> list[str]:
    """The value tiers: their size, their share of the forecast value, their P(alive) and what they spent.

    Parameters
    ----------
    facts : Facts
        The report's numbers.
    fmt : Formats
        The report's formats.
    figures : list of str
        The value figures.

    Returns
    -------
    list of str
        The section's HTML parts.
    """
    frame = facts.tiers.copy()
    frame.index = frame.index.astype(str)
    frame.index.name = "Customers ranked by forecast value"
    columns = {
        "n_customers": ("Customers", fmt.count),
        "min_clv": ("Value from", lambda v: fmt.money(v, cents=True)),
        "mean_clv": ("Mean value", lambda v: fmt.money(v, cents=True)),
        "total_clv": ("Forecast value", fmt.money),
        "share_of_value": ("Share of forecast value", fmt.share),
        "mean_p_alive": ("Mean P(active)", fmt.probability),
        "actual_revenue": ("Actual revenue (holdout)", fmt.money),
        "share_of_actual": ("Share of actual revenue", fmt.share),
    }
    how = (
        f"Customers ranked by their forecast value over {fmt.duration(facts.holdout_length)} and cut into the top "
        "1%, the next 9%, the next 40% and the bottom half. “Mean P(active)” is the tier's average probability "
        "that a customer still buys; the last two columns are what each tier really spent in the holdout, the "
        f"test of the ranking. {_bottom_alive(facts, fmt)}Customers with equal values share a tier, so sizes can "
        "differ slightly from the nominal shares."
    )
    top = facts.tiers.iloc[0]
    lead = (
        f"The {str(top.name).lower()} of customers ({fmt.count(top['n_customers'])}) hold "
        f"{fmt.share(top['share_of_value'])} of the forecast value and spent {fmt.share(top['share_of_actual'])} "
        "of the holdout's revenue. Spend retention and service on the top tiers; the bottom half is worth "
        "little per customer and is reached most cheaply in bulk."
    )
    return [
        _h2("Value tiers", "tiers"), f"<p>{html.escape(lead)}</p>", table(Table(frame, columns, how)), grid(figures)
    ]


def _bottom_alive(facts: Facts, fmt: Formats) -> str:
    """Why the bottom tier's P(active) is the highest, when it is and most of its customers bought only once."""
    alive = facts.tiers["mean_p_alive"].to_numpy(dtype=float)
    bottom = facts.scores[facts.scores["tier"] == facts.tiers.index[-1]]
    once = float((bottom["frequency"] == 0).mean()) if len(bottom) else 0.0
    if not (len(alive) > 1 and alive[-1] >= alive[:-1].max() and once > 0.5):
        return ""
    return (
        f"P(active) is highest in the bottom tier because most of its customers ({fmt.share(once)}) bought only "
        "once: with a single purchase there is no sign yet that they stopped, but they buy rarely. "
    )


def _customer_columns(fmt: Formats, facts: Facts) -> dict[str, tuple[str, object]]:
    last = (
        ("last_purchase", ("Last purchase", fmt.short_date))
        if "last_purchase" in facts.scores.columns
        else ("silence", ("Time since last purchase", fmt.duration))
    )
    return dict(
        [
            ("frequency", ("Repeat purchases", fmt.count)),
            ("monetary_value", ("Average order", lambda v: fmt.money(v, cents=True))),
            last,
            ("p_alive", ("P(active)", fmt.probability)),
            ("expected_purchases", ("Expected purchases", fmt.mean)),
            ("clv", ("Forecast value", lambda v: fmt.money(v, cents=True))),
            ("actual_revenue", ("Actual revenue (holdout)", lambda v: fmt.money(v, cents=True))),
        ]
    )


def customers(facts: Facts, fmt: Formats) -> list[str]:
    """The top customers by forecast value, and the high-value customers at risk.

    Parameters
    ----------
    facts : Facts
        The report's numbers.
    fmt : Formats
        The report's formats.

    Returns
    -------
    list of str
        The section's HTML parts.
    """
    columns = _customer_columns(fmt, facts)
    top = facts.scores.sort_values("clv", ascending=False).head(N_LISTED)
    as_of = f"on {fmt.date(facts.calibration_end)}" if facts.calibration_end is not None else "at the calibration end"
    how_top = (
        f"The {N_LISTED} customers with the highest forecast value {as_of}, with their history, the probability "
        "that they still buy (P(active)), their expected purchases and value over "
        f"{fmt.duration(facts.holdout_length)}, and what they really spent in the holdout."
    )
    risk = facts.at_risk
    columns_risk = {"past_revenue": ("Past repeat revenue", lambda v: fmt.money(v, cents=True)), **columns}
    del columns_risk["expected_purchases"]
    share = f"{HIGH_VALUE_SHARE:.0%}"
    lead = (
        f"High value: the {share} of repeat buyers who spent most in the calibration period (at least "
        f"{fmt.money(facts.high_value_floor, cents=True)} of repeat purchases). At risk: a probability of still "
        f"buying below {AT_RISK_P_ALIVE:.0%}, because they have been silent for much longer than their own "
        f"rhythm of purchases. {fmt.count(len(risk))} customers are both; together they spent "
        f"{fmt.money(risk['past_revenue'].sum())} before going quiet."
    )
    if len(risk):
        lead += " " + _came_back(risk, fmt)
    how_risk = (
        f"The {N_LISTED} at-risk customers with the highest past repeat revenue. A low P(active) is an estimate, "
        "not a certainty: some of these customers will buy again without any action."
    )
    index_name = "Customer"
    top.index.name = index_name
    listed = risk.head(N_LISTED).copy()
    listed.index.name = index_name
    parts = [
        _h2("Customers to act on", "customers"),
        table(Table(top, columns, how_top, caption="Top customers by forecast value")),  # type: ignore[arg-type]
        "<h3>High-value customers at risk</h3>",
        f"<p>{html.escape(lead)}</p>",
    ]
    if len(listed):
        parts.append(table(Table(listed, columns_risk, how_risk)))  # type: ignore[arg-type]
    return parts


def _came_back(risk: pd.DataFrame, fmt: Formats) -> str:
    """The at-risk customers who bought in the holdout against the model's expectation, and what it means.

    The model's number of buyers is the sum of each customer's probability of at least one purchase in the
    holdout given its history; it and the actual count differ by more than chance when they are more than two
    standard deviations of that sum of independent yes/no outcomes apart.
    """
    n = len(risk)
    came = int((risk["actual_purchases"] > 0).sum())
    expected = float(risk["p_buys"].sum())
    spread = 2.0 * float((risk["p_buys"] * (1.0 - risk["p_buys"])).sum()) ** 0.5
    text = (
        f"In the holdout, {fmt.count(came)} of them ({fmt.share(came / n)}) bought again, "
        f"{fmt.count(risk['actual_purchases'].sum())} purchases in all; the model expected about "
        f"{fmt.count(expected)} of them ({fmt.share(expected / n)}) to buy, "
        f"{fmt.count(risk['expected_purchases'].sum())} purchases. "
    )
    if came > expected + max(spread, 1.0):
        text += (
            "More came back than the model expected, so it underrates this group: their low P(active) overstates "
            "the risk. "
        )
    elif came < expected - max(spread, 1.0):
        text += "Fewer came back than the model expected, so it overrates this group. "
    else:
        text += "About as many came back as the model expected. "
    if came < n / 2:
        text += (
            "These are the customers for a win-back offer: they were worth a lot, and most of them did not come "
            "back on their own."
        )
    else:
        text += (
            "Most of them came back on their own: test a win-back offer against a group left alone before paying "
            "for it for all of them."
        )
    return text


def payback_table(result: Payback, fmt: Formats, acquisition_cost: float, margin: float) -> str:
    """Each monthly cohort's payback of its acquisition cost.

    Parameters
    ----------
    result : Payback
        From :func:`pyclv.business.payback`.
    fmt : Formats
        The report's formats.
    acquisition_cost : float
        The cost per acquired customer.
    margin : float
        The share of revenue kept as margin.

    Returns
    -------
    str
        The table.
    """
    frame = result.summary.copy()
    frame.index = frame.index.astype(str)
    frame.index.name = "Cohort (month of first purchase)"
    period = "payback_period" if "payback_period" in frame.columns else "payback_period_observed"

    def when(value: object) -> str:
        return "not yet" if pd.isna(value) else f"month {int(value)}"  # type: ignore[call-overload]

    columns = {
        "customers": ("Customers", fmt.count),
        "margin_to_date": ("Margin per customer to date", lambda v: fmt.money(v, cents=True)),
        period: ("Pays back in", when),
        "payback_status": ("How we know", lambda v: {"observed": "seen in the data", "forecast": "forecast"}.get(
            str(v), "not within 12 months")),
    }
    how = (
        f"With an acquisition cost of {fmt.money(acquisition_cost, cents=True)} per customer and a margin of "
        f"{fmt.share(margin)} of revenue: the margin each cohort's customers brought in on average, and the month "
        "after their first purchase (month 0) in which it reached the cost, as seen in the log or as forecast."
    )
    return table(Table(frame, columns, how))


def appendix(
    report: EvaluationReport,
    facts: Facts,
    fmt: Formats,
    figures: list[str],
    transaction_model: TransactionModel,
    spend_model: GammaGamma,
) -> list[str]:
    """The appendix: how the forecast did against the baselines, the model checks and the model details.

    Parameters
    ----------
    report : EvaluationReport
        The holdout evaluation.
    facts : Facts
        The report's numbers.
    fmt : Formats
        The report's formats.
    figures : list of str
        The diagnostic figures.
    transaction_model, spend_model
        The fitted models.

    Returns
    -------
    list of str
        The appendix's HTML parts.
    """
    parts = ['<section class="appendix">', _h2("Appendix: how the forecast was judged", "appendix")]
    baselines = report.baselines.astype(float)
    metrics = [str(m) for m in baselines.index]
    frame = pd.DataFrame(
        {str(c): [metric_value(m, float(v), fmt) for m, v in zip(metrics, baselines[c], strict=True)]
         for c in baselines.columns},
        index=pd.Index([_capital(METRIC_NAMES.get(m, m)) for m in metrics], name="Measure (holdout)"),
    )
    names = {"model": "Model", **{k: v.strip("“”")[0].upper() + v.strip("“”")[1:] for k, v in BASELINE_NAMES.items()}}
    how = (
        "Every measure of the forecast over the holdout, for the model and three simple baselines computed from "
        "the calibration period alone: the historical-CLV formula (average order value × purchase rate × "
        "expected lifespan), “the past repeats itself” (each customer buys at its calibration rate) and "
        "“everyone buys at the average rate”. Errors: closer to 0 is better; correlations, lift, Gini and "
        "overlap: higher is better. A dash: not defined (the same forecast for everyone has no correlation)."
    )
    headings = {str(c): (names.get(str(c), str(c)), _text) for c in frame.columns}
    parts += ["<h3>Model and baselines</h3>", table(Table(frame, headings, how))]

    conditional = report.conditional_expectations.copy()
    conditional.index = conditional.index.astype(str)
    conditional.index.name = "Repeat purchases in calibration"
    parts.append(
        table(
            Table(
                conditional,
                {"n_customers": ("Customers", fmt.count), "predicted": ("Holdout purchases: model", fmt.mean),
                 "actual": ("Holdout purchases: actual", fmt.mean)},
                "Customers grouped by their repeat purchases in the calibration period: the average number of "
                "holdout purchases the model forecast for them, given their history, and what they made.",
                caption="Holdout purchases per customer, by calibration purchases",
            )
        )
    )
    deciles = facts.deciles.copy()
    deciles.index.name = "Tenth of customers by forecast revenue"
    parts.append(
        table(
            Table(
                deciles,
                {"n_customers": ("Customers", fmt.count), "predicted": ("Forecast revenue", fmt.money),
                 "actual": ("Actual revenue", fmt.money), "share": ("Share of actual revenue", fmt.share),
                 "cumulative_share": ("Cumulative share", fmt.share), "lift": ("Lift", fmt.ratio)},
                "Customers ranked by their forecast revenue over the holdout (not discounted, so comparable with "
                "the actual; the columns' totals are the summary's forecast and actual revenue); tenth 1 holds "
                "the customers with the highest forecast. “Lift” is the group's actual revenue per customer "
                "against the average customer's: 5 means five times the average.",
                caption="Holdout revenue by tenth of forecast revenue",
            )
        )
    )
    parts += ["<h3>Model checks</h3>", grid(figures), "<h3>Model details</h3>"]
    for model in (transaction_model, spend_model):
        parts.append(_model_table(model, fmt))
    parts.append("</section>")
    return parts


def _model_table(model: TransactionModel | GammaGamma, fmt: Formats) -> str:
    summary = model.summary()
    stats = summary.stats
    frame = summary.to_frame()
    frame.index.name = "Parameter"
    columns = {
        "estimate": ("Estimate", fmt.estimate),
        "std_error": ("Standard error", fmt.estimate),
        "lower": ("95% interval: from", fmt.estimate),
        "upper": ("to", fmt.estimate),
    }
    how = (
        f"Fitted on {fmt.count(stats.get('n_customers'))} customers, time unit {stats.get('time_unit')}; "
        f"log-likelihood {fmt.statistic(stats.get('log_likelihood'))}, AIC {fmt.statistic(stats.get('aic'))}, "
        f"BIC {fmt.statistic(stats.get('bic'))}; the optimizer "
        f"{'converged' if stats.get('converged') else 'did NOT converge: treat the numbers with care'}."
    )
    return table(Table(frame, columns, how, caption=summary.model_name))
