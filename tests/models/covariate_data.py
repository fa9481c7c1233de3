"""Simulated summaries with known covariate effects, for the tests of the models with covariates.

Each customer gets a covariate profile (a channel with three levels, a 0/1 flag and, optionally, a numeric column
with a few values); customers with the same profile (a stratum) share their individual parameters, which follow
CLVTools' parameterisation, written out here on its own so that the tests check the library against it:

* BG/NBD: ``alpha_i = alpha exp(-g_P'z)``, ``a_i = a exp(g_D'z)``, ``b_i = b exp(g_D'z)``;
* Pareto/NBD: ``alpha_i = alpha exp(-g_P'z)``, ``beta_i = beta exp(-g_D'z)``;
* Gamma-Gamma: ``v_i = v exp(g_S'z)`` (v is the scale of spend, so a positive coefficient means more spend).

Each stratum is drawn by the model without covariates at its parameters (``from_params(...).simulate``). Effects
are given by encoded column, as the fitted coefficients are named: ``channel[store]``, ``channel[web]`` (against
the reference level ``app``, the first in sorted order), ``vip`` and ``tenure``.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

import pyclv
from pyclv.models._base import BaseModel

#: The channel's levels; ``app`` (first in sorted order) is the reference of the encoding.
CHANNELS = ("web", "store", "app")
CHANNEL_SHARES = (0.5, 0.3, 0.2)
#: The share of customers with ``vip == 1``.
VIP_SHARE = 0.3
#: The values of the optional numeric column ``tenure``.
TENURES = (0.0, 1.0, 2.5)

#: Which base parameter each process scales, and in which direction (written independently of the models').
LINKS: dict[type[BaseModel], dict[str, tuple[str, float]]] = {
    pyclv.BetaGeo: {"alpha": ("purchase", -1.0), "a": ("dropout", 1.0), "b": ("dropout", 1.0)},
    pyclv.ParetoNBD: {"alpha": ("purchase", -1.0), "beta": ("dropout", -1.0)},
    pyclv.GammaGamma: {"v": ("spend", 1.0)},  # v is the scale of spend: a positive coefficient, more spend
}

BETA_GEO = {"r": 0.8, "alpha": 6.0, "a": 0.9, "b": 3.0}
PARETO_NBD = {"r": 0.8, "alpha": 6.0, "s": 0.9, "beta": 12.0}
GAMMA_GAMMA = {"p": 6.0, "q": 4.0, "v": 15.0}
#: Where the Gamma-Gamma customers' frequencies and recencies come from (a BG/NBD without covariates).
SPEND_TRANSACTIONS = {"r": 1.5, "alpha": 4.0, "a": 0.6, "b": 2.5}


def profiles(n: int, rng: np.random.Generator, *, tenure: bool = False) -> pd.DataFrame:
    """Covariates of ``n`` customers: ``channel`` (text), ``vip`` (0/1 integers) and optionally ``tenure``.

    Parameters
    ----------
    n : int
        The number of customers.
    rng : numpy.random.Generator
        Source of the draws.
    tenure : bool, default False
        Add the numeric column ``tenure`` (values :data:`TENURES`).

    Returns
    -------
    pandas.DataFrame
        One row per customer, indexed by ``customer_id`` 0..n-1.
    """
    frame = pd.DataFrame(
        {
            "channel": rng.choice(np.array(CHANNELS, dtype=object), size=n, p=CHANNEL_SHARES),
            "vip": (rng.random(n) < VIP_SHARE).astype(np.int64),
        },
        index=pd.RangeIndex(n, name="customer_id"),
    )
    if tenure:
        frame["tenure"] = rng.choice(np.array(TENURES), size=n)
    return frame


def encoded(covariates: pd.DataFrame) -> pd.DataFrame:
    """The covariates encoded by hand: one-hot ``channel[store]`` and ``channel[web]`` (reference ``app``), the
    numeric columns as they are.

    Parameters
    ----------
    covariates : pandas.DataFrame
        From :func:`profiles` (any subset of its columns).

    Returns
    -------
    pandas.DataFrame
        Float columns named as the fitted coefficients name them (without the process prefix).
    """
    out = pd.DataFrame(index=covariates.index)
    for column in covariates.columns:
        if column == "channel":
            for level in sorted(CHANNELS)[1:]:
                out[f"channel[{level}]"] = (covariates["channel"] == level).astype(float)
        else:
            out[column] = covariates[column].astype(float)
    return out


def individual_params(
    model: type[BaseModel], base: Mapping[str, float], effects: Mapping[str, Mapping[str, float]], z: pd.DataFrame
) -> pd.DataFrame:
    """Each customer's parameters: the base ones scaled by ``exp(sign * gamma_process' z)``.

    Parameters
    ----------
    model : type
        BetaGeo, ParetoNBD or GammaGamma.
    base : mapping
        The base parameters by name.
    effects : mapping
        Process to {encoded column: coefficient}; a column not named has no effect.
    z : pandas.DataFrame
        Encoded covariates (:func:`encoded`).

    Returns
    -------
    pandas.DataFrame
        One column per base parameter, one row per customer.
    """
    out = pd.DataFrame({name: np.full(len(z), float(value)) for name, value in base.items()}, index=z.index)
    for param, (process, sign) in LINKS[model].items():
        shift = np.zeros(len(z))
        for column, gamma in effects.get(process, {}).items():
            shift += gamma * z[column].to_numpy()
        out[param] *= np.exp(sign * shift)
    return out


def _by_stratum(params: pd.DataFrame) -> list[tuple[dict[str, float], np.ndarray]]:
    """The distinct parameter rows and the positions of their customers (in sorted order of the rows)."""
    groups = params.groupby(list(params.columns), sort=True).indices
    return [(dict(zip(params.columns, key, strict=True)), np.sort(rows)) for key, rows in groups.items()]


def _horizons(n: int, rng: np.random.Generator) -> np.ndarray:
    """Observation times in weeks: first purchases spread over a year, observed to week 78."""
    return 78.0 - np.floor(rng.uniform(0.0, 52.0, n))


def simulate_transactions(
    model: type[BaseModel],
    n: int,
    *,
    base: Mapping[str, float] | None = None,
    effects: Mapping[str, Mapping[str, float]] | None = None,
    tenure: bool = False,
    seed: int = 0,
) -> pd.DataFrame:
    """A BG/NBD or Pareto/NBD summary with covariates whose effects are known.

    Parameters
    ----------
    model : type
        ``pyclv.BetaGeo`` or ``pyclv.ParetoNBD``.
    n : int
        The number of customers.
    base : mapping, optional
        The base parameters (default :data:`BETA_GEO` or :data:`PARETO_NBD`).
    effects : mapping, optional
        ``{"purchase": {...}, "dropout": {...}}``, coefficients by encoded column (default: none).
    tenure : bool, default False
        Add the numeric covariate ``tenure``.
    seed : int, default 0
        Seed of every draw.

    Returns
    -------
    pandas.DataFrame
        ``frequency``, ``recency``, ``T`` (weeks) and the covariates, indexed by ``customer_id``, with
        ``attrs["time_unit"] == "W"``.
    """
    base = dict(base or (BETA_GEO if model is pyclv.BetaGeo else PARETO_NBD))
    rng = np.random.default_rng(seed)
    covariates = profiles(n, rng, tenure=tenure)
    T = _horizons(n, rng)
    params = individual_params(model, base, effects or {}, encoded(covariates))
    columns = {c: np.empty(n) for c in ("frequency", "recency", "T")}
    for values, rows in _by_stratum(params):
        drawn = model.from_params(time_unit="W", **values).simulate(len(rows), T[rows], seed=rng)
        for c in columns:
            columns[c][rows] = drawn[c].to_numpy()
    frame = pd.DataFrame(columns, index=covariates.index).join(covariates)
    frame.attrs["time_unit"] = "W"
    return frame


def simulate_spend(
    n: int,
    *,
    base: Mapping[str, float] | None = None,
    effects: Mapping[str, float] | None = None,
    tenure: bool = False,
    seed: int = 0,
) -> pd.DataFrame:
    """A summary with average spends whose covariate effects are known (Gamma-Gamma).

    Frequencies and recencies come from a BG/NBD without covariates (:data:`SPEND_TRANSACTIONS`); the average
    spends from a Gamma-Gamma at each stratum's ``v_i = v exp(g_S'z)``.

    Parameters
    ----------
    n : int
        The number of customers (those with repeat purchases are the spend fit's).
    base : mapping, optional
        ``p``, ``q``, ``v`` (default :data:`GAMMA_GAMMA`).
    effects : mapping, optional
        Spend coefficients by encoded column (default: none).
    tenure : bool, default False
        Add the numeric covariate ``tenure``.
    seed : int, default 0
        Seed of every draw.

    Returns
    -------
    pandas.DataFrame
        ``frequency``, ``recency``, ``T``, ``monetary_value`` and the covariates, indexed by ``customer_id``,
        with ``attrs["time_unit"] == "W"``.
    """
    base = dict(base or GAMMA_GAMMA)
    rng = np.random.default_rng(seed)
    covariates = profiles(n, rng, tenure=tenure)
    T = _horizons(n, rng)
    transactions = pyclv.BetaGeo.from_params(time_unit="W", **SPEND_TRANSACTIONS).simulate(n, T, seed=rng)
    params = individual_params(pyclv.GammaGamma, base, {"spend": dict(effects or {})}, encoded(covariates))
    x = transactions["frequency"].to_numpy()
    spend = np.zeros(n)
    for values, rows in _by_stratum(params):
        spend[rows] = pyclv.GammaGamma.from_params(**values).simulate(x[rows], seed=rng).to_numpy()
    frame = transactions.assign(monetary_value=spend).join(covariates)
    frame.attrs["time_unit"] = "W"
    return frame
