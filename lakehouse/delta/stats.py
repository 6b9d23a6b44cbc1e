"""Per-file Delta statistics (numRecords, minValues, maxValues, nullCount), accumulated batch by batch.

Readers skip files with these bounds (delta-rs, DuckDB, Spark), so a bound may be loose but never wrong:
timestamps are stored in milliseconds (floor for minimums, ceiling for maximums), long strings keep a prefix as
minimum and no maximum, decimals keep every digit, and a float column with NaN or infinities gets no bounds.
"""

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

# Delta's convention (Spark's dataSkippingStringPrefixLength): long strings only need a prefix to prune.
STRING_PREFIX_LENGTH = 32


class FileStats:
    """Statistics of one data file, fed the batches written to it."""

    def __init__(self, schema: pa.Schema) -> None:
        self._rows = 0
        # Delta nests the statistics of struct fields; plain columns cover every type our tables use.
        self._columns = [field.name for field in schema if not pa.types.is_struct(field.type)]
        self._bounded = {field.name for field in schema if _has_bounds(field.type)}
        self._null_counts = dict.fromkeys(self._columns, 0)
        self._minimums: dict[str, Any] = {}
        self._maximums: dict[str, Any] = {}
        self._unbounded: set[str] = set()

    def add(self, batch: pa.RecordBatch) -> None:
        self._rows += batch.num_rows
        for name in self._columns:
            column = batch.column(name)
            self._null_counts[name] += column.null_count
            if name in self._bounded and name not in self._unbounded:
                self._add_bounds(name, column)

    def _add_bounds(self, name: str, column: pa.Array) -> None:
        if pa.types.is_floating(column.type) and not pc.all(pc.is_finite(column)).as_py():
            self._unbounded.add(name)
            return
        bounds = pc.min_max(column)
        low, high = bounds["min"].as_py(), bounds["max"].as_py()
        if low is None:
            return
        self._minimums[name] = low if name not in self._minimums else min(self._minimums[name], low)
        self._maximums[name] = high if name not in self._maximums else max(self._maximums[name], high)

    def to_json(self) -> str:
        """The ``stats`` string of the file's add action."""
        minimums = {name: _lower_bound(v) for name, v in self._minimums.items() if name not in self._unbounded}
        maximums = {name: _upper_bound(v) for name, v in self._maximums.items() if name not in self._unbounded}
        parts = {
            "numRecords": str(self._rows),
            "minValues": _json_object({k: v for k, v in minimums.items() if v is not None}),
            "maxValues": _json_object({k: v for k, v in maximums.items() if v is not None}),
            "nullCount": _json_object({name: str(count) for name, count in self._null_counts.items()}),
        }
        return _json_object(parts)


def _has_bounds(arrow_type: pa.DataType) -> bool:
    # Booleans and binaries get no bounds, as in Delta's own writer: they prune almost nothing.
    return (
        pa.types.is_integer(arrow_type)
        or pa.types.is_floating(arrow_type)
        or pa.types.is_decimal(arrow_type)
        or pa.types.is_date(arrow_type)
        or pa.types.is_timestamp(arrow_type)
        or pa.types.is_string(arrow_type)
        or pa.types.is_large_string(arrow_type)
    )


def _json_object(members: dict[str, str]) -> str:
    """A JSON object from already encoded member values (json.dumps cannot write a Decimal without rounding it)."""
    return "{" + ",".join(f"{json.dumps(name)}:{value}" for name, value in members.items()) + "}"


def _lower_bound(value: Any) -> str | None:
    if isinstance(value, str):
        return json.dumps(value[:STRING_PREFIX_LENGTH])
    if isinstance(value, datetime):
        return _timestamp(value.replace(microsecond=value.microsecond // 1000 * 1000))
    return _scalar(value)


def _upper_bound(value: Any) -> str | None:
    if isinstance(value, str):
        return json.dumps(value) if len(value) <= STRING_PREFIX_LENGTH else None
    if isinstance(value, datetime):
        sub_millisecond = value.microsecond % 1000
        return _timestamp(value + timedelta(microseconds=1000 - sub_millisecond) if sub_millisecond else value)
    return _scalar(value)


def _timestamp(value: datetime) -> str:
    # Delta writes timestamp statistics in UTC with millisecond precision; timestamp_ntz ones without a zone.
    if value.tzinfo is None:
        return json.dumps(value.isoformat(timespec="milliseconds"))
    return json.dumps(value.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="milliseconds") + "Z")


def _scalar(value: Any) -> str:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, date):
        return json.dumps(value.isoformat())
    return json.dumps(value)  # integers, and floats (finite: see FileStats._add_bounds)
