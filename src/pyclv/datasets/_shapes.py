"""Simulated customer summaries in the three shapes that pyclv's speed targets are measured on.

- ``"cdnow"``: the papers' shape. Customers acquired over 12 weeks and observed to week 39, in weeks, recency on a
  daily grid; a million customers collapse into some tens of thousands of distinct (x, t_x, T) rows.
- ``"daily"``: customers acquired every day over three years and observed to its end, ages and recencies in whole
  days (time unit ``"D"``); about four in ten rows are distinct.
- ``"continuous"``: the same three years with continuous ages and recencies: no two customers alike.

Purchases follow BG/NBD at the CDNOW estimates of Fader, Hardie & Lee (2005) (r = 0.243, alpha = 4.414 weeks,
a = 0.793, b = 2.426; alpha is 30.898 in days), average spends Gamma-Gamma at Fader, Hardie & Lee (2005b)'s
estimates (p = 6.25, q = 3.74, gamma = 15.44). For BG/BB, :func:`simulate_discrete` draws customers with ten
purchase opportunities (``"cdnow"``) or acquired at different times with one to ten (``"daily"``,
``"continuous"``: discrete data have no continuous version).

These back the benchmarks and the tests that fast paths agree with the plain implementation.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["SHAPES", "simulate_discrete", "simulate_summary"]

SHAPES = ("cdnow", "daily", "continuous")
DAYS = 3 * 365

BG_NBD_WEEKS: dict[str, Any] = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
GAMMA_GAMMA: dict[str, Any] = {"p": 6.25, "q": 3.74, "v": 15.44}
BG_BB: dict[str, Any] = {"alpha": 1.2, "beta": 0.75, "gamma": 0.66, "delta": 2.8}


def _check_shape(shape: str) -> None:
    if shape not in SHAPES:
        raise ValueError(f"shape must be one of {', '.join(SHAPES)}; got {shape!r}.")


def simulate_summary(n: int, shape: str = "cdnow", seed: int = 0) -> pd.DataFrame:
    """A summary table (frequency, recency, T, monetary_value) of ``n`` simulated customers.

    Parameters
    ----------
    n : int
        Number of customers.
    shape : {"cdnow", "daily", "continuous"}
        The shape of the data (see the module docstring).
    seed : int
        Seed of the draws; the same seed gives the same table.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``customer_id`` 0..n-1, with the time unit (``"W"`` or ``"D"``) in ``attrs``.
    """
    import pyclv  # the package's top level imports this module's package: import it when called

    _check_shape(shape)
    rng = np.random.default_rng(seed)
    if shape == "cdnow":
        unit, per_day = "W", 1.0 / 7.0
        T = 39.0 - np.floor(rng.uniform(0, 84, n)) * per_day
        params = BG_NBD_WEEKS
    else:
        unit, per_day = "D", 1.0
        T = DAYS - rng.uniform(0, DAYS, n)
        if shape == "daily":
            T = np.ceil(T)
        params = {**BG_NBD_WEEKS, "alpha": BG_NBD_WEEKS["alpha"] * 7.0}
    data = pyclv.BetaGeo.from_params(**params, time_unit=unit).simulate(n, T, seed=rng)
    if shape != "continuous":
        data["recency"] = np.floor(data["recency"] / per_day) * per_day  # whole days, never beyond T
    data["monetary_value"] = pyclv.GammaGamma.from_params(**GAMMA_GAMMA).simulate(data["frequency"], seed=rng)
    data.attrs["time_unit"] = unit
    return data


def simulate_discrete(n: int, shape: str = "cdnow", seed: int = 0) -> pd.DataFrame:
    """A BG/BB summary (frequency, recency, n_periods) of ``n`` simulated customers.

    Parameters
    ----------
    n : int
        Number of customers.
    shape : {"cdnow", "daily", "continuous"}
        Ten purchase opportunities for everyone (``"cdnow"``), or one to ten by time of acquisition.
    seed : int
        Seed of the draws.

    Returns
    -------
    pandas.DataFrame
    """
    import pyclv

    _check_shape(shape)
    rng = np.random.default_rng(seed)
    periods = np.full(n, 10) if shape == "cdnow" else rng.integers(1, 11, n)
    return pyclv.BetaGeoBetaBinom.from_params(**BG_BB).simulate(n, periods, seed=rng)
