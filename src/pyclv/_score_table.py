"""The score table a BI team reads: who, as of when, by which model, what they did, what they will do.

:func:`pyclv.value.score` gives the forecast per customer; :func:`score_table` puts the run and the history
beside it, in this order:

1. the customer id (a column, first: Parquet and CSV readers see it first);
2. the run: ``as_of`` (the observation end: the forecast starts the day after) and ``model_id`` (the SHA-256 of
   the model artifact, :mod:`pyclv._artifact`);
3. the history up to ``as_of``: ``n_purchases`` (purchase days, the first included: frequency + 1 for a
   summary of purchase days),
   ``spend_to_date`` (everything spent, the first purchase included) and ``historical_clv`` (the
   historical-CLV formula over the same horizon, times the same margin, :func:`historical_clv`);
4. the forecast: the columns of :func:`pyclv.value.score`, bounds included.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from pyclv.evaluation import historical_clv
from pyclv.exceptions import DataValidationError

__all__ = ["HISTORY_COLUMNS", "RUN_COLUMNS", "historical_value", "score_table"]

#: The run's columns, after the customer id.
RUN_COLUMNS = ("as_of", "model_id")
#: The history's columns, after the run's.
HISTORY_COLUMNS = ("n_purchases", "spend_to_date", "historical_clv")


def historical_value(summary: pd.DataFrame, *, horizon: float, margin: float) -> pd.Series:
    """The historical-CLV formula over ``horizon``, times ``margin``: comparable with the model's CLV.

    Average repeat order value x repeat purchases per time unit x expected lifespan within the horizon
    (estimated from the summary, the same for every customer; see :func:`pyclv.evaluation.historical_clv`),
    undiscounted. A summary of whole periods (``n_periods``, BG/BB) counts the periods as its age.

    Parameters
    ----------
    summary : pandas.DataFrame
        ``frequency``, ``recency``, ``T`` (or ``n_periods``) and ``monetary_value``, in the model's time unit.
    horizon : float
        The CLV's horizon in the same unit (``inf``: the lifespan is 1 / churn rate).
    margin : float
        The margin the CLV applies to spend.

    Returns
    -------
    pandas.Series
        Named ``historical_clv``.

    Raises
    ------
    DataValidationError
        For an infinite horizon when no customer lapsed (the formula's lifespan is then infinite).
    """
    data = summary if "T" in summary.columns else summary.rename(columns={"n_periods": "T"})
    values = historical_clv(data, horizon=horizon)
    if not math.isfinite(values.attrs["lifespan"]):
        raise DataValidationError(
            "The historical-CLV formula is infinite with --horizon inf: no customer has lapsed, so its lifespan has "
            "no end. Give a finite --horizon.",
            column="historical_clv",
        )
    return (values * margin).rename("historical_clv")


def score_table(
    scores: pd.DataFrame,
    summary: pd.DataFrame,
    *,
    as_of: int,
    model_id: str,
    horizon: float,
    margin: float,
    history: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The score table: customer id, run, history, forecast (see the module's notes), one row per customer.

    Parameters
    ----------
    scores : pandas.DataFrame
        :func:`pyclv.value.score`'s table, indexed by customer id.
    summary : pandas.DataFrame
        The summary it was scored on (same index), with ``spend_to_date`` unless ``history`` is given.
    as_of : int
        The observation end, as a day number (days since 1970-01-01).
    model_id : str
        The model artifact's SHA-256.
    horizon, margin : float
        Those of the CLV.
    history : pandas.DataFrame, optional
        ``n_purchases`` and ``spend_to_date`` per customer (aligned on the index), for a summary of whole
        periods, whose frequency counts periods rather than purchase days; by default ``frequency + 1`` and
        the summary's ``spend_to_date``.

    Returns
    -------
    pandas.DataFrame
        A RangeIndex; the customer id (named as the summary's index) as the first column.

    Raises
    ------
    DataValidationError
        If the summary lacks ``spend_to_date`` and no ``history`` is given.
    """
    if history is None:
        if "spend_to_date" not in summary.columns:
            raise DataValidationError(
                "The score table needs each customer's spend to date: build the summary with spend_to_date=True.",
                column="spend_to_date",
            )
        history = pd.DataFrame({"n_purchases": summary["frequency"] + 1, "spend_to_date": summary["spend_to_date"]})
    index = scores.index
    front = pd.DataFrame(
        {
            "as_of": np.full(len(index), np.datetime64(int(as_of), "D")).astype("datetime64[s]"),
            "model_id": pd.Series(model_id, index=index, dtype=object),
            "n_purchases": history["n_purchases"].reindex(index).to_numpy(dtype=np.int64),
            "spend_to_date": history["spend_to_date"].reindex(index).to_numpy(dtype=np.float64),
            "historical_clv": historical_value(summary, horizon=horizon, margin=margin).reindex(index).to_numpy(),
        },
        index=index,
    )
    table = pd.concat([front, scores], axis=1).reset_index()
    table.attrs.update(scores.attrs)
    return table
