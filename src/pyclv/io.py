"""Model artifacts (versioned JSON), table readers and writers, atomic writes.

A model file is JSON with a ``format`` tag, a ``format_version`` and a checksum (``sha256``, the SHA-256 of
the rest of its content); pyclv refuses files of an unknown version or model type, files whose content does
not match their checksum (truncated, corrupt or edited by hand) and fields of the wrong type or outside their
domain, rather than guessing. A file without a checksum (written before pyclv recorded one) still loads, with
a :class:`~pyclv.exceptions.PyCLVWarning`; saving it again adds the checksum. A file holds one model
(:func:`save_model`) or a named set of models, e.g. the transaction and spend models of a CLV pipeline
(:func:`save_models`), optionally with its ``lineage`` (what the models were fitted on), under the same
checksum; :func:`load_artifact` reads the models with their identity (the checksum) and lineage.

Every file pyclv writes goes to a temporary name in the target folder first and is renamed into place, so a
crash never leaves a half-written file (:func:`atomic_write`: the permissions follow the umask, also when a
file is replaced; a symbolic link is followed). Tables are written deterministically: the
same table gives the same bytes, and a float column with NaN or infinite values is refused. A run manifest
(:func:`write_manifest`) is JSON written the same way, after the output it describes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pyclv._artifact import (
    BUNDLE_TAG,
    CHECKSUM_FIELD,
    FORMAT_VERSION,
    SINGLE_TAG,
    content_digest,
    model_to_dict,
    save_model,
    write_artifact,
)
from pyclv._files import atomic_write
from pyclv._validation import examples, rows, show, warn
from pyclv.exceptions import DataValidationError, ModelFormatError
from pyclv.models import BaseModel, Encoding
from pyclv.models.registry import SHIPPED_MODELS, model_class

__all__ = [
    "FORMAT_VERSION",
    "ModelArtifact",
    "atomic_write",
    "load_artifact",
    "load_model",
    "load_models",
    "model_from_dict",
    "model_to_dict",
    "read_table",
    "save_model",
    "save_models",
    "write_manifest",
    "write_table",
]

_TABLE_SUFFIXES = (".csv", ".parquet", ".pq")

#: A model file is a few kB; anything beyond this is not one (and is not read into memory).
_MAX_ARTIFACT_BYTES = 64 * 2**20


def save_models(path: str | Path, /, *, lineage: Mapping[str, Any] | None = None, **models: BaseModel) -> None:
    """Write several fitted models, by role, into one JSON artifact.

    Parameters
    ----------
    path : str or pathlib.Path
        The file to write.
    lineage : mapping, optional
        What the models were fitted on (``pyclv fit`` records the input files' SHA-256, the observation end,
        the column names, the date rule, the time unit and the counts of rows and customers), stored as the
        artifact's ``lineage`` field and covered by its checksum. JSON-ready values only.
    **models : BaseModel
        Fitted models by role, e.g. ``transaction=..., spend=...`` (not ``lineage``).

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
    if lineage is not None:
        payload["lineage"] = dict(lineage)
    write_artifact(path, payload)


def _number(value: object, name: str, *, minimum: float | None = None, integer: bool = False) -> float:
    """``value`` as a float if it is a JSON number (an integer if ``integer``) of at least ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, int | float) or (integer and not isinstance(value, int)):
        raise ValueError(f"{name} is {show(value)}, not {'an integer' if integer else 'a number'}")
    if minimum is not None and not value >= minimum:
        raise ValueError(f"{name} is {show(value)}, below {minimum:g}")
    return float(value)


def _text(value: object, name: str) -> str | None:
    if value is not None and not isinstance(value, str):
        raise ValueError(f"{name} is {show(value)}, not text")
    return value


def _covariance(value: object, k: int) -> np.ndarray:
    """A k x k matrix of numbers or nulls (NaN) with no negative variance."""
    if not (isinstance(value, list) and len(value) == k and all(isinstance(r, list) and len(r) == k for r in value)):
        raise ValueError(f"the covariance is not a {k} x {k} matrix (a list of {k} lists of {k})")
    cov = np.array([[np.nan if c is None else _number(c, "a covariance entry") for c in row] for row in value])
    if np.any(np.diag(cov) < 0):
        raise ValueError(f"the covariance has a negative variance ({', '.join(map(show, np.diag(cov)))})")
    return cov


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
        For an unknown model type or a malformed entry: a missing field, a value of the wrong type (text for
        a number), a parameter outside its domain, a covariance of the wrong shape.
    """
    if not isinstance(spec, Mapping):
        raise ModelFormatError(f"A model entry must be a JSON object; got {type(spec).__name__}.")
    model_type = spec.get("model_type")
    klass = model_class(model_type)
    if klass is None:
        known = ", ".join(sorted(cls.__name__ for cls in SHIPPED_MODELS.values()))
        raise ModelFormatError(f"Unknown model type {model_type!r}; this pyclv knows: {known}.")
    try:
        params, settings = spec["params"], spec.get("settings", {})
        if not isinstance(params, Mapping) or not isinstance(settings, Mapping):
            raise ValueError("params and settings must be JSON objects")
        encodings = tuple(Encoding.from_dict(e) for e in spec.get("covariates") or [])
        parameters = klass.parameters_for(dict(settings), encodings)
        names = tuple(p.name for p in parameters)
        theta = np.array([_number(params[n], f"parameter {n}") for n in names])
        bad = [p.name for p, v in zip(parameters, theta, strict=True) if not p.contains(float(v))]
        if bad:
            raise ValueError(f"parameter(s) {', '.join(bad)} outside their domain")
        ll = spec.get("log_likelihood")
        n_customers = spec.get("n_customers", 0)
        _number(n_customers, "n_customers", minimum=0)
        return klass.from_estimates(
            theta=theta,
            covariance=_covariance(spec["covariance"], len(names)),
            settings=dict(settings),
            log_likelihood=np.nan if ll is None else _number(ll, "log_likelihood"),
            n_customers=n_customers,
            time_unit=_text(spec.get("time_unit"), "time_unit"),
            converged=_flag(spec.get("converged", True)),
            n_iterations=int(_number(spec.get("n_iterations", 0), "n_iterations", minimum=0, integer=True)),
            fit_seconds=_number(spec.get("fit_seconds", 0.0), "fit_seconds", minimum=0),
            fitted_at=_text(spec.get("fitted_at"), "fitted_at"),
            encodings=encodings,
            null_log_likelihood=_number(spec.get("null_log_likelihood") or np.nan, "null_log_likelihood"),
        )
    except KeyError as exc:
        raise ModelFormatError(f"The {model_type} entry of the model file is malformed: no field {exc}.") from exc
    except (AttributeError, TypeError, ValueError) as exc:
        reason = str(exc).rstrip(".")
        raise ModelFormatError(f"The {model_type} entry of the model file is malformed: {reason}.") from exc


def _flag(value: object) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"converged is {show(value)}, not true or false")
    return value


def _read_json(path: str | Path) -> dict[str, Any]:
    """The JSON object of a model file, its format, version and checksum checked."""
    path = Path(path)
    size = path.stat().st_size
    if size > _MAX_ARTIFACT_BYTES:
        raise ModelFormatError(f"{path} is not a pyclv model file ({size / 2**20:,.0f} MB; model files are a few kB).")

    def no_constants(name: str) -> None:
        raise ModelFormatError(f"{path} is not a pyclv model file (it holds {name}, which JSON does not allow).")

    try:
        payload = json.loads(path.read_bytes().decode("utf-8"), parse_constant=no_constants)
    except UnicodeDecodeError as exc:
        raise ModelFormatError(f"{path} is not a pyclv model file (not UTF-8 text: byte {exc.start}).") from exc
    except (json.JSONDecodeError, RecursionError) as exc:
        raise ModelFormatError(f"{path} is not a pyclv model file (invalid JSON: {exc}).") from exc
    if not isinstance(payload, dict) or payload.get("format") not in (SINGLE_TAG, BUNDLE_TAG):
        raise ModelFormatError(f"{path} is not a pyclv model file (no 'format' tag of a pyclv model).")
    version = payload.get("format_version")
    if version != FORMAT_VERSION:
        raise ModelFormatError(
            f"{path} has model format version {version!r}; this pyclv reads version {FORMAT_VERSION}. "
            "Refit the model with this version, or install the pyclv version that wrote it."
        )
    recorded = payload.get(CHECKSUM_FIELD)
    if recorded is None:
        warn(
            f"{path} has no checksum (it was written before pyclv recorded one), so corruption cannot be "
            "detected; save the models again to add one."
        )
    elif recorded != content_digest(payload):
        raise ModelFormatError(
            f"{path} is corrupt or was edited: its content does not match its checksum ({CHECKSUM_FIELD}). "
            "Write it again with 'pyclv fit' or save_models; do not edit model files by hand."
        )
    return payload


@dataclass(frozen=True)
class ModelArtifact:
    """A model file as read: its models, its identity and what they were fitted on.

    Attributes
    ----------
    models : dict
        Models by role (a single-model file gives ``{"model": model}``).
    sha256 : str
        The SHA-256 of the artifact's canonical content (its recorded checksum): the models' identity, the
        same for every copy of the file, even re-indented.
    lineage : dict or None
        What the models were fitted on (see :func:`save_models`); None if the file does not record it.
    """

    models: dict[str, BaseModel]
    sha256: str
    lineage: dict[str, Any] | None


def load_artifact(path: str | Path) -> ModelArtifact:
    """Read a model file with its identity (checksum) and lineage, all from one read of the file.

    Parameters
    ----------
    path : str or pathlib.Path
        A file written by :func:`save_models` or :func:`save_model`.

    Returns
    -------
    ModelArtifact
        Its models, SHA-256 and lineage.

    Raises
    ------
    ModelFormatError
        As :func:`load_models`, and for a lineage that is not a JSON object.
    """
    payload = _read_json(path)
    if payload["format"] == SINGLE_TAG:
        models = {"model": model_from_dict(payload)}
    else:
        specs = payload.get("models")
        if not isinstance(specs, dict) or not specs:
            raise ModelFormatError(f"{path} holds no models.")
        models = {role: model_from_dict(spec) for role, spec in specs.items()}
    lineage = payload.get("lineage")
    if lineage is not None and not isinstance(lineage, dict):
        raise ModelFormatError(f"{path}: its lineage is {type(lineage).__name__}, not a JSON object.")
    return ModelArtifact(models, payload.get(CHECKSUM_FIELD) or content_digest(payload), lineage)


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
    return load_artifact(path).models


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


def _check_finite(frame: pd.DataFrame, path: str | Path) -> None:
    """Refuse a table whose float columns hold NaN, infinities or missing values."""
    bad_columns: list[tuple[str, np.ndarray, np.ndarray]] = []
    for position, name in enumerate(frame.columns):
        column = frame.iloc[:, position]
        if pd.api.types.is_float_dtype(column.dtype):
            values = column.to_numpy(dtype=float, na_value=np.nan)
            mask = ~np.isfinite(values)
            if mask.any():
                bad_columns.append((str(name), mask, values))
    if not bad_columns:
        return
    name, mask, values = bad_columns[0]
    n_bad = int(np.count_nonzero(mask))
    others = f" (and in column(s) {', '.join(repr(c) for c, _, _ in bad_columns[1:])})" if bad_columns[1:] else ""
    shown = examples(frame.index, mask, values)
    raise DataValidationError(
        f"{path}: column {name!r} has {rows(n_bad)} with NaN or infinite values, e.g. {shown}{others}; "
        "pyclv writes only finite numbers. Find out where they come from, or drop those rows, then write the "
        "table again.",
        column=name,
        n_rows=n_bad,
    )


def write_table(frame: pd.DataFrame, path: str | Path, *, index: bool = True) -> None:
    """Write ``frame`` as CSV or Parquet (by suffix), atomically and deterministically.

    The same table gives the same bytes on every run (for a given pyarrow version): Parquet carries no time
    stamp, and CSV writes floats in their shortest form that reads back to the same number, with Unix
    line ends.

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
    DataValidationError
        If a float column holds NaN or infinite values (nothing is written).
    """
    suffix = _table_suffix(path)
    _check_finite(frame, path)
    if suffix == ".csv":
        atomic_write(path, lambda tmp: frame.to_csv(tmp, index=index, lineterminator="\n", encoding="utf-8"))
    else:
        atomic_write(path, lambda tmp: frame.to_parquet(tmp, index=index, engine="pyarrow", compression="snappy"))


def write_manifest(path: str | Path, manifest: Mapping[str, Any]) -> None:
    """Write a run manifest as indented JSON (no NaN), atomically.

    The command line writes it after the output it describes: a reader that finds the manifest knows that the
    output is complete (and can check it against the manifest's ``output.sha256``).

    Parameters
    ----------
    path : str or pathlib.Path
        The file to write, e.g. ``scores.parquet.manifest.json``.
    manifest : mapping
        JSON-ready content, written in its own order.

    Returns
    -------
    None

    Raises
    ------
    ValueError
        If the content holds NaN or infinities (not JSON).
    """
    text = json.dumps(manifest, indent=2, allow_nan=False, ensure_ascii=False)
    atomic_write(path, lambda tmp: tmp.write_text(text + "\n", encoding="utf-8"))
