"""``write_table``: a distributed Spark write that lands as one Delta commit."""

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date

from pyspark.sql import DataFrame

from lakehouse.delta.datasource import DeltaDataSource, make_findable
from lakehouse.delta.errors import DeltaEngineError, engine_error_in
from lakehouse.delta.options import WriteMode, WriteOptions
from lakehouse.delta.schema import check_write_schema
from lakehouse.delta.table import find_commit, open_table_if_exists
from lakehouse.storage import filesystem_for, join_uri


@dataclass(frozen=True)
class WriteResult:
    """What the commit of a write did. ``partitions``: the days that received rows, sorted 'YYYY-MM-DD'."""

    version: int
    rows: int
    files_added: int
    files_removed: int
    partitions: list[str]


def write_table(
    df: DataFrame,
    table_uri: str,
    *,
    mode: WriteMode,
    partition_column: str = "dt",
    replace_range: tuple[date, date] | None = None,
    storage_options: Mapping[str, str] | None = None,
    commit_metadata: Mapping[str, str] | None = None,
) -> WriteResult:
    """Write ``df`` to the Delta table at ``table_uri`` in one commit, creating the table if needed.

    ``mode="append"`` adds the rows. ``mode="overwrite"`` replaces the days in ``replace_range`` = [start, end)
    (required): the commit removes every file of those days and adds the new ones, and a row outside the range
    fails the write. An empty DataFrame still commits, so an overwrite with no rows empties its range.
    Every refused or failed write leaves the table at its version and raises a ``DeltaEngineError`` subclass
    (or the Spark error of the failed job); the files the tasks wrote are deleted.
    """
    options = WriteOptions(
        table_uri=table_uri,
        partition_column=partition_column,
        replace_range=replace_range,
        storage_options=dict(storage_options or {}),
        commit_metadata=dict(commit_metadata or {}),
    )
    options.check_mode(mode)
    # Checked here, before Spark starts a job, so the caller gets the error itself rather than a failed job.
    table = open_table_if_exists(table_uri, storage_options)
    check_write_schema(df.schema, table_uri, table, partition_column)
    read_version = table.version() if table is not None else None
    options = replace(options, read_version=read_version)
    make_findable(df.sparkSession)
    try:
        df.write.format(DeltaDataSource.name()).mode(mode).options(**options.to_spark()).save(table_uri)
    except Exception as exc:
        engine_error = engine_error_in(exc)
        if engine_error is None:
            raise
        raise engine_error from None  # the worker's message says it all; the Py4J trace would bury it
    version = find_commit(table_uri, options.write_id, read_version, storage_options)
    if version is None:
        raise DeltaEngineError(f"table {table_uri}: write {options.write_id} finished but no commit carries its id")
    return _commit_result(table_uri, version, storage_options)


def _commit_result(table_uri: str, version: int, storage_options: Mapping[str, str] | None) -> WriteResult:
    """Read what the commit did from its log entry: delta-rs keeps no write metrics for transactions we build."""
    fs, path = filesystem_for(join_uri(table_uri, "_delta_log", f"{version:020d}.json"), storage_options)
    with fs.open_input_stream(path) as entry:
        actions = [json.loads(line) for line in entry.read().decode().splitlines() if line.strip()]
    added = [action["add"] for action in actions if "add" in action]
    return WriteResult(
        version=version,
        rows=sum(json.loads(add.get("stats") or "{}").get("numRecords", 0) for add in added),
        files_added=len(added),
        files_removed=sum(1 for action in actions if "remove" in action),
        partitions=sorted({value for add in added for value in add["partitionValues"].values() if value}),
    )
