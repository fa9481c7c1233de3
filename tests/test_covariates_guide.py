"""Every ```python block of docs/user-guide/covariates.md runs, in order, in one namespace, and prints what the
guide's comments say (so that the guide cannot drift from what pyclv computes)."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path
from typing import Any

import pytest

GUIDE = Path(__file__).resolve().parents[1] / "docs" / "user-guide" / "covariates.md"


def _blocks() -> list[str]:
    return re.findall(r"^```python\n(.*?)^```$", GUIDE.read_text(encoding="utf-8"), flags=re.DOTALL | re.MULTILINE)


def _quoted(block: str) -> list[str]:
    """The lines a block's comments quote as its output (a comment line indented by one more space continues
    the line before it, as a long printed line is wrapped in the guide)."""
    out: list[str] = []
    for line in block.splitlines():
        if line.startswith("#  ") and out:
            out[-1] = f"{out[-1]} {line[3:]}"
        elif line.startswith("# "):
            out.append(line[2:])
    return out


def test_every_code_block_runs_and_prints_what_the_guide_says() -> None:
    namespace: dict[str, Any] = {"__name__": "covariates_guide"}
    for number, block in enumerate(_blocks(), start=1):
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            try:
                exec(compile(block, f"{GUIDE.name}, block {number}", "exec"), namespace)  # noqa: S102
            except Exception as error:  # pragma: no cover - the message says which block failed
                pytest.fail(f"block {number} of {GUIDE.name} failed: {type(error).__name__}: {error}")
        assert printed.getvalue().splitlines() == _quoted(block), f"block {number}"
    assert len(_blocks()) >= 6
