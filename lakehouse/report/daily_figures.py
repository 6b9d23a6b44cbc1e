"""The figures of the daily run report, read from the tables of some days with Spark. No Dagster, no paths.

Every figure is an aggregate per landing day (``dt``) of a table the run wrote, so the report of a day says what that
day's tables hold, whichever run wrote them. A table that does not exist yet is ``None`` to the caller, and its
figures are absent rather than zero: the report says so instead of showing a day with nothing ingested.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Final

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from lakehouse.partitions import PARTITION_COLUMN

TableReader = Callable[[str, str], DataFrame | None]
"""(layer, table) → the table's rows of the report's days, or None when the table does not exist."""

REASON_SEPARATOR: Final = "; "
# A record's reasons quote its values (``quantity: 'abc' is not an integer``, ``order_id 'Ö…' breaks …``). Counting
# by the verbatim reason would give one line per distinct bad value; the report counts by the rule instead, with
# each quoted string and each shown value replaced by an ellipsis. Quoted strings go first: they may hold "; ".
_QUOTED: Final = r"""'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*\""""
_SHOWN_VALUE: Final = r"^([A-Za-z_][\w.]*): \S+ "
ELLIPSIS: Final = "…"


@dataclass(frozen=True)
class SourceIntake:
    """One source's records of a day: what bronze kept and what it quarantined (raw = bronze + quarantined)."""

    source: str
    bronze_rows: int | None
    quarantined: int | None

    @property
    def raw_records(self) -> int | None:
        if self.bronze_rows is None or self.quarantined is None:
            return None
        return self.bronze_rows + self.quarantined


@dataclass(frozen=True)
class ReasonCount:
    table: str
    """The table that holds the rows, ``bronze/orders_quarantine``."""
    reason: str
    """The rule, its values elided (see ``reason_rule``)."""
    rows: int
    """Rows that broke it; a row that broke several rules counts under each."""


@dataclass(frozen=True)
class ChannelSales:
    channel: str
    orders: int
    revenue: Decimal


@dataclass(frozen=True)
class DaySales:
    """The day's totals over every category and channel (gold.daily_sales), customers from silver orders."""

    orders: int
    units: int
    revenue: Decimal
    customers: int | None
    channels: tuple[ChannelSales, ...]

    @property
    def average_order_value(self) -> Decimal | None:
        return (self.revenue / self.orders).quantize(Decimal("0.01")) if self.orders else None


@dataclass(frozen=True)
class DailyFigures:
    day: date
    intake: tuple[SourceIntake, ...]
    set_aside: Mapping[str, int | None]
    """Rows each quarantine or reject table holds for the day (``None``: the table does not exist)."""
    reasons: tuple[ReasonCount, ...]
    sales: DaySales | None
    """None when gold.daily_sales has no row for the day."""
    rolling: Mapping[str, object] | None = field(default=None)
    """The day's gold.sales_rolling_7d row, column → value; None when it has none."""

    @property
    def quarantined(self) -> int:
        return sum(intake.quarantined or 0 for intake in self.intake)

    @property
    def rejected(self) -> int:
        """Rows set aside after bronze (silver's reject tables)."""
        return sum(rows or 0 for table, rows in self.set_aside.items() if not table.startswith("bronze/"))


def reason_rule(reason: Column) -> Column:
    """Each rule a record broke, one element per rule, with the values it quoted elided."""
    unquoted = F.regexp_replace(reason, _QUOTED, ELLIPSIS)
    return F.transform(
        F.split(unquoted, REASON_SEPARATOR), lambda rule: F.regexp_replace(rule, _SHOWN_VALUE, f"$1: {ELLIPSIS} ")
    )


def collect_daily_figures(
    read: TableReader, days: Sequence[date], sources: Sequence[str], reject_tables: Sequence[str]
) -> list[DailyFigures]:
    """The figures of each of ``days``. ``reject_tables`` are silver tables of rejected rows (``orders_rejected``)."""
    bronze = {source: _rows_per_day(read("bronze", source)) for source in sources}
    set_aside_tables = [("bronze", f"{source}_quarantine") for source in sources] + [
        ("silver", table) for table in reject_tables
    ]
    set_aside_frames = {f"{layer}/{table}": read(layer, table) for layer, table in set_aside_tables}
    set_aside = {name: _rows_per_day(frame) for name, frame in set_aside_frames.items()}
    reasons = _reasons_per_day(set_aside_frames)
    sales = _sales_per_day(read("gold", "daily_sales"), read("silver", "orders"))
    rolling = _rows_by_day(read("gold", "sales_rolling_7d"))
    figures = []
    for day in days:
        intake = tuple(
            SourceIntake(source, _on(bronze[source], day), _on(set_aside[f"bronze/{source}_quarantine"], day))
            for source in sources
        )
        figures.append(
            DailyFigures(
                day=day,
                intake=intake,
                set_aside={name: _on(counts, day) for name, counts in set_aside.items()},
                reasons=tuple(reason for reason_day, reason in reasons if reason_day == day),
                sales=sales.get(day),
                rolling=rolling.get(day),
            )
        )
    return figures


def _on(counts: Mapping[date, int] | None, day: date) -> int | None:
    """The day's count; 0 for a day the table has no row for, None when the table does not exist."""
    return None if counts is None else counts.get(day, 0)


def _rows_per_day(frame: DataFrame | None) -> dict[date, int] | None:
    if frame is None:
        return None
    return {
        row[PARTITION_COLUMN]: row["rows"]
        for row in frame.groupBy(PARTITION_COLUMN).count().withColumnRenamed("count", "rows").collect()
    }


def _reasons_per_day(frames: Mapping[str, DataFrame | None]) -> list[tuple[date, ReasonCount]]:
    present = [(name, frame) for name, frame in frames.items() if frame is not None]
    if not present:
        return []
    rules = None
    for name, frame in present:
        rows = frame.select(
            PARTITION_COLUMN, F.lit(name).alias("table"), F.explode(reason_rule(F.col("reason"))).alias("rule")
        )
        rules = rows if rules is None else rules.unionByName(rows)
    counted = rules.groupBy(PARTITION_COLUMN, "table", "rule").count()
    ordered = counted.orderBy(PARTITION_COLUMN, "table", F.desc("count"), "rule").collect()
    return [(row[PARTITION_COLUMN], ReasonCount(row["table"], row["rule"], row["count"])) for row in ordered]


def _sales_per_day(daily_sales: DataFrame | None, silver_orders: DataFrame | None) -> dict[date, DaySales]:
    if daily_sales is None:
        return {}
    totals = daily_sales.groupBy(PARTITION_COLUMN).agg(
        F.sum("orders").alias("orders"), F.sum("units").alias("units"), F.sum("revenue").alias("revenue")
    )
    channels = daily_sales.groupBy(PARTITION_COLUMN, "channel").agg(
        F.sum("orders").alias("orders"), F.sum("revenue").alias("revenue")
    )
    per_channel: dict[date, list[ChannelSales]] = {}
    for row in channels.orderBy(PARTITION_COLUMN, F.desc("revenue"), "channel").collect():
        per_channel.setdefault(row[PARTITION_COLUMN], []).append(
            ChannelSales(row["channel"], row["orders"], row["revenue"])
        )
    # Distinct customers do not add up over categories and channels: they are counted from silver orders.
    customers = (
        None
        if silver_orders is None
        else _rows_per_day(silver_orders.select(PARTITION_COLUMN, "customer_id").distinct())
    )
    return {
        row[PARTITION_COLUMN]: DaySales(
            orders=row["orders"],
            units=row["units"],
            revenue=row["revenue"],
            customers=_on(customers, row[PARTITION_COLUMN]),
            channels=tuple(per_channel.get(row[PARTITION_COLUMN], ())),
        )
        for row in totals.collect()
    }


def _rows_by_day(frame: DataFrame | None) -> dict[date, dict[str, object]]:
    return {} if frame is None else {row[PARTITION_COLUMN]: row.asDict() for row in frame.collect()}
