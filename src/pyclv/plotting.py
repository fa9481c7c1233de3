r"""Matplotlib figures to judge a forecast: fit, holdout, tracking, lift, cohorts and payback.

Every function takes an optional ``ax`` (a :class:`matplotlib.axes.Axes`; the current Axes of pyplot when
omitted), draws on it and returns it; nothing is shown or saved, and matplotlib is imported only when a
function is called, so ``import pyclv`` does not need a display or even matplotlib itself.

Every figure draws a table that a public function of :mod:`pyclv.evaluation` or :mod:`pyclv.business`
computes (:func:`~pyclv.evaluation.frequency_recency_matrix`, :func:`~pyclv.evaluation.period_transactions`,
:func:`~pyclv.evaluation.calibration_vs_holdout`, :func:`pyclv.tracking`,
:func:`~pyclv.evaluation.alive_history`, :func:`~pyclv.evaluation.clv_distribution`,
:func:`pyclv.decile_table`, :attr:`pyclv.business.CohortTables.retention`, :class:`pyclv.business.Payback`,
:func:`pyclv.business.value_by_group`):
the numbers are read and tested there, and this module only draws them (the one exception: the CLV histogram's
log-spaced bins, which :func:`~pyclv.evaluation.clv_distribution` does not offer, are counted here). The
figures use the models' public predictions only, so they work for every continuous-time transaction model of
pyclv (BG/NBD, Pareto/NBD, MBG/NBD).

Model checks (Fader, Hardie & Lee 2005, section 4):

- :func:`plot_period_transactions`: the histogram of repeat transactions in the calibration period against
  the model's expectation (the in-sample fit);
- :func:`plot_calibration_purchases_vs_holdout_purchases`: the conditional expectations, mean holdout
  purchases by calibration frequency;
- :func:`plot_cumulative_transactions` / :func:`plot_incremental_transactions`: the tracking plots of
  aggregate repeat transactions over calibration and holdout;
- :func:`plot_frequency_recency_matrix`, :func:`plot_probability_alive_matrix`,
  :func:`plot_history_alive`: what the model says about a customer given its history.

Business views: :func:`plot_clv_distribution`, :func:`plot_lift_chart`, :func:`plot_cohort_retention`,
:func:`plot_payback`, :func:`plot_value_by_group` (e.g. the average CLV of each acquisition channel).

Operations: :func:`plot_backtest`, the table of ``pyclv backtest`` (the forecast at past cut-offs against
what happened and against the historical-CLV formula).

References
----------
Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005). "Counting your customers" the easy way: an alternative
to the Pareto/NBD model. Marketing Science, 24(2), 275-284.

Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005). RFM and CLV: using iso-value curves for customer base
analysis. Journal of Marketing Research, 42(4), 415-430.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from pyclv._format import UNIT_WORDS, format_duration, format_number
from pyclv._validation import DateLike
from pyclv.business import Payback
from pyclv.evaluation import (
    alive_history,
    calibration_vs_holdout,
    clv_distribution,
    decile_table,
    frequency_recency_matrix,
    period_transactions,
    probability_alive_matrix,
    tracking,
)
from pyclv.exceptions import DataValidationError

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.ticker import Locator

    from pyclv.models import TransactionModel

__all__ = [
    "plot_backtest",
    "plot_calibration_purchases_vs_holdout_purchases",
    "plot_clv_distribution",
    "plot_cohort_retention",
    "plot_cumulative_transactions",
    "plot_frequency_recency_matrix",
    "plot_history_alive",
    "plot_incremental_transactions",
    "plot_lift_chart",
    "plot_payback",
    "plot_period_transactions",
    "plot_probability_alive_matrix",
    "plot_value_by_group",
]

#: How titles name a period of pandas' calendar frequencies (by the offset's class) and pyclv's time units.
_PERIOD_WORDS = {
    "Day": "day",
    "Week": "week",
    "MonthBegin": "month",
    "MonthEnd": "month",
    "QuarterBegin": "quarter",
    "QuarterEnd": "quarter",
    "YearBegin": "year",
    "YearEnd": "year",
}

#: Cell texts of a heat map and neighbouring tick labels need this much room: their width (or height) times this.
_CELL_ROOM = 1.3


# ---------------------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------------------


def _get_ax(ax: Axes | None) -> Axes:
    """The Axes to draw on: the one given, or pyplot's current Axes."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    return plt.gca()


def _period_words(period: str) -> str:
    """How a title names one tracking period: "week", "month", "14 days" ("per week", "per 14 days")."""
    if period in UNIT_WORDS:
        return UNIT_WORDS[period]
    try:
        offset = pd.tseries.frequencies.to_offset(period)
    except (TypeError, ValueError):
        return period
    word = _PERIOD_WORDS.get(type(offset).__name__)
    if word is None:
        return period
    return word if offset.n == 1 else f"{offset.n:,} {word}s"


def _since_label(name: object, index: pd.Index) -> str:
    """The axis label of the periods since acquisition: "Months since acquisition" for monthly cohorts."""
    if name in (None, "periods_since_acquisition"):
        word = {**UNIT_WORDS, "Q": "quarter"}.get(index.freqstr[:1]) if isinstance(index, pd.PeriodIndex) else None
        return f"{(word or 'period').capitalize()}s since acquisition"
    text = str(name).replace("_", " ")
    return text[:1].upper() + text[1:]


def _cohort_label(index: pd.Index) -> str:
    """The axis label of the cohorts: the index's name, or "Cohort" ("Acquisition month" for monthly ones)."""
    if index.name not in (None, "cohort"):
        return str(index.name).replace("_", " ")
    if isinstance(index, pd.PeriodIndex):
        word = {**UNIT_WORDS, "Q": "quarter"}.get(index.freqstr[:1])
        if word is not None:
            return f"Acquisition {word} (cohort)"
    return "Cohort"


def _text_size(text: str, fontsize: float, dpi: float) -> tuple[float, float]:
    """Width and height in pixels of one line of text (a generous estimate: 0.6 em per character)."""
    return 0.6 * fontsize * len(text) * dpi / 72.0, 1.2 * fontsize * dpi / 72.0


def _fitting_locator(
    candidates: Sequence[np.ndarray], text: Callable[[float], str], *, most: int | None = None
) -> Locator:
    """A tick locator that places the densest of ``candidates`` whose labels keep apart.

    ``candidates`` are sets of tick positions, densest first. When the figure is drawn (so at its final size,
    after ``tight_layout``), the first set whose neighbouring labels (``text`` of each position, sized by
    :func:`_text_size`) are ``_CELL_ROOM`` times their widths (x axis) or heights (y axis) apart, and that
    has at most ``most`` ticks in the view, is used; the last set if none is. Positions outside the view
    are left out.
    """
    import matplotlib
    from matplotlib.axis import Axis, XAxis
    from matplotlib.font_manager import FontProperties
    from matplotlib.ticker import Locator

    class FittingLocator(Locator):
        def __call__(self) -> Sequence[float]:
            if self.axis is None:
                return candidates[0].tolist()
            return self.tick_values(*self.axis.get_view_interval())

        def tick_values(self, vmin: float, vmax: float) -> Sequence[float]:
            low, high = sorted((float(vmin), float(vmax)))
            tolerance = 1e-9 * max(high - low, abs(high))
            shown = [c[(c >= low - tolerance) & (c <= high + tolerance)] for c in candidates]
            shown = [ticks for ticks in shown if ticks.size] or [np.array([])]
            axis = self.axis
            if not isinstance(axis, Axis):
                return shown[0].tolist()
            across = isinstance(axis, XAxis)  # labels side by side: their widths count, else their heights
            size = FontProperties(
                size=matplotlib.rcParams["xtick.labelsize" if across else "ytick.labelsize"]
            ).get_size_in_points()
            length = axis.axes.bbox.width if across else axis.axes.bbox.height
            dpi = axis.axes.figure.dpi
            scale = axis.get_transform()
            ends = scale.transform(np.array([low, high]))
            for ticks in shown:
                if most is not None and ticks.size > most:
                    continue
                pixels = length * (scale.transform(ticks) - ends[0]) / (ends[1] - ends[0])
                extents = np.array([_text_size(text(t), size, dpi)[0 if across else 1] for t in ticks])
                if np.all(np.abs(np.diff(pixels)) >= _CELL_ROOM * (extents[:-1] + extents[1:]) / 2):
                    return ticks.tolist()
            return shown[-1].tolist()

    return FittingLocator()


# ---------------------------------------------------------------------------------------------------------
# Frequency x recency matrices
# ---------------------------------------------------------------------------------------------------------


def _time_unit(model: TransactionModel) -> str | None:
    """The model's time unit, or None when it records none."""
    return getattr(model, "time_unit_", None)


def _plot_matrix(
    ax: Axes, matrix: pd.DataFrame, *, cmap: str, label: str, vmax: float | None, unit: str | None
) -> None:
    """Draw a frequency x recency table (rows: frequency, columns: recency) as a heat map with a colour bar."""
    mesh = ax.pcolormesh(
        matrix.columns.to_numpy(dtype=float),
        matrix.index.to_numpy(dtype=float),
        np.ma.masked_invalid(matrix.to_numpy(dtype=float)),
        shading="nearest",
        cmap=cmap,
        vmin=0.0,
        vmax=vmax,
    )
    ax.figure.colorbar(mesh, ax=ax, label=label)
    units = f"{UNIT_WORDS[unit]}s" if unit in UNIT_WORDS else "time units"
    ax.set_xlabel(f"Customer's recency ({units} from the first purchase to the last)")
    ax.set_ylabel("Customer's frequency (repeat purchases)")


def plot_frequency_recency_matrix(
    model: TransactionModel,
    *,
    T: float,
    max_frequency: int | None = None,
    max_recency: float | None = None,
    t: float = 1.0,
    cmap: str = "viridis",
    ax: Axes | None = None,
) -> Axes:
    r"""Heat map of the expected purchases in the next ``t`` over a frequency x recency grid.

    Every cell is a customer of age ``T`` with frequency x (rows) and recency :math:`t_x` (columns); its
    colour is :math:`E[Y(t) \mid x, t_x, T]` from ``model.expected_purchases``. The picture of Fader, Hardie
    & Lee (2005, "RFM and CLV", Figure 3): the best customers bought often and recently (top right); those
    who bought often but long ago (top left) have probably left.

    Parameters
    ----------
    model : TransactionModel
        Fitted continuous-time transaction model (BG/NBD, Pareto/NBD, MBG/NBD).
    T : float
        The customers' age (time since the first purchase), in the model's time unit.
    max_frequency : int, optional
        Largest frequency shown; by default the 99% quantile of a new customer's repeat purchases in
        (0, T] under the model (at most 100).
    max_recency : float, optional
        Largest recency shown, at most ``T`` (the default).
    t : float, default 1.0
        Horizon of the forecast, in the model's time unit.
    cmap : str, default "viridis"
        Matplotlib colour map.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; pyplot's current Axes by default.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes, with a colour bar beside it. The heat map is ``ax.collections[0]`` (a QuadMesh).

    Raises
    ------
    ValueError
        If ``T``, ``max_frequency``, ``max_recency`` or ``t`` is out of range.

    Notes
    -----
    The grid has ``max_frequency + 1`` rows and ``min(ceil(max_recency) + 1, 200)`` evenly spaced recency
    columns from 0 to ``max_recency``, so memory does not depend on the number of customers. Cells with
    frequency 0 and recency > 0 cannot occur (a customer without repeat purchases has recency 0) and are
    left blank.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> import pyclv
    >>> from pyclv.plotting import plot_frequency_recency_matrix
    >>> bgnbd = pyclv.BetaGeo.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426, time_unit="W")
    >>> ax = plot_frequency_recency_matrix(bgnbd, T=39, max_frequency=10, t=52, ax=Figure().subplots())
    >>> ax.collections[0].get_array().shape  # 11 frequencies x 40 recencies
    (11, 40)
    """
    matrix = frequency_recency_matrix(model, T=T, max_frequency=max_frequency, max_recency=max_recency, t=t)
    unit = _time_unit(model)
    horizon, age = format_duration(t, unit, next_=True), format_duration(float(T), unit)
    ax = _get_ax(ax)
    _plot_matrix(ax, matrix, cmap=cmap, label=f"Expected purchases in the {horizon}", vmax=None, unit=unit)
    ax.set_title(f"Expected purchases in the {horizon},\nby frequency and recency (age T = {age})")
    return ax


def plot_probability_alive_matrix(
    model: TransactionModel,
    *,
    T: float,
    max_frequency: int | None = None,
    max_recency: float | None = None,
    cmap: str = "viridis",
    ax: Axes | None = None,
) -> Axes:
    r"""Heat map of P(alive) over a frequency x recency grid, for customers of age ``T``.

    Every cell is a customer of age ``T`` with frequency x (rows) and recency :math:`t_x` (columns); its
    colour is :math:`P(\text{alive} \mid x, t_x, T)` from ``model.p_alive``, on a fixed 0-1 scale.

    Parameters
    ----------
    model, T, max_frequency, max_recency, cmap, ax
        As in :func:`plot_frequency_recency_matrix`.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes, with a colour bar; the heat map is ``ax.collections[0]``.

    Notes
    -----
    The grid is that of :func:`plot_frequency_recency_matrix` (small at any data size). Under the BG/NBD a
    customer without repeat purchases is alive with probability 1 (it cannot have dropped out yet), hence
    the single bright cell in the bottom row.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> import pyclv
    >>> from pyclv.plotting import plot_probability_alive_matrix
    >>> bgnbd = pyclv.BetaGeo.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426, time_unit="W")
    >>> ax = plot_probability_alive_matrix(bgnbd, T=39, max_frequency=10, ax=Figure().subplots())
    >>> float(ax.collections[0].get_array()[0, 0])  # frequency 0: alive for sure under the BG/NBD
    1.0
    """
    matrix = probability_alive_matrix(model, T=T, max_frequency=max_frequency, max_recency=max_recency)
    ax = _get_ax(ax)
    _plot_matrix(ax, matrix, cmap=cmap, label="P(alive)", vmax=1.0, unit=_time_unit(model))
    ax.set_title(
        "Probability a customer is alive,\nby frequency and recency "
        f"(age T = {format_duration(float(T), _time_unit(model))})"
    )
    return ax


# ---------------------------------------------------------------------------------------------------------
# Calibration fit and holdout
# ---------------------------------------------------------------------------------------------------------


def plot_period_transactions(
    model: TransactionModel,
    data: pd.DataFrame,
    *,
    max_frequency: int = 7,
    ax: Axes | None = None,
) -> Axes:
    r"""Actual and expected numbers of customers with 0, 1, 2, ..., "7+" repeat transactions.

    The in-sample check of Fader, Hardie & Lee (2005, Figure 2): the histogram of the calibration
    frequencies beside what the model expects for customers observed for the same lengths of time.

    Parameters
    ----------
    model : TransactionModel
        Fitted transaction model.
    data : pandas.DataFrame
        The calibration summary the model was fitted on (``frequency``, ``recency``, ``T``).
    max_frequency : int, default 7
        The last bar counts the customers with ``max_frequency`` or more repeat transactions.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; pyplot's current Axes by default.

    Returns
    -------
    matplotlib.axes.Axes
        Two bar containers in ``ax.containers``: the actual counts (label ``"Actual"``), then the model's
        (``"Model"``).

    Notes
    -----
    The model's bar for k repeat transactions is the expected number of customers with k of them,

    .. math:: E[n_k] = \sum_i P(X(T_i) = k),

    each customer's probability taken at its own age :math:`T_i` from ``model.probability_of_purchases``
    (the unconditional distribution of a new customer's repeat purchases in (0, T]); the last bar is
    :math:`N - \sum_{k < K} E[n_k]`. It is exact, not simulated, so it does not vary between runs, and it is
    computed once per distinct age, which keeps it fast and small for any number of customers.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> import pyclv
    >>> from pyclv.plotting import plot_period_transactions
    >>> bgnbd = pyclv.BetaGeo.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426, time_unit="W")
    >>> ax = plot_period_transactions(bgnbd, pyclv.datasets.load_cdnow_summary(), ax=Figure().subplots())
    >>> [int(bar.get_height()) for bar in ax.containers[0]]  # the CDNOW calibration histogram
    [1411, 439, 214, 100, 62, 38, 29, 64]
    """
    table = period_transactions(model, data, max_frequency=max_frequency)
    ax = _get_ax(ax)
    positions = np.arange(len(table))
    width = 0.4
    ax.bar(positions - width / 2, table["actual"].to_numpy(), width, label="Actual")
    ax.bar(positions + width / 2, table["expected"].to_numpy(), width, label="Model")
    ax.set_xticks(positions, list(table.index))
    ax.set_title("Frequency of repeat transactions")
    ax.set_xlabel("Number of repeat transactions")
    ax.set_ylabel("Customers")
    ax.legend()
    return ax


def plot_calibration_purchases_vs_holdout_purchases(
    model: TransactionModel,
    calibration_holdout_data: pd.DataFrame,
    *,
    max_frequency: int = 7,
    ax: Axes | None = None,
) -> Axes:
    r"""Mean actual and predicted holdout purchases by calibration frequency (0, 1, ..., "7+").

    The conditional-expectations check of Fader, Hardie & Lee (2005, Figure 4): customers are grouped by
    their calibration frequency, and within each group the mean number of repeat transactions they made in
    the holdout is set beside the mean of ``model.expected_purchases(data, duration_holdout)``. The two
    lines should rise together; a model line above the actual one at high frequencies over-forecasts the
    best customers.

    The model's line is *conditional* on each customer's calibration history (frequency, recency, age), as
    the holdout tables of :func:`pyclv.evaluate` are; the tracking plots (:func:`plot_cumulative_transactions`)
    draw the *unconditional* expectation instead, so their holdout totals can differ. The legend says which.

    Parameters
    ----------
    model : TransactionModel
        Transaction model fitted on the calibration part of the data.
    calibration_holdout_data : pandas.DataFrame
        Output of :func:`pyclv.calibration_holdout_split` (``frequency``, ``recency``, ``T``,
        ``frequency_holdout``, ``duration_holdout``).
    max_frequency : int, default 7
        The last group holds the customers with ``max_frequency`` or more calibration transactions.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; pyplot's current Axes by default.

    Returns
    -------
    matplotlib.axes.Axes
        Two lines, ``"Actual"`` then ``"Model (conditional)"``, at x = 0, 1, ..., ``max_frequency``; a group
        without customers is NaN (a gap).

    Raises
    ------
    DataValidationError
        If the holdout columns are missing.

    Examples
    --------
    >>> import warnings
    >>> from matplotlib.figure import Figure
    >>> import pyclv
    >>> from pyclv.plotting import plot_calibration_purchases_vs_holdout_purchases
    >>> with warnings.catch_warnings(action="ignore"):
    ...     split = pyclv.calibration_holdout_split(pyclv.datasets.load_cdnow_transactions(),
    ...         calibration_period_end="1997-09-30", observation_period_end="1998-06-30", time_unit="W")
    >>> bgnbd = pyclv.BetaGeo.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426, time_unit="W")
    >>> ax = plot_calibration_purchases_vs_holdout_purchases(bgnbd, split, ax=Figure().subplots())
    >>> [line.get_label() for line in ax.get_lines()]
    ['Actual', 'Model (conditional)']
    """
    means = calibration_vs_holdout(model, calibration_holdout_data, max_frequency=max_frequency)
    durations = calibration_holdout_data["duration_holdout"].unique()
    ax = _get_ax(ax)
    positions = np.arange(len(means))  # empty groups are NaN: gaps in the lines
    ax.plot(positions, means["actual"].to_numpy(), marker="o", label="Actual")
    ax.plot(positions, means["predicted"].to_numpy(), marker="s", linestyle="--", label="Model (conditional)")
    ax.set_xticks(positions, [str(label) for label in means.index])
    holdout = f" ({format_duration(float(durations[0]), _time_unit(model))})" if len(durations) == 1 else ""
    ax.set_title(f"Holdout{holdout} purchases: actual vs model,\nthe model conditional on each customer's history")
    ax.set_xlabel("Repeat transactions in the calibration period")
    ax.set_ylabel("Mean repeat transactions in the holdout period")
    ax.legend()
    return ax


# ---------------------------------------------------------------------------------------------------------
# Tracking plots
# ---------------------------------------------------------------------------------------------------------


def _date_axis(ax: Axes) -> None:
    """Short, non-overlapping date tick labels on the x axis."""
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter

    locator = AutoDateLocator()
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))


def _plot_tracking(ax: Axes, table: pd.DataFrame, *, cumulative: bool) -> Axes:
    """Draw a table of :func:`pyclv.tracking`: actual and expected lines, partial periods and the calibration end."""
    dates = table.index.to_numpy()
    cut = table.attrs["calibration_period_end"]
    if cumulative:
        actual, expected = table["actual_cumulative"], table["expected_cumulative"]
    else:  # a period cut short holds fewer days' purchases: drawn, it would look like a crash
        actual, expected = table["actual"].where(~table["partial"]), table["expected"].where(~table["partial"])
        partial = table[table["partial"]]
        for i, (end, days) in enumerate(zip(partial.index, partial["days"], strict=True)):
            ax.axvspan(
                end - pd.Timedelta(days=int(days)),
                end,
                color="0.9",
                zorder=0,
                label="Partial period (fewer days), left out" if i == 0 else "_nolegend_",
            )
    ax.plot(dates, actual.to_numpy(), label="Actual")
    ax.plot(dates, expected.to_numpy(), linestyle="--", label="Model (unconditional)")
    ax.axvline(
        np.datetime64(cut, "D"),  # type: ignore[arg-type]
        color="grey",
        linestyle=":",
        label=f"End of calibration ({cut.date()})",
    )
    _date_axis(ax)
    ax.set_xlabel("Date (last day of each period)")
    ax.legend(fontsize="small")
    cohort = f"{table.attrs['n_customers']:,} customers acquired by {cut.date()}"
    if cumulative:
        ax.set_title(f"Tracking cumulative repeat transactions\n{cohort}")
        ax.set_ylabel("Cumulative repeat transactions")
    else:
        per = _period_words(table.attrs["period"])
        ax.set_title(f"Tracking repeat transactions per {per}\n{cohort}")
        ax.set_ylabel(f"Repeat transactions per {per}")
    ax.set_ylim(bottom=0)
    return ax


def plot_cumulative_transactions(
    model: TransactionModel,
    transactions: pd.DataFrame,
    *,
    calibration_period_end: DateLike,
    observation_period_end: DateLike | None = None,
    customer_id_col: str = "customer_id",
    datetime_col: str = "date",
    time_unit: str | None = None,
    period: str = "W",
    evaluate_at: Literal["start", "end"] = "start",
    covariates: pd.DataFrame | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Tracking plot of cumulative repeat transactions: actual vs model, across calibration and holdout.

    Fader, Hardie & Lee (2005), Figure 1. The data are the table of :func:`pyclv.tracking` (same
    parameters, ``model`` for its ``transaction_model``), drawn as two lines with a vertical line at the end
    of the calibration period. Both lines follow the calibration cohort (the title says how many customers,
    acquired by which day). A good model stays on the actual line after the vertical line too, where it was
    not fitted; a gap that widens there is a forecast that drifts.

    The model's line is the *unconditional* expectation: each customer's repeat purchases are expected from
    its first purchase day alone, not from what it bought later (hence the legend's "unconditional"). The
    holdout tables of :func:`pyclv.evaluate` and :func:`plot_calibration_purchases_vs_holdout_purchases`
    are *conditional* on each customer's calibration purchases, so the two can disagree on the holdout
    total: the conditional forecast knows who has stopped buying, this one does not.

    Parameters
    ----------
    model : TransactionModel
        A fitted transaction model (``transaction_model`` of :func:`pyclv.tracking`).
    transactions, calibration_period_end, observation_period_end, customer_id_col, datetime_col, time_unit, period
        As in :func:`pyclv.tracking`.
    covariates : pandas.DataFrame, optional
        For a model with covariates, the customers' covariates, as in :func:`pyclv.tracking`.
    evaluate_at : {"start", "end"}, default "start"
        As in :func:`pyclv.tracking`: ``"end"`` draws the model's line as BTYD and lifetimes do.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure's axes by default.

    Returns
    -------
    matplotlib.axes.Axes
        Lines ``"Actual"`` and ``"Model (unconditional)"`` (the cumulative columns, at each period's last
        day) and the vertical line ``"End of calibration (<date>)"`` at the calibration end's day.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> import pyclv
    >>> from pyclv.plotting import plot_cumulative_transactions
    >>> bgnbd = pyclv.BetaGeo.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426, time_unit="W")
    >>> ax = plot_cumulative_transactions(bgnbd, pyclv.datasets.load_cdnow_transactions(),
    ...     calibration_period_end="1997-09-30", observation_period_end="1998-06-30", ax=Figure().subplots())
    >>> int(ax.get_lines()[0].get_ydata()[-1])  # repeat transactions in 78 weeks
    4339
    """
    table = tracking(
        model,
        transactions,
        calibration_period_end=calibration_period_end,
        observation_period_end=observation_period_end,
        customer_id_col=customer_id_col,
        datetime_col=datetime_col,
        time_unit=time_unit,
        period=period,
        evaluate_at=evaluate_at,
        covariates=covariates,
    )
    return _plot_tracking(_get_ax(ax), table, cumulative=True)


def plot_incremental_transactions(
    model: TransactionModel,
    transactions: pd.DataFrame,
    *,
    calibration_period_end: DateLike,
    observation_period_end: DateLike | None = None,
    customer_id_col: str = "customer_id",
    datetime_col: str = "date",
    time_unit: str | None = None,
    period: str = "W",
    evaluate_at: Literal["start", "end"] = "start",
    covariates: pd.DataFrame | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Tracking plot of repeat transactions per period: actual vs model, across calibration and holdout.

    Fader, Hardie & Lee (2005), Figure 3. The data are the table of :func:`pyclv.tracking` (same
    parameters); the model's line is smooth, the actual one shows seasonality the model does not know. The
    model's line is the unconditional expectation for the calibration cohort, as in
    :func:`plot_cumulative_transactions` (which explains why it can disagree with the conditional holdout
    tables).

    Only whole periods are drawn. A period cut short (by the start or end of the data, or by the calibration
    end for calendar periods such as ``"W-SUN"``) holds fewer days' purchases and would show as a dip in
    both lines; it is left out, its days shaded grey and named in the legend. Periods of a fixed length
    (``"W"``, ``"14D"``) are counted from the calibration end, so the periods either side of the vertical
    line are always whole.

    Parameters
    ----------
    model : TransactionModel
        A fitted transaction model (``transaction_model`` of :func:`pyclv.tracking`).
    transactions, calibration_period_end, observation_period_end, customer_id_col, datetime_col, time_unit, period
        As in :func:`pyclv.tracking`.
    covariates : pandas.DataFrame, optional
        For a model with covariates, the customers' covariates, as in :func:`pyclv.tracking`.
    evaluate_at : {"start", "end"}, default "start"
        As in :func:`pyclv.tracking`: ``"end"`` draws the model's line as BTYD and lifetimes do.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure's axes by default.

    Returns
    -------
    matplotlib.axes.Axes
        Lines ``"Actual"`` and ``"Model (unconditional)"`` (repeat transactions in each period, at its last
        day; NaN, a gap, at the partial periods), the vertical line ``"End of calibration (<date>)"``, and
        one grey span per partial period (``ax.patches``).

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> import pyclv
    >>> from pyclv.plotting import plot_incremental_transactions
    >>> bgnbd = pyclv.BetaGeo.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426, time_unit="W")
    >>> ax = plot_incremental_transactions(bgnbd, pyclv.datasets.load_cdnow_transactions(),
    ...     calibration_period_end="1997-09-30", observation_period_end="1998-06-30", ax=Figure().subplots())
    >>> len(ax.get_lines()[0].get_ydata())  # 78 weeks
    78
    """
    table = tracking(
        model,
        transactions,
        calibration_period_end=calibration_period_end,
        observation_period_end=observation_period_end,
        customer_id_col=customer_id_col,
        datetime_col=datetime_col,
        time_unit=time_unit,
        period=period,
        evaluate_at=evaluate_at,
        covariates=covariates,
    )
    return _plot_tracking(_get_ax(ax), table, cumulative=False)


# ---------------------------------------------------------------------------------------------------------
# One customer's history
# ---------------------------------------------------------------------------------------------------------


def plot_history_alive(
    model: TransactionModel,
    transactions: pd.DataFrame,
    customer_id: Any,
    *,
    observation_period_end: DateLike | None = None,
    customer_id_col: str = "customer_id",
    datetime_col: str = "date",
    time_unit: str | None = None,
    covariates: pd.DataFrame | None = None,
    ax: Axes | None = None,
) -> Axes:
    r"""One customer's P(alive), day by day from its first purchase, with its purchases marked.

    On each day d the customer's history so far, :math:`(x(d), t_x(d), T = d - b)` with b its first purchase
    day, gives ``model.p_alive``: the probability rises at each repeat purchase and decays while the customer
    stays silent.

    Parameters
    ----------
    model : TransactionModel
        Fitted transaction model.
    transactions : pandas.DataFrame
        The transaction log (any number of customers).
    customer_id : Any
        The customer to show, a value of ``customer_id_col``.
    observation_period_end : date-like, optional
        Last day shown; the log's last transaction date by default. The customer's later purchases are
        left out.
    customer_id_col, datetime_col : str
        Columns of the customer ids and transaction dates.
    time_unit : str, optional
        The model's time unit; by default the one the model records.
    covariates : pandas.DataFrame, optional
        For a model with covariates, the customers' covariates, as in
        :func:`pyclv.evaluation.alive_history`.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; pyplot's current Axes by default.

    Returns
    -------
    matplotlib.axes.Axes
        The line ``"P(alive)"`` (one point per day) and the markers ``"Purchases"`` at the purchase days.

    Raises
    ------
    DataValidationError
        If the customer has no transaction on or before the end, or the log is invalid.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> import pyclv
    >>> from pyclv.plotting import plot_history_alive
    >>> bgnbd = pyclv.BetaGeo.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426, time_unit="W")
    >>> tx = pyclv.datasets.load_cdnow_transactions()
    >>> ax = plot_history_alive(bgnbd, tx, 1, observation_period_end="1997-09-30", ax=Figure().subplots())
    >>> len(ax.get_lines()[1].get_xdata())  # customer 1 bought on three days
    3
    """
    history = alive_history(
        model,
        transactions,
        customer_id,
        observation_period_end=observation_period_end,
        customer_id_col=customer_id_col,
        datetime_col=datetime_col,
        time_unit=time_unit,
        covariates=covariates,
    )
    purchases = history[history["purchase"]]
    ax = _get_ax(ax)
    ax.plot(history.index.to_numpy(), history["p_alive"].to_numpy(), label="P(alive)")
    ax.plot(
        purchases.index.to_numpy(),
        purchases["p_alive"].to_numpy(),
        linestyle="none",
        marker="o",
        label="Purchases",
    )
    ax.set_ylim(0.0, 1.05)
    ax.set_title(f"History of P(alive) of customer {customer_id}")
    _date_axis(ax)
    ax.set_xlabel("Date")
    ax.set_ylabel("P(alive)")
    ax.legend()
    return ax


# ---------------------------------------------------------------------------------------------------------
# Value: distribution and lift
# ---------------------------------------------------------------------------------------------------------


#: The log part of a CLV histogram starts at most this many decades below the median positive value: a customer
#: worth a thousandth of the typical one is worth nothing to the reader, and decades of such values are noise.
_CLV_DECADES_BELOW_MEDIAN = 3

#: A histogram whose tallest bar is more than this many times the next one is drawn on a log y axis: on a linear
#: one the other bars would be under 2 % of its height, a few pixels.
_DWARFING = 50.0


def _log_bins(values: np.ndarray, bins: int) -> tuple[np.ndarray, float | None] | None:
    """Bin edges of equal width on a log axis, and the threshold of a symlog axis when some values are near 0.

    The log part starts at the smallest value, unless there are zeros or the smallest values lie more than a
    decade below the *floor*: the 1st percentile of the positive values, or three decades below their median
    if that is higher. Then it starts at the floor rounded down to a power of ten, the threshold, and the
    values between 0 and the threshold share one first bin from 0, the linear part of a symmetric-log axis.
    None when the positive values do not spread (none, or all equal): there is nothing to show on a log axis.
    """
    top = float(values.max())
    positive = values[values > 0]
    if positive.size == 0 or positive.min() == top:
        return None
    low = float(positive.min())
    floor = max(float(np.quantile(positive, 0.01)), float(np.median(positive)) / 10.0**_CLV_DECADES_BELOW_MEDIAN)
    if values.min() > 0 and low >= floor / 10:
        return np.geomspace(low, top, bins + 1), None
    threshold = 10.0 ** math.floor(math.log10(floor))
    if threshold >= top:
        threshold /= 10.0
    return np.r_[0.0, np.geomspace(threshold, top, max(bins, 2))], threshold


def _log_ticks(low: float, high: float, *, zero: bool) -> list[np.ndarray]:
    """Tick positions of a log axis from ``low`` to ``high`` (and at 0 on a symlog one), densest first.

    Every power of ten, then every 2nd, 3rd, ... one; on a symlog axis counted from 0, which sits one decade
    below ``low``, so that 0 is as far from the first label as the labels are from each other. When fewer than
    two powers of ten lie in the range, 1-2-5 and 1-9 multiples come first.
    """
    first, last = math.ceil(math.log10(low) - 1e-9), math.floor(math.log10(high) + 1e-9)
    exponents = np.arange(first, last + 1)
    head = [0.0] if zero else []
    candidates = []
    if exponents.size < 2:
        for multiples in (np.arange(1.0, 10.0), np.array([1.0, 2.0, 5.0])):
            ticks = np.outer(10.0 ** np.arange(first - 1, last + 1), multiples).ravel()
            candidates.append(np.r_[head, np.sort(ticks[(ticks >= low) & (ticks <= high)])])
    for stride in range(1, exponents.size + 1):
        chosen = exponents[(exponents - (first - 1 if zero else 0)) % stride == 0]
        candidates.append(np.r_[head, 10.0 ** chosen])
    return candidates or [np.array(head)]


def plot_clv_distribution(
    clv: pd.Series | pd.DataFrame | np.ndarray,
    *,
    bins: int = 50,
    scale: str = "auto",
    currency: str = "",
    ax: Axes | None = None,
) -> Axes:
    """Histogram of customer lifetime values, with their mean and median marked.

    CLV is skewed: most customers are worth little and a few a great deal, so on bins of equal width nearly
    everybody falls in the first bar. With ``scale="log"`` the bins are of equal width on a logarithmic x
    axis (each bar covers the same ratio of values, e.g. 5 to 6 and 500 to 600), which shows the shape of
    the bulk and the tail at once; the bar heights stay customer counts. Read the x axis by its decades: the
    distance from 10 to 100 is the distance from 100 to 1,000.

    Values near 0 would stretch a log axis over decades of noise (a customer long gone is worth 1e-30), so
    the log part starts at a power of ten, the threshold: the 1st percentile of the positive values, or three
    decades below their median if that is higher, rounded down. The positive values below it share one first
    bar from 0 to the threshold, on the linear part of a symmetric-log axis as wide as a decade; the axis is
    labelled at 0 and at powers of ten from the threshold up, thinned (every 2nd, 3rd, ... decade) until no
    two labels touch. Customers worth exactly 0 are not drawn: merged with the first values they would hide
    them, and a bar of them would dwarf the others. The title says how many there are.

    When one bar is still more than 50 times as tall as any other, the others would be a few pixels high;
    the y axis is then logarithmic (its label says so). A distribution without spread (all values equal) is
    one bar centred on the value.

    Parameters
    ----------
    clv : pandas.Series, numpy.ndarray or pandas.DataFrame
        One value per customer, e.g. from :func:`pyclv.customer_lifetime_value`; a DataFrame is read from
        its ``clv`` column (the output with intervals).
    bins : int, default 50
        Number of histogram bins.
    scale : {"auto", "log", "linear"}, default "auto"
        ``"log"``: bins of equal width on a log axis (values must be >= 0); ``"linear"``: bins of equal width
        (:func:`pyclv.evaluation.clv_distribution`'s table). ``"auto"`` chooses ``"log"`` when all values are
        >= 0 and the largest is more than 10 times the median (a long right tail), else ``"linear"``. Values
        that do not spread on a log axis (all equal, or no positive one) are drawn on the linear one.
    currency : str, default ""
        The currency of the values (``"EUR"``, ``"$"``), named in the x axis label.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; pyplot's current Axes by default.

    Returns
    -------
    matplotlib.axes.Axes
        The histogram bars (``ax.patches``, heights are customer counts, in the order of the bins) and the
        vertical lines ``"Mean (...)"`` and ``"Median (...)"``. On a log scale with zeros the title's second
        line reads ``"<n> of them (<share>) at exactly 0, not in the bars"``. The axis labels say which
        scales were used.

    Raises
    ------
    DataValidationError
        If values are missing or infinite, or there are none, or ``scale="log"`` meets negative values.
    ValueError
        If ``scale`` is not one of the above.

    Examples
    --------
    >>> import numpy as np
    >>> from matplotlib.figure import Figure
    >>> from pyclv.plotting import plot_clv_distribution
    >>> ax = plot_clv_distribution(np.array([0.0, 10.0, 10.0, 250.0]), bins=5, scale="linear",
    ...                            ax=Figure().subplots())
    >>> [int(p.get_height()) for p in ax.patches]
    [3, 0, 0, 0, 1]
    >>> ax = plot_clv_distribution(np.array([1.0, 2.0, 5.0, 50.0, 100.0]), bins=2, currency="EUR",
    ...                            ax=Figure().subplots())
    >>> [int(p.get_height()) for p in ax.patches], ax.get_xscale()  # 1 to 10 and 10 to 100
    ([3, 2], 'log')
    >>> ax.get_xlabel()
    'Customer lifetime value (EUR; log scale, bins of equal width on it)'
    """
    if scale not in ("auto", "log", "linear"):
        raise ValueError(f"scale must be 'auto', 'log' or 'linear'; got {scale!r}.")
    table = clv_distribution(clv, bins=bins)  # checks the values: finite, at least one
    mean, median = table.attrs["mean"], table.attrs["median"]
    values = np.asarray(clv["clv"] if isinstance(clv, pd.DataFrame) else clv, dtype=float).ravel()
    if scale == "log" and values.min() < 0:
        n_negative = int((values < 0).sum())
        raise DataValidationError(
            f"clv has {n_negative:,} negative value(s) (e.g. {values[values < 0][:3].tolist()}), which a log "
            "scale cannot show; pass scale='linear'.",
            column="clv",
            n_rows=n_negative,
        )
    if scale == "auto":
        scale = "log" if values.min() >= 0 and values.max() > 10 * max(median, 0.0) else "linear"
    log_bins = _log_bins(values, bins) if scale == "log" else None
    scale = "linear" if log_bins is None else "log"
    threshold, n_zero = None, 0
    if log_bins is not None:
        edges, threshold = log_bins
        n_zero = int((values == 0).sum())
        counts = np.histogram(values[values != 0], bins=edges)[0]
        table = pd.DataFrame({"lower": edges[:-1], "upper": edges[1:], "n_customers": counts})
    elif values.min() == values.max():  # numpy's bins would put the one bar right of the value
        half = 0.05 * abs(values[0]) or 0.5
        table = pd.DataFrame({"lower": [values[0] - half], "upper": [values[0] + half], "n_customers": [values.size]})
    ax = _get_ax(ax)
    heights = table["n_customers"].to_numpy()
    ax.bar(table["lower"].to_numpy(), heights, width=(table["upper"] - table["lower"]).to_numpy(), align="edge")
    ax.axvline(mean, color="black", linestyle="--", label=f"Mean ({format_number(mean, 'amount')})")
    ax.axvline(median, color="grey", linestyle=":", label=f"Median ({format_number(median, 'amount')})")
    unit = [currency] if currency else []
    if scale == "log":
        from matplotlib.ticker import FuncFormatter, NullFormatter

        if threshold is None:
            ax.set_xscale("log")
        else:
            ax.set_xscale("symlog", linthresh=threshold, linscale=1.0)
        low, high = float(table["lower"].iloc[0]), float(table["upper"].iloc[-1])
        ax.set_xlim(low, high)
        ax.xaxis.set_major_locator(
            _fitting_locator(
                _log_ticks(threshold or low, high, zero=threshold is not None), lambda x: format_number(x, "table")
            )
        )
        ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: format_number(x, "table")))
        ax.xaxis.set_minor_formatter(NullFormatter())
        unit.append("log scale, bins of equal width on it")
    ax.set_xlabel("Customer lifetime value" + (f" ({'; '.join(unit)})" if unit else ""))
    tallest = np.sort(heights)[::-1]
    if tallest.size > 1 and tallest[0] > _DWARFING * tallest[1]:
        ax.set_yscale("log")
        ax.set_ylim(bottom=0.5)  # a bar of one customer shows
        ax.set_ylabel("Customers (log scale)")
    else:
        ax.set_ylabel("Customers")
    title = f"Distribution of customer lifetime value ({values.size:,} customers)"
    if n_zero:
        share = format_number(n_zero / values.size, "percent")
        title += f"\n{n_zero:,} of them ({share}) at exactly 0, not in the bars"
    ax.set_title(title)
    ax.legend()
    return ax


def plot_lift_chart(
    predicted: pd.Series | np.ndarray | Sequence[float],
    actual: pd.Series | np.ndarray | Sequence[float],
    *,
    n_bins: int = 10,
    ax: Axes | None = None,
) -> Axes:
    """Decile lift chart: the share of the actual value captured by each group of predicted value.

    Bars are the ``share`` column of :func:`pyclv.decile_table` (group 1 = the customers with the highest
    predicted value; tied predictions share their actual value); a horizontal line marks ``1 / n_bins``, what
    a random ranking captures, and markers show the share the model predicted for each group
    (``predicted_share``).

    Parameters
    ----------
    predicted, actual : pandas.Series or array-like
        Predicted and realised value per customer (e.g. CLV and holdout revenue, >= 0). Two Series are
        aligned on their index, which must hold the same customers.
    n_bins : int, default 10
        Number of groups.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; pyplot's current Axes by default.

    Returns
    -------
    matplotlib.axes.Axes
        The bars (``ax.containers[0]``, heights are shares in [0, 1], labelled as percentages), the line
        ``"Predicted share"`` and the line ``"Random"``.

    Raises
    ------
    DataValidationError
        As :func:`pyclv.decile_table`; also if there are fewer customers than groups or the actual values
        do not sum to a positive total.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> from pyclv.plotting import plot_lift_chart
    >>> ax = plot_lift_chart([5.0, 1.0, 3.0, 0.0], [4.0, 0.0, 4.0, 2.0], n_bins=2, ax=Figure().subplots())
    >>> [float(round(bar.get_height(), 2)) for bar in ax.containers[0]]
    [0.8, 0.2]
    """
    table = decile_table(predicted, actual, n_bins=n_bins)
    n_customers = int(table["n_customers"].sum())
    if (table["n_customers"] == 0).any():
        raise DataValidationError(
            f"{n_customers:,} customers cannot fill {n_bins} groups.", column="predicted", n_rows=n_customers
        )
    if not table["actual"].sum() > 0:
        raise DataValidationError(
            "The actual values do not sum to a positive total; shares of it are undefined.", column="actual"
        )
    groups = table.index.to_numpy()
    ax = _get_ax(ax)
    ax.bar(groups, table["share"].to_numpy(), label="Actual share")
    predicted_share = table["predicted_share"].to_numpy()
    ax.plot(groups, predicted_share, marker="o", linestyle="none", color="black", label="Predicted share")
    ax.axhline(1.0 / len(table), color="grey", linestyle="--", label="Random")
    ax.set_xticks(groups)
    ax.set_title("Share of actual value by predicted-value group")
    ax.set_xlabel("Group of customers by predicted value (1 = highest)")
    ax.set_ylabel("Share of actual value")
    from matplotlib.ticker import PercentFormatter

    ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0))
    ax.legend()
    return ax


# ---------------------------------------------------------------------------------------------------------
# Cohorts: retention and payback
# ---------------------------------------------------------------------------------------------------------


def _numeric_table(table: Any, name: str) -> np.ndarray:
    """A non-empty DataFrame's values as floats (NaN allowed), or a DataValidationError naming the column."""
    if not isinstance(table, pd.DataFrame):
        raise DataValidationError(
            f"{name} must be a pandas DataFrame with one row per cohort and one column per period; got "
            f"{type(table).__name__}.",
        )
    if table.shape[0] == 0 or table.shape[1] == 0:
        raise DataValidationError(f"{name} is empty: there is nothing to plot.", n_rows=0)
    for column in table.columns:
        dtype = table[column].dtype
        if pd.api.types.is_bool_dtype(dtype) or not pd.api.types.is_numeric_dtype(dtype):
            raise DataValidationError(
                f"Column {column!r} of {name} has dtype {dtype}, not numbers; convert it with pd.to_numeric.",
                column=str(column),
                n_rows=len(table),
            )
    return table.to_numpy(dtype=float, na_value=np.nan)


#: Steps between the labelled rows of monthly, quarterly and yearly cohorts: the steps that divide a year,
#: then whole years (every 1, 2, 3, 6 or 12 months, ...). The labels fall where the step starts a year: on
#: January for 12 months, on quarters for 3 or 6 months.
_CALENDAR_STEPS = {
    "M": (1, 2, 3, 6, 12, 24, 36, 60, 120),
    "Q": (1, 2, 4, 8, 12, 20, 40),
    "Y": (1, 2, 5, 10, 20, 50, 100),
}


def _label_steps(labels: pd.Index, cohorts: pd.Index) -> tuple[np.ndarray, Sequence[int]]:
    """Where a heat map's rows or columns may be labelled: a number for each, and the steps between labels.

    A row or column is labelled at step k when its number is a multiple of k. For monthly, quarterly or
    yearly cohorts (a :class:`pandas.PeriodIndex`) the numbers are the periods' ordinals and the steps
    :data:`_CALENDAR_STEPS`, so that a label every 12 months falls on January; the periods since acquisition
    of such cohorts (whole numbers) are counted the same way from 0. Other labels are numbered 0, 1, 2, ...
    and labelled every 1, 2, 5, 10, 20, ... of them.
    """
    steps = _CALENDAR_STEPS.get(cohorts.freqstr[:1].replace("A", "Y")) if isinstance(cohorts, pd.PeriodIndex) else None
    if steps is not None and isinstance(labels, pd.PeriodIndex) and labels is cohorts:
        return np.array([period.ordinal for period in labels], dtype=np.int64), steps
    if steps is not None and pd.api.types.is_integer_dtype(labels.dtype):
        return labels.to_numpy(dtype=np.int64), steps
    return np.arange(len(labels)), [m * 10**k for k in range(len(str(len(labels)))) for m in (1, 2, 5)]


#: A heat map labels at most this many of its rows (or columns): more would be a wall of text to read past.
_MOST_CELL_LABELS = 10


def _label_cells(axis: Any, labels: Sequence[str], numbers: np.ndarray, steps: Sequence[int]) -> None:
    """Label a heat map's rows or columns with as many of ``labels`` as fit, at the steps of :func:`_label_steps`.

    The smallest step whose labels keep apart, with at most ``_MOST_CELL_LABELS`` of them, is chosen when the
    figure is drawn (:func:`_fitting_locator`), so the labels stay apart at any figure size; every label shown
    is the one of its row or column.
    """
    from matplotlib.ticker import FuncFormatter

    def label(x: float, _: object = None) -> str:
        i = round(x)
        return labels[i] if abs(x - i) < 1e-9 and 0 <= i < len(labels) else ""

    candidates = [np.flatnonzero(numbers % step == 0).astype(float) for step in steps]
    axis.set_major_locator(_fitting_locator(candidates, label, most=_MOST_CELL_LABELS))
    axis.set_major_formatter(FuncFormatter(label))


def _colour_scale_top(values: np.ndarray) -> float:
    """The top of a retention colour scale: the largest rate, rounded up to a whole percentage step."""
    top = float(np.nanmax(values)) if np.isfinite(values).any() else 1.0
    step = 0.05 if top > 0.2 else 0.01 if top > 0.02 else 0.001
    return min(1.0, max(step, round(math.ceil(round(top / step, 9)) * step, 9)))


def plot_cohort_retention(
    retention_table: pd.DataFrame,
    *,
    annotate: bool | None = None,
    cmap: str = "viridis",
    ax: Axes | None = None,
) -> Axes:
    """Heat map of retention rates, cohorts (rows) by periods since acquisition (columns).

    Read it along a row for how one cohort fades, and down a column for whether younger cohorts keep their
    customers better than older ones at the same age. The lower-right triangle is blank: those cohorts have
    not reached those ages yet.

    The colour scale runs from 0 to the largest retention after acquisition (rounded up): period 0 is 100 %
    by definition (every customer bought when acquired) and on a 0-100 % scale would squeeze every other
    cell into the dark end. Period 0 is drawn in light grey, the colour bar's "over" end. Row and column
    labels are thinned to what fits, at most 10 of them: monthly cohorts (a :class:`pandas.PeriodIndex`) every
    1, 2, 3, 6 or 12 months, on the months such a step starts a year at (quarters, half-years, January), and
    their months since acquisition every 1, 2, 3, 6 or 12 months from 0 (quarterly and yearly cohorts alike);
    other labels every 1, 2, 5, 10, ... rows. Each rate is written in its cell only when the cells are large
    enough for the text.

    Parameters
    ----------
    retention_table : pandas.DataFrame
        Index: the cohorts (e.g. acquisition months, :attr:`pyclv.business.CohortTables.retention`); columns:
        the periods since acquisition; values: retention rates in [0, 1]. Missing values (periods a cohort
        has not reached yet) are left blank.
    annotate : bool, optional
        Write each rate in its cell as a percentage: always (True), never (False) or, by default, when every
        cell is large enough for its text at the figure's current size.
    cmap : str, default "viridis"
        Matplotlib colour map.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; pyplot's current Axes by default.

    Returns
    -------
    matplotlib.axes.Axes
        The image (``ax.images[0]``, its array the table; its ``norm`` the colour scale), a colour bar, tick
        labels from the index and columns, and the cell texts when annotated.

    Raises
    ------
    DataValidationError
        If the table is empty, not numeric, or holds rates outside [0, 1].

    Examples
    --------
    >>> import pandas as pd
    >>> from matplotlib.figure import Figure
    >>> from pyclv.plotting import plot_cohort_retention
    >>> table = pd.DataFrame({0: [1.0, 1.0], 1: [0.6, 0.55], 2: [0.45, None]}, index=["2024-01", "2024-02"])
    >>> ax = plot_cohort_retention(table, ax=Figure().subplots())
    >>> [text.get_text() for text in ax.texts]
    ['100%', '60%', '45%', '100%', '55%']
    >>> ax.images[0].norm.vmax  # the scale leaves period 0 out: 60 % is its top
    0.6
    """
    values = _numeric_table(retention_table, "retention_table")
    outside = ~np.isnan(values) & ((values < 0) | (values > 1))
    if outside.any():
        column = retention_table.columns[np.flatnonzero(outside.any(axis=0))[0]]
        raise DataValidationError(
            f"retention_table has {int(outside.sum()):,} rate(s) outside [0, 1] (first in column {column!r}); "
            f"pass rates, not counts or percentages (divide by the cohort size, or by 100).",
            column=str(column),
            n_rows=int(outside.any(axis=1).sum()),
        )
    import matplotlib
    from matplotlib.ticker import MaxNLocator, PercentFormatter

    n_rows, n_cols = values.shape
    first = values[:, 0]
    period_zero = n_cols > 1 and retention_table.columns[0] == 0 and bool(np.all(first[~np.isnan(first)] == 1.0))
    top = _colour_scale_top(values[:, 1:] if period_zero else values)
    colours = matplotlib.colormaps[cmap].with_extremes(over="0.85")
    ax = _get_ax(ax)
    image = ax.imshow(
        np.ma.masked_invalid(values), aspect="auto", cmap=colours, vmin=0.0, vmax=top, interpolation="nearest"
    )
    label = "Retention rate (period 0 = 100 %, grey)" if period_zero else "Retention rate"
    bar = ax.figure.colorbar(image, ax=ax, label=label, extend="max" if period_zero else "neither")
    bar.locator = MaxNLocator(nbins=6, steps=[1, 2, 5, 10])  # whole percents: 0 %, 2 %, 4 %, ... (not 12.5 %)
    bar.formatter = PercentFormatter(xmax=1.0, decimals=0)
    for axis, labels in ((ax.xaxis, retention_table.columns), (ax.yaxis, retention_table.index)):
        _label_cells(axis, [str(label) for label in labels], *_label_steps(labels, retention_table.index))
    if annotate is None:
        box = ax.get_window_extent()
        width, height = _text_size("100%", matplotlib.rcParams["font.size"] * 0.833, ax.figure.dpi)
        annotate = box.width / n_cols >= _CELL_ROOM * width and box.height / n_rows >= _CELL_ROOM * height
    if annotate:
        for (i, j), value in np.ndenumerate(values):
            if not np.isnan(value):
                dark = value < 0.5 * top  # white on the dark low end of the scale (0 to top)
                ax.text(
                    j,
                    i,
                    format_number(value, "percent"),
                    ha="center",
                    va="center",
                    color="white" if dark else "black",
                    fontsize="small",
                )
    ax.set_title(f"Retention by cohort ({n_rows:,} cohorts)")
    ax.set_xlabel(_since_label(retention_table.columns.name, retention_table.index))
    ax.set_ylabel(_cohort_label(retention_table.index))
    return ax


#: Payback plots with more cohorts than this colour them along a colour map and name only the first and last.
_MAX_NAMED_COHORTS = 10


def plot_payback(
    curves: pd.DataFrame | pd.Series | Payback,
    *,
    acquisition_cost: float | None = None,
    observed: pd.DataFrame | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Cumulative margin per customer over the periods since acquisition, one line per cohort.

    A cohort has paid back its acquisition cost when its line crosses the horizontal line at the cost. With
    a forecast, each line is solid while observed and dashed where the forecast continues it, with a hollow
    marker at the last observed period: what is known and what is predicted read apart at a glance.

    Parameters
    ----------
    curves : pandas.DataFrame, pandas.Series or Payback
        Rows: cohorts (the index labels the lines); columns: periods since acquisition (numbers, or labels
        drawn at 0, 1, 2, ...); values: cumulative margin per acquired customer. Missing values (periods not
        reached yet) end a line. A Series indexed by period is one curve. A :class:`pyclv.business.Payback`
        draws its ``forecast`` curves with its ``observed`` ones marked (its ``observed`` alone without a
        forecast).
    acquisition_cost : float, optional
        Cost of acquiring one customer, drawn as a horizontal line.
    observed : pandas.DataFrame, optional
        The observed part of ``curves`` (e.g. :attr:`pyclv.business.Payback.observed` when ``curves`` is its
        ``forecast``): where it has a value the curve is observed, after that forecast.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; pyplot's current Axes by default.

    Returns
    -------
    matplotlib.axes.Axes
        One line per cohort, labelled by the cohort (with more than 10 cohorts only the first and last are
        named and the lines are coloured from old to young), and the line ``"Acquisition cost"`` if given.
        With observed curves, each cohort's line is its observed part and a second, dashed line (unlabelled)
        its forecast part, which starts at the last observed period.

    Raises
    ------
    DataValidationError
        If ``curves`` is empty or not numeric.
    ValueError
        If ``acquisition_cost`` is not a finite number.

    Examples
    --------
    >>> import pandas as pd
    >>> from matplotlib.figure import Figure
    >>> from pyclv.plotting import plot_payback
    >>> curves = pd.DataFrame({0: [10.0, 12.0], 1: [25.0, 26.0], 2: [38.0, None]}, index=["2024-01", "2024-02"])
    >>> ax = plot_payback(curves, acquisition_cost=30.0, ax=Figure().subplots())
    >>> [line.get_label() for line in ax.get_lines()]
    ['2024-01', '2024-02', 'Acquisition cost']
    """
    if isinstance(curves, Payback):
        observed = curves.observed if curves.forecast is not None else None
        curves = curves.forecast if curves.forecast is not None else curves.observed
    if isinstance(curves, pd.Series):
        curves = curves.to_frame().T.set_axis([curves.name if curves.name is not None else "margin"])
    values = _numeric_table(curves, "curves")
    if observed is not None:
        seen = pd.DataFrame(~np.isnan(_numeric_table(observed, "observed")), observed.index, observed.columns)
        known = seen.reindex(index=curves.index, columns=curves.columns, fill_value=False).to_numpy(dtype=bool)
    columns = curves.columns
    periods = (
        columns.to_numpy(dtype=float)
        if pd.api.types.is_numeric_dtype(columns.dtype)
        else np.arange(len(columns), dtype=float)
    )
    ax = _get_ax(ax)
    n = len(curves)
    colours = None
    if n > _MAX_NAMED_COHORTS:
        import matplotlib

        colours = matplotlib.colormaps["viridis"](np.linspace(0.0, 0.9, n))
    for k, (label, row) in enumerate(zip(curves.index, values, strict=True)):
        name = str(label) if colours is None or k in (0, n - 1) else "_nolegend_"
        if colours is not None and k in (0, n - 1):
            name += " (oldest)" if k == 0 else " (youngest)"
        colour = None if colours is None else colours[k]
        if observed is None:
            ax.plot(periods, row, marker=".", label=name, color=colour)
            continue
        last = int(np.flatnonzero(known[k]).max()) if known[k].any() else -1
        solid = np.where(np.arange(len(row)) <= last, row, np.nan)
        (line,) = ax.plot(periods, solid, marker=".", label=name, color=colour)
        dashed = np.where(np.arange(len(row)) >= max(last, 0), row, np.nan)
        ax.plot(periods, dashed, linestyle="--", color=line.get_color(), label="_nolegend_")
        if last >= 0:
            ax.plot(periods[last], row[last], marker="o", markerfacecolor="white", color=line.get_color(),
                    label="_nolegend_")
    if not pd.api.types.is_numeric_dtype(columns.dtype):
        ax.set_xticks(periods, [str(c) for c in columns])
    else:
        from matplotlib.ticker import MaxNLocator

        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    if acquisition_cost is not None:
        cost = float(acquisition_cost)
        if not math.isfinite(cost):
            raise ValueError(f"acquisition_cost must be a finite number; got {acquisition_cost!r}.")
        ax.axhline(cost, color="black", linestyle=":", label="Acquisition cost")
    handles, labels = ax.get_legend_handles_labels()
    if observed is not None:
        from matplotlib.lines import Line2D

        handles += [
            Line2D([], [], color="grey", marker="."),
            Line2D([], [], color="grey", linestyle="--"),
            Line2D([], [], color="grey", marker="o", markerfacecolor="white", linestyle="none"),
        ]
        labels += ["Observed", "Forecast", "Last observed period"]
    title = "Payback: cumulative margin per customer by cohort"
    ax.set_title(title + (",\nobserved (solid) then forecast (dashed)" if observed is not None else ""))
    ax.set_xlabel(_since_label(columns.name, curves.index))
    ax.set_ylabel("Cumulative margin per customer")
    named = isinstance(curves.index, pd.PeriodIndex) or curves.index.name is not None
    ax.legend(handles, labels, title=_cohort_label(curves.index) if named else None, fontsize="small")
    return ax


# ---------------------------------------------------------------------------------------------------------
# Backtest: the forecast at past cut-offs against what happened
# ---------------------------------------------------------------------------------------------------------


#: The quantities a backtest table holds, and how the figure names them.
_BACKTEST_QUANTITIES = {"purchases": "Repeat purchases", "revenue": "Revenue"}


def plot_backtest(table: pd.DataFrame, *, quantity: str = "revenue", ax: Axes | None = None) -> Axes:
    """A rolling-origin backtest: actual, forecast and historical-CLV formula at each cut-off.

    Each cut-off is a point on the x axis; the lines are what the calibration cohort really did over the
    horizon after it (``actual``), what the models fitted up to the cut-off forecast (``forecast``) and what
    the historical-CLV formula gave (``historical``), as totals over the customers.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per cut-off, as ``pyclv backtest`` writes it: a ``cutoff`` column (dates) and the columns
        ``<quantity>_actual``, ``<quantity>_forecast`` and ``<quantity>_historical``.
    quantity : {"revenue", "purchases"}, default "revenue"
        Which totals to draw.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; pyplot's current Axes by default.

    Returns
    -------
    matplotlib.axes.Axes
        The lines ``"Actual"``, ``"Forecast"`` and ``"Historical CLV formula"``.

    Raises
    ------
    ValueError
        For another ``quantity``.
    DataValidationError
        If a column is missing or the table is empty.

    Examples
    --------
    >>> import pandas as pd
    >>> from matplotlib.figure import Figure
    >>> from pyclv.plotting import plot_backtest
    >>> table = pd.DataFrame({"cutoff": pd.to_datetime(["1997-06-30", "1997-09-30"]),
    ...                       "revenue_actual": [9.0, 8.0], "revenue_forecast": [9.5, 7.5],
    ...                       "revenue_historical": [12.0, 10.0]})
    >>> ax = plot_backtest(table, ax=Figure().subplots())
    >>> [line.get_label() for line in ax.get_lines()]
    ['Actual', 'Forecast', 'Historical CLV formula']
    """
    if quantity not in _BACKTEST_QUANTITIES:
        raise ValueError(f"quantity must be one of {', '.join(map(repr, _BACKTEST_QUANTITIES))}; got {quantity!r}.")
    needed = ["cutoff", *(f"{quantity}_{kind}" for kind in ("actual", "forecast", "historical"))]
    missing = [name for name in needed if name not in table.columns]
    if missing or table.empty:
        raise DataValidationError(
            f"plot_backtest needs a backtest table with the columns {', '.join(needed)} and at least one row; "
            f"{'missing: ' + ', '.join(missing) if missing else 'it is empty'}.",
            column=missing[0] if missing else None,
        )
    ordered = table.sort_values("cutoff")
    dates = pd.to_datetime(ordered["cutoff"]).to_numpy()
    ax = _get_ax(ax)
    ax.plot(dates, ordered[f"{quantity}_actual"].to_numpy(dtype=float), marker="o", color="black", label="Actual")
    ax.plot(dates, ordered[f"{quantity}_forecast"].to_numpy(dtype=float), marker="s", label="Forecast")
    ax.plot(dates, ordered[f"{quantity}_historical"].to_numpy(dtype=float), marker="^", linestyle="--",
            label="Historical CLV formula")
    _date_axis(ax)
    name = _BACKTEST_QUANTITIES[quantity]
    horizon = ordered["horizon_days"].iloc[0] if "horizon_days" in ordered.columns else None
    window = " after each cut-off"
    if horizon is not None:
        window = f" in the {format_duration(float(horizon), 'D')}{window}"
    ax.set_title(f"Backtest: {name.lower()}{window}")
    ax.set_xlabel("Cut-off (end of the data the models were fitted on)")
    ax.set_ylabel(f"{name} of the cohort (total)")
    ax.set_ylim(bottom=0)
    ax.legend()
    return ax


# ---------------------------------------------------------------------------------------------------------
# Groups of customers
# ---------------------------------------------------------------------------------------------------------


def plot_value_by_group(
    table: pd.DataFrame, *, column: str = "mean_clv", currency: str = "", ax: Axes | None = None
) -> Axes:
    """Horizontal bars of the customers' average value per group (e.g. per acquisition channel), with their counts.

    Draws the table of :func:`pyclv.business.value_by_group`: one bar per group, in the table's order from the
    top, labelled with the value and the number of customers; a dashed line marks the average over everybody.

    Parameters
    ----------
    table : pandas.DataFrame
        :func:`pyclv.business.value_by_group`'s table (``n_customers`` and ``column``).
    column : str, default "mean_clv"
        The column drawn, e.g. ``"mean_p_alive"`` or ``"mean_expected_purchases"``.
    currency : str, default ""
        The currency of the values (``"EUR"``, ``"$"``), named in the axis label of a value column.
    ax : matplotlib.axes.Axes, optional
        Where to draw; pyplot's current Axes by default.

    Returns
    -------
    matplotlib.axes.Axes
        One bar per group (``ax.patches``, top to bottom in the table's order) and the dashed average line.

    Raises
    ------
    DataValidationError
        If the table lacks ``n_customers`` or ``column``, or is empty.

    Examples
    --------
    >>> import pandas as pd
    >>> from matplotlib.figure import Figure
    >>> from pyclv.business import value_by_group
    >>> from pyclv.plotting import plot_value_by_group
    >>> scores = pd.DataFrame({"clv": [10.0, 30.0, 20.0, 40.0]})
    >>> table = value_by_group(scores, pd.Series(["web", "store", "web", "store"], name="channel"))
    >>> ax = plot_value_by_group(table, ax=Figure().subplots())
    >>> [float(bar.get_width()) for bar in ax.patches]  # store, then web
    [35.0, 15.0]
    """
    for name in ("n_customers", column):
        if name not in table.columns:
            raise DataValidationError(
                f"plot_value_by_group draws pyclv.business.value_by_group's table; it has no column {name!r}.",
                column=name,
            )
    if table.empty:
        raise DataValidationError("plot_value_by_group: the table has no groups.", column=column, n_rows=0)
    ax = _get_ax(ax)
    values = table[column].to_numpy(dtype=float)
    counts = table["n_customers"].to_numpy(dtype=float)
    positions = np.arange(len(table))[::-1]
    ax.barh(positions, values, color="C0")
    average = float(np.average(values, weights=counts))
    ax.axvline(average, color="0.3", linestyle="--", linewidth=1, label=f"All customers ({format_number(average)})")
    for y, value, count in zip(positions, values, counts, strict=True):
        ax.annotate(
            f" {format_number(value)}  ({int(count):,} customers)", (value, y), va="center", fontsize="small"
        )
    ax.set_yticks(positions, [str(label) for label in table.index])
    ax.set_xlim(0, max(values.max(), average) * 1.45)
    words = column.removeprefix("mean_").replace("_", " ")
    label = {"clv": "CLV", "p alive": "P(alive)"}.get(words, words)
    money = column in ("mean_clv", "mean_expected_spend", "total_clv")
    ax.set_xlabel(f"Average {label}" + (f" ({currency})" if money and currency else ""))
    ax.set_ylabel(str(table.index.name or "group"))
    ax.legend(loc="best", fontsize="small")
    return ax
