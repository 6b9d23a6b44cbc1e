"""A corpus of bad raw input: every kind of dirt the landing zone may receive, with the outcome the contract promises.

Two landing days. On ``DAY`` each source's file is a clean generated file with the bad records appended (one line
each, so each case stands alone); on ``WHOLE_FILE_DAY`` each file is bad as a whole (a missing or extra column, a
truncated file, an empty file). Expected reasons are the exact text of docs/design.md "Cleaning rules".
"""

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Final

from lakehouse.bronze.schemas import CUSTOMER_ID, ORDER_ID, PRODUCT_ID
from lakehouse.raw.generator import GeneratorConfig

DAY: Final = date(2024, 5, 6)
WHOLE_FILE_DAY: Final = date(2024, 5, 7)

CLEAN: Final = GeneratorConfig(seed=3, orders_per_day=20, customers=10, products=5, web_logs_per_day=20, dirt_rate=0)
"""Clean small files; customers C000001-C000010 and products P0001-P0005 exist on every day."""

QUARANTINED: Final = "bronze quarantine"
REJECTED: Final = "silver <source>_rejected"
KEPT: Final = "kept"

REJECT_KEYS: Final = {"orders": "order_id", "customers": "customer_id", "products": "product_id"}
"""The key that finds a rejected row of each source in its silver rejects (in raw_record) and in bronze."""

# Rows that reach silver have keys that match their patterns, so that each case breaks only its own rule.
NO_NESTED_ID: Final = "C900001"
DUPLICATE_ID: Final = "O20240506-900099"


@dataclass(frozen=True)
class BadRecord:
    kind: str
    source: str
    line: bytes
    outcome: str
    """QUARANTINED (bronze.<source>_quarantine), REJECTED (silver.<source>_rejected) or KEPT (in bronze)."""
    reason: str | None = None
    key: str | None = None
    """The business key that finds the row in bronze or silver (order_id, customer_id), if it has one."""


def _rejected(kind: str, source: str, line: bytes, key: str, reason: str) -> BadRecord:
    return BadRecord(kind, source, line, REJECTED, reason, key)


def _broken_key(column: str, value: str) -> str:
    """The reason of a key that breaks its pattern, as docs/design.md shows it: the value as Python's repr."""
    pattern = {"order_id": ORDER_ID, "customer_id": CUSTOMER_ID, "product_id": PRODUCT_ID}[column]
    return f"{column}: {value!r} does not match {pattern}"


def _full_width(digits: str) -> str:
    """ASCII digits as full-width digits (U+FF10-U+FF19), which Python's \\d matches and Spark's does not."""
    return digits.translate({ord(str(n)): chr(0xFF10 + n) for n in range(10)})


FULL_WIDTH_ORDER_ID: Final = f"O{_full_width('2024')}0506-000001"
LOOK_ALIKE_ORDER_ID: Final = "\N{LATIN CAPITAL LETTER O WITH DIAERESIS}20240506-000002"
FULL_WIDTH_CUSTOMER_ID: Final = f"C90000{_full_width('2')}"
FULL_WIDTH_PRODUCT_ID: Final = f"P{_full_width('0009')}"
REJECTED_CUSTOMER_EMAIL: Final = "ann@example.com"
"""PII of the customer whose key is broken, which silver.customers_rejected must not show."""


def _order(
    order_id: str = "X",
    customer_id: str = "C000001",
    product_id: str = "P0001",
    quantity: str = "1",
    unit_price: str = "10.00",
    channel: str = "web",
    order_ts: str = "2024-05-06T10:00:00+00:00",
    updated_at: str = "2024-05-06T10:05:00+00:00",
) -> bytes:
    return ",".join([order_id, customer_id, product_id, quantity, unit_price, channel, order_ts, updated_at]).encode(
        "utf-8", "surrogateescape"
    )


def _customer(customer_id: str, **fields: object) -> bytes:
    document = {"customer_id": customer_id, **fields, "updated_at": "2024-05-06T01:00:00+00:00"}
    return _json(document)


def _json(document: dict[str, object]) -> bytes:
    return json.dumps(document).encode()


def _web_log(**fields: object) -> bytes:
    document: dict[str, object] = {
        "ts": "2024-05-06T12:00:00+00:00",
        "method": "GET",
        "path": "/",
        "status": 200,
        "latency_ms": 10,
        "user_agent": "curl/8.0",
        "customer_id": None,
    }
    document.update(fields)
    return _json({key: value for key, value in document.items() if value is not _MISSING})


_MISSING: Final = object()

BAD_RECORDS: Final = (
    # orders.csv
    BadRecord(
        "malformed CSV quoting",
        "orders",
        b'X-QUOTE,C000001,P0001,1,"10.00,web,2024-05-06T10:00:00+00:00,2024-05-06T10:05:00+00:00',
        QUARANTINED,
        "expected 8 fields, got 5",
        "X-QUOTE",
    ),
    BadRecord(
        "a row with an extra field", "orders", _order("X-EXTRA") + b",surplus", QUARANTINED, "expected 8 fields, got 9"
    ),
    BadRecord(
        "wrong types",
        "orders",
        _order("X-TYPES", quantity="two", unit_price="ten"),
        QUARANTINED,
        "quantity: 'two' is not an integer; unit_price: 'ten' is not a decimal",
        "X-TYPES",
    ),
    BadRecord("null key", "orders", _order(""), QUARANTINED, "order_id is null"),
    _rejected(
        "negative amount",
        "orders",
        _order("O20240506-900001", unit_price="-10.00"),
        "O20240506-900001",
        "unit_price < 0",
    ),
    _rejected(
        "negative quantity", "orders", _order("O20240506-900002", quantity="-2"), "O20240506-900002", "quantity <= 0"
    ),
    _rejected(
        "future date",
        "orders",
        _order("O20240506-900003", order_ts="2024-05-09T10:00:00+00:00"),
        "O20240506-900003",
        "order_ts in the future",
    ),
    BadRecord(
        "huge integer",
        "orders",
        _order("X-HUGEQTY", quantity="99999999999"),
        QUARANTINED,
        "quantity: '99999999999' does not fit a 32-bit integer",
    ),
    BadRecord(
        "huge money",
        "orders",
        _order("X-HUGEPRICE", unit_price="10000000000.00"),
        QUARANTINED,
        "unit_price: '10000000000.00' does not fit DECIMAL(12,2)",
    ),
    _rejected(
        "huge product of two valid numbers",
        "orders",
        _order("O20240506-900004", quantity="2000000000", unit_price="9999999999.99"),
        "O20240506-900004",
        "revenue does not fit DECIMAL(18,2)",
    ),
    BadRecord(
        "bad timestamp",
        "orders",
        _order("X-BADTS", order_ts="2024-05-06T25:61:00"),
        QUARANTINED,
        "order_ts: '2024-05-06T25:61:00' is not an ISO-8601 timestamp",
    ),
    BadRecord(
        "timestamp in a local format",
        "orders",
        _order("X-LOCALTS", updated_at="06/05/2024 10:05"),
        QUARANTINED,
        "updated_at: '06/05/2024 10:05' is not an ISO-8601 timestamp",
    ),
    _rejected(
        "unknown product",
        "orders",
        _order("O20240506-900005", product_id="P9999"),
        "O20240506-900005",
        "product_id not in products",
    ),
    _rejected(
        "unknown customer",
        "orders",
        _order("O20240506-900006", customer_id="C999999"),
        "O20240506-900006",
        "customer_id not in customers",
    ),
    _rejected(
        "full-width digits in a key",
        "orders",
        _order(FULL_WIDTH_ORDER_ID),
        FULL_WIDTH_ORDER_ID,
        _broken_key("order_id", FULL_WIDTH_ORDER_ID),
    ),
    _rejected(
        "a look-alike letter in a key",
        "orders",
        _order(LOOK_ALIKE_ORDER_ID, quantity="0"),
        LOOK_ALIKE_ORDER_ID,
        f"{_broken_key('order_id', LOOK_ALIKE_ORDER_ID)}; quantity <= 0",
    ),
    _rejected(
        "an order of a customer whose key is broken",
        "orders",
        _order("O20240506-900007", customer_id=FULL_WIDTH_CUSTOMER_ID),
        "O20240506-900007",
        f"{_broken_key('customer_id', FULL_WIDTH_CUSTOMER_ID)}; customer_id not in customers",
    ),
    BadRecord("non-UTF-8 bytes", "orders", _order("X-LATIN1", channel="w\udce9b"), QUARANTINED, "invalid UTF-8"),
    # customers.jsonl (nested JSON)
    BadRecord("nested JSON with the nested objects missing", "customers", _customer(NO_NESTED_ID), KEPT),
    _rejected(
        "a customer whose key is broken",
        "customers",
        _customer(FULL_WIDTH_CUSTOMER_ID, contact={"email": REJECTED_CUSTOMER_EMAIL}),
        FULL_WIDTH_CUSTOMER_ID,
        _broken_key("customer_id", FULL_WIDTH_CUSTOMER_ID),
    ),
    # products.csv
    _rejected(
        "a product whose key is broken",
        "products",
        f"{FULL_WIDTH_PRODUCT_ID},Ghost,kitchen,1.00".encode(),
        FULL_WIDTH_PRODUCT_ID,
        _broken_key("product_id", FULL_WIDTH_PRODUCT_ID),
    ),
    BadRecord(
        "nested JSON with a string where an object belongs",
        "customers",
        _customer("C-FLAT", contact="ann@example.com"),
        QUARANTINED,
        "contact: 'ann@example.com' is not an object",
    ),
    BadRecord(
        "nested JSON without its key",
        "customers",
        _json({"name": {"first": "Ann"}, "updated_at": "2024-05-06T01:00:00+00:00"}),
        QUARANTINED,
        "customer_id is null",
    ),
    BadRecord(
        "JSON key of the wrong type",
        "customers",
        _json({"customer_id": 42, "updated_at": "2024-05-06T01:00:00+00:00"}),
        QUARANTINED,
        "customer_id: 42 is not a string",
    ),
    BadRecord(
        "bad date",
        "customers",
        _customer("C-BADDATE", signup_date="2024/01/05"),
        QUARANTINED,
        "signup_date: '2024/01/05' is not a YYYY-MM-DD date",
    ),
    BadRecord(
        "malformed JSON",
        "customers",
        b'{"customer_id": "C-BROKEN", "updated_at": ',
        QUARANTINED,
        "invalid JSON: syntax error",
    ),
    BadRecord(
        "a JSON array", "customers", b'["C-ARRAY"]', QUARANTINED, "invalid JSON: expected an object, got an array"
    ),
    # web_logs.jsonl
    BadRecord("status out of range", "web_logs", _web_log(status=700), QUARANTINED, "status: 700 is outside 100-599"),
    BadRecord("missing status", "web_logs", _web_log(status=_MISSING), QUARANTINED, "status is null"),
    BadRecord(
        "huge JSON integer",
        "web_logs",
        _web_log(latency_ms=99999999999),
        QUARANTINED,
        "latency_ms: 99999999999 does not fit a 32-bit integer",
    ),
    BadRecord(
        "JSON float where an integer belongs",
        "web_logs",
        _web_log(latency_ms=1e30),
        QUARANTINED,
        "latency_ms: 1.0E30 is not an integer",
    ),
    BadRecord(
        "bad JSON timestamp",
        "web_logs",
        _web_log(ts="yesterday"),
        QUARANTINED,
        "ts: 'yesterday' is not an ISO-8601 timestamp",
    ),
    BadRecord("an extra JSON key", "web_logs", _web_log(path="/extra-key", referrer="https://example.com"), KEPT),
)
"""One bad record per line, appended to the clean files of ``DAY``."""


@dataclass(frozen=True)
class BadFile:
    kind: str
    source: str
    make: Callable[[bytes], bytes]
    """The bad file from the clean generated one."""


def _drop_csv_column(name: str) -> Callable[[bytes], bytes]:
    def drop(clean: bytes) -> bytes:
        lines = clean.decode().splitlines()
        index = lines[0].split(",").index(name)
        # The generated orders quote no field, so a plain split is exact here.
        return "".join(
            ",".join(f for i, f in enumerate(line.split(",")) if i != index) + "\n" for line in lines
        ).encode()

    return drop


def _add_csv_column(name: str, value: str) -> Callable[[bytes], bytes]:
    def add(clean: bytes) -> bytes:
        lines = clean.decode().splitlines()
        return "".join(f"{line},{name if n == 0 else value}\n" for n, line in enumerate(lines)).encode()

    return add


TRUNCATED_LINE: Final = b'{"customer_id": "C-TRUNCATED", "name": {"first": "Li'
TRUNCATED_REASON: Final = "invalid JSON: syntax error"
MISSING_COLUMN_REASON: Final = "missing column(s) in header: quantity"

BAD_FILES: Final = (
    BadFile("a missing column", "orders", _drop_csv_column("quantity")),
    BadFile("an extra column", "products", _add_csv_column("supplier", "ACME Ltd")),
    BadFile("a truncated file", "customers", lambda clean: clean + TRUNCATED_LINE),
    BadFile("an empty file", "web_logs", lambda clean: b""),
)
"""Files of ``WHOLE_FILE_DAY`` that are bad as a whole."""


DUPLICATE_VERSIONS: Final = (
    _order(DUPLICATE_ID, quantity="1", updated_at="2024-05-06T10:05:00+00:00"),
    _order(DUPLICATE_ID, quantity="3", updated_at="2024-05-06T11:05:00+00:00"),
    _order(DUPLICATE_ID, quantity="2", updated_at="2024-05-06T10:35:00+00:00"),
)
"""Three versions of one order on one day: silver keeps the latest ``updated_at`` (quantity 3)."""
