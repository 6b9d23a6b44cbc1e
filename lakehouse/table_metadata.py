"""Dagster metadata derived from the pandera models, so the UI documents each table's columns."""

from typing import Any

from dagster import TableColumn, TableColumnConstraints, TableSchema
from pandera.pyspark import DataFrameModel


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


def definition_metadata(model: type[DataFrameModel]) -> dict[str, Any]:
    return {"dagster/column_schema": column_schema(model)}
