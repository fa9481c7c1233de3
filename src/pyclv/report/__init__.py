"""A single self-contained HTML report a business reader can act on.

It opens with a summary in plain words (the data and their dates, the forecast for the next 30, 60 and 90
days and for the holdout with its range, the comparison with the historical-CLV formula and with what
happened, and a verdict on what the baselines' wins mean), then the value tiers, for models with covariates
what the customers' attributes change (each effect as a factor, and the value of each level), the customers to
act on, the cohorts and their payback, and last an appendix of evaluation tables, model checks and model
details.

Everything is embedded (figures as base64 PNG, styles inline), so the file reads offline and can be mailed,
archived or printed. Built on the public API: :func:`pyclv.evaluate`, :func:`pyclv.score`,
:mod:`pyclv.business` and :mod:`pyclv.plotting`. Modules: ``_facts`` (the numbers), ``_summary`` (the
prose), ``_sections`` (the sections), ``_covariates`` (what the covariates change), ``_figures`` (the
figures), ``_chance`` (the chance in the customers' purchases) and ``_html`` (the page and the number formats).
"""

from __future__ import annotations

import datetime as _dt
import html
from pathlib import Path
from typing import Any

import pandas as pd

from pyclv._validation import DateLike, check_acquisition_cost, check_currency, check_margin
from pyclv._version import __version__
from pyclv.evaluation import evaluate
from pyclv.io import atomic_write
from pyclv.models import TransactionModel
from pyclv.models.gamma_gamma import GammaGamma
from pyclv.report import _figures, _sections, _summary
from pyclv.report._covariates import covariates_section
from pyclv.report._facts import facts_of
from pyclv.report._html import Formats, grid, page

__all__ = ["build_report", "write_report"]


def build_report(
    transaction_model: TransactionModel,
    spend_model: GammaGamma,
    calibration_holdout_data: pd.DataFrame,
    transactions: pd.DataFrame | None = None,
    *,
    calibration_period_end: DateLike | None = None,
    observation_period_end: DateLike | None = None,
    customer_id_col: str = "customer_id",
    datetime_col: str = "date",
    monetary_value_col: str | None = None,
    annual_discount_rate: float = 0.0,
    margin: float = 1.0,
    acquisition_cost: float | None = None,
    currency: str = "",
    title: str = "Customer lifetime value report",
) -> str:
    """The report as one HTML document.

    Parameters
    ----------
    transaction_model, spend_model
        Fitted on the calibration part of ``calibration_holdout_data``.
    calibration_holdout_data : pandas.DataFrame
        From :func:`pyclv.calibration_holdout_split` (with a value column), with the models' covariate columns
        for models with covariates.
    transactions : pandas.DataFrame, optional
        The transaction log: adds the actual purchases of the first 30, 60 and 90 days of the holdout, the
        tracking charts, the cohort retention and, with ``acquisition_cost``, the payback (needs
        ``calibration_period_end`` and ``observation_period_end``).
    calibration_period_end, observation_period_end : date-like, optional
        The ends of the calibration and holdout periods: the report then gives its periods as dates.
    customer_id_col, datetime_col, monetary_value_col : str
        The columns of ``transactions`` (``monetary_value_col`` optional: the actual revenue of the short
        windows and the payback need it).
    annual_discount_rate : float, default 0.0
        Discounts the customers' forecast value (and ranks them by it in the evaluation).
    margin : float, default 1.0
        The share of revenue kept as profit, in (0, 1]: the forecast value and the payback are margins; 1 values
        revenue.
    acquisition_cost : float, optional
        The cost of acquiring one customer, in the currency: adds each monthly cohort's payback (with
        ``transactions`` and a value column).
    currency : str, default ""
        A symbol (``"$"``) or code (``"EUR"``) written with every amount; none by default.
    title : str, default "Customer lifetime value report"
        The document's title and heading.

    Returns
    -------
    str
        A complete, self-contained HTML document.

    Raises
    ------
    DataValidationError
        If ``currency``, ``margin`` or ``acquisition_cost`` is invalid, or as :func:`pyclv.evaluate` and
        :func:`pyclv.score` on the data.

    Warns
    -----
    PyCLVWarning
        If a figure cannot be drawn (it is left out), or the log and the summary disagree on the holdout.

    Notes
    -----
    The 90 % ranges of the total purchases and revenue are prediction ranges: they count the uncertainty of
    the parameters (200 draws from their estimated distribution) and the chance in each customer's purchases
    given its history (each customer's variance from the model's P(X = n | history); for revenue also the
    spread of a purchase's amount around the customer's mean). They leave out changes in behaviour and the
    uncertainty of each customer's own mean amount. The range of the customers' value is that of the
    parameters alone: a value is an expectation, not a total that happens.
    """
    fmt = Formats(check_currency(currency), str(transaction_model.time_unit_ or "W"))
    check_margin(margin)
    check_acquisition_cost(acquisition_cost)
    data = calibration_holdout_data
    report = evaluate(transaction_model, spend_model, data, annual_discount_rate=annual_discount_rate)
    with_log = transactions is not None and calibration_period_end is not None and observation_period_end is not None
    facts = facts_of(
        transaction_model, spend_model, data, transactions if with_log else None,
        calibration_period_end=calibration_period_end, observation_period_end=observation_period_end,
        customer_id_col=customer_id_col, datetime_col=datetime_col, monetary_value_col=monetary_value_col,
        annual_discount_rate=annual_discount_rate, margin=margin,
    )
    horizon = fmt.duration(facts.holdout_length)
    logged = None
    if with_log:
        assert transactions is not None and calibration_period_end is not None
        assert observation_period_end is not None
        logged = _figures.log_figures(
            transaction_model, spend_model, transactions, calibration_period_end=calibration_period_end,
            observation_period_end=observation_period_end, customer_id_col=customer_id_col,
            datetime_col=datetime_col, monetary_value_col=monetary_value_col, acquisition_cost=acquisition_cost,
            margin=margin, covariates=data,
        )
    generated = _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    models = f"{type(transaction_model).__name__} and {type(spend_model).__name__}"
    body = [
        f"<h1>{html.escape(title)}</h1>",
        f'<p class="meta">Generated {generated} by pyclv {html.escape(__version__)} with the {models} models. '
        f'Amounts are {"in " + html.escape(fmt.currency) if fmt.currency else "in the data’s currency"}; '
        f"durations in {fmt.unit_name}, as the models were fitted.</p>",
        '<h2 id="summary">Summary</h2>',
        grid(_summary.cards(facts, fmt), "cards"),
        *_summary.summary(facts, report, fmt),
        _summary.verdict(report, fmt),
        *_sections.forecast(facts, fmt, logged.tracking if logged else []),
        *_sections.tiers(facts, fmt, _figures.value_figures(facts.scores, horizon, fmt.currency)),
        *covariates_section(transaction_model, spend_model, facts.scores, data, fmt, horizon),
        *_sections.customers(facts, fmt),
        *_cohorts(logged, fmt, acquisition_cost, margin),
        *_sections.appendix(
            report, facts, fmt, _figures.diagnostic_figures(transaction_model, data, horizon, fmt.duration(
                float(data["T"].median()))), transaction_model, spend_model,
        ),
    ]
    return page(title, body)


def _cohorts(
    logged: _figures.LogFigures | None, fmt: Formats, acquisition_cost: float | None, margin: float
) -> list[str]:
    if logged is None:
        return []
    parts = ['<h2 id="cohorts">Cohorts and payback</h2>']
    if logged.payback is not None and acquisition_cost is not None:
        parts.append(_sections.payback_table(logged.payback, fmt, acquisition_cost, margin))
    elif logged.payback_left_out:
        parts.append(
            "<p>The payback is left out: the models have covariates, and the log has customers (first seen after "
            "the calibration period) whose covariates the calibration summary does not hold.</p>"
        )
    else:
        parts.append(
            "<p>Give the cost of acquiring a customer (<code>--acquisition-cost</code> on the command line, "
            "<code>acquisition_cost=</code> in Python) to see when each cohort pays it back.</p>"
        )
    parts.append(grid(logged.cohorts))
    return parts


def write_report(path: str | Path, *args: Any, **kwargs: Any) -> Path:
    """Build the report and write it atomically to ``path``.

    Parameters
    ----------
    path : str or pathlib.Path
        Where to write the HTML file (written to a temporary name, then renamed into place).
    *args, **kwargs
        The arguments of :func:`build_report` (e.g. ``currency="$"``).

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    document = build_report(*args, **kwargs)

    def _write(tmp: Path) -> None:
        tmp.write_text(document, encoding="utf-8")

    atomic_write(path, _write)
    return Path(path)
