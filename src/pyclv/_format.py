"""One way to write numbers in pyclv's text and HTML output (reports, evaluation tables, figure labels).

Every place that shows a number to a reader calls :func:`format_number` with the *kind* of number it is,
so that the same quantity reads the same in a terminal, in Jupyter and in the HTML report.
"""

from __future__ import annotations

import math
import numbers
from typing import Literal

__all__ = ["UNIT_WORDS", "NumberKind", "format_duration", "format_number"]

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


#: The singular names of pyclv's time units (plurals add an "s").
UNIT_WORDS = {"D": "day", "W": "week", "M": "month", "Y": "year"}


def format_duration(value: float, time_unit: str | None, *, next_: bool = False) -> str:
    """A length of time in a model's unit, rounded for a reader and with the right plural.

    Parameters
    ----------
    value : float
        The length, in ``time_unit`` (>= 0).
    time_unit : {"D", "W", "M", "Y"} or None
        The unit; ``None`` (or an unknown unit) is written "time units".
    next_ : bool, default False
        Write it as a horizon from now: "next week", "next 4 weeks".

    Returns
    -------
    str
        Whole numbers as they are ("1 week", "52 weeks", "1,096 days"); other lengths of 10 units or more
        rounded to a whole number ("26.2857 weeks" -> "26 weeks"), shorter ones to one decimal ("1.5 weeks")
        and those below one unit to two significant digits ("0.14 weeks"). A length of one unit is singular.

    Raises
    ------
    ValueError
        If ``value`` is negative or not finite.

    Examples
    --------
    >>> format_duration(26.2857, "W"), format_duration(1.0, "W"), format_duration(1.5, "M")
    ('26 weeks', '1 week', '1.5 months')
    >>> format_duration(1, "W", next_=True), format_duration(4, "W", next_=True), format_duration(39, None)
    ('next week', 'next 4 weeks', '39 time units')
    """
    number = float(value)
    if not (math.isfinite(number) and number >= 0):
        raise ValueError(f"A duration must be a finite number >= 0; got {value!r}.")
    word = UNIT_WORDS.get(str(time_unit), "time unit")
    whole = round(number)
    if abs(number - whole) <= 1e-9 * max(1.0, number) or number >= 10:
        text = f"{whole:,}"
    elif number >= 1:
        text = f"{number:.1f}".removesuffix(".0")
    else:
        text = f"{number:.2g}"
    if text == "1":
        return f"next {word}" if next_ else f"1 {word}"
    return f"next {text} {word}s" if next_ else f"{text} {word}s"
