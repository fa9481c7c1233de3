"""Back ends that summarise transaction logs too large for pandas.

:mod:`pyclv.engines.duckdb` is the default for files: :func:`pyclv.rfm_summary`,
:func:`pyclv.calibration_holdout_split` and :func:`pyclv.discrete_summary` hand a path or glob of Parquet or
CSV files to an embedded, in-process DuckDB, which aggregates them out of core and returns the same
per-customer summary as the pandas path (one row per customer, as a pandas DataFrame).
"""

from __future__ import annotations

__all__: list[str] = []
