"""Small jobs on the lakehouse's alerting executor, no Spark: what an alert says about a run's outcome."""

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetKey,
    Definitions,
    JobDefinition,
    MaterializeResult,
    StaticPartitionsDefinition,
    asset,
    define_asset_job,
)

from lakehouse.alerts.executor import alerting_in_process_executor

DAYS = StaticPartitionsDefinition(["2024-01-01", "2024-01-02"])
GOLD = AssetKey(["gold", "toy_sales"])
SILVER = AssetKey(["silver", "toy_orders"])


@asset(key=["bronze", "toy_orders_quarantine"], partitions_def=DAYS)
def quarantine() -> MaterializeResult:
    return MaterializeResult(metadata={"rows_written": 2})


@asset(
    key=SILVER,
    partitions_def=DAYS,
    check_specs=[AssetCheckSpec("orders_model", asset=SILVER, blocking=True)],
)
def silver_orders(context) -> MaterializeResult:
    # The second day breaks silver's model: its blocking check fails, and gold is not built for it.
    broken = context.partition_key == "2024-01-02"
    return MaterializeResult(
        metadata={"rows_written": 40},
        check_results=[
            AssetCheckResult(passed=not broken, description="3 rows break order_id's pattern" if broken else None)
        ],
    )


@asset(
    key=GOLD,
    deps=[SILVER],
    partitions_def=DAYS,
    check_specs=[AssetCheckSpec("gold_fresh", asset=GOLD)],
)
def gold_sales() -> MaterializeResult:
    return MaterializeResult(
        metadata={"rows_written": 5},
        check_results=[AssetCheckResult(passed=False, severity=AssetCheckSeverity.WARN, description="stale")],
    )


@asset(key=["silver", "toy_exploding"])
def exploding() -> None:
    raise ValueError("landing file orders.csv is missing\nsecond line of the message")


defs = Definitions(
    assets=[quarantine, silver_orders, gold_sales, exploding],
    jobs=[
        define_asset_job("toy_medallion", selection=[quarantine, silver_orders, gold_sales]),
        define_asset_job("toy_exploding", selection=[exploding]),
    ],
    executor=alerting_in_process_executor,
)


def toy_medallion() -> JobDefinition:
    return defs.resolve_job_def("toy_medallion")


def toy_exploding() -> JobDefinition:
    return defs.resolve_job_def("toy_exploding")
