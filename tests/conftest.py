"""Test-suite settings and shared fixtures: hypothesis runs derandomised, so every run explores the same examples;
``pyplot`` gives the plotting tests a headless pyplot that cleans up after itself."""

from __future__ import annotations

from collections.abc import Iterator
from types import ModuleType

import pytest
from hypothesis import settings

settings.register_profile("pyclv", derandomize=True, print_blob=True)
settings.load_profile("pyclv")


@pytest.fixture
def pyplot(monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    """matplotlib.pyplot on the Agg backend; plt.show() fails the test, and every figure is closed afterwards."""
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("plt.show() was called")

    monkeypatch.setattr(plt, "show", forbidden)
    yield plt
    plt.close("all")
