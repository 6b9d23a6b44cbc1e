"""Dagster's storage in a real Postgres, configured by the same dagster.yaml the local stack and docker-compose use."""

import shutil
from datetime import date
from pathlib import Path

import psycopg2
import pytest
from dagster import AssetKey, DagsterInstance, DagsterRunStatus

from lakehouse_tests.harness import LakehouseUnderTest

pytestmark = pytest.mark.slow

STACK_DAGSTER_YAML = Path(__file__).resolve().parents[2] / "infra" / "dagster.postgres.yaml"


@pytest.fixture
def postgres_instance(tmp_path, postgres, monkeypatch):
    for name, value in postgres.dagster_env().items():
        monkeypatch.setenv(name, value)
    dagster_home = tmp_path / "dagster_home"
    dagster_home.mkdir()
    shutil.copy(STACK_DAGSTER_YAML, dagster_home / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(dagster_home))
    with DagsterInstance.get() as instance:
        yield instance


def test_a_materialization_stores_its_run_and_events_in_postgres(postgres_instance, postgres, tmp_path, spark):
    assert type(postgres_instance.run_storage).__name__ == "PostgresRunStorage"
    lakehouse = LakehouseUnderTest(root=tmp_path / "warehouse", instance=postgres_instance)

    result = lakehouse.materialize(date(2024, 1, 15))

    assert result.success
    with (
        psycopg2.connect(
            host=postgres.host,
            port=postgres.port,
            user=postgres.user,
            password=postgres.password,
            dbname=postgres.db_name,
        ) as connection,
        connection.cursor() as cursor,
    ):
        cursor.execute("SELECT status FROM runs WHERE run_id = %s", (result.run_id,))
        assert cursor.fetchall() == [("SUCCESS",)]
        cursor.execute(
            "SELECT count(*) FROM event_logs WHERE run_id = %s AND dagster_event_type = 'ASSET_MATERIALIZATION'",
            (result.run_id,),
        )
        assert cursor.fetchone()[0] == len(result.get_asset_materialization_events()) >= 19
        cursor.execute("SELECT count(*) FROM asset_keys WHERE asset_key = %s", ('["gold", "daily_sales"]',))
        assert cursor.fetchone()[0] == 1


def test_a_new_instance_from_the_same_config_sees_the_stored_runs(postgres_instance, tmp_path, spark):
    lakehouse = LakehouseUnderTest(root=tmp_path / "warehouse", instance=postgres_instance)
    run_id = lakehouse.materialize(date(2024, 1, 16)).run_id

    with DagsterInstance.get() as fresh:
        run = fresh.get_run_by_id(run_id)
        event = fresh.get_latest_materialization_event(AssetKey(["gold", "daily_sales"]))

    assert run is not None and run.status == DagsterRunStatus.SUCCESS
    assert event is not None and event.run_id == run_id
