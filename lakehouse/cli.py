"""``lakehouse``: run the demo lakehouse for a date range and print what the warehouse holds.

The scheduled and cron paths use Dagster's own CLI (see the README); this command is the one-line demo.
"""

import argparse
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from dagster import DagsterInstance

from lakehouse.summary import format_summary, summarize_warehouse

# The run tags with which Dagster's UI and CLI launch a single-run backfill of a partition range.
PARTITION_RANGE_START_TAG = "dagster/asset_partition_range_start"
PARTITION_RANGE_END_TAG = "dagster/asset_partition_range_end"


def _default_range(days: int) -> tuple[date, date]:
    yesterday = datetime.now(UTC).date() - timedelta(days=1)
    return yesterday - timedelta(days=days - 1), yesterday


def _requested_range(parser: argparse.ArgumentParser, args: argparse.Namespace, default_days: int) -> tuple[date, date]:
    """``--from``/``--to`` as given, each defaulting to the last ``default_days`` complete days."""
    first, last = _default_range(default_days)
    first, last = args.first or first, args.last or last
    if first > last:
        parser.error(f"--from {first} is after --to {last}")
    return first, last


def run(first: date, last: date, job_name: str) -> bool:
    from lakehouse.definitions import defs

    job = defs.resolve_job_def(job_name)
    print(f"Materializing {job_name} for {first}...{last} (one run, one Spark session)", flush=True)
    with DagsterInstance.get() as instance:
        result = job.execute_in_process(
            instance=instance,
            tags={PARTITION_RANGE_START_TAG: first.isoformat(), PARTITION_RANGE_END_TAG: last.isoformat()},
            # Step-level progress, not every DEBUG event: the run's full log is in the Dagster UI.
            run_config={"loggers": {"console": {"config": {"log_level": "INFO"}}}},
            raise_on_error=False,
        )
    print(f"Run {result.run_id}: {'succeeded' if result.success else 'FAILED'}")
    return result.success


def summary() -> None:
    from lakehouse.definitions import warehouse

    print(f"Warehouse: {warehouse.root_uri}")
    print(format_summary(summarize_warehouse(warehouse.root_uri, warehouse.storage_options)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="lakehouse", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    run_parser = commands.add_parser("run", help="materialize a date range, then print the summary")
    run_parser.add_argument("--days", type=int, default=7, help="the last N complete days (default 7)")
    run_parser.add_argument("--from", dest="first", type=date.fromisoformat, help="first day, YYYY-MM-DD")
    run_parser.add_argument("--to", dest="last", type=date.fromisoformat, help="last day (inclusive), YYYY-MM-DD")
    run_parser.add_argument(
        "--job",
        default="demo_lakehouse",
        help="demo_lakehouse (generates raw data) or daily_lakehouse (uses the files that landed)",
    )
    commands.add_parser("summary", help="print layer, partitions, rows and Delta version of every table")
    report_parser = commands.add_parser("report", help="write the asset check report (HTML) of a date range")
    report_parser.add_argument("--from", dest="first", type=date.fromisoformat, help="first day (default: 7 days ago)")
    report_parser.add_argument("--to", dest="last", type=date.fromisoformat, help="last day (default: yesterday)")
    report_parser.add_argument("--out", type=Path, help="HTML file (default .lakehouse/reports/quality-FROM-TO.html)")
    args = parser.parse_args(argv)

    if args.command == "run":
        first, last = _requested_range(parser, args, default_days=args.days)
        succeeded = run(first, last, args.job)
        summary()
        return 0 if succeeded else 1
    if args.command == "report":
        from lakehouse.report.command import report

        report(*_requested_range(parser, args, default_days=7), args.out)
        return 0
    summary()
    return 0


if __name__ == "__main__":
    sys.exit(main())
