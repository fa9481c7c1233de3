"""Checks shared by the model tests."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from pyclv.models.shifted_beta_geo import survivors_to_data
from tests.reference import shifted_beta_geo as ref_sbg


def assert_gradient_matches(
    loglik: Callable[..., np.ndarray],
    loglik_grad: Callable[..., np.ndarray],
    theta: np.ndarray,
    *data: np.ndarray,
    rtol: float = 1e-6,
    atol: float = 0.0,
) -> None:
    """``loglik_grad(*theta, *data)`` equals central differences of ``loglik`` (step 1e-6 relative), column by
    column (one column per parameter, one row per customer)."""
    theta = np.asarray(theta, dtype=float)
    grad = loglik_grad(*theta, *data)
    for k in range(len(theta)):
        h = 1e-6 * theta[k]
        up, down = theta.copy(), theta.copy()
        up[k] += h
        down[k] -= h
        numeric = (loglik(*up, *data) - loglik(*down, *data)) / (2 * h)
        np.testing.assert_allclose(grad[:, k], numeric, rtol=rtol, atol=atol, err_msg=f"parameter {k}")


def fh2007_cohort(percent: list[float]) -> pd.DataFrame:
    """One of Fader & Hardie's (2007) cohorts as sBG data: years 0..7 of the percent still active, of 1,000."""
    counts = [round(p * ref_sbg.SBG_COHORT_SIZE / 100.0) for p in percent[: ref_sbg.SBG_CALIBRATION_YEARS + 1]]
    return survivors_to_data(counts, time_unit="Y")
