"""The report of models with covariates: what each covariate changes, in words, and the value of each level."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest

import pyclv
from pyclv.business import value_by_group
from pyclv.report import build_report
from pyclv.report._covariates import effects

CAL_END, OBS_END = "2021-06-30", "2021-12-31"

#: The simulated customers' profiles: purchase rate factor and spend factor per channel (store is 2x as active
#: and spends 1.5x as much as online).
PURCHASE = {"online": 1.0, "store": 2.0}
SPEND = {"online": 1.0, "store": 1.5}


def _simulated_log(n: int = 1500, seed: int = 7) -> tuple[pd.DataFrame, pd.Series]:
    """A BG/NBD transaction log with Gamma-Gamma amounts, weekly rates, and each customer's channel."""
    rng = np.random.default_rng(seed)
    channel = pd.Series(rng.choice(list(PURCHASE), n), index=pd.RangeIndex(n, name="customer_id"), name="channel")
    rate = rng.gamma(0.8, 1 / 6.0, n) * channel.map(PURCHASE).to_numpy()  # per week
    dropout = rng.beta(0.6, 3.0, n)
    scale = 1 / rng.gamma(4.0, 1 / 30.0, n)  # Gamma-Gamma: the customer's mean spend is 5 * scale
    start = pd.Timestamp("2021-01-01")
    end_weeks = (pd.Timestamp(OBS_END) - start).days / 7
    rows = []
    for i in range(n):
        t = rng.uniform(0, 12)  # acquired in the first 12 weeks
        while t <= end_weeks:
            amount = rng.gamma(5.0, scale[i]) * SPEND[channel.iloc[i]]
            rows.append((i, start + pd.Timedelta(days=float(np.floor(t * 7))), amount))
            if rng.random() < dropout[i] and len(rows) and rows[-1][0] == i and t > 0:
                break
            t += rng.exponential(1 / rate[i])
    log = pd.DataFrame(rows, columns=["customer_id", "date", "amount"])
    return log, channel


@pytest.fixture(scope="module")
def simulated() -> tuple[pd.DataFrame, pd.DataFrame]:
    log, channel = _simulated_log()
    with warnings.catch_warnings(action="ignore", category=pyclv.PyCLVWarning):
        split = pyclv.calibration_holdout_split(
            log, calibration_period_end=CAL_END, observation_period_end=OBS_END, monetary_value_col="amount",
            time_unit="W",
        )
    return log, split.assign(channel=channel.reindex(split.index))  # assign keeps attrs["time_unit"]


@pytest.fixture(scope="module")
def fitted(simulated) -> tuple[pyclv.BetaGeo, pyclv.GammaGamma]:
    split = simulated[1]
    return (pyclv.BetaGeo(purchase_covariates=["channel"], dropout_covariates=["channel"]).fit(split),
            pyclv.GammaGamma(spend_covariates=["channel"]).fit(split))


@pytest.fixture(scope="module")
def document(fitted, simulated) -> str:
    log, split = simulated
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        text = build_report(*fitted, split, log, calibration_period_end=CAL_END, observation_period_end=OBS_END,
                            monetary_value_col="amount", currency="$", acquisition_cost=10.0)
    assert not [w for w in caught if "could not be drawn" in str(w.message)]
    return text


def test_the_effects_are_the_factors_of_the_coefficients(fitted) -> None:
    bgnbd, gg = fitted
    (purchase, dropout), (spend,) = effects(bgnbd), effects(gg)
    assert purchase.who == "Customers with channel = store (against online)"
    gamma = bgnbd.params_["purchase.channel[store]"]
    assert purchase.factors[0][0] == pytest.approx(np.exp(gamma))  # purchase rate r / alpha_i
    low, high = bgnbd.conf_int().loc["purchase.channel[store]"]
    np.testing.assert_allclose(purchase.factors[0][1:], np.exp([low, high]))
    assert purchase.factors[0][0] == pytest.approx(PURCHASE["store"], rel=0.25)  # the simulated effect, found
    assert "as often" in purchase.what[0] and "dropping out" in dropout.what[0]
    # the spend factor is the ratio of the profiles' mean spend, p v_i / (q - 1), whatever the sign convention
    means = [gg.for_covariates(channel=c).params_ for c in ("online", "store")]
    ratio = means[1]["v"] / means[0]["v"]
    assert spend.factors[0][0] == pytest.approx(ratio)
    assert spend.factors[0][0] == pytest.approx(SPEND["store"], rel=0.15)
    assert spend.factors[0][1] < spend.factors[0][0] < spend.factors[0][2]


def test_the_report_says_what_the_covariates_change(document: str, fitted) -> None:
    assert 'id="covariates"' in document
    section = document[document.index('id="covariates"'):document.index('id="customers"')]
    factor = np.exp(fitted[0].params_["purchase.channel[store]"])
    assert f"Customers with channel = store (against online) buy {factor:.3g}× as often while active" in section
    assert "spend " in section and "as much per purchase" in section
    assert re.search(r"likelihood-ratio test: χ² = [\d.]+ on 2 degrees of freedom, p", section)
    assert re.search(r"likelihood-ratio test: χ² = [\d.]+ on 1 degree of freedom, p", section)
    assert "as often while active (95% interval" in section and "; they have the same average chance" in section
    assert "Customers by channel" in section and "Mean forecast value over" in section


def test_the_value_by_channel_comes_from_the_score(fitted, simulated) -> None:
    split = simulated[1]
    scores = pyclv.score(*fitted, split, horizon=26)
    table = value_by_group(scores, split["channel"])
    assert table["n_customers"].sum() == len(split)
    assert table["share_of_value"].sum() == pytest.approx(1.0)
    store = scores[split["channel"] == "store"]
    assert table.loc["store", "mean_clv"] == pytest.approx(store["clv"].mean())
    assert table.loc["store", "mean_p_alive"] == pytest.approx(store["p_alive"].mean())
    assert table.loc["store", "mean_clv"] > 1.5 * table.loc["online", "mean_clv"]


def test_a_report_without_covariates_has_no_such_section(simulated) -> None:
    split = simulated[1]
    text = build_report(pyclv.BetaGeo().fit(split), pyclv.GammaGamma().fit(split), split)
    assert 'id="covariates"' not in text
