"""One table-driven contract test over every model (the way scipy.stats tests its distributions).

Each case names a model class, parameters to simulate from, and a data builder; every model must pass the
same checks: fit returns self, domains hold, LL finite, summary renders, save/load round trip, index kept,
parameters recovered from simulated data, unfitted use refused, analytic gradients equal to finite
differences. Checks that hold for every model live here, not in the model's own test file.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import pyclv
from pyclv.models import (
    BaseModel,
    beta_geo,
    beta_geo_beta_binom,
    gamma_gamma,
    modified_beta_geo,
    pareto_nbd,
    shifted_beta_geo,
)
from tests.helpers import assert_gradient_matches


def _transaction_data(model: BaseModel, n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    data = model.simulate(n, rng.uniform(20.0, 52.0, n), seed=seed)  # type: ignore[attr-defined]
    data.index = pd.Index([f"c{i:06d}" for i in range(n)], name="customer_id")  # string ids, kept as given
    return data


def _spend_data(model: BaseModel, n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frequency = pd.Series(
        rng.poisson(3.0, n).astype(float), index=pd.Index([f"c{i:06d}" for i in range(n)], name="customer_id")
    )
    monetary = model.simulate(frequency, seed=seed)  # type: ignore[attr-defined]
    return pd.DataFrame({"frequency": frequency, "monetary_value": monetary})


def _discrete_data(model: BaseModel, n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    data = model.simulate(n, rng.integers(4, 12, n), seed=seed)  # type: ignore[attr-defined]
    data.index = pd.Index([f"c{i:06d}" for i in range(n)], name="customer_id")
    return data


def _predict_discrete(model: BaseModel, data: pd.DataFrame) -> pd.Series:
    return model.expected_purchases(data, 5)  # type: ignore[attr-defined]


def _retention_data(model: BaseModel, n: int, seed: int) -> pd.DataFrame:
    data = model.simulate(n, 12, seed=seed)  # type: ignore[attr-defined]
    data.index = pd.Index([f"c{i:06d}" for i in range(n)], name="customer_id")
    return data


def _predict_retention(model: BaseModel, data: pd.DataFrame) -> pd.Series:
    return model.p_alive(data)  # type: ignore[attr-defined]


def _predict_transactions(model: BaseModel, data: pd.DataFrame) -> pd.Series:
    return model.expected_purchases(data, 10.0)  # type: ignore[attr-defined]


def _predict_spend(model: BaseModel, data: pd.DataFrame) -> pd.Series:
    return model.expected_spend(data)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Case:
    cls: type[BaseModel]
    truth: dict[str, float]
    data: Callable[[BaseModel, int, int], pd.DataFrame]
    predict: Callable[[BaseModel, pd.DataFrame], pd.Series]


CASES = [
    Case(pyclv.BetaGeo, {"r": 0.5, "alpha": 6.0, "a": 0.9, "b": 3.0}, _transaction_data, _predict_transactions),
    Case(pyclv.ModifiedBetaGeo, {"r": 0.5, "alpha": 6.0, "a": 0.9, "b": 3.0}, _transaction_data, _predict_transactions),
    Case(pyclv.ParetoNBD, {"r": 0.6, "alpha": 8.0, "s": 0.8, "beta": 10.0}, _transaction_data, _predict_transactions),
    Case(pyclv.BetaGeoBetaBinom, {"alpha": 1.2, "beta": 0.75, "gamma": 0.66, "delta": 2.8}, _discrete_data, _predict_discrete),
    Case(pyclv.GammaGamma, {"p": 6.0, "q": 4.0, "v": 15.0}, _spend_data, _predict_spend),
    Case(pyclv.ShiftedBetaGeo, {"alpha": 0.7, "beta": 1.2}, _retention_data, _predict_retention),
]
IDS = [case.cls.__name__ for case in CASES]


@pytest.fixture(scope="module", params=CASES, ids=IDS)
def case_fit(request: pytest.FixtureRequest) -> tuple[Case, BaseModel, pd.DataFrame]:
    case: Case = request.param
    truth = case.cls.from_params(**case.truth, time_unit="W")
    data = case.data(truth, 20_000, 7)
    data.attrs["time_unit"] = "W"
    model = case.cls()
    returned = model.fit(data)
    assert returned is model
    return case, model, data


def test_fitted_attributes(case_fit: tuple[Case, BaseModel, pd.DataFrame]) -> None:
    case, model, _ = case_fit
    names = list(case.truth)
    assert list(model.params_.index) == names and model.params_.name == "estimate"
    assert (model.params_ > 0).all()
    assert np.isfinite(model.log_likelihood_)
    assert list(model.covariance_.index) == names and np.all(np.isfinite(model.covariance_.to_numpy()))
    np.testing.assert_allclose(model.covariance_, model.covariance_.T)
    assert model.converged_ and model.time_unit_ == "W"


def test_parameters_recovered(case_fit: tuple[Case, BaseModel, pd.DataFrame]) -> None:
    case, model, _ = case_fit
    for name, value in case.truth.items():
        assert abs(model.params_[name] - value) < 4.0 * model.standard_errors_[name], name


def test_summary_renders(case_fit: tuple[Case, BaseModel, pd.DataFrame]) -> None:
    case, model, _ = case_fit
    summary = model.summary()
    text, html = str(summary), summary._repr_html_()
    for name in case.truth:
        assert name in text and name in html
    frame = summary.to_frame()
    assert list(frame.columns) == ["estimate", "std_error", "lower", "upper"]
    assert (frame["lower"] < frame["estimate"]).all() and (frame["estimate"] < frame["upper"]).all()
    assert summary.stats["aic"] == pytest.approx(2 * len(case.truth) - 2 * model.log_likelihood_)


def test_save_load_round_trip(case_fit: tuple[Case, BaseModel, pd.DataFrame], tmp_path: Path) -> None:
    case, model, data = case_fit
    model.save(tmp_path / "m.json")
    loaded = pyclv.load_model(tmp_path / "m.json")
    assert type(loaded) is case.cls
    pd.testing.assert_series_equal(loaded.params_, model.params_)
    pd.testing.assert_series_equal(case.predict(loaded, data), case.predict(model, data))


def test_predictions_keep_the_index(case_fit: tuple[Case, BaseModel, pd.DataFrame]) -> None:
    case, model, data = case_fit
    subset = data.iloc[::-7]
    prediction = case.predict(model, subset)
    assert prediction.index.equals(subset.index)
    assert prediction.notna().all() and prediction.name


def test_from_params_validates_domains(case_fit: tuple[Case, BaseModel, pd.DataFrame]) -> None:
    case, _, _ = case_fit
    bad = dict(case.truth)
    first = next(iter(bad))
    bad[first] = -1.0
    with pytest.raises(ValueError, match=first):
        case.cls.from_params(**bad)
    with pytest.raises(ValueError, match="missing"):
        case.cls.from_params(**{k: v for k, v in case.truth.items() if k != first})


def test_unfitted_use_is_refused(case_fit: tuple[Case, BaseModel, pd.DataFrame]) -> None:
    case, _, data = case_fit
    with pytest.raises(pyclv.NotFittedError):
        case.predict(case.cls(), data)
    with pytest.raises(pyclv.NotFittedError):
        case.cls().summary()


def test_weights_equal_repeated_rows(case_fit: tuple[Case, BaseModel, pd.DataFrame]) -> None:
    case, _, data = case_fit
    small = data.iloc[:300]
    repeats = np.random.default_rng(0).integers(1, 4, len(small))
    expanded = small.loc[small.index.repeat(repeats)]
    weighted = case.cls().fit(small, weights=repeats)
    repeated = case.cls().fit(expanded)
    np.testing.assert_allclose(weighted.params_, repeated.params_, rtol=1e-5)
    assert weighted.log_likelihood_ == pytest.approx(repeated.log_likelihood_, rel=1e-9)


def test_factorised_shortcuts_agree_with_the_direct_formulas(case_fit: tuple[Case, BaseModel, pd.DataFrame]) -> None:
    """Models with E[Y(t)] = P(alive) g(x, T, t) compute g once per distinct (x, T): same numbers as directly."""
    from pyclv._quadrature import discounted_increments
    from pyclv.models import TransactionModel

    case, model, data = case_fit
    if not (isinstance(model, TransactionModel) and model.factorised):
        pytest.skip(f"{case.cls.__name__} has no factorised expectation")
    subset = data.iloc[:3000]
    history = model.history(subset)
    x, t_x, T = history.values
    theta = model.theta
    module = sys.modules[type(model).__module__]
    direct = module.conditional_expected_purchases(*theta, x, t_x, T, np.asarray(10.0))
    np.testing.assert_allclose(model.expected_purchases_at(theta, history, 10.0), direct, rtol=1e-12)

    def path(rows: slice, t: np.ndarray) -> np.ndarray:
        return module.conditional_expected_purchases(*theta, x[rows, None], t_x[rows, None], T[rows, None], t)

    delta = 0.002
    expected = discounted_increments(path, len(x), 104.0, delta)
    np.testing.assert_allclose(model.discounted_purchases_at(theta, history, 104.0, delta), expected, rtol=1e-12)


# ---------------------------------------------------------------------------------------------- gradients
_HISTORIES = (np.array([0.0, 1.0, 3.0, 40.0]), np.array([0.0, 2.0, 20.0, 35.0]), np.array([10.0, 30.0, 38.0, 39.0]))
_HISTORIES_WITH_T0 = (
    np.array([0.0, 1.0, 3.0, 40.0, 0.0]), np.array([0.0, 2.0, 20.0, 35.0, 0.0]), np.array([10.0, 30.0, 38.0, 39.0, 0.0])
)
_HISTORIES_AT_T = (
    np.array([0.0, 1.0, 3.0, 40.0, 2.0]), np.array([0.0, 2.0, 20.0, 35.0, 39.0]), np.array([10.0, 30.0, 38.0, 39.0, 39.0])
)
_OPPORTUNITIES = (
    np.array([0.0, 1.0, 3.0, 5.0, 40.0]), np.array([0.0, 1.0, 5.0, 6.0, 90.0]), np.array([6.0, 6.0, 6.0, 6.0, 100.0])
)
_SPEND = (np.array([1.0, 2.0, 7.0, 80.0]), np.array([5.0, 20.0, 35.0, 300.0]))
_RETENTION = (np.array([1.0, 2.0, 7.0, 7.0, 40.0, 3.0]), np.array([1.0, 1.0, 1.0, 0.0, 0.0, 0.0]))

# (module, parameter vector, data, atol): every model's analytic gradient at typical and extreme parameters
GRADIENT_CASES = [
    (beta_geo, (0.3, 4.0, 0.8, 2.5), _HISTORIES, 1e-8),
    (modified_beta_geo, (0.5, 6.0, 0.9, 1.6), _HISTORIES_WITH_T0, 1e-7),
    (modified_beta_geo, (2.0, 0.3, 5.0, 0.05), _HISTORIES_WITH_T0, 1e-7),
    (pareto_nbd, (0.55, 10.6, 0.6, 11.7), _HISTORIES_AT_T, 1e-8),
    (pareto_nbd, (0.8, 4.0, 1.7, 30.0), _HISTORIES_AT_T, 1e-8),
    (pareto_nbd, (2.0, 3.0, 1.0, 3.0), _HISTORIES_AT_T, 1e-8),
    (beta_geo_beta_binom, (1.2, 0.75, 0.66, 2.8), _OPPORTUNITIES, 1e-8),
    (gamma_gamma, (6.0, 3.5, 15.0), _SPEND, 0.0),
    (shifted_beta_geo, (0.668, 3.806), _RETENTION, 1e-9),
]


@pytest.mark.parametrize(
    ("module", "theta", "data", "atol"), GRADIENT_CASES, ids=[f"{c[0].__name__.rsplit('.', 1)[1]}-{c[1]}" for c in GRADIENT_CASES]
)
def test_gradient_matches_finite_differences(module: object, theta: tuple, data: tuple, atol: float) -> None:
    assert_gradient_matches(module.loglik, module.loglik_grad, np.array(theta), *data, atol=atol)  # type: ignore[attr-defined]


# ---------------------------------------------------------------------------------------------- unfitted use
_ONE_CUSTOMER = pd.DataFrame({"frequency": [1.0], "recency": [1.0], "T": [2.0]})
UNFITTED_CASES = [
    (pyclv.BetaGeo, lambda m: m.p_alive(_ONE_CUSTOMER)),
    (pyclv.ModifiedBetaGeo, lambda m: m.p_alive(_ONE_CUSTOMER)),
    (pyclv.ParetoNBD, lambda m: m.p_alive(_ONE_CUSTOMER)),
    (pyclv.BetaGeoBetaBinom, lambda m: m.p_alive(pd.DataFrame({"frequency": [1.0], "recency": [1.0], "n_periods": [6.0]}))),
    (pyclv.ShiftedBetaGeo, lambda m: m.survival(1)),
    (pyclv.ShiftedBetaGeo, lambda m: m.p_alive(pd.DataFrame({"periods": [1], "churned": [False]}))),
    (pyclv.GammaGamma, lambda m: m.expected_spend(pd.DataFrame({"frequency": [1.0], "monetary_value": [10.0]}))),
]


@pytest.mark.parametrize(("cls", "use"), UNFITTED_CASES, ids=[f"{c.__name__}-{i}" for i, (c, _) in enumerate(UNFITTED_CASES)])
def test_unfitted_methods_raise(cls: type[BaseModel], use: Callable[[BaseModel], object]) -> None:
    """NotFittedError is both a ValueError and an AttributeError (scikit-learn's contract)."""
    with pytest.raises(pyclv.NotFittedError):
        use(cls())
    with pytest.raises(AttributeError):
        use(cls())


@pytest.mark.parametrize("cls", [case.cls for case in CASES], ids=IDS)
def test_unfitted_model_has_no_fitted_attributes(cls: type[BaseModel]) -> None:
    with pytest.raises(AttributeError):
        _ = cls().params_


@pytest.mark.parametrize("cls", [case.cls for case in CASES], ids=IDS)
def test_get_params_are_the_constructor_settings(cls: type[BaseModel]) -> None:
    model = cls(penalizer=0.1, max_iterations=50)
    assert model.get_params() == {"penalizer": 0.1, "max_iterations": 50}
    assert type(model)(**model.get_params()).get_params() == model.get_params()
