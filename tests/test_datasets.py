"""The bundled data sets load with the documented columns, types, sizes and conventions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pyclv.datasets import load_cdnow_summary, load_cdnow_transactions, load_donations


@pytest.mark.parametrize(
    ("sample", "n_rows", "n_customers"),
    [(True, 6_919, 2_357), (False, 69_659, 23_570)],  # sizes from Fader & Hardie's CDNOW files (REFERENCES.md)
)
def test_cdnow_transactions_shape_and_types(sample: bool, n_rows: int, n_customers: int) -> None:
    log = load_cdnow_transactions(sample=sample)
    assert list(log.columns) == ["customer_id", "date", "quantity", "amount"]
    assert len(log) == n_rows
    assert log["customer_id"].nunique() == n_customers
    assert log["customer_id"].dtype == np.int64
    assert log["date"].dtype.kind == "M"
    assert log["quantity"].dtype == np.int64
    assert log["amount"].dtype == np.float64
    assert log["date"].min() == pd.Timestamp("1997-01-01")
    assert log["date"].max() == pd.Timestamp("1998-06-30")
    assert (log["amount"] >= 0).all()
    assert (log["quantity"] >= 1).all()


def test_cdnow_sample_uses_the_sample_ids() -> None:
    log = load_cdnow_transactions(sample=True)
    assert sorted(log["customer_id"].unique()) == list(range(1, 2_358))
    # First lines of CDNOW_sample.txt: "00004 0001 19970101 2 29.33" and "00004 0001 19970118 2 29.73".
    first = log.iloc[:2]
    assert first["customer_id"].tolist() == [1, 1]
    assert first["date"].tolist() == [pd.Timestamp("1997-01-01"), pd.Timestamp("1997-01-18")]
    assert first["quantity"].tolist() == [2, 2]
    assert first["amount"].tolist() == [29.33, 29.73]


def test_cdnow_master_ids_and_zero_amounts() -> None:
    log = load_cdnow_transactions(sample=False)
    assert sorted(log["customer_id"].unique()) == list(range(1, 23_571))
    assert int((log["amount"] == 0).sum()) == 80
    # First data line of CDNOW_master.txt: "00001 19970101 1 11.77".
    assert log.iloc[0].tolist() == [1, pd.Timestamp("1997-01-01"), 1, 11.77]


def test_cdnow_summary() -> None:
    summary = load_cdnow_summary()
    assert summary.index.name == "customer_id"
    assert summary.index.tolist() == list(range(1, 2_358))
    assert list(summary.columns) == ["frequency", "recency", "T", "monetary_value"]
    assert (summary.dtypes == np.float64).all()
    assert summary.attrs["time_unit"] == "W"
    # Customer 1 of Fader & Hardie's summary: x = 2, t_x = 30.43, T = 38.86, zbar = 22.35 (REFERENCES.md).
    assert summary.loc[1].tolist() == [2.0, 30.43, 38.86, 22.35]
    # 946 customers with at least one repeat purchase (the Gamma-Gamma sample of REFERENCES.md).
    assert int((summary["frequency"] > 0).sum()) == 946
    assert (summary.loc[summary["frequency"] == 0, ["recency", "monetary_value"]] == 0).all().all()
    assert (summary["recency"] <= summary["T"]).all()


def test_cdnow_summary_matches_the_sample_ids() -> None:
    log = load_cdnow_transactions(sample=True)
    summary = load_cdnow_summary()
    first_purchase = log.groupby("customer_id")["date"].min()
    # T = (1997-09-30 - first purchase) / 7, rounded to two decimals in the file.
    expected_T = ((pd.Timestamp("1997-09-30") - first_purchase).dt.days / 7).round(2)
    np.testing.assert_allclose(summary["T"], expected_T.reindex(summary.index), atol=0.005 + 1e-9)


def test_donations() -> None:
    donations = load_donations()
    assert list(donations.columns) == ["frequency", "recency", "n_periods", "weights"]
    assert (donations.dtypes == np.int64).all()
    # Fader, Hardie & Shang (2010): 11,104 donors in 22 patterns over 6 repeat opportunities (REFERENCES.md).
    assert len(donations) == 22
    assert int(donations["weights"].sum()) == 11_104
    assert (donations["n_periods"] == 6).all()
    assert donations.attrs.get("time_unit") == "Y"  # annual campaigns
    assert (donations["frequency"] <= donations["recency"]).all()
    assert (donations["recency"] <= donations["n_periods"]).all()
    assert not donations.duplicated(["frequency", "recency"]).any()


def test_loaders_return_fresh_copies() -> None:
    first = load_cdnow_summary()
    first.loc[1, "frequency"] = 99.0
    assert load_cdnow_summary().loc[1, "frequency"] == 2.0
