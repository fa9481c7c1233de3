"""The report's figures: each drawn by :mod:`pyclv.plotting` on its own Agg figure and embedded as a PNG.

A figure that cannot be drawn (degenerate data) is left out with a warning; the rest of the report is kept.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Callable
from typing import Any

import pandas as pd

from pyclv import plotting
from pyclv._validation import DateLike, warn
from pyclv.business import cohort_forecast, cohort_table, payback
from pyclv.business.payback import Payback
from pyclv.evaluation.profiles import covariate_columns
from pyclv.exceptions import DataValidationError, PyCLVError, PyCLVWarning
from pyclv.models import TransactionModel
from pyclv.models.gamma_gamma import GammaGamma
from pyclv.report._html import figure

__all__ = ["MATRIX_CMAP", "LogFigures", "diagnostic_figures", "log_figures", "render", "value_figures"]

#: Size (inches) and resolution of the figures: 960 x 600 pixels, shown at the width of their column (sharp on
#: a high-density screen and in print).
_FIGURE_SIZE = (6.4, 4.0)
_FIGURE_DPI = 150

#: The colour map of the two matrices, which their captions describe: dark purple for low, bright yellow for high.
MATRIX_CMAP = "viridis"

#: What a figure may raise on data it cannot draw (invalid or degenerate input, a failed computation).
_FIGURE_ERRORS = (PyCLVError, ValueError, TypeError, KeyError, ArithmeticError)


def render(draw: Callable[[Any], object], title: str, how_to_read: str) -> str:
    """Draw ``draw(ax)`` on a new Agg figure and embed it with its title and note.

    Parameters
    ----------
    draw : callable
        Draws on the Axes it is given.
    title : str
        The figure's title in the report.
    how_to_read : str
        The note under it.

    Returns
    -------
    str
        The ``<figure>``, or ``""`` (with a warning) if it cannot be drawn.
    """
    from matplotlib.figure import Figure

    canvas = Figure(figsize=_FIGURE_SIZE, dpi=_FIGURE_DPI)
    ax = canvas.subplots()
    try:
        draw(ax)
    except _FIGURE_ERRORS as exc:  # a figure that cannot be drawn must not lose the whole report
        warn(f"report: the figure {title!r} could not be drawn ({exc}); it is left out.")
        return ""
    canvas.tight_layout()
    buffer = io.BytesIO()
    canvas.savefig(buffer, format="png")
    return figure(buffer.getvalue(), title, how_to_read)


def value_figures(scores: pd.DataFrame, horizon: str, currency: str = "") -> list[str]:
    """The distribution of forecast value and the lift chart of the holdout revenue by its deciles.

    Parameters
    ----------
    scores : pandas.DataFrame
        The report's per-customer table (``clv``, ``forecast_revenue``, ``actual_revenue``).
    horizon : str
        The horizon in words.
    currency : str, default ""
        The amounts' currency, named on the value axis.

    Returns
    -------
    list of str
        Two figures.
    """
    return [
        render(
            lambda ax: plotting.plot_clv_distribution(scores["clv"], ax=ax, currency=currency),
            f"Forecast value per customer over {horizon}",
            "Each bar counts the customers whose forecast value falls in its range; the dashed and dotted lines "
            "are the mean and the median. A long right tail is usual: a few customers carry much of the value. "
            "Customers worth exactly 0 are counted in the title, not drawn.",
        ),
        render(
            lambda ax: plotting.plot_lift_chart(scores["forecast_revenue"], scores["actual_revenue"], ax=ax),
            "Holdout revenue by tenth of customers, ranked by forecast revenue",
            "Customers are ranked by their revenue over the holdout as forecast at the end of the calibration "
            "period (not discounted) and cut into ten equal groups; each bar is the share of the holdout's actual "
            "revenue that group spent, each dot the share the forecast gave it. A steep fall from the first bar "
            "means the forecast finds the customers who will spend.",
        ),
    ]


def diagnostic_figures(transaction_model: TransactionModel, data: pd.DataFrame, horizon: str, age: str) -> list[str]:
    """The model checks of the appendix: the fit, the holdout by calibration frequency and the two matrices.

    Parameters
    ----------
    transaction_model : TransactionModel
        The fitted model.
    data : pandas.DataFrame
        The calibration/holdout summary.
    horizon, age : str
        The holdout's length and the customers' typical age, in words.

    Returns
    -------
    list of str
        Four figures.
    """
    duration = float(data["duration_holdout"].iloc[0])
    T_typical = float(data["T"].median())
    profile_model, profile = _common_profile(transaction_model, data)
    return [
        render(
            lambda ax: plotting.plot_period_transactions(transaction_model, data, ax=ax),
            "Customers by number of repeat purchases in the calibration period: model and actual",
            "Bars side by side: how many customers made 0, 1, 2, ... repeat purchases, as the fitted model "
            "expects and as it happened. Close bars mean the model describes the calibration period well.",
        ),
        render(
            lambda ax: plotting.plot_calibration_purchases_vs_holdout_purchases(transaction_model, data, ax=ax),
            "Holdout purchases per customer, by repeat purchases in the calibration period",
            "For the customers with 0, 1, 2, ... calibration purchases: their average holdout purchases as the "
            "model forecast them (given each customer's own history) and as they happened.",
        ),
        render(
            lambda ax: plotting.plot_frequency_recency_matrix(
                profile_model, T=T_typical, t=duration, cmap=MATRIX_CMAP, ax=ax
            ),
            f"Expected purchases in {horizon}, for customers with {age} of history{profile}",
            "Brighter (yellow) cells expect more purchases, dark purple ones few (the colour bar gives the "
            "numbers): the most are expected of customers who bought often (up) and recently (right).",
        ),
        render(
            lambda ax: plotting.plot_probability_alive_matrix(profile_model, T=T_typical, cmap=MATRIX_CMAP, ax=ax),
            f"Probability of being still active, for customers with {age} of history{profile}",
            "Yellow: probably still active; dark purple: probably stopped. A customer who bought often but not "
            "recently (up, left) has probably stopped buying; one who bought recently is probably still active "
            "whatever the number of purchases.",
        ),
    ]


def _common_profile(model: TransactionModel, data: pd.DataFrame) -> tuple[TransactionModel, str]:
    """The model of the most common covariate profile of ``data`` and its words (the model itself without)."""
    columns = covariate_columns(model)
    if not columns:
        return model, ""
    values = dict(zip(columns, data[columns].value_counts().index[0], strict=True))
    words = ", ".join(f"{name} = {value}" for name, value in values.items())
    return model.for_covariates(**values), f" and {words} (the most common profile)"


class LogFigures:
    """The figures and tables drawn from the transaction log: tracking, cohort retention and payback.

    Parameters
    ----------
    tracking : list of str
        The cumulative and weekly tracking figures.
    cohorts : list of str
        The retention map, and the payback curves with a CAC.
    payback : Payback or None
        The payback of each monthly cohort, with a CAC.
    payback_left_out : str, default ""
        Why the payback was left out despite a CAC (empty otherwise).
    """

    def __init__(
        self, tracking: list[str], cohorts: list[str], payback: Payback | None, payback_left_out: str = ""
    ) -> None:
        self.tracking = tracking
        self.cohorts = cohorts
        self.payback = payback
        self.payback_left_out = payback_left_out


def log_figures(
    transaction_model: TransactionModel,
    spend_model: GammaGamma,
    transactions: pd.DataFrame,
    *,
    calibration_period_end: DateLike,
    observation_period_end: DateLike,
    customer_id_col: str,
    datetime_col: str,
    monetary_value_col: str | None,
    acquisition_cost: float | None,
    margin: float,
    covariates: pd.DataFrame | None = None,
) -> LogFigures:
    """The figures of the transaction log, and the payback with an acquisition cost.

    Parameters
    ----------
    transaction_model, spend_model
        The fitted models.
    transactions : pandas.DataFrame
        The log.
    calibration_period_end, observation_period_end : date-like
        The ends of the periods.
    customer_id_col, datetime_col, monetary_value_col : str
        The log's columns.
    acquisition_cost : float, optional
        The cost of acquiring a customer.
    margin : float
        The share of revenue kept as margin, for the payback.
    covariates : pandas.DataFrame, optional
        For models with covariates, the customers' covariates (the calibration summary).

    Returns
    -------
    LogFigures
        The figures.
    """
    def track(ax: Any, cumulative: bool) -> object:
        draw = plotting.plot_cumulative_transactions if cumulative else plotting.plot_incremental_transactions
        return draw(
            transaction_model, transactions, calibration_period_end=calibration_period_end,
            observation_period_end=observation_period_end, customer_id_col=customer_id_col,
            datetime_col=datetime_col, covariates=covariates, ax=ax,
        )

    unconditional = (
        "The model's line is unconditional: what it expects of customers who first bought on these days, "
        "knowing nothing else about them. The forecast table above is conditional: it uses each customer's own "
        "purchases up to the end of the calibration period. The two totals for the holdout can therefore differ."
    )
    # the log's later transactions and customers first seen in the holdout are expected here: not news
    with warnings.catch_warnings(action="ignore", category=PyCLVWarning):
        tracking = [
            render(
                lambda ax: track(ax, cumulative=False),
                "Repeat purchases per week: model and actual",
                "The vertical line ends the calibration period; to its right is the holdout, which the model did not "
                "see. A gap that opens there shows a change in buying the model could not know. " + unconditional,
            ),
            render(
                lambda ax: track(ax, cumulative=True),
                "Cumulative repeat purchases since the first purchase: model and actual",
                "The same as a running total. " + unconditional,
            ),
        ]
        cohorts = cohort_table(
            transactions, customer_id_col=customer_id_col, datetime_col=datetime_col,
            monetary_value_col=monetary_value_col, observation_period_end=observation_period_end,
        )
        figures = [
            render(
                lambda ax: plotting.plot_cohort_retention(cohorts.retention, ax=ax),
                "Share of each monthly cohort buying again, by months since its first purchase",
                "Each row is the customers whose first purchase fell in that month; each cell is the share of "
                "them who bought in the n-th month after it. Compare rows to see whether newer customers come "
                "back as often as older ones.",
            )
        ]
        result = None
        forecast, left_out = None, ""
        if acquisition_cost is not None and monetary_value_col is not None:
            try:
                forecast = cohort_forecast(
                    transaction_model, transactions, spend_model=spend_model, monetary_value_col=monetary_value_col,
                    observation_period_end=observation_period_end, customer_id_col=customer_id_col,
                    datetime_col=datetime_col, covariates=covariates,
                )
            except DataValidationError as exc:  # models with covariates need them for every customer of the log
                if not (transaction_model.has_covariates or spend_model.has_covariates):
                    raise
                left_out = str(exc)
        if forecast is not None and acquisition_cost is not None:
            result = payback(cohorts, acquisition_cost, margin=margin, forecast=forecast)
            figures.append(
                render(
                    lambda ax: plotting.plot_payback(result, acquisition_cost=acquisition_cost, ax=ax),
                    "Margin per acquired customer, by months since acquisition",
                    "One line per monthly cohort: the margin its customers brought in, per customer, solid to date "
                    "(a hollow marker at the last month seen in the log) and dashed as forecast for the next 12 "
                    "months. A cohort has paid back its acquisition cost when its line crosses the horizontal line.",
                )
            )
    if left_out:  # said after the warnings the log's figures expect are silenced
        warn(f"report: the cohorts' payback is left out: {left_out}")
    return LogFigures(tracking, figures, result, left_out)
