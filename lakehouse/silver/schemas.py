"""Silver table models: clean, deduplicated, PII-free entities."""

import pyspark.sql.types as T
from pandera.pyspark import DataFrameModel, Field

from lakehouse.bronze.schemas import CHANNELS, COUNTRY, CUSTOMER_ID, HTTP_METHODS, ORDER_ID, PRODUCT_ID
from lakehouse.schema_types import MONEY, REVENUE

SILVER_CHANNELS = [*CHANNELS, "unknown"]
DEVICES = ["desktop", "mobile", "tablet", "bot", "other"]
SHA256_HEX = r"^[0-9a-f]{64}$"


class SilverOrders(DataFrameModel):
    order_id: T.StringType() = Field(
        nullable=False, str_matches=ORDER_ID, description="Order business key, unique per day"
    )
    customer_id: T.StringType() = Field(
        nullable=False, str_matches=CUSTOMER_ID, description="Customer who placed the order"
    )
    product_id: T.StringType() = Field(
        nullable=False, str_matches=PRODUCT_ID, description="Product ordered (known to the catalog)"
    )
    quantity: T.IntegerType() = Field(nullable=False, ge=1, description="Units ordered")
    unit_price: MONEY = Field(nullable=False, ge=0, description="Price per unit")
    revenue: REVENUE = Field(nullable=False, ge=0, description="quantity x unit_price")
    channel: T.StringType() = Field(
        nullable=False, isin=SILVER_CHANNELS, description="web, mobile, store, or 'unknown' when not sent"
    )
    order_ts: T.TimestampType() = Field(nullable=False, description="When the order was placed (UTC)")
    order_date: T.DateType() = Field(nullable=False, description="UTC day of order_ts")
    order_hour: T.IntegerType() = Field(nullable=False, ge=0, le=23, description="UTC hour of order_ts")
    day_of_week: T.IntegerType() = Field(
        nullable=False, ge=1, le=7, description="ISO day of week of order_ts, 1 = Monday"
    )
    is_late: T.BooleanType() = Field(
        nullable=False, description="Placed before the landing day: counted on the day it arrived"
    )
    category: T.StringType() = Field(nullable=False, description="Product category (from silver products)")
    product_name: T.StringType() = Field(nullable=True, description="Product name (from silver products)")
    customer_country: T.StringType() = Field(
        nullable=True, str_matches=COUNTRY, description="Customer country (from silver customers)"
    )
    updated_at: T.TimestampType() = Field(nullable=False, description="Version of the order that won the dedupe")
    dt: T.DateType() = Field(nullable=False, description="Landing day")

    class Config:
        # The business key is unique within a day's partition.
        unique = ["dt", "order_id"]


class SilverCustomers(DataFrameModel):
    customer_id: T.StringType() = Field(nullable=False, str_matches=CUSTOMER_ID, description="Customer business key")
    email_hash: T.StringType() = Field(
        nullable=True,
        str_matches=SHA256_HEX,
        description="HMAC-SHA256 under the salt of the trimmed, lower-cased e-mail; PII removed",
    )
    phone_hash: T.StringType() = Field(
        nullable=True, str_matches=SHA256_HEX, description="HMAC-SHA256 under the salt of the phone digits; PII removed"
    )
    city: T.StringType() = Field(nullable=True, description="City")
    country: T.StringType() = Field(nullable=True, str_matches=COUNTRY, description="ISO country code")
    signup_date: T.DateType() = Field(nullable=True, description="Day the customer signed up")
    updated_at: T.TimestampType() = Field(nullable=False, description="Version that won the dedupe")
    dt: T.DateType() = Field(nullable=False, description="Snapshot day")

    class Config:
        # The business key is unique within a day's partition.
        unique = ["dt", "customer_id"]


class SilverProducts(DataFrameModel):
    product_id: T.StringType() = Field(nullable=False, str_matches=PRODUCT_ID, description="Product business key")
    product_name: T.StringType() = Field(nullable=True, description="Display name")
    category: T.StringType() = Field(nullable=False, description="Catalog category, 'uncategorized' when missing")
    list_price: MONEY = Field(nullable=True, ge=0, description="Catalog price per unit")
    dt: T.DateType() = Field(nullable=False, description="Snapshot day")

    class Config:
        # The business key is unique within a day's partition.
        unique = ["dt", "product_id"]


class SilverWebLogs(DataFrameModel):
    ts: T.TimestampType() = Field(nullable=False, description="Request time (UTC)")
    event_hour: T.TimestampType() = Field(nullable=False, description="ts truncated to the hour")
    method: T.StringType() = Field(nullable=True, isin=HTTP_METHODS, description="HTTP method")
    path: T.StringType() = Field(nullable=True, description="Request path")
    status: T.IntegerType() = Field(nullable=False, ge=100, le=599, description="HTTP status code")
    is_error: T.BooleanType() = Field(nullable=False, description="Server error: status >= 500")
    latency_ms: T.IntegerType() = Field(nullable=True, ge=0, description="Server latency in milliseconds")
    customer_id: T.StringType() = Field(
        nullable=True, str_matches=CUSTOMER_ID, description="Signed-in customer, if any"
    )
    browser: T.StringType() = Field(nullable=False, description="Browser family parsed from the user agent")
    os: T.StringType() = Field(nullable=False, description="Operating system parsed from the user agent")
    device: T.StringType() = Field(nullable=False, isin=DEVICES, description="desktop, mobile, tablet, bot or other")
    dt: T.DateType() = Field(nullable=False, description="Landing day")


SILVER_CHECK_CONSTRAINTS: dict[str, dict[str, str]] = {
    "orders": {
        "quantity_positive": "quantity > 0",
        "unit_price_not_negative": "unit_price >= 0",
        "revenue_is_quantity_times_unit_price": "revenue = quantity * unit_price",
        "order_hour_in_day": "order_hour BETWEEN 0 AND 23",
        "day_of_week_iso": "day_of_week BETWEEN 1 AND 7",
    },
    "customers": {
        "email_hash_is_hex_digest": "email_hash IS NULL OR email_hash RLIKE '^[0-9a-f]{64}$'",
        "phone_hash_is_hex_digest": "phone_hash IS NULL OR phone_hash RLIKE '^[0-9a-f]{64}$'",
    },
    "products": {"list_price_not_negative": "list_price IS NULL OR list_price >= 0"},
    "web_logs": {
        "status_is_http": "status BETWEEN 100 AND 599",
        "is_error_means_server_error": "is_error = (status >= 500)",
    },
}
"""Invariants the silver transforms guarantee, enforced by Delta as CHECK constraints on every write: a violation is
a bug in a transform, and the write fails before it commits. Null-safe on nullable columns, so only a wrong value
breaks them. The softer rules (patterns, sets) stay with the asset checks, which measure them."""
