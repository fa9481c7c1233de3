"""pyclv.evaluation.diagnostics: the model-check tables, checked against the model's own predictions and the log.

The model is the BG/NBD with the parameters Fader, Hardie & Lee (2005, Table 1) estimated on the CDNOW sample's
39-week calibration period (the ``fhl`` fixture).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import pyclv
from pyclv.evaluation import (
    alive_history,
    calibration_vs_holdout,
    frequency_recency_matrix,
    period_transactions,
    probability_alive_matrix,
)
from pyclv.exceptions import DataValidationError
from tests.evaluation.conftest import CAL_END, OBS_END


def test_frequency_recency_matrix_cells_are_the_models_expected_purchases(fhl: pyclv.BetaGeo) -> None:
    matrix = frequency_recency_matrix(fhl, T=39.0, max_frequency=12, t=52.0)
    assert matrix.shape == (13, 40)  # frequencies 0..12, recencies 0, 1, ..., 39
    assert matrix.index.name == "frequency" and matrix.columns.name == "recency"
    np.testing.assert_array_equal(matrix.columns.to_numpy(), np.linspace(0.0, 39.0, 40))
    for f, r in [(1.0, 0.0), (3.0, 10.0), (12.0, 39.0), (7.0, 25.0)]:
        cell = pyclv.with_time_unit(pd.DataFrame({"frequency": [f], "recency": [r], "T": [39.0]}), "W")
        assert matrix.loc[f, r] == pytest.approx(fhl.expected_purchases(cell, 52.0).iloc[0], rel=1e-12)
    assert matrix.iloc[0, 1:].isna().all() and not matrix.iloc[1:].isna().any().any()  # f = 0 needs recency 0
    assert matrix.attrs == {"T": 39.0, "time_unit": "W", "t": 52.0}


def test_probability_alive_matrix_cells_are_the_models_p_alive(fhl: pyclv.BetaGeo) -> None:
    matrix = probability_alive_matrix(fhl, T=39.0, max_frequency=5, max_recency=20.0)
    assert matrix.shape == (6, 21)
    grid = pd.DataFrame({"frequency": 4.0, "recency": np.linspace(0.0, 20.0, 21), "T": 39.0})
    cells = pyclv.with_time_unit(grid, "W")
    np.testing.assert_allclose(matrix.loc[4.0].to_numpy(), fhl.p_alive(cells).to_numpy(), rtol=1e-12)
    assert matrix.loc[0.0, 0.0] == 1.0  # BG/NBD: no repeat purchase, no chance to drop out yet
    with pytest.raises(ValueError, match="max_recency"):
        probability_alive_matrix(fhl, T=10.0, max_recency=11.0)


def test_matrix_default_frequency_is_the_99_percent_quantile(fhl: pyclv.BetaGeo) -> None:
    cdf = np.cumsum([fhl.probability_of_purchases(n, 39.0) for n in range(60)])
    assert len(frequency_recency_matrix(fhl, T=39.0)) == int(np.argmax(cdf >= 0.99)) + 1


def test_period_transactions_are_the_histogram_and_sum_to_the_customers(fhl: pyclv.BetaGeo) -> None:
    summary = pyclv.datasets.load_cdnow_summary()
    table = period_transactions(fhl, summary, max_frequency=7)
    assert table.index.tolist() == ["0", "1", "2", "3", "4", "5", "6", "7+"]
    counts = summary["frequency"].clip(upper=7).value_counts().sort_index()
    assert table["actual"].tolist() == counts.tolist()
    assert table["actual"].sum() == len(summary)
    assert table["expected"].sum() == pytest.approx(len(summary), rel=1e-12)
    # the model's count of customers with 2 repeat purchases, customer by customer
    by_hand = sum(fhl.probability_of_purchases(2, T) for T in summary["T"])
    assert table.loc["2", "expected"] == pytest.approx(by_hand, rel=1e-9)


def test_calibration_vs_holdout_means_are_group_means(fhl: pyclv.BetaGeo, split: pd.DataFrame) -> None:
    table = calibration_vs_holdout(fhl, split, max_frequency=3)
    assert table.index.tolist() == [0, 1, 2, "3+"]
    group = split["frequency"].clip(upper=3)
    predicted = fhl.expected_purchases(split, float(split["duration_holdout"].iloc[0]))
    np.testing.assert_allclose(table["actual"], split["frequency_holdout"].groupby(group).mean(), rtol=1e-12)
    np.testing.assert_allclose(table["predicted"], predicted.groupby(group).mean(), rtol=1e-12)
    assert table["n_customers"].sum() == len(split)
    with pytest.raises(DataValidationError, match="frequency_holdout"):
        calibration_vs_holdout(fhl, split.drop(columns="frequency_holdout"))


def test_alive_history_follows_the_customers_summary(fhl: pyclv.BetaGeo, log: pd.DataFrame) -> None:
    customer = 79  # four purchase days by the calibration end, the last on 1997-05-03
    history = alive_history(fhl, log, customer, observation_period_end=CAL_END)
    rows = log[(log["customer_id"] == customer) & (log["date"] <= CAL_END)]
    assert history.index[0] == rows["date"].min() and history.index[-1] == pd.Timestamp(CAL_END)
    assert len(history) == (pd.Timestamp(CAL_END) - rows["date"].min()).days + 1
    assert history.index[history["purchase"]].equals(pd.DatetimeIndex(rows["date"].drop_duplicates().sort_values()))
    ours = pyclv.rfm_summary(rows, observation_period_end=CAL_END, time_unit="W")
    last = history.iloc[-1]
    assert last[["frequency", "recency", "T"]].tolist() == pytest.approx(ours.iloc[0][["frequency", "recency", "T"]])
    assert last["p_alive"] == pytest.approx(fhl.p_alive(ours).iloc[0], rel=1e-12)
    with pytest.raises(DataValidationError, match="no transactions"):
        alive_history(fhl, log, "79", observation_period_end=OBS_END)
