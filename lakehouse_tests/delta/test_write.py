"""write_table: one commit per write, exact replacement of a range of days, and a table left untouched on failure."""

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path

import pyarrow as pa
import pyspark.sql.types as T
import pytest
from deltalake import DeltaTable
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from lakehouse.delta import (
    PartitionColumnError,
    RowsOutsideRangeError,
    SchemaMismatchError,
    WriteResult,
    history,
    read_table,
    table_snapshot,
    write_table,
)
from lakehouse.delta.commit import commit_files
from lakehouse.delta.errors import describe_table
from lakehouse.delta.files import DataFile, FileTarget, write_partitioned
from lakehouse.delta.options import WriteOptions
from lakehouse.delta.schema import arrow_schema, without_column
from lakehouse_tests.delta.builders import (
    ORDERS,
    day,
    files_on_disk,
    frame_rows,
    order_rows,
    orders,
    referenced_files,
    table_rows,
)


def test_rerunning_a_day_replaces_it_without_duplicates(spark: SparkSession, table_uri: str) -> None:
    write_table(orders(spark, [day(1), day(2)]), table_uri, mode="overwrite", replace_range=(day(1), day(3)))
    rerun = orders(spark, [day(2)], run=2)

    first = write_table(rerun, table_uri, mode="overwrite", replace_range=(day(2), day(3)))
    second = write_table(rerun, table_uri, mode="overwrite", replace_range=(day(2), day(3)))

    assert (first.version, second.version) == (1, 2)
    assert (second.rows, second.files_added, second.files_removed, second.partitions) == (2, 1, 1, ["2024-01-02"])
    assert table_rows(spark, table_uri) == frame_rows(orders(spark, [day(1)]), rerun)


def test_overwriting_a_range_replaces_exactly_those_days_and_keeps_the_others(
    spark: SparkSession, table_uri: str
) -> None:
    write_table(orders(spark, [day(n) for n in range(1, 6)]), table_uri, mode="append")
    # Days 2 to 4 are replaced; day 4 has no new rows, so replacing it empties it.
    replacement = orders(spark, [day(2), day(3)], run=2)

    result = write_table(replacement, table_uri, mode="overwrite", replace_range=(day(2), day(5)))

    assert (result.files_added, result.files_removed, result.partitions) == (2, 3, ["2024-01-02", "2024-01-03"])
    assert table_rows(spark, table_uri) == frame_rows(orders(spark, [day(1), day(5)]), replacement)
    assert table_snapshot(table_uri).partitions == ["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-05"]

    rerun = write_table(replacement, table_uri, mode="overwrite", replace_range=(day(2), day(5)))

    assert (rerun.files_added, rerun.files_removed) == (2, 2)
    assert table_rows(spark, table_uri) == frame_rows(orders(spark, [day(1), day(5)]), replacement)


def test_append_adds_rows_and_reports_the_version_it_committed(spark: SparkSession, table_uri: str) -> None:
    created = write_table(orders(spark, [day(1)]), table_uri, mode="append")
    appended = write_table(
        orders(spark, [day(1)], run=2), table_uri, mode="append", commit_metadata={"dagster_run_id": "run-7"}
    )

    assert (created.version, appended.version) == (0, 1)
    assert (appended.rows, appended.files_added, appended.files_removed) == (2, 1, 0)
    assert table_rows(spark, table_uri) == frame_rows(orders(spark, [day(1)]), orders(spark, [day(1)], run=2))
    latest = history(table_uri, limit=1)[0]
    assert (latest["version"], latest["dagster_run_id"]) == (1, "run-7")


def test_an_overwrite_without_rows_still_commits_creating_the_table_or_emptying_its_range(
    spark: SparkSession, table_uri: str
) -> None:
    empty = spark.createDataFrame([], ORDERS)

    created = write_table(empty, table_uri, mode="overwrite", replace_range=(day(1), day(2)))
    assert (created.version, created.rows, created.files_added) == (0, 0, 0)
    assert read_table(spark, table_uri).schema == ORDERS
    assert read_table(spark, table_uri).count() == 0

    write_table(orders(spark, [day(1), day(2)]), table_uri, mode="append")
    emptied = write_table(empty, table_uri, mode="overwrite", replace_range=(day(1), day(2)))
    assert (emptied.version, emptied.files_removed) == (2, 1)
    assert table_rows(spark, table_uri) == frame_rows(orders(spark, [day(2)]))


def test_a_new_table_gets_nullable_columns_whatever_the_dataframe_declared(spark: SparkSession, table_uri: str) -> None:
    not_null = T.StructType([T.StructField(f.name, f.dataType, nullable=False) for f in ORDERS.fields])

    write_table(spark.createDataFrame(order_rows([day(1)]), not_null), table_uri, mode="append")

    assert all(field.nullable for field in DeltaTable(table_uri).schema().fields)


def test_rows_outside_the_replaced_range_are_rejected_and_the_table_is_unchanged(
    spark: SparkSession, table_uri: str
) -> None:
    write_table(orders(spark, [day(1), day(2)]), table_uri, mode="append")
    before = files_on_disk(table_uri)

    with pytest.raises(RowsOutsideRangeError) as raised:
        write_table(orders(spark, [day(2), day(3)]), table_uri, mode="overwrite", replace_range=(day(2), day(3)))

    message = str(raised.value)
    assert describe_table(table_uri, 0) in message
    assert "dt = 2024-01-03" in message and "[2024-01-02, 2024-01-03)" in message
    assert "Traceback" not in message and "Py4J" not in message
    assert table_snapshot(table_uri).version == 0
    assert files_on_disk(table_uri) == before


def test_a_failing_task_aborts_the_write_and_deletes_the_files_other_tasks_wrote(
    spark: SparkSession, table_uri: str, tmp_path: Path
) -> None:
    write_table(orders(spark, [day(1)]), table_uri, mode="append")
    before = files_on_disk(table_uri)
    go = tmp_path / "other-task-finished"

    @F.udf("bigint")
    def fail_on_the_last_order(order_id):  # no hints: PySpark 4 would take them for an Arrow UDF signature
        if order_id == 3001:
            # Fail only after the other task has finished, so abort() gets a written file to delete.
            deadline = time.monotonic() + 60
            while not go.exists() and time.monotonic() < deadline:
                time.sleep(0.05)
            raise RuntimeError("the source system went away")
        return order_id

    # Two tasks: day 2's orders (ids 2000, 2001) are written, day 3's (3000, 3001) fail.
    two_tasks = spark.sparkContext.parallelize(order_rows([day(2), day(3)]), numSlices=2)
    rows = spark.createDataFrame(two_tasks, ORDERS).withColumn("order_id", fail_on_the_last_order("order_id"))

    with ThreadPoolExecutor(max_workers=1) as pool:
        write = pool.submit(write_table, rows, table_uri, mode="append")
        _wait_for_a_finished_task(spark)
        go.touch()
        with pytest.raises(Exception, match="the source system went away"):
            write.result()

    assert table_snapshot(table_uri).version == 0
    assert referenced_files(table_uri) == before
    assert files_on_disk(table_uri) == before


def _wait_for_a_finished_task(spark: SparkSession, timeout: float = 60) -> None:
    tracker = spark.sparkContext.statusTracker()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        stages = (tracker.getStageInfo(stage_id) for stage_id in tracker.getActiveStageIds())
        if any(stage is not None and stage.numCompletedTasks >= 1 for stage in stages):
            return
        time.sleep(0.05)
    raise TimeoutError("no task of the write finished")


def test_a_task_failing_midway_deletes_the_files_it_had_written(tmp_path: Path) -> None:
    table_uri = str(tmp_path / "orders")
    in_range, outside = _batch(order_rows([day(1)])), _batch(order_rows([day(2)]))

    with pytest.raises(RowsOutsideRangeError, match="dt = 2024-01-02"):
        write_partitioned([in_range, outside], _file_target(table_uri, replace_range=(day(1), day(2))))

    assert files_on_disk(table_uri) == set()


def test_a_null_partition_value_is_refused(spark: SparkSession, table_uri: str) -> None:
    rows = orders(spark, [day(1)]).withColumn("dt", F.when(F.col("order_id") == 1001, None).otherwise(F.col("dt")))

    with pytest.raises(PartitionColumnError, match=r"1 rows have a null 'dt'"):
        write_table(rows, table_uri, mode="append")

    assert files_on_disk(table_uri) == set()
    assert not Path(table_uri, "_delta_log").exists()


def test_a_schema_mismatch_names_the_table_and_the_columns(spark: SparkSession, table_uri: str) -> None:
    write_table(orders(spark, [day(1)]), table_uri, mode="append")
    changed = orders(spark, [day(2)]).withColumn("unit_price", F.col("unit_price").cast("double"))
    changed = changed.withColumn("coupon", F.lit("SPRING")).drop("paid")

    with pytest.raises(SchemaMismatchError) as raised:
        write_table(changed, table_uri, mode="append")

    message = str(raised.value)
    assert describe_table(table_uri, 0) in message
    assert "'unit_price' is decimal(12,2) in the table but double in the DataFrame" in message
    assert "'coupon' (string) is not in the table" in message
    assert "'paid' (boolean) is missing from the DataFrame" in message
    assert table_snapshot(table_uri).version == 0


def test_a_missing_or_mistyped_partition_column_is_refused(spark: SparkSession, table_uri: str) -> None:
    with pytest.raises(PartitionColumnError, match=r"partition column 'dt' is missing from the DataFrame") as raised:
        write_table(orders(spark, [day(1)]).drop("dt"), table_uri, mode="append")
    assert describe_table(table_uri, None) in str(raised.value)

    as_text = orders(spark, [day(1)]).withColumn("dt", F.col("dt").cast("string"))
    with pytest.raises(PartitionColumnError, match=r"'dt' must be a date, the DataFrame has string"):
        write_table(as_text, table_uri, mode="append")

    write_table(orders(spark, [day(1)]), table_uri, mode="append")
    with pytest.raises(PartitionColumnError, match=r"partitioned by \['dt'\], the write by \['order_day'\]"):
        write_table(
            orders(spark, [day(1)]).withColumn("order_day", F.col("dt")),
            table_uri,
            mode="append",
            partition_column="order_day",
        )


def test_an_overwrite_must_say_which_days_it_replaces(spark: SparkSession, table_uri: str) -> None:
    with pytest.raises(ValueError, match="needs replace_range"):
        write_table(orders(spark, [day(1)]), table_uri, mode="overwrite")
    with pytest.raises(ValueError, match="is empty"):
        write_table(orders(spark, [day(1)]), table_uri, mode="overwrite", replace_range=(day(2), day(2)))


def test_concurrent_overwrites_of_different_days_both_land(spark: SparkSession, table_uri: str) -> None:
    write_table(orders(spark, [day(1), day(2), day(3)]), table_uri, mode="append")

    def rerun(d: date) -> WriteResult:
        return write_table(orders(spark, [d], run=2), table_uri, mode="overwrite", replace_range=(d, d + timedelta(1)))

    with ThreadPoolExecutor(max_workers=2) as pool:
        first, second = pool.map(rerun, [day(1), day(2)])

    assert sorted([first.version, second.version]) == [1, 2]
    # Each write reports its own commit, not the other thread's.
    assert (first.partitions, second.partitions) == (["2024-01-01"], ["2024-01-02"])
    assert table_rows(spark, table_uri) == frame_rows(orders(spark, [day(1), day(2)], run=2), orders(spark, [day(3)]))


def test_a_conflicting_commit_is_retried_on_the_latest_snapshot(tmp_path: Path) -> None:
    """Two overwrites of different days validated against the same version: the second conflicts, then lands."""
    table_uri = str(tmp_path / "orders")
    commit_files(WriteOptions(table_uri), "append", ORDERS, _data_files(table_uri, [day(1), day(2)]))
    first = WriteOptions(table_uri, replace_range=(day(1), day(2)), read_version=0)
    second = WriteOptions(table_uri, replace_range=(day(2), day(3)), read_version=0)
    first_files, second_files = _data_files(table_uri, [day(1)], run=2), _data_files(table_uri, [day(2)], run=2)

    assert commit_files(first, "overwrite", ORDERS, first_files) == 1
    assert commit_files(second, "overwrite", ORDERS, second_files) == 2

    assert referenced_files(table_uri) == {f.path for f in first_files + second_files}


def _batch(rows: list[tuple]) -> pa.RecordBatch:
    return pa.RecordBatch.from_pylist(
        [dict(zip(ORDERS.fieldNames(), row, strict=True)) for row in rows], schema=arrow_schema(ORDERS)
    )


def _file_target(table_uri: str, replace_range: tuple[date, date] | None = None) -> FileTarget:
    return FileTarget(
        table_uri=table_uri,
        storage_options={},
        partition_column="dt",
        file_schema=arrow_schema(without_column(ORDERS, "dt")),
        replace_range=replace_range,
        table_description=describe_table(table_uri, None),
    )


def _data_files(table_uri: str, days: list[date], run: int = 1) -> list[DataFile]:
    return write_partitioned([_batch(order_rows(days, run=run))], _file_target(table_uri))


def test_the_data_source_takes_its_write_options_as_strings(spark: SparkSession, table_uri: str) -> None:
    write_table(orders(spark, [day(1), day(2)]), table_uri, mode="append")

    (
        orders(spark, [day(1)], run=2)
        .write.format("lakehouse_delta")
        .mode("overwrite")
        .option("replace_range_start", "2024-01-01")
        .option("replace_range_end", "2024-01-02")
        .option("commit_metadata", '{"run": "by-hand"}')
        .save(table_uri)
    )

    assert history(table_uri, limit=1)[0]["run"] == "by-hand"
    assert table_rows(spark, table_uri) == frame_rows(orders(spark, [day(1)], run=2), orders(spark, [day(2)]))
