"""Property-based attacks on the pipeline: any log, any summary, any parameters.

Valid input gives finite, consistent results, the same from every engine; invalid input gives a
DataValidationError (or a ConvergenceError for a fit), never another exception and never a silent NaN.
"""

from __future__ import annotations

import datetime
import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pyclv
from pyclv.engines import duckdb as duckdb_engine
from pyclv.exceptions import ConvergenceError, DataValidationError, PyCLVWarning

FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

START = datetime.date(2020, 1, 1)

#: Date cells: mostly ISO 8601 days and times, sometimes text that is not a date by the default rule.
DATES = st.one_of(
    st.integers(0, 400).map(lambda d: str(START + datetime.timedelta(days=d))),
    st.integers(0, 400).map(lambda d: f"{START + datetime.timedelta(days=d)}T{d % 24:02d}:15:00"),
    st.sampled_from(["", "31/12/2020", "2020-02-30", "yesterday", "0001-01-01", "2020-1-5"]),
)
#: Amount cells: mostly plain numbers, sometimes what exports produce.
AMOUNTS = st.one_of(
    st.floats(0.0, 1e6, allow_nan=False).map(lambda x: f"{x:.2f}"),
    st.sampled_from(["0", "$3.50", "1,5", "-2", "nan", "inf", "1e300", ""]),
)
ROWS = st.lists(st.tuples(st.integers(1, 30).map(str), DATES, AMOUNTS), min_size=1, max_size=60)


def _frame(rows: list[tuple[str, str, str]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["customer_id", "date", "amount"])
    return frame.replace("", None)


def _outcome(call: Any) -> pd.DataFrame | str:
    """The summary, or the message of the DataValidationError; any other exception fails the test."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", PyCLVWarning)
            return call()
    except DataValidationError as error:
        assert "\n" not in str(error) and error.column is not None or "empty" in str(error)
        return str(error)


@FUZZ
@given(rows=ROWS, end=st.integers(0, 420))
def test_any_log_gives_a_valid_summary_or_a_clear_error_and_every_engine_agrees(
    rows: list[tuple[str, str, str]], end: int, tmp_path_factory: pytest.TempPathFactory
) -> None:
    frame = _frame(rows)
    end_date = str(START + datetime.timedelta(days=end))
    kwargs = {"monetary_value_col": "amount", "observation_period_end": end_date, "time_unit": "W"}
    from_pandas = _outcome(lambda: pyclv.rfm_summary(frame, **kwargs))
    path = tmp_path_factory.mktemp("fuzz") / "tx.csv"
    frame.to_csv(path, index=False)
    from_duckdb = _outcome(lambda: duckdb_engine.rfm_summary(path, threads=2, **kwargs))
    if isinstance(from_pandas, str):
        assert from_duckdb == from_pandas  # the same refusal, word for word
        return
    assert isinstance(from_duckdb, pd.DataFrame)
    # the CSV's ids come back as integers (the DataFrame's are text); the values are the same bits
    from_duckdb.index = from_duckdb.index.astype(str)
    pd.testing.assert_frame_equal(from_duckdb.loc[from_pandas.index], from_pandas, check_exact=True)
    summary = from_pandas
    assert summary.index.is_unique and summary.index.is_monotonic_increasing
    values = summary.to_numpy()
    assert np.isfinite(values).all() and (values >= 0).all()
    assert (summary["recency"] <= summary["T"]).all()
    assert (summary["frequency"] == np.floor(summary["frequency"])).all()
    assert ((summary["frequency"] == 0) == (summary["monetary_value"] == 0) | (summary["frequency"] == 0)).all()


SUMMARIES = st.lists(
    st.tuples(st.integers(0, 40), st.floats(0.0, 1.0), st.floats(0.5, 200.0), st.floats(0.01, 500.0)),
    min_size=5,
    max_size=80,
)


def _summary(rows: list[tuple[int, float, float, float]]) -> pd.DataFrame:
    frequency = np.array([r[0] for r in rows], dtype=float)
    T = np.array([r[2] for r in rows])
    recency = np.where(frequency > 0, np.array([r[1] for r in rows]) * T, 0.0)
    monetary = np.where(frequency > 0, np.array([r[3] for r in rows]), 0.0)
    summary = pd.DataFrame({"frequency": frequency, "recency": recency, "T": T, "monetary_value": monetary})
    return pyclv.with_time_unit(summary, "W")


@settings(FUZZ, max_examples=12)  # three fits per example, on data made to be awkward
@given(rows=SUMMARIES)
def test_fits_on_any_summary_converge_to_finite_values_or_say_why(rows: list[tuple[int, float, float, float]]) -> None:
    summary = _summary(rows)
    for model in (pyclv.BetaGeo(), pyclv.ModifiedBetaGeo(), pyclv.ParetoNBD()):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", PyCLVWarning)
                model.fit(summary)
        except (ConvergenceError, DataValidationError) as error:  # e.g. no repeat purchase at all
            assert str(error) and "\n" not in str(error).split(". ")[0]
            continue
        assert np.isfinite(model.params_.to_numpy()).all() and (model.params_ > 0).all()
        assert np.isfinite(model.log_likelihood_)
        p = model.p_alive(summary)
        assert np.isfinite(p).all() and ((p >= 0) & (p <= 1)).all()


@FUZZ
@given(
    rows=SUMMARIES,
    params=st.tuples(*(st.floats(0.05, 50.0) for _ in range(4))),
    spend=st.tuples(st.floats(0.5, 20.0), st.floats(1.1, 20.0), st.floats(0.5, 50.0)),
    horizon=st.one_of(st.floats(0.5, 520.0), st.just(np.inf)),
    rate=st.floats(-0.5, 0.5),
)
def test_score_with_any_parameters_is_finite_or_refused(
    rows: list[tuple[int, float, float, float]],
    params: tuple[float, float, float, float],
    spend: tuple[float, float, float],
    horizon: float,
    rate: float,
) -> None:
    summary = _summary(rows)
    r, alpha, a, b = params
    transaction = pyclv.BetaGeo.from_params(r=r, alpha=alpha, a=a, b=b, time_unit="W")
    spend_model = pyclv.GammaGamma.from_params(p=spend[0], q=spend[1], v=spend[2])
    try:
        table = pyclv.score(transaction, spend_model, summary, horizon=horizon, annual_discount_rate=rate)
    except DataValidationError as error:
        assert error.column is not None  # e.g. an infinite horizon without a positive rate
        assert np.isinf(horizon) and rate <= 0 or "finite" in str(error)
        return
    numbers = table.select_dtypes("number").to_numpy()
    assert np.isfinite(numbers).all()
    assert ((table["p_alive"] >= 0) & (table["p_alive"] <= 1)).all()
    assert (table["expected_purchases_30d"] <= table["expected_purchases_90d"] + 1e-12).all()
