"""pyclv's models: each a module of pure functions plus a thin estimator class."""

from pyclv.models._base import BaseModel
from pyclv.models._checks import check_models
from pyclv.models._covariates import ProfileGroup, Strata, profile_groups
from pyclv.models._covariates import strata as covariate_strata
from pyclv.models._design import Encoding
from pyclv.models._history import History
from pyclv.models._params import Param
from pyclv.models._summary import ModelSummary
from pyclv.models._transaction import TransactionModel
from pyclv.models.beta_geo import BetaGeo
from pyclv.models.beta_geo_beta_binom import BetaGeoBetaBinom
from pyclv.models.gamma_gamma import GammaGamma
from pyclv.models.modified_beta_geo import ModifiedBetaGeo
from pyclv.models.pareto_nbd import ParetoNBD
from pyclv.models.shifted_beta_geo import ShiftedBetaGeo, survivors_to_data

__all__ = [
    "BaseModel",
    "BetaGeo",
    "BetaGeoBetaBinom",
    "Encoding",
    "GammaGamma",
    "History",
    "ModelSummary",
    "ModifiedBetaGeo",
    "Param",
    "ParetoNBD",
    "ProfileGroup",
    "ShiftedBetaGeo",
    "Strata",
    "TransactionModel",
    "check_models",
    "covariate_strata",
    "profile_groups",
    "survivors_to_data",
]
