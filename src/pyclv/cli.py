"""The command line: a thin layer over the public API for nightly jobs.

``pyclv fit``   transactions -> BG/NBD + Gamma-Gamma, saved in one JSON artifact
``pyclv score`` transactions + artifact -> the per-customer score table (Parquet or CSV), written atomically
``pyclv report`` transactions -> fit on a calibration period, one self-contained HTML report on the holdout
``pyclv demo``  the whole pipeline on the bundled full CDNOW cohort (and its report)

Exit codes (the ``EXIT_*`` constants). Every failure prints one line on stderr, ``pyclv: what happened; what
to do``, never a traceback (``pyclv --traceback ...`` adds Python's traceback, for a bug report):

=====  ======================================================================================================
0      success
1      an internal error: a bug in pyclv (rerun with ``--traceback`` and report it)
2      bad usage: an option's value, or an ``--out`` that is one of the inputs, a folder or of the wrong type
3      invalid data: the transactions, or a table with NaN or infinite values
4      a fit that did not converge
5      a file that cannot be read or written: missing, not readable as CSV/Parquet/UTF-8, no permission, or a
       model file that is corrupt, edited by hand, of another format version or not a pyclv model
6      out of memory
130    interrupted by SIGINT (Ctrl-C), as shells report it
141    stdout was closed early (e.g. ``pyclv demo | head``), as shells report SIGPIPE
143    terminated by SIGTERM, as shells report it
=====  ======================================================================================================

Output files:

- ``--out`` is never an input: not the transaction file (nor the same file through a symbolic or hard link),
  not a file the transaction glob matches or would match on the next run, not the model given to ``score``.
  Such a run is refused before any work (exit 2).
- A file is written to a temporary name beside it (``.<name>.<pid>.<random>.tmp``) and renamed into place: an
  interrupted or failing run leaves the previous file as it was, and no temporary file; the temporary files
  of a killed run (``kill -9``) are removed by the next run that writes the same file.
- Permissions follow the umask (``umask 022`` gives ``rw-r--r--``), also when a file is replaced: every run
  creates a new file, which does not keep the old file's mode, owner or group.
- A symbolic link at ``--out`` is followed: the file it points to is replaced, in its own folder, and the
  link is kept.
- SIGINT and SIGTERM end the run with one line that says what was written (normally nothing) and exit code
  130 or 143. Their handlers are installed by :func:`main` only (a signal that is ignored stays ignored), and
  the previous ones restored on return; the library itself never installs one. A signal during the second or
  two in which Python imports pyclv, before :func:`main` runs, still gets Python's default treatment.
"""

from __future__ import annotations

import argparse
import errno
import fnmatch
import glob
import logging
import math
import os
import re
import signal
import sys
import threading
import time
import traceback
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from types import FrameType
from typing import NoReturn

import duckdb
import pandas as pd
import pyarrow as pa

from pyclv._files import resolve_target
from pyclv._format import format_number
from pyclv._validation import DateRule, argument_names
from pyclv._version import __version__
from pyclv.data import calibration_holdout_split
from pyclv.datasets import load_cdnow_transactions
from pyclv.engines import duckdb as engine
from pyclv.engines import pandas as pandas_engine
from pyclv.evaluation import holdout_comparison
from pyclv.exceptions import ConvergenceError, DataValidationError, ModelFormatError, PyCLVError
from pyclv.io import load_models, read_table, save_models, write_table
from pyclv.models import GammaGamma, TransactionModel
from pyclv.models.registry import TRANSACTION_MODELS  # the transaction models, by the name given to --model
from pyclv.report import write_report
from pyclv.value import score

__all__ = [
    "EXIT_BROKEN_PIPE",
    "EXIT_CONVERGENCE",
    "EXIT_DATA",
    "EXIT_INTERNAL",
    "EXIT_IO",
    "EXIT_MEMORY",
    "EXIT_SIGINT",
    "EXIT_SIGTERM",
    "EXIT_USAGE",
    "main",
]

EXIT_INTERNAL = 1
EXIT_USAGE = 2
EXIT_DATA = 3
EXIT_CONVERGENCE = 4
EXIT_IO = 5
EXIT_MEMORY = 6
EXIT_SIGINT = 128 + signal.SIGINT
EXIT_BROKEN_PIPE = 128 + 13  # SIGPIPE, which Windows does not define
EXIT_SIGTERM = 128 + signal.SIGTERM

log = logging.getLogger("pyclv")


class UsageError(Exception):
    """A command-line option that makes no sense (exit code 2)."""


class _Terminated(BaseException):
    """SIGTERM arrived: raised by the handler :func:`main` installs, so that files being written are cleaned up.

    A ``BaseException``, like ``KeyboardInterrupt``, so that no ``except Exception`` on the way swallows it.
    """


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line (and ``--help`` says the rest)."""

    def error(self, message: str) -> NoReturn:
        """Print ``message`` as one line and exit with :data:`EXIT_USAGE`.

        Parameters
        ----------
        message : str
            What is wrong with the arguments.
        """
        self.exit(EXIT_USAGE, f"pyclv: error: {message} (see '{self.prog} --help')\n")


def _add_columns(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--customer-col", default="customer_id", help="customer id column (default: customer_id)")
    parser.add_argument("--date-col", default="date", help="transaction date column (default: date)")
    parser.add_argument("--amount-col", default="amount", help="transaction value column (default: amount)")
    dates = parser.add_mutually_exclusive_group()
    dates.add_argument(
        "--date-format",
        default=None,
        help="strptime format of the dates, e.g. %%d/%%m/%%Y or %%Y%%m%%d (default: ISO 8601, YYYY-MM-DD)",
    )
    dates.add_argument(
        "--dayfirst", dest="dayfirst", action="store_const", const=True, default=None,
        help="dates are DD/MM/YYYY (also with - or .)",
    )
    dates.add_argument(
        "--monthfirst", dest="dayfirst", action="store_const", const=False, help="dates are MM/DD/YYYY"
    )


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="pyclv",
        description="Customer lifetime value: fit, score, report, demo.",
        epilog="Exit codes: 0 success, 1 internal error (a bug), 2 bad usage, 3 invalid data, 4 no convergence, "
        "5 a file that cannot be read or written, 6 out of memory, 130 SIGINT, 141 stdout closed, 143 SIGTERM.",
    )
    parser.add_argument("--version", action="version", version=f"pyclv {__version__}")
    parser.add_argument("-q", "--quiet", action="store_true", help="log warnings and errors only")
    parser.add_argument(
        "--traceback", action="store_true", help="on an error, also print Python's traceback (for a bug report)"
    )
    sub = parser.add_subparsers(dest="command", required=True)

    fit = sub.add_parser("fit", help="fit BG/NBD + Gamma-Gamma on a transaction log and save the models")
    fit.add_argument("transactions", help="transaction log (.csv or .parquet)")
    fit.add_argument("--observation-end", required=True, help="last date of the observation period (YYYY-MM-DD)")
    _add_columns(fit)
    fit.add_argument(
        "--model",
        choices=list(TRANSACTION_MODELS),
        default="bgnbd",
        help="transaction model (default: bgnbd); bgbb models whole periods of --time-unit",
    )
    fit.add_argument(
        "--time-unit",
        choices=["D", "W", "M", "Y"],
        default=None,
        help="model time unit (default: W; Y for bgbb); months are 365.25/12 days",
    )
    fit.add_argument("--penalizer", type=float, default=0.0, help="L2 penalty for both models (default: 0)")
    fit.add_argument("--out", required=True, help="model artifact to write (.json; never an input)")

    sc = sub.add_parser("score", help="score every customer with a saved model")
    sc.add_argument("transactions", help="transaction log (.csv or .parquet)")
    sc.add_argument("--model", required=True, help="model artifact written by 'pyclv fit'")
    sc.add_argument("--observation-end", required=True, help="scoring date: last date of the log to use")
    _add_columns(sc)
    sc.add_argument(
        "--horizon",
        type=float,
        required=True,
        help="CLV horizon in the model's time unit (inf: residual lifetime, DERT)",
    )
    sc.add_argument("--annual-discount-rate", type=float, default=0.0, help="effective annual rate (default: 0)")
    sc.add_argument("--margin", type=float, default=1.0, help="profit margin applied to spend (default: 1)")
    sc.add_argument("--out", required=True, help="score table to write (.parquet or .csv; never an input)")

    rep = sub.add_parser("report", help="fit on a calibration period and write an HTML report against the holdout")
    rep.add_argument("transactions", help="transaction log (.csv or .parquet)")
    rep.add_argument("--calibration-end", required=True, help="last date of the calibration period (YYYY-MM-DD)")
    rep.add_argument("--observation-end", required=True, help="last date of the holdout period (YYYY-MM-DD)")
    _add_columns(rep)
    rep.add_argument("--model", choices=[m for m, c in TRANSACTION_MODELS.items() if not c.discrete], default="bgnbd")
    rep.add_argument("--time-unit", choices=["D", "W"], default="W", help="model time unit (default: W)")
    rep.add_argument("--annual-discount-rate", type=float, default=0.0, help="to rank customers by CLV (default: 0)")
    rep.add_argument("--out", required=True, help="report to write (.html; never an input)")

    demo = sub.add_parser("demo", help="run the whole pipeline on the bundled CDNOW cohort")
    demo.add_argument("--out", default="demo-output", help="folder for the model, score and report files")
    return parser


def _summary(args: argparse.Namespace, time_unit: str, *, discrete: bool = False) -> pd.DataFrame:
    """Summarise the transaction file out of core with the embedded engine (DuckDB)."""
    path = Path(args.transactions)
    if not any(ch in str(path) for ch in "*?[") and not path.is_file():
        raise FileNotFoundError(f"no such file: {path}")
    summarise = engine.discrete_summary if discrete else engine.rfm_summary
    summary = summarise(
        str(path),
        customer_id_col=args.customer_col,
        datetime_col=args.date_col,
        monetary_value_col=args.amount_col,
        observation_period_end=args.observation_end,
        time_unit=time_unit,
        date_format=args.date_format,
        dayfirst=args.dayfirst,
    )
    log.info("read %s: %d customers (time unit %s)", path, len(summary), time_unit)
    return summary


def _fit_pair(
    summary: pd.DataFrame, penalizer: float, model: str = "bgnbd"
) -> tuple[TransactionModel, GammaGamma]:
    bgnbd = TRANSACTION_MODELS[model](penalizer=penalizer).fit(summary)
    gg = GammaGamma(penalizer=penalizer).fit(summary)
    for fitted in (bgnbd, gg):
        params = ", ".join(f"{k}={format_number(v, 'compact')}" for k, v in fitted.params_.items())
        name = type(fitted).__name__
        log.info("fitted %s on %s customers: %s (LL %.2f)", name, fitted.n_customers_, params, fitted.log_likelihood_)
    return bgnbd, gg


def _cmd_fit(args: argparse.Namespace) -> None:
    if not (math.isfinite(args.penalizer) and args.penalizer >= 0):
        raise UsageError("--penalizer must be a finite number >= 0")
    discrete = TRANSACTION_MODELS[args.model].discrete
    unit = args.time_unit or ("Y" if discrete else "W")
    summary = _summary(args, unit, discrete=discrete)
    bgnbd, gg = _fit_pair(summary, args.penalizer, args.model)
    save_models(args.out, transaction=bgnbd, spend=gg)
    log.info("wrote %s", args.out)


def _cmd_score(args: argparse.Namespace) -> None:
    if not args.horizon > 0:  # NaN fails too
        raise UsageError("--horizon must be > 0 (in the model's time unit), or inf for the whole residual lifetime")
    if not (math.isfinite(args.annual_discount_rate) and args.annual_discount_rate > -1):
        raise UsageError("--annual-discount-rate must be a finite number > -1")
    if not math.isfinite(args.margin):
        raise UsageError("--margin must be a finite number")
    if math.isinf(args.horizon) and not args.annual_discount_rate > 0:
        raise UsageError("--horizon inf needs a positive --annual-discount-rate (undiscounted CLV is infinite)")
    models = load_models(args.model)
    transaction, spend = models.get("transaction"), models.get("spend")
    if not isinstance(transaction, TransactionModel) or not isinstance(spend, GammaGamma):
        raise ModelFormatError(
            f"{args.model} does not hold a transaction and a spend model; write it with 'pyclv fit'."
        )
    unit = transaction.time_unit_
    if unit is None:
        raise ModelFormatError(f"{args.model}: the transaction model has no time unit; refit it with 'pyclv fit'.")
    summary = _summary(args, unit, discrete=transaction.discrete)
    table = score(
        transaction,
        spend,
        summary,
        horizon=args.horizon,
        annual_discount_rate=args.annual_discount_rate,
        margin=args.margin,
    ).sort_index()
    write_table(table, args.out)
    log.info("wrote %s: %d customers, total CLV %.2f", args.out, len(table), table["clv"].sum())


def _cmd_demo(args: argparse.Namespace) -> None:
    out = Path(args.out)
    start = time.perf_counter()
    tx = load_cdnow_transactions(sample=False)
    data = calibration_holdout_split(
        tx,
        calibration_period_end="1997-09-30",
        observation_period_end="1998-06-30",
        monetary_value_col="amount",
        time_unit="W",
    )
    print(f"CDNOW full cohort: {len(tx):,} transactions of {len(data):,} customers")
    print("calibration 1997-01-01..1997-09-30, holdout to 1998-06-30 "
          f"({data['duration_holdout'].iloc[0]:.2f} weeks)\n")
    bgnbd, gg = _fit_pair(data, 0.0)
    print(bgnbd.summary(), "\n")
    print(gg.summary(), "\n")
    comparison = holdout_comparison(bgnbd, gg, data)
    print("Holdout: forecast vs actual (totals over customers; MAE per customer)")
    print(comparison.to_string(float_format=lambda v: f"{v:,.2f}"), "\n")
    table = score(bgnbd, gg, data, horizon=52.0, annual_discount_rate=0.1)
    save_models(out / "model.json", transaction=bgnbd, spend=gg)
    write_table(table, out / "scores.parquet")
    write_report(
        out / "report.html", bgnbd, gg, data, tx, calibration_period_end="1997-09-30",
        observation_period_end="1998-06-30", monetary_value_col="amount", title="pyclv demo: the CDNOW cohort",
    )
    top = table.sort_values("clv", ascending=False).head(5)
    print("Top customers by 52-week CLV (10% annual discount):")
    shown = ["frequency", "recency", "T", "monetary_value", "p_alive", "expected_purchases", "clv"]
    print(top[shown].round(2).to_string())
    print(f"\nwrote {out / 'model.json'}, {out / 'scores.parquet'} and {out / 'report.html'} "
          f"in {time.perf_counter() - start:.1f} s")


def _cmd_report(args: argparse.Namespace) -> None:
    if not (math.isfinite(args.annual_discount_rate) and args.annual_discount_rate > -1):
        raise UsageError("--annual-discount-rate must be a finite number > -1")
    path = Path(args.transactions)
    if any(ch in str(path) for ch in "*?["):
        raise UsageError("report takes one transaction file (its tracking curves read the whole log), not a glob")
    if not path.is_file():
        raise FileNotFoundError(f"no such file: {path}")
    columns = {"customer_id_col": args.customer_col, "datetime_col": args.date_col}
    data = engine.calibration_holdout_split(
        str(path), calibration_period_end=args.calibration_end, observation_period_end=args.observation_end,
        monetary_value_col=args.amount_col, time_unit=args.time_unit, date_format=args.date_format,
        dayfirst=args.dayfirst, **columns,
    )
    transaction, spend = _fit_pair(data, 0.0, args.model)
    log_frame = read_table(path, string_columns=(args.customer_col,))  # for the tracking curves and cohorts
    if args.date_col in log_frame.columns:  # dates as the summary read them (one grammar, pyclv._dates)
        days = pandas_engine.to_days(log_frame[args.date_col], args.date_col, DateRule(args.date_format, args.dayfirst))
        log_frame[args.date_col] = days.astype("datetime64[D]")
    write_report(
        args.out, transaction, spend, data, log_frame,
        calibration_period_end=args.calibration_end, observation_period_end=args.observation_end,
        monetary_value_col=args.amount_col, annual_discount_rate=args.annual_discount_rate, **columns,
    )
    log.info("wrote %s", args.out)


#: The place a warning was issued, as :func:`warnings.formatwarning` writes it before the category.
_WARNING_ORIGIN = re.compile(r"^.*?:\d+: ")


class _OneLineWarnings(logging.Filter):
    """Show a captured warning as one line, ``PyCLVWarning: ...``.

    This process is the command line, not a user's session: the file and source line that issued a warning
    mean nothing to an operator.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        lines = record.getMessage().splitlines()
        record.msg, record.args = _WARNING_ORIGIN.sub("", lines[0] if lines else ""), ()
        return True


_COMMANDS = {"fit": _cmd_fit, "score": _cmd_score, "report": _cmd_report, "demo": _cmd_demo}

#: The flag of each argument that the library's messages mention, so that an operator is told what to type.
FLAGS = {
    "customer_id_col": "--customer-col",
    "datetime_col": "--date-col",
    "monetary_value_col": "--amount-col",
    "date_format": "--date-format",
    "dayfirst": "--dayfirst",
    "dayfirst=True": "--dayfirst",
    "dayfirst=False": "--monthfirst",
    "observation_period_end": "--observation-end",
    "calibration_period_end": "--calibration-end",
    "time_unit": "--time-unit",
    "horizon": "--horizon",
    "annual_discount_rate": "--annual-discount-rate",
    "margin": "--margin",
    "penalizer": "--penalizer",
}

#: What ``--out`` of each command must end in.
_OUT_SUFFIXES = {"fit": (".json",), "score": (".parquet", ".pq", ".csv"), "report": (".html", ".htm")}


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
    return inputs


def _check_out(args: argparse.Namespace) -> None:
    """Refuse an ``--out`` that is an input, a folder or of the wrong type, or whose folder cannot be written.

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
    if out.is_dir():
        raise UsageError(f"--out {out} is a folder; give the name of the file to write")
    for what, path in _inputs(args):
        if _same_file(out, path):
            raise UsageError(f"--out {out} is {what} {path} (the same file); write to another file")
    transactions = getattr(args, "transactions", "")
    if glob.has_magic(transactions):
        pattern = Path(os.path.abspath(transactions)).parts
        if any(_glob_lists(pattern, Path(p).parts) for p in (os.path.abspath(out), os.path.realpath(out))):
            raise UsageError(
                f"--out {out} matches the transaction glob {transactions!r}, so a later run would read it as "
                f"transactions; write it outside that pattern"
            )
    folder = resolve_target(out).parent  # through a link at --out, to the folder of the file it points to
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent  # atomic_write creates the missing folders
    if not folder.is_dir():
        raise NotADirectoryError(errno.ENOTDIR, "not a folder, so --out cannot be written in it", str(folder))
    if not os.access(folder, os.W_OK | os.X_OK):
        raise PermissionError(errno.EACCES, "no permission to write --out in this folder", str(folder))


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
    """The files a command writes."""
    if args.command == "demo":
        return [Path(args.out) / name for name in ("model.json", "scores.parquet", "report.html")]
    return [Path(args.out)]


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


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line.

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments after the program's name; by default ``sys.argv[1:]``.

    Returns
    -------
    int
        The exit code (see the module's table): 0 success, 1 internal error, 2 bad usage, 3 invalid data,
        4 a fit that did not converge, 5 a file that cannot be read or written, 6 out of memory, 130 SIGINT,
        141 stdout closed early, 143 SIGTERM.
    """
    with _signals_end_the_run() as received:
        try:
            args = _parser().parse_args(argv)
        except SystemExit as exc:  # --help, --version, or a usage error printed as one line
            return exc.code if isinstance(exc.code, int) else EXIT_USAGE
        except BrokenPipeError:  # --help into a closed pipe
            _silence_stdout()
            return EXIT_BROKEN_PIPE
        except (KeyboardInterrupt, _Terminated) as exc:
            code, message = _outcome(exc, "")
            print(f"pyclv: {message}; nothing was written", file=sys.stderr)
            return code
        return _run(args, received)


def _run(args: argparse.Namespace, received: Sequence[int]) -> int:
    """Run the command of ``args``; one line on stderr and an exit code for every way it can end.

    ``received`` is the record of the signals that arrived during the run (see :func:`_signals_end_the_run`).
    """
    logging.basicConfig(
        level=logging.WARNING if args.quiet else logging.INFO,
        format="pyclv: %(message)s",
        stream=sys.stderr,
    )
    one_line = _OneLineWarnings()
    warning_log = logging.getLogger("py.warnings")
    warning_log.addFilter(one_line)
    logging.captureWarnings(True)
    before = {path: _identity(path) for path in _outputs(args)}
    failure: BaseException | None = None
    try:
        _check_out(args)
        with argument_names(FLAGS):
            _COMMANDS[args.command](args)
    except (Exception, KeyboardInterrupt, _Terminated) as exc:
        failure = exc
    finally:
        logging.captureWarnings(False)
        warning_log.removeFilter(one_line)
    if received:  # a signal ends the run, whatever became of the exception its handler raised
        ended = _interruption(received[0])
    elif failure is not None:
        ended = failure
    else:
        return 0
    code, message = _outcome(ended, args.command)
    if code in (EXIT_SIGINT, EXIT_SIGTERM):
        message = f"{message}; {_what_was_written(before)}"
    elif code == EXIT_BROKEN_PIPE:
        _silence_stdout()
    if args.traceback and failure is not None:
        traceback.print_exception(failure)
    print(f"pyclv: {message}", file=sys.stderr)
    return code


if __name__ == "__main__":
    raise SystemExit(main())
