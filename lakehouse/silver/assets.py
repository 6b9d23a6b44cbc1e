"""Silver: clean, deduplicated, PII-free entities, one landing day per partition."""

from dagster import AssetExecutionContext, AssetIn, AssetKey, AssetOut, Output, asset, multi_asset
from pyspark.sql import DataFrame

from lakehouse.bronze.schemas import Quarantine
from lakehouse.partitions import daily_partitions
from lakehouse.policies import IO_RETRY_POLICY
from lakehouse.resources.pii import PiiPolicy
from lakehouse.silver.schemas import (
    SILVER_CHECK_CONSTRAINTS,
    SilverCustomers,
    SilverOrders,
    SilverProducts,
    SilverWebLogs,
)
from lakehouse.silver.transforms import clean_customers, clean_orders, clean_products, clean_web_logs
from lakehouse.table_metadata import definition_metadata

_SILVER = {
    "partitions_def": daily_partitions,
    "group_name": "silver",
    "kinds": {"spark", "delta"},
    "io_manager_key": "delta_io_manager",
    "retry_policy": IO_RETRY_POLICY,
}


def _bronze(source: str) -> AssetIn:
    return AssetIn(key=AssetKey(["bronze", source]))


@asset(
    key=["silver", "customers"],
    ins={"bronze_customers": _bronze("customers")},
    metadata=definition_metadata(SilverCustomers, SILVER_CHECK_CONSTRAINTS["customers"]),
    **_SILVER,
)
def silver_customers(bronze_customers: DataFrame, pii: PiiPolicy) -> DataFrame:
    """The day's customer snapshot, latest version per customer, with e-mail and phone replaced by their HMAC under
    a secret salt and names, street and postcode dropped."""
    return clean_customers(bronze_customers, pii.salt)


@asset(
    key=["silver", "products"],
    ins={"bronze_products": _bronze("products")},
    metadata=definition_metadata(SilverProducts, SILVER_CHECK_CONSTRAINTS["products"]),
    **_SILVER,
)
def silver_products(bronze_products: DataFrame) -> DataFrame:
    """The day's product catalog, one row per product."""
    return clean_products(bronze_products)


@asset(
    key=["silver", "web_logs"],
    ins={"bronze_web_logs": _bronze("web_logs")},
    metadata=definition_metadata(SilverWebLogs, SILVER_CHECK_CONSTRAINTS["web_logs"]),
    **_SILVER,
)
def silver_web_logs(bronze_web_logs: DataFrame) -> DataFrame:
    """Web requests with the hour, an error flag and the user agent parsed into browser, os and device."""
    return clean_web_logs(bronze_web_logs)


@multi_asset(
    name="silver_orders",
    outs={
        "orders": AssetOut(
            key=AssetKey(["silver", "orders"]),
            description="Orders deduplicated on order_id (latest updated_at wins), with revenue, hour, ISO day of "
            "week and a late flag, enriched with product and customer attributes.",
            metadata=definition_metadata(SilverOrders, SILVER_CHECK_CONSTRAINTS["orders"]),
            io_manager_key="delta_io_manager",
            kinds={"spark", "delta"},
        ),
        "rejected": AssetOut(
            key=AssetKey(["silver", "orders_rejected"]),
            description="Orders that broke a business rule (non-positive quantity, negative price, future timestamp, "
            "unknown product or customer), as JSON with the reason.",
            metadata=definition_metadata(Quarantine),
            io_manager_key="delta_io_manager",
            kinds={"spark", "delta"},
        ),
    },
    ins={
        "bronze_orders": _bronze("orders"),
        "products": AssetIn(key=AssetKey(["silver", "products"])),
        "customers": AssetIn(key=AssetKey(["silver", "customers"])),
    },
    partitions_def=daily_partitions,
    group_name="silver",
    retry_policy=IO_RETRY_POLICY,
)
def silver_orders(context: AssetExecutionContext, bronze_orders: DataFrame, products: DataFrame, customers: DataFrame):
    """Cleans the day's orders and routes the rejects to their own table."""
    cleaned = clean_orders(bronze_orders, products, customers)
    superseded = cleaned.superseded.count()
    context.log.info(f"{superseded} superseded order versions stay in bronze only")
    yield Output(cleaned.orders, output_name="orders", metadata={"superseded_versions": superseded})
    yield Output(cleaned.rejected, output_name="rejected")


silver_assets = [silver_customers, silver_products, silver_web_logs, silver_orders]
