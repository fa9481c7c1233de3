"""pyclv.evaluation.holdout: evaluate, holdout_comparison and compare_models against the CDNOW holdout."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import pyclv
from pyclv.evaluation import EvaluationReport, evaluate
from tests.evaluation.conftest import CAL_END, OBS_END


def _daily(log: pd.DataFrame) -> pd.DataFrame:
    """One row per (customer, day) of the log, amounts summed: the papers' transactions."""
    days = log.assign(day=log["date"].dt.floor("D"))
    return days.groupby(["customer_id", "day"], as_index=False)["amount"].sum()


def test_aggregate_matches_the_log(
    report: EvaluationReport, log: pd.DataFrame, models: tuple, split: pd.DataFrame
) -> None:
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
    direct = (
        pd.DataFrame({"actual": split["frequency_holdout"], "predicted": predicted, "group": groups})
        .groupby("group")
        .agg(actual=("actual", "mean"), predicted=("predicted", "mean"), n_customers=("actual", "size"))
    )
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


def test_discounting_changes_only_the_ranking_score(
    models: tuple, split: pd.DataFrame, report: EvaluationReport
) -> None:
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
    assert {
        ("repeat_transactions_error_pct", b) for b in ("historical_clv", "calibration_repeats", "population_mean")
    } <= set(report.baseline_wins)
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


@pytest.fixture(scope="module")
def fitted(split: pd.DataFrame) -> dict[str, pyclv.models.TransactionModel]:
    return {
        "BG/NBD": pyclv.BetaGeo().fit(split),
        "Pareto/NBD": pyclv.ParetoNBD().fit(split),
        "MBG/NBD": pyclv.ModifiedBetaGeo().fit(split),
    }


def test_compare_models_table(fitted: dict, split: pd.DataFrame) -> None:
    table = pyclv.compare_models(fitted, split)
    assert set(table.index) == set(fitted)
    assert list(table["bic"]) == sorted(table["bic"])
    bg = fitted["BG/NBD"]
    assert table.loc["BG/NBD", "log_likelihood"] == bg.log_likelihood_
    assert table.loc["BG/NBD", "aic"] == pytest.approx(8 - 2 * bg.log_likelihood_)
    predicted = bg.expected_purchases(split, 39.0)
    actual = split["frequency_holdout"]
    assert table.loc["BG/NBD", "actual"] == actual.sum()
    assert table.loc["BG/NBD", "mae"] == pytest.approx((predicted - actual).abs().mean())
    assert table.loc["BG/NBD", "rmse"] == pytest.approx(np.sqrt(((predicted - actual) ** 2).mean()))
    expected_pct = 100 * (predicted.sum() - actual.sum()) / actual.sum()
    assert table.loc["BG/NBD", "aggregate_error_pct"] == pytest.approx(expected_pct)


def test_compare_models_accepts_a_list_and_refuses_spend_models(fitted: dict, split: pd.DataFrame) -> None:
    table = pyclv.compare_models(list(fitted.values()), split)
    assert set(table.index) == {"BetaGeo", "ParetoNBD", "ModifiedBetaGeo"}
    with pytest.raises(TypeError, match="transaction models"):
        pyclv.compare_models({"spend": pyclv.GammaGamma().fit(split)}, split)
    with pytest.raises(pyclv.DataValidationError, match="frequency_holdout"):
        pyclv.compare_models(fitted, split.drop(columns="frequency_holdout"))


def test_holdout_comparison_matches_its_parts(fitted: dict, split: pd.DataFrame) -> None:
    bg = fitted["BG/NBD"]
    gg = pyclv.GammaGamma().fit(split)
    table = pyclv.holdout_comparison(bg, gg, split)
    assert table.loc["revenue", "actual"] == pytest.approx(split["revenue_holdout"].sum())
    forecast = (bg.expected_purchases(split, 39.0) * gg.expected_spend(split)).sum()
    assert table.loc["revenue", "model"] == pytest.approx(forecast)
    hist = pyclv.historical_clv(split, horizon=39.0)
    assert table.loc["revenue", "historical"] == pytest.approx(hist.sum())


@pytest.mark.parametrize("model_cls", [pyclv.BetaGeo, pyclv.ParetoNBD, pyclv.ModifiedBetaGeo])
def test_score_works_with_every_transaction_model(model_cls: type, split: pd.DataFrame) -> None:
    model = model_cls().fit(split)
    gg = pyclv.GammaGamma().fit(split)
    table = pyclv.score(model, gg, split, horizon=52.0, annual_discount_rate=0.1)
    assert table.index.equals(split.index) and table.notna().all().all()
    lifetime = pyclv.customer_lifetime_value(model, gg, split.iloc[:200], horizon=np.inf, annual_discount_rate=0.1)
    assert (lifetime >= table["clv"].iloc[:200] * (1 - 1e-12)).all()


def test_compare_models_warns_when_fits_are_not_comparable(fitted: dict, split: pd.DataFrame) -> None:
    other = pyclv.BetaGeo().fit(split.iloc[:1000])
    with pytest.warns(pyclv.PyCLVWarning, match="different numbers of customers"):
        pyclv.compare_models({"all": fitted["BG/NBD"], "part": other}, split)
    uneven = split.copy()
    uneven.loc[uneven.index[:5], "duration_holdout"] = 10.0
    with pytest.raises(pyclv.DataValidationError, match="duration_holdout"):
        pyclv.compare_models(fitted, uneven)
