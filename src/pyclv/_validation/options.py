"""Options shared by several entry points (valuation, the report, the command line), checked before any work."""

from __future__ import annotations

import math
import numbers

from pyclv._validation.wording import argument
from pyclv.exceptions import DataValidationError

__all__ = ["MAX_CURRENCY", "check_acquisition_cost", "check_currency", "check_margin"]

#: The longest currency label accepted (a symbol such as "$" or a code such as "EUR").
MAX_CURRENCY = 5



def _is_number(value: object) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def check_margin(margin: float) -> float:
    """The margin, the fraction of spend kept as profit, in (0, 1].

    Parameters
    ----------
    margin : float
        0.3 for 30 %; 1 values revenue.

    Returns
    -------
    float
        ``margin``.

    Raises
    ------
    DataValidationError
        If it is not a number in (0, 1] (NaN included), naming the argument as the caller writes it.
    """
    if not (_is_number(margin) and 0.0 < float(margin) <= 1.0):
        raise DataValidationError(
            f"{argument('margin')} must be the fraction of spend kept as profit, in (0, 1] (0.3 for 30 %; 1 values "
            f"revenue); got {margin!r}.",
            column="margin",
        )
    return float(margin)


def check_acquisition_cost(acquisition_cost: float | None) -> float | None:
    """The cost of acquiring one customer (CAC), a finite number >= 0, or None for none given.

    Parameters
    ----------
    acquisition_cost : float or None
        In the currency of the amounts.

    Returns
    -------
    float or None
        ``acquisition_cost``.

    Raises
    ------
    DataValidationError
        If it is not a finite number >= 0, naming the argument as the caller writes it.
    """
    if acquisition_cost is None:
        return None
    if not (_is_number(acquisition_cost) and math.isfinite(acquisition_cost) and acquisition_cost >= 0):
        raise DataValidationError(
            f"{argument('acquisition_cost')} must be the cost of acquiring one customer, a number >= 0; "
            f"got {acquisition_cost!r}.",
            column="acquisition_cost",
        )
    return float(acquisition_cost)


def check_currency(currency: str) -> str:
    """The currency label, refused if it is not a short one-line text.

    Parameters
    ----------
    currency : str
        A symbol (``"$"``, ``"€"``) or a code (``"USD"``); ``""`` writes amounts without one.

    Returns
    -------
    str
        ``currency`` without surrounding spaces.

    Raises
    ------
    DataValidationError
        If ``currency`` is not a text of at most five characters without line breaks.
    """
    label = currency.strip() if isinstance(currency, str) else None
    if label is None or len(label) > MAX_CURRENCY or any(ch.isspace() for ch in label):
        raise DataValidationError(
            f"{argument('currency')} must be a symbol or code of at most {MAX_CURRENCY} characters without "
            f"spaces, such as '$', '€' or 'EUR' ('' for none); got {currency!r}.",
            column="currency",
        )
    return label
