"""The models pyclv ships, by the name the command line gives them: one explicit list.

The command line fits the transaction models of :data:`TRANSACTION_MODELS`; the artifact loader
(:mod:`pyclv.io`) rebuilds any class of :data:`SHIPPED_MODELS`. Model modules do not import this module.
"""

from __future__ import annotations

from types import MappingProxyType

from pyclv.models._base import BaseModel
from pyclv.models._transaction import TransactionModel
from pyclv.models.beta_geo import BetaGeo
from pyclv.models.beta_geo_beta_binom import BetaGeoBetaBinom
from pyclv.models.gamma_gamma import GammaGamma
from pyclv.models.modified_beta_geo import ModifiedBetaGeo
from pyclv.models.pareto_nbd import ParetoNBD
from pyclv.models.shifted_beta_geo import ShiftedBetaGeo

__all__ = ["SHIPPED_MODELS", "TRANSACTION_MODELS", "model_class"]

#: The transaction models, by the name given to ``pyclv fit --model``.
TRANSACTION_MODELS: dict[str, type[TransactionModel]] = {
    "bgnbd": BetaGeo,
    "pareto-nbd": ParetoNBD,
    "mbgnbd": ModifiedBetaGeo,
    "bgbb": BetaGeoBetaBinom,
}

#: Every shipped model, by short name.
SHIPPED_MODELS: MappingProxyType[str, type[BaseModel]] = MappingProxyType(
    {**TRANSACTION_MODELS, "gamma-gamma": GammaGamma, "sbg": ShiftedBetaGeo}
)


def model_class(type_name: object) -> type[BaseModel] | None:
    """The shipped model class of a given class name (as artifacts record it).

    Parameters
    ----------
    type_name : object
        The ``model_type`` field of an artifact.

    Returns
    -------
    type or None
        The class, or None if no shipped model has that name.
    """
    by_class_name = {cls.__name__: cls for cls in SHIPPED_MODELS.values()}
    return by_class_name.get(type_name) if isinstance(type_name, str) else None
