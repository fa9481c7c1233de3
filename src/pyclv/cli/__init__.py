"""The command line: a thin layer over the public API for nightly jobs.

``pyclv fit``      transactions -> BG/NBD + Gamma-Gamma, saved in one JSON artifact with its lineage;
                   ``--previous OLD.json`` guards against drift (:mod:`pyclv.cli._drift`); ``--purchase-covariates``,
                   ``--dropout-covariates``, ``--spend-covariates`` take covariates from the log or from
                   ``--customers`` (:mod:`pyclv.cli._covariates`)
``pyclv score``    transactions + artifact -> the per-customer score table (Parquet or CSV), written atomically
                   (its columns: :mod:`pyclv._score_table`, then the models' covariates, read as the fit read them)
``pyclv backtest`` transactions -> refit at past cut-offs, forecast vs actual vs the historical-CLV formula
                   (:mod:`pyclv.cli._backtest`)
``pyclv report``   transactions -> fit on a calibration period, one self-contained HTML report on the holdout
``pyclv demo``     the whole pipeline on the bundled full CDNOW cohort (and its report)

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
7      ``fit --previous``: the new models moved beyond ``--max-drift``, so ``--out`` was not replaced
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
- ``fit``, ``score`` and ``backtest`` write a run manifest, ``<out>.manifest.json``, beside ``--out`` and
  after it (:mod:`pyclv.cli._manifest`): a reader that sees the manifest knows that the output is complete.
- Progress: on a terminal a bar of the current step and its part (``summary: totals [####  ] 40% 12 s``),
  redrawn in place; otherwise a log line every 10 s of a step that runs that long, with the share done when the
  step knows it (the intervals' blocks, DuckDB's and Spark's progress of a query); nothing under ``-q``
  (:mod:`pyclv.cli._progress`).
- SIGINT and SIGTERM end the run with one line that says what was written (normally nothing) and exit code
  130 or 143. Their handlers are installed by :func:`main` only (a signal that is ignored stays ignored), and
  the previous ones restored on return; the library itself never installs one. A signal during the second or
  two in which Python imports pyclv, before :func:`main` runs, still gets Python's default treatment.
"""


from __future__ import annotations

import argparse
import logging
import sys
import traceback
from collections.abc import Sequence

from pyclv._progress import listening
from pyclv._validation import argument_names
from pyclv.cli._commands import _COMMANDS
from pyclv.cli._manifest import Run
from pyclv.cli._parser import FLAGS, _parser
from pyclv.cli._progress import ERASE_LINE, Progress
from pyclv.cli._safety import (
    EXIT_BROKEN_PIPE,
    EXIT_CONVERGENCE,
    EXIT_DATA,
    EXIT_DRIFT,
    EXIT_INTERNAL,
    EXIT_IO,
    EXIT_MEMORY,
    EXIT_SIGINT,
    EXIT_SIGTERM,
    EXIT_USAGE,
    _check_out,
    _identity,
    _interruption,
    _OneLineWarnings,
    _outcome,
    _outputs,
    _signals_end_the_run,
    _silence_stdout,
    _Terminated,
    _what_was_written,
)
from pyclv.models.registry import TRANSACTION_MODELS  # the transaction models, by the name given to --model

__all__ = [
    "EXIT_BROKEN_PIPE",
    "EXIT_CONVERGENCE",
    "EXIT_DATA",
    "EXIT_DRIFT",
    "EXIT_INTERNAL",
    "EXIT_IO",
    "EXIT_MEMORY",
    "EXIT_SIGINT",
    "EXIT_SIGTERM",
    "EXIT_USAGE",
    "FLAGS",
    "TRANSACTION_MODELS",
    "main",
]


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
        4 a fit that did not converge, 5 a file that cannot be read or written, 6 out of memory, 7 a model
        not replaced because it drifted beyond ``--max-drift``, 130 SIGINT, 141 stdout closed early, 143 SIGTERM.
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
        return _run(args, list(sys.argv[1:] if argv is None else argv), received)


def _run(args: argparse.Namespace, argv: list[str], received: Sequence[int]) -> int:
    """Run the command of ``args``; one line on stderr and an exit code for every way it can end.

    ``argv`` is the command line (for the manifest); ``received`` is the record of the signals that arrived
    during the run (see :func:`_signals_end_the_run`).
    """
    progress = Progress(sys.stderr, show=not args.quiet)
    logging.basicConfig(
        level=logging.WARNING if args.quiet else logging.INFO,
        format=(ERASE_LINE if progress.terminal else "") + "pyclv: %(message)s",  # a log line replaces the bar
        stream=sys.stderr,
    )
    args.run = Run(args, argv, progress)
    one_line = _OneLineWarnings()
    warning_log = logging.getLogger("py.warnings")
    warning_log.addFilter(one_line)
    logging.captureWarnings(True)
    before = {path: _identity(path) for path in _outputs(args)}
    failure: BaseException | None = None
    try:
        _check_out(args)
        with argument_names(FLAGS), listening(progress), progress.running():
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
