"""Model artifacts and table files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import pyclv
from pyclv.io import FORMAT_VERSION, atomic_write, read_table, write_table


@pytest.fixture(scope="module")
def fitted() -> pyclv.BetaGeo:
    return pyclv.BetaGeo(penalizer=0.0).fit(pyclv.datasets.load_cdnow_summary())


def test_save_load_round_trip(fitted: pyclv.BetaGeo, tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    fitted.save(path)
    loaded = pyclv.load_model(path)
    assert type(loaded) is pyclv.BetaGeo
    pd.testing.assert_series_equal(loaded.params_, fitted.params_)
    pd.testing.assert_frame_equal(loaded.covariance_, fitted.covariance_)
    assert loaded.log_likelihood_ == fitted.log_likelihood_
    assert loaded.n_customers_ == 2357 and loaded.time_unit_ == "W"
    payload = json.loads(path.read_text())
    assert payload["format_version"] == FORMAT_VERSION
    assert payload["model_type"] == "BetaGeo"
    assert payload["pyclv_version"] == pyclv.__version__
    assert payload["fitted_at"] and payload["fit_seconds"] >= 0
    summary = pyclv.datasets.load_cdnow_summary()
    pd.testing.assert_series_equal(loaded.p_alive(summary), fitted.p_alive(summary))


def test_from_params_model_saves_nan_covariance_as_null(tmp_path: Path) -> None:
    model = pyclv.GammaGamma.from_params(p=6.25, q=3.74, v=15.44)
    model.save(tmp_path / "gg.json")
    text = (tmp_path / "gg.json").read_text()
    assert "NaN" not in text  # strict JSON
    loaded = pyclv.load_model(tmp_path / "gg.json")
    assert loaded.covariance_.isna().all().all()
    assert loaded.time_unit_ is None


def test_bundle_round_trip(fitted: pyclv.BetaGeo, tmp_path: Path) -> None:
    gg = pyclv.GammaGamma.from_params(p=6.25, q=3.74, v=15.44, time_unit="W")
    pyclv.save_models(tmp_path / "clv.json", transaction=fitted, spend=gg)
    models = pyclv.load_models(tmp_path / "clv.json")
    assert set(models) == {"transaction", "spend"}
    assert isinstance(models["spend"], pyclv.GammaGamma)
    with pytest.raises(pyclv.ModelFormatError, match="load_models"):
        pyclv.load_model(tmp_path / "clv.json")


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda p: p.update(format_version=99), "format version 99"),
        (lambda p: p.update(model_type="Mystery"), "Unknown model type 'Mystery'"),
        (lambda p: p.pop("format"), "not a pyclv model file"),
        (lambda p: p["params"].pop("alpha"), "malformed"),
        (lambda p: p["params"].update(r=-1.0), "outside their domain"),
    ],
)
def test_load_refuses_bad_files(fitted: pyclv.BetaGeo, tmp_path: Path, edit, message: str) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "model.json"
    fitted.save(path)
    payload = json.loads(path.read_text())
    edit(payload)
    path.write_text(json.dumps(payload))
    with pytest.raises(pyclv.ModelFormatError, match=message):
        pyclv.load_model(path)


def test_load_refuses_non_json(tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    path.write_text("not json")
    with pytest.raises(pyclv.ModelFormatError, match="invalid JSON"):
        pyclv.load_model(path)


def test_atomic_write_leaves_no_partial_file(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    target.write_text("old")

    def failing(tmp: Path) -> None:
        tmp.write_text("partial")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        atomic_write(target, failing)
    assert target.read_text() == "old"
    assert list(tmp_path.iterdir()) == [target]


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_table_round_trip(tmp_path: Path, suffix: str) -> None:
    frame = pd.DataFrame({"customer_id": [3, 1, 2], "clv": [1.5, np.pi, 0.0]}).set_index("customer_id")
    write_table(frame, tmp_path / f"t{suffix}")
    back = read_table(tmp_path / f"t{suffix}")
    if suffix == ".csv":
        back = back.set_index("customer_id")
    pd.testing.assert_frame_equal(back, frame)


def test_table_refuses_unknown_suffix(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unsupported file type"):
        write_table(pd.DataFrame({"a": [1]}), tmp_path / "t.xlsx")


def test_load_refuses_a_non_object_entry(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    path.write_text('{"format": "pyclv-models", "format_version": 1, "models": {"transaction": [1]}}')
    with pytest.raises(pyclv.ModelFormatError, match="JSON object"):
        pyclv.load_models(path)
