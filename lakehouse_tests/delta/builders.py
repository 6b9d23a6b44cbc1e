"""Tiny orders tables for the Delta table tests, and ways to see what a table references on disk."""

from collections.abc import Iterable
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pyspark.sql.types as T
from deltalake import DeltaTable as DeltaRsTable
from pyspark.sql import DataFrame, Row, SparkSession

from lakehouse.delta import read_table

ORDERS = T.StructType(
    [
        T.StructField("order_id", T.LongType()),
        T.StructField("customer", T.StringType()),
        T.StructField("quantity", T.IntegerType()),
        T.StructField("unit_price", T.DecimalType(12, 2)),
        T.StructField("revenue", T.DecimalType(18, 2)),
        T.StructField("paid", T.BooleanType()),
        T.StructField("weight", T.DoubleType()),
        T.StructField("ordered_at", T.TimestampType()),
        T.StructField("dt", T.DateType()),
    ]
)


def day(n: int) -> date:
    return date(2024, 1, n)


def order_rows(days: Iterable[date], *, per_day: int = 2, run: int = 1) -> list[tuple]:
    """``per_day`` orders a day; ``run`` changes every value, so a rerun's rows are told apart from the first."""
    return [
        (
            d.day * 1000 + i,
            f"customer-{i}",
            run * 10 + i,
            Decimal(f"{run}.{i:02d}"),
            Decimal(f"{run * 10 + i}.{i:02d}"),
            i % 2 == 0,
            run + i / 4,
            datetime(d.year, d.month, d.day, 12, i, tzinfo=UTC),
            d,
        )
        for d in days
        for i in range(per_day)
    ]


def orders(spark: SparkSession, days: Iterable[date], *, per_day: int = 2, run: int = 1) -> DataFrame:
    """One Spark partition, so a write adds exactly one file per day."""
    return spark.createDataFrame(order_rows(days, per_day=per_day, run=run), ORDERS).coalesce(1)


def table_rows(spark: SparkSession, table_uri: str) -> list[Row]:
    return sorted(read_table(spark, table_uri).collect())


def frame_rows(*frames: DataFrame) -> list[Row]:
    return sorted(row for frame in frames for row in frame.collect())


def files_on_disk(table_uri: str) -> set[str]:
    """Every data file under the table's directory, referenced or not, relative to the table root."""
    root = Path(table_uri)
    return {str(path.relative_to(root)) for path in root.rglob("*.parquet")}


def referenced_files(table_uri: str, version: int | None = None) -> set[str]:
    """The data files the table's snapshot references, relative to the table root."""
    return {str(Path(uri).relative_to(table_uri)) for uri in DeltaRsTable(table_uri, version=version).file_uris()}
