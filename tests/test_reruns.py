"""A nightly job rerun on the same log writes the same bytes, whatever the number of threads.

A user found two runs on the bundled CDNOW data disagreeing in the last bit of ``monetary_value`` (DuckDB's
parallel sum changed its order), and at 200k customers two fits giving different spend parameters. Each run here
is a fresh ``pyclv`` process with numba's thread count varied between runs (DuckDB's thread counts are varied in
tests/engines/test_interface.py, where the engine takes them as an argument).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pyclv.datasets import load_cdnow_transactions


def _log(folder: Path) -> Path:
    """CDNOW's full cohort with the rows shuffled and each amount split in three same-day purchases."""
    tx = load_cdnow_transactions(sample=False)
    rng = np.random.default_rng(5)
    shares = rng.dirichlet([1.0, 1.0, 1.0], len(tx))
    parts = pd.concat([tx.assign(amount=tx["amount"] * shares[:, k]) for k in range(3)], ignore_index=True)
    path = folder / "tx.parquet"
    parts.sample(frac=1.0, random_state=9).to_parquet(path, index=False, row_group_size=20_000)
    return path


def _run(threads: int, *args: str) -> None:
    env = {**os.environ, "NUMBA_NUM_THREADS": str(threads)}
    done = subprocess.run([sys.executable, "-m", "pyclv", "-q", *args], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


@pytest.mark.slow
def test_fit_and_score_reruns_write_the_same_bytes(tmp_path: Path) -> None:
    log = _log(tmp_path)
    outputs = []
    for run, threads in enumerate((1, 2, 2)):
        folder = tmp_path / f"run{run}"
        model, scores = folder / "model.json", folder / "scores.parquet"
        _run(threads, "fit", str(log), "--observation-end", "1997-09-30", "--out", str(model))
        _run(threads, "score", str(log), "--model", str(model), "--observation-end", "1998-06-30",
             "--horizon", "52", "--annual-discount-rate", "0.1", "--out", str(scores))
        artifact = json.loads(model.read_text())
        fitted = {name: artifact["models"][name] for name in sorted(artifact["models"])}
        outputs.append((fitted, pd.read_parquet(scores)))
        if run == 0:  # the same model file scored again, at another thread count: the same bytes
            again = folder / "again.parquet"
            _run(2, "score", str(log), "--model", str(model), "--observation-end", "1998-06-30",
                 "--horizon", "52", "--annual-discount-rate", "0.1", "--out", str(again))
            assert again.read_bytes() == scores.read_bytes()
    first_models, first_scores = outputs[0]
    for models, scores in outputs[1:]:
        # a refit is another model file (it records when it was fitted), hence another model_id; every other
        # column of the score table is the same bits
        pd.testing.assert_frame_equal(
            scores.drop(columns="model_id"), first_scores.drop(columns="model_id"), check_exact=True
        )
        for name, model in models.items():  # the estimates and their covariance, to the bit
            for key in ("params", "covariance", "log_likelihood"):
                assert model[key] == first_models[name][key], (name, key)
