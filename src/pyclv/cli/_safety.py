"""How a run of the command line ends: the exit codes, ``--out`` checked before any work, signals, one line.

Every way a run can end is mapped here to one exit code and one line on stderr (:func:`_outcome`); the table
of the codes is in the docstring of :mod:`pyclv.cli`.
"""

from __future__ import annotations

import argparse
import errno
import fnmatch
import glob
import itertools
import logging
import os
import re
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from types import FrameType

import duckdb
import pandas as pd
import pyarrow as pa

from pyclv._files import resolve_target
from pyclv.cli._manifest import manifest_path
from pyclv.exceptions import ConvergenceError, DataValidationError, ModelFormatError, PyCLVError

EXIT_INTERNAL = 1
EXIT_USAGE = 2
EXIT_DATA = 3
EXIT_CONVERGENCE = 4
EXIT_IO = 5
EXIT_MEMORY = 6
EXIT_DRIFT = 7
EXIT_SIGINT = 128 + signal.SIGINT
EXIT_BROKEN_PIPE = 128 + 13  # SIGPIPE, which Windows does not define
EXIT_SIGTERM = 128 + signal.SIGTERM


class UsageError(Exception):
    """A command-line option that makes no sense (exit code 2)."""


class DriftRefused(Exception):
    """``pyclv fit --previous``: the new models moved beyond ``--max-drift`` and ``--out`` was not replaced."""


class _Terminated(BaseException):
    """SIGTERM arrived: raised by the handler :func:`main` installs, so that files being written are cleaned up.

    A ``BaseException``, like ``KeyboardInterrupt``, so that no ``except Exception`` on the way swallows it.
    """


_WARNING_ORIGIN = re.compile(r"^.*?:\d+: ")


#: A captured warning issued from pyspark's own code (``.../pyspark/sql/...py:123: FutureWarning: ...``).
_PYSPARK_ORIGIN = re.compile(r"^[^\n]*[/\\]pyspark[/\\][^\n]*?:\d+: ")


class _OneLineWarnings(logging.Filter):
    """Show a captured warning as one line, ``PyCLVWarning: ...``.

    This process is the command line, not a user's session: the file and source line that issued a warning
    mean nothing to an operator, and pyspark's notices about the pandas it runs with are not the operator's
    business, so they are not logged (the warning filters are left alone).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        if _PYSPARK_ORIGIN.search(text) or "PySpark does not yet fully support" in text:
            return False
        lines = text.splitlines()
        record.msg, record.args = _WARNING_ORIGIN.sub("", lines[0] if lines else ""), ()
        return True


#: What ``--out`` of each command must end in.
_OUT_SUFFIXES = {
    "fit": (".json",),
    "score": (".parquet", ".pq", ".csv"),
    "backtest": (".parquet", ".pq", ".csv"),
    "report": (".html", ".htm"),
}
#: What ``--figure`` must end in.
FIGURE_SUFFIXES = (".png", ".svg", ".pdf")
#: The commands that write a manifest beside ``--out``.
MANIFESTED = ("fit", "score", "backtest")

# ---------------------------------------------------------------------------------------------------------
# --out is never an input: checked before any work
# ---------------------------------------------------------------------------------------------------------


def _glob_lists(pattern: Sequence[str], parts: Sequence[str]) -> bool:
    """Whether the glob ``pattern`` matches the path ``parts``, component by component, as :mod:`glob` does."""
    if not pattern:
        return not parts
    if pattern[0] == "**":  # any number of folders
        return any(_glob_lists(pattern[1:], parts[i:]) for i in range(len(parts) + 1))
    if not parts or (parts[0].startswith(".") and not pattern[0].startswith(".")):  # glob skips hidden names
        return False
    return fnmatch.fnmatchcase(parts[0], pattern[0]) and _glob_lists(pattern[1:], parts[1:])


def _same_file(a: str | Path, b: str | Path) -> bool:
    """Whether ``a`` and ``b`` are one file: the same path once links are resolved, or the same inode."""
    if os.path.realpath(a) == os.path.realpath(b):
        return True
    try:
        return os.path.samefile(a, b)  # st_dev and st_ino: hard links
    except OSError:  # one of them does not exist
        return False


def _inputs(args: argparse.Namespace) -> list[tuple[str, str]]:
    """The files a command reads, each with what it is: ``[("the transaction file", path), ...]``."""
    inputs: list[tuple[str, str]] = []
    transactions = getattr(args, "transactions", None)
    if transactions is not None:
        if glob.has_magic(transactions):
            inputs += [("a transaction file", match) for match in glob.glob(transactions, recursive=True)]
        else:
            inputs.append(("the transaction file", transactions))
    if args.command == "score":
        inputs.append(("the model file given to --model", args.model))
    if getattr(args, "customers", None) is not None:
        inputs.append(("the customer table given to --customers", args.customers))
    return inputs


def _check_out(args: argparse.Namespace) -> None:
    """Refuse an output that is an input, a folder or of the wrong type, or whose folder cannot be written.

    The outputs are ``--out``, its manifest and the backtest's ``--figure``.

    Raises
    ------
    UsageError
        For an ``--out`` that makes no sense.
    OSError
        For a folder that is not one, or cannot be written in.
    """
    out = Path(args.out)
    if args.command == "demo":
        if out.exists() and not out.is_dir():
            raise UsageError(f"--out {out} is a file; demo writes its files into a folder")
        return
    suffixes = _OUT_SUFFIXES[args.command]
    if out.suffix.lower() not in suffixes:
        raise UsageError(f"--out must end in {' or '.join(suffixes)}; got {out}")
    if out.name.lower().endswith(".manifest.json"):
        raise UsageError(f"--out {out} is named like a run's manifest; give the model or table another name")
    figure = getattr(args, "figure", None)
    if figure is not None and Path(figure).suffix.lower() not in FIGURE_SUFFIXES:
        raise UsageError(f"--figure must end in {' or '.join(FIGURE_SUFFIXES)}; got {figure}")
    outputs = _outputs(args)
    for (flag, path), (other_flag, other) in itertools.combinations(zip(_output_flags(args), outputs, strict=True), 2):
        if _same_file(path, other) or os.path.abspath(path) == os.path.abspath(other):
            raise UsageError(f"{flag} {path} and {other_flag} {other} are the same file; write them apart")
    for flag, path in zip(_output_flags(args), outputs, strict=True):
        _check_output(args, flag, path)


def _check_output(args: argparse.Namespace, flag: str, out: Path) -> None:
    """Refuse one output that is an input or a folder, or whose folder cannot be written."""
    if out.is_dir():
        raise UsageError(f"{flag} {out} is a folder; give the name of the file to write")
    for what, path in _inputs(args):
        if _same_file(out, path):
            raise UsageError(f"{flag} {out} is {what} {path} (the same file); write to another file")
    transactions = getattr(args, "transactions", "")
    if glob.has_magic(transactions):
        pattern = Path(os.path.abspath(transactions)).parts
        if any(_glob_lists(pattern, Path(p).parts) for p in (os.path.abspath(out), os.path.realpath(out))):
            raise UsageError(
                f"{flag} {out} matches the transaction glob {transactions!r}, so a later run would read it as "
                f"transactions; write it outside that pattern"
            )
    folder = resolve_target(out).parent  # through a link at --out, to the folder of the file it points to
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent  # atomic_write creates the missing folders
    if not folder.is_dir():
        raise NotADirectoryError(errno.ENOTDIR, f"not a folder, so {flag} cannot be written in it", str(folder))
    if not os.access(folder, os.W_OK | os.X_OK):
        raise PermissionError(errno.EACCES, f"no permission to write {flag} in this folder", str(folder))


# ---------------------------------------------------------------------------------------------------------
# One line and one exit code for every way a run can end
# ---------------------------------------------------------------------------------------------------------


def _first_line(exc: BaseException) -> str:
    """The first line of an error's message (readers' messages carry SQL and hints on further lines)."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    if not lines:
        return type(exc).__name__
    return lines[0] if len(lines) == 1 else f"{lines[0]} ..."


def _os_message(exc: OSError) -> str:
    if exc.filename is not None and exc.strerror:
        return f"{exc.filename}: {exc.strerror}"
    return _first_line(exc)


#: Errors of the libraries that read files: the file's format or encoding, not its values, is wrong.
_READER_ERRORS = (UnicodeError, pa.ArrowException, pd.errors.ParserError, pd.errors.EmptyDataError, duckdb.IOException)


def _unreadable(exc: BaseException) -> bool:
    """Whether ``exc`` says that a file could not be parsed at all (by a reader, or by DuckDB for an engine)."""
    if isinstance(exc, PyCLVError):
        return False
    cause = exc.__cause__
    return isinstance(exc, _READER_ERRORS) or isinstance(cause, _READER_ERRORS) or (
        isinstance(exc, ValueError) and isinstance(cause, duckdb.Error)
    )


def _outcome(exc: BaseException, command: str) -> tuple[int, str]:
    """The exit code and the one-line message (after ``pyclv: ``) of a run that ended with ``exc``."""
    if isinstance(exc, KeyboardInterrupt | duckdb.InterruptException):
        return EXIT_SIGINT, "interrupted (SIGINT)"
    if isinstance(exc, _Terminated):
        return EXIT_SIGTERM, "terminated (SIGTERM)"
    if isinstance(exc, UsageError):
        return EXIT_USAGE, f"error: {exc} (see 'pyclv {command} --help')"
    if isinstance(exc, DriftRefused):
        return EXIT_DRIFT, f"refused: {exc}"
    if isinstance(exc, MemoryError | duckdb.OutOfMemoryException):
        return EXIT_MEMORY, f"out of memory ({_first_line(exc)}); free memory, or read fewer transactions at once"
    if isinstance(exc, DataValidationError):
        return EXIT_DATA, f"invalid data: {_first_line(exc)}"
    if isinstance(exc, ConvergenceError):
        return EXIT_CONVERGENCE, (
            f"the fit did not converge: {_first_line(ValueError(exc.reason))} What to try: check the log for "
            "implausible rows; refit with a small --penalizer (e.g. 0.001); or another --time-unit (W rather "
            "than D)."
        )
    if isinstance(exc, ModelFormatError):
        return EXIT_IO, f"cannot use the model file: {_first_line(exc)}"
    if isinstance(exc, PyCLVError):  # e.g. a spend model whose population mean is infinite
        return EXIT_DATA, f"cannot score with these models: {_first_line(exc)}"
    if isinstance(exc, BrokenPipeError):
        return EXIT_BROKEN_PIPE, "stdout was closed before the output was printed"
    if isinstance(exc, OSError):
        return EXIT_IO, f"cannot read or write a file: {_os_message(exc)}"
    if _unreadable(exc):
        return EXIT_IO, f"cannot read a file: {_first_line(exc)}"
    if isinstance(exc, ValueError | duckdb.ConversionException | duckdb.InvalidInputException):
        return EXIT_DATA, f"invalid input: {_first_line(exc)}"
    return EXIT_INTERNAL, (
        f"internal error ({type(exc).__name__}: {_first_line(exc)}); this is a bug in pyclv: run again with "
        "'pyclv --traceback ...' and report it"
    )


def _outputs(args: argparse.Namespace) -> list[Path]:
    """The files a command writes: ``--out``, its manifest, and ``--figure``."""
    out = Path(args.out)
    if args.command == "demo":
        return [out / name for name in ("model.json", "scores.parquet", "report.html")]
    outputs = [out]
    if args.command in MANIFESTED:
        outputs.append(manifest_path(out))
    if getattr(args, "figure", None) is not None:
        outputs.append(Path(args.figure))
    return outputs


def _output_flags(args: argparse.Namespace) -> list[str]:
    """How the messages name each of :func:`_outputs`."""
    flags = ["--out"]
    if args.command in MANIFESTED:
        flags.append("the manifest of --out")
    if getattr(args, "figure", None) is not None:
        flags.append("--figure")
    return flags


def _identity(path: Path) -> tuple[int, int, int, int] | None:
    """What changes when ``path`` is replaced: device, inode, modification time and size (None if absent)."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino, st.st_mtime_ns, st.st_size


def _what_was_written(before: dict[Path, tuple[int, int, int, int] | None]) -> str:
    """``nothing was written`` or ``after writing a.json``, by comparing the outputs with their state before."""
    written = [str(path) for path, identity in before.items() if _identity(path) != identity]
    return f"after writing {', '.join(written)}" if written else "nothing was written"


def _interruption(signum: int) -> BaseException:
    """The exception that ``signum`` raises in a run: ``KeyboardInterrupt`` for SIGINT, as Python's own."""
    return KeyboardInterrupt() if signum == signal.SIGINT else _Terminated(signum)


@contextmanager
def _signals_end_the_run() -> Iterator[list[int]]:
    """Within the block, SIGINT and SIGTERM raise an exception (once each) and are recorded in the list yielded.

    The record tells an interrupted run whatever became of the exception on its way out: DuckDB, for one,
    turns it into ``RuntimeError("Query interrupted")``. A signal that is ignored stays ignored (SIGINT of a
    job started in the background), and the previous handlers are restored on the way out. Only the main
    thread can install handlers: in another (``main`` called from a thread) nothing changes.
    """
    received: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield received
        return

    def interrupt(signum: int, frame: FrameType | None) -> None:
        received.append(signum)
        signal.signal(signum, signal.SIG_IGN)  # a second one must not interrupt the clean-up
        raise _interruption(signum)

    previous = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
    handled = [signum for signum, handler in previous.items() if handler not in (signal.SIG_IGN, None)]
    for signum in handled:
        signal.signal(signum, interrupt)
    try:
        yield received
    finally:
        for signum in handled:
            signal.signal(signum, previous[signum])


def _silence_stdout() -> None:
    """Point stdout at the null device: its reader is gone, and Python would fail again flushing it at exit."""
    with suppress(OSError, ValueError):  # a stdout without a file descriptor (io.UnsupportedOperation)
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, sys.stdout.fileno())
        finally:
            os.close(devnull)
