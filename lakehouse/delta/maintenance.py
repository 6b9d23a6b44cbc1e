"""Table maintenance through delta-spark's ``DeltaTable``: compaction, vacuum, retention."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlparse

from delta.tables import DeltaTable
from pyspark.sql import SparkSession

from lakehouse.delta.errors import PartitionColumnError, describe_table
from lakehouse.delta.tables import latest_version, open_table
from lakehouse.partitions import PARTITION_COLUMN, DayRange

DEFAULT_VACUUM_RETENTION_HOURS = 168
"""Delta's own default: a week of snapshots stays readable by time travel and by slow concurrent readers."""


def _check_partitioned_by_day(table: DeltaTable, table_uri: str) -> None:
    detail = table.detail().select("partitionColumns").first()
    if list(detail["partitionColumns"]) != [PARTITION_COLUMN]:
        raise PartitionColumnError(
            f"{describe_table(table_uri, latest_version(table))}: partitioned by {list(detail['partitionColumns'])}, "
            f"not by {PARTITION_COLUMN!r}"
        )


def optimize(spark: SparkSession, table_uri: str, days: DayRange | None = None) -> dict[str, Any]:
    """Compact the small files of each partition in ``days`` (default: all) in one commit; Delta's metrics
    (numFilesAdded, numFilesRemoved, partitionsOptimized, ...)."""
    table = open_table(spark, table_uri)
    builder = table.optimize()
    if days is not None:
        _check_partitioned_by_day(table, table_uri)
        builder = builder.where(days.sql_predicate())
    metrics = builder.executeCompaction().select("metrics").first()["metrics"]
    return metrics.asDict(recursive=True)


_RETENTION_CHECK = "spark.databricks.delta.retentionDurationCheck.enabled"


def vacuum(
    spark: SparkSession,
    table_uri: str,
    retention_hours: float = DEFAULT_VACUUM_RETENTION_HOURS,
    *,
    dry_run: bool = False,
    before_delete: Callable[[list[str]], None] | None = None,
) -> list[str]:
    """Delete the data files no snapshot of the last ``retention_hours`` needs, and files no commit ever referenced
    (left by a killed write) once they are that old; return them relative to the table root. ``dry_run`` only
    lists them. ``before_delete`` gets the list while the files still exist (their sizes, say): listing a table
    costs a pass over its folders, so a caller that needs both never lists twice.

    The caller's ``retention_hours`` is honoured even below Delta's safety minimum (a week): readers of snapshots
    older than that lose their files, so only maintenance that was configured so should ask for it.
    """
    open_table(spark, table_uri)
    quoted = table_uri.replace("`", "``")
    # VACUUM ... DRY RUN exists only in SQL; the path is ours and the hours a float, so nothing user-typed is spliced.
    statement = f"VACUUM delta.`{quoted}` RETAIN {float(retention_hours)} HOURS"
    enforced = spark.conf.get(_RETENTION_CHECK, "true")
    spark.conf.set(_RETENTION_CHECK, str(retention_hours >= DEFAULT_VACUUM_RETENTION_HOURS).lower())
    try:
        # Delta lists the files only in a dry run; the real run reports the table path alone.
        files = sorted(_relative_to(table_uri, row[0]) for row in spark.sql(f"{statement} DRY RUN").collect())
        if before_delete is not None:
            before_delete(files)
        if files and not dry_run:
            spark.sql(statement).collect()
    finally:
        spark.conf.set(_RETENTION_CHECK, enforced)
    return files


def _relative_to(table_uri: str, file_uri: str) -> str:
    table_path = urlparse(table_uri).path.rstrip("/") + "/"
    return file_uri[file_uri.index(table_path) + len(table_path) :]


@dataclass(frozen=True)
class DroppedPartitions:
    """What a retention pass removed from a table (or, in a dry run, would remove)."""

    days: list[date]
    files: int
    bytes: int


def delete_partitions_before(
    spark: SparkSession, table_uri: str, cutoff: date, *, dry_run: bool = False
) -> DroppedPartitions:
    """Retention: remove every partition before ``cutoff`` in one commit. ``dry_run`` only lists the days (files and
    bytes are Delta's metrics of the commit, so a dry run reports them as 0).

    A partition-only predicate removes whole files (nothing is rewritten); ``vacuum`` frees the storage later.
    Without a partition to remove, nothing is committed.
    """
    table = open_table(spark, table_uri)
    _check_partitioned_by_day(table, table_uri)
    predicate = f"{PARTITION_COLUMN} < DATE'{cutoff.isoformat()}'"
    days = sorted(row[0] for row in table.toDF().where(predicate).select(PARTITION_COLUMN).distinct().collect())
    if not days or dry_run:
        return DroppedPartitions(days, 0, 0)
    table.delete(predicate)
    metrics = table.history(1).select("operationMetrics").first()["operationMetrics"]
    return DroppedPartitions(days, int(metrics.get("numRemovedFiles", 0)), int(metrics.get("numRemovedBytes", 0)))
