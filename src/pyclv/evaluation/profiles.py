"""Customers grouped by covariate profile, for the tables that need one parameter vector per group.

A model with covariates gives each customer its own parameters. Per-customer predictions (``p_alive``,
``expected_purchases``, ``pyclv.score``) handle that themselves; the tables built on a *new* customer's
expectations (the tracking curves' :math:`E[X(t)]`, the period-transactions histogram's :math:`P(X(T) = n)`) and
the report's sums over parameter draws do not, since a model with covariates has no one new customer. They ask
:func:`profile_groups` (:func:`pyclv.models.profile_groups`, re-exported here: the grouping the models' own
predictions use) for the customers of each profile (equal covariates under every model) with the models
*without* covariates at that profile's parameters, compute on each group and add the groups up. For models
without covariates there is one group, of every customer, with the models themselves, so a table computes the
same numbers either way.

Tables built from a transaction log (tracking, a customer's P(alive) history, cohort forecasts, backtests) have
no covariates of their own: :func:`attach_covariates` takes them from a table of customers (such as the summary
the model was fitted on) and says clearly when it is missing or incomplete.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from pyclv.exceptions import DataValidationError
from pyclv.models import BaseModel, ProfileGroup, profile_groups

__all__ = ["ProfileGroup", "attach_covariates", "covariate_columns", "profile_groups"]

#: How many customer ids an error message shows.
_EXAMPLES = 3


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
