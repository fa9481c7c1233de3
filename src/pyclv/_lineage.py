"""Where a result comes from: the input files' fingerprints, what was read of the log, the package versions.

The model artifact records this as its ``lineage`` and the run manifest beside a score table as its inputs
(:mod:`pyclv.cli._manifest`). Everything here is deterministic: the same files read the same way give the
same record, so two runs can be compared field by field.

:class:`RecordedLog` sits between a summary function of :mod:`pyclv._summaries` and the engine's log and
keeps what the summary learnt on its way (rows read, first and last day, rows after the end, the end day),
so that nothing is read twice to report it.
"""

from __future__ import annotations

import glob
import hashlib
import os
import platform
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import metadata
from typing import Any

from pyclv import _progress
from pyclv._validation import DateRule, LogColumns, LogProfile, day_str
from pyclv._version import __version__
from pyclv.engines import CustomerTotals, PeriodTotals, TransactionLog

__all__ = [
    "PACKAGES",
    "LogFacts",
    "RecordedLog",
    "file_fingerprints",
    "file_record",
    "input_paths",
    "lineage",
    "versions",
]

#: The packages whose versions a manifest records (besides Python and pyclv).
PACKAGES = ("numpy", "scipy", "pandas", "duckdb", "pyarrow", "numba")

#: Bytes hashed at a time: inputs of any size are hashed in constant memory.
_CHUNK = 1 << 20


def input_paths(source: str) -> list[str]:
    """The files a path or glob names, sorted (a glob's matches as :mod:`glob` finds them, recursively).

    Parameters
    ----------
    source : str
        A file or a glob (``"tx/*.parquet"``, ``"tx/**/*.csv"``).

    Returns
    -------
    list of str
        The matching files, sorted; ``[source]`` for a plain path.
    """
    if not glob.has_magic(source):
        return [source]
    return sorted(path for path in glob.glob(source, recursive=True) if os.path.isfile(path))


def file_record(path: str | os.PathLike[str]) -> dict[str, Any]:
    """A file's path (as given), size and SHA-256, read in chunks of 1 MiB (constant memory at any size).

    Parameters
    ----------
    path : str or os.PathLike
        A file.

    Returns
    -------
    dict
        ``{"path": ..., "bytes": ..., "sha256": ...}``.
    """
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        while chunk := file.read(_CHUNK):
            digest.update(chunk)
    return {"path": os.fspath(path), "bytes": os.path.getsize(path), "sha256": digest.hexdigest()}


def file_fingerprints(source: str) -> list[dict[str, Any]]:
    """Each input file's :func:`file_record`, sorted by path (a step called "fingerprint").

    Parameters
    ----------
    source : str
        A file or a glob.

    Returns
    -------
    list of dict
        ``{"path": ..., "bytes": ..., "sha256": ...}`` per file.
    """
    paths = input_paths(source)
    total = sum(os.path.getsize(path) for path in paths)
    records = []
    with _progress.step("fingerprint"):
        for path in paths:
            records.append(file_record(path))
            _progress.advance(sum(record["bytes"] for record in records), total)
    return records


def versions() -> dict[str, str | None]:
    """The versions of Python, pyclv and the packages of :data:`PACKAGES` (None for one not installed).

    Returns
    -------
    dict
        Version by name, Python first.
    """
    found: dict[str, str | None] = {"python": platform.python_version(), "pyclv": __version__}
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = None
    return found


@dataclass(frozen=True)
class LogFacts:
    """What a summary read of a log: rows, first and last transaction day, the end, the rows after it.

    Attributes
    ----------
    n_rows : int
        Rows read (transactions).
    first_day, last_day : int
        The first and last transaction days of the whole log.
    end_day : int
        The last day of the observation period.
    rows_after_end, customers_after_end : int
        Rows after the end (left out), and customers all of whose rows are after it (not in the result).
    """

    n_rows: int
    first_day: int
    last_day: int
    end_day: int
    rows_after_end: int
    customers_after_end: int

    def as_dict(self) -> dict[str, Any]:
        """The facts as JSON-ready values, days as ISO dates.

        Returns
        -------
        dict
            ``rows``, ``first_transaction``, ``last_transaction``, ``observation_end`` and ``dropped``:
            the rows left out by reason (after the observation end), and the customers they take with them.
        """
        return {
            "rows": self.n_rows,
            "first_transaction": day_str(self.first_day),
            "last_transaction": day_str(self.last_day),
            "observation_end": day_str(self.end_day),
            "rows_dropped": {"after_observation_end": self.rows_after_end},
            "customers_dropped": {"first_purchase_after_observation_end": self.customers_after_end},
        }


class RecordedLog:
    """A :class:`~pyclv.engines.TransactionLog` that keeps what is asked of it (see the module's notes).

    The profile is computed once, however often it is asked for (it does not change while the log is open),
    so several summaries of one log (a backtest's cut-offs) read it once.

    Parameters
    ----------
    log : TransactionLog
        The log an engine opened.
    """

    def __init__(self, log: TransactionLog) -> None:
        self._log = log
        self.columns: LogColumns = log.columns
        self.date_rule: DateRule = log.date_rule
        self._profile: LogProfile | None = None
        self._after: dict[int, tuple[int, int]] = {}
        self.end_day: int | None = None

    def profile(self) -> LogProfile:
        """The log's profile (computed once).

        Returns
        -------
        LogProfile
            As the engine's.
        """
        if self._profile is None:
            self._profile = self._log.profile()
        return self._profile

    def count_after(self, end_day: int) -> tuple[int, int]:
        """Rows after ``end_day`` and the customers who vanish with them (kept).

        Parameters
        ----------
        end_day : int
            A day number.

        Returns
        -------
        (int, int)
            As the engine's.
        """
        if end_day not in self._after:
            self._after[end_day] = self._log.count_after(end_day)
        return self._after[end_day]

    def customer_totals(self, end_day: int, calibration_day: int | None = None) -> CustomerTotals:
        """The engine's per-customer totals; the end day is kept.

        Parameters
        ----------
        end_day : int
            The last day of the observation period.
        calibration_day : int, optional
            Where to split the totals.

        Returns
        -------
        CustomerTotals
            As the engine's.
        """
        self.end_day = end_day
        return self._log.customer_totals(end_day, calibration_day)

    def period_totals(self, end_day: int, length: float) -> PeriodTotals:
        """The engine's per-customer opportunities; the end day is kept.

        Parameters
        ----------
        end_day : int
            The last day of the observation period.
        length : float
            Days per opportunity.

        Returns
        -------
        PeriodTotals
            As the engine's.
        """
        self.end_day = end_day
        return self._log.period_totals(end_day, length)

    def facts(self) -> LogFacts:
        """What the summary read (after a summary was computed).

        Returns
        -------
        LogFacts
            Rows, first and last day, end and rows after it.
        """
        profile = self.profile()
        if self.end_day is None or profile.first_day is None or profile.last_day is None:
            raise RuntimeError("RecordedLog.facts: no summary was computed from this log yet")
        after = self._after.get(self.end_day, (0, 0)) if self.end_day < profile.last_day else (0, 0)
        return LogFacts(profile.n_rows, profile.first_day, profile.last_day, self.end_day, *after)


def lineage(
    inputs: Sequence[dict[str, Any]],
    facts: LogFacts,
    *,
    columns: LogColumns,
    date_rule: DateRule,
    time_unit: str,
    n_customers: int,
    n_repeat_customers: int,
) -> dict[str, Any]:
    """The lineage of a model: what it was fitted on, as the artifact records it.

    Parameters
    ----------
    inputs : sequence of dict
        :func:`file_fingerprints` of the transaction files.
    facts : LogFacts
        What the summary read.
    columns : LogColumns
        The names of the log's columns.
    date_rule : DateRule
        How its dates were read.
    time_unit : str
        The summary's time unit.
    n_customers, n_repeat_customers : int
        Customers in the summary, and those with a repeat purchase.

    Returns
    -------
    dict
        JSON-ready: ``inputs``, ``columns``, ``date_rule``, ``time_unit``, the facts of
        :meth:`LogFacts.as_dict`, ``customers`` and ``repeat_customers``.
    """
    return {
        "inputs": list(inputs),
        "columns": {"customer_id": columns.customer_id, "date": columns.date, "amount": columns.amount},
        "date_rule": {"date_format": date_rule.date_format, "dayfirst": date_rule.dayfirst},
        "time_unit": time_unit,
        **facts.as_dict(),
        "customers": n_customers,
        "repeat_customers": n_repeat_customers,
    }

