"""What a table holds now, read by delta-rs from the log alone: an independent reader of what Spark wrote.

The summary uses it, so ``lakehouse summary`` starts no JVM, and the tests use it to prove the tables are standard
Delta. It never writes.
"""

from collections.abc import Mapping
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc
from deltalake import DeltaTable as DeltaRsTable
from deltalake.exceptions import TableNotFoundError as DeltaRsTableNotFoundError

from lakehouse.delta.errors import TableNotFoundError


@dataclass(frozen=True)
class TableSnapshot:
    """One version of a table (the latest unless asked). ``rows`` sums the files' numRecords statistics, which
    delta-spark writes for every file, ``files`` counts the data files, ``partitions`` lists the partition values
    ('YYYY-MM-DD') that hold files, sorted."""

    version: int
    partitions: list[str]
    rows: int
    files: int


def open_with_delta_rs(
    table_uri: str, storage_options: Mapping[str, str] | None = None, version: int | None = None
) -> DeltaRsTable:
    try:
        return DeltaRsTable(table_uri, version=version, storage_options=dict(storage_options or {}) or None)
    except DeltaRsTableNotFoundError:
        raise TableNotFoundError(f"no Delta table at {table_uri}") from None


def table_snapshot(
    table_uri: str, storage_options: Mapping[str, str] | None = None, version: int | None = None
) -> TableSnapshot:
    """The table at ``version`` (default: the latest), from its log alone: no data file is read."""
    table = open_with_delta_rs(table_uri, storage_options, version)
    add_actions = pa.table(table.get_add_actions(flatten=True))
    columns = table.metadata().partition_columns
    return TableSnapshot(
        version=table.version(),
        partitions=sorted({p[columns[0]] for p in table.partitions()}) if columns else [],
        rows=pc.sum(add_actions["num_records"]).as_py() or 0 if add_actions.num_rows else 0,
        files=add_actions.num_rows,
    )
