"""write_table: one commit per write, exact replacement of a range of days, and a table left untouched on failure."""

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path

import pytest
from deltalake import DeltaTable as DeltaRsTable
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from lakehouse.delta import (
    ConstraintViolationError,
    RowsOutsideRangeError,
    SchemaMismatchError,
    TableConstraints,
    WriteResult,
    ensure_constraints,
    history,
    read_table,
    table_snapshot,
    vacuum,
    write_table,
)
from lakehouse.delta.errors import describe_table
from lakehouse.partitions import DayRange
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


def _days(first: int, end: int) -> DayRange:
    return DayRange(day(first), day(end))


def test_rerunning_a_day_replaces_it_without_duplicates(spark: SparkSession, table_uri: str) -> None:
    write_table(orders(spark, [day(1), day(2)]), table_uri, mode="overwrite", days=_days(1, 3))
    rerun = orders(spark, [day(2)], run=2)

    first = write_table(rerun, table_uri, mode="overwrite", days=_days(2, 3))
    second = write_table(rerun, table_uri, mode="overwrite", days=_days(2, 3))

    assert (first.version, second.version) == (1, 2)
    assert (second.rows, second.files_added, second.files_removed, second.operation) == (2, 1, 1, "WRITE")
    assert table_rows(spark, table_uri) == frame_rows(orders(spark, [day(1)]), rerun)


def test_overwriting_a_range_replaces_exactly_those_days_and_keeps_the_others(
    spark: SparkSession, table_uri: str
) -> None:
    write_table(orders(spark, [day(n) for n in range(1, 6)]), table_uri, mode="append")
    # Days 2 to 4 are replaced; day 4 has no new rows, so replacing it empties it.
    replacement = orders(spark, [day(2), day(3)], run=2)

    result = write_table(replacement, table_uri, mode="overwrite", days=_days(2, 5))

    assert (result.files_added, result.files_removed) == (2, 3)
    assert table_rows(spark, table_uri) == frame_rows(orders(spark, [day(1), day(5)]), replacement)
    assert table_snapshot(table_uri).partitions == ["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-05"]

    rerun = write_table(replacement, table_uri, mode="overwrite", days=_days(2, 5))

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
    latest = history(spark, table_uri, limit=1)[0]
    assert (latest["version"], latest["dagster_run_id"]) == (1, "run-7")


def test_an_overwrite_without_rows_still_commits_creating_the_table_or_emptying_its_range(
    spark: SparkSession, table_uri: str
) -> None:
    empty = spark.createDataFrame([], ORDERS)

    created = write_table(empty, table_uri, mode="overwrite", days=_days(1, 2))
    assert (created.version, created.rows, created.files_added) == (0, 0, 0)
    assert read_table(spark, table_uri).schema == ORDERS
    assert read_table(spark, table_uri).count() == 0

    write_table(orders(spark, [day(1), day(2)]), table_uri, mode="append")
    emptied = write_table(empty, table_uri, mode="overwrite", days=_days(1, 2))
    assert (emptied.version, emptied.files_removed) == (2, 1)
    assert table_rows(spark, table_uri) == frame_rows(orders(spark, [day(2)]))

    # Rewriting the now empty day empty adds and removes nothing, which Delta would not record by default.
    again = write_table(empty, table_uri, mode="overwrite", days=_days(1, 2))
    assert (again.version, again.rows, again.files_added, again.files_removed) == (3, 0, 0, 0)


def test_rows_outside_the_replaced_range_are_rejected_and_the_table_is_unchanged(
    spark: SparkSession, table_uri: str
) -> None:
    write_table(orders(spark, [day(1), day(2)]), table_uri, mode="append")
    referenced = referenced_files(table_uri)

    with pytest.raises(RowsOutsideRangeError) as raised:
        write_table(orders(spark, [day(2), day(3)]), table_uri, mode="overwrite", days=_days(2, 3))

    message = str(raised.value)
    assert describe_table(table_uri, 0) in message
    assert "dt < DATE'2024-01-03'" in message and "2024-01-03" in message
    assert "Traceback" not in message and "py4j" not in message.lower() and "\tat " not in message
    assert table_snapshot(table_uri).version == 0
    assert referenced_files(table_uri) == referenced


def test_a_failing_task_aborts_the_write_and_vacuum_removes_what_it_left(
    spark: SparkSession, table_uri: str, tmp_path: Path
) -> None:
    write_table(orders(spark, [day(1)]), table_uri, mode="append")
    before = files_on_disk(table_uri)
    go = tmp_path / "other-task-finished"

    @F.udf("bigint")
    def fail_on_the_last_order(order_id):  # no hints: PySpark 4 would take them for an Arrow UDF signature
        if order_id == 3001:
            # Fail only after the other task has finished, so a written file is left for vacuum to find.
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
    assert table_rows(spark, table_uri) == frame_rows(orders(spark, [day(1)]))
    vacuum(spark, table_uri, retention_hours=0)
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


def test_a_not_null_column_refuses_a_null_and_names_it(spark: SparkSession, table_uri: str) -> None:
    ensure_constraints(orders(spark, [day(1)]), table_uri, TableConstraints(not_null=frozenset({"customer"})))
    write_table(orders(spark, [day(1)]), table_uri, mode="append")
    version = table_snapshot(table_uri).version
    rows = orders(spark, [day(2)]).withColumn("customer", F.when(F.col("order_id") != 2001, F.col("customer")))

    with pytest.raises(ConstraintViolationError, match=r"customer") as raised:
        write_table(rows, table_uri, mode="append")

    assert describe_table(table_uri, version) in str(raised.value)
    assert table_snapshot(table_uri).version == version
    # delta-rs, an independent reader, sees the column as required.
    assert not DeltaRsTable(table_uri).schema().to_arrow().field("customer").nullable


def test_a_check_constraint_refuses_a_breaking_row_with_its_values(spark: SparkSession, table_uri: str) -> None:
    first = orders(spark, [day(1)])
    ensure_constraints(first, table_uri, TableConstraints(checks={"quantity_positive": "quantity > 0"}))
    write_table(first, table_uri, mode="overwrite", days=_days(1, 2))
    version = table_snapshot(table_uri).version
    broken = orders(spark, [day(2)]).withColumn("quantity", F.lit(-3))

    with pytest.raises(ConstraintViolationError, match=r"quantity_positive.*-3"):
        write_table(broken, table_uri, mode="overwrite", days=_days(2, 3))

    assert table_snapshot(table_uri).version == version
    # Running it again with the same constraints changes nothing; a changed condition is replaced.
    ensure_constraints(first, table_uri, TableConstraints(checks={"quantity_positive": "quantity > 0"}))
    assert table_snapshot(table_uri).version == version
    relaxed = {"quantity_positive": "quantity >= 0", "order_id_set": "order_id > 0"}
    ensure_constraints(first, table_uri, TableConstraints(checks=relaxed))
    write_table(broken.withColumn("quantity", F.lit(0)), table_uri, mode="overwrite", days=_days(2, 3))
    assert read_table(spark, table_uri).where("quantity = 0").count() == 2


def test_a_schema_mismatch_names_the_table_and_the_column(spark: SparkSession, table_uri: str) -> None:
    write_table(orders(spark, [day(1)]), table_uri, mode="append")
    changed = orders(spark, [day(2)]).withColumn("coupon", F.lit("SPRING"))

    with pytest.raises(SchemaMismatchError) as raised:
        write_table(changed, table_uri, mode="append")

    message = str(raised.value)
    assert describe_table(table_uri, 0) in message and "coupon" in message
    assert table_snapshot(table_uri).version == 0


def test_an_overwrite_must_say_which_days_it_replaces(spark: SparkSession, table_uri: str) -> None:
    with pytest.raises(ValueError, match="an overwrite replaces a range of days"):
        write_table(orders(spark, [day(1)]), table_uri, mode="overwrite")


def test_concurrent_overwrites_of_different_days_both_land(spark: SparkSession, table_uri: str) -> None:
    write_table(orders(spark, [day(1), day(2), day(3)]), table_uri, mode="append")

    def rerun(d: date) -> WriteResult:
        return write_table(orders(spark, [d], run=2), table_uri, mode="overwrite", days=DayRange(d, d + timedelta(1)))

    with ThreadPoolExecutor(max_workers=2) as pool:
        first, second = pool.map(rerun, [day(1), day(2)])

    # Each write reports its own commit, not the other thread's.
    assert sorted([first.version, second.version]) == [1, 2]
    assert (first.rows, second.rows, first.files_removed, second.files_removed) == (2, 2, 1, 1)
    assert table_rows(spark, table_uri) == frame_rows(orders(spark, [day(1), day(2)], run=2), orders(spark, [day(3)]))


def test_concurrent_creators_of_a_new_table_both_land(spark: SparkSession, table_uri: str) -> None:
    """Creating a table conflicts even on different days; the loser retries on the table the winner made."""

    def create(d: date) -> WriteResult:
        return write_table(orders(spark, [d]), table_uri, mode="overwrite", days=DayRange(d, d + timedelta(1)))

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(create, [day(1), day(2)]))

    assert sorted(r.version for r in results) == [0, 1]
    assert table_rows(spark, table_uri) == frame_rows(orders(spark, [day(1), day(2)]))
