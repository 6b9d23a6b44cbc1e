"""Bronze table models: the typed shape of each raw source, plus lineage.

Each pandera model is the single source of truth for its table: the Spark schema the parser emits, the
Dagster column docs and (later) the quality checks all derive from it.
"""

from typing import Final

import pyspark.sql.types as T
from pandera.pyspark import DataFrameModel, Field

from lakehouse.schema_types import MONEY

ORDER_ID: Final = r"^O\d{8}-\d{6}$"
"""An order id: ``O<yyyymmdd>-<6 digits>``, as the source system issues them."""
CUSTOMER_ID: Final = r"^C\d{6}$"
PRODUCT_ID: Final = r"^P\d{4}$"
COUNTRY: Final = r"^[A-Z]{2}$"
"""ISO 3166-1 alpha-2."""
CHANNELS: Final = ["web", "mobile", "store"]
HTTP_METHODS: Final = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


class Lineage(DataFrameModel):
    """Where each row came from. Every bronze and quarantine table carries these columns."""

    source_file: T.StringType() = Field(
        nullable=False, alias="_source_file", description="Landing-zone file the row was read from"
    )
    line_number: T.LongType() = Field(
        nullable=False, alias="_line_number", description="1-based line number in that file"
    )
    ingested_at: T.TimestampType() = Field(
        nullable=False, alias="_ingested_at", description="When the bronze run read the file (UTC)"
    )
    run_id: T.StringType() = Field(nullable=False, alias="_run_id", description="Dagster run that ingested the row")
    dt: T.DateType() = Field(nullable=False, description="Landing day: the partition the file arrived in")


class Quarantine(Lineage):
    """Rows that could not enter a table, kept verbatim with the reason, so nothing is lost."""

    raw_record: T.StringType() = Field(nullable=False, description="The raw line (bronze) or the row as JSON (silver)")
    reason: T.StringType() = Field(
        nullable=False, description="Why the row was rejected; several reasons are joined by '; '"
    )


class BronzeOrders(Lineage):
    order_id: T.StringType() = Field(nullable=False, str_matches=ORDER_ID, description="Order business key")
    customer_id: T.StringType() = Field(
        nullable=False, str_matches=CUSTOMER_ID, description="Customer who placed the order"
    )
    product_id: T.StringType() = Field(nullable=False, str_matches=PRODUCT_ID, description="Product ordered")
    quantity: T.IntegerType() = Field(nullable=False, description="Units ordered, as sent (may be negative)")
    unit_price: MONEY = Field(nullable=False, description="Price per unit, as sent (may be negative)")
    channel: T.StringType() = Field(nullable=True, isin=CHANNELS, description="Sales channel: web, mobile or store")
    order_ts: T.TimestampType() = Field(nullable=False, description="When the order was placed (UTC)")
    updated_at: T.TimestampType() = Field(
        nullable=False, description="Last change in the source system; the latest version wins"
    )


class BronzeCustomers(Lineage):
    customer_id: T.StringType() = Field(nullable=False, str_matches=CUSTOMER_ID, description="Customer business key")
    first_name: T.StringType() = Field(nullable=True, description="PII: given name")
    last_name: T.StringType() = Field(nullable=True, description="PII: family name")
    email: T.StringType() = Field(nullable=True, description="PII: e-mail address")
    phone: T.StringType() = Field(nullable=True, description="PII: phone number")
    street: T.StringType() = Field(nullable=True, description="PII: street address")
    city: T.StringType() = Field(nullable=True, description="City")
    postcode: T.StringType() = Field(nullable=True, description="PII: postal code")
    country: T.StringType() = Field(nullable=True, str_matches=COUNTRY, description="ISO country code")
    signup_date: T.DateType() = Field(nullable=True, description="Day the customer signed up")
    updated_at: T.TimestampType() = Field(nullable=False, description="Last change in the source system")


class BronzeProducts(Lineage):
    product_id: T.StringType() = Field(nullable=False, str_matches=PRODUCT_ID, description="Product business key")
    product_name: T.StringType() = Field(nullable=True, description="Display name")
    category: T.StringType() = Field(nullable=True, description="Catalog category")
    list_price: MONEY = Field(nullable=True, description="Catalog price per unit")


class BronzeWebLogs(Lineage):
    ts: T.TimestampType() = Field(nullable=False, description="Request time (UTC)")
    method: T.StringType() = Field(nullable=True, isin=HTTP_METHODS, description="HTTP method")
    path: T.StringType() = Field(nullable=True, description="Request path")
    status: T.IntegerType() = Field(nullable=False, ge=100, le=599, description="HTTP status code")
    latency_ms: T.IntegerType() = Field(nullable=True, ge=0, description="Server latency in milliseconds")
    user_agent: T.StringType() = Field(nullable=True, description="Raw User-Agent header")
    customer_id: T.StringType() = Field(
        nullable=True, str_matches=CUSTOMER_ID, description="Signed-in customer, if any"
    )


BRONZE_MODELS: dict[str, type[DataFrameModel]] = {
    "orders": BronzeOrders,
    "customers": BronzeCustomers,
    "products": BronzeProducts,
    "web_logs": BronzeWebLogs,
}
