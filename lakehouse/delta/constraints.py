"""NOT NULL and CHECK constraints on Delta tables: a second line behind the asset checks, enforced by Delta on every
write, before it commits.

A constraint states an invariant the transform guarantees (``quantity > 0`` once silver has rejected the others),
so a violation is a bug and the write fails with the offending values. Delta makes every column nullable when a
DataFrame write creates a table, so NOT NULL holds only on a table created with a declared schema: this module
creates the table itself before the first write.
"""

import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

from delta.tables import DeltaTable
from pyspark.sql import DataFrame
from pyspark.sql import types as T

from lakehouse.partitions import PARTITION_COLUMN

_PROPERTY_PREFIX = "delta.constraints."


@dataclass(frozen=True)
class TableConstraints:
    not_null: frozenset[str] = frozenset()
    checks: Mapping[str, str] = field(default_factory=dict)
    """Constraint name → SQL condition every row must satisfy."""

    def to_metadata(self) -> dict[str, object]:
        return {"not_null": sorted(self.not_null), "checks": dict(sorted(self.checks.items()))}

    @classmethod
    def from_metadata(cls, data: Mapping[str, object]) -> "TableConstraints":
        return cls(frozenset(data.get("not_null") or ()), dict(data.get("checks") or {}))  # type: ignore[arg-type]


# (table, constraints) this process has already ensured: checking costs three reads of the table's log, and
# constraints change only when a deployment changes them, which means a new process.
_ENSURED: set[tuple[str, str]] = set()


def ensure_constraints(df: DataFrame, table_uri: str, constraints: TableConstraints) -> None:
    """Create the table (empty, ``df``'s schema, partitioned by day) if it does not exist, and give it exactly
    ``constraints``: missing ones are added, changed CHECKs replaced, others dropped.

    Adding a constraint makes Delta check every existing row, so a table that already breaks it is refused with
    the offending values. A new table gets them all in its one CREATE commit; on an existing table each change is a
    commit of its own, and once the table has them this commits nothing.
    """
    ensured = (table_uri, json.dumps(constraints.to_metadata(), sort_keys=True))
    if ensured in _ENSURED:
        return
    spark = df.sparkSession
    missing = sorted(set(constraints.not_null) - set(df.columns))
    if missing:
        raise ValueError(f"table {table_uri}: NOT NULL on column(s) the data lacks: {', '.join(missing)}")
    builder = (
        DeltaTable.createIfNotExists(spark)
        .location(table_uri)
        .addColumns(_with_not_null(df.schema, constraints.not_null))
        .partitionedBy(PARTITION_COLUMN)
    )
    for name, condition in constraints.checks.items():
        builder = builder.property(f"{_PROPERTY_PREFIX}{name}", condition)
    table = builder.execute()
    quoted = f"delta.`{table_uri.replace('`', '``')}`"
    # Delta has no Python API for constraints: names, columns and conditions are code constants, the path is ours.
    nullable = {f.name for f in table.toDF().schema.fields if f.nullable}
    for column in sorted(nullable & constraints.not_null):
        spark.sql(f"ALTER TABLE {quoted} ALTER COLUMN {column} SET NOT NULL")
    properties = table.detail().select("properties").first()["properties"] or {}
    current = {k.removeprefix(_PROPERTY_PREFIX): v for k, v in properties.items() if k.startswith(_PROPERTY_PREFIX)}
    for name in sorted(current):
        if constraints.checks.get(name) != current[name]:
            spark.sql(f"ALTER TABLE {quoted} DROP CONSTRAINT {name}")
    for name, condition in sorted(constraints.checks.items()):
        if current.get(name) != condition:
            spark.sql(f"ALTER TABLE {quoted} ADD CONSTRAINT {name} CHECK ({condition})")
    _ENSURED.add(ensured)


def _with_not_null(schema: T.StructType, not_null: Collection[str]) -> T.StructType:
    return T.StructType([T.StructField(f.name, f.dataType, f.nullable and f.name not in not_null) for f in schema])
