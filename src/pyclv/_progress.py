"""Progress of the long steps of a run, told to whoever listens: the library never prints.

A long step runs inside :func:`step`, and a loop inside it may say how far it is with :func:`advance`
(e.g. the blocks of customers of the intervals). Nothing happens unless a caller listens: the command line
installs a :class:`Listener` with :func:`listening` (a :class:`contextvars.ContextVar`, so the listener is
local to the thread or task, as :func:`pyclv._validation.argument_names` is) and draws a progress bar on a
terminal or writes a log line now and then (:mod:`pyclv.cli._progress`). Every step is timed, so the
listener also learns how long each took (the run manifest records it).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Protocol

__all__ = ["Listener", "advance", "listening", "step"]


class Listener(Protocol):
    """What is told of the steps of a run."""

    def started(self, name: str) -> None:
        """A step called ``name`` began."""
        ...

    def advanced(self, done: float, total: float) -> None:
        """The current step has done ``done`` of ``total`` units of work."""
        ...

    def finished(self, name: str, seconds: float) -> None:
        """The step ``name`` ended (also by an exception) after ``seconds``."""
        ...


_LISTENER: ContextVar[Listener | None] = ContextVar("pyclv_progress_listener", default=None)


@contextmanager
def listening(listener: Listener) -> Iterator[Listener]:
    """Within the block, the steps of this thread or task are told to ``listener``.

    Parameters
    ----------
    listener : Listener
        Told when a step starts, advances and finishes.

    Yields
    ------
    Listener
        ``listener``.
    """
    token = _LISTENER.set(listener)
    try:
        yield listener
    finally:
        _LISTENER.reset(token)


@contextmanager
def step(name: str) -> Iterator[None]:
    """Run the block as a step called ``name``, timed and told to the listener, if there is one.

    Parameters
    ----------
    name : str
        What the step does, e.g. ``"fit"``; the command line shows it.

    Yields
    ------
    None
    """
    listener = _LISTENER.get()
    if listener is None:
        yield
        return
    listener.started(name)
    start = time.perf_counter()
    try:
        yield
    finally:
        listener.finished(name, time.perf_counter() - start)


def advance(done: float, total: float) -> None:
    """Tell the listener, if there is one, that the current step has done ``done`` of ``total``.

    Parameters
    ----------
    done, total : float
        Units of work done so far and in all (e.g. customers).
    """
    listener = _LISTENER.get()
    if listener is not None:
        listener.advanced(done, total)
