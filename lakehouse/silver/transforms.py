"""Silver transforms: bronze rows in, clean entities out (docs/design.md, "Cleaning rules").

Pure functions of DataFrames: no Dagster, no paths. Every input may hold several landing days (`dt`); every rule
works within one `dt` (dedupe per day, joins on the same day), so a run over N days gives, for each day, exactly
what a run over that day alone gives.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from lakehouse.bronze.schemas import Lineage, Quarantine
from lakehouse.conform import conform
from lakehouse.silver.pii import keyed_hash
from lakehouse.silver.schemas import SilverCustomers, SilverOrders, SilverProducts, SilverWebLogs
from lakehouse.silver.user_agent import parse_user_agent_udf

LINEAGE_COLUMNS: tuple[str, ...] = tuple(Lineage.to_structtype().fieldNames())

UNKNOWN_CHANNEL = "unknown"
UNCATEGORIZED = "uncategorized"

# Reject reasons of silver orders, in the order they are listed when a row has several.
REASON_QUANTITY = "quantity <= 0"
REASON_UNIT_PRICE = "unit_price < 0"
REASON_FUTURE = "order_ts in the future"
REASON_UNKNOWN_PRODUCT = "product_id not in products"
REASON_UNKNOWN_CUSTOMER = "customer_id not in customers"
REASON_REVENUE_OVERFLOW = "revenue does not fit DECIMAL(18,2)"

# REVENUE is DECIMAL(18,2): a product at or above this would fail the cast and, with ANSI on, the whole job.
_REVENUE_LIMIT = 10**16

_SECONDS_PER_DAY = 86_400
_SECONDS_PER_HOUR = 3_600


@dataclass(frozen=True)
class CleanOrders:
    """The three outcomes of the bronze orders of some days."""

    orders: DataFrame
    """Silver orders (SilverOrders schema): the latest valid version of each order of each day, enriched."""
    rejected: DataFrame
    """Latest versions that broke a rule (Quarantine schema): the bronze row as JSON and the reasons."""
    superseded: DataFrame
    """Older versions that lost the dedupe (bronze schema), kept for counting: they remain in bronze."""


def clean_orders(bronze_orders: DataFrame, silver_products: DataFrame, silver_customers: DataFrame) -> CleanOrders:
    """Dedupe, validate, derive and enrich the orders of each landing day against that day's dimensions."""
    ranked = _rank_versions(bronze_orders, "order_id", F.col("updated_at").desc())
    latest = ranked.where(F.col("_version") == 1).drop("_version")
    superseded = ranked.where(F.col("_version") > 1).select(*bronze_orders.columns)

    # The dimensions are one snapshot per day, a few thousand rows: broadcast them rather than shuffle the orders.
    products = F.broadcast(silver_products.select("dt", "product_id", "product_name", "category"))
    customers = F.broadcast(
        silver_customers.select(
            "dt", "customer_id", F.col("country").alias("customer_country"), F.lit(True).alias("_known_customer")
        )
    )
    candidates = (
        latest.withColumn("revenue", F.col("quantity") * F.col("unit_price"))
        .join(products, on=["dt", "product_id"], how="left")
        .join(customers, on=["dt", "customer_id"], how="left")
    )
    # category is never null in silver products, so a null one means the product is not in that day's catalog.
    checks: Sequence[tuple[Column, str]] = (
        (F.col("quantity") <= 0, REASON_QUANTITY),
        (F.col("unit_price") < 0, REASON_UNIT_PRICE),
        (F.col("order_ts") >= _start_of_next_day(F.col("dt")), REASON_FUTURE),
        (F.col("category").isNull(), REASON_UNKNOWN_PRODUCT),
        (F.col("_known_customer").isNull(), REASON_UNKNOWN_CUSTOMER),
        (F.abs(F.col("revenue")) >= _REVENUE_LIMIT, REASON_REVENUE_OVERFLOW),
    )
    judged = candidates.withColumn("reason", F.concat_ws("; ", *(F.when(failed, F.lit(why)) for failed, why in checks)))

    business_columns = [name for name in bronze_orders.columns if name not in LINEAGE_COLUMNS]
    rejected = judged.where(F.col("reason") != "").withColumn("raw_record", F.to_json(F.struct(*business_columns)))

    accepted = judged.where(F.col("reason") == "")
    order_date = _utc_date(F.col("order_ts"))
    orders = accepted.select(
        "*",
        order_date.alias("order_date"),
        _utc_hour(F.col("order_ts")).alias("order_hour"),
        (F.weekday(order_date) + 1).alias("day_of_week"),  # Spark's weekday is 0 = Monday; ISO is 1 = Monday
        (order_date < F.col("dt")).alias("is_late"),
    ).withColumn(
        "channel",
        F.when(F.coalesce(F.trim(F.col("channel")), F.lit("")) == "", F.lit(UNKNOWN_CHANNEL)).otherwise(
            F.col("channel")
        ),
    )
    return CleanOrders(
        orders=conform(orders, SilverOrders),
        rejected=conform(rejected, Quarantine),
        superseded=superseded,
    )


def clean_customers(bronze_customers: DataFrame, pii_salt: str) -> DataFrame:
    """Latest version of each customer of each day's snapshot, with e-mail and phone replaced by their
    HMAC-SHA256 under the secret ``pii_salt`` (lakehouse.silver.pii: the salt never enters a query plan).

    Name, street and postcode are dropped. An empty (or missing) e-mail or phone hashes to null, so that all
    customers without one do not share a hash.
    """
    if not pii_salt:
        # A hash of an e-mail under a known (empty) key is reversible with a dictionary: refuse rather than leak.
        raise ValueError("pii_salt must not be empty")
    pii_hash = keyed_hash(bronze_customers.sparkSession, pii_salt)
    latest = _latest_versions(bronze_customers, "customer_id", F.col("updated_at").desc())
    # Normalised in Spark, hashed in Python: the rules stay Spark's (its trim strips spaces only, unlike str.strip).
    customers = latest.select(
        "*",
        pii_hash(F.lower(F.trim(F.col("email")))).alias("email_hash"),
        pii_hash(F.regexp_replace(F.col("phone"), r"[^0-9]", "")).alias("phone_hash"),
    )
    return conform(customers, SilverCustomers)


def clean_products(bronze_products: DataFrame) -> DataFrame:
    """Last record of each product in each day's catalog; empty category → "uncategorized", negative price → null."""
    latest = _latest_versions(bronze_products, "product_id")
    products = latest.withColumn(
        "category",
        F.when(F.coalesce(F.trim(F.col("category")), F.lit("")) == "", F.lit(UNCATEGORIZED)).otherwise(
            F.col("category")
        ),
    ).withColumn("list_price", F.when(F.col("list_price") >= 0, F.col("list_price")))
    return conform(products, SilverProducts)


def clean_web_logs(bronze_web_logs: DataFrame) -> DataFrame:
    """Each request with its UTC hour, a server-error flag and its user agent parsed into browser, os, device."""
    seconds = F.unix_seconds(F.col("ts"))
    web_logs = (
        bronze_web_logs.withColumn(
            "event_hour", F.timestamp_seconds(seconds - F.pmod(seconds, F.lit(_SECONDS_PER_HOUR)))
        )
        .withColumn("is_error", F.col("status") >= 500)
        .withColumn("_agent", parse_user_agent_udf(F.col("user_agent")))
        .select("*", "_agent.browser", "_agent.os", "_agent.device")
    )
    return conform(web_logs, SilverWebLogs)


def _rank_versions(df: DataFrame, key: str, *newest_first: Column) -> DataFrame:
    """Number the versions of each key within each day, 1 = the winner.

    Ties (and sources without a version column) go to the later line of the later file.
    """
    window = Window.partitionBy("dt", key).orderBy(
        *newest_first, F.col("_source_file").desc(), F.col("_line_number").desc()
    )
    return df.withColumn("_version", F.row_number().over(window))


def _latest_versions(df: DataFrame, key: str, *newest_first: Column) -> DataFrame:
    return _rank_versions(df, key, *newest_first).where(F.col("_version") == 1).drop("_version")


# Calendar parts are computed from epoch seconds so that they are UTC whatever the session time zone is.
def _utc_date(ts: Column) -> Column:
    return F.date_from_unix_date(F.floor(F.unix_seconds(ts) / _SECONDS_PER_DAY).cast("int"))


def _utc_hour(ts: Column) -> Column:
    return F.floor(F.pmod(F.unix_seconds(ts), F.lit(_SECONDS_PER_DAY)) / _SECONDS_PER_HOUR).cast("int")


def _start_of_next_day(day: Column) -> Column:
    return F.timestamp_seconds((F.unix_date(day) + 1).cast("long") * _SECONDS_PER_DAY)
