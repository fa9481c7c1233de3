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
from typing import Literal, cast

import numpy as np
import pandas as pd

from pyclv import _summaries
from pyclv import _validation as v
from pyclv._time import DAYS_PER_UNIT
from pyclv._validation import DateLike, LogColumns, day_str
from pyclv.engines.pandas import run_starts
from pyclv.evaluation._checks import _model_time_unit
from pyclv.evaluation.profiles import attach_covariates, covariate_columns, profile_groups
from pyclv.exceptions import DataValidationError
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


def _natural_ends(
    first_day: int, last_day: int, anchor_day: int, period: float | pd.offsets.BaseOffset
) -> np.ndarray:
    """Last days (day numbers) of whole periods, sorted, from before first_day to after last_day.

    Periods of a fixed length end on ``anchor_day`` and every whole multiple of the length before and after it;
    calendar periods end where :meth:`pandas.Series.resample` closes its bins.
    """
    if isinstance(period, float):
        steps = np.arange(
            math.floor((first_day - anchor_day) / period) - 1, math.ceil((last_day - anchor_day) / period) + 2
        )
        return anchor_day + np.floor(steps * period).astype(np.int64)
    start = pd.Timestamp(day_str(first_day))
    margin = (start + 2 * period - start).days + 1  # two steps of the offset span at least one whole bin
    days = np.arange(first_day - margin, last_day + margin + 1)
    binned = pd.Series(days, index=pd.DatetimeIndex(days.astype("datetime64[D]"))).resample(period).max()
    return binned.dropna().to_numpy(dtype=np.int64)[:-1]  # the last bin is cut short by the margin


def _periods(
    first_day: int, last_day: int, calibration_end: int, period: float | pd.offsets.BaseOffset
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The tracking periods' last days, their lengths in days and whether each is shorter than a whole period.

    The calibration end and the last day always end a period; the periods they cut short, like a calendar
    period the first day falls inside, are partial.
    """
    natural = _natural_ends(first_day, last_day, calibration_end, period)
    inside = natural[(natural >= first_day) & (natural < last_day)]
    ends = np.unique(np.r_[inside, calibration_end, last_day])
    days = np.diff(ends, prepend=first_day - 1)
    whole = np.searchsorted(natural, ends)  # the whole period each one lies in
    return ends, days, days < natural[whole] - natural[whole - 1]


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
    evaluate_at: Literal["start", "end"] = "start",
    covariates: pd.DataFrame | None = None,
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

    The expectation is *unconditional*: it uses each customer's first purchase day and nothing of its later
    history, so it can differ from the holdout forecasts of :func:`pyclv.evaluate`, which are conditional on
    each customer's calibration purchases (:math:`E[Y(t) \mid x, t_x, T]`). Both cover the same customers,
    the calibration cohort; customers acquired after the calibration end are in neither.

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
        365.25 days) or a whole number of days such as ``"14D"`` counts periods back and forth from the
        calibration end :math:`\tau`: the periods end on days :math:`\tau + \lfloor j L \rfloor` (L the
        period length in days, j any whole number), so the periods on either side of the cut are whole and
        only the first and the last can be partial. When the calibration period is a whole number of
        periods, week 1 is the cohort's first seven days, as in the paper. Calendar frequencies of pandas
        (``"W-SUN"``, ``"MS"``, ``"QS"``, ...) follow :meth:`pandas.DataFrame.resample`; the calibration end
        then cuts its calendar period in two.
    evaluate_at : {"start", "end"}, default "start"
        When, on a period's last day :math:`e`, the expectation is taken. ``"start"`` (pyclv's convention):
        at the start of the day, a customer born on day :math:`b` being :math:`e - b` days old; this is the
        clock of :func:`pyclv.rfm_summary`, whose ``T`` counts the days from the first purchase day to the
        calibration end day, so at the calibration end the expected curve is :math:`\sum_i E[X(T_i)]` at
        the very :math:`T_i` the model was fitted on. ``"end"``: at the end of the day, :math:`e - b + 1`
        days old, the convention of BTYD (``pnbd.PlotTrackingCum``, ``bgnbd.PlotTrackingCum``) and lifetimes
        (``expected_cumulative_transactions``): choose it to compare with their numbers. The actual counts
        are the same either way. The curves differ by one day of expected purchases per customer: on CDNOW
        (weekly periods, BG/NBD or Pareto/NBD) the ``"start"`` curve is 27 % lower at week 1, when the
        cohort is days old, 0.6 to 0.85 % lower at weeks 20-25, 0.3 % at week 39 and 0.12 % at week 78.
    covariates : pandas.DataFrame, optional
        For a model with covariates: a table indexed by customer id with its covariate columns, a row for every
        customer of the cohort (e.g. the calibration summary the model was fitted on). Each customer's
        :math:`E[X(t)]` is then that of its own profile (``model.for_covariates(...)``).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``period_end`` (the last day of each period, a Timestamp), with float columns ``actual``
        and ``expected`` (repeat transactions in the period), ``actual_cumulative`` and
        ``expected_cumulative`` (since the cohort's first purchase), ``holdout`` (True for periods after
        the calibration end), ``days`` (the period's length in days) and ``partial`` (True for a period cut
        short by the start or the end of the data or by the calibration end: its counts cover fewer days than
        the others' and are not comparable with them). ``attrs`` records ``calibration_period_end`` (a
        Timestamp), ``time_unit``, ``period``, ``evaluate_at`` and ``n_customers`` (the size of the
        calibration cohort).

    Raises
    ------
    DataValidationError
        As :func:`pyclv.rfm_summary`; also if ``calibration_period_end`` is before the first transaction or
        not before the observation end, if ``time_unit`` differs from the model's, if ``evaluate_at`` is
        neither ``"start"`` nor ``"end"``, or, for a model with covariates, if ``covariates`` is missing or lacks
        a customer of the cohort.
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
    to the number of days, not customers); a discrete-time model counts only completed periods. With
    covariates it is the sum of one such convolution per covariate profile. At the
    calibration end the cumulative values equal the total calibration frequency of
    :func:`pyclv.rfm_summary` (actual) and, with ``evaluate_at="start"``, :math:`\sum_i E[X(T_i)]`
    (expected); with ``"end"`` each :math:`T_i` is one day longer.

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
    >>> int(table["partial"].sum()), table.attrs["n_customers"]  # 78 whole weeks of the 2,357 customers
    (0, 2357)
    """
    check_models(transaction_model)
    if evaluate_at not in ("start", "end"):
        raise DataValidationError(
            f"evaluate_at must be 'start' (pyclv's clock, that of rfm_summary's T) or 'end' (BTYD's and "
            f"lifetimes' tracking curves); got {evaluate_at!r}.",
            column="evaluate_at",
        )
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

    ends, days, partial = _periods(first_day, daily.end_day, calibration_end, length)
    n_days = daily.end_day - first_day + 1
    age_days = np.arange(n_days) + (1 if evaluate_at == "end" else 0)  # at day e, born on day b: e - b (+ 1)
    ages = age_days / DAYS_PER_UNIT[unit]
    if transaction_model.discrete:
        ages = np.floor(ages)  # a discrete opportunity counts once it is complete
    columns = covariate_columns(transaction_model)
    cohort = attach_covariates(pd.DataFrame(index=daily.customers[in_cohort]), covariates, columns, what="tracking")
    cohort_births = births[in_cohort] - first_day
    expected_daily = np.zeros(n_days)
    for group in profile_groups(cohort, transaction_model):  # one group of everybody without covariates
        born = np.bincount(cohort_births[group.rows], minlength=n_days).astype(float)
        plain = cast(TransactionModel, group.models[0])
        per_new_customer = np.asarray(plain.expected_purchases_new_customer(ages), dtype=float)
        expected_daily += np.convolve(born, per_new_customer)[:n_days]
    expected_cum = expected_daily[ends - first_day]
    actual_cum = np.searchsorted(repeat_days, ends, side="right").astype(float)

    table = pd.DataFrame(
        {
            "actual": np.diff(actual_cum, prepend=0.0),
            "expected": np.diff(expected_cum, prepend=0.0),
            "actual_cumulative": actual_cum,
            "expected_cumulative": expected_cum,
            "holdout": ends > calibration_end,
            "days": days,
            "partial": partial,
        },
        index=pd.DatetimeIndex(ends.astype("datetime64[D]"), name="period_end"),
    )
    table.attrs["calibration_period_end"] = pd.Timestamp(day_str(calibration_end))
    table.attrs["time_unit"] = unit
    table.attrs["period"] = period
    table.attrs["evaluate_at"] = evaluate_at
    table.attrs["n_customers"] = int(in_cohort.sum())
    return table
