"""Everything Dagster loads: assets, jobs, the schedule and the resources. Policies are applied here, once."""

from dagster import (
    AssetSelection,
    Definitions,
    EnvVar,
    build_schedule_from_partitioned_job,
    define_asset_job,
)

from lakehouse.alerts.executor import alerting_in_process_executor
from lakehouse.backup.job import backup_schedule, dagster_storage_backup
from lakehouse.bronze.assets import bronze_assets
from lakehouse.gold.assets import gold_assets
from lakehouse.landing.inventory import LandingPolicy
from lakehouse.landing.sensor import landing_zone_sensor
from lakehouse.maintenance.job import build_maintenance_job, maintenance_schedule, read_back_days
from lakehouse.maintenance.retention import Retention
from lakehouse.policies import SINGLE_RUN_BACKFILL
from lakehouse.quality import freshness_checks, freshness_sensor, quality_checks
from lakehouse.raw.assets import landing_generator
from lakehouse.report.daily_asset import REPORT_GROUP, build_daily_report_asset
from lakehouse.resources.delta_io import DeltaTableIOManager
from lakehouse.resources.pii import PiiPolicy
from lakehouse.resources.spark import SparkResource
from lakehouse.resources.warehouse import Warehouse
from lakehouse.silver.assets import silver_assets

# The report counts every silver table of rejected rows, whichever silver assets write one.
reject_tables = sorted(
    key.path[1] for asset in silver_assets for key in asset.keys if key.path[1].endswith("_rejected")
)
daily_run_report = build_daily_report_asset(reject_tables)

all_assets = [
    asset.with_attributes(backfill_policy=SINGLE_RUN_BACKFILL)
    for asset in [landing_generator, *bronze_assets, *silver_assets, *gold_assets, daily_run_report]
]

medallion = AssetSelection.groups("bronze", "silver", "gold")

daily_lakehouse_job = define_asset_job(
    name="daily_lakehouse",
    selection=medallion | AssetSelection.groups(REPORT_GROUP),
    description="Bronze → silver → gold for the files that landed, then the daily run report. The production job: "
    "it never generates data.",
)

demo_job = define_asset_job(
    name="demo_lakehouse",
    selection=AssetSelection.all(),
    description="Generates demo raw files, then bronze → silver → gold.",
)

# 02:00 UTC every day, for the previous day: the partition is the day the data describes, not the run day.
daily_schedule = build_schedule_from_partitioned_job(daily_lakehouse_job, hour_of_day=2, minute_of_hour=0)

# Every Delta table (bronze, silver and gold, their quarantine and rejects included) falls under maintenance.
table_keys = sorted(
    (key for asset in all_assets for key in asset.keys if key.path[0] in ("bronze", "silver", "gold")),
    key=lambda key: key.path,
)
maintenance_job = build_maintenance_job(table_keys, read_back_days(all_assets))

warehouse = Warehouse()
spark = SparkResource(warehouse=warehouse)

defs = Definitions(
    assets=all_assets,
    asset_checks=[*quality_checks, *freshness_checks],
    jobs=[daily_lakehouse_job, demo_job, maintenance_job, dagster_storage_backup],
    schedules=[daily_schedule, maintenance_schedule(maintenance_job), backup_schedule],
    sensors=[freshness_sensor, landing_zone_sensor],
    resources={
        "spark": spark,
        "warehouse": warehouse,
        "delta_io_manager": DeltaTableIOManager(spark=spark, warehouse=warehouse),
        "pii": PiiPolicy(salt=EnvVar("LAKEHOUSE_PII_SALT")),
        "landing": LandingPolicy(),
        "retention": Retention(),
    },
    # Every step of a run shares one SparkSession: a JVM per step would cost more than the work of a day. The
    # executor also posts each run's outcome to the alert webhook (lakehouse.alerts), whoever launched the run.
    executor=alerting_in_process_executor,
)
