"""The Spark engine's transaction log: the engine interface answered by aggregations in Spark.

:class:`SparkLog` wraps the DataFrame ``tx(customer, raw_date, day, raw_amount, amount)`` of
:mod:`pyclv.engines._spark_source`. Its profile is one aggregation; its totals gather each customer's purchase
days into one array sorted by day (one row per customer and day first, the day's amounts summed in ascending
order) and fold every total out of that array, so that no sum depends on how Spark partitions the rows:

- a day's amount is the left-to-right sum of that day's amounts sorted ascending;
- the repeat spend and the holdout revenue are left-to-right sums of the days' amounts in day order;
- a discrete summary's spend is the left-to-right sum of the amounts of the days of periods 1..n, in day order.

Only those per-customer totals are collected to the driver (as Arrow), sorted by customer id there.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from pyclv import _validation as v
from pyclv._validation import LogColumns
from pyclv.engines._base import CustomerTotals, PeriodTotals
from pyclv.engines._spark_source import distinct_examples, to_pandas

__all__ = ["SparkLog"]

#: One aggregation over ``tx`` that counts every kind of bad row and finds the first and last day.
_PROFILE = {
    "n_rows": "count(*)",
    "missing_ids": "count_if(customer IS NULL)",
    "missing_dates": "count_if(raw_date IS NULL)",
    "unparseable_dates": "count_if(raw_date IS NOT NULL AND day IS NULL)",
    "not_numbers": "count_if(raw_amount IS NOT NULL AND amount IS NULL)",
    "missing_amounts": "count_if(raw_amount IS NULL OR isnan(amount))",
    "infinite_amounts": "count_if(abs(amount) = double('Infinity'))",
    "negative_amounts": "count_if(amount < 0)",
    "first_day": "min(day)",
    "last_day": "max(day)",
}

#: For each counted rule a message shows examples of: the column of the values, and the rows' condition.
_EXAMPLES = {
    "unparseable_dates": ("raw_date", "raw_date IS NOT NULL AND day IS NULL"),
    "not_numbers": ("raw_amount", "raw_amount IS NOT NULL AND amount IS NULL"),
    "infinite_amounts": ("amount", "abs(amount) = double('Infinity')"),
    "negative_amounts": ("amount", "amount < 0"),
}

_AMOUNT_RULES = ("not_numbers", "missing_amounts", "infinite_amounts", "negative_amounts")


def _sum_amounts(days: str | Column, where: Callable[[Column], Column] | None = None) -> Column:
    """The left-to-right sum of the amounts of an array of (day, amount) (of those ``where`` selects), 0.0 for none.

    The others add 0.0, which leaves a sum of amounts (never negative) unchanged to the last bit.
    """
    if where is None:
        return F.aggregate(days, F.lit(0.0), lambda total, d: total + d["amount"])
    return F.aggregate(days, F.lit(0.0), lambda total, d: total + F.when(where(d), d["amount"]).otherwise(0.0))


class SparkLog:
    """A Spark DataFrame of transactions, as a :class:`~pyclv.engines._base.TransactionLog`.

    Build it with :func:`open_log`.

    Parameters
    ----------
    tx : pyspark.sql.DataFrame
        The log as ``tx(customer, raw_date, day, raw_amount, amount)``.
    columns : LogColumns
        The user's names of the columns behind it.
    """

    def __init__(self, tx: DataFrame, columns: LogColumns) -> None:
        self.tx = tx
        self.columns = columns

    def profile(self) -> v.LogProfile:
        """Count every kind of bad row in one aggregation, with example values for those a message shows.

        Returns
        -------
        LogProfile
            The rows that break each rule (with examples) and the first and last transaction day.
        """
        counts = self.tx.agg(*(F.expr(sql).alias(name) for name, sql in _PROFILE.items())).first()
        assert counts is not None  # an aggregation without grouping has one row
        bad: dict[str, v.BadRows] = {}
        for field in list(_PROFILE)[1:-2]:
            n = int(counts[field])
            if field in _AMOUNT_RULES and self.columns.amount is None:
                n = 0
            shown = self._examples(*_EXAMPLES[field]) if n and field in _EXAMPLES else ""
            bad[field] = v.BadRows(n, shown)
        first, last = counts["first_day"], counts["last_day"]
        return v.LogProfile(
            int(counts["n_rows"]),
            **bad,
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
        row = per_customer.agg(
            F.sum("n_after").alias("n_after"), F.count_if(F.col("first_day") > end_day).alias("n_vanished")
        ).first()
        assert row is not None
        return int(row["n_after"] or 0), int(row["n_vanished"])

    def _customers(self, end_day: int, *totals: Column, days: bool = True) -> DataFrame:
        """One row per customer with a purchase up to ``end_day``: ``first_day``, ``totals``, ``days``.

        ``totals`` are aggregated over the customer's purchase days (columns ``day`` and ``amount``); ``days``
        (unless ``days=False``) is the array of its (day, amount) sorted by day.

        A day's amount is the left-to-right sum of that day's amounts sorted ascending, so it does not depend on
        the order in which Spark gathers them. The rows are shuffled once, by customer: both aggregations keep
        to a customer's partition.
        """
        daily = (
            self.tx.where(F.col("day") <= end_day)
            .repartition("customer")
            .groupBy("customer", "day")
            .agg(_sum_sorted(F.collect_list("amount")).alias("amount"))
        )
        sorted_days = [F.array_sort(F.collect_list(F.struct("day", "amount"))).alias("days")] if days else []
        return daily.groupBy("customer").agg(F.min("day").alias("first_day"), *sorted_days, *totals)

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
            One row per customer with a purchase on or before ``end_day``, sorted by id.
        """
        cut = end_day if calibration_day is None else calibration_day
        amounts = self.columns.amount is not None
        day, first = F.col("day"), F.col("first_day")
        customers = self._customers(
            end_day,
            F.count_if(day <= cut).alias("n_days"),
            F.max(F.when(day <= cut, day)).alias("last_day"),
            F.count_if(day > cut).alias("n_holdout"),
            days=amounts,
        )
        repeat_total = _sum_amounts("days", lambda d: (d["day"] > first) & (d["day"] <= cut)) if amounts else F.lit(0.0)
        revenue = _sum_amounts("days", lambda d: d["day"] > cut) if amounts else F.lit(0.0)
        totals = customers.select(
            "customer",
            "n_days",
            first,
            F.coalesce("last_day", first).alias("last_day"),  # a customer new in the holdout: any value
            repeat_total.alias("repeat_total"),
            "n_holdout",
            revenue.alias("revenue_holdout"),
        )
        result = _collect_sorted(totals)
        split = calibration_day is not None
        return CustomerTotals(
            ids=pd.Index(result["customer"].to_numpy()),
            n_days=result["n_days"].to_numpy(),
            first_day=result["first_day"].to_numpy(),
            last_day=result["last_day"].to_numpy(),
            repeat_total=result["repeat_total"].to_numpy() if amounts else None,
            n_holdout=result["n_holdout"].to_numpy() if split else None,
            revenue_holdout=result["revenue_holdout"].to_numpy() if split and amounts else None,
        )

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
        n_periods = F.greatest(F.floor((F.lit(end_day) - first + 1) / F.lit(length)) - 1, F.lit(0).cast("bigint"))
        customers = self._customers(end_day).select("customer", "days", first, n_periods.alias("n_periods"))

        def period(d: Column) -> Column:
            return F.floor((d["day"] - first) / F.lit(length))

        n = F.col("n_periods")
        periods = F.transform("days", period)
        repeat_days = F.filter("days", lambda d: (period(d) > 0) & (period(d) <= n))
        totals = customers.select(
            "customer",
            F.size(F.array_distinct(F.filter(periods, lambda p: (p > 0) & (p <= n)))).cast("bigint").alias("frequency"),
            F.array_max(F.filter(periods, lambda p: p <= n)).alias("recency"),
            n,
            _sum_amounts(repeat_days).alias("spend"),
            F.size(F.filter(periods, lambda p: p > n)).cast("bigint").alias("n_incomplete"),
        )
        result = _collect_sorted(totals)
        return PeriodTotals(
            ids=pd.Index(result["customer"].to_numpy()),
            frequency=result["frequency"].to_numpy(),
            recency=result["recency"].to_numpy(),
            n_periods=result["n_periods"].to_numpy(),
            spend=result["spend"].to_numpy() if self.columns.amount is not None else None,
            n_incomplete=int(result["n_incomplete"].sum()),
        )


def _sum_sorted(amounts: Column) -> Column:
    """The left-to-right sum of an array of amounts sorted ascending."""
    return F.aggregate(F.array_sort(amounts), F.lit(0.0), lambda total, x: total + x)


def _collect_sorted(totals: DataFrame) -> pd.DataFrame:
    """Per-customer totals on the driver, sorted by customer id."""
    return to_pandas(totals).sort_values("customer", kind="stable", ignore_index=True)
