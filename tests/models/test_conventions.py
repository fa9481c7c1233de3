"""The conventions users compare against: conf_int(scale="natural"), the interval CLVTools prints.

CLVTools' ``confint()`` (R/f_s3generics_clvfitted.R, ``confint.clv.fitted``) is ``coef + sqrt(diag(vcov)) %o%
qnorm(c(alpha / 2, 1 - alpha / 2))``: the Wald interval on the parameters' own scale, from the covariance of the
natural-scale estimates. Its vignette prints its intervals on the apparel data, which pyclv does not bundle, so
the reference here is that formula, computed from pyclv's covariance on CDNOW.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import pyclv


@pytest.fixture(scope="module")
def summary() -> pd.DataFrame:
    return pyclv.datasets.load_cdnow_summary()


def test_natural_intervals_are_clvtools_formula_on_cdnow(summary: pd.DataFrame) -> None:
    model = pyclv.BetaGeo().fit(summary)
    errors = np.sqrt(np.diag(model.covariance_.to_numpy()))
    z = stats.norm.ppf([0.025, 0.975])
    expected = model.params_.to_numpy()[:, None] + np.outer(errors, z)
    np.testing.assert_allclose(model.conf_int(scale="natural").to_numpy(), expected, rtol=1e-12)
    # measured on CDNOW: r 0.2426 (0.2180, 0.2672) on the natural scale, (0.2192, 0.2685) on the log scale
    natural, log = model.conf_int(scale="natural"), model.conf_int()
    assert natural.loc["r"].tolist() == pytest.approx([0.21798, 0.26721], abs=1e-5)
    assert log.loc["r"].tolist() == pytest.approx([0.21919, 0.26850], abs=1e-5)
    # the summary shows the same intervals
    assert model.summary(scale="natural").to_frame()[["lower", "upper"]].equals(natural)
    assert model.summary().to_frame()[["lower", "upper"]].equals(log)


def test_natural_intervals_can_leave_the_domain(summary: pd.DataFrame) -> None:
    # the BG/NBD on the first 500 CDNOW customers: b's standard error is large next to its estimate
    model = pyclv.BetaGeo().fit(summary.iloc[:500])
    natural, log = model.conf_int(scale="natural"), model.conf_int()
    assert natural.loc["b", "lower"] < 0 < log.loc["b", "lower"]
    assert natural.loc["b", "lower"] == pytest.approx(-0.149, abs=0.001)
    assert log.loc["b"].tolist() == pytest.approx([0.556, 4.921], abs=0.001)
