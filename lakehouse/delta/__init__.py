"""Delta Lake tables, read and written by Spark through delta-spark, partitioned by day.

No Dagster here: the IO manager, the checks, scripts and tests call this API. delta-rs (``table_snapshot``) only
reads, as an independent check that the tables are standard Delta.
"""

from lakehouse.delta.constraints import TableConstraints, ensure_constraints
from lakehouse.delta.errors import (
    ConstraintViolationError,
    DeltaTableError,
    PartitionColumnError,
    RowsOutsideRangeError,
    SchemaMismatchError,
    TableNotFoundError,
)
from lakehouse.delta.maintenance import DroppedPartitions, delete_partitions_before, optimize, vacuum
from lakehouse.delta.snapshot import TableSnapshot, table_snapshot
from lakehouse.delta.tables import WriteResult, history, read_table, table_exists, write_table

__all__ = [
    "ConstraintViolationError",
    "DeltaTableError",
    "DroppedPartitions",
    "PartitionColumnError",
    "RowsOutsideRangeError",
    "SchemaMismatchError",
    "TableConstraints",
    "TableNotFoundError",
    "TableSnapshot",
    "WriteResult",
    "delete_partitions_before",
    "ensure_constraints",
    "history",
    "optimize",
    "read_table",
    "table_exists",
    "table_snapshot",
    "vacuum",
    "write_table",
]
