"""Model artifacts and table files."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import pyclv
from pyclv._artifact import content_digest
from pyclv.io import FORMAT_VERSION, atomic_write, read_table, write_table


def signed(payload: dict[str, Any]) -> str:
    """The artifact's JSON with a checksum that matches its (edited) content."""
    return json.dumps({**payload, "sha256": content_digest(payload)})


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


Edit = Callable[[dict[str, Any]], object]

BAD_FIELDS: list[tuple[Edit, str]] = [
    (lambda p: p.update(format_version=99), "format version 99"),
    (lambda p: p.update(model_type="Mystery"), "Unknown model type 'Mystery'"),
    (lambda p: p.pop("format"), "not a pyclv model file"),
    (lambda p: p["params"].pop("alpha"), "no field 'alpha'"),
    (lambda p: p["params"].update(r=-1.0), "outside their domain"),
    (lambda p: p["params"].update(r="0.24"), "parameter r is '0.24', not a number"),
    (lambda p: p["params"].update(r=True), "parameter r is True, not a number"),
    (lambda p: p.update(covariance=p["covariance"][:3]), "not a 4 x 4 matrix"),
    (lambda p: p.update(covariance=[row + [0.0] for row in p["covariance"]]), "not a 4 x 4 matrix"),
    (lambda p: p["covariance"][0].__setitem__(0, -1.0), "negative variance"),
    (lambda p: p["covariance"][1].__setitem__(2, "x"), "a covariance entry is 'x'"),
    (lambda p: p.update(converged="yes"), "converged is 'yes'"),
    (lambda p: p.update(n_iterations=2.5), "n_iterations is 2.5, not an integer"),
    (lambda p: p.update(n_customers=-3), "n_customers is -3, below 0"),
    (lambda p: p.update(time_unit=7), "time_unit is 7, not text"),
    (lambda p: p.update(params=[1, 2]), "params and settings must be JSON objects"),
    (lambda p: p.update(settings={"learning_rate": 1}), "learning_rate"),
]


@pytest.mark.parametrize(("edit", "message"), BAD_FIELDS)
def test_load_refuses_bad_fields(fitted: pyclv.BetaGeo, tmp_path: Path, edit: Edit, message: str) -> None:
    # the checksum recomputed after the edit: the fields themselves are checked, as for a file whose
    # checksum was forged
    path = tmp_path / "model.json"
    fitted.save(path)
    payload = json.loads(path.read_text())
    payload.pop("sha256")
    edit(payload)
    path.write_text(signed(payload))
    with pytest.raises(pyclv.ModelFormatError, match=message):
        pyclv.load_model(path)


@pytest.mark.parametrize(("edit", "message"), BAD_FIELDS[1:])
def test_load_refuses_edited_files(fitted: pyclv.BetaGeo, tmp_path: Path, edit: Edit, message: str) -> None:
    path = tmp_path / "model.json"
    fitted.save(path)
    payload = json.loads(path.read_text())
    edit(payload)
    path.write_text(json.dumps(payload))
    with pytest.raises(pyclv.ModelFormatError, match="corrupt or was edited|not a pyclv model file"):
        pyclv.load_model(path)


def test_checksum_catches_a_valid_looking_edit(fitted: pyclv.BetaGeo, tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    fitted.save(path)
    payload = json.loads(path.read_text())
    assert payload["sha256"] == content_digest(payload)
    payload["params"]["r"] *= 1.01  # a plausible value: only the checksum can tell
    path.write_text(json.dumps(payload, indent=2))
    with pytest.raises(pyclv.ModelFormatError, match="does not match its checksum"):
        pyclv.load_model(path)


def test_checksum_is_of_the_content_not_the_layout(fitted: pyclv.BetaGeo, tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    fitted.save(path)
    payload = json.loads(path.read_text())
    path.write_text(json.dumps(dict(reversed(payload.items())), indent=7))  # re-indented and reordered
    loaded = pyclv.load_model(path)
    pd.testing.assert_series_equal(loaded.params_, fitted.params_)


def test_a_file_without_checksum_loads_with_a_warning(fitted: pyclv.BetaGeo, tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    fitted.save(path)
    payload = json.loads(path.read_text())
    payload.pop("sha256")
    path.write_text(json.dumps(payload))
    with pytest.warns(pyclv.PyCLVWarning, match="no checksum"):
        loaded = pyclv.load_model(path)
    assert loaded.params_["r"] == fitted.params_["r"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "invalid JSON"),
        (b"\x89PNG\r\n\x1a\n\x00\xff", "not UTF-8 text"),
        (b"[" * 100_000, "invalid JSON"),
        (b'{"format": "pyclv-model", "format_version": 1, "params": {"r": NaN}}', "NaN"),
        (b'{"format": "pyclv-model", "format_version": 1, "fit_seconds": -Infinity}', "-Infinity"),
    ],
)
def test_load_refuses_files_that_are_not_json(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "model.json"
    path.write_bytes(content)
    with pytest.raises(pyclv.ModelFormatError, match=message):
        pyclv.load_model(path)


def test_load_refuses_a_truncated_file(fitted: pyclv.BetaGeo, tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    fitted.save(path)
    text = path.read_bytes()
    for cut in (1, len(text) // 2, len(text) - 3):
        path.write_bytes(text[:cut])
        with pytest.raises(pyclv.ModelFormatError, match="invalid JSON"):
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
    path.write_text(signed({"format": "pyclv-models", "format_version": 1, "models": {"transaction": [1]}}))
    with pytest.raises(pyclv.ModelFormatError, match="JSON object"):
        pyclv.load_models(path)


def test_save_records_the_checksum_of_the_content(tmp_path: Path) -> None:
    gg = pyclv.GammaGamma.from_params(p=6.25, q=3.74, v=15.44)
    pyclv.save_models(tmp_path / "a.json", spend=gg)
    payload = json.loads((tmp_path / "a.json").read_text())
    assert list(payload)[:3] == ["format", "format_version", "sha256"]
    assert len(payload["sha256"]) == 64 and payload["sha256"] == content_digest(payload)
    assert content_digest({**payload, "sha256": "anything"}) == payload["sha256"]  # the field is left out


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_write_table_refuses_non_finite_floats(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"scores{suffix}"
    path.write_bytes(b"previous")
    frame = pd.DataFrame(
        {"clv": [1.0, np.nan, np.inf, 2.0, -np.inf], "p_alive": [0.5, 0.5, 0.5, np.nan, 0.5], "n": [1, 2, 3, 4, 5]},
        index=pd.Index(["a", "b", "c", "d", "e"], name="customer_id"),
    )
    with pytest.raises(pyclv.DataValidationError, match=r"column 'clv' has 3 rows with NaN or infinite") as info:
        write_table(frame, path)
    message = str(info.value)
    assert "'b' (nan), 'c' (inf), 'e' (-inf)" in message and "'p_alive'" in message and "\n" not in message
    assert info.value.column == "clv" and info.value.n_rows == 3
    assert path.read_bytes() == b"previous" and sorted(tmp_path.iterdir()) == [path]


def test_write_table_refuses_missing_nullable_floats(tmp_path: Path) -> None:
    frame = pd.DataFrame({"clv": pd.array([1.0, None], dtype="Float64")})
    with pytest.raises(pyclv.DataValidationError, match="column 'clv' has 1 row with NaN"):
        write_table(frame, tmp_path / "t.parquet")
    assert not (tmp_path / "t.parquet").exists()


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_write_table_is_deterministic(tmp_path: Path, suffix: str) -> None:
    rng = np.random.default_rng(7)
    frame = pd.DataFrame(
        {"clv": rng.lognormal(3, 2, 500), "p_alive": rng.random(500), "frequency": rng.integers(0, 9, 500)},
        index=pd.Index([f"c{i:04d}" for i in range(500)], name="customer_id"),
    )
    write_table(frame, tmp_path / f"a{suffix}")
    time.sleep(1.1)  # a time stamp in seconds would differ
    write_table(frame.copy(), tmp_path / f"b{suffix}")
    assert (tmp_path / f"a{suffix}").read_bytes() == (tmp_path / f"b{suffix}").read_bytes()


def test_csv_floats_read_back_exactly(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    extremes = [5e-324, 1.7976931348623157e308, 0.1, 1 / 3, -0.0]
    values = np.concatenate([rng.standard_normal(2000) * 10.0 ** rng.integers(-300, 300, 2000), extremes])
    frame = pd.DataFrame({"x": values}, index=pd.RangeIndex(len(values), name="i"))
    write_table(frame, tmp_path / "t.csv")
    text = (tmp_path / "t.csv").read_bytes()
    assert b"\r" not in text
    back = [float(line.split(b",")[1]) for line in text.splitlines()[1:]]  # Python's own parser
    np.testing.assert_array_equal(back, values)


def test_write_table_through_a_symbolic_link(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / "scores.csv"
    target.write_text("old")
    link = tmp_path / "scores.csv"
    link.symlink_to(target)
    write_table(pd.DataFrame({"clv": [1.5]}), link, index=False)
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_text() == "clv\n1.5\n"


# ---------------------------------------------------------------------------------------------------------
# Lineage and manifests
# ---------------------------------------------------------------------------------------------------------

LINEAGE = {"inputs": [{"path": "tx.csv", "bytes": 10, "sha256": "ab" * 32}], "observation_end": "1997-09-30",
           "columns": {"customer_id": "customer_id", "date": "date", "amount": "amount"}, "customers": 2357}


def test_lineage_travels_with_the_models_under_the_checksum(fitted: pyclv.BetaGeo, tmp_path: Path) -> None:
    from pyclv.io import load_artifact

    path = tmp_path / "models.json"
    pyclv.save_models(path, lineage=LINEAGE, transaction=fitted)
    artifact = load_artifact(path)
    payload = json.loads(path.read_text())
    assert artifact.lineage == LINEAGE == payload["lineage"]
    assert artifact.sha256 == payload["sha256"] == content_digest(payload)
    assert list(artifact.models) == ["transaction"]
    # the lineage is part of the content the checksum covers: an edit is refused
    payload["lineage"]["customers"] = 1
    path.write_text(json.dumps(payload))
    with pytest.raises(pyclv.ModelFormatError, match="corrupt or was edited"):
        load_artifact(path)
    # without a lineage the field is absent, and the identity differs
    pyclv.save_models(tmp_path / "plain.json", transaction=fitted)
    plain = load_artifact(tmp_path / "plain.json")
    assert plain.lineage is None and "lineage" not in json.loads((tmp_path / "plain.json").read_text())


def test_a_lineage_that_is_not_an_object_is_refused(fitted: pyclv.BetaGeo, tmp_path: Path) -> None:
    from pyclv.io import load_artifact

    path = tmp_path / "models.json"
    pyclv.save_models(path, transaction=fitted)
    payload = json.loads(path.read_text())
    payload["lineage"] = ["tx.csv"]
    path.write_text(signed({k: v for k, v in payload.items() if k != "sha256"}))
    with pytest.raises(pyclv.ModelFormatError, match="lineage is list"):
        load_artifact(path)


def test_write_manifest_is_json_without_nan(tmp_path: Path) -> None:
    from pyclv.io import write_manifest

    path = tmp_path / "out.csv.manifest.json"
    write_manifest(path, {"b": 1, "a": [1.5, "é"]})
    assert path.read_text(encoding="utf-8") == '{\n  "b": 1,\n  "a": [\n    1.5,\n    "é"\n  ]\n}\n'
    with pytest.raises(ValueError, match="JSON compliant"):
        write_manifest(path, {"a": float("nan")})
    assert json.loads(path.read_text()) == {"b": 1, "a": [1.5, "é"]}
