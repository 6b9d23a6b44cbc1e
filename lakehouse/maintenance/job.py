"""``lakehouse_maintenance``: retention, compaction and vacuum of every table, and retention of the landing zone.

For each table, in this order: Delta ``DELETE`` of the partitions older than its layer's retention (whole files, one
commit), ``OPTIMIZE`` (small files of a day into one), ``VACUUM`` (data files no version of the kept history needs).
Then the landing zone's day folders older than the raw retention. What each table went through is recorded as an
asset observation on that table (its page in the UI shows it), and the whole pass as the op's output metadata.

A dry run changes nothing: it lists the days that would be dropped and the files VACUUM would delete.

Storage freed by a drop shows a retention period later: ``DELETE`` only unlinks files from the table's current
version, and VACUUM keeps them as long as the history they belong to is kept (a week by default), so time travel
and slow readers never lose a file under them.
"""

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime

from dagster import (
    AssetKey,
    AssetObservation,
    AssetsDefinition,
    Config,
    DefaultScheduleStatus,
    JobDefinition,
    MetadataValue,
    Nothing,
    OpExecutionContext,
    Out,
    ScheduleDefinition,
    job,
    op,
)
from pydantic import Field
from pyspark.sql import SparkSession

from lakehouse.delta import delete_partitions_before, optimize, table_exists, vacuum
from lakehouse.delta.tables import latest_version, open_table
from lakehouse.maintenance.landing import LandingDay, delete_landing_day, landing_days_before
from lakehouse.maintenance.retention import Retention
from lakehouse.policies import IO_RETRY_POLICY
from lakehouse.resources.delta_io import LOOKBACK_DAYS_METADATA_KEY
from lakehouse.resources.spark import SparkResource
from lakehouse.resources.warehouse import Warehouse
from lakehouse.storage import filesystem_for, join_uri

MAINTENANCE_JOB_NAME = "lakehouse_maintenance"


class MaintenanceConfig(Config):
    dry_run: bool = Field(default=False, description="List what would be deleted and vacuumed; change nothing")
    as_of: str | None = Field(
        default=None, description="The day retention counts back from, YYYY-MM-DD (default: today, UTC)"
    )

    def today(self) -> date:
        return date.fromisoformat(self.as_of) if self.as_of else datetime.now(UTC).date()


@dataclass(frozen=True)
class TableMaintenance:
    """What one table went through (or, in a dry run, would go through)."""

    table: str
    version_before: int
    version_after: int
    kept_from: str  # the first day the retention keeps, "forever" when it keeps all
    partitions_dropped: list[str]
    files_dropped: int
    bytes_dropped: int
    files_compacted: int  # small files OPTIMIZE rewrote
    files_written: int  # the files OPTIMIZE wrote in their place
    files_vacuumed: int
    bytes_freed: int


def maintain_table(
    spark: SparkSession,
    table: str,
    table_uri: str,
    cutoff: date | None,
    vacuum_hours: float,
    storage_options: Mapping[str, str],
    *,
    dry_run: bool,
) -> TableMaintenance:
    """Retention, then OPTIMIZE, then VACUUM of one table; ``cutoff`` None keeps every day."""
    version_before = latest_version(open_table(spark, table_uri))
    dropped = delete_partitions_before(spark, table_uri, cutoff, dry_run=dry_run) if cutoff else None
    compacted = {} if dry_run else optimize(spark, table_uri)
    freed_bytes: list[int] = []  # filled by VACUUM once it has listed the files
    # VACUUM names the files it deletes but not their size: take it from the storage before they go.
    expired_files = vacuum(
        spark,
        table_uri,
        vacuum_hours,
        dry_run=dry_run,
        before_delete=lambda files: freed_bytes.append(_total_size(table_uri, files, storage_options)),
    )
    return TableMaintenance(
        table=table,
        version_before=version_before,
        version_after=latest_version(open_table(spark, table_uri)),
        kept_from=cutoff.isoformat() if cutoff else "forever",
        partitions_dropped=[day.isoformat() for day in dropped.days] if dropped else [],
        files_dropped=dropped.files if dropped else 0,
        bytes_dropped=dropped.bytes if dropped else 0,
        files_compacted=int(compacted.get("numFilesRemoved", 0)),
        files_written=int(compacted.get("numFilesAdded", 0)),
        files_vacuumed=len(expired_files),
        bytes_freed=freed_bytes[0],
    )


def _total_size(table_uri: str, relative_paths: Sequence[str], storage_options: Mapping[str, str]) -> int:
    if not relative_paths:
        return 0
    fs, table_path = filesystem_for(table_uri, storage_options)
    return sum(info.size or 0 for info in fs.get_file_info([join_uri(table_path, path) for path in relative_paths]))


def read_back_days(assets: Sequence[AssetsDefinition]) -> dict[AssetKey, int]:
    """For each table some asset reads back from its day (rolling windows, customer lifetime), the longest such
    lookback: retention never drops what the next run still reads."""
    longest: dict[AssetKey, int] = {}
    for asset in assets:
        for name, key in asset.keys_by_input_name.items():
            days = asset.node_def.input_def_named(name).metadata.get(LOOKBACK_DAYS_METADATA_KEY, 0)
            if days:
                longest[key] = max(days, longest.get(key, 0))
    return longest


def build_maintenance_job(
    table_keys: Sequence[AssetKey], read_back_days: Mapping[AssetKey, int] | None = None
) -> JobDefinition:
    """The maintenance job over ``table_keys`` (``<layer>/<table>`` Delta tables). ``read_back_days``: for a table
    that downstream assets read back from their day, the longest such lookback; retention keeps those days."""
    read_back_days = dict(read_back_days or {})

    @op(
        name="maintain_lakehouse",
        # Nothing flows out; the output carries the pass's summary as its metadata.
        out=Out(Nothing),
        retry_policy=IO_RETRY_POLICY,
        description="Drop expired partitions, OPTIMIZE and VACUUM every table, then expire landing day folders.",
    )
    def maintain_lakehouse(
        context: OpExecutionContext,
        config: MaintenanceConfig,
        spark: SparkResource,
        warehouse: Warehouse,
        retention: Retention,
    ) -> None:
        today, verb = config.today(), "would drop" if config.dry_run else "dropped"
        records = []
        for key in table_keys:
            layer, table = key.path
            table_uri = warehouse.table_uri(layer, table)
            if not table_exists(spark.spark_session, table_uri):
                context.log.info(f"{key.to_user_string()}: no table yet, nothing to maintain")
                continue
            record = maintain_table(
                spark.spark_session,
                key.to_user_string(),
                table_uri,
                retention.cutoff(layer, today, read_back_days.get(key, 0)),
                retention.vacuum_hours,
                warehouse.storage_options,
                dry_run=config.dry_run,
            )
            records.append(record)
            context.log.info(
                f"{key.to_user_string()}: {verb} {len(record.partitions_dropped)} day(s) before {record.kept_from}, "
                f"compacted {record.files_compacted} file(s), vacuumed {record.files_vacuumed} ({record.bytes_freed} B)"
            )
            context.log_event(
                AssetObservation(
                    asset_key=key,
                    description=f"Maintenance{' (dry run)' if config.dry_run else ''} as of {today}",
                    metadata={**_metadata(record), "dry_run": config.dry_run},
                )
            )
        landing = _expire_landing(context, warehouse, retention, today, dry_run=config.dry_run)
        context.add_output_metadata(
            {
                "dry_run": config.dry_run,
                "as_of": today.isoformat(),
                "tables": MetadataValue.md(_tables_markdown(records)),
                "landing_days_expired": len(landing),
                "landing_bytes_freed": sum(day.bytes for day in landing),
                "landing": MetadataValue.md(
                    "\n".join(f"- {d.source} {d.day}: {d.files} file(s), {d.bytes} B" for d in landing) or "nothing"
                ),
            }
        )

    @job(
        name=MAINTENANCE_JOB_NAME,
        description="Weekly: retention (Delta DELETE of expired days, landing folders), OPTIMIZE and VACUUM. "
        "Run config ops.maintain_lakehouse.config.dry_run=true lists what it would delete.",
    )
    def lakehouse_maintenance() -> None:
        maintain_lakehouse()

    return lakehouse_maintenance


def _expire_landing(
    context: OpExecutionContext, warehouse: Warehouse, retention: Retention, today: date, *, dry_run: bool
) -> list[LandingDay]:
    cutoff = retention.cutoff("raw", today)
    if cutoff is None:
        return []
    expired = list(landing_days_before(warehouse, cutoff))
    for landing_day in expired:
        if not dry_run:
            delete_landing_day(warehouse, landing_day)
    context.log.info(f"landing zone: {'would remove' if dry_run else 'removed'} {len(expired)} day folder(s)")
    return expired


def _metadata(record: TableMaintenance) -> dict[str, object]:
    values = asdict(record)
    values["partitions_dropped"] = ", ".join(record.partitions_dropped) or "none"
    return values


def _tables_markdown(records: Sequence[TableMaintenance]) -> str:
    header = "| table | days dropped | files compacted | files vacuumed | bytes freed | version |\n" + "|---" * 6 + "|"
    rows = [
        f"| {r.table} | {len(r.partitions_dropped)} | "
        f"{r.files_compacted} | {r.files_vacuumed} | {r.bytes_freed} | {r.version_before} → {r.version_after} |"
        for r in records
    ]
    return "\n".join([header, *rows])


# Sunday 03:00 UTC: after the 02:00 daily run, in the quietest hour of the week. Off until switched on, like the
# other schedules.
def maintenance_schedule(maintenance_job: JobDefinition) -> ScheduleDefinition:
    return ScheduleDefinition(
        name="weekly_maintenance",
        job=maintenance_job,
        cron_schedule="0 3 * * 0",
        execution_timezone="UTC",
        default_status=DefaultScheduleStatus.STOPPED,
    )
