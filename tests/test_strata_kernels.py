"""The kernels' pass over all strata of a model with covariates (:mod:`pyclv._kernels.strata`).

Each stratum's total, gradient and Hessian from one pass are held to the model's own ``hessian_totals`` on the
stratum's rows alone, compiled and on numpy, for one, three and two hundred strata (one of them empty, one larger than
a block), with weights, customers without repeat purchases and the numerical extremes; the sums do not depend on the
order of the rows or the number of threads; and a fit with covariates finds the same parameters through the pass over
all strata as through the strata one by one.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pandas as pd
import pytest

import pyclv
from pyclv import _kernels
from pyclv.datasets._shapes import simulate_summary
from pyclv.models._functions import ModelFunctions

needs_numba = pytest.mark.skipif(not _kernels.available(), reason="numba is not installed")
PATHS = ["numba", "numpy"]
# Each model's data columns, its parameters at CDNOW (FHL 2005; the Gamma-Gamma's of Fader & Hardie 2013) and how
# far the strata's parameters spread around them (on the log scale).
MODELS: dict[str, tuple[type[pyclv.models.BaseModel], tuple[str, ...], np.ndarray]] = {
    "BetaGeo": (pyclv.BetaGeo, ("frequency", "recency", "T"), np.array([0.243, 4.414, 0.793, 2.426])),
    "ModifiedBetaGeo": (pyclv.ModifiedBetaGeo, ("frequency", "recency", "T"), np.array([0.525, 6.183, 0.891, 1.614])),
    "GammaGamma": (pyclv.GammaGamma, ("frequency", "monetary_value"), np.array([6.25, 3.74, 15.44])),
}


@contextlib.contextmanager
def _path(path: str) -> Iterator[None]:
    if path == "numba":
        if not _kernels.available():
            pytest.skip("numba is not installed")
        yield
    else:
        with _kernels.plain():
            yield


def _data(model: str, n_strata: int, seed: int) -> tuple[tuple[np.ndarray, ...], np.ndarray, np.ndarray]:
    """Columns, weights and strata codes: simulated customers and the extremes; the last stratum left empty."""
    _, columns, _ = MODELS[model]
    rng = np.random.default_rng(seed)
    n = 40_000 if n_strata == 1 else 6_000  # one stratum of more than a block (BLOCK_ROWS rows)
    frame = simulate_summary(n, "daily", seed=seed)
    if model == "GammaGamma":
        frame = frame[frame["frequency"] > 0]
        extremes = pd.DataFrame({"frequency": [1.0, 5000.0, 3000.0, 2.0, 1.0],
                                 "monetary_value": [1e-6, 0.01, 4e5, 1e7, 35.0]})
    else:
        extremes = pd.DataFrame({"frequency": [0.0, 1.0, 3000.0, 5000.0, 2.0, 0.0, 800.0],
                                 "recency": [0.0, 25000.0, 29999.0, 10.0, 1e-3, 0.0, 0.5],
                                 "T": [40000.0, 25000.0, 30000.0, 52000.0, 1e-3, 0.0, 20000.0]})
    frame = pd.concat([frame[list(columns)], extremes], ignore_index=True)
    arrays = tuple(frame[c].to_numpy(dtype=float) for c in columns)
    w = rng.integers(1, 4, len(frame)) * rng.choice([1.0, 0.25, 1.5], len(frame))
    codes = rng.integers(0, max(n_strata - 1, 1), len(frame)).astype(np.int64)
    return arrays, w, codes


def _thetas(model: str, n_strata: int, seed: int) -> np.ndarray:
    _, _, theta = MODELS[model]
    spread = np.random.default_rng(seed + 1).normal(0.0, 0.4, (n_strata, len(theta)))
    return theta * np.exp(spread)


def _functions(model: str) -> ModelFunctions:
    return MODELS[model][0]._functions


def _one_by_one(model: str, thetas: np.ndarray, arrays: tuple[np.ndarray, ...], w: np.ndarray,
                codes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each stratum through the model's own ``prepare`` and ``hessian_totals`` (zeros for an empty stratum)."""
    functions = _functions(model)
    assert functions.prepare is not None and functions.hessian_totals is not None
    k = thetas.shape[1]
    values, gradients, hessians = np.zeros(len(thetas)), np.zeros((len(thetas), k)), np.zeros((len(thetas), k, k))
    for s, theta in enumerate(thetas):
        rows = codes == s
        if rows.any():
            prepared = functions.prepare(tuple(a[rows] for a in arrays), w[rows])
            values[s], gradients[s], hessians[s] = functions.hessian_totals(theta, prepared)
    return values, gradients, hessians


def _all_at_once(model: str, thetas: np.ndarray, arrays: tuple[np.ndarray, ...], w: np.ndarray,
                 codes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    functions = _functions(model)
    assert functions.prepare_strata is not None and functions.strata_totals is not None
    return functions.strata_totals(thetas, functions.prepare_strata(arrays, w, codes, len(thetas)))


def _assert_close(got: np.ndarray, want: np.ndarray, rtol: float, what: str) -> None:
    """Equal to ``rtol`` of each stratum's largest value of the same kind (entries can cancel to near zero)."""
    scale = np.abs(want).reshape(len(want), -1).max(axis=1).reshape((-1,) + (1,) * (want.ndim - 1))
    assert np.all(np.isfinite(got)), what
    bound = np.broadcast_to(rtol * scale, want.shape)
    np.testing.assert_array_less(np.abs(got - want), bound + 1e-300, err_msg=what)


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("n_strata", [1, 3, 200])
@pytest.mark.parametrize("model", MODELS)
def test_strata_totals_equal_the_model_stratum_by_stratum(model: str, n_strata: int, path: str) -> None:
    arrays, w, codes = _data(model, n_strata, seed=n_strata)
    thetas = _thetas(model, n_strata, seed=n_strata)
    with _path(path):
        got = _all_at_once(model, thetas, arrays, w, codes)
        want = _one_by_one(model, thetas, arrays, w, codes)
    k = thetas.shape[1]
    assert got[0].shape == (n_strata,) and got[1].shape == (n_strata, k) and got[2].shape == (n_strata, k, k)
    np.testing.assert_allclose(got[0], want[0], rtol=1e-12, atol=0)
    _assert_close(got[1], want[1], 1e-12, "gradient")
    _assert_close(got[2], want[2], 1e-12, "Hessian")
    np.testing.assert_array_equal(got[2], np.swapaxes(got[2], 1, 2))
    if n_strata > 1:  # the last stratum has no rows
        assert got[0][-1] == 0.0 and not got[1][-1].any() and not got[2][-1].any()


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("model", MODELS)
def test_strata_totals_do_not_depend_on_the_order_of_the_rows(model: str, path: str) -> None:
    arrays, w, codes = _data(model, 50, seed=7)
    thetas = _thetas(model, 50, seed=7)
    shuffle = np.random.default_rng(3).permutation(len(w))
    with _path(path):
        before = _all_at_once(model, thetas, arrays, w, codes)
        after = _all_at_once(model, thetas, tuple(a[shuffle] for a in arrays), w[shuffle], codes[shuffle])
    for one, other in zip(before, after, strict=True):
        np.testing.assert_array_equal(one, other)


@needs_numba
@pytest.mark.parametrize("model", MODELS)
def test_strata_totals_do_not_depend_on_the_number_of_threads(model: str) -> None:
    import numba

    arrays, w, codes = _data(model, 3, seed=11)
    thetas = _thetas(model, 3, seed=11)
    functions = _functions(model)
    assert functions.prepare_strata is not None and functions.strata_totals is not None
    prepared = functions.prepare_strata(arrays, w, codes, 3)
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = functions.strata_totals(thetas, prepared)
        numba.set_num_threads(max(before, 2))
        many = functions.strata_totals(thetas, prepared)
    finally:
        numba.set_num_threads(before)
    for a, b in zip(one, many, strict=True):
        np.testing.assert_array_equal(a, b)


def _covariate_data(model: str) -> pd.DataFrame:
    """Customers whose purchase rate, dropout and spend change with a covariate of 60 distinct values."""
    rng = np.random.default_rng(21)
    pieces = []
    for level in range(60):
        z = level / 60.0
        model_at = pyclv.BetaGeo.from_params(r=0.5, alpha=10.0 * np.exp(-z), a=0.8 * np.exp(z), b=2.5 * np.exp(z),
                                             time_unit="D")
        piece = model_at.simulate(70, rng.integers(30, 400, 70).astype(float), seed=level)
        piece["z"] = z
        pieces.append(piece)
    data = pd.concat(pieces, ignore_index=True)
    data.index.name = "customer_id"
    if model == "GammaGamma":
        data = data[data["frequency"] > 0].copy()
        spend = pyclv.GammaGamma.from_params(p=6.0, q=3.7, v=15.0).simulate(data["frequency"], seed=23)
        data["monetary_value"] = spend.to_numpy() * np.exp(data["z"].to_numpy())
    data.attrs["time_unit"] = "D"
    return data


COVARIATES: dict[str, dict[str, Any]] = {
    "BetaGeo": {"purchase_covariates": ["z"], "dropout_covariates": ["z"]},
    "GammaGamma": {"spend_covariates": ["z"]},
}


@pytest.mark.parametrize("model", COVARIATES)
def test_a_fit_with_covariates_agrees_with_the_fit_stratum_by_stratum(
    model: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    cls = MODELS[model][0]
    data = _covariate_data(model)
    fit: Callable[[], pyclv.models.BaseModel] = lambda: cls(**COVARIATES[model]).fit(data)  # noqa: E731
    at_once = fit()
    monkeypatch.setattr(cls, "_functions", dataclasses.replace(cls._functions, prepare_strata=None,
                                                               strata_totals=None))
    one_by_one = fit()
    assert at_once.converged_ and one_by_one.converged_
    assert abs(at_once.params_.filter(like="z").to_numpy()).min() > 0.05  # the covariate matters
    np.testing.assert_allclose(at_once.params_.to_numpy(), one_by_one.params_.to_numpy(), rtol=1e-9, atol=1e-12)
    assert at_once.log_likelihood_ == pytest.approx(one_by_one.log_likelihood_, rel=1e-12)
    np.testing.assert_allclose(at_once.standard_errors_.to_numpy(), one_by_one.standard_errors_.to_numpy(),
                               rtol=1e-7)
