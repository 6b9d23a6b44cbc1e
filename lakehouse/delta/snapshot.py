"""What a table holds now, and what happened to it: for asset metadata, checks and operators."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from lakehouse.delta.table import open_table


@dataclass(frozen=True)
class TableSnapshot:
    """The latest version of a table, read from its log alone (no data file is opened).

    ``rows`` sums the files' numRecords statistics, ``files`` counts the data files, ``partitions`` lists the
    partition values ('YYYY-MM-DD') that hold files, sorted.
    """

    version: int
    partitions: list[str]
    rows: int
    files: int


def table_snapshot(table_uri: str, storage_options: Mapping[str, str] | None = None) -> TableSnapshot:
    table = open_table(table_uri, storage_options)
    add_actions = pa.table(table.get_add_actions(flatten=True))
    columns = table.metadata().partition_columns
    return TableSnapshot(
        version=table.version(),
        partitions=sorted({p[columns[0]] for p in table.partitions()}) if columns else [],
        rows=pc.sum(add_actions["num_records"]).as_py() or 0,
        files=add_actions.num_rows,
    )


def history(
    table_uri: str, limit: int | None = None, storage_options: Mapping[str, str] | None = None
) -> list[dict[str, Any]]:
    """The commit infos, newest first, each with its ``version`` (and our writes' custom commit metadata)."""
    return open_table(table_uri, storage_options).history(limit)
