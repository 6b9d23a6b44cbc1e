"""The ``lakehouse_maintenance`` job on a real warehouse: expired days go, nothing inside the retention changes."""

import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from dagster import AssetKey, DagsterEventType, DagsterInstance
from pyspark.sql import functions as F

from lakehouse.definitions import all_assets, defs, table_keys
from lakehouse.delta import read_table, table_snapshot
from lakehouse.maintenance.job import MAINTENANCE_JOB_NAME, build_maintenance_job, read_back_days
from lakehouse.maintenance.retention import Retention
from lakehouse_tests.harness import LakehouseUnderTest

pytestmark = pytest.mark.slow

DAY_1, DAY_2, DAY_3, AS_OF = date(2024, 1, 1), date(2024, 1, 2), date(2024, 1, 3), date(2024, 1, 4)
# As of DAY_3 + 1: the raw layer keeps 1 day, bronze and silver 2, gold forever; VACUUM keeps no history.
SHORT = Retention(raw_days=1, bronze_days=2, silver_days=2, gold_days=0, vacuum_retention_hours=0)
# A table of each layer, and silver orders, which a downstream asset reads back from forever: each table costs
# seconds of Spark jobs, and the job treats every table alike (the definition test checks it covers them all).
MAINTAINED = [
    AssetKey(["bronze", "orders"]),
    AssetKey(["silver", "orders"]),
    AssetKey(["silver", "web_logs"]),
    AssetKey(["gold", "daily_sales"]),
]


def _maintain(lakehouse, retention: Retention, *, dry_run: bool = False):
    resources = lakehouse.resources()
    result = build_maintenance_job(MAINTAINED, read_back_days(all_assets)).execute_in_process(
        resources={"spark": resources["spark"], "warehouse": resources["warehouse"], "retention": retention},
        run_config={"ops": {"maintain_lakehouse": {"config": {"dry_run": dry_run, "as_of": AS_OF.isoformat()}}}},
        instance=lakehouse.instance,
    )
    assert result.success
    return result


def _observations(result) -> dict[str, dict]:
    """Per table, the metadata of the observation the run recorded on it."""
    return {
        event.asset_key.to_user_string(): {
            key: value.value for key, value in event.event_specific_data.asset_observation.metadata.items()
        }
        for event in result.all_events
        if event.event_type == DagsterEventType.ASSET_OBSERVATION
    }


def _pass_metadata(result) -> dict:
    """The op's output metadata: the whole pass."""
    output = next(event for event in result.all_events if event.event_type == DagsterEventType.STEP_OUTPUT)
    return {key: value.value for key, value in output.event_specific_data.metadata.items()}


def _state(lakehouse) -> dict[str, tuple[list[str], dict[str, tuple[int, int]]]]:
    """Each table's partitions (read by delta-rs from its log) and, per day, its rows and a checksum of their
    values (read by Spark), so a day that changed in any value shows."""
    spark = lakehouse.resources()["spark"].spark_session
    state = {}
    for key in MAINTAINED:
        table_uri = lakehouse.table_uri(*key.path)
        frame = read_table(spark, table_uri)
        per_day = (
            frame.groupBy("dt").agg(F.count("*"), F.sum(F.xxhash64(*frame.columns).cast("decimal(38,0)"))).collect()
        )
        state[key.to_user_string()] = (
            table_snapshot(table_uri).partitions,
            {row[0].isoformat(): (row[1], row[2]) for row in per_day},
        )
    return state


def _landed_days(root: Path) -> set[str]:
    return {folder.name for folder in (root / "raw").glob("*/dt=*")}


@pytest.fixture(scope="module")
def three_days_template(tmp_path_factory, spark) -> Path:
    """Three materialized days, built once: each test maintains its own copy."""
    with DagsterInstance.ephemeral() as instance:
        built = LakehouseUnderTest(root=tmp_path_factory.mktemp("template") / "warehouse", instance=instance)
        built.materialize(DAY_1, DAY_3)
        built.materialize(DAY_3)  # a rerun: day 3's earlier files are history that VACUUM may free
    return built.root


@pytest.fixture
def three_days(three_days_template, tmp_path, spark) -> Iterator[LakehouseUnderTest]:
    # Delta logs name their files relative to the table, so a copied table is the same table.
    root = shutil.copytree(three_days_template, tmp_path / "warehouse")
    with DagsterInstance.ephemeral() as instance:
        yield LakehouseUnderTest(root=root, instance=instance)


def test_the_job_is_defined_with_a_weekly_schedule_that_is_off_by_default():
    schedule = defs.resolve_schedule_def("weekly_maintenance")
    assert (schedule.job_name, schedule.cron_schedule, schedule.default_status.value) == (
        MAINTENANCE_JOB_NAME,
        "0 3 * * 0",
        "STOPPED",
    )
    assert {key.path[0] for key in table_keys} == {"bronze", "silver", "gold"}
    assert AssetKey(["bronze", "orders_quarantine"]) in table_keys


def test_a_dry_run_lists_the_expired_days_and_changes_nothing(three_days):
    before, landed = _state(three_days), _landed_days(three_days.root)

    result = _maintain(three_days, SHORT, dry_run=True)

    assert _state(three_days) == before
    assert _landed_days(three_days.root) == landed
    observed = _observations(result)
    assert observed["silver/web_logs"]["partitions_dropped"] == "2024-01-01"
    assert observed["silver/web_logs"]["version_after"] == observed["silver/web_logs"]["version_before"]
    assert observed["gold/daily_sales"]["partitions_dropped"] == "none"
    assert observed["bronze/orders"]["files_vacuumed"] > 0  # the rerun's replaced files, listed not deleted
    assert _pass_metadata(result)["landing_days_expired"] == 8  # 4 sources x 2 days, listed not deleted


def test_expired_days_are_dropped_and_vacuumed_and_the_kept_days_are_untouched(three_days):
    before, root = _state(three_days), three_days.root
    raw_files_before = sum(1 for path in (root / "raw").rglob("*") if path.is_file())

    result = _maintain(three_days, SHORT)

    after = _state(three_days)
    for table, (partitions, rows) in before.items():
        # Gold keeps forever here; silver orders too, since customer_360 reads back every earlier day of it.
        keeps_all = table.startswith("gold/") or table == "silver/orders"
        kept = partitions if keeps_all else [day for day in partitions if day >= DAY_2.isoformat()]
        assert after[table][0] == kept, table
        assert after[table][1] == {day: count for day, count in rows.items() if day in kept}, table
    assert _landed_days(root) == {"dt=2024-01-03"}

    observed = _observations(result)
    web_logs = observed["silver/web_logs"]
    assert web_logs["partitions_dropped"] == "2024-01-01"
    assert web_logs["files_dropped"] > 0 and web_logs["bytes_dropped"] > 0
    assert web_logs["version_after"] > web_logs["version_before"]
    assert web_logs["files_vacuumed"] > 0 and web_logs["bytes_freed"] > 0
    assert observed["silver/orders"]["partitions_dropped"] == "none"
    assert observed["gold/daily_sales"]["partitions_dropped"] == "none"
    assert observed["gold/daily_sales"]["kept_from"] == "forever"
    summary = _pass_metadata(result)
    assert (summary["landing_days_expired"], summary["dry_run"]) == (8, False)  # 4 sources x 2 days
    assert summary["landing_bytes_freed"] > 0
    assert "| silver/web_logs | 1 |" in summary["tables"]
    assert sum(1 for path in (root / "raw").rglob("*") if path.is_file()) < raw_files_before


def test_with_the_default_retention_nothing_inside_it_changes(three_days):
    before, landed = _state(three_days), _landed_days(three_days.root)

    _maintain(three_days, Retention())

    assert _state(three_days) == before
    assert _landed_days(three_days.root) == landed
