"""The rules of a per-customer summary handed to a model, and of fit weights."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from pyclv._validation.logs import require_columns
from pyclv._validation.wording import N_EXAMPLES, examples, rows, show
from pyclv.exceptions import DataValidationError

__all__ = [
    "RECENCY_RTOL",
    "Summary",
    "check_finite_output",
    "check_time_unit_of",
    "check_unique_ids",
    "float_column",
    "reject",
    "resolve_weights",
    "validate_summary",
]

#: Relative tolerance of the check recency <= T (summaries read from rounded files may differ slightly).
RECENCY_RTOL = 1e-9


class Summary(NamedTuple):
    """A validated RFM summary as float64 arrays, returned by :func:`validate_summary`.

    Attributes
    ----------
    frequency, recency, T : numpy.ndarray
        The repeat-transaction count, the time of the last purchase and the customer's age (float64).
    index : pandas.Index
        The summary's index (customer ids), to label predictions.
    monetary_value : numpy.ndarray or None
        The mean repeat-transaction amount (float64), when requested.
    """

    frequency: np.ndarray
    recency: np.ndarray | None
    T: np.ndarray | None
    index: pd.Index  # type: ignore[assignment]  # the field shadows tuple.index, deliberately
    monetary_value: np.ndarray | None = None


def float_column(data: pd.DataFrame, column: str) -> np.ndarray:
    """A numeric column as float64 (no copy if it already is one).

    Parameters
    ----------
    data : pandas.DataFrame
        The table.
    column : str
        The column's name.

    Returns
    -------
    numpy.ndarray
        The values as float64.

    Raises
    ------
    DataValidationError
        If the column is not numeric.
    """
    series = data[column]
    if pd.api.types.is_bool_dtype(series.dtype) or not pd.api.types.is_numeric_dtype(series.dtype):
        raise DataValidationError(
            f"Column {column!r} must be numeric but has dtype {series.dtype} ({rows(len(series))}). Convert it with "
            f"pd.to_numeric, or rebuild the summary with pyclv.rfm_summary.",
            column=column,
            n_rows=len(series),
        )
    if series.dtype == np.float64:
        return np.asarray(series, dtype=np.float64)
    return series.to_numpy(dtype=np.float64, na_value=np.nan)


def reject(bad: np.ndarray, column: str, index: pd.Index, what: str, todo: str, values: Any = None) -> None:
    """Raise a DataValidationError if any row is flagged in ``bad``.

    Parameters
    ----------
    bad : numpy.ndarray
        Boolean, True for the offending rows.
    column : str
        The column the rule is about.
    index : pandas.Index
        The rows' labels (customer ids), for the examples.
    what : str
        What is wrong with them ("negative values").
    todo : str
        What to do about it.
    values : array-like or dict, optional
        Values to show beside the examples (see :func:`examples`).

    Raises
    ------
    DataValidationError
        If any row is bad.
    """
    if bad.any():
        n = int(np.count_nonzero(bad))
        raise DataValidationError(
            f"Column {column!r} has {rows(n)} with {what} (customers {examples(index, bad, values)}). {todo}",
            column=column,
            n_rows=n,
        )


def validate_summary(
    data: pd.DataFrame,
    *,
    columns: Sequence[str] = ("frequency", "recency", "T"),
    require_monetary: bool = False,
    history: bool = True,
    time_unit: str | None = None,
    unique_ids: bool = False,
) -> Summary:
    """Check an RFM summary before a model fits or predicts on it, and return its columns as arrays.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per customer, e.g. from :func:`pyclv.rfm_summary` or :func:`pyclv.datasets.load_cdnow_summary`.
    columns : sequence of three str, default ("frequency", "recency", "T")
        Names of the frequency, recency and T columns, in that order.
    require_monetary : bool, default False
        Also require and check a ``monetary_value`` column (finite, >= 0).
    history : bool, default True
        Require and check the recency and T columns. A spend model needs only frequency and monetary value:
        with ``history=False`` those two are checked and ``recency`` and ``T`` are returned as ``None``.
    time_unit : str, optional
        The time unit the caller (a fitted model) works in: the summary must declare the same one in
        ``attrs["time_unit"]`` (see :func:`check_time_unit_of`). None checks no unit.
    unique_ids : bool, default False
        Refuse a summary whose index repeats a customer id (predictions return one row per customer).

    Returns
    -------
    Summary
        A named tuple ``(frequency, recency, T, index, monetary_value)`` of float64 arrays (no copy for
        float64 columns), the index of ``data``, and the monetary values (``None`` unless
        ``require_monetary``).

    Raises
    ------
    DataValidationError
        If ``data`` is not a non-empty DataFrame; if a column is missing or non-numeric; if a value is
        NaN or infinite or negative; if ``frequency`` is not a whole number; if ``recency`` exceeds ``T``
        (relative tolerance 1e-9); if a customer without repeat purchases (``frequency`` 0) has a
        ``recency`` other than 0. The error names the column, counts the bad rows and shows up to three
        customer ids. With ``time_unit``, if the summary's unit is unknown or different; with ``unique_ids``, if
        an id repeats.

    Notes
    -----
    A customer with ``frequency`` > 0 and ``recency`` 0 is allowed: it cannot arise when same-day purchases
    are merged, as :func:`pyclv.rfm_summary` does, but summaries built elsewhere (e.g. by lifetimes) contain it
    and the models' likelihoods are defined there.

    Examples
    --------
    >>> from pyclv.data import validate_summary
    >>> from pyclv.datasets import load_cdnow_summary
    >>> checked = validate_summary(load_cdnow_summary(), require_monetary=True)
    >>> checked.frequency.shape, checked.monetary_value.dtype
    ((2357,), dtype('float64'))
    """
    if not isinstance(data, pd.DataFrame):
        raise DataValidationError(
            f"The summary must be a pandas DataFrame with one row per customer; got {type(data).__name__}. "
            f"Build one with pyclv.rfm_summary."
        )
    names = list(columns)
    if len(names) != 3:
        raise ValueError(f"columns must name the frequency, recency and T columns (three names); got {columns!r}.")
    required = (names if history else names[:1]) + (["monetary_value"] if require_monetary else [])
    monetary_hint = " (with monetary_value_col=...)" if "monetary_value" not in data.columns else ""
    require_columns(
        list(data.columns),
        required,
        what="The summary",
        todo=f"Build the summary with pyclv.rfm_summary{monetary_hint}, or rename its columns.",
    )
    if len(data) == 0:
        raise DataValidationError(
            "The summary has no customers. Check the filter or the period that produced it.",
            column=names[0],
            n_rows=0,
        )
    index = data.index
    if unique_ids:
        check_unique_ids(index)
    if time_unit is not None:
        check_time_unit_of(data, time_unit, column=names[2] if history else names[0])
    arrays = {name: float_column(data, name) for name in required}
    for name, values in arrays.items():
        _check_finite_and_non_negative(values, name, index)
    f_col, r_col, t_col = names
    frequency = arrays[f_col]
    reject(
        frequency != np.floor(frequency),
        f_col,
        index,
        "non-integer frequencies",
        "Frequency counts repeat transactions and must be a whole number.",
        frequency,
    )
    if not history:
        return Summary(frequency, None, None, index, arrays.get("monetary_value"))
    recency, T = arrays[r_col], arrays[t_col]
    _check_recency(frequency, recency, T, names, index)
    return Summary(frequency, recency, T, index, arrays["monetary_value"] if require_monetary else None)


def check_time_unit_of(data: pd.DataFrame, time_unit: str, *, column: str) -> None:
    """Refuse data whose declared time unit (``attrs["time_unit"]``) is missing or differs from ``time_unit``.

    pyclv never rescales time, and never guesses it: a summary read back from CSV (or rebuilt by a tool that drops
    ``DataFrame.attrs``) no longer says its unit, and a model fitted in weeks would read its days as weeks. Parquet
    files written by pandas keep ``attrs``; for the rest, :func:`pyclv.with_time_unit` declares the unit.

    Parameters
    ----------
    data : pandas.DataFrame
        The summary.
    time_unit : str
        The unit it must be in (the model's ``time_unit_``).
    column : str
        The column the unit is about (``T``, or ``periods``), for the error.

    Raises
    ------
    DataValidationError
        If the data declare no unit or another one.
    """
    unit = data.attrs.get("time_unit")
    if unit == time_unit:
        return
    builder = {"periods": "survivors_to_data", "n_periods": "discrete_summary"}.get(column, "rfm_summary")
    rebuild = f"pyclv.{builder}(..., time_unit={time_unit!r})"
    if unit is None:
        raise DataValidationError(
            f"The data do not declare their time unit (attrs['time_unit'] is missing, e.g. after a CSV round trip) "
            f"and the model was fitted in {time_unit!r}, so column {column!r} cannot be read safely. If it is in "
            f"{time_unit!r}, declare it: data = pyclv.with_time_unit(data, {time_unit!r}); otherwise rebuild the "
            f"data with {rebuild}. Parquet files keep the unit.",
            column=column,
            n_rows=len(data),
        )
    raise DataValidationError(
        f"The data are in time unit {unit!r} but the model was fitted in {time_unit!r} (column {column!r}); rebuild "
        f"them with {rebuild}. pyclv never rescales time silently.",
        column=column,
        n_rows=len(data),
    )


def check_unique_ids(index: pd.Index) -> None:
    """Refuse an index that repeats a customer id (each customer is one row of a prediction).

    Parameters
    ----------
    index : pandas.Index
        The summary's index.

    Raises
    ------
    DataValidationError
        Naming the index, counting the repeated ids and showing some.
    """
    if index.is_unique:
        return
    repeated = index.duplicated(keep=False)
    ids = index[repeated].unique()
    name = index.name if index.name is not None else "index"
    raise DataValidationError(
        f"The index ({name!r}) repeats {len(ids):,} customer id(s) over {rows(int(repeated.sum()))} (e.g. "
        f"{', '.join(show(i) for i in ids[:N_EXAMPLES])}{', ...' if len(ids) > N_EXAMPLES else ''}); predictions "
        "give one row per customer. Summarise the transactions with pyclv.rfm_summary (one row per customer), "
        "or drop the duplicates (data[~data.index.duplicated()]).",
        column=str(name),
        n_rows=len(ids),
    )


def check_finite_output(values: np.ndarray, name: str, index: pd.Index, todo: str) -> None:
    """Refuse a prediction that is not finite (NaN or infinite) for some customers.

    Parameters
    ----------
    values : numpy.ndarray
        One value per customer.
    name : str
        The output column (``clv``, ``expected_spend``...).
    index : pandas.Index
        The customers, for the examples.
    todo : str
        What the user can do about it.

    Raises
    ------
    DataValidationError
        Naming the column, counting the customers and showing some of their ids.
    """
    finite = np.isfinite(values)
    if finite.all():
        return
    bad = ~finite
    n = int(np.count_nonzero(bad))
    raise DataValidationError(
        f"Column {name!r} of the predictions is not finite for {n:,} customer(s) ({examples(index, bad, values)}). "
        f"{todo}",
        column=name,
        n_rows=n,
    )


def _check_recency(
    frequency: np.ndarray, recency: np.ndarray, T: np.ndarray, names: Sequence[str], index: pd.Index
) -> None:
    """Recency within [0, T] (relative tolerance :data:`RECENCY_RTOL`), and 0 without repeat purchases."""
    f_col, r_col, t_col = names
    reject(
        recency > T + RECENCY_RTOL * T,
        r_col,
        index,
        f"{r_col} > {t_col}",
        f"Recency (first to last purchase) cannot exceed {t_col} (first purchase to the end of the period): "
        f"check that both are in the same time unit and measured from the first purchase.",
        {r_col: recency, t_col: T},
    )
    reject(
        (frequency == 0) & (recency != 0),
        r_col,
        index,
        f"{f_col} 0 but {r_col} other than 0",
        "A customer without repeat purchases has recency 0: rebuild the summary with pyclv.rfm_summary.",
        recency,
    )


def _check_finite_and_non_negative(values: np.ndarray, name: str, index: pd.Index) -> None:
    reject(np.isnan(values), name, index, "missing (NaN) values", "Drop these customers or fill them in.")
    reject(np.isinf(values), name, index, "infinite values", "Correct or drop these customers.", values)
    reject(
        values < 0,
        name,
        index,
        "negative values",
        "Summaries are counts, durations and amounts and cannot be negative: rebuild the summary with "
        "pyclv.rfm_summary.",
        values,
    )


def resolve_weights(data: pd.DataFrame, weights: np.ndarray | pd.Series | str | Sequence[float] | None) -> np.ndarray:
    """Weights as a float64 array aligned to the rows of ``data``, validated.

    Parameters
    ----------
    data : pandas.DataFrame
        The summary the weights belong to.
    weights : array-like, pandas.Series, str or None
        How many customers each row stands for: an array aligned to the rows, a Series aligned to the index,
        the name of a column of ``data``, or None (one each).

    Returns
    -------
    numpy.ndarray
        One finite weight >= 0 per row.

    Raises
    ------
    DataValidationError
        If the weights cannot be aligned, or some are missing, non-numeric, infinite or negative.
    """
    if weights is None:
        return np.ones(len(data))
    name = weights if isinstance(weights, str) else "weights"
    values = _weight_values(data, weights)
    arr = pd.to_numeric(pd.Series(np.asarray(values).ravel()), errors="coerce").to_numpy(dtype=float)
    if arr.shape[0] != len(data):
        raise DataValidationError(f"weights has {arr.shape[0]} values for {len(data)} rows of data.", column=name)
    bad = ~np.isfinite(arr) | (arr < 0)
    if bad.any():
        raise DataValidationError(
            f"Column {name!r}: {int(bad.sum())} weight(s) are missing, non-numeric, infinite or negative; "
            "weights must be finite counts >= 0.",
            column=name,
            n_rows=int(bad.sum()),
        )
    return arr


def _weight_values(data: pd.DataFrame, weights: np.ndarray | pd.Series | str | Sequence[float]) -> Any:
    if isinstance(weights, str):
        if weights not in data.columns:
            raise DataValidationError(
                f"weights={weights!r} names no column of the data (columns: {', '.join(map(str, data.columns))}).",
                column=weights,
            )
        return data[weights]
    if isinstance(weights, pd.Series) and not weights.index.equals(data.index):
        if not weights.index.is_unique or not data.index.isin(weights.index).all():
            raise DataValidationError(
                "The weights Series must be indexed like the data (one weight per customer id).",
                column="weights",
            )
        return weights.reindex(data.index)
    return weights
