"""Worker run inside the lifetimes virtual environment: times lifetimes 0.11.3 on one task.

Usage: python _peer_lifetimes.py TASK DATA.npz REPEAT  ->  prints one JSON line
{"times": [...], "params": {...}, "peak_rss_mb": ..., "version": ...}, where TASK is bgnbd_fit, mbgnbd_fit,
pareto_fit, gamma_gamma_fit or clv. Only the standard library (with ``_rss.py``, which uses nothing else), numpy,
pandas and lifetimes are imported here (this file runs in the peer's own environment, not pyclv's).
"""

from __future__ import annotations

import json
import sys
import time

import numpy as np
import pandas as pd

from _rss import peak_rss_mb


def main() -> None:
    task, path, repeat = sys.argv[1], sys.argv[2], int(sys.argv[3])
    arrays = np.load(path)
    frame = pd.DataFrame({k: arrays[k] for k in arrays.files})
    import lifetimes

    times, params = [], {}
    if task == "clv":  # fitted models, outside the timing: the task is the CLV computation itself
        bg = lifetimes.BetaGeoFitter().fit(frame["frequency"], frame["recency"], frame["T"])
        repeaters = frame[frame["frequency"] > 0]
        gg = lifetimes.GammaGammaFitter().fit(repeaters["frequency"], repeaters["monetary_value"])
    for _ in range(repeat):
        start = time.perf_counter()
        if task == "bgnbd_fit":
            model = lifetimes.BetaGeoFitter().fit(frame["frequency"], frame["recency"], frame["T"])
            params = dict(model.params_)
        elif task == "mbgnbd_fit":
            model = lifetimes.ModifiedBetaGeoFitter().fit(frame["frequency"], frame["recency"], frame["T"])
            params = dict(model.params_)
        elif task == "pareto_fit":
            model = lifetimes.ParetoNBDFitter().fit(frame["frequency"], frame["recency"], frame["T"])
            params = dict(model.params_)
        elif task == "gamma_gamma_fit":
            repeaters = frame[frame["frequency"] > 0]
            model = lifetimes.GammaGammaFitter().fit(repeaters["frequency"], repeaters["monetary_value"])
            params = dict(model.params_)
        elif task == "clv":
            clv = gg.customer_lifetime_value(
                bg, frame["frequency"], frame["recency"], frame["T"], frame["monetary_value"],
                time=12, discount_rate=0.01, freq="W",
            )
            params = {"total_clv": float(np.sum(clv))}
        else:
            raise SystemExit(f"unknown task {task}")
        times.append(time.perf_counter() - start)
    peak = peak_rss_mb()
    print(json.dumps({"times": times, "params": {k: float(v) for k, v in params.items()}, "peak_rss_mb": peak,
                      "version": lifetimes.__version__}))


if __name__ == "__main__":
    main()
