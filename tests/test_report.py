"""The self-contained HTML report, including a render in a real headless browser."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import pyclv
from pyclv.report import build_report, write_report

CAL_END, OBS_END = "1997-09-30", "1998-06-30"


@pytest.fixture(scope="module")
def parts() -> tuple:
    tx = pyclv.datasets.load_cdnow_transactions()
    data = pyclv.calibration_holdout_split(
        tx, calibration_period_end=CAL_END, observation_period_end=OBS_END, monetary_value_col="amount", time_unit="W"
    )
    return pyclv.BetaGeo().fit(data), pyclv.GammaGamma().fit(data), data, tx


@pytest.fixture(scope="module")
def document(parts: tuple) -> str:
    bgnbd, gg, data, tx = parts
    return build_report(
        bgnbd,
        gg,
        data,
        tx,
        calibration_period_end=CAL_END,
        observation_period_end=OBS_END,
        monetary_value_col="amount",
        title="CDNOW <sample>",
    )


def test_report_is_self_contained_with_tables_and_figures(document: str) -> None:
    assert document.startswith("<!DOCTYPE html>") and document.rstrip().endswith("</html>")
    assert "CDNOW &lt;sample&gt;" in document  # the title is escaped
    for heading in (
        "Models",
        "Forecast against the holdout",
        "Conditional expectations",
        "Deciles",
        "Against the baselines",
    ):
        assert heading in document
    images = re.findall(r'<img alt="[^"]*" src="data:image/png;base64,', document)
    assert len(images) == 9  # 6 from the split, 2 tracking curves and the cohort retention map from the log
    assert "http://" not in document and "https://" not in document  # nothing to fetch: readable offline


def test_report_verdict_matches_the_evaluation(parts: tuple, document: str) -> None:
    bgnbd, gg, data, _ = parts
    verdict = pyclv.evaluate(bgnbd, gg, data).verdict()
    assert verdict.replace("&", "&amp;") in document or verdict in document


def test_write_report_is_atomic(parts: tuple, tmp_path: Path) -> None:
    bgnbd, gg, data, _ = parts
    path = write_report(tmp_path / "r.html", bgnbd, gg, data)
    assert path.read_text(encoding="utf-8").count("data:image/png;base64,") == 6  # no log: no tracking, no cohorts
    assert list(tmp_path.iterdir()) == [path]


@pytest.mark.slow  # a subprocess fits the models and draws every figure (~5 s)
def test_cli_report(tmp_path: Path) -> None:
    log = tmp_path / "tx.csv"
    tx = pyclv.datasets.load_cdnow_transactions()
    tx.assign(date=tx["date"].dt.strftime("%Y-%m-%d")).to_csv(log, index=False)
    out = tmp_path / "report.html"
    cmd = [
        sys.executable,
        "-m",
        "pyclv",
        "report",
        str(log),
        "--calibration-end",
        CAL_END,
        "--observation-end",
        OBS_END,
    ]
    done = subprocess.run([*cmd, "--out", str(out)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert out.read_text(encoding="utf-8").count("data:image/png;base64,") == 9
    bad = subprocess.run([*cmd, "--out", str(tmp_path / "report.pdf")], capture_output=True, text=True, timeout=300)
    assert bad.returncode == 2 and ".html" in bad.stderr


def _browser() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


@pytest.mark.slow  # starts a headless browser (~4 s)
@pytest.mark.skipif(
    _browser() is None, reason="no headless Chromium on this machine (.ci/run installs Debian's chromium)"
)
def test_report_renders_in_a_headless_browser(parts: tuple, tmp_path: Path) -> None:
    bgnbd, gg, data, tx = parts
    path = write_report(
        tmp_path / "report.html",
        bgnbd,
        gg,
        data,
        tx,
        calibration_period_end=CAL_END,
        observation_period_end=OBS_END,
        monetary_value_col="amount",
    )
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
    ]
    # the DOM the browser built from the file: the title and every embedded figure came through
    dom = subprocess.run([_browser(), *flags, "--dump-dom", path.as_uri()], capture_output=True, text=True, timeout=120)
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert "<title>Customer lifetime value report</title>" in dom.stdout
    assert dom.stdout.count("<img") == 9
    shot = tmp_path / "report.png"
    done = subprocess.run(
        [_browser(), *flags, "--window-size=1300,2400", f"--screenshot={shot}", path.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0 and shot.exists()
    from matplotlib.image import imread

    pixels = imread(shot)
    assert pixels.shape[:2] == (2400, 1300)
    assert pixels.std() > 0.05  # a rendered page, not a blank canvas
