"""Model artifacts (versioned JSON), table readers and writers, atomic writes.

A model file is JSON with a ``format`` tag and a ``format_version``; pyclv refuses files of an unknown
version or model type rather than guessing. A file holds one model (:func:`save_model`) or a named set of
models, e.g. the transaction and spend models of a CLV pipeline (:func:`save_models`). Every file pyclv
writes goes to a temporary name in the target folder first and is renamed into place, so a crash never
leaves a half-written file.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pyclv._artifact import BUNDLE_TAG, FORMAT_VERSION, SINGLE_TAG, model_to_dict, save_model, write_json
from pyclv._files import atomic_write
from pyclv.exceptions import ModelFormatError
from pyclv.models import BaseModel
from pyclv.models.registry import SHIPPED_MODELS, model_class

__all__ = [
    "FORMAT_VERSION",
    "atomic_write",
    "load_model",
    "load_models",
    "model_from_dict",
    "model_to_dict",
    "read_table",
    "save_model",
    "save_models",
    "write_table",
]

_TABLE_SUFFIXES = (".csv", ".parquet", ".pq")


def save_models(path: str | Path, **models: BaseModel) -> None:
    """Write several fitted models, by role, into one JSON artifact.

    Parameters
    ----------
    path : str or pathlib.Path
        The file to write.
    **models : BaseModel
        Fitted models by role, e.g. ``transaction=..., spend=...``.

    Returns
    -------
    None

    Examples
    --------
    >>> import tempfile, pathlib, pyclv
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "clv.json"
    >>> bgnbd = pyclv.BetaGeo.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426, time_unit="W")
    >>> spend = pyclv.GammaGamma.from_params(p=6.25, q=3.74, v=15.44)
    >>> save_models(path, transaction=bgnbd, spend=spend)
    >>> sorted(load_models(path))
    ['spend', 'transaction']
    """
    if not models:
        raise ValueError("save_models needs at least one model, given by role, e.g. transaction=model.")
    payload = {
        "format": BUNDLE_TAG,
        "format_version": FORMAT_VERSION,
        "models": {role: model_to_dict(model) for role, model in models.items()},
    }
    write_json(path, payload)


def model_from_dict(spec: Mapping[str, Any]) -> BaseModel:
    """Rebuild a model from :func:`model_to_dict` output, refusing unknown types or malformed fields.

    Parameters
    ----------
    spec : mapping
        One model entry of an artifact.

    Returns
    -------
    BaseModel
        A fitted model of the recorded class.

    Raises
    ------
    ModelFormatError
        For an unknown model type or a malformed entry.
    """
    if not isinstance(spec, Mapping):
        raise ModelFormatError(f"A model entry must be a JSON object; got {type(spec).__name__}.")
    model_type = spec.get("model_type")
    klass = model_class(model_type)
    if klass is None:
        known = ", ".join(sorted(cls.__name__ for cls in SHIPPED_MODELS.values()))
        raise ModelFormatError(f"Unknown model type {model_type!r}; this pyclv knows: {known}.")
    try:
        names = klass.param_names()
        theta = np.array([float(spec["params"][n]) for n in names])
        cov = np.array(
            [[np.nan if c is None else float(c) for c in row] for row in spec["covariance"]], dtype=float
        ).reshape(len(names), len(names))
        bad = [p.name for p, v in zip(klass.parameters(), theta, strict=True) if not p.contains(float(v))]
        if bad:
            raise ValueError(f"parameter(s) {', '.join(bad)} outside their domain")
        ll = spec.get("log_likelihood")
        return klass.from_estimates(
            theta=theta,
            covariance=cov,
            settings=dict(spec.get("settings", {})),
            log_likelihood=np.nan if ll is None else float(ll),
            n_customers=spec.get("n_customers", 0),
            time_unit=spec.get("time_unit"),
            converged=bool(spec.get("converged", True)),
            n_iterations=int(spec.get("n_iterations", 0)),
            fit_seconds=float(spec.get("fit_seconds", 0.0)),
            fitted_at=spec.get("fitted_at"),
        )
    except (AttributeError, KeyError, TypeError, ValueError) as exc:
        raise ModelFormatError(f"The {model_type} entry of the model file is malformed: {exc}.") from exc


def _read_json(path: str | Path) -> dict[str, Any]:
    try:
        payload = json.loads(Path(path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ModelFormatError(f"{path} is not a pyclv model file (invalid JSON: {exc}).") from exc
    if not isinstance(payload, dict) or payload.get("format") not in (SINGLE_TAG, BUNDLE_TAG):
        raise ModelFormatError(f"{path} is not a pyclv model file (no 'format' tag of a pyclv model).")
    version = payload.get("format_version")
    if version != FORMAT_VERSION:
        raise ModelFormatError(
            f"{path} has model format version {version!r}; this pyclv reads version {FORMAT_VERSION}. "
            "Refit the model with this version, or install the pyclv version that wrote it."
        )
    return payload


def load_models(path: str | Path) -> dict[str, BaseModel]:
    """Read a model file: a dict of models by role (a single-model file gives ``{"model": model}``).

    Parameters
    ----------
    path : str or pathlib.Path
        A file written by :func:`save_models` or :func:`save_model`.

    Returns
    -------
    dict
        Models by role.
    """
    payload = _read_json(path)
    if payload["format"] == SINGLE_TAG:
        return {"model": model_from_dict(payload)}
    models = payload.get("models")
    if not isinstance(models, dict) or not models:
        raise ModelFormatError(f"{path} holds no models.")
    return {role: model_from_dict(spec) for role, spec in models.items()}


def load_model(path: str | Path) -> BaseModel:
    """Read a model written by :meth:`BaseModel.save` / :func:`save_model`.

    Parameters
    ----------
    path : str or pathlib.Path
        A single-model file.

    Returns
    -------
    BaseModel

    Raises
    ------
    ModelFormatError
        For a file of an unknown format version or model type, or one that holds several models (use
        :func:`load_models`).
    """
    payload = _read_json(path)
    if payload["format"] != SINGLE_TAG:
        names = ", ".join(payload.get("models", {}))
        raise ModelFormatError(f"{path} holds several models ({names}); use load_models.")
    return model_from_dict(payload)


def _table_suffix(path: str | Path) -> str:
    suffix = Path(path).suffix.lower()
    if suffix not in _TABLE_SUFFIXES:
        raise ValueError(f"{path}: unsupported file type {suffix!r}; use .csv or .parquet.")
    return suffix


def read_table(path: str | Path, *, string_columns: Sequence[str] = ()) -> pd.DataFrame:
    """Read a CSV or Parquet file into a DataFrame (by its suffix).

    ``string_columns`` (e.g. the customer id) are read from CSV as text, so that ids such as "001" and "1"
    stay distinct customers instead of both becoming the number 1.

    Parameters
    ----------
    path : str or pathlib.Path
        A ``.csv`` or ``.parquet`` file.
    string_columns : sequence of str, default ()
        Columns to read from CSV as text (ignored for Parquet, which stores its types).

    Returns
    -------
    pandas.DataFrame
        The table: from CSV with a default RangeIndex, from Parquet with the index it was written with.

    Raises
    ------
    ValueError
        If the suffix is neither ``.csv`` nor ``.parquet``.
    """
    suffix = _table_suffix(path)
    if suffix == ".csv":
        return pd.read_csv(path, dtype={c: str for c in string_columns})
    return pd.read_parquet(path)


def write_table(frame: pd.DataFrame, path: str | Path, *, index: bool = True) -> None:
    """Write ``frame`` as CSV or Parquet (by suffix), atomically.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table to write.
    path : str or pathlib.Path
        A ``.csv`` or ``.parquet`` file; written to a temporary name beside it, then renamed into place.
    index : bool, default True
        Also write the index (e.g. the customer id).

    Returns
    -------
    None
        The table is on disk at ``path``.

    Raises
    ------
    ValueError
        If the suffix is neither ``.csv`` nor ``.parquet``.
    """
    suffix = _table_suffix(path)
    if suffix == ".csv":
        atomic_write(path, lambda tmp: frame.to_csv(tmp, index=index))
    else:
        atomic_write(path, lambda tmp: frame.to_parquet(tmp, index=index))
