"""Progress of long steps: the library tells a listener, the command line draws a bar or logs a line."""

from __future__ import annotations

import io
import logging
import threading
import time

import pytest

from pyclv import _progress
from pyclv.cli._progress import ERASE_LINE, Progress


class Recorder:
    def __init__(self) -> None:
        self.events: list[tuple[object, ...]] = []

    def started(self, name: str) -> None:
        self.events.append(("started", name))

    def advanced(self, done: float, total: float) -> None:
        self.events.append(("advanced", done, total))

    def finished(self, name: str, seconds: float) -> None:
        self.events.append(("finished", name, seconds >= 0))


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_steps_are_silent_without_a_listener() -> None:
    with _progress.step("fit"):
        _progress.advance(1, 2)  # nobody listens: nothing happens, nothing fails


def test_a_listener_hears_the_steps_of_its_own_thread_only() -> None:
    recorder = Recorder()
    other: list[tuple[object, ...]] = []

    def elsewhere() -> None:
        with _progress.step("other thread"):
            _progress.advance(1, 1)
        other.extend(recorder.events)

    with _progress.listening(recorder):
        with pytest.raises(RuntimeError), _progress.step("fit"):
            _progress.advance(5, 10)
            thread = threading.Thread(target=elsewhere)
            thread.start()
            thread.join()
            raise RuntimeError("a failing step still finishes")
    assert recorder.events == [("started", "fit"), ("advanced", 5, 10), ("finished", "fit", True)]
    with _progress.step("after"):
        pass
    assert len(recorder.events) == 3


def test_progress_times_every_step_and_adds_up_repeats() -> None:
    progress = Progress(io.StringIO(), show=False)
    with _progress.listening(progress), progress.running():
        for _ in range(2):
            with _progress.step("fit"):
                time.sleep(0.02)
        with _progress.step("write"):
            pass
    assert set(progress.seconds) == {"fit", "write"}
    assert progress.seconds["fit"] >= 0.04 and progress.seconds["write"] < progress.seconds["fit"]
    assert progress.stream.getvalue() == ""  # type: ignore[attr-defined]


def test_on_a_terminal_a_bar_is_redrawn_in_place_and_erased() -> None:
    stream = Terminal()
    progress = Progress(stream, show=True, every=0.01)
    assert progress.terminal
    with _progress.listening(progress), progress.running():
        with _progress.step("score with intervals"):
            _progress.advance(1, 4)
            time.sleep(0.1)
        text = stream.getvalue()
    assert f"{ERASE_LINE}pyclv: score with intervals [{'#' * 6}{' ' * 18}]  25% 0 s" in text
    assert text.endswith(ERASE_LINE) and "\n" not in text


def test_without_a_fraction_the_terminal_shows_the_elapsed_time() -> None:
    stream = Terminal()
    progress = Progress(stream, show=True, every=0.01)
    with _progress.listening(progress), progress.running(), _progress.step("fit"):
        time.sleep(0.05)
    assert f"{ERASE_LINE}pyclv: fit " in stream.getvalue() and " 0 s" in stream.getvalue()


def test_in_a_log_a_line_every_few_seconds_of_a_long_step(caplog: pytest.LogCaptureFixture) -> None:
    stream = io.StringIO()
    progress = Progress(stream, show=True, every=0.05)
    assert not progress.terminal
    with caplog.at_level(logging.INFO, logger="pyclv"):
        with _progress.listening(progress), progress.running():
            with _progress.step("fit"):
                time.sleep(0.18)
            with _progress.step("write"):
                pass  # shorter than the interval: no line
    lines = [record.getMessage() for record in caplog.records]
    assert 2 <= len(lines) <= 4 and all(line.startswith("fit: running for ") for line in lines), lines
    assert stream.getvalue() == ""  # nothing drawn


def test_quiet_shows_nothing(caplog: pytest.LogCaptureFixture) -> None:
    stream = Terminal()
    progress = Progress(stream, show=False, every=0.01)
    with caplog.at_level(logging.INFO, logger="pyclv"):
        with _progress.listening(progress), progress.running(), _progress.step("fit"):
            time.sleep(0.05)
    assert stream.getvalue() == "" and caplog.records == [] and progress.seconds["fit"] > 0
