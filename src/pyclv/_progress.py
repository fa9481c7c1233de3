"""Progress of the long steps of a run, told to whoever listens: the library never prints.

A long step runs inside :func:`step`, and a loop inside it may say how far it is with :func:`advance`
(e.g. the blocks of customers of the intervals). Nothing happens unless a caller listens: the command line
installs a :class:`Listener` with :func:`listening` (a :class:`contextvars.ContextVar`, so the listener is
local to the thread or task, as :func:`pyclv._validation.argument_names` is) and draws a progress bar on a
terminal or writes a log line now and then (:mod:`pyclv.cli._progress`). Every step is timed, so the
listener also learns how long each took (the run manifest records it).

A step may hold smaller steps (a summary holds a pass that checks the rows, then one that adds them up). A step
whose work runs outside Python, an engine's query, says how far it is with :func:`polling`: a helper thread reads
the engine's own progress (DuckDB's ``query_progress``, Spark's status tracker) every few tenths of a second and
tells the listener, so a listener's :meth:`~Listener.advanced` may be called from that thread.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Protocol

__all__ = ["POLL_EVERY", "Listener", "advance", "listening", "polling", "step"]

#: Seconds between two readings of an engine's progress by :func:`polling`.
POLL_EVERY = 0.25
#: Seconds :func:`polling` waits, at the end of its step, for a reading under way (an engine that hangs) to return.
_JOIN_TIMEOUT = 5.0


class Listener(Protocol):
    """What is told of the steps of a run."""

    def started(self, name: str) -> None:
        """A step called ``name`` began."""
        ...

    def advanced(self, done: float, total: float) -> None:
        """The current step has done ``done`` of ``total`` units of work (maybe told from another thread)."""
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


@contextmanager
def polling(name: str, read: Callable[[], float | None], *, interval: float | None = None) -> Iterator[None]:
    """Run the block as a step called ``name`` whose progress a helper thread reads every ``interval`` seconds.

    For work that runs outside Python, such as an engine's query, which cannot call :func:`advance` itself.
    Without a listener, this is :func:`step` (no thread is started).

    Parameters
    ----------
    name : str
        What the step does, e.g. ``"totals"``.
    read : callable
        Returns the fraction of the work done so far, in [0, 1], or None when it is not known (yet). It is
        called in the helper thread, so it may only call what is safe across threads (e.g.
        ``DuckDBPyConnection.query_progress``).
    interval : float, optional
        Seconds between two readings; :data:`POLL_EVERY` by default.

    Yields
    ------
    None

    Notes
    -----
    The listener is told fractions that never decrease (an engine may revise its estimate down when it plans
    more work; a bar must not move back), and 1 when the block ends without an exception. The helper thread
    ends with the block (also when it raises, or on a KeyboardInterrupt), before the step is told finished, so
    nothing is told of the step after that. A reading that fails ends the readings, not the step: progress is
    a view of the work, never a reason for it to fail.
    """
    listener = _LISTENER.get()  # found in the caller's context, handed to the helper thread
    with step(name):
        if listener is None:
            yield
            return
        stop = threading.Event()
        thread = threading.Thread(
            target=_poll,
            args=(read, listener, stop, POLL_EVERY if interval is None else interval),
            name=f"pyclv-progress-{name}",
            daemon=True,
        )
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join(_JOIN_TIMEOUT)
        listener.advanced(1.0, 1.0)


def _poll(read: Callable[[], float | None], listener: Listener, stop: threading.Event, interval: float) -> None:
    """Tell ``listener`` the fraction ``read`` returns, every ``interval`` seconds, until ``stop`` is set."""
    told = 0.0
    while not stop.wait(interval):
        try:
            fraction = read()
        except Exception:  # the engine could not say (e.g. its session is closing): the step goes on untold
            return
        if fraction is None or not fraction > told:  # unknown, NaN or no further
            continue
        told = min(fraction, 1.0)
        if not stop.is_set():
            listener.advanced(told, 1.0)
