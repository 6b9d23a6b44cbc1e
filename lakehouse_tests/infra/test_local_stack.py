"""The local real stack, whole: `infra/stack.sh up` in a throwaway directory on free ports, a run launched through
the Dagster daemon's queue, computed on the stack's Spark cluster, written to its S3, recorded in its Postgres."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from dagster import AssetKey, DagsterInstance, DagsterRunStatus

from lakehouse_tests.cluster.conftest import free_port
from lakehouse_tests.harness import SMALL_LANDING, TEST_PII_SALT
from lakehouse_tests.health.output import health_rows

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
STACK_SH = str(REPO / "infra" / "stack.sh")
SERVICES = ["s3", "postgres", "spark-master", "spark-worker", "dagster-daemon", "dagster-webserver"]


def _stack(env: dict[str, str], *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([STACK_SH, *args], env=env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def stack() -> Iterator[dict[str, str]]:
    """A whole stack; yields the environment its runs get (`infra/stack.sh env`). Stopped by pid afterwards."""
    if not list(Path("/usr/lib/postgresql").glob("*/bin/postgres")):
        pytest.skip("Debian's postgresql is not installed (apt-get install postgresql; .ci/run does it)")
    state = Path(tempfile.mkdtemp(prefix="lakehouse-stack-"))
    state.chmod(0o755)  # as root, the Postgres server runs as `postgres` and must reach its directory
    names = ["S3", "SPARK", "SPARK_UI", "SPARK_WORKER_UI", "POSTGRES", "DAGSTER"]
    env = {
        **{key: value for key, value in os.environ.items() if not key.startswith(("PYSPARK_", "LAKEHOUSE_"))},
        **{f"LAKEHOUSE_STACK_{name}_PORT": str(free_port()) for name in names},
        "LAKEHOUSE_STACK_DIR": str(state),
        "LAKEHOUSE_STACK_SPARK_WORKER_MEMORY": "2g",
        "LAKEHOUSE_PII_SALT": TEST_PII_SALT,
    }
    try:
        started = _stack(env, "up")
        assert started.returncode == 0, started.stdout + started.stderr[-4000:]
        printed = _stack(env, "env").stdout
        stack_env = dict(line.removeprefix("export ").split("=", 1) for line in printed.splitlines() if "=" in line)
        yield {**env, **stack_env}
    finally:
        stopped = _stack(env, "down", timeout=120)
        shutil.rmtree(state, ignore_errors=True)
    assert stopped.returncode == 0, stopped.stderr


def test_stack_status_shows_every_service_up_with_its_url(stack):
    status = _stack(stack, "status").stdout.splitlines()

    assert [line.split()[0] for line in status] == SERVICES
    assert all(" up (pid " in line for line in status), status
    assert f"http://127.0.0.1:{stack['LAKEHOUSE_STACK_DAGSTER_PORT']}" in status[-1]


def test_a_run_queued_in_the_ui_runs_on_the_cluster_writes_to_s3_and_is_stored_in_postgres(
    stack, monkeypatch, tmp_path
):
    run_config = tmp_path / "run_config.json"  # JSON is YAML
    run_config.write_text(json.dumps({"ops": {"landing_generator": {"config": SMALL_LANDING}}}))
    launch = [str(Path(sys.executable).parent / "dagster"), "job", "launch", "-w", str(REPO / "workspace.yaml")]
    launch += ["-j", "demo_lakehouse", "-c", str(run_config), "--tags", '{"dagster/partition": "2024-01-15"}']

    launched = subprocess.run(launch, env=stack, cwd=REPO, capture_output=True, text=True, timeout=300)

    assert launched.returncode == 0, launched.stderr[-4000:]
    for name, value in stack.items():
        if name.startswith(("DAGSTER_", "AWS_", "LAKEHOUSE_")):
            monkeypatch.setenv(name, value)
    with DagsterInstance.get() as instance:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        (run,) = instance.get_runs()
        deadline = time.monotonic() + 600
        while not run.is_finished and time.monotonic() < deadline:
            time.sleep(2)
            run = instance.get_run_by_id(run.run_id)
        assert run.status == DagsterRunStatus.SUCCESS, run.status
        event = instance.get_latest_materialization_event(AssetKey(["gold", "daily_sales"]))
    metadata = event.asset_materialization.metadata
    assert str(metadata["spark_application_id"].value).startswith("app-"), "the run's Spark driver used the cluster"
    assert metadata["table_uri"].value == "s3://lakehouse/warehouse/gold/daily_sales"
    s3 = boto3.client(
        "s3",
        endpoint_url=stack["LAKEHOUSE_S3_ENDPOINT_URL"],
        aws_access_key_id=stack["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=stack["AWS_SECRET_ACCESS_KEY"],
        region_name="us-east-1",
    )
    listed = s3.list_objects_v2(Bucket="lakehouse", Prefix="warehouse/gold/daily_sales/dt=2024-01-15/")
    assert listed["KeyCount"] >= 1

    # `make stack-status` then runs `lakehouse health` on the stack: every service answers, and the run shows.
    health = _stack(stack, "health", "--as-of", "2024-01-16")
    rows = health_rows(health.stdout)
    services = ["object store", "spark master", "spark workers", "dagster storage", "dagster webserver"]
    assert {name: rows[name][0] for name in [*services, "dagster daemon"]} == dict.fromkeys(
        [*services, "dagster daemon"], "ok"
    ), health.stdout + health.stderr
    assert rows["dagster storage"][1].startswith("PostgresRunStorage")
    assert rows["gold/daily_sales"] == ("ok", "latest day 2024-01-15")
    assert rows["last demo_lakehouse run"][0] == "ok"
