"""Runs the real Dagster definitions against a throwaway warehouse, on small generated data."""

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from dagster import DagsterInstance, ExecuteInProcessResult, materialize
from deltalake import DeltaTable

from lakehouse.definitions import all_assets
from lakehouse.landing.inventory import LandingPolicy
from lakehouse.partitions import PARTITION_RANGE_END_TAG, PARTITION_RANGE_START_TAG
from lakehouse.resources.delta_io import DeltaTableIOManager
from lakehouse.resources.pii import PiiPolicy
from lakehouse.resources.spark import SparkResource
from lakehouse.resources.warehouse import Warehouse
from lakehouse_tests.cron import materialize_command

TEST_PII_SALT = "test-salt-not-a-secret"


def cron_command(*partition_args: str) -> list[str]:
    """The shipped crontab's command (infra/cron/lakehouse.crontab), with ``--partition DAY`` or
    ``--partition-range A...B``: the medallion groups, never the demo generator."""
    return materialize_command(*partition_args)


def write_commits(table_uri: str, storage_options: dict[str, str] | None = None) -> int:
    """How many data writes a table's history holds, read by delta-rs. A silver table's constraints come with an
    extra CREATE TABLE commit before its first write, so versions alone do not count writes."""
    commits = DeltaTable(table_uri, storage_options=storage_options).history()
    return sum(1 for commit in commits if commit["operation"] == "WRITE")


SMALL_LANDING = {
    "seed": 7,
    "orders_per_day": 400,
    "customers": 120,
    "products": 40,
    "web_logs_per_day": 600,
    "dirt_rate": 0.05,
}
"""Small enough for seconds per run, dirty enough that every cleaning rule fires."""


@dataclass(frozen=True)
class LakehouseUnderTest:
    root: Path
    instance: DagsterInstance

    @property
    def warehouse(self) -> Warehouse:
        return Warehouse(root=str(self.root))

    def table_uri(self, layer: str, table: str) -> str:
        return self.warehouse.table_uri(layer, table)

    def resources(self) -> dict[str, object]:
        warehouse = self.warehouse
        spark = SparkResource(warehouse=warehouse)
        return {
            "spark": spark,
            "warehouse": warehouse,
            "delta_io_manager": DeltaTableIOManager(spark=spark, warehouse=warehouse),
            "pii": PiiPolicy(salt=TEST_PII_SALT),
            "landing": LandingPolicy(),
        }

    def materialize(self, first: date, last: date | None = None, selection: str = "*") -> ExecuteInProcessResult:
        """One run over the days ``first..last`` (inclusive), as a single-run backfill, like the UI and CLI do."""
        last = last or first
        return materialize(
            all_assets,
            selection=selection,
            resources=self.resources(),
            instance=self.instance,
            run_config={"ops": {"landing_generator": {"config": SMALL_LANDING}}} if selection == "*" else None,
            tags={PARTITION_RANGE_START_TAG: first.isoformat(), PARTITION_RANGE_END_TAG: last.isoformat()},
        )
