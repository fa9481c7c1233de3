"""Worker run inside the PyMC-Marketing virtual environment: times its BG/NBD MAP fit on one data set.

Usage: python _peer_pymc.py bgnbd_fit DATA.npz REPEAT  ->  prints one JSON line
{"times": [...], "params": {...}, "peak_rss_mb": ..., "version": ...} (the peak from ``_rss.py``).
"""

from __future__ import annotations

import json
import sys
import time
import warnings

import numpy as np
import pandas as pd

from _rss import peak_rss_mb


def main() -> None:
    task, path, repeat = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if task != "bgnbd_fit":
        raise SystemExit(f"unknown task {task}")
    arrays = np.load(path)
    frame = pd.DataFrame({k: arrays[k] for k in ("frequency", "recency", "T")})
    frame.insert(0, "customer_id", np.arange(len(frame)))
    warnings.simplefilter("ignore")  # this worker is its own process: PyTensor's BLAS notice is not news
    import pymc_marketing
    from pymc_marketing import clv

    times, params = [], {}
    for _ in range(repeat):
        start = time.perf_counter()
        model = clv.BetaGeoModel(data=frame)
        model.fit(method="map", progressbar=False)
        times.append(time.perf_counter() - start)
        posterior = model.idata.posterior
        params = {name: float(posterior[name].values.ravel()[0]) for name in ("r", "alpha", "a", "b")}
    peak = peak_rss_mb()
    print(json.dumps({"times": times, "params": params, "peak_rss_mb": peak, "version": pymc_marketing.__version__}))


if __name__ == "__main__":
    main()
