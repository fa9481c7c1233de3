"""What an operator sees of a long run: a bar on a terminal, a log line every few seconds otherwise.

:class:`Progress` listens to the steps of :mod:`pyclv._progress` and times each (the manifest records the
times). On a terminal (stderr a TTY) the current step is one line redrawn in place,
``pyclv: summary: totals [####    ]  40% 12 s``, with a bar when the step says how far it is and the elapsed
time otherwise; in a log (stderr a file or a pipe, as under cron) a line ``pyclv: summary: totals: 40% done
after 10 s`` (``pyclv: fit: running for 10 s`` when it does not say) every :data:`LOG_EVERY` seconds of a
step that lasts that long, so a short run logs nothing more. ``-q`` shows neither, and the times are still taken.

A step may hold parts, steps of its own (a summary's passes over the log, :func:`pyclv._progress.polling`):
the line names the step and its current part, shows the part's fraction and the step's elapsed time, and the
manifest times the step alone (its parts' time is in it).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TextIO

__all__ = ["LOG_EVERY", "REDRAW_EVERY", "Progress"]

#: Seconds between two log lines of a step that runs long, when stderr is not a terminal.
LOG_EVERY = 10.0
#: Seconds between two redraws of the bar on a terminal.
REDRAW_EVERY = 0.2
#: Characters of the bar.
_BAR_WIDTH = 24

#: On a terminal, a log line first erases the bar (carriage return, erase to the end of the line).
ERASE_LINE = "\r\x1b[K"

log = logging.getLogger("pyclv")


@dataclass
class _Under:
    """A step under way: its name, when it started (``time.perf_counter``) and how far it said it is."""

    name: str
    start: float
    fraction: float | None = None


class Progress:
    """Times every step and shows the current one (see the module's notes).

    Parameters
    ----------
    stream : TextIO
        Where the bar is drawn (stderr).
    show : bool
        Whether to show anything (False under ``-q``).
    terminal : bool, optional
        Draw a bar in place (by default when ``stream`` is a terminal) rather than log lines.
    every : float, optional
        Seconds between two redraws or log lines (by default :data:`REDRAW_EVERY` on a terminal and
        :data:`LOG_EVERY` otherwise).
    """

    def __init__(self, stream: TextIO, *, show: bool, terminal: bool | None = None, every: float | None = None):
        self.stream = stream
        self.show = show
        self.terminal = stream.isatty() if terminal is None else terminal
        self.every = every if every is not None else (REDRAW_EVERY if self.terminal else LOG_EVERY)
        #: Seconds spent in each step, by name (a step that runs several times adds up; parts are not timed).
        self.seconds: dict[str, float] = {}
        self._lock = threading.Lock()
        self._steps: list[_Under] = []  # the steps under way, each within the one before
        self._drawn = False

    # The Listener of pyclv._progress ----------------------------------------------------------------------

    def started(self, name: str) -> None:
        """Note that the step ``name`` began.

        Parameters
        ----------
        name : str
            The step.
        """
        with self._lock:
            self._steps.append(_Under(name, time.perf_counter()))

    def advanced(self, done: float, total: float) -> None:
        """Note how far the current step is (called by the step's thread, or by a thread that polls an engine).

        Parameters
        ----------
        done, total : float
            Work done and in all.
        """
        with self._lock:
            if self._steps:
                self._steps[-1].fraction = min(max(done / total, 0.0), 1.0) if total > 0 else None

    def finished(self, name: str, seconds: float) -> None:
        """Record the time of the step ``name`` (unless it is a part of another) and clear its bar.

        Parameters
        ----------
        name : str
            The step.
        seconds : float
            How long it took.
        """
        with self._lock:
            if self._steps and self._steps[-1].name == name:
                self._steps.pop()
            if not self._steps:
                self.seconds[name] = self.seconds.get(name, 0.0) + seconds
            self._erase()

    # Drawing -------------------------------------------------------------------------------------------------

    @contextmanager
    def running(self) -> Iterator[Progress]:
        """Within the block, a thread shows the current step every :attr:`every` seconds.

        Yields
        ------
        Progress
            This object.
        """
        if not self.show:
            yield self
            return
        stop = threading.Event()
        last_logged: dict[tuple[str, float], float] = {}  # by step (name, start): its elapsed time when logged

        def tick() -> None:
            while not stop.wait(self.every):
                self.tick(last_logged)

        thread = threading.Thread(target=tick, name="pyclv-progress", daemon=True)
        thread.start()
        try:
            yield self
        finally:
            stop.set()
            thread.join()
            with self._lock:
                self._erase()

    def tick(self, last_logged: dict[tuple[str, float], float] | None = None) -> None:
        """Show the current step once: redraw the bar, or log a line every :attr:`every` seconds of a step.

        The line names the outermost step under way and its current part, with the part's fraction (if it said
        one) and the outermost step's elapsed time.

        Parameters
        ----------
        last_logged : dict, optional
            When each step was last logged (kept by the caller between ticks).
        """
        with self._lock:
            if not self._steps:
                return
            outer, current = self._steps[0], self._steps[-1]
            name = ": ".join(under.name for under in self._steps)
            elapsed = time.perf_counter() - outer.start
            fraction = current.fraction
            if self.terminal:
                self._draw(name, elapsed, fraction)
                return
        key = (outer.name, outer.start)
        logged = last_logged if last_logged is not None else {}
        if elapsed - logged.get(key, 0.0) >= self.every * 0.999:
            logged[key] = elapsed
            done = f"{fraction:.0%} done after" if fraction is not None else "running for"
            log.info("%s: %s %.0f s", name, done, elapsed)

    def _draw(self, name: str, elapsed: float, fraction: float | None) -> None:
        """One line in place: the step, a bar (when its fraction is known) and the elapsed time."""
        if fraction is None:
            spinner = "|/-\\"[int(elapsed / REDRAW_EVERY) % 4]
            line = f"pyclv: {name} {spinner} {elapsed:.0f} s"
        else:
            filled = round(fraction * _BAR_WIDTH)
            bar = "#" * filled + " " * (_BAR_WIDTH - filled)
            line = f"pyclv: {name} [{bar}] {fraction:4.0%} {elapsed:.0f} s"
        self.stream.write(ERASE_LINE + line)
        self.stream.flush()
        self._drawn = True

    def _erase(self) -> None:
        if self._drawn:
            self.stream.write(ERASE_LINE)
            self.stream.flush()
            self._drawn = False
