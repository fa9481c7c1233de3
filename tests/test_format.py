"""pyclv._format: one number formatter for reports, evaluation tables and figure labels."""

from __future__ import annotations

import math

import numpy as np
import pytest

from pyclv._format import format_number


@pytest.mark.parametrize(
    ("value", "kind", "text"),
    [
        (1882.0, "table", "1,882"),
        (-12345.6, "table", "-12,346"),
        (999.94, "table", "999.9"),
        (0.123456, "table", "0.1235"),
        (1e-12, "table", "0"),
        (-1e-10, "table", "0"),
        (math.nan, "table", "nan"),
        (math.inf, "table", "inf"),
        (np.float64(2.5), "table", "2.5"),
        (4.414, "estimate", "4.414"),
        (-7712.123456, "estimate", "-7712.12"),
        (2357, "estimate", "2357"),
        (np.int64(39), "estimate", "39"),
        (39.0, "estimate", "39"),
        (25.7512, "compact", "25.75"),
        (1234.5, "amount", "1,234.50"),
        (0.456, "percent", "46%"),
        ("BetaGeo", "table", "BetaGeo"),
        (None, "estimate", "None"),
        (True, "table", "True"),
    ],
)
def test_format_number(value: object, kind: str, text: str) -> None:
    assert format_number(value, kind) == text  # type: ignore[arg-type]


def test_format_number_rejects_unknown_kinds() -> None:
    with pytest.raises(ValueError, match="kind must be"):
        format_number(1.0, "money")  # type: ignore[arg-type]
