"""Sphinx configuration of pyclv's documentation (``make docs``; see building.md for the choices)."""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The checkout's own package, also when it is not installed (an installed one would do as well).
sys.path.insert(0, str(ROOT / "src"))

import pyclv  # noqa: E402

project = "pyclv"
author = "The pyclv developers"
copyright = "2026, The pyclv developers"  # noqa: A001 - Sphinx's name
release = pyclv.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "myst_nb",
]

exclude_patterns = ["_build", "**.ipynb_checkpoints", "Thumbs.db", ".DS_Store"]
templates_path = ["_templates"]
source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}

# The notebooks are rendered from their stored outputs: `make notebooks` executes them, the docs never do.
nb_execution_mode = "off"
nb_merge_streams = True
myst_enable_extensions = ["dollarmath", "colon_fence", "deflist"]
myst_heading_anchors = 3

# --- the API reference, from the docstrings
autosummary_generate = True
autosummary_ignore_module_all = False  # a module's members are its __all__, re-exports included
autodoc_default_options = {"member-order": "groupwise"}
autodoc_typehints = "none"  # the numpydoc Parameters sections give the types, in words
numpydoc_show_class_members = False  # the class template documents the members itself
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False


def _same_as_top_level() -> set[str]:
    """The qualified names under which a public module re-exports an object of ``pyclv.__all__``.

    The module pages of the API reference link those to the object's page under ``pyclv`` instead of
    documenting them a second time.
    """
    same = set()
    for info in pkgutil.walk_packages(pyclv.__path__, "pyclv."):
        if any(part.startswith("_") for part in info.name.split(".")):
            continue
        module = importlib.import_module(info.name)  # pyclv.engines.spark needs pyspark: the docs extra has it
        for item in getattr(module, "__all__", ()):
            if item in pyclv.__all__ and getattr(module, item) is getattr(pyclv, item):
                same.add(f"{info.name}.{item}")
    return same


autosummary_context = {
    "same_as_top_level": sorted(_same_as_top_level()),
    # Packages whose modules get pages of their own: one per model (its equations and pure functions) and one
    # per engine. The other packages re-export everything of their modules, documented on the package's page.
    "expand_submodules": ["pyclv.models", "pyclv.engines"],
}

# --- HTML
html_theme = "pydata_sphinx_theme"
html_title = f"pyclv {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "footer_start": ["copyright"],
    "footer_end": [],
}
html_context = {"default_mode": "light"}
html_static_path: list[str] = []

# Warnings are errors (`sphinx-build -W`). None is suppressed wholesale; nitpicky stays off, so a reference to a
# private module or to a type outside pyclv is shown as text rather than reported.
nitpicky = False
