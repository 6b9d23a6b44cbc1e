"""``lakehouse health``'s probes on real things: closed ports, Delta tables written by delta-rs, a Dagster instance
with real runs of small jobs (no Spark)."""

from datetime import date

import pyarrow as pa
import pytest
from dagster import DagsterInstance, execute_job, reconstructable
from deltalake import write_deltalake

from lakehouse.health.checks import Status, latest_partitions, spark_cluster
from lakehouse.health.command import format_probes, probe_all
from lakehouse.resources.warehouse import Warehouse
from lakehouse_tests.alerts import toy_jobs
from lakehouse_tests.cluster.conftest import free_port

TODAY = date(2024, 1, 3)  # the toy jobs' days are 2024-01-01 and 2024-01-02: yesterday is the latest


def _write_day(root, table: str, day: str) -> None:
    frame = pa.table({"order_id": ["o-1"], "dt": pa.array([date.fromisoformat(day)], pa.date32())})
    write_deltalake(str(root / table), frame, partition_by=["dt"], mode="append")


@pytest.fixture
def instance():
    with DagsterInstance.ephemeral() as instance:
        yield instance


def _by_name(probes):
    return {probe.name: probe for probe in probes}


def test_a_healthy_local_lakehouse_reports_every_probe_and_skips_what_is_not_configured(tmp_path, instance):
    _write_day(tmp_path, "gold/toy_sales", "2024-01-01")
    _write_day(tmp_path, "gold/toy_sales", "2024-01-02")
    assert execute_job(reconstructable(toy_jobs.toy_medallion), instance, tags={"dagster/partition": "2024-01-01"})

    probes = _by_name(probe_all(toy_jobs.defs, Warehouse(root=str(tmp_path)), instance, TODAY))

    assert (probes["object store"].status, probes["object store"].detail) == (Status.OK, str(tmp_path))
    assert probes["spark"].status == Status.SKIP  # local[*]: no cluster to probe
    assert probes["dagster storage"].status == Status.OK
    assert probes["dagster daemon"].status == Status.SKIP  # no daemon ever ran against this instance
    assert (probes["gold/toy_sales"].status, probes["gold/toy_sales"].detail) == (Status.OK, "latest day 2024-01-02")
    assert probes["last toy_medallion run"].status == Status.OK
    assert probes["last toy_medallion run"].detail.startswith("SUCCESS (started ")
    assert probes["last toy_exploding run"].status == Status.SKIP
    # The toy gold check is a WARN check that always fails: a warning, not a failure.
    assert probes["check gold/toy_sales:gold_fresh"].status == Status.WARN
    assert not any(probe.status == Status.FAIL for probe in probes.values()), format_probes(list(probes.values()))


def test_a_stale_table_a_failed_run_and_a_failing_error_check_are_failures(tmp_path, instance):
    _write_day(tmp_path, "gold/toy_sales", "2024-01-01")
    execute_job(reconstructable(toy_jobs.toy_medallion), instance, tags={"dagster/partition": "2024-01-02"})
    execute_job(reconstructable(toy_jobs.toy_exploding), instance)

    probes = _by_name(probe_all(toy_jobs.defs, Warehouse(root=str(tmp_path)), instance, TODAY))

    assert probes["gold/toy_sales"].status == Status.FAIL
    assert probes["gold/toy_sales"].detail == "latest day 2024-01-01, 1 day(s) behind 2024-01-02"
    assert probes["last toy_medallion run"].status == Status.FAIL
    assert probes["last toy_exploding run"].detail.startswith("FAILURE")
    assert probes["check silver/toy_orders:orders_model"].status == Status.FAIL  # blocking, ERROR severity


def test_services_that_do_not_answer_fail_with_the_reason_and_the_rest_still_runs(tmp_path, instance, monkeypatch):
    closed = free_port()
    monkeypatch.setenv("LAKEHOUSE_SPARK_MASTER", f"spark://127.0.0.1:{closed}")
    monkeypatch.setenv("LAKEHOUSE_UI_URL", f"http://127.0.0.1:{closed}")
    warehouse = Warehouse(
        root="s3://lakehouse/warehouse",
        s3_endpoint_url=f"http://127.0.0.1:{closed}",
        aws_access_key_id="test",
        aws_secret_access_key="test-secret",
    )

    probes = probe_all(toy_jobs.defs, warehouse, instance, TODAY)

    named = _by_name(probes)
    assert named["object store"].status == Status.FAIL
    assert named["spark master"].detail == f"spark://127.0.0.1:{closed} does not answer"
    assert named["dagster webserver"].status == Status.FAIL
    assert "Connection refused" in named["dagster webserver"].detail
    assert named["gold/toy_sales"].status == Status.FAIL  # unreadable: the store is down
    assert named["dagster storage"].status == Status.OK  # the probes after a failed one still ran
    assert "test-secret" not in format_probes(probes)


def test_the_spark_probe_skips_local_mode_and_latest_partitions_reads_delta_rs(tmp_path):
    assert spark_cluster("local[2]", None)[0].status == Status.SKIP
    _write_day(tmp_path, "gold/empty_soon", "2024-01-02")

    (probe,) = latest_partitions(str(tmp_path), {}, ["gold/missing"], date(2024, 1, 2))

    assert (probe.status, probe.detail) == (Status.FAIL, "no table: never materialized here")
