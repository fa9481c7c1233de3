r"""Business metrics from the transaction log: cohorts, their forecast, payback, CLV tiers and RFM scores.

The models answer "what will each customer do next"; the questions a business asks of that answer are about
groups and money. This package sets the models' forecast beside what the log shows:

- :func:`cohort_table`: customers grouped by the calendar period of their first purchase (the acquisition
  cohort), with active customers, retention and revenue by periods since acquisition;
- :func:`cohort_forecast`: each cohort carried forward by a fitted transaction model (and a spend model):
  expected repeat purchases and revenue per cohort per future calendar period;
- :func:`payback`: how long each cohort takes to repay its acquisition cost, observed and forecast, and its
  CLV / CAC ratio;
- :func:`clv_segments`: customers ranked into CLV tiers, with each tier's share of the value;
- :func:`rfm_scores`: the familiar descriptive R, F and M quantile scores;
- :func:`value_by_group`: the value and predictions of groups of customers (e.g. CLV by acquisition channel,
  for models with covariates).

Modules: :mod:`~pyclv.business.cohorts` (cohort tables and forecast), :mod:`~pyclv.business.payback`
(payback, CLV / CAC) and :mod:`~pyclv.business.segments` (CLV tiers, RFM scores, value by group).

**Calendar periods.** Cohorts and their columns are *calendar* periods (pandas periods): ``"W"`` weeks from
Monday to Sunday, ``"M"`` months, ``"Q"`` quarters and ``"Y"`` years. Period 0 is the acquisition period
itself, so a customer acquired on 31 January is in period 1 on 1 February. Every table is cut at the
observation end: the calendar period that contains it is *incomplete* unless the end is its last day, and it
is **excluded** from the tables (its cells are NaN, never a misleadingly small count), as are cohorts acquired
in it. What the log shows of it so far is kept apart (:attr:`CohortTables.incomplete`), and :func:`payback`
adds it to the forecast of the rest of that period.

References
----------
Fader, P. S. and Hardie, B. G. S. (2009). Probability models for customer-base analysis. Journal of
Interactive Marketing, 23(1), 61-69.

Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005). RFM and CLV: using iso-value curves for customer base
analysis. Journal of Marketing Research, 42(4), 415-430.

Gupta, S., Lehmann, D. R. and Stuart, J. A. (2004). Valuing customers. Journal of Marketing Research, 41(1),
7-18.
"""

from pyclv.business._periods import PERIODS
from pyclv.business.cohorts import CohortForecast, CohortTables, cohort_forecast, cohort_table
from pyclv.business.payback import Payback, payback
from pyclv.business.segments import Segments, clv_segments, rfm_scores, value_by_group

__all__ = [
    "PERIODS",
    "CohortForecast",
    "CohortTables",
    "Payback",
    "Segments",
    "clv_segments",
    "cohort_forecast",
    "cohort_table",
    "payback",
    "rfm_scores",
    "value_by_group",
]
