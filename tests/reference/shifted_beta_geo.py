"""Published reference values for the sBG model, each with its source.

Fader, P. S. and Hardie, B. G. S. (2007), "How to project customer retention", Journal of Interactive
Marketing 21(1), 76-90: two hypothetical cohorts of 1,000 customers each ("regular" and "high end"), the
percentage still active at the end of years 0..12; the model is fitted on years 0..7 only and years 8..12
are the holdout the paper projects (the worked example of FH 2007).
"""

# FH 2007 (the worked example of the paper): percent of each 1,000-customer cohort active at years 0..12.
SBG_REGULAR_PERCENT = [100.0, 63.1, 46.8, 38.2, 32.6, 28.9, 26.2, 24.1, 22.3, 20.7, 19.4, 18.3, 17.3]
SBG_HIGH_END_PERCENT = [100.0, 86.9, 74.3, 65.3, 59.3, 55.1, 51.7, 49.1, 46.8, 44.5, 42.7, 40.9, 39.4]

# Calibration: years 0..7 (fit); holdout: years 8..12 (projection).
SBG_CALIBRATION_YEARS = 7
SBG_COHORT_SIZE = 1000

# FH 2007: maximum-likelihood estimates on years 0..7 (3 decimals as published).
SBG_HIGH_END = {"alpha": 0.668, "beta": 3.806}
SBG_HIGH_END_LL = -1611.16  # FH 2007: the log-likelihood of the high-end fit
SBG_REGULAR = {"alpha": 0.704, "beta": 1.182}
