"""The names the evaluation package takes from the input layer and the model contract, in one place.

``pyclv.data`` and ``pyclv.models`` are being rewritten; re-point these imports (and only these) when their
names move.
"""

from pyclv.data import DateLike, _check_columns, _day_str, _to_day, _to_days, _validated_days, validate_summary
from pyclv.models._transaction import TransactionModel
from pyclv.models.gamma_gamma import GammaGamma

__all__ = [
    "DateLike",
    "GammaGamma",
    "TransactionModel",
    "_check_columns",
    "_day_str",
    "_to_day",
    "_to_days",
    "_validated_days",
    "validate_summary",
]
