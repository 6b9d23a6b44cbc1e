"""Silver transforms: bronze rows in, clean entities out (docs/design.md, "Cleaning rules").

Pure functions of DataFrames: no Dagster, no paths. Every input may hold several landing days (`dt`); every rule
works within one `dt` (dedupe per day, joins on the same day), so a run over N days gives, for each day, exactly
what a run over that day alone gives.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from lakehouse.bronze.parsing import python_repr
from lakehouse.bronze.schemas import CUSTOMER_ID, ORDER_ID, PRODUCT_ID, Lineage, Quarantine
from lakehouse.conform import conform
from lakehouse.silver.pii import keyed_hash
from lakehouse.silver.schemas import SilverCustomers, SilverOrders, SilverProducts, SilverWebLogs
from lakehouse.silver.user_agent import parse_user_agent_udf

LINEAGE_COLUMNS: tuple[str, ...] = tuple(Lineage.to_structtype().fieldNames())

UNKNOWN_CHANNEL = "unknown"
UNCATEGORIZED = "uncategorized"

KEY_PATTERNS: Final = {"order_id": ORDER_ID, "customer_id": CUSTOMER_ID, "product_id": PRODUCT_ID}
"""The business keys. A row whose key breaks its pattern is rejected whatever the share of such rows: a key dedupes
and joins the row, so a near miss (full-width digits, ``Ö`` for ``O``) would be another entity, not a dirty value."""

# Reject reasons of silver orders, in the order they are listed when a row has several (after the keys', which
# come first, in column order: ``order_id: 'Ö20240101-000001' does not match ^O\d{8}-\d{6}$``).
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
class CleanDimension:
    """The two outcomes of a dimension's bronze rows of some days."""

    table: DataFrame
    """The silver table (its model's schema): the latest version of each valid key of each day."""
    rejected: DataFrame
    """Latest versions whose key broke its pattern (Quarantine schema): the row as JSON and the reasons."""


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
    # An order with a broken customer or product key also gets "not in": the dimension rejected that key too.
    judged = _judged(
        candidates,
        _key_check("order_id"),
        _key_check("customer_id"),
        _key_check("product_id"),
        (F.col("quantity") <= 0, F.lit(REASON_QUANTITY)),
        (F.col("unit_price") < 0, F.lit(REASON_UNIT_PRICE)),
        (F.col("order_ts") >= _start_of_next_day(F.col("dt")), F.lit(REASON_FUTURE)),
        (F.col("category").isNull(), F.lit(REASON_UNKNOWN_PRODUCT)),
        (F.col("_known_customer").isNull(), F.lit(REASON_UNKNOWN_CUSTOMER)),
        (F.abs(F.col("revenue")) >= _REVENUE_LIMIT, F.lit(REASON_REVENUE_OVERFLOW)),
    )
    rejected = _rejected(judged, _business_columns(bronze_orders))

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


def clean_customers(bronze_customers: DataFrame, pii_salt: str) -> CleanDimension:
    """Latest version of each customer of each day's snapshot, with e-mail and phone replaced by their
    HMAC-SHA256 under the secret ``pii_salt`` (lakehouse.silver.pii: the salt never enters a query plan).

    Name, street and postcode are dropped. An empty (or missing) e-mail or phone hashes to null, so that all
    customers without one do not share a hash. A customer whose key breaks its pattern is rejected as its silver
    row (hashes, no name, street or postcode): silver holds no PII, its rejects included.
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
    judged = _judged(customers, _key_check("customer_id"))
    silver_columns = [name for name in SilverCustomers.to_structtype().fieldNames() if name not in LINEAGE_COLUMNS]
    return CleanDimension(
        table=conform(judged.where(F.col("reason") == ""), SilverCustomers),
        rejected=conform(_rejected(judged, silver_columns), Quarantine),
    )


def clean_products(bronze_products: DataFrame) -> CleanDimension:
    """Last record of each product in each day's catalog; empty category → "uncategorized", negative price → null.

    A product whose key breaks its pattern is rejected as its bronze row."""
    judged = _judged(_latest_versions(bronze_products, "product_id"), _key_check("product_id"))
    products = (
        judged.where(F.col("reason") == "")
        .withColumn(
            "category",
            F.when(F.coalesce(F.trim(F.col("category")), F.lit("")) == "", F.lit(UNCATEGORIZED)).otherwise(
                F.col("category")
            ),
        )
        .withColumn("list_price", F.when(F.col("list_price") >= 0, F.col("list_price")))
    )
    return CleanDimension(
        table=conform(products, SilverProducts),
        rejected=conform(_rejected(judged, _business_columns(bronze_products)), Quarantine),
    )


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


def _key_check(column: str) -> tuple[Column, Column]:
    """(broken, reason) of a business key: the whole value must match its pattern. Java's ``$`` also matches before
    a final line break, so a match shorter than the value breaks it; Java's ``\\d`` is ASCII digits only."""
    pattern = KEY_PATTERNS[column]
    value = F.col(column)
    return (
        F.regexp_extract(value, pattern, 0) != value,
        F.concat(F.lit(f"{column}: "), python_repr(value), F.lit(f" does not match {pattern}")),
    )


def _judged(df: DataFrame, *checks: tuple[Column, Column]) -> DataFrame:
    """``df`` with ``reason``: every (broken, reason) of ``checks`` that holds, in their order, joined by "; ";
    empty when the row breaks none."""
    return df.withColumn("reason", F.concat_ws("; ", *(F.when(broken, why) for broken, why in checks)))


def _rejected(judged: DataFrame, record_columns: Sequence[str]) -> DataFrame:
    """The judged rows with a reason, with ``raw_record``: ``record_columns`` as JSON, for the Quarantine schema."""
    return judged.where(F.col("reason") != "").withColumn("raw_record", F.to_json(F.struct(*record_columns)))


def _business_columns(df: DataFrame) -> list[str]:
    return [name for name in df.columns if name not in LINEAGE_COLUMNS]


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
