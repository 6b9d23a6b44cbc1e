"""The lakehouse on a real standalone Spark cluster: the driver in its own process, executors on a worker.

The test process already holds a local SparkSession, and a process has one; so every cluster driver here is a
subprocess: a probe script, and the exact cron command of the README.
"""

import json
import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from dagster import AssetKey, DagsterInstance

from lakehouse.definitions import table_keys
from lakehouse.raw.generator import GeneratorConfig, land_day
from lakehouse.summary import summarize_warehouse
from lakehouse_tests.harness import SMALL_LANDING, TEST_PII_SALT, cron_command, write_commits

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]

# Runs on the cluster's executors: which interpreter runs Python there, from which directory, whether the module of
# our pandas UDF imports there without the driver's working directory, and whether the executors have the Delta jars.
PROBE = """
import json, os, sys
from lakehouse.resources.spark import SparkResource
from lakehouse.resources.warehouse import Warehouse

def probe(_):
    import os, sys
    import lakehouse.silver.user_agent
    yield {"python": sys.executable, "cwd": os.getcwd(), "pid": os.getpid()}

spark = SparkResource(warehouse=Warehouse()).spark_session
found = spark.sparkContext.parallelize(range(2), 2).mapPartitions(probe).collect()
table = sys.argv[1]
spark.range(1000).selectExpr("id", "DATE'2024-03-01' AS dt").repartition(2).write.format("delta").save(table)
print(json.dumps({
    "executors": found,
    "delta_rows": spark.read.format("delta").load(table).count(),
    "driver_host": spark.conf.get("spark.driver.host"),
    "application_id": spark.sparkContext.applicationId,
    "master": spark.sparkContext.master,
}))
spark.stop()
"""


@pytest.fixture
def cluster_env(tmp_path, spark_cluster) -> dict[str, str]:
    dagster_home = tmp_path / "dagster_home"
    dagster_home.mkdir()
    shutil.copy(REPO / "dagster.yaml", dagster_home / "dagster.yaml")
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYSPARK_")}
    return {
        **env,
        "LAKEHOUSE_ROOT": str(tmp_path / "warehouse"),
        "DAGSTER_HOME": str(dagster_home),
        "LAKEHOUSE_PII_SALT": TEST_PII_SALT,
        "LAKEHOUSE_SPARK_MASTER": spark_cluster.master_url,
        "LAKEHOUSE_SPARK_DRIVER_HOST": "127.0.0.1",
        "SPARK_LOCAL_IP": "127.0.0.1",
    }


def test_executors_run_the_project_interpreter_and_write_delta(cluster_env, spark_cluster, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    table = str(tmp_path / "probe_table")

    completed = subprocess.run(
        [sys.executable, "-c", PROBE, table],
        env=cluster_env,
        cwd=elsewhere,
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert completed.returncode == 0, completed.stderr[-4000:]
    report = json.loads(completed.stdout.strip().splitlines()[-1])
    assert report["master"] == spark_cluster.master_url
    assert report["driver_host"] == "127.0.0.1"
    assert report["application_id"].startswith("app-")
    assert report["delta_rows"] == 1000, "the executors wrote Delta files with the jars on their classpath"
    assert {executor["python"] for executor in report["executors"]} == {sys.executable}
    # Executors run in the worker's own directory: the modules come from the installed package, not the cwd.
    assert all(not executor["cwd"].startswith(str(REPO)) for executor in report["executors"])
    completed_apps = {app["id"] for app in spark_cluster.state()["completedapps"]}
    assert report["application_id"] in completed_apps


def test_a_three_day_backfill_from_bronze_to_gold_runs_on_the_cluster(cluster_env, spark_cluster, monkeypatch):
    days = [date(2024, 3, 1), date(2024, 3, 2), date(2024, 3, 3)]
    for day in days:
        land_day(cluster_env["LAKEHOUSE_ROOT"], day, GeneratorConfig(**SMALL_LANDING))
    command = cron_command("--partition-range", "2024-03-01...2024-03-03")

    completed = subprocess.run(
        command, env=cluster_env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=600
    )

    assert completed.returncode == 0, completed.stdout[-4000:]
    tables = summarize_warehouse(cluster_env["LAKEHOUSE_ROOT"])
    assert len(tables) == len(table_keys)
    for table in tables:
        if table.rows:
            assert table.partitions == ["2024-03-01", "2024-03-02", "2024-03-03"], table
        uri = f"{cluster_env['LAKEHOUSE_ROOT']}/{table.layer}/{table.table}"
        assert write_commits(uri) == 1, f"{table.layer}.{table.table}: one write for the whole range"
    daily_sales = next(t for t in tables if (t.layer, t.table) == ("gold", "daily_sales"))
    assert daily_sales.rows > 0

    monkeypatch.setenv("DAGSTER_HOME", cluster_env["DAGSTER_HOME"])  # the instance's dagster.yaml reads it
    with DagsterInstance.from_config(cluster_env["DAGSTER_HOME"]) as instance:
        event = instance.get_latest_materialization_event(AssetKey(["gold", "daily_sales"]))
    assert event is not None
    app_id = str(event.asset_materialization.metadata["spark_application_id"].value)
    assert app_id.startswith("app-"), f"a local[*] run has a local-... id, got {app_id}"
    completed_apps = {app["id"]: app for app in spark_cluster.state()["completedapps"]}
    assert app_id in completed_apps, "the master must list the run's Spark application"
    assert completed_apps[app_id]["state"] == "FINISHED"
