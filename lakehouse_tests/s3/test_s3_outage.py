"""Fault injection: the S3 server goes away for about 30 s in the middle of a run, frozen (SIGSTOP, then SIGCONT)
or stopped and restarted on the same port. The run completes, and every table is whole and holds each row once.
An outage longer than every retry fails the run, alerts it, and a re-execution from the failure completes."""

import os
import signal
import threading
import time
from datetime import date

import pyarrow.compute as pc
import pyarrow.fs as pafs
import pytest
from dagster import AssetKey, DagsterInstance, JobDefinition, ReexecutionOptions, execute_job, reconstructable
from deltalake import DeltaTable

from lakehouse.alerts.webhook import WEBHOOK_URL_ENV
from lakehouse.definitions import defs
from lakehouse.raw.generator import GeneratorConfig, land_day
from lakehouse.resources.warehouse import (
    ACCESS_KEY_ID_ENV,
    DEFAULT_ROOT_ENV,
    S3_ENDPOINT_URL_ENV,
    SECRET_ACCESS_KEY_ENV,
)
from lakehouse.storage import filesystem_for, join_uri
from lakehouse.storage_admin import ensure_bucket
from lakehouse_tests.harness import SMALL_LANDING, TEST_PII_SALT
from lakehouse_tests.s3.conftest import S3Server
from lakehouse_tests.s3.test_lakehouse_on_s3 import S3LakehouseUnderTest
from lakehouse_tests.test_definitions import MEDALLION_TABLES

pytestmark = pytest.mark.slow

DAY = date(2024, 4, 2)
OUTAGE_S = 30
# The moment to strike: bronze has committed, silver and gold are still to come.
TRIGGER = ("bronze", "orders", "_delta_log", "00000000000000000000.json")
GOLD_LOG = ("gold", "daily_sales", "_delta_log")


class Outage(threading.Thread):
    """Waits for TRIGGER under the root, then takes the server away for OUTAGE_S seconds."""

    def __init__(self, server: S3Server, root: str, kind: str):
        super().__init__(daemon=True)
        self.server, self.root, self.kind = server, root, kind
        self.fs, self.root_path = filesystem_for(root, server.storage_options)
        self.struck = threading.Event()
        self.gold_existed_when_struck: bool | None = None
        self.error: BaseException | None = None

    def _exists(self, *parts: str) -> bool:
        return self.fs.get_file_info(join_uri(self.root_path, *parts)).type != pafs.FileType.NotFound

    def run(self) -> None:
        try:
            deadline = time.monotonic() + 900
            while not self._exists(*TRIGGER):
                if time.monotonic() > deadline:
                    raise TimeoutError("bronze never committed")
                time.sleep(0.5)
            self.gold_existed_when_struck = self._exists(*GOLD_LOG)
            self.struck.set()
            if self.kind == "frozen":
                os.killpg(self.server.process.pid, signal.SIGSTOP)
                time.sleep(OUTAGE_S)
                os.killpg(self.server.process.pid, signal.SIGCONT)
            else:
                self.server.stop()
                time.sleep(OUTAGE_S)
                self.server.start()  # same data directory, same ports
        except BaseException as error:
            self.error = error


@pytest.mark.parametrize("kind", ["frozen", "restarted"])
def test_a_30_s_outage_mid_run_delays_the_run_and_leaves_every_table_whole(kind, s3_server, s3_root, spark):
    with DagsterInstance.ephemeral() as instance:
        lakehouse = S3LakehouseUnderTest(root=s3_root, instance=instance, server=s3_server)
        outage = Outage(s3_server, s3_root, kind)
        outage.start()

        result = lakehouse.materialize(DAY)

        outage.join(timeout=OUTAGE_S + 120)
    assert outage.error is None, outage.error
    assert outage.struck.is_set() and outage.gold_existed_when_struck is False, "the outage did not hit mid-run"
    assert result.success

    options = s3_server.storage_options
    tables = {}
    for layer, names in MEDALLION_TABLES.items():
        for name in names:
            table = DeltaTable(join_uri(s3_root, layer, name), storage_options=options)
            tables[f"{layer}/{name}"] = table.to_pyarrow_table()  # every file of the snapshot reads back
            # A table the day gave no row (the dimensions' rejects, on clean keys) has no partition to show.
            expected = [DAY.isoformat()] if tables[f"{layer}/{name}"].num_rows else []
            assert [p["dt"] for p in table.partitions()] == expected, f"{layer}/{name}"
    orders = tables["silver/orders"]
    assert orders.num_rows > 0
    assert pc.count_distinct(orders["order_id"]).as_py() == orders.num_rows, "an order landed twice"
    # Each layer holds the whole day once: bronze + quarantine is every raw record, gold adds up to silver.
    raw_orders = next(
        event.event_specific_data.materialization.metadata["records"].value
        for event in result.get_asset_materialization_events()
        if event.asset_key.path == ["raw", "orders"]
    )
    assert tables["bronze/orders"].num_rows + tables["bronze/orders_quarantine"].num_rows == raw_orders
    daily_sales = tables["gold/daily_sales"]
    assert pc.sum(daily_sales["revenue"]).as_py() == pc.sum(orders["revenue"]).as_py()
    assert pc.sum(daily_sales["orders"]).as_py() == orders.num_rows


# The web logs' slice of daily_lakehouse: a real bronze → silver → gold path, one step per layer.
WEB_LOGS_SLICE = [
    AssetKey(["bronze", "web_logs"]),
    AssetKey(["bronze", "web_logs_quarantine"]),
    AssetKey(["silver", "web_logs"]),
    AssetKey(["gold", "web_error_rate_hourly"]),
]
# S3A's own retries would outlast any test (7 tries with exponential backoff, per request): one try each, so that
# "longer than the retries" means the steps' RetryPolicy, the layer this test is about. A new bucket gets a new
# S3A filesystem built with these settings; the cached one of the other tests' bucket keeps its own.
FAIL_FAST_S3A = {"fs.s3a.retry.limit": "0", "fs.s3a.attempts.maximum": "1", "fs.s3a.retry.throttle.limit": "0"}
OUTAGE_BUCKET = "outage"


def daily_lakehouse() -> JobDefinition:
    """The production job of the definitions, on their executor (which posts the alert), for ``execute_job``."""
    return defs.resolve_job_def("daily_lakehouse")


@pytest.fixture
def fail_fast_s3a(spark):
    for key, value in FAIL_FAST_S3A.items():
        spark.conf.set(key, value)
    yield
    for key in FAIL_FAST_S3A:
        spark.conf.unset(key)


def test_an_outage_longer_than_the_retries_fails_the_run_alerts_it_and_a_rerun_from_the_failure_completes(
    s3_server, spark, fail_fast_s3a, alert_receiver, monkeypatch
):
    root = f"s3://{OUTAGE_BUCKET}/long-outage"
    ensure_bucket(root, s3_server.storage_options)
    land_day(root, DAY, GeneratorConfig(**SMALL_LANDING), s3_server.storage_options)
    # The definitions' own resources, configured as a deployment configures them: from the environment.
    for name, value in {
        DEFAULT_ROOT_ENV: root,
        S3_ENDPOINT_URL_ENV: s3_server.endpoint_url,
        ACCESS_KEY_ID_ENV: s3_server.storage_options["AWS_ACCESS_KEY_ID"],
        SECRET_ACCESS_KEY_ENV: s3_server.storage_options["AWS_SECRET_ACCESS_KEY"],
        "LAKEHOUSE_PII_SALT": TEST_PII_SALT,
        WEBHOOK_URL_ENV: alert_receiver.url,
    }.items():
        monkeypatch.setenv(name, value)
    tags = {"dagster/partition": DAY.isoformat()}

    with DagsterInstance.ephemeral() as instance:
        s3_server.stop()
        try:
            started = time.monotonic()
            failed = execute_job(reconstructable(daily_lakehouse), instance, tags=tags, asset_selection=WEB_LOGS_SLICE)
            failed_after_s = time.monotonic() - started
        finally:
            s3_server.start()
        assert not failed.success
        bronze_attempts = [
            event
            for event in failed.all_events
            if event.step_key == "bronze_web_logs" and event.event_type_value in ("STEP_UP_FOR_RETRY", "STEP_FAILURE")
        ]
        # Every retry of the step's policy was spent (3 retries, then the failure), and nothing downstream ran.
        assert [event.event_type_value for event in bronze_attempts] == ["STEP_UP_FOR_RETRY"] * 3 + ["STEP_FAILURE"]
        assert not failed.get_asset_materialization_events()
        assert failed_after_s > 30, "the retries' backoff (5 + 10 + 20 s) was not waited out"

        (alert,) = alert_receiver.texts()
        header, step = alert.splitlines()[:2]
        assert header.startswith(f"*lakehouse: daily_lakehouse for {DAY} FAILED*")
        assert step.startswith("step bronze_web_logs: ")
        assert "127.0.0.1" in step or "onnect" in step, f"the error does not say the store is unreachable: {step}"

        # From the failure, with the failed run's tags (its day), as the daemon's run retries and the UI's
        # "Re-execute from failure" launch it.
        rerun = execute_job(
            reconstructable(daily_lakehouse),
            instance,
            tags=tags,
            reexecution_options=ReexecutionOptions.from_failure(failed.run_id, instance),
        )
        assert rerun.success
    assert {event.asset_key for event in rerun.get_asset_materialization_events()} == set(WEB_LOGS_SLICE)
    assert alert_receiver.texts()[1].startswith(f"lakehouse: daily_lakehouse for {DAY} succeeded: ")
    options = s3_server.storage_options
    hourly = DeltaTable(join_uri(root, "gold", "web_error_rate_hourly"), storage_options=options).to_pyarrow_table()
    web_logs = DeltaTable(join_uri(root, "silver", "web_logs"), storage_options=options).to_pyarrow_table()
    assert pc.sum(hourly["requests"]).as_py() == web_logs.num_rows > 0, "gold does not add up to silver once"
