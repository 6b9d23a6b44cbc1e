"""``read_table``: a Delta table snapshot as a Spark DataFrame, pruned to a range of days.

On a local filesystem Spark's own Parquet reader reads the snapshot's exact file list (it prunes columns too);
elsewhere (S3, which Spark cannot reach here) the ``lakehouse_delta`` data source reads the files through
pyarrow. Both return the schema of the Delta log.
"""

import json
from collections.abc import Mapping
from datetime import date

from deltalake import DeltaTable
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from lakehouse.delta.datasource import DeltaDataSource, make_findable
from lakehouse.delta.options import STORAGE_OPTIONS, VERSION
from lakehouse.delta.schema import spark_schema
from lakehouse.delta.table import open_table, partition_column_of, range_filter
from lakehouse.storage import is_local, local_path


def read_table(
    spark: SparkSession,
    table_uri: str,
    *,
    dt_range: tuple[date, date] | None = None,
    storage_options: Mapping[str, str] | None = None,
) -> DataFrame:
    """The rows of the latest snapshot whose partition value is in ``dt_range`` = [start, end) (default: all)."""
    table = open_table(table_uri, storage_options)
    if is_local(table_uri):
        return read_files(spark, table, table_uri, dt_range)
    return read_with_data_source(spark, table, table_uri, dt_range, storage_options)


def read_files(spark: SparkSession, table: DeltaTable, table_uri: str, dt_range: tuple[date, date] | None) -> DataFrame:
    """Spark's Parquet reader over the snapshot's files of the range (local filesystem only)."""
    schema = spark_schema(table)
    pruning = range_filter(table, table_uri, dt_range)
    files = table.file_uris(file_pruning_predicate=pruning)
    if not files:
        return spark.createDataFrame([], schema)
    root = local_path(table.table_uri).rstrip("/")
    # basePath makes Spark take the partition column from the dt=... directories, typed by the given schema.
    return spark.read.schema(schema).option("basePath", root).parquet(*files).select(*schema.fieldNames())


def read_with_data_source(
    spark: SparkSession,
    table: DeltaTable,
    table_uri: str,
    dt_range: tuple[date, date] | None,
    storage_options: Mapping[str, str] | None,
) -> DataFrame:
    """The ``lakehouse_delta`` data source over the same snapshot; the range reaches it as pushed-down filters."""
    make_findable(spark)
    df = (
        spark.read.format(DeltaDataSource.name())
        .option(STORAGE_OPTIONS, json.dumps(dict(storage_options or {})))
        .option(VERSION, str(table.version()))
        .load(table_uri)
    )
    if dt_range is None:
        return df
    column, (start, end) = partition_column_of(table, table_uri), dt_range
    return df.where((F.col(column) >= F.lit(start)) & (F.col(column) < F.lit(end)))
