r"""BG/BB's sums: the ragged log-sum-exps of its likelihood and the series behind its predictions and DERT.

The BG/BB model (:mod:`pyclv.models.beta_geo_beta_binom`) sums one term per possible death opportunity, a
different number per customer; :func:`ragged_blocks` and :func:`ragged` lay those terms out as one flat array
in memory-bounded blocks. :func:`expected_alive_opportunities` is the expected number of opportunities a
customer survives (FHS 2010, the bracket of eqs. 7 and 13) and :func:`log_discounted_survival` the Gauss
hypergeometric series of its DERT (eq. 14), both accurate where the closed forms cancel or scipy fails.

References
----------
Fader, P. S., Hardie, B. G. S. and Shang, J. (2010). Customer-base analysis in a discrete-time
noncontractual setting. *Marketing Science*, 29(6), 1086-1108.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from scipy import special

from pyclv._log_gamma import lgamma_diff
from pyclv.models._special import log1p_ratio

__all__ = [
    "EXACT_SUM_PERIODS",
    "MAX_TERMS",
    "expected_alive_opportunities",
    "flat",
    "log_binom",
    "log_discounted_survival",
    "ragged",
    "ragged_blocks",
    "survival_log_ratio_sum",
]

ArrayLike = np.ndarray | float

# Largest number of ragged terms evaluated at once (memory bound of the segmented sums).
MAX_TERMS = 1 << 21


def ragged_blocks(counts: np.ndarray, max_terms: int = MAX_TERMS) -> Iterator[slice]:
    """Consecutive row slices whose counts add up to at most ``max_terms`` (a single larger row stands alone)."""
    n = len(counts)
    start = 0
    cum = np.cumsum(counts)
    while start < n:
        base = cum[start - 1] if start > 0 else 0
        stop = int(np.searchsorted(cum, base + max_terms, side="right"))
        stop = max(stop, start + 1)
        yield slice(start, stop)
        start = stop


def ragged(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The flat layout of ragged terms, ``counts[r]`` of them for row r.

    Returns the row of each term, the term's offset 0..count-1 within its row and the start of each
    non-empty row in the flat term array.
    """
    counts = counts.astype(np.int64)
    rows = np.flatnonzero(counts > 0)
    c = counts[rows]
    starts = np.cumsum(c) - c
    row_of_term = np.repeat(rows, c)
    offset = np.arange(int(c.sum()), dtype=np.int64) - np.repeat(starts, c)
    return row_of_term, offset, starts


def log_binom(k: ArrayLike, j: ArrayLike) -> np.ndarray:
    """Log C(k, j) for whole numbers 0 <= j <= k."""
    k, j = np.asarray(k), np.asarray(j)
    return special.gammaln(k + 1.0) - special.gammaln(j + 1.0) - special.gammaln(k - j + 1.0)


def flat(*arrays: ArrayLike) -> tuple[tuple[np.ndarray, ...], tuple[int, ...]]:
    """Broadcast the arguments together and flatten them (float64), returning the common shape."""
    b = np.broadcast_arrays(*[np.asarray(a, dtype=float) for a in arrays])
    return tuple(np.ascontiguousarray(a).ravel() for a in b), b[0].shape


# Horizons up to this many periods use the exact finite sum of G (no cancellation); longer ones the closed form.
EXACT_SUM_PERIODS = 4096


def survival_log_ratio_sum(h: float, d: np.ndarray, m: np.ndarray) -> np.ndarray:
    r""":math:`S = \log R / h = -\sum_{j=0}^{m-1} \log(1 + h/(1+d+j)) / h` for whole m <= EXACT_SUM_PERIODS.

    ``d`` and ``m`` are 1-d arrays of equal length; the sums are cumulative sums over the distinct d.
    """
    out = np.empty(len(d))
    ud, inverse = np.unique(d, return_inverse=True)
    top = int(m.max()) if len(m) else 0
    rows_per_block = max(1, MAX_TERMS // max(top, 1))
    j = np.arange(top, dtype=float)[None, :]
    for start in range(0, len(ud), rows_per_block):
        y = 1.0 + ud[start : start + rows_per_block, None] + j
        table = np.concatenate([np.zeros((y.shape[0], 1)), np.cumsum(-log1p_ratio(h / y) / y, axis=1)], axis=1)
        sel = (inverse >= start) & (inverse < start + rows_per_block)
        out[sel] = table[inverse[sel] - start, m[sel].astype(np.int64)]
    return out


def expected_alive_opportunities(gamma: float, d: ArrayLike, m: ArrayLike) -> np.ndarray:
    r"""Expected number of the next m opportunities a customer survives, for a Beta(:math:`\gamma`, d) dropout.

    .. math::
        G(\gamma, d, m) = \sum_{t=1}^{m} \frac{B(\gamma, d+t)}{B(\gamma, d)}
        = \frac{d}{\gamma-1}\Big[1 - R\Big], \quad
        R = \frac{\Gamma(\gamma+d)\,\Gamma(1+d+m)}{\Gamma(1+d)\,\Gamma(\gamma+d+m)}
          = \prod_{j=0}^{m-1} \Big(1 + \frac{\gamma-1}{1+d+j}\Big)^{-1}

    With :math:`h = \gamma - 1` and :math:`\log R = h S`, :math:`G = -d\,S\,\mathrm{exprel}(hS)`, which is
    continuous through the removable singularity at :math:`\gamma = 1`. For whole m up to 4096, S is the
    finite sum of the product form (exact: all terms of one sign, so no cancellation even when d is large
    and m small). For longer horizons, :math:`\log R` is the difference of two log-gamma differences, each
    from :func:`pyclv._log_gamma.lgamma_diff` (at :math:`\gamma = 1` exactly, S is the difference of two digammas).
    """
    d_arr, m_arr = np.broadcast_arrays(np.asarray(d, dtype=float), np.asarray(m, dtype=float))
    shape = d_arr.shape
    d_flat, m_flat = d_arr.ravel(), m_arr.ravel()
    h = gamma - 1.0
    s = np.empty(len(d_flat))
    exact = (m_flat <= EXACT_SUM_PERIODS) & (m_flat == np.floor(m_flat))
    if exact.any():
        s[exact] = survival_log_ratio_sum(h, d_flat[exact], m_flat[exact])
    rest = ~exact
    if rest.any():
        dr, mr = d_flat[rest], m_flat[rest]
        s[rest] = (lgamma_diff(1.0 + dr, h) - lgamma_diff(1.0 + dr + mr, h)) / h if h != 0.0 else (
            special.digamma(1.0 + dr) - special.digamma(1.0 + dr + mr)
        )
    return (-d_flat * s * special.exprel(h * s)).reshape(shape)


def log_discounted_survival(gamma: float, d: np.ndarray, discount: float) -> np.ndarray:
    r"""Log of :math:`{}_2F_1(1, d+1; \gamma+d+1; e^{-\text{discount}})`, for a 1-d array of d.

    That is :math:`\log \sum_{k\ge0} \frac{(d+1)_k}{(\gamma+d+1)_k} e^{-\text{discount}\,k}`.

    The Gauss series has positive terms whose ratio tends to :math:`e^{-\text{discount}}`; it is summed in
    log space, in chunks, until the next term is below 1e-18 of the sum (no cancellation, so the result is
    accurate to a few ulps times the number of chunks). The cost is about 41 / discount terms per distinct
    d; the callers pass one d per distinct number of opportunities.
    """
    out = np.empty(len(d))
    chunk = int(min(max(256, np.ceil(45.0 / discount)), 1 << 20))
    rows_per_block = max(1, MAX_TERMS // chunk)
    for start in range(0, len(d), rows_per_block):
        dd = d[start : start + rows_per_block, None]
        log_term = np.zeros((len(dd), 1))  # log of the current leading term (k = 0: 1)
        log_sum = np.full(len(dd), -np.inf)
        offset = 0
        active = np.ones(len(dd), dtype=bool)
        while active.any():
            ks = offset + np.arange(chunk, dtype=float)[None, :]
            # log of term_{k+1} / term_k = log((d+1+k) / (gamma+d+1+k)) - discount
            steps = -np.log1p(gamma / (dd + 1.0 + ks)) - discount
            logs = log_term + np.concatenate([np.zeros((len(dd), 1)), np.cumsum(steps[:, :-1], axis=1)], axis=1)
            log_sum = np.where(active, np.logaddexp(log_sum, special.logsumexp(logs, axis=1)), log_sum)
            log_term = logs[:, -1:] + steps[:, -1:]
            active &= log_term[:, 0] > log_sum - 41.5
            offset += chunk
        out[start : start + rows_per_block] = log_sum
    return out
