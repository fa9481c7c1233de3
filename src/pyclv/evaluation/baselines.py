r"""The baselines a forecast is judged against: the spreadsheet formulas practitioners use.

:func:`historical_clv` is the historical-CLV formula (average order value x purchase frequency x expected
lifespan); :func:`baseline_forecasts` gives it and two simpler baselines ("the calibration period repeats
itself", "everybody buys at the cohort's mean rate") as holdout forecasts of repeat transactions and revenue.

References
----------
Schmittlein, D. C. and Peterson, R. A. (1994). Customer base analysis: an industrial purchase process
application. Marketing Science, 13(1), 41-67.
"""

from __future__ import annotations

import math
from typing import Literal, NamedTuple

import numpy as np
import pandas as pd

from pyclv.evaluation._checks import _summary_arrays

__all__ = ["BASELINES", "baseline_forecasts", "historical_clv"]

#: Probability that a customer still buying at the cohort's active purchase rate stays silent longer than the
#: default lapse threshold of :func:`historical_clv` (the threshold is ``-log(_LAPSE_TAIL) / rate``).
_LAPSE_TAIL = 0.05


#: The baselines of :func:`evaluate`, in the order of the report's columns.
BASELINES: tuple[str, ...] = ("historical_clv", "calibration_repeats", "population_mean")


class _Lifespan(NamedTuple):
    """The expected lifespan of the historical-CLV formula and how it was obtained."""

    lifespan: float
    churn_rate: float
    lapse: float
    n_lapsed: int


def _historical_lifespan(
    frequency: np.ndarray, recency: np.ndarray, T: np.ndarray, horizon: float, lapse: float | None
) -> _Lifespan:
    """Churn rate per time unit estimated from a calibration summary and the expected lifespan within H."""
    repeaters = frequency > 0
    if lapse is None:
        active_time = recency[repeaters].sum()
        rate = frequency[repeaters].sum() / active_time if active_time > 0 else 0.0
        lapse = -math.log(_LAPSE_TAIL) / rate if rate > 0 else math.inf
    lapse = float(lapse)
    if not lapse > 0:  # also refuses NaN
        raise ValueError(f"lapse must be a number > 0 (in the data's time unit) or None; got {lapse!r}.")
    n_lapsed = int(np.count_nonzero(T - recency > lapse))
    exposure = float(T.sum())
    churn = n_lapsed / exposure if exposure > 0 else 0.0
    if churn > 0 and math.isfinite(horizon):
        lifespan = -math.expm1(-churn * horizon) / churn
    elif churn > 0:
        lifespan = 1.0 / churn
    else:
        lifespan = horizon
    return _Lifespan(lifespan=lifespan, churn_rate=churn, lapse=lapse, n_lapsed=n_lapsed)


def historical_clv(
    data: pd.DataFrame,
    *,
    horizon: float,
    lifespan: float | Literal["estimate"] = "estimate",
    lapse: float | None = None,
) -> pd.Series:
    r"""The historical-CLV formula: average order value x purchase frequency x expected lifespan, per customer.

    .. math:: \mathrm{CLV}^{hist}_i = \bar z_i \times \frac{x_i}{T_i} \times L

    This is the spreadsheet baseline the probabilistic models are judged against. Its three parts:

    - **average order value** :math:`\bar z_i`: the customer's mean repeat-transaction amount
      (``monetary_value``; 0 without repeat transactions);
    - **purchase frequency** :math:`x_i / T_i`: the customer's repeat transactions per time unit of its
      observed age (0 when T = 0);
    - **expected lifespan** L: by default estimated from the calibration data, the same for every customer.
      A customer counts as *lapsed* when silent for longer than ``lapse`` (:math:`T_i - t_{x,i} > \ell`);
      the churn rate per time unit is the number of lapsed customers over the cohort's total observed time,
      :math:`\hat\mu = \#\{\text{lapsed}\} / \sum_i T_i`; with a constant churn rate the expected time alive
      within the horizon is

      .. math:: L = E[\min(\tau, H)] = \frac{1 - e^{-\hat\mu H}}{\hat\mu},

      which is "1 / churn rate, capped by the horizon" done exactly: it never exceeds
      :math:`\min(1/\hat\mu, H)`, tends to H when nobody lapses and to :math:`1/\hat\mu` for a long horizon.

    The formula ignores that customers differ in how long they stay and that few purchases are a noisy
    guide to the rate; that is what the models add.

    Parameters
    ----------
    data : pandas.DataFrame
        Calibration summary with ``frequency``, ``recency``, ``T`` and ``monetary_value`` (e.g. from
        :func:`pyclv.rfm_summary` with a value column).
    horizon : float
        H, in the data's time unit (``numpy.inf`` for an uncapped lifespan of :math:`1/\hat\mu`).
    lifespan : float or "estimate", default "estimate"
        The expected lifespan L in the data's time unit, capped by the horizon; ``lifespan=horizon`` gives
        the naive formula in which every customer keeps buying for the whole horizon.
    lapse : float, optional
        Silence (time since the last purchase, in the data's time unit) after which a customer counts as
        lapsed. By default :math:`\ell = \log(20) / \bar\lambda`, with :math:`\bar\lambda = \sum x_i / \sum
        t_{x,i}` over repeat customers their pooled purchase rate while active: a customer still buying at
        that rate stays silent that long with probability 5 %.

    Returns
    -------
    pandas.Series
        Named ``historical_clv``, aligned to ``data.index``; 0 for customers with T = 0. Its ``attrs`` record
        ``lifespan``, ``churn_rate`` (per time unit; NaN when the lifespan was given), ``lapse`` and
        ``n_lapsed``.

    Raises
    ------
    DataValidationError
        If a column is missing.
    ValueError
        If ``horizon``, ``lifespan`` or ``lapse`` is not a positive number.

    Examples
    --------
    >>> import pyclv
    >>> log = pyclv.datasets.load_cdnow_transactions()
    >>> summary = pyclv.rfm_summary(log[log["date"] <= "1997-09-30"], monetary_value_col="amount",
    ...                             observation_period_end="1997-09-30", time_unit="W")
    >>> hist = historical_clv(summary, horizon=39.0)
    >>> round(hist.attrs["lifespan"], 2), round(hist.attrs["lapse"], 2)  # weeks
    (25.75, 19.67)
    >>> bool((hist <= historical_clv(summary, horizon=39.0, lifespan=39.0)).all())
    True
    """
    horizon = float(horizon)
    if not horizon > 0:
        raise ValueError(f"horizon must be a number > 0 in the data's time unit; got {horizon!r}.")
    cols = _summary_arrays(data, "historical_clv", ("frequency", "recency", "T", "monetary_value"))
    x, t_x, T = cols["frequency"], cols["recency"], cols["T"]
    if isinstance(lifespan, str):
        if lifespan != "estimate":
            raise ValueError(f"lifespan must be a number > 0 or 'estimate'; got {lifespan!r}.")
        life = _historical_lifespan(x, t_x, T, horizon, lapse)
    else:
        value = float(lifespan)
        if not value > 0:
            raise ValueError(f"lifespan must be a number > 0 or 'estimate'; got {lifespan!r}.")
        life = _Lifespan(min(value, horizon), math.nan, math.nan if lapse is None else float(lapse), 0)
    rate = np.divide(x, T, out=np.zeros_like(x), where=T > 0)
    values = pd.Series(cols["monetary_value"] * rate * life.lifespan, index=data.index, name="historical_clv")
    values.attrs.update(life._asdict())
    return values


def baseline_forecasts(data: pd.DataFrame, *, horizon: float) -> pd.DataFrame:
    r"""The three baselines' forecasts of repeat transactions and revenue over the next ``horizon``, per customer.

    From the calibration summary only (x repeat transactions, age T, mean repeat order value :math:`\bar z`):

    - ``historical_clv``: :func:`historical_clv` over the horizon H, revenue :math:`\bar z_i\, (x_i/T_i)\, L`
      and transactions :math:`(x_i/T_i)\, L` with L the expected lifespan estimated from the data;
    - ``calibration_repeats``, "the calibration period repeats itself": transactions :math:`(x_i/T_i)\, H`,
      revenue :math:`\bar z_i (x_i/T_i)\, H`;
    - ``population_mean``: every customer gets the cohort's pooled rate :math:`\sum x / \sum T` times H
      transactions, at the cohort's mean repeat order value :math:`\sum x \bar z / \sum x`.

    Parameters
    ----------
    data : pandas.DataFrame
        Calibration summary with ``frequency``, ``recency``, ``T`` and ``monetary_value``.
    horizon : float
        H, in the data's time unit (e.g. the holdout duration).

    Returns
    -------
    pandas.DataFrame
        Aligned to ``data.index``; two column levels, ``baseline`` (the names of :data:`BASELINES`) and
        ``quantity`` (``repeat_transactions``, ``revenue``). ``attrs`` records the historical formula's
        ``lifespan``, ``churn_rate``, ``lapse`` and ``n_lapsed``.

    Raises
    ------
    DataValidationError
        If a column is missing.
    ValueError
        If ``horizon`` is not a positive number.

    Examples
    --------
    >>> import pyclv
    >>> summary = pyclv.datasets.load_cdnow_summary()
    >>> forecasts = baseline_forecasts(summary, horizon=39.0)
    >>> forecasts.columns.get_level_values("baseline").unique().tolist()
    ['historical_clv', 'calibration_repeats', 'population_mean']
    >>> bool((forecasts["population_mean"]["repeat_transactions"].round(9).nunique() == 1))
    True
    """
    hist = historical_clv(data, horizon=horizon)
    cols = _summary_arrays(data, "baseline_forecasts", ("frequency", "T", "monetary_value"))
    x, T, m = cols["frequency"], cols["T"], cols["monetary_value"]
    duration = float(horizon)
    rate = np.divide(x, T, out=np.zeros_like(x), where=T > 0)
    pooled_rate = x.sum() / T.sum() if T.sum() > 0 else 0.0
    mean_order = float(np.dot(x, m) / x.sum()) if x.sum() > 0 else 0.0
    pop_tx = np.full(x.size, pooled_rate * duration)
    forecasts = {
        "historical_clv": (rate * hist.attrs["lifespan"], hist.to_numpy()),
        "calibration_repeats": (rate * duration, m * rate * duration),
        "population_mean": (pop_tx, pop_tx * mean_order),
    }
    columns = {
        (name, quantity): values
        for name, pair in forecasts.items()
        for quantity, values in zip(("repeat_transactions", "revenue"), pair, strict=True)
    }
    table = pd.DataFrame(columns, index=data.index)
    table.columns = table.columns.set_names(["baseline", "quantity"])
    table.attrs.update(hist.attrs)
    return table
