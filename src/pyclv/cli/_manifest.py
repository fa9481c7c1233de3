"""The run manifest: ``<out>.manifest.json``, written beside every output of fit, score and backtest.

It is written after the output, atomically: a reader that finds the manifest of a run knows that the output
is complete, and can check it (``output.sha256``). Every field but ``run`` is deterministic: two runs of the
same command on the same files give the same manifest apart from ``run`` (the time stamps, the seconds per
step, the process), so the rest can be compared with ``diff`` or ``jq 'del(.run)'``.

Fields (in this order):

``format``, ``format_version``
    ``"pyclv-manifest"``, 1.
``command``, ``argv``
    The subcommand and the arguments after ``pyclv``.
``versions``
    Python, pyclv, numpy, scipy, pandas, duckdb, pyarrow, numba.
``inputs``
    Each transaction file (each match of a glob): ``path``, ``bytes``, ``sha256``.
``data``
    What was read: ``rows`` (transactions), ``first_transaction``, ``last_transaction``, ``observation_end``,
    ``rows_dropped`` by reason (``after_observation_end``) and ``customers_dropped``
    (``first_purchase_after_observation_end``); ``customers`` in the summary.
``model``
    ``path`` and ``sha256`` of the model artifact, and for each role its ``model_type``, ``time_unit`` and
    ``params``.
``settings``
    The options that shape the output (horizon, rate, margin, interval, ...).
``output``
    ``path``, ``bytes``, ``sha256``, ``rows`` and ``columns`` of the output, ``totals`` of its main columns.
``run``
    ``started_at``, ``finished_at`` (UTC, ISO 8601), ``seconds`` per step and in all, ``pid``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from pyclv._artifact import FittedModel
from pyclv._lineage import file_record, versions
from pyclv.cli._progress import Progress
from pyclv.io import write_manifest

__all__ = ["MANIFEST_SUFFIX", "FORMAT_TAG", "Run", "manifest_path", "model_record", "totals"]

MANIFEST_SUFFIX = ".manifest.json"
FORMAT_TAG = "pyclv-manifest"

#: The columns of a score table (or a backtest table) that a manifest totals, when present.
_SUMMED = (
    "n_purchases", "spend_to_date", "historical_clv", "expected_purchases_30d", "expected_purchases_60d",
    "expected_purchases_90d", "expected_purchases", "dert", "expected_value_30d", "expected_value_60d",
    "expected_value_90d", "clv", "clv_lower", "clv_upper",
)
#: Columns whose mean (not sum) a manifest records.
_AVERAGED = ("p_alive", "expected_spend")


def manifest_path(out: str | Path) -> Path:
    """The manifest of the output ``out``: ``<out>.manifest.json`` beside it (beside a link, not its target).

    Parameters
    ----------
    out : str or pathlib.Path
        The output.

    Returns
    -------
    pathlib.Path
        ``out`` with ``.manifest.json`` appended.
    """
    out = Path(out)
    return out.with_name(out.name + MANIFEST_SUFFIX)


def model_record(models: Mapping[str, FittedModel]) -> dict[str, Any]:
    """Each model's type, time unit and parameters, by role.

    Parameters
    ----------
    models : mapping
        Fitted models by role.

    Returns
    -------
    dict
        JSON-ready.
    """
    return {
        role: {
            "model_type": type(model).__name__,
            "time_unit": model.time_unit_,
            "params": {name: float(value) for name, value in model.params_.items()},
        }
        for role, model in models.items()
    }


def totals(table: pd.DataFrame) -> dict[str, float]:
    """Sums of the main columns of a table and means of its probabilities and spends.

    Parameters
    ----------
    table : pandas.DataFrame
        A score table.

    Returns
    -------
    dict
        ``{"clv": ..., ..., "mean_p_alive": ...}``, for the columns present.
    """
    found: dict[str, float] = {}
    for name in _SUMMED:
        if name in table.columns:
            found[name] = float(table[name].sum())
    for name in _AVERAGED:
        if name in table.columns and len(table):
            found[f"mean_{name}"] = float(table[name].mean())
    return found


def _utc_now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class Run:
    """What a command gathers for its manifest, section by section, and writes after its output.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed arguments (``command``).
    argv : list of str
        The arguments as given.
    progress : Progress
        Times the steps.
    """

    def __init__(self, args: argparse.Namespace, argv: list[str], progress: Progress) -> None:
        self.command: str = args.command
        self.argv = argv
        self.progress = progress
        self.sections: dict[str, Any] = {}
        self._started_at = _utc_now()
        self._start = time.perf_counter()

    def record(self, section: str, content: Any) -> None:
        """Set a section of the manifest (``inputs``, ``data``, ``model``, ``settings``).

        Parameters
        ----------
        section : str
            Its name.
        content : object
            JSON-ready content.
        """
        self.sections[section] = content

    def write(self, out: str | Path, table: pd.DataFrame | None = None) -> Path:
        """Write the manifest of the output ``out`` (already written) beside it.

        Parameters
        ----------
        out : str or pathlib.Path
            The output, complete on disk.
        table : pandas.DataFrame, optional
            The table written there, for its rows, columns and totals.

        Returns
        -------
        pathlib.Path
            The manifest's path.
        """
        output = file_record(out)
        if table is not None:
            output.update(rows=len(table), columns=[str(c) for c in table.columns], totals=totals(table))
        seconds = {name: round(value, 3) for name, value in self.progress.seconds.items()}
        manifest: dict[str, Any] = {
            "format": FORMAT_TAG,
            "format_version": 1,
            "command": self.command,
            "argv": self.argv,
            "versions": versions(),
            **{key: self.sections[key] for key in ("inputs", "data", "model", "settings") if key in self.sections},
            "output": output,
            "run": {
                "started_at": self._started_at,
                "finished_at": _utc_now(),
                "seconds": {**seconds, "total": round(time.perf_counter() - self._start, 3)},
                "pid": os.getpid(),
            },
        }
        path = manifest_path(out)
        write_manifest(path, _finite(manifest))
        return path


def _finite(value: Any) -> Any:
    """``value`` with non-finite floats as None (JSON has no NaN), at any depth."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(item) for item in value]
    return value
