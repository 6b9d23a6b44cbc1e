"""Bronze parsing: raw landing lines -> typed bronze rows, or quarantined lines with every reason they failed.

The rules are the contract in docs/design.md ("Cleaning rules → Records / Bronze"); a DuckDB cross-check
re-implements them independently, so change both together. The parse is Spark SQL expressions only, evaluated in
the JVM (no Python per row): one projection produces the typed columns plus ``_reason``; ``split_parsed`` then
filters that frame into the bronze table and the quarantine. Materialise the parsed frame (``localCheckpoint``)
before splitting it, or Spark parses every line twice. The columns, their types and which of them are required
come from the pandera models (``BRONZE_MODELS``).

CSV records (orders, products):
- fields are split as Python's ``csv`` module splits a line (excel dialect): ``,`` separates fields; a field that
  starts with ``"`` is quoted: ``""`` in it is one quote, text after its closing quote is kept, and without a
  closing quote it runs to the end of the line; a quote anywhere else is text; an empty line has no fields;
- the header's names, trimmed, map fields to bronze columns (the first of repeated names wins), so the column
  order may change. A required column missing from the header quarantines every record of the file
  (``missing column(s) in header: unit_price``); other columns are ignored and reported in ``_unexpected``;
- a record must have as many fields as its header (``expected 8 fields, got 6``), else its values are not read.

JSON-lines records (customers, web_logs):
- the line must be one JSON value and nothing after it (``invalid JSON: syntax error``), repeat no key within an
  object (``invalid JSON: duplicate key``: Spark's VARIANT refuses them) and be an object
  (``invalid JSON: expected an object, got an array``);
- a bronze column's value is found by its path in ``JSON_FIELD_PATHS`` (nested objects are flattened); a missing or
  null object on the way gives null, anything else there is ``address: 'Köln' is not an object``;
- keys that no bronze column reads are reported in ``_unexpected``, nested ones as ``parent.key``;
- numbers are read as Spark reads them: integers as 64-bit integers, other numbers as doubles (so ``2.0`` is not an
  integer, and ``1e30`` is shown as ``1.0E30``).

Value rules, for both CSV fields and JSON values:
- empty (``""``, only whitespace, JSON ``null`` or a missing key) is null; a null required column is
  ``<column> is null``. Strings are otherwise kept verbatim; a JSON value for a string column must be a string.
- other types are read from the value's text, trimmed of whitespace: a JSON string's content, or a JSON value's
  text (``200``, ``2.0``, ``true``);
- integers: optional sign and ASCII digits, within 32 bits; ``VALUE_RANGES`` narrows some further;
- money: a decimal number (exponent allowed) whose value is exact with 2 decimals and below 10^10 in magnitude;
- timestamps: ``YYYY-MM-DD[T ]HH:MM[:SS[.fraction]][Z|±HH[:MM]]`` (fraction truncated to microseconds);
  without an offset the time is UTC. Dates: ``YYYY-MM-DD``. Both must exist in the calendar.
- a reason shows a string as Python's ``repr`` does (``'abc'``, backslash, quote, tab and line breaks escaped) and
  any other JSON value as JSON (``17``, ``true``, ``{"a":1}``).

A record's reasons are joined by "; ", each once, in this order: ``invalid UTF-8``, the record's shape (CSV header
and field count, or JSON syntax), then each column's, in model order.
"""

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

import pyspark.sql.functions as F
import pyspark.sql.types as T
from pyspark.sql import Column, DataFrame

from lakehouse.bronze.schemas import BRONZE_MODELS, Lineage
from lakehouse.conform import conform_to_schema
from lakehouse.landing.reader import LINES_SCHEMA
from lakehouse.raw.formats import CSV_SOURCES, JSON_FIELD_PATHS

REASON_COLUMN: Final = "_reason"
"""Null when the record is good; otherwise every reason it failed, joined by '; '."""
RAW_RECORD_COLUMN: Final = "_raw_record"
UNEXPECTED_COLUMN: Final = "_unexpected"
"""Columns (CSV header) or keys (JSON, nested ones as ``parent.key``) of the record that no bronze column reads."""

VALUE_RANGES: Final = {"web_logs": {"status": (100, 599)}}
"""Inclusive bounds that a parsed integer must respect."""

_LINEAGE: Final = tuple(Lineage.to_schema().columns)
_STRINGS: Final = T.ArrayType(T.StringType())

_WHITESPACE: Final = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
"""The characters that Python's ``str.strip()`` removes (``str.isspace``)."""
_INTEGER: Final = r"^[+-]?[0-9]+$"
_NUMBER: Final = r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$"
_NUMBER_PARTS: Final = r"^[+-]?([0-9]*)\.?([0-9]*)(?:[eE]([+-]?[0-9]+))?$"
"""A ``_NUMBER``'s integer digits, fraction digits and exponent."""
# Year 0 is valid for Spark, not for Python's datetime, which the contract was written against.
_TIMESTAMP: Final = (
    r"^(?!0000)[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,9})?)?"
    r"(Z|[+-][0-9]{2}(:?[0-9]{2})?)?$"
)
_MINUTES_WITHOUT_SECONDS: Final = r"^(.{16})(?=[Z+-]|$)"
"""In a ``_TIMESTAMP``: ``YYYY-MM-DDTHH:MM`` directly followed by the offset or the end."""
_OFFSET_AT_END: Final = r"(Z|[+-][0-9]{2}(:?[0-9]{2})?)$"
_DATE: Final = r"^(?!0000)[0-9]{4}-[0-9]{2}-[0-9]{2}$"

# One CSV field with the comma before it (the line gets a leading comma), so that every match starts where the
# previous one ended and an empty last field is still matched. Possessive quantifiers: Java's regex engine
# recurses on backtracking alternatives and would overflow its stack on a long field.
_CSV_FIELD: Final = r',("[^"]*+(?:""[^"]*+)*+(?:"[^,]*+)?|[^,]*+)'
_QUOTED_CSV_FIELD: Final = r'(?s)^"([^"]*+(?:""[^"]*+)*+)"?(.*)$'
"""A field that starts with a quote: its quoted text (``""`` still doubled), then the text after the closing quote."""

_JSON_INTEGERS: Final = ("TINYINT", "SMALLINT", "INT", "BIGINT")
"""VARIANT types (``schema_of_variant``) of JSON integers; other numbers are DECIMAL(p,s) or DOUBLE."""

# Helper columns of the parse, dropped by its final projection.
_FIELDS: Final = "__fields"
_HEADER_NAMES: Final = "__header_names"
"""Null when the header is the canonical one (the bronze columns in model order)."""
_COMPLETE: Final = "__complete"
_SINGLE_VALUE: Final = "__single_value"
_WITH_SENTINEL: Final = "__with_sentinel"
_DOCUMENT: Final = "__document"


@dataclass(frozen=True)
class ParsedSource:
    bronze: DataFrame
    quarantine: DataFrame
    unexpected_columns: list[str]


@dataclass(frozen=True)
class _Column:
    """What the parser needs to know about one bronze column: derived from the pandera model on the driver."""

    name: str
    data_type: T.DataType
    required: bool
    bounds: tuple[int, int] | None
    """Inclusive bounds of an integer column (``VALUE_RANGES``), beyond its 32 bits."""


@dataclass(frozen=True)
class _RawValue:
    """One column's value in a record, before it is typed."""

    text: Column
    """The CSV field, or the JSON value's text (a string's content); null when absent."""
    is_string: Column
    """False for a JSON value that is not a string."""
    judged: Column
    """False when the record cannot be read as far as this value: it then gives neither a value nor a reason."""
    lookup_reasons: tuple[Column, ...] = ()
    """Reasons met on the way to the value (a JSON parent that is not an object), listed before the value's own."""


@dataclass(frozen=True)
class _Record:
    """One format's reading of the lines: its helper columns, and expressions over them."""

    frame: DataFrame
    """The lines with the format's helper columns."""
    shape_reasons: tuple[Column, ...]
    values: Sequence[_RawValue]
    """One per bronze column, in model order."""
    unexpected: Column


@dataclass(frozen=True)
class _Reading:
    """How a non-blank value of one type is read."""

    value: Column
    """The typed value, or null."""
    problem: Callable[[Column], Column]
    """Given the value (as a helper column), what is wrong with it ("is not an integer"), or null."""


def parsed_schema(source: str) -> T.StructType:
    """The frame ``parse_lines`` returns: the bronze columns (nullable, since bad rows have none) and the extras."""
    bronze = BRONZE_MODELS[source].to_structtype()
    extras = [
        T.StructField(RAW_RECORD_COLUMN, T.StringType()),
        T.StructField(REASON_COLUMN, T.StringType()),
        T.StructField(UNEXPECTED_COLUMN, _STRINGS),
    ]
    return T.StructType([T.StructField(f.name, f.dataType, True) for f in bronze.fields] + extras)


def parse_lines(lines: DataFrame, source: str, *, run_id: str, ingested_at: datetime) -> DataFrame:
    """Parse landing lines (``lakehouse.landing.reader.LINES_SCHEMA``) of ``source`` into ``parsed_schema(source)``.

    ``ingested_at`` without a time zone is taken as UTC.
    """
    if source not in BRONZE_MODELS:
        raise ValueError(f"unknown source {source!r}, expected one of {sorted(BRONZE_MODELS)}")
    moment = ingested_at if ingested_at.tzinfo else ingested_at.replace(tzinfo=UTC)
    columns = _columns(source)
    lines = lines.select(*LINES_SCHEMA.fieldNames())
    record = _csv_record(lines, columns) if source in CSV_SOURCES else _json_record(lines, columns, source)
    frame, texts = _with_helpers(record.frame, "text", [raw.text for raw in record.values])
    frame, trimmed = _with_helpers(frame, "trimmed", [_trimmed(text) for text in texts])
    readings = [
        _reading(column, raw, text, trim)
        for column, raw, text, trim in zip(columns, record.values, texts, trimmed, strict=True)
    ]
    frame, values = _with_helpers(frame, "value", [reading.value for reading in readings])
    frame, problems = _with_helpers(
        frame, "problem", [r.problem(value) for r, value in zip(readings, values, strict=True)]
    )
    reasons = [F.when(F.col("invalid_utf8"), F.lit("invalid UTF-8")), *record.shape_reasons]
    typed = []
    for column, raw, text, trim, value, problem in zip(
        columns, record.values, texts, trimmed, values, problems, strict=True
    ):
        blank = F.coalesce(trim == "", F.lit(True))
        own_reason = F.when(blank, F.lit(f"{column.name} is null") if column.required else F.lit(None)).when(
            problem.isNotNull(), F.concat(F.lit(f"{column.name}: "), _shown(text, raw.is_string), F.lit(" "), problem)
        )
        reasons += [*raw.lookup_reasons, F.when(raw.judged, own_reason)]
        typed.append(F.when(raw.judged & ~blank & problem.isNull(), value).alias(column.name))
    frame, reasons = _with_helpers(frame, "reason", reasons)
    parsed = frame.select(
        "_source_file",
        "_line_number",
        F.lit(moment).alias("_ingested_at"),
        F.lit(run_id).alias("_run_id"),
        "dt",
        *typed,
        F.col("line").alias(RAW_RECORD_COLUMN),
        _joined(reasons).alias(REASON_COLUMN),
        record.unexpected.alias(UNEXPECTED_COLUMN),
    )
    return conform_to_schema(parsed, parsed_schema(source), f"parsed {source}")


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
    return tuple(
        _Column(name, column.dtype.type, not column.nullable, bounds.get(name))
        for name, column in BRONZE_MODELS[source].to_schema().columns.items()
        if name not in _LINEAGE
    )


def _with_helpers(frame: DataFrame, kind: str, expressions: Sequence[Column]) -> tuple[DataFrame, list[Column]]:
    """``frame`` with each expression computed as a helper column, and references to those columns.

    A Column object used twice is two copies of its expression in the plan, and Spark does not reliably compute
    them once; a column of an earlier projection is computed once per row.
    """
    names = [f"__{kind}_{index}" for index in range(len(expressions))]
    return frame.withColumns(dict(zip(names, expressions, strict=True))), [F.col(name) for name in names]


def _joined(reasons: Sequence[Column]) -> Column:
    """The non-null reasons, each once, joined by '; '; null when there is none."""
    # Most records have none: they skip building the array.
    return F.when(F.coalesce(*reasons).isNotNull(), F.array_join(F.array_distinct(F.array(*reasons)), "; "))


def _nonempty(names: Column) -> Column:
    return F.when(F.size(names) > 0, names)


# --- CSV --------------------------------------------------------------------------------------------------------


def _csv_record(lines: DataFrame, columns: Sequence[_Column]) -> _Record:
    names = [column.name for column in columns]
    # Every record carries its file's header, and nearly every header lists the bronze columns in model order: the
    # layout of that header is known here, which spares each record tokenising the header again.
    canonical = F.col("header") == ",".join(names)
    fields, header_names, complete = F.col(_FIELDS), F.col(_HEADER_NAMES), F.col(_COMPLETE)
    width = F.when(canonical, F.lit(len(names))).otherwise(F.size(header_names))
    tokenised = lines.withColumns(
        {
            # Fields stay quoted until a column reads them.
            _FIELDS: _csv_tokens(F.col("line")),
            _HEADER_NAMES: F.when(~canonical, _header_names(F.col("header"))),
        }
    ).withColumn(_COMPLETE, F.size(fields) == width)
    # 1-based; 0 when the header lacks the column.
    frame, positions = _with_helpers(
        tokenised,
        "position",
        [
            F.when(canonical, F.lit(n)).otherwise(F.array_position(header_names, name))
            for n, name in enumerate(names, 1)
        ],
    )
    values = [
        _RawValue(
            _unquoted(F.get(fields, (position - 1).cast(T.IntegerType()))), F.lit(True), complete & (position > 0)
        )
        for position in positions
    ]
    missing = F.array_except(F.array(*[F.lit(column.name) for column in columns if column.required]), header_names)
    unexpected = F.array_except(header_names, F.array(*map(F.lit, names)))
    return _Record(
        frame,
        shape_reasons=(
            F.when(
                ~canonical & (F.size(missing) > 0),
                F.concat(F.lit("missing column(s) in header: "), F.array_join(missing, ", ")),
            ),
            F.when(~complete, F.format_string("expected %d fields, got %d", width, F.size(fields))),
        ),
        values=values,
        unexpected=F.when(~canonical, _nonempty(unexpected)),
    )


def _header_names(header: Column) -> Column:
    """The header's names: its fields unquoted and trimmed."""
    tokens = _csv_tokens(header)
    # Spark interprets a lambda row by row, and every record carries its file's header: the usual header, without
    # quotes or whitespace, skips it.
    needs_cleaning = header.rlike(f'["{_WHITESPACE}]')
    return F.when(needs_cleaning, F.transform(tokens, lambda token: _trimmed(_unquoted(token)))).otherwise(tokens)


def _csv_tokens(line: Column) -> Column:
    """The fields of a CSV line, still quoted, split as Python's csv module splits them (see the module docstring)."""
    return (
        F.when(line == "", F.array().cast(_STRINGS))
        # Most lines have no quote: splitting them at every comma is the same, and several times cheaper.
        .when(~line.contains('"'), F.split(line, ",", -1))
        .otherwise(F.regexp_extract_all(F.concat(F.lit(","), line), F.lit(_CSV_FIELD), 1))
    )


def _unquoted(token: Column) -> Column:
    quoted = F.replace(F.regexp_extract(token, _QUOTED_CSV_FIELD, 1), F.lit('""'), F.lit('"'))
    return F.when(token.startswith('"'), F.concat(quoted, F.regexp_extract(token, _QUOTED_CSV_FIELD, 2))).otherwise(
        token
    )


# --- JSON -------------------------------------------------------------------------------------------------------


def _json_record(lines: DataFrame, columns: Sequence[_Column], source: str) -> _Record:
    paths = [JSON_FIELD_PATHS[source][column.name] for column in columns]
    # Every JSON object a column is read through, the record () first.
    parents = list(dict.fromkeys(path[:depth] for path in paths for depth in range(len(path))))
    with_document, syntax_reason = _with_json_document(lines)
    document = F.col(_DOCUMENT)
    frame, objects = _with_helpers(
        with_document, "object", [F.try_variant_get(document, _json_path(p), "map<string,variant>") for p in parents]
    )
    as_object = dict(zip(parents, objects, strict=True))  # a map of its keys; null when it is not an object
    frame, nodes = _with_helpers(frame, "node", [F.try_variant_get(document, _json_path(p), "variant") for p in paths])
    frame, kinds = _with_helpers(frame, "kind", [F.schema_of_variant(node) for node in nodes])
    frame, not_objects = _with_helpers(
        frame, "not_object", [_not_an_object(document, p, as_object[p]) for p in parents[1:]]
    )
    not_an_object = dict(zip(parents[1:], not_objects, strict=True))
    is_object = as_object[()].isNotNull()
    values = [
        _RawValue(
            _json_text(node, kind),
            kind == "STRING",
            is_object,
            tuple(not_an_object[path[:depth]] for depth in range(1, len(path))),
        )
        for path, node, kind in zip(paths, nodes, kinds, strict=True)
    ]
    wrong_type = F.concat(F.lit("invalid JSON: expected an object, got "), _json_type_name(document))
    shape_reason = F.when(~is_object, F.coalesce(syntax_reason, wrong_type))
    return _Record(frame, (shape_reason,), values, _unexpected_keys(as_object, paths))


def _with_json_document(lines: DataFrame) -> tuple[DataFrame, Column]:
    """The lines with ``_DOCUMENT``, the line's JSON value (null unless the line is one JSON value and nothing else),
    and the reason when it is null."""
    line = F.col("line")
    alone = F.concat(F.lit("["), line, F.lit("]"))
    # Spark's JSON parsers stop at the end of the first value and ignore whatever follows it. So "one value and
    # nothing else" is proven with two wrappings: "[line]" has exactly one element only if nothing but "]" can
    # follow the value, and "[line,0]" keeps its sentinel 0 only if that "]" is the wrapper's own.
    wrapped = lines.withColumns(
        {
            _SINGLE_VALUE: F.coalesce(F.json_array_length(alone) == 1, F.lit(False)),
            _WITH_SENTINEL: F.try_parse_json(F.concat(F.lit("["), line, F.lit(",0]"))),
        }
    )
    single, with_sentinel = F.col(_SINGLE_VALUE), F.col(_WITH_SENTINEL)
    sentinel_kept = F.try_variant_get(with_sentinel, "$[1]", "variant").isNotNull()
    document = F.when(single & sentinel_kept, F.try_variant_get(with_sentinel, "$[0]", "variant"))
    # json_array_length is lenient (single quotes, raw control characters), so only a strict parser that keeps
    # repeated keys tells a duplicate key from a syntax error; it runs on the failed lines alone.
    strict = F.from_json(alone, "array<string>", {"allowSingleQuotes": "false", "allowNonNumericNumbers": "false"})
    reason = (
        F.when(F.col(_DOCUMENT).isNotNull(), F.lit(None))
        .when(with_sentinel.isNull() & (F.size(strict) == 1), F.lit("invalid JSON: duplicate key"))
        .otherwise(F.lit("invalid JSON: syntax error"))
    )
    return wrapped.withColumn(_DOCUMENT, document), reason


def _json_path(path: tuple[str, ...]) -> str:
    return "$" + "".join(f"['{key}']" for key in path)


def _json_text(node: Column, kind: Column) -> Column:
    """A JSON value's text: a string's content, or the value as JSON (numbers as Spark reads them)."""
    fractional = kind.startswith("DECIMAL") | kind.isin("FLOAT", "DOUBLE")
    # VARIANT drops a decimal's trailing zeros (2.0 becomes the DECIMAL 2); as a double it keeps its fraction.
    return F.when(fractional, F.try_variant_get(node, "$", "double").cast(T.StringType())).otherwise(
        F.try_variant_get(node, "$", "string")
    )


def _json_type_name(value: Column) -> Column:
    kind = F.schema_of_variant(value)
    return (
        F.when(kind.startswith("ARRAY"), F.lit("an array"))
        .when(kind == "STRING", F.lit("a string"))
        .when(kind == "BOOLEAN", F.lit("a boolean"))
        .when(kind == "VOID", F.lit("null"))
        .otherwise(F.lit("a number"))
    )


def _not_an_object(document: Column, path: tuple[str, ...], as_object: Column) -> Column:
    """The reason when the value at ``path`` is there, is not null and is not an object (``as_object`` is null)."""
    node = F.try_variant_get(document, _json_path(path), "variant")
    kind = F.schema_of_variant(node)
    shown = _shown(_json_text(node, kind), kind == "STRING")
    there = node.isNotNull() & ~F.is_variant_null(node)
    return F.when(there & as_object.isNull(), F.concat(F.lit(f"{'.'.join(path)}: "), shown, F.lit(" is not an object")))


def _unexpected_keys(as_object: Mapping[tuple[str, ...], Column], paths: Iterable[tuple[str, ...]]) -> Column:
    known: dict[tuple[str, ...], list[str]] = {parent: [] for parent in as_object}
    for path in paths:
        for depth in range(len(path)):
            known[path[:depth]].append(path[depth])
    return _nonempty(F.concat(*[_unknown_keys(as_object[parent], known[parent], parent) for parent in as_object]))


def _unknown_keys(as_object: Column, known: Sequence[str], parent: tuple[str, ...]) -> Column:
    """The keys of an object (a map, null when the value is not an object) not in ``known``, as paths."""
    keys = F.array_except(F.map_keys(as_object), F.array(*map(F.lit, known)))
    if parent:
        prefix = F.lit(".".join(parent) + ".")
        # Spark interprets a lambda row by row: only the rare object with unknown keys runs it.
        keys = F.when(F.size(keys) > 0, F.transform(keys, lambda key: F.concat(prefix, key)))
    return F.coalesce(keys, F.array().cast(_STRINGS))


# --- values -----------------------------------------------------------------------------------------------------


def _reading(column: _Column, raw: _RawValue, text: Column, trimmed: Column) -> _Reading:
    """How ``column`` reads a non-blank value, from its text as a helper column and that text trimmed."""
    data_type = column.data_type
    if isinstance(data_type, T.StringType):
        return _Reading(text, lambda _: F.when(~raw.is_string, F.lit("is not a string")))
    if isinstance(data_type, T.IntegerType):
        return _integer(trimmed, column.bounds)
    if isinstance(data_type, T.DecimalType):
        return _decimal(trimmed, data_type)
    if isinstance(data_type, T.TimestampType):
        return _Reading(
            _spark_timestamp_text(trimmed).try_cast(T.TimestampType()),
            lambda moment: F.when(~trimmed.rlike(_TIMESTAMP) | moment.isNull(), F.lit("is not an ISO-8601 timestamp")),
        )
    if isinstance(data_type, T.DateType):
        return _Reading(
            trimmed.try_cast(T.DateType()),
            lambda day: F.when(~trimmed.rlike(_DATE) | day.isNull(), F.lit("is not a YYYY-MM-DD date")),
        )
    raise TypeError(f"bronze column {column.name}: no parser for {data_type}")


def _integer(trimmed: Column, bounds: tuple[int, int] | None) -> _Reading:
    def problem(number: Column) -> Column:
        verdict = F.when(~trimmed.rlike(_INTEGER), F.lit("is not an integer")).when(
            number.isNull(), F.lit("does not fit a 32-bit integer")
        )
        if bounds:
            low, high = bounds
            verdict = verdict.when(~number.between(low, high), F.lit(f"is outside {low}-{high}"))
        return verdict

    return _Reading(trimmed.try_cast(T.IntegerType()), problem)


def _decimal(trimmed: Column, data_type: T.DecimalType) -> _Reading:
    # Spark's cast rounds to the scale, so exactness is decided on the text; an exact value then fails the cast
    # (null) only when it is too large.
    def problem(number: Column) -> Column:
        fits = _at_most_decimals(trimmed, data_type.scale) & number.isNotNull()
        return F.when(~trimmed.rlike(_NUMBER), F.lit("is not a decimal")).when(
            ~fits, F.lit(f"does not fit DECIMAL({data_type.precision},{data_type.scale})")
        )

    return _Reading(trimmed.try_cast(data_type), problem)


def _at_most_decimals(number: Column, scale: int) -> Column:
    """Whether a ``_NUMBER`` has no significant digit beyond ``scale`` decimals, once its exponent is applied."""
    plain = number.rlike(rf"^[+-]?[0-9]*(\.[0-9]{{0,{scale}}})?$")  # the usual money text, decided at once
    whole, fraction, exponent = (F.regexp_extract(number, _NUMBER_PARTS, group) for group in (1, 2, 3))
    digits = F.concat(whole, fraction)
    significant = F.regexp_replace(digits, "0+$", "")
    shift = F.when(exponent == "", F.lit(0)).otherwise(exponent.try_cast(T.LongType()))  # null: absurd exponent
    decimals = F.length(fraction) - shift - (F.length(digits) - F.length(significant))
    return plain | F.coalesce((significant == "") | (decimals <= scale), F.lit(False))


def _spark_timestamp_text(timestamp: Column) -> Column:
    """A ``_TIMESTAMP`` as Spark's cast reads it exactly: with seconds (it refuses ``HH:MM`` followed by an offset),
    and with ``Z`` when it has no offset, so that it is UTC whatever the session's time zone."""
    with_seconds = F.regexp_replace(timestamp, _MINUTES_WITHOUT_SECONDS, "$1:00")
    return F.when(timestamp.rlike(_OFFSET_AT_END), with_seconds).otherwise(F.concat(with_seconds, F.lit("Z")))


def _trimmed(text: Column) -> Column:
    # Trimming searches the edge characters in _WHITESPACE, a fifth of the parse when done for every value: a value
    # that starts and ends with a printable ASCII character has nothing to trim.
    printable = [F.substring(text, edge, 1).between("!", "~") for edge in (1, -1)]
    return F.when(printable[0] & printable[1], text).otherwise(F.btrim(text, F.lit(_WHITESPACE)))


def _shown(text: Column, is_string: Column) -> Column:
    """A value as a reason shows it: a string as Python's ``repr`` does, any other JSON value as JSON."""
    return F.when(is_string, python_repr(text)).otherwise(text)


def python_repr(text: Column) -> Column:
    """A string as Python's ``repr`` shows it, for the characters a raw value may hold that it escapes.

    Every reason that shows a value uses it, in bronze and in silver, so a value reads the same in both."""
    escaped = text
    for char, escape in (("\\", "\\\\"), ("\t", "\\t"), ("\n", "\\n"), ("\r", "\\r")):
        escaped = F.replace(escaped, F.lit(char), F.lit(escape))
    # repr quotes with ' unless the string holds a ' and no ", then with ".
    in_double_quotes = text.contains("'") & ~text.contains('"')
    return F.when(in_double_quotes, F.concat(F.lit('"'), escaped, F.lit('"'))).otherwise(
        F.concat(F.lit("'"), F.replace(escaped, F.lit("'"), F.lit("\\'")), F.lit("'"))
    )
