"""``dagster_storage_backup`` and ``lakehouse restore`` on real storage: the SQLite files of the embedded default and
the suite's real Postgres. Back up, restore into a fresh storage, and the runs and materializations are all there."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import psycopg2
import pytest
from dagster import AssetKey, DagsterEventType, DagsterInstance, execute_job, reconstructable

from lakehouse.backup.job import BACKUP_JOB_NAME, dagster_storage_backup
from lakehouse.backup.restore import restore
from lakehouse.backup.store import list_backups
from lakehouse.definitions import defs
from lakehouse.resources.warehouse import Warehouse
from lakehouse_tests.alerts.toy_jobs import GOLD, toy_exploding, toy_medallion

REPO = Path(__file__).resolve().parents[2]
POSTGRES_YAML = REPO / "infra" / "dagster.postgres.yaml"


def _some_runs(instance: DagsterInstance) -> dict[str, str]:
    """Three real runs (one failed) with materializations and check results: run id -> status."""
    execute_job(reconstructable(toy_medallion), instance, tags={"dagster/partition": "2024-01-01"})
    execute_job(reconstructable(toy_medallion), instance, tags={"dagster/partition": "2024-01-02"})
    execute_job(reconstructable(toy_exploding), instance)
    return {run.run_id: run.status.value for run in instance.get_runs()}


def _history(instance: DagsterInstance) -> tuple[dict[str, str], list[tuple[str, str | None]]]:
    runs = {run.run_id: run.status.value for run in instance.get_runs()}
    materializations = instance.fetch_materializations(GOLD, limit=100).records
    return runs, sorted((record.run_id, record.partition_key) for record in materializations)


def _back_up(instance: DagsterInstance, warehouse: Warehouse, keep_last: int = 14):
    result = dagster_storage_backup.execute_in_process(
        instance=instance,
        resources={"warehouse": warehouse},
        run_config={"ops": {"backup_dagster_storage": {"config": {"keep_last": keep_last}}}},
    )
    assert result.success
    return result


@pytest.fixture
def instance_at(monkeypatch):
    """An instance whose home is ``home`` (with ``config`` copied in as its dagster.yaml), as DAGSTER_HOME says."""

    def open_instance(home: Path, config: Path | None = None) -> DagsterInstance:
        home.mkdir(parents=True, exist_ok=True)
        if config is not None:
            shutil.copy(config, home / "dagster.yaml")
        monkeypatch.setenv("DAGSTER_HOME", str(home))  # the shipped dagster.yaml files read it
        return DagsterInstance.from_config(str(home))

    return open_instance


def _lakehouse(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    completed = subprocess.run(
        [str(Path(sys.executable).parent / "lakehouse"), *args], env=env, capture_output=True, text=True, timeout=120
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    return completed


def test_the_job_and_its_daily_schedule_are_defined_and_off_by_default():
    schedule = defs.resolve_schedule_def("daily_dagster_backup")
    assert (schedule.job_name, schedule.cron_schedule, schedule.default_status.value) == (
        BACKUP_JOB_NAME,
        "0 4 * * *",
        "STOPPED",
    )


def test_a_sqlite_backup_restores_every_run_and_materialization_into_a_fresh_home(tmp_path, instance_at):
    warehouse = Warehouse(root=str(tmp_path / "warehouse"))
    with instance_at(tmp_path / "home", REPO / "dagster.yaml") as instance:
        _some_runs(instance)
        before = _history(instance)
        _back_up(instance, warehouse)
    (stored,) = list_backups(warehouse.root_uri, {})
    assert stored.name.endswith(".sqlite.tar.gz") and stored.size > 0
    assert stored.uri.startswith(str(tmp_path / "warehouse" / "backups" / "dagster"))

    with instance_at(tmp_path / "fresh_home", REPO / "dagster.yaml") as fresh:
        assert fresh.get_runs() == []
    # As a user restores: the CLI, with the instance and the warehouse from the environment.
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path / "fresh_home"), "LAKEHOUSE_ROOT": warehouse.root_uri}
    listed = _lakehouse(env, "restore", "--list")
    assert listed.stdout.split() == [stored.name, f"{stored.size:,}", "bytes"]
    restored_line = _lakehouse(env, "restore", stored.name).stdout.strip()
    assert restored_line == f"restored {stored.uri} into {tmp_path / 'fresh_home'}"
    with instance_at(tmp_path / "fresh_home") as restored:
        runs, materializations = _history(restored)

    # The backup run itself was running while it dumped: it is in the backup, unfinished.
    assert {run_id: status for run_id, status in runs.items() if run_id in before[0]} == before[0]
    assert materializations == before[1] and len(materializations) == 1  # day 2 stopped at its silver check


def test_only_the_last_n_backups_are_kept(tmp_path, instance_at):
    warehouse = Warehouse(root=str(tmp_path / "warehouse"))
    made, deleted = [], []
    with instance_at(tmp_path / "home", REPO / "dagster.yaml") as instance:
        for _ in range(3):
            metadata = _output_metadata(_back_up(instance, warehouse, keep_last=2))
            made.append(metadata["backup"].rsplit("/", 1)[1])
            deleted.append(metadata["deleted"])

    assert [backup.name for backup in list_backups(warehouse.root_uri, {})] == made[1:]
    assert deleted == ["none", "none", made[0]]


def _output_metadata(result) -> dict:
    (output,) = [event for event in result.all_events if event.event_type == DagsterEventType.STEP_OUTPUT]
    return {key: value.value for key, value in output.event_specific_data.metadata.items()}


@pytest.mark.slow
def test_a_postgres_backup_restores_every_run_and_materialization_into_a_fresh_database(
    tmp_path, postgres, monkeypatch, instance_at
):
    for name, value in postgres.dagster_env().items():
        monkeypatch.setenv(name, value)
    warehouse = Warehouse(root=str(tmp_path / "warehouse"))
    with instance_at(tmp_path / "home", POSTGRES_YAML) as instance:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        _some_runs(instance)
        before = _history(instance)
        _back_up(instance, warehouse)
    (stored,) = list_backups(warehouse.root_uri, {})
    assert stored.name.endswith(".sql.gz")

    connection = psycopg2.connect(
        host=postgres.host, port=postgres.port, user=postgres.user, password=postgres.password, dbname="postgres"
    )
    connection.autocommit = True  # CREATE DATABASE cannot run in a transaction
    with connection.cursor() as cursor:
        cursor.execute("CREATE DATABASE restored")
    connection.close()
    monkeypatch.setenv("DAGSTER_POSTGRES_DB", "restored")
    with instance_at(tmp_path / "restored_home", POSTGRES_YAML) as fresh:
        restore(stored.uri, warehouse, fresh)
    with instance_at(tmp_path / "restored_home") as restored:
        runs, materializations = _history(restored)
        latest = restored.get_latest_materialization_event(AssetKey(["gold", "toy_sales"]))

    assert {run_id: status for run_id, status in runs.items() if run_id in before[0]} == before[0]
    assert materializations == before[1] and latest is not None
