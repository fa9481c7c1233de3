"""Model artifacts (versioned JSON), table readers and writers, atomic writes.

A model file is JSON with a ``format`` tag and a ``format_version``; pyclv refuses files of an unknown
version or model type rather than guessing. A file holds one model (:func:`save_model`) or a named set of
models, e.g. the transaction and spend models of a CLV pipeline (:func:`save_models`). Every file pyclv
writes goes to a temporary name in the target folder first and is renamed into place, so a crash never
leaves a half-written file.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from pyclv.exceptions import ModelFormatError
from pyclv.models._base import BaseModel

__all__ = [
    "FORMAT_VERSION",
    "atomic_write",
    "load_model",
    "load_models",
    "read_table",
    "save_model",
    "save_models",
    "write_table",
]

#: Version of the JSON model format written by this pyclv.
FORMAT_VERSION = 1
_SINGLE = "pyclv-model"
_BUNDLE = "pyclv-models"
_TABLE_SUFFIXES = (".csv", ".parquet", ".pq")


def atomic_write(path: str | Path, write: Callable[[Path], None]) -> None:
    """Call ``write(tmp_path)`` on a temporary file beside ``path``, then rename it onto ``path``.

    The temporary file is removed if ``write`` fails, so ``path`` is either the old file or the complete new
    one, never a partial write.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _write_json(path: str | Path, payload: Mapping[str, Any]) -> None:
    text = json.dumps(payload, indent=2, allow_nan=False)
    atomic_write(path, lambda tmp: tmp.write_text(text + "\n", encoding="utf-8"))


def save_model(model: BaseModel, path: str | Path) -> None:
    """Write one fitted model as versioned JSON (parameters, covariance, LL, n, time unit, versions)."""
    _write_json(path, {"format": _SINGLE, "format_version": FORMAT_VERSION, **model.to_dict()})


def save_models(path: str | Path, **models: BaseModel) -> None:
    """Write several fitted models, by role, into one JSON artifact.

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
        "format": _BUNDLE,
        "format_version": FORMAT_VERSION,
        "models": {role: model.to_dict() for role, model in models.items()},
    }
    _write_json(path, payload)


def _read_json(path: str | Path) -> dict[str, Any]:
    try:
        payload = json.loads(Path(path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ModelFormatError(f"{path} is not a pyclv model file (invalid JSON: {exc}).") from exc
    if not isinstance(payload, dict) or payload.get("format") not in (_SINGLE, _BUNDLE):
        raise ModelFormatError(f"{path} is not a pyclv model file (no 'format' tag of a pyclv model).")
    version = payload.get("format_version")
    if version != FORMAT_VERSION:
        raise ModelFormatError(
            f"{path} has model format version {version!r}; this pyclv reads version {FORMAT_VERSION}. "
            "Refit the model with this version, or install the pyclv version that wrote it."
        )
    return payload


def load_models(path: str | Path) -> dict[str, BaseModel]:
    """Read a model file: a dict of models by role (a single-model file gives ``{"model": model}``)."""
    payload = _read_json(path)
    if payload["format"] == _SINGLE:
        return {"model": BaseModel.from_dict(payload)}
    models = payload.get("models")
    if not isinstance(models, dict) or not models:
        raise ModelFormatError(f"{path} holds no models.")
    return {role: BaseModel.from_dict(spec) for role, spec in models.items()}


def load_model(path: str | Path) -> BaseModel:
    """Read a model written by :meth:`BaseModel.save` / :func:`save_model`.

    Raises
    ------
    ModelFormatError
        For a file of an unknown format version or model type, or one that holds several models (use
        :func:`load_models`).
    """
    payload = _read_json(path)
    if payload["format"] != _SINGLE:
        raise ModelFormatError(f"{path} holds several models ({', '.join(payload.get('models', {}))}); use load_models.")
    return BaseModel.from_dict(payload)


def _table_suffix(path: str | Path) -> str:
    suffix = Path(path).suffix.lower()
    if suffix not in _TABLE_SUFFIXES:
        raise ValueError(f"{path}: unsupported file type {suffix!r}; use .csv or .parquet.")
    return suffix


def read_table(path: str | Path, *, string_columns: Sequence[str] = ()) -> pd.DataFrame:
    """Read a CSV or Parquet file into a DataFrame (by its suffix).

    ``string_columns`` (e.g. the customer id) are read from CSV as text, so that ids such as "001" and "1"
    stay distinct customers instead of both becoming the number 1.
    """
    suffix = _table_suffix(path)
    if suffix == ".csv":
        return pd.read_csv(path, dtype={c: str for c in string_columns})
    return pd.read_parquet(path)


def write_table(frame: pd.DataFrame, path: str | Path, *, index: bool = True) -> None:
    """Write ``frame`` as CSV or Parquet (by suffix), atomically."""
    suffix = _table_suffix(path)
    if suffix == ".csv":
        atomic_write(path, lambda tmp: frame.to_csv(tmp, index=index))
    else:
        atomic_write(path, lambda tmp: frame.to_parquet(tmp, index=index))
