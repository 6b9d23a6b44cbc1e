"""history, table_snapshot (delta-rs), vacuum, optimize and retention: maintenance never changes what a reader sees."""

import shutil
from pathlib import Path

from pyspark.sql import SparkSession

from lakehouse.delta import delete_partitions_before, history, optimize, table_snapshot, vacuum, write_table
from lakehouse.partitions import DayRange
from lakehouse_tests.delta.builders import day, files_on_disk, frame_rows, orders, referenced_files, table_rows


def test_table_snapshot_and_history_describe_the_latest_version(spark: SparkSession, table_uri: str) -> None:
    write_table(orders(spark, [day(2), day(1)]), table_uri, mode="append", commit_metadata={"run": "first"})
    write_table(orders(spark, [day(3)], per_day=3), table_uri, mode="append", commit_metadata={"run": "second"})

    snapshot = table_snapshot(table_uri)
    commits = history(spark, table_uri)

    assert (snapshot.version, snapshot.rows, snapshot.files) == (1, 7, 3)
    assert snapshot.partitions == ["2024-01-01", "2024-01-02", "2024-01-03"]
    assert [(c["version"], c["run"], c["operation"]) for c in commits] == [
        (1, "second", "WRITE"),
        (0, "first", "WRITE"),
    ]
    assert commits[0]["operationMetrics"]["numOutputRows"] == "3"
    assert [c["version"] for c in history(spark, table_uri, limit=1)] == [1]


def test_vacuum_deletes_only_the_files_no_snapshot_references(spark: SparkSession, table_uri: str) -> None:
    write_table(orders(spark, [day(1), day(2)]), table_uri, mode="append")
    write_table(orders(spark, [day(1)], run=2), table_uri, mode="overwrite", days=DayRange(day(1), day(2)))
    replaced = referenced_files(table_uri, version=0) - referenced_files(table_uri)
    # A file no commit references, as a killed task would leave behind.
    orphan = "dt=2024-01-09/part-orphan.parquet"
    Path(table_uri, orphan).parent.mkdir()
    shutil.copy(Path(table_uri, next(iter(replaced))), Path(table_uri, orphan))
    rows_before = table_rows(spark, table_uri)

    listed = vacuum(spark, table_uri, retention_hours=0, dry_run=True)
    assert set(listed) == replaced | {orphan}
    assert files_on_disk(table_uri) == referenced_files(table_uri) | replaced | {orphan}

    assert set(vacuum(spark, table_uri, retention_hours=0)) == replaced | {orphan}
    assert files_on_disk(table_uri) == referenced_files(table_uri)
    assert table_rows(spark, table_uri) == rows_before
    assert spark.conf.get("spark.databricks.delta.retentionDurationCheck.enabled") == "true"


def test_vacuum_keeps_files_within_the_retention(spark: SparkSession, table_uri: str) -> None:
    write_table(orders(spark, [day(1)]), table_uri, mode="append")
    write_table(orders(spark, [day(1)], run=2), table_uri, mode="overwrite", days=DayRange(day(1), day(2)))
    on_disk = files_on_disk(table_uri)

    assert vacuum(spark, table_uri) == []
    assert files_on_disk(table_uri) == on_disk


def test_optimize_compacts_each_partition_of_the_range_into_one_file(spark: SparkSession, table_uri: str) -> None:
    for run in (1, 2, 3):
        write_table(orders(spark, [day(1), day(2)], run=run), table_uri, mode="append")
    rows_before = table_rows(spark, table_uri)

    metrics = optimize(spark, table_uri, days=DayRange(day(1), day(2)))

    assert (metrics["numFilesRemoved"], metrics["numFilesAdded"]) == (3, 1)
    day_files = sorted(path.split("/")[0] for path in referenced_files(table_uri))
    assert day_files == ["dt=2024-01-01", "dt=2024-01-02", "dt=2024-01-02", "dt=2024-01-02"]
    assert table_rows(spark, table_uri) == rows_before


def test_deleting_partitions_before_a_cutoff_removes_whole_days_once(spark: SparkSession, table_uri: str) -> None:
    write_table(orders(spark, [day(1), day(2), day(3), day(4)]), table_uri, mode="append")

    listed = delete_partitions_before(spark, table_uri, day(3), dry_run=True)
    assert (listed.days, table_snapshot(table_uri).version) == ([day(1), day(2)], 0)

    dropped = delete_partitions_before(spark, table_uri, day(3))

    assert (dropped.days, dropped.files) == ([day(1), day(2)], 2)
    assert dropped.bytes > 0
    assert table_snapshot(table_uri).partitions == ["2024-01-03", "2024-01-04"]
    assert table_rows(spark, table_uri) == frame_rows(orders(spark, [day(3), day(4)]))

    version = table_snapshot(table_uri).version
    assert delete_partitions_before(spark, table_uri, day(3)).days == []
    assert table_snapshot(table_uri).version == version
