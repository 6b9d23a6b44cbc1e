"""The DuckDB reference, checked against gold numbers computed by hand from small, dirty, hand-written raw files."""

import hashlib
import hmac
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from lakehouse_tests.reference.duckdb_gold import reference_gold

SUNDAY, MONDAY = date(2024, 1, 14), date(2024, 1, 15)
SALT = "pepper"

FILES: dict[tuple[str, date, str], bytes] = {
    ("products", SUNDAY, "products.csv"): b"""product_id,product_name,category,list_price
P0001,Teapot,kitchen,20.00
P0002,"Mug, large",kitchen,5.00
P0003,Hose,,12.00
P0004,Broken, extra,garden,1.00
""",
    # Columns in another order: fields are mapped by header name.
    ("products", MONDAY, "products.csv"): b"""category,product_id,list_price,product_name
kitchen,P0001,20.00,Teapot
kitchen,P0002,5.00,"Mug, large"
garden,P0003,-12.00,Hose
""",
    ("customers", SUNDAY, "customers.jsonl"): b"""\
{"customer_id": "C000001", "name": {"first": "Alice"}, \
"contact": {"email": " Alice@Example.com ", "phone": "+44 (20) 7946"}, "address": {"country": "GB"}, \
"updated_at": "2024-01-14T01:00:00+00:00"}
{"customer_id": "C000002", "address": {"country": "FR"}, "updated_at": "2024-01-14T01:00:00+00:00"}

{"customer_id": "C000002", "address": {"country": "DE"}, "updated_at": "2024-01-14T02:00:00+00:00"}
{"customer_id": "C000003", "address": {"country": "ES"}, "updated_at": "2024-01-14T0
""",
    ("customers", MONDAY, "customers.jsonl"): b"""\
{"customer_id": "C000001", "address": {"country": "GB"}, "updated_at": "2024-01-15T01:00:00+00:00"}
{"customer_id": "C000002", "address": {"country": "DE"}, "updated_at": "2024-01-15T01:00:00+00:00"}
{"customer_id": "C000003", "address": {"country": "ES"}, "updated_at": "2024-01-15T01:00:00+00:00"}
""",
    (
        "orders",
        SUNDAY,
        "orders.csv",
    ): b"""order_id,customer_id,product_id,quantity,unit_price,channel,order_ts,updated_at
O20240114-000001,C000001,P0001,2,20.00,web,2024-01-14T09:15:00+00:00,2024-01-14T09:15:00+00:00
O20240114-000002,C000002,P0002,1,5.00,,2024-01-14T10:00:00+00:00,2024-01-14T10:00:00+00:00
O20240114-000002,C000002,P0002,3,5.00,,2024-01-14T10:00:00+00:00,2024-01-14T11:00:00+00:00
O20240114-000003,C000001,P0003,1,12.00,store,2024-01-14T23:59:59,2024-01-14T23:59:59
O20240114-000004,C000001,P0001,-1,20.00,web,2024-01-14T12:00:00+00:00,2024-01-14T12:00:00+00:00
O20240114-000005,C000001,P0004,1,1.00,web,2024-01-14T12:00:00+00:00,2024-01-14T12:00:00+00:00
O20240114-000006,C000003,P0001,1,20.00,web,2024-01-14T12:00:00+00:00,2024-01-14T12:00:00+00:00
O20240114-000007,,P0001,1,20.00,web,2024-01-14T12:00:00+00:00,2024-01-14T12:00:00+00:00
O20240114-000008,C000001,P0001,1,20.00,web

O20240114-000009,C000001,P0001,two,20.00,web,2024-01-14T12:00:00+00:00,2024-01-14T12:00:00+00:00
O20240114-000010,C000001,P0001,1.5,20.00,web,2024-01-14T12:00:00+00:00,2024-01-14T12:00:00+00:00
O20240114-000011,C000001,P0001,1,20.001,web,2024-01-14T12:00:00+00:00,2024-01-14T12:00:00+00:00
O20240114-000012,C000001,P0001,1,20.00,web,2024-01-15T00:00:00+00:00,2024-01-14T12:00:00+00:00
O20240114-000013,C000002,P0001,1,20.00,web,2024-01-14T23:30:00-01:00,2024-01-14T12:00:00+00:00
O20240114-000014,C000002,P0001,1,20.00,mobile,2024-01-15T00:30:00+02:00,2024-01-14T12:00:00+00:00
""",
    # Columns in another order plus an extra one; a line with bytes that are not UTF-8.
    (
        "orders",
        MONDAY,
        "orders.csv",
    ): b"""updated_at,order_id,customer_id,product_id,quantity,unit_price,channel,order_ts,note
2024-01-15T08:00:00+00:00,O20240114-000030,C000003,P0002,4,5.00,web,2024-01-12T08:00:00+00:00,x
2024-01-15T09:00:00+00:00,O20240114-000020,C000001,P0003,1,12.00,store,2024-01-13T09:00:00+00:00,
2024-01-15T10:00:00+00:00,O20240114-000021,C000001,P0001,1,0.00,web,2024-01-15T10:00:00+00:00,
2024-01-15T10:00:00+00:00,O20240114-000022,C000002,P0001,1,-3.00,web,2024-01-15T10:00:00+00:00,
2024-01-15T11:00:00+00:00,O20240114-000023,C000002,P0001,1,20.00,web,2024-01-15T11:00:00+00:00,
2024-01-15T11:00:00+00:00,O20240114-000023,C000002,P0001,2,20.00,web,2024-01-15T11:00:00+00:00,
2024-01-15T11:00:00+00:00,O20240114-000024,C000002,P0001,1,20.00,w\xffb,2024-01-15T11:00:00+00:00,
""",
    # Keys that break their patterns: full-width digits, a letter that only looks right. Each row would count on
    # Sunday if its key were right (C000001, P0001 and Teapot's numbers), so the figures below show they do not.
    ("products", SUNDAY, "products_keys.csv"): "product_id,product_name,category,list_price\n"
    "P\uff10\uff10\uff10\uff11,Teapot,kitchen,20.00\n".encode(),
    ("customers", SUNDAY, "customers_keys.jsonl"): b"""\
{"customer_id": "C00000\\uff11", "address": {"country": "GB"}, "updated_at": "2024-01-14T01:00:00+00:00"}
""",
    ("orders", SUNDAY, "orders_keys.csv"): (
        "order_id,customer_id,product_id,quantity,unit_price,channel,order_ts,updated_at\n"
        "O\uff12\uff10\uff12\uff140114-000040,C000001,P0001,1,20.00,web,2024-01-14T12:00:00Z,2024-01-14T12:00:00Z\n"
        "\N{LATIN CAPITAL LETTER O WITH DIAERESIS}20240114-000041,C000001,P0001,1,20.00,web,2024-01-14T12:00:00Z,"
        "2024-01-14T12:00:00Z\n"
        "O20240114-000042,C00000\uff11,P0001,1,20.00,web,2024-01-14T12:00:00Z,2024-01-14T12:00:00Z\n"
        "O20240114-000043,C000001,P\uff10\uff10\uff10\uff11,1,20.00,web,2024-01-14T12:00:00Z,2024-01-14T12:00:00Z\n"
    ).encode(),
    ("web_logs", SUNDAY, "web_logs.jsonl"): b"""\
{"ts": "2024-01-14T09:00:00.123+00:00", "status": 200, "user_agent": "curl/8.5.0"}
{"ts": "2024-01-14T09:30:00+00:00", "status": 503}
{"ts": "2024-01-14T09:59:59.999+00:00", "status": 404}
{"ts": "2024-01-14T10:00:00+00:00", "status": 500, "latency_ms": 1200}
{"ts": "2024-01-14T10:10:00+00:00", "status": 600}
{"ts": "2024-01-14T10:20:00+00:00", "status": null}
{"ts": "2024-01-14T10:30:00+00:00", "status": 200, "latency_ms": "fast"}
{"ts": "2024-01-14T10:40:00+00:00", "status": 2
[1, 2]
{"ts": "2024-01-14T10:50:00+00:00", "status": 200, "path": "/\xff"}
{"ts": "2024-01-14T11:15:00+01:00", "status": 200}
""",
    ("web_logs", MONDAY, "web_logs.jsonl"): b"""{"ts": "2024-01-15T00:00:00Z", "status": 301}\n""",
}


@pytest.fixture(scope="module")
def raw_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("landing")
    for (source, day, name), content in FILES.items():
        _land(root, source, day, name, content)
    return root


@pytest.fixture(scope="module")
def gold(raw_root: Path) -> dict[str, list[tuple]]:
    return reference_gold(raw_root, SUNDAY, MONDAY, SALT)


def _land(root: Path, source: str, day: date, name: str, content: bytes) -> None:
    directory = root / "raw" / source / f"dt={day.isoformat()}"
    directory.mkdir(parents=True, exist_ok=True)
    (directory / name).write_bytes(content)


def test_daily_sales_count_only_clean_latest_in_day_orders(gold: dict[str, list[tuple]]) -> None:
    # Comments shorten the ids: O1 is O20240114-000001, C1 C000001, P1 P0001.
    # Sunday: O1, O2 (3 units, its newer version), O3 (no offset = UTC, last second of the day), O14 (22:30 UTC).
    # Rejected: O4 quantity, O5 product from a malformed catalog line, O6 customer from a malformed JSON line, O12
    # and O13 (00:30 UTC on Monday) in the future, O40 to O43 a broken key. Quarantined in bronze: O7 to O11.
    # Monday: O30 and O20 (late), O21 (free), O23 (tie on updated_at: the later line). O22 negative price; O24 bytes.
    assert gold["daily_sales"] == [
        (SUNDAY, "kitchen", "mobile", 1, 1, Decimal("20.00"), 1),
        (SUNDAY, "kitchen", "unknown", 1, 3, Decimal("15.00"), 1),
        (SUNDAY, "kitchen", "web", 1, 2, Decimal("40.00"), 1),
        (SUNDAY, "uncategorized", "store", 1, 1, Decimal("12.00"), 1),
        (MONDAY, "garden", "store", 1, 1, Decimal("12.00"), 1),
        (MONDAY, "kitchen", "web", 3, 7, Decimal("60.00"), 3),
    ]


def test_a_customer_whose_key_breaks_its_pattern_is_not_in_silver(gold: dict[str, list[tuple]]) -> None:
    assert {row[0] for row in gold["silver_customers"] if row[-1] == SUNDAY} == {"C000001", "C000002"}


def test_rolling_sales_average_over_the_days_with_data(gold: dict[str, list[tuple]]) -> None:
    assert gold["sales_rolling_7d"] == [
        (SUNDAY, 4, Decimal("87.00"), 1, 4, Decimal("87.00"), 4.0, 87.0, 0.0, 0.0),
        (MONDAY, 4, Decimal("72.00"), 2, 8, Decimal("159.00"), 4.0, 79.5, 0.0, pytest.approx(72 / 79.5 - 1)),
    ]


def test_product_performance_shares_and_ranks_within_the_days_category(gold: dict[str, list[tuple]]) -> None:
    assert gold["product_performance"] == [
        (SUNDAY, "P0001", "Teapot", "kitchen", 2, 3, Decimal("60.00"), 0.8, 1),
        (SUNDAY, "P0002", "Mug, large", "kitchen", 1, 3, Decimal("15.00"), 0.2, 2),
        (SUNDAY, "P0003", "Hose", "uncategorized", 1, 1, Decimal("12.00"), 1.0, 1),
        (MONDAY, "P0001", "Teapot", "kitchen", 2, 3, Decimal("40.00"), pytest.approx(2 / 3), 1),
        (MONDAY, "P0002", "Mug, large", "kitchen", 1, 4, Decimal("20.00"), pytest.approx(1 / 3), 2),
        (MONDAY, "P0003", "Hose", "garden", 1, 1, Decimal("12.00"), 1.0, 1),
    ]


def test_customer_rfm_scores_the_30_day_window_with_that_days_country(gold: dict[str, list[tuple]]) -> None:
    # Sunday: C1 has O1 + O3 = 52.00, C2 has O2 + O14 = 35.00; both last ordered that day.
    # Monday: C1 adds O20 (placed Jan 13) and O21 (free), C2 adds O23, C3's only order O30 was placed Jan 12.
    assert gold["customer_rfm"] == [
        (SUNDAY, "C000001", "GB", 0, 2, Decimal("52.00"), 26.0, 1, 1, 2, "hibernating"),
        (SUNDAY, "C000002", "DE", 0, 2, Decimal("35.00"), 17.5, 2, 2, 1, "hibernating"),
        (MONDAY, "C000001", "GB", 0, 4, Decimal("64.00"), 16.0, 2, 3, 2, "at_risk"),
        (MONDAY, "C000002", "DE", 0, 3, Decimal("75.00"), 25.0, 3, 2, 3, "hibernating"),
        (MONDAY, "C000003", "ES", 3, 1, Decimal("20.00"), 20.0, 1, 1, 1, "hibernating"),
    ]


def test_customer_360_adds_up_every_landed_day_with_its_preferences_and_contact_keys(
    gold: dict[str, list[tuple]],
) -> None:
    # Monday's lifetime holds Sunday's orders too. C1 on Monday: kitchen (O1, O21) and web (O1, O21) win with 2
    # orders each; store also has 2 (O3, O20) but less revenue. C2 on Sunday: mobile (O14, 20.00) beats unknown
    # (O2, 15.00), one order each. Only C1's Sunday snapshot has contacts, so only it has hashes.
    jan_12, jan_13 = date(2024, 1, 12), date(2024, 1, 13)
    lifetime = [(row[0], row[1], *row[6:13]) for row in gold["customer_360"]]
    assert lifetime == [
        (SUNDAY, "C000001", SUNDAY, SUNDAY, 2, Decimal("52.00"), 26.0, "kitchen", "web"),
        (SUNDAY, "C000002", SUNDAY, SUNDAY, 2, Decimal("35.00"), 17.5, "kitchen", "mobile"),
        (MONDAY, "C000001", jan_13, MONDAY, 4, Decimal("64.00"), 16.0, "kitchen", "web"),
        (MONDAY, "C000002", SUNDAY, MONDAY, 3, Decimal("75.00"), 25.0, "kitchen", "web"),
        (MONDAY, "C000003", jan_12, jan_12, 1, Decimal("20.00"), 20.0, "kitchen", "web"),
    ]
    alice = (_hmac("alice@example.com"), _hmac("44207946"))
    profile = [(*row[0:6], *row[13:]) for row in gold["customer_360"]]
    assert profile == [
        (SUNDAY, "C000001", "GB", None, *alice, 1, 1, 2, "hibernating"),
        (SUNDAY, "C000002", "DE", None, None, None, 2, 2, 1, "hibernating"),
        (MONDAY, "C000001", "GB", None, None, None, 2, 3, 2, "at_risk"),
        (MONDAY, "C000002", "DE", None, None, None, 3, 2, 3, "hibernating"),
        (MONDAY, "C000003", "ES", None, None, None, 1, 1, 1, "hibernating"),
    ]


def _hmac(value: str) -> str:
    return hmac.new(SALT.encode(), value.encode(), hashlib.sha256).hexdigest()


def test_web_error_rate_counts_valid_requests_per_utc_hour(gold: dict[str, list[tuple]]) -> None:
    # Quarantined: status 600, null status, latency "fast", a cut-off line, an array, bytes that are not UTF-8.
    assert gold["web_error_rate_hourly"] == [
        (SUNDAY, datetime(2024, 1, 14, 9), 3, 1, 1, pytest.approx(1 / 3)),
        (SUNDAY, datetime(2024, 1, 14, 10), 2, 1, 0, 0.5),
        (MONDAY, datetime(2024, 1, 15, 0), 1, 0, 0, 0.0),
    ]


def test_customer_contacts_are_hmac_sha256_under_the_salt(gold: dict[str, list[tuple]]) -> None:
    sunday_c1 = next(row for row in gold["silver_customers"] if row[0] == "C000001" and row[-1] == SUNDAY)
    assert sunday_c1[1] == hmac.new(SALT.encode(), b"alice@example.com", hashlib.sha256).hexdigest()
    assert sunday_c1[2] == hmac.new(SALT.encode(), b"44207946", hashlib.sha256).hexdigest()


def test_a_single_day_uses_the_days_before_it_as_lookback(raw_root: Path, gold: dict[str, list[tuple]]) -> None:
    monday = reference_gold(raw_root, MONDAY, MONDAY, SALT)
    for table, rows in monday.items():
        key = -1 if table == "silver_customers" else 0
        assert rows == [row for row in gold[table] if row[key] == MONDAY], table


def test_a_csv_file_missing_a_required_column_is_wholly_quarantined(tmp_path: Path) -> None:
    _land(tmp_path, "products", SUNDAY, "products.csv", FILES[("products", SUNDAY, "products.csv")])
    _land(tmp_path, "customers", SUNDAY, "customers.jsonl", FILES[("customers", SUNDAY, "customers.jsonl")])
    _land(
        tmp_path,
        "orders",
        SUNDAY,
        "orders.csv",
        b"order_id,customer_id,product_id,quantity,channel,order_ts,updated_at\n"
        b"O20240114-000001,C000001,P0001,2,web,2024-01-14T09:15:00+00:00,2024-01-14T09:15:00+00:00\n",
    )
    _land(
        tmp_path,
        "orders",
        SUNDAY,
        "orders_without_channel.csv",
        b"order_id,customer_id,product_id,quantity,unit_price,order_ts,updated_at\n"
        b"O20240114-000002,C000001,P0001,2,20.00,2024-01-14T09:15:00+00:00,2024-01-14T09:15:00+00:00\n",
    )
    # Only the second file survives: its missing column, channel, is optional.
    assert reference_gold(tmp_path, SUNDAY, SUNDAY, SALT)["daily_sales"] == [
        (SUNDAY, "kitchen", "unknown", 1, 2, Decimal("40.00"), 1)
    ]
