"""``pyclv backtest``: how the nightly forecast would have done at past cut-offs (rolling origin).

At each cut-off the log up to it is summarised (:func:`pyclv.calibration_holdout_split`, the holdout being
the ``--horizon-days`` after the cut-off), both models are fitted on the calibration part as ``pyclv fit``
fits them, and :func:`pyclv.evaluation.holdout_comparison` sets their forecast of the cohort's repeat
purchases and revenue over the holdout beside what happened and beside the historical-CLV formula over the
same window. One row per cut-off; the columns are those of :data:`COLUMNS`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from pyclv import _progress, _summaries
from pyclv._files import atomic_write
from pyclv._lineage import RecordedLog
from pyclv._validation import day_str, to_day
from pyclv.cli._safety import UsageError
from pyclv.evaluation import holdout_comparison
from pyclv.models import GammaGamma, TransactionModel

__all__ = ["COLUMNS", "backtest", "write_figure"]

#: What ``holdout_comparison`` calls its rows, as the backtest table names them.
_QUANTITIES = {"repeat_transactions": "purchases", "revenue": "revenue"}
#: What ``holdout_comparison`` calls its columns, as the backtest table names them.
_MEASURES = {
    "actual": "actual",
    "model": "forecast",
    "historical": "historical",
    "model_error_pct": "forecast_error_pct",
    "historical_error_pct": "historical_error_pct",
    "model_mae": "forecast_mae",
    "historical_mae": "historical_mae",
}
#: The backtest table's columns, in order.
COLUMNS = (
    "cutoff",
    "horizon_days",
    "customers",
    *(f"{quantity}_{measure}" for quantity in _QUANTITIES.values() for measure in _MEASURES.values()),
)

log = logging.getLogger("pyclv")

FitPair = Callable[[pd.DataFrame], tuple[TransactionModel, GammaGamma]]


def backtest(
    recorded: RecordedLog, cutoffs: Sequence[str], horizon_days: int, time_unit: str, fit_pair: FitPair
) -> pd.DataFrame:
    """The backtest table of an opened log (see the module's notes).

    Parameters
    ----------
    recorded : RecordedLog
        The log, with amounts (its profile is read once for every cut-off).
    cutoffs : sequence of str
        The cut-offs, dates as the log's dates are written (or ISO 8601).
    horizon_days : int
        Days after each cut-off over which the forecast is judged.
    time_unit : str
        The models' time unit.
    fit_pair : callable
        Fits the transaction and spend models on a calibration summary.

    Returns
    -------
    pandas.DataFrame
        One row per cut-off, sorted by cut-off, with the columns of :data:`COLUMNS`.

    Raises
    ------
    UsageError
        For a cut-off given twice, or whose holdout ends after the last transaction.
    """
    days = [to_day(cutoff, "cutoffs", recorded.date_rule) for cutoff in cutoffs]
    if len(set(days)) < len(days):
        raise UsageError("--cutoffs names the same day twice; give each cut-off once")
    rows = []
    for number, day in enumerate(sorted(days), start=1):
        profile = recorded.profile()
        end = day + horizon_days
        if profile.last_day is not None and end > profile.last_day:
            raise UsageError(
                f"--cutoffs {day_str(day)}: its {horizon_days}-day holdout ends {day_str(end)}, after the last "
                f"transaction ({day_str(profile.last_day)}); choose earlier cut-offs or a shorter --horizon-days"
            )
        with _progress.step("summary"):
            split = _summaries.calibration_holdout_split(recorded, day_str(day), day_str(end), time_unit)
        with _progress.step("fit"):
            transaction, spend = fit_pair(split)
        comparison = holdout_comparison(transaction, spend, split)
        row: dict[str, object] = {"cutoff": day, "horizon_days": horizon_days, "customers": len(split)}
        values = comparison.to_numpy(dtype=float)
        for i, (quantity, name) in enumerate(_QUANTITIES.items()):
            assert comparison.index[i] == quantity
            for j, (measure, column) in enumerate(_MEASURES.items()):
                assert comparison.columns[j] == measure
                row[f"{name}_{column}"] = float(values[i, j])
        log.info(
            "cut-off %s (%d of %d): %d customers; revenue over %d days: actual %.2f, forecast %.2f, historical %.2f",
            day_str(day), number, len(days), len(split), horizon_days, row["revenue_actual"],
            row["revenue_forecast"], row["revenue_historical"],
        )
        rows.append(row)
    table = pd.DataFrame(rows, columns=list(COLUMNS))
    table["cutoff"] = table["cutoff"].to_numpy(dtype=np.int64).astype("datetime64[D]").astype("datetime64[s]")
    return table


def write_figure(table: pd.DataFrame, path: str | Path) -> None:
    """Draw the backtest's purchases and revenue side by side and write the figure atomically.

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`backtest`.
    path : str or pathlib.Path
        A ``.png``, ``.svg`` or ``.pdf`` file.
    """
    from matplotlib.figure import Figure

    from pyclv.plotting import plot_backtest

    suffix = Path(path).suffix.lower()
    figure = Figure(figsize=(11, 4), layout="constrained")
    left, right = figure.subplots(1, 2)
    plot_backtest(table, quantity="purchases", ax=left)
    plot_backtest(table, quantity="revenue", ax=right)
    # no time stamp or version in the file: the same table gives the same bytes
    metadata = {".png": {"Software": None}, ".svg": {"Date": None}, ".pdf": {"CreationDate": None}}[suffix]
    atomic_write(path, lambda tmp: figure.savefig(tmp, format=suffix[1:], metadata=metadata))
