"""Time-invariant covariates of BG/NBD, Pareto/NBD and Gamma-Gamma: recovery, the strata likelihood and its
derivatives, the null model and the likelihood-ratio test, the constraint, the penalty, the encoding and its errors,
weights and row order.

The data come from :mod:`tests.models.covariate_data`, which writes CLVTools' parameterisation out on its own.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import pyclv
from pyclv.exceptions import DataValidationError
from pyclv.models import _covariates, beta_geo, gamma_gamma, pareto_nbd
from pyclv.models._base import BaseModel
from pyclv.models._design import encode
from tests.models import covariate_data as sim

BOTH = ["channel", "vip"]
#: Strong effects of every covariate on both processes (log scale).
TRANSACTION_EFFECTS = {
    "purchase": {"channel[store]": 0.4, "channel[web]": -0.3, "vip": 0.5},
    "dropout": {"channel[store]": -0.5, "channel[web]": 0.2, "vip": 0.6},
}
SPEND_EFFECTS = {"channel[store]": 0.3, "channel[web]": -0.2, "vip": 0.4}
N_RECOVERY = 30_000


@dataclass(frozen=True)
class Case:
    """One model with covariates: its class, its settings, its data simulator and per-customer likelihood."""

    model: type[BaseModel]
    settings: dict[str, Any]
    simulate: Callable[..., pd.DataFrame]
    loglik: Callable[..., np.ndarray]
    columns: tuple[str, ...]

    def build(self, **extra: Any) -> BaseModel:
        return self.model(**{**self.settings, **extra})


CASES = {
    "BetaGeo": Case(
        pyclv.BetaGeo, {"purchase_covariates": BOTH, "dropout_covariates": BOTH},
        lambda n, effects=TRANSACTION_EFFECTS, **kw: sim.simulate_transactions(pyclv.BetaGeo, n, effects=effects, **kw),
        beta_geo.loglik, ("frequency", "recency", "T"),
    ),
    "ParetoNBD": Case(
        pyclv.ParetoNBD, {"purchase_covariates": BOTH, "dropout_covariates": BOTH},
        lambda n, effects=TRANSACTION_EFFECTS, **kw: sim.simulate_transactions(pyclv.ParetoNBD, n, effects=effects,
                                                                             **kw),
        pareto_nbd.loglik, ("frequency", "recency", "T"),
    ),
    "GammaGamma": Case(
        pyclv.GammaGamma, {"spend_covariates": BOTH},
        lambda n, effects=None, **kw: sim.simulate_spend(
            n, effects=SPEND_EFFECTS if effects is None else effects.get("spend", {}), **kw
        ),
        gamma_gamma.loglik, ("frequency", "monetary_value"),
    ),
}
BASE = {"BetaGeo": sim.BETA_GEO, "ParetoNBD": sim.PARETO_NBD, "GammaGamma": sim.GAMMA_GAMMA}
NAMES = list(CASES)


def truth(name: str) -> pd.Series:
    """The true base parameters and coefficients of the recovery data, named as the fit names them."""
    effects = {"spend": SPEND_EFFECTS} if name == "GammaGamma" else TRANSACTION_EFFECTS
    return pd.Series({**BASE[name], **{f"{p}.{c}": v for p, cols in effects.items() for c, v in cols.items()}})


def effects_of(params: pd.Series, processes: tuple[str, ...]) -> dict[str, dict[str, float]]:
    """The coefficients among ``params`` as :mod:`covariate_data` takes them (a constrained one on every process)."""
    out: dict[str, dict[str, float]] = {}
    for name, value in params.items():
        if "." not in str(name):
            continue
        process, column = str(name).split(".", 1)
        for target in processes if process == "both" else (process,):
            out.setdefault(target, {})[column] = float(value)
    return out


def strata_totals(model: BaseModel, data: pd.DataFrame) -> tuple[_covariates.Layout, Callable[..., Any]]:
    """The model's layout on ``data`` and :func:`_covariates.hessian_totals` over the strata of ``data``
    (every customer of weight 1), built as the fit builds them: in one pass over all strata where the model has
    one, else stratum by stratum."""
    cls, functions = type(model), type(model)._functions
    assert functions.hessian_totals is not None
    arrays, mask = model._arrays(data)
    layout = _covariates.learn_layout(data.loc[mask], cls._params, cls._links, *model._checked_covariate_settings())
    st = _covariates.strata(encode(data.loc[mask], layout.encodings))
    prepared: Any
    if functions.prepare_strata is not None and functions.strata_totals is not None:
        prepared = functions.prepare_strata(arrays, np.ones(len(arrays[0])), st.inverse.astype(np.int64), len(st.rows))
        per_stratum = functions.strata_totals
    else:
        prepared = [model._prepare(tuple(a[rows] for a in arrays), np.ones(len(rows))) for rows in st.members()]
        per_stratum = _covariates.per_stratum_totals(functions.hessian_totals, prepared)
    totals = _covariates.hessian_totals(per_stratum, prepared, layout.loadings(st.rows), len(layout.base))
    return layout, totals


def five_point(f: Callable[[np.ndarray], Any], theta: np.ndarray, j: int, h: float) -> Any:
    """The derivative of ``f`` in ``theta[j]`` by the five-point central stencil (error of order h**4)."""
    e = np.zeros_like(theta)
    e[j] = h
    return (8.0 * (f(theta + e) - f(theta - e)) - (f(theta + 2 * e) - f(theta - 2 * e))) / (12.0 * h)


# ---------------------------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def recovery_data() -> dict[str, pd.DataFrame]:
    return {name: CASES[name].simulate(N_RECOVERY, seed=3) for name in NAMES}


@pytest.fixture(scope="module")
def recovery_fit(recovery_data: dict[str, pd.DataFrame]) -> dict[str, BaseModel]:
    return {name: CASES[name].build().fit(recovery_data[name]) for name in NAMES}


@pytest.fixture(scope="module")
def noise_data() -> dict[str, pd.DataFrame]:
    """Data where the covariates have no effect at all."""
    return {name: CASES[name].simulate(20_000, effects={}, tenure=True, seed=11) for name in NAMES}


# ---------------------------------------------------------------------------------------------- recovery
@pytest.mark.parametrize("name", NAMES)
def test_parameters_recovered_within_three_standard_errors(
    name: str, recovery_fit: dict[str, BaseModel], recovery_data: dict[str, pd.DataFrame]
) -> None:
    model, true = recovery_fit[name], truth(name)
    assert model.converged_
    assert list(model.params_.index) == list(true.index)
    estimate, se = model.params_, model.standard_errors_
    assert (se > 0).all()
    z = (estimate - true) / se
    assert (z.abs() < 3.0).all(), z.round(2).to_dict()
    # jointly: the Mahalanobis distance of the truth from the estimate is a chi-squared draw with k degrees of freedom
    d = (estimate - true).to_numpy()
    distance = float(d @ np.linalg.solve(model.covariance_.to_numpy(), d))
    assert distance < stats.chi2.ppf(0.999, len(d))
    # a real fit: every coefficient moved from its start at 0, the base parameters from the fit without covariates
    plain = CASES[name].model().fit(recovery_data[name])
    coefficients = estimate.drop(plain.params_.index)
    assert (coefficients != 0).all() and (coefficients.abs() / se[coefficients.index]).max() > 10
    assert not np.allclose(estimate[plain.params_.index], plain.params_, rtol=1e-3)
    assert model.n_iterations_ > 0


# ---------------------------------------------------------------------------------------------- the likelihood
DERIVATIVE_SETTINGS = {
    # a numeric covariate with values other than 0 and 1, columns on one process only, a constrained column
    "BetaGeo": {"purchase_covariates": ["channel", "tenure"], "dropout_covariates": ["vip", "tenure", "channel"],
                "constrained_covariates": ["channel"]},
    "ParetoNBD": {"purchase_covariates": ["channel", "vip", "tenure"], "dropout_covariates": ["vip", "tenure"],
                  "constrained_covariates": ["tenure"]},
    "GammaGamma": {"spend_covariates": ["channel", "vip", "tenure"]},
}


@pytest.fixture(scope="module")
def derivative_case() -> dict[str, tuple[BaseModel, pd.DataFrame, np.ndarray]]:
    """Per model: the model, small data with effects, and a random point (base parameters and coefficients)."""
    out = {}
    rng = np.random.default_rng(5)
    for name in NAMES:
        data = CASES[name].simulate(3000, tenure=True, seed=7)
        model = CASES[name].model(**DERIVATIVE_SETTINGS[name])
        layout, _ = strata_totals(model, data)
        base = np.array([BASE[name][p.name] for p in layout.base]) * np.exp(rng.normal(0.0, 0.3, len(layout.base)))
        theta = np.concatenate([base, rng.normal(0.0, 0.4, len(layout.names))])
        out[name] = (model, data, theta)
    return out


@pytest.mark.parametrize("name", NAMES)
def test_strata_likelihood_is_the_sum_of_each_customers(
    name: str, derivative_case: dict[str, tuple[BaseModel, pd.DataFrame, np.ndarray]]
) -> None:
    # the per-customer likelihood at CLVTools' individual parameters, written out independently in covariate_data
    model, data, theta = derivative_case[name]
    layout, totals = strata_totals(model, data)
    point = pd.Series(theta, index=[p.name for p in layout.params])
    k = len(layout.base)
    individual = sim.individual_params(CASES[name].model, point.iloc[:k].to_dict(),
                                       effects_of(point, CASES[name].model._processes),
                                       sim.encoded(data[["channel", "vip", "tenure"]]))
    if name == "GammaGamma":
        individual = individual[data["frequency"] > 0]
    expected = 0.0
    for values, rows in individual.groupby(list(individual.columns)).groups.items():
        expected += CASES[name].loglik(*values, *(data.loc[rows, c].to_numpy() for c in CASES[name].columns)).sum()
    assert totals(theta, None)[0] == pytest.approx(expected, rel=1e-10)


@pytest.mark.parametrize("name", NAMES)
def test_strata_gradient_and_hessian_match_finite_differences(
    name: str, derivative_case: dict[str, tuple[BaseModel, pd.DataFrame, np.ndarray]]
) -> None:
    model, data, theta = derivative_case[name]
    _, totals = strata_totals(model, data)
    value, gradient, hessian = totals(theta, None)
    assert np.isfinite(value)
    np.testing.assert_allclose(hessian, hessian.T, rtol=1e-12, atol=1e-12 * np.abs(hessian).max())

    def value_and_gradient(t: np.ndarray) -> np.ndarray:
        v, g, _ = totals(t, None)
        return np.concatenate([[v], g])

    numeric_g = np.empty_like(gradient)
    numeric_h = np.empty_like(hessian)
    for j in range(len(theta)):  # the value's and the gradient's derivatives from the same four points
        derivative = five_point(value_and_gradient, theta, j, 1e-3 * max(abs(theta[j]), 0.1))
        numeric_g[j], numeric_h[:, j] = derivative[0], derivative[1:]
    np.testing.assert_allclose(gradient, numeric_g, rtol=1e-6, atol=1e-9 * abs(value))
    np.testing.assert_allclose(hessian, numeric_h, rtol=1e-6, atol=1e-9 * np.abs(hessian).max())


@pytest.mark.parametrize("name", NAMES)
def test_strata_likelihood_with_zero_coefficients_is_the_plain_likelihood(
    name: str, derivative_case: dict[str, tuple[BaseModel, pd.DataFrame, np.ndarray]]
) -> None:
    model, data, theta = derivative_case[name]
    layout, totals = strata_totals(model, data)
    k = len(layout.base)
    plain = CASES[name].model()
    arrays, _ = plain._arrays(data)
    expected = plain._functions.hessian_totals(theta[:k], plain._prepare(arrays, np.ones(len(arrays[0]))))
    zero = np.concatenate([theta[:k], np.zeros(len(layout.names))])
    value, gradient, hessian = totals(zero, None)
    assert value == pytest.approx(expected[0], rel=1e-12)
    np.testing.assert_allclose(gradient[:k], expected[1], rtol=1e-9, atol=1e-9 * np.abs(expected[1]).max())
    np.testing.assert_allclose(hessian[:k, :k], expected[2], rtol=1e-9, atol=1e-9 * np.abs(expected[2]).max())


# ---------------------------------------------------------------------------------------------- null model, LR test
@pytest.mark.parametrize("name", NAMES)
def test_null_log_likelihood_is_the_fit_without_covariates(
    name: str, recovery_fit: dict[str, BaseModel], recovery_data: dict[str, pd.DataFrame]
) -> None:
    plain = CASES[name].model().fit(recovery_data[name])
    assert recovery_fit[name].null_log_likelihood_ == pytest.approx(plain.log_likelihood_, rel=1e-8)
    assert recovery_fit[name].n_customers_ == plain.n_customers_


@pytest.mark.parametrize("name", NAMES)
def test_likelihood_ratio_test_finds_a_strong_effect(name: str, recovery_fit: dict[str, BaseModel]) -> None:
    model = recovery_fit[name]
    test = model.likelihood_ratio_test()
    n_coefficients = len(model.params_) - len(CASES[name].model.param_names())
    assert test["statistic"] == pytest.approx(2.0 * (model.log_likelihood_ - model.null_log_likelihood_), rel=1e-12)
    assert test["statistic"] > 0 and test["df"] == n_coefficients
    assert test["p_value"] < 1e-12
    summary = model.summary()
    assert summary.stats["lr_statistic"] == test["statistic"] and summary.stats["lr_df"] == n_coefficients
    assert summary.stats["log_likelihood_without_covariates"] == model.null_log_likelihood_
    assert summary.stats["reference_levels"] == "channel=app"
    assert "lr_p_value" in str(summary)


@pytest.mark.parametrize("name", NAMES)
def test_covariates_without_effect(name: str, noise_data: dict[str, pd.DataFrame]) -> None:
    columns = ["channel", "vip", "tenure"]
    settings = ({"spend_covariates": columns} if name == "GammaGamma"
                else {"purchase_covariates": columns, "dropout_covariates": columns})
    model = CASES[name].model(**settings).fit(noise_data[name])
    coefficients = model.params_.iloc[len(CASES[name].model.param_names()):]
    assert len(coefficients) == (4 if name == "GammaGamma" else 8)
    assert (coefficients.abs() < 3.0 * model.standard_errors_[coefficients.index]).all()
    test = model.likelihood_ratio_test()
    assert 0.0 <= test["statistic"] < stats.chi2.ppf(0.99, test["df"])
    assert test["p_value"] > 0.01


# ---------------------------------------------------------------------------------------------- constraint
@pytest.mark.parametrize("name", ["BetaGeo", "ParetoNBD"])
def test_constrained_covariate_has_one_coefficient_between_null_and_free(
    name: str, recovery_fit: dict[str, BaseModel], recovery_data: dict[str, pd.DataFrame]
) -> None:
    model = CASES[name].build(constrained_covariates=["vip"]).fit(recovery_data[name])
    names = list(model.params_.index)
    assert "both.vip" in names and "purchase.vip" not in names and "dropout.vip" not in names
    assert len(names) == len(recovery_fit[name].params_) - 1
    free = recovery_fit[name]
    assert model.null_log_likelihood_ <= model.log_likelihood_ <= free.log_likelihood_ + 1e-8
    assert model.likelihood_ratio_test()["df"] == 5


@pytest.mark.parametrize("name", ["BetaGeo", "ParetoNBD"])
def test_constrained_estimate_recovers_an_equal_effect(name: str) -> None:
    effects = {"purchase": {"channel[store]": 0.3, "vip": 0.5}, "dropout": {"channel[web]": 0.4, "vip": 0.5}}
    data = CASES[name].simulate(N_RECOVERY, effects=effects, seed=21)
    model = CASES[name].build(constrained_covariates=["vip"]).fit(data)
    assert abs(model.params_["both.vip"] - 0.5) < 3 * model.standard_errors_["both.vip"]
    for process, column in [("purchase", "channel[store]"), ("dropout", "channel[web]")]:
        key = f"{process}.{column}"
        assert abs(model.params_[key] - effects[process][column]) < 3 * model.standard_errors_[key]


# ---------------------------------------------------------------------------------------------- penalty
@pytest.fixture(scope="module")
def penalty_data() -> pd.DataFrame:
    return CASES["BetaGeo"].simulate(10_000, seed=31)


def coefficients(model: BaseModel) -> pd.Series:
    return model.params_.iloc[len(type(model).param_names()):]


def assert_penalised_optimum(model: BaseModel, data: pd.DataFrame, lambdas: Mapping[str, float]) -> None:
    """At the fit, the gradient of CLVTools' objective -LL/n + sum(lambda * gamma**2) is about 0 (a constrained
    coefficient stands for one of each process, so both processes' penalties apply to it)."""
    _, totals = strata_totals(model, data)
    theta = model.params_.to_numpy()
    _, gradient, _ = totals(theta, None)

    def penalty(name: str) -> float:
        if "." not in name:
            return 0.0
        process = name.split(".")[0]
        return sum(lambdas.values()) if process == "both" else lambdas.get(process, 0.0)

    objective_gradient = -gradient / len(data) + 2.0 * np.array([penalty(n) for n in model.params_.index]) * theta
    np.testing.assert_allclose(objective_gradient, 0.0, atol=1e-6)


def test_penalty_shrinks_coefficients_monotonically(penalty_data: pd.DataFrame) -> None:
    norms, previous = [], None
    for lam in [0.0, 0.001, 0.01, 0.1, 1.0]:
        model = CASES["BetaGeo"].build(covariate_penalty=lam).fit(penalty_data)
        assert model.converged_
        assert_penalised_optimum(model, penalty_data, {"purchase": lam, "dropout": lam})
        gamma = coefficients(model)
        norms.append(float(gamma @ gamma))
        if previous is not None:  # the same signs, smaller in sum of squares
            assert (np.sign(gamma) == np.sign(previous)).all() or lam >= 0.1
        previous = gamma
    assert all(later <= earlier * (1 + 1e-9) for earlier, later in zip(norms, norms[1:], strict=False))
    assert norms[-1] < 0.1 * norms[0]


def test_penalty_per_process(penalty_data: pd.DataFrame) -> None:
    free = CASES["BetaGeo"].build().fit(penalty_data)
    lambdas = {"purchase": 0.5}
    model = CASES["BetaGeo"].build(covariate_penalty=lambdas).fit(penalty_data)
    assert_penalised_optimum(model, penalty_data, lambdas)
    gamma, g_free = coefficients(model), coefficients(free)
    purchase = [n for n in gamma.index if n.startswith("purchase.")]
    assert (gamma[purchase].abs() < 0.5 * g_free[purchase].abs()).all()
    # the dropout coefficients are not penalised: they stay near their unpenalised values
    dropout = [n for n in gamma.index if n.startswith("dropout.")]
    np.testing.assert_allclose(gamma[dropout], g_free[dropout], atol=5 * free.standard_errors_[dropout].max())


def test_penalty_of_a_constrained_coefficient_is_both_processes(penalty_data: pd.DataFrame) -> None:
    lambdas = {"purchase": 0.03, "dropout": 0.02}
    model = CASES["BetaGeo"].build(covariate_penalty=lambdas, constrained_covariates=["vip"]).fit(penalty_data)
    assert model.converged_
    assert_penalised_optimum(model, penalty_data, lambdas)
    unpenalised = CASES["BetaGeo"].build(constrained_covariates=["vip"]).fit(penalty_data)
    assert abs(model.params_["both.vip"]) < abs(unpenalised.params_["both.vip"])


# ---------------------------------------------------------------------------------------------- encoding
@pytest.fixture(scope="module")
def small_data() -> pd.DataFrame:
    return CASES["BetaGeo"].simulate(4000, seed=41)


@pytest.fixture(scope="module")
def small_fit(small_data: pd.DataFrame) -> BaseModel:
    return CASES["BetaGeo"].build().fit(small_data)


def test_reference_level_is_the_first_in_sorted_order(small_fit: BaseModel) -> None:
    assert list(small_fit.params_.index) == [
        "r", "alpha", "a", "b", "purchase.channel[store]", "purchase.channel[web]", "purchase.vip",
        "dropout.channel[store]", "dropout.channel[web]", "dropout.vip",
    ]
    assert [(e.name, e.reference) for e in small_fit.covariate_encodings_] == [("channel", "app"), ("vip", None)]


def test_reference_level_of_a_categorical_is_its_first_category_present(
    small_data: pd.DataFrame, small_fit: BaseModel
) -> None:
    data = small_data.assign(
        channel=pd.Categorical(small_data["channel"], categories=["unused", "web", "store", "app"])
    )
    model = CASES["BetaGeo"].build().fit(data)
    assert model.covariate_encodings_[0].reference == "web"
    assert "purchase.channel[app]" in model.params_.index and "purchase.channel[web]" not in model.params_.index
    # another reference level is the same model: the same likelihood and the same parameters of every profile
    assert model.log_likelihood_ == pytest.approx(small_fit.log_likelihood_, rel=1e-9)
    for channel in sim.CHANNELS:
        for vip in (0, 1):
            np.testing.assert_allclose(model.for_covariates(channel=channel, vip=vip).params_,
                                       small_fit.for_covariates(channel=channel, vip=vip).params_, rtol=1e-5)


def test_boolean_covariate_is_numeric(small_data: pd.DataFrame, small_fit: BaseModel) -> None:
    model = CASES["BetaGeo"].build().fit(small_data.assign(vip=small_data["vip"].astype(bool)))
    np.testing.assert_allclose(model.params_, small_fit.params_, rtol=1e-10)


def test_for_covariates_is_the_plain_model_at_the_profiles_parameters(small_fit: BaseModel) -> None:
    p = small_fit.params_
    plain = small_fit.for_covariates(channel="store", vip=1)
    assert type(plain) is pyclv.BetaGeo and not plain.has_covariates
    assert list(plain.params_.index) == ["r", "alpha", "a", "b"]
    dropout = p["dropout.channel[store]"] + p["dropout.vip"]
    expected = [p["r"], p["alpha"] * np.exp(-(p["purchase.channel[store]"] + p["purchase.vip"])),
                p["a"] * np.exp(dropout), p["b"] * np.exp(dropout)]
    np.testing.assert_allclose(plain.params_, expected, rtol=1e-12)
    reference = small_fit.for_covariates(channel="app", vip=0)
    np.testing.assert_allclose(reference.params_, p.iloc[:4], rtol=1e-12)
    assert plain.time_unit_ == "W"


def test_for_covariates_covariance_is_the_delta_method(small_fit: BaseModel) -> None:
    # d(profile parameters) / d(all parameters) by differences of covariate_data's formulas, then J C J'
    theta = small_fit.params_
    z = sim.encoded(pd.DataFrame({"channel": ["web"], "vip": [1]}))

    def profile(values: np.ndarray) -> np.ndarray:
        point = pd.Series(values, index=theta.index)
        effects = effects_of(point, pyclv.BetaGeo._processes)
        return sim.individual_params(pyclv.BetaGeo, point.iloc[:4].to_dict(), effects, z).iloc[0].to_numpy()

    jac = np.column_stack([five_point(profile, theta.to_numpy(), j, 1e-5 * max(abs(theta.iloc[j]), 0.1))
                           for j in range(len(theta))])
    expected = jac @ small_fit.covariance_.to_numpy() @ jac.T
    plain = small_fit.for_covariates(channel="web", vip=1)
    np.testing.assert_allclose(plain.covariance_.to_numpy(), expected, rtol=1e-6)


def one_line_error(excinfo: pytest.ExceptionInfo[DataValidationError], column: str, *words: str) -> None:
    message = str(excinfo.value)
    assert excinfo.value.column == column, (excinfo.value.column, message)
    assert "\n" not in message and "Traceback" not in message
    for word in words:
        assert word in message, message


def test_missing_column_is_named(small_data: pd.DataFrame) -> None:
    with pytest.raises(DataValidationError) as excinfo:
        pyclv.BetaGeo(purchase_covariates=["region"]).fit(small_data)
    one_line_error(excinfo, "region", "'region'", "not in the data")


def test_missing_values_are_counted(small_data: pd.DataFrame) -> None:
    data = small_data.copy()
    data.loc[data.index[[3, 10, 500]], "vip"] = np.nan
    with pytest.raises(DataValidationError) as excinfo:
        CASES["BetaGeo"].build().fit(data)
    one_line_error(excinfo, "vip", "3 missing", "3, 10, 500")
    assert excinfo.value.n_rows == 3
    data = CASES["GammaGamma"].simulate(2000, seed=42)
    data.loc[data.index[[7, 8]], "channel"] = None
    with pytest.raises(DataValidationError) as excinfo:
        CASES["GammaGamma"].build().fit(data)
    one_line_error(excinfo, "channel", "2 missing")


def test_unknown_level_and_missing_covariate_at_for_covariates(small_fit: BaseModel) -> None:
    with pytest.raises(DataValidationError) as excinfo:
        small_fit.for_covariates(channel="fax", vip=0)
    one_line_error(excinfo, "channel", "'fax'", "'app', 'store', 'web'")
    with pytest.raises(DataValidationError) as excinfo:
        small_fit.for_covariates(channel="web")
    one_line_error(excinfo, "vip", "missing")
    with pytest.raises(DataValidationError) as excinfo:
        small_fit.for_covariates(channel="web", vip=0, region="north")
    one_line_error(excinfo, "region", "unknown")


def test_constant_columns_are_refused(small_data: pd.DataFrame) -> None:
    for column, value, words in [("flag", 1, ("'flag'", "constant", "value 1")),
                                 ("region", "north", ("'region'", "constant", "'north'"))]:
        with pytest.raises(DataValidationError) as excinfo:
            pyclv.BetaGeo(dropout_covariates=["vip", column]).fit(small_data.assign(**{column: value}))
        one_line_error(excinfo, column, *words)


def test_collinear_columns_are_refused(small_data: pd.DataFrame) -> None:
    with pytest.raises(DataValidationError) as excinfo:
        pyclv.BetaGeo(purchase_covariates=["vip", "vip_copy"]).fit(small_data.assign(vip_copy=small_data["vip"]))
    one_line_error(excinfo, "vip_copy", "'vip_copy'", "cannot be told apart")
    is_web = (small_data["channel"] == "web").astype(int)
    with pytest.raises(DataValidationError) as excinfo:
        pyclv.GammaGamma(spend_covariates=["channel", "is_web"]).fit(
            small_data.assign(is_web=is_web, monetary_value=1.0 + small_data["vip"])
        )
    one_line_error(excinfo, "is_web", "'is_web'")


def test_bad_settings_are_refused_before_the_data() -> None:
    empty = pd.DataFrame()
    cases: list[tuple[Callable[[], BaseModel], str, str]] = [
        (lambda: pyclv.BetaGeo(purchase_covariates=["vip"], dropout_covariates=["channel"],
                               constrained_covariates=["vip"]), "constrained_covariates", "'vip'"),
        (lambda: pyclv.ParetoNBD(purchase_covariates=["vip"], constrained_covariates=["vip"]),
         "constrained_covariates", "dropout_covariates"),
        (lambda: pyclv.BetaGeo(purchase_covariates="channel"), "purchase_covariates", "list of column names"),
        (lambda: pyclv.BetaGeo(purchase_covariates=["vip", "vip"]), "purchase_covariates", "twice"),
    ]
    for bad in [-0.1, float("nan"), float("inf"), "0.1", True, None]:
        cases.append((lambda bad=bad: pyclv.BetaGeo(purchase_covariates=["vip"], covariate_penalty=bad),
                      "covariate_penalty", ">= 0"))
    cases.append((lambda: pyclv.BetaGeo(purchase_covariates=["vip"], covariate_penalty={"spend": 0.1}),
                  "covariate_penalty", "'spend'"))
    cases.append((lambda: pyclv.GammaGamma(spend_covariates=["vip"], covariate_penalty=-1.0),
                  "covariate_penalty", "spend"))
    for build, column, word in cases:
        with pytest.raises(DataValidationError) as excinfo:
            build().fit(empty)
        one_line_error(excinfo, column, word)


# ---------------------------------------------------------------------------------------------- weights, row order
@pytest.mark.parametrize("name", NAMES)
def test_integer_weights_equal_repeated_rows(name: str) -> None:
    data = CASES[name].simulate(3000, tenure=True, seed=51)
    weights = np.random.default_rng(52).integers(1, 4, len(data))
    repeated = data.iloc[np.repeat(np.arange(len(data)), weights)].reset_index(drop=True)
    repeated.index.name = "customer_id"
    repeated.attrs = dict(data.attrs)
    weighted = CASES[name].build().fit(data, weights=weights)
    expanded = CASES[name].build().fit(repeated)
    np.testing.assert_allclose(weighted.params_, expanded.params_, rtol=1e-8)
    assert weighted.log_likelihood_ == pytest.approx(expanded.log_likelihood_, rel=1e-10)
    assert weighted.n_customers_ == expanded.n_customers_


@pytest.mark.parametrize("name", NAMES)
def test_row_order_does_not_matter(
    name: str, recovery_fit: dict[str, BaseModel], recovery_data: dict[str, pd.DataFrame]
) -> None:
    data = recovery_data[name]
    shuffled = data.iloc[np.random.default_rng(61).permutation(len(data))]
    model = CASES[name].build().fit(shuffled)
    np.testing.assert_allclose(model.params_, recovery_fit[name].params_, rtol=1e-10)
    assert model.log_likelihood_ == pytest.approx(recovery_fit[name].log_likelihood_, rel=1e-12)


def test_a_positive_coefficient_means_more_purchases_longer_lives_or_more_spend() -> None:
    """The direction of each process's coefficient, on the models' own predictions of one profile against another."""
    layout_names = ("purchase.flag", "dropout.flag")
    for cls, base in ((pyclv.BetaGeo, [0.5, 10.0, 0.8, 2.5]), (pyclv.ParetoNBD, [0.5, 10.0, 0.6, 12.0])):
        model = cls.from_estimates(
            theta=np.array([*base, 0.4, 0.0]), covariance=np.zeros((6, 6)), time_unit="W",
            settings={"purchase_covariates": ["flag"], "dropout_covariates": ["flag"]},
            encodings=(pyclv.models.Encoding("flag"),),
        )
        assert tuple(model.params_.index[4:]) == layout_names
        low, high = (model.for_covariates(flag=v).expected_purchases_new_customer(52.0) for v in (0.0, 1.0))
        assert high > low  # more purchases
        if cls is pyclv.ParetoNBD:  # a positive dropout coefficient: a higher dropout rate, fewer purchases
            model.params_.iloc[4:] = [0.0, 0.4]
            model = cls.from_estimates(theta=model.params_.to_numpy(), covariance=np.zeros((6, 6)), time_unit="W",
                                       settings=model.get_params(), encodings=model.covariate_encodings_)
            low, high = (model.for_covariates(flag=v).expected_purchases_new_customer(52.0) for v in (0.0, 1.0))
            assert high < low
    spend = pyclv.GammaGamma.from_estimates(
        theta=np.array([6.0, 4.0, 15.0, 0.4]), covariance=np.zeros((4, 4)),
        settings={"spend_covariates": ["flag"]}, encodings=(pyclv.models.Encoding("flag"),),
    )
    means = [spend.for_covariates(flag=v).expected_spend(pd.DataFrame({"frequency": [0.0], "monetary_value": [0.0]}))
             for v in (0.0, 1.0)]
    assert float(means[1].iloc[0] / means[0].iloc[0]) == pytest.approx(np.exp(0.4), rel=1e-12)


def test_the_same_information_on_different_processes_is_identified(small_data: pd.DataFrame) -> None:
    """Collinearity is judged per parameter: a flag on purchases and its copy on dropout are two identified effects."""
    data = small_data.assign(vip_copy=small_data["vip"])
    model = pyclv.ParetoNBD(purchase_covariates=["vip"], dropout_covariates=["vip_copy"]).fit(data)
    assert list(model.params_.index[4:]) == ["purchase.vip", "dropout.vip_copy"]
    assert np.all(np.isfinite(model.standard_errors_))


# -- what a review of the first landing found


def _by_year(n: int = 20_000) -> pd.DataFrame:
    """BG/NBD customers whose purchase rate grows by exp(0.2) a year of signup, 2019 to 2023."""
    rng = np.random.default_rng(0)
    year = rng.integers(2019, 2024, n)
    parts = []
    for y in range(2019, 2024):
        rows = np.flatnonzero(year == y)
        model = pyclv.BetaGeo.from_params(r=0.6, alpha=4.0 * np.exp(-0.2 * (y - 2019)), a=0.8, b=2.5, time_unit="W")
        part = model.simulate(len(rows), 52.0, seed=y)
        part.index = rows
        parts.append(part)
    data = pd.concat(parts).sort_index()
    data.attrs["time_unit"] = "W"
    return data.assign(year=year.astype(float), since_2019=year - 2019.0)


def test_numeric_covariates_of_any_location_and_scale_give_the_same_effect() -> None:
    """The optimiser runs on centred, scaled covariates and maps back: 1e6 x and 1e-8 x the column, shifted."""
    data = _by_year()
    data = data.assign(big=data["since_2019"] * 1e6 + 5e8, tiny=data["since_2019"] * 1e-8)
    reference = pyclv.BetaGeo(purchase_covariates=["since_2019"]).fit(data)
    assert reference.params_["purchase.since_2019"] == pytest.approx(0.2, abs=3 * reference.standard_errors_.iloc[-1])
    for column, factor in (("big", 1e6), ("tiny", 1e-8)):
        model = pyclv.BetaGeo(purchase_covariates=[column]).fit(data)
        assert model.converged_
        assert model.params_[f"purchase.{column}"] * factor == pytest.approx(
            reference.params_["purchase.since_2019"], rel=1e-6
        )
        assert model.log_likelihood_ == pytest.approx(reference.log_likelihood_, rel=1e-10)
        assert model.p_alive(data).to_numpy() == pytest.approx(reference.p_alive(data).to_numpy(), rel=1e-6)


def test_a_covariate_too_far_from_zero_is_refused_with_what_to_do() -> None:
    data = _by_year()
    with pytest.raises(DataValidationError) as excinfo:
        pyclv.BetaGeo(purchase_covariates=["year"]).fit(data)
    one_line_error(excinfo, "year", "far from 0", "Centre the column")


def test_review_defects_are_refused_clearly(small_data: pd.DataFrame, small_fit: BaseModel) -> None:
    for build, column, words in (
        (lambda: pyclv.BetaGeo(purchase_covariates=["frequency"]).fit(small_data), "frequency", "fitted on"),
        (lambda: pyclv.BetaGeo(constrained_covariates=["vip"]).fit(small_data), "constrained_covariates", "also"),
        (lambda: pyclv.BetaGeo(covariate_penalty=-5).fit(small_data), "covariate_penalty", ">= 0"),
        (lambda: pyclv.BetaGeo(purchase_covariates=["channel", "channel[web]"]).fit(
            small_data.assign(**{"channel[web]": np.arange(len(small_data)) % 2})), "channel[web]", "rename"),
    ):
        with pytest.raises(DataValidationError) as excinfo:
            build()
        one_line_error(excinfo, column, words)
    # a pandas Index is a list of names
    assert pyclv.BetaGeo(purchase_covariates=pd.Index(["vip"])).fit(small_data).param_names()[-1] == "purchase.vip"


def test_a_level_only_outside_the_spend_fit_is_refused_at_fit(small_data: pd.DataFrame) -> None:
    data = small_data.assign(monetary_value=1.0 + small_data["vip"])
    outside = data.index[data["frequency"] == 0][:5]
    data.loc[outside, "channel"] = "fax"
    with pytest.raises(DataValidationError) as excinfo:
        pyclv.GammaGamma(spend_covariates=["channel"]).fit(data)
    one_line_error(excinfo, "channel", "'fax'", "do not inform the fit")
    assert excinfo.value.n_rows == 5


def test_predictions_check_the_whole_data_first(small_data: pd.DataFrame, small_fit: BaseModel) -> None:
    """Every bad row is counted (not only the first group's), and empty or non-DataFrame data are refused."""
    bad = small_data.copy()
    rows = bad.index[:10]
    bad.loc[rows, "recency"] = bad.loc[rows, "T"] + 5.0
    with pytest.raises(DataValidationError) as excinfo:
        small_fit.p_alive(bad)
    assert excinfo.value.n_rows == 10
    with pytest.raises(DataValidationError):
        small_fit.p_alive(small_data.iloc[:0])
    with pytest.raises(DataValidationError):
        small_fit.p_alive(small_data.to_numpy())  # type: ignore[arg-type]
    assert len(small_fit.param_names()) == len(small_fit.params_) > 4


def test_a_continuous_covariate_warns_that_predictions_go_group_by_group() -> None:
    data = pyclv.datasets.load_cdnow_summary().iloc[:1500]
    data = data.assign(x=np.random.default_rng(0).normal(size=len(data)))
    with pytest.warns(pyclv.PyCLVWarning, match="1,500 groups.*'x' alone has 1,500 distinct values.*qcut"):
        model = pyclv.BetaGeo(purchase_covariates=["x"]).fit(data)
    assert model.converged_
