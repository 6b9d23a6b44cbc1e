"""The cron form of the README, run exactly as a user's crontab runs it: Dagster's CLI in a subprocess."""

import os
import shutil
from datetime import date
from pathlib import Path

import pytest

from lakehouse.definitions import table_keys
from lakehouse.delta import table_snapshot
from lakehouse.raw.generator import GeneratorConfig, land_day
from lakehouse.summary import summarize_warehouse
from lakehouse_tests.harness import SMALL_LANDING, TEST_PII_SALT, cron_command, write_commits
from lakehouse_tests.processes import run_counting_spark_jvms

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def cron_env(tmp_path) -> dict[str, str]:
    dagster_home = tmp_path / "dagster_home"
    dagster_home.mkdir()
    shutil.copy(REPO / "dagster.yaml", dagster_home / "dagster.yaml")
    return {
        **os.environ,
        "LAKEHOUSE_ROOT": str(tmp_path / "warehouse"),
        "DAGSTER_HOME": str(dagster_home),
        "LAKEHOUSE_PII_SALT": TEST_PII_SALT,
    }


def _land(env: dict[str, str], *days: date) -> None:
    for day in days:
        land_day(env["LAKEHOUSE_ROOT"], day, GeneratorConfig(**SMALL_LANDING))


def test_cron_command_for_one_day_runs_every_layer_on_one_spark_jvm(cron_env):
    _land(cron_env, date(2024, 1, 15))
    command = cron_command("--partition", "2024-01-15")

    completed, jvms = run_counting_spark_jvms(command, cron_env)

    assert completed.returncode == 0, completed.stdout[-4000:]
    assert jvms == 1, f"a one-day run of all layers must start exactly one Spark JVM, started {jvms}"
    tables = summarize_warehouse(cron_env["LAKEHOUSE_ROOT"])
    assert len(tables) == len(table_keys)
    assert all(t.partitions in (["2024-01-15"], []) for t in tables)
    assert table_snapshot(f"{cron_env['LAKEHOUSE_ROOT']}/gold/daily_sales").partitions == ["2024-01-15"]


def test_cron_command_for_a_partition_range_is_one_run(cron_env):
    _land(cron_env, date(2024, 1, 1), date(2024, 1, 2), date(2024, 1, 3))
    command = cron_command("--partition-range", "2024-01-01...2024-01-03")

    completed, jvms = run_counting_spark_jvms(command, cron_env)

    assert completed.returncode == 0, completed.stdout[-4000:]
    assert jvms == 1
    for table in summarize_warehouse(cron_env["LAKEHOUSE_ROOT"]):
        # A table the days gave no row (the dimensions' rejects, on clean keys) has no partition to show.
        expected = ["2024-01-01", "2024-01-02", "2024-01-03"] if table.rows else []
        assert table.partitions == expected, table
        uri = f"{cron_env['LAKEHOUSE_ROOT']}/{table.layer}/{table.table}"
        assert write_commits(uri) == 1, f"{table.layer}.{table.table}: one write for the whole range"


def test_cron_command_fails_loudly_without_the_pii_salt(cron_env):
    _land(cron_env, date(2024, 1, 15))
    env = {key: value for key, value in cron_env.items() if key != "LAKEHOUSE_PII_SALT"}
    command = cron_command("--partition", "2024-01-15")

    completed, _ = run_counting_spark_jvms(command, env)

    assert completed.returncode != 0
    assert "LAKEHOUSE_PII_SALT" in completed.stdout
