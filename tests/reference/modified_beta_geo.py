"""Reference values for the MBG/NBD model, each with its source.

No MBG/NBD fit to the CDNOW sample was published by Batislam, Denizel & Filiztekin (2007) or Hoppe & Wagner
(2007). The values below are those that two independent implementations agree on.
"""

# MBG/NBD on the CDNOW sample, 39-week calibration summary, time in weeks (the bundled
# cdnow_customers_summary.csv). lifetimes' test suite, tests/test_estimation.py,
# TestModifiedBetaGammaFitter.test_params_out_is_close_to_BTYDplus, asserts these to 3 decimals and cites
# BTYDplus (mbgnbd.EstimateParameters on cdnow.sample()) as their origin: r = 0.525, alpha = 6.183,
# a = 0.891, b = 1.614. Only 3 decimals are published: compare to 1e-3 relative.
MBGNBD_CDNOW = {"r": 0.525, "alpha": 6.183, "a": 0.891, "b": 1.614}
