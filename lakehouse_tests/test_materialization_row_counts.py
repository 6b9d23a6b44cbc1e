"""The row counts the Delta IO manager records: the table's total (the UI's "Row count") and the run's own rows."""

from datetime import date

from dagster import AssetKey, AssetMaterialization, asset, materialize
from pyspark.sql import DataFrame

from lakehouse.delta import table_snapshot
from lakehouse.partitions import daily_partitions
from lakehouse.resources.spark import SparkResource

DAY_1, DAY_2 = date(2024, 4, 8), date(2024, 4, 9)
ROWS_PER_RUN = {(1, DAY_1): 3, (2, DAY_2): 5, (3, DAY_1): 4}
"""(run, day) -> rows the run writes: a day, another day, then the first day again with another row count."""
KEY = AssetKey(["gold", "counted"])


def _materialize(lakehouse, run: int, day: date) -> AssetMaterialization:
    @asset(key=KEY, partitions_def=daily_partitions, io_manager_key="delta_io_manager")
    def counted(spark: SparkResource) -> DataFrame:
        rows = [(run, n, day) for n in range(ROWS_PER_RUN[run, day])]
        return spark.spark_session.createDataFrame(rows, "run int, n int, dt date")

    result = materialize(
        [counted], partition_key=day.isoformat(), resources=lakehouse.resources(), instance=lakehouse.instance
    )
    assert result.success
    (event,) = result.get_asset_materialization_events()
    return event.event_specific_data.materialization


def _counts(materialization: AssetMaterialization) -> tuple[int, int]:
    metadata = materialization.metadata
    return metadata["dagster/row_count"].value, metadata["rows_written"].value


def test_row_count_is_the_tables_total_and_rows_written_each_runs_own(lakehouse, spark):
    assert _counts(_materialize(lakehouse, 1, DAY_1)) == (3, 3)
    assert _counts(_materialize(lakehouse, 2, DAY_2)) == (3 + 5, 5), "the total after day 2 is day 1's plus day 2's"
    # Re-running day 1 replaces its rows: the total counts them once, at the re-run's count.
    assert _counts(_materialize(lakehouse, 3, DAY_1)) == (4 + 5, 4)
    assert table_snapshot(lakehouse.table_uri("gold", "counted")).rows == 9
