"""``make drift-false-alarms``: how often drift flags an ordinary day of the generator.

Lands ``--days`` (60) generated days and builds bronze → silver → gold over them in one real run (a single-run
backfill, on a throwaway warehouse and Dagster instance), then judges every day of every silver and gold table
against its trailing days exactly as the drift check does (``lakehouse.quality.drift``), with the bounds of the
environment (``LAKEHOUSE_DRIFT_*``). Nothing was planted, so every flag is a false alarm. Prints the share of
(table, day) flagged and of (table, column, day), over the days that had a verdict, and each flag with its figures.

    python -m lakehouse_tests.bench.drift_false_alarms [--days 60] [--orders-per-day 400] [--keep DIR]

Building is most of the time; ``--keep DIR`` once, then ``LAKEHOUSE_DRIFT_MAX_Z=5 ... --keep DIR`` judges the same
days again under other bounds in seconds.
"""

import argparse
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Final

from dagster import DagsterInstance, materialize

from lakehouse.definitions import all_assets
from lakehouse.delta import read_table
from lakehouse.gold.schemas import GOLD_MODELS
from lakehouse.partitions import PARTITION_RANGE_END_TAG, PARTITION_RANGE_START_TAG, DayRange
from lakehouse.quality.checks import SILVER_MODELS
from lakehouse.quality.drift import DayDrift, DriftBounds, daily_statistics, judge, table_profile
from lakehouse.resources.spark import SparkResource
from lakehouse_tests.harness import SMALL_LANDING, LakehouseUnderTest

FIRST_DAY: Final = date(2024, 3, 4)
WEB_LOGS_PER_ORDER: Final = SMALL_LANDING["web_logs_per_day"] / SMALL_LANDING["orders_per_day"]


@dataclass(frozen=True)
class TableAlarms:
    table: str
    columns: int
    """Columns judged, the row count (``*``) counted as one."""
    results: list[DayDrift]

    @property
    def judged(self) -> list[DayDrift]:
        return [result for result in self.results if result.has_verdict]

    @property
    def flagged_days(self) -> int:
        return sum(1 for result in self.judged if result.drifted)

    @property
    def flagged_columns(self) -> int:
        return sum(len(result.drifted_columns) for result in self.judged)


def _build(lakehouse: LakehouseUnderTest, days: DayRange, orders_per_day: int) -> None:
    generator = {
        **SMALL_LANDING,
        "orders_per_day": orders_per_day,
        "web_logs_per_day": round(orders_per_day * WEB_LOGS_PER_ORDER),
    }
    result = materialize(
        all_assets,
        resources=lakehouse.resources(),
        instance=lakehouse.instance,
        run_config={"ops": {"landing_generator": {"config": generator}}},
        tags={PARTITION_RANGE_START_TAG: days.start.isoformat(), PARTITION_RANGE_END_TAG: days.last.isoformat()},
    )
    if not result.success:
        raise RuntimeError("the run over the generated days failed")


def _alarms(lakehouse: LakehouseUnderTest, days: DayRange, bounds: DriftBounds) -> list[TableAlarms]:
    spark = SparkResource(warehouse=lakehouse.warehouse).spark_session
    alarms = []
    for layer, models in (("silver", SILVER_MODELS), ("gold", GOLD_MODELS)):
        for table, model in models.items():
            name = f"{layer}.{table}"
            df = read_table(spark, lakehouse.table_uri(layer, table), days=days)
            profile = table_profile(df.schema, model, name)
            alarms.append(
                TableAlarms(name, len(profile.columns) + 1, judge(daily_statistics(df, profile), days, bounds))
            )
    return alarms


def _share(part: int, whole: int) -> str:
    return f"{part} of {whole} = {part / whole:.1%}" if whole else "none judged"


def report(alarms: list[TableAlarms], bounds: DriftBounds) -> str:
    lines = [f"bounds: {bounds.as_metadata()}", ""]
    lines.append(f"{'table':<28} {'days judged':>11} {'days flagged':>12} {'columns flagged':>15}")
    for table in alarms:
        lines.append(
            f"{table.table:<28} {len(table.judged):>11} {table.flagged_days:>12} "
            f"{table.flagged_columns:>6} of {len(table.judged) * table.columns:<6}"
        )
    days = sum(len(table.judged) for table in alarms)
    cells = sum(len(table.judged) * table.columns for table in alarms)
    lines += [
        "",
        f"(table, day) flagged: {_share(sum(table.flagged_days for table in alarms), days)}",
        f"(table, column, day) flagged: {_share(sum(table.flagged_columns for table in alarms), cells)}",
        "",
    ]
    for table in alarms:
        for result in table.judged:
            for drift in result.drifted:
                change = "" if drift.relative_change is None else f", change {drift.relative_change:+.0%}"
                lines.append(
                    f"  {result.dt} {table.table} {drift.label}: {drift.day:.4g} vs {drift.baseline_mean:.4g} "
                    f"± {drift.baseline_stddev:.3g} (z {drift.z:+.1f}{change})"
                )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--days", type=int, default=60, help="days generated and judged (default 60)")
    parser.add_argument(
        "--orders-per-day",
        type=int,
        default=SMALL_LANDING["orders_per_day"],
        help=f"orders per day (default {SMALL_LANDING['orders_per_day']}, the tests' landing; web logs scale along)",
    )
    parser.add_argument(
        "--keep",
        type=Path,
        help="build the warehouse in this folder and keep it; a folder built before is only judged again, to try "
        "other bounds (default: a temporary folder)",
    )
    args = parser.parse_args()
    bounds = DriftBounds.from_env()
    days = DayRange(FIRST_DAY, FIRST_DAY + timedelta(days=args.days))
    root = args.keep or Path(tempfile.mkdtemp(prefix="drift-false-alarms-"))
    try:
        with DagsterInstance.ephemeral() as instance:
            lakehouse = LakehouseUnderTest(root=root / "warehouse", instance=instance)
            started = time.monotonic()
            if not (lakehouse.root / "gold").exists():
                _build(lakehouse, days, args.orders_per_day)
            built = time.monotonic()
            alarms = _alarms(lakehouse, days, bounds)
            print(
                f"{args.days} days x {args.orders_per_day} orders ({days}): built in {built - started:.0f} s, "
                f"judged in {time.monotonic() - built:.0f} s\n"
            )
            print(report(alarms, bounds))
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
