"""Whether a fit's optimum is interior and its parameters identified, decided in one place for every model.

A maximum-likelihood fit can stop with a small gradient and still say little: the likelihood may keep rising
(or stay flat) as some parameters run off towards the boundary of their domain, e.g. BG/NBD's a and b growing
together when the data cannot tell how the dropout probability varies across customers. Such a fit is not
converged: its parameters are an arbitrary point on a ridge and its standard errors meaningless.

On the unconstrained scale the fit runs on (log for positive parameters, logit for probabilities), a
parameter is flagged when

* it is at the edge of the optimiser's box, ``|u| > U_BOUND - 1`` (natural values beyond about 4e12 or below
  2e-13): the optimum is on the boundary;
* the observed information matrix is singular or not positive definite (NaN standard errors): the data do not
  identify every parameter;
* its standard error on that scale exceeds :data:`MAX_RELATIVE_SE` = 10. For a positive parameter this is its
  relative standard error (delta method: se(log theta) = se(theta) / theta), for a probability that of its
  log-odds, so the threshold needs no parameter scale. At 10 a 95 % interval spans a factor exp(2 x 1.96 x 10),
  about 1e17: the data say nothing about the parameter. Identified parameters of the published fits (CDNOW,
  donations, the sBG cohorts) have relative standard errors below 1, and fits on a few hundred customers below 3.

A model declares its mixing distributions (:class:`Mixing`) so that the warning can say what a flagged pair
means for it (e.g. for BG/NBD: a point mass of the dropout probability, or no dropout at all, an NBD).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from pyclv.models._params import U_BOUND, Param, jacobian

__all__ = ["MAX_RELATIVE_SE", "Mixing", "describe", "flagged"]

#: Standard error on the unconstrained scale (relative standard error of a positive parameter) above which a
#: parameter is not identified (see the module docstring).
MAX_RELATIVE_SE = 10.0
#: Where a parameter counts as at the edge of the optimiser's box.
EDGE = U_BOUND - 1.0
#: How far (on the unconstrained scale) a parameter of a singular fit must be to be named as the culprit.
_FAR = float(np.log(1e4))
#: A mixing distribution whose mean is below this is concentrated at 0.
_NEAR_ZERO = 1e-3
#: A beta distribution with a + b, or a gamma distribution with a shape, above this is close to a point mass
#: (its coefficient of variation is below about 3 %).
_POINT = 1e3


@dataclass(frozen=True)
class Mixing:
    """A distribution of a customer-level quantity across customers, for the words of the warning.

    Attributes
    ----------
    kind : {"gamma", "beta"}
        Gamma(shape, rate) or Beta(a, b).
    params : tuple of two str
        Its parameters: (shape, rate) or (a, b).
    what : str
        The quantity, e.g. ``"dropout probability after each purchase"``.
    absent : str
        What it means for the model when the quantity is about 0 for everyone.
    """

    kind: Literal["gamma", "beta"]
    params: tuple[str, str]
    what: str
    absent: str = ""


def flagged(params: tuple[Param, ...], theta: np.ndarray, covariance: np.ndarray, u: np.ndarray) -> dict[str, str]:
    """The parameters at the boundary or not identified, each with the reason.

    Parameters
    ----------
    params : tuple of Param
        The model's parameters.
    theta : numpy.ndarray
        The estimate (natural scale).
    covariance : numpy.ndarray
        Its covariance (natural scale; all NaN when the information matrix is singular).
    u : numpy.ndarray
        The estimate on the unconstrained scale.

    Returns
    -------
    dict of str to str
        Parameter name to reason; empty for an interior, identified fit.
    """
    out: dict[str, str] = {}
    with np.errstate(invalid="ignore", divide="ignore"):
        se_u = np.sqrt(np.diag(covariance)) / np.abs(jacobian(params, theta))
    singular = not np.all(np.isfinite(se_u))
    if singular:  # name the parameters that ran far out, else all of them
        far = [p.name for p, ui in zip(params, u, strict=True) if abs(ui) > _FAR]
        for name in far or [p.name for p in params]:
            out[name] = "not identified (the observed information matrix is singular or not positive definite)"
    for p, ui, se in zip(params, u, se_u, strict=True):
        if abs(ui) > EDGE:
            out[p.name] = "at the edge of its domain"
        elif not singular and se > MAX_RELATIVE_SE:
            scale = {"positive": "times the estimate", "unit": "on the log-odds scale", "real": ""}[p.domain]
            out[p.name] = f"not identified (standard error {se:.3g}{' ' + scale if scale else ''})"
    return out


def _mixing_words(mixing: Mixing, values: dict[str, float]) -> str:
    first, second = (values[name] for name in mixing.params)
    beta = mixing.kind == "beta"
    mean = first / (first + second) if beta else first / second
    concentration = first + second if beta else first  # how tightly the distribution sits around its mean
    names = f"{mixing.params[0]}, {mixing.params[1]}"
    if mean < _NEAR_ZERO and mixing.absent:
        return (
            f"the {mixing.kind} distribution of the {mixing.what} ({names}) sits at 0 (mean {mean:.3g}): "
            f"{mixing.absent}"
        )
    if concentration > _POINT:
        return (
            f"the {mixing.kind} distribution of the {mixing.what} ({names}) collapses to a point (mean {mean:.3g}): "
            f"the data cannot tell how the {mixing.what} varies across customers"
        )
    return (
        f"the {mixing.kind} distribution of the {mixing.what} ({names}; mean {mean:.3g}) is not pinned down: the "
        f"data cannot tell how the {mixing.what} varies across customers"
    )


def describe(model: str, reasons: dict[str, str], values: dict[str, float], mixings: tuple[Mixing, ...]) -> str:
    """The warning for a fit with flagged parameters: which, what it means for the model, and what to try.

    Parameters
    ----------
    model : str
        The model's name.
    reasons : dict of str to str
        From :func:`flagged`.
    values : dict of str to float
        The estimate by parameter name.
    mixings : tuple of Mixing
        The model's mixing distributions.

    Returns
    -------
    str
        One line.
    """
    listed = "; ".join(f"{name} = {values[name]:.4g} {reason}" for name, reason in reasons.items())
    meanings = [_mixing_words(m, values) for m in mixings if any(name in reasons for name in m.params)]
    meaning = f" This means {'; and '.join(meanings)}." if meanings else ""
    return (
        f"{model}: the fit is at the boundary of the parameter space or does not identify its parameters, so "
        f"converged_ is False: {listed}.{meaning} The estimates are one point on a flat ridge of the likelihood and "
        "their standard errors and intervals are meaningless. What to try: a longer calibration period (more "
        "repeat purchases per customer), a small penalizer (e.g. penalizer=0.001), or another model."
    )
