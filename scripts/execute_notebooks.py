"""Execute the notebooks in a Jupyter kernel and store them with their outputs.

Usage: ``python scripts/execute_notebooks.py [NOTEBOOK ...]`` (all of ``notebooks/*.ipynb`` by default), or
``make notebooks``. Each notebook runs top to bottom in a fresh kernel of the Python that runs this script,
in ``notebooks/`` as its working directory, and is written back with what makes a stored notebook change
between two runs removed: timings, the Python version, kernel-specific paths. Execution counts run 1, 2, ...
in the order of the code cells; figures are stored as PNG.

``tests/test_notebooks.py`` uses the same functions to check that the stored outputs are the ones a fresh run
gives.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import nbformat
from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient

NOTEBOOK_DIR = Path(__file__).resolve().parents[1] / "notebooks"
# Seconds one cell may run: the slowest (several fits, intervals with draws) take well under a minute.
CELL_TIMEOUT = 600
# The notebook-level metadata that is kept: what a reader's Jupyter needs to pick a kernel and highlight code.
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
LANGUAGE_INFO = {"name": "python", "pygments_lexer": "ipython3"}
# Output kinds compared between a stored and a fresh run: text, not figures (PNG bytes vary with fonts and
# library versions).
TEXT_MIMETYPES = ("text/plain", "text/html")


class _ThisPython(KernelSpecManager):
    """A kernel spec manager that always starts ipykernel on the Python running this script.

    A ``python3`` kernel spec found first on Jupyter's search path (for instance in the user's home
    directory) could start another interpreter, without pyclv or with another version of it.
    """

    def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
        """The spec of an ipykernel run by ``sys.executable``, whatever ``kernel_name`` says.

        Parameters
        ----------
        kernel_name : str
            The name asked for (ignored).

        Returns
        -------
        KernelSpec
            The spec of this Python's ipykernel.
        """
        return KernelSpec(
            argv=[sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            display_name=KERNELSPEC["display_name"],
            language="python",
            resource_dir=str(NOTEBOOK_DIR),
        )


def execute(path: Path) -> nbformat.NotebookNode:
    """Run a notebook top to bottom in a fresh kernel and return it, normalised.

    Parameters
    ----------
    path : Path
        The notebook file.

    Returns
    -------
    nbformat.NotebookNode
        The notebook with the outputs of this run, as :func:`normalise` leaves it.

    Raises
    ------
    nbclient.exceptions.CellExecutionError
        If a cell raises; the message names the cell and the error.
    """
    notebook = nbformat.read(path, as_version=4)
    env = dict(os.environ)
    # matplotlib's inline backend draws the figures into the notebook; a backend set for the shell (Agg)
    # would draw them nowhere.
    env.pop("MPLBACKEND", None)
    manager = KernelManager(kernel_name="python3", kernel_spec_manager=_ThisPython())
    client = NotebookClient(
        notebook,
        km=manager,
        timeout=CELL_TIMEOUT,
        record_timing=False,
        allow_errors=False,
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute(env=env)
    return normalise(notebook)


def normalise(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Remove what varies between two runs of the same notebook, in place.

    Parameters
    ----------
    notebook : nbformat.NotebookNode
        An executed notebook.

    Returns
    -------
    nbformat.NotebookNode
        The same notebook: fixed kernel metadata, no cell timings, execution counts 1, 2, ... in the order
        of the code cells, figures as PNG only.
    """
    notebook.metadata = nbformat.from_dict({"kernelspec": KERNELSPEC, "language_info": LANGUAGE_INFO})
    count = 0
    for cell in notebook.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type != "code":
            continue
        count += 1
        cell.execution_count = count
        for output in cell.outputs:
            if "execution_count" in output:
                output.execution_count = count
            data = output.get("data")
            if data is not None and "image/png" in data:
                for mimetype in [key for key in data if key.startswith("image/") and key != "image/png"]:
                    del data[mimetype]
    return notebook


def volatile_metadata(notebook: nbformat.NotebookNode) -> list[str]:
    """What in a stored notebook :func:`normalise` would have removed or changed.

    Parameters
    ----------
    notebook : nbformat.NotebookNode
        A stored notebook.

    Returns
    -------
    list of str
        One line per problem (empty if none): a code cell without outputs, timings, an execution count out
        of sequence, notebook metadata other than the fixed kernel spec, an image stored in another format.
    """
    problems = []
    if dict(notebook.metadata) != {"kernelspec": KERNELSPEC, "language_info": LANGUAGE_INFO}:
        problems.append(f"notebook metadata is {dict(notebook.metadata)}, not the fixed kernel spec")
    count = 0
    for number, cell in enumerate(notebook.cells):
        if "execution" in cell.metadata:
            problems.append(f"cell {number} stores its execution timings")
        if cell.cell_type != "code":
            continue
        count += 1
        if cell.execution_count != count:
            problems.append(f"cell {number} has execution count {cell.execution_count}, expected {count}")
        if not cell.outputs:
            problems.append(f"cell {number} has no outputs")
        for output in cell.outputs:
            if output.output_type == "error":
                problems.append(f"cell {number} stores an error: {output.ename}")
            for mimetype in output.get("data", {}):
                if mimetype.startswith("image/") and mimetype != "image/png":
                    problems.append(f"cell {number} stores an image as {mimetype}")
    return problems


def text_outputs(notebook: nbformat.NotebookNode) -> list[list[tuple[str, str]]]:
    """The text a reader sees under each code cell: printed streams, and the text and HTML of results.

    Parameters
    ----------
    notebook : nbformat.NotebookNode
        A notebook with outputs.

    Returns
    -------
    list of list of (str, str)
        Per code cell, its outputs' ``(kind, text)`` pairs: ``("stdout", ...)`` for a stream, or the
        mimetype (``"text/plain"``, ``"text/html"``) for a result or a displayed object.
    """
    cells = []
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        texts: list[tuple[str, str]] = []
        for output in cell.outputs:
            if output.output_type == "stream":
                texts.append((output.name, output.text))
            for mimetype in TEXT_MIMETYPES:
                if mimetype in output.get("data", {}):
                    texts.append((mimetype, _joined(output.data[mimetype])))
        cells.append(texts)
    return cells


def _joined(text: str | list[str]) -> str:
    return text if isinstance(text, str) else "".join(text)


def main(argv: Sequence[str] | None = None) -> int:
    """Execute the notebooks and store them with their outputs.

    Parameters
    ----------
    argv : sequence of str, optional
        The command-line arguments (``sys.argv[1:]`` by default): notebook paths, all of ``notebooks/``
        when none.

    Returns
    -------
    int
        The exit code: 0.
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="notebooks to run (default: notebooks/*.ipynb)")
    args = parser.parse_args(argv)
    paths: list[Path] = args.notebooks or sorted(NOTEBOOK_DIR.glob("*.ipynb"))
    for path in paths:
        print(f"executing {path}", flush=True)
        notebook: Any = execute(path)
        nbformat.validate(notebook)
        nbformat.write(notebook, path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
