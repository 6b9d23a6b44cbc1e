"""Bronze parsing: raw landing lines -> typed bronze rows, or quarantined lines with every reason they failed.

The rules are the contract in docs/design.md ("Cleaning rules → Records / Bronze"); a DuckDB cross-check
re-implements them independently, so change both together. The parse runs in Python over Arrow batches
(``mapInArrow``): one pass produces the typed columns plus ``_reason``; ``split_parsed`` then filters that frame
into the bronze table and the quarantine. Materialise the parsed frame (``localCheckpoint``) before splitting it,
or Spark parses every line twice.

Value rules, for both CSV fields and JSON values:
- empty (``""``, only whitespace, JSON ``null`` or a missing key) is null; a null required column is
  ``<column> is null``. Strings are otherwise kept verbatim.
- integers: optional sign and ASCII digits (JSON: an integer number), within 32 bits;
- money: a decimal number (exponent allowed) whose value is exact with 2 decimals and below 10^10 in magnitude;
- timestamps: ``YYYY-MM-DD[T ]HH:MM[:SS[.fraction]][Z|±HH[:MM]]`` (fraction truncated to microseconds);
  without an offset the time is UTC. Dates: ``YYYY-MM-DD``.
"""

import csv
import functools
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Final

import pyarrow as pa
import pyspark.sql.functions as F
import pyspark.sql.types as T
from pyspark.sql import DataFrame
from pyspark.sql.pandas.types import to_arrow_schema

from lakehouse.bronze.schemas import BRONZE_MODELS, Lineage
from lakehouse.landing.reader import LINES_SCHEMA
from lakehouse.raw.formats import CSV_SOURCES, JSON_FIELD_PATHS

REASON_COLUMN: Final = "_reason"
"""Null when the record is good; otherwise every reason it failed, joined by '; '."""
RAW_RECORD_COLUMN: Final = "_raw_record"
UNEXPECTED_COLUMN: Final = "_unexpected"
"""Columns (CSV header) or keys (JSON, nested ones as ``parent.key``) of the record that no bronze column reads."""

VALUE_RANGES: Final = {"web_logs": {"status": (100, 599)}}
"""Inclusive bounds that a parsed integer must respect."""

_INT32: Final = (-(2**31), 2**31 - 1)
_LINEAGE: Final = tuple(Lineage.to_schema().columns)


@dataclass(frozen=True)
class ParsedSource:
    bronze: DataFrame
    quarantine: DataFrame
    unexpected_columns: list[str]


@dataclass(frozen=True)
class _Column:
    """What the parser needs to know about one bronze column: derived from the pandera model on the driver."""

    name: str
    kind: str
    """One of "string", "integer", "decimal", "timestamp", "date"."""
    required: bool
    precision: int = 0
    scale: int = 0
    bounds: tuple[int, int] = _INT32


def parsed_schema(source: str) -> T.StructType:
    """The frame ``parse_lines`` returns: the bronze columns (nullable, since bad rows have none) and the extras."""
    bronze = BRONZE_MODELS[source].to_structtype()
    extras = [
        T.StructField(RAW_RECORD_COLUMN, T.StringType()),
        T.StructField(REASON_COLUMN, T.StringType()),
        T.StructField(UNEXPECTED_COLUMN, T.ArrayType(T.StringType())),
    ]
    return T.StructType([T.StructField(f.name, f.dataType, True) for f in bronze.fields] + extras)


def parse_lines(lines: DataFrame, source: str, *, run_id: str, ingested_at: datetime) -> DataFrame:
    """Parse landing lines (``lakehouse.landing.reader.LINES_SCHEMA``) of ``source`` into ``parsed_schema(source)``.

    ``ingested_at`` without a time zone is taken as UTC.
    """
    if source not in BRONZE_MODELS:
        raise ValueError(f"unknown source {source!r}, expected one of {sorted(BRONZE_MODELS)}")
    schema = parsed_schema(source)
    moment = ingested_at if ingested_at.tzinfo else ingested_at.replace(tzinfo=UTC)
    parse = functools.partial(
        _parse_batches,
        source=source,
        columns=_columns(source),
        run_id=run_id,
        ingested_at_us=_micros(moment),
        arrow_schema=to_arrow_schema(schema, timezone="UTC"),
    )
    return lines.select(*LINES_SCHEMA.fieldNames()).mapInArrow(parse, schema)


def split_parsed(parsed: DataFrame) -> tuple[DataFrame, DataFrame]:
    """(bronze rows, quarantined rows) of a ``parse_lines`` frame, in the exact bronze and quarantine schemas."""
    extras = (RAW_RECORD_COLUMN, REASON_COLUMN, UNEXPECTED_COLUMN)
    bronze = parsed.where(F.col(REASON_COLUMN).isNull()).select(*[c for c in parsed.columns if c not in extras])
    quarantine = parsed.where(F.col(REASON_COLUMN).isNotNull()).select(
        *_LINEAGE,
        F.col(RAW_RECORD_COLUMN).alias("raw_record"),
        F.col(REASON_COLUMN).alias("reason"),
    )
    return bronze, quarantine


def unexpected_columns(parsed: DataFrame) -> list[str]:
    """Sorted names of the columns or JSON keys that appeared in the raw records but map to no bronze column."""
    rows = parsed.select(F.explode(UNEXPECTED_COLUMN).alias("name")).distinct().collect()
    return sorted(row["name"] for row in rows)


def parse_source(lines: DataFrame, source: str, *, run_id: str, ingested_at: datetime) -> ParsedSource:
    """Parse once (checkpointed on the executors), then split; the returned frames do not re-parse."""
    parsed = parse_lines(lines, source, run_id=run_id, ingested_at=ingested_at).localCheckpoint()
    bronze, quarantine = split_parsed(parsed)
    return ParsedSource(bronze, quarantine, unexpected_columns(parsed))


def _columns(source: str) -> tuple[_Column, ...]:
    bounds = VALUE_RANGES.get(source, {})
    columns = []
    for name, column in BRONZE_MODELS[source].to_schema().columns.items():
        if name in _LINEAGE:
            continue
        spark_type = column.dtype.type
        required = not column.nullable
        if isinstance(spark_type, T.StringType):
            columns.append(_Column(name, "string", required))
        elif isinstance(spark_type, T.IntegerType):
            columns.append(_Column(name, "integer", required, bounds=bounds.get(name, _INT32)))
        elif isinstance(spark_type, T.DecimalType):
            columns.append(_Column(name, "decimal", required, spark_type.precision, spark_type.scale))
        elif isinstance(spark_type, T.TimestampType):
            columns.append(_Column(name, "timestamp", required))
        elif isinstance(spark_type, T.DateType):
            columns.append(_Column(name, "date", required))
        else:
            raise TypeError(f"bronze.{source}.{name}: no parser for {spark_type}")
    return tuple(columns)


# --- executor side: one Arrow batch of lines in, one Arrow batch of parsed rows out -----------------------------


def _parse_batches(
    batches: Iterator[pa.RecordBatch],
    *,
    source: str,
    columns: Sequence[_Column],
    run_id: str,
    ingested_at_us: int,
    arrow_schema: pa.Schema,
) -> Iterator[pa.RecordBatch]:
    record_parser = _CsvParser(columns) if source in CSV_SOURCES else _JsonParser(columns, JSON_FIELD_PATHS[source])
    for batch in batches:
        lines = batch.column("line").to_pylist()
        headers = batch.column("header").to_pylist()
        invalid = batch.column("invalid_utf8").to_pylist()
        values: list[list[Any]] = [[] for _ in columns]
        reasons: list[str | None] = []
        unexpected: list[list[str] | None] = []
        for line, header, bad_utf8 in zip(lines, headers, invalid, strict=True):
            record = _Record(["invalid UTF-8"] if bad_utf8 else [])
            parsed = record_parser.parse(line, header, record)
            for column_values, value in zip(values, parsed, strict=True):
                column_values.append(value)
            reasons.append("; ".join(dict.fromkeys(record.reasons)) if record.reasons else None)
            unexpected.append(record.unexpected or None)
        rows = batch.num_rows
        arrays = {
            "_source_file": batch.column("_source_file"),
            "_line_number": batch.column("_line_number"),
            "_ingested_at": pa.array([ingested_at_us] * rows, pa.timestamp("us", tz="UTC")),
            "_run_id": pa.array([run_id] * rows, pa.string()),
            "dt": batch.column("dt"),
            RAW_RECORD_COLUMN: batch.column("line"),
            REASON_COLUMN: pa.array(reasons, pa.string()),
            UNEXPECTED_COLUMN: pa.array(unexpected, pa.list_(pa.string())),
        }
        for column, column_values in zip(columns, values, strict=True):
            arrays[column.name] = pa.array(column_values, arrow_schema.field(column.name).type)
        yield pa.RecordBatch.from_arrays([arrays[field.name] for field in arrow_schema], schema=arrow_schema)


@dataclass
class _Record:
    reasons: list[str]
    unexpected: list[str] | None = None


class _CsvParser:
    def __init__(self, columns: Sequence[_Column]) -> None:
        self.columns = columns
        self.layouts: dict[str, _CsvLayout] = {}

    def parse(self, line: str, header: str | None, record: _Record) -> list[Any]:
        layout = self.layouts.get(header or "")
        if layout is None:
            layout = self.layouts[header or ""] = _CsvLayout.from_header(header or "", self.columns)
        if layout.missing:
            record.reasons.append(f"missing column(s) in header: {', '.join(layout.missing)}")
        record.unexpected = layout.unexpected
        try:
            fields = _split_csv(line)
        except csv.Error as error:  # e.g. a field beyond the csv module's size limit
            record.reasons.append(f"invalid CSV: {error}")
            return [None] * len(self.columns)
        if len(fields) != layout.width:
            record.reasons.append(f"expected {layout.width} fields, got {len(fields)}")
            return [None] * len(self.columns)
        return [
            None if index is None else _convert(column, fields[index], record.reasons)
            for column, index in zip(self.columns, layout.indexes, strict=True)
        ]


@dataclass(frozen=True)
class _CsvLayout:
    """How a header maps onto the bronze columns. Fields are found by name, so column order may change."""

    width: int
    indexes: tuple[int | None, ...]
    missing: tuple[str, ...]
    """Required columns absent from the header: every record of the file is quarantined."""
    unexpected: list[str] | None

    @classmethod
    def from_header(cls, header: str, columns: Sequence[_Column]) -> "_CsvLayout":
        try:
            names = [name.strip() for name in _split_csv(header)]
        except csv.Error:  # an unreadable header names no columns, so every required one is missing
            names = []
        position: dict[str, int] = {}
        for index, name in enumerate(names):
            position.setdefault(name, index)
        known = {column.name for column in columns}
        return cls(
            width=len(names),
            indexes=tuple(position.get(column.name) for column in columns),
            missing=tuple(c.name for c in columns if c.required and c.name not in position),
            unexpected=[name for name in names if name not in known] or None,
        )


def _split_csv(line: str) -> list[str]:
    return next(csv.reader([line]), [])


class _JsonParser:
    def __init__(self, columns: Sequence[_Column], paths: Mapping[str, tuple[str, ...]]) -> None:
        self.columns = columns
        self.paths = [paths[column.name] for column in columns]
        # The keys we read, per object: "" is the top level, "name" the object under key "name", and so on.
        self.known: dict[str, set[str]] = {"": set()}
        for path in self.paths:
            for depth in range(len(path)):
                self.known.setdefault(".".join(path[:depth]), set()).add(path[depth])

    def parse(self, line: str, header: str | None, record: _Record) -> list[Any]:
        try:
            document = json.loads(line, parse_float=Decimal)
        except ValueError as error:
            detail = f"{error.msg}: column {error.colno}" if isinstance(error, json.JSONDecodeError) else str(error)
            record.reasons.append(f"invalid JSON: {detail}")
            return [None] * len(self.columns)
        except RecursionError:
            record.reasons.append("invalid JSON: nested too deeply")
            return [None] * len(self.columns)
        if not isinstance(document, dict):
            record.reasons.append(f"invalid JSON: expected an object, got {_json_type(document)}")
            return [None] * len(self.columns)
        unexpected: list[str] = []
        self._collect_unexpected(document, "", unexpected)
        record.unexpected = unexpected or None
        return [
            _convert(column, self._lookup(document, path, record.reasons), record.reasons)
            for column, path in zip(self.columns, self.paths, strict=True)
        ]

    def _collect_unexpected(self, node: Mapping[str, Any], prefix: str, unexpected: list[str]) -> None:
        for key, value in node.items():
            name = f"{prefix}.{key}" if prefix else key
            if key not in self.known[prefix]:
                unexpected.append(name)
            elif name in self.known and isinstance(value, dict):
                self._collect_unexpected(value, name, unexpected)

    @staticmethod
    def _lookup(document: Mapping[str, Any], path: tuple[str, ...], reasons: list[str]) -> Any:
        node: Any = document
        for depth, key in enumerate(path):
            if node is None:
                return None
            if not isinstance(node, dict):
                reasons.append(f"{'.'.join(path[:depth])}: {_render(node)} is not an object")
                return None
            node = node.get(key)
        return node


# --- values ---------------------------------------------------------------------------------------------------

_INTEGER = re.compile(r"[+-]?[0-9]+")
_NUMBER = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?")
_TIMESTAMP = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,9})?)?(Z|[+-][0-9]{2}(:?[0-9]{2})?)?"
)
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def _convert(column: _Column, value: Any, reasons: list[str]) -> Any:
    """The typed value (as Arrow takes it) of a CSV field or JSON value; appends a reason and gives None if bad."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if column.required:
            reasons.append(f"{column.name} is null")
        return None
    if column.kind == "string":
        if isinstance(value, str):
            return value
        reasons.append(f"{column.name}: {_render(value)} is not a string")
        return None
    if column.kind == "integer":
        return _integer(column, value, reasons)
    if column.kind == "decimal":
        return _decimal(column, value, reasons)
    if column.kind == "timestamp":
        moment = _timestamp(value)
        if moment is None:
            reasons.append(f"{column.name}: {_render(value)} is not an ISO-8601 timestamp")
        return moment
    day = _date(value)
    if day is None:
        reasons.append(f"{column.name}: {_render(value)} is not a YYYY-MM-DD date")
    return day


def _integer(column: _Column, value: Any, reasons: list[str]) -> int | None:
    if isinstance(value, str) and _INTEGER.fullmatch(value.strip()):
        number = int(value.strip())
    elif isinstance(value, int) and not isinstance(value, bool):
        number = value
    else:
        reasons.append(f"{column.name}: {_render(value)} is not an integer")
        return None
    if not _INT32[0] <= number <= _INT32[1]:
        reasons.append(f"{column.name}: {_render(value)} does not fit a 32-bit integer")
        return None
    low, high = column.bounds
    if not low <= number <= high:
        reasons.append(f"{column.name}: {_render(value)} is outside {low}-{high}")
        return None
    return number


def _decimal(column: _Column, value: Any, reasons: list[str]) -> Decimal | None:
    if isinstance(value, str) and _NUMBER.fullmatch(value.strip()):
        number = Decimal(value.strip())
    elif isinstance(value, Decimal | int) and not isinstance(value, bool):
        number = Decimal(value)
    else:
        reasons.append(f"{column.name}: {_render(value)} is not a decimal")
        return None
    quantum = Decimal(1).scaleb(-column.scale)
    try:
        fits = abs(number) < Decimal(10) ** (column.precision - column.scale) and number == number.quantize(quantum)
    except InvalidOperation:  # the exponent is too large to quantize at all
        fits = False
    if not fits:
        reasons.append(f"{column.name}: {_render(value)} does not fit DECIMAL({column.precision},{column.scale})")
        return None
    return number.quantize(quantum)


def _timestamp(value: Any) -> int | None:
    """Microseconds since the epoch (UTC), or None if ``value`` is not an ISO-8601 timestamp."""
    if not isinstance(value, str) or not _TIMESTAMP.fullmatch(value.strip()):
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:  # e.g. month 13
        return None
    return _micros(moment if moment.tzinfo else moment.replace(tzinfo=UTC))


def _date(value: Any) -> date | None:
    if not isinstance(value, str) or not _DATE.fullmatch(value.strip()):
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        return None


def _micros(moment: datetime) -> int:
    return (moment - _EPOCH) // _MICROSECOND


def _render(value: Any) -> str:
    """A value as a reason quotes it: strings in quotes, JSON values as JSON."""
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, Decimal):
        return str(value)
    return json.dumps(value, default=str, ensure_ascii=False)


def _json_type(value: Any) -> str:
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    if value is None:
        return "null"
    return "a number"
