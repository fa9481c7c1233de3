"""Scoring through interpolated factors: the same numbers as the models' plain functions, compiled or on numpy.

The score table's transaction quantities of factorised models come from piecewise Chebyshev interpolants in
log T per frequency (:mod:`pyclv._factors`), evaluated by compiled loops (:mod:`pyclv._kernels.scoring`) or
their numpy path. Both are held to the models' own per-customer functions (``conditional_expected_purchases``,
``p_alive``, the discounting quadrature once per distinct history) to 1e-10 relative (issue 9), on the three
shapes of the speed targets and in the numerical extremes; the interval bounds of the compiled pass to the
per-block path on numpy, and its quantiles to ``numpy.quantile``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import pyclv
from pyclv import _factors, _intervals, _kernels
from pyclv._kernels import scoring
from pyclv._time import rate_per_unit
from pyclv.datasets._shapes import BG_NBD_WEEKS, GAMMA_GAMMA, SHAPES, simulate_summary
from pyclv.models import beta_geo, modified_beta_geo, pareto_nbd

MODULES = {pyclv.BetaGeo: beta_geo, pyclv.ModifiedBetaGeo: modified_beta_geo, pyclv.ParetoNBD: pareto_nbd}
# Pareto/NBD at the CDNOW estimates of Fader, Hardie & Lee (2005b), in weeks.
PARETO_WEEKS = {"r": 0.55, "alpha": 10.58, "s": 0.61, "beta": 11.67}
needs_numba = pytest.mark.skipif(not _kernels.available(), reason="numba is not installed")


def _models(shape: str, model_cls: type) -> tuple:
    unit = "W" if shape == "cdnow" else "D"
    weeks, scales = (PARETO_WEEKS, ("alpha", "beta")) if model_cls is pyclv.ParetoNBD else (BG_NBD_WEEKS, ("alpha",))
    params = {k: v * 7.0 if unit == "D" and k in scales else v for k, v in weeks.items()}
    return model_cls.from_params(**params, time_unit=unit), pyclv.GammaGamma.from_params(**GAMMA_GAMMA, time_unit=unit)


def _plain_table(model: pyclv.BetaGeo, gg: pyclv.GammaGamma, data: pd.DataFrame, horizon: float) -> dict:
    """The score table's numbers from the models' plain functions, customer by customer."""
    module = MODULES[type(model)]
    theta = model.theta
    x, t_x, T = (data[c].to_numpy() for c in ("frequency", "recency", "T"))
    days = 7.0 if model.time_unit_ == "W" else 1.0
    out = {"p_alive": module.p_alive(*theta, x, t_x, T)}
    for d in (30, 60, 90):
        out[f"expected_purchases_{d}d"] = module.conditional_expected_purchases(*theta, x, t_x, T, d / days)
    out["expected_purchases"] = module.conditional_expected_purchases(*theta, x, t_x, T, horizon)
    delta = rate_per_unit(0.1, model.time_unit_)
    discounted = model.discounted_purchases_at(theta, model.history(data), horizon, delta)
    spend = pyclv.models.gamma_gamma.conditional_expected_spend(*gg.theta, x, data["monetary_value"].to_numpy())
    out["clv"] = spend * discounted
    return out


def _assert_close(table: pd.DataFrame, plain: dict, rtol: float = 1e-10) -> None:
    for name, values in plain.items():
        np.testing.assert_allclose(table[name].to_numpy(), values, rtol=rtol, atol=0, err_msg=name)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("model_cls", [pyclv.BetaGeo, pyclv.ModifiedBetaGeo, pyclv.ParetoNBD])
def test_score_table_equals_the_plain_functions_on_every_shape(shape: str, model_cls: type) -> None:
    data = simulate_summary(6_000, shape, seed=4)
    model, gg = _models(shape, model_cls)
    horizon = 52.0 if shape == "cdnow" else 365.0
    compiled = pyclv.score(model, gg, data, horizon=horizon, annual_discount_rate=0.1)
    with _kernels.plain():
        numpy_path = pyclv.score(model, gg, data, horizon=horizon, annual_discount_rate=0.1)
    pd.testing.assert_frame_equal(compiled, numpy_path, rtol=1e-13)
    _assert_close(compiled, _plain_table(model, gg, data, horizon))


def test_most_customers_are_interpolated() -> None:
    """On the continuous shape nearly every customer falls on a panel (else the test above proves little)."""
    data = simulate_summary(20_000, "continuous", seed=1)
    model, _ = _models("continuous", pyclv.BetaGeo)
    x, T = data["frequency"].to_numpy(), data["T"].to_numpy()

    def evaluate(xx: np.ndarray, TT: np.ndarray) -> np.ndarray:
        return np.vstack([model.expected_purchases_if_alive_at(model.theta, xx, TT, 30.0)])

    panels, coefficients = _factors.build(x, T, evaluate, scale=_factors.scale_of("D"))
    assert len(panels.direct) < 0.05 * len(x)
    assert len(panels.x) < 20 * len(np.unique(panels.x))  # a few panels per frequency
    values = _factors.values(panels, coefficients, x, T, evaluate)
    np.testing.assert_allclose(values[0], evaluate(x, T)[0], rtol=1e-11)


@pytest.mark.parametrize("model_cls", [pyclv.BetaGeo, pyclv.ModifiedBetaGeo, pyclv.ParetoNBD])
def test_score_table_in_the_extremes(model_cls: type) -> None:
    """x in the thousands and T in the tens of thousands, on panels (many customers per frequency) and off them."""
    rng = np.random.default_rng(3)
    n = 300
    x = np.repeat([0.0, 1.0, 3000.0, 5000.0], n)
    T = rng.uniform(0.0, 52_000.0, len(x))
    T[::50] = 0.0
    t_x = np.where(x > 0, T * rng.uniform(0.0, 1.0, len(x)), 0.0)
    rare = pd.DataFrame(
        {"frequency": [800.0, 2.0, 7.0], "recency": [0.5, 1e-3, 30000.0], "T": [20000.0, 1e-3, 40000.0]}
    )
    data = pd.concat([pd.DataFrame({"frequency": x, "recency": t_x, "T": T}), rare], ignore_index=True)
    data["monetary_value"] = np.where(data["frequency"] > 0, 20.0, 0.0)
    data.attrs["time_unit"] = "D"
    params = {"r": 0.25, "alpha": 30.0, "s": 0.6, "beta": 80.0} if model_cls is pyclv.ParetoNBD else {
        "r": 0.25, "alpha": 30.0, "a": 0.8, "b": 2.4
    }
    model = model_cls.from_params(**params, time_unit="D")
    gg = pyclv.GammaGamma.from_params(**GAMMA_GAMMA, time_unit="D")
    table = pyclv.score(model, gg, data, horizon=365.0, annual_discount_rate=0.1)
    assert np.isfinite(table.drop(columns="monetary_value").to_numpy()).all()
    _assert_close(table, _plain_table(model, gg, data, 365.0))


@needs_numba
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("model_cls", [pyclv.BetaGeo, pyclv.ModifiedBetaGeo])
def test_compiled_interval_bounds_equal_the_per_block_path(shape: str, model_cls: type) -> None:
    data = simulate_summary(1_500, shape, seed=6)
    model = model_cls().fit(data)
    gg = pyclv.GammaGamma().fit(data)
    horizon = 52.0 if shape == "cdnow" else 365.0
    kwargs = {"horizon": horizon, "annual_discount_rate": 0.1, "interval": 0.9, "n_draws": 30, "seed": 5}
    compiled = pyclv.score(model, gg, data, **kwargs)
    with _kernels.plain():  # the per-block path through the models' own functions, numpy's quantiles
        plain = pyclv.score(model, gg, data, **kwargs)
    pd.testing.assert_frame_equal(compiled, plain, rtol=1e-9)


@needs_numba
def test_compiled_clv_bounds_without_the_full_table(monkeypatch: pytest.MonkeyPatch) -> None:
    data = simulate_summary(1_000, "continuous", seed=2)
    model, gg = pyclv.BetaGeo().fit(data), pyclv.GammaGamma().fit(data)
    kwargs = {"horizon": 365.0, "annual_discount_rate": 0.1, "interval": 0.8, "n_draws": 25, "seed": 1}
    compiled = pyclv.customer_lifetime_value(model, gg, data, **kwargs)
    monkeypatch.setattr(_intervals, "interpolated_bounds", None)  # would fail if used
    monkeypatch.setattr(_kernels, "active", lambda: False)
    plain = pyclv.customer_lifetime_value(model, gg, data, **kwargs)
    pd.testing.assert_frame_equal(compiled, plain, rtol=1e-9)


@pytest.mark.parametrize("n", [2, 3, 7, 30, 100, 101])
@pytest.mark.parametrize("interval", [0.5, 0.8, 0.9, 0.99, 0.999])
def test_quantile_pair_is_numpys_linear_quantile(n: int, interval: float) -> None:
    rng = np.random.default_rng(n)
    q_lo, q_hi = (1.0 - interval) / 2.0, (1.0 + interval) / 2.0
    small, large = np.empty(n), np.empty(n)
    for _ in range(30):
        v = rng.standard_normal(n) * rng.choice([1e-3, 1.0, 1e6])
        v[rng.integers(0, n, n // 3)] = v[0]  # ties
        ours = scoring.quantile_pair(v, q_lo, q_hi, small, large)
        np.testing.assert_allclose(ours, np.quantile(v, [q_lo, q_hi]), rtol=1e-14, atol=1e-15 * np.abs(v).max())
    v[1 % n] = np.nan
    assert np.isnan(scoring.quantile_pair(v, q_lo, q_hi, small, large)).all()


@needs_numba
def test_chebyshev_values_compiled_equal_numpy() -> None:
    rng = np.random.default_rng(0)
    n, n_panels = 50_000, 90
    panel = rng.integers(-1, n_panels, n).astype(np.int64)  # -1: a customer without a panel
    position = rng.uniform(-1.0, 1.0, n)
    coefficients = rng.standard_normal((n_panels, 4, _factors.N_NODES))
    values = scoring.chebyshev_values(panel, position, coefficients)
    with _kernels.plain():
        numpy_values = scoring.chebyshev_values(panel, position, coefficients)
    np.testing.assert_allclose(values, numpy_values, rtol=1e-13, atol=1e-13)
    assert np.isnan(values[:, panel < 0]).all()
    for i in np.flatnonzero(panel >= 0)[:50]:  # numpy's own Chebyshev series
        expected = np.polynomial.chebyshev.chebval(position[i], coefficients[panel[i]].T)
        np.testing.assert_allclose(values[:, i], expected, rtol=1e-12, atol=1e-12)


def test_factors_fall_back_to_the_function_where_interpolation_does_not_converge() -> None:
    """A factor with a jump is never accepted on the panel that holds it: those customers get the function.

    Halving a panel across a jump does not shrink its Chebyshev tail, so the halving stops at once (STALL): the
    customers given the function directly are those within half a cell (in u) of the jump, and no others.
    """
    rng = np.random.default_rng(1)
    x = np.zeros(5_000)
    T = rng.uniform(0.0, 100.0, len(x))

    def evaluate(xx: np.ndarray, TT: np.ndarray) -> np.ndarray:
        return np.vstack([1.0 + (TT > 50.0)])

    panels, coefficients = _factors.build(x, T, evaluate, scale=1.0)
    values = _factors.values(panels, coefficients, x, T, evaluate)
    np.testing.assert_allclose(values[0], evaluate(x, T)[0], rtol=1e-12)
    u_jump, u_direct = np.log(51.0), np.log(T[panels.direct] + 1.0)
    assert 0 < len(panels.direct) < len(x) / 4
    assert np.all(np.abs(u_direct - u_jump) < 0.5 * _factors.START_WIDTH)


@pytest.mark.parametrize("model_cls", [pyclv.BetaGeo, pyclv.ParetoNBD])
def test_a_customer_is_scored_the_same_in_any_table(model_cls: type) -> None:
    """The panels are a fixed lattice: a customer's numbers do not depend on who else is scored (to the bit).

    This is what makes a Spark job's partitions agree with pandas exactly, and a nightly score of one customer
    equal to its row in the full table.
    """
    data = simulate_summary(4_000, "continuous", seed=11)
    model, gg = model_cls().fit(data), pyclv.GammaGamma().fit(data)
    options = {"horizon": 365.0, "annual_discount_rate": 0.1}
    full = pyclv.score(model, gg, data, **options)
    rng = np.random.default_rng(5)
    for size in (1, 7, 300):
        rows = np.sort(rng.choice(len(data), size, replace=False))
        alone = pyclv.score(model, gg, data.iloc[rows], **options)
        pd.testing.assert_frame_equal(alone, full.iloc[rows], check_exact=True)
    with_intervals = pyclv.score(model, gg, data, **options, interval=0.9, n_draws=50, seed=3)
    rows = np.sort(rng.choice(len(data), 40, replace=False))
    alone = pyclv.score(model, gg, data.iloc[rows], **options, interval=0.9, n_draws=50, seed=3)
    pd.testing.assert_frame_equal(alone, with_intervals.iloc[rows], check_exact=True)
