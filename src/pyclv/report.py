"""A single self-contained HTML report: model summaries, the evaluation against the holdout and the plots.

Everything is embedded (tables as HTML, figures as base64 PNG, styles inline), so the file reads offline and
can be mailed or archived. Built on the public API: :func:`pyclv.evaluate`, :mod:`pyclv.plotting` and
:func:`pyclv.cohort_table`.
"""

from __future__ import annotations

import base64
import datetime as _dt
import html
import io
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from pyclv import plotting
from pyclv._format import format_number
from pyclv.business import cohort_table
from pyclv.evaluation import EvaluationReport, evaluate
from pyclv.exceptions import PyCLVError, PyCLVWarning
from pyclv.io import atomic_write
from pyclv.models import TransactionModel
from pyclv.models.gamma_gamma import GammaGamma

__all__ = ["build_report", "write_report"]

_STYLE = """
body { font-family: -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif; margin: 2em auto; max-width: 72em;
       color: #222; line-height: 1.45; }
h1 { font-size: 1.6em; } h2 { font-size: 1.25em; border-bottom: 1px solid #ccc; padding-bottom: .2em; margin-top: 2em; }
table { border-collapse: collapse; margin: .6em 0; font-size: .9em; }
th, td { border: 1px solid #ddd; padding: .25em .6em; text-align: right; }
th { background: #f4f4f4; }
.figures { display: flex; flex-wrap: wrap; gap: 1em; }
figure { margin: 0; } figcaption { font-size: .85em; color: #555; }
.verdict { background: #fff8e1; border-left: 4px solid #f0b400; padding: .5em 1em; }
.meta { color: #666; font-size: .85em; }
"""


#: Size (inches) and resolution of the report's figures: 640 x 420 pixels, two side by side on a laptop screen.
_FIGURE_SIZE = (6.4, 4.2)
_FIGURE_DPI = 100

#: What a figure may raise on data it cannot draw (invalid or degenerate input, a failed computation); the
#: report then warns and goes on without it.
_FIGURE_ERRORS = (PyCLVError, ValueError, TypeError, KeyError, ArithmeticError)


def _figure(draw: Callable[[Any], object], caption: str) -> str:
    """Render ``draw(ax)`` on a new Agg figure and embed it as a PNG."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=_FIGURE_SIZE, dpi=_FIGURE_DPI)
    ax = figure.subplots()
    try:
        draw(ax)
    except _FIGURE_ERRORS as exc:  # a figure that cannot be drawn must not lose the whole report
        warnings.warn(f"report: the figure {caption!r} could not be drawn ({exc}).", PyCLVWarning, stacklevel=3)
        return ""
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    encoded = base64.b64encode(buffer.getvalue()).decode("ascii")
    return (
        f'<figure><img alt="{html.escape(caption)}" src="data:image/png;base64,{encoded}">'
        f"<figcaption>{html.escape(caption)}</figcaption></figure>"
    )


def _table(frame: pd.DataFrame | pd.Series) -> str:
    table = frame.to_frame() if isinstance(frame, pd.Series) else frame
    return table.to_html(float_format=format_number, na_rep="")


def build_report(
    transaction_model: TransactionModel,
    spend_model: GammaGamma,
    calibration_holdout_data: pd.DataFrame,
    transactions: pd.DataFrame | None = None,
    *,
    calibration_period_end: str | None = None,
    observation_period_end: str | None = None,
    customer_id_col: str = "customer_id",
    datetime_col: str = "date",
    monetary_value_col: str | None = None,
    annual_discount_rate: float = 0.0,
    title: str = "Customer lifetime value report",
) -> str:
    """The report as one HTML document.

    Parameters
    ----------
    transaction_model, spend_model
        Fitted on the calibration part of ``calibration_holdout_data``.
    calibration_holdout_data : pandas.DataFrame
        From :func:`pyclv.calibration_holdout_split` (with a value column).
    transactions : pandas.DataFrame, optional
        The transaction log: adds the tracking curves and the cohort retention table (needs
        ``calibration_period_end`` and ``observation_period_end``).
    calibration_period_end, observation_period_end : date-like, optional
        The ends of the calibration and holdout periods, for the figures drawn from ``transactions``.
    customer_id_col, datetime_col, monetary_value_col : str
        The columns of ``transactions`` (``monetary_value_col`` optional: the cohort tables then carry revenue).
    annual_discount_rate : float, default 0.0
        Used to rank customers by CLV in the evaluation.
    title : str, default "Customer lifetime value report"
        The document's title and heading.

    Returns
    -------
    str
        A complete, self-contained HTML document.
    """
    report = evaluate(
        transaction_model, spend_model, calibration_holdout_data, annual_discount_rate=annual_discount_rate
    )
    figures = _model_figures(transaction_model, spend_model, calibration_holdout_data)
    if transactions is not None and calibration_period_end is not None and observation_period_end is not None:
        figures += _log_figures(
            transaction_model,
            transactions,
            calibration_period_end=calibration_period_end,
            observation_period_end=observation_period_end,
            customer_id_col=customer_id_col,
            datetime_col=datetime_col,
            monetary_value_col=monetary_value_col,
        )
    body = "\n".join(_sections(title, transaction_model, spend_model, calibration_holdout_data, report, figures))
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
        f"<style>{_STYLE}</style></head><body>\n{body}\n</body></html>\n"
    )


def _model_figures(transaction_model: TransactionModel, spend_model: GammaGamma, data: pd.DataFrame) -> list[str]:
    """The figures drawn from the calibration/holdout summary: fit, holdout, matrices, value and lift."""
    duration = float(data["duration_holdout"].iloc[0])
    predicted = transaction_model.expected_purchases(data, duration) * spend_model.expected_spend(data)
    T_typical = float(data["T"].median())
    horizon, age = format_number(duration, "estimate"), format_number(T_typical, "estimate")
    return [
        _figure(lambda ax: plotting.plot_period_transactions(transaction_model, data, ax=ax),
                "Customers by number of repeat purchases: model vs actual (calibration)"),
        _figure(lambda ax: plotting.plot_calibration_purchases_vs_holdout_purchases(transaction_model, data, ax=ax),
                "Holdout purchases by calibration frequency: model vs actual"),
        _figure(lambda ax: plotting.plot_frequency_recency_matrix(transaction_model, T=T_typical, t=duration, ax=ax),
                f"Expected purchases in the next {horizon} time units, customers of age {age}"),
        _figure(lambda ax: plotting.plot_probability_alive_matrix(transaction_model, T=T_typical, ax=ax),
                f"P(alive) for customers of age {age}"),
        _figure(
            lambda ax: plotting.plot_clv_distribution(predicted, ax=ax), "Forecast value over the holdout per customer"
        ),
        _figure(lambda ax: plotting.plot_lift_chart(predicted, data["revenue_holdout"], ax=ax),
                "Share of holdout revenue by decile of forecast value"),
    ]


def _log_figures(
    transaction_model: TransactionModel,
    transactions: pd.DataFrame,
    *,
    calibration_period_end: str,
    observation_period_end: str,
    customer_id_col: str,
    datetime_col: str,
    monetary_value_col: str | None,
) -> list[str]:
    """The figures drawn from the transaction log: the tracking curves and the cohort retention."""
    tracking_args = {
        "calibration_period_end": calibration_period_end,
        "observation_period_end": observation_period_end,
        "customer_id_col": customer_id_col,
        "datetime_col": datetime_col,
    }
    # the log's later transactions are expected here: their warning is not news
    with warnings.catch_warnings(action="ignore", category=PyCLVWarning):
        figures = [
            _figure(
                lambda ax: plotting.plot_cumulative_transactions(
                    transaction_model, transactions, ax=ax, **tracking_args
                ),
                "Cumulative repeat transactions: model vs actual",
            ),
            _figure(
                lambda ax: plotting.plot_incremental_transactions(
                    transaction_model, transactions, ax=ax, **tracking_args
                ),
                "Weekly repeat transactions: model vs actual",
            ),
        ]
        cohorts = cohort_table(
            transactions, customer_id_col=customer_id_col, datetime_col=datetime_col,
            monetary_value_col=monetary_value_col, observation_period_end=observation_period_end,
        )
        figures.append(_figure(lambda ax: plotting.plot_cohort_retention(cohorts.retention, ax=ax),
                               "Retention by monthly acquisition cohort"))
    return figures


def _sections(
    title: str,
    transaction_model: TransactionModel,
    spend_model: GammaGamma,
    data: pd.DataFrame,
    report: EvaluationReport,
    figures: list[str],
) -> list[str]:
    """The HTML parts of the report's body, in order."""
    duration = float(data["duration_holdout"].iloc[0])
    verdict = report.verdict()
    return [
        f"<h1>{html.escape(title)}</h1>",
        f'<p class="meta">Generated {_dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")} by pyclv; '
        f"{len(data):,} customers; holdout of {format_number(duration, 'estimate')} time units "
        f"({html.escape(str(transaction_model.time_unit_))}).</p>",
        "<h2>Models</h2>",
        transaction_model.summary()._repr_html_(),
        spend_model.summary()._repr_html_(),
        "<h2>Forecast against the holdout</h2>",
        f'<p class="verdict">{html.escape(verdict)}</p>' if verdict else "",
        "<h3>Aggregate</h3>", _table(report.aggregate),
        "<h3>Per customer</h3>", _table(report.per_customer),
        "<h3>Conditional expectations by calibration frequency</h3>", _table(report.conditional_expectations),
        "<h3>Deciles of forecast value</h3>", _table(report.deciles),
        "<h3>Ranking</h3>", _table(report.ranking),
        "<h3>Against the baselines</h3>", _table(report.baselines),
        "<h2>Figures</h2>",
        '<div class="figures">' + "".join(figures) + "</div>",
    ]


def write_report(path: str | Path, *args: Any, **kwargs: Any) -> Path:
    """Build the report and write it atomically to ``path``.

    Parameters
    ----------
    path : str or pathlib.Path
        Where to write the HTML file (written to a temporary name, then renamed into place).
    *args, **kwargs
        The arguments of :func:`build_report`.

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
