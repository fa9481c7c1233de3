r"""Tracking a forecast over calendar time: expected beside actual repeat transactions per period.

:func:`tracking` follows the calibration cohort through the calibration and holdout periods, as in the
tracking plots of Fader, Hardie and Lee (2005) (drawn by :func:`pyclv.plotting.plot_cumulative_transactions`
and :func:`pyclv.plotting.plot_incremental_transactions`).

References
----------
Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005). "Counting your customers" the easy way: an alternative
to the Pareto/NBD model. Marketing Science, 24(2), 275-284.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from pyclv import _summaries
from pyclv import _validation as v
from pyclv._time import DAYS_PER_UNIT
from pyclv._validation import DateLike, LogColumns, day_str
from pyclv.engines.pandas import run_starts
from pyclv.evaluation._checks import _model_time_unit
from pyclv.models import TransactionModel, check_models

__all__ = ["tracking"]

def _tracking_period(period: str) -> float | pd.offsets.BaseOffset:
    """A tracking period: a length in days (counted from the cohort's first day) or a calendar offset."""
    if period in DAYS_PER_UNIT:
        return DAYS_PER_UNIT[period]
    try:
        offset = pd.tseries.frequencies.to_offset(period)
    except (TypeError, ValueError) as error:
        raise ValueError(
            f"period must be a time unit ('D', 'W', 'M', 'Y'), a whole number of days ('14D') or a pandas calendar "
            f"frequency ('W-SUN', 'MS', 'QS'); got {period!r}."
        ) from error
    if isinstance(offset, pd.offsets.Day):
        days = float(offset.n)
    elif isinstance(offset, pd.offsets.Tick):
        days = offset.nanos / 86_400e9
    else:
        return offset  # calendar periods (weeks ending on a given weekday, months, quarters, ...)
    if days < 1 or days != math.floor(days):
        raise ValueError(f"period must be a whole number of days or a calendar period (e.g. 'MS'); got {period!r}.")
    return days


def _period_ends(first_day: int, last_day: int, period: float | pd.offsets.BaseOffset) -> np.ndarray:
    """Last days (day numbers) of the periods that cover first_day..last_day, the last one possibly cut short."""
    if isinstance(period, float):
        n_full = math.floor((last_day - first_day + 1) / period)
        ends = first_day - 1 + np.floor(np.arange(1, n_full + 1) * period).astype(np.int64)
    else:  # the last day of each bin, as pandas resamples the days
        days = np.arange(first_day, last_day + 1)
        binned = pd.Series(days, index=pd.DatetimeIndex(days.astype("datetime64[D]"))).resample(period).max()
        ends = binned.dropna().to_numpy(dtype=np.int64)
    return np.r_[ends[ends < last_day], last_day]


def tracking(
    transaction_model: TransactionModel,
    transactions: pd.DataFrame,
    *,
    customer_id_col: str = "customer_id",
    datetime_col: str = "date",
    calibration_period_end: DateLike,
    observation_period_end: DateLike | None = None,
    time_unit: str | None = None,
    period: str = "W",
) -> pd.DataFrame:
    r"""Expected and actual repeat transactions of the calibration cohort per calendar period.

    The cohort is every customer whose first purchase is on or before ``calibration_period_end``; customer
    i is "born" on its first purchase day :math:`b_i` and followed to ``observation_period_end``, through
    the calibration and holdout periods. By the end :math:`e` of a period (a day, inclusive) the cohort has
    made

    .. math:: \text{actual}(e) = \#\{\text{repeat purchase days} \le e\}, \qquad
              \text{expected}(e) = \sum_{i: b_i \le e} E[X(e - b_i)],

    with :math:`E[X(t)]` the model's ``expected_purchases_new_customer`` (repeat purchases of a new
    customer in its first t time units; FHL 2005, eq. 9). This is the tracking comparison of Fader, Hardie
    and Lee (2005, Figures 1 and 3), drawn by :func:`pyclv.plotting.plot_cumulative_transactions` and
    :func:`pyclv.plotting.plot_incremental_transactions`: a good model follows the cumulative curve through
    the calibration period and keeps following it in the holdout, which it has not seen.

    Parameters
    ----------
    transaction_model : TransactionModel
        A fitted transaction model.
    transactions : pandas.DataFrame
        The transaction log (validated as in :func:`pyclv.rfm_summary`; purchases on one day are one
        transaction).
    customer_id_col, datetime_col : str
        Its columns.
    calibration_period_end : date-like
        Last day of the calibration period (inclusive).
    observation_period_end : date-like, optional
        Last day followed (inclusive); the last transaction's date by default. Later transactions are
        excluded with a warning.
    time_unit : {"D", "W", "M", "Y"}, optional
        The model's time unit (ages are measured in it); by default the one the model records
        (``time_unit_``). A different unit is an error: pyclv never rescales time.
    period : str, default "W"
        Length of a tracking period. A time unit ``"D"``, ``"W"``, ``"M"``, ``"Y"`` (1, 7, 365.25/12 and
        365.25 days) or a whole number of days such as ``"14D"`` counts periods from the cohort's first
        purchase day :math:`b_{min}`: period j ends on day :math:`b_{min} + \lfloor j L \rfloor - 1` (L the
        period length in days; week 1 is the first seven days, as in the paper). Calendar frequencies of
        pandas (``"W-SUN"``, ``"MS"``, ``"QS"``, ...) follow :meth:`pandas.DataFrame.resample`. The
        calibration and observation ends are always period ends, so a period may be cut short there.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``period_end`` (the last day of each period, a Timestamp), with float columns ``actual``
        and ``expected`` (repeat transactions in the period), ``actual_cumulative`` and
        ``expected_cumulative`` (since the cohort's first purchase), and ``holdout`` (True for periods after
        the calibration end). ``attrs`` records ``calibration_period_end`` (a Timestamp) and ``time_unit``.

    Raises
    ------
    DataValidationError
        As :func:`pyclv.rfm_summary`; also if ``calibration_period_end`` is before the first transaction or
        not before the observation end, or if ``time_unit`` differs from the model's.
    TypeError
        If ``transaction_model`` is not a pyclv transaction model.
    ValueError
        If ``time_unit`` is not supported or not given for a model that does not record it, or ``period``
        is neither a time unit, a whole number of days nor a calendar frequency.

    Warns
    -----
    PyCLVWarning
        If transactions fall after ``observation_period_end``, or customers make their first purchase after
        ``calibration_period_end`` (they are not in the cohort and are left out).

    Notes
    -----
    With :math:`n_b` customers born on day b, the expected cumulative repeat transactions are the
    convolution :math:`\sum_{b \le e} n_b \, E[X(e - b)]`, computed on the daily grid (memory proportional
    to the number of days, not customers); a discrete-time model counts only completed periods. At the
    calibration end the cumulative values equal the total calibration frequency of
    :func:`pyclv.rfm_summary` (actual) and :math:`\sum_i E[X(T_i)]` (expected).

    References
    ----------
    Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005). "Counting your customers" the easy way: an
    alternative to the Pareto/NBD model. Marketing Science, 24(2), 275-284.

    Examples
    --------
    >>> import pyclv
    >>> tx = pyclv.datasets.load_cdnow_transactions()
    >>> split = pyclv.calibration_holdout_split(tx, calibration_period_end="1997-09-30",
    ...                                         observation_period_end="1998-06-30", time_unit="W")
    >>> table = tracking(pyclv.BetaGeo().fit(split), tx, calibration_period_end="1997-09-30",
    ...                  observation_period_end="1998-06-30")
    >>> len(table), int(table["holdout"].sum()), int(table["actual_cumulative"].iloc[-1])
    (78, 39, 4339)
    >>> int(table.loc["1997-09-30", "actual_cumulative"])  # week 39: the calibration repeat transactions
    2457
    """
    check_models(transaction_model)
    unit = _model_time_unit(transaction_model, time_unit)
    length = _tracking_period(period)
    daily = _summaries.daily_log(transactions, LogColumns(customer_id_col, datetime_col), observation_period_end)
    starts = run_starts(daily.customer)
    births = daily.day[starts]
    first_day = int(births.min())
    calibration_end = v.calibration_end(calibration_period_end, first_day, daily.end_day)
    in_cohort = births <= calibration_end
    if not in_cohort.all():
        v.warn_new_in_holdout(int((~in_cohort).sum()), calibration_end)
    is_repeat = np.ones(daily.day.size, dtype=bool)
    is_repeat[starts] = False
    counts = np.diff(np.r_[starts, daily.customer.size])
    repeat_days = np.sort(daily.day[np.repeat(in_cohort, counts) & is_repeat])

    ends = np.unique(np.r_[_period_ends(first_day, daily.end_day, length), calibration_end])
    n_days = daily.end_day - first_day + 1
    born = np.bincount(births[in_cohort] - first_day, minlength=n_days).astype(float)
    ages = np.arange(n_days) / DAYS_PER_UNIT[unit]
    if transaction_model.discrete:
        ages = np.floor(ages)  # a discrete opportunity counts once it is complete
    per_new_customer = np.asarray(transaction_model.expected_purchases_new_customer(ages), dtype=float)
    expected_cum = np.convolve(born, per_new_customer)[:n_days][ends - first_day]
    actual_cum = np.searchsorted(repeat_days, ends, side="right").astype(float)

    table = pd.DataFrame(
        {
            "actual": np.diff(actual_cum, prepend=0.0),
            "expected": np.diff(expected_cum, prepend=0.0),
            "actual_cumulative": actual_cum,
            "expected_cumulative": expected_cum,
            "holdout": ends > calibration_end,
        },
        index=pd.DatetimeIndex(ends.astype("datetime64[D]"), name="period_end"),
    )
    table.attrs["calibration_period_end"] = pd.Timestamp(day_str(calibration_end))
    table.attrs["time_unit"] = unit
    return table
