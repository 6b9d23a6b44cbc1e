"""Reading and writing partitioned Delta tables with delta-spark. No Dagster here: the IO manager, checks, scripts
and tests call this API.

A write replaces a range of days in one commit (``replaceWhere``): Delta itself rejects a row outside the range,
enforces the schema, NOT NULL and the table's CHECK constraints, and resolves concurrent writers of different days.
Each commit carries our write id in its ``userMetadata``, which is how a writer finds *its* version and operation
metrics exactly, even when others commit at the same time.
"""

import json
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from delta.exceptions import ConcurrentAppendException, MetadataChangedException, ProtocolChangedException
from delta.tables import DeltaTable
from pyspark.sql import DataFrame, SparkSession

from lakehouse.delta.errors import DeltaTableError, TableNotFoundError, describe_table, table_error_in
from lakehouse.partitions import PARTITION_COLUMN, DayRange

WriteMode = Literal["append", "overwrite"]

WRITE_ID_KEY = "lakehouse.writeId"

# Two writers that create the same new table, or one that changes its metadata, conflict even on different days;
# the loser re-reads the table and tries again (disjoint days then commit). Seconds to wait before each retry.
_CONFLICT_BACKOFF_SECONDS = (0.5, 1.0, 2.0, 4.0)
_CONFLICTS = (ConcurrentAppendException, MetadataChangedException, ProtocolChangedException)


@dataclass(frozen=True)
class WriteResult:
    """What the commit of a write did, from Delta's operation metrics."""

    version: int
    rows: int
    files_added: int
    files_removed: int
    bytes_added: int
    operation: str


def table_exists(spark: SparkSession, table_uri: str) -> bool:
    return DeltaTable.isDeltaTable(spark, table_uri)


def require_table(spark: SparkSession, table_uri: str) -> None:
    if not table_exists(spark, table_uri):
        raise TableNotFoundError(f"no Delta table at {table_uri}")


def open_table(spark: SparkSession, table_uri: str) -> DeltaTable:
    """delta-spark's handle on the table (history, maintenance), or ``TableNotFoundError`` naming the URI."""
    require_table(spark, table_uri)
    return DeltaTable.forPath(spark, table_uri)


def latest_version(table: DeltaTable) -> int:
    return table.history(1).select("version").first()["version"]


def read_table(
    spark: SparkSession,
    table_uri: str,
    *,
    days: DayRange | None = None,
    version: int | None = None,
    timestamp: datetime | str | None = None,
) -> DataFrame:
    """The table's rows whose day is in ``days`` (default: all), pruned to those partitions' files.

    ``version`` or ``timestamp`` reads an earlier snapshot (Delta time travel); the default is the latest.
    """
    require_table(spark, table_uri)
    reader = spark.read.format("delta")
    if version is not None:
        reader = reader.option("versionAsOf", version)
    if timestamp is not None:
        reader = reader.option("timestampAsOf", str(timestamp))
    df = reader.load(table_uri)
    return df if days is None else df.where(days.sql_predicate())


def write_table(
    df: DataFrame,
    table_uri: str,
    *,
    mode: WriteMode,
    days: DayRange | None = None,
    commit_metadata: Mapping[str, str] | None = None,
) -> WriteResult:
    """Write ``df`` to the Delta table at ``table_uri`` in one commit, creating it (partitioned by ``dt``) if needed.

    ``mode="append"`` adds the rows. ``mode="overwrite"`` replaces the days of ``days`` (required): the commit
    removes those days' files and adds the new ones, and a row outside the range fails the write. An empty
    DataFrame still commits, so an overwrite with no rows empties its range. A refused write raises a
    ``DeltaTableError`` subclass naming the table and version, and leaves the table as it was.
    """
    if mode == "overwrite" and days is None:
        raise ValueError(f"table {table_uri}: an overwrite replaces a range of days; give days=DayRange(start, end)")
    write_id = uuid.uuid4().hex
    user_metadata = json.dumps({WRITE_ID_KEY: write_id, **(commit_metadata or {})}, sort_keys=True)
    # partitionBy is validated against an existing table's partitioning by Delta itself, so no look-up first.
    writer = df.write.format("delta").mode(mode).partitionBy(PARTITION_COLUMN).option("userMetadata", user_metadata)
    if days is not None and mode == "overwrite":
        writer = writer.option("replaceWhere", days.sql_predicate())
    for attempt, pause in enumerate((*_CONFLICT_BACKOFF_SECONDS, None)):
        try:
            writer.save(table_uri)
            break
        except _CONFLICTS:
            if pause is None:
                raise
            time.sleep(pause * (1 + attempt / 10))
        except Exception as exc:
            table_error = table_error_in(exc, table_uri, _version_if_exists(df.sparkSession, table_uri))
            if table_error is None:
                raise
            raise table_error from None  # Delta's message says it all; the Py4J trace would bury it
    return _commit_of(df.sparkSession, table_uri, write_id)


def history(spark: SparkSession, table_uri: str, limit: int | None = None) -> list[dict[str, Any]]:
    """The table's commits, newest first: version, timestamp, operation, its parameters and metrics, and the
    commit metadata our writes record (write id, Dagster run id)."""
    table = open_table(spark, table_uri)
    rows = (table.history(limit) if limit else table.history()).select(
        "version", "timestamp", "operation", "operationParameters", "operationMetrics", "userMetadata"
    )
    commits = []
    for row in rows.collect():
        commit = row.asDict()
        commit.update(_commit_metadata(commit.pop("userMetadata")))
        commits.append(commit)
    return commits


def _version_if_exists(spark: SparkSession, table_uri: str) -> int | None:
    return latest_version(DeltaTable.forPath(spark, table_uri)) if table_exists(spark, table_uri) else None


def _commit_metadata(user_metadata: str | None) -> dict[str, Any]:
    try:
        parsed = json.loads(user_metadata) if user_metadata else {}
    except json.JSONDecodeError:  # a commit another tool made, with free text
        return {"userMetadata": user_metadata}
    return parsed if isinstance(parsed, dict) else {"userMetadata": user_metadata}


# Commits by other writers can land between ours and our look-up: ours is nearly always the newest, rarely deeper.
_HISTORY_SEARCH_DEPTHS = (1, 50)


def _commit_of(spark: SparkSession, table_uri: str, write_id: str) -> WriteResult:
    for depth in _HISTORY_SEARCH_DEPTHS:
        commit = next((c for c in history(spark, table_uri, depth) if c.get(WRITE_ID_KEY) == write_id), None)
        if commit is not None:
            return _result(commit)
    raise DeltaTableError(
        f"{describe_table(table_uri, _version_if_exists(spark, table_uri))}: write {write_id} finished, but none of "
        f"the last {_HISTORY_SEARCH_DEPTHS[-1]} commits carries its id"
    )


def _result(commit: dict[str, Any]) -> WriteResult:
    metrics = {key: int(value) for key, value in (commit["operationMetrics"] or {}).items()}
    return WriteResult(
        version=commit["version"],
        rows=metrics.get("numOutputRows", 0),
        files_added=metrics.get("numFiles", 0),
        files_removed=metrics.get("numRemovedFiles", 0),
        bytes_added=metrics.get("numOutputBytes", 0),
        operation=commit["operation"],
    )
