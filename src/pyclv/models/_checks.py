"""The one check that a caller was handed fitted models of the right kinds."""

from __future__ import annotations

from pyclv.models._transaction import TransactionModel
from pyclv.models.gamma_gamma import GammaGamma

__all__ = ["check_models"]


def check_models(transaction_model: object, spend_model: object = None, *, needs_spend: bool = False) -> None:
    """Refuse anything but a fitted transaction model (and, when given or needed, a fitted spend model).

    Parameters
    ----------
    transaction_model : object
        Must be a fitted pyclv transaction model (e.g. :class:`pyclv.BetaGeo`).
    spend_model : object, optional
        If given, must be a fitted :class:`pyclv.GammaGamma`.
    needs_spend : bool, default False
        Refuse a missing spend model too.

    Raises
    ------
    TypeError
        If a model is of the wrong kind.
    NotFittedError
        If a model is not fitted (nor built with ``from_params``).
    """
    if not isinstance(transaction_model, TransactionModel):
        raise TypeError(
            "transaction_model must be a pyclv transaction model (e.g. BetaGeo); got "
            f"{type(transaction_model).__name__}."
        )
    transaction_model.check_fitted()
    if spend_model is None and not needs_spend:
        return
    if not isinstance(spend_model, GammaGamma):
        raise TypeError(f"spend_model must be a pyclv spend model (GammaGamma); got {type(spend_model).__name__}.")
    spend_model.check_fitted()
