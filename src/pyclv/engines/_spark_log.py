"""The Spark engine's transaction log: the engine interface answered by aggregations in Spark.

:class:`SparkLog` wraps the DataFrame ``tx(customer, raw_date, day, raw_amount, amount, undecodable)`` of
:mod:`pyclv.engines._spark_source`. Its profile is one aggregation. Its totals shuffle the rows once, by customer:
one row per customer and purchase day, each customer's first day beside its days (a window within the customer's
partition), then one row per customer of plain aggregates.

Amounts are summed exactly, as every engine sums them (:mod:`pyclv._fixed_point`): each amount becomes three
BIGINT limbs (its whole part and its fraction's two 30-bit halves in units of 2**-60), and the limbs are added
as integers, so no total depends on how Spark partitions or orders the rows. The limbs reach the driver, which
turns them into floats with :func:`pyclv._fixed_point.to_float`, as for the other engines.

Only per-customer totals are collected to the driver (as Arrow), sorted by customer id there.

Each Spark action is a part of the caller's step (:func:`polled`) whose progress is read from Spark's status
tracker, so that the command line shows how far a summary of a large log is.
"""

from __future__ import annotations

import dataclasses
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pandas as pd
from pyspark import StatusTracker
from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from pyclv import _fixed_point as fp
from pyclv import _progress
from pyclv import _validation as v
from pyclv._validation import DateRule, LogColumns
from pyclv.engines._base import (
    CustomerTotals,
    PeriodTotals,
    attribute_name,
    customer_totals_of,
    first_values_of,
    period_totals_of,
)
from pyclv.engines._spark_source import TextFiles, distinct_examples, to_pandas

__all__ = ["SparkLog", "polled"]

#: The local property that holds a thread's job group, by which the status tracker finds an action's jobs.
_JOB_GROUP = "spark.jobGroup.id"

_HUGE = f"NOT abs(amount) = double('Infinity') AND amount >= {fp.MAX_AMOUNT!r}D"

#: One aggregation over ``tx`` that counts every kind of bad row and finds the first and last day.
_PROFILE = {
    "n_rows": "count(*)",
    "undecodable": "count_if(undecodable)",
    "missing_ids": "count_if(customer IS NULL)",
    "missing_dates": "count_if(raw_date IS NULL)",
    "unparseable_dates": "count_if(raw_date IS NOT NULL AND day IS NULL)",
    "not_numbers": "count_if(raw_amount IS NOT NULL AND amount IS NULL)",
    "missing_amounts": "count_if(raw_amount IS NULL OR isnan(amount))",
    "infinite_amounts": "count_if(abs(amount) = double('Infinity'))",
    "huge_amounts": f"count_if({_HUGE})",
    "negative_amounts": "count_if(amount < 0)",
    "amount_total": f"sum(CASE WHEN amount >= 0 AND amount < {fp.MAX_AMOUNT!r}D THEN amount END)",
    "first_day": "min(day)",
    "last_day": "max(day)",
}

#: For each counted rule a message shows examples of: the column of the values, and the rows' condition.
_EXAMPLES = {
    "unparseable_dates": ("raw_date", "raw_date IS NOT NULL AND day IS NULL"),
    "not_numbers": ("raw_amount", "raw_amount IS NOT NULL AND amount IS NULL"),
    "infinite_amounts": ("amount", "abs(amount) = double('Infinity')"),
    "huge_amounts": ("amount", _HUGE),
    "negative_amounts": ("amount", "amount < 0"),
}

_COUNTED = ("missing_ids", "missing_dates", "unparseable_dates", "not_numbers", "missing_amounts",
            "infinite_amounts", "huge_amounts", "negative_amounts")
_AMOUNT_RULES = ("not_numbers", "missing_amounts", "infinite_amounts", "huge_amounts", "negative_amounts")

#: The limbs of an amount (see :mod:`pyclv._fixed_point`).
_LIMBS = ("whole", "high", "low")
_HALF = fp.FRACTION_BITS // 2


def _quantized(amount: Column) -> list[Column]:
    """The three fixed-point limbs of a validated amount, as :func:`pyclv._fixed_point.quantize` computes them.

    ``amount - floor(amount)`` and the product by 2**60 are exact; ``rint`` rounds half to even, as numpy does.
    """
    units = F.rint((amount - F.floor(amount)) * F.lit(float(2**fp.FRACTION_BITS))).cast("bigint")
    return [
        F.floor(amount).cast("bigint").alias("whole"),
        F.shiftright(units, _HALF).alias("high"),
        units.bitwiseAND(F.lit(2**_HALF - 1)).alias("low"),
    ]


def _limb_sums(name: str, where: Column | None = None) -> list[Column]:
    """The exact sums of the limbs (of the rows ``where`` selects), named ``<name>_whole`` and so on."""
    return [
        F.coalesce(F.sum(F.col(limb) if where is None else F.when(where, F.col(limb))), F.lit(0)).alias(
            f"{name}_{limb}"
        )
        for limb in _LIMBS
    ]


class SparkLog:
    """A Spark DataFrame of transactions, as a :class:`~pyclv.engines._base.TransactionLog`.

    Build it with :func:`pyclv.engines.spark.open_log`.

    Parameters
    ----------
    tx : pyspark.sql.DataFrame
        The log as ``tx(customer, raw_date, day, raw_amount, amount, undecodable)``.
    columns : LogColumns
        The user's names of the columns behind it.
    date_rule : DateRule
        How its dates written as text were read.
    text : TextFiles, optional
        The CSV files it was read from, whose text must be UTF-8.
    attributes : tuple of str, default ()
        The attribute columns ``tx`` carries (:func:`~pyclv.engines._base.attribute_name`).
    """

    def __init__(
        self,
        tx: DataFrame,
        columns: LogColumns,
        date_rule: DateRule,
        text: TextFiles | None = None,
        attributes: tuple[str, ...] = (),
    ) -> None:
        self.tx = tx
        self.columns = columns
        self.date_rule = date_rule
        self.text = text
        self.attributes = attributes

    def profile(self) -> v.LogProfile:
        """Count every kind of bad row in one aggregation, with example values for those a message shows.

        Returns
        -------
        LogProfile
            The rows that break each rule (with examples) and the first and last transaction day.
        """
        profile = self.tx.agg(*(F.expr(sql).alias(name) for name, sql in _PROFILE.items()))
        with polled(profile, "profile"):
            counts = profile.first()
        assert counts is not None  # an aggregation without grouping has one row
        if counts["undecodable"] and self.text is not None:
            error = self.text.not_utf8()
            if error is not None:
                raise error
        bad: dict[str, v.BadRows] = {}
        for field in _COUNTED:
            n = int(counts[field])
            if field in _AMOUNT_RULES and self.columns.amount is None:
                n = 0
            shown = self._examples(*_EXAMPLES[field]) if n and field in _EXAMPLES else ""
            bad[field] = v.BadRows(n, shown)
        first, last = counts["first_day"], counts["last_day"]
        total = counts["amount_total"] if self.columns.amount is not None else None
        return v.LogProfile(
            int(counts["n_rows"]),
            **bad,
            amount_total=float(total or 0.0),
            first_day=None if first is None else int(first),
            last_day=None if last is None else int(last),
        )

    def _examples(self, name: str, condition: str) -> str:
        return distinct_examples(self.tx.where(F.expr(condition)), F.col(name))

    def count_after(self, end_day: int) -> tuple[int, int]:
        """Rows after ``end_day``, and customers all of whose rows are after it.

        Parameters
        ----------
        end_day : int
            The last day of the observation period.

        Returns
        -------
        (int, int)
            The number of rows after it and the number of customers who vanish with them.
        """
        per_customer = self.tx.groupBy("customer").agg(
            F.count_if(F.col("day") > end_day).alias("n_after"), F.min("day").alias("first_day")
        )
        counts = per_customer.agg(
            F.sum("n_after").alias("n_after"), F.count_if(F.col("first_day") > end_day).alias("n_vanished")
        )
        with polled(counts, "rows after the end"):
            row = counts.first()
        assert row is not None
        return int(row["n_after"] or 0), int(row["n_vanished"])

    def _daily(self, end_day: int) -> DataFrame:
        """One row per customer and purchase day up to ``end_day``: the day's limbs and the customer's first day.

        The rows are shuffled once, by customer; the window and the per-customer aggregation that follow keep
        to a customer's partition.
        """
        rows = self.tx.where(F.col("day") <= end_day).select("customer", "day", *_quantized(F.col("amount")))
        daily = rows.repartition("customer").groupBy("customer", "day").agg(*(F.sum(x).alias(x) for x in _LIMBS))
        return daily.withColumn("first_day", F.min("day").over(Window.partitionBy("customer")))

    def customer_totals(self, end_day: int, calibration_day: int | None = None) -> CustomerTotals:
        """Per-customer purchase days, first and last day and repeat spend (split at ``calibration_day``).

        Parameters
        ----------
        end_day : int
            The last day of the observation period; later rows are left out.
        calibration_day : int, optional
            Split the totals there: what is after it is counted in the holdout totals.

        Returns
        -------
        CustomerTotals
            One row per customer with a purchase on or before ``end_day``, sorted by id, with the first values
            of the attribute columns.
        """
        cut = end_day if calibration_day is None else calibration_day
        day, first = F.col("day"), F.col("first_day")
        totals = self._daily(end_day).groupBy("customer").agg(
            F.count_if(day <= cut).alias("n_days"),
            F.min("day").alias("first_day"),
            F.coalesce(F.max(F.when(day <= cut, day)), F.min("day")).alias("last_day"),
            F.count_if(day > cut).alias("n_holdout"),
            *_limb_sums("repeat_total", (day > first) & (day <= cut)),
            *_limb_sums("revenue_holdout", day > cut),
            *_limb_sums("spend_to_date", day <= cut),
        )
        result = _collect_sorted(totals)
        totals_ = customer_totals_of(result, amounts=self.columns.amount is not None, split=calibration_day is not None)
        if not self.attributes:
            return totals_
        return dataclasses.replace(totals_, first_values=self.first_values(end_day))

    def first_values(self, end_day: int) -> pd.DataFrame:
        """Each customer's values of the attribute columns in its first transaction up to ``end_day``.

        The smallest value of each column (NULL last) among the rows of the customer's first purchase day (see
        :mod:`pyclv.engines._base` for the rule): the rows are shuffled by customer once, and the first day is
        a window within the customer's partition.

        Parameters
        ----------
        end_day : int
            The last day of the observation period; later rows are left out.

        Returns
        -------
        pandas.DataFrame
            One row per customer with a purchase on or before ``end_day``, indexed by the sorted ids; the
            attribute columns (text as ``str``, numbers as numbers).
        """
        names = [attribute_name(i) for i in range(len(self.attributes))]
        rows = self.tx.where(F.col("day") <= end_day).select("customer", "day", *names).repartition("customer")
        dated = rows.withColumn("first_day", F.min("day").over(Window.partitionBy("customer")))
        firsts = dated.where(F.col("day") == F.col("first_day")).groupBy("customer").agg(
            *(F.min(name).alias(name) for name in names)
        )
        return first_values_of(_collect_sorted(firsts), self.attributes)

    def period_totals(self, end_day: int, length: float) -> PeriodTotals:
        """Per-customer opportunities of ``length`` days, counted from each customer's first purchase.

        Parameters
        ----------
        end_day : int
            The last day of the observation period; later rows are left out.
        length : float
            The length of one opportunity in days.

        Returns
        -------
        PeriodTotals
            One row per customer, sorted by id.
        """
        # The same floating-point expressions as the pandas engine: floor(days / length) with days an integer.
        first = F.col("first_day")
        periods = self._daily(end_day).select(
            "customer",
            *_LIMBS,
            F.floor((F.col("day") - first) / F.lit(length)).alias("period"),
            F.greatest(F.floor((F.lit(end_day) - first + 1) / F.lit(length)) - 1, F.lit(0)).alias("n_periods"),
        )
        period, n = F.col("period"), F.col("n_periods")
        repeat = (period > 0) & (period <= n)
        totals = periods.groupBy("customer").agg(
            F.count_distinct(F.when(repeat, period)).alias("frequency"),
            F.max(F.when(period <= n, period)).alias("recency"),
            F.first(n).alias("n_periods"),
            *_limb_sums("spend", repeat),
            F.count_if(period > n).alias("n_incomplete"),
        )
        result = _collect_sorted(totals)
        return period_totals_of(result, amounts=self.columns.amount is not None)


def _collect_sorted(totals: DataFrame) -> pd.DataFrame:
    """Per-customer totals on the driver, sorted by customer id."""
    with polled(totals, "totals"):
        return to_pandas(totals).sort_values("customer", kind="stable", ignore_index=True)


@contextmanager
def polled(frame: DataFrame, name: str) -> Iterator[None]:
    """The block, an action on ``frame``, as the part ``name`` of the caller's step, its progress read from Spark.

    The action's jobs are those of this thread's job group started within the block: the caller's group, if
    its thread has one (left as it is, so that the caller can still cancel it), else a group set for the
    block and cleared after. Under Spark Connect, which has no SparkContext, the part tells no fraction.
    """
    context = getattr(frame.sparkSession, "sparkContext", None)  # Spark Connect's session raises AttributeError
    if context is None:
        with _progress.step(name):
            yield
        return
    group = context.getLocalProperty(_JOB_GROUP)
    own = group is None
    if group is None:
        group = f"pyclv-{uuid.uuid4().hex[:12]}"
        context.setLocalProperty(_JOB_GROUP, group)
    tracker = context.statusTracker()
    before = frozenset(tracker.getJobIdsForGroup(group))
    planned: list[int] = []

    def read() -> float | None:  # called only when someone listens: without, the plan is never looked at
        if not planned:
            planned.append(_planned_stages(frame))
        return _fraction_done(tracker, group, before, planned[0])

    try:
        with _progress.polling(name, read):
            yield
    finally:
        if own:
            context.setLocalProperty(_JOB_GROUP, None)  # None removes the property


#: Nodes of an optimized logical plan that Spark runs with an exchange (a shuffle, or a broadcast for a join):
#: each adds a stage. A global sort is ``Sort [...], true``; a sort within partitions (``false``) adds none.
_EXCHANGES = re.compile(r"\b(Aggregate|Join|Repartition\w*|RebalancePartitions|Window|Sort \[.*\], true)\b")


def _planned_stages(frame: DataFrame) -> int:
    """The stages an action on ``frame`` runs: one, and one more per exchange its logical plan needs (an estimate).

    Counted on the optimized logical plan, and only when a listener asks for the progress: the plans a
    DataFrame has computed stay on it for as long as it lives, and a test module that planned every DataFrame
    it scored this way ran the driver's default 1 GB heap out of memory on the million-customer test.
    """
    try:
        plan = str(frame._jdf.queryExecution().optimizedPlan().toString())
    except Exception:  # the JVM's plan is not public API: without it, stages count as Spark plans them
        return 1
    return 1 + len(_EXCHANGES.findall(plan))


def _fraction_done(tracker: StatusTracker, group: str, before: frozenset[int], planned: int) -> float | None:
    """The fraction of the stages run by the jobs of ``group`` (not in ``before``), each by its tasks done.

    An estimate, stage by stage: adaptive execution submits a query's stages one by one (each shuffle is a job
    of its own), so the stages to come are counted from the query's plan (``planned``). A job also lists the
    stages whose output an earlier job made; those are skipped, never run, and left out: a stage without a
    task run, below one that has (a stage's parents have smaller ids), is such a stage.
    """
    fractions = []
    for job in tracker.getJobIdsForGroup(group):
        info = None if job in before else tracker.getJobInfo(job)
        if info is None:
            continue
        stages = [stage for stage in map(tracker.getStageInfo, info.stageIds) if stage is not None]
        ran = [stage.stageId for stage in stages if stage.numCompletedTasks or stage.numActiveTasks]
        fractions += [
            stage.numCompletedTasks / stage.numTasks if stage.numTasks else 0.0
            for stage in stages
            if stage.numCompletedTasks or stage.numActiveTasks or stage.stageId > max(ran, default=-1)
        ]
    return sum(fractions) / max(len(fractions), planned) if fractions else None
