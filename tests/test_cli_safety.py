"""The command line as an operator meets it: outputs that never replace inputs, one line for every failure,
signals, permissions, tampered model files, and previous outputs left intact by a failed run.

Most tests call :func:`pyclv.cli.main` in this process (fast); those about signals, the umask and the real
exit status run ``python -m pyclv`` in a subprocess, as a scheduler does.
"""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

import pyclv
from pyclv import cli
from pyclv.cli import (
    EXIT_BROKEN_PIPE,
    EXIT_CONVERGENCE,
    EXIT_DATA,
    EXIT_INTERNAL,
    EXIT_IO,
    EXIT_MEMORY,
    EXIT_SIGINT,
    EXIT_SIGTERM,
    EXIT_USAGE,
    _commands,
)

SCORE = ("--observation-end", "1998-06-30", "--horizon", "52")


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with the CDNOW sample log (log.csv) and a model artifact (model.json)."""
    folder = tmp_path_factory.mktemp("safety")
    tx = pyclv.datasets.load_cdnow_transactions(sample=True)
    tx.assign(date=tx["date"].dt.strftime("%Y-%m-%d")).to_csv(folder / "log.csv", index=False)
    pyclv.save_models(
        folder / "model.json",
        transaction=pyclv.BetaGeo.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426, time_unit="W"),
        spend=pyclv.GammaGamma.from_params(p=6.25, q=3.74, v=15.44),
    )
    return folder


@pytest.fixture
def work(folder: Path, tmp_path: Path) -> Path:
    """A fresh folder holding copies of the log and the model."""
    for name in ("log.csv", "model.json"):
        (tmp_path / name).write_bytes((folder / name).read_bytes())
    return tmp_path


def run_main(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, list[str]]:
    """``main(args)`` in this process: its exit code and the lines it wrote to stderr."""
    code = cli.main([str(a) for a in args])
    return code, capsys.readouterr().err.splitlines()


def run(*args: str | Path, umask: int = -1) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pyclv", *map(str, args)], capture_output=True, text=True, timeout=120, umask=umask
    )


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file of ``folder`` (hidden ones included) by name, with its bytes."""
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


# ---------------------------------------------------------------------------------------------------------
# --out is never an input
# ---------------------------------------------------------------------------------------------------------


def _links(work: Path) -> None:
    (work / "logs" / "sub").mkdir(parents=True)
    (work / "logs" / "a.csv").write_bytes((work / "log.csv").read_bytes())
    (work / "logs" / "sub" / "b.csv").write_bytes((work / "log.csv").read_bytes())
    (work / "link.json").symlink_to(work / "log.csv")
    os.link(work / "log.csv", work / "hard.json")
    os.link(work / "log.csv", work / "hard.html")
    (work / "scores.parquet").symlink_to(work / "logs" / "a.csv")
    (work / "model.csv").write_bytes((work / "model.json").read_bytes())
    (work / "folder.parquet").mkdir()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["fit", "log.csv", *SCORE[:2], "--out", "log.csv"], "--out must end in .json; got log.csv"),
        (["fit", "log.csv", *SCORE[:2], "--out", "link.json"], "--out link.json is the transaction file log.csv"),
        (["fit", "log.csv", *SCORE[:2], "--out", "hard.json"], "--out hard.json is the transaction file log.csv"),
        (["score", "log.csv", "--model", "model.json", *SCORE, "--out", "log.csv"], "is the transaction file"),
        (["score", "logs/a.csv", "--model", "model.json", *SCORE, "--out", "scores.parquet"], "transaction file"),
        (["score", "logs/*.csv", "--model", "model.json", *SCORE, "--out", "logs/a.csv"], "is a transaction file"),
        (["score", "logs/*.csv", "--model", "model.json", *SCORE, "--out", "logs/new.csv"], "matches the transac"),
        (["score", "logs/**/*.csv", "--model", "model.json", *SCORE, "--out", "logs/x/y/new.csv"], "matches the"),
        (["score", "log.csv", "--model", "model.csv", *SCORE, "--out", "model.csv"], "model file given to --model"),
        (["score", "log.csv", "--model", "model.json", *SCORE, "--out", "folder.parquet"], "is a folder"),
        (["report", "log.csv", "--calibration-end", "1997-09-30", *SCORE[:2], "--out", "hard.html"], "the same file"),
    ],
)
def test_out_is_never_an_input(
    work: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, args: list[str], message: str
) -> None:
    _links(work)
    monkeypatch.chdir(work)
    before = snapshot(work), snapshot(work / "logs")
    code, err = run_main(capsys, "-q", *args)
    assert code == EXIT_USAGE
    assert len(err) == 1 and err[0].startswith("pyclv: error: --out") and message in err[0], err
    assert (snapshot(work), snapshot(work / "logs")) == before


def test_out_beside_a_glob_is_allowed(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _links(work)
    out = work / "logs" / "scores" / "scores.csv"  # in the folder of the glob, but not matched by it
    code, err = run_main(capsys, "-q", "score", work / "logs" / "*.csv", "--model", work / "model.json", *SCORE,
                         "--out", out)
    assert code == 0, err
    assert len(pd.read_csv(out)) == 2357


def test_out_in_a_folder_that_cannot_hold_it(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, err = run_main(capsys, "-q", "fit", work / "log.csv", "--observation-end", "1997-09-30",
                         "--out", work / "log.csv" / "model.json")
    assert code == EXIT_IO and err == [f"pyclv: cannot read or write a file: {work / 'log.csv'}: not a folder, "
                                       "so --out cannot be written in it"]


# ---------------------------------------------------------------------------------------------------------
# A symbolic link at --out, failing runs, permissions
# ---------------------------------------------------------------------------------------------------------


def test_a_link_at_out_is_followed(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (work / "published").mkdir()
    target = work / "published" / "scores.csv"
    target.write_text("yesterday")
    (work / "scores.csv").symlink_to(target)
    code, err = run_main(capsys, "-q", "score", work / "log.csv", "--model", work / "model.json", *SCORE,
                         "--out", work / "scores.csv")
    assert code == 0, err
    assert (work / "scores.csv").is_symlink() and (work / "scores.csv").resolve() == target
    assert len(pd.read_csv(target)) == 2357
    assert sorted(p.name for p in (work / "published").iterdir()) == ["scores.csv"]


def test_a_failing_run_leaves_the_previous_output(
    work: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    out = work / "scores.parquet"
    out.write_bytes(b"yesterday's scores")
    inode = out.stat().st_ino
    code, err = run_main(capsys, "-q", "score", work / "log.csv", "--model", work / "model.json", *SCORE,
                         "--amount-col", "revenue", "--out", out)
    assert code == EXIT_DATA and len(err) == 1 and "'revenue'" in err[0]
    # a table with a NaN (a model bug, say) is refused by the last guard, write_table
    real_score = _commands.score
    monkeypatch.setattr(_commands, "score", lambda *a, **k: real_score(*a, **k).assign(clv=np.nan))
    code, err = run_main(capsys, "-q", "score", work / "log.csv", "--model", work / "model.json", *SCORE,
                         "--out", out)
    assert code == EXIT_DATA and len(err) == 1
    assert "column 'clv' has 2,357 rows with NaN or infinite values" in err[0]
    assert out.read_bytes() == b"yesterday's scores" and out.stat().st_ino == inode
    assert sorted(p.name for p in work.iterdir()) == ["log.csv", "model.json", "scores.parquet"]


def test_outputs_follow_the_umask(work: Path) -> None:
    """A replaced file (written 0600 by an earlier pyclv) gets the umask's mode (tests/test_files.py: others)."""
    old = work / "old.csv"
    old.write_text("old")
    old.chmod(0o600)
    result = run("-q", "score", work / "log.csv", "--model", work / "model.json", *SCORE, "--out", old, umask=0o002)
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(old.stat().st_mode) == 0o664 and len(pd.read_csv(old)) == 2357


# ---------------------------------------------------------------------------------------------------------
# Tampered model files
# ---------------------------------------------------------------------------------------------------------


def _edit(path: Path, change: Callable[[dict[str, Any]], object]) -> None:
    payload = json.loads(path.read_text())
    change(payload)
    path.write_text(json.dumps(payload, indent=2))


TAMPERED = {
    "truncated": lambda p: p.write_bytes(p.read_bytes()[:400]),
    "empty": lambda p: p.write_bytes(b""),
    "not JSON": lambda p: p.write_text("customer_id,date,amount\n1,2020-01-01,3\n"),
    "binary": lambda p: p.write_bytes(b"PAR1\x15\x04\x15\x80\xff\x00"),
    "NaN literal": lambda p: p.write_text(p.read_text().replace('"r": 0.243', '"r": NaN')),
    "parameter as text": lambda p: _edit(p, lambda d: d["models"]["transaction"]["params"].update(r="0.3")),
    "negative parameter": lambda p: _edit(p, lambda d: d["models"]["spend"]["params"].update(v=-15.0)),
    "covariance shape": lambda p: _edit(p, lambda d: d["models"]["transaction"].update(covariance=[[1.0]])),
    "unknown model": lambda p: _edit(p, lambda d: d["models"]["spend"].update(model_type="GammaGammaPlus")),
    "format version": lambda p: _edit(p, lambda d: d.update(format_version=2)),
    "plausible edit": lambda p: _edit(p, lambda d: d["models"]["transaction"]["params"].update(r=0.3)),
    "a folder": lambda p: (p.unlink(), p.mkdir()),
    "missing": lambda p: p.unlink(),
}


@pytest.mark.parametrize("name", list(TAMPERED))
def test_a_tampered_model_is_refused_in_one_line(work: Path, capsys: pytest.CaptureFixture[str], name: str) -> None:
    model = work / "model.json"
    TAMPERED[name](model)
    code, err = run_main(capsys, "-q", "score", work / "log.csv", "--model", model, *SCORE,
                         "--out", work / "s.parquet")
    assert code == EXIT_IO, err
    assert len(err) == 1 and err[0].startswith("pyclv: cannot "), err
    assert not (work / "s.parquet").exists()


def test_a_tampered_model_as_the_operator_sees_it(work: Path) -> None:
    model = work / "model.json"
    TAMPERED["plausible edit"](model)
    result = run("score", work / "log.csv", "--model", model, *SCORE, "--out", work / "s.parquet")
    assert result.returncode == EXIT_IO and result.stdout == ""
    assert result.stderr == (
        f"pyclv: cannot use the model file: {model} is corrupt or was edited: its content does not match its "
        "checksum (sha256). Write it again with 'pyclv fit' or save_models; do not edit model files by hand.\n"
    )


# ---------------------------------------------------------------------------------------------------------
# One line and a documented exit code for every exception a user can provoke
# ---------------------------------------------------------------------------------------------------------


def _caused(error: BaseException, cause: BaseException) -> BaseException:
    error.__cause__ = cause
    return error


RAISED = [
    (IsADirectoryError(21, "Is a directory", "scores"), EXIT_IO, "cannot read or write a file: scores: Is a direc"),
    (PermissionError(13, "Permission denied", "/srv/tx.csv"), EXIT_IO,
     "cannot read or write a file: /srv/tx.csv: Permission denied"),
    (FileNotFoundError("no such file: tx.csv"), EXIT_IO, "cannot read or write a file: no such file: tx.csv"),
    (UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte"), EXIT_IO, "cannot read a file: 'utf-8'"),
    (pa.ArrowInvalid("Parquet magic bytes not found in footer.\nEither the file is corrupted"), EXIT_IO,
     "cannot read a file: Parquet magic bytes not found in footer. ..."),
    (pd.errors.ParserError("Error tokenizing data. C error: Expected 3 fields in line 3, saw 4\n"), EXIT_IO,
     "cannot read a file: Error tokenizing data"),
    (duckdb.IOException("IO Error: No files found that match the pattern"), EXIT_IO, "cannot read a file: IO Err"),
    (_caused(ValueError("tx.parquet: cannot read the transactions as parquet (Invalid Input Error: x\nLINE 1")
             , duckdb.InvalidInputException("x")), EXIT_IO, "cannot read a file: tx.parquet: cannot read the"),
    (duckdb.ConversionException("Conversion Error: Could not convert string 'x' to INT64\nLINE 1: ..."), EXIT_DATA,
     "invalid input: Conversion Error: Could not convert string 'x' to INT64 ..."),
    (duckdb.OutOfMemoryException("Out of Memory Error: could not allocate block of size 256.0 KiB"), EXIT_MEMORY,
     "out of memory (Out of Memory Error: could not allocate block"),
    (MemoryError(), EXIT_MEMORY, "out of memory (MemoryError); free memory"),
    (duckdb.BinderException('Binder Error: Referenced column "x" not found'), EXIT_INTERNAL,
     "internal error (BinderException: Binder Error: Referenced column"),
    (TypeError("unsupported operand"), EXIT_INTERNAL, "internal error (TypeError: unsupported operand); this is a bug"),
    (RecursionError("maximum recursion depth exceeded"), EXIT_INTERNAL, "internal error (RecursionError"),
    (ValueError("could not convert string to float: 'x'"), EXIT_DATA, "invalid input: could not convert"),
    (pyclv.DataValidationError("two\nlines"), EXIT_DATA, "invalid data: two ..."),
    (pyclv.ConvergenceError("The fit made no progress."), EXIT_CONVERGENCE,
     "the fit did not converge: The fit made no progress. What to try: check the log for implausible rows; "
     "refit with a small --penalizer (e.g. 0.001); or another --time-unit (W rather than D)."),
    (pyclv.ModelFormatError("m.json holds no models."), EXIT_IO, "cannot use the model file: m.json holds no models"),
    (BrokenPipeError(32, "Broken pipe"), EXIT_BROKEN_PIPE, "stdout was closed before the output was printed"),
    (KeyboardInterrupt(), EXIT_SIGINT, "interrupted (SIGINT); nothing was written"),
    (duckdb.InterruptException("INTERRUPT Error: Interrupted!"), EXIT_SIGINT, "interrupted (SIGINT); nothing was"),
    (cli._Terminated(signal.SIGTERM), EXIT_SIGTERM, "terminated (SIGTERM); nothing was written"),
]


@pytest.mark.parametrize(("error", "code", "message"), RAISED, ids=[type(e).__name__ for e, _, _ in RAISED])
def test_every_exit_path_is_one_line(
    work: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    error: BaseException,
    code: int,
    message: str,
) -> None:
    def fail(args: object) -> None:
        raise error

    monkeypatch.setitem(cli._COMMANDS, "fit", fail)
    result, err = run_main(capsys, "fit", work / "log.csv", "--observation-end", "1997-09-30",
                           "--out", work / "m.json")
    assert result == code
    assert len(err) == 1 and err[0].startswith(f"pyclv: {message}"), err


def test_exit_codes_are_distinct_and_documented() -> None:
    codes = {name: getattr(cli, name) for name in cli.__all__ if name.startswith("EXIT_")}
    assert len(set(codes.values())) == len(codes) == 10
    table = cli.__doc__ or ""
    for value in [0, *codes.values()]:
        assert f"\n{value:<7d}" in table


def test_traceback_on_request(work: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(args: object) -> None:
        raise TypeError("unsupported operand")

    monkeypatch.setitem(cli._COMMANDS, "fit", fail)
    code, err = run_main(capsys, "--traceback", "fit", work / "log.csv", "--observation-end", "1997-09-30",
                         "--out", work / "m.json")
    assert code == EXIT_INTERNAL and err[0] == "Traceback (most recent call last):"
    assert err[-1].startswith("pyclv: internal error (TypeError: unsupported operand)")


def test_usage_errors_are_one_line_that_names_the_flag(capsys: pytest.CaptureFixture[str]) -> None:
    code, err = run_main(capsys, "score", "log.csv", "--model", "m.json", "--observation-end", "1998-06-30",
                         "--out", "s.csv")
    assert code == EXIT_USAGE
    assert err == ["pyclv: error: the following arguments are required: --horizon (see 'pyclv score --help')"]
    code, err = run_main(capsys, "fit", "log.csv", "--observation-end", "1998-06-30", "--penalizer", "-1",
                         "--out", "m.json")
    assert code == EXIT_USAGE
    assert err == ["pyclv: error: --penalizer must be a finite number >= 0 (see 'pyclv fit --help')"]


def test_help_names_flags_not_python_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    for command in ("fit", "score", "backtest", "report", "demo"):
        with pytest.raises(SystemExit):
            cli._parser().parse_args([command, "--help"])
        text = capsys.readouterr().out
        assert "--out" in text and "_col" not in text and "=" not in text.replace("--", "")


# ---------------------------------------------------------------------------------------------------------
# Signals
# ---------------------------------------------------------------------------------------------------------


def test_the_sigterm_handler_lives_only_inside_main(
    work: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def mine(signum: int, frame: object) -> None:
        raise AssertionError("the caller's handler must not run")

    seen = []
    monkeypatch.setitem(cli._COMMANDS, "fit", lambda args: seen.append(signal.getsignal(signal.SIGTERM)))
    sigint = signal.getsignal(signal.SIGINT)
    previous = signal.signal(signal.SIGTERM, mine)
    try:
        code, _ = run_main(capsys, "fit", work / "log.csv", "--observation-end", "1997-09-30", "--out", work / "m.json")
        assert code == 0 and seen and seen[0] is not mine and callable(seen[0])
        assert signal.getsignal(signal.SIGTERM) is mine
        monkeypatch.setitem(cli._COMMANDS, "fit", lambda args: os.kill(os.getpid(), signal.SIGTERM))
        code, err = run_main(capsys, "fit", work / "log.csv", "--observation-end", "1997-09-30",
                             "--out", work / "m.json")
        assert code == EXIT_SIGTERM and err == ["pyclv: terminated (SIGTERM); nothing was written"]
        assert signal.getsignal(signal.SIGTERM) is mine and signal.getsignal(signal.SIGINT) is sigint
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_a_signal_is_recognised_whatever_became_of_its_exception(
    work: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """DuckDB turns the exception of a signal handler into ``RuntimeError("Query interrupted")``."""

    def query(args: object) -> None:
        try:
            os.kill(os.getpid(), signal.SIGINT)
        except KeyboardInterrupt as exc:
            raise RuntimeError("Query interrupted") from exc

    monkeypatch.setitem(cli._COMMANDS, "fit", query)
    code, err = run_main(capsys, "fit", work / "log.csv", "--observation-end", "1997-09-30", "--out", work / "m.json")
    assert code == EXIT_SIGINT and err == ["pyclv: interrupted (SIGINT); nothing was written"]


#: ``pyclv`` whose Parquet writer writes the whole table, then hangs: a long write to interrupt. It waits in short
#: sleeps, as a real write runs Python between its chunks: a signal that the kernel hands to another thread
#: (numba's, DuckDB's) is acted on when the main thread next runs Python, which one 60 s sleep would postpone.
SLOW_WRITER = textwrap.dedent(
    """
    import sys, time
    import pandas as pd
    real = pd.DataFrame.to_parquet
    def slow(self, path, *args, **kwargs):
        real(self, path, *args, **kwargs)
        for _ in range(600):
            time.sleep(0.1)
    pd.DataFrame.to_parquet = slow
    from pyclv.cli import main
    raise SystemExit(main(sys.argv[1:]))
    """
)


def _start_slow_score(work: Path, out: Path) -> tuple[subprocess.Popen[str], Path]:
    """Start a score whose write hangs; return it and its temporary file, once that is written."""
    child = subprocess.Popen(
        [sys.executable, "-c", SLOW_WRITER, "-q", "score", work / "log.csv", "--model", work / "model.json", *SCORE,
         "--out", out],
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        temporaries = [p for p in out.parent.iterdir() if p.name.startswith(f".{out.name}.{child.pid}.")]
        if temporaries and temporaries[0].stat().st_size > 10_000:
            return child, temporaries[0]
        if child.poll() is not None:
            break
        time.sleep(0.02)
    child.kill()
    raise AssertionError(f"the score never wrote its temporary file: {child.communicate()[1]}")


@pytest.mark.parametrize(("signum", "code", "line"), [
    (signal.SIGINT, EXIT_SIGINT, "pyclv: interrupted (SIGINT); nothing was written"),
    (signal.SIGTERM, EXIT_SIGTERM, "pyclv: terminated (SIGTERM); nothing was written"),
])
def test_a_signal_mid_write_ends_in_one_line_and_leaves_the_old_output(
    work: Path, signum: int, code: int, line: str
) -> None:
    out = work / "scores.parquet"
    out.write_bytes(b"yesterday's scores")
    child, temporary = _start_slow_score(work, out)
    child.send_signal(signum)
    _, stderr = child.communicate(timeout=60)
    assert child.returncode == code
    assert stderr == line + "\n"
    assert not temporary.exists() and out.read_bytes() == b"yesterday's scores"
    assert sorted(p.name for p in work.iterdir()) == ["log.csv", "model.json", "scores.parquet"]


def test_kill_9_mid_write_is_swept_by_the_next_run(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = work / "scores.parquet"
    out.write_bytes(b"yesterday's scores")
    child, temporary = _start_slow_score(work, out)
    child.kill()
    child.communicate(timeout=60)
    assert temporary.exists() and out.read_bytes() == b"yesterday's scores"  # what kill -9 leaves
    code, err = run_main(capsys, "-q", "score", work / "log.csv", "--model", work / "model.json", *SCORE,
                         "--out", out)
    assert code == 0, err
    assert not temporary.exists() and len(pd.read_parquet(out)) == 2357
    assert sorted(p.name for p in work.iterdir()) == [
        "log.csv", "model.json", "scores.parquet", "scores.parquet.manifest.json"
    ]


@pytest.fixture(scope="module")
def big_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A transaction log of 300,000 simulated customers (about 2.4 million rows)."""
    rng = np.random.default_rng(20240601)
    n_customers = 300_000
    counts = rng.poisson(7.0, n_customers) + 1
    ids = np.repeat(np.arange(n_customers), counts)
    days = rng.integers(0, 540, len(ids))
    frame = pd.DataFrame({
        "customer_id": ids,
        "date": (np.datetime64("2020-01-01") + days.astype("timedelta64[D]")).astype(str),
        "amount": np.round(rng.gamma(2.0, 20.0, len(ids)), 2),
    })
    path = tmp_path_factory.mktemp("big") / "big.csv"
    frame.to_csv(path, index=False)
    return path


@pytest.mark.slow
@pytest.mark.parametrize(("signum", "code", "word"), [
    (signal.SIGINT, EXIT_SIGINT, "interrupted (SIGINT)"),
    (signal.SIGTERM, EXIT_SIGTERM, "terminated (SIGTERM)"),
])
def test_a_signal_while_duckdb_reads_a_big_log(big_log: Path, tmp_path: Path, signum: int, code: int,
                                               word: str) -> None:
    """The signal arrives inside DuckDB's query: the run still ends in one line, its spill folder removed."""
    spill = tmp_path / "tmp"
    spill.mkdir()
    out = tmp_path / "model.json"
    child = subprocess.Popen(
        [sys.executable, "-m", "pyclv", "fit", big_log, "--observation-end", "2021-06-30", "--out", out],
        stderr=subprocess.PIPE, text=True, env={**os.environ, "TMPDIR": str(spill)},
    )
    deadline = time.monotonic() + 60
    while not any(p.name.startswith("pyclv-duckdb-") for p in spill.iterdir()) and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.2)
    child.send_signal(signum)
    _, stderr = child.communicate(timeout=60)
    assert child.returncode == code, stderr
    assert stderr.splitlines()[-1] == f"pyclv: {word}; nothing was written" and "Traceback" not in stderr
    assert not out.exists() and list(spill.iterdir()) == []


#: ``pyclv`` whose optimiser announces itself on stderr, then works slowly: a fit that is surely still running when
#: the signal arrives, however fast the machine (a real fit of a big log can end before the signal is sent).
SLOW_FIT = textwrap.dedent(
    """
    import sys, time
    from scipy import optimize
    real = optimize.minimize
    def slow(*args, **kwargs):
        print("optimising", file=sys.stderr, flush=True)
        for _ in range(600):
            time.sleep(0.1)
        return real(*args, **kwargs)
    optimize.minimize = slow
    from pyclv.cli import main
    raise SystemExit(main(sys.argv[1:]))
    """
)


def test_a_signal_while_fitting(work: Path) -> None:
    out = work / "m.json"
    out.write_text("yesterday's model")
    child = subprocess.Popen(
        [sys.executable, "-c", SLOW_FIT, "fit", work / "log.csv", "--observation-end", "1997-09-30", "--out", out],
        stderr=subprocess.PIPE, text=True,
    )
    assert child.stderr is not None
    lines = []
    for line in child.stderr:  # the optimiser has started
        lines.append(line)
        if line == "optimising\n":
            break
    child.send_signal(signal.SIGTERM)
    lines += child.stderr.readlines()
    child.wait(timeout=60)
    assert child.returncode == EXIT_SIGTERM, lines
    assert lines[-1] == "pyclv: terminated (SIGTERM); nothing was written\n"
    assert out.read_text() == "yesterday's model"
    assert sorted(p.name for p in work.iterdir()) == ["log.csv", "m.json", "model.json"]
