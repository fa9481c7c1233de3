"""The fast paths (collapsed rows, lookup tables, compiled kernels, Newton's method, factorised expectations) give
the straightforward answers.

Each fast fit is compared with a plain implementation: written here from the papers' formulas (every row evaluated
separately, no grouping, no lookup tables, a generic optimizer), or the models' own per-customer functions under
L-BFGS-B with differenced Hessians. The parameters agree to 1e-6 relative (issue 9's requirement), the
log-likelihoods to 1e-9; the compiled kernels and their numpy path agree far more closely. The data come in the
three shapes of the speed targets (:mod:`pyclv.datasets._shapes`), at small sizes.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from scipy import optimize, special

import pyclv
from pyclv import _kernels
from pyclv.datasets._shapes import SHAPES, simulate_summary
from pyclv.models import BaseModel


def _plain_bgnbd_nll(log_params: np.ndarray, x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> float:
    r, alpha, a, b = np.exp(log_params)
    # FHL (2005) eq. 6, row by row in log space
    common = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
    term1 = special.betaln(a, b + x) - special.betaln(a, b) - (r + x) * np.log(alpha + T)
    term2 = np.where(
        x > 0,
        special.betaln(a + 1, b + np.maximum(x, 1) - 1) - special.betaln(a, b) - (r + x) * np.log(alpha + t_x),
        -np.inf,
    )
    return -float(np.sum(common + np.logaddexp(term1, term2)))


def _plain_gamma_gamma_nll(log_params: np.ndarray, x: np.ndarray, z: np.ndarray) -> float:
    p, q, v = np.exp(log_params)
    ll = (
        special.gammaln(p * x + q)
        - special.gammaln(p * x)
        - special.gammaln(q)
        + q * np.log(v)
        + (p * x - 1) * np.log(z)
        + p * x * np.log(x)
        - (p * x + q) * np.log(v + x * z)
    )
    return -float(np.sum(ll))


@pytest.fixture(scope="module")
def simulated() -> pd.DataFrame:
    rng = np.random.default_rng(11)
    n = 60_000
    T = 39.0 - np.floor(rng.uniform(0, 84, n)) / 7.0
    data = pyclv.BetaGeo.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426, time_unit="W").simulate(n, T, seed=3)
    data["recency"] = np.floor(data["recency"] * 7.0) / 7.0  # a daily grid: many identical rows to collapse
    data["monetary_value"] = pyclv.GammaGamma.from_params(p=6.25, q=3.74, v=15.44).simulate(data["frequency"], seed=4)
    data.attrs["time_unit"] = "W"
    return data


@pytest.mark.slow
def test_bgnbd_fast_fit_equals_plain_fit(simulated: pd.DataFrame) -> None:
    fast = pyclv.BetaGeo().fit(simulated)
    x, t_x, T = (simulated[c].to_numpy() for c in ("frequency", "recency", "T"))
    plain = optimize.minimize(
        _plain_bgnbd_nll,
        np.log([0.3, 5.0, 1.0, 3.0]),
        args=(x, t_x, T),
        method="Nelder-Mead",
        options={"xatol": 1e-10, "fatol": 1e-10, "maxiter": 20_000, "maxfev": 20_000},
    )
    np.testing.assert_allclose(fast.params_.to_numpy(), np.exp(plain.x), rtol=1e-6)
    assert fast.log_likelihood_ == pytest.approx(-plain.fun, rel=1e-9)


def test_gamma_gamma_fast_fit_equals_plain_fit(simulated: pd.DataFrame) -> None:
    fast = pyclv.GammaGamma().fit(simulated)
    repeat = simulated[simulated["frequency"] > 0]
    x, z = repeat["frequency"].to_numpy(), repeat["monetary_value"].to_numpy()
    plain = optimize.minimize(
        _plain_gamma_gamma_nll,
        np.log([1.0, 2.0, z.mean()]),
        args=(x, z),
        method="Nelder-Mead",
        options={"xatol": 1e-10, "fatol": 1e-10, "maxiter": 20_000, "maxfev": 20_000},
    )
    np.testing.assert_allclose(fast.params_.to_numpy(), np.exp(plain.x), rtol=1e-6)
    assert fast.log_likelihood_ == pytest.approx(-plain.fun, rel=1e-9)


def test_fast_scoring_equals_row_by_row(simulated: pd.DataFrame) -> None:
    bgnbd = pyclv.BetaGeo.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426, time_unit="W")
    gg = pyclv.GammaGamma.from_params(p=6.25, q=3.74, v=15.44)
    subset = simulated.iloc[:400]
    table = pyclv.score(bgnbd, gg, subset, horizon=26.0)
    from pyclv.models import beta_geo, gamma_gamma

    for cid, row in subset.iterrows():
        purchases = float(
            beta_geo.conditional_expected_purchases(
                0.243, 4.414, 0.793, 2.426, row["frequency"], row["recency"], row["T"], 26.0
            )
        )
        spend = float(
            gamma_gamma.conditional_expected_spend(6.25, 3.74, 15.44, row["frequency"], row["monetary_value"])
        )
        assert table.loc[cid, "expected_purchases"] == pytest.approx(purchases, rel=1e-12)
        assert table.loc[cid, "clv"] == pytest.approx(purchases * spend, rel=1e-12)


@pytest.mark.parametrize("alpha_larger", [True, False])
def test_pareto_nbd_tails_once_per_distinct_pair_equal_the_direct_ones(alpha_larger: bool) -> None:
    from pyclv.models import _pareto_integrals

    rng = np.random.default_rng(2)
    n = 20_000
    x = rng.integers(0, 30, n).astype(float)
    tau = np.floor(rng.uniform(0, 39, n) * 7) / 7  # a daily grid: pairs repeat
    varying = 0.55 + x
    constant = np.full(n, 1.6)
    c, d = (np.full(n, 11.7), np.full(n, 10.6)) if alpha_larger else (np.full(n, 10.6), np.full(n, 11.7))
    pc, pd_ = (varying, constant) if alpha_larger else (constant, varying)
    fast = _pareto_integrals.log_tail_hyp(pc, pd_, c, d, tau)
    direct = _pareto_integrals.log_tail_hyp_direct(pc, pd_, c, d, tau)
    np.testing.assert_array_equal(fast, direct)


@pytest.mark.slow
@pytest.mark.parametrize("model_cls", [pyclv.BetaGeo, pyclv.GammaGamma])
def test_warm_start_reaches_the_same_optimum(
    simulated: pd.DataFrame, monkeypatch: pytest.MonkeyPatch, model_cls: type
) -> None:
    """Large fits start from a quick fit on a subset: the optimum, and so the result, does not change."""
    from pyclv.models import _mle

    cold = model_cls().fit(simulated)
    monkeypatch.setattr(_mle, "WARM_START_ROWS", 1_000)  # make the simulated data "large"
    monkeypatch.setattr(_mle, "WARM_START_SUBSET", 800)
    warm = model_cls().fit(simulated)
    np.testing.assert_allclose(warm.params_, cold.params_, rtol=1e-6)
    assert warm.log_likelihood_ == pytest.approx(cold.log_likelihood_, rel=1e-10)


def test_gamma_gamma_fit_sums_equal_the_per_customer_sums(simulated: pd.DataFrame) -> None:
    from pyclv.models import gamma_gamma

    repeat = simulated[simulated["frequency"] > 0]
    x, z = repeat["frequency"].to_numpy(), repeat["monetary_value"].to_numpy()
    w = np.random.default_rng(1).integers(1, 4, len(x)).astype(float)
    sums = gamma_gamma.SpendData.build(x, z, w)
    for theta in ([6.0, 3.5, 15.0], [0.5, 1.2, 300.0]):
        ll, grad = sums.totals(*theta)
        assert ll == pytest.approx(float(w @ gamma_gamma.loglik(*theta, x, z)), rel=1e-12)
        np.testing.assert_allclose(grad, w @ gamma_gamma.loglik_grad(*theta, x, z), rtol=1e-9)


def _plain_version(model_cls: type[BaseModel]) -> type[BaseModel]:
    """The model fitted the plain way: its per-customer loglik and loglik_grad, L-BFGS-B, differenced Hessian."""
    functions = dataclasses.replace(model_cls._functions, prepare=None, totals=None, hessian_totals=None,
                                    compress_rows=True)
    return type(f"Plain{model_cls.__name__}", (model_cls,), {"_functions": functions})


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("model_cls", [pyclv.BetaGeo, pyclv.ModifiedBetaGeo, pyclv.GammaGamma])
def test_newton_fits_equal_the_plain_fit_on_every_shape(model_cls: type[BaseModel], shape: str) -> None:
    """Compiled kernel (or sums), Newton's method and the analytic covariance against the plain way."""
    data = simulate_summary(20_000, shape, seed=8)
    fast = model_cls().fit(data)
    with _kernels.plain():
        numpy_path = model_cls().fit(data)
    plain = _plain_version(model_cls)().fit(data)
    np.testing.assert_allclose(fast.params_, numpy_path.params_, rtol=1e-9)
    np.testing.assert_allclose(fast.params_, plain.params_, rtol=1e-6)
    assert fast.log_likelihood_ == pytest.approx(plain.log_likelihood_, rel=1e-10)
    # the covariance from the analytic Hessian against the differenced one
    np.testing.assert_allclose(fast.covariance_, plain.covariance_, rtol=1e-4)
    assert fast.n_iterations_ < plain.n_iterations_


def test_gamma_gamma_hessian_equals_differences_of_its_gradient(simulated: pd.DataFrame) -> None:
    from pyclv.models import gamma_gamma

    repeat = simulated[simulated["frequency"] > 0]
    x, z = repeat["frequency"].to_numpy(), repeat["monetary_value"].to_numpy()
    w = np.random.default_rng(2).integers(1, 4, len(x)).astype(float)
    sums = gamma_gamma.SpendData.build(x, z, w)
    for theta in (np.array([6.0, 3.5, 15.0]), np.array([0.5, 1.2, 300.0]), np.array([40.0, 0.3, 0.02])):
        total, gradient, hessian = sums.hessian_totals(*theta)
        assert (total, *gradient) == pytest.approx((*sums.totals(*theta)[:1], *sums.totals(*theta)[1]), rel=1e-15)
        numeric = np.empty((3, 3))
        for k in range(3):
            step = np.zeros(3)
            step[k] = 1e-6 * theta[k]
            numeric[:, k] = (sums.totals(*(theta + step))[1] - sums.totals(*(theta - step))[1]) / (2 * step[k])
        np.testing.assert_array_equal(hessian, hessian.T)
        np.testing.assert_allclose(hessian, numeric, rtol=1e-5, atol=1e-7 * np.abs(numeric).max())


@pytest.mark.filterwarnings("ignore:.*observed information matrix is singular:pyclv.PyCLVWarning")
def test_where_newton_stops_short_lbfgsb_goes_on_from_there() -> None:
    """Frequencies in the thousands over decades: the likelihood's ridge (a, b large, only a/b identified) stops
    the trust region at a gradient of about 1e-6; L-BFGS-B takes over from that point (from the start it stalls),
    or, if it stalls too, the point Newton's method reached stands when it meets L-BFGS-B's own bar."""
    from pyclv.models import beta_geo

    rng = np.random.default_rng(0)
    data = pd.DataFrame({"frequency": rng.integers(0, 5000, 3000).astype(float), "T": rng.uniform(1e4, 5e4, 3000)})
    data["recency"] = np.where(data["frequency"] > 0, data["T"] * rng.uniform(0.5, 1, 3000), 0.0)
    data.attrs["time_unit"] = "D"
    model = pyclv.BetaGeo().fit(data)
    theta = model.params_.to_numpy()
    arrays = (data["frequency"].to_numpy(), data["recency"].to_numpy(), data["T"].to_numpy())
    gradient_u = beta_geo.loglik_grad(*theta, *arrays).mean(axis=0) * theta  # the log scale's gradient
    assert np.max(np.abs(gradient_u)) < 1e-5
    assert model.log_likelihood_ == pytest.approx(float(beta_geo.loglik(*theta, *arrays).sum()), rel=1e-12)


@pytest.mark.parametrize("model_cls", [pyclv.BetaGeo, pyclv.ModifiedBetaGeo])
def test_data_that_do_not_identify_the_parameters_get_nan_standard_errors(model_cls: type[BaseModel]) -> None:
    """One customer: whatever point the optimiser stops at, its standard errors are unknown, and the user is told."""
    data = simulate_summary(20_000, "daily", seed=1).iloc[[5]]
    with pytest.warns(pyclv.PyCLVWarning, match="singular or not positive definite"):
        model = model_cls().fit(data)
    assert model.standard_errors_.isna().all()
