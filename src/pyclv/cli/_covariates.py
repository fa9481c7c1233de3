"""Covariates on the command line: which columns each model takes, where their values come from, and the record.

A customer's covariates are time-invariant, one value per customer. ``pyclv fit`` reads them from one of two
places, and ``pyclv score`` from the same:

- the transaction log (the default): each customer's values in its first transaction
  (:func:`pyclv.rfm_summary`'s ``covariate_cols``, the same with every engine);
- a customer table (``--customers PATH``, CSV or Parquet): one row per customer, with the customer id column
  (``--customer-col``) and the covariate columns. Every customer of the log must be in it, once; its other
  customers are ignored. Ids are matched as written (the integer 7 and the text "7" are one customer; "007"
  is another). CSV columns are typed as the engines type a CSV log's covariates (numbers when every value is
  one, else text; :func:`pyclv.engines._base.typed_text`).

The model artifact's lineage records the source (``lineage["covariates"]``, :func:`lineage_record`), so that
``score`` asks for ``--customers`` again when the fit read a customer table, and reads the log's first values
otherwise. The columns the models need are their ``covariate_encodings_``.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from pyclv import _validation as v
from pyclv._summaries import with_first_values
from pyclv.cli._safety import UsageError
from pyclv.engines import is_url, typed_text
from pyclv.exceptions import DataValidationError
from pyclv.models import BaseModel
from pyclv.models.registry import TRANSACTION_MODELS

__all__ = ["Covariates", "attach_table", "lineage_record", "needed", "read_table", "settings"]

#: The lineage's key for the covariates' source.
KEY = "covariates"


@dataclass(frozen=True)
class Covariates:
    """The covariate settings of ``pyclv fit``: the columns of each process, and their source.

    Attributes
    ----------
    transaction : dict
        Keyword arguments of the transaction model (``purchase_covariates`` and so on); empty without any.
    spend : dict
        Keyword arguments of the spend model (``spend_covariates``, ``covariate_penalty``); empty without any.
    columns : tuple of str
        Every covariate column, each once, in the order given.
    customers : str or None
        The customer table, or None to read the columns from the log.
    """

    transaction: dict[str, Any]
    spend: dict[str, Any]
    columns: tuple[str, ...]
    customers: str | None


def settings(args: argparse.Namespace) -> Covariates:
    """The covariate settings of ``pyclv fit``'s arguments, checked as usage (exit code 2).

    Parameters
    ----------
    args : argparse.Namespace
        The parsed arguments.

    Returns
    -------
    Covariates
        The settings.

    Raises
    ------
    UsageError
        For covariates with a model that takes none, ``--constrained-covariates`` or ``--customers`` without
        covariates, or a penalty that is not a finite number >= 0.
    """
    purchase, dropout, spend = args.purchase_covariates, args.dropout_covariates, args.spend_covariates
    transaction: dict[str, Any] = {}
    if purchase or dropout or args.constrained_covariates:
        if not TRANSACTION_MODELS[args.model]._processes:
            takes = ", ".join(name for name, cls in TRANSACTION_MODELS.items() if cls._processes)
            raise UsageError(f"--model {args.model} takes no covariates; use --model {takes}, or leave them out")
        transaction = {"purchase_covariates": purchase, "dropout_covariates": dropout,
                       "constrained_covariates": args.constrained_covariates}
    if not (math.isfinite(args.covariate_penalty) and args.covariate_penalty >= 0):
        raise UsageError("--covariate-penalty must be a finite number >= 0")
    columns = tuple(dict.fromkeys([*(purchase or ()), *(dropout or ()), *(spend or ())]))
    if args.constrained_covariates and not (purchase or dropout):
        raise UsageError("--constrained-covariates names columns of --purchase-covariates and --dropout-covariates")
    if args.customers is not None and not columns:
        raise UsageError("--customers holds covariates: name them with --purchase-covariates, --dropout-covariates "
                         "or --spend-covariates")
    if transaction:
        transaction["covariate_penalty"] = args.covariate_penalty
    spend_settings = {"spend_covariates": spend, "covariate_penalty": args.covariate_penalty} if spend else {}
    return Covariates(transaction, spend_settings, columns, args.customers)


def needed(models: Mapping[str, BaseModel]) -> tuple[str, ...]:
    """The covariate columns that fitted models need (their ``covariate_encodings_``), each once.

    Parameters
    ----------
    models : mapping of str to BaseModel
        Fitted models by role.

    Returns
    -------
    tuple of str
        The columns, in the order of the models and their encodings.
    """
    names = [enc.name for model in models.values() if model.has_covariates for enc in model.covariate_encodings_]
    return tuple(dict.fromkeys(names))


def lineage_record(columns: Sequence[str], customers: str | None) -> dict[str, Any]:
    """What the artifact's lineage records of the covariates: their columns and where they were read.

    Parameters
    ----------
    columns : sequence of str
        The covariate columns.
    customers : str or None
        The customer table, or None for the log's first values.

    Returns
    -------
    dict
        JSON-ready: ``columns``, ``source`` (``"log"`` or ``"customers"``) and, for a table, its ``path``.
    """
    if customers is None:
        return {"columns": list(columns), "source": "log"}
    return {"columns": list(columns), "source": "customers", "path": customers}


def source_for_score(lineage: Mapping[str, Any] | None, columns: Sequence[str], model: str,
                     customers: str | None) -> str | None:
    """The customer table ``score`` reads covariates from (None: the log), or the error of a missing ``--customers``.

    Parameters
    ----------
    lineage : mapping or None
        The artifact's lineage.
    columns : sequence of str
        The covariate columns the models need.
    model : str
        The model file, for the message.
    customers : str or None
        ``--customers``.

    Returns
    -------
    str or None
        The table to read, or None to read the log's first values.

    Raises
    ------
    UsageError
        If the fit read a customer table and ``--customers`` is not given.
    """
    record = (lineage or {}).get(KEY) or {}
    if customers is None and columns and record.get("source") == "customers":
        raise UsageError(
            f"the models of {model} take covariates ({', '.join(columns)}) that the fit read from a customer table "
            f"(--customers {record.get('path')}); pass --customers with the table of the customers to score"
        )
    return customers


def read_table(path: str, customer_col: str, columns: Sequence[str]) -> pd.DataFrame:
    """The customer table: its covariate columns, indexed by customer id as written (see the module's notes).

    Parameters
    ----------
    path : str
        A ``.csv`` or ``.parquet`` file.
    customer_col : str
        The customer id column.
    columns : sequence of str
        The covariate columns.

    Returns
    -------
    pandas.DataFrame
        Indexed by the ids as text, one row per customer (not yet checked for duplicates).

    Raises
    ------
    UsageError
        For a URL or a file that is neither CSV nor Parquet.
    DataValidationError
        If the id column or a covariate column is missing.
    FileNotFoundError
        If the file does not exist.
    """
    if is_url(path):
        raise UsageError(f"--customers {path}: give a local file (a URL is not read)")
    suffix = Path(path).suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise UsageError(f"--customers must end in .csv or .parquet; got {path}")
    if not Path(path).is_file():
        raise FileNotFoundError(f"no such file: {path}")
    if suffix == ".csv":  # as the engines read a CSV log: text, only empty cells missing, then typed
        table = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    else:
        table = pd.read_parquet(path)
    v.require_columns(
        list(table.columns), [customer_col, *columns], what=f"The customer table {path}",
        todo="Add them (one row per customer), or pass --customer-col with the table's customer id column.",
    )
    selected = table[list(columns)].set_axis(_id_text(table[customer_col]), axis=0)
    if suffix == ".csv":
        selected = selected.apply(typed_text)
    return selected


def _id_text(ids: pd.Series) -> pd.Index:
    """Customer ids as written: integers in decimal, text as it is."""
    return pd.Index(ids.astype(object).map(lambda value: value if isinstance(value, str) else str(value)))


def attach_table(summary: pd.DataFrame, table: pd.DataFrame, path: str) -> pd.DataFrame:
    """The summary with the covariates of its customers from the customer table, checked where they enter.

    Parameters
    ----------
    summary : pandas.DataFrame
        One row per customer of the log.
    table : pandas.DataFrame
        :func:`read_table`'s result.
    path : str
        The table's path, for messages.

    Returns
    -------
    pandas.DataFrame
        ``summary`` with the covariate columns.

    Raises
    ------
    DataValidationError
        If the table repeats a customer id, lacks customers of the log, or misses a value of theirs.
    """
    repeated = table.index[table.index.duplicated()].unique()
    if len(repeated):
        raise DataValidationError(
            f"The customer table {path} has {len(repeated):,} customer id(s) on several rows (e.g. "
            f"{', '.join(map(repr, repeated[: v.N_EXAMPLES]))}); it needs one row per customer. Remove the "
            "duplicates.",
            column=str(summary.index.name),
            n_rows=len(repeated),
        )
    keys = _id_text(summary.index.to_series())
    position = table.index.get_indexer(keys)
    absent = position < 0
    if absent.any():
        n = int(absent.sum())
        raise DataValidationError(
            f"The customer table {path} lacks {n:,} customer(s) of the log (e.g. {v.examples(summary.index, absent)}); "
            "every customer scored needs its covariates. Add them to the table (ids as in the log).",
            column=str(summary.index.name),
            n_rows=n,
        )
    rows = table.iloc[position].set_axis(summary.index, axis=0)
    return with_first_values(summary, rows, table=path)
