"""Table schemas. Spark and Delta serialise schemas to the same JSON, so every conversion goes through that JSON."""

import json
from typing import Any

import pyarrow as pa
from deltalake import DeltaTable
from deltalake import Schema as DeltaSchema
from pyspark.sql.pandas.types import to_arrow_schema
from pyspark.sql.types import DateType, StructType

from lakehouse.delta.errors import PartitionColumnError, SchemaMismatchError, describe_table


def portable(schema: StructType) -> StructType:
    """The schema as our tables store it: every column (nested ones too) nullable, no Spark field metadata.

    Nullable because a later day may legitimately hold nulls the first day did not, and Delta cannot relax a
    NOT NULL column in place; no metadata because Spark's (char/varchar markers, comments) means nothing to Delta.
    """
    return StructType.fromJson(_portable_type(schema.jsonValue()))


def _portable_type(type_json: Any) -> Any:
    if not isinstance(type_json, dict):
        return type_json
    if type_json["type"] == "struct":
        fields = [
            {"name": f["name"], "type": _portable_type(f["type"]), "nullable": True, "metadata": {}}
            for f in type_json["fields"]
        ]
        return {"type": "struct", "fields": fields}
    if type_json["type"] == "array":
        return {**type_json, "elementType": _portable_type(type_json["elementType"]), "containsNull": True}
    if type_json["type"] == "map":
        key, value = _portable_type(type_json["keyType"]), _portable_type(type_json["valueType"])
        return {**type_json, "keyType": key, "valueType": value, "valueContainsNull": True}
    return type_json


def delta_schema(schema: StructType) -> DeltaSchema:
    return DeltaSchema.from_json(portable(schema).json())


def spark_schema(table: DeltaTable) -> StructType:
    """The table's schema from its Delta log, as Spark types."""
    return StructType.fromJson(json.loads(table.schema().to_json()))


def arrow_schema(schema: StructType) -> pa.Schema:
    """Arrow types exactly as Spark's Arrow bridge wants them back (plain strings, timestamps in UTC microseconds)."""
    return to_arrow_schema(schema, timezone="UTC")


def without_column(schema: StructType, name: str) -> StructType:
    """The columns stored in data files: Delta keeps the partition column in the log and the directory name only."""
    return StructType([field for field in schema.fields if field.name != name])


def check_write_schema(schema: StructType, table_uri: str, table: DeltaTable | None, partition_column: str) -> None:
    """Refuse a write whose schema or partition column does not fit the table (or cannot create one)."""
    where = describe_table(table_uri, table.version() if table else None)
    if partition_column not in schema.fieldNames():
        raise PartitionColumnError(
            f"{where}: partition column {partition_column!r} is missing from the DataFrame "
            f"(columns: {', '.join(schema.fieldNames())})"
        )
    partition_type = schema[partition_column].dataType
    if not isinstance(partition_type, DateType):
        raise PartitionColumnError(
            f"{where}: partition column {partition_column!r} must be a date, the DataFrame has "
            f"{partition_type.simpleString()}"
        )
    if table is None:
        return
    table_partitions = table.metadata().partition_columns
    if table_partitions != [partition_column]:
        raise PartitionColumnError(
            f"{where}: the table is partitioned by {table_partitions}, the write by {[partition_column]}"
        )
    problems = _schema_differences(
        table={f.name: f.dataType.simpleString() for f in portable(spark_schema(table)).fields},
        frame={f.name: f.dataType.simpleString() for f in portable(schema).fields},
    )
    if problems:
        raise SchemaMismatchError(f"{where}: the DataFrame does not match the table schema: {'; '.join(problems)}")


def _schema_differences(table: dict[str, str], frame: dict[str, str]) -> list[str]:
    missing = [
        f"column {name!r} ({kind}) is missing from the DataFrame" for name, kind in table.items() if name not in frame
    ]
    extra = [f"column {name!r} ({kind}) is not in the table" for name, kind in frame.items() if name not in table]
    changed = [
        f"column {name!r} is {kind} in the table but {frame[name]} in the DataFrame"
        for name, kind in table.items()
        if name in frame and frame[name] != kind
    ]
    return missing + extra + changed
