"""Time pyclv's core path at growing customer counts and print a table.

Data are CDNOW-like simulated summaries (``pyclv.datasets._shapes.simulate_summary(n, "cdnow")``: BG/NBD with
the CDNOW parameters of Fader, Hardie & Lee 2005, Gamma-Gamma spend), so every size has the same structure. For
each size: BG/NBD fit, Gamma-Gamma fit on the repeat customers, and the full score table (P(alive), 30/60/90-day
and horizon purchases, spend, discounted CLV), as medians of --repeat runs, with the peak memory of the process;
Pareto/NBD, MBG/NBD and BG/BB (on discrete data from its own simulator) fits up to --max-family customers.

    python benchmarks/bench_core.py --sizes 10000 100000 1000000
"""

from __future__ import annotations

import argparse
import platform
import resource
import statistics
import time
from collections.abc import Callable

import numpy as np
import pandas as pd

import pyclv
from pyclv.datasets._shapes import simulate_summary


def median_time(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _row(n: int, args: argparse.Namespace) -> dict[str, float]:
    """The timings of one size (median of ``args.repeat`` runs) and the BG/NBD parameters."""
    data = simulate_summary(n, "cdnow")
    bgnbd = pyclv.BetaGeo().fit(data)
    gg = pyclv.GammaGamma().fit(data)
    bgbb_data = pyclv.BetaGeoBetaBinom.from_params(alpha=1.2, beta=0.75, gamma=0.66, delta=2.8).simulate(
        n, np.random.default_rng(1).integers(4, 13, n), seed=1
    )
    family = n <= args.max_family
    return {
        "customers": n,
        "bgnbd_fit_s": median_time(lambda: pyclv.BetaGeo().fit(data), args.repeat),
        "pareto_nbd_fit_s": median_time(lambda: pyclv.ParetoNBD().fit(data), args.repeat) if family else np.nan,
        "mbgnbd_fit_s": median_time(lambda: pyclv.ModifiedBetaGeo().fit(data), args.repeat) if family else np.nan,
        "bgbb_fit_s": median_time(lambda: pyclv.BetaGeoBetaBinom().fit(bgbb_data), args.repeat) if family else np.nan,
        "gamma_gamma_fit_s": median_time(lambda: pyclv.GammaGamma().fit(data), args.repeat),
        "score_s": median_time(lambda: pyclv.score(bgnbd, gg, data, horizon=52, annual_discount_rate=0.1), args.repeat),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "r": bgnbd.params_["r"],
        "alpha": bgnbd.params_["alpha"],
        "a": bgnbd.params_["a"],
        "b": bgnbd.params_["b"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--max-family", type=int, default=1_000_000, help="largest size for the other models' fits")
    args = parser.parse_args()
    print(
        f"pyclv {pyclv.__version__}, numpy {np.__version__}, pandas {pd.__version__}, "
        f"Python {platform.python_version()}, {platform.machine()}"
    )
    rows = [_row(n, args) for n in args.sizes]
    print(pd.DataFrame(rows).to_string(index=False, float_format=lambda v: f"{v:.4g}"))


if __name__ == "__main__":
    main()
