"""lifetimes' API on top of pyclv: ``from pyclv.compat.lifetimes import BetaGeoFitter``.

lifetimes (archived) was the most widely used Python library for these models. This package reproduces its
fitters and its two summary utilities, with its method names, signatures, return types and semantics, but
every number comes from pyclv: the fits are pyclv's maximum-likelihood fits, the predictions pyclv's model
functions, the summaries :func:`pyclv.rfm_summary` and :func:`pyclv.calibration_holdout_split`. Models are saved
as pyclv's versioned JSON, never pickled.

Each class's docstring says how pyclv's own API differs; new code is better written against it (``pyclv.BetaGeo``
and friends), which adds time units, validation of every input and forecasts with intervals.

Examples
--------
>>> from pyclv.compat.lifetimes import BetaGeoFitter
>>> from pyclv.datasets import load_cdnow_summary
>>> data = load_cdnow_summary()
>>> bgf = BetaGeoFitter().fit(data["frequency"], data["recency"], data["T"])
>>> bgf.params_.round(3).to_dict()
{'r': 0.243, 'alpha': 4.414, 'a': 0.793, 'b': 2.426}
"""

from pyclv.compat.lifetimes import plotting, utils
from pyclv.compat.lifetimes._fitters import (
    BetaGeoBetaBinomFitter,
    BetaGeoFitter,
    ModifiedBetaGeoFitter,
    ParetoNBDFitter,
)
from pyclv.compat.lifetimes._gamma_gamma import GammaGammaFitter

__all__ = [
    "BetaGeoBetaBinomFitter",
    "BetaGeoFitter",
    "GammaGammaFitter",
    "ModifiedBetaGeoFitter",
    "ParetoNBDFitter",
    "plotting",
    "utils",
]
