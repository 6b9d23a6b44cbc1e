"""Row builders for silver tests: one valid row by default, a keyword to break or vary exactly one thing."""

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from pandera.pyspark import DataFrameModel
from pyspark.sql import DataFrame, SparkSession

DAY = date(2024, 1, 15)  # a Monday
NEXT_DAY = date(2024, 1, 16)
INGESTED_AT = datetime(2024, 1, 16, 2, 0, tzinfo=UTC)

Row = dict[str, Any]

# Keys that match their patterns (lakehouse.bronze.schemas): silver rejects any other, so a test breaks one on purpose.
O1, O2, O3 = "O20240115-000001", "O20240115-000002", "O20240115-000003"
C1, C2 = "C000001", "C000002"
P1, P2, P3, P4 = "P0001", "P0002", "P0003", "P0004"


def full_width(text: str) -> str:
    """``text`` with its ASCII digits as full-width digits (U+FF10-U+FF19): what some Asian keyboards type, which
    Python's ``\\d`` matches and Spark's (Java's) does not."""
    return text.translate({ord(str(n)): chr(0xFF10 + n) for n in range(10)})


def utc(day: date, hour: int = 0, minute: int = 0, second: int = 0, microsecond: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, second, microsecond, tzinfo=UTC)


def frame(spark: SparkSession, model: type[DataFrameModel], rows: list[Row]) -> DataFrame:
    """A DataFrame with the model's exact schema; every row must give every column."""
    schema = model.to_structtype()
    return spark.createDataFrame([tuple(row[name] for name in schema.fieldNames()) for row in rows], schema)


def _lineage(source: str, dt: date, line: int, file: str | None) -> Row:
    return {
        "_source_file": file or f"raw/{source}/dt={dt.isoformat()}/{source}.file",
        "_line_number": line,
        "_ingested_at": INGESTED_AT,
        "_run_id": "run-1",
        "dt": dt,
    }


def bronze_order(
    order_id: str = O1,
    *,
    customer_id: str = C1,
    product_id: str = P1,
    quantity: int = 1,
    unit_price: str = "10.00",
    channel: str | None = "web",
    order_ts: datetime | None = None,
    updated_at: datetime | None = None,
    dt: date = DAY,
    line: int = 2,
    file: str | None = None,
) -> Row:
    order_ts = order_ts or utc(dt, 10)
    return {
        **_lineage("orders", dt, line, file),
        "order_id": order_id,
        "customer_id": customer_id,
        "product_id": product_id,
        "quantity": quantity,
        "unit_price": Decimal(unit_price),
        "channel": channel,
        "order_ts": order_ts,
        "updated_at": updated_at or order_ts,
    }


def bronze_customer(
    customer_id: str = C1,
    *,
    email: str | None = "alice@example.com",
    phone: str | None = "+44 20 7946 0000",
    country: str | None = "GB",
    updated_at: datetime | None = None,
    dt: date = DAY,
    line: int = 1,
) -> Row:
    return {
        **_lineage("customers", dt, line, None),
        "customer_id": customer_id,
        "first_name": "Alice",
        "last_name": "Liddell",
        "email": email,
        "phone": phone,
        "street": "1 Rabbit Hole",
        "city": "Oxford",
        "postcode": "OX1 1AA",
        "country": country,
        "signup_date": date(2023, 4, 1),
        "updated_at": updated_at or utc(dt, 3),
    }


def bronze_product(
    product_id: str = P1,
    *,
    product_name: str | None = "Teapot",
    category: str | None = "kitchen",
    list_price: str | None = "10.00",
    dt: date = DAY,
    line: int = 2,
    file: str | None = None,
) -> Row:
    return {
        **_lineage("products", dt, line, file),
        "product_id": product_id,
        "product_name": product_name,
        "category": category,
        "list_price": None if list_price is None else Decimal(list_price),
    }


def bronze_web_log(
    ts: datetime,
    *,
    status: int = 200,
    user_agent: str | None = None,
    dt: date = DAY,
    line: int = 1,
) -> Row:
    return {
        **_lineage("web_logs", dt, line, None),
        "ts": ts,
        "method": "GET",
        "path": "/",
        "status": status,
        "latency_ms": 12,
        "user_agent": user_agent,
        "customer_id": None,
    }


def silver_product(
    product_id: str = P1, *, product_name: str = "Teapot", category: str = "kitchen", dt: date = DAY
) -> Row:
    return {
        "product_id": product_id,
        "product_name": product_name,
        "category": category,
        "list_price": Decimal("10.00"),
        "dt": dt,
    }


def silver_customer(customer_id: str = C1, *, country: str | None = "GB", dt: date = DAY) -> Row:
    return {
        "customer_id": customer_id,
        "email_hash": None,
        "phone_hash": None,
        "city": None,
        "country": country,
        "signup_date": None,
        "updated_at": utc(dt, 3),
        "dt": dt,
    }
