r"""Judging a forecast: metrics, baselines, holdout comparison, tracking, and the tables that plots draw.

- :mod:`~pyclv.evaluation.metrics`: errors, ranking metrics (lift, Gini, top-k overlap), the decile table
  and the CLV distribution;
- :mod:`~pyclv.evaluation.baselines`: the historical-CLV formula and the other spreadsheet baselines;
- :mod:`~pyclv.evaluation.holdout`: the forecast against the holdout period (:func:`holdout_comparison`,
  :func:`compare_models`, :func:`evaluate` and its :class:`EvaluationReport`);
- :mod:`~pyclv.evaluation.tracking`: expected beside actual repeat transactions per calendar period;
- :mod:`~pyclv.evaluation.backtest`: the forecast refitted at several past cut-offs against what happened
  (:func:`backtest`, a rolling-origin backtest);
- :mod:`~pyclv.evaluation.diagnostics`: the model checks as tables (frequency x recency matrices, period
  transactions, calibration against holdout, a customer's P(alive) history).

References
----------
Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005). "Counting your customers" the easy way: an alternative
to the Pareto/NBD model. Marketing Science, 24(2), 275-284.

Schmittlein, D. C. and Peterson, R. A. (1994). Customer base analysis: an industrial purchase process
application. Marketing Science, 13(1), 41-67.
"""

from pyclv.evaluation.backtest import backtest
from pyclv.evaluation.baselines import BASELINES, baseline_forecasts, historical_clv
from pyclv.evaluation.diagnostics import (
    alive_history,
    calibration_vs_holdout,
    frequency_recency_matrix,
    period_transactions,
    probability_alive_matrix,
)
from pyclv.evaluation.holdout import EvaluationReport, compare_models, evaluate, holdout_comparison
from pyclv.evaluation.metrics import clv_distribution, decile_table, ranking_metrics
from pyclv.evaluation.tracking import tracking

__all__ = [
    "BASELINES",
    "EvaluationReport",
    "alive_history",
    "backtest",
    "baseline_forecasts",
    "calibration_vs_holdout",
    "clv_distribution",
    "compare_models",
    "decile_table",
    "evaluate",
    "frequency_recency_matrix",
    "historical_clv",
    "holdout_comparison",
    "period_transactions",
    "probability_alive_matrix",
    "ranking_metrics",
    "tracking",
]
