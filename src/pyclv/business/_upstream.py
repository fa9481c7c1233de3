"""The names the business package takes from the input layer and the model contract, in one place.

``pyclv.data`` and ``pyclv.models`` are being rewritten; re-point these imports (and only these) when their
names move.
"""

from pyclv.data import DateLike, _DailyLog, _day_str, _run_starts, _summarise, _validated_days, validate_summary
from pyclv.models._transaction import TransactionModel
from pyclv.models.gamma_gamma import GammaGamma

__all__ = [
    "DateLike",
    "GammaGamma",
    "TransactionModel",
    "_DailyLog",
    "_day_str",
    "_run_starts",
    "_summarise",
    "_validated_days",
    "validate_summary",
]
