"""Published reference values for the BG/BB model on the donations data, each with its source.

Fader, Hardie & Shang (2010), "Customer-base analysis in a discrete-time noncontractual setting", Marketing
Science 29(6): the 1995 cohort of 11,104 first-time donors, 6 annual repeat opportunities (1996-2001).
"""

# FHS (2010), sec. 4 (also ../shared/REFERENCES.md): the maximum-likelihood estimates and log-likelihood.
BGBB_DONATIONS = {"alpha": 1.204, "beta": 0.750, "gamma": 0.657, "delta": 2.783}
BGBB_DONATIONS_LL = -33225.6

# FHS (2010), Table 6, "P(alive in 2002) as a function of recency and frequency", as re-asserted by the test
# suite of lifetimes (test_prob_alive_is_close_to_Hardie_paper_table_6): (x, t_x) -> P(alive at n + 1).
BGBB_DONATIONS_P_ALIVE = {(0, 0): 0.11, (2, 4): 0.59, (6, 6): 0.93}

# Hardie's BG/BB spreadsheet (brucehardie.com/notes/010, BGBB_2011-01-20_XLSX), "Conditional Expectations (II)"
# sheet, sum of column F (Exp Tot): the cohort's expected repeat donations in 2002-2006 (n* = 5), as
# re-asserted by lifetimes (test_conditional_expectation_returns_same_value_as_Hardie_excel_sheet).
BGBB_DONATIONS_EXPECTED_TOTAL_5 = 12884.2

# Same spreadsheet, "In-Sample Fit" sheet, cells C18 and C24: expected number of the 11,104 donors with
# 0 and with 6 repeat donations in 1996-2001 (lifetimes:
# test_expected_purchases_in_n_periods_returns_same_value_as_Hardie_excel_sheet).
BGBB_DONATIONS_IN_SAMPLE = {0: 3454.9, 6: 1253.1}
