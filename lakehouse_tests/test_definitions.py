"""The definitions load and describe the lakehouse the way the UI and the CLI need."""

from datetime import UTC, datetime

from dagster import AssetKey, BackfillPolicy, DagsterInstance, build_schedule_context

# The function the webserver calls for a backfill of a selection over some days (the UI's partition dialog).
from dagster._core.execution.asset_backfill import AssetBackfillData

from lakehouse.definitions import defs, medallion
from lakehouse.resources.delta_io import LOOKBACK_DAYS_METADATA_KEY

MEDALLION_TABLES = {
    "bronze": {
        "orders",
        "orders_quarantine",
        "customers",
        "customers_quarantine",
        "products",
        "products_quarantine",
        "web_logs",
        "web_logs_quarantine",
    },
    "silver": {
        "orders",
        "orders_rejected",
        "customers",
        "customers_rejected",
        "products",
        "products_rejected",
        "web_logs",
    },
    "gold": {
        "daily_sales",
        "sales_rolling_7d",
        "customer_rfm",
        "customer_360",
        "product_performance",
        "web_error_rate_hourly",
    },
}


def _asset_graph():
    return defs.resolve_asset_graph()


def test_definitions_load_with_every_table_of_every_layer():
    keys = _asset_graph().get_all_asset_keys()
    for layer, tables in MEDALLION_TABLES.items():
        assert {key.path[1] for key in keys if key.path[0] == layer} == tables
    assert {key for key in keys if key.path[0] == "raw"} == {
        AssetKey(["raw", s]) for s in ("orders", "customers", "products", "web_logs")
    }


def test_each_layer_is_a_group_and_spark_assets_are_marked_spark_and_delta():
    graph = _asset_graph()
    for layer, tables in MEDALLION_TABLES.items():
        for table in tables:
            node = graph.get(AssetKey([layer, table]))
            assert node.group_name == layer
            assert {"spark", "delta"} <= set(node.kinds)
            assert node.description


def test_every_asset_is_daily_partitioned_and_backfills_in_a_single_run():
    graph = _asset_graph()
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        assert node.partitions_def is not None and node.partitions_def.get_cron_schedule() == "0 0 * * *", key
        assert node.backfill_policy == BackfillPolicy.single_run(), key


def test_rolling_metrics_read_the_prior_days_of_silver_orders_as_a_lookback_not_a_dependency():
    for table, lookback_days in (("sales_rolling_7d", 6), ("customer_rfm", 29)):
        orders = defs.get_assets_def(AssetKey(["gold", table])).node_def.input_def_named("orders")
        assert orders.metadata[LOOKBACK_DAYS_METADATA_KEY] == lookback_days, table


def test_a_range_backfill_of_the_medallion_targets_exactly_its_days():
    graph = _asset_graph()
    days = ["2024-01-10", "2024-01-11", "2024-01-12"]
    with DagsterInstance.ephemeral() as instance:
        backfill = AssetBackfillData.from_asset_partitions(
            asset_graph=graph,
            partition_names=days,
            asset_selection=list(medallion.resolve(graph)),
            dynamic_partitions_store=instance,
            backfill_start_timestamp=datetime.now(UTC).timestamp(),
            all_partitions=False,
        )
    targeted = {
        key.to_user_string(): sorted(backfill.target_subset.get_partitions_subset(key).get_partition_keys())
        for key in backfill.target_subset.asset_keys
    }
    assert targeted == {key.to_user_string(): days for key in medallion.resolve(graph)}


def test_silver_orders_is_enriched_from_products_and_customers_of_the_same_day():
    graph = _asset_graph()
    parents = graph.get(AssetKey(["silver", "orders"])).parent_keys
    assert parents == {
        AssetKey(["bronze", "orders"]),
        AssetKey(["silver", "products"]),
        AssetKey(["silver", "customers"]),
    }


def test_columns_are_documented_from_the_table_models():
    node = _asset_graph().get(AssetKey(["silver", "customers"]))
    columns = {column.name: column for column in node.metadata["dagster/column_schema"].columns}
    assert "email_hash" in columns and "email" not in columns
    assert columns["customer_id"].constraints.nullable is False
    assert columns["email_hash"].description


def test_daily_schedule_runs_at_two_for_the_previous_day_on_the_production_job():
    schedule = defs.resolve_schedule_def("daily_lakehouse_schedule")
    assert schedule.cron_schedule == "0 2 * * *"
    assert schedule.job_name == "daily_lakehouse"
    job_keys = defs.resolve_job_def("daily_lakehouse").asset_layer.selected_asset_keys
    assert not any(key.path[0] == "raw" for key in job_keys), "production job must not generate demo data"
    tick = schedule.evaluate_tick(
        build_schedule_context(scheduled_execution_time=datetime(2024, 1, 16, 2, 0, tzinfo=UTC))
    )
    assert [request.partition_key for request in tick.run_requests] == ["2024-01-15"]
