"""Time transaction log -> RFM summary: pandas for DataFrames, the embedded DuckDB engine for Parquet files.

Logs are generated with DuckDB itself (customers with Poisson numbers of purchases on random days of a
year, amounts log-normal), written once to --dir and reused. Each row of the printed table is one call in a
fresh subprocess, so its peak memory (max RSS) is that call's own.

    python benchmarks/bench_summary.py --rows 10000000 100000000
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from _rss import peak_rss_mb


def generate(path: Path, rows: int) -> None:
    import duckdb

    customers = max(rows // 10, 1)
    con = duckdb.connect()
    con.execute(f"SET threads TO 2; SET memory_limit = '4GB'; SET temp_directory = '{path.parent}'")
    con.execute(
        f"""COPY (
            SELECT (random() * {customers})::BIGINT AS customer_id,
                   DATE '2025-01-01' + (random() * 364)::INTEGER AS date,
                   round(exp(3 + random()), 2) AS amount
            FROM range({rows})
        ) TO '{path}' (FORMAT parquet, ROW_GROUP_SIZE 1000000)"""
    )


def child(mode: str, path: str) -> None:
    import pyclv

    start = time.perf_counter()
    if mode == "duckdb":
        summary = pyclv.rfm_summary(
            path, monetary_value_col="amount", observation_period_end="2025-12-31", time_unit="W"
        )
    else:
        frame = pd.read_parquet(path)
        start = time.perf_counter()  # the pandas path is timed on a DataFrame already in memory
        summary = pyclv.rfm_summary(
            frame, monetary_value_col="amount", observation_period_end="2025-12-31", time_unit="W"
        )
    seconds = time.perf_counter() - start
    peak = peak_rss_mb()
    print(json.dumps({"seconds": seconds, "customers": len(summary), "peak_rss_mb": peak}))


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--dir", default=str(Path(tempfile.gettempdir()) / "pyclv-bench-logs"))
    parser.add_argument("--pandas-max", type=int, default=10_000_000, help="largest log for the pandas path")
    args = parser.parse_args()
    folder = Path(args.dir)
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for n in args.rows:
        path = folder / f"log_{n}.parquet"
        if not path.exists():
            generate(path, n)
        for mode in ("duckdb", "pandas"):
            if mode == "pandas" and n > args.pandas_max:
                continue
            done = subprocess.run(
                [sys.executable, __file__, "--child", mode, str(path)], capture_output=True, text=True
            )
            if done.returncode != 0:
                print(done.stderr, file=sys.stderr)
                continue
            result = json.loads(done.stdout.strip().splitlines()[-1])
            rows.append({"rows": n, "engine": mode, **result})
    print(pd.DataFrame(rows).to_string(index=False, float_format=lambda v: f"{v:.4g}"))


if __name__ == "__main__":
    main()
