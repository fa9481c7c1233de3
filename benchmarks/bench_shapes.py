"""pyclv's speed targets on the three shapes of simulated data, cold and warm, with its peers in the same run.

For each shape of ``pyclv.datasets._shapes`` ("cdnow", "daily", "continuous") the data are simulated once and
written to temporary .npz files (not timed). Each task is then timed twice:

- cold: a fresh process (``_pyclv_worker.py``) that imports pyclv, loads the data and times its first call;
  cold is the import plus that call, so any kernel compiled or loaded from a cache is in it. The same process
  gives the task's peak memory (its own high-water mark, see ``_rss.py``: interpreter, imports, data, call);
- warm: the median of --repeat calls in this process, after one untimed call of the same kind (a single call
  if the cold one took more than --budget seconds: the run time stays bounded, and compiling is noise there).

Tasks, at the first of --sizes (1M by default): BG/NBD, MBG/NBD and Pareto/NBD fits (standard errors
included, as the fit computes them), Gamma-Gamma fit on that many *repeat* customers (enough customers are
simulated to have them; the rest are dropped), BG/BB fit on ``simulate_discrete`` customers, the full score
table and the score table with 90 % intervals (100 draws). At each further size (10M by default): the score
table, and on shape "continuous" the BG/NBD fit. Scoring uses the BG/NBD and Gamma-Gamma models fitted on the
first size's customers (the same population). Peers, each in its own virtual environment (``_common.py``):
lifetimes 0.11.3 fits BG/NBD, MBG/NBD and Gamma-Gamma at the first size and Pareto/NBD at --pareto-peer-size
on every shape (and at the first size on one shape with --lifetimes-pareto-full); PyMC-Marketing's BG/NBD
(MAP) runs at --pymc-size on shape "daily". The tables replace this script's section of RESULTS.md.

Timings on a shared machine: numpy's BLAS uses a thread per core unless told otherwise, and a dot product that
waits for a busy core can be a hundred times slower (the header records the setting and the load average). Run
on a quiet machine, or with OPENBLAS_NUM_THREADS=1 to measure the single-threaded case.

    python benchmarks/bench_shapes.py                                   # the targets, all shapes, with peers
    python benchmarks/bench_shapes.py --lifetimes-pareto-full cdnow     # also lifetimes' Pareto/NBD at 1M, once
    python benchmarks/bench_shapes.py --quick --no-peers                # small sizes, to check the script
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy

import pyclv
from _common import HERE, machine, markdown, peer_python, run_peer, scrub, write_section
from _pyclv_worker import INTERVAL, N_DRAWS, load, run, save, summarize
from pyclv.datasets._shapes import SHAPES, simulate_discrete, simulate_summary

BASE, LARGE = 1_000_000, 10_000_000
HORIZON = {"W": 52.0, "D": 365.0}  # one year in the data's time unit
SHAPE_TEXT = {
    "cdnow": "customers acquired over 12 weeks and observed to week 39, in weeks, recency on a daily grid",
    "daily": "customers acquired every day over three years, ages and recencies in whole days",
    "continuous": "the same three years with continuous ages and recencies (no two customers alike)",
}
PYMC_NOTE = "PyMC-Marketing MAP with its default priors (not the MLE), 1 run including its graph compilation"


@dataclass(frozen=True)
class Target:
    """A speed target: warm median below ``seconds`` at ``size`` customers, and what else it asks for."""

    seconds: float
    size: int
    text: str
    min_speedup: float | None = None  # against the peer of the same row
    param_tol: float | None = None  # largest relative difference of the parameters from the peer's
    peak_mb: float | None = None
    bounded_memory: bool = False  # the intervals never hold a draws x customers matrix (see met())


@dataclass
class Row:
    """One line of a shape's table: a pyclv task on one data file, its target and its peer."""

    label: str
    task: str
    data: str  # key of the data file
    n: int
    target: Target | None = None
    peer: tuple[str, str, int] | None = None  # (peer, its worker's task, runs)
    note: str = ""


TARGETS = {
    "bgnbd_fit": Target(0.5, BASE, "< 0.5 s, >= 20x lifetimes, parameters to 1e-6", 20.0, 1e-6),
    "mbgnbd_fit": Target(0.5, BASE, "< 0.5 s, >= 20x lifetimes, parameters to 1e-6", 20.0, 1e-6),
    "pareto_fit": Target(2.0, BASE, "< 2 s"),
    "gamma_gamma_fit": Target(0.3, BASE, "< 0.3 s"),
    "bgbb_fit": Target(0.2, BASE, "< 0.2 s"),
    "score": Target(0.5, BASE, "< 0.5 s"),
    "score_interval": Target(10.0, BASE, "< 10 s, bounded memory", bounded_memory=True),
    "score_large": Target(5.0, LARGE, "< 5 s"),
    "bgnbd_fit_large": Target(5.0, LARGE, "< 5 s, < 4 GB peak", peak_mb=4096.0),
}


def rows_for(shape: str, sizes: list[int], args: argparse.Namespace, data_n: dict[str, int]) -> list[Row]:
    """The table of one shape: which task runs on which data, against which target and peer."""
    base, repeat = sizes[0], args.repeat
    peers = not args.no_peers

    def lifetimes(task: str, runs: int) -> tuple[str, str, int] | None:
        return ("lifetimes", task, runs) if peers else None

    periods = "10 periods" if shape == "cdnow" else "1 to 10 periods"
    full = args.lifetimes_pareto_full == shape
    rows = [
        Row("BG/NBD fit", "bgnbd_fit", "summary", base, TARGETS["bgnbd_fit"], lifetimes("bgnbd_fit", repeat)),
        Row("MBG/NBD fit", "mbgnbd_fit", "summary", base, TARGETS["mbgnbd_fit"], lifetimes("mbgnbd_fit", repeat)),
    ]
    if shape == "daily":
        pymc = ("pymc-marketing", "bgnbd_fit", 1) if peers else None
        rows.append(Row("BG/NBD fit", "bgnbd_fit", "pymc", data_n["pymc"], None, pymc, PYMC_NOTE))
    rows += [
        Row(
            "Pareto/NBD fit", "pareto_fit", "summary", base, TARGETS["pareto_fit"],
            lifetimes("pareto_fit", 1) if full else None, "lifetimes: 1 run" if full and peers else "",
        ),
        Row(
            "Pareto/NBD fit", "pareto_fit", "pareto", data_n["pareto"], None, lifetimes("pareto_fit", 1),
            "lifetimes: 1 run" if peers else "",
        ),
        Row(
            "Gamma-Gamma fit", "gamma_gamma_fit", "repeaters", base, TARGETS["gamma_gamma_fit"],
            lifetimes("gamma_gamma_fit", repeat), f"the first {base:,} repeat customers of {data_n['of']:,}",
        ),
        Row("BG/BB fit", "bgbb_fit", "discrete", base, TARGETS["bgbb_fit"], note=f"simulate_discrete, {periods}"),
        Row("score table", "score", "summary", base, TARGETS["score"]),
        Row(
            f"score, {INTERVAL:.0%} intervals", "score_interval", "summary", base, TARGETS["score_interval"],
            note=f"{N_DRAWS} draws (asymptotic)",
        ),
    ]
    for size in sizes[1:]:
        rows.append(Row("score table", "score", f"summary_{size}", size, TARGETS["score_large"]))
        if shape == "continuous":
            rows.append(Row("BG/NBD fit", "bgnbd_fit", f"summary_{size}", size, TARGETS["bgnbd_fit_large"]))
    return rows


def simulate_repeaters(n: int, shape: str, fraction: float) -> tuple[pd.DataFrame, int]:
    """``n`` repeat customers of a shape, and how many customers were simulated to have them."""
    total = int(n / fraction * 1.02) + 1_000
    while True:
        data = simulate_summary(total, shape, seed=1)
        repeaters = data[data["frequency"] > 0]
        if len(repeaters) >= n:
            return repeaters.iloc[:n], total
        total = int(total * 1.1)


def cold(spec: dict[str, Any]) -> dict[str, Any]:
    """Time a task's first call in a fresh process; on failure, the error's last line under ``error``."""
    done = subprocess.run(
        [sys.executable, str(HERE / "_pyclv_worker.py"), json.dumps(spec)], capture_output=True, text=True
    )
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines() or [f"exit code {done.returncode}"]
        return {"error": scrub(lines[-1])}
    return json.loads(done.stdout.strip().splitlines()[-1])


def warm(spec: dict[str, Any], repeat: int, warm_up: bool) -> tuple[float, Any]:
    """Median of ``repeat`` calls in this process, after one untimed call if ``warm_up``."""
    inputs = load(spec)
    if warm_up:
        run(spec, inputs)
    times, result = [], None
    for _ in range(repeat):
        result = None  # the previous call's table is freed before the next call, not during it
        gc.collect()
        start = time.perf_counter()
        result = run(spec, inputs)
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def met(row: Row, warm_s: float, peak_mb: float, peer: dict[str, Any], score_peak_mb: float) -> str:
    """Whether the row meets its target: "yes", "no (what failed)", "" without a target or at another size."""
    target = row.target
    if target is None:
        return ""
    if row.n != target.size:
        return f"n/a at {row.n:,}"
    failed = [] if warm_s < target.seconds else [f"{warm_s:.3g} s"]
    if target.peak_mb is not None and not peak_mb < target.peak_mb:
        failed.append(f"peak {peak_mb:,.0f} MB")
    if target.bounded_memory:
        # bounded: the peak above the plain score's stays below one draws x customers matrix of float64
        bound = N_DRAWS * row.n * 8 / 2**20
        extra = peak_mb - score_peak_mb
        if not extra < bound:
            failed.append(f"{extra:,.0f} MB above the plain score (bound {bound:,.0f} MB)")
    partial = ""
    if target.min_speedup is not None or target.param_tol is not None:
        if row.peer is None:
            partial = " (no peer run: time only)"
        elif not peer:
            failed.append("no peer result")
        else:
            if peer["seconds"] / warm_s < (target.min_speedup or 0.0):
                failed.append(f"speed-up {peer['seconds'] / warm_s:.3g}")
            if not peer["max_rel_diff"] <= (target.param_tol or math.inf):
                failed.append(f"parameters differ by {peer['max_rel_diff']:.2g}")
    return "yes" + partial if not failed else "no (" + "; ".join(failed) + ")"


def prepare(shape: str, sizes: list[int], peer_sizes: dict[str, int], folder: Path) -> dict[str, Any]:
    """Simulate a shape's data, write them to ``folder`` (one .npz per data key) and fit the models to score with."""
    summary = simulate_summary(sizes[0], shape, seed=0)
    repeaters, repeaters_of = simulate_repeaters(sizes[0], shape, float((summary["frequency"] > 0).mean()))
    frames = {
        "summary": summary,
        "pareto": summary.iloc[: peer_sizes["pareto"]],
        "pymc": summary.iloc[: peer_sizes["pymc"]],
        "repeaters": repeaters,
        "discrete": simulate_discrete(sizes[0], shape, seed=0),
    }
    for key, frame in frames.items():
        save(frame, folder / f"{key}.npz")
    for size in sizes[1:]:
        save(simulate_summary(size, shape, seed=0), folder / f"summary_{size}.npz")
    models = [str(folder / "bgnbd.json"), str(folder / "gamma_gamma.json")]
    pyclv.save_model(pyclv.BetaGeo().fit(summary), models[0])
    pyclv.save_model(pyclv.GammaGamma().fit(summary), models[1])
    return {
        "frames": frames,
        "models": models,
        "horizon": HORIZON[summary.attrs["time_unit"]],
        "data_n": {**peer_sizes, "of": repeaters_of},
    }


def compare(check: dict[str, Any], answer: dict[str, Any]) -> dict[str, float]:
    """Relative differences of pyclv's parameters from the peer's, by name (those both have)."""
    theirs = answer["params"]
    return {k: abs(v - theirs[k]) / abs(theirs[k]) for k, v in check.get("params", {}).items() if k in theirs}


def measure_row(
    row: Row,
    spec: dict[str, Any],
    frame: pd.DataFrame | None,
    args: argparse.Namespace,
    pythons: dict[str, Path | None],
    state: dict[str, Any],
) -> dict[str, Any]:
    """Time one row: pyclv cold (a fresh process) and warm (this one), and its peer on the same data."""
    print(f"  {row.label}, {row.n:,}", file=sys.stderr)
    first = cold(spec)
    state["workers"].append({**first, "task": row.label})
    slow = first.get("first_s", 0.0) > args.budget  # one warm call, without a warm-up: compiling is noise here
    warm_up = not slow and row.task not in state["warmed"]  # the first call of its kind in this process
    state["warmed"].add(row.task)
    warm_s, result = warm(spec, 1 if slow else args.repeat, warm_up)
    check = summarize(spec, result)
    del result
    peer: dict[str, Any] = {}
    answer = None
    if row.peer is not None:
        name, task, runs = row.peer
        answer = run_peer(name, pythons[name], task, frame, runs)
    if row.peer is not None and answer is not None:
        state["versions"][row.peer[0]] = answer.get("version", "")
        diffs = compare(check, answer)
        peer = {
            "seconds": statistics.median(answer["times"]),
            "peak_rss_mb": answer["peak_rss_mb"],
            "max_rel_diff": max(diffs.values(), default=np.nan),
        }
        state["params"] += [
            {
                "shape": spec["shape"],
                "task": row.label,
                "customers": f"{row.n:,}",
                "peer": row.peer[0],
                "parameter": k,
                "pyclv": check["params"][k],
                "peer value": answer["params"][k],
                "rel. diff": d,
            }
            for k, d in diffs.items()
        ]
    notes = [row.note] if row.note else []
    if slow:
        notes.append(f"warm: 1 call (the first took over {args.budget:g} s)")
    if "error" in first:
        notes.append(f"cold run failed: {first['error']}")
    if check.get("standard_errors_finite") is False:
        notes.append("standard errors not all finite")
    if row.peer is not None and not peer:
        notes.append(f"{row.peer[0]} gave no result")
    peak = first.get("peak_rss_mb", np.nan)
    if row.task == "score":
        state["score_peak"][(spec["shape"], row.n)] = peak
    return {
        "task": row.label,
        "customers": f"{row.n:,}",
        "pyclv cold s": first.get("cold_s", np.nan),
        "pyclv warm s": warm_s,
        "target": row.target.text if row.target else "",
        "met": met(row, warm_s, peak, peer, state["score_peak"].get((spec["shape"], row.n), np.nan)),
        "peer": row.peer[0] if row.peer else "",
        "peer s": peer.get("seconds", np.nan),
        "speed-up": peer["seconds"] / warm_s if peer else np.nan,
        "pyclv peak RSS MB": peak,
        "pyclv peak before call MB": first.get("rss_before_mb", np.nan),
        "peer peak RSS MB": peer.get("peak_rss_mb", np.nan),
        "note": "; ".join(notes),
    }


def measure_shape(
    shape: str,
    sizes: list[int],
    args: argparse.Namespace,
    peer_sizes: dict[str, int],
    pythons: dict[str, Path | None],
    state: dict[str, Any],
) -> pd.DataFrame:
    """The table of one shape; the parameters side by side and the cold runs' facts go to ``state``."""
    with tempfile.TemporaryDirectory(prefix="pyclv-bench-") as tmp:
        folder = Path(tmp)
        print(f"shape {shape}: simulating", file=sys.stderr)
        data = prepare(shape, sizes, peer_sizes, folder)
        lines = []
        for row in rows_for(shape, sizes, args, data["data_n"]):
            spec: dict[str, Any] = {"task": row.task, "data": str(folder / f"{row.data}.npz"), "shape": shape}
            if row.task.startswith("score"):
                spec.update(models=data["models"], horizon=data["horizon"])
            lines.append(measure_row(row, spec, data["frames"].get(row.data), args, pythons, state))
    return pd.DataFrame(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", type=int, nargs="+", help=f"the size of every task, then those of the large ones ({BASE} {LARGE})"
    )
    parser.add_argument("--repeat", type=int, default=3, help="warm calls per task (median)")
    parser.add_argument(
        "--budget", type=float, default=60.0, help="seconds of a first call above which one warm call is enough"
    )
    parser.add_argument("--shapes", nargs="+", choices=SHAPES, default=list(SHAPES))
    parser.add_argument("--quick", action="store_true", help="small sizes, to check the script")
    parser.add_argument("--no-peers", action="store_true", help="time pyclv only")
    parser.add_argument("--pareto-peer-size", type=int, help="lifetimes' Pareto/NBD size (100000)")
    parser.add_argument("--pymc-size", type=int, help="PyMC-Marketing's size on 'daily' (100000)")
    parser.add_argument(
        "--lifetimes-pareto-full",
        choices=SHAPES,
        help="also fit lifetimes' Pareto/NBD at the first size on this shape (1 run; minutes at 1M)",
    )
    parser.add_argument(
        "--out", help="results file whose section to replace (default RESULTS.md; none with --quick)"
    )
    args = parser.parse_args()
    small = 5_000 if args.quick else 100_000
    sizes = args.sizes or ([20_000, 50_000] if args.quick else [BASE, LARGE])
    peer_sizes = {
        "pareto": min(args.pareto_peer_size or small, sizes[0]),
        "pymc": min(args.pymc_size or small, sizes[0]),
    }
    out = args.out or (None if args.quick else str(HERE / "RESULTS.md"))
    pythons = {name: None if args.no_peers else peer_python(name) for name in ("lifetimes", "pymc-marketing")}
    state: dict[str, Any] = {
        "workers": [], "warmed": set(), "params": [], "versions": {}, "score_peak": {}, "load": os.getloadavg()[0]
    }
    tables = {shape: measure_shape(shape, sizes, args, peer_sizes, pythons, state) for shape in args.shapes}
    text = report(args, sizes, tables, state, pythons)
    if out:
        write_section(Path(out), "bench_shapes.py", text)
    print(text)


def blas() -> str:
    """numpy's BLAS and its thread setting (unset: one thread per core, which a busy machine makes very slow)."""
    try:
        info = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        name = f"{info['name']} {info.get('version', '')}".strip()
    except (TypeError, KeyError):
        name = "BLAS"
    names = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
    threads = ", ".join(f"{k}={os.environ[k]}" for k in names if k in os.environ) or "threads not set"
    return f"{name} ({threads})"


def report(
    args: argparse.Namespace,
    sizes: list[int],
    tables: dict[str, pd.DataFrame],
    state: dict[str, Any],
    pythons: dict[str, Path | None],
) -> str:
    """The Markdown section: a header of machine facts and versions, one table per shape, the parameters."""
    try:
        import numba

        numba_text = f"numba {numba.__version__} importable"
    except ImportError:
        numba_text = "numba not installed"
    workers, params_rows, peer_versions = state["workers"], state["params"], state["versions"]
    loaded = sorted({w["task"] for w in workers if w.get("numba_loaded")})
    numba_text += f", loaded by pyclv's {', '.join(loaded)}" if loaded else ", not loaded by any of pyclv's tasks"
    imports = [w["import_s"] for w in workers if "import_s" in w]
    import_text = f"{statistics.median(imports):.2f} s" if imports else "n/a"
    peers = []
    for name, label in (("lifetimes", "lifetimes"), ("pymc-marketing", "PyMC-Marketing")):
        if pythons.get(name) is None:
            peers.append(f"{label} not run")
        else:
            peers.append(f"{label} {peer_versions.get(name, '(no result)')}")
    command = " ".join(["python benchmarks/bench_shapes.py", *map(scrub, sys.argv[1:])])
    lines = [
        "## Speed targets on three shapes of simulated data",
        "",
        f"Machine: {machine()}. pyclv {pyclv.__version__} (numpy {np.__version__}, scipy {scipy.__version__}, "
        f"pandas {pd.__version__}, {blas()}); {numba_text} (cold runs); peers in their own venvs: "
        f"{', '.join(peers)}. Load average (1 min) {state['load']:.2f} at the start, {os.getloadavg()[0]:.2f} at "
        f"the end. Generated by `{command}`.",
        "",
        f"Warm: median of {args.repeat} calls in one process after an untimed first call; the targets (medians) "
        "are judged on it. Cold: `import pyclv` plus the first call in a fresh process, kernels compiled or "
        f"loaded on the way included (the import alone: {import_text}, median). Peak RSS: the cold process's "
        "(interpreter, imports, data and the call), with its size before the call. Fit times include the "
        "standard errors. Scoring: horizon one year (52 weeks or 365 days), 10 % a year, on the models fitted "
        f"to the first {sizes[0]:,} customers. Peers: median of {args.repeat} runs unless noted; speed-up = peer "
        "seconds / pyclv warm seconds. Bounded memory (intervals): the peak above the plain score's stays below "
        f"one {N_DRAWS} draws x customers matrix of float64.",
    ]
    for shape, table in tables.items():
        lines += ["", f"### Shape `{shape}`: {SHAPE_TEXT[shape]}", "", markdown(table)]
    lines += ["", "### Fitted parameters side by side", ""]
    lines.append(markdown(pd.DataFrame(params_rows)) if params_rows else "(no peer results)")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
