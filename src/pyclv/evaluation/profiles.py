"""Customers grouped by covariate profile, for the tables that need one parameter vector per group.

A model with covariates gives each customer its own parameters. Per-customer predictions (``p_alive``,
``expected_purchases``, ``pyclv.score``) handle that themselves; the tables built on a *new* customer's
expectations (the tracking curves' :math:`E[X(t)]`, the period-transactions histogram's :math:`P(X(T) = n)`) and
the report's sums over parameter draws do not, since a model with covariates has no one new customer. They ask
:func:`profile_groups` for the customers of each profile (equal covariates under every model) with the models
*without* covariates at that profile's parameters, compute on each group and add the groups up. For models
without covariates there is one group, of every customer, with the models themselves, so a table computes the
same numbers either way.

Tables built from a transaction log (tracking, a customer's P(alive) history, cohort forecasts, backtests) have
no covariates of their own: :func:`attach_covariates` takes them from a table of customers (such as the summary
the model was fitted on) and says clearly when it is missing or incomplete.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pyclv.exceptions import DataValidationError
from pyclv.models import BaseModel, covariate_strata

__all__ = ["ProfileGroup", "attach_covariates", "covariate_columns", "profile_groups"]

#: How many customer ids an error message shows.
_EXAMPLES = 3


@dataclass(frozen=True)
class ProfileGroup:
    """The customers of one covariate profile and the models at its parameters.

    Attributes
    ----------
    rows : numpy.ndarray
        The customers' positions in the data, in their order there.
    models : tuple of BaseModel
        Each model without covariates at the profile's parameters (the model itself if it has none), in the
        order given to :func:`profile_groups`.
    covariates : tuple of numpy.ndarray
        Each model's encoded covariates of the profile (empty for a model without covariates): map the whole
        model's parameter draws to the profile with ``model.draws_for_row(draws, covariates[i])``.
    """

    rows: np.ndarray
    models: tuple[BaseModel, ...]
    covariates: tuple[np.ndarray, ...]


def covariate_columns(*models: BaseModel) -> list[str]:
    """The covariate columns the models read, each once, in order (none for models without covariates).

    Parameters
    ----------
    *models : BaseModel
        Models, fitted or not (their ``*_covariates`` settings name the columns).

    Returns
    -------
    list of str
    """
    names: dict[str, None] = {}
    for model in models:
        for setting, value in model.get_params().items():
            if setting.endswith("_covariates") and value:
                names.update(dict.fromkeys(value))
    return list(names)


def profile_groups(data: pd.DataFrame, *models: BaseModel) -> list[ProfileGroup]:
    """The customers of ``data`` grouped by their covariates under every model, with each group's models.

    Parameters
    ----------
    data : pandas.DataFrame
        Customers, with the models' covariate columns.
    *models : BaseModel
        Fitted models (with or without covariates).

    Returns
    -------
    list of ProfileGroup
        One group per distinct profile present in ``data`` (in a fixed order that does not depend on the order
        of the rows); a single group of every customer when no model has covariates.

    Raises
    ------
    DataValidationError
        If a covariate column is missing, has missing values or a level the fit did not see.
    """
    encoded = [model.covariate_matrix(data) for model in models]
    widths = np.cumsum([0] + [z.shape[1] for z in encoded])
    strata = covariate_strata(np.hstack(encoded) if encoded else np.zeros((len(data), 0)))
    groups = []
    for s, rows in enumerate(strata.members()):
        if not len(rows):
            continue
        row = strata.rows[s]
        z = tuple(row[widths[i] : widths[i + 1]] for i in range(len(models)))
        plain = tuple(
            model.for_covariate_row(zi) if model.has_covariates else model for model, zi in zip(models, z, strict=True)
        )
        groups.append(ProfileGroup(rows=rows, models=plain, covariates=z))
    return groups


def attach_covariates(
    frame: pd.DataFrame, covariates: pd.DataFrame | None, columns: Sequence[str], *, what: str
) -> pd.DataFrame:
    """``frame`` (indexed by customer id) with the models' covariate columns taken from ``covariates``.

    Parameters
    ----------
    frame : pandas.DataFrame
        Customers built from a transaction log, indexed by customer id.
    covariates : pandas.DataFrame, optional
        A table indexed by customer id with the covariate columns (e.g. the summary the models were fitted
        on); ignored without ``columns``.
    columns : sequence of str
        The covariate columns to attach: :func:`covariate_columns` of the models (none: nothing to do).
    what : str
        The calling function, for messages.

    Returns
    -------
    pandas.DataFrame
        ``frame`` itself without ``columns``, else a copy with them.

    Raises
    ------
    DataValidationError
        If there are ``columns`` and ``covariates`` is not given, lacks one of them, repeats a customer id or
        lacks some of the customers of ``frame``.
    """
    columns = list(columns)
    if not columns:
        return frame
    listed = ", ".join(repr(c) for c in columns)
    if covariates is None:
        raise DataValidationError(
            f"{what}: the model has covariates ({listed}), which the transaction log does not give: pass "
            "covariates=, a table of the customers indexed by customer id with those columns (e.g. the summary "
            "the model was fitted on).",
            column="covariates",
        )
    if not isinstance(covariates, pd.DataFrame):
        raise DataValidationError(
            f"{what}: covariates must be a DataFrame indexed by customer id with the columns {listed}; got "
            f"{type(covariates).__name__}.",
            column="covariates",
        )
    absent = [c for c in columns if c not in covariates.columns]
    if absent:
        raise DataValidationError(
            f"{what}: covariates has no column {absent[0]!r} (the model's covariates are {listed}); add it, one "
            "value per customer.",
            column=absent[0],
        )
    if not covariates.index.is_unique:
        twice = covariates.index[covariates.index.duplicated()].unique()
        raise DataValidationError(
            f"{what}: covariates repeats {len(twice)} customer id(s) (e.g. {twice[0]!r}): one row per customer.",
            column="covariates",
            n_rows=len(twice),
        )
    position = covariates.index.get_indexer(frame.index)
    missing = position < 0
    if missing.any():
        examples = ", ".join(repr(c) for c in frame.index[missing][:_EXAMPLES])
        raise DataValidationError(
            f"{what}: covariates has no row for {int(missing.sum()):,} of the {len(frame):,} customers (e.g. "
            f"{examples}); give every customer its covariates (customers first seen after the calibration end are "
            "not in the calibration summary: pass a table of all customers).",
            column="covariates",
            n_rows=int(missing.sum()),
        )
    values = covariates[columns].iloc[position].set_axis(frame.index)
    out = pd.concat([frame.drop(columns=[c for c in columns if c in frame.columns]), values], axis=1)
    out.attrs = dict(frame.attrs)  # the time unit the models check
    return out
