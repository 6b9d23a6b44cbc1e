"""The raw file formats the landing zone receives, shared by the generator and the bronze parsers.

Layout: ``raw/<source>/dt=YYYY-MM-DD/<file>``. A record is one line. CSV files start with a header line.
"""

from typing import Final

SOURCES: Final = ("orders", "customers", "products", "web_logs")

ORDERS_COLUMNS: Final = (
    "order_id",
    "customer_id",
    "product_id",
    "quantity",
    "unit_price",
    "channel",
    "order_ts",
    "updated_at",
)
"""Header of ``orders/*.csv``. Timestamps are ISO-8601 with an offset (``2024-01-15T10:04:00+00:00``)."""

PRODUCTS_COLUMNS: Final = ("product_id", "product_name", "category", "list_price")
"""Header of ``products/*.csv``: the full catalog, exported daily."""

CHANNELS: Final = ("web", "mobile", "store")

FILE_NAMES: Final = {
    "orders": "orders.csv",
    "customers": "customers.jsonl",
    "products": "products.csv",
    "web_logs": "web_logs.jsonl",
}
"""One file per source and day. Nested JSON records (customers) and web logs are JSON lines."""

NOT_DATA_PREFIXES: Final = ("_", ".")
"""Names that are not data: files being written (``_orders.csv.writing``), markers, hidden files (``.DS_Store``)."""

SUCCESS_MARKER: Final = "_SUCCESS"
"""Empty file a producer writes into a day folder after its last file (the Hadoop convention): the day's files
are whole. The landing policy ``success_markers`` waits for it."""

# customers.jsonl, one full snapshot a day, one object per line:
#   {"customer_id": "C000001", "name": {"first": ..., "last": ...},
#    "contact": {"email": ..., "phone": ...},
#    "address": {"street": ..., "city": ..., "postcode": ..., "country": ...},
#    "signup_date": "2023-04-01", "updated_at": "2024-01-15T03:00:00+00:00"}
#
# web_logs.jsonl, one request per line:
#   {"ts": "2024-01-15T10:04:00.123+00:00", "method": "GET", "path": "/products/P0001", "status": 200,
#    "latency_ms": 35, "user_agent": "Mozilla/5.0 ...", "customer_id": "C000001" | null}

CSV_SOURCES: Final = frozenset({"orders", "products"})
"""Sources whose files are CSV with a header line. The others are JSON lines."""

WEB_LOGS_FIELDS: Final = ("ts", "method", "path", "status", "latency_ms", "user_agent", "customer_id")
"""Keys of a ``web_logs.jsonl`` object."""

JSON_FIELD_PATHS: Final = {
    "customers": {
        "customer_id": ("customer_id",),
        "first_name": ("name", "first"),
        "last_name": ("name", "last"),
        "email": ("contact", "email"),
        "phone": ("contact", "phone"),
        "street": ("address", "street"),
        "city": ("address", "city"),
        "postcode": ("address", "postcode"),
        "country": ("address", "country"),
        "signup_date": ("signup_date",),
        "updated_at": ("updated_at",),
    },
    "web_logs": {field: (field,) for field in WEB_LOGS_FIELDS},
}
"""Where each bronze column of a JSON source lives in its object: nested objects are flattened by these paths."""
