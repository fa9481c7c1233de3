"""pyclv against its peers, side by side on the same data in one run; writes its section of benchmarks/RESULTS.md.

Data are CDNOW-like simulated summaries (``pyclv.datasets._shapes.simulate_summary(n, "cdnow")``: BG/NBD and
Gamma-Gamma at the CDNOW parameters of Fader, Hardie & Lee 2005), saved once per size and read by every
contender. pyclv runs in this process; lifetimes 0.11.3 runs in its own virtual environment (created on first
use under benchmarks/.venvs/, with the numpy, pandas and scipy it still works with), through
``_peer_lifetimes.py``; PyMC-Marketing (its BG/NBD by MAP) likewise through ``_peer_pymc.py`` (the machinery
is in ``_common.py``). Each cell is the median of --repeat runs. The rest of RESULTS.md is kept;
``bench_shapes.py`` measures the speed targets on the three data shapes.

    python benchmarks/bench_peers.py                 # the default sizes
    python benchmarks/bench_peers.py --quick         # small sizes, to check the script
"""

from __future__ import annotations

import argparse
import resource
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

import pyclv
from _common import HERE, machine, markdown, peer_python, run_peer, write_section
from pyclv.datasets._shapes import simulate_summary


def time_pyclv(fn: Callable[[], object], repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="small sizes only")
    parser.add_argument("--no-peers", action="store_true", help="time pyclv only")
    parser.add_argument(
        "--out", default=None, help="results file whose section to replace (default RESULTS.md, none with --quick)"
    )
    args = parser.parse_args()
    if args.out is None and not args.quick:
        args.out = str(HERE / "RESULTS.md")
    big, pareto_n = (20_000, 5_000) if args.quick else (1_000_000, 100_000)
    python = None if args.no_peers else peer_python("lifetimes")
    pymc_python = None if args.no_peers else peer_python("pymc-marketing")

    rows: list[dict] = []
    params_rows: list[dict] = []

    def record(
        task: str, n: int, pyclv_s: float, peer: dict | None, ours: dict, note: str = "", peer_name: str = "lifetimes"
    ) -> None:
        peer_s = statistics.median(peer["times"]) if peer else np.nan
        rows.append(
            {
                "task": task,
                "customers": n,
                "pyclv_s": pyclv_s,
                "peer": peer_name,
                "peer_s": peer_s,
                "speed-up": peer_s / pyclv_s if peer else np.nan,
                "peer_peak_rss_mb": peer["peak_rss_mb"] if peer else np.nan,
                "note": note,
            }
        )
        if peer and peer["params"]:
            for k, v in ours.items():
                if k in peer["params"]:
                    params_rows.append(
                        {
                            "task": task,
                            "customers": n,
                            "peer": peer_name,
                            "parameter": k,
                            "pyclv": v,
                            "peer_value": peer["params"][k],
                            "rel_diff": abs(v - peer["params"][k]) / abs(peer["params"][k]),
                        }
                    )

    data = simulate_summary(big, "cdnow")
    seconds, model = time_pyclv(lambda: pyclv.BetaGeo().fit(data), args.repeat)
    record(
        "BG/NBD fit", big, seconds, run_peer("lifetimes", python, "bgnbd_fit", data, args.repeat), dict(model.params_)
    )

    for n_pymc in (5_000,) if args.quick else (10_000, 100_000):
        part = data.iloc[:n_pymc]
        seconds, model = time_pyclv(lambda part=part: pyclv.BetaGeo().fit(part), args.repeat)
        record(
            "BG/NBD fit",
            n_pymc,
            seconds,
            run_peer("pymc-marketing", pymc_python, "bgnbd_fit", part, 1),
            dict(model.params_),
            "PyMC-Marketing MAP, 1 run (includes its graph compilation); MAP with its default priors, not the MLE",
            "pymc-marketing",
        )

    small = data.iloc[:pareto_n]
    seconds, model = time_pyclv(lambda: pyclv.ParetoNBD().fit(small), args.repeat)
    record(
        "Pareto/NBD fit",
        pareto_n,
        seconds,
        run_peer("lifetimes", python, "pareto_fit", small, 1),
        dict(model.params_),
        "lifetimes: 1 run",
    )

    repeaters = data[data["frequency"] > 0]
    seconds, model = time_pyclv(lambda: pyclv.GammaGamma().fit(repeaters), args.repeat)
    record(
        "Gamma-Gamma fit",
        len(repeaters),
        seconds,
        run_peer("lifetimes", python, "gamma_gamma_fit", data, args.repeat),
        dict(model.params_),
    )

    bg = pyclv.BetaGeo().fit(data)
    gg = pyclv.GammaGamma().fit(data)
    annual = (1.01) ** (365.25 / 7 / 4.345) - 1  # lifetimes discounts 1 % per 30-day month, horizon 12 months
    seconds, clv = time_pyclv(
        lambda: pyclv.customer_lifetime_value(bg, gg, data, horizon=52.0, annual_discount_rate=annual), args.repeat
    )
    record(
        "CLV (BG/NBD + Gamma-Gamma)",
        big,
        seconds,
        run_peer("lifetimes", python, "clv", data, args.repeat),
        {"total_clv": float(np.sum(clv))},
        "lifetimes sums 12 monthly steps of 30 days; pyclv integrates continuously: totals differ by design",
    )

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    table = pd.DataFrame(rows)
    lines = [
        "## pyclv against its peers on CDNOW-like data",
        "",
        f"Machine: {machine()}; pyclv {pyclv.__version__} (numpy {np.__version__}, pandas {pd.__version__}); "
        f"lifetimes {'0.11.3' if python else 'not installed'}, PyMC-Marketing "
        f"{'installed' if pymc_python else 'not installed'} (each in its own venv). Median of {args.repeat} runs; "
        f"pyclv process peak RSS {peak:,.0f} MB. Generated by `benchmarks/bench_peers.py`.",
        "",
        markdown(table),
        "",
        "### Fitted values side by side",
        "",
        markdown(pd.DataFrame(params_rows)) if params_rows else "(no peer results)",
    ]
    text = "\n".join(lines)
    if args.out:
        write_section(Path(args.out), "bench_peers.py", text)
    print(text)

if __name__ == "__main__":
    main()
