"""How every engine reads amounts written as text: one grammar, for pandas, DuckDB and Spark.

An amount written as text is a decimal number, optionally signed, with an optional fraction and exponent
(``12``, ``12.50``, ``.5``, ``1e3``, ``-2``), or ``inf`` / ``infinity`` in any case; surrounding blanks
(:data:`pyclv._dates.BLANKS`) are ignored. Anything else is not a number: currency symbols (``$12``),
decimal commas (``12,50``), thousands separators (``1,000``, ``1_000``), non-breaking spaces, hexadecimal, and
``NaN`` or ``NA`` (a missing amount is an empty cell). Left to themselves, DuckDB read ``1_000`` and a
non-breaking space while pandas refused them; now both refuse them, with the same message.

The text that matches is converted to the nearest float64 (correctly rounded, by DuckDB as by pandas), so every
engine reads the same bits.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pyclv._dates import BLANKS

__all__ = ["NUMBER", "text_amounts"]

#: A whole string that is a number (see the module docstring); Python's ``re``, RE2 and Java read it alike.
NUMBER = r"^[+-]?(?:(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|[iI][nN][fF](?:[iI][nN][iI][tT][yY])?)$"


def text_amounts(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Amounts written as text, read by the grammar every engine shares.

    Parameters
    ----------
    values : pandas.Series
        Strings; missing values (None, NaN, NA) are allowed and come back as NaN, not flagged.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        float64 amounts (NaN where missing or not a number), and a boolean mask of the text that is not a
        number.

    Examples
    --------
    >>> amounts, bad = text_amounts(pd.Series([" 12.50", "1e3", "$3", "1_000", None, "-inf"]))
    >>> amounts.tolist()[:2], bad.tolist()
    ([12.5, 1000.0], [False, False, True, True, False, False])
    """
    present = values.notna().to_numpy()
    text = values.astype("str").str.strip(BLANKS)
    number = text.str.fullmatch(NUMBER).to_numpy(dtype=bool, na_value=False) & present
    amounts = np.full(len(values), np.nan)
    if number.any():
        amounts[number] = pd.to_numeric(text[number]).to_numpy(dtype=np.float64)
    return amounts, present & ~number
