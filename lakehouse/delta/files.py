"""The task side of a write: Arrow batches in, one Parquet file per partition value out, each one a ``DataFile``.

Files go to ``<table>/<column>=YYYY-MM-DD/part-<uuid>.parquet`` through ``lakehouse.storage``, so local disk and S3
behave alike. The partition column is not stored in the file: Delta keeps it in the log (and the directory name).
"""

import contextlib
import time
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.fs as pafs
import pyarrow.parquet as pq
from deltalake.transaction import AddAction

from lakehouse.delta.errors import PartitionColumnError, RowsOutsideRangeError
from lakehouse.delta.stats import FileStats
from lakehouse.storage import filesystem_for

# How many offending partition values an error message lists.
_SHOWN_VALUES = 5

# Spark hands a task 10k-row Arrow batches; a row group for each would fragment the files for every reader.
ROW_GROUP_ROWS = 128 * 1024


@dataclass(frozen=True)
class DataFile:
    """A Parquet file a task wrote, as the Delta log will describe it."""

    path: str  # relative to the table root, as the log stores it
    partition_value: str  # 'YYYY-MM-DD'
    size: int
    modification_time: int  # milliseconds since the epoch
    stats: str

    def add_action(self, partition_column: str) -> AddAction:
        return AddAction(
            path=self.path,
            size=self.size,
            partition_values={partition_column: self.partition_value},
            modification_time=self.modification_time,
            data_change=True,
            stats=self.stats,
        )


@dataclass(frozen=True)
class FileTarget:
    """Where and how a task writes: shipped (pickled) to every task of the write."""

    table_uri: str
    storage_options: Mapping[str, str]
    partition_column: str
    file_schema: pa.Schema  # the table's columns without the partition column, as stored in the files
    replace_range: tuple[date, date] | None  # rows must fall inside it: an overwrite replaces exactly this range
    table_description: str  # names the table and version in error messages


def write_partitioned(batches: Iterable[pa.RecordBatch], target: FileTarget) -> list[DataFile]:
    """Write the batches, one file per partition value. On any failure, delete what was written and re-raise."""
    writer = _PartitionedWriter(target)
    try:
        for batch in batches:
            writer.write(batch)
        return writer.close()
    except BaseException:
        writer.discard()
        raise


def delete_files(table_uri: str, storage_options: Mapping[str, str], paths: Iterable[str]) -> None:
    """Delete data files given by their table-relative paths; files already gone are fine."""
    fs, root = filesystem_for(table_uri, storage_options)
    for path in paths:
        _delete_quietly(fs, f"{root}/{path}")


def _delete_quietly(fs: pafs.FileSystem, path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        fs.delete_file(path)


class _OpenFile:
    def __init__(self, fs: pafs.FileSystem, root: str, target: FileTarget, day: date) -> None:
        self.relative_path = f"{target.partition_column}={day.isoformat()}/part-{uuid.uuid4()}.parquet"
        self.full_path = f"{root}/{self.relative_path}"
        self.day = day
        if isinstance(fs, pafs.LocalFileSystem):  # object stores have no directories to create
            fs.create_dir(self.full_path.rsplit("/", 1)[0], recursive=True)
        self._fs = fs
        self._writer = pq.ParquetWriter(self.full_path, target.file_schema, filesystem=fs)
        self._stats = FileStats(target.file_schema)
        self._pending: list[pa.RecordBatch] = []
        self._pending_rows = 0

    def write(self, batch: pa.RecordBatch) -> None:
        self._stats.add(batch)
        self._pending.append(batch)
        self._pending_rows += batch.num_rows
        if self._pending_rows >= ROW_GROUP_ROWS:
            self._flush()

    def _flush(self) -> None:
        if self._pending:
            self._writer.write_table(pa.Table.from_batches(self._pending), row_group_size=ROW_GROUP_ROWS)
        self._pending, self._pending_rows = [], 0

    def close(self) -> DataFile:
        self._flush()
        self._writer.close()
        return DataFile(
            path=self.relative_path,
            partition_value=self.day.isoformat(),
            size=self._fs.get_file_info(self.full_path).size,
            modification_time=time.time_ns() // 1_000_000,
            stats=self._stats.to_json(),
        )

    def discard(self) -> None:
        try:
            self._writer.close()
        finally:
            _delete_quietly(self._fs, self.full_path)


class _PartitionedWriter:
    def __init__(self, target: FileTarget) -> None:
        self._target = target
        self._fs, self._root = filesystem_for(target.table_uri, target.storage_options)
        self._files: dict[date, _OpenFile] = {}

    def write(self, batch: pa.RecordBatch) -> None:
        days = batch.column(self._target.partition_column)
        self._check_partition_values(days)
        data = batch.select(self._target.file_schema.names).cast(self._target.file_schema)
        distinct_days = pc.unique(days).to_pylist()
        for day in distinct_days:
            rows = data if len(distinct_days) == 1 else data.filter(pc.equal(days, pa.scalar(day, days.type)))
            self._file_for(day).write(rows)

    def _check_partition_values(self, days: pa.Array) -> None:
        target = self._target
        if days.null_count:
            raise PartitionColumnError(
                f"{target.table_description}: {days.null_count} rows have a null {target.partition_column!r}; "
                "every row needs a partition value"
            )
        if target.replace_range is None:
            return
        start, end = target.replace_range
        outside = days.filter(pc.or_(pc.less(days, pa.scalar(start)), pc.greater_equal(days, pa.scalar(end))))
        if len(outside):
            values = sorted(pc.unique(outside).to_pylist())
            shown = ", ".join(v.isoformat() for v in values[:_SHOWN_VALUES])
            more = f" and {len(values) - _SHOWN_VALUES} more" if len(values) > _SHOWN_VALUES else ""
            raise RowsOutsideRangeError(
                f"{target.table_description}: rows with {target.partition_column} = {shown}{more} fall outside "
                f"the replaced range [{start}, {end})"
            )

    def _file_for(self, day: date) -> _OpenFile:
        if day not in self._files:
            self._files[day] = _OpenFile(self._fs, self._root, self._target, day)
        return self._files[day]

    def close(self) -> list[DataFile]:
        return [open_file.close() for open_file in self._files.values()]

    def discard(self) -> None:
        for open_file in self._files.values():
            try:
                open_file.discard()
            except Exception:  # best effort: the original failure is the one to report
                continue
