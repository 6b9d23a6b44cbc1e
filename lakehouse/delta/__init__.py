"""The Delta engine: Spark writes and reads Delta tables through delta-rs, no JVM Delta jars needed.

A write is a Spark job through the ``lakehouse_delta`` Python data source: each task writes Parquet files under
``<table>/dt=YYYY-MM-DD/``, and the driver commits them all as one delta-rs transaction (an overwrite replaces a
range of days in that same commit). Reads prune by day, with Spark's own Parquet reader on local disk and the data
source elsewhere. No Dagster here: the IO manager calls this API, and so can scripts and tests.
"""

from lakehouse.delta.errors import (
    DeltaEngineError,
    PartitionColumnError,
    RowsOutsideRangeError,
    SchemaMismatchError,
    TableNotFoundError,
)
from lakehouse.delta.maintenance import delete_partitions_before, optimize, vacuum
from lakehouse.delta.read import read_table
from lakehouse.delta.snapshot import TableSnapshot, history, table_snapshot
from lakehouse.delta.write import WriteResult, write_table

__all__ = [
    "DeltaEngineError",
    "PartitionColumnError",
    "RowsOutsideRangeError",
    "SchemaMismatchError",
    "TableNotFoundError",
    "TableSnapshot",
    "WriteResult",
    "delete_partitions_before",
    "history",
    "optimize",
    "read_table",
    "table_snapshot",
    "vacuum",
    "write_table",
]
