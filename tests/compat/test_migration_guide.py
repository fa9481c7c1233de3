"""Every ```python block of docs/migrating-from-lifetimes.md runs, in order, in one namespace.

The printed numbers the guide quotes in its comments are checked too, so that the guide cannot drift from
what pyclv computes.
"""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path
from typing import Any

import matplotlib
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "migrating-from-lifetimes.md"


def _blocks() -> list[str]:
    return re.findall(r"^```python\n(.*?)^```$", GUIDE.read_text(encoding="utf-8"), flags=re.DOTALL | re.MULTILINE)


def test_the_guide_has_code_blocks() -> None:
    assert len(_blocks()) >= 4


def test_every_code_block_runs_in_order_and_prints_what_the_guide_says() -> None:
    namespace: dict[str, Any] = {"__name__": "migrating_from_lifetimes"}
    printed = io.StringIO()
    try:
        for number, block in enumerate(_blocks(), start=1):
            with contextlib.redirect_stdout(printed):
                try:
                    exec(compile(block, f"{GUIDE.name}, block {number}", "exec"), namespace)  # noqa: S102
                except Exception as error:  # pragma: no cover - the message says which block failed
                    pytest.fail(f"block {number} of {GUIDE.name} failed: {type(error).__name__}: {error}")
    finally:
        plt.close("all")
    lines = printed.getvalue().splitlines()
    # the values the guide's comments quote
    assert "{'r': 0.243, 'alpha': 4.414, 'a': 0.793, 'b': 2.426}" in lines
    assert "71510" in lines
    assert "True" in lines
    assert "71728 0.0031" in lines
