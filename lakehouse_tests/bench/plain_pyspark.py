"""The plain PySpark floor of ``make bench``: the cleaning rules of docs/design.md, written by hand in one file.

No Dagster, no asset checks, no lakehouse code but its Spark settings (``lakehouse.spark_session``), so the
benchmark compares the lakehouse with what a competent engineer would write directly: Spark's own CSV and JSON
readers in PERMISSIVE mode, Spark SQL functions, and delta-spark writes that replace the range of days. It reads
the landing files under ``<root>/raw`` and writes the same Delta tables as the lakehouse at the same paths
(``<root>/<layer>/<table>``, partitioned by ``dt``); each layer reads the one below back from Delta, as the
lakehouse's steps do (and the gold windows need earlier days anyway).

The typing, required-field, dedupe, reject, derive, join, hash and aggregate rules are the contract's. Where the
floor is simpler, on purpose (none of it changes a row of the generator's files):
- a record Spark's parser refuses (wrong field count, a value of the wrong type, broken JSON) is quarantined as
  ``malformed record``, verbatim; other quarantined records (a required field empty, a status out of range,
  money that is not an exact DECIMAL(12,2)) carry the parsed row as JSON, as Spark keeps no raw text for them;
- CSV fields are mapped by position, as Spark's reader does with a schema: a file whose header differs fails the
  run (``enforceSchema=false``) instead of being read by name;
- values follow Spark's own syntax (e.g. no whitespace around a number, timestamps with seconds);
- ``_line_number`` is the record's position in its file, which is its line number when the file has no blank
  lines: Spark's readers do not expose line numbers;
- PII: HMAC-SHA256 assembled from ``sha2``, the same digests as the lakehouse's, but the key is a literal in the
  query plan (the lakehouse keeps it out with a pandas UDF and a broadcast);
- user agents: a SQL CASE on substrings, in the lakehouse parser's order, instead of a pandas UDF;
- a key that breaks its pattern is rejected as ``order_id does not match its pattern``, without the value.

    python -m lakehouse_tests.bench.plain_pyspark --root <warehouse root> --from YYYY-MM-DD --to YYYY-MM-DD
"""

import argparse
import hashlib
import os
import sys
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Final

from pyspark.sql import Column, DataFrame, SparkSession, Window
from pyspark.sql import functions as F

from lakehouse.spark_session import build_spark_session, lakehouse_spark_conf

PII_SALT_ENV: Final = "LAKEHOUSE_PII_SALT"
CORRUPT: Final = "_corrupt_record"

LINEAGE: Final = ("_source_file", "_line_number", "_ingested_at", "_run_id", "dt")
CSV_SOURCES: Final = ("orders", "products")
READ_SCHEMAS: Final = {
    # Money is read as text: Spark's decimal parser rounds 20.001 to 20.00, and the contract wants it refused.
    "orders": "order_id STRING, customer_id STRING, product_id STRING, quantity INT, unit_price STRING, "
    "channel STRING, order_ts TIMESTAMP, updated_at TIMESTAMP",
    "products": "product_id STRING, product_name STRING, category STRING, list_price STRING",
    "customers": "customer_id STRING, name STRUCT<first: STRING, last: STRING>, "
    "contact STRUCT<email: STRING, phone: STRING>, "
    "address STRUCT<street: STRING, city: STRING, postcode: STRING, country: STRING>, "
    "signup_date DATE, updated_at TIMESTAMP",
    "web_logs": "ts TIMESTAMP, method STRING, path STRING, status INT, latency_ms INT, user_agent STRING, "
    "customer_id STRING",
}
FLATTENED: Final = {
    # Bronze customers: the nested objects flattened into columns.
    "customers": {
        "customer_id": "customer_id",
        "first_name": "name.first",
        "last_name": "name.last",
        "email": "contact.email",
        "phone": "contact.phone",
        "street": "address.street",
        "city": "address.city",
        "postcode": "address.postcode",
        "country": "address.country",
        "signup_date": "signup_date",
        "updated_at": "updated_at",
    }
}
REQUIRED: Final = {
    "orders": ("order_id", "customer_id", "product_id", "quantity", "unit_price", "order_ts", "updated_at"),
    "products": ("product_id",),
    "customers": ("customer_id", "updated_at"),
    "web_logs": ("ts", "status"),
}
MONEY: Final = {"orders": ("unit_price",), "products": ("list_price",)}
EXACT_MONEY: Final = r"^[+-]?[0-9]{1,10}([.][0-9]{1,2})?$"
"""DECIMAL(12,2) exactly: at most 2 decimals, magnitude below 10^10."""
STATUS_RANGE: Final = (100, 599)
KEYS: Final = {"order_id": r"^O[0-9]{8}-[0-9]{6}\z", "customer_id": r"^C[0-9]{6}\z", "product_id": r"^P[0-9]{4}\z"}
"""Business keys: ASCII digits, and ``\\z`` (the end of the value; Java's ``$`` also matches before a final \\n)."""

ROLLING_DAYS: Final = 7
RFM_DAYS: Final = 30
REVENUE_LIMIT: Final = 10**16
"""revenue is DECIMAL(18,2): a larger product would fail the cast (and, with ANSI on, the job)."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", type=Path, required=True, help="warehouse root: raw/ in, <layer>/<table> out")
    parser.add_argument("--from", dest="first", type=date.fromisoformat, required=True, help="first day")
    parser.add_argument("--to", dest="last", type=date.fromisoformat, required=True, help="last day (inclusive)")
    args = parser.parse_args(argv)
    salt = os.environ.get(PII_SALT_ENV, "")
    if not salt:
        parser.error(f"set {PII_SALT_ENV}: an empty salt makes the e-mail hashes reversible")
    if args.first > args.last:
        parser.error(f"--from {args.first} is after --to {args.last}")

    spark = build_spark_session(lakehouse_spark_conf("local[*]", "plain_pyspark"))
    try:
        pipeline = Pipeline(spark, str(args.root.resolve()), args.first, args.last, salt)
        for step in (pipeline.bronze, pipeline.silver, pipeline.gold):
            start = time.perf_counter()
            step()
            print(f"{step.__name__}: {time.perf_counter() - start:.1f} s", flush=True)
    finally:
        spark.stop()
    return 0


@dataclass(frozen=True)
class Pipeline:
    """The days ``first..last`` of one warehouse, layer by layer."""

    spark: SparkSession
    root: str
    first: date
    last: date
    pii_salt: str

    def bronze(self) -> None:
        run_id = f"plain-{uuid.uuid4().hex}"
        ingested_at = datetime.now(UTC)
        for source in READ_SCHEMAS:
            # Parsed once and kept on the executors: the table and the quarantine are two writes of one parse.
            parsed = self._parsed(source, run_id, ingested_at).localCheckpoint()
            business = _business_columns(parsed)
            good = parsed.where(F.col("_reason").isNull()).select(*LINEAGE, *business)
            self._write(good, "bronze", source)
            quarantined = parsed.where(F.col("_reason").isNotNull()).select(
                *LINEAGE,
                F.coalesce(F.col(CORRUPT), F.to_json(F.struct(*business))).alias("raw_record"),
                F.col("_reason").alias("reason"),
            )
            self._write(quarantined, "bronze", f"{source}_quarantine")

    def silver(self) -> None:
        products = self._read("bronze", "products")
        judged_products = _judged_keys(_latest(products, "product_id"), "product_id")
        self._write(_rejected(judged_products, _business_columns(products)), "silver", "products_rejected")
        self._write(_silver_products(judged_products), "silver", "products")
        customers = _silver_customers(self._read("bronze", "customers"), _keyed_hash(self.pii_salt))
        judged_customers = _judged_keys(customers, "customer_id")
        # The silver row, not the bronze one: a reject table holds no PII either.
        record = [name for name in customers.columns if name != "dt"]
        self._write(_rejected(judged_customers, record), "silver", "customers_rejected")
        self._write(judged_customers.where(F.col("reason") == "").drop("reason"), "silver", "customers")
        self._write(_silver_web_logs(self._read("bronze", "web_logs")), "silver", "web_logs")
        # Orders are checked against the day's products and customers as written, like the lakehouse's.
        orders = self._read("bronze", "orders")
        judged = _judged_orders(orders, self._read("silver", "products"), self._read("silver", "customers"))
        self._write(_rejected(judged, _business_columns(orders)), "silver", "orders_rejected")
        self._write(_silver_orders(judged), "silver", "orders")

    def gold(self) -> None:
        orders = self._read("silver", "orders")
        self._write(_daily_sales(orders), "gold", "daily_sales")
        self._write(self._sales_rolling_7d(), "gold", "sales_rolling_7d")
        self._write(self._customer_rfm(), "gold", "customer_rfm")
        self._write(self._customer_360(), "gold", "customer_360")
        self._write(_product_performance(orders), "gold", "product_performance")
        self._write(_web_error_rate_hourly(self._read("silver", "web_logs")), "gold", "web_error_rate_hourly")

    def _sales_rolling_7d(self) -> DataFrame:
        per_day = (
            self._read("silver", "orders", lookback_days=ROLLING_DAYS - 1)
            .groupBy("dt")
            .agg(F.count_distinct("order_id").alias("orders"), F.sum("revenue").alias("revenue"))
        )
        # One row per day: a window over all of them in one partition is fine. Only days with data count.
        last_7_days = Window.orderBy(F.unix_date("dt")).rangeBetween(-(ROLLING_DAYS - 1), 0)
        windowed = per_day.select(
            "*",
            F.count("*").over(last_7_days).cast("int").alias("days_in_window"),
            F.sum("orders").over(last_7_days).alias("orders_7d_total"),
            F.sum("revenue").over(last_7_days).alias("revenue_7d_total"),
        ).where(_in_days(self.first, self.last))
        averaged = windowed.withColumns(
            {
                "avg_daily_orders_7d": F.col("orders_7d_total") / F.col("days_in_window"),
                "avg_daily_revenue_7d": F.col("revenue_7d_total").cast("double") / F.col("days_in_window"),
            }
        )
        return averaged.select(
            "dt",
            "orders",
            F.col("revenue").cast("decimal(18,2)").alias("revenue"),
            "days_in_window",
            "orders_7d_total",
            F.col("revenue_7d_total").cast("decimal(18,2)").alias("revenue_7d_total"),
            "avg_daily_orders_7d",
            "avg_daily_revenue_7d",
            _growth(F.col("orders"), F.col("avg_daily_orders_7d")).alias("orders_growth_vs_7d_avg"),
            _growth(F.col("revenue"), F.col("avg_daily_revenue_7d")).alias("revenue_growth_vs_7d_avg"),
        )

    def _as_of_orders(self, orders: DataFrame, in_window: Column) -> DataFrame:
        """Each day of the run with its window's orders; an order that landed on several days of the window counts
        once, in its latest version."""
        days = [(self.first + timedelta(days=n),) for n in range((self.last - self.first).days + 1)]
        as_of = self.spark.createDataFrame(days, "as_of DATE")
        newest = Window.partitionBy("as_of", "order_id").orderBy(F.col("updated_at").desc(), F.col("dt").desc())
        windowed = orders.join(F.broadcast(as_of), in_window)
        return windowed.withColumn("_version", F.row_number().over(newest)).where("_version = 1")

    def _customer_rfm(self) -> DataFrame:
        in_window = (F.col("dt") <= F.col("as_of")) & (F.col("dt") > F.date_sub("as_of", RFM_DAYS))
        orders = self._as_of_orders(self._read("silver", "orders", lookback_days=RFM_DAYS - 1), in_window)
        rfm = orders.groupBy("as_of", "customer_id").agg(
            F.date_diff("as_of", F.max("order_date")).alias("recency_days"),
            F.count("*").alias("frequency"),
            _money_sum("revenue").alias("monetary"),
        )

        def quintile(order: Column) -> Column:  # ties broken by customer_id, the lower id scoring lower
            return F.ntile(5).over(Window.partitionBy("as_of").orderBy(order, "customer_id"))

        r, f = F.col("r_score"), F.col("f_score")
        scored = rfm.withColumns(
            {
                "r_score": quintile(F.col("recency_days").desc()),
                "f_score": quintile(F.col("frequency")),
                "m_score": quintile(F.col("monetary")),
            }
        )
        countries = self._read("silver", "customers").select(F.col("dt").alias("as_of"), "customer_id", "country")
        return scored.join(countries, ["as_of", "customer_id"], "left").select(
            F.col("as_of").alias("dt"),
            "customer_id",
            "country",
            "recency_days",
            "frequency",
            "monetary",
            (F.col("monetary").cast("double") / F.col("frequency")).alias("avg_order_value"),
            "r_score",
            "f_score",
            "m_score",
            F.when((r >= 4) & (f >= 4), "champions")
            .when(f >= 4, "loyal")
            .when(r >= 4, "potential")
            .when((r <= 2) & (f >= 3), "at_risk")
            .otherwise("hibernating")
            .alias("segment"),
        )

    def _parsed(self, source: str, run_id: str, ingested_at: datetime) -> DataFrame:
        """The source's records of the days, typed, with lineage and ``_reason`` (null when the record is good)."""
        raw = self._read_raw(source)
        paths = FLATTENED.get(source) or {name: name for name in _business_columns(raw)}
        columns = {name: F.col(path) for name, path in paths.items()}
        reasons = [
            F.when(F.coalesce(F.trim(columns[name].cast("string")), F.lit("")) == "", F.lit(f"{name} is null"))
            for name in REQUIRED[source]
        ]
        for name in MONEY.get(source, ()):
            text = columns[name]
            reasons.append(
                F.when(~text.rlike(EXACT_MONEY), F.format_string(f"{name}: '%s' does not fit DECIMAL(12,2)", text))
            )
            columns[name] = F.when(text.rlike(EXACT_MONEY), text.cast("decimal(12,2)"))
        if source == "web_logs":
            low, high = STATUS_RANGE
            reasons.append(
                F.when(
                    ~F.col("status").between(low, high),
                    F.format_string(f"status: %d is outside {low}-{high}", "status"),
                )
            )
        # What Spark's parser refused has no trustworthy fields left: that reason alone.
        reason = F.when(F.col(CORRUPT).isNotNull(), F.lit("malformed record")).otherwise(
            F.nullif(F.concat_ws("; ", *reasons), F.lit(""))
        )
        # Spark's readers give no line numbers; within a file, monotonically_increasing_id follows the reading order.
        position = F.row_number().over(Window.partitionBy("_source_file").orderBy("_read_order"))
        header_lines = 1 if source in CSV_SOURCES else 0
        return raw.select(
            "_source_file",
            (position + header_lines).cast("long").alias("_line_number"),
            F.lit(ingested_at).alias("_ingested_at"),
            F.lit(run_id).alias("_run_id"),
            "dt",
            *[value.alias(name) for name, value in columns.items()],
            CORRUPT,
            reason.alias("_reason"),
        )

    def _customer_360(self) -> DataFrame:
        # Lifetime: every landed day up to the as-of day, resolved per day (simple, and fine for a fresh week).
        history = self.spark.read.format("delta").load(self._uri("silver", "orders"))
        orders = self._as_of_orders(history.where(F.col("dt") <= F.lit(self.last)), F.col("dt") <= F.col("as_of"))
        lifetime = orders.groupBy("as_of", "customer_id").agg(
            F.min("order_date").alias("first_order_date"),
            F.max("order_date").alias("last_order_date"),
            F.count("*").alias("lifetime_orders"),
            _money_sum("revenue").alias("lifetime_revenue"),
        )

        def favourite(column: str) -> DataFrame:  # most orders, then most revenue, then the name A-Z
            counted = orders.groupBy("as_of", "customer_id", column).agg(
                F.count("*").alias("n"), F.sum("revenue").alias("r")
            )
            best = Window.partitionBy("as_of", "customer_id").orderBy(F.desc("n"), F.desc("r"), column)
            top = counted.withColumn("_rank", F.row_number().over(best)).where("_rank = 1")
            return top.select("as_of", "customer_id", F.col(column).alias(f"preferred_{column}"))

        contacts = self._read("silver", "customers").select(
            F.col("dt").alias("as_of"), "customer_id", "country", "signup_date", "email_hash", "phone_hash"
        )
        scores = self._read("gold", "customer_rfm").select(
            F.col("dt").alias("as_of"), "customer_id", "r_score", "f_score", "m_score", "segment"
        )
        key = ["as_of", "customer_id"]
        joined = (
            lifetime.join(favourite("category"), key)
            .join(favourite("channel"), key)
            .join(contacts, key, "left")
            .join(scores, key, "left")
        )
        return joined.select(
            F.col("as_of").alias("dt"),
            "customer_id",
            "country",
            "signup_date",
            "email_hash",
            "phone_hash",
            "first_order_date",
            "last_order_date",
            "lifetime_orders",
            "lifetime_revenue",
            (F.col("lifetime_revenue").cast("double") / F.col("lifetime_orders")).alias("avg_order_value"),
            "preferred_category",
            "preferred_channel",
            "r_score",
            "f_score",
            "m_score",
            "segment",
        )

    def _read_raw(self, source: str) -> DataFrame:
        """Spark's reader over ``raw/<source>``: ``dt`` comes from the ``dt=`` folders, pruned to the days."""
        reader = (
            self.spark.read.schema(f"{READ_SCHEMAS[source]}, {CORRUPT} STRING")
            .option("mode", "PERMISSIVE")
            .option("columnNameOfCorruptRecord", CORRUPT)
        )
        path = f"{self.root}/raw/{source}"
        if source in CSV_SOURCES:
            # Quotes inside a quoted field are doubled (RFC 4180, Python's csv); Spark's default escape is "\".
            frame = reader.options(header=True, enforceSchema=False, escape='"').csv(path)
        else:
            frame = reader.json(path)
        return frame.where(_in_days(self.first, self.last)).select(
            "*",
            F.col("_metadata.file_path").alias("_source_file"),
            F.monotonically_increasing_id().alias("_read_order"),
        )

    def _read(self, layer: str, table: str, lookback_days: int = 0) -> DataFrame:
        first = self.first - timedelta(days=lookback_days)
        return self.spark.read.format("delta").load(self._uri(layer, table)).where(_in_days(first, self.last))

    def _write(self, df: DataFrame, layer: str, table: str) -> None:
        """Replace the run's days of the table in one commit (creating the table on the first write)."""
        (
            df.write.format("delta")
            .mode("overwrite")
            .partitionBy("dt")
            .option("replaceWhere", _in_days(self.first, self.last))
            .save(self._uri(layer, table))
        )

    def _uri(self, layer: str, table: str) -> str:
        return f"{self.root}/{layer}/{table}"


def _business_columns(df: DataFrame) -> list[str]:
    """The record's own columns: neither lineage nor the parse's helpers."""
    return [name for name in df.columns if name not in (*LINEAGE, CORRUPT, "_read_order", "_reason")]


def _in_days(first: date, last: date) -> str:
    """The days ``first..last`` as a SQL predicate on ``dt``: a read filter and a Delta ``replaceWhere``."""
    return f"dt >= DATE'{first.isoformat()}' AND dt <= DATE'{last.isoformat()}'"


def _latest(df: DataFrame, key: str, *newest_first: Column) -> DataFrame:
    """One row per key and day: the first by ``newest_first``, ties going to the later line of the later file."""
    window = Window.partitionBy("dt", key).orderBy(
        *newest_first, F.col("_source_file").desc(), F.col("_line_number").desc()
    )
    return df.withColumn("_version", F.row_number().over(window)).where("_version = 1").drop("_version")


def _or_default(value: Column, default: str) -> Column:
    return F.when(F.coalesce(F.trim(value), F.lit("")) == "", F.lit(default)).otherwise(value)


def _money_sum(column: str) -> Column:
    return F.sum(column).cast("decimal(18,2)")


def _growth(value: Column, average: Column) -> Column:
    return F.when(average != 0, value.cast("double") / average - 1)


def _judged_keys(df: DataFrame, *keys: str) -> DataFrame:
    """``df`` with ``reason``: the keys that break their patterns, empty when none does."""
    return df.withColumn("reason", F.concat_ws("; ", *_key_reasons(*keys)))


def _key_reasons(*keys: str) -> list[Column]:
    return [F.when(~F.col(key).rlike(KEYS[key]), F.lit(f"{key} does not match its pattern")) for key in keys]


def _silver_products(judged: DataFrame) -> DataFrame:
    """The latest record of each valid product, from ``_judged_keys``."""
    return judged.where(F.col("reason") == "").select(
        "product_id",
        "product_name",
        _or_default(F.col("category"), "uncategorized").alias("category"),
        F.when(F.col("list_price") >= 0, F.col("list_price")).alias("list_price"),
        "dt",
    )


def _silver_customers(bronze: DataFrame, pii_hash: Callable[[Column], Column]) -> DataFrame:
    """The latest version of each customer, hashed; the key is not judged yet."""
    return _latest(bronze, "customer_id", F.col("updated_at").desc()).select(
        "customer_id",
        pii_hash(F.nullif(F.lower(F.trim("email")), F.lit(""))).alias("email_hash"),
        pii_hash(F.nullif(F.regexp_replace("phone", "[^0-9]", ""), F.lit(""))).alias("phone_hash"),
        "city",
        "country",
        "signup_date",
        "updated_at",
        "dt",
    )


def _silver_web_logs(bronze: DataFrame) -> DataFrame:
    return bronze.select(
        "ts",
        F.date_trunc("hour", "ts").alias("event_hour"),  # the session time zone is UTC
        "method",
        "path",
        "status",
        (F.col("status") >= 500).alias("is_error"),
        "latency_ms",
        "customer_id",
        *_user_agent(F.col("user_agent")),
        "dt",
    )


def _judged_orders(bronze: DataFrame, products: DataFrame, customers: DataFrame) -> DataFrame:
    """The latest version of each order of each day, enriched, with ``reason``: empty when it breaks no rule."""
    products = products.select("dt", "product_id", "product_name", "category")
    customers = customers.select(
        "dt", "customer_id", F.col("country").alias("customer_country"), F.lit(True).alias("_known_customer")
    )
    candidates = (
        _latest(bronze, "order_id", F.col("updated_at").desc())
        .withColumn("revenue", F.col("quantity") * F.col("unit_price"))
        # A day's dimensions are a few thousand rows: broadcast them rather than shuffle the orders.
        .join(F.broadcast(products), ["dt", "product_id"], "left")
        .join(F.broadcast(customers), ["dt", "customer_id"], "left")
    )
    reason = F.concat_ws(
        "; ",
        *_key_reasons("order_id", "customer_id", "product_id"),
        F.when(F.col("quantity") <= 0, F.lit("quantity <= 0")),
        F.when(F.col("unit_price") < 0, F.lit("unit_price < 0")),
        F.when(F.col("order_ts") >= F.date_add("dt", 1).cast("timestamp"), F.lit("order_ts in the future")),
        F.when(F.col("category").isNull(), F.lit("product_id not in products")),
        F.when(F.col("_known_customer").isNull(), F.lit("customer_id not in customers")),
        F.when(F.abs("revenue") >= REVENUE_LIMIT, F.lit("revenue does not fit DECIMAL(18,2)")),
    )
    return candidates.withColumn("reason", reason)


def _rejected(judged: DataFrame, fields: list[str]) -> DataFrame:
    """The rows that broke a rule, as ``fields`` in JSON, with the reasons."""
    return judged.where(F.col("reason") != "").select(
        *LINEAGE, F.to_json(F.struct(*fields)).alias("raw_record"), "reason"
    )


def _silver_orders(judged: DataFrame) -> DataFrame:
    order_date = F.to_date("order_ts")
    return judged.where(F.col("reason") == "").select(
        "order_id",
        "customer_id",
        "product_id",
        "quantity",
        "unit_price",
        F.col("revenue").cast("decimal(18,2)").alias("revenue"),
        _or_default(F.col("channel"), "unknown").alias("channel"),
        "order_ts",
        order_date.alias("order_date"),
        F.hour("order_ts").alias("order_hour"),
        (F.weekday(order_date) + 1).alias("day_of_week"),  # weekday: 0 = Monday; ISO: 1 = Monday
        (order_date < F.col("dt")).alias("is_late"),
        "category",
        "product_name",
        "customer_country",
        "updated_at",
        "dt",
    )


def _daily_sales(orders: DataFrame) -> DataFrame:
    return orders.groupBy("dt", "category", "channel").agg(
        F.count_distinct("order_id").alias("orders"),
        F.sum("quantity").cast("long").alias("units"),
        _money_sum("revenue").alias("revenue"),
        F.count_distinct("customer_id").alias("customers"),
    )


def _product_performance(orders: DataFrame) -> DataFrame:
    per_product = orders.groupBy("dt", "product_id", "product_name", "category").agg(
        F.count_distinct("order_id").alias("orders"),
        F.sum("quantity").cast("long").alias("units"),
        _money_sum("revenue").alias("revenue"),
    )
    category = Window.partitionBy("dt", "category")
    category_revenue = F.sum("revenue").over(category).cast("double")
    return per_product.select(
        "*",
        F.when(category_revenue > 0, F.col("revenue").cast("double") / category_revenue)
        .otherwise(F.lit(0.0))
        .alias("category_revenue_share"),
        F.row_number().over(category.orderBy(F.col("revenue").desc(), "product_id")).alias("rank_in_category"),
    )


def _web_error_rate_hourly(web_logs: DataFrame) -> DataFrame:
    hourly = web_logs.groupBy("dt", "event_hour").agg(
        F.count("*").alias("requests"),
        F.count_if("is_error").alias("server_errors"),
        F.count_if(F.col("status").between(400, 499)).alias("client_errors"),
    )
    return hourly.withColumn("error_rate", F.col("server_errors") / F.col("requests"))


def _keyed_hash(salt: str) -> Callable[[Column], Column]:
    """HMAC-SHA256 (RFC 2104) of a string's UTF-8 bytes under ``salt``, in hex, from Spark's ``sha2``:
    ``sha256((K xor opad) || sha256((K xor ipad) || message))``. Null in, null out."""
    key = salt.encode()
    block = (hashlib.sha256(key).digest() if len(key) > 64 else key).ljust(64, b"\0")
    inner_pad = F.unhex(F.lit(bytes(b ^ 0x36 for b in block).hex()))
    outer_pad = F.unhex(F.lit(bytes(b ^ 0x5C for b in block).hex()))

    def hmac_sha256_hex(value: Column) -> Column:
        inner = F.unhex(F.sha2(F.concat(inner_pad, F.encode(value, "UTF-8")), 256))
        return F.sha2(F.concat(outer_pad, inner), 256)

    return hmac_sha256_hex


def _user_agent(agent: Column) -> list[Column]:
    """browser, os and device of a User-Agent, by the lakehouse parser's substring rules, as SQL CASEs."""

    def has(*tokens: str) -> Column:
        return _any(agent, tokens)

    lowered = F.lower(agent)
    missing = F.coalesce(F.trim(agent), F.lit("")) == ""
    named_bot = (
        F.when(lowered.contains("googlebot"), "googlebot")
        .when(lowered.contains("bingbot"), "bingbot")
        .when(lowered.contains("curl/"), "curl")
        .when(lowered.contains("python-requests"), "python_requests")
    )
    is_bot = named_bot.isNotNull() | _any(lowered, ("bot", "crawler", "spider", "slurp"))
    os_name = (
        F.when(missing, "other")
        .when(has("iPhone", "iPad", "iPod"), "ios")
        .when(has("Android"), "android")
        .when(has("Windows"), "windows")
        .when(has("CrOS"), "chromeos")
        .when(has("Macintosh", "Mac OS X"), "macos")
        .when(has("Linux", "X11"), "linux")
        .otherwise("other")
    )
    browser = (
        F.when(missing, "other")
        .when(is_bot, F.coalesce(named_bot, F.lit("other")))
        .when(has("SamsungBrowser/"), "samsung_internet")
        .when(has("Edg/", "Edge/", "EdgA/", "EdgiOS/"), "edge")
        .when(has("OPR/", "Opera", "OPiOS/"), "opera")
        .when(has("Firefox/", "FxiOS/"), "firefox")
        .when(has("Chrome/", "CriOS/", "Chromium/"), "chrome")
        .when(has("Safari/") & has("Version/"), "safari")  # only Safari itself sends Version/ with Safari/
        .otherwise("other")
    )
    android = os_name == "android"
    device = (
        F.when(missing, "other")
        .when(is_bot, "bot")
        .when(has("iPad", "Tablet") | (android & ~has("Mobile")), "tablet")  # Android tablets omit "Mobile"
        .when(has("Mobi", "iPhone", "iPod") | android, "mobile")
        .when(os_name.isin("windows", "macos", "linux", "chromeos"), "desktop")
        .otherwise("other")
    )
    return [browser.alias("browser"), os_name.alias("os"), device.alias("device")]


def _any(text: Column, tokens: Sequence[str]) -> Column:
    condition = text.contains(tokens[0])
    for token in tokens[1:]:
        condition = condition | text.contains(token)
    return condition


if __name__ == "__main__":
    sys.exit(main())
