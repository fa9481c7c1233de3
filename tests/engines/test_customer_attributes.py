"""Covariates read from a transaction log: each customer's values in its first transaction, the same by every engine.

The Spark engine's answers on the same log are in tests/engines/test_spark.py (which holds the Spark session).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pyclv import data
from pyclv.engines._base import typed_text
from pyclv.exceptions import DataValidationError, PyCLVWarning


def attribute_log() -> pd.DataFrame:
    """A small log whose first days hold ties, missing values, and a customer who starts after the end."""
    rows = [
        # customer 1: two transactions on its first day (the smallest value of each column wins), then another
        (1, "2020-01-01", 10.0, "web", 30, 1.5, True),
        (1, "2020-01-01", 5.0, "store", 25, np.nan, False),
        (1, "2020-02-01", 7.0, "app", 99, 9.0, True),
        # customer 2: one transaction
        (2, "2020-01-05", 3.0, "web", 40, 2.25, True),
        # customer 3: its first transaction is after the end, so it is not in the summary
        (3, "2020-03-01", 1.0, "app", 50, 3.0, False),
        # customer 4: a missing value on its first day is passed over for the other transaction's
        (4, "2020-01-10", 2.0, None, 20, 0.5, True),
        (4, "2020-01-10", 4.0, "app", 21, 0.75, True),
        # customer 5: its later transaction (another channel) does not change its first value
        (5, "2020-02-10", 6.0, "web", 35, 1.0, False),
        (5, "2020-02-12", 6.0, "store", 36, 1.0, False),
    ]
    return pd.DataFrame(rows, columns=["customer_id", "date", "amount", "channel", "age", "score", "member"])


#: The first values of customers 1, 2, 4, 5 up to 2020-02-15.
EXPECTED = pd.DataFrame(
    {
        "channel": pd.array(["store", "web", "app", "web"], dtype="str"),
        "age": np.array([25, 40, 20, 35], dtype=np.int64),
        "score": [1.5, 2.25, 0.5, 1.0],
    },
    index=pd.Index([1, 2, 4, 5], name="customer_id"),
)

COVARIATES = ["channel", "age", "score"]
END = "2020-02-15"


def _source(engine: str, frame: pd.DataFrame, folder: Path) -> pd.DataFrame | Path:
    if engine == "pandas":
        return frame
    path = folder / f"tx.{engine}"
    if engine == "parquet":
        frame.to_parquet(path)
    else:
        frame.to_csv(path, index=False)
    return path


def _summary(source: pd.DataFrame | Path, covariates: list[str], **kwargs: object) -> pd.DataFrame:
    with pytest.warns(PyCLVWarning, match="after observation_period_end"):
        return data.rfm_summary(
            source, monetary_value_col="amount", observation_period_end=END, covariate_cols=covariates, **kwargs
        )


@pytest.mark.parametrize("engine", ["pandas", "parquet", "csv"])
def test_first_values_of_every_engine(engine: str, tmp_path: Path) -> None:
    summary = _summary(_source(engine, attribute_log(), tmp_path), COVARIATES)
    assert list(summary.columns) == ["frequency", "recency", "T", "monetary_value", *COVARIATES]
    pd.testing.assert_frame_equal(summary[COVARIATES], EXPECTED, check_exact=True)
    # the summary's own columns are those without covariates
    plain = data.rfm_summary(attribute_log(), monetary_value_col="amount", observation_period_end="2020-03-01")
    assert summary["frequency"].tolist() == plain.loc[[1, 2, 4, 5], "frequency"].tolist()


@pytest.mark.parametrize("engine", ["pandas", "parquet"])
def test_booleans_and_categoricals_keep_their_type(engine: str, tmp_path: Path) -> None:
    frame = attribute_log()
    frame["tier"] = pd.Categorical(["gold", "basic", "gold", "gold", "gold", "basic", "gold", "gold", "gold"],
                                   categories=["gold", "basic"])
    summary = _summary(_source(engine, frame, tmp_path), ["member", "tier"])
    assert summary["member"].dtype == bool
    assert summary["member"].tolist() == [False, True, True, False]
    if engine == "pandas":  # by the order of the categories: gold before basic
        assert summary["tier"].dtype == frame["tier"].dtype
        assert summary["tier"].tolist() == ["gold", "gold", "gold", "gold"]


@pytest.mark.parametrize("engine", ["pandas", "parquet", "csv"])
def test_calibration_split_carries_the_cohort_first_values(engine: str, tmp_path: Path) -> None:
    with pytest.warns(PyCLVWarning):
        split = data.calibration_holdout_split(
            _source(engine, attribute_log(), tmp_path), calibration_period_end="2020-01-31",
            observation_period_end=END, covariate_cols=["channel"],
        )
    assert split.index.tolist() == [1, 2, 4]  # customer 5 starts in the holdout
    assert split["channel"].tolist() == ["store", "web", "app"]
    assert split["frequency_holdout"].tolist() == [1.0, 0.0, 0.0]


@pytest.mark.parametrize("engine", ["pandas", "parquet", "csv"])
def test_a_missing_first_value_is_refused_with_the_customers(engine: str, tmp_path: Path) -> None:
    frame = attribute_log()
    frame.loc[frame["customer_id"] == 2, "channel"] = None
    frame.loc[(frame["customer_id"] == 4) & (frame["channel"] == "app"), "channel"] = None
    with pytest.raises(DataValidationError, match=r"no value in the first transaction of 2 customer") as err:
        _summary(_source(engine, frame, tmp_path), ["channel"])
    assert err.value.column == "channel" and err.value.n_rows == 2
    assert "e.g. 2, 4" in str(err.value)


@pytest.mark.parametrize("engine", ["pandas", "parquet", "csv"])
def test_a_missing_column_is_named(engine: str, tmp_path: Path) -> None:
    with pytest.raises(DataValidationError, match="region") as err:
        data.rfm_summary(_source(engine, attribute_log(), tmp_path), covariate_cols=["channel", "region"])
    assert "covariate_cols" in str(err.value)
    assert "\n" not in str(err.value)


def test_covariate_cols_must_be_a_list_of_names() -> None:
    with pytest.raises(DataValidationError, match="list of column names"):
        data.rfm_summary(attribute_log(), covariate_cols="channel")  # type: ignore[arg-type]


def test_text_ids_and_text_covariates_sort_by_code_point(tmp_path: Path) -> None:
    frame = pd.DataFrame({
        "customer_id": ["b", "a", "a", "é"],
        "date": ["2020-01-02", "2020-01-01", "2020-01-01", "2020-01-03"],
        "channel": ["x", "Web", "web", "é"],  # upper case sorts first, by code point
    })
    expected = data.rfm_summary(frame, covariate_cols=["channel"])
    assert expected["channel"].to_dict() == {"a": "Web", "b": "x", "é": "é"}
    for engine in ("parquet", "csv"):
        summary = data.rfm_summary(_source(engine, frame, tmp_path), covariate_cols=["channel"])
        pd.testing.assert_frame_equal(summary, expected, check_exact=True)


def test_values_of_several_types_are_refused_in_a_dataframe() -> None:
    frame = attribute_log().astype({"channel": object})
    frame.loc[[0, 1], "channel"] = [1, "one"]
    with pytest.raises(DataValidationError, match="several types"):
        data.rfm_summary(frame, covariate_cols=["channel"])


@pytest.mark.parametrize(
    ("text", "dtype", "values"),
    [
        ([" 12", "-3", "007"], "int64", [12, -3, 7]),
        (["1", None], "Int64", [1, pd.NA]),
        (["1.5", "1e3", None], "float64", [1.5, 1000.0, np.nan]),
        (["99999999999999999999"], "float64", [1e20]),  # beyond 64 bits: a number, not an integer
        (["web", "12"], "str", ["web", "12"]),
        (["1,000"], "str", ["1,000"]),
    ],
)
def test_csv_text_is_typed_as_read_csv_would(text: list[str | None], dtype: str, values: list[object]) -> None:
    typed = typed_text(pd.Series(text, dtype="str"))
    assert str(typed.dtype) == dtype
    if dtype == "float64":
        np.testing.assert_array_equal(typed.to_numpy(), np.array(values, dtype=float))
    else:
        assert typed.tolist() == values


def test_a_csv_column_with_one_text_value_stays_text(tmp_path: Path) -> None:
    frame = attribute_log()
    frame["age"] = frame["age"].astype(str)
    frame.loc[8, "age"] = "unknown"  # not a first value, but the column is text in the file
    summary = _summary(_source("csv", frame, tmp_path), ["age"])
    assert summary["age"].dtype == "str"
    assert summary["age"].tolist() == ["25", "40", "20", "35"]
