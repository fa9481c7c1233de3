"""The notebooks are stored with their outputs, and a fresh run in a Jupyter kernel gives the same text.

``scripts/execute_notebooks.py`` (``make notebooks``) executes and stores them; these tests use its functions.
A stored output that no longer matches a fresh run means the code changed what a reader sees: re-execute the
notebooks and read the diff.
"""

from __future__ import annotations

import difflib
import importlib.util
from pathlib import Path
from types import ModuleType

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("execute_notebooks", ROOT / "scripts" / "execute_notebooks.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


script = _script()


def test_there_are_notebooks() -> None:
    assert NOTEBOOKS, "notebooks/ holds no notebook"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_stored_with_outputs_and_without_volatile_metadata(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    assert script.volatile_metadata(notebook) == [], "re-execute with `make notebooks`"
    # what a visitor of the repository sees: every code cell shows something, and nothing of this machine
    text = path.read_text(encoding="utf-8")
    checkout = str(Path(__file__).resolve().parents[1])  # wherever the repository is cloned
    for local in (checkout, "/home/", "/tmp/", "site-packages", "\\Users\\"):
        assert local not in text, f"{path.name} stores a local path ({local})"
    # every figure is there to see, as a PNG
    for cell in notebook.cells:
        for output in cell.get("outputs", ()):
            if output.get("data", {}).get("text/plain", "").startswith("<Figure"):
                assert "image/png" in output.data, f"{path.name}: a figure stored without its image"


def test_normalise_removes_what_varies() -> None:
    notebook = nbformat.v4.new_notebook(
        metadata={
            "kernelspec": {"name": "python3", "display_name": "x", "language": "python"},
            "language_info": {"name": "python", "version": "3.13.1"},
        },
    )
    first = nbformat.v4.new_code_cell("1 + 1", execution_count=7)
    first.metadata["execution"] = {"iopub.status.busy": "2026-01-01T00:00:00Z"}
    first.outputs = [nbformat.v4.new_output("execute_result", {"text/plain": "2"}, execution_count=7)]
    second = nbformat.v4.new_code_cell("figure", execution_count=9)
    second.outputs = [nbformat.v4.new_output("display_data", {"image/png": "iVBOR", "image/svg+xml": "<svg/>"})]
    notebook.cells = [nbformat.v4.new_markdown_cell("# title"), first, second]
    assert len(script.volatile_metadata(notebook)) == 5  # metadata, timings, two counts out of sequence, svg

    script.normalise(notebook)
    assert script.volatile_metadata(notebook) == []
    assert [cell.get("execution_count") for cell in notebook.cells] == [None, 1, 2]
    assert notebook.cells[1].outputs[0].execution_count == 1
    assert list(notebook.cells[2].outputs[0].data) == ["image/png"]
    assert "version" not in notebook.metadata.language_info


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_fresh_run_gives_the_stored_text(path: Path) -> None:
    stored = script.text_outputs(nbformat.read(path, as_version=4))
    fresh = script.text_outputs(script.execute(path))  # a cell that raises fails here, naming the cell
    assert len(fresh) == len(stored)
    for number, (old, new) in enumerate(zip(stored, fresh, strict=True)):
        if old != new:
            diff = "\n".join(
                difflib.unified_diff(
                    [f"{kind}: {line}" for kind, text in old for line in text.splitlines()],
                    [f"{kind}: {line}" for kind, text in new for line in text.splitlines()],
                    "stored",
                    "fresh run",
                    lineterm="",
                )
            )
            pytest.fail(f"{path.name}, code cell {number + 1}: the output changed (re-run `make notebooks`):\n{diff}")
