"""Amounts as exact fixed-point integers, so that every sum of them is the same whatever its order.

Floating-point addition is not associative: a parallel engine that sums a customer's amounts in whatever order its
threads meet them changes the last bits of ``monetary_value`` from one run to the next (a user saw two nightly runs
on the same log disagree). pyclv therefore never sums amounts as floats. Each amount ``x`` becomes the integer

    q = floor(x) * 2**60 + round((x - floor(x)) * 2**60)        (round half to even)

which is ``x * 2**60`` exactly for every amount from 1/256 up (their last bit is at least 2**-60), and amounts
are added as integers, exactly: in SQL as 128-bit ``HUGEINT`` sums, in numpy as three int64 limbs (the whole
part, and the fraction's two 30-bit halves). An exact sum has one value whatever the order, the partitioning or
the number of threads, in every engine; it comes back to a float by one fixed expression of its normalised limbs
(:func:`to_float`), shared by the engines.

Amounts must be below :data:`MAX_AMOUNT` (2**40, about 1.1e12) and a log's total below 2**62: larger "amounts"
are refused as data errors, with the column and the rows. Those bounds keep every sum within its integers.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "FRACTION_BITS",
    "LIMB_SQL",
    "MAX_AMOUNT",
    "MAX_TOTAL",
    "QUANTIZE_SQL",
    "Limbs",
    "quantize",
    "run_sums",
    "to_float",
]

#: The fraction of an amount is counted in units of 2**-FRACTION_BITS.
FRACTION_BITS = 60

#: Amounts must be below this (2**40, about 1.1e12): a larger "amount" is a data error (a unit or parsing error).
MAX_AMOUNT = float(2**40)

#: The amounts of a log must add up to less than this (2**62), so that no group's whole parts overflow int64.
MAX_TOTAL = float(2**62)

_HALF = FRACTION_BITS // 2
_HALF_MASK = 2**_HALF - 1

#: SQL (DuckDB) for the fixed-point HUGEINT of the DOUBLE column ``amount``, rounded as :func:`quantize` rounds.
QUANTIZE_SQL = (
    f"(CAST(floor(amount) AS HUGEINT) * {2**FRACTION_BITS} "
    f"+ CAST(round_even((amount - floor(amount)) * {float(2**FRACTION_BITS)!r}, 0) AS HUGEINT))"
)

#: SQL for the three limbs of a non-negative fixed-point HUGEINT ``{total}``: whole part, fraction's halves.
LIMB_SQL = (
    f"CAST({{total}} >> {FRACTION_BITS} AS BIGINT) AS {{name}}_whole, "
    f"CAST(({{total}} >> {_HALF}) & {_HALF_MASK} AS BIGINT) AS {{name}}_high, "
    f"CAST({{total}} & {_HALF_MASK} AS BIGINT) AS {{name}}_low"
)

#: Three int64 arrays: the whole part, and the high and low 30 bits of the fraction in units of 2**-60.
Limbs = tuple[np.ndarray, np.ndarray, np.ndarray]


def quantize(amounts: np.ndarray) -> Limbs:
    """The fixed-point limbs of validated amounts (finite, >= 0, below :data:`MAX_AMOUNT`).

    Parameters
    ----------
    amounts : numpy.ndarray
        float64 amounts.

    Returns
    -------
    Limbs
        The whole part, and the fraction's high and low 30 bits, each as int64.

    Examples
    --------
    >>> [limb.tolist() for limb in quantize(np.array([2.5, 0.75]))]
    [[2, 0], [536870912, 805306368], [0, 0]]
    """
    fraction, whole = np.modf(np.asarray(amounts, dtype=np.float64))  # both exact
    fraction *= 2.0**FRACTION_BITS  # exact: a power of two
    units = np.rint(fraction, out=fraction).astype(np.int64)  # half to even; below 2**60
    return whole.astype(np.int64), units >> _HALF, np.bitwise_and(units, _HALF_MASK, out=units)


def run_sums(limbs: Limbs, starts: np.ndarray) -> Limbs:
    """Exact sums of the limbs over runs of rows that begin at ``starts`` (np.add.reduceat, in int64).

    Parameters
    ----------
    limbs : Limbs
        Limbs of each row.
    starts : numpy.ndarray
        Where each run begins (sorted, starting at 0, non-empty runs).

    Returns
    -------
    Limbs
        The limb-wise sums of each run, not yet normalised (:func:`to_float` carries).
    """
    if len(starts) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    whole, high, low = (np.add.reduceat(limb, starts) for limb in limbs)
    return whole, high, low


def to_float(whole: np.ndarray, high: np.ndarray, low: np.ndarray) -> np.ndarray:
    """The amounts (float64) of exact fixed-point sums given by limbs, normalised first so every engine agrees.

    Parameters
    ----------
    whole, high, low : numpy.ndarray
        Limb-wise sums (int64, non-negative), normalised or not.

    Returns
    -------
    numpy.ndarray
        ``whole + (high * 2**30 + low) * 2**-60`` as float64, by one fixed sequence of roundings.

    Examples
    --------
    >>> to_float(*quantize(np.array([0.1, 0.2]))).tolist()
    [0.1, 0.2]
    >>> limbs = [limb.sum(keepdims=True) for limb in quantize(np.array([0.1, 0.2, 0.3]))]
    >>> to_float(*limbs).tolist()  # exact, then rounded: 0.1 + 0.2 + 0.3 in floats is 0.6000000000000001
    [0.6]
    """
    whole, high, low = (np.asarray(limb, dtype=np.int64) for limb in (whole, high, low))
    high = high + (low >> _HALF)
    low = low & _HALF_MASK
    whole = whole + (high >> _HALF)
    high = high & _HALF_MASK
    return whole + ((high << _HALF) | low) * 2.0**-FRACTION_BITS
