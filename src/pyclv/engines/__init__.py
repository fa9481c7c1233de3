"""Engines: where a transaction log is computed on, behind one small interface.

An engine opens a log and answers the four questions of :class:`pyclv.engines._base.TransactionLog` (a profile
of its bad rows, the rows after a day, per-customer totals, per-customer periods); it only computes. The
shared layer checks what it computed and words every error (:mod:`pyclv._validation`), and builds the
summaries (:mod:`pyclv._summaries`), so every engine gives the same answers and the same messages.

- :mod:`pyclv.engines.pandas`: a DataFrame in memory (what :func:`pyclv.rfm_summary` uses for a DataFrame);
- :mod:`pyclv.engines.duckdb`: Parquet or CSV files, out of core in an embedded DuckDB (for a path or glob);
- :mod:`pyclv.engines.spark`: a Spark DataFrame or files read by Spark (the ``spark`` extra).

:func:`is_url` tells a path that only an engine can read (``s3a://...``, ``dbfs:/...``) from a local one;
:func:`typed_text` types a covariate column read from CSV text as every engine types a CSV log's.
"""

from __future__ import annotations

from pyclv.engines._base import CustomerTotals, PeriodTotals, TransactionLog, typed_text
from pyclv.engines._read_errors import is_url

__all__ = ["CustomerTotals", "PeriodTotals", "TransactionLog", "is_url", "typed_text"]
