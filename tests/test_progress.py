"""Progress of long steps: the library tells a listener, the command line draws a bar or logs a line."""

from __future__ import annotations

import io
import logging
import os
import re
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest

from pyclv import _progress
from pyclv.cli import _progress as cli_progress
from pyclv.cli import main
from pyclv.cli._progress import ERASE_LINE, Progress
from pyclv.datasets import load_cdnow_transactions
from pyclv.engines import duckdb as duckdb_engine
from pyclv.engines.duckdb import _polled as duckdb_polled


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


# ---------------------------------------------------------------------------------------------------------
# Steps whose progress is polled from an engine
# ---------------------------------------------------------------------------------------------------------


def _pollers() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name.startswith("pyclv-progress-")]


def _fractions(events: list[tuple[object, ...]], name: str) -> list[float]:
    """The fractions told between the start and the end of the step ``name`` (its first run)."""
    start = events.index(("started", name))
    end = events.index(("finished", name, True), start)
    return [float(done) / float(total) for _, done, total in events[start + 1 : end]]  # type: ignore[arg-type]


def _assert_progress(fractions: list[float]) -> None:
    assert fractions and all(0.0 <= f <= 1.0 for f in fractions), fractions
    assert fractions == sorted(fractions) and fractions[-1] == 1.0, fractions


def test_polling_tells_rising_fractions_and_one_at_the_end() -> None:
    readings = iter([None, 0.2, 0.1, float("nan"), 0.5, 0.5, 1.7])  # unknown, backwards, NaN, stalled, beyond
    recorder = Recorder()
    with _progress.listening(recorder), _progress.polling("totals", lambda: next(readings, None), interval=0.005):
        time.sleep(0.2)
        assert len(_pollers()) == 1
    assert _fractions(recorder.events, "totals") == [0.2, 0.5, 1.0, 1.0]
    assert recorder.events[-1] == ("finished", "totals", True) and _pollers() == []


@pytest.mark.parametrize("error", [RuntimeError("the query failed"), KeyboardInterrupt()])
def test_the_poller_ends_with_a_block_that_raises(error: BaseException) -> None:
    recorder = Recorder()
    with pytest.raises(type(error)), _progress.listening(recorder), _progress.polling("totals", lambda: 0.3,
                                                                                     interval=0.005):
        time.sleep(0.05)
        raise error
    assert _pollers() == []
    told = _fractions(recorder.events, "totals")
    assert set(told) == {0.3}  # never 1: the step did not finish its work
    time.sleep(0.02)
    assert recorder.events[-1] == ("finished", "totals", True)  # nothing told after the step's end


def test_a_reading_that_fails_ends_the_readings_not_the_step() -> None:
    calls = []

    def read() -> float:
        calls.append(1)
        raise ConnectionError("the session is closing")

    recorder = Recorder()
    with _progress.listening(recorder), _progress.polling("write", read, interval=0.005):
        time.sleep(0.05)
    assert len(calls) == 1 and _fractions(recorder.events, "write") == [1.0] and _pollers() == []


def test_without_a_listener_polling_starts_no_thread() -> None:
    with _progress.polling("totals", lambda: pytest.fail("read without a listener"), interval=0.001):
        assert _pollers() == []
        time.sleep(0.01)


def test_parts_of_a_step_are_shown_within_it_and_timed_in_it(caplog: pytest.LogCaptureFixture) -> None:
    stream = Terminal()
    progress = Progress(stream, show=True, every=0.01)
    with _progress.listening(progress), progress.running(), _progress.step("summary"):
        with _progress.polling("totals", lambda: 0.5, interval=0.005):
            time.sleep(0.1)
        time.sleep(0.03)
    text = stream.getvalue()
    assert f"{ERASE_LINE}pyclv: summary: totals [{'#' * 12}{' ' * 12}]  50% 0 s" in text
    assert f"{ERASE_LINE}pyclv: summary " in text.rpartition("totals")[2]  # the step again, without a fraction
    assert set(progress.seconds) == {"summary"}  # the manifest times the commands' steps, parts included


def test_in_a_log_a_line_with_the_fraction_of_the_current_part(caplog: pytest.LogCaptureFixture) -> None:
    progress = Progress(io.StringIO(), show=True, every=0.05)
    fraction = iter([0.25, 0.25, 0.25, 0.25, 0.75])
    with caplog.at_level(logging.INFO, logger="pyclv"):
        with _progress.listening(progress), progress.running(), _progress.step("summary"):
            with _progress.polling("profile", lambda: 0.1, interval=0.005):
                time.sleep(0.03)  # a part shorter than the interval: the line comes from the whole step
            with _progress.polling("totals", lambda: next(fraction, None), interval=0.02):
                time.sleep(0.2)
    lines = [re.sub(r"\d+ s$", "N s", record.getMessage()) for record in caplog.records]
    assert {"summary: totals: 25% done after N s", "summary: totals: 75% done after N s"} <= set(lines), lines
    assert lines.index("summary: totals: 25% done after N s") < lines.index("summary: totals: 75% done after N s")


# ---------------------------------------------------------------------------------------------------------
# DuckDB: the summary of a large log tells how far its passes are
# ---------------------------------------------------------------------------------------------------------

#: Rows of the large log: enough for a summary of a second or more on two busy cores.
_ROWS = 3_000_000
#: Its customers and its last day (its days are 2020-01-01 to 2021-12-30).
_CUSTOMERS = 20_000
_END = "2021-12-30"


@pytest.fixture(scope="module")
def large_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Parquet log of ``_ROWS`` transactions, customers, days and amounts drawn from hashes of the row number."""
    path = tmp_path_factory.mktemp("progress") / "log.parquet"
    with duckdb.connect() as con:
        con.execute(f"""
            COPY (SELECT hash(i) % {_CUSTOMERS} AS customer_id,
                         DATE '2020-01-01' + CAST(hash(i * 31) % 730 AS INTEGER) AS date,
                         1 + (hash(i * 17) % 10000) / 100.0 AS amount
                  FROM range({_ROWS}) t(i))
            TO '{path}' (FORMAT parquet)
        """)
    return path


def test_a_duckdb_summary_tells_how_far_each_pass_is(
    large_log: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(_progress, "POLL_EVERY", 0.02)  # several readings even on a fast machine
    recorder = Recorder()
    with _progress.listening(recorder), _progress.step("summary"):
        summary = duckdb_engine.rfm_summary(large_log, monetary_value_col="amount", observation_period_end=_END)
    assert len(summary) == _CUSTOMERS and summary["frequency"].sum() > 0
    names = [event[1] for event in recorder.events if event[0] == "started"]
    assert names == ["summary", "profile", "totals"]
    for name in ("profile", "totals"):
        _assert_progress(_fractions(recorder.events, name))
    assert any(0 < f < 1 for f in _fractions(recorder.events, "totals"))  # told while it ran, not only at the end
    assert _pollers() == []
    assert capfd.readouterr() == ("", "")  # DuckDB's own progress bar is never printed


def test_the_poller_of_a_failing_query_ends_with_it() -> None:
    recorder = Recorder()
    failing = "SELECT sum(CAST(CASE WHEN i = 2000000 THEN 'x' ELSE '1' END AS INTEGER)) FROM range(3000000) t(i)"
    with duckdb.connect() as con, _progress.listening(recorder):
        con.execute("SET enable_progress_bar = true")
        con.execute("SET enable_progress_bar_print = false")
        with pytest.raises(duckdb.ConversionException), duckdb_polled(con, "totals"):
            con.execute(failing)
    assert _pollers() == [] and recorder.events[-1] == ("finished", "totals", True)
    assert 1.0 not in _fractions(recorder.events, "totals")


@pytest.mark.slow
def test_the_command_line_logs_the_percentage_of_a_long_summary(
    large_log: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    folder = large_log.parent
    sample = load_cdnow_transactions(sample=True)
    sample[sample["date"] <= "1997-09-30"].to_parquet(folder / "cdnow.parquet")
    monkeypatch.setattr(sys, "stderr", io.StringIO())  # not a terminal: log lines
    fit = ["fit", str(folder / "cdnow.parquet"), "--observation-end", "1997-09-30", "--out", str(folder / "model.json")]
    assert main(fit) == 0
    # a line and a reading every 10 ms: the summary's parts of a 3M-row log last longer than that on any machine
    monkeypatch.setattr(cli_progress, "LOG_EVERY", 0.01)
    monkeypatch.setattr(_progress, "POLL_EVERY", 0.01)
    score = ["score", str(large_log), "--model", str(folder / "model.json"), "--observation-end", _END,
             "--horizon", "52", "--out", str(folder / "scores.parquet")]
    with caplog.at_level(logging.INFO, logger="pyclv"):
        assert main(score) == 0
    assert len(pd.read_parquet(folder / "scores.parquet")) == _CUSTOMERS
    lines = [record.getMessage() for record in caplog.records]
    told = [line for line in lines if re.fullmatch(r"summary: (profile|totals): \d+% done after \d+ s", line)]
    assert told, lines


# ---------------------------------------------------------------------------------------------------------
# Spark: the summary's actions tell how far their jobs are
# ---------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    """One local Spark session for the module, as tests/engines/test_spark.py makes it."""
    pytest.importorskip("pyspark")
    from pyspark.sql import SparkSession

    before = os.environ.get("PYSPARK_PYTHON")
    os.environ["PYSPARK_PYTHON"] = sys.executable
    session = (
        SparkSession.builder.master("local[2]")
        .appName("pyclv-progress-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()
    if before is None:
        os.environ.pop("PYSPARK_PYTHON", None)
    else:
        os.environ["PYSPARK_PYTHON"] = before


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning")  # as in test_spark.py
@pytest.mark.filterwarnings("ignore:The copy keyword is deprecated")
@pytest.mark.parametrize("group", [None, "the caller's"])
def test_a_spark_summary_tells_how_far_each_action_is(
    spark: Any, monkeypatch: pytest.MonkeyPatch, group: str | None
) -> None:
    from pyspark.sql import functions as F

    from pyclv.engines import spark as spark_engine

    monkeypatch.setattr(_progress, "POLL_EVERY", 0.02)
    rows = spark.range(0, 2_000_000, numPartitions=8).select(
        (F.col("id") % 5000).alias("customer_id"),
        F.date_add(F.lit("2020-01-01").cast("date"), (F.col("id") * 31 % 730).cast("int")).alias("date"),
        (F.col("id") % 100 + 1).cast("double").alias("amount"),
    )
    context = spark.sparkContext
    if group is not None:
        context.setJobGroup(group, "a job of the caller")
    recorder = Recorder()
    try:
        with _progress.listening(recorder), _progress.step("summary"):
            summary = spark_engine.rfm_summary(rows, monetary_value_col="amount", observation_period_end=_END)
        assert context.getLocalProperty("spark.jobGroup.id") == group  # the caller's group kept, ours removed
    finally:
        context.setLocalProperty("spark.jobGroup.id", None)
    assert len(summary) == 5000
    assert [event[1] for event in recorder.events if event[0] == "started"] == ["summary", "profile", "totals"]
    for name in ("profile", "totals"):
        _assert_progress(_fractions(recorder.events, name))
    assert any(0 < f < 1 for f in _fractions(recorder.events, "totals"))
    assert _pollers() == []


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning")
def test_the_poller_of_a_failing_spark_action_ends_with_it(spark: Any) -> None:
    from pyspark.errors import PySparkException
    from pyspark.sql import functions as F

    from pyclv.engines._spark_log import polled

    recorder = Recorder()
    failing = spark.range(0, 100_000, numPartitions=4).select(F.when(F.col("id") == 99_999, F.raise_error("boom")))
    with pytest.raises(PySparkException, match="boom"), _progress.listening(recorder):
        with polled(failing, "write"):
            failing.collect()
    assert _pollers() == [] and spark.sparkContext.getLocalProperty("spark.jobGroup.id") is None
    assert recorder.events[-1] == ("finished", "write", True) and 1.0 not in _fractions(recorder.events, "write")
