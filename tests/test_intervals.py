"""Interval bounds in blocks of customers: the shortcut for factorised models gives the per-block bounds."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import pyclv
from pyclv import _intervals


@pytest.fixture(scope="module")
def summary() -> pd.DataFrame:
    return pyclv.datasets.load_cdnow_summary()


@pytest.fixture(scope="module")
def models(summary: pd.DataFrame) -> tuple[pyclv.BetaGeo, pyclv.GammaGamma]:
    return pyclv.BetaGeo().fit(summary), pyclv.GammaGamma().fit(summary)


@pytest.mark.parametrize("horizon", [52.0, pytest.param(np.inf, marks=pytest.mark.slow)])
def test_interval_shortcut_equals_the_per_block_path(
    models: tuple, summary: pd.DataFrame, monkeypatch: pytest.MonkeyPatch, horizon: float
) -> None:
    """Factors per (x, T) precomputed for all draws give the same bounds as computing every block afresh."""
    bgnbd, gg = models
    kwargs = {"horizon": horizon, "annual_discount_rate": 0.1, "interval": 0.9, "n_draws": 20, "seed": 9}
    fast = pyclv.score(bgnbd, gg, summary, **kwargs)
    monkeypatch.setattr(_intervals, "MAX_FACTOR_VALUES", 0)  # force the per-block path
    monkeypatch.setattr(_intervals, "BLOCK_CUSTOMERS", 500)  # and several blocks
    slow = pyclv.score(bgnbd, gg, summary, **kwargs)
    pd.testing.assert_frame_equal(fast, slow, rtol=1e-12)


def test_blocks_hold_whole_histories_and_every_customer_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_intervals, "BLOCK_CUSTOMERS", 700)
    inverse = np.random.default_rng(0).integers(0, 300, 5_000)
    n_histories = 300
    seen = []
    for block in _intervals.history_blocks(inverse, n_histories):
        histories = set(inverse[block.customers].tolist())
        assert histories == set(range(block.start, block.stop)) & set(inverse.tolist())
        assert len(block.customers) <= 700 + 40  # whole histories: a block may pass the target by one history
        assert np.array_equal(block.local, inverse[block.customers] - block.start)
        seen.append(block.customers)
    assert len(seen) > 5
    customers = np.concatenate(seen)
    assert np.array_equal(np.sort(customers), np.arange(len(inverse)))
