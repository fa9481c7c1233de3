"""The commands: thin functions over the public API, one per subcommand.

``fit``, ``score`` and ``backtest`` read the transaction files through the embedded engine (DuckDB, or Spark
with ``--engine spark``) with a
:class:`~pyclv._lineage.RecordedLog` in between, so that what the summary read (rows, first and last day,
rows after the end) is known without a second pass; they record it in the artifact's lineage and in the run
manifest (:mod:`pyclv.cli._manifest`). Each long step is a :func:`pyclv._progress.step`.
"""

from __future__ import annotations

import argparse
import glob
import logging
import math
import os
import sys
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from pyclv import _progress, _summaries
from pyclv._format import format_number
from pyclv._lineage import LogFacts, RecordedLog, file_fingerprints, file_record, lineage
from pyclv._score_table import score_table
from pyclv._validation import DateRule, LogColumns, check_acquisition_cost, check_currency, check_margin
from pyclv.cli import _covariates, _drift
from pyclv.cli._backtest import backtest, write_figure
from pyclv.cli._manifest import Run, model_record
from pyclv.cli._safety import DriftRefused, UsageError
from pyclv.data import calibration_holdout_split
from pyclv.datasets import load_cdnow_transactions
from pyclv.engines import TransactionLog, is_url
from pyclv.engines import duckdb as engine
from pyclv.engines import pandas as pandas_engine
from pyclv.evaluation import holdout_comparison
from pyclv.exceptions import DataValidationError, ModelFormatError
from pyclv.io import ModelArtifact, load_artifact, read_table, save_models, write_table
from pyclv.models import GammaGamma, TransactionModel
from pyclv.models.registry import TRANSACTION_MODELS
from pyclv.report import write_report
from pyclv.value import score

log = logging.getLogger("pyclv")


@dataclass(frozen=True)
class _Read:
    """A summary of the transaction files, with where it came from."""

    summary: pd.DataFrame
    facts: LogFacts
    inputs: list[dict[str, Any]]
    history: pd.DataFrame | None  # purchase days and spend to date, for a summary of whole periods


def _columns(args: argparse.Namespace) -> LogColumns:
    return LogColumns(args.customer_col, args.date_col, args.amount_col)


def _rule(args: argparse.Namespace) -> DateRule:
    return DateRule(args.date_format, args.dayfirst)


def _fingerprints(args: argparse.Namespace) -> list[dict[str, Any]]:
    """The transaction files' fingerprints (refusing a missing file, as the engine would).

    A URL read by Spark (``s3a://...``) is recorded by its address only: its bytes are the cluster's to read.
    """
    path = str(args.transactions)
    if is_url(path) and args.engine == "spark":
        return [{"path": path, "bytes": None, "sha256": None}]
    if not glob.has_magic(path) and not Path(path).is_file():
        raise FileNotFoundError(f"no such file: {path}")
    return file_fingerprints(path)


def _open_log(args: argparse.Namespace, attributes: Sequence[str] = ()) -> AbstractContextManager[TransactionLog]:
    """The transaction files opened by ``--engine``: DuckDB in this process, or Spark (local or a cluster).

    ``attributes`` are the covariate columns whose first values per customer the summary carries.

    With Spark the summary is computed where the log lives and only the per-customer table comes to this process,
    where the fit and the score table are computed as with DuckDB (the same numbers); to score on the executors
    a table too large for one machine, see :func:`pyclv.engines.spark.run_score`.
    """
    options = {"date_format": args.date_format, "dayfirst": args.dayfirst}
    if args.engine != "spark":
        return engine.open_log(str(args.transactions), _columns(args), attributes=attributes, **options)
    try:
        from pyspark.sql import SparkSession

        from pyclv.engines import spark as spark_engine
    except ImportError as exc:
        raise UsageError("--engine spark needs pyspark: pip install 'pyclv[spark]'") from exc
    logging.getLogger("py4j").setLevel(logging.WARNING)  # its INFO lines are not the operator's business
    session = SparkSession.getActiveSession()
    if session is None:  # spark-submit makes one; otherwise a local one, without Spark's console progress bar
        # local Python workers run this interpreter (the one with pyclv), unless the operator chose one
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        session = SparkSession.builder.appName("pyclv").config("spark.ui.showConsoleProgress", "false").getOrCreate()
        session.sparkContext.setLogLevel("ERROR")
    return spark_engine.open_log(
        str(args.transactions), _columns(args), attributes=attributes, spark=session, **options
    )


def _read(
    args: argparse.Namespace,
    time_unit: str,
    *,
    discrete: bool = False,
    spend: bool = False,
    covariates: Sequence[str] = (),
    customers: str | None = None,
) -> _Read:
    """Fingerprint the transaction files and summarise them out of core with the embedded engine (DuckDB).

    With ``spend``, the summary also holds each customer's ``spend_to_date``; for a summary of whole periods,
    whose frequency counts periods, the purchase days and the spend to date come apart, from the engine's totals.
    The ``covariates`` columns are each customer's first values in the log, or its row of the ``customers`` table
    (:mod:`pyclv.cli._covariates`).
    """
    inputs = _fingerprints(args)
    table = None
    if covariates and customers is not None:  # before the summary: a wrong table is said at once
        table = _covariates.read_table(customers, args.customer_col, covariates)
        inputs = inputs + [file_record(customers)]
    opened = _open_log(args, covariates if table is None else ())
    with _progress.step("summary"), opened as source:
        recorded = RecordedLog(source)
        history = None
        if discrete:
            summary = _summaries.discrete_summary(recorded, args.observation_end, time_unit)
            if spend:
                assert recorded.end_day is not None
                totals = recorded.customer_totals(recorded.end_day)
                history = pd.DataFrame({"n_purchases": totals.n_days, "spend_to_date": totals.spend_to_date},
                                       index=totals.ids)
        else:
            summary = _summaries.rfm_summary(recorded, args.observation_end, time_unit, spend_to_date=spend)
        summary.index.name = args.customer_col
        if table is not None:
            assert customers is not None
            summary = _covariates.attach_table(summary, table, customers)
        facts = recorded.facts()
    log.info("read %s: %d customers (time unit %s)", args.transactions, len(summary), time_unit)
    return _Read(summary, facts, inputs, history)


def _data_record(read: _Read) -> dict[str, Any]:
    return {**read.facts.as_dict(), "customers": len(read.summary)}


def _fit_pair(
    summary: pd.DataFrame, penalizer: float, model: str = "bgnbd", covariates: _covariates.Covariates | None = None
) -> tuple[TransactionModel, GammaGamma]:
    transaction_settings = covariates.transaction if covariates is not None else {}
    spend_settings = covariates.spend if covariates is not None else {}
    with _progress.step("fit"):
        bgnbd = TRANSACTION_MODELS[model](penalizer=penalizer, **transaction_settings).fit(summary)
        gg = GammaGamma(penalizer=penalizer, **spend_settings).fit(summary)
    for fitted in (bgnbd, gg):
        params = ", ".join(f"{k}={format_number(v, 'compact')}" for k, v in fitted.params_.items())
        name = type(fitted).__name__
        log.info("fitted %s on %s customers: %s (LL %.2f)", name, fitted.n_customers_, params, fitted.log_likelihood_)
    return bgnbd, gg


def _check_penalizer(args: argparse.Namespace) -> None:
    if not (math.isfinite(args.penalizer) and args.penalizer >= 0):
        raise UsageError("--penalizer must be a finite number >= 0")


def _guard_drift(args: argparse.Namespace, previous: ModelArtifact, transaction: TransactionModel,
                 spend: GammaGamma, summary: pd.DataFrame) -> None:
    """Log how far the models moved from ``--previous``; refuse beyond ``--max-drift`` (unless ``--force``)."""
    with _progress.step("drift"):
        table = _drift.drift_table(previous.models, transaction, spend, summary)
    _drift.log_drift(table, args.previous, args.max_drift)
    beyond = _drift.offenders(table, args.max_drift)
    if beyond.empty:
        return
    moved = "; ".join(_drift.describe(str(name), row) for name, row in beyond.iterrows())
    if args.force:
        log.warning("the models moved beyond --max-drift %g (%s); written anyway (--force)", args.max_drift, moved)
        return
    raise DriftRefused(
        f"the new models moved beyond --max-drift {args.max_drift:g} from --previous {args.previous}: {moved}; "
        f"{args.out} was not written. Check the new transactions, or rerun with --force to replace the models"
    )


def _cmd_fit(args: argparse.Namespace) -> None:
    _check_penalizer(args)
    if not (args.max_drift >= 0 and math.isfinite(args.max_drift)):
        raise UsageError("--max-drift must be a finite number >= 0 (0.25: 25%)")
    run: Run = args.run
    previous = load_artifact(args.previous) if args.previous is not None else None  # refused before any work
    covariates = _covariates.settings(args)
    discrete = TRANSACTION_MODELS[args.model].discrete
    unit = args.time_unit or ("Y" if discrete else "W")
    read = _read(args, unit, discrete=discrete, covariates=covariates.columns, customers=covariates.customers)
    transaction, spend = _fit_pair(read.summary, args.penalizer, args.model, covariates)
    if previous is not None:
        _guard_drift(args, previous, transaction, spend, read.summary)
    record = lineage(
        read.inputs, read.facts, columns=_columns(args), date_rule=_rule(args), time_unit=unit,
        n_customers=len(read.summary), n_repeat_customers=int((read.summary["frequency"] > 0).sum()),
    )
    if covariates.columns:
        record[_covariates.KEY] = _covariates.lineage_record(covariates.columns, covariates.customers)
    with _progress.step("write"):
        save_models(args.out, lineage=record, transaction=transaction, spend=spend)
    written = load_artifact(args.out)  # its identity, as score will read it
    run.record("inputs", read.inputs)
    run.record("data", _data_record(read))
    run.record("model", {"path": str(args.out), "sha256": written.sha256, "models": model_record(written.models)})
    settings: dict[str, Any] = {"model": args.model, "time_unit": unit, "penalizer": args.penalizer}
    if covariates.columns:
        settings[_covariates.KEY] = {**covariates.transaction, **covariates.spend,
                                     **_covariates.lineage_record(covariates.columns, covariates.customers)}
    run.record("settings", settings)
    run.write(args.out)
    log.info("wrote %s (sha256 %s)", args.out, written.sha256[:12])


def _options_checked_by(check: Callable[[Any], object], value: Any) -> None:
    """An option checked by the library's own rule (pyclv._validation.options), refused as a usage error (exit 2)."""
    try:
        check(value)
    except DataValidationError as exc:
        raise UsageError(str(exc)) from exc


def _check_score_options(args: argparse.Namespace) -> None:
    if not args.horizon > 0:  # NaN fails too
        raise UsageError("--horizon must be > 0 (in the model's time unit), or inf for the whole residual lifetime")
    if not (math.isfinite(args.annual_discount_rate) and args.annual_discount_rate > -1):
        raise UsageError("--annual-discount-rate must be a finite number > -1")
    _options_checked_by(check_margin, args.margin)
    if math.isinf(args.horizon) and not args.annual_discount_rate > 0:
        raise UsageError("--horizon inf needs a positive --annual-discount-rate (undiscounted CLV is infinite)")
    if args.interval is not None and not 0 < args.interval < 1:
        raise UsageError("--interval must be a level between 0 and 1, e.g. 0.9")
    if args.draws < 2:
        raise UsageError("--draws must be at least 2 (200 or more for stable bounds)")
    if args.seed < 0:
        raise UsageError("--seed must be a whole number >= 0")


def _cmd_score(args: argparse.Namespace) -> None:
    _check_score_options(args)
    run: Run = args.run
    artifact = load_artifact(args.model)
    transaction, spend = artifact.models.get("transaction"), artifact.models.get("spend")
    if not isinstance(transaction, TransactionModel) or not isinstance(spend, GammaGamma):
        raise ModelFormatError(
            f"{args.model} does not hold a transaction and a spend model; write it with 'pyclv fit'."
        )
    unit = transaction.time_unit_
    if unit is None:
        raise ModelFormatError(f"{args.model}: the transaction model has no time unit; refit it with 'pyclv fit'.")
    columns = _covariates.needed(artifact.models)
    customers = _covariates.source_for_score(artifact.lineage, columns, args.model, args.customers)
    read = _read(args, unit, discrete=transaction.discrete, spend=True, covariates=columns, customers=customers)
    with _progress.step("score with intervals" if args.interval is not None else "score"):
        scores = score(
            transaction,
            spend,
            read.summary,
            horizon=args.horizon,
            annual_discount_rate=args.annual_discount_rate,
            margin=args.margin,
            interval=args.interval,
            n_draws=args.draws,
            seed=args.seed,
        ).sort_index()
    table = score_table(scores, read.summary, as_of=read.facts.end_day, model_id=artifact.sha256,
                        horizon=args.horizon, margin=args.margin, history=read.history)
    for name in columns:  # last, so that analysts can group the scores by them
        table[name] = read.summary[name].reindex(table[read.summary.index.name]).array
    with _progress.step("write"):
        write_table(table, args.out, index=False)
    run.record("inputs", read.inputs)
    run.record("data", _data_record(read))
    run.record("model", {"path": str(args.model), "sha256": artifact.sha256, "models": model_record(artifact.models)})
    settings = {"horizon": args.horizon, "time_unit": unit, "annual_discount_rate": args.annual_discount_rate,
                "margin": args.margin, "interval": args.interval}
    if args.interval is not None:
        settings.update(draws=args.draws, seed=args.seed)
    if columns:
        settings[_covariates.KEY] = _covariates.lineage_record(columns, customers)
    run.record("settings", settings)
    run.write(args.out, table)
    log.info("wrote %s: %d customers, total CLV %.2f", args.out, len(table), table["clv"].sum())


def _cmd_backtest(args: argparse.Namespace) -> None:
    _check_penalizer(args)
    if not args.horizon_days > 0:
        raise UsageError("--horizon-days must be a whole number of days > 0")
    run: Run = args.run
    inputs = _fingerprints(args)
    opened = _open_log(args)
    with opened as source:  # the backtest's own messages are worded by cli._backtest
        recorded = RecordedLog(source)
        table = backtest(recorded, args.cutoffs, args.horizon_days, args.time_unit,
                         lambda split: _fit_pair(split, args.penalizer, args.model))
        facts = recorded.facts()
    with _progress.step("write"):
        write_table(table, args.out, index=False)
        if args.figure is not None:
            write_figure(table, args.figure)
    run.record("inputs", inputs)
    data = facts.as_dict()
    del data["observation_end"], data["rows_dropped"], data["customers_dropped"]  # those of the last cut-off only
    run.record("data", data)
    run.record("settings", {"cutoffs": [str(day)[:10] for day in table["cutoff"]], "horizon_days": args.horizon_days,
                            "model": args.model, "time_unit": args.time_unit, "penalizer": args.penalizer})
    run.write(args.out, table)
    log.info("wrote %s%s: %d cut-offs", args.out, f" and {args.figure}" if args.figure else "", len(table))


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
        currency=args.currency,
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
    _options_checked_by(check_margin, args.margin)  # before any work, in the words of the flags
    _options_checked_by(check_acquisition_cost, args.acquisition_cost)
    _options_checked_by(check_currency, args.currency)
    path = Path(args.transactions)
    if any(ch in str(path) for ch in "*?["):
        raise UsageError("report takes one transaction file (its tracking curves read the whole log), not a glob")
    if not path.is_file():
        raise FileNotFoundError(f"no such file: {path}")
    columns = {"customer_id_col": args.customer_col, "datetime_col": args.date_col}
    # One reading of the log for the summary and for the report's tracking curves and cohorts, so that both
    # see the same customer ids (as text, as written) and the same days (one grammar, pyclv._dates).
    log_frame = read_table(path, string_columns=(args.customer_col,))
    data = calibration_holdout_split(
        log_frame, calibration_period_end=args.calibration_end, observation_period_end=args.observation_end,
        monetary_value_col=args.amount_col, time_unit=args.time_unit, date_format=args.date_format,
        dayfirst=args.dayfirst, **columns,
    )
    transaction, spend = _fit_pair(data, 0.0, args.model)
    days = pandas_engine.to_days(log_frame[args.date_col], args.date_col, DateRule(args.date_format, args.dayfirst))
    log_frame[args.date_col] = days.astype("datetime64[D]")
    write_report(
        args.out, transaction, spend, data, log_frame,
        calibration_period_end=args.calibration_end, observation_period_end=args.observation_end,
        monetary_value_col=args.amount_col, annual_discount_rate=args.annual_discount_rate,
        margin=args.margin, acquisition_cost=args.acquisition_cost, currency=args.currency, **columns,
    )
    log.info("wrote %s", args.out)



_COMMANDS = {
    "fit": _cmd_fit,
    "score": _cmd_score,
    "backtest": _cmd_backtest,
    "report": _cmd_report,
    "demo": _cmd_demo,
}
