"""The raw-data generator: deterministic, realistic, dirty at a configurable rate, and landed in the agreed layout."""

import hashlib
import json
import os
import subprocess
import sys
from collections import Counter
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from lakehouse.raw.formats import CHANNELS, FILE_NAMES, ORDERS_COLUMNS, PRODUCTS_COLUMNS, SOURCES, SUCCESS_MARKER
from lakehouse.raw.generator import DIRT_KINDS, GeneratorConfig, generate_day, land_day
from lakehouse_tests.raw.dirt import RECOGNISERS, Files, csv_rows, json_records

DAY = date(2024, 1, 15)
CLEAN = GeneratorConfig(dirt_rate=0.0)


@pytest.fixture(scope="module")
def default_day() -> Files:
    return generate_day(DAY)


@pytest.fixture(scope="module")
def clean_day() -> Files:
    return generate_day(DAY, CLEAN)


def test_the_same_seed_and_day_give_byte_identical_files(default_day: Files) -> None:
    assert generate_day(DAY) == default_day


def test_output_does_not_depend_on_the_process_hash_seed(default_day: Files) -> None:
    # str hashing is salted per process: set iteration or hash() in the generator would change the bytes.
    script = (
        "import hashlib; from datetime import date; from lakehouse.raw.generator import generate_day; "
        "print({s: hashlib.sha256(c).hexdigest() for s, c in sorted(generate_day(date(2024, 1, 15)).items())})"
    )
    for hash_seed in ("1", "2"):
        result = subprocess.run(
            [sys.executable, "-c", script],
            env={**os.environ, "PYTHONHASHSEED": hash_seed},
            cwd=Path(__file__).parents[2],
            capture_output=True,
            text=True,
            check=True,
        )
        expected = {s: hashlib.sha256(c).hexdigest() for s, c in sorted(default_day.items())}
        assert result.stdout.strip() == str(expected)


def test_different_days_and_seeds_give_different_files(default_day: Files) -> None:
    next_day = generate_day(date(2024, 1, 16))
    other_seed = generate_day(DAY, GeneratorConfig(seed=7))
    for source in ("orders", "customers", "web_logs"):
        assert next_day[source] != default_day[source]
        assert other_seed[source] != default_day[source]


def test_the_catalog_and_customer_base_are_stable_across_days(clean_day: Files) -> None:
    next_day = generate_day(date(2024, 1, 16), CLEAN)
    assert next_day["products"] == clean_day["products"]
    ids = [record["customer_id"] for _, record in json_records(clean_day["customers"])]
    assert ids == [record["customer_id"] for _, record in json_records(next_day["customers"])]


def test_files_have_the_agreed_headers_and_every_source(default_day: Files) -> None:
    assert set(default_day) == set(SOURCES)
    assert default_day["orders"].split(b"\n", 1)[0].decode() == ",".join(ORDERS_COLUMNS)
    assert default_day["products"].split(b"\n", 1)[0].decode() == ",".join(PRODUCTS_COLUMNS)


def test_sizes_are_configurable() -> None:
    config = GeneratorConfig(orders_per_day=120, customers=15, products=8, web_logs_per_day=70, dirt_rate=0.0)
    files = generate_day(DAY, config)
    assert len(csv_rows(files["orders"])) == 120
    assert len(csv_rows(files["products"])) == 8
    assert len(json_records(files["customers"])) == 15
    assert len(json_records(files["web_logs"])) == 70
    customer_ids = {f"C{n:06d}" for n in range(1, 16)}
    assert {fields[1] for _, fields in csv_rows(files["orders"])} <= customer_ids


@pytest.mark.parametrize(("source", "kind"), sorted(RECOGNISERS))
def test_each_kind_of_dirt_is_present_on_a_default_day(default_day: Files, source: str, kind: str) -> None:
    assert RECOGNISERS[source, kind](default_day, DAY)


@pytest.mark.parametrize(("source", "kind"), sorted(RECOGNISERS))
def test_no_dirt_at_all_when_the_dirt_rate_is_zero(clean_day: Files, source: str, kind: str) -> None:
    assert not RECOGNISERS[source, kind](clean_day, DAY)


@pytest.mark.parametrize(("source", "kind"), sorted(RECOGNISERS))
def test_any_dirt_rate_gives_every_kind_even_on_a_small_day(source: str, kind: str) -> None:
    config = GeneratorConfig(orders_per_day=400, customers=120, products=40, web_logs_per_day=600, dirt_rate=0.01)
    assert RECOGNISERS[source, kind](generate_day(DAY, config), DAY)


def test_every_dirt_kind_has_a_recogniser() -> None:
    assert {(source, kind) for source, kinds in DIRT_KINDS.items() for kind in kinds} == set(RECOGNISERS)


def test_the_dirt_rate_sets_the_share_of_dirty_records(default_day: Files) -> None:
    dirty_orders = set().union(*(RECOGNISERS["orders", kind](default_day, DAY) for kind in DIRT_KINDS["orders"]))
    assert len(dirty_orders) == 200  # 2 % of 10 000, each dirty record of exactly one kind


def test_a_duplicate_order_is_a_later_version_with_another_quantity(default_day: Files) -> None:
    first: dict[str, list[str]] = {}
    duplicates = 0
    for _, fields in csv_rows(default_day["orders"]):
        if len(fields) != len(ORDERS_COLUMNS) or not fields[0]:
            continue
        earlier = first.setdefault(fields[0], fields)
        if earlier is not fields:
            duplicates += 1
            assert fields[7] > earlier[7], "updated_at must be later"
            assert fields[3] != earlier[3], "quantity must change"
    assert duplicates > 0


def test_clean_orders_use_catalog_prices_known_customers_and_the_day(clean_day: Files) -> None:
    catalog = {fields[0]: Decimal(fields[3]) for _, fields in csv_rows(clean_day["products"])}
    customers = {record["customer_id"] for _, record in json_records(clean_day["customers"])}
    orders = csv_rows(clean_day["orders"])
    assert len({fields[0] for _, fields in orders}) == len(orders)
    for _, (_, customer_id, product_id, quantity, unit_price, channel, order_ts, updated_at) in orders:
        list_price = catalog[product_id]
        assert Decimal(unit_price) in (list_price, (list_price * 90 // 1) / 100), "list price or 10 % off"
        assert 1 <= int(quantity) <= 5
        assert channel in CHANNELS
        placed = datetime.fromisoformat(order_ts)
        assert placed.date() == DAY and placed.utcoffset().total_seconds() == 0
        assert datetime.fromisoformat(updated_at) >= placed
        assert customer_id in customers


def test_orders_follow_a_daily_rhythm(clean_day: Files) -> None:
    by_hour = Counter(datetime.fromisoformat(fields[6]).hour for _, fields in csv_rows(clean_day["orders"]))
    assert by_hour[20] > 5 * by_hour[3]


def test_some_product_names_need_csv_quoting(clean_day: Files) -> None:
    names = [fields[1] for _, fields in csv_rows(clean_day["products"])]
    assert any("," in name for name in names)
    assert all(len(fields) == len(PRODUCTS_COLUMNS) for _, fields in csv_rows(clean_day["products"]))


def test_customers_are_nested_json_with_pii(clean_day: Files) -> None:
    records = [record for _, record in json_records(clean_day["customers"])]
    assert {tuple(sorted(r)) for r in records} == {
        ("address", "contact", "customer_id", "name", "signup_date", "updated_at")
    }
    assert all("@" in r["contact"]["email"] and r["address"]["country"] for r in records)
    assert len({r["address"]["country"] for r in records}) >= 5


def test_web_logs_mix_statuses_devices_and_bots(clean_day: Files) -> None:
    records = [record for _, record in json_records(clean_day["web_logs"])]
    statuses = Counter(r["status"] for r in records)
    assert statuses[200] > len(records) / 2
    assert statuses[304] and statuses[404]
    assert any(500 <= s <= 599 for s in statuses)
    agents = " ".join({r["user_agent"] for r in records})
    for marker in ("Windows NT", "iPhone", "Android", "iPad", "Googlebot"):
        assert marker in agents
    timestamps = [r["ts"] for r in records]
    assert timestamps == sorted(timestamps), "logs are written in time order"


def test_the_server_error_rate_varies_by_hour(clean_day: Files) -> None:
    requests, errors = Counter(), Counter()
    for _, record in json_records(clean_day["web_logs"]):
        hour = datetime.fromisoformat(record["ts"]).hour
        requests[hour] += 1
        errors[hour] += record["status"] >= 500
    rates = [errors[h] / requests[h] for h in range(24)]
    assert max(rates) > 4 * min(rates)


def test_a_duplicated_customer_version_does_not_push_another_customer_out_of_the_snapshot() -> None:
    config = GeneratorConfig(customers=50, dirt_rate=0.1)
    parsed = [record for _, record in json_records(generate_day(DAY, config)["customers"])]
    ids = [record["customer_id"] for record in parsed if record is not None]
    truncated = sum(record is None for record in parsed)
    assert len(ids) > len(set(ids)), "the dirt must include a duplicated customer"
    # Only the customers whose line is cut off (another dirt kind) are missing from the snapshot.
    assert len(set(ids)) == 50 - truncated


def test_land_day_writes_one_file_per_source_in_the_dt_layout(tmp_path: Path) -> None:
    config = GeneratorConfig(orders_per_day=60, customers=10, products=5, web_logs_per_day=40)
    landed = land_day(tmp_path.as_uri(), DAY, config)
    assert [file.source for file in landed] == list(SOURCES)
    files = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file())
    assert files == sorted(
        f"raw/{source}/dt=2024-01-15/{name}" for source in SOURCES for name in (FILE_NAMES[source], SUCCESS_MARKER)
    )
    by_source = {file.source: file for file in landed}
    assert by_source["orders"].uri == f"{tmp_path.as_uri()}/raw/orders/dt=2024-01-15/orders.csv"
    # A duplicated customer version comes on top of the snapshot, which still holds every customer.
    assert {file.source: file.records for file in landed} == {
        "orders": 60,
        "customers": 11,
        "products": 5,
        "web_logs": 40,
    }
    assert (tmp_path / "raw/orders/dt=2024-01-15/orders.csv").read_bytes() == generate_day(DAY, config)["orders"]


def test_landing_a_day_again_replaces_its_files(tmp_path: Path) -> None:
    land_day(str(tmp_path), DAY, GeneratorConfig(orders_per_day=60, web_logs_per_day=40))
    landed = land_day(str(tmp_path), DAY, GeneratorConfig(orders_per_day=30, web_logs_per_day=20))
    orders = tmp_path / "raw/orders/dt=2024-01-15/orders.csv"
    assert len(csv_rows(orders.read_bytes())) == 30
    assert {file.source: file.records for file in landed}["orders"] == 30
    assert sorted(p.name for p in orders.parent.iterdir()) == [SUCCESS_MARKER, "orders.csv"], "no temporary file"


def test_invalid_configurations_are_rejected() -> None:
    with pytest.raises(ValueError, match="dirt_rate"):
        GeneratorConfig(dirt_rate=1.5)
    with pytest.raises(ValueError, match="customers"):
        GeneratorConfig(customers=0)


def test_web_log_lines_are_json_objects_with_the_documented_keys(clean_day: Files) -> None:
    first = json.loads(clean_day["web_logs"].split(b"\n", 1)[0])
    assert list(first) == ["ts", "method", "path", "status", "latency_ms", "user_agent", "customer_id"]
