"""The command line: a thin layer over the public API for nightly jobs.

``pyclv fit``   transactions -> BG/NBD + Gamma-Gamma, saved in one JSON artifact
``pyclv score`` transactions + artifact -> the per-customer score table (Parquet or CSV), written atomically
``pyclv report`` transactions -> fit on a calibration period, one self-contained HTML report on the holdout
``pyclv demo``  the whole pipeline on the bundled full CDNOW cohort (and its report)

Exit codes: 0 success, 2 bad usage, 3 invalid data, 4 a fit that did not converge, 5 a file that cannot be
read or written. A user's mistake gets a one-line message that says what to do, never a traceback.
"""

from __future__ import annotations

import argparse
import logging
import math
import re
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

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

__all__ = ["EXIT_CONVERGENCE", "EXIT_DATA", "EXIT_IO", "EXIT_USAGE", "main"]

EXIT_USAGE = 2
EXIT_DATA = 3
EXIT_CONVERGENCE = 4
EXIT_IO = 5

log = logging.getLogger("pyclv")


class UsageError(Exception):
    """A command-line option that makes no sense (exit code 2)."""


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
    parser = argparse.ArgumentParser(prog="pyclv", description="Customer lifetime value: fit, score, demo.")
    parser.add_argument("--version", action="version", version=f"pyclv {__version__}")
    parser.add_argument("-q", "--quiet", action="store_true", help="log warnings and errors only")
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
    fit.add_argument("--out", required=True, help="model artifact to write (.json)")

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
    sc.add_argument("--out", required=True, help="score table to write (.parquet or .csv)")

    rep = sub.add_parser("report", help="fit on a calibration period and write an HTML report against the holdout")
    rep.add_argument("transactions", help="transaction log (.csv or .parquet)")
    rep.add_argument("--calibration-end", required=True, help="last date of the calibration period (YYYY-MM-DD)")
    rep.add_argument("--observation-end", required=True, help="last date of the holdout period (YYYY-MM-DD)")
    _add_columns(rep)
    rep.add_argument("--model", choices=[m for m, c in TRANSACTION_MODELS.items() if not c.discrete], default="bgnbd")
    rep.add_argument("--time-unit", choices=["D", "W"], default="W", help="model time unit (default: W)")
    rep.add_argument("--annual-discount-rate", type=float, default=0.0, help="to rank customers by CLV (default: 0)")
    rep.add_argument("--out", required=True, help="report to write (.html)")

    demo = sub.add_parser("demo", help="run the whole pipeline on the bundled CDNOW cohort")
    demo.add_argument("--out", default="demo-output", help="folder for the model and score files")
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
    if Path(args.out).suffix.lower() not in (".parquet", ".pq", ".csv"):
        raise UsageError("--out must end in .parquet or .csv")
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
    if Path(args.out).suffix.lower() not in (".html", ".htm"):
        raise UsageError("--out must end in .html")
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


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line.

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments after the program's name; by default ``sys.argv[1:]``.

    Returns
    -------
    int
        The exit code: 0 success, 2 bad usage, 3 invalid data, 4 a fit that did not converge, 5 a file that
        cannot be read or written.
    """
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING if args.quiet else logging.INFO,
        format="pyclv: %(message)s",
        stream=sys.stderr,
    )
    one_line = _OneLineWarnings()
    warning_log = logging.getLogger("py.warnings")
    warning_log.addFilter(one_line)
    logging.captureWarnings(True)
    try:
        with argument_names(FLAGS):
            _COMMANDS[args.command](args)
    except UsageError as exc:
        parser.error(str(exc))
    except DataValidationError as exc:
        print(f"pyclv: invalid data: {exc}", file=sys.stderr)
        return EXIT_DATA
    except ConvergenceError as exc:
        print(f"pyclv: the fit did not converge: {exc}", file=sys.stderr)
        return EXIT_CONVERGENCE
    except ModelFormatError as exc:
        print(f"pyclv: cannot use the model file: {exc}", file=sys.stderr)
        return EXIT_IO
    except PyCLVError as exc:  # e.g. a spend model whose population mean is infinite
        print(f"pyclv: cannot score with these models: {exc}", file=sys.stderr)
        return EXIT_DATA
    except (OSError, ValueError) as exc:
        # OSError: files; ValueError from readers (unparseable CSV/Parquet) and option values
        kind = "cannot read or write a file" if isinstance(exc, OSError) else "invalid input"
        code = EXIT_IO if isinstance(exc, OSError) else EXIT_DATA
        print(f"pyclv: {kind}: {exc}", file=sys.stderr)
        return code
    finally:
        logging.captureWarnings(False)
        warning_log.removeFilter(one_line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
