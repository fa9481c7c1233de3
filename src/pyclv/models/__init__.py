"""pyclv's models: each a module of pure functions plus a thin estimator class."""

from pyclv.models._base import BaseModel, ModelSummary, Param
from pyclv.models._transaction import TransactionModel
from pyclv.models.beta_geo import BetaGeo
from pyclv.models.gamma_gamma import GammaGamma

__all__ = ["BaseModel", "BetaGeo", "GammaGamma", "ModelSummary", "Param", "TransactionModel"]
