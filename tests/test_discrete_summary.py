"""Transaction logs summarised into whole purchase opportunities (for BG/BB)."""

from __future__ import annotations

import pandas as pd
import pytest

import pyclv
from pyclv.data import discrete_summary


def _log(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["customer_id", "date", "amount"])


def test_periods_count_from_each_first_purchase() -> None:
    tx = _log([
        ("a", "2020-01-10", 5.0),
        ("a", "2020-01-20", 5.0),   # period 0 (with the first purchase): not a repeat opportunity
        ("a", "2020-02-15", 7.0),   # period 1
        ("a", "2020-02-16", 3.0),   # period 1 again: one opportunity, amounts summed
        ("a", "2020-05-01", 4.0),   # period 3
        ("b", "2020-03-01", 1.0),   # no repeat
    ])
    out = discrete_summary(tx, monetary_value_col="amount", observation_period_end="2020-06-30", time_unit="D")
    # with daily periods every day is an opportunity: a bought on 4 later days out of 172 complete days
    assert out.loc["a", "frequency"] == 4 and out.loc["a", "n_periods"] == 172
    monthly = discrete_summary(tx, monetary_value_col="amount", observation_period_end="2020-07-20", time_unit="M")
    a, b = monthly.loc["a"], monthly.loc["b"]
    assert (a["frequency"], a["recency"]) == (2.0, 3.0)
    assert a["n_periods"] == 5  # months from 2020-01-10: five complete months of 30.4375 days by 2020-07-20
    assert a["monetary_value"] == pytest.approx((10.0 + 4.0) / 2)
    assert (b["frequency"], b["recency"], b["monetary_value"]) == (0.0, 0.0, 0.0)
    assert monthly.attrs["time_unit"] == "M"


def test_incomplete_last_period_is_left_out_with_a_warning() -> None:
    tx = _log([("a", "2020-01-01", 1.0), ("a", "2020-02-10", 1.0)])  # day 40 is in month 1, unfinished on 02-20
    with pytest.warns(pyclv.PyCLVWarning, match="incomplete"):
        out = discrete_summary(tx, observation_period_end="2020-02-20", time_unit="M")
    assert out.loc["a", "n_periods"] == 0 and out.loc["a", "frequency"] == 0


def test_every_customer_once_and_valid_for_bgbb() -> None:
    tx = pyclv.datasets.load_cdnow_transactions()
    tx = tx[tx["date"] <= "1998-05-31"]
    with pytest.warns(pyclv.PyCLVWarning, match="incomplete"):
        out = discrete_summary(tx, time_unit="M")
    assert len(out) == tx["customer_id"].nunique() and out.index.is_unique
    assert (out["frequency"] <= out["recency"]).all() and (out["recency"] <= out["n_periods"]).all()
