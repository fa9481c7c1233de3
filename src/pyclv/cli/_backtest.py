"""``pyclv backtest``: how the nightly forecast would have done at past cut-offs (rolling origin).

A thin caller of :func:`pyclv.evaluation.backtest` (its engine-level form,
:func:`~pyclv.evaluation.backtest.backtest_log`): both models are fitted at each cut-off as ``pyclv fit``
fits them, the messages name the flags, and the table is drawn into one figure with
:func:`pyclv.plotting.plot_backtest`. One row per cut-off; the columns are those of :data:`COLUMNS`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from pyclv._files import atomic_write
from pyclv._lineage import RecordedLog
from pyclv._validation import argument_names
from pyclv.cli._parser import FLAGS
from pyclv.cli._safety import UsageError
from pyclv.evaluation.backtest import COLUMNS, FitPair, backtest_log
from pyclv.exceptions import DataValidationError

__all__ = ["COLUMNS", "backtest", "write_figure"]

#: How the messages of :func:`pyclv.evaluation.backtest` name its arguments on this command line.
_NAMES = {
    **FLAGS,
    "observation_period_end": "the end of the holdout (--cutoffs + --horizon-days)",
    "calibration_period_end": "--cutoffs",
}


def backtest(
    recorded: RecordedLog, cutoffs: Sequence[str], horizon_days: int, time_unit: str, fit_pair: FitPair
) -> pd.DataFrame:
    """The backtest table of an opened log: :func:`pyclv.evaluation.backtest.backtest_log` in the flags' words.

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
        For ``--cutoffs`` or ``--horizon-days`` that the backtest refuses (a day given twice, a holdout that
        ends after the last transaction, ...).
    """
    with argument_names(_NAMES):
        try:
            return backtest_log(recorded, cutoffs, horizon_days, time_unit, fit_pair)
        except DataValidationError as exc:
            if exc.column in ("cutoffs", "horizon_days"):
                raise UsageError(str(exc)) from exc
            raise


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
