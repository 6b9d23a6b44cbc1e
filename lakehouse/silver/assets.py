"""Silver: clean, deduplicated, PII-free entities, one landing day per partition."""

from dagster import AssetExecutionContext, AssetIn, AssetKey, AssetOut, Output, asset, multi_asset
from pandera.pyspark import DataFrameModel
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


def _rejected_out(table: str, description: str) -> AssetOut:
    """The output of a silver table's rejects: rows of ``table`` that broke a rule, as JSON with the reason."""
    return AssetOut(
        key=AssetKey(["silver", f"{table}_rejected"]),
        description=description,
        metadata=definition_metadata(Quarantine),
        io_manager_key="delta_io_manager",
        kinds={"spark", "delta"},
    )


def _table_out(table: str, model: type[DataFrameModel], description: str) -> AssetOut:
    return AssetOut(
        key=AssetKey(["silver", table]),
        description=description,
        metadata=definition_metadata(model, SILVER_CHECK_CONSTRAINTS[table]),
        io_manager_key="delta_io_manager",
        kinds={"spark", "delta"},
    )


# A multi_asset takes these of _SILVER; each of its outs carries the rest.
_SILVER_MULTI = {"partitions_def": daily_partitions, "group_name": "silver", "retry_policy": IO_RETRY_POLICY}


@multi_asset(
    name="silver_customers",
    outs={
        "customers": _table_out(
            "customers",
            SilverCustomers,
            "The day's customer snapshot, latest version per customer, with e-mail and phone replaced by their HMAC "
            "under a secret salt and names, street and postcode dropped.",
        ),
        "rejected": _rejected_out(
            "customers",
            "Customers whose customer_id breaks its pattern, as their silver row in JSON (hashes, no name, street "
            "or postcode: no PII) with the reason.",
        ),
    },
    ins={"bronze_customers": _bronze("customers")},
    **_SILVER_MULTI,
)
def silver_customers(bronze_customers: DataFrame, pii: PiiPolicy):
    """Cleans the day's customers and routes the rejects to their own table."""
    cleaned = clean_customers(bronze_customers, pii.salt)
    yield Output(cleaned.table, output_name="customers")
    yield Output(cleaned.rejected, output_name="rejected")


@multi_asset(
    name="silver_products",
    outs={
        "products": _table_out("products", SilverProducts, "The day's product catalog, one row per product."),
        "rejected": _rejected_out(
            "products", "Products whose product_id breaks its pattern, as the bronze row in JSON with the reason."
        ),
    },
    ins={"bronze_products": _bronze("products")},
    **_SILVER_MULTI,
)
def silver_products(bronze_products: DataFrame):
    """Cleans the day's catalog and routes the rejects to their own table."""
    cleaned = clean_products(bronze_products)
    yield Output(cleaned.table, output_name="products")
    yield Output(cleaned.rejected, output_name="rejected")


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
        "orders": _table_out(
            "orders",
            SilverOrders,
            "Orders deduplicated on order_id (latest updated_at wins), with revenue, hour, ISO day of week and a late "
            "flag, enriched with product and customer attributes.",
        ),
        "rejected": _rejected_out(
            "orders",
            "Orders that broke a business rule (a key that breaks its pattern, non-positive quantity, negative "
            "price, future timestamp, unknown product or customer), as JSON with the reason.",
        ),
    },
    ins={
        "bronze_orders": _bronze("orders"),
        "products": AssetIn(key=AssetKey(["silver", "products"])),
        "customers": AssetIn(key=AssetKey(["silver", "customers"])),
    },
    **_SILVER_MULTI,
)
def silver_orders(context: AssetExecutionContext, bronze_orders: DataFrame, products: DataFrame, customers: DataFrame):
    """Cleans the day's orders and routes the rejects to their own table."""
    cleaned = clean_orders(bronze_orders, products, customers)
    superseded = cleaned.superseded.count()
    context.log.info(f"{superseded} superseded order versions stay in bronze only")
    yield Output(cleaned.orders, output_name="orders", metadata={"superseded_versions": superseded})
    yield Output(cleaned.rejected, output_name="rejected")


silver_assets = [silver_customers, silver_products, silver_web_logs, silver_orders]
