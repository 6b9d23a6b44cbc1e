"""``dagster_storage_backup``: a dump of Dagster's storage to object storage, daily, keeping the last N."""

import tempfile
from datetime import UTC, datetime
from pathlib import Path

from dagster import (
    Config,
    DefaultScheduleStatus,
    OpExecutionContext,
    ScheduleDefinition,
    job,
    op,
)
from pydantic import Field

from lakehouse.backup.dump import dump, storage_of
from lakehouse.backup.store import TIMESTAMP_FORMAT, prune, upload
from lakehouse.policies import IO_RETRY_POLICY
from lakehouse.resources.warehouse import Warehouse

BACKUP_JOB_NAME = "dagster_storage_backup"


class BackupConfig(Config):
    keep_last: int = Field(default=14, ge=1, description="Backups kept in object storage; older ones are deleted")


@op(retry_policy=IO_RETRY_POLICY, description="Dump Dagster's storage, gzip it, upload it, keep the last N.")
def backup_dagster_storage(context: OpExecutionContext, config: BackupConfig, warehouse: Warehouse) -> None:
    target = storage_of(context.instance)
    stem = datetime.now(UTC).strftime(TIMESTAMP_FORMAT)
    # The dump is staged on local disk, then uploaded; the staging folder goes whatever happens.
    with tempfile.TemporaryDirectory(prefix="dagster-backup-") as staging:
        local = dump(target, Path(staging), stem)
        stored = upload(local, warehouse.root_uri, warehouse.storage_options)
    expired = prune(warehouse.root_uri, warehouse.storage_options, config.keep_last)
    context.log.info(f"backed up Dagster's storage to {stored.uri} ({stored.size:,} bytes)")
    context.add_output_metadata(
        {
            "backup": stored.uri,
            "bytes": stored.size,
            "storage": type(target).__name__.removesuffix("Target"),
            "deleted": ", ".join(backup.name for backup in expired) or "none",
        }
    )


@job(name=BACKUP_JOB_NAME, description="Dump Dagster's storage (runs, event logs, schedules) to object storage.")
def dagster_storage_backup() -> None:
    backup_dagster_storage()


# 04:00 UTC: after the 02:00 daily run and the Sunday 03:00 maintenance, so the backup holds them. Off by default.
backup_schedule = ScheduleDefinition(
    name="daily_dagster_backup",
    job=dagster_storage_backup,
    cron_schedule="0 4 * * *",
    execution_timezone="UTC",
    default_status=DefaultScheduleStatus.STOPPED,
)
