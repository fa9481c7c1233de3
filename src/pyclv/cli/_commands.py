"""The commands: thin functions over the public API, one per subcommand."""

from __future__ import annotations

import argparse
import logging
import math
import time
from pathlib import Path

import pandas as pd

from pyclv._format import format_number
from pyclv._validation import DateRule
from pyclv.cli._safety import UsageError
from pyclv.data import calibration_holdout_split
from pyclv.datasets import load_cdnow_transactions
from pyclv.engines import duckdb as engine
from pyclv.engines import pandas as pandas_engine
from pyclv.evaluation import holdout_comparison
from pyclv.exceptions import ModelFormatError
from pyclv.io import load_models, read_table, save_models, write_table
from pyclv.models import GammaGamma, TransactionModel
from pyclv.models.registry import TRANSACTION_MODELS
from pyclv.report import write_report
from pyclv.value import score

log = logging.getLogger("pyclv")


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



_COMMANDS = {"fit": _cmd_fit, "score": _cmd_score, "report": _cmd_report, "demo": _cmd_demo}
