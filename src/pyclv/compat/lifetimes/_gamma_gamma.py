"""lifetimes' ``GammaGammaFitter`` and its customer lifetime value, with lifetimes' monthly discounting."""

from __future__ import annotations

import math
import numbers
from typing import Any, Self

import numpy as np

from pyclv.compat.lifetimes._base import LifetimesFitter
from pyclv.compat.lifetimes._inputs import as_columns
from pyclv.exceptions import DataValidationError
from pyclv.models import GammaGamma

__all__ = ["MONTH_LENGTHS", "GammaGammaFitter", "lifetimes_clv"]

#: lifetimes' length of a month in each ``freq``: its CLV sums months of this many time units (lifetimes'
#: constants, kept for its users; pyclv itself never assumes a month length).
MONTH_LENGTHS: dict[str, float] = {"W": 4.345, "M": 1.0, "D": 30.0, "H": 30.0 * 24.0}


def lifetimes_clv(
    transaction_prediction_model: Any,
    frequency: Any,
    recency: Any,
    T: Any,
    monetary_value: Any,
    time: int = 12,
    discount_rate: float = 0.01,
    freq: str = "D",
) -> Any:
    r"""The customer lifetime value of lifetimes: ``time`` months of expected purchases, each month discounted.

    With L the month length of ``freq`` (:data:`MONTH_LENGTHS`) and E(t) the model's conditional expected
    purchases, the value is :math:`\sum_{i=1}^{time} m\, (E(iL) - E((i-1)L)) / (1 + d)^i`.

    Parameters
    ----------
    transaction_prediction_model : object
        A fitted model with ``predict(t, frequency, recency, T)`` (a compat fitter, or a lifetimes one).
    frequency, recency, T : array-like
        The customers' histories.
    monetary_value : array-like
        The value of each future purchase (lifetimes passes the Gamma-Gamma expected average profit).
    time : int, default 12
        Number of months.
    discount_rate : float, default 0.01
        Discount rate per month.
    freq : {"D", "W", "M", "H"}, default "D"
        The unit of ``recency`` and ``T``.

    Returns
    -------
    pandas.Series, numpy.ndarray or float
        Named ``clv``: a Series on the index of the first Series argument, else an array (a float for numbers).
    """
    if freq not in MONTH_LENGTHS:
        raise DataValidationError(
            f"freq must be one of {', '.join(map(repr, MONTH_LENGTHS))} (lifetimes' units for its CLV); got "
            f"{freq!r}.",
            column="freq",
        )
    whole = isinstance(time, numbers.Integral) or (isinstance(time, float) and float(time).is_integer())
    if isinstance(time, bool) or not whole or time < 0:
        raise DataValidationError(f"time must be a whole number of months >= 0; got {time!r}.", column="time")
    rate_ok = isinstance(discount_rate, numbers.Real) and not isinstance(discount_rate, bool)
    if not (rate_ok and math.isfinite(discount_rate) and discount_rate > -1):
        raise DataValidationError(
            f"discount_rate must be a finite number > -1 (per month: 0.01 for 1 %); got {discount_rate!r}.",
            column="discount_rate",
        )
    cols = as_columns(frequency=frequency, recency=recency, T=T, monetary_value=monetary_value)
    x, t_x, age, value = (cols.frame[c].to_numpy() for c in ("frequency", "recency", "T", "monetary_value"))
    month = MONTH_LENGTHS[freq]
    total = np.zeros(len(x))
    previous = np.zeros(len(x))
    for i in range(1, int(time) + 1):
        cumulative = np.asarray(transaction_prediction_model.predict(i * month, x, t_x, age), dtype=float)
        total += value * (cumulative - previous) / (1.0 + discount_rate) ** i
        previous = cumulative
    return cols.like_inputs(total, name="clv")


class GammaGammaFitter(LifetimesFitter):
    """lifetimes' ``GammaGammaFitter``, fitted and answered by :class:`pyclv.GammaGamma`.

    Parameters
    ----------
    penalizer_coef : float, default 0.0
        lifetimes' L2 penalty on the parameters.

    Attributes
    ----------
    params_ : pandas.Series
        ``p``, ``q``, ``v``.
    summary : pandas.DataFrame
        ``coef``, ``se(coef)``, ``lower 95% bound``, ``upper 95% bound``.
    data : pandas.DataFrame
        The fitted columns and their ``weights``.
    model_ : pyclv.GammaGamma
        The pyclv model behind the fitter.

    See Also
    --------
    pyclv.GammaGamma : pyclv's own API.
    pyclv.customer_lifetime_value : pyclv's CLV.

    Notes
    -----
    How pyclv's own API differs: ``GammaGamma().fit(summary)`` takes the whole summary and leaves customers
    without repeat purchases out of the fit itself (lifetimes refused them, so its users filtered them
    first); ``expected_spend(summary)`` is lifetimes' ``conditional_expected_average_profit``.

    The CLV differs most. lifetimes' :meth:`customer_lifetime_value` sums ``time`` months of a fixed number of
    time units (30 days, 4.345 weeks, 720 hours: :data:`MONTH_LENGTHS`), discounting month i by
    ``(1 + discount_rate) ** i`` with a monthly rate; it is reproduced here exactly. pyclv's
    :func:`pyclv.customer_lifetime_value` takes an ``annual_discount_rate`` and a horizon in the model's own time
    unit, integrates the discounting continuously over the expected purchase curve (or over the residual
    lifetime, DERT) and never assumes a month length; on CDNOW with weekly data and a 12-month horizon the two
    differ by the month convention (52 weeks against 12 x 4.345 = 52.14) and by discounting within the month.

    Examples
    --------
    >>> from pyclv.compat.lifetimes import BetaGeoFitter, GammaGammaFitter
    >>> from pyclv.datasets import load_cdnow_summary
    >>> data = load_cdnow_summary()
    >>> returning = data[data["frequency"] > 0]
    >>> ggf = GammaGammaFitter().fit(returning["frequency"], returning["monetary_value"])
    >>> ggf.params_.round(2).to_dict()
    {'p': 6.25, 'q': 3.74, 'v': 15.45}
    >>> bgf = BetaGeoFitter().fit(data["frequency"], data["recency"], data["T"])
    >>> clv = ggf.customer_lifetime_value(bgf, data["frequency"], data["recency"], data["T"],
    ...                                   data["monetary_value"], time=12, discount_rate=0.01, freq="W")
    >>> clv.name, len(clv)
    ('clv', 2357)
    """

    _model_class = GammaGamma
    _columns = ("frequency", "monetary_value")

    def fit(
        self,
        frequency: Any,
        monetary_value: Any,
        weights: Any = None,
        initial_params: Any = None,
        verbose: bool = False,
        tol: float = 1e-7,
        index: Any = None,
        q_constraint: bool = False,
        **kwargs: Any,
    ) -> Self:
        """Fit the spend model to customers' repeat purchases and their average value, as lifetimes' ``fit``.

        Parameters
        ----------
        frequency : array-like
            Repeat purchases per customer (customers with none are left out of the fit).
        monetary_value : array-like
            Average value of the repeat purchases.
        weights : array-like, optional
            How many customers each row stands for (default 1 each).
        initial_params : array-like, optional
            Starting values in lifetimes' scale: the logarithms of ``p``, ``q``, ``v``.
        verbose, tol : optional
            Accepted for compatibility; pyclv's optimizer prints nothing and uses its own tolerances.
        index : array-like, optional
            The index of :attr:`data`.
        q_constraint : bool, default False
            lifetimes bounded q >= 1 (so that the population mean spend is finite); here a fit with q < 1 is
            refused instead of being pushed to the bound.
        **kwargs
            lifetimes' scipy.optimize options: refused (pyclv's optimizer takes none).

        Returns
        -------
        self
        """
        self._fit({"frequency": frequency, "monetary_value": monetary_value}, weights, initial_params, index, kwargs)
        q = float(self.params_["q"])
        if q_constraint and q < 1.0:
            del self.model_
            raise DataValidationError(
                f"GammaGammaFitter.fit(q_constraint=True): the fit gives q = {q:.4g} < 1, where the population mean "
                "spend is infinite. Fit without q_constraint to inspect it, or add a penalizer_coef.",
                column="q",
            )
        return self

    def conditional_expected_average_profit(self, frequency: Any = None, monetary_value: Any = None) -> Any:
        """Expected average value of each customer's future purchases (Fader & Hardie's note 025, eq. 5).

        Parameters
        ----------
        frequency : array-like, optional
            Repeat purchases per customer (default: the fitted data).
        monetary_value : array-like, optional
            Average value of the repeat purchases (default: the fitted data).

        Returns
        -------
        pandas.Series, numpy.ndarray or float
        """
        model = self.model
        assert isinstance(model, GammaGamma)
        frequency = self.data["frequency"] if frequency is None else frequency
        monetary_value = self.data["monetary_value"] if monetary_value is None else monetary_value
        cols = as_columns(frequency=frequency, monetary_value=monetary_value)
        return cols.like_inputs(model.expected_spend_at(model.theta, model.history(cols.frame)))

    def customer_lifetime_value(
        self,
        transaction_prediction_model: Any,
        frequency: Any,
        recency: Any,
        T: Any,
        monetary_value: Any,
        time: int = 12,
        discount_rate: float = 0.01,
        freq: str = "D",
    ) -> Any:
        """The CLV of lifetimes: ``time`` months of expected purchases times the expected profit, discounted.

        Month i (of 30 days, 4.345 weeks, 1 month or 720 hours, by ``freq``) is discounted by
        ``(1 + discount_rate) ** i``; see :func:`lifetimes_clv`.

        Parameters
        ----------
        transaction_prediction_model : object
            A fitted transaction fitter (with lifetimes' ``predict(t, frequency, recency, T)``).
        frequency, recency, T : array-like
            The customers' histories.
        monetary_value : array-like
            Average value of the repeat purchases.
        time : int, default 12
            Number of months.
        discount_rate : float, default 0.01
            Discount rate per month.
        freq : {"D", "W", "M", "H"}, default "D"
            The unit of ``recency`` and ``T``.

        Returns
        -------
        pandas.Series, numpy.ndarray or float
            Named ``clv``.
        """
        profit = self.conditional_expected_average_profit(frequency, monetary_value)
        return lifetimes_clv(transaction_prediction_model, frequency, recency, T, profit, time, discount_rate, freq)
