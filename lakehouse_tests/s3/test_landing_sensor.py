"""The landing-zone sensor requests a complete day once per new set of files, on local disk and on S3."""

import json
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from dagster import DefaultSensorStatus, SensorResult, SkipReason, build_sensor_context

from lakehouse.definitions import defs
from lakehouse.landing.inventory import CompleteWhen, LandingPolicy
from lakehouse.landing.sensor import landing_day, landing_run_requests, landing_zone_sensor
from lakehouse.raw.formats import FILE_NAMES, SOURCES, SUCCESS_MARKER
from lakehouse.resources.warehouse import Warehouse
from lakehouse_tests.s3.conftest import BUCKET, S3Server

DAY, OTHER_DAY = "2024-03-04", "2024-03-05"
EVERY_SOURCE = LandingPolicy(complete_when=CompleteWhen.ALL_SOURCES)

JUNK_KEYS = [
    "raw/orders/dt=2024-03-04/_orders.csv.writing",  # a file being written
    "raw/orders/dt=2024-03-04/.DS_Store",
    "raw/invoices/dt=2024-03-04/invoices.csv",  # unknown source
    "raw/orders/dt=2024-02-30/orders.csv",  # no such day
    "raw/orders/2024-03-04/orders.csv",  # not a dt= folder
    "raw/orders/orders.csv",
    "raw/orders/dt=2024-03-04/nested/orders.csv",
    "bronze/orders/_delta_log/00000000000000000000.json",
    "raw/orders/dt=2099-01-01/orders.csv",  # not a partition yet: waits
    "raw/orders/dt=2023-12-31/orders.csv",  # before the first partition
]


def tick(warehouse: Warehouse, cursor: str | None, landing: LandingPolicy) -> SensorResult | SkipReason:
    context = build_sensor_context(cursor=cursor, resources={"warehouse": warehouse, "landing": landing})
    return landing_zone_sensor(context)


def evaluate(
    warehouse: Warehouse, cursor: str | None, landing: LandingPolicy = EVERY_SOURCE
) -> tuple[list, str | None]:
    """One sensor tick: (run requests, next cursor)."""
    result = tick(warehouse, cursor, landing)
    if isinstance(result, SkipReason):
        return [], cursor
    assert isinstance(result, SensorResult)
    return list(result.run_requests or []), result.cursor


def land(root: Path, key: str, content: bytes = b"order_id\n1\n") -> None:
    path = root / key
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)


def land_every_source(root: Path, day: str, sources: tuple[str, ...] = SOURCES) -> None:
    for source in sources:
        land(root, f"raw/{source}/dt={day}/{FILE_NAMES[source]}")


def test_a_new_day_is_requested_once_and_a_late_file_requests_it_again(tmp_path):
    warehouse = Warehouse(root=str(tmp_path))
    land_every_source(tmp_path, DAY)

    requests, cursor = evaluate(warehouse, None)
    assert [(r.partition_key, r.run_key.split(":")[0]) for r in requests] == [(DAY, DAY)]
    assert set(json.loads(cursor)) == {DAY}

    assert evaluate(warehouse, cursor) == ([], cursor), "the same files must not request the day again"

    land(tmp_path, f"raw/orders/dt={DAY}/orders_2.csv")  # a late delivery: bronze reads it, and warns
    late, late_cursor = evaluate(warehouse, cursor)
    assert [r.partition_key for r in late] == [DAY]
    assert late[0].run_key != requests[0].run_key
    assert evaluate(warehouse, late_cursor) == ([], late_cursor)


def test_an_incomplete_day_waits_naming_what_it_lacks_and_is_requested_once_complete(tmp_path):
    warehouse = Warehouse(root=str(tmp_path))
    land_every_source(tmp_path, DAY, ("orders", "customers", "products"))

    waiting = tick(warehouse, None, EVERY_SOURCE)
    assert isinstance(waiting, SkipReason)
    assert f"{DAY} lacks web_logs/web_logs.jsonl" in waiting.skip_message

    land_every_source(tmp_path, DAY, ("web_logs",))
    requests, cursor = evaluate(warehouse, None)
    assert [r.partition_key for r in requests] == [DAY]

    (tmp_path / f"raw/customers/dt={DAY}/customers.jsonl").unlink()  # a day being re-delivered
    assert evaluate(warehouse, cursor) == ([], cursor), "a day that is incomplete again waits, its cursor kept"


def test_with_success_markers_a_day_waits_for_every_sources_marker(tmp_path):
    warehouse, markers = Warehouse(root=str(tmp_path)), LandingPolicy(complete_when=CompleteWhen.SUCCESS_MARKERS)
    land_every_source(tmp_path, DAY)
    for source in ("orders", "customers", "products"):
        land(tmp_path, f"raw/{source}/dt={DAY}/{SUCCESS_MARKER}", b"")

    waiting = tick(warehouse, None, markers)
    assert isinstance(waiting, SkipReason)
    assert f"{DAY} lacks web_logs/{SUCCESS_MARKER}" in waiting.skip_message
    assert "orders" not in waiting.skip_message

    land(tmp_path, f"raw/web_logs/dt={DAY}/{SUCCESS_MARKER}", b"")
    requests, _ = evaluate(warehouse, None, markers)
    assert [r.partition_key for r in requests] == [DAY]


def test_only_the_days_whose_files_changed_are_requested(tmp_path):
    warehouse = Warehouse(root=str(tmp_path))
    land_every_source(tmp_path, DAY)
    _, cursor = evaluate(warehouse, None)

    land_every_source(tmp_path, OTHER_DAY)
    requests, cursor = evaluate(warehouse, cursor)
    assert [r.partition_key for r in requests] == [OTHER_DAY]

    path = tmp_path / f"raw/orders/dt={DAY}/orders.csv"
    path.write_bytes(b"order_id\n1\n2\n")  # a replaced file: new size and mtime
    requests, _ = evaluate(warehouse, cursor)
    assert [r.partition_key for r in requests] == [DAY]


def test_junk_keys_temp_files_and_days_that_are_not_partitions_are_ignored(tmp_path):
    warehouse = Warehouse(root=str(tmp_path))
    for key in JUNK_KEYS:
        land(tmp_path, key)
    assert evaluate(warehouse, None) == ([], None)

    land_every_source(tmp_path, DAY)
    requests, cursor = evaluate(warehouse, None)
    assert [r.partition_key for r in requests] == [DAY]
    assert set(json.loads(cursor)) == {DAY}


def test_todays_files_wait_until_the_day_is_a_partition():
    landed = {DAY: "fingerprint"}
    during_the_day = datetime(2024, 3, 4, 23, 59, tzinfo=UTC)
    assert landing_run_requests(landed, {}, during_the_day, {DAY}) == ([], {}, [])

    requests, cursor, _ = landing_run_requests(landed, {}, datetime(2024, 3, 5, 0, 1, tzinfo=UTC), {DAY})
    assert [(r.partition_key, r.run_key) for r in requests] == [(DAY, f"{DAY}:fingerprint")]
    assert cursor == {DAY: "fingerprint"}


def test_days_whose_files_are_gone_leave_the_cursor():
    now = datetime(2024, 4, 1, tzinfo=UTC)
    assert landing_run_requests({DAY: "a"}, {DAY: "a", OTHER_DAY: "b"}, now, {DAY}) == ([], {DAY: "a"}, [])


def test_an_incomplete_day_keeps_its_cursor_entry_and_waits():
    now = datetime(2024, 4, 1, tzinfo=UTC)
    assert landing_run_requests({DAY: "new"}, {DAY: "old"}, now, set()) == ([], {DAY: "old"}, [DAY])


def test_an_empty_or_missing_landing_zone_skips(tmp_path):
    assert evaluate(Warehouse(root=str(tmp_path / "nothing-here")), None) == ([], None)


@pytest.mark.parametrize(
    ("key", "day"),
    [
        ("raw/orders/dt=2024-03-04/orders.csv", "2024-03-04"),
        ("raw/web_logs/dt=2024-03-04/part-1.jsonl", "2024-03-04"),
        *((key, None) for key in JUNK_KEYS[:8]),
    ],
)
def test_landing_day_parses_only_the_landing_layout(key, day):
    assert landing_day(key) == day


def test_the_sensor_is_registered_stopped_and_targets_the_production_job():
    sensor = defs.resolve_sensor_def("landing_zone_sensor")
    assert sensor.job_name == "daily_lakehouse"
    assert sensor.default_status == DefaultSensorStatus.STOPPED


def test_the_sensor_lists_s3_through_the_s3_resource(s3_server: S3Server, s3_root: str):
    warehouse = s3_server.warehouse(s3_root)
    client = warehouse.s3_resource().get_client()
    prefix = s3_root.removeprefix(f"s3://{BUCKET}/")

    def put(key: str, body: bytes = b"order_id\n1\n") -> None:
        client.put_object(Bucket=BUCKET, Key=f"{prefix}/{key}", Body=body)

    for source in ("orders", "customers", "products"):
        put(f"raw/{source}/dt={DAY}/{FILE_NAMES[source]}")
    put(f"raw/orders/dt={DAY}/_orders.csv.writing")
    put("raw/invoices/dt=2024-03-04/invoices.csv")
    assert evaluate(warehouse, None) == ([], None), "web_logs has not landed"

    put(f"raw/web_logs/dt={DAY}/web_logs.jsonl")
    requests, cursor = evaluate(warehouse, None)
    assert [r.partition_key for r in requests] == [DAY]
    assert evaluate(warehouse, cursor) == ([], cursor)

    put(f"raw/orders/dt={DAY}/orders.csv")  # the same bytes again: same ETag, not a change
    assert evaluate(warehouse, cursor) == ([], cursor)

    put(f"raw/customers/dt={DAY}/customers.jsonl", b'{"customer_id": 1}\n')
    late, _ = evaluate(warehouse, cursor)
    assert [r.partition_key for r in late] == [DAY]
    assert late[0].run_key != requests[0].run_key


def test_the_warehouse_takes_s3_from_the_environment_only(monkeypatch, tmp_path):
    for name in ("LAKEHOUSE_ROOT", "LAKEHOUSE_S3_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.chdir(tmp_path)
    assert Warehouse().root_uri == str(tmp_path / ".lakehouse")
    assert Warehouse().storage_options == {}

    monkeypatch.setenv("LAKEHOUSE_ROOT", "s3://bucket/prefix")
    monkeypatch.setenv("LAKEHOUSE_S3_ENDPOINT_URL", "http://127.0.0.1:9000")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "key-id")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret-key")
    warehouse = Warehouse()
    assert warehouse.table_uri("gold", "daily_sales") == "s3://bucket/prefix/gold/daily_sales"
    assert warehouse.storage_options == {
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9000",
        "AWS_ACCESS_KEY_ID": "key-id",
        "AWS_SECRET_ACCESS_KEY": "secret-key",
        "AWS_REGION": "us-east-1",
        "AWS_ALLOW_HTTP": "true",
    }
    monkeypatch.setenv("LAKEHOUSE_S3_ENDPOINT_URL", "https://s3.example.com")
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    options = Warehouse().storage_options
    assert "AWS_ALLOW_HTTP" not in options and options["AWS_REGION"] == "eu-west-1"
    assert Warehouse(aws_region="ap-south-1").storage_options["AWS_REGION"] == "ap-south-1"
    s3 = Warehouse().s3_resource()
    assert (s3.endpoint_url, s3.region_name) == ("https://s3.example.com", "eu-west-1")
    assert os.environ["LAKEHOUSE_ROOT"] == "s3://bucket/prefix"
