"""CLV, discounting and the score table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate

import pyclv
from pyclv._time import rate_per_unit
from pyclv.models import beta_geo
from tests.reference import published as ref


@pytest.fixture(scope="module")
def summary() -> pd.DataFrame:
    return pyclv.datasets.load_cdnow_summary()


@pytest.fixture(scope="module")
def models() -> tuple[pyclv.BetaGeo, pyclv.GammaGamma]:
    return (
        pyclv.BetaGeo.from_params(**ref.BGNBD_CDNOW, time_unit="W"),
        pyclv.GammaGamma.from_params(**ref.GAMMA_GAMMA_CDNOW, time_unit="W"),
    )


def _reference_integral(
    theta: tuple[float, ...], x: float, t_x: float, T: float, horizon: float, delta: float
) -> float:
    """int_0^H exp(-delta t) dE[Y(t)], by parts, with adaptive quadrature at tight tolerance."""

    def f(t: float) -> float:
        return float(beta_geo.conditional_expected_purchases(*theta, x, t_x, T, t))

    points = [horizon * 1e-6, horizon * 1e-4, horizon * 1e-2]
    inner = integrate.quad(
        lambda t: np.exp(-delta * t) * f(t), 0, horizon, limit=500, epsabs=0, epsrel=1e-12, points=points
    )[0]
    return np.exp(-delta * horizon) * f(horizon) + delta * inner


@pytest.mark.parametrize(
    ("params", "unit", "rows", "horizon", "rate"),
    [
        ((0.2426, 4.41, 0.79, 2.43), "W", [(0, 0, 38.86), (2, 30.43, 38.86), (50, 38, 39)], 520.0, 0.1),
        ((0.2426, 30.9, 0.79, 2.43), "D", [(0, 0, 0.0), (2, 213, 272), (50, 266, 273)], 3652.5, 0.5),
        ((0.5, 0.05, 0.5, 5.0), "D", [(0, 0, 0.0), (3, 10, 100)], 36525.0, 0.1),  # horizon >> model time scale
        # negative rates weight the future up (issue 10: they crashed the process)
        ((0.2426, 4.41, 0.79, 2.43), "W", [(0, 0, 38.86), (2, 30.43, 38.86), (50, 38, 39)], 520.0, -0.01),
        ((0.2426, 30.9, 0.79, 2.43), "D", [(0, 0, 0.0), (2, 213, 272), (50, 266, 273)], 3652.5, -0.5),
        ((0.5, 0.05, 0.5, 5.0), "D", [(0, 0, 0.0), (3, 10, 100)], 36525.0, -0.1),
    ],
)
def test_discounting_matches_fine_numerical_reference(
    params: tuple[float, ...], unit: str, rows: list, horizon: float, rate: float
) -> None:
    model = pyclv.BetaGeo.from_params(**dict(zip(("r", "alpha", "a", "b"), params, strict=True)), time_unit=unit)
    data = pyclv.with_time_unit(pd.DataFrame(rows, columns=["frequency", "recency", "T"]).astype(float), unit)
    ours = pyclv.discounted_expected_purchases(model, data, horizon=horizon, annual_discount_rate=rate)
    delta = rate_per_unit(rate, unit)
    expected = [_reference_integral(params, *row, horizon, delta) for row in rows]
    np.testing.assert_allclose(ours.to_numpy(), expected, rtol=1e-6)


def test_zero_rate_clv_equals_spend_times_purchases_exactly(models: tuple, summary: pd.DataFrame) -> None:
    bgnbd, gg = models
    clv = pyclv.customer_lifetime_value(bgnbd, gg, summary, horizon=39.0, margin=0.3)
    expected = 0.3 * gg.expected_spend(summary) * bgnbd.expected_purchases(summary, 39.0)
    pd.testing.assert_series_equal(clv, expected.rename("clv"), rtol=0, atol=0)


def test_discount_rate_uses_365_25_days_a_year() -> None:
    # one year of weeks discounts by exactly 1 / (1 + rate)
    delta = rate_per_unit(0.1, "W")
    assert np.exp(-delta * 365.25 / 7) == pytest.approx(1 / 1.1, rel=1e-14)
    assert rate_per_unit(0.1, "D") * 7 == pytest.approx(delta, rel=1e-14)


def test_rate_without_time_unit_says_what_to_do(summary: pd.DataFrame) -> None:
    bgnbd = pyclv.BetaGeo.from_params(**ref.BGNBD_CDNOW)
    gg = pyclv.GammaGamma.from_params(**ref.GAMMA_GAMMA_CDNOW)
    with pytest.raises(ValueError, match="time unit"):
        pyclv.customer_lifetime_value(bgnbd, gg, summary, horizon=52, annual_discount_rate=0.1)
    # a zero rate needs no time unit
    assert pyclv.customer_lifetime_value(bgnbd, gg, summary, horizon=52).notna().all()


@settings(max_examples=25, deadline=None)
@given(rate1=st.floats(0.0, 1.0), extra=st.floats(0.01, 1.0), horizon=st.floats(1.0, 1000.0))
def test_clv_decreases_with_the_discount_rate(
    models: tuple, summary: pd.DataFrame, rate1: float, extra: float, horizon: float
) -> None:
    bgnbd, gg = models
    data = summary.iloc[:50]
    low = pyclv.customer_lifetime_value(bgnbd, gg, data, horizon=horizon, annual_discount_rate=rate1)
    high = pyclv.customer_lifetime_value(bgnbd, gg, data, horizon=horizon, annual_discount_rate=rate1 + extra)
    assert (high <= low * (1 + 1e-12)).all()
    assert (high < low).any()


def test_score_table(models: tuple, summary: pd.DataFrame) -> None:
    bgnbd, gg = models
    shuffled = summary.sample(frac=1.0, random_state=3)
    table = pyclv.score(bgnbd, gg, shuffled, horizon=52.0, annual_discount_rate=0.1)
    assert table.index.equals(shuffled.index)  # same ids, same order, one row each
    expected_cols = [
        "frequency",
        "recency",
        "T",
        "monetary_value",
        "p_alive",
        "p_churned",
        "expected_purchases_30d",
        "expected_purchases_60d",
        "expected_purchases_90d",
        "expected_purchases",
        "expected_spend",
        "expected_value_30d",
        "expected_value_60d",
        "expected_value_90d",
        "clv",
    ]
    assert list(table.columns) == expected_cols
    assert table.notna().all().all()
    np.testing.assert_allclose(table["p_alive"] + table["p_churned"], 1.0)
    # 30 days are 30/7 weeks
    np.testing.assert_allclose(table["expected_purchases_30d"], bgnbd.expected_purchases(shuffled, 30 / 7))
    np.testing.assert_allclose(table["expected_value_90d"], table["expected_spend"] * table["expected_purchases_90d"])
    assert (table["expected_purchases_30d"] <= table["expected_purchases_60d"]).all()
    assert (table["expected_purchases_60d"] <= table["expected_purchases_90d"]).all()
    # a 10 % rate lowers CLV below the undiscounted value
    undiscounted = table["expected_spend"] * table["expected_purchases"]
    assert (table["clv"] < undiscounted).all()


def test_score_needs_monetary_value(models: tuple, summary: pd.DataFrame) -> None:
    bgnbd, gg = models
    with pytest.raises(pyclv.DataValidationError, match="monetary_value"):
        pyclv.score(bgnbd, gg, summary.drop(columns="monetary_value"), horizon=52)


def test_time_unit_mismatch_is_refused(models: tuple, summary: pd.DataFrame) -> None:
    bgnbd, _ = models
    daily = summary.copy()
    daily.attrs["time_unit"] = "D"
    with pytest.raises(pyclv.DataValidationError, match="time unit"):
        bgnbd.expected_purchases(daily, 30)


def test_draw_quadrature_is_accurate_to_1e_5() -> None:
    """The coarser rule used for parameter draws stays far below the Monte Carlo error of the draws."""
    from pyclv._quadrature import DRAW_NODES_PER_PANEL, discounted_increments

    cases = [
        ((0.2426, 4.41, 0.79, 2.43), "W", [(0, 0, 38.86), (2, 30.43, 38.86), (50, 38, 39)], [4.0, 52.0, 520.0, np.inf]),
        ((0.2426, 30.9, 0.79, 2.43), "D", [(0, 0, 0.0), (2, 213, 272)], [30.0, 365.0, 3652.5, np.inf]),
        ((0.5, 0.05, 0.5, 5.0), "D", [(0, 0, 0.0), (3, 10, 100)], [36525.0, np.inf]),
    ]
    for theta, unit, rows, horizons in cases:
        x, t_x, T = (np.array(c, dtype=float) for c in zip(*rows, strict=True))

        def path(
            r: slice, t: np.ndarray, theta: tuple = theta, x: np.ndarray = x, t_x: np.ndarray = t_x, T: np.ndarray = T
        ) -> np.ndarray:
            return beta_geo.conditional_expected_purchases(*theta, x[r, None], t_x[r, None], T[r, None], t)

        for horizon in horizons:
            for rate in (0.05, 0.1, 0.5):
                delta = rate_per_unit(rate, unit)
                fine = discounted_increments(path, len(x), horizon, delta)
                coarse = discounted_increments(path, len(x), horizon, delta, nodes_per_panel=DRAW_NODES_PER_PANEL)
                np.testing.assert_allclose(coarse, fine, rtol=1e-5)


def test_the_discounting_quadrature_sums_each_customer_alone() -> None:
    """A customer's discounted value is a function of its own row: a BLAS product (``values @ kernel``) summed
    743 of 1,000 rows in another order alone than in a block, which moved Pareto/NBD interval bounds by one ulp
    with the customers scored beside them."""
    from pyclv._quadrature import _weighted_sum

    rng = np.random.default_rng(0)
    values, weights = rng.standard_normal((1_000, 97)), rng.standard_normal(97)
    in_block = _weighted_sum(values, weights)
    alone = np.array([_weighted_sum(values[i : i + 1], weights)[0] for i in range(len(values))])
    np.testing.assert_array_equal(in_block, alone)
    np.testing.assert_allclose(in_block, values @ weights, rtol=1e-12, atol=1e-12)
