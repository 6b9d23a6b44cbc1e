"""``lakehouse_delta``: the Spark Python data source that reads and writes Delta tables through delta-rs.

Spark runs each method in a Python worker: ``writer()``/``reader()`` and ``commit()``/``abort()`` on the driver's
machine, ``write()``/``read()`` in the tasks. So every object here must pickle, and nothing may rely on the
process that started the job.
"""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from deltalake import DeltaTable
from pyspark.sql import SparkSession
from pyspark.sql.datasource import (
    DataSource,
    DataSourceArrowWriter,
    DataSourceReader,
    EqualTo,
    Filter,
    GreaterThan,
    GreaterThanOrEqual,
    In,
    InputPartition,
    LessThan,
    LessThanOrEqual,
    WriterCommitMessage,
)
from pyspark.sql.types import StructType

from lakehouse.delta.commit import commit_files
from lakehouse.delta.errors import describe_table
from lakehouse.delta.files import DataFile, FileTarget, delete_files, write_partitioned
from lakehouse.delta.options import (
    VERSION,
    WriteMode,
    WriteOptions,
    storage_options_from,
    table_uri_from,
)
from lakehouse.delta.schema import arrow_schema, check_write_schema, portable, spark_schema, without_column
from lakehouse.delta.table import find_commit, open_table, open_table_if_exists
from lakehouse.storage import filesystem_for

PartitionFilter = tuple[str, str, Any]

_COMPARISONS: dict[type[Filter], str] = {
    EqualTo: "=",
    GreaterThan: ">",
    GreaterThanOrEqual: ">=",
    LessThan: "<",
    LessThanOrEqual: "<=",
}


def make_findable(spark: SparkSession) -> None:
    """Make the current thread find ``lakehouse_delta``: call before each use of the format.

    Spark looks Python data sources up in the JVM's *active* session, which is per thread, and a thread that has
    not created a DataFrame has none: a write from a worker thread then fails with DATA_SOURCE_NOT_FOUND.
    PySpark's own createDataFrame activates the session the same way.
    """
    SparkSession._get_j_spark_session_class(spark._jvm).setActiveSession(spark._jsparkSession)


class DeltaDataSource(DataSource):
    """Options: the table URI as path (``.save(uri)``, ``.load(uri)``); see ``lakehouse.delta.options`` for the rest."""

    @classmethod
    def name(cls) -> str:
        return "lakehouse_delta"

    def schema(self) -> StructType:
        return spark_schema(self._table())

    def reader(self, schema: StructType) -> "DeltaReader":
        table = self._table()
        partition_columns = table.metadata().partition_columns
        return DeltaReader(
            table_uri=table_uri_from(self.options),
            storage_options=storage_options_from(self.options),
            version=table.version(),
            partition_column=partition_columns[0] if partition_columns else None,
            schema=schema,
        )

    def writer(self, schema: StructType, overwrite: bool) -> "DeltaWriter":
        options = WriteOptions.from_spark(self.options)
        mode: WriteMode = "overwrite" if overwrite else "append"
        options.check_mode(mode)
        table = open_table_if_exists(options.table_uri, options.storage_options, options.read_version)
        check_write_schema(schema, options.table_uri, table, options.partition_column)
        # Write in the table's column order and types; a new table takes the DataFrame's, all columns nullable.
        table_schema = spark_schema(table) if table is not None else portable(schema)
        return DeltaWriter(replace(options, read_version=table.version() if table else None), mode, table_schema)

    def _table(self) -> DeltaTable:
        version = self.options.get(VERSION)
        return open_table(
            table_uri_from(self.options), storage_options_from(self.options), int(version) if version else None
        )


@dataclass
class DeltaCommitMessage(WriterCommitMessage):
    files: list[DataFile]


def _files_in(messages: Sequence[WriterCommitMessage | None]) -> list[DataFile]:
    # A failed task leaves None in its slot.
    return [f for message in messages if isinstance(message, DeltaCommitMessage) for f in message.files]


class DeltaWriter(DataSourceArrowWriter):
    def __init__(self, options: WriteOptions, mode: WriteMode, table_schema: StructType) -> None:
        self.options = options
        self.mode = mode
        self.table_schema = table_schema

    def write(self, iterator: Iterator[pa.RecordBatch]) -> DeltaCommitMessage:
        options = self.options
        target = FileTarget(
            table_uri=options.table_uri,
            storage_options=options.storage_options,
            partition_column=options.partition_column,
            file_schema=arrow_schema(without_column(self.table_schema, options.partition_column)),
            replace_range=options.replace_range,
            table_description=describe_table(options.table_uri, options.read_version),
        )
        return DeltaCommitMessage(write_partitioned(iterator, target))

    def commit(self, messages: list[WriterCommitMessage | None]) -> None:
        commit_files(self.options, self.mode, self.table_schema, _files_in(messages))

    def abort(self, messages: list[WriterCommitMessage | None]) -> None:
        options = self.options
        # Spark also aborts when commit() raised; if that commit landed after all, its files belong to the table.
        if find_commit(options.table_uri, options.write_id, options.read_version, options.storage_options) is None:
            delete_files(options.table_uri, options.storage_options, [f.path for f in _files_in(messages)])


@dataclass
class DataFileInput(InputPartition):
    """One input partition per data file: its URI and its partition value from the Delta log."""

    uri: str
    partition_value: str | None


class DeltaReader(DataSourceReader):
    def __init__(
        self,
        table_uri: str,
        storage_options: dict[str, str],
        version: int,
        partition_column: str | None,
        schema: StructType,
    ) -> None:
        self.table_uri = table_uri
        self.storage_options = storage_options
        self.version = version  # every method reads the snapshot whose schema Spark planned with
        self.partition_column = partition_column
        self.schema = schema
        self.partition_filters: list[PartitionFilter] = []

    def pushFilters(self, filters: list[Filter]) -> Iterator[Filter]:
        """Take the comparisons on the partition column (pruning by them is exact); Spark evaluates the rest."""
        for spark_filter in filters:
            partition_filter = _partition_filter(spark_filter, self.partition_column)
            if partition_filter is None:
                yield spark_filter
            else:
                self.partition_filters.append(partition_filter)

    def partitions(self) -> list[DataFileInput]:
        table = open_table(self.table_uri, self.storage_options, self.version)
        if self.partition_column is None:
            return [DataFileInput(uri, None) for uri in table.file_uris()]
        column = self.partition_column
        values = sorted(p[column] for p in table.partitions(file_pruning_predicate=self.partition_filters or None))
        return [
            DataFileInput(uri, value)
            for value in values
            for uri in table.file_uris(file_pruning_predicate=[(column, "=", value)])
        ]

    def read(self, partition: InputPartition) -> Iterator[pa.RecordBatch]:
        if not isinstance(partition, DataFileInput):
            return  # no file matched: Spark then plans one default InputPartition(None) instead of none
        output = arrow_schema(self.schema)
        stored = [name for name in output.names if name != self.partition_column]
        fs, path = filesystem_for(partition.uri, self.storage_options)
        with fs.open_input_file(path) as source:
            for batch in pq.ParquetFile(source).iter_batches(columns=stored):
                columns = {name: batch.column(name) for name in stored}
                if self.partition_column is not None:
                    value = date.fromisoformat(partition.partition_value) if partition.partition_value else None
                    columns[self.partition_column] = pa.repeat(pa.scalar(value, pa.date32()), batch.num_rows)
                arrays = [columns[name] for name in output.names]
                yield pa.RecordBatch.from_arrays(arrays, names=output.names).cast(output)


def _partition_filter(spark_filter: Filter, partition_column: str | None) -> PartitionFilter | None:
    """The delta-rs pruning filter equivalent to a Spark filter on the partition column, if there is one."""
    if partition_column is None or getattr(spark_filter, "attribute", None) != (partition_column,):
        return None
    if isinstance(spark_filter, In) and all(_is_date(v) for v in spark_filter.value):
        return (partition_column, "in", [v.isoformat() for v in spark_filter.value])
    operator = _COMPARISONS.get(type(spark_filter))
    value = getattr(spark_filter, "value", None)
    if operator is None or not _is_date(value):
        return None
    return (partition_column, operator, value.isoformat())


def _is_date(value: object) -> bool:
    return isinstance(value, date) and not isinstance(value, datetime)
