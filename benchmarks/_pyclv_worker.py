"""The pyclv tasks that ``bench_shapes.py`` times, and a worker that times one of them cold in a fresh process.

Usage: python _pyclv_worker.py SPEC  ->  prints one JSON line
{"import_s": ..., "first_s": ..., "cold_s": ..., "rss_before_mb": ..., "peak_rss_mb": ..., "numba_loaded": ...,
"summary": {...}}, where SPEC is a JSON object: ``task`` (a key of TASKS), ``data`` (an .npz file of columns,
written by ``save``), and for the scoring tasks ``models`` (the transaction and spend models as pyclv JSON
artifacts) and ``horizon``.

Cold is ``import pyclv`` plus the first call (any kernels compiled or loaded from a cache on the way included);
loading the data is not timed. Only the standard library is imported at the top, so that the import of pyclv
and its dependencies is part of the cold time. ``bench_shapes.py`` times the warm calls through the same
``load`` and ``run``.
"""

from __future__ import annotations

import json
import sys
import time
from typing import TYPE_CHECKING, Any

from _rss import peak_rss_mb

if TYPE_CHECKING:
    from pathlib import Path

    import pandas as pd

SUMMARY = ("frequency", "recency", "T")
TASKS: dict[str, tuple[str, ...]] = {
    # task: the columns it reads
    "bgnbd_fit": SUMMARY,
    "mbgnbd_fit": SUMMARY,
    "pareto_fit": SUMMARY,
    "gamma_gamma_fit": ("frequency", "monetary_value"),
    "bgbb_fit": ("frequency", "recency", "n_periods"),
    "score": (*SUMMARY, "monetary_value"),
    "score_interval": (*SUMMARY, "monetary_value"),
}
INTERVAL, N_DRAWS = 0.9, 100
ANNUAL_DISCOUNT_RATE = 0.1


def save(frame: pd.DataFrame, path: Path) -> None:
    """Write the columns of a summary, its customer ids and its time unit to an .npz file."""
    import numpy as np

    columns = {c: frame[c].to_numpy(dtype=float) for c in frame.columns}
    unit = frame.attrs.get("time_unit")
    np.savez(path, customer_id=frame.index.to_numpy(), time_unit=np.array(unit or ""), **columns)


def load(spec: dict[str, Any]) -> dict[str, Any]:
    """The inputs of a task: the data (only the columns it reads) and, for scoring, the fitted models."""
    import numpy as np
    import pandas as pd

    import pyclv

    with np.load(spec["data"]) as arrays:
        index = pd.Index(arrays["customer_id"], name="customer_id")
        data = pd.DataFrame({c: arrays[c] for c in TASKS[spec["task"]]}, index=index)
        unit = str(arrays["time_unit"])
    data.attrs["time_unit"] = unit or None
    models = [pyclv.load_model(path) for path in spec.get("models", [])]
    return {"data": data, "models": models}


def run(spec: dict[str, Any], inputs: dict[str, Any]) -> Any:
    """Run the task once on its inputs and return what pyclv returns (a fitted model or a score table)."""
    import pyclv

    task, data = spec["task"], inputs["data"]
    fitters = {
        "bgnbd_fit": pyclv.BetaGeo,
        "mbgnbd_fit": pyclv.ModifiedBetaGeo,
        "pareto_fit": pyclv.ParetoNBD,
        "gamma_gamma_fit": pyclv.GammaGamma,
        "bgbb_fit": pyclv.BetaGeoBetaBinom,
    }
    if task in fitters:
        return fitters[task]().fit(data)  # the fit computes the standard errors too
    transaction, spend = inputs["models"]
    options: dict[str, Any] = {"interval": INTERVAL, "n_draws": N_DRAWS, "seed": 0} if task == "score_interval" else {}
    return pyclv.score(
        transaction, spend, data, horizon=spec["horizon"], annual_discount_rate=ANNUAL_DISCOUNT_RATE, **options
    )


def summarize(spec: dict[str, Any], result: Any) -> dict[str, Any]:
    """What to check of a result: a fit's parameters and whether its standard errors are finite, or a table's size."""
    import numpy as np

    if spec["task"].endswith("_fit"):
        return {
            "params": {k: float(v) for k, v in result.params_.items()},
            "standard_errors_finite": bool(np.isfinite(result.standard_errors_).all()),
        }
    return {"rows": len(result), "columns": result.shape[1], "total_clv": float(result["clv"].sum())}


def main() -> None:
    spec = json.loads(sys.argv[1])
    start = time.perf_counter()
    import pyclv  # noqa: F401  (timed: part of the cold start)

    import_s = time.perf_counter() - start
    inputs = load(spec)
    rss_before = peak_rss_mb()
    start = time.perf_counter()
    result = run(spec, inputs)
    first_s = time.perf_counter() - start
    peak = peak_rss_mb()
    out = {
        "import_s": import_s,
        "first_s": first_s,
        "cold_s": import_s + first_s,
        "rss_before_mb": rss_before,
        "peak_rss_mb": peak,
        "numba_loaded": "numba" in sys.modules,
        "summary": summarize(spec, result),
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
