"""Gold: the business metrics, computed per landing day from silver."""

from datetime import date

from dagster import AssetExecutionContext, AssetIn, AssetKey, asset
from pyspark.sql import DataFrame

from lakehouse.gold.schemas import (
    Customer360,
    CustomerRfm,
    DailySales,
    ProductPerformance,
    SalesRolling7d,
    WebErrorRateHourly,
)
from lakehouse.gold.transforms import (
    LIFETIME_LOOKBACK_DAYS,
    RFM_WINDOW_DAYS,
    ROLLING_WINDOW_DAYS,
    customer_360,
    customer_rfm,
    daily_sales,
    product_performance,
    sales_rolling_7d,
    web_error_rate_hourly,
)
from lakehouse.partitions import DayRange, daily_partitions
from lakehouse.policies import IO_RETRY_POLICY
from lakehouse.resources.delta_io import LOOKBACK_DAYS_METADATA_KEY
from lakehouse.table_metadata import definition_metadata

_GOLD = {
    "partitions_def": daily_partitions,
    "group_name": "gold",
    "kinds": {"spark", "delta"},
    "io_manager_key": "delta_io_manager",
    "retry_policy": IO_RETRY_POLICY,
}


def _silver(table: str, lookback_days: int = 0) -> AssetIn:
    """An input on a silver table; with a lookback, the window also covers the days before each partition.

    The lookback is read by the IO manager, not declared as a ``TimeWindowPartitionMapping``: Dagster maps a
    backfill's days downstream through such a mapping, so backfilling D..E would also re-run E+1..E+lookback
    (docs/design.md, "What a range backfill touches"). Dagster sees day D depend on day D only.
    """
    metadata = {LOOKBACK_DAYS_METADATA_KEY: lookback_days} if lookback_days else None
    return AssetIn(key=AssetKey(["silver", table]), metadata=metadata)


def _output_days(context: AssetExecutionContext) -> list[date]:
    return DayRange.of_window(context.partition_time_window).days()


@asset(
    key=["gold", "daily_sales"], ins={"orders": _silver("orders")}, metadata=definition_metadata(DailySales), **_GOLD
)
def gold_daily_sales(orders: DataFrame) -> DataFrame:
    """Orders, units, revenue and customers per day, product category and sales channel."""
    return daily_sales(orders)


@asset(
    key=["gold", "sales_rolling_7d"],
    ins={"orders": _silver("orders", ROLLING_WINDOW_DAYS - 1)},
    metadata=definition_metadata(SalesRolling7d),
    **_GOLD,
)
def gold_sales_rolling_7d(context: AssetExecutionContext, orders: DataFrame) -> DataFrame:
    """Totals and daily averages over the 7 days ending on each day, and the day's growth vs. that average.
    Reads silver orders for the 6 days before the partition too."""
    return sales_rolling_7d(orders, _output_days(context))


@asset(
    key=["gold", "customer_rfm"],
    ins={"orders": _silver("orders", RFM_WINDOW_DAYS - 1), "customers": _silver("customers")},
    metadata=definition_metadata(CustomerRfm),
    **_GOLD,
)
def gold_customer_rfm(context: AssetExecutionContext, orders: DataFrame, customers: DataFrame) -> DataFrame:
    """Recency, frequency and monetary value per customer over the 30 days ending on each day, scored 1-5 and
    segmented. Reads silver orders for the 29 days before the partition too."""
    return customer_rfm(orders, customers, _output_days(context))


@asset(
    key=["gold", "customer_360"],
    ins={
        "orders": _silver("orders", LIFETIME_LOOKBACK_DAYS),
        "customers": _silver("customers"),
        "rfm": AssetIn(key=AssetKey(["gold", "customer_rfm"])),
    },
    metadata=definition_metadata(Customer360),
    **_GOLD,
)
def gold_customer_360(
    context: AssetExecutionContext, orders: DataFrame, customers: DataFrame, rfm: DataFrame
) -> DataFrame:
    """One profile per customer and day: first and last order, lifetime orders and value, average order value,
    preferred category and channel, the day's RFM scores and segment (from gold.customer_rfm) and the hashed contact
    keys. Lifetime is every order landed up to the day: reads every earlier day of silver orders."""
    return customer_360(orders, customers, rfm, _output_days(context))


@asset(
    key=["gold", "product_performance"],
    ins={"orders": _silver("orders")},
    metadata=definition_metadata(ProductPerformance),
    **_GOLD,
)
def gold_product_performance(orders: DataFrame) -> DataFrame:
    """Orders, units and revenue per product and day, its share of the category's revenue and its rank in it."""
    return product_performance(orders)


@asset(
    key=["gold", "web_error_rate_hourly"],
    ins={"web_logs": _silver("web_logs")},
    metadata=definition_metadata(WebErrorRateHourly),
    **_GOLD,
)
def gold_web_error_rate_hourly(web_logs: DataFrame) -> DataFrame:
    """Requests, server and client errors, and the server error rate per hour."""
    return web_error_rate_hourly(web_logs)


gold_assets = [
    gold_daily_sales,
    gold_sales_rolling_7d,
    gold_customer_rfm,
    gold_customer_360,
    gold_product_performance,
    gold_web_error_rate_hourly,
]
