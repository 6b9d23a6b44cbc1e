"""The whole lakehouse on a real S3-compatible server: a backfill lands bronze → gold as Delta tables in a bucket,
other readers (delta-rs, DuckDB) read them back, the data outlives a server restart, and no secret leaks."""

import dataclasses
import os
import secrets
import subprocess
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path

import pytest
from dagster import DagsterInstance, ExecuteInProcessResult
from dagster._core.instance.ref import InstanceRef
from dagster._serdes import serialize_value
from deltalake import DeltaTable

from lakehouse.delta import read_table, write_table
from lakehouse.partitions import DayRange
from lakehouse.resources.warehouse import Warehouse
from lakehouse.sql.views import connect as connect_duckdb
from lakehouse.sql.views import create_s3_secret
from lakehouse.summary import summarize_warehouse
from lakehouse_tests.harness import TEST_PII_SALT, LakehouseUnderTest, cron_command, write_commits
from lakehouse_tests.s3.conftest import S3Server
from lakehouse_tests.test_definitions import MEDALLION_TABLES

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
DAY_1, DAY_3 = date(2024, 3, 4), date(2024, 3, 6)
DAYS = ["2024-03-04", "2024-03-05", "2024-03-06"]


@dataclasses.dataclass(frozen=True)
class S3LakehouseUnderTest(LakehouseUnderTest):
    """The test harness with its storage root in the bucket, configured the way a deployment configures it."""

    server: S3Server | None = None

    @property
    def warehouse(self) -> Warehouse:
        return self.server.warehouse(str(self.root))


@dataclasses.dataclass(frozen=True)
class Backfill:
    lakehouse: S3LakehouseUnderTest
    result: ExecuteInProcessResult

    @property
    def storage_options(self) -> dict[str, str]:
        return self.lakehouse.warehouse.storage_options


@pytest.fixture(scope="module")
def backfill(s3_server: S3Server, spark) -> Iterator[Backfill]:
    """One three-day run of every asset (generator included) into a fresh prefix of the bucket."""
    with DagsterInstance.ephemeral() as instance:
        lakehouse = S3LakehouseUnderTest(root="s3://lakehouse/backfill", instance=instance, server=s3_server)
        yield Backfill(lakehouse, lakehouse.materialize(DAY_1, DAY_3))


def test_a_three_day_backfill_lands_every_table_in_the_bucket(backfill: Backfill, spark):
    assert backfill.result.success
    warehouse = backfill.lakehouse.warehouse
    tables = {(s.layer, s.table): s for s in summarize_warehouse(warehouse.root_uri, backfill.storage_options)}
    assert set(tables) == {(layer, t) for layer, ts in MEDALLION_TABLES.items() for t in ts}
    for key in [("bronze", "orders"), ("silver", "orders"), *(("gold", t) for t in MEDALLION_TABLES["gold"])]:
        assert tables[key].partitions == DAYS, key
        assert tables[key].rows > 0, key
        uri = warehouse.table_uri(*key)
        assert write_commits(uri, backfill.storage_options) == 1, f"{key}: a backfill is one write"
    rolling = read_table(spark, warehouse.table_uri("gold", "sales_rolling_7d"))
    assert [row["days_in_window"] for row in rolling.orderBy("dt").collect()] == [1, 2, 3]


def test_delta_rs_and_duckdb_read_the_same_gold_table_from_s3(backfill: Backfill, spark, s3_server: S3Server):
    uri = backfill.lakehouse.warehouse.table_uri("gold", "daily_sales")
    spark_rows = read_table(spark, uri)
    expected = {(str(row["dt"]), row["category"], row["channel"]): row["revenue"] for row in spark_rows.collect()}

    delta_rs = DeltaTable(uri, storage_options=backfill.storage_options).to_pyarrow_table().to_pylist()
    assert {(str(row["dt"]), row["category"], row["channel"]): row["revenue"] for row in delta_rs} == expected

    # DuckDB as `lakehouse sql` opens it: the packaged httpfs and delta extensions, a session secret for the bucket.
    con = connect_duckdb(s3=True)
    create_s3_secret(con, backfill.lakehouse.warehouse)
    duck = con.execute("SELECT CAST(dt AS VARCHAR), category, channel, revenue FROM delta_scan(?)", [uri]).fetchall()
    assert {(dt, category, channel): revenue for dt, category, channel, revenue in duck} == expected


def test_no_event_of_the_run_carries_the_secret_key(backfill: Backfill, s3_server: S3Server):
    instance = backfill.lakehouse.instance
    run_id = backfill.result.run_id
    secret = s3_server.secret_access_key
    events = instance.all_logs(run_id)
    assert any(event.dagster_event and event.dagster_event.is_step_materialization for event in events)
    for event in events:
        assert secret not in serialize_value(event), event.dagster_event_type
    run = instance.get_run_by_id(run_id)
    assert secret not in serialize_value(run)
    table_uris = [
        str(event.dagster_event.event_specific_data.materialization.metadata["table_uri"].value)
        for event in events
        if event.dagster_event
        and event.dagster_event.is_step_materialization
        and "table_uri" in event.dagster_event.event_specific_data.materialization.metadata
    ]
    assert table_uris and all(uri.startswith("s3://lakehouse/backfill/") for uri in table_uris)


def test_a_wrong_secret_fails_the_run_in_spark_and_no_event_carries_it(
    backfill: Backfill, s3_server: S3Server, tmp_path: Path
):
    """The cron command with a wrong secret key: S3A refuses the signature inside Spark's JVM, the run fails with
    that error, and neither the output nor Dagster's event log carries the key. A fresh process, because a JVM
    keeps one S3A client per bucket once it has made it."""
    wrong_secret = "wrong-" + secrets.token_hex(16)
    dagster_home = tmp_path / "dagster"
    dagster_home.mkdir()
    env = {
        **os.environ,
        "DAGSTER_HOME": str(dagster_home),
        "LAKEHOUSE_ROOT": str(backfill.lakehouse.root),
        "LAKEHOUSE_S3_ENDPOINT_URL": s3_server.endpoint_url,
        "AWS_ACCESS_KEY_ID": backfill.storage_options["AWS_ACCESS_KEY_ID"],
        "AWS_SECRET_ACCESS_KEY": wrong_secret,
        "LAKEHOUSE_PII_SALT": TEST_PII_SALT,
    }
    command = cron_command("--partition", DAY_1.isoformat())
    finished = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600, cwd=REPO)

    assert finished.returncode != 0
    output = finished.stdout + finished.stderr
    assert "403" in output or "SignatureDoesNotMatch" in output or "AccessDenied" in output, output[-3000:]
    assert wrong_secret not in output
    with DagsterInstance.from_ref(InstanceRef.from_dir(str(dagster_home))) as instance:
        runs = instance.get_runs()
        assert len(runs) == 1 and runs[0].is_failure
        for event in instance.all_logs(runs[0].run_id):
            assert wrong_secret not in serialize_value(event), event.dagster_event_type


def test_two_days_written_concurrently_to_one_table_both_land(spark_on_s3, s3_server: S3Server, s3_root: str):
    uri = f"{s3_root}/concurrent"
    options = s3_server.warehouse(s3_root).storage_options
    schema = "id INT, dt DATE"

    def write_day(day: date) -> int:
        rows = spark_on_s3.createDataFrame([(n, day) for n in range(100)], schema)
        return write_table(rows, uri, mode="overwrite", days=DayRange(day, day + timedelta(days=1))).version

    days = [date(2024, 3, 4), date(2024, 3, 5)]
    with ThreadPoolExecutor(max_workers=2) as pool:
        versions = sorted(pool.map(write_day, days))

    assert versions == [0, 1], "each write is its own commit; the loser of the race retried"
    table = DeltaTable(uri, storage_options=options)
    counts = table.to_pyarrow_table().group_by("dt").aggregate([("id", "count")]).to_pylist()
    assert {str(row["dt"]): row["id_count"] for row in counts} == {"2024-03-04": 100, "2024-03-05": 100}


def test_the_tables_outlive_a_restart_of_the_s3_server(backfill: Backfill, s3_server: S3Server, spark):
    warehouse = backfill.lakehouse.warehouse
    before = summarize_warehouse(warehouse.root_uri, backfill.storage_options)

    s3_server.restart()

    assert summarize_warehouse(warehouse.root_uri, backfill.storage_options) == before
    orders = read_table(spark, warehouse.table_uri("silver", "orders"))
    assert orders.count() == next(s.rows for s in before if (s.layer, s.table) == ("silver", "orders"))
