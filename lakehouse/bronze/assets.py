"""Bronze: each raw source parsed into its typed table, with every unparseable record quarantined."""

from datetime import UTC, datetime

from dagster import AssetExecutionContext, AssetKey, AssetOut, AssetsDefinition, Output, multi_asset

from lakehouse.bronze.parsing import parse_lines, split_parsed, unexpected_columns
from lakehouse.bronze.schemas import BRONZE_MODELS, Quarantine
from lakehouse.landing import read_landing_lines
from lakehouse.landing.inventory import LandingPolicy, list_landing_zone, take_inventory
from lakehouse.partitions import DayRange, daily_partitions
from lakehouse.policies import IO_RETRY_POLICY
from lakehouse.quality.checks import QUALITY
from lakehouse.quality.cross_table import raw_reconciliation_result, raw_reconciliation_spec
from lakehouse.quality.landing_checks import landing_check_results, landing_check_specs
from lakehouse.raw.formats import SOURCES
from lakehouse.resources.spark import SparkResource
from lakehouse.resources.warehouse import Warehouse
from lakehouse.table_metadata import definition_metadata


def build_bronze_asset(source: str) -> AssetsDefinition:
    model = BRONZE_MODELS[source]
    max_quarantine_share = QUALITY.for_table(AssetKey(["bronze", source])).max_quarantine_share

    @multi_asset(
        name=f"bronze_{source}",
        outs={
            "table": AssetOut(
                key=AssetKey(["bronze", source]),
                description=f"Typed {source} records with lineage columns (_source_file, _line_number, _ingested_at, "
                "_run_id). Raw records = bronze rows + quarantined rows, per day.",
                metadata=definition_metadata(model),
                io_manager_key="delta_io_manager",
                kinds={"spark", "delta"},
            ),
            "quarantine": AssetOut(
                key=AssetKey(["bronze", f"{source}_quarantine"]),
                description=f"Raw {source} records that broke the bronze schema, verbatim, with the reason.",
                metadata=definition_metadata(Quarantine),
                io_manager_key="delta_io_manager",
                kinds={"spark", "delta"},
            ),
        },
        deps=[AssetKey(["raw", source])],
        check_specs=[raw_reconciliation_spec(source, max_quarantine_share), *landing_check_specs(source)],
        partitions_def=daily_partitions,
        group_name="bronze",
        retry_policy=IO_RETRY_POLICY,
    )
    def bronze_asset(
        context: AssetExecutionContext,
        spark: SparkResource,
        warehouse: Warehouse,
        landing: LandingPolicy,
    ):
        days = DayRange.of_window(context.partition_time_window)
        # Listed before the read: a file landing meanwhile may be read yet judged missing, but a day is never judged
        # landed on a file the read did not see.
        inventory = take_inventory(landed.key for landed in list_landing_zone(warehouse))
        lines = read_landing_lines(spark.spark_session, warehouse.root_uri, source, days)
        # Checkpointed so that the two outputs below split one parse instead of parsing the files twice.
        parsed = parse_lines(lines, source, run_id=context.run.run_id, ingested_at=datetime.now(UTC)).localCheckpoint()
        table, quarantine = split_parsed(parsed)
        reconciliation = raw_reconciliation_result(source, parsed, table, quarantine, days, max_quarantine_share)
        raw_records = reconciliation.metadata["raw_records"].value
        # Extra columns are ignored, not lost silently: the raw files keep them, and the metadata says which.
        extra = unexpected_columns(parsed)
        if extra:
            context.log.warning(f"raw {source} records carry columns bronze ignores: {', '.join(extra)}")
        metadata = {"raw_records": raw_records, "unexpected_columns": ", ".join(extra) or "(none)"}
        yield Output(table, output_name="table", metadata=metadata)
        yield Output(quarantine, output_name="quarantine", metadata={"raw_records": raw_records})
        yield reconciliation
        yield from landing_check_results(source, inventory, days, landing)

    bronze_asset.__doc__ = f"Parses raw {source} lines into bronze.{source} and bronze.{source}_quarantine."
    return bronze_asset


bronze_assets = [build_bronze_asset(source) for source in SOURCES]
