"""What the covariates change, in words a business reader can act on.

A coefficient of a model with covariates is the log of the factor by which it multiplies one of the model's
parameters for the customers of a level (against the reference level) or per unit of a numeric column. This
module turns each into the factor on the quantity the parameter stands for (how often customers buy, how fast
they drop out, how much they spend per purchase), with its 95 % interval, and sets the likelihood-ratio test
in one sentence. The factor is found from the model's own mapping of coefficients to each profile's parameters
(``draws_for_row``), so it follows each model's parameterisation. The value of each level (CLV, P(alive),
expected purchases by channel, say) comes from the score table (:func:`pyclv.business.value_by_group`).
"""

from __future__ import annotations

import functools
import html
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from pyclv import plotting
from pyclv.business import value_by_group
from pyclv.evaluation.profiles import covariate_columns
from pyclv.models import BaseModel
from pyclv.report._figures import render
from pyclv.report._html import Formats, Table, grid, table

__all__ = ["Effect", "covariates_section", "effects"]

#: Coverage of the intervals of the effects.
_LEVEL = 0.95

#: What a factor on each parameter means: the words, and whether the quantity goes with the parameter (1) or
#: against it (-1, a rate's scale). ``b`` of the BG/NBD moves with ``a`` and is not said twice.
_MEANINGS: dict[str, tuple[str, int]] = {
    "alpha": ("buy {f} as often while active", -1),
    "beta": ("drop out {f} as fast", -1),
    "a": ("have the same average chance of dropping out after each purchase, spread {f} as tightly across customers "
          "(the BG/NBD's a and b both × that factor)", 1),
    "v": ("spend {f} as much per purchase", 1),
}


@dataclass(frozen=True)
class Effect:
    """One coefficient as a factor on what it changes.

    Attributes
    ----------
    name : str
        The coefficient's name (e.g. ``purchase.channel[store]``).
    who : str
        The customers it describes, in words.
    what : list of str
        What changes for them, in words with ``{f}`` where the factor goes.
    factors : list of tuple of float
        For each entry of ``what``: the factor, and the bounds of its 95 % interval (NaN when unknown).
    """

    name: str
    who: str
    what: list[str]
    factors: list[tuple[float, float, float]]


def _who(model: BaseModel, encoded: str) -> str:
    for enc in model.covariate_encodings_:
        if enc.reference is None and encoded == enc.name:
            return f"Per unit more of {enc.name}, customers"
        for level in (enc.levels or ())[1:]:
            if encoded == f"{enc.name}[{level}]":
                return f"Customers with {enc.name} = {level} (against {enc.reference})"
    return f"Customers with {encoded}"


def effects(model: BaseModel) -> list[Effect]:
    """Every coefficient of a model with covariates as the factor on what it changes, with its interval.

    Parameters
    ----------
    model : BaseModel
        A fitted model with covariates.

    Returns
    -------
    list of Effect
        One per coefficient, in the order of the parameters.
    """
    base = type(model).param_names()
    k = len(base)
    theta = model.theta
    intervals = model.conf_int(1 - _LEVEL)
    encoded = [column for enc in model.covariate_encodings_ for column in enc.columns]
    out = []
    for i, name in enumerate(model.params_.index[k:]):
        column = name.split(".", 1)[1]
        z = np.zeros(len(encoded))
        z[encoded.index(column)] = 1.0
        probe = np.tile(np.r_[theta[:k], np.zeros(len(theta) - k)], (4, 1))
        probe[:, k + i] = [1.0, theta[k + i], intervals["lower"].iloc[k + i], intervals["upper"].iloc[k + i]]
        ratios = model.draws_for_row(probe, z) / theta[:k]
        what, factors = [], []
        for j, param in enumerate(base):
            if param not in _MEANINGS or math.isclose(ratios[0, j], 1.0):
                continue
            words, direction = _MEANINGS[param]
            estimate, low, high = ratios[1:, j] ** direction
            what.append(words)
            factors.append((float(estimate), float(min(low, high)), float(max(low, high))))
        out.append(Effect(name, _who(model, column), what, factors))
    return out


def _factor(value: float) -> str:
    return "–" if not math.isfinite(value) else f"{value:.3g}×"


def _sentence(group: list[Effect]) -> str:
    """One sentence on the customers of ``group`` (the effects of one level or numeric column)."""
    parts = []
    for effect in group:
        for words, (estimate, low, high) in zip(effect.what, effect.factors, strict=True):
            interval = "" if not math.isfinite(low) else f" ({_LEVEL:.0%} interval {_factor(low)} to {_factor(high)})"
            parts.append(words.format(f=_factor(estimate)) + interval)
    return f"{group[0].who} {'; they '.join(parts)}."


def _test_sentence(model: BaseModel) -> str:
    test = model.likelihood_ratio_test()
    statistic, df, p = test["statistic"], int(test["df"]), test["p_value"]
    if not math.isfinite(statistic):
        return ""
    shown = "p < 0.001" if p < 0.001 else f"p = {p:.2g}"
    numbers = f"likelihood-ratio test: χ² = {statistic:.1f} on {df} degree{'s' if df != 1 else ''} of freedom, {shown}"
    if p < 1 - _LEVEL:
        return f"Together these covariates describe the customers better than chance alone would ({numbers})."
    return (
        f"Together these covariates do not describe the customers better than chance could ({numbers}): read "
        "their effects as uncertain."
    )


def covariates_section(
    transaction_model: BaseModel, spend_model: BaseModel, scores: pd.DataFrame, data: pd.DataFrame, fmt: Formats,
    horizon: str,
) -> list[str]:
    """The section on the covariates: their effects in words, and the value and predictions of each level.

    Parameters
    ----------
    transaction_model, spend_model : BaseModel
        The fitted models (the section is empty when neither has covariates).
    scores : pandas.DataFrame
        The report's score table (``clv``, ``p_alive``, ``expected_purchases``, ``expected_spend``).
    data : pandas.DataFrame
        The calibration summary, with the covariate columns.
    fmt : Formats
        The report's formats.
    horizon : str
        The horizon of the values, in words.

    Returns
    -------
    list of str
        The section's HTML parts.
    """
    columns = covariate_columns(transaction_model, spend_model)
    if not columns:
        return []
    parts = ['<h2 id="covariates">What the customers’ attributes change</h2>']
    for model, role in ((transaction_model, "purchases and dropout"), (spend_model, "spend per purchase")):
        if not model.has_covariates:
            continue
        names = ", ".join(enc.name for enc in model.covariate_encodings_)
        by_who: dict[str, list[Effect]] = {}
        for effect in effects(model):
            by_who.setdefault(effect.who, []).append(effect)
        items = "".join(f"<li>{html.escape(_sentence(group))}</li>" for group in by_who.values())
        parts += [
            f"<h3>{html.escape(_capital(role))} ({html.escape(type(model).__name__)}, by {html.escape(names)})</h3>",
            f"<ul>{items}</ul>",
            f"<p>{html.escape(_test_sentence(model))}</p>",
        ]
    shown = {
        "n_customers": ("Customers", fmt.count),
        "share_of_customers": ("Share of customers", fmt.share),
        "mean_clv": (f"Mean value over {horizon}", lambda v: fmt.money(v, cents=True)),
        "share_of_value": ("Share of forecast value", fmt.share),
        "mean_p_alive": ("Mean P(active)", fmt.probability),
        "mean_expected_purchases": (f"Mean purchases over {horizon}", fmt.mean),
        "mean_expected_spend": ("Mean spend per purchase", lambda v: fmt.money(v, cents=True)),
        "mean_actual_revenue": ("Actual revenue per customer (holdout)", lambda v: fmt.money(v, cents=True)),
    }
    tables, figures = [], []
    for column in columns:
        frame = value_by_group(scores, data[column].rename(column), means=["actual_revenue"])
        frame.index = frame.index.astype(str)
        how = (
            f"The customers of each {column} level: their average forecast value, probability of being still "
            "active and purchases, from each customer's own parameters and history, and what they really spent "
            "in the holdout. The levels differ both by the effects above and by their customers' histories."
        )
        tables.append(table(Table(frame, {k: v for k, v in shown.items() if k in frame.columns}, how,
                                  caption=f"Customers by {column}")))
        figures.append(render(
            functools.partial(_draw, frame=frame, currency=fmt.currency),
            f"Mean forecast value over {horizon}, by {column}",
            "One bar per level: its customers' average forecast value, with their number; the dashed line is the "
            "average over all customers.",
        ))
    return [*parts, grid(tables, "tables"), grid(figures)]


def _draw(ax: Any, *, frame: pd.DataFrame, currency: str) -> object:
    return plotting.plot_value_by_group(frame, currency=currency, ax=ax)


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]
