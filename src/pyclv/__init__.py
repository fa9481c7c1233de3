"""pyclv: probabilistic customer-lifetime-value models, exact and fast.

From a transaction log to a per-customer forecast::

    import pyclv
    tx = pyclv.datasets.load_cdnow_transactions()
    summary = pyclv.rfm_summary(tx, monetary_value_col="amount", time_unit="W")
    bgnbd = pyclv.BetaGeo().fit(summary)
    gg = pyclv.GammaGamma().fit(summary)
    scores = pyclv.score(bgnbd, gg, summary, horizon=52, annual_discount_rate=0.1)
"""

from pyclv import datasets, plotting
from pyclv._time import with_time_unit
from pyclv._version import __version__
from pyclv.business import clv_segments, cohort_forecast, cohort_table, payback, rfm_scores
from pyclv.data import calibration_holdout_split, discrete_summary, rfm_summary
from pyclv.evaluation import (
    EvaluationReport,
    backtest,
    compare_models,
    decile_table,
    evaluate,
    historical_clv,
    holdout_comparison,
    ranking_metrics,
    tracking,
)
from pyclv.exceptions import (
    ConvergenceError,
    CovariatesNotSupportedError,
    DataValidationError,
    ModelFormatError,
    NotFittedError,
    PyCLVError,
    PyCLVWarning,
)
from pyclv.io import load_model, load_models, save_model, save_models
from pyclv.models import (
    BetaGeo,
    BetaGeoBetaBinom,
    GammaGamma,
    ModifiedBetaGeo,
    ParetoNBD,
    ShiftedBetaGeo,
    survivors_to_data,
)
from pyclv.value import customer_lifetime_value, discounted_expected_purchases, score

__all__ = [
    "BetaGeo",
    "BetaGeoBetaBinom",
    "ConvergenceError",
    "DataValidationError",
    "EvaluationReport",
    "GammaGamma",
    "CovariatesNotSupportedError",
    "ModelFormatError",
    "ModifiedBetaGeo",
    "NotFittedError",
    "ParetoNBD",
    "PyCLVError",
    "PyCLVWarning",
    "ShiftedBetaGeo",
    "__version__",
    "backtest",
    "calibration_holdout_split",
    "clv_segments",
    "cohort_forecast",
    "cohort_table",
    "compare_models",
    "customer_lifetime_value",
    "datasets",
    "discounted_expected_purchases",
    "decile_table",
    "discrete_summary",
    "evaluate",
    "historical_clv",
    "holdout_comparison",
    "load_model",
    "load_models",
    "payback",
    "plotting",
    "ranking_metrics",
    "rfm_scores",
    "rfm_summary",
    "save_model",
    "save_models",
    "score",
    "survivors_to_data",
    "tracking",
    "with_time_unit",
]
