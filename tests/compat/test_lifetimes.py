"""pyclv.compat.lifetimes side by side with lifetimes 0.11.3 (a test-only dependency) on CDNOW and simulated data.

Fits are compared to the optimizers' tolerance; functions are compared at identical parameters (the lifetimes
fitter is given the compat fitter's parameters), to 1e-6 relative; the summary utilities exactly (amounts to
rounding: the two sum them in different orders).
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pandas as pd
import pytest

import pyclv
from pyclv.compat import lifetimes as compat
from pyclv.exceptions import DataValidationError, ModelFormatError, NotFittedError


@contextmanager
def _contained() -> Iterator[None]:
    """lifetimes sets global warning filters at import and in every likelihood call: keep them in here."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


@pytest.fixture(scope="module")
def lt() -> ModuleType:
    with _contained():
        return pytest.importorskip("lifetimes")


def _quietly(call: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    with _contained():
        return call(*args, **kwargs)


@pytest.fixture(scope="module")
def cdnow() -> pd.DataFrame:
    return pyclv.datasets.load_cdnow_summary()


@pytest.fixture(scope="module")
def simulated() -> pd.DataFrame:
    truth = pyclv.BetaGeo.from_params(r=0.5, alpha=8.0, a=0.6, b=2.5)
    rng = np.random.default_rng(20240612)
    return truth.simulate(3000, rng.uniform(20.0, 52.0, 3000), seed=7)


def _columns(data: pd.DataFrame) -> tuple[pd.Series, pd.Series, pd.Series]:
    return data["frequency"], data["recency"], data["T"]


def _at_same_params(lt_class: type, fitter: compat.BetaGeoFitter | Any) -> Any:
    """A lifetimes fitter holding the compat fitter's parameters (its predictions read only ``params_``)."""
    twin = lt_class()
    twin.params_ = fitter.params_.copy()
    if hasattr(fitter, "data"):
        twin.data = fitter.data.copy()
    return twin


# ---------------------------------------------------------------------------------------------- fits
def test_bg_nbd_on_cdnow_matches_published_values_and_lifetimes(lt: ModuleType, cdnow: pd.DataFrame) -> None:
    ours = compat.BetaGeoFitter().fit(*_columns(cdnow))
    theirs = _quietly(lt.BetaGeoFitter().fit, *_columns(cdnow))
    # Fader, Hardie & Lee (2005), Marketing Science 24(2), Table/section 5: r=0.243, alpha=4.414, a=0.793, b=2.426
    published = {"r": 0.2426, "alpha": 4.414, "a": 0.7929, "b": 2.426}
    for name, value in published.items():
        assert ours.params_[name] == pytest.approx(value, rel=5e-4)
    assert list(ours.params_.index) == ["r", "alpha", "a", "b"]
    np.testing.assert_allclose(ours.params_, theirs.params_, rtol=1e-5)  # measured: < 1e-6 apart
    assert list(ours.summary.columns) == list(theirs.summary.columns)
    assert list(ours.summary.index) == list(theirs.summary.index)
    # standard errors: both the delta method on the log scale; intervals differ by 1.96 against the exact quantile
    np.testing.assert_allclose(ours.summary.to_numpy(), theirs.summary.to_numpy(), rtol=1e-4)


@pytest.mark.parametrize("name", ["BetaGeoFitter", "ModifiedBetaGeoFitter"])
def test_bg_family_fits_match_lifetimes_on_simulated_data(lt: ModuleType, simulated: pd.DataFrame, name: str) -> None:
    ours = getattr(compat, name)().fit(*_columns(simulated))
    theirs = _quietly(getattr(lt, name)().fit, *_columns(simulated))
    np.testing.assert_allclose(ours.params_, theirs.params_, rtol=1e-4)
    np.testing.assert_allclose(ours.standard_errors_, theirs.standard_errors_, rtol=1e-3)


def test_mbg_nbd_on_cdnow_matches_lifetimes(lt: ModuleType, cdnow: pd.DataFrame) -> None:
    ours = compat.ModifiedBetaGeoFitter().fit(*_columns(cdnow))
    theirs = _quietly(lt.ModifiedBetaGeoFitter().fit, *_columns(cdnow))
    np.testing.assert_allclose(ours.params_, theirs.params_, rtol=1e-5)


@pytest.mark.parametrize("dataset", ["cdnow", "simulated"])
def test_pareto_nbd_fit_is_at_least_as_good_as_lifetimes(lt: ModuleType, dataset: str,
                                                         request: pytest.FixtureRequest) -> None:
    data = request.getfixturevalue(dataset)
    ours = compat.ParetoNBDFitter().fit(*_columns(data))
    lt_fitter = lt.ParetoNBDFitter()
    np.random.seed(1)  # lifetimes draws its starting point from numpy's global generator
    theirs = _quietly(lt_fitter.fit, *_columns(data))
    # lifetimes stops Nelder-Mead at tol=1e-4: measured 3e-5 (CDNOW) relative apart; pyclv's Newton fit is exact
    np.testing.assert_allclose(ours.params_, theirs.params_, rtol=5e-4)
    # lifetimes' objective at both parameter vectors (with its time scaling): ours is no worse
    x, t_x, T = (np.asarray(c, dtype=float) for c in _columns(data))
    scale = 1.0 / T.max()

    def objective(params: pd.Series) -> float:
        scaled = params.to_numpy() * np.array([1.0, scale, 1.0, scale])
        with _contained():
            return float(lt.ParetoNBDFitter._negative_log_likelihood(scaled, x, t_x * scale, T * scale,
                                                                   np.ones_like(x), 0.0))

    assert objective(ours.params_) <= objective(theirs.params_) + 1e-9


def test_gamma_gamma_on_cdnow_matches_lifetimes(lt: ModuleType, cdnow: pd.DataFrame) -> None:
    returning = cdnow[cdnow["frequency"] > 0]
    ours = compat.GammaGammaFitter().fit(returning["frequency"], returning["monetary_value"])
    theirs = _quietly(lt.GammaGammaFitter().fit, returning["frequency"], returning["monetary_value"])
    np.testing.assert_allclose(ours.params_, theirs.params_, rtol=1e-5)
    np.testing.assert_allclose(ours.standard_errors_, theirs.standard_errors_, rtol=1e-3)
    assert list(ours.params_.index) == ["p", "q", "v"]


def test_bg_bb_on_donations_matches_lifetimes(lt: ModuleType) -> None:
    d = pyclv.datasets.load_donations()
    args = (d["frequency"], d["recency"], d["n_periods"])
    ours = compat.BetaGeoBetaBinomFitter().fit(*args, weights=d["weights"])
    theirs = _quietly(lt.BetaGeoBetaBinomFitter().fit, *args, weights=d["weights"])
    np.testing.assert_allclose(ours.params_, theirs.params_, rtol=1e-5)
    assert list(ours.params_.index) == ["alpha", "beta", "gamma", "delta"]


def test_penalizer_means_what_it_meant_in_lifetimes(lt: ModuleType, cdnow: pd.DataFrame) -> None:
    ours = compat.BetaGeoFitter(penalizer_coef=0.1).fit(*_columns(cdnow))
    theirs = _quietly(lt.BetaGeoFitter(penalizer_coef=0.1).fit, *_columns(cdnow))
    np.testing.assert_allclose(ours.params_, theirs.params_, rtol=1e-4)
    assert ours.params_["a"] < 0.7  # the penalty really acts (unpenalised a = 0.793)


def test_weights_equal_repeated_rows(cdnow: pd.DataFrame) -> None:
    rows = cdnow.iloc[:400]
    doubled = pd.concat([rows, rows])
    weighted = compat.BetaGeoFitter().fit(*_columns(rows), weights=np.full(len(rows), 2.0))
    repeated = compat.BetaGeoFitter().fit(*_columns(doubled))
    np.testing.assert_allclose(weighted.params_, repeated.params_, rtol=1e-5)


# ---------------------------------------------------------------------------------------------- functions
@pytest.mark.parametrize("name", ["BetaGeoFitter", "ModifiedBetaGeoFitter", "ParetoNBDFitter"])
def test_predictions_match_lifetimes_at_the_same_parameters(lt: ModuleType, cdnow: pd.DataFrame, name: str) -> None:
    ours = getattr(compat, name)().fit(*_columns(cdnow))
    theirs = _at_same_params(getattr(lt, name), ours)
    f, r, T = _columns(cdnow)
    with _contained():
        pairs = [
            (ours.conditional_expected_number_of_purchases_up_to_time(39, f, r, T),
             theirs.conditional_expected_number_of_purchases_up_to_time(39, f, r, T)),
            (ours.conditional_probability_alive(f, r, T), theirs.conditional_probability_alive(f, r, T)),
            (ours.expected_number_of_purchases_up_to_time(np.array([1.0, 10.0, 52.0])),
             theirs.expected_number_of_purchases_up_to_time(np.array([1.0, 10.0, 52.0]))),
        ]
        if name == "ParetoNBDFitter":
            pairs.append((ours.conditional_probability_of_n_purchases_up_to_time(2, 20, f[:50], r[:50], T[:50]),
                          theirs.conditional_probability_of_n_purchases_up_to_time(2, 20, f[:50], r[:50], T[:50])))
        else:
            pairs += [(ours.probability_of_n_purchases_up_to_time(20, n),
                       theirs.probability_of_n_purchases_up_to_time(20, n)) for n in (0, 1, 4)]
    for mine, reference in pairs:
        np.testing.assert_allclose(np.asarray(mine, dtype=float), np.asarray(reference, dtype=float), rtol=1e-6,
                                   atol=1e-12)


def test_bg_bb_functions_match_lifetimes_at_the_same_parameters(lt: ModuleType) -> None:
    d = pyclv.datasets.load_donations()
    args = (d["frequency"], d["recency"], d["n_periods"])
    ours = compat.BetaGeoBetaBinomFitter().fit(*args, weights=d["weights"])
    theirs = _at_same_params(lt.BetaGeoBetaBinomFitter, ours)
    with _contained():
        for m in (1, 5):
            np.testing.assert_allclose(ours.conditional_expected_number_of_purchases_up_to_time(m, *args),
                                       theirs.conditional_expected_number_of_purchases_up_to_time(m, *args), rtol=1e-6)
            np.testing.assert_allclose(ours.conditional_probability_alive(m, *args),
                                       theirs.conditional_probability_alive(m, *args), rtol=1e-6)
        expected = theirs.expected_number_of_transactions_in_first_n_periods(6)
    table = ours.expected_number_of_transactions_in_first_n_periods(6)
    assert list(table.columns) == ["model"] and table.index.name == "frequency"
    pd.testing.assert_index_equal(table.index, expected.index)
    np.testing.assert_allclose(table["model"], expected["model"], rtol=1e-6)
    assert table["model"].sum() == pytest.approx(d["weights"].sum() * 1.0, rel=0.2)


@pytest.mark.parametrize("freq", ["W", "D"])
def test_clv_matches_lifetimes_at_the_same_parameters(lt: ModuleType, cdnow: pd.DataFrame, freq: str) -> None:
    f, r, T = _columns(cdnow)
    m = cdnow["monetary_value"]
    returning = cdnow[f > 0]
    bgf = compat.BetaGeoFitter().fit(f, r, T)
    ggf = compat.GammaGammaFitter().fit(returning["frequency"], returning["monetary_value"])
    lt_bgf = _at_same_params(lt.BetaGeoFitter, bgf)
    lt_bgf.predict = lt_bgf.conditional_expected_number_of_purchases_up_to_time  # what lifetimes' fit sets
    lt_ggf = _at_same_params(lt.GammaGammaFitter, ggf)
    ours = ggf.customer_lifetime_value(bgf, f, r, T, m, time=12, discount_rate=0.01, freq=freq)
    with _contained():
        theirs = lt_ggf.customer_lifetime_value(lt_bgf, f, r, T, m, time=12, discount_rate=0.01, freq=freq)
        profit = lt_ggf.conditional_expected_average_profit(f, m)
    np.testing.assert_allclose(ggf.conditional_expected_average_profit(f, m), profit, rtol=1e-6)
    assert isinstance(ours, pd.Series) and ours.name == "clv" and ours.index.equals(f.index)
    np.testing.assert_allclose(ours, theirs, rtol=1e-6)
    # either fitter's predict drives the compat CLV
    np.testing.assert_allclose(ggf.customer_lifetime_value(lt_bgf, f, r, T, m, freq=freq), theirs, rtol=1e-6)


def test_clv_discounts_each_month_of_thirty_days(cdnow: pd.DataFrame) -> None:
    bgf = compat.BetaGeoFitter().fit(*_columns(cdnow))
    one = cdnow.iloc[:3]
    f, r, T = _columns(one)
    value = pd.Series(10.0, index=one.index)
    clv = compat._gamma_gamma.lifetimes_clv(bgf, f, r, T, value, time=2, discount_rate=0.1, freq="D")
    first = bgf.predict(30, f, r, T)
    second = bgf.predict(60, f, r, T) - first
    np.testing.assert_allclose(clv, 10.0 * (first / 1.1 + second / 1.1**2), rtol=1e-12)


def test_return_types_follow_the_arguments(cdnow: pd.DataFrame) -> None:
    bgf = compat.BetaGeoFitter().fit(*_columns(cdnow))
    f, r, T = _columns(cdnow.iloc[:5])
    series = bgf.predict(10, f, r, T)
    assert isinstance(series, pd.Series) and series.index.equals(f.index)
    number = bgf.predict(10, 2, 30.43, 38.86)
    assert isinstance(number, float) and number == pytest.approx(float(series.iloc[0]), rel=1e-12)
    curve = bgf.predict(np.arange(1.0, 4.0), 2, 30.43, 38.86)
    assert isinstance(curve, np.ndarray) and curve.shape == (3,) and np.all(np.diff(curve) > 0)
    assert isinstance(bgf.conditional_probability_alive(2, 30.43, 38.86), np.ndarray)


# ---------------------------------------------------------------------------------------------- persistence, errors
def test_save_and_load_round_trip_as_json(tmp_path: Path, cdnow: pd.DataFrame) -> None:
    bgf = compat.BetaGeoFitter(penalizer_coef=0.0).fit(*_columns(cdnow))
    path = tmp_path / "bgf.json"
    bgf.save_model(path)
    stored = json.loads(path.read_text())  # JSON, not a pickle
    assert stored["model_type"] == "BetaGeo" and stored["params"]["alpha"] == pytest.approx(bgf.params_["alpha"])
    loaded = compat.BetaGeoFitter()
    loaded.load_model(path)
    pd.testing.assert_series_equal(loaded.params_, bgf.params_)
    pd.testing.assert_frame_equal(loaded.summary, bgf.summary)
    assert loaded.predict(10, 2, 30.43, 38.86) == bgf.predict(10, 2, 30.43, 38.86)
    assert isinstance(pyclv.load_model(path), pyclv.BetaGeo)
    with pytest.raises(ModelFormatError, match="holds a BetaGeo"):
        compat.ParetoNBDFitter().load_model(path)


def test_errors_name_the_argument(cdnow: pd.DataFrame) -> None:
    f, r, T = _columns(cdnow)
    with pytest.raises(NotFittedError, match="not fitted"):
        compat.BetaGeoFitter().predict(1, f, r, T)
    with pytest.raises(DataValidationError, match="scipy.optimize options \\(maxiter\\)"):
        compat.BetaGeoFitter().fit(f, r, T, maxiter=10)
    bgf = compat.BetaGeoFitter().fit(f, r, T)
    with pytest.raises(DataValidationError, match="'t'"):
        bgf.predict(-1, f, r, T)
    with pytest.raises(DataValidationError, match="recency"):
        bgf.predict(1, f, T + 1, T)
    with pytest.raises(DataValidationError, match="transpose"):
        bgf.predict(1, f, r, cdnow.T)
    with pytest.raises(DataValidationError, match="same length"):
        bgf.predict(1, f[:3], r[:4], T[:3])
    with pytest.raises(DataValidationError, match="freq"):
        compat.GammaGammaFitter().fit(f[f > 0], cdnow["monetary_value"][f > 0]).customer_lifetime_value(
            bgf, f, r, T, cdnow["monetary_value"], freq="Q")


# ---------------------------------------------------------------------------------------------- utilities
@pytest.fixture(scope="module")
def transactions() -> pd.DataFrame:
    return pyclv.datasets.load_cdnow_transactions()


def _assert_same_summary(ours: pd.DataFrame, theirs: pd.DataFrame) -> None:
    """Counts and durations exactly; amounts to rounding (the two libraries sum them in different orders)."""
    assert list(ours.columns) == list(theirs.columns)
    assert ours.index.equals(theirs.index) and ours.index.name == theirs.index.name
    for column in ours.columns:
        if "monetary" in column:
            np.testing.assert_allclose(ours[column], theirs[column], rtol=1e-12, atol=0)
        else:
            np.testing.assert_array_equal(ours[column].to_numpy(), theirs[column].to_numpy())
            assert ours[column].dtype == theirs[column].dtype


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"monetary_value_col": "amount"},
        {"monetary_value_col": "amount", "include_first_transaction": True},
        {"freq": "W"},
        {"freq": "D", "freq_multiplier": 7, "observation_period_end": "1997-12-31"},
        {"freq": "W", "monetary_value_col": "amount", "observation_period_end": "1998-03-31"},
    ],
)
def test_summary_data_matches_lifetimes(lt: ModuleType, transactions: pd.DataFrame, options: dict[str, Any]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pyclv.PyCLVWarning)  # pyclv warns about transactions after the end
        ours = compat.utils.summary_data_from_transaction_data(transactions, "customer_id", "date", **options)
    theirs = _quietly(lt.utils.summary_data_from_transaction_data, transactions, "customer_id", "date", **options)
    _assert_same_summary(ours, theirs)


@pytest.mark.parametrize("options", [{}, {"monetary_value_col": "amount"}, {"freq_multiplier": 7}])
def test_calibration_and_holdout_data_matches_lifetimes(lt: ModuleType, transactions: pd.DataFrame,
                                                        options: dict[str, Any]) -> None:
    args = (transactions, "customer_id", "date", "1997-09-30")
    ours = compat.utils.calibration_and_holdout_data(*args, observation_period_end="1998-06-30", **options)
    if "monetary_value_col" in options:
        theirs = _quietly(lt.utils.calibration_and_holdout_data, *args, observation_period_end="1998-06-30", **options)
    else:
        # lifetimes breaks on pandas 3 without an amount column: its holdout count aggregates a frame left with no
        # columns. Its counts do not depend on amounts, so the reference is its result with amounts, without them.
        if int(pd.__version__.split(".")[0]) >= 3:
            with pytest.raises(ValueError, match="No objects to concatenate"):
                _quietly(lt.utils.calibration_and_holdout_data, *args, observation_period_end="1998-06-30", **options)
        theirs = _quietly(lt.utils.calibration_and_holdout_data, *args, observation_period_end="1998-06-30",
                          monetary_value_col="amount", **options)
        theirs = theirs.drop(columns=["monetary_value_cal", "monetary_value_holdout"])
    _assert_same_summary(ours, theirs)
    assert (ours["frequency_holdout"] > 0).sum() > 300


def test_the_compat_fit_on_the_compat_summary_reproduces_the_published_fit(transactions: pd.DataFrame) -> None:
    with pytest.warns(pyclv.PyCLVWarning, match="1,959 transaction"):  # lifetimes dropped them silently
        summary = compat.utils.summary_data_from_transaction_data(transactions, "customer_id", "date",
                                                                  observation_period_end="1997-09-30", freq="D",
                                                                  freq_multiplier=7)
    bgf = compat.BetaGeoFitter().fit(summary["frequency"], summary["recency"], summary["T"])
    assert bgf.params_["r"] == pytest.approx(0.2426, rel=2e-3)
    assert bgf.params_["alpha"] == pytest.approx(4.414, rel=2e-3)


def test_holdout_amounts_count_purchases_by_day_as_the_split_does() -> None:
    """A purchase at 15:00 on the calibration end's day is in the calibration period, for its amount too (the
    holdout's mean amount was divided by one transaction too many: 1.5 where the only holdout purchase is 3)."""
    from pyclv.compat.lifetimes import utils

    tx = pd.DataFrame(
        {
            "id": ["a", "a", "a"],
            "v": [1.0, 2.0, 3.0],
            "ts": pd.to_datetime(["2020-01-01 09:00", "2020-03-01 15:00", "2020-06-01 12:00"]),
        }
    )
    out = utils.calibration_and_holdout_data(
        tx, "id", "ts", calibration_period_end="2020-03-01", monetary_value_col="v"
    )
    assert out.loc["a", ["frequency_cal", "frequency_holdout", "monetary_value_holdout"]].tolist() == [1.0, 1.0, 3.0]


def test_pareto_probability_alive_is_shaped_like_its_arguments() -> None:
    """lifetimes' Pareto/NBD returns a Series on the arguments' index (the BG/NBD fitters an array)."""
    from pyclv.compat.lifetimes import ParetoNBDFitter
    from pyclv.datasets import load_cdnow_summary

    data = load_cdnow_summary()
    model = ParetoNBDFitter().fit(data["frequency"], data["recency"], data["T"])
    alive = model.conditional_probability_alive(data["frequency"], data["recency"], data["T"])
    assert isinstance(alive, pd.Series) and alive.index.equals(data.index)
    assert isinstance(model.conditional_probability_alive(2, 30.43, 38.86), float)
    assert model.expected_number_of_purchases_up_to_time(data["T"]).name == "T"  # lifetimes keeps the name
