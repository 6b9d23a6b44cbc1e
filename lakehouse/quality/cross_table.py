"""Checks across tables, per day of the run: raw = bronze + quarantine, orders → customers/products, gold totals
= silver totals, and a minimum volume per source."""

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetChecksDefinition,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetKey,
    MetadataValue,
    asset_check,
)
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from lakehouse.delta import read_table
from lakehouse.partitions import DayRange
from lakehouse.quality.model_checks import checked_days, markdown_table, percent
from lakehouse.resources.spark import SparkResource
from lakehouse.resources.warehouse import Warehouse

SILVER_ORDERS = AssetKey(["silver", "orders"])
SILVER_CUSTOMERS = AssetKey(["silver", "customers"])
SILVER_PRODUCTS = AssetKey(["silver", "products"])
DAILY_SALES = AssetKey(["gold", "daily_sales"])


def _read(spark: SparkSession, warehouse: Warehouse, key: AssetKey, days: DayRange) -> DataFrame:
    layer, table = key.path
    return read_table(spark, warehouse.table_uri(layer, table), days=days)


def _counts_by_day(df: DataFrame) -> dict[date, int]:
    return {row["dt"]: row["count"] for row in df.groupBy("dt").count().collect()}


# --- raw = bronze + quarantine -------------------------------------------------------------------------------------


def reconcile_raw(
    raw: Mapping[date, int],
    bronze: Mapping[date, int],
    quarantine: Mapping[date, int],
    days: Sequence[date],
    max_quarantine_share: float,
) -> tuple[bool, list[dict[str, Any]]]:
    """Per day: does every raw record reach bronze or the quarantine, and is the quarantined share acceptable?"""
    rows, passed = [], True
    for day in days:
        r, b, q = raw.get(day, 0), bronze.get(day, 0), quarantine.get(day, 0)
        share = q / r if r else 0.0
        ok = r == b + q and share <= max_quarantine_share
        passed &= ok
        rows.append(
            {
                "dt": day,
                "raw": r,
                "bronze": b,
                "quarantine": q,
                "difference": r - b - q,
                "quarantine_share": round(share, 4),
                "ok": ok,
            }
        )
    return passed, rows


RAW_RECONCILIATION_CHECK = "raw_equals_bronze_plus_quarantine"


def raw_reconciliation_spec(source: str, max_share: float) -> AssetCheckSpec:
    """The bronze asset evaluates this check itself, from the parse it holds: no second read of the raw files."""
    return AssetCheckSpec(
        name=RAW_RECONCILIATION_CHECK,
        asset=AssetKey(["bronze", source]),
        additional_deps=[AssetKey(["bronze", f"{source}_quarantine"])],
        description=f"Per day, the landed {source} records = bronze.{source} rows + bronze.{source}_quarantine "
        f"rows, and the quarantined share is ≤ {percent(max_share)}. Counted in the bronze step, from the records "
        "read and the two frames written. Warns.",
    )


def raw_reconciliation_result(
    source: str, records: DataFrame, bronze: DataFrame, quarantine: DataFrame, days: DayRange, max_share: float
) -> AssetCheckResult:
    """The check's result for the records of ``days`` (one row per landed record) and the two frames split from
    them. Cheap when ``records`` is checkpointed, as the bronze asset's parse is."""
    passed, rows = reconcile_raw(
        _counts_by_day(records), _counts_by_day(bronze), _counts_by_day(quarantine), days.days(), max_share
    )
    raw_total, quarantined = sum(row["raw"] for row in rows), sum(row["quarantine"] for row in rows)
    return AssetCheckResult(
        asset_key=AssetKey(["bronze", source]),
        check_name=RAW_RECONCILIATION_CHECK,
        passed=passed,
        severity=AssetCheckSeverity.WARN,
        metadata={
            "raw_records": MetadataValue.int(raw_total),
            "bronze_rows": MetadataValue.int(sum(row["bronze"] for row in rows)),
            "quarantined_rows": MetadataValue.int(quarantined),
            "unaccounted_records": MetadataValue.int(sum(row["difference"] for row in rows)),
            "quarantine_share": MetadataValue.float(quarantined / raw_total if raw_total else 0.0),
            "per_day": MetadataValue.md(markdown_table(rows)),
        },
    )


# --- silver orders → customers / products --------------------------------------------------------------------------


def orphan_orders(orders: DataFrame, customers: DataFrame, products: DataFrame) -> DataFrame:
    """Orders whose customer or product is not in the same day's silver snapshot, with which one is missing."""
    known_customers = customers.select("dt", "customer_id").distinct().withColumn("_customer_known", F.lit(True))
    known_products = products.select("dt", "product_id").distinct().withColumn("_product_known", F.lit(True))
    return (
        orders.select("dt", "order_id", "customer_id", "product_id")
        .join(F.broadcast(known_customers), ["dt", "customer_id"], "left")
        .join(F.broadcast(known_products), ["dt", "product_id"], "left")
        .where(F.col("_customer_known").isNull() | F.col("_product_known").isNull())
        .select(
            "dt",
            "order_id",
            "customer_id",
            "product_id",
            F.col("_customer_known").isNull().alias("unknown_customer"),
            F.col("_product_known").isNull().alias("unknown_product"),
        )
    )


def build_referential_integrity_check(sample_rows: int) -> AssetChecksDefinition:
    @asset_check(
        asset=SILVER_ORDERS,
        name="customers_and_products_exist",
        blocking=True,
        additional_deps=[SILVER_CUSTOMERS, SILVER_PRODUCTS],
        description="Every silver order's customer_id is in that day's silver.customers and its product_id in that "
        "day's silver.products. Blocks gold.",
        compute_kind="spark",
    )
    def customers_and_products_exist(
        context: AssetCheckExecutionContext, spark: SparkResource, warehouse: Warehouse
    ) -> AssetCheckResult:
        dt_range = checked_days(context, SILVER_ORDERS)
        session = spark.spark_session
        orphans = orphan_orders(
            _read(session, warehouse, SILVER_ORDERS, dt_range),
            _read(session, warehouse, SILVER_CUSTOMERS, dt_range),
            _read(session, warehouse, SILVER_PRODUCTS, dt_range),
        ).localCheckpoint()
        per_day = (
            orphans.groupBy("dt")
            .agg(
                F.sum(F.col("unknown_customer").cast("int")).alias("unknown_customer"),
                F.sum(F.col("unknown_product").cast("int")).alias("unknown_product"),
            )
            .orderBy("dt")
            .collect()
        )
        unknown_customers = sum(row["unknown_customer"] for row in per_day)
        unknown_products = sum(row["unknown_product"] for row in per_day)
        metadata: dict[str, Any] = {
            "orders_with_unknown_customer": MetadataValue.int(unknown_customers),
            "orders_with_unknown_product": MetadataValue.int(unknown_products),
        }
        if per_day:
            metadata["per_day"] = MetadataValue.md(markdown_table([row.asDict() for row in per_day]))
            sample = orphans.limit(sample_rows).collect()
            metadata["failing_rows_sample"] = MetadataValue.md(markdown_table([row.asDict() for row in sample]))
        return AssetCheckResult(passed=not per_day, severity=AssetCheckSeverity.ERROR, metadata=metadata)

    return customers_and_products_exist


# --- gold totals = silver totals -----------------------------------------------------------------------------------


def compare_totals(gold: DataFrame, silver_orders: DataFrame, days: Sequence[date]) -> list[dict[str, Any]]:
    """Per day: orders and revenue of gold.daily_sales vs. silver.orders. Order ids are unique per day in silver,
    and daily_sales counts each order in exactly one (category, channel) cell, so the sums must be equal."""
    gold_totals = {
        row["dt"]: row
        for row in gold.groupBy("dt").agg(F.sum("orders").alias("orders"), F.sum("revenue").alias("revenue")).collect()
    }
    silver_totals = {
        row["dt"]: row
        for row in silver_orders.groupBy("dt")
        .agg(F.countDistinct("order_id").alias("orders"), F.sum("revenue").alias("revenue"))
        .collect()
    }
    rows = []
    for day in days:
        g, s = gold_totals.get(day), silver_totals.get(day)
        g_orders, s_orders = (g["orders"] if g else 0), (s["orders"] if s else 0)
        g_revenue, s_revenue = (g["revenue"] if g else None) or 0, (s["revenue"] if s else None) or 0
        rows.append(
            {
                "dt": day,
                "gold_orders": g_orders,
                "silver_orders": s_orders,
                "gold_revenue": g_revenue,
                "silver_revenue": s_revenue,
                "ok": g_orders == s_orders and g_revenue == s_revenue,
            }
        )
    return rows


def build_gold_totals_check() -> AssetChecksDefinition:
    @asset_check(
        asset=DAILY_SALES,
        name="totals_match_silver_orders",
        blocking=True,
        additional_deps=[SILVER_ORDERS],
        description="Per day, gold.daily_sales' orders and revenue equal silver.orders' distinct orders and revenue.",
        compute_kind="spark",
    )
    def totals_match_silver_orders(
        context: AssetCheckExecutionContext, spark: SparkResource, warehouse: Warehouse
    ) -> AssetCheckResult:
        dt_range = checked_days(context, DAILY_SALES)
        session = spark.spark_session
        rows = compare_totals(
            _read(session, warehouse, DAILY_SALES, dt_range),
            _read(session, warehouse, SILVER_ORDERS, dt_range),
            dt_range.days(),
        )
        mismatched = [row for row in rows if not row["ok"]]
        return AssetCheckResult(
            passed=not mismatched,
            severity=AssetCheckSeverity.ERROR,
            metadata={
                "mismatched_days": MetadataValue.int(len(mismatched)),
                "revenue_difference": MetadataValue.float(
                    float(sum(row["gold_revenue"] - row["silver_revenue"] for row in rows))
                ),
                "orders_difference": MetadataValue.int(sum(row["gold_orders"] - row["silver_orders"] for row in rows)),
                "per_day": MetadataValue.md(markdown_table(rows)),
            },
        )

    return totals_match_silver_orders


# --- volume --------------------------------------------------------------------------------------------------------


def volume_result(key: AssetKey, counts: Mapping[date, int], days: Sequence[date], min_rows: int) -> AssetCheckResult:
    """The volume check's result: every one of ``days`` has at least ``min_rows`` rows in ``counts``."""
    rows = [{"dt": day, "rows": counts.get(day, 0)} for day in days]
    for row in rows:
        # "failing rules" is the column the report reads a day's failure from.
        row["failing rules"] = f"rows {row['rows']} < {min_rows}" if row["rows"] < min_rows else "-"
    short = [row for row in rows if row["rows"] < min_rows]
    table = ".".join(key.path)
    description = (
        f"{table}: {len(short)} of {len(rows)} day(s) below {min_rows} rows: "
        + "; ".join(f"{row['dt']}: {row['rows']}" for row in short)
        if short
        else f"{table}: all {len(rows)} day(s) have at least {min_rows} rows"
    )
    return AssetCheckResult(
        asset_key=key,
        passed=not short,
        severity=AssetCheckSeverity.ERROR,
        description=description,
        metadata={
            "min_rows_per_day": MetadataValue.int(min_rows),
            "fewest_rows_in_a_day": MetadataValue.int(min(row["rows"] for row in rows)),
            "row_count": MetadataValue.int(sum(row["rows"] for row in rows)),
            "days_below_minimum": MetadataValue.int(len(short)),
            "per_day": MetadataValue.md(markdown_table(rows)),
        },
    )


def build_row_volume_check(key: AssetKey, min_rows: int) -> AssetChecksDefinition:
    """``enough_<table>_per_day`` on ``silver.<table>``: the orders' check kept its name."""
    layer, table = key.path

    @asset_check(
        asset=key,
        name=f"enough_{table}_per_day",
        blocking=True,
        description=f"Every day of the run has ≥ {min_rows} rows in {layer}.{table}: fewer means a partial or "
        "missing file. Fails (ERROR) naming the days, and blocks gold.",
        compute_kind="spark",
    )
    def enough_rows_per_day(
        context: AssetCheckExecutionContext, spark: SparkResource, warehouse: Warehouse
    ) -> AssetCheckResult:
        dt_range = checked_days(context, key)
        counts = _counts_by_day(_read(spark.spark_session, warehouse, key, dt_range))
        return volume_result(key, counts, dt_range.days(), min_rows)

    return enough_rows_per_day
