"""Row builders for gold tests: silver rows with only the columns a test cares about spelled out."""

from datetime import date, datetime, timedelta
from decimal import Decimal

from lakehouse_tests.silver.builders import DAY, Row, utc


def silver_order(
    order_id: str,
    *,
    dt: date = DAY,
    customer_id: str = "C1",
    product_id: str = "P1",
    product_name: str | None = None,
    category: str = "kitchen",
    channel: str = "web",
    quantity: int = 1,
    unit_price: str = "10.00",
    order_date: date | None = None,
    updated_at: datetime | None = None,
) -> Row:
    order_date = order_date or dt
    order_ts = utc(order_date, 12)
    price = Decimal(unit_price)
    return {
        "order_id": order_id,
        "customer_id": customer_id,
        "product_id": product_id,
        "quantity": quantity,
        "unit_price": price,
        "revenue": price * quantity,
        "channel": channel,
        "order_ts": order_ts,
        "order_date": order_date,
        "order_hour": 12,
        "day_of_week": order_date.isoweekday(),
        "is_late": order_date < dt,
        "category": category,
        "product_name": product_name or f"name of {product_id}",
        "customer_country": None,
        "updated_at": updated_at or order_ts,
        "dt": dt,
    }


def silver_web_log(ts: datetime, status: int, *, dt: date = DAY) -> Row:
    return {
        "ts": ts,
        "event_hour": ts.replace(minute=0, second=0, microsecond=0),
        "method": "GET",
        "path": "/",
        "status": status,
        "is_error": status >= 500,
        "latency_ms": 10,
        "customer_id": None,
        "browser": "chrome",
        "os": "linux",
        "device": "desktop",
        "dt": dt,
    }


def day(n: int) -> date:
    """The n-th day of January 2024."""
    return date(2024, 1, 1) + timedelta(days=n - 1)
