"""The notebooks run, top to bottom, on the bundled data, so they never go stale.

Each notebook's code cells are executed in order in one namespace (as a kernel would), with matplotlib on the
Agg backend; a cell that raises fails the test with the cell's number.
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib
import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


def test_there_are_notebooks() -> None:
    assert NOTEBOOKS, "notebooks/ holds no notebook"


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path: Path) -> None:
    matplotlib.use("Agg")
    notebook = json.loads(path.read_text(encoding="utf-8"))
    namespace: dict[str, object] = {"__name__": "__notebook__"}
    for number, cell in enumerate(notebook["cells"]):
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"])
        try:
            exec(compile(source, f"{path.name}[cell {number}]", "exec"), namespace)
        except Exception as exc:  # pragma: no cover - the message is the point
            pytest.fail(f"{path.name}, cell {number} raised {type(exc).__name__}: {exc}")
    import matplotlib.pyplot as plt

    plt.close("all")  # figures a notebook left open must not count against the next one
    # the notebook's public-API objects are really there
    assert "scores" in namespace or "summary" in namespace
