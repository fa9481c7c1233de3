"""pyclv.evaluate, decile_table and tracking: the forecast judged against the CDNOW holdout and three baselines.

Besides models fitted here, some tests use the BG/NBD parameters Fader, Hardie & Lee (2005, Table 1) estimated on
the CDNOW sample's 39-week calibration period (the ``fhl`` fixture).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import pyclv
from pyclv.evaluation import (
    EvaluationReport,
    decile_table,
    evaluate,
    historical_clv,
    ranking_metrics,
    tracking,
)

CAL_END, OBS_END = "1997-09-30", "1998-06-30"


@pytest.fixture(scope="module")
def log() -> pd.DataFrame:
    return pyclv.datasets.load_cdnow_transactions()


@pytest.fixture(scope="module")
def split(log: pd.DataFrame) -> pd.DataFrame:
    return pyclv.calibration_holdout_split(
        log, calibration_period_end=CAL_END, observation_period_end=OBS_END, monetary_value_col="amount", time_unit="W"
    )


@pytest.fixture(scope="module")
def models(split: pd.DataFrame) -> tuple[pyclv.BetaGeo, pyclv.GammaGamma]:
    return pyclv.BetaGeo().fit(split), pyclv.GammaGamma().fit(split)


@pytest.fixture(scope="module")
def report(models: tuple, split: pd.DataFrame) -> EvaluationReport:
    return evaluate(*models, split)


@pytest.fixture(scope="module")
def fhl() -> pyclv.BetaGeo:
    # FHL (2005), Table 1: BG/NBD estimates on the CDNOW sample, 39-week calibration period.
    return pyclv.BetaGeo.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426, time_unit="W")


def _daily_log(log: pd.DataFrame) -> pd.DataFrame:
    """One row per (customer, purchase day), with the customer's first day and a repeat flag (pandas only)."""
    daily = log.assign(day=log["date"].dt.floor("D"))[["customer_id", "day"]].drop_duplicates()
    daily = daily.sort_values(["customer_id", "day"])
    daily["birth"] = daily.groupby("customer_id")["day"].transform("min")
    daily["repeat"] = daily["day"] > daily["birth"]
    return daily


def _daily(log: pd.DataFrame) -> pd.DataFrame:
    """One row per (customer, day) of the log, amounts summed: the papers' transactions."""
    days = log.assign(day=log["date"].dt.floor("D"))
    return days.groupby(["customer_id", "day"], as_index=False)["amount"].sum()


# --------------------------------------------------------------------------------------------- CDNOW report


def test_aggregate_matches_the_log(report: EvaluationReport, log: pd.DataFrame, models: tuple, split: pd.DataFrame) -> None:
    daily = _daily(log)
    holdout = daily[(daily["day"] > CAL_END) & (daily["day"] <= OBS_END)]
    agg = report.aggregate
    assert agg.loc["repeat_transactions", "actual"] == len(holdout) == 1882
    assert agg.loc["revenue", "actual"] == pytest.approx(holdout["amount"].sum())
    bg, gg = models
    predicted = bg.expected_purchases(split, 39.0)
    assert agg.loc["repeat_transactions", "predicted"] == pytest.approx(predicted.sum())
    assert agg.loc["revenue", "predicted"] == pytest.approx((predicted * gg.expected_spend(split)).sum())
    assert agg.loc["revenue", "error_pct"] == pytest.approx(
        100 * (agg.loc["revenue", "predicted"] / agg.loc["revenue", "actual"] - 1)
    )


def test_per_customer_accuracy(report: EvaluationReport, models: tuple, split: pd.DataFrame) -> None:
    bg, _ = models
    predicted = bg.expected_purchases(split, 39.0)
    actual = split["frequency_holdout"]
    row = report.per_customer.loc["repeat_transactions"]
    assert row["mae"] == pytest.approx((predicted - actual).abs().mean())
    assert row["rmse"] == pytest.approx(np.sqrt(((predicted - actual) ** 2).mean()))
    assert row["pearson"] == pytest.approx(predicted.corr(actual))
    assert row["spearman"] == pytest.approx(predicted.corr(actual, method="spearman"))
    assert 0.5 < row["pearson"] < 1  # the forecast is informative


def test_conditional_expectations_match_a_groupby(report: EvaluationReport, models: tuple, split: pd.DataFrame) -> None:
    table = report.conditional_expectations
    assert list(table.index) == [0, 1, 2, 3, 4, 5, 6, "7+"]
    assert table["n_customers"].sum() == 2357
    groups = split["frequency"].clip(upper=7).astype(int)
    predicted = models[0].expected_purchases(split, 39.0)
    direct = pd.DataFrame(
        {"actual": split["frequency_holdout"], "predicted": predicted, "group": groups}
    ).groupby("group").agg(actual=("actual", "mean"), predicted=("predicted", "mean"), n_customers=("actual", "size"))
    assert table["n_customers"].tolist() == direct["n_customers"].tolist()
    np.testing.assert_allclose(table["actual"], direct["actual"], rtol=1e-12)
    np.testing.assert_allclose(table["predicted"], direct["predicted"], rtol=1e-12)
    assert table.loc[0, "n_customers"] == (split["frequency"] == 0).sum()


def test_deciles_of_predicted_clv(report: EvaluationReport, models: tuple, split: pd.DataFrame) -> None:
    deciles = report.deciles
    assert deciles["n_customers"].sum() == 2357 and deciles["n_customers"].between(235, 236).all()
    assert deciles["share"].sum() == pytest.approx(1.0)
    assert deciles["actual"].sum() == pytest.approx(split["revenue_holdout"].sum())
    assert deciles.loc[1, "lift"] == pytest.approx(report.ranking["top_decile_lift"])
    assert report.ranking["top_decile_lift"] > 3  # the top decile holds far more than a tenth of the revenue
    assert 0 < report.ranking["gini"] < report.ranking["gini"] / report.ranking["normalized_gini"]
    assert report.ranking["k"] == 236
    clv = pyclv.customer_lifetime_value(*models, split, horizon=39.0)
    assert deciles["predicted"].sum() == pytest.approx(clv.sum())


def test_baselines_are_what_the_documentation_says(report: EvaluationReport, split: pd.DataFrame) -> None:
    base = report.baselines
    assert list(base.columns) == ["model", "historical_clv", "calibration_repeats", "population_mean"]
    x, T, m = split["frequency"], split["T"], split["monetary_value"]
    actual_tx, actual_rev = split["frequency_holdout"], split["revenue_holdout"]
    repeats = x / T * 39.0
    assert base.loc["repeat_transactions_mae", "calibration_repeats"] == pytest.approx((repeats - actual_tx).abs().mean())
    assert base.loc["revenue_mae", "calibration_repeats"] == pytest.approx((repeats * m - actual_rev).abs().mean())
    hist = historical_clv(split, horizon=39.0)
    assert report.settings["lifespan"] == pytest.approx(hist.attrs["lifespan"])
    assert base.loc["revenue_error_pct", "historical_clv"] == pytest.approx(100 * (hist.sum() / actual_rev.sum() - 1))
    pooled = x.sum() / T.sum() * 39.0
    assert base.loc["repeat_transactions_rmse", "population_mean"] == pytest.approx(np.sqrt(((pooled - actual_tx) ** 2).mean()))
    # a constant forecast has no correlation and ranks at random
    assert np.isnan(base.loc["revenue_pearson", "population_mean"])
    assert base.loc["gini", "population_mean"] == pytest.approx(0.0, abs=1e-12)
    assert base.loc["top_k_overlap", "population_mean"] == pytest.approx(236 / 2357)
    # the historical formula is the calibration rate scaled by L / H: same ranking and correlations
    for metric in ("revenue_spearman", "revenue_pearson", "gini", "top_k_overlap", "top_decile_lift"):
        assert base.loc[metric, "historical_clv"] == pytest.approx(base.loc[metric, "calibration_repeats"])
    assert base.loc["gini", "model"] == pytest.approx(report.ranking["gini"])


def test_discounting_changes_only_the_ranking_score(models: tuple, split: pd.DataFrame, report: EvaluationReport) -> None:
    discounted = evaluate(*models, split, annual_discount_rate=0.15, top_k=0.2)
    pd.testing.assert_frame_equal(discounted.aggregate, report.aggregate)
    pd.testing.assert_frame_equal(discounted.per_customer, report.per_customer)
    assert discounted.deciles["predicted"].sum() < report.deciles["predicted"].sum()
    assert discounted.ranking["k"] == round(0.2 * 2357)


def test_report_renders_as_text_and_html(report: EvaluationReport) -> None:
    text, page = str(report), report._repr_html_()
    assert repr(report) == text
    for title in ("Holdout totals", "calibration frequency", "decile", "Model and baselines"):
        assert title in text and title in page
    assert "7+" in text and "<table" in page and "historical_clv" in page
    assert "BetaGeo + GammaGamma" in text and "2,357 customers" in text


# ------------------------------------------------------------------------------------ the baseline sentence


def test_wins_are_recomputed_from_the_table(report: EvaluationReport) -> None:
    base = report.baselines
    better = {"abs": lambda b, m: abs(b) < abs(m), "min": lambda b, m: b < m, "max": lambda b, m: b > m}
    directions = {"error_pct": "abs", "mae": "min", "rmse": "min"}
    expected = set()
    for metric in base.index:
        direction = next((d for suffix, d in directions.items() if metric.endswith(suffix)), "max")
        for name in base.columns[1:]:
            b, m = base.loc[metric, name], base.loc[metric, "model"]
            if np.isfinite(b) and better[direction](b, m) and abs(b - m) > 1e-9 * max(1.0, abs(m)):
                expected.add((metric, name))
    assert set(report.baseline_wins) == expected
    assert report.baseline_beats_model == bool(expected)
    assert ("A baseline beats the model" in str(report)) == bool(expected)


def test_sentence_appears_when_a_baseline_wins(models: tuple, split: pd.DataFrame) -> None:
    # a BG/NBD that expects almost no repeat purchases: every baseline is closer in aggregate
    sleepy = pyclv.BetaGeo.from_params(r=0.01, alpha=100.0, a=0.5, b=0.5, time_unit="W")
    report = evaluate(sleepy, models[1], split)
    assert report.aggregate.loc["repeat_transactions", "error_pct"] < -50
    assert report.baseline_beats_model
    assert {("repeat_transactions_error_pct", b) for b in ("historical_clv", "calibration_repeats", "population_mean")} <= set(
        report.baseline_wins
    )
    sentence = report.verdict()
    assert sentence.startswith("A baseline beats the model") and "repeat_transactions_error_pct" in sentence
    assert sentence in str(report)
    assert "A baseline beats the model" in report._repr_html_()


def test_no_sentence_when_the_model_is_perfect(models: tuple, split: pd.DataFrame) -> None:
    # the holdout set to exactly what the model predicts: the model is best, or tied, on every metric
    bg, gg = models
    perfect = split.copy()
    perfect["frequency_holdout"] = bg.expected_purchases(split, 39.0)
    perfect["revenue_holdout"] = perfect["frequency_holdout"] * gg.expected_spend(split)
    report = evaluate(bg, gg, perfect)
    assert report.baseline_wins == [] and not report.baseline_beats_model
    assert report.per_customer.loc["revenue", "mae"] == pytest.approx(0.0, abs=1e-9)
    assert report.ranking["normalized_gini"] == pytest.approx(1.0) and report.ranking["top_k_overlap"] == 1.0
    assert "A baseline beats the model" not in str(report) and "A baseline beats the model" not in report._repr_html_()
    assert "No baseline beats the model" in str(report)


def test_evaluate_refuses_bad_input(models: tuple, split: pd.DataFrame) -> None:
    bg, gg = models
    with pytest.raises(pyclv.DataValidationError, match="revenue_holdout"):
        evaluate(bg, gg, split.drop(columns="revenue_holdout"))
    with pytest.raises(ValueError, match="top_k"):
        evaluate(bg, gg, split, top_k=0.0)
    with pytest.raises(TypeError, match="spend model"):
        evaluate(bg, bg, split)
    uneven = split.copy()
    uneven.loc[uneven.index[:3], "duration_holdout"] = 10.0
    with pytest.raises(pyclv.DataValidationError, match="duration_holdout") as info:
        evaluate(bg, gg, uneven)
    assert info.value.n_rows == 3


# ------------------------------------------------------------------------- ranking metrics by hand


def test_deciles_lift_and_gini_by_hand() -> None:
    # ranked by prediction the actual values are 30, 20, 40, 10 for the first four customers and 0 after
    predicted = [1, 5, 2, 9, 3, 4, 8, 0.5, 7, 6]
    actual = [0, 10, 0, 30, 0, 0, 20, 0, 40, 0]
    table = decile_table(predicted, actual)
    np.testing.assert_allclose(table["share"], [0.3, 0.2, 0.4, 0.0, 0.1, 0, 0, 0, 0, 0], atol=1e-15)
    np.testing.assert_allclose(table["cumulative_share"], [0.3, 0.5, 0.9, 0.9, 1, 1, 1, 1, 1, 1])
    assert table["n_customers"].tolist() == [1] * 10
    metrics = ranking_metrics(predicted, actual, top_k=0.2)
    assert metrics["top_decile_lift"] == pytest.approx(3.0)
    # gains curve at 0, .1, ..., 1: 0, .3, .5, .9, .9, 1, ...; area by trapezoids = 0.81, Gini = 2 * 0.81 - 1
    assert metrics["gini"] == pytest.approx(0.62)
    # perfect ranking: Gini of (40, 30, 20, 10, 0 x 6) = sum |xi - xj| / (2 n^2 mean) = 1400 / 2000
    assert metrics["normalized_gini"] == pytest.approx(0.62 / 0.7)
    # k = 2: predicted best {9, 8} -> customers 3 and 6; actual best {40, 30} -> customers 8 and 3
    assert metrics["k"] == 2 and metrics["top_k_overlap"] == pytest.approx(0.5)


def test_ties_score_as_a_random_order() -> None:
    actual = np.array([50.0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 30, 20, 0, 0, 0, 0, 0, 0, 0, 0])
    flat = ranking_metrics(np.ones(20), actual, top_k=0.1)
    assert flat["gini"] == pytest.approx(0.0, abs=1e-12)
    assert flat["top_decile_lift"] == pytest.approx(1.0)
    assert flat["top_k_overlap"] == pytest.approx(0.1)  # k = 2: each customer is in the top 2 with probability 0.1
    np.testing.assert_allclose(decile_table(np.ones(20), actual)["share"], 0.1)
    # two customers tied at the top, one of whom spent 50: the top-decile (2 customers) gets both
    predicted = np.r_[5.0, 5.0, np.zeros(18)]
    assert decile_table(predicted, actual).loc[1, "share"] == pytest.approx(0.5)
    # three tied at the top, k = 2: customer 0 (50) is in the predicted top 2 with probability 2/3
    predicted = np.r_[5.0, 5.0, 5.0, np.zeros(17)]
    assert ranking_metrics(predicted, actual, top_k=0.1)["top_k_overlap"] == pytest.approx((2 / 3) / 2)


def test_decile_table_of_the_fhl_forecast(fhl: pyclv.BetaGeo, split: pd.DataFrame) -> None:
    predicted = fhl.expected_purchases(split, 39.0)
    actual = split["frequency_holdout"]
    table = decile_table(predicted, actual)
    # cuts at floor(k * 2357 / 10): 0, 235, 471, 707, 942, 1178, 1414, 1649, 1885, 2121, 2357
    assert table["n_customers"].tolist() == [235, 236, 236, 235, 236, 236, 235, 236, 236, 236]
    assert table["share"].sum() == pytest.approx(1.0) and table["predicted_share"].sum() == pytest.approx(1.0)
    assert table.loc[1, "predicted_share"] == pytest.approx(table.loc[1, "predicted"] / predicted.sum())
    # the top decile's actual total, tied predictions averaged (computed with a pandas groupby)
    tie_mean = actual.groupby(predicted).transform("mean")
    top = tie_mean[predicted.sort_values(ascending=False, kind="stable").index[:235]].sum()
    assert table.loc[1, "actual"] == pytest.approx(top, rel=1e-12)
    assert table.loc[1, "lift"] > 3  # the top decile holds more than three times its share of holdout purchases
    # a perfect ranking captures the most in the top group, and shares never increase
    perfect = decile_table(actual, actual)
    assert np.all(np.diff(perfect["share"]) <= 1e-12)
    assert perfect.loc[1, "share"] >= table.loc[1, "share"]


def test_decile_table_aligns_series_on_the_index() -> None:
    predicted = pd.Series([5.0, 1.0, 3.0, 0.0], index=["a", "b", "c", "d"])
    actual = pd.Series([2.0, 4.0, 0.0, 4.0], index=["d", "c", "b", "a"])
    table = decile_table(predicted, actual, n_bins=2)
    assert table["actual"].tolist() == [8.0, 2.0] and table["lift"].tolist() == [1.6, 0.4]
    assert table["predicted_share"].tolist() == [8.0 / 9.0, 1.0 / 9.0]
    with pytest.raises(pyclv.DataValidationError, match="same customers") as info:
        decile_table(predicted, actual.rename(index={"d": "e"}), n_bins=2)
    assert info.value.n_rows == 1
    assert decile_table(predicted, actual * 0, n_bins=2)["share"].isna().all()  # no value to share
    with pytest.raises(pyclv.DataValidationError, match="missing or infinite") as info:
        decile_table([1.0, np.nan, np.inf], [1.0, 2.0, 3.0])
    assert info.value.column == "predicted" and info.value.n_rows == 2
    with pytest.raises(pyclv.DataValidationError, match="negative"):
        decile_table([1.0, 2.0], [1.0, -2.0])
    with pytest.raises(ValueError, match="n_bins"):
        decile_table([1.0, 2.0], [1.0, 2.0], n_bins=0)


@given(
    st.lists(st.tuples(st.integers(0, 5), st.floats(0, 100, allow_subnormal=False)), min_size=10, max_size=40)
)
def test_ranking_properties(rows: list[tuple[int, float]]) -> None:
    predicted, actual = np.array(rows, dtype=float).T
    table = decile_table(predicted, actual)
    metrics = ranking_metrics(predicted, actual, top_k=0.3)
    assert 0.0 <= metrics["top_k_overlap"] <= 1.0 + 1e-12
    if actual.sum() > 0:
        assert table["share"].sum() == pytest.approx(1.0)
        best = ranking_metrics(actual, actual)
        assert -1.0 <= metrics["gini"] <= best["gini"] + 1e-12
    else:
        assert table["share"].isna().all() and np.isnan(metrics["gini"])


# ------------------------------------------------------------------------------- the historical formula


def test_historical_lifespan_by_hand() -> None:
    # four customers; lapse 10: customers b (silent 12) and d (silent 20) have lapsed; exposure sum T = 80
    data = pd.DataFrame(
        {"frequency": [2.0, 1.0, 0.0, 3.0], "recency": [18.0, 8.0, 0.0, 0.0], "T": [20.0, 20.0, 20.0, 20.0],
         "monetary_value": [10.0, 20.0, 0.0, 5.0]},
        index=list("abcd"),
    )
    data.loc["c", "T"] = 5.0  # young: not lapsed; exposure is now 65
    data.loc["d", "recency"] = 0.0
    hist = historical_clv(data, horizon=30.0, lapse=10.0)
    mu = 2 / 65
    lifespan = (1 - np.exp(-mu * 30.0)) / mu
    assert hist.attrs["n_lapsed"] == 2 and hist.attrs["churn_rate"] == pytest.approx(mu)
    assert hist.attrs["lifespan"] == pytest.approx(lifespan) and lifespan < min(1 / mu, 30.0)
    np.testing.assert_allclose(hist, [10 * 2 / 20 * lifespan, 20 * 1 / 20 * lifespan, 0.0, 5 * 3 / 20 * lifespan])
    # the naive formula: everyone keeps buying for the whole horizon; a given lifespan is capped by it
    np.testing.assert_allclose(historical_clv(data, horizon=30.0, lifespan=30.0), hist * 30.0 / lifespan)
    np.testing.assert_allclose(historical_clv(data, horizon=30.0, lifespan=99.0), hist * 30.0 / lifespan)
    # an infinite horizon gives 1 / churn rate; nobody lapsed gives the horizon
    assert historical_clv(data, horizon=np.inf, lapse=10.0).attrs["lifespan"] == pytest.approx(1 / mu)
    assert historical_clv(data, horizon=30.0, lapse=100.0).attrs["lifespan"] == 30.0
    with pytest.raises(ValueError, match="lapse"):
        historical_clv(data, horizon=30.0, lapse=-1.0)


def test_historical_default_lapse(split: pd.DataFrame) -> None:
    repeaters = split[split["frequency"] > 0]
    rate = repeaters["frequency"].sum() / repeaters["recency"].sum()
    hist = historical_clv(split, horizon=39.0)
    assert hist.attrs["lapse"] == pytest.approx(np.log(20) / rate)
    lapsed = (split["T"] - split["recency"] > hist.attrs["lapse"]).sum()
    assert hist.attrs["n_lapsed"] == lapsed and hist.attrs["churn_rate"] == pytest.approx(lapsed / split["T"].sum())


# --------------------------------------------------------------------------------------------- tracking


@pytest.fixture(scope="module")
def weekly(models: tuple, log: pd.DataFrame) -> pd.DataFrame:
    return tracking(models[0], log, calibration_period_end=CAL_END, observation_period_end=OBS_END)


def test_tracking_totals_equal_the_log(weekly: pd.DataFrame, log: pd.DataFrame, split: pd.DataFrame) -> None:
    daily = _daily(log)
    daily = daily[daily["day"] <= OBS_END]
    repeats = len(daily) - daily["customer_id"].nunique()
    assert weekly["actual_cumulative"].iloc[-1] == repeats == split["frequency"].sum() + split["frequency_holdout"].sum()
    assert repeats == 4339
    assert weekly["actual"].sum() == repeats
    np.testing.assert_allclose(weekly["expected"].cumsum(), weekly["expected_cumulative"], rtol=1e-12)
    assert len(weekly) == 78 and weekly["holdout"].sum() == 39
    assert weekly.index[0] == pd.Timestamp("1997-01-07") and weekly.index[-1] == pd.Timestamp(OBS_END)
    calibration = weekly[~weekly["holdout"]]
    assert calibration["actual_cumulative"].iloc[-1] == split["frequency"].sum()
    assert weekly.loc[CAL_END, "actual_cumulative"] == 2457  # the total calibration frequency of the CDNOW summary
    # week by week, counted from 1997-01-01 with pandas
    marked = _daily_log(log)
    week = (marked.loc[marked["repeat"], "day"] - pd.Timestamp("1997-01-01")).dt.days // 7
    np.testing.assert_array_equal(weekly["actual"].to_numpy(), np.bincount(week, minlength=78))
    # repeats of one week, counted directly
    week = daily[(daily["day"] > "1997-03-04") & (daily["day"] <= "1997-03-11")]
    first = daily.groupby("customer_id")["day"].transform("min")
    assert weekly.loc["1997-03-11", "actual"] == (week["day"] > first[week.index]).sum()


def test_tracking_expected_is_the_sum_over_births(weekly: pd.DataFrame, models: tuple, log: pd.DataFrame) -> None:
    births = log.groupby("customer_id")["date"].min().dt.floor("D")
    bg = models[0]
    for end in ("1997-09-30", OBS_END):
        ages = (pd.Timestamp(end) - births).dt.days.to_numpy() / 7.0
        direct = np.sum(bg.expected_purchases_new_customer(ages))
        assert weekly.loc[end, "expected_cumulative"] == pytest.approx(direct, rel=1e-12)
    # the model tracks the holdout within 15 % (Fader, Hardie and Lee 2005 report a close fit on CDNOW)
    holdout = weekly[weekly["holdout"]]
    assert holdout["expected"].sum() == pytest.approx(holdout["actual"].sum(), rel=0.15)


def test_tracking_periods_and_errors(models: tuple, log: pd.DataFrame) -> None:
    monthly = tracking(models[0], log, calibration_period_end=CAL_END, observation_period_end=OBS_END, period="M")
    assert pd.Timestamp(CAL_END) in monthly.index and monthly.index[-1] == pd.Timestamp(OBS_END)
    assert monthly["actual"].sum() == tracking(
        models[0], log, calibration_period_end=CAL_END, observation_period_end=OBS_END, period="D"
    )["actual"].sum()
    with pytest.raises(pyclv.DataValidationError, match="time unit"):
        tracking(models[0], log, calibration_period_end=CAL_END, observation_period_end=OBS_END, time_unit="D")
    with pytest.raises(pyclv.DataValidationError, match="calibration_period_end"):
        tracking(models[0], log[log["date"] <= CAL_END], calibration_period_end=OBS_END, observation_period_end=CAL_END)
    late = pd.concat([log, pd.DataFrame({"customer_id": [99999], "date": [pd.Timestamp("1998-01-05")], "quantity": [1], "amount": [9.0]})])
    with pytest.warns(pyclv.PyCLVWarning, match="first purchase in the holdout period"):
        tracking(models[0], late, calibration_period_end=CAL_END, observation_period_end=OBS_END)


def test_tracking_expected_is_the_sum_of_new_customer_expectations(fhl: pyclv.BetaGeo, log: pd.DataFrame) -> None:
    table = tracking(fhl, log, calibration_period_end=CAL_END, observation_period_end=OBS_END)
    for end in (CAL_END, OBS_END):
        part = log[log["date"] <= end]
        ages = pyclv.rfm_summary(part, observation_period_end=end, time_unit="W")["T"].to_numpy()
        direct = fhl.expected_purchases_new_customer(ages).sum()
        assert table.loc[end, "expected_cumulative"] == pytest.approx(direct, rel=1e-12)
    # the BG/NBD tracks CDNOW's cumulative repeat transactions within 5% at weeks 39 and 78 (FHL 2005, Figure 1)
    error = table["expected_cumulative"] / table["actual_cumulative"] - 1
    assert abs(error.loc[CAL_END]) < 0.05 and abs(error.loc[OBS_END]) < 0.05


def test_tracking_by_calendar_month_and_by_day(fhl: pyclv.BetaGeo, log: pd.DataFrame, weekly: pd.DataFrame) -> None:
    def run(period: str) -> pd.DataFrame:
        return tracking(fhl, log, calibration_period_end=CAL_END, observation_period_end=OBS_END, period=period)

    monthly = run("MS")
    assert len(monthly) == 18 and monthly.index[0] == pd.Timestamp("1997-01-31")
    assert monthly["actual"].sum() == 4339 and monthly["holdout"].sum() == 9
    daily = run("D")
    assert len(daily) == 546
    for end in ("1997-01-31", CAL_END, OBS_END):
        assert daily.loc[end, "expected_cumulative"] == pytest.approx(monthly.loc[end, "expected_cumulative"], rel=1e-12)
    assert daily.loc[CAL_END, "actual_cumulative"] == weekly.loc[CAL_END, "actual_cumulative"]
    fortnights = run("14D")  # fixed lengths count from the first purchase day, like "W"
    assert fortnights.index[0] == pd.Timestamp("1997-01-14") and len(fortnights) == 40  # 39 + the cut at CAL_END
    # calendar weeks: partial first and last weeks, and the calibration end (a Tuesday) cuts its week in two
    sundays = run("W-SUN")
    assert sundays.index[0] == pd.Timestamp("1997-01-05") and pd.Timestamp(CAL_END) in sundays.index
    inner = sundays.index.drop([pd.Timestamp(CAL_END), pd.Timestamp(OBS_END)])
    assert (inner.day_of_week == 6).all() and len(inner) == len(pd.date_range("1997-01-05", OBS_END, freq="W-SUN"))
    assert sundays.index[-1] == pd.Timestamp(OBS_END) and sundays["actual"].sum() == 4339
    assert sundays.loc[CAL_END, "expected_cumulative"] == pytest.approx(daily.loc[CAL_END, "expected_cumulative"], rel=1e-12)
    with pytest.raises(ValueError, match="whole number of days"):
        run("12h")
    with pytest.raises(ValueError, match="period must be"):
        run("fortnightly")


def test_tracking_leaves_out_customers_born_after_calibration(fhl: pyclv.BetaGeo, log: pd.DataFrame) -> None:
    with pytest.warns(pyclv.PyCLVWarning, match="not in the calibration cohort"):
        table = tracking(fhl, log, calibration_period_end="1997-02-15", observation_period_end=OBS_END)
    daily = _daily_log(log)
    cohort = daily[(daily["birth"] <= "1997-02-15") & daily["repeat"]]
    assert table["actual"].sum() == len(cohort)


def test_tracking_checks_time_units_and_dates(fhl: pyclv.BetaGeo, log: pd.DataFrame) -> None:
    def run(model: pyclv.BetaGeo, **kwargs: object) -> pd.DataFrame:
        return tracking(model, log, calibration_period_end=CAL_END, observation_period_end=OBS_END, **kwargs)

    with pytest.raises(pyclv.DataValidationError, match="time unit"):
        run(fhl, time_unit="D")
    unitless = pyclv.BetaGeo.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
    with pytest.raises(ValueError, match="time_unit="):
        run(unitless)
    assert run(unitless, time_unit="W").equals(run(fhl))
    # the observation end defaults to the last transaction, here the end of the CDNOW log
    assert tracking(fhl, log, calibration_period_end=CAL_END).equals(run(fhl))
    with pytest.raises(pyclv.DataValidationError, match="calibration_period_end"):
        tracking(fhl, log, calibration_period_end=OBS_END, observation_period_end=OBS_END)
    with pytest.raises(pyclv.DataValidationError, match="before the first transaction"):
        tracking(fhl, log, calibration_period_end="1996-12-31", observation_period_end=OBS_END)
    with pytest.raises(TypeError, match="transaction model"):
        tracking(pyclv.GammaGamma(), log, calibration_period_end=CAL_END)
