"""The layering of docs/ARCHITECTURE.md, checked on the source: no import cycle, no private name used outside
its own package, the shipped models listed once, and the public API exactly what __all__ says."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

import pyclv

SRC = Path(pyclv.__file__).parent


def _module_name(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(path): path for path in SRC.rglob("*.py")}
PACKAGES = {_module_name(path) for path in SRC.rglob("__init__.py")}


def _package_of(module: str) -> str:
    """The package a module belongs to (a package belongs to itself)."""
    return module if module in PACKAGES else module.rpartition(".")[0]


def _runtime_imports(tree: ast.Module) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import statement, at any depth, except those under ``if TYPE_CHECKING:``."""
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            stack.extend(node.orelse)
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        stack.extend(ast.iter_child_nodes(node))


def _edges(module: str) -> Iterator[tuple[str, str]]:
    """(imported module, imported name or "") for each pyclv import of ``module``."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    for node in _runtime_imports(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "pyclv":
                    yield alias.name, ""
            continue
        if node.level:
            base = module if module in PACKAGES else module.rpartition(".")[0]
            for _ in range(node.level - 1):
                base = base.rpartition(".")[0]
            source = f"{base}.{node.module}" if node.module else base
        else:
            source = node.module or ""
        if source.split(".")[0] != "pyclv":
            continue
        for alias in node.names:
            submodule = f"{source}.{alias.name}"
            yield (submodule, "") if submodule in MODULES else (source, alias.name)


def test_every_module_is_found() -> None:
    assert {"pyclv", "pyclv.data", "pyclv._validation", "pyclv.engines.duckdb", "pyclv.models._mle"} <= set(MODULES)


def test_no_import_cycle() -> None:
    graph = {module: sorted({target for target, _ in _edges(module) if target in MODULES}) for module in MODULES}
    state: dict[str, int] = {}  # 1 on the current path, 2 done

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for target in graph[module]:
            if state.get(target) == 1:
                cycle = path[path.index(target) :] + [target]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if target not in state:
                visit(target, [*path, target])
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])


def test_no_module_imports_the_package_root() -> None:
    # the root re-exports everything: a module importing names from it would depend on every other module
    offenders = [m for m in MODULES if m != "pyclv" and any(target == "pyclv" and name for target, name in _edges(m))]
    assert offenders == []


def test_private_names_stay_in_their_package() -> None:
    offenders = []
    for module in MODULES:
        package = _package_of(module)
        for target, name in _edges(module):
            private_module = next((part for part in target.split(".") if part.startswith("_")), None)
            if private_module is not None:  # a private module belongs to the package that holds it
                owner = target[: target.index(private_module)].rstrip(".")
                if not (package == owner or package.startswith(owner + ".")):
                    offenders.append(f"{module} imports {target}")
            if name.startswith("_") and not name.startswith("__") and _package_of(target) != package:
                offenders.append(f"{module} imports {name} from {target}")
    assert offenders == []


def test_the_public_api_is_exactly_all() -> None:
    public = {name for name in vars(pyclv) if not name.startswith("_")}
    modules = {name for name in public if type(getattr(pyclv, name)).__name__ == "module"}
    assert set(pyclv.__all__) - {"__version__"} == public - (modules - {"datasets", "plotting"})
    for name in pyclv.__all__:
        assert hasattr(pyclv, name)


def test_the_shipped_models_are_listed_once() -> None:
    from pyclv.cli import TRANSACTION_MODELS as cli_models
    from pyclv.models import BaseModel
    from pyclv.models.registry import SHIPPED_MODELS, TRANSACTION_MODELS

    assert cli_models is TRANSACTION_MODELS
    exported = {getattr(pyclv, name) for name in pyclv.__all__}
    concrete = {cls for cls in exported if isinstance(cls, type) and issubclass(cls, BaseModel)}
    assert set(SHIPPED_MODELS.values()) == concrete
    assert set(TRANSACTION_MODELS.values()) <= concrete
