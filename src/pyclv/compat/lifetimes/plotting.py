"""lifetimes' plotting functions, with its names and arguments, drawn by :mod:`pyclv.plotting`.

Each function takes a fitter of :mod:`pyclv.compat.lifetimes` and lifetimes' arguments, turns them into the
arguments of the pyclv figure that shows the same thing, lets pyclv draw it, and returns the Axes, as lifetimes
does. The numbers drawn are pyclv's (exact expectations, not simulations); where pyclv draws or counts
differently from lifetimes, each function's Notes say how, with the size of the difference on CDNOW.

What changes for every function: ``title``, ``xlabel`` and ``ylabel`` default to pyclv's words (they describe
pyclv's axes, which are sometimes the other way round) and replace them when given; lifetimes' ``**kwargs``
were handed to matplotlib or pandas, here only ``ax`` (where lifetimes' function had none) and a matrix's
``cmap`` are taken, any other raises :class:`~pyclv.exceptions.DataValidationError`, since pyclv styles its
own figures. New code is better written against :mod:`pyclv.plotting`, which takes pyclv's models and
tables and adds the periods cut short, the cohort and the time units to its figures.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from pyclv import plotting
from pyclv.compat.lifetimes._base import LifetimesFitter
from pyclv.compat.lifetimes.utils import _PERIOD_DAYS
from pyclv.exceptions import DataValidationError

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from pyclv.models import TransactionModel

__all__ = [
    "plot_calibration_purchases_vs_holdout_purchases",
    "plot_cumulative_transactions",
    "plot_expected_repeat_purchases",
    "plot_frequency_recency_matrix",
    "plot_history_alive",
    "plot_incremental_transactions",
    "plot_period_transactions",
    "plot_probability_alive_matrix",
]

#: lifetimes' calibration/holdout columns and pyclv's names of them.
_SPLIT_COLUMNS = {
    "frequency_cal": "frequency",
    "recency_cal": "recency",
    "T_cal": "T",
    "frequency_holdout": "frequency_holdout",
    "duration_holdout": "duration_holdout",
}


# ---------------------------------------------------------------------------------------------------------
# Arguments
# ---------------------------------------------------------------------------------------------------------


def _fitted(model: Any, name: str) -> TransactionModel:
    """The pyclv transaction model behind a compat fitter (an error naming ``model`` for anything else)."""
    if not isinstance(model, LifetimesFitter):
        raise DataValidationError(
            f"{name} takes a fitter of pyclv.compat.lifetimes (e.g. BetaGeoFitter); got {type(model).__name__}. "
            "For a pyclv model use pyclv.plotting.",
            column="model",
        )
    fitted = model.model
    from pyclv.models import TransactionModel

    if not isinstance(fitted, TransactionModel):
        raise DataValidationError(
            f"{name} draws transaction models; {type(model).__name__} models spend.", column="model"
        )
    return fitted


def _fitted_data(model: LifetimesFitter, name: str) -> pd.DataFrame:
    """The columns the fitter was fitted on (lifetimes' ``model.data``)."""
    data = getattr(model, "data", None)
    if not isinstance(data, pd.DataFrame):
        raise DataValidationError(
            f"{name} draws the data {type(model).__name__} was fitted on, and this one holds none (a fitter "
            "read by load_model keeps only the parameters): call fit(...) first.",
            column="model",
        )
    return data


def _options(name: str, kwargs: dict[str, Any], taken: Sequence[str] = ()) -> dict[str, Any]:
    """The keyword arguments pyclv takes (``taken``); any other is refused with one message."""
    refused = sorted(set(kwargs) - set(taken))
    if refused:
        raise DataValidationError(
            f"{name} got {', '.join(refused)}, which lifetimes handed to matplotlib or pandas; pyclv styles its own "
            f"figures and takes {', '.join(taken) or 'none of them'}. Remove them, or restyle the returned Axes.",
            column=refused[0],
            n_rows=len(refused),
        )
    return {key: kwargs[key] for key in taken if key in kwargs}


def _relabel(ax: Axes, title: str | None, xlabel: str | None, ylabel: str | None) -> Axes:
    """Replace pyclv's title and axis labels by the ones given."""
    if title is not None:
        ax.set_title(title)
    if xlabel is not None:
        ax.set_xlabel(xlabel)
    if ylabel is not None:
        ax.set_ylabel(ylabel)
    return ax


def _period_days(freq: str) -> int:
    """The length in days of lifetimes' ``freq`` (days or calendar weeks, as in :mod:`.utils`)."""
    if freq not in _PERIOD_DAYS:
        raise DataValidationError(
            f"freq must be one of {', '.join(map(repr, _PERIOD_DAYS))} (the unit the fitter was fitted in: days or "
            f"weeks) in pyclv's lifetimes layer; got {freq!r}.",
            column="freq",
        )
    return _PERIOD_DAYS[freq]


def _whole(value: Any, name: str, smallest: int) -> int:
    """``value`` as an int if it is a whole number >= ``smallest``."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = float("nan")
    if not (np.isfinite(number) and number == round(number) and number >= smallest):
        raise DataValidationError(f"{name} must be a whole number >= {smallest}; got {value!r}.", column=name)
    return int(number)


def _dated(transactions: Any, datetime_col: str, datetime_format: str | None) -> pd.DataFrame:
    """The log with its date column read as datetimes (with ``datetime_format`` when given)."""
    if not isinstance(transactions, pd.DataFrame):
        raise DataValidationError(
            f"transactions must be a pandas DataFrame; got {type(transactions).__name__}.", column="transactions"
        )
    if datetime_col not in transactions.columns:
        raise DataValidationError(
            f"transactions has no column {datetime_col!r} (columns: {', '.join(map(str, transactions.columns))}).",
            column=datetime_col,
        )
    try:
        dates = pd.to_datetime(transactions[datetime_col], format=datetime_format)
    except (TypeError, ValueError) as error:
        raise DataValidationError(
            f"Column {datetime_col!r}: dates could not be read ({error}); pass datetimes or give datetime_format.",
            column=datetime_col,
        ) from None
    return transactions.assign(**{datetime_col: dates})


def _first_day(dates: pd.Series, freq: str) -> pd.Timestamp:
    """The first day of lifetimes' first period: the first date's day, or the Monday of its calendar week."""
    first = pd.Timestamp(dates.min()).normalize()
    return first if freq == "D" else first.to_period(freq).start_time


# ---------------------------------------------------------------------------------------------------------
# The calibration period: histogram and conditional expectations
# ---------------------------------------------------------------------------------------------------------


def plot_period_transactions(
    model: LifetimesFitter,
    max_frequency: int = 7,
    title: str | None = None,
    xlabel: str | None = None,
    ylabel: str | None = None,
    **kwargs: Any,
) -> Axes:
    r"""Actual and expected numbers of customers by repeat transactions in the calibration period.

    Drawn by :func:`pyclv.plotting.plot_period_transactions` on the data the fitter was fitted on.

    Parameters
    ----------
    model : LifetimesFitter
        A fitted transaction fitter of :mod:`pyclv.compat.lifetimes`.
    max_frequency : int, default 7
        Bars for 0, 1, ..., ``max_frequency - 1`` repeat transactions, then one for ``max_frequency`` or more.
    title, xlabel, ylabel : str, optional
        Replace pyclv's.
    **kwargs
        ``ax`` (the Axes to draw on) and ``label`` (the two bars' labels, lifetimes' ``["Actual", "Model"]``).

    Returns
    -------
    matplotlib.axes.Axes
        Two bar containers, ``ax.containers[0]`` the actual counts and ``ax.containers[1]`` the model's.

    Notes
    -----
    lifetimes simulated as many customers as it was fitted on (``generate_new_data``) and counted them, so its
    model bars change from call to call (by about 1 % of the largest bar on CDNOW); pyclv draws the exact
    expectation, :math:`\sum_i P(X(T_i) = k)`. lifetimes drew ``max_frequency`` bars (0 to 6 by default);
    pyclv adds the bar of ``max_frequency`` or more, so that both sets of bars count every customer.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from pyclv.compat.lifetimes import BetaGeoFitter
    >>> from pyclv.compat.lifetimes.plotting import plot_period_transactions
    >>> from pyclv.datasets import load_cdnow_summary
    >>> data = load_cdnow_summary()
    >>> bgf = BetaGeoFitter().fit(data["frequency"], data["recency"], data["T"])
    >>> ax = plot_period_transactions(bgf, ax=plt.figure().subplots())
    >>> [int(bar.get_height()) for bar in ax.containers[0]]
    [1411, 439, 214, 100, 62, 38, 29, 64]
    """
    name = "plot_period_transactions"
    fitted = _fitted(model, name)
    options = _options(name, kwargs, ("ax", "label"))
    data = _fitted_data(model, name)
    columns = list(model._columns)
    ax = plotting.plot_period_transactions(
        fitted, data[columns], max_frequency=_whole(max_frequency, "max_frequency", 1), ax=options.get("ax")
    )
    if "label" in options:
        labels = list(options["label"])
        if len(labels) != len(ax.containers):
            raise DataValidationError(
                f"label must name the {len(ax.containers)} sets of bars (actual, model); got {labels!r}.",
                column="label",
            )
        for container, label in zip(ax.containers, labels, strict=True):
            container.set_label(str(label))
        ax.legend()
    return _relabel(ax, title, xlabel, ylabel)


def plot_calibration_purchases_vs_holdout_purchases(
    model: LifetimesFitter,
    calibration_holdout_matrix: pd.DataFrame,
    kind: str = "frequency_cal",
    n: int = 7,
    **kwargs: Any,
) -> Axes:
    """Mean actual and predicted holdout purchases by calibration frequency.

    Drawn by :func:`pyclv.plotting.plot_calibration_purchases_vs_holdout_purchases` on lifetimes' table.

    Parameters
    ----------
    model : LifetimesFitter
        A transaction fitter of :mod:`pyclv.compat.lifetimes` fitted on the calibration columns.
    calibration_holdout_matrix : pandas.DataFrame
        The table of :func:`pyclv.compat.lifetimes.utils.calibration_and_holdout_data` (``frequency_cal``,
        ``recency_cal``, ``T_cal``, ``frequency_holdout``, ``duration_holdout``).
    kind : {"frequency_cal"}, default "frequency_cal"
        The grouping: pyclv draws the calibration frequency only.
    n : int, default 7
        Groups 0, 1, ..., ``n - 1``, then the group of ``n`` or more.
    **kwargs
        ``ax``, the Axes to draw on.

    Returns
    -------
    matplotlib.axes.Axes
        The lines ``"Actual"`` and ``"Model (conditional)"`` at x = 0, 1, ..., ``n``.

    Raises
    ------
    DataValidationError
        For another ``kind``, or if a column is missing.

    Notes
    -----
    lifetimes drew the first ``n`` calibration frequencies that occur, pyclv the frequencies 0 to ``n - 1``
    (a gap where none occurs) and a last group of ``n`` or more. The means of the groups both draw are the
    same (to 1e-6 on CDNOW). lifetimes predicted every customer over the first row's holdout duration,
    pyclv over each customer's own.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from pyclv.compat.lifetimes import BetaGeoFitter
    >>> from pyclv.compat.lifetimes.plotting import plot_calibration_purchases_vs_holdout_purchases
    >>> from pyclv.compat.lifetimes.utils import calibration_and_holdout_data
    >>> from pyclv.datasets import load_cdnow_transactions
    >>> split = calibration_and_holdout_data(load_cdnow_transactions(), "customer_id", "date",
    ...     calibration_period_end="1997-09-30", observation_period_end="1998-06-30", freq="W")
    >>> bgf = BetaGeoFitter().fit(split["frequency_cal"], split["recency_cal"], split["T_cal"])
    >>> ax = plot_calibration_purchases_vs_holdout_purchases(bgf, split, ax=plt.figure().subplots())
    >>> [line.get_label() for line in ax.get_lines()]
    ['Actual', 'Model (conditional)']
    """
    name = "plot_calibration_purchases_vs_holdout_purchases"
    fitted = _fitted(model, name)
    options = _options(name, kwargs, ("ax",))
    if kind != "frequency_cal":
        raise DataValidationError(
            f"kind={kind!r}: pyclv groups the customers by their calibration frequency only (kind='frequency_cal'). "
            "For another grouping, compute the means from model.predict(...) and the holdout columns.",
            column="kind",
        )
    if not isinstance(calibration_holdout_matrix, pd.DataFrame):
        raise DataValidationError(
            "calibration_holdout_matrix must be the DataFrame of calibration_and_holdout_data; got "
            f"{type(calibration_holdout_matrix).__name__}.",
            column="calibration_holdout_matrix",
        )
    missing = [c for c in _SPLIT_COLUMNS if c not in calibration_holdout_matrix.columns]
    if missing:
        raise DataValidationError(
            f"calibration_holdout_matrix has no column {missing[0]!r}: build it with calibration_and_holdout_data.",
            column=missing[0],
        )
    split = calibration_holdout_matrix[list(_SPLIT_COLUMNS)].rename(columns=_SPLIT_COLUMNS)
    return plotting.plot_calibration_purchases_vs_holdout_purchases(
        fitted, split, max_frequency=_whole(n, "n", 1), ax=options.get("ax")
    )


# ---------------------------------------------------------------------------------------------------------
# What the model says about a history
# ---------------------------------------------------------------------------------------------------------


def _matrix_grid(model: LifetimesFitter, name: str, max_frequency: Any, max_recency: Any) -> tuple[int, int]:
    """The grid of lifetimes: frequencies to the largest fitted one, recencies (and the age) to the largest ``T``."""
    if not max_frequency or not max_recency:  # lifetimes' "or": 0 and None take the data's
        data = _fitted_data(model, name)
        max_frequency = max_frequency or int(data["frequency"].max())
        max_recency = max_recency or int(data["T"].max())
    return _whole(max_frequency, "max_frequency", 1), _whole(max_recency, "max_recency", 1)


def plot_frequency_recency_matrix(
    model: LifetimesFitter,
    T: float = 1,
    max_frequency: int | None = None,
    max_recency: int | None = None,
    title: str | None = None,
    xlabel: str | None = None,
    ylabel: str | None = None,
    **kwargs: Any,
) -> Axes:
    """Heat map of the expected purchases in the next ``T`` time units by frequency and recency.

    Drawn by :func:`pyclv.plotting.plot_frequency_recency_matrix`.

    Parameters
    ----------
    model : LifetimesFitter
        A fitted transaction fitter of :mod:`pyclv.compat.lifetimes`.
    T : float, default 1
        The horizon of the forecast (lifetimes' name; pyclv's ``t``).
    max_frequency : int, optional
        The largest frequency drawn; the largest fitted one by default.
    max_recency : int, optional
        The largest recency drawn, and the customers' age; the largest fitted ``T`` (rounded down) by default.
    title, xlabel, ylabel : str, optional
        Replace pyclv's.
    **kwargs
        ``cmap`` (the colour map) and ``ax`` (the Axes to draw on).

    Returns
    -------
    matplotlib.axes.Axes
        The heat map is ``ax.collections[0]``; its array has one row per frequency and one column per recency.

    Notes
    -----
    The cells are lifetimes' (whole frequencies and recencies, customers aged ``max_recency``) and hold the
    same values (to 1e-9 on CDNOW), but the picture is turned: lifetimes drew recency down the rows of an
    image (``imshow``) with frequency across, pyclv draws recency across and frequency up. Cells of frequency
    0 and recency above 0 cannot occur (without a repeat purchase the recency is 0): lifetimes coloured them,
    pyclv leaves them blank.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from pyclv.compat.lifetimes import BetaGeoFitter
    >>> from pyclv.compat.lifetimes.plotting import plot_frequency_recency_matrix
    >>> from pyclv.datasets import load_cdnow_summary
    >>> data = load_cdnow_summary()
    >>> bgf = BetaGeoFitter().fit(data["frequency"], data["recency"], data["T"])
    >>> ax = plot_frequency_recency_matrix(bgf, T=4, ax=plt.figure().subplots())
    >>> ax.collections[0].get_array().shape  # frequencies 0-29 by recencies 0-38
    (30, 39)
    """
    name = "plot_frequency_recency_matrix"
    fitted = _fitted(model, name)
    options = _options(name, kwargs, ("ax", "cmap"))
    frequencies, age = _matrix_grid(model, name, max_frequency, max_recency)
    ax = plotting.plot_frequency_recency_matrix(
        fitted, T=age, max_frequency=frequencies, max_recency=age, t=float(T), **options
    )
    return _relabel(ax, title, xlabel, ylabel)


def plot_probability_alive_matrix(
    model: LifetimesFitter,
    max_frequency: int | None = None,
    max_recency: int | None = None,
    title: str | None = None,
    xlabel: str | None = None,
    ylabel: str | None = None,
    **kwargs: Any,
) -> Axes:
    """Heat map of the probability that a customer is alive, by frequency and recency.

    Drawn by :func:`pyclv.plotting.plot_probability_alive_matrix`.

    Parameters
    ----------
    model : LifetimesFitter
        A fitted transaction fitter of :mod:`pyclv.compat.lifetimes`.
    max_frequency, max_recency : int, optional
        As in :func:`plot_frequency_recency_matrix`.
    title, xlabel, ylabel : str, optional
        Replace pyclv's.
    **kwargs
        ``cmap`` and ``ax``.

    Returns
    -------
    matplotlib.axes.Axes
        The heat map is ``ax.collections[0]`` (rows: frequencies, columns: recencies), on a fixed 0-1 scale.

    Notes
    -----
    The cells and values are lifetimes', turned as in :func:`plot_frequency_recency_matrix`.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from pyclv.compat.lifetimes import BetaGeoFitter
    >>> from pyclv.compat.lifetimes.plotting import plot_probability_alive_matrix
    >>> from pyclv.datasets import load_cdnow_summary
    >>> data = load_cdnow_summary()
    >>> bgf = BetaGeoFitter().fit(data["frequency"], data["recency"], data["T"])
    >>> ax = plot_probability_alive_matrix(bgf, ax=plt.figure().subplots())
    >>> float(ax.collections[0].get_array()[0, 0])  # no repeat purchase: alive for sure under the BG/NBD
    1.0
    """
    name = "plot_probability_alive_matrix"
    fitted = _fitted(model, name)
    options = _options(name, kwargs, ("ax", "cmap"))
    frequencies, age = _matrix_grid(model, name, max_frequency, max_recency)
    ax = plotting.plot_probability_alive_matrix(fitted, T=age, max_frequency=frequencies, max_recency=age, **options)
    return _relabel(ax, title, xlabel, ylabel)


def plot_expected_repeat_purchases(
    model: LifetimesFitter,
    title: str = "Expected Number of Repeat Purchases per Customer",
    xlabel: str = "Time Since First Purchase",
    ax: Axes | None = None,
    label: str | None = None,
    **kwargs: Any,
) -> Axes:
    """A new customer's expected repeat purchases against its age, to 1.5 times the longest fitted ``T``.

    pyclv has no such figure, so this one is drawn here, as lifetimes drew it: one colour, solid up to the
    longest ``T`` the fitter was fitted on, dashed beyond (100 points each).

    Parameters
    ----------
    model : LifetimesFitter
        A fitted transaction fitter of :mod:`pyclv.compat.lifetimes`.
    title, xlabel : str
        The title and x label.
    ax : matplotlib.axes.Axes, optional
        The Axes to draw on; pyplot's current Axes by default.
    label : str, optional
        The solid line's label.
    **kwargs
        Line properties for :meth:`matplotlib.axes.Axes.plot` (e.g. ``color``, ``linewidth``).

    Returns
    -------
    matplotlib.axes.Axes
        The solid line then the dashed one.

    Notes
    -----
    The values are :meth:`pyclv.models.TransactionModel.expected_purchases_new_customer`. lifetimes' version
    fails on matplotlib 3.8 and later (it reads a colour cycle matplotlib removed).

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from pyclv.compat.lifetimes import BetaGeoFitter
    >>> from pyclv.compat.lifetimes.plotting import plot_expected_repeat_purchases
    >>> from pyclv.datasets import load_cdnow_summary
    >>> data = load_cdnow_summary()
    >>> bgf = BetaGeoFitter().fit(data["frequency"], data["recency"], data["T"])
    >>> ax = plot_expected_repeat_purchases(bgf, ax=plt.figure().subplots())
    >>> round(float(ax.get_lines()[0].get_ydata()[-1]), 3)  # in the first 38.86 weeks
    1.192
    """
    name = "plot_expected_repeat_purchases"
    fitted = _fitted(model, name)
    longest = float(_fitted_data(model, name)["T"].max())
    if ax is None:  # pyplot's current Axes, as lifetimes draws
        import matplotlib.pyplot as plt

        ax = plt.gca()
    style = dict(kwargs)
    colour = style.pop("c", None) or style.pop("color", None)
    for times, line, tag in (
        (np.linspace(0.0, longest, 100), "-", label),
        (np.linspace(longest, 1.5 * longest, 100), "--", None),
    ):
        values = np.asarray(fitted.expected_purchases_new_customer(times), dtype=float)
        (drawn,) = ax.plot(times, values, color=colour, linestyle=line, label=tag, **style)
        colour = drawn.get_color()  # the dashed line continues the solid one in its colour
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    if label is not None:
        ax.legend(loc="lower right")
    return ax


def plot_history_alive(
    model: LifetimesFitter,
    t: int,
    transactions: pd.DataFrame,
    datetime_col: str,
    freq: str = "D",
    start_date: Any = None,
    ax: Axes | None = None,
    **kwargs: Any,
) -> Axes:
    """One customer's probability of being alive over time, with its purchases marked.

    Drawn by :func:`pyclv.plotting.plot_history_alive` on the customer's transactions.

    Parameters
    ----------
    model : LifetimesFitter
        A fitted transaction fitter of :mod:`pyclv.compat.lifetimes`, fitted in units of ``freq``.
    t : int
        The number of periods drawn after the first purchase.
    transactions : pandas.DataFrame
        The transactions of one customer.
    datetime_col : str
        The column of their dates.
    freq : {"D", "W"}, default "D"
        The fitter's time unit: days or weeks.
    start_date : date-like, optional
        The left end of the x axis; the first purchase by default.
    ax : matplotlib.axes.Axes, optional
        The Axes to draw on.
    **kwargs
        Refused (lifetimes passed none of them on).

    Returns
    -------
    matplotlib.axes.Axes
        The line ``"P(alive)"``, one point per day from the first purchase to ``t`` periods after it, and the
        markers ``"Purchases"`` at the purchase days.

    Notes
    -----
    pyclv evaluates P(alive) every day, in the fitter's unit (a customer's age on day d is (d - b) / 7 weeks
    with ``freq="W"``); lifetimes evaluated it once per period, with the purchases counted in calendar periods,
    so with ``freq="D"`` the two lines agree at every day (to 1e-9 on CDNOW) and with ``freq="W"`` pyclv's is
    finer. lifetimes' version fails on pandas 3 (it sums dates and calls ``fillna(method=...)``).

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from pyclv.compat.lifetimes import BetaGeoFitter
    >>> from pyclv.compat.lifetimes.plotting import plot_history_alive
    >>> from pyclv.compat.lifetimes.utils import summary_data_from_transaction_data
    >>> from pyclv.datasets import load_cdnow_transactions
    >>> tx = load_cdnow_transactions()
    >>> data = summary_data_from_transaction_data(tx[tx["date"] <= "1997-09-30"], "customer_id", "date")
    >>> bgf = BetaGeoFitter().fit(data["frequency"], data["recency"], data["T"])
    >>> ax = plot_history_alive(bgf, 272, tx[tx["customer_id"] == 1], "date", ax=plt.figure().subplots())
    >>> len(ax.get_lines()[0].get_ydata())  # the first day and 272 more
    273
    """
    name = "plot_history_alive"
    fitted = _fitted(model, name)
    _options(name, kwargs)
    days = _period_days(freq)
    log = _dated(transactions, datetime_col, None)
    first = pd.Timestamp(log[datetime_col].min()).normalize()
    end = first + pd.Timedelta(days=days * _whole(t, "t", 1))
    customer = "_customer"
    while customer in log.columns:
        customer += "_"
    ax = plotting.plot_history_alive(
        fitted,
        log.assign(**{customer: 0}),
        0,
        observation_period_end=end,
        customer_id_col=customer,
        datetime_col=datetime_col,
        time_unit=freq,
        ax=ax,
    )
    ax.set_title("History of P(alive)")
    if start_date is not None:
        ax.set_xlim(left=pd.Timestamp(start_date))  # type: ignore[arg-type]
    return ax


# ---------------------------------------------------------------------------------------------------------
# Tracking
# ---------------------------------------------------------------------------------------------------------


def _tracking_arguments(
    name: str,
    model: LifetimesFitter,
    transactions: pd.DataFrame,
    datetime_col: str,
    customer_id_col: str,
    t: Any,
    t_cal: Any,
    datetime_format: str | None,
    freq: str,
    kwargs: dict[str, Any],
) -> dict[str, Any]:
    """The arguments of pyclv's tracking for lifetimes' (periods counted from the first period of the log)."""
    fitted = _fitted(model, name)
    _options(name, kwargs)
    days = _period_days(freq)
    periods, calibration = _whole(t, "t", 2), _whole(t_cal, "t_cal", 1)
    if calibration >= periods:
        raise DataValidationError(
            f"t_cal ({t_cal!r}) must be below t ({t!r}): the calibration is the first t_cal of the t periods drawn.",
            column="t_cal",
        )
    log = _dated(transactions, datetime_col, datetime_format)
    start = _first_day(log[datetime_col], freq)
    end = start + pd.Timedelta(days=days * periods - 1)
    return {
        "model": fitted,
        "transactions": log[log[datetime_col] < end + pd.Timedelta(days=1)],  # lifetimes drops later ones quietly
        "calibration_period_end": start + pd.Timedelta(days=days * calibration - 1),
        "observation_period_end": end,
        "customer_id_col": customer_id_col,
        "datetime_col": datetime_col,
        "time_unit": freq,
        "period": freq,
    }


def plot_cumulative_transactions(
    model: LifetimesFitter,
    transactions: pd.DataFrame,
    datetime_col: str,
    customer_id_col: str,
    t: int,
    t_cal: int,
    datetime_format: str | None = None,
    freq: str = "D",
    set_index_date: bool = False,
    title: str | None = None,
    xlabel: str | None = None,
    ylabel: str | None = None,
    ax: Axes | None = None,
    **kwargs: Any,
) -> Axes:
    """Tracking plot of cumulative repeat transactions, actual and expected, over ``t`` periods.

    Drawn by :func:`pyclv.plotting.plot_cumulative_transactions` (the table of :func:`pyclv.tracking`).

    Parameters
    ----------
    model : LifetimesFitter
        A transaction fitter of :mod:`pyclv.compat.lifetimes` fitted in units of ``freq``.
    transactions : pandas.DataFrame
        The transaction log.
    datetime_col, customer_id_col : str
        Its columns of dates and customer ids.
    t : int
        The number of periods drawn, from the first period of the log.
    t_cal : int
        The number of calibration periods: the calibration ends on the last day of period ``t_cal``.
    datetime_format : str, optional
        A ``strptime`` format of the dates.
    freq : {"D", "W"}, default "D"
        The period and the fitter's time unit: days, or calendar weeks (Monday to Sunday) as lifetimes counts
        them.
    set_index_date : bool, default False
        Accepted for compatibility: pyclv's x axis is always the periods' last days.
    title, xlabel, ylabel : str, optional
        Replace pyclv's.
    ax : matplotlib.axes.Axes, optional
        The Axes to draw on.
    **kwargs
        Refused (lifetimes handed them to pandas' plot).

    Returns
    -------
    matplotlib.axes.Axes
        The lines ``"Actual"`` and ``"Model (unconditional)"``, one point per period, and the calibration end.

    Notes
    -----
    The actual line is lifetimes' (equal on CDNOW). The model's differs by convention: pyclv evaluates each
    customer's expected repeat purchases at the start of each period's last day, lifetimes at its end (one
    period later in the customer's age, a day with ``freq="D"``), so pyclv's line is a little lower: 0.6 to
    0.8 % at weeks 20-25 of CDNOW, 0.1 % at the end of its 78 weeks. With ``freq="W"`` lifetimes also counted
    at most one purchase per customer and calendar week (335 fewer repeat purchases than pyclv's 4,339 by week
    78 of CDNOW) and aged customers in whole weeks from the week of their first purchase (its expectation is
    2 to 3 % above pyclv's at weeks 20-25). pyclv follows the calibration cohort only (customers whose
    first purchase is in the first ``t_cal`` periods; it warns when others are left out), lifetimes every
    customer born before ``t``; and pyclv's x axis holds dates, not period numbers.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from pyclv.compat.lifetimes import BetaGeoFitter
    >>> from pyclv.compat.lifetimes.plotting import plot_cumulative_transactions
    >>> from pyclv.compat.lifetimes.utils import summary_data_from_transaction_data
    >>> from pyclv.datasets import load_cdnow_transactions
    >>> tx = load_cdnow_transactions()
    >>> data = summary_data_from_transaction_data(tx[tx["date"] <= "1997-09-30"], "customer_id", "date")
    >>> bgf = BetaGeoFitter().fit(data["frequency"], data["recency"], data["T"])
    >>> ax = plot_cumulative_transactions(bgf, tx, "date", "customer_id", 546, 273, ax=plt.figure().subplots())
    >>> int(ax.get_lines()[0].get_ydata()[-1])  # repeat transactions in 546 days
    4339
    """
    arguments = _tracking_arguments("plot_cumulative_transactions", model, transactions, datetime_col,
                                    customer_id_col, t, t_cal, datetime_format, freq, kwargs)
    ax = plotting.plot_cumulative_transactions(arguments.pop("model"), arguments.pop("transactions"), ax=ax,
                                               **arguments)
    return _relabel(ax, title, xlabel, ylabel)


def plot_incremental_transactions(
    model: LifetimesFitter,
    transactions: pd.DataFrame,
    datetime_col: str,
    customer_id_col: str,
    t: int,
    t_cal: int,
    datetime_format: str | None = None,
    freq: str = "D",
    set_index_date: bool = False,
    title: str | None = None,
    xlabel: str | None = None,
    ylabel: str | None = None,
    ax: Axes | None = None,
    **kwargs: Any,
) -> Axes:
    """Tracking plot of repeat transactions per period, actual and expected, over ``t`` periods.

    Drawn by :func:`pyclv.plotting.plot_incremental_transactions`.

    Parameters
    ----------
    model, transactions, datetime_col, customer_id_col, t, t_cal, datetime_format, freq, set_index_date
        As in :func:`plot_cumulative_transactions`.
    title, xlabel, ylabel : str, optional
        Replace pyclv's.
    ax : matplotlib.axes.Axes, optional
        The Axes to draw on.
    **kwargs
        Refused.

    Returns
    -------
    matplotlib.axes.Axes
        The lines ``"Actual"`` and ``"Model (unconditional)"``, one point per period.

    Notes
    -----
    As in :func:`plot_cumulative_transactions`: with ``freq="D"`` pyclv's expected transactions on day k are
    lifetimes' on day k - 1 (to 1e-9 on CDNOW). Besides, pyclv leaves out (a gap, shaded grey) a period cut
    short, such as the first calendar week with ``freq="W"`` when the log starts after a Monday, and draws
    the first period's transactions where lifetimes drew NaN (it differenced its cumulative line).

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from pyclv.compat.lifetimes import BetaGeoFitter
    >>> from pyclv.compat.lifetimes.plotting import plot_incremental_transactions
    >>> from pyclv.compat.lifetimes.utils import summary_data_from_transaction_data
    >>> from pyclv.datasets import load_cdnow_transactions
    >>> tx = load_cdnow_transactions()
    >>> data = summary_data_from_transaction_data(tx[tx["date"] <= "1997-09-30"], "customer_id", "date")
    >>> bgf = BetaGeoFitter().fit(data["frequency"], data["recency"], data["T"])
    >>> ax = plot_incremental_transactions(bgf, tx, "date", "customer_id", 546, 273, ax=plt.figure().subplots())
    >>> len(ax.get_lines()[0].get_ydata())
    546
    """
    arguments = _tracking_arguments("plot_incremental_transactions", model, transactions, datetime_col,
                                    customer_id_col, t, t_cal, datetime_format, freq, kwargs)
    ax = plotting.plot_incremental_transactions(arguments.pop("model"), arguments.pop("transactions"), ax=ax,
                                                **arguments)
    return _relabel(ax, title, xlabel, ylabel)

