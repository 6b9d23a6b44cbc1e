"""Shape a DataFrame to a table model: exactly the columns, types and order its pandera model declares."""

from pandera.pyspark import DataFrameModel
from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F
from pyspark.sql import types as T


def conform(df: DataFrame, model: type[DataFrameModel]) -> DataFrame:
    """Select the model's columns in its order, cast to its types; extra columns are dropped.

    Raises ValueError naming the model and the missing columns, so a transform that forgets a column fails at
    plan time instead of writing a table with the wrong shape.
    """
    return conform_to_schema(df, model.to_structtype(), model.__name__)


def conform_to_schema(df: DataFrame, target: T.StructType, name: str) -> DataFrame:
    """``conform`` to a schema that no model declares; ``name`` says whose schema it is in the error."""
    missing = [field for field in target.fieldNames() if field not in df.columns]
    if missing:
        raise ValueError(f"{name}: missing column(s) {', '.join(missing)} (have: {', '.join(df.columns)})")
    return df.select([_as_field(df.schema[field.name], field) for field in target.fields])


def _as_field(source: T.StructField, target: T.StructField) -> Column:
    column = F.col(source.name)
    if source.dataType != target.dataType:
        column = column.cast(target.dataType)
    if target.nullable and not source.nullable:
        # Spark proves some columns non-null (counts, literals) and Delta compares schemas with their nullability:
        # a CASE without ELSE makes the column nullable without changing a value.
        column = F.when(column.isNotNull(), column)
    return column.alias(target.name)
