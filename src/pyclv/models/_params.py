"""Parameters and their domains, declared as data, and the one mapping to and from the unconstrained scale.

Fitting runs on the log scale for positive parameters and on the logit scale for probabilities; these plain
functions over a tuple of :class:`Param` map a whole parameter vector (or a stack of them, one per row) in
one place, with the Jacobian the delta method needs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy import special

__all__ = ["U_BOUND", "Domain", "Param", "curvature", "jacobian", "to_natural", "to_unconstrained"]

Domain = Literal["positive", "unit", "real"]

#: Bounds of the unconstrained scale: exp(+-30) spans 1e-13..1e13, far beyond any sensible parameter.
U_BOUND = 30.0


@dataclass(frozen=True)
class Param:
    """A model parameter: its name and its domain.

    ``"positive"`` is fitted on the log scale, ``"unit"`` (a probability) on the logit scale and ``"real"`` (a
    covariate's coefficient) as it is.
    """

    name: str
    domain: Domain = "positive"

    def contains(self, value: float) -> bool:
        """Whether ``value`` is finite and inside the domain.

        Parameters
        ----------
        value : float
            A candidate parameter value.

        Returns
        -------
        bool
        """
        if not np.isfinite(value):
            return False
        if self.domain == "real":
            return True
        return value > 0.0 if self.domain == "positive" else 0.0 < value < 1.0

    def describe_domain(self) -> str:
        """The domain in words, for messages.

        Returns
        -------
        str
            ``"> 0"``, ``"in (0, 1)"`` or ``"(any real number)"``.
        """
        return {"positive": "> 0", "unit": "in (0, 1)", "real": "(any real number)"}[self.domain]


def _columns(params: tuple[Param, ...], values: np.ndarray) -> np.ndarray:
    values = np.asarray(values, dtype=float)
    if values.shape[-1] != len(params):
        raise ValueError(f"expected {len(params)} parameter values along the last axis; got shape {values.shape}.")
    return values


def _unit(params: tuple[Param, ...]) -> np.ndarray:
    """Which parameters live on the unit interval (logit scale)."""
    return np.array([p.domain == "unit" for p in params])


def _real(params: tuple[Param, ...]) -> np.ndarray:
    """Which parameters are real numbers (fitted as they are)."""
    return np.array([p.domain == "real" for p in params])


def to_unconstrained(params: tuple[Param, ...], theta: np.ndarray) -> np.ndarray:
    """Natural parameters to the unconstrained scale (log or logit, by domain).

    Parameters
    ----------
    params : tuple of Param
        The model's parameters, in order.
    theta : numpy.ndarray
        Natural values, the last axis running over ``params``.

    Returns
    -------
    numpy.ndarray
        Unconstrained values, same shape.
    """
    theta = _columns(params, theta)
    unit, real = _unit(params), _real(params)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(real, theta, np.where(unit, special.logit(theta), np.log(theta)))


def to_natural(params: tuple[Param, ...], u: np.ndarray) -> np.ndarray:
    """Unconstrained values back to the natural scale (exp or expit, by domain).

    Parameters
    ----------
    params : tuple of Param
        The model's parameters, in order.
    u : numpy.ndarray
        Unconstrained values, the last axis running over ``params``.

    Returns
    -------
    numpy.ndarray
        Natural values, same shape.
    """
    u = _columns(params, u)
    unit, real = _unit(params), _real(params)
    with np.errstate(over="ignore"):
        return np.where(real, u, np.where(unit, special.expit(u), np.exp(u)))


def jacobian(params: tuple[Param, ...], theta: np.ndarray) -> np.ndarray:
    """d(natural) / d(unconstrained) at ``theta``, element by element (the mapping is diagonal).

    Parameters
    ----------
    params : tuple of Param
        The model's parameters, in order.
    theta : numpy.ndarray
        Natural values, the last axis running over ``params``.

    Returns
    -------
    numpy.ndarray
        ``theta`` for positive parameters, ``theta (1 - theta)`` for probabilities, 1 for real ones.
    """
    theta = _columns(params, theta)
    unit, real = _unit(params), _real(params)
    return np.where(real, 1.0, np.where(unit, theta * (1.0 - theta), theta))


def curvature(params: tuple[Param, ...], theta: np.ndarray) -> np.ndarray:
    """d2(natural) / d(unconstrained)2 at ``theta``, element by element (for Hessians on the unconstrained scale).

    Parameters
    ----------
    params : tuple of Param
        The model's parameters, in order.
    theta : numpy.ndarray
        Natural values, the last axis running over ``params``.

    Returns
    -------
    numpy.ndarray
        ``theta`` for positive parameters, ``theta (1 - theta) (1 - 2 theta)`` for probabilities, 0 for real ones.
    """
    theta = _columns(params, theta)
    unit, real = _unit(params), _real(params)
    return np.where(real, 0.0, np.where(unit, theta * (1.0 - theta) * (1.0 - 2.0 * theta), theta))
