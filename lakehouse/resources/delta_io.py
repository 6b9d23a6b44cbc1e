"""The IO boundary: Spark DataFrames in and out of partitioned Delta tables (delta-spark).

An asset keyed ``<layer>/<table>`` is stored at ``<root>/<layer>/<table>``. An output replaces exactly the
partition time window of the run in one Delta commit (``replaceWhere``), so re-running or backfilling days never
duplicates them. An input reads the window its partition mapping asks for, pruned to those days' files.

An asset whose definition metadata has ``delta/constraints`` (``TableConstraints.to_metadata()``: NOT NULL columns and
named CHECK conditions) gets them on its table before the write, so Delta refuses a row that breaks one.
"""

from typing import Any

from dagster import ConfigurableIOManager, InputContext, MetadataValue, OutputContext, ResourceDependency
from pyspark.sql import DataFrame

from lakehouse.delta import TableConstraints, ensure_constraints, read_table, write_table
from lakehouse.partitions import DayRange
from lakehouse.resources.spark import SparkResource
from lakehouse.resources.warehouse import Warehouse
from lakehouse.table_metadata import CONSTRAINTS_METADATA_KEY


class DeltaTableIOManager(ConfigurableIOManager):
    warehouse: ResourceDependency[Warehouse]
    spark: ResourceDependency[SparkResource]

    def _table_uri(self, context: InputContext | OutputContext) -> str:
        layer, table = context.asset_key.path[-2:]
        return self.warehouse.table_uri(layer, table)

    def handle_output(self, context: OutputContext, obj: DataFrame) -> None:
        if not context.has_asset_partitions:
            raise ValueError(f"{context.asset_key.to_user_string()}: Delta tables here are daily partitioned on dt")
        days = DayRange.of_window(context.asset_partitions_time_window)
        table_uri = self._table_uri(context)
        constraints = _constraints(context.definition_metadata)
        if constraints:
            ensure_constraints(obj, table_uri, constraints)
        result = write_table(
            obj, table_uri, mode="overwrite", days=days, commit_metadata={"dagster_run_id": context.run_id}
        )
        context.add_output_metadata(
            {
                "dagster/row_count": result.rows,
                "delta_version": result.version,
                "delta_operation": result.operation,
                "files_added": result.files_added,
                "files_removed": result.files_removed,
                "bytes_added": MetadataValue.int(result.bytes_added),
                "replaced_days": str(days),
                "table_uri": table_uri,
                "spark_application_id": obj.sparkSession.sparkContext.applicationId,
            }
        )

    def load_input(self, context: InputContext) -> DataFrame:
        days = DayRange.of_window(context.asset_partitions_time_window) if context.has_asset_partitions else None
        return read_table(self.spark.spark_session, self._table_uri(context), days=days)


def _constraints(metadata: dict[str, Any] | None) -> TableConstraints | None:
    value = (metadata or {}).get(CONSTRAINTS_METADATA_KEY)
    data = getattr(value, "data", value)  # a JsonMetadataValue in definitions, a plain dict when built by hand
    return TableConstraints.from_metadata(data) if data else None
