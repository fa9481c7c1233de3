"""Writing model artifacts: a fitted model as a versioned JSON object with its checksum, written atomically.

This module knows the format, not the models: it reads a model through its public attributes only, so the
models can save themselves without importing :mod:`pyclv.io` (which reads artifacts back and so needs the
list of shipped models).

The checksum (field ``sha256``) is the SHA-256 of the artifact's canonical content: every other field, as
compact JSON with sorted keys (:func:`content_digest`). It is computed on the parsed content, not the bytes,
so a file re-indented by a tool still matches, while any changed value, a truncation or a lost field does
not. It guards against corruption and edits by hand, not against a forger (who can recompute it; that would
take a signature with a secret key).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd

from pyclv._files import atomic_write
from pyclv._version import __version__

__all__ = [
    "BUNDLE_TAG",
    "CHECKSUM_FIELD",
    "FORMAT_VERSION",
    "SINGLE_TAG",
    "FittedModel",
    "content_digest",
    "model_to_dict",
    "save_model",
    "write_artifact",
]

#: Version of the JSON model format written by this pyclv.
FORMAT_VERSION = 1
SINGLE_TAG = "pyclv-model"
BUNDLE_TAG = "pyclv-models"
#: The field that holds the SHA-256 of the rest of the artifact (see :func:`content_digest`).
CHECKSUM_FIELD = "sha256"


class FittedModel(Protocol):
    """What an artifact records of a model (every pyclv model has these once fitted)."""

    params_: pd.Series
    covariance_: pd.DataFrame
    log_likelihood_: float
    n_customers_: float
    time_unit_: str | None
    converged_: bool
    n_iterations_: int
    fit_seconds_: float
    fitted_at_: str | None

    def get_params(self, deep: bool = True) -> dict[str, Any]: ...

    def check_fitted(self) -> None: ...


def model_to_dict(model: FittedModel) -> dict[str, Any]:
    """The model as a JSON-ready dict (its class name, settings, estimates and fit record).

    Parameters
    ----------
    model : FittedModel
        A fitted pyclv model.

    Returns
    -------
    dict

    Raises
    ------
    NotFittedError
        If the model is not fitted.
    """
    model.check_fitted()
    cov = model.covariance_.to_numpy()
    ll = model.log_likelihood_
    return {
        "model_type": type(model).__name__,
        "settings": model.get_params(),
        "params": {k: float(v) for k, v in model.params_.items()},
        "covariance": [[None if not np.isfinite(c) else float(c) for c in row] for row in cov],
        "log_likelihood": None if not np.isfinite(ll) else ll,
        "n_customers": model.n_customers_,
        "time_unit": model.time_unit_,
        "converged": model.converged_,
        "n_iterations": model.n_iterations_,
        "fit_seconds": model.fit_seconds_,
        "fitted_at": model.fitted_at_,
        "pyclv_version": __version__,
        **_covariates_of(model),
    }


def _covariates_of(model: FittedModel) -> dict[str, Any]:
    """A model with covariates also records how it encodes them and its log-likelihood without them."""
    encodings = getattr(model, "covariate_encodings_", None)
    if not encodings:
        return {}
    null = float(getattr(model, "null_log_likelihood_", np.nan))
    return {
        "covariates": [enc.to_dict() for enc in encodings],
        "null_log_likelihood": None if not np.isfinite(null) else null,
    }


def content_digest(payload: Mapping[str, Any]) -> str:
    """The SHA-256 of an artifact's canonical content: every field but the checksum, as compact sorted JSON.

    Parameters
    ----------
    payload : mapping
        The artifact's JSON object, with or without its checksum field.

    Returns
    -------
    str
        64 hexadecimal digits.

    Raises
    ------
    ValueError
        If the content holds NaN or infinities (not JSON).
    """
    content = {key: value for key, value in payload.items() if key != CHECKSUM_FIELD}
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False)
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()


def write_artifact(path: str | Path, payload: Mapping[str, Any]) -> None:
    """Write ``payload`` with its checksum as indented JSON (no NaN), atomically.

    Parameters
    ----------
    path : str or pathlib.Path
        The file to write.
    payload : mapping
        JSON-ready content, starting with its format tag and version.

    Returns
    -------
    None
    """
    head = {key: payload[key] for key in ("format", "format_version") if key in payload}
    rest = {key: value for key, value in payload.items() if key != CHECKSUM_FIELD}
    as_read = json.loads(json.dumps(rest, allow_nan=False))  # what a reader hashes: tuples as lists, keys as text
    signed = {**head, CHECKSUM_FIELD: content_digest(as_read), **rest}
    text = json.dumps(signed, indent=2, allow_nan=False)
    atomic_write(path, lambda tmp: tmp.write_text(text + "\n", encoding="utf-8"))


def save_model(model: FittedModel, path: str | Path) -> None:
    """Write one fitted model as versioned JSON (parameters, covariance, LL, n, time unit, versions).

    Parameters
    ----------
    model : FittedModel
        A fitted pyclv model.
    path : str or pathlib.Path
        The file to write.

    Returns
    -------
    None
    """
    write_artifact(path, {"format": SINGLE_TAG, "format_version": FORMAT_VERSION, **model_to_dict(model)})
