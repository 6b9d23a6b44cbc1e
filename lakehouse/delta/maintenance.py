"""Table maintenance, straight through delta-rs: vacuum, compaction, retention."""

from collections.abc import Mapping
from datetime import date
from typing import Any

from lakehouse.delta.errors import PartitionColumnError, describe_table
from lakehouse.delta.table import open_table, range_filter
from lakehouse.storage import is_local, local_path


def vacuum(
    table_uri: str,
    retention_hours: int = 168,
    dry_run: bool = False,
    storage_options: Mapping[str, str] | None = None,
) -> list[str]:
    """Delete the data files no snapshot of the last ``retention_hours`` needs; return them, relative to the root.

    A full vacuum: it also deletes files no commit ever referenced (left by a write that was killed before it
    could clean up), if they are older than the retention. The caller's ``retention_hours`` is honoured even
    below the table's configured retention: readers of snapshots older than that lose their files.
    """
    table = open_table(table_uri, storage_options)
    deleted = table.vacuum(
        retention_hours=retention_hours, dry_run=dry_run, enforce_retention_duration=False, full=True
    )
    # delta-rs mixes relative paths with absolute ones (for tombstones whose file an earlier vacuum deleted already).
    root = table.table_uri.rstrip("/") + "/"
    prefixes = (root, local_path(root)) if is_local(root) else (root,)
    return [_strip_prefixes(path, prefixes) for path in deleted]


def _strip_prefixes(path: str, prefixes: tuple[str, ...]) -> str:
    for prefix in prefixes:
        if path.startswith(prefix):
            return path.removeprefix(prefix)
    return path


def optimize(
    table_uri: str, dt_range: tuple[date, date] | None = None, storage_options: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Compact the small files of each partition in ``dt_range`` = [start, end) (default: all) in one commit.

    Returns delta-rs's metrics (numFilesAdded, numFilesRemoved, partitionsOptimized, ...).
    """
    table = open_table(table_uri, storage_options)
    return table.optimize.compact(partition_filters=range_filter(table, table_uri, dt_range))


def delete_partitions_before(
    table_uri: str, cutoff: date, partition_column: str = "dt", storage_options: Mapping[str, str] | None = None
) -> int:
    """Retention: remove every partition before ``cutoff`` in one commit; return the number of files removed.

    Whole files go (a metadata-only delete, nothing is rewritten); ``vacuum`` frees the storage later.
    Without a partition to remove, nothing is committed.
    """
    table = open_table(table_uri, storage_options)
    if table.metadata().partition_columns != [partition_column]:
        raise PartitionColumnError(
            f"{describe_table(table_uri, table.version())}: the table is partitioned by "
            f"{table.metadata().partition_columns}, not by {partition_column!r}"
        )
    if not table.file_uris(file_pruning_predicate=[(partition_column, "<", cutoff.isoformat())]):
        return 0
    metrics = table.delete(predicate=f"\"{partition_column}\" < '{cutoff.isoformat()}'")
    return int(metrics["num_removed_files"])
