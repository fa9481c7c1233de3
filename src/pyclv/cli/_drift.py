"""The drift guard of ``pyclv fit --previous OLD.json``: how far the new models moved from the old ones.

Two kinds of change are compared, each as a relative change ``(new - old) / |old|``:

- every parameter of the transaction and the spend model (when the old model is of the same type);
- the population forecast on the new summary, under the old and the new models: the mean expected purchases
  over the next 52 weeks (:data:`HORIZON_DAYS`), the mean P(alive) and the mean CLV over those 52 weeks at a
  10 % annual rate (:data:`ANNUAL_RATE`).

A change beyond ``--max-drift`` (or a model of another type or time unit, which cannot be compared) makes
``pyclv fit`` refuse to write ``--out`` and exit with code 7, unless ``--force``.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from pyclv._time import DAYS_PER_UNIT
from pyclv.models import GammaGamma, TransactionModel
from pyclv.value import customer_lifetime_value

__all__ = ["ANNUAL_RATE", "HORIZON_DAYS", "describe", "drift_table", "log_drift", "offenders"]

#: The horizon of the population forecast compared, in days (52 weeks).
HORIZON_DAYS = 364
#: The annual discount rate of the CLV compared.
ANNUAL_RATE = 0.1

log = logging.getLogger("pyclv")


def _change(old: float, new: float) -> float:
    if old == new:
        return 0.0
    if old == 0 or not (math.isfinite(old) and math.isfinite(new)):
        return math.inf
    return (new - old) / abs(old)


def _horizon(model: TransactionModel) -> float:
    """52 weeks in the model's time unit (whole periods, at least one, for a model of whole periods)."""
    periods = HORIZON_DAYS / DAYS_PER_UNIT[model.time_unit_ or "W"]
    return float(max(1, round(periods))) if model.discrete else periods


def _population(transaction: TransactionModel, spend: GammaGamma, summary: pd.DataFrame) -> dict[str, float]:
    horizon = _horizon(transaction)
    clv = customer_lifetime_value(transaction, spend, summary, horizon=horizon, annual_discount_rate=ANNUAL_RATE)
    assert isinstance(clv, pd.Series)
    return {
        "mean expected purchases, 52 weeks": float(transaction.expected_purchases(summary, horizon).mean()),
        "mean P(alive)": float(transaction.p_alive(summary).mean()),
        "mean CLV, 52 weeks at 10%": float(clv.mean()),
    }


def drift_table(
    previous: Mapping[str, object], transaction: TransactionModel, spend: GammaGamma, summary: pd.DataFrame
) -> pd.DataFrame:
    """The old and new values of every parameter and of the population forecast, and their relative change.

    Parameters
    ----------
    previous : mapping
        The old models by role (``transaction``, ``spend``), as :func:`pyclv.io.load_models` reads them.
    transaction, spend
        The new models.
    summary : pandas.DataFrame
        The new summary, on which both forecasts are made.

    Returns
    -------
    pandas.DataFrame
        Indexed by what is compared (``transaction r``, ..., ``mean P(alive)``); columns ``previous``,
        ``new`` and ``change`` (relative; infinite when the two cannot be compared, NaN for the old values
        then).
    """
    rows: dict[str, tuple[float, float, float]] = {}
    old_t, old_s = previous.get("transaction"), previous.get("spend")
    comparable = (
        type(old_t) is type(transaction) and isinstance(old_s, GammaGamma)
        and getattr(old_t, "time_unit_", None) == transaction.time_unit_
    )
    for role, old, new in (("transaction", old_t, transaction), ("spend", old_s, spend)):
        if type(old) is not type(new) or (role == "transaction" and not comparable):
            was = type(old).__name__ if old is not None else "nothing"
            unit = getattr(old, "time_unit_", None)
            rows[f"{role} model: {was} ({unit}) -> {type(new).__name__} ({new.time_unit_})"] = (
                math.nan, math.nan, math.inf
            )
            continue
        assert isinstance(old, TransactionModel | GammaGamma)
        old_params = old.params_.to_dict()
        for name, value in new.params_.to_dict().items():
            before, after = float(old_params[name]), float(value)
            rows[f"{role} {name}"] = (before, after, _change(before, after))
    new_values = _population(transaction, spend, summary)
    if comparable:
        assert isinstance(old_t, TransactionModel) and isinstance(old_s, GammaGamma)
        old_values = _population(old_t, old_s, summary)
    else:
        old_values = dict.fromkeys(new_values, math.nan)
    for name, value in new_values.items():
        rows[name] = (old_values[name], value, _change(old_values[name], value) if comparable else math.inf)
    return pd.DataFrame.from_dict(rows, orient="index", columns=["previous", "new", "change"])


def offenders(table: pd.DataFrame, max_drift: float) -> pd.DataFrame:
    """The rows of :func:`drift_table` that moved by more than ``max_drift`` (or cannot be compared).

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`drift_table`.
    max_drift : float
        The largest relative change allowed (0.25: 25 %).

    Returns
    -------
    pandas.DataFrame
        Those rows, the largest change first.
    """
    change = table["change"].abs()
    bad = table[~(change <= max_drift)]
    return bad.iloc[np.argsort(-bad["change"].abs().to_numpy(), kind="stable")]


def _percent(change: float) -> str:
    return "not comparable" if not math.isfinite(change) else f"{change:+.1%}"


def describe(name: str, row: pd.Series) -> str:
    """One row as text: ``transaction a +41.2% (0.793 -> 1.12)``.

    Parameters
    ----------
    name : str
        What is compared.
    row : pandas.Series
        Its ``previous``, ``new`` and ``change``.

    Returns
    -------
    str
        The text.
    """
    if not math.isfinite(row["change"]):
        return f"{name} (not comparable)"
    return f"{name} {_percent(row['change'])} ({row['previous']:.4g} -> {row['new']:.4g})"


def log_drift(table: pd.DataFrame, previous_path: str, max_drift: float) -> None:
    """Log the table, one line per row, with the limit.

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`drift_table`.
    previous_path : str
        The old model file.
    max_drift : float
        The limit.
    """
    log.info("drift from %s (limit %.0f%%):", previous_path, 100 * max_drift)
    for name, row in table.iterrows():
        flag = "" if abs(row["change"]) <= max_drift else "  <- beyond the limit"
        log.info("  %-40s %12.6g -> %-12.6g %s%s", name, row["previous"], row["new"], _percent(row["change"]), flag)
