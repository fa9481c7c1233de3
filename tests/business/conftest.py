"""Fixtures of the business tests: the CDNOW log, its monthly cohort tables, and models fitted on the
39-week calibration period."""

from __future__ import annotations

import pandas as pd
import pytest

import pyclv
from pyclv.business import cohort_table

CAL_END = "1997-09-30"
END = "1998-06-30"


@pytest.fixture(scope="module")
def tx() -> pd.DataFrame:
    return pyclv.datasets.load_cdnow_transactions()


@pytest.fixture(scope="module")
def tables(tx: pd.DataFrame) -> pyclv.business.CohortTables:
    return cohort_table(tx, monetary_value_col="amount")


@pytest.fixture(scope="module")
def tx_cal(tx: pd.DataFrame) -> pd.DataFrame:
    return tx[tx["date"] <= CAL_END]


@pytest.fixture(scope="module")
def cal_summary(tx_cal: pd.DataFrame) -> pd.DataFrame:
    return pyclv.rfm_summary(tx_cal, monetary_value_col="amount", time_unit="W")


@pytest.fixture(scope="module")
def models(cal_summary: pd.DataFrame) -> tuple[pyclv.BetaGeo, pyclv.GammaGamma]:
    return pyclv.BetaGeo().fit(cal_summary), pyclv.GammaGamma().fit(cal_summary)
