"""Opening a table through delta-rs, and finding a write's commit in its history."""

from collections.abc import Mapping
from datetime import date

from deltalake import DeltaTable
from deltalake.exceptions import TableNotFoundError as DeltaRsTableNotFoundError

from lakehouse.delta.errors import PartitionColumnError, TableNotFoundError, describe_table

# Every commit our writer makes carries its write's id in the commit info, so the process that started the write
# can find the version Spark's commit (which runs in another Python process) produced.
WRITE_ID_KEY = "lakehouse.writeId"


def open_table(
    table_uri: str, storage_options: Mapping[str, str] | None = None, version: int | None = None
) -> DeltaTable:
    table = open_table_if_exists(table_uri, storage_options, version)
    if table is None:
        raise TableNotFoundError(f"no Delta table at {table_uri}")
    return table


def open_table_if_exists(
    table_uri: str, storage_options: Mapping[str, str] | None = None, version: int | None = None
) -> DeltaTable | None:
    try:
        return DeltaTable(table_uri, version=version, storage_options=dict(storage_options or {}) or None)
    except DeltaRsTableNotFoundError:
        return None


def find_commit(
    table_uri: str, write_id: str, after_version: int | None, storage_options: Mapping[str, str] | None = None
) -> int | None:
    """The version committed by write ``write_id``, looking only at commits after ``after_version`` (None: all)."""
    table = open_table_if_exists(table_uri, storage_options)
    if table is None:
        return None
    newer_commits = table.version() - (after_version if after_version is not None else -1)
    if newer_commits <= 0:
        return None
    for commit in table.history(newer_commits):
        if commit.get(WRITE_ID_KEY) == write_id:
            return int(commit["version"])
    return None


def partition_column_of(table: DeltaTable, table_uri: str) -> str:
    """The table's one partition column: ranges of days only mean something on a table partitioned by day."""
    columns = table.metadata().partition_columns
    if len(columns) != 1:
        raise PartitionColumnError(
            f"{describe_table(table_uri, table.version())}: a range of days needs one partition column, "
            f"the table has {columns}"
        )
    return columns[0]


def range_filter(
    table: DeltaTable, table_uri: str, dt_range: tuple[date, date] | None
) -> list[tuple[str, str, str]] | None:
    """The delta-rs partition filter selecting the files of [start, end), or None for the whole table."""
    if dt_range is None:
        return None
    column = partition_column_of(table, table_uri)
    return [(column, ">=", dt_range[0].isoformat()), (column, "<", dt_range[1].isoformat())]
