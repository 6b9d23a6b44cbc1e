"""The IO boundary: Spark DataFrames in and out of partitioned Delta tables (delta-spark).

An asset keyed ``<layer>/<table>`` is stored at ``<root>/<layer>/<table>``. An output replaces exactly the
partition time window of the run in one Delta commit (``replaceWhere``), so re-running or backfilling days never
duplicates them. An input reads the window its partition mapping asks for, pruned to those days' files, widened by
the ``lookback_days`` of its ``AssetIn`` metadata (``LOOKBACK_DAYS_METADATA_KEY``): a read concern, not a Dagster
dependency, so a backfill of days D..E touches only D..E downstream (docs/design.md, "What a range backfill touches").

An asset whose definition metadata has ``delta/constraints`` (``TableConstraints.to_metadata()``: NOT NULL columns and
named CHECK conditions) gets them on its table before the write, so Delta refuses a row that breaks one.

Each output's metadata has the table's rows after the commit as ``dagster/row_count`` (the UI's "Row count" of the
asset: the table's, not the last run's) and this run's rows as ``ROWS_WRITTEN_METADATA_KEY``.
"""

from datetime import timedelta
from typing import Any

from dagster import ConfigurableIOManager, InputContext, MetadataValue, OutputContext, ResourceDependency
from pyspark.sql import DataFrame

from lakehouse.delta import TableConstraints, ensure_constraints, read_table, table_snapshot, write_table
from lakehouse.partitions import DayRange
from lakehouse.resources.spark import SparkResource
from lakehouse.resources.warehouse import Warehouse
from lakehouse.table_metadata import CONSTRAINTS_METADATA_KEY

ROWS_WRITTEN_METADATA_KEY = "rows_written"
"""Output metadata: the rows this materialization wrote (all the days of its run)."""
LOOKBACK_DAYS_METADATA_KEY = "lakehouse/lookback_days"
"""``AssetIn`` metadata: how many days before the partition window the input also reads."""


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
        # The total from the file statistics of the commit's own version (delta-rs reads the log only, no Spark
        # job), so a later commit by another writer is not counted in this one.
        total_rows = table_snapshot(table_uri, self.warehouse.storage_options, version=result.version).rows
        context.add_output_metadata(
            {
                "dagster/row_count": total_rows,
                ROWS_WRITTEN_METADATA_KEY: result.rows,
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
        lookback_days = (context.definition_metadata or {}).get(LOOKBACK_DAYS_METADATA_KEY, 0)
        if days and lookback_days:
            days = DayRange(days.start - timedelta(days=lookback_days), days.end)
        return read_table(self.spark.spark_session, self._table_uri(context), days=days)


def _constraints(metadata: dict[str, Any] | None) -> TableConstraints | None:
    value = (metadata or {}).get(CONSTRAINTS_METADATA_KEY)
    data = getattr(value, "data", value)  # a JsonMetadataValue in definitions, a plain dict when built by hand
    return TableConstraints.from_metadata(data) if data else None
