"""The IO boundary: Spark DataFrames in and out of partitioned Delta tables.

An asset keyed ``<layer>/<table>`` is stored at ``<root>/<layer>/<table>``. An output replaces exactly the
partition time window of the run (one Delta commit), so re-running or backfilling days never duplicates them.
An input reads the window its partition mapping asks for, pruned to those days.
"""

from dagster import ConfigurableIOManager, InputContext, OutputContext, ResourceDependency
from pyspark.sql import DataFrame

from lakehouse.delta import read_table, write_table
from lakehouse.partitions import window_dates
from lakehouse.resources.spark import SparkResource
from lakehouse.resources.warehouse import Warehouse


class DeltaTableIOManager(ConfigurableIOManager):
    warehouse: ResourceDependency[Warehouse]
    spark: ResourceDependency[SparkResource]

    def _table_uri(self, context: InputContext | OutputContext) -> str:
        layer, table = context.asset_key.path[-2:]
        return self.warehouse.table_uri(layer, table)

    def handle_output(self, context: OutputContext, obj: DataFrame) -> None:
        if not context.has_asset_partitions:
            raise ValueError(f"{context.asset_key.to_user_string()}: Delta tables here are daily partitioned on dt")
        replace_range = window_dates(context.asset_partitions_time_window)
        result = write_table(
            obj,
            self._table_uri(context),
            mode="overwrite",
            replace_range=replace_range,
            storage_options=self.warehouse.storage_options,
            commit_metadata={"dagster_run_id": context.run_id},
        )
        context.add_output_metadata(
            {
                "dagster/row_count": result.rows,
                "delta_version": result.version,
                "files_added": result.files_added,
                "files_removed": result.files_removed,
                "partitions_written": ", ".join(result.partitions) or "(none)",
                "replaced_range": f"{replace_range[0]}...{replace_range[1]} (end exclusive)",
                "table_uri": self._table_uri(context),
                "spark_application_id": obj.sparkSession.sparkContext.applicationId,
            }
        )

    def load_input(self, context: InputContext) -> DataFrame:
        dt_range = window_dates(context.asset_partitions_time_window) if context.has_asset_partitions else None
        return read_table(
            self.spark.session,
            self._table_uri(context),
            dt_range=dt_range,
            storage_options=self.warehouse.storage_options,
        )
