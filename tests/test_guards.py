"""Issue 10, the model-and-value side: every defect the user found, attacked.

Negative discount rates, non-finite outputs, summaries that lost their time unit, out-of-range arguments,
repeated customer ids and fits at the boundary of the parameter space.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import pyclv
from pyclv._time import rate_per_unit
from pyclv.exceptions import DataValidationError
from pyclv.io import read_table, write_table
from tests.helpers import fh2007_cohort
from tests.reference import beta_geo_beta_binom as bgbb_ref
from tests.reference import modified_beta_geo as mbg_ref
from tests.reference import pareto_nbd as pareto_ref
from tests.reference import published as ref
from tests.reference import shifted_beta_geo as sbg_ref


@pytest.fixture(scope="module")
def summary() -> pd.DataFrame:
    return pyclv.datasets.load_cdnow_summary()


@pytest.fixture(scope="module")
def models() -> tuple[pyclv.BetaGeo, pyclv.GammaGamma]:
    return (
        pyclv.BetaGeo.from_params(**ref.BGNBD_CDNOW, time_unit="W"),
        pyclv.GammaGamma.from_params(**ref.GAMMA_GAMMA_CDNOW, time_unit="W"),
    )


# ------------------------------------------------------------------ negative discount rates
@pytest.mark.parametrize(
    "model",
    [
        pyclv.BetaGeo.from_params(**ref.BGNBD_CDNOW, time_unit="W"),
        pyclv.ModifiedBetaGeo.from_params(**mbg_ref.MBGNBD_CDNOW, time_unit="W"),
        pyclv.ParetoNBD.from_params(**pareto_ref.PARETO_NBD_CDNOW, time_unit="W"),
    ],
    ids=lambda m: type(m).__name__,
)
def test_a_negative_rate_weights_the_future_up_by_a_riemann_stieltjes_sum(
    model: pyclv.models.TransactionModel, summary: pd.DataFrame, models: tuple
) -> None:
    """-0.01 a year (it crashed the process): the value is finite, above the undiscounted one, and equals an
    independent Riemann-Stieltjes sum of exp(-delta t) over the increments of E[Y(t)] on a fine grid."""
    data = summary.iloc[[0, 1, 5, 17, 100]]
    horizon, rate = 52.0, -0.01
    ours = pyclv.discounted_expected_purchases(model, data, horizon=horizon, annual_discount_rate=rate).to_numpy()
    undiscounted = model.expected_purchases(data, horizon).to_numpy()
    assert np.all(np.isfinite(ours)) and np.all(ours >= undiscounted)
    delta = rate_per_unit(rate, "W")
    assert delta < 0
    grid = np.linspace(0.0, horizon, 4001)
    path = np.column_stack([model.expected_purchases(data, t).to_numpy() for t in grid])
    midpoints = 0.5 * (grid[1:] + grid[:-1])
    reference = np.diff(path, axis=1) @ np.exp(-delta * midpoints)
    np.testing.assert_allclose(ours, reference, rtol=1e-6)
    # the undiscounted limit, from both sides
    tiny = pyclv.discounted_expected_purchases(model, data, horizon=horizon, annual_discount_rate=-1e-9)
    np.testing.assert_allclose(tiny.to_numpy(), undiscounted, rtol=1e-8)


def test_score_with_a_negative_rate_is_finite_and_ordered(models: tuple, summary: pd.DataFrame) -> None:
    bgnbd, gg = models
    values = {
        rate: pyclv.score(bgnbd, gg, summary, horizon=52.0, annual_discount_rate=rate)["clv"]
        for rate in (-0.5, -0.01, 0.0, 0.1)
    }
    assert all(np.isfinite(v).all() for v in values.values())
    assert values[-0.5].sum() > values[-0.01].sum() > values[0.0].sum() > values[0.1].sum()
    # one year of weeks at -50 % a year weights the last purchases up to 2x: the total stays below twice
    assert values[-0.5].sum() < 2.0 * values[0.0].sum()


def test_negative_rate_for_a_discrete_model() -> None:
    donations = pyclv.datasets.load_donations()
    model = pyclv.BetaGeoBetaBinom.from_params(**bgbb_ref.BGBB_DONATIONS, time_unit="Y")
    data = donations[["frequency", "recency", "n_periods"]]
    up = pyclv.discounted_expected_purchases(model, data, horizon=5, annual_discount_rate=-0.2)
    flat = model.expected_purchases(data, 5)
    # a sum over whole periods: with a constant rate per period the weight of period k is 0.8 ** -k
    assert np.all(np.isfinite(up)) and np.all(up.to_numpy() >= flat.to_numpy())
    paths = np.column_stack([model.expected_purchases(data, k).to_numpy() for k in range(6)])
    expected = np.diff(paths, axis=1) @ (0.8 ** -np.arange(1.0, 6.0))
    np.testing.assert_allclose(up.to_numpy(), expected, rtol=1e-12)


@pytest.mark.parametrize("rate", [0.0, -0.01])
def test_an_infinite_horizon_needs_a_positive_rate(models: tuple, summary: pd.DataFrame, rate: float) -> None:
    bgnbd, gg = models
    with pytest.raises(DataValidationError, match="infinite horizon needs a positive") as caught:
        pyclv.score(bgnbd, gg, summary, horizon=np.inf, annual_discount_rate=rate)
    assert caught.value.column == "annual_discount_rate"
    with pytest.raises(DataValidationError, match="infinite horizon"):
        pyclv.discounted_expected_purchases(bgnbd, summary, horizon=np.inf, annual_discount_rate=rate)


# ------------------------------------------------------------------ outputs are finite
def test_a_huge_repeat_purchase_is_refused_naming_monetary_value(models: tuple, summary: pd.DataFrame) -> None:
    bgnbd, gg = models
    data = summary.copy()
    data.loc[[2, 7], "monetary_value"] = 1e308  # customers 2 and 7 have repeat purchases
    assert (data.loc[[2, 7], "frequency"] > 0).all()
    with pytest.raises(DataValidationError, match="monetary_value") as caught:
        pyclv.score(bgnbd, gg, data, horizon=52.0, annual_discount_rate=0.1)
    assert caught.value.column == "monetary_value" and caught.value.n_rows == 2
    assert "customers 2 (" in str(caught.value) and "larger unit" in str(caught.value)
    with pytest.raises(DataValidationError, match="monetary_value"):
        pyclv.GammaGamma().fit(data)


def test_a_non_finite_prediction_is_refused_naming_the_column_and_customers(
    models: tuple, summary: pd.DataFrame
) -> None:
    bgnbd, gg = models
    data = summary.iloc[:5].copy()
    data.loc[data.index[1], ["frequency", "recency", "T", "monetary_value"]] = [1e308, 1.0, 1.0, 1e-300]
    with pytest.raises(DataValidationError, match="not finite for 1 customer") as caught:
        pyclv.score(bgnbd, gg, data, horizon=52.0, annual_discount_rate=0.1)
    assert caught.value.column == "expected_purchases_30d" and caught.value.n_rows == 1
    assert f"customer(s) ({data.index[1]} (nan))" in str(caught.value)
    with pytest.raises(DataValidationError, match="'clv'"):
        pyclv.customer_lifetime_value(bgnbd, gg, data, horizon=52.0)


# ------------------------------------------------------------------ the time unit travels with the data
def test_a_summary_that_lost_its_unit_is_refused_until_declared(
    models: tuple, summary: pd.DataFrame, tmp_path: Path
) -> None:
    bgnbd, gg = models
    summary.to_csv(tmp_path / "summary.csv")
    from_csv = pd.read_csv(tmp_path / "summary.csv", index_col="customer_id")
    assert "time_unit" not in from_csv.attrs
    with pytest.raises(DataValidationError, match=r"pyclv.with_time_unit\(data, 'W'\)") as caught:
        pyclv.score(bgnbd, gg, from_csv, horizon=52.0)
    assert caught.value.column == "T"
    declared = pyclv.with_time_unit(from_csv, "W")
    assert "time_unit" not in from_csv.attrs  # the input is left as it was
    pd.testing.assert_frame_equal(
        pyclv.score(bgnbd, gg, declared, horizon=52.0), pyclv.score(bgnbd, gg, summary, horizon=52.0)
    )


def test_a_summary_in_days_is_refused_by_a_model_in_weeks(models: tuple, summary: pd.DataFrame) -> None:
    bgnbd, gg = models
    in_days = summary.assign(recency=summary["recency"] * 7, T=summary["T"] * 7)
    in_days.attrs = {"time_unit": "D"}
    with pytest.raises(DataValidationError, match="time unit 'D' but the model was fitted in 'W'"):
        pyclv.score(bgnbd, gg, in_days, horizon=52.0)
    with pytest.raises(DataValidationError, match="time unit"):
        bgnbd.p_alive(pyclv.with_time_unit(in_days, "D"))


def test_parquet_keeps_the_unit(models: tuple, summary: pd.DataFrame, tmp_path: Path) -> None:
    bgnbd, _ = models
    write_table(summary, tmp_path / "summary.parquet")
    back = read_table(tmp_path / "summary.parquet")
    assert back.attrs["time_unit"] == "W"
    pd.testing.assert_series_equal(bgnbd.p_alive(back), bgnbd.p_alive(summary))


def test_a_model_without_a_unit_reads_any_summary(summary: pd.DataFrame) -> None:
    bare = pyclv.BetaGeo.from_params(**ref.BGNBD_CDNOW)
    hand_made = pd.DataFrame(summary[["frequency", "recency", "T"]].to_numpy(), columns=["frequency", "recency", "T"])
    assert hand_made.attrs == {}
    np.testing.assert_allclose(bare.p_alive(hand_made).to_numpy(), bare.p_alive(summary).to_numpy(), rtol=0)


def test_with_time_unit_refuses_an_unknown_unit(summary: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="time_unit must be one of"):
        pyclv.with_time_unit(summary, "weeks")


# ------------------------------------------------------------------ arguments are range-checked first
@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"margin": -1.0}, "margin"),
        ({"margin": 0.0}, "margin"),
        ({"margin": 1.5}, "margin"),
        ({"margin": np.nan}, "margin"),
        ({"horizon": 0.0}, "horizon"),
        ({"horizon": -52.0}, "horizon"),
        ({"horizon": np.nan}, "horizon"),
        ({"horizon": "52"}, "horizon"),
        ({"annual_discount_rate": -1.0}, "annual_discount_rate"),
        ({"annual_discount_rate": np.nan}, "annual_discount_rate"),
        ({"annual_discount_rate": np.inf}, "annual_discount_rate"),
        ({"interval": 0.0}, "interval"),
        ({"interval": 1.0}, "interval"),
        ({"interval": 95}, "interval"),
        ({"interval": 0.9, "n_draws": 1}, "n_draws"),
        ({"interval": 0.9, "n_draws": 2.5}, "n_draws"),
        ({"interval": 0.9, "method": "jackknife"}, "method"),
    ],
)
def test_out_of_range_arguments_are_refused_before_any_work(
    models: tuple, kwargs: dict, argument: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    bgnbd, gg = models

    def no_work(*args: object, **kw: object) -> None:
        raise AssertionError("the data were read before the arguments were checked")

    monkeypatch.setattr(type(bgnbd), "history", no_work)
    settings = {"horizon": 52.0, **kwargs}
    with pytest.raises(DataValidationError, match=argument) as caught:
        pyclv.score(bgnbd, gg, pd.DataFrame(), **settings)
    assert caught.value.column == argument


@pytest.mark.parametrize(
    ("model_cls", "params", "bad"),
    [
        (pyclv.BetaGeo, ref.BGNBD_CDNOW, "a"),
        (pyclv.ModifiedBetaGeo, mbg_ref.MBGNBD_CDNOW, "b"),
        (pyclv.ParetoNBD, pareto_ref.PARETO_NBD_CDNOW, "s"),
        (pyclv.BetaGeoBetaBinom, bgbb_ref.BGBB_DONATIONS, "delta"),
        (pyclv.ShiftedBetaGeo, {"alpha": 0.7, "beta": 1.2}, "alpha"),
        (pyclv.GammaGamma, ref.GAMMA_GAMMA_CDNOW, "v"),
    ],
)
@pytest.mark.parametrize("value", [0.0, -1.0, np.nan, np.inf, "1"])
def test_from_params_enforces_every_models_domain(
    model_cls: type[pyclv.models.BaseModel], params: dict, bad: str, value: object
) -> None:
    with pytest.raises(DataValidationError, match=f"parameter {bad} must be a finite number > 0") as caught:
        model_cls.from_params(**{**params, bad: value})
    assert caught.value.column == bad


# ------------------------------------------------------------------ one row per customer
def test_repeated_customer_ids_are_refused(models: tuple, summary: pd.DataFrame) -> None:
    bgnbd, gg = models
    data = pd.concat([summary.iloc[:10], summary.iloc[[2, 2, 5]]])
    with pytest.raises(DataValidationError, match=r"repeats 2 customer id\(s\) over 5 rows \(e.g. 3, 6\)") as caught:
        pyclv.score(bgnbd, gg, data, horizon=52.0)
    assert caught.value.column == "customer_id" and caught.value.n_rows == 2
    for predict in (bgnbd.p_alive, gg.expected_spend, lambda d: bgnbd.expected_purchases(d, 10.0)):
        with pytest.raises(DataValidationError, match="repeats"):
            predict(data)
    # a fit is not a prediction: the bootstrap resamples customers with replacement
    assert pyclv.GammaGamma().fit(pd.concat([summary, summary.iloc[[2, 2]]])).converged_


# ------------------------------------------------------------------ fits at the boundary
def _nbd_summary(n: int, T: float, seed: int) -> pd.DataFrame:
    """Customers who never drop out (an NBD): BG/NBD's dropout process is not identified."""
    rng = np.random.default_rng(seed)
    x = rng.poisson(rng.gamma(0.5, 1.0 / 10.0, n) * T).astype(float)
    recency = np.where(x > 0, T * rng.random(n) ** (1.0 / np.maximum(x, 1.0)), 0.0)
    data = pd.DataFrame({"frequency": x, "recency": recency, "T": np.full(n, T)})
    return pyclv.with_time_unit(data, "W")


@pytest.mark.parametrize("seed", [0, 1])
def test_a_fit_on_the_boundary_is_not_converged_and_says_so(seed: int) -> None:
    """The user's apparel fit (a = 34,563, b = 304,949, converged_ True): a, b run off, or a to 0."""
    with pytest.warns(pyclv.PyCLVWarning, match="converged_ is False") as caught:
        model = pyclv.BetaGeo().fit(_nbd_summary(5000, 52.0, seed))
    assert not model.converged_ and model.summary().stats["converged"] is False
    message = str(caught[0].message)
    assert "dropout probability after each purchase (a, b)" in message and "penalizer" in message
    a, b = model.params_["a"], model.params_["b"]
    assert a / (a + b) < 0.01 and (a > 100 or a < 1e-3)  # the ridge towards no dropout
    # the purchase process is identified all the same
    assert model.params_["r"] == pytest.approx(0.5, rel=0.1) and model.params_["alpha"] == pytest.approx(10, rel=0.15)


def test_a_penalizer_brings_the_fit_back_inside() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", pyclv.PyCLVWarning)
        model = pyclv.BetaGeo(penalizer=0.01).fit(_nbd_summary(5000, 52.0, 0))
    assert model.converged_


def test_the_published_fits_stay_converged_without_a_warning(summary: pd.DataFrame) -> None:
    donations = pyclv.datasets.load_donations()
    with warnings.catch_warnings():
        warnings.simplefilter("error", pyclv.PyCLVWarning)
        fits = [
            pyclv.BetaGeo().fit(summary),
            pyclv.ModifiedBetaGeo().fit(summary),
            pyclv.ParetoNBD().fit(summary),
            pyclv.GammaGamma().fit(summary),
            pyclv.BetaGeoBetaBinom().fit(donations, weights="weights"),
            pyclv.ShiftedBetaGeo().fit(fh2007_cohort(sbg_ref.SBG_HIGH_END_PERCENT), weights="weights"),
        ]
    assert all(model.converged_ for model in fits)
