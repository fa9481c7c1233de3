"""Fixtures of the evaluation tests: the CDNOW log, its calibration/holdout split, models fitted on it, and the
BG/NBD parameters Fader, Hardie & Lee (2005, Table 1) estimated on its 39-week calibration period (``fhl``)."""

from __future__ import annotations

import pandas as pd
import pytest

import pyclv
from pyclv.evaluation import EvaluationReport, evaluate

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
