"""Amounts written as text: one grammar (pyclv._numbers), the same numbers or the same refusal from every engine.

A reviewer found DuckDB reading ``1_000`` and a non-breaking space that pandas refused, and ``NaN`` text called
missing by one engine and not a number by the other.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from pyclv import data
from pyclv.engines import duckdb as duckdb_engine
from pyclv.exceptions import DataValidationError

#: Text, and the amount it reads as (a float), or the words of the refusal.
CASES: dict[str, tuple[str, float | str]] = {
    "plain": ("12.50", 12.5),
    "blanks": ("\t 12.50 ", 12.5),
    "sign-and-exponent": ("+1.25e1", 12.5),
    "leading-point": (".5", 0.5),
    "trailing-point": ("5.", 5.0),
    "long-decimal": ("0.1000000000000000055511151231257827", 0.1),
    "currency": ("$12.50", "not a number (e.g. '$12.50')"),
    "decimal-comma": ("12,50", "not a number (e.g. '12,50')"),
    "underscore": ("1_000", "not a number (e.g. '1_000')"),
    "non-breaking-space": ("\u00a012.50", "not a number"),
    "nan-text": ("NaN", "not a number (e.g. 'NaN')"),
    "na-text": ("NA", "not a number (e.g. 'NA')"),
    "hexadecimal": ("0x10", "not a number (e.g. '0x10')"),
    "infinity": ("Infinity", "with infinite amounts"),
    "negative": ("-3", "with negative amounts"),
    "overflow": ("1e400", "with infinite amounts"),
    "huge": ("2e12", "No purchase is that large"),
}


def _log(text: str) -> pd.DataFrame:
    return pd.DataFrame(
        {"customer_id": [1, 1, 2], "date": ["1997-01-01", "1997-01-05", "1997-01-02"], "amount": ["4", text, "1"]}
    )


@pytest.mark.parametrize("case", sorted(CASES))
def test_every_engine_reads_the_same_amounts(case: str, tmp_path: Path) -> None:
    text, expected = CASES[case]
    frame = _log(text)
    path = tmp_path / "tx.csv"
    frame.to_csv(path, index=False)
    kwargs = {"monetary_value_col": "amount", "observation_period_end": "1997-01-31"}
    if isinstance(expected, str):
        with pytest.raises(DataValidationError) as from_pandas:
            data.rfm_summary(frame, **kwargs)
        with pytest.raises(DataValidationError) as from_duckdb:
            duckdb_engine.rfm_summary(path, **kwargs)
        assert expected in str(from_pandas.value)
        assert str(from_duckdb.value) == str(from_pandas.value)
        return
    summary = data.rfm_summary(frame, **kwargs)
    assert summary.loc[1, "monetary_value"] == expected
    pd.testing.assert_series_equal(
        duckdb_engine.rfm_summary(path, **kwargs)["monetary_value"], summary["monetary_value"], check_exact=True
    )
