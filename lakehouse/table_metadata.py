"""Dagster metadata derived from the pandera models, so the UI documents each table's columns."""

from collections.abc import Mapping
from typing import Any

from dagster import MetadataValue, TableColumn, TableColumnConstraints, TableSchema
from pandera.pyspark import DataFrameModel

from lakehouse.delta.constraints import TableConstraints

CONSTRAINTS_METADATA_KEY = "delta/constraints"
"""Definition metadata of a table asset: ``TableConstraints.to_metadata()``, applied by the Delta IO manager."""


def column_schema(model: type[DataFrameModel]) -> TableSchema:
    schema = model.to_schema()
    return TableSchema(
        columns=[
            TableColumn(
                name=name,
                type=column.dtype.type.simpleString(),
                description=column.description,
                constraints=TableColumnConstraints(nullable=column.nullable, unique=column.unique),
            )
            for name, column in schema.columns.items()
        ]
    )


def definition_metadata(
    model: type[DataFrameModel], check_constraints: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """The column docs; with ``check_constraints``, also the Delta constraints the IO manager gives the table: NOT
    NULL on the model's required columns, and those CHECKs (shown in the UI too)."""
    metadata: dict[str, Any] = {"dagster/column_schema": column_schema(model)}
    if check_constraints is not None:
        required = frozenset(name for name, column in model.to_schema().columns.items() if not column.nullable)
        constraints = TableConstraints(not_null=required, checks=dict(check_constraints))
        metadata[CONSTRAINTS_METADATA_KEY] = MetadataValue.json(constraints.to_metadata())
    return metadata
