"""Real Dagster materializations of the whole lakehouse: real Spark, real Delta tables on disk."""

from datetime import date

import pytest

from lakehouse.delta import read_table, table_snapshot
from lakehouse.raw.formats import SOURCES
from lakehouse.summary import summarize_warehouse
from lakehouse_tests.harness import write_commits
from lakehouse_tests.test_definitions import MEDALLION_TABLES

pytestmark = pytest.mark.slow

DAY_1, DAY_2, DAY_3 = date(2024, 3, 4), date(2024, 3, 5), date(2024, 3, 6)


def _spark_app_ids(result) -> set[str]:
    return {
        str(event.event_specific_data.materialization.metadata["spark_application_id"].value)
        for event in result.get_asset_materialization_events()
        if "spark_application_id" in event.event_specific_data.materialization.metadata
    }


def _rows_per_day(spark, uri: str) -> dict[str, int]:
    return {str(row["dt"]): row["count"] for row in read_table(spark, uri).groupBy("dt").count().collect()}


def test_one_day_materializes_every_table_in_one_spark_session(lakehouse, spark):
    result = lakehouse.materialize(DAY_1)

    assert result.success
    tables = {(s.layer, s.table): s for s in summarize_warehouse(str(lakehouse.root))}
    assert set(tables) == {(layer, t) for layer, ts in MEDALLION_TABLES.items() for t in ts}
    for key in [("bronze", "orders"), ("silver", "orders"), *(("gold", t) for t in MEDALLION_TABLES["gold"])]:
        assert tables[key].partitions == [DAY_1.isoformat()], key
        assert tables[key].rows > 0, key
    assert len(_spark_app_ids(result)) == 1, "every step of a run must share one SparkSession"


def test_raw_records_equal_bronze_plus_quarantine_for_every_source(lakehouse, spark):
    result = lakehouse.materialize(DAY_1)

    raw_records = {
        event.asset_key.path[1]: event.event_specific_data.materialization.metadata["records"].value
        for event in result.get_asset_materialization_events()
        if event.asset_key.path[0] == "raw"
    }
    for source in SOURCES:
        bronze = table_snapshot(lakehouse.table_uri("bronze", source)).rows
        quarantined = table_snapshot(lakehouse.table_uri("bronze", f"{source}_quarantine")).rows
        assert quarantined > 0, f"the generator's dirt must reach {source}_quarantine"
        assert bronze + quarantined == raw_records[source], source


def test_a_three_day_range_is_one_run_with_one_commit_per_table(lakehouse, spark):
    result = lakehouse.materialize(DAY_1, DAY_3)

    assert result.success
    for summary in summarize_warehouse(str(lakehouse.root)):
        # A table the days gave no row (the dimensions' rejects, on clean keys) has no partition to show.
        expected = [d.isoformat() for d in (DAY_1, DAY_2, DAY_3)] if summary.rows else []
        assert summary.partitions == expected, summary
        uri = lakehouse.table_uri(summary.layer, summary.table)
        assert write_commits(uri) == 1, f"{summary.layer}.{summary.table}: a backfill must be one Delta write"
    rolling = read_table(spark, lakehouse.table_uri("gold", "sales_rolling_7d")).orderBy("dt").collect()
    assert [row["days_in_window"] for row in rolling] == [1, 2, 3]


def test_rerunning_a_day_replaces_it_without_duplicates(lakehouse, spark):
    lakehouse.materialize(DAY_1, DAY_3)
    before = {
        (layer, table): _rows_per_day(spark, lakehouse.table_uri(layer, table))
        for layer, tables in MEDALLION_TABLES.items()
        for table in tables
    }

    assert lakehouse.materialize(DAY_2).success

    for (layer, table), rows_before in before.items():
        uri = lakehouse.table_uri(layer, table)
        assert _rows_per_day(spark, uri) == rows_before, f"{layer}.{table}"
        assert write_commits(uri) == 2, f"{layer}.{table}: the re-run is one more write"
    orders = read_table(spark, lakehouse.table_uri("silver", "orders"))
    assert orders.count() == orders.select("dt", "order_id").distinct().count()
    # A day run alone still reads the days before it: the rolling window of DAY_2 holds DAY_1 and DAY_2.
    rolling = read_table(spark, lakehouse.table_uri("gold", "sales_rolling_7d")).where(f"dt = '{DAY_2}'").collect()
    assert [row["days_in_window"] for row in rolling] == [2]
