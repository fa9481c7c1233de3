"""The exceptions and warnings that pyclv raises.

Every error derives from :class:`PyCLVError`; every warning from :class:`PyCLVWarning`, so a user can
filter all of pyclv's warnings with one line. The package never changes the global warning filters.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "ConvergenceError",
    "CovariatesNotSupportedError",
    "DataValidationError",
    "ModelFormatError",
    "NotFittedError",
    "PyCLVError",
    "PyCLVWarning",
]


class PyCLVError(Exception):
    """Base class of every error raised by pyclv."""


class NotFittedError(PyCLVError, ValueError, AttributeError):
    """A model was used for prediction before it was fitted (or built with ``from_params``)."""


class DataValidationError(PyCLVError, ValueError):
    """Input data failed validation.

    Parameters
    ----------
    message : str
        What is wrong and what to do about it.
    column : str, optional
        The offending column.
    n_rows : int, optional
        How many rows are affected.
    """

    def __init__(self, message: str, *, column: str | None = None, n_rows: int | None = None) -> None:
        super().__init__(message)
        self.column = column
        self.n_rows = n_rows


class ConvergenceError(PyCLVError, RuntimeError):
    """Maximum-likelihood estimation failed to converge.

    The message carries a short checklist of what to try (in terms of the Python API); ``reason`` holds the
    message without it (the command line adds its own, in terms of its options) and ``result`` the optimizer's
    result.

    Parameters
    ----------
    message : str
        What failed; the checklist is appended.
    result : scipy.optimize.OptimizeResult, optional
        The optimizer's result.
    """

    CHECKLIST = (
        "What to try: (1) check the summary for implausible rows (recency > T, huge frequencies); "
        "(2) refit with a small penalizer, e.g. penalizer=0.001; "
        "(3) change the time unit (weeks instead of days) so the scale parameter is moderate; "
        "(4) pass explicit starting values with fit(..., initial_params={...})."
    )

    def __init__(self, message: str, *, result: Any = None) -> None:
        super().__init__(f"{message} {self.CHECKLIST}")
        self.reason = message
        self.result = result


class ModelFormatError(PyCLVError, ValueError):
    """A saved model file cannot be read: unknown format version, model type or missing fields."""


class CovariatesNotSupportedError(PyCLVError, TypeError):
    """A function that works with one parameter vector for every customer was given a model with covariates."""


class PyCLVWarning(UserWarning):
    """Base class of every warning issued by pyclv."""
