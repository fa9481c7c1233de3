"""The fitted model's summary: Wald intervals on the unconstrained scale and the printable table."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from pyclv._format import format_number
from pyclv.models._params import Param, jacobian, to_natural, to_unconstrained

__all__ = ["ModelSummary", "likelihood_ratio_test", "wald_intervals"]


def likelihood_ratio_test(log_likelihood: float, null_log_likelihood: float, df: int) -> dict[str, float]:
    """The likelihood-ratio test of a model against the model nested in it with ``df`` fewer parameters.

    Parameters
    ----------
    log_likelihood : float
        The larger model's maximised log-likelihood.
    null_log_likelihood : float
        The nested model's.
    df : int
        The difference in the number of parameters.

    Returns
    -------
    dict
        ``statistic`` (twice the difference, at least 0), ``df`` and ``p_value`` (chi-squared upper tail).
    """
    statistic = max(0.0, 2.0 * (log_likelihood - null_log_likelihood))
    return {"statistic": statistic, "df": float(df), "p_value": float(stats.chi2.sf(statistic, df))}


def wald_intervals(
    params: tuple[Param, ...], theta: np.ndarray, std_errors: np.ndarray, alpha: float, *, natural: bool = False
) -> np.ndarray:
    """Wald ``1 - alpha`` intervals, computed on the unconstrained scale and mapped back (or on the natural one).

    Parameters
    ----------
    params : tuple of Param
        The model's parameters.
    theta : numpy.ndarray
        The estimates (natural scale).
    std_errors : numpy.ndarray
        Their standard errors (natural scale; NaN where unknown).
    alpha : float
        One minus the coverage, in (0, 1).
    natural : bool, default False
        ``estimate +/- z * std_error`` on the parameters' own scale instead (as CLVTools prints them; it may
        leave the parameter's domain).

    Returns
    -------
    numpy.ndarray
        Shape (k, 2): lower and upper bounds, inside each parameter's domain unless ``natural``.
    """
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must be in (0, 1); got {alpha!r}.")
    z = stats.norm.ppf(1.0 - alpha / 2.0)
    if natural:
        return np.column_stack([theta - z * std_errors, theta + z * std_errors])
    se_u = std_errors / jacobian(params, theta)
    u = to_unconstrained(params, theta)
    return np.column_stack([to_natural(params, u - z * se_u), to_natural(params, u + z * se_u)])


class ModelSummary:
    """The fitted model's parameter table and fit statistics.

    Prints as text, renders as HTML in Jupyter and converts with :meth:`to_frame`.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per parameter: ``estimate``, ``std_error``, ``lower``, ``upper`` (a ``1 - alpha`` Wald interval,
        by default computed on the unconstrained scale and mapped back, so it respects the parameter's domain; on
        the natural scale with ``summary(scale="natural")``).
    stats : dict
        ``log_likelihood``, ``aic``, ``bic``, ``n_customers``, ``time_unit``, ``converged``.
    """

    def __init__(self, model_name: str, table: pd.DataFrame, stats: dict[str, Any]) -> None:
        self.model_name = model_name
        self.table = table
        self.stats = stats

    def to_frame(self) -> pd.DataFrame:
        """The parameter table.

        Returns
        -------
        pandas.DataFrame
            A copy of :attr:`table`.
        """
        return self.table.copy()

    def __str__(self) -> str:
        head = [f"{self.model_name}"]
        head += [f"  {k}: {format_number(v, 'estimate')}" for k, v in self.stats.items()]
        return "\n".join(head) + "\n" + self.table.to_string(float_format=_estimate)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        stats_rows = "".join(
            f"<tr><th>{k}</th><td>{format_number(v, 'estimate')}</td></tr>" for k, v in self.stats.items()
        )
        return (
            f"<div><strong>{self.model_name}</strong><table>{stats_rows}</table>"
            f"{self.table.to_html(float_format=_estimate)}</div>"
        )


def _estimate(value: float) -> str:
    return format_number(value, "estimate")
