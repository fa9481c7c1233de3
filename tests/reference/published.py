"""Published reference values, each with its source (see also ../shared/REFERENCES.md of the project).

Values are kept here, beside the tests, the way statsmodels keeps its R/Stata results.
"""

# --- BG/NBD on the CDNOW sample, 39-week calibration, time in weeks -------------------------------------
# Fader, Hardie & Lee (2005), "Counting your customers the easy way", Marketing Science 24(2), sec. 4:
# r = 0.243, alpha = 4.414, a = 0.793, b = 2.426, LL = -9582.4. Full precision on exact days/7 data as
# re-asserted by CLVTools' test suite: LL = -9582.429.
BGNBD_CDNOW = {"r": 0.2425945, "alpha": 4.4136019, "a": 0.7929199, "b": 2.4258881}
BGNBD_CDNOW_LL = -9582.429

# Hardie's BG/NBD spreadsheet: unconditional E[X(t)] at the MLE.
BGNBD_CDNOW_EXPECTED_NEW = {0.1429: 0.0078, 1.0: 0.0532, 3.0: 0.1506, 31.8571: 1.0405, 32.0: 1.0437, 78.0: 1.8576}

# FHL (2005), sec. 4: customer 1 (x = 2, t_x = 30.43, T = 38.86) is expected to make 1.226 repeat
# transactions in the next 39 weeks.
BGNBD_CDNOW_CUSTOMER1_39W = 1.226

# Fader & Hardie, "Overcoming the BG/NBD model's #NUM! error problem" (2013 note): at a = 0.80, b = 2.50,
# r = 0.25, alpha = 4.00 and T = 40.
BGNBD_NUM_PARAMS = {"r": 0.25, "alpha": 4.00, "a": 0.80, "b": 2.50}
BGNBD_NUM_CASES = [  # (x, t_x, T, log-likelihood)
    (0, 0.0, 40.0, -0.59947382),
    (200, 38.0, 40.0, 100.7957),
]

# --- Gamma-Gamma on the 946 CDNOW sample customers with x >= 1 ------------------------------------------
# Fader, Hardie & Lee (2005), "RFM and CLV", JMR 42(4); Fader & Hardie (2013), "The Gamma-Gamma model of
# monetary value": p = 6.25, q = 3.74, gamma = 15.44; LL = -4055.92 for the density of the average spend.
GAMMA_GAMMA_CDNOW = {"p": 6.25, "q": 3.74, "v": 15.44}
GAMMA_GAMMA_CDNOW_LL = -4055.92
GAMMA_GAMMA_CDNOW_N = 946
# E[M | x, zbar] for customers 1..10 at the MLE (same sources).
GAMMA_GAMMA_CDNOW_SPEND_1_10 = [24.65, 18.91, 35.17, 35.17, 35.17, 71.46, 18.91, 35.17, 27.28, 35.17]
