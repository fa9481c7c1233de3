"""One way to write numbers in pyclv's text and HTML output (reports, evaluation tables, figure labels).

Every place that shows a number to a reader calls :func:`format_number` with the *kind* of number it is,
so that the same quantity reads the same in a terminal, in Jupyter and in the HTML report.
"""

from __future__ import annotations

import math
import numbers
from typing import Literal

__all__ = ["NumberKind", "format_number"]

#: The kinds of numbers :func:`format_number` writes.
NumberKind = Literal["table", "estimate", "compact", "amount", "percent"]

#: Table entries at least this large are written as whole numbers with thousands separators.
_THOUSANDS = 1000.0

#: Table entries smaller than this in absolute value are rounding noise and written as 0.
_NOISE = 1e-9

#: Significant digits of each kind written with the "g" format.
_DIGITS = {"table": 4, "estimate": 6, "compact": 4}


def format_number(value: object, kind: NumberKind = "table") -> str:
    """A number as text, the same way everywhere in pyclv.

    Parameters
    ----------
    value : object
        The number; anything that is not a real number (a name, None) is written with ``str``, and so are
        integers for ``kind="estimate"``.
    kind : {"table", "estimate", "compact", "amount", "percent"}, default "table"
        ``"table"``: an entry of a results table; at least 1000 in absolute value as a whole number with
        thousands separators, below 1e-9 as ``0`` (rounding noise), else 4 significant digits; NaN and
        infinities as ``nan`` / ``inf``. ``"estimate"``: a parameter estimate or fit statistic, 6 significant
        digits. ``"compact"``: 4 significant digits. ``"amount"``: money, two decimals with thousands
        separators. ``"percent"``: a share in [0, 1] as a whole percentage.

    Returns
    -------
    str
        The text.

    Raises
    ------
    ValueError
        If ``kind`` is not one of the kinds above.

    Examples
    --------
    >>> format_number(1882.0), format_number(0.123456), format_number(1e-12), format_number(float("nan"))
    ('1,882', '0.1235', '0', 'nan')
    >>> format_number(4.414, "estimate"), format_number(2357, "estimate"), format_number(0.456, "percent")
    ('4.414', '2357', '46%')
    >>> format_number(1234.5, "amount")
    '1,234.50'
    """
    if kind not in ("table", "estimate", "compact", "amount", "percent"):
        raise ValueError(f"kind must be 'table', 'estimate', 'compact', 'amount' or 'percent'; got {kind!r}.")
    if not isinstance(value, numbers.Real) or isinstance(value, bool):
        return str(value)
    if kind == "estimate" and isinstance(value, numbers.Integral):
        return str(value)
    number = float(value)
    if kind == "amount":
        return f"{number:,.2f}"
    if kind == "percent":
        return f"{number:.0%}"
    if kind == "table":
        if not math.isfinite(number):
            return str(number)
        if abs(number) >= _THOUSANDS:
            return f"{number:,.0f}"
        if abs(number) < _NOISE:
            return "0"
    return f"{number:.{_DIGITS[kind]}g}"
