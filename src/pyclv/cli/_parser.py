"""The command line's arguments: one parser, and the flag of each library argument its messages name."""

from __future__ import annotations

import argparse
from typing import NoReturn

from pyclv._version import __version__
from pyclv.cli._safety import EXIT_USAGE
from pyclv.models.registry import TRANSACTION_MODELS  # the transaction models, by the name given to --model


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


def _add_engine(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--engine",
        choices=["duckdb", "spark"],
        default="duckdb",
        help="where the log is summarised: duckdb in this process (default), or spark (local, or the cluster of "
        "spark-submit; needs pyclv[spark]); paths may then be URLs such as s3a://...",
    )


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


def _add_covariates(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(
        "covariates",
        "time-invariant customer attributes (bgnbd, pareto-nbd and the spend model): each customer's value in its "
        "first transaction (on its first purchase day; of several that day, the smallest), or from --customers. "
        "Columns are listed after the flag, space-separated as --cutoffs are: put the transaction file first. A "
        "column of numbers is numeric (in CSV: when every value is a number); any other column is categorical, "
        "against its first level in sorted order",
    )
    for process, what in (("purchase", "the purchase rate"), ("dropout", "the dropout"),
                          ("spend", "the spend model's scale")):
        group.add_argument(
            f"--{process}-covariates", nargs="+", default=None, metavar="COL", help=f"columns that act on {what}"
        )
    group.add_argument(
        "--constrained-covariates", nargs="+", default=None, metavar="COL",
        help="columns of both --purchase- and --dropout-covariates with one coefficient for both processes",
    )
    group.add_argument(
        "--covariate-penalty", type=float, default=0.0, help="L2 penalty of the covariates' coefficients (default: 0)"
    )
    _add_customers(group)


def _add_customers(parser: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    parser.add_argument(
        "--customers", default=None, metavar="PATH",
        help="customer table (.csv or .parquet) with the customer id column and the covariate columns, one row per "
        "customer, read instead of the log's first values; every customer of the log must be in it",
    )


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="pyclv",
        description="Customer lifetime value: fit, score, backtest, report, demo.",
        epilog="Exit codes: 0 success, 1 internal error (a bug), 2 bad usage, 3 invalid data, 4 no convergence, "
        "5 a file that cannot be read or written, 6 out of memory, 7 fit --previous: drift beyond --max-drift, "
        "130 SIGINT, 141 stdout closed, 143 SIGTERM.",
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
    _add_engine(fit)
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
    fit.add_argument(
        "--previous",
        default=None,
        metavar="OLD.json",
        help="the model this fit replaces (often the same file as --out): report how far the parameters and the "
        "population forecast moved, and refuse to write --out beyond --max-drift (exit code 7)",
    )
    fit.add_argument(
        "--max-drift",
        type=float,
        default=0.25,
        help="largest relative change allowed with --previous, of any parameter or of the population's mean "
        "expected purchases, P(alive) and CLV (default: 0.25, i.e. 25%%)",
    )
    fit.add_argument("--force", action="store_true", help="with --previous: write --out whatever the drift")
    _add_covariates(fit)

    sc = sub.add_parser("score", help="score every customer with a saved model")
    sc.add_argument("transactions", help="transaction log (.csv or .parquet)")
    sc.add_argument("--model", required=True, help="model artifact written by 'pyclv fit'")
    sc.add_argument("--observation-end", required=True, help="scoring date: last date of the log to use")
    _add_columns(sc)
    _add_engine(sc)
    sc.add_argument(
        "--horizon",
        type=float,
        required=True,
        help="CLV horizon in the model's time unit (inf: residual lifetime, DERT)",
    )
    sc.add_argument("--annual-discount-rate", type=float, default=0.0, help="effective annual rate (default: 0)")
    sc.add_argument(
        "--margin", type=float, default=1.0, help="fraction of spend kept as profit, in (0, 1] (default: 1, revenue)"
    )
    sc.add_argument(
        "--interval",
        type=float,
        default=None,
        metavar="LEVEL",
        help="add the bounds of a LEVEL interval (e.g. 0.9) from the models' parameter uncertainty",
    )
    sc.add_argument("--draws", type=int, default=200, help="parameter draws for --interval (default: 200)")
    sc.add_argument("--seed", type=int, default=0, help="seed of the draws for --interval (default: 0)")
    sc.add_argument("--out", required=True, help="score table to write (.parquet or .csv; never an input)")
    _add_customers(sc)

    bt = sub.add_parser(
        "backtest", help="refit at past cut-offs and compare the forecast with what happened (rolling origin)"
    )
    bt.add_argument("transactions", help="transaction log (.csv or .parquet)")
    bt.add_argument(
        "--cutoffs", nargs="+", required=True, metavar="DATE", help="the past days at which to fit and forecast"
    )
    bt.add_argument(
        "--horizon-days", type=int, required=True, help="days after each cut-off over which the forecast is judged"
    )
    _add_columns(bt)
    _add_engine(bt)
    bt.add_argument("--model", choices=[m for m, c in TRANSACTION_MODELS.items() if not c.discrete], default="bgnbd")
    bt.add_argument("--time-unit", choices=["D", "W"], default="W", help="model time unit (default: W)")
    bt.add_argument("--penalizer", type=float, default=0.0, help="L2 penalty for both models (default: 0)")
    bt.add_argument("--out", required=True, help="backtest table to write (.csv or .parquet; never an input)")
    bt.add_argument("--figure", default=None, help="also draw the table (.png, .svg or .pdf)")

    rep = sub.add_parser("report", help="fit on a calibration period and write an HTML report against the holdout")
    rep.add_argument("transactions", help="transaction log (.csv or .parquet)")
    rep.add_argument("--calibration-end", required=True, help="last date of the calibration period (YYYY-MM-DD)")
    rep.add_argument("--observation-end", required=True, help="last date of the holdout period (YYYY-MM-DD)")
    _add_columns(rep)
    rep.add_argument("--model", choices=[m for m, c in TRANSACTION_MODELS.items() if not c.discrete], default="bgnbd")
    rep.add_argument("--time-unit", choices=["D", "W"], default="W", help="model time unit (default: W)")
    rep.add_argument("--annual-discount-rate", type=float, default=0.0, help="to rank customers by CLV (default: 0)")
    rep.add_argument(
        "--margin", type=float, default=1.0, help="fraction of spend kept as profit, in (0, 1] (default: 1, revenue)"
    )
    rep.add_argument(
        "--acquisition-cost", type=float, default=None,
        help="cost of acquiring one customer (CAC): adds each cohort's payback to the report",
    )
    rep.add_argument(
        "--currency", default="", help="symbol or code written with every amount of the report, e.g. '$' or EUR"
    )
    rep.add_argument("--out", required=True, help="report to write (.html; never an input)")

    demo = sub.add_parser("demo", help="run the whole pipeline on the bundled CDNOW cohort")
    demo.add_argument("--out", default="demo-output", help="folder for the model, score and report files")
    demo.add_argument("--currency", default="$", help="symbol or code of the report's amounts (default: $, CDNOW's)")
    return parser


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
    "interval": "--interval",
    "n_draws": "--draws",
    "seed": "--seed",
    "cutoffs": "--cutoffs",
    "horizon_days": "--horizon-days",
    "currency": "--currency",
    "acquisition_cost": "--acquisition-cost",
    "covariate_cols": "--purchase-covariates, --dropout-covariates or --spend-covariates",
}
