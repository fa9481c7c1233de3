r"""Time-invariant covariates: each customer's parameters from the population's and the customer's attributes.

A model with covariates scales some of its parameters per customer, as CLVTools' static covariates do (Bachmann,
Meierer & Näf 2021; Fader & Hardie 2007 for the Pareto/NBD and BG/NBD):

.. math:: \theta_{ij} = \theta_j \exp(s_j\, \gamma_{P(j)}^\top z_i),

where :math:`z_i` are customer i's encoded covariates (:mod:`pyclv.models._design`), :math:`P(j)` is the process
that parameter j belongs to (purchase, dropout or spend), :math:`\gamma_P` that process's coefficients and
:math:`s_j = \pm 1` the direction (a :class:`Link`). A coefficient can be *constrained*: one value shared by the
purchase and the dropout process. With :math:`\psi = (\log\theta, \gamma)` the log of every customer's parameters is
linear in :math:`\psi`: :math:`\log\theta_i = A_i \psi` with :math:`A_i = [I \mid B_i]`.

Customers with the same covariates (a *stratum*) share their parameters, so the likelihood is the sum over strata
of the model's own likelihood at the stratum's parameters, computed by the model's compiled kernel; its gradient
and Hessian in :math:`\psi` follow by the chain rule,

.. math:: g_\psi = \sum_s A_s^\top (\theta_s \circ g_s), \qquad
          H_\psi = \sum_s A_s^\top \big(\theta_s\theta_s^\top \circ H_s + \mathrm{diag}(\theta_s \circ g_s)\big) A_s,

and are mapped to the natural parameters for the shared optimiser (:mod:`pyclv.models._mle`). Predictions split
the customers by stratum and ask a model without covariates at each stratum's parameters, so every prediction,
interval and score of the models without covariates serves the models with them unchanged.

References
----------
Bachmann, P., Meierer, M. and Näf, J. (2021). The role of time-varying contextual factors in latent attrition
models for customer base analysis. *Marketing Science*, 40(4), 783-809.
Fader, P. S. and Hardie, B. G. S. (2007). Incorporating time-invariant covariates into the Pareto/NBD and BG/NBD
models. http://brucehardie.com/notes/019/
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from pyclv._validation import warn
from pyclv.exceptions import DataValidationError
from pyclv.models._design import Encoding, learn
from pyclv.models._params import Param

if TYPE_CHECKING:
    from pyclv.models._base import BaseModel

__all__ = [
    "SHARED",
    "Layout",
    "Link",
    "ProfileGroup",
    "Standardisation",
    "Strata",
    "check_identified",
    "check_settings",
    "hessian_totals",
    "individual",
    "layout",
    "learn_layout",
    "named",
    "per_stratum",
    "per_stratum_totals",
    "profile_groups",
    "refuse_levels_outside",
    "refuse_model_columns",
    "strata",
    "stratum_covariance",
    "warn_many_strata",
]

#: The prefix of a constrained coefficient's name: one value for the purchase and the dropout process.
SHARED = "both"


@dataclass(frozen=True)
class Link:
    """Parameter ``param`` of each customer is ``param * exp(sign * gamma_process' z)``."""

    param: str
    process: str
    sign: float


def named(value: object) -> bool:
    """Whether a ``*_covariates`` setting names any column (None and empty lists do not).

    Parameters
    ----------
    value : object
        The setting.

    Returns
    -------
    bool
    """
    if value is None:
        return False
    try:
        return len(value) > 0  # type: ignore[arg-type]
    except TypeError:
        return True  # not a list: check_settings says so


def _names(value: object, setting: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, pd.Index | np.ndarray):
        value = value.tolist()
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise DataValidationError(
            f"{setting} must be a list of column names (e.g. ['channel', 'region']); got {value!r}.", column=setting
        )
    names = tuple(value)
    bad = [v for v in names if not isinstance(v, str) or not v]
    if bad:
        raise DataValidationError(f"{setting} must hold column names (text); got {bad[0]!r}.", column=setting)
    twice = sorted({v for v in names if names.count(v) > 1})
    if twice:
        raise DataValidationError(f"{setting} names {twice[0]!r} twice: name each column once.", column=setting)
    return names


def check_settings(
    model: str,
    processes: Sequence[str],
    covariates: Mapping[str, object],
    constrained: object,
    penalty: object,
) -> tuple[dict[str, tuple[str, ...]], tuple[str, ...], dict[str, float]]:
    """The covariate settings of a model, checked: column names per process, the constrained ones, the penalties.

    Parameters
    ----------
    model : str
        The model's name, for messages.
    processes : sequence of str
        The model's processes (e.g. ``("purchase", "dropout")``).
    covariates : mapping
        Process to the constructor's list of columns (or None).
    constrained : object
        The ``constrained_covariates`` setting: columns with one coefficient for both processes.
    penalty : object
        The ``covariate_penalty`` setting: a number >= 0 for every process, or a mapping process to number.

    Returns
    -------
    tuple
        Columns per process, the constrained columns and the penalty per process.

    Raises
    ------
    DataValidationError
        For a setting that is not a list of names, a constrained column not in both processes, or a penalty that
        is not a finite number >= 0.
    """
    per_process = {p: _names(covariates.get(p), f"{p}_covariates") for p in processes}
    shared = _names(constrained, "constrained_covariates")
    for name in shared:
        missing = [p for p in processes if name not in per_process[p]]
        if len(processes) < 2 or missing:
            raise DataValidationError(
                f"{model}: constrained_covariates names {name!r}, which must also be in "
                f"{' and '.join(f'{p}_covariates' for p in processes)} (a constrained covariate has one coefficient "
                f"for both processes){'' if len(processes) > 1 else f'; {model} has one process only'}.",
                column="constrained_covariates",
            )
    if isinstance(penalty, Mapping):
        unknown = [k for k in penalty if k not in processes]
        if unknown:
            raise DataValidationError(
                f"covariate_penalty has an unknown process {unknown[0]!r}; {model}'s are {', '.join(processes)}.",
                column="covariate_penalty",
            )
        lambdas = {p: penalty.get(p, 0.0) for p in processes}
    else:
        lambdas = dict.fromkeys(processes, penalty)
    for p, value in lambdas.items():
        if isinstance(value, bool) or not isinstance(value, int | float) or not (np.isfinite(value) and value >= 0):
            raise DataValidationError(
                f"covariate_penalty for the {p} process must be a finite number >= 0; got {value!r}.",
                column="covariate_penalty",
            )
    return per_process, shared, {p: float(v) for p, v in lambdas.items()}


@dataclass(frozen=True)
class Layout:
    """The coefficients of a model with covariates: their names, encoded columns, processes and penalties.

    Attributes
    ----------
    base : tuple of Param
        The model's own parameters.
    links : tuple of Link
        Which parameters each process scales.
    encodings : tuple of Encoding
        Every covariate column's encoding (the union over the processes), in order.
    names : tuple of str
        The coefficients' names, ``process.column`` (``both.column`` when constrained).
    columns : tuple of int
        Each coefficient's column in the encoded matrix.
    processes : tuple of tuple of str
        The processes each coefficient acts on.
    penalties : tuple of float
        Each coefficient's L2 penalty.
    """

    base: tuple[Param, ...]
    links: tuple[Link, ...]
    encodings: tuple[Encoding, ...]
    names: tuple[str, ...]
    columns: tuple[int, ...]
    processes: tuple[tuple[str, ...], ...]
    penalties: tuple[float, ...]

    @property
    def params(self) -> tuple[Param, ...]:
        """The base parameters followed by the coefficients (real numbers)."""
        return self.base + tuple(Param(name, "real") for name in self.names)

    def loadings(self, z: np.ndarray) -> np.ndarray:
        """:math:`B` for rows of encoded covariates: ``log theta_i = log theta + B_i gamma``.

        Parameters
        ----------
        z : numpy.ndarray
            Shape (rows, encoded columns).

        Returns
        -------
        numpy.ndarray
            Shape (rows, base parameters, coefficients).
        """
        base_names = [p.name for p in self.base]
        out = np.zeros((len(z), len(self.base), len(self.names)))
        for link in self.links:
            j = base_names.index(link.param)
            for c, (column, processes) in enumerate(zip(self.columns, self.processes, strict=True)):
                if link.process in processes:
                    out[:, j, c] = link.sign * z[:, column]
        return out


def layout(
    base: tuple[Param, ...],
    links: tuple[Link, ...],
    per_process: Mapping[str, tuple[str, ...]],
    shared: tuple[str, ...],
    lambdas: Mapping[str, float],
    encodings: tuple[Encoding, ...],
) -> Layout:
    """The coefficients for the settings and the learnt encodings.

    Parameters
    ----------
    base : tuple of Param
        The model's own parameters.
    links : tuple of Link
        Which parameters each process scales.
    per_process, shared, lambdas
        From :func:`check_settings`.
    encodings : tuple of Encoding
        One per covariate column (the union over the processes, in order of first use).

    Returns
    -------
    Layout
    """
    offsets, at = {}, 0
    for enc in encodings:
        offsets[enc.name] = at
        at += len(enc.columns)
    by_name = {enc.name: enc for enc in encodings}
    names, columns, processes, penalties = [], [], [], []

    def add(prefix: str, column: str, acts_on: tuple[str, ...], penalty: float) -> None:
        enc = by_name[column]
        for k, encoded in enumerate(enc.columns):
            names.append(f"{prefix}.{encoded}")
            columns.append(offsets[column] + k)
            processes.append(acts_on)
            penalties.append(penalty)

    for process, cols in per_process.items():
        for column in cols:
            if column not in shared:
                add(process, column, (process,), lambdas[process])
    for column in shared:  # stands for a coefficient of each process, so penalised by both (as in CLVTools)
        add(SHARED, column, tuple(per_process), sum(lambdas[p] for p in per_process))
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise DataValidationError(
            f"Two covariates give the coefficient name {twice[0]!r} (a column named like another's level, e.g. "
            "'channel[web]' beside 'channel'): rename the column.",
            column=twice[0].split(".", 1)[1],
        )
    return Layout(base, links, encodings, tuple(names), tuple(columns), tuple(processes), tuple(penalties))


def refuse_model_columns(per_process: Mapping[str, tuple[str, ...]], columns: tuple[str, ...]) -> None:
    """Refuse the model's own data columns as covariates (the likelihood reads them already).

    Parameters
    ----------
    per_process : mapping
        Columns per process, from :func:`check_settings`.
    columns : tuple of str
        The summary columns of the model.

    Raises
    ------
    DataValidationError
        If a covariate is one of ``columns``.
    """
    for process, names in per_process.items():
        for name in names:
            if name in columns:
                raise DataValidationError(
                    f"{process}_covariates names {name!r}, a column the model itself is fitted on "
                    f"({', '.join(columns)}): a covariate is an attribute of the customer, such as a channel or a "
                    "region, not a summary of its purchases.",
                    column=name,
                )


def refuse_levels_outside(data: pd.DataFrame, customers: pd.DataFrame, lay: Layout) -> None:
    """Refuse levels held only by customers that do not inform the fit.

    Gamma-Gamma learns from customers with repeat purchases, and no model from customers of weight 0: a level that
    only the others have has no coefficient, and those customers could not be predicted.

    Parameters
    ----------
    data : pandas.DataFrame
        Every customer passed to ``fit``.
    customers : pandas.DataFrame
        Those that inform it.
    lay : Layout
        The coefficients learnt from ``customers``.

    Raises
    ------
    DataValidationError
        If a categorical column of ``data`` has a level that ``customers`` do not.
    """
    if len(customers) == len(data):
        return
    for enc in lay.encodings:
        if enc.levels is None:
            continue
        values = data[enc.name].dropna()  # missing values are refused where they are used, with their own words
        text = pd.Series([str(v) for v in pd.unique(values)])
        outside = [v for v in text if v not in set(enc.levels)]
        if outside:
            holders = int(values.astype(str).isin(outside).sum())
            raise DataValidationError(
                f"The covariate column {enc.name!r} has the level(s) {', '.join(map(repr, outside[:3]))} only among "
                f"{holders} customer(s) that do not inform the fit (customers without repeat purchases for "
                "Gamma-Gamma, or of weight 0): the model cannot estimate their effect nor predict them. Merge those "
                "levels with another one.",
                column=enc.name,
                n_rows=holders,
            )


def learn_layout(
    data: pd.DataFrame,
    base: tuple[Param, ...],
    links: tuple[Link, ...],
    per_process: Mapping[str, tuple[str, ...]],
    shared: tuple[str, ...],
    lambdas: Mapping[str, float],
) -> Layout:
    """The layout of a fit on ``data``: the covariate columns' encodings learnt there.

    Parameters
    ----------
    data : pandas.DataFrame
        The rows of the fit.
    base, links, per_process, shared, lambdas
        As in :func:`layout`.

    Returns
    -------
    Layout
    """
    union = list(dict.fromkeys(name for cols in per_process.values() for name in cols))
    return layout(base, links, per_process, shared, lambdas, learn(data, union))


@dataclass(frozen=True)
class Strata:
    """Customers grouped by their covariates: the distinct rows and which one each customer has."""

    rows: np.ndarray
    inverse: np.ndarray

    def members(self) -> list[np.ndarray]:
        """The positions of each stratum's customers, in their order in the data.

        Returns
        -------
        list of numpy.ndarray
        """
        order = np.argsort(self.inverse, kind="stable")
        cuts = np.cumsum(np.bincount(self.inverse, minlength=len(self.rows)))[:-1]
        return np.split(order, cuts)


def strata(z: np.ndarray) -> Strata:
    """The distinct rows of the encoded covariates ``z`` (sorted, so the order does not depend on the data's).

    Each column is factorised on its own and the codes combined into one integer key per row, so a million rows
    take a fraction of a second (sorting the rows as records would take seconds).

    Parameters
    ----------
    z : numpy.ndarray
        Shape (customers, encoded columns).

    Returns
    -------
    Strata
    """
    n, m = z.shape
    if m == 0:
        return Strata(np.zeros((1, 0)), np.zeros(n, dtype=np.intp))
    key = np.zeros(n, dtype=np.int64)
    for j in range(m):
        values, codes = np.unique(z[:, j], return_inverse=True)
        if key.max(initial=0) > np.iinfo(np.int64).max // max(len(values), 1):  # the key would overflow
            rows, inverse = np.unique(z, axis=0, return_inverse=True)
            return Strata(rows, inverse.reshape(-1))
        key = key * len(values) + codes.reshape(-1)
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    return Strata(z[first], inverse.reshape(-1).astype(np.intp))


#: Above this many groups of customers with equal covariates, a fit warns that predictions will be slow.
MANY_STRATA = 1_000


def warn_many_strata(lay: Layout, st: Strata) -> None:
    """Warn when the covariates make many groups: predictions and intervals cost a little per group.

    Parameters
    ----------
    lay : Layout
        The coefficients.
    st : Strata
        The fit's groups of customers with equal covariates.
    """
    if len(st.rows) <= MANY_STRATA:
        return
    distinct = [len(np.unique(st.rows[:, j])) for j in range(st.rows.shape[1])]
    owners = [enc.name for enc in lay.encodings for _ in enc.columns]
    widest = owners[int(np.argmax(distinct))]
    warn(
        f"The covariates make {len(st.rows):,} groups of customers with equal values ({widest!r} alone has "
        f"{max(distinct):,} distinct values). Predictions, and Pareto/NBD's fit, work group by group (a few "
        "milliseconds each, tens with intervals): for a large base, bin a continuous covariate (e.g. into deciles "
        "with pandas.qcut) before fitting."
    )


def check_identified(lay: Layout, st: Strata) -> None:
    r"""Refuse coefficients that the data cannot tell apart from the others (and from the base parameters).

    The log of each stratum's parameters is linear in the base parameters' logs and the coefficients
    (:math:`\log\theta_s = A_s \psi`); stacked over the strata, :math:`A` must have full column rank. So a
    covariate and its copy on the same process are refused, while a covariate on the purchase process and its copy
    on the dropout process are two effects the data can tell apart.

    Parameters
    ----------
    lay : Layout
        The coefficients.
    st : Strata
        The fit's strata (with customers of positive weight).

    Raises
    ------
    DataValidationError
        If a coefficient is determined by the ones before it, e.g. one column is a copy of another, or dummies
        that always go together.
    """
    k = len(lay.base)
    loadings = lay.loadings(st.rows)  # (S, k, m): the coefficients' columns of A_s
    eye = np.broadcast_to(np.eye(k), (len(st.rows), k, k))
    stacked = np.concatenate([eye, loadings], axis=2).reshape(-1, k + len(lay.names))
    if np.linalg.matrix_rank(stacked) == stacked.shape[1]:
        return
    owners = [enc.name for enc in lay.encodings for _ in enc.columns]  # encoded column -> covariate column
    for c, name in enumerate(lay.names):
        if np.linalg.matrix_rank(stacked[:, : k + c + 1]) <= k + c:
            raise DataValidationError(
                f"The coefficient {name} is determined by the ones before it (and the model's own parameters) "
                f"among the customers of the fit, so its effect cannot be told apart from theirs: leave the "
                f"covariate {owners[lay.columns[c]]!r} (or the one it repeats) out.",
                column=owners[lay.columns[c]],
            )


@dataclass(frozen=True)
class Standardisation:
    r"""The numeric covariates centred and scaled for the optimiser, and the map back to the user's coefficients.

    A numeric covariate far from 0 (a year, an income) makes its coefficient and the base parameter it scales
    nearly collinear, and the optimiser drifts along the ridge. The fit therefore runs on
    :math:`z' = (z - m) / s` (m, s the weighted mean and standard deviation; dummies as they are) and maps its
    optimum back exactly: :math:`\gamma = \gamma' / s` and :math:`\log	heta = \log	heta' - B(m)\gamma`, a linear
    map of :math:`\psi = (\log	heta, \gamma)` that also carries the covariance. The likelihood, and so the
    estimates, are those of the original parameterisation; only the path of the optimiser changes.

    Attributes
    ----------
    centre, scale : numpy.ndarray
        Per encoded column.
    """

    centre: np.ndarray
    scale: np.ndarray

    @classmethod
    def of(cls, lay: Layout, z: np.ndarray, w: np.ndarray, *, centred: bool) -> Standardisation:
        """The standardisation of the numeric columns of ``z`` (weights ``w``); centred unless told otherwise.

        Parameters
        ----------
        lay : Layout
            The coefficients (which encoded columns are numeric).
        z : numpy.ndarray
            The encoded covariates of the fit's customers.
        w : numpy.ndarray
            Their weights.
        centred : bool
            Whether to centre as well as scale (a penalty on the base parameters needs them as they are).

        Returns
        -------
        Standardisation
        """
        numeric = np.array([enc.levels is None for enc in lay.encodings for _ in enc.columns], dtype=bool)
        centre, scale = np.zeros(z.shape[1]), np.ones(z.shape[1])
        if numeric.any() and w.sum() > 0:
            mean = np.average(z[:, numeric], axis=0, weights=w)
            sd = np.sqrt(np.average((z[:, numeric] - mean) ** 2, axis=0, weights=w))
            centre[numeric] = mean if centred else 0.0
            scale[numeric] = np.where(sd > 0, sd, 1.0)
        return cls(centre, scale)

    def apply(self, z: np.ndarray) -> np.ndarray:
        """The covariates as the optimiser sees them.

        Parameters
        ----------
        z : numpy.ndarray
            Encoded covariates.

        Returns
        -------
        numpy.ndarray
        """
        return (z - self.centre) / self.scale

    def _map(self, lay: Layout) -> np.ndarray:
        r"""T with :math:`\psi = T \psi'`."""
        k, m = len(lay.base), len(lay.names)
        coefficient_scale = self.scale[list(lay.columns)]
        shift = lay.loadings(self.centre[None])[0] / coefficient_scale  # B(m) D^-1
        t = np.eye(k + m)
        t[:k, k:] = -shift
        t[k:, k:] = np.diag(1.0 / coefficient_scale)
        return t

    def to_fit(self, lay: Layout, theta: np.ndarray) -> np.ndarray:
        """The user's parameters (natural) as the optimiser's.

        Parameters
        ----------
        lay : Layout
            The coefficients.
        theta : numpy.ndarray
            Natural parameters: base then coefficients.

        Returns
        -------
        numpy.ndarray
        """
        k = len(lay.base)
        psi = np.linalg.solve(self._map(lay), np.concatenate([np.log(theta[:k]), theta[k:]]))
        return np.concatenate([np.exp(psi[:k]), psi[k:]])

    def from_fit(self, lay: Layout, theta: np.ndarray, covariance: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The optimiser's estimate and covariance (natural) as the user's.

        Parameters
        ----------
        lay : Layout
            The coefficients.
        theta, covariance : numpy.ndarray
            The optimiser's natural parameters and their covariance.

        Returns
        -------
        tuple of numpy.ndarray

        Raises
        ------
        DataValidationError
            If the base parameters, at covariates of 0, do not fit in floating point (a covariate far from 0).
        """
        k = len(lay.base)
        t = self._map(lay)
        psi = t @ np.concatenate([np.log(theta[:k]), theta[k:]])
        out = np.concatenate([np.exp(psi[:k]), psi[k:]])
        d_fit = np.ones(len(theta))
        d_fit[:k] = 1.0 / theta[:k]
        d_out = np.ones(len(theta))
        d_out[:k] = out[:k]
        cov_psi = t @ (np.outer(d_fit, d_fit) * covariance) @ t.T
        with np.errstate(over="ignore", invalid="ignore"):
            natural = np.outer(d_out, d_out) * cov_psi
        if not (np.all(np.isfinite(out)) and not np.any(np.isinf(natural))):
            column = int(np.argmax(np.abs(self.centre) / self.scale))
            owners = [enc.name for enc in lay.encodings for _ in enc.columns]
            raise DataValidationError(
                f"The covariate {owners[column]!r} is far from 0 (mean {self.centre[column]:.4g}, standard deviation "
                f"{self.scale[column]:.4g}): the model's base parameters are those of a customer whose covariates "
                "are all 0, and for this one they lie beyond floating point. Centre the column (e.g. "
                f"{owners[column]} - {self.centre[column]:.4g}) and fit again.",
                column=owners[column],
            )
        return out, natural

    def penalties(self, lay: Layout) -> np.ndarray:
        """The coefficients' L2 penalties on the optimiser's scale (the user's penalise the user's coefficients).

        Parameters
        ----------
        lay : Layout
            The coefficients.

        Returns
        -------
        numpy.ndarray
        """
        return np.asarray(lay.penalties) / self.scale[list(lay.columns)] ** 2


def individual(theta: np.ndarray, loadings: np.ndarray, k: int) -> np.ndarray:
    """Each stratum's parameters: ``theta[:k] * exp(B gamma)`` for every parameter vector of ``theta``.

    Parameters
    ----------
    theta : numpy.ndarray
        Full parameter vectors (base then coefficients), shape (..., K).
    loadings : numpy.ndarray
        :meth:`Layout.loadings` of the strata, shape (S, k, K - k).
    k : int
        The number of base parameters.

    Returns
    -------
    numpy.ndarray
        Shape (..., S, k).
    """
    theta = np.asarray(theta, dtype=float)
    shift = np.einsum("sjc,...c->...sj", loadings, theta[..., k:])
    return theta[..., None, :k] * np.exp(shift)


StrataTotals = Callable[[np.ndarray, Any], tuple[np.ndarray, np.ndarray, np.ndarray]]


def per_stratum_totals(
    plain: Callable[[np.ndarray, Any], tuple[float, np.ndarray, np.ndarray]], prepared: Sequence[Any]
) -> StrataTotals:
    """Each stratum's likelihood total, gradient and Hessian, from the model's own ``hessian_totals`` one by one.

    For models without a pass over all strata at once.

    Parameters
    ----------
    plain : callable
        The model's ``hessian_totals(theta, prepared)``.
    prepared : sequence
        Each stratum's data, prepared for ``plain``.

    Returns
    -------
    callable
        ``totals(thetas, _)``: for parameter vectors of shape (S, k), arrays of shape (S,), (S, k) and (S, k, k).
    """

    def totals(thetas: np.ndarray, _: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        out = [plain(theta, data) for theta, data in zip(thetas, prepared, strict=True)]
        return (np.array([o[0] for o in out]), np.array([o[1] for o in out]), np.array([o[2] for o in out]))

    return totals


def hessian_totals(
    strata_totals: StrataTotals, prepared: Any, loadings: np.ndarray, k: int
) -> Callable[[np.ndarray, Any], tuple[float, np.ndarray, np.ndarray]]:
    """The likelihood over strata with its gradient and Hessian in the natural full parameters.

    Parameters
    ----------
    strata_totals : callable
        Each stratum's total, gradient and Hessian at its parameters (:func:`per_stratum_totals`, or a model's
        pass over all strata at once).
    prepared : object
        The strata's data, as ``strata_totals`` reads them.
    loadings : numpy.ndarray
        :meth:`Layout.loadings` of the strata, shape (S, k, K - k).
    k : int
        The number of base parameters.

    Returns
    -------
    callable
        ``totals(theta, _)`` as :mod:`pyclv.models._mle` reads it.
    """
    n_coef = loadings.shape[2]
    diagonal = np.arange(k)

    def totals(theta: np.ndarray, _: Any) -> tuple[float, np.ndarray, np.ndarray]:
        per = individual(theta, loadings, k)  # (S, k)
        values, g, h = strata_totals(per, prepared)
        tg = per * g  # the gradient in log theta_s
        m = per[:, :, None] * per[:, None, :] * h  # the Hessian in log theta_s ...
        m[:, diagonal, diagonal] += tg  # ... with the curvature of exp
        g_psi = np.concatenate([tg.sum(axis=0), np.einsum("sjc,sj->c", loadings, tg)])
        h_psi = np.empty((k + n_coef, k + n_coef))
        h_psi[:k, :k] = m.sum(axis=0)
        h_psi[:k, k:] = np.einsum("sjl,slc->jc", m, loadings)
        h_psi[k:, :k] = h_psi[:k, k:].T
        h_psi[k:, k:] = np.einsum("sjc,sjl,sld->cd", loadings, m, loadings)
        # natural scale: d/d theta_j = (1 / theta_j) d/d psi_j for the base parameters, the coefficients as they are
        d = np.ones(k + n_coef)
        d[:k] = 1.0 / theta[:k]
        gradient = d * g_psi
        hessian = np.outer(d, d) * h_psi
        hessian[diagonal, diagonal] -= d[:k] ** 2 * g_psi[:k]
        return float(values.sum()), gradient, hessian

    return totals


def stratum_covariance(theta: np.ndarray, covariance: np.ndarray, loadings: np.ndarray, k: int) -> np.ndarray:
    """The covariance of one stratum's parameters (delta method through the log scale).

    Parameters
    ----------
    theta : numpy.ndarray
        The full parameter vector.
    covariance : numpy.ndarray
        Its covariance.
    loadings : numpy.ndarray
        The stratum's :meth:`Layout.loadings`, shape (k, K - k).
    k : int
        The number of base parameters.

    Returns
    -------
    numpy.ndarray
        Shape (k, k), on the natural scale.
    """
    d = np.ones(len(theta))
    d[:k] = 1.0 / theta[:k]
    a = np.hstack([np.eye(k), loadings])
    cov_log = a @ (np.outer(d, d) * covariance) @ a.T
    th = individual(theta, loadings[None], k)[0]
    return cov_log * np.outer(th, th)


@dataclass(frozen=True)
class ProfileGroup:
    """The customers of one covariate profile and the models at its parameters.

    Attributes
    ----------
    rows : numpy.ndarray
        The customers' positions in the data, in their order there.
    models : tuple of BaseModel
        Each model without covariates at the profile's parameters (the model itself if it has none), in the
        order given to :func:`profile_groups`.
    covariates : tuple of numpy.ndarray
        Each model's encoded covariates of the profile (empty for a model without covariates): map the whole
        model's parameter draws to the profile with ``model.draws_for_row(draws, covariates[i])``.
    """

    rows: np.ndarray
    models: tuple[BaseModel, ...]
    covariates: tuple[np.ndarray, ...]


def profile_groups(data: pd.DataFrame, *models: BaseModel) -> list[ProfileGroup]:
    """The customers of ``data`` grouped by their covariates under every model, with each group's models.

    What every computation that needs one parameter vector per group uses: a model's own predictions, the score
    table, and the tables and report sums of :mod:`pyclv.evaluation`.

    Parameters
    ----------
    data : pandas.DataFrame
        Customers, with the models' covariate columns.
    *models : BaseModel
        Fitted models (with or without covariates).

    Returns
    -------
    list of ProfileGroup
        One group per distinct profile present in ``data`` (in a fixed order that does not depend on the order
        of the rows); a single group of every customer when no model has covariates.

    Raises
    ------
    DataValidationError
        If a covariate column is missing, has missing values or a level the fit did not see.
    """
    encoded = [model.covariate_matrix(data) for model in models]
    widths = np.cumsum([0] + [z.shape[1] for z in encoded])
    grouped = strata(np.hstack(encoded) if encoded else np.zeros((len(data), 0)))
    groups = []
    for s, rows in enumerate(grouped.members()):
        if not len(rows):
            continue
        z = tuple(grouped.rows[s][widths[i] : widths[i + 1]] for i in range(len(models)))
        plain = tuple(model.for_covariate_row(zi) for model, zi in zip(models, z, strict=True))
        groups.append(ProfileGroup(rows=rows, models=plain, covariates=z))
    return groups


def per_stratum(
    model: BaseModel,
    data: pd.DataFrame,
    call: Callable[[BaseModel, pd.DataFrame], pd.Series],
) -> pd.Series:
    """``call(plain, rows)`` for each stratum of ``data``, with ``plain`` the model at the stratum's parameters.

    Parameters
    ----------
    model : BaseModel
        A fitted model with covariates.
    data : pandas.DataFrame
        Customers with the model's columns and covariates, checked (:meth:`BaseModel.check_data`).
    call : callable
        What to compute for a model without covariates and its customers.

    Returns
    -------
    pandas.Series
        The pieces put back in the order of ``data``.
    """
    pieces = [(g.rows, call(g.models[0], data.iloc[g.rows])) for g in profile_groups(data, model)]
    values = np.empty(len(data), dtype=float)
    for rows, piece in pieces:
        values[rows] = piece.to_numpy(dtype=float)
    return pd.Series(values, index=data.index, name=pieces[0][1].name)
