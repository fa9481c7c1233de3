"""The data sets of the customer-base analysis literature, bundled with pyclv.

- CDNOW: purchases of the cohort of 23,570 customers who made their first purchase at the online music
  store CDNOW in the first quarter of 1997, followed until the end of June 1998, as distributed by Fader and
  Hardie; the 1/10 sample of 2,357 customers and its classic 39-week calibration summary.
- Donations: the repeat-donation patterns of 11,104 first-time supporters of a non-profit organisation over
  six annual opportunities (Fader, Hardie and Shang 2010), for the discrete-time BG/BB model.

References
----------
Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005). "Counting your customers" the easy way: an alternative
to the Pareto/NBD model. Marketing Science, 24(2), 275-284.

Fader, P. S., Hardie, B. G. S. and Shang, J. (2010). Customer-base analysis in a discrete-time noncontractual
setting. Marketing Science, 29(6), 1086-1108.
"""

from __future__ import annotations

from importlib import resources
from typing import IO

import pandas as pd

__all__ = ["load_cdnow_summary", "load_cdnow_transactions", "load_donations"]


def _open(name: str) -> IO[bytes]:
    """Open a bundled data file (works from a wheel, an editable install or a zip)."""
    return resources.files(__name__).joinpath("data", name).open("rb")


def load_cdnow_transactions(sample: bool = True) -> pd.DataFrame:
    """Load the CDNOW transaction log: the 1/10 sample (2,357 customers) or the full cohort (23,570).

    Parameters
    ----------
    sample : bool, default True
        The 1/10 sample (6,919 transactions) if True, else the full cohort (69,659 transactions).

    Returns
    -------
    pandas.DataFrame
        One row per transaction, from 1997-01-01 to 1998-06-30, in the order of the file, with columns
        ``customer_id`` (int64; for the sample its own ids 1..2,357, which match
        :func:`load_cdnow_summary`), ``date`` (datetime64), ``quantity`` (int64, the number of CDs bought)
        and ``amount`` (float64, the dollar value; 80 transactions of the full cohort have amount 0).

    Notes
    -----
    Source: Fader and Hardie's CDNOW data sets (brucehardie.com/datasets), the data of Fader, Hardie and Lee
    (2005). Several purchases by one customer on one day are separate rows; :func:`pyclv.rfm_summary` merges
    them into one transaction.

    Examples
    --------
    >>> from pyclv.datasets import load_cdnow_transactions
    >>> log = load_cdnow_transactions()
    >>> log.shape, log["customer_id"].nunique()
    ((6919, 4), 2357)
    >>> log.head(2)
       customer_id       date  quantity  amount
    0            1 1997-01-01         2   29.33
    1            1 1997-01-18         2   29.73
    """
    if sample:
        # No header: master id, sample id, date (YYYYMMDD), number of CDs, dollar value.
        names = ["master_id", "customer_id", "date", "quantity", "amount"]
        header = None
    else:
        # Header: customer_id date number_of_cds dollar_value.
        names = ["customer_id", "date", "quantity", "amount"]
        header = 0
    with _open("CDNOW_sample.txt.gz" if sample else "CDNOW_master.txt.gz") as handle:
        log = pd.read_csv(
            handle,
            compression="gzip",
            sep=r"\s+",
            header=header,
            names=names,
            dtype={"customer_id": "int64", "date": "str", "quantity": "int64", "amount": "float64"},
        )
    log["date"] = pd.to_datetime(log["date"], format="%Y%m%d")
    return log.drop(columns=["master_id"], errors="ignore")


def load_cdnow_summary() -> pd.DataFrame:
    """Load the classic 39-week calibration summary of the CDNOW sample (2,357 customers).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``customer_id`` (1..2,357), with float64 columns ``frequency`` (repeat transactions,
        ``x``), ``recency`` (``t_x``, weeks), ``T`` (weeks) and ``monetary_value`` (``zbar``, the average
        amount of the repeat transactions, 0 without any). ``attrs["time_unit"]`` is ``"W"``.

    Notes
    -----
    Source: Fader and Hardie's CDNOW sample summary (the calibration data of Fader, Hardie and Lee 2005),
    calibration period 1997-01-01 to 1997-09-30. Times are weeks (days / 7) rounded to two decimals, so
    log-likelihoods on it differ in the third decimal from those on the exact summary that
    :func:`pyclv.rfm_summary` computes from :func:`load_cdnow_transactions`.

    Examples
    --------
    >>> from pyclv.datasets import load_cdnow_summary
    >>> summary = load_cdnow_summary()
    >>> summary.loc[1].tolist()
    [2.0, 30.43, 38.86, 22.35]
    """
    with _open("cdnow_customers_summary_with_transactions.csv") as handle:
        table = pd.read_csv(handle, index_col="ID")
    summary = (
        table.rename(columns={"x": "frequency", "t_x": "recency", "zbar": "monetary_value"})
        .rename_axis("customer_id")
        .loc[:, ["frequency", "recency", "T", "monetary_value"]]
        .astype("float64")
    )
    summary.attrs["time_unit"] = "W"
    return summary


def load_donations() -> pd.DataFrame:
    """Load the donations data of Fader, Hardie and Shang (2010), in the aggregated form of the BG/BB model.

    Returns
    -------
    pandas.DataFrame
        22 rows, one per (frequency, recency) pattern, with int64 columns ``frequency`` (repeat donations),
        ``recency`` (the period of the last donation), ``n_periods`` (6 annual repeat opportunities) and
        ``weights`` (the number of donors with the pattern; 11,104 in all). The opportunities are the
        annual fund-raising campaigns, so ``attrs["time_unit"]`` is ``"Y"``.

    Notes
    -----
    Source: Fader, Hardie and Shang (2010), the 1995 cohort of first-time supporters of a non-profit
    organisation, observed over 1996-2001.

    Examples
    --------
    >>> from pyclv.datasets import load_donations
    >>> donations = load_donations()
    >>> int(donations["weights"].sum())
    11104
    >>> donations.head(2)
       frequency  recency  n_periods  weights
    0          0        0          6     3464
    1          1        1          6     1091
    """
    with _open("donations.csv") as handle:
        donations = pd.read_csv(handle).rename(columns={"periods": "n_periods"})
    donations = donations[["frequency", "recency", "n_periods", "weights"]].astype("int64")
    donations.attrs["time_unit"] = "Y"
    return donations
