"""The chance in the customers' own purchases: what a range of a total adds to the parameters' uncertainty.

Even with the parameters known exactly, how many purchases a customer makes in a window is a random number;
summed over thousands of customers, that chance is what dominates a short window. Each customer's variance is
computed from the model's own distribution of the purchases given the customer's history,
P(X(t) = n | history), which every transaction model has.
"""

from __future__ import annotations

from typing import cast

import numpy as np
import pandas as pd

from pyclv._time import with_time_unit
from pyclv.evaluation.profiles import profile_groups
from pyclv.models import TransactionModel

__all__ = ["purchase_variance", "revenue_variance"]

#: The distribution of a customer's purchases is summed over n until less than this probability is left.
_TAIL = 1e-10

#: At most this many terms per customer; a customer whose tail is still heavier there (none on real data) gets
#: at least the Poisson variance, which its mixture's variance exceeds.
_MAX_TERMS = 20_000


def purchase_variance(model: TransactionModel, data: pd.DataFrame, t: float) -> np.ndarray:
    """Each customer's variance of its purchases in the next ``t`` given its history, at the estimate.

    Var X = sum of n^2 P(X = n | history) over n, minus the square of the mean; computed once per distinct
    history, summing over n until the distribution's tail is below :data:`_TAIL`.

    Parameters
    ----------
    model : TransactionModel
        The fitted model.
    data : pandas.DataFrame
        The summary (the model's columns).
    t : float
        The window's length, in the model's time unit.

    Returns
    -------
    numpy.ndarray
        One variance per row of ``data``, in its order.
    """
    if model.has_covariates:  # each group of customers with equal covariates at its own parameters
        variance = np.empty(len(data))
        for group in profile_groups(data, model):
            variance[group.rows] = purchase_variance(cast(TransactionModel, group.models[0]), data.iloc[group.rows], t)
        return variance
    history = model.history(data)
    distinct, position = history.distinct()
    unique = pd.DataFrame(dict(zip(distinct.names, distinct.values, strict=True)))
    if model.time_unit_:
        unique = with_time_unit(unique, str(model.time_unit_))
    mass, first, second = (np.zeros(len(unique)) for _ in range(3))
    rows = np.arange(len(unique))  # the histories whose distribution still has a tail
    for n in range(_MAX_TERMS):
        p = model.conditional_probability_of_purchases(unique.iloc[rows], n, t).to_numpy(dtype=float)
        mass[rows] += p
        first[rows] += n * p
        second[rows] += n * n * p
        rows = rows[1.0 - mass[rows] > _TAIL]
        if rows.size == 0:
            break
    mean = model.expected_purchases(data, t).to_numpy(dtype=float)
    variance = (second - first**2)[position]
    if rows.size:  # a tail too long to sum: the Poisson variance is a lower bound for these mixtures
        short = np.isin(position, rows)
        variance[short] = np.maximum(variance[short], mean[short])
    return np.maximum(variance, 0.0)


def revenue_variance(purchase_var: np.ndarray, purchases: np.ndarray, spend: np.ndarray, p: float) -> np.ndarray:
    """Each customer's variance of its revenue in a window: the chance of its purchases and of their amounts.

    Revenue is the sum of the customer's purchases' amounts; with the customer's mean amount m known, its
    variance is Var X m^2 + E[X] m^2 / p, where 1/sqrt(p) is the Gamma-Gamma's coefficient of variation of a
    purchase's amount around the customer's mean. It leaves out the uncertainty of each customer's own mean
    amount, so it is a lower bound.

    Parameters
    ----------
    purchase_var, purchases : numpy.ndarray
        Each customer's variance and mean of its purchases in the window.
    spend : numpy.ndarray
        Each customer's expected amount of a purchase.
    p : float
        The Gamma-Gamma's shape of a purchase's amount.

    Returns
    -------
    numpy.ndarray
        One variance per customer.
    """
    return spend**2 * (purchase_var + purchases / p)
