"""``lakehouse``: run the demo lakehouse for a date range and print what the warehouse holds.

The scheduled and cron paths use Dagster's own CLI (see the README); this command is the one-line demo.
"""

import argparse
import logging
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from dagster import DagsterInstance

from lakehouse.partitions import FIRST_DAY, FIRST_DAY_ENV, PARTITION_RANGE_END_TAG, PARTITION_RANGE_START_TAG
from lakehouse.summary import format_summary, summarize_warehouse


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
    """One run of ``job_name`` over the days, printing its plan, then a line per step as the run's events arrive."""
    from lakehouse.alerts.executor import send_alert
    from lakehouse.alerts.outcome import OutcomeCollector
    from lakehouse.definitions import defs
    from lakehouse.progress import Plan, RunProgress

    job = defs.resolve_job_def(job_name)
    plan = Plan.of_job(job, first, last)
    print("\n".join(plan.lines()), flush=True)
    progress = RunProgress(plan)
    tags = {PARTITION_RANGE_START_TAG: first.isoformat(), PARTITION_RANGE_END_TAG: last.isoformat()}
    run_id = str(uuid.uuid4())  # what Dagster itself would pick; chosen here to listen to the run before it starts
    started = time.monotonic()
    with DagsterInstance.get() as instance:
        # The progress comes from the instance's listener for this run's events: it gets each event as the instance
        # stores it (the full log stays in Dagster's storage, for the UI), typed (EventLogEntry), in this thread,
        # and the job stays as defined. A custom @logger would need a copy of the job with the logger added and
        # would read the events back off log records; watching the event storage would poll from another thread.
        instance.add_event_listener(run_id, progress.on_event)
        try:
            result = job.execute_in_process(
                instance=instance,
                run_id=run_id,
                tags=tags,
                # Dagster's console logger would print each event as a long line: the listener prints what matters.
                # What a step logs as CRITICAL still shows.
                run_config={"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}},
                raise_on_error=False,
            )
        finally:
            progress.close()
    # execute_in_process runs on Dagster's own executor, not the jobs' alerting one: post the same alert here.
    collector = OutcomeCollector(job.name, result.run_id, tags).add_all(result.all_events)
    send_alert(collector.outcome(), logging.getLogger("lakehouse.alerts"))
    outcome = "succeeded" if result.success else "FAILED"
    print(f"Run {result.run_id}: {outcome} in {time.monotonic() - started:.0f} s")
    return result.success


def restore_command(parser: argparse.ArgumentParser, backup: str | None, *, list_only: bool) -> int:
    from lakehouse.backup.restore import restore
    from lakehouse.backup.store import list_backups
    from lakehouse.definitions import warehouse

    if list_only:
        for stored in list_backups(warehouse.root_uri, warehouse.storage_options):
            print(f"{stored.name}  {stored.size:,} bytes")
        return 0
    if not backup:
        parser.error("restore: name a backup (lakehouse restore --list shows them)")
    with DagsterInstance.get() as instance:
        uri = restore(backup, warehouse, instance)
    print(f"restored {uri} into {instance.root_directory}")
    return 0


def summary() -> None:
    from lakehouse.definitions import warehouse

    print(f"Warehouse: {warehouse.root_uri}")
    print(format_summary(summarize_warehouse(warehouse.root_uri, warehouse.storage_options)))


def print_daily_report_location(first: date, last: date) -> None:
    from lakehouse.definitions import warehouse
    from lakehouse.report.daily_asset import report_file_uri

    others = f" (one per day, from {report_file_uri(warehouse, first)})" if first != last else ""
    print(f"Daily run report: {report_file_uri(warehouse, last)}{others}")


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
    sql_parser = commands.add_parser("sql", help="SQL over the silver and gold tables in DuckDB (no QUERY: a shell)")
    sql_parser.add_argument("query", nargs="?", help="statements, e.g. 'SELECT * FROM gold_daily_sales'")
    sql_parser.add_argument("--max-rows", type=int, default=40, help="rows printed per result (default 40)")
    duckdb_parser = commands.add_parser("duckdb", help="write a DuckDB file with a view per silver and gold table")
    duckdb_parser.add_argument("--out", type=Path, default=Path(".lakehouse/lakehouse.duckdb"), help="database file")
    health_parser = commands.add_parser(
        "health", help="check every configured service and the data; exit 1 when something is wrong"
    )
    health_parser.add_argument(
        "--as-of", type=date.fromisoformat, help="the day to judge from, YYYY-MM-DD (default: today, UTC)"
    )
    restore_parser = commands.add_parser(
        "restore", help="restore a backup of Dagster's storage (dagster_storage_backup) into this instance"
    )
    restore_parser.add_argument("backup", nargs="?", help="a name from --list, a URI or a local file")
    restore_parser.add_argument("--list", action="store_true", help="list the stored backups, oldest first")
    args = parser.parse_args(argv)

    if args.command == "run":
        first, last = _requested_range(parser, args, default_days=args.days)
        if first < FIRST_DAY:
            # Dagster would refuse the partition key with a traceback; say which setting moves the first day.
            parser.error(
                f"--from {first} is before the first partition day {FIRST_DAY} ({FIRST_DAY_ENV}): set "
                f"{FIRST_DAY_ENV}={first} to run earlier days (make reads it from .lakehouse/first_day)"
            )
        succeeded = run(first, last, args.job)
        summary()
        if succeeded:
            print_daily_report_location(first, last)
        return 0 if succeeded else 1
    if args.command == "health":
        from lakehouse.health.command import health

        return health(args.as_of)
    if args.command == "restore":
        return restore_command(parser, args.backup, list_only=args.list)
    if args.command == "report":
        from lakehouse.report.command import report

        report(*_requested_range(parser, args, default_days=7), args.out)
        return 0
    if args.command in ("sql", "duckdb"):
        from lakehouse.definitions import warehouse
        from lakehouse.sql.command import sql, write_duckdb

        return sql(args.query, warehouse, args.max_rows) if args.command == "sql" else write_duckdb(args.out, warehouse)
    summary()
    return 0


if __name__ == "__main__":
    sys.exit(main())
