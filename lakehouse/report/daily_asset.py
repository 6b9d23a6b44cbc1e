"""The daily run report asset: one markdown report per day, on the asset in the UI and as a file in the warehouse.

Each day of the run gets its own materialization (``add_asset_metadata`` per partition key), so a 30-day backfill
shows 30 reports, one per partition, and the report of a day is the latest one written for it. The file is
``<warehouse root>/reports/daily/<day>.md``, replaced by each run of the day; retention keeps it forever.
"""

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Final

from dagster import AssetExecutionContext, AssetKey, AssetsDefinition, MaterializeResult, MetadataValue, asset
from pyspark.sql import DataFrame

from lakehouse.alerts.message import job_label
from lakehouse.delta import read_table, table_exists
from lakehouse.partitions import DayRange, daily_partitions
from lakehouse.policies import IO_RETRY_POLICY
from lakehouse.raw.formats import SOURCES
from lakehouse.report.daily_figures import DailyFigures, collect_daily_figures
from lakehouse.report.daily_markdown import render_daily_report
from lakehouse.resources.spark import SparkResource
from lakehouse.resources.warehouse import Warehouse
from lakehouse.storage import join_uri

REPORT_KEY: Final = AssetKey(["report", "daily_run"])
REPORT_GROUP: Final = "report"
REPORT_FOLDER: Final = ("reports", "daily")
"""Under the warehouse root: one ``<day>.md`` per day."""


def report_file_uri(warehouse: Warehouse, day: date) -> str:
    return join_uri(warehouse.root_uri, *REPORT_FOLDER, f"{day.isoformat()}.md")


def build_daily_report_asset(reject_tables: Sequence[str]) -> AssetsDefinition:
    """The report asset, reading bronze and its quarantine, ``reject_tables`` (silver tables of rejected rows,
    ``orders_rejected``), silver orders and the gold sales tables of its days."""
    deps = [
        *(AssetKey(["bronze", name]) for source in SOURCES for name in (source, f"{source}_quarantine")),
        *(AssetKey(["silver", table]) for table in ("orders", *reject_tables)),
        AssetKey(["gold", "daily_sales"]),
        AssetKey(["gold", "sales_rolling_7d"]),
    ]

    @asset(
        key=REPORT_KEY,
        deps=deps,
        group_name=REPORT_GROUP,
        partitions_def=daily_partitions,
        kinds={"spark", "markdown"},
        retry_policy=IO_RETRY_POLICY,
    )
    def daily_run_report(
        context: AssetExecutionContext, spark: SparkResource, warehouse: Warehouse
    ) -> MaterializeResult:
        """One report per day: rows ingested per source, rows quarantined and rejected by rule, the daily sales
        summary and the 7-day rolling metrics. In the UI on each partition of this asset, and in the warehouse as
        reports/daily/<day>.md."""
        session = spark.spark_session
        days = DayRange.of_window(context.partition_time_window)

        def read(layer: str, table: str) -> DataFrame | None:
            uri = warehouse.table_uri(layer, table)
            return read_table(session, uri, days=days) if table_exists(session, uri) else None

        run_line = (
            f"Written by run `{context.run_id[:8]}` of {job_label(context.job_name)} "
            f"at {datetime.now(UTC):%Y-%m-%d %H:%M} UTC."
        )
        for figures in collect_daily_figures(read, days.days(), SOURCES, reject_tables):
            text = render_daily_report(figures, run_line=run_line)
            uri = _write_report(warehouse, figures.day, text)
            context.add_asset_metadata(_metadata(figures, text, uri), partition_key=figures.day.isoformat())
        return MaterializeResult()

    return daily_run_report


def _write_report(warehouse: Warehouse, day: date, text: str) -> str:
    uri = report_file_uri(warehouse, day)
    fs, root = warehouse.filesystem()
    folder = join_uri(root, *REPORT_FOLDER)
    fs.create_dir(folder, recursive=True)
    # compression=None: pyarrow would otherwise pick a codec from the file's extension.
    with fs.open_output_stream(f"{folder}/{day.isoformat()}.md", compression=None) as out:
        out.write(text.encode("utf-8"))
    return uri


def _metadata(figures: DailyFigures, text: str, uri: str) -> dict[str, object]:
    """The report itself, where it is stored, and the day's headline figures (the UI plots numbers per partition)."""
    sales = figures.sales
    return {
        "report": MetadataValue.md(text),
        "report_file": MetadataValue.path(uri),
        "raw_records": sum(intake.raw_records or 0 for intake in figures.intake),
        "quarantined": figures.quarantined,
        "rejected": figures.rejected,
        "orders": sales.orders if sales else 0,
        "revenue": float(sales.revenue) if sales else 0.0,
    }
