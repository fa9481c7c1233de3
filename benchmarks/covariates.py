"""Time the fits with time-invariant covariates beside the plain fits of the same models on the same data.

The data are simulated with known effects of five covariates: ``channel`` (3 levels), ``region`` (4 levels),
``tier`` (a loyalty tier, 3 levels) and two 0/1 flags (``newsletter``, ``app_user``), 144 distinct profiles and 9
encoded columns. Each profile (stratum) is drawn by the model without covariates at its parameters, in CLVTools'
parameterisation: BG/NBD ``alpha_i = alpha exp(-g_P'z)``, ``a_i = a exp(g_D'z)``, ``b_i = b exp(g_D'z)``;
Pareto/NBD ``alpha_i = alpha exp(-g_P'z)``, ``beta_i = beta exp(-g_D'z)``; Gamma-Gamma ``v_i = v exp(g_S'z)``
(its customers' frequencies from a BG/NBD without covariates). BG/NBD and Pareto/NBD take every covariate on both
processes (18 coefficients), Gamma-Gamma on spend (9).

Per model: the warm fit seconds (median of --repeat calls after an untimed first call) without and with
covariates, their ratio, the strata, the log-likelihoods and the LR statistic, the Newton iterations and the
largest |estimate - truth| / standard error over every parameter and coefficient (about 3 at most when the fit
recovers the truth; larger means a bias or standard errors that are too small). ``--profile`` adds the functions
where the fit with covariates spends its time (cProfile, cumulative).

    python benchmarks/covariates.py                      # 1,000,000 customers
    python benchmarks/covariates.py --customers 100000
    python benchmarks/covariates.py --quick              # a smoke run: 20,000 customers, one call each
"""

from __future__ import annotations

import argparse
import cProfile
import io
import platform
import pstats
import statistics
import time
from collections.abc import Callable

import numpy as np
import pandas as pd

import pyclv

#: Covariate columns and their values; a categorical's reference level is the first in sorted order.
LEVELS: dict[str, tuple[object, ...]] = {
    "channel": ("app", "store", "web"),
    "region": ("east", "north", "south", "west"),
    "tier": ("bronze", "gold", "silver"),
    "newsletter": (0, 1),
    "app_user": (0, 1),
}
SHARES: dict[str, tuple[float, ...]] = {
    "channel": (0.2, 0.3, 0.5),
    "region": (0.25, 0.3, 0.25, 0.2),
    "tier": (0.6, 0.1, 0.3),
    "newsletter": (0.6, 0.4),
    "app_user": (0.7, 0.3),
}
COLUMNS = list(LEVELS)
BASE = {
    "BetaGeo": {"r": 0.8, "alpha": 6.0, "a": 0.9, "b": 3.0},
    "ParetoNBD": {"r": 0.8, "alpha": 6.0, "s": 0.9, "beta": 12.0},
    "GammaGamma": {"p": 6.0, "q": 4.0, "v": 15.0},
}
#: Which base parameter each process scales, and in which direction.
LINKS = {
    "BetaGeo": {"alpha": ("purchase", -1.0), "a": ("dropout", 1.0), "b": ("dropout", 1.0)},
    "ParetoNBD": {"alpha": ("purchase", -1.0), "beta": ("dropout", -1.0)},
    "GammaGamma": {"v": ("spend", 1.0)},  # v is the scale of spend
}
PROCESSES = {"BetaGeo": ("purchase", "dropout"), "ParetoNBD": ("purchase", "dropout"), "GammaGamma": ("spend",)}
MODELS: dict[str, type[pyclv.BetaGeo] | type[pyclv.ParetoNBD] | type[pyclv.GammaGamma]] = {
    "BetaGeo": pyclv.BetaGeo,
    "ParetoNBD": pyclv.ParetoNBD,
    "GammaGamma": pyclv.GammaGamma,
}
SPEND_TRANSACTIONS = {"r": 1.5, "alpha": 4.0, "a": 0.6, "b": 2.5}


def encoded_names() -> list[str]:
    """The encoded columns, named as the fitted coefficients are (without the process)."""
    names = []
    for column, levels in LEVELS.items():
        names += [f"{column}[{level}]" for level in levels[1:]] if isinstance(levels[0], str) else [column]
    return names


def true_effects(seed: int) -> dict[str, dict[str, float]]:
    """Coefficients per process, drawn once (uniform on +-0.5, at least 0.1 from 0)."""
    rng = np.random.default_rng(seed)
    out = {}
    for process in ("purchase", "dropout", "spend"):
        size = rng.uniform(0.1, 0.5, len(encoded_names())) * rng.choice([-1.0, 1.0], len(encoded_names()))
        out[process] = dict(zip(encoded_names(), size.tolist(), strict=True))
    return out


def simulate(name: str, n: int, effects: dict[str, dict[str, float]], seed: int) -> pd.DataFrame:
    """A summary of ``n`` customers with the five covariates, drawn stratum by stratum."""
    rng = np.random.default_rng(seed)
    codes = {c: rng.choice(len(LEVELS[c]), size=n, p=SHARES[c]) for c in COLUMNS}
    T = 78.0 - np.floor(rng.uniform(0.0, 52.0, n))
    frame = pd.DataFrame(
        {c: np.asarray(LEVELS[c], dtype=object if isinstance(LEVELS[c][0], str) else np.int64)[codes[c]]
         for c in COLUMNS},
        index=pd.RangeIndex(n, name="customer_id"),
    )
    z = np.zeros((n, len(encoded_names())))
    at = 0
    for c in COLUMNS:
        if isinstance(LEVELS[c][0], str):
            for level in range(1, len(LEVELS[c])):
                z[:, at] = codes[c] == level
                at += 1
        else:
            z[:, at] = codes[c]
            at += 1
    profile = np.zeros(n, dtype=np.int64)
    for c in COLUMNS:
        profile = profile * len(LEVELS[c]) + codes[c]
    names = encoded_names()
    if name == "GammaGamma":
        drawn = pyclv.BetaGeo.from_params(time_unit="W", **SPEND_TRANSACTIONS).simulate(n, T, seed=rng)
        columns = {c: drawn[c].to_numpy() for c in ("frequency", "recency", "T")}
        columns["monetary_value"] = np.zeros(n)
    else:
        columns = {c: np.empty(n) for c in ("frequency", "recency", "T")}
    for key in np.unique(profile):
        rows = np.flatnonzero(profile == key)
        params = dict(BASE[name])
        for param, (process, sign) in LINKS[name].items():
            shift = sum(effects[process][c] * z[rows[0], k] for k, c in enumerate(names))
            params[param] *= float(np.exp(sign * shift))
        if name == "GammaGamma":
            spend = pyclv.GammaGamma.from_params(**params).simulate(columns["frequency"][rows], seed=rng)
            columns["monetary_value"][rows] = spend.to_numpy()
        else:
            drawn = MODELS[name].from_params(time_unit="W", **params).simulate(len(rows), T[rows], seed=rng)
            for c in ("frequency", "recency", "T"):
                columns[c][rows] = drawn[c].to_numpy()
    out = pd.DataFrame(columns, index=frame.index).join(frame)
    out.attrs["time_unit"] = "W"
    return out


def settings(name: str) -> dict[str, list[str]]:
    return {f"{process}_covariates": COLUMNS for process in PROCESSES[name]}


def truth(name: str, effects: dict[str, dict[str, float]]) -> pd.Series:
    values = dict(BASE[name])
    for process in PROCESSES[name]:
        values.update({f"{process}.{c}": v for c, v in effects[process].items()})
    return pd.Series(values)


def median_time(fn: Callable[[], object], repeat: int) -> float:
    fn()  # untimed: compiles or loads the kernels
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def row(name: str, data: pd.DataFrame, effects: dict[str, dict[str, float]], repeat: int) -> dict[str, object]:
    model_class = MODELS[name]
    plain = model_class().fit(data)
    with_covariates = model_class(**settings(name)).fit(data)
    estimate = with_covariates.params_
    z = (estimate - truth(name, effects)[estimate.index]) / with_covariates.standard_errors_
    fitted = data.loc[data["frequency"] > 0] if name == "GammaGamma" else data
    test = with_covariates.likelihood_ratio_test()
    plain_s = median_time(lambda: model_class().fit(data), repeat)
    covariates_s = median_time(lambda: model_class(**settings(name)).fit(data), repeat)
    return {
        "model": name,
        "customers": len(data),
        "fitted": with_covariates.n_customers_,
        "strata": len(fitted.groupby(COLUMNS).size()),
        "coefficients": len(estimate) - len(plain.params_),
        "plain_fit_s": plain_s,
        "covariates_fit_s": covariates_s,
        "ratio": covariates_s / plain_s,
        "newton_iterations": with_covariates.n_iterations_,
        "ll_plain": plain.log_likelihood_,
        "ll_covariates": with_covariates.log_likelihood_,
        "lr_statistic": test["statistic"],
        "max_abs_z": float(np.abs(z).max()),
        "converged": with_covariates.converged_,
    }


def profile(name: str, data: pd.DataFrame, lines: int = 25) -> str:
    """Where one fit with covariates spends its time (cProfile, sorted by cumulative time)."""
    model_class = MODELS[name]
    model_class(**settings(name)).fit(data)
    profiler = cProfile.Profile()
    profiler.enable()
    model_class(**settings(name)).fit(data)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(lines)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3, help="warm calls per fit (median)")
    parser.add_argument("--models", nargs="+", choices=list(MODELS), default=list(MODELS))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="a smoke run: 20,000 customers, one call per fit")
    parser.add_argument("--profile", action="store_true", help="also print cProfile's top functions of each fit")
    args = parser.parse_args()
    if args.quick:
        args.customers, args.repeat = 20_000, 1
    print(
        f"pyclv {pyclv.__version__}, numpy {np.__version__}, pandas {pd.__version__}, "
        f"Python {platform.python_version()}, {platform.machine()}; {args.customers:,} customers, "
        f"median of {args.repeat} warm fits"
    )
    effects = true_effects(args.seed)
    rows, profiles = [], []
    for name in args.models:
        start = time.perf_counter()
        data = simulate(name, args.customers, effects, args.seed)
        simulated = time.perf_counter() - start
        rows.append({**row(name, data, effects, args.repeat), "simulate_s": simulated})
        if args.profile:
            profiles.append(f"--- {name} with covariates ---\n{profile(name, data)}")
    print(pd.DataFrame(rows).to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    for text in profiles:
        print(text)


if __name__ == "__main__":
    main()
