"""``make bench``: the lakehouse against a plain PySpark floor, measured side by side in one invocation.

Absolute seconds on a shared machine are noise; the ratios compare commands run back to back under the same load,
in alternating order across repeats. Every command runs in a fresh process on a fresh warehouse, like a user's
would, and every warehouse starts from the same raw files: landed once, then linked into each.

- lakehouse: ``lakehouse run --job daily_lakehouse`` (bronze → silver → gold, asset checks included);
- plain PySpark: ``lakehouse_tests.bench.plain_pyspark``, the same rules and tables written by hand (the floor);
- DuckDB: ``lakehouse_tests.reference.duckdb_gold``, the same rules on one node, in memory (it writes no tables).

Each gets its wall time and the peak RSS of its whole process tree: the Python driver, the Spark JVM it launches
and Spark's Python workers (VmRSS from /proc, summed over the tree every 0.2 s: ``/usr/bin/time -v`` sees only
the first process). Then: lakehouse / plain ratios (the median of each repeat's ratio), where a lakehouse run's
time goes (step time from Dagster's event log), and the fixed cost: a cold run of one small day.

    python -m lakehouse_tests.bench.bench_pipeline [--orders-per-day N] [--days D] [--repeat R]
        [--no-duckdb] [--per-day-runs]
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import BinaryIO, Final
from unittest.mock import patch

from dagster import DagsterEventType, DagsterInstance, EventLogEntry

from lakehouse.raw.generator import GeneratorConfig, land_day
from lakehouse.summary import summarize_warehouse
from lakehouse_tests.processes import descendants

REPO: Final = Path(__file__).resolve().parents[2]
BIN: Final = Path(sys.executable).parent
PII_SALT: Final = "benchmark-salt"
FIRST_DAY: Final = date(2024, 3, 4)
"""A fixed Monday: the generator's files are a function of the day, so every bench reads the same bytes."""
WEB_LOGS_PER_ORDER: Final = 2
"""The generator's default ratio (20k web log lines to 10k orders), kept at every scale."""
SMALL_ORDERS_PER_DAY: Final = 1_000
"""The fixed-cost run: one day this small is nearly all start-up."""
SAMPLE_INTERVAL_S: Final = 0.2
LOG_TAIL_LINES: Final = 30
MIB: Final = 1024 * 1024

Days = tuple[date, date]
"""First and last day, both included."""


@dataclass(frozen=True)
class Contender:
    key: str
    name: str
    description: str
    commands: Callable[[Path, Days], list[list[str]]]
    """The command lines, run one after the other, that process the days for the warehouse at the given root."""

    @property
    def label(self) -> str:
        return f"{self.name}: {self.description}" if self.description else self.name


def _lakehouse(days: Days) -> list[str]:
    # The warehouse root comes from LAKEHOUSE_ROOT (see _env), as for a user.
    first, last = (day.isoformat() for day in days)
    return [str(BIN / "lakehouse"), "run", "--job", "daily_lakehouse", "--from", first, "--to", last]


def _python(*args: str | Path) -> list[str]:
    return [sys.executable, *map(str, args)]


_DUCKDB_RUN: Final = (
    "import sys; from datetime import date; from pathlib import Path; "
    "from lakehouse_tests.reference.duckdb_gold import reference_gold; "
    f"reference_gold(Path(sys.argv[1]), date.fromisoformat(sys.argv[2]), date.fromisoformat(sys.argv[3]), {PII_SALT!r})"
)
_COLD_SPARK: Final = (
    "import lakehouse.definitions; from lakehouse.spark_session import build_spark_session, lakehouse_spark_conf; "
    "build_spark_session(lakehouse_spark_conf('local[*]')).range(1).count()"
)

LAKEHOUSE: Final = Contender(
    "lakehouse", "lakehouse", "daily_lakehouse, checks included", lambda root, days: [_lakehouse(days)]
)
PLAIN: Final = Contender(
    "plain",
    "plain PySpark",
    "same rules and tables, by hand",
    lambda root, days: [
        _python("-m", "lakehouse_tests.bench.plain_pyspark", "--root", root, "--from", days[0], "--to", days[1])
    ],
)
DUCKDB: Final = Contender(
    "duckdb",
    "DuckDB",
    "same rules, in memory, no tables",
    lambda root, days: [_python("-c", _DUCKDB_RUN, root, days[0], days[1])],
)
PER_DAY: Final = Contender(
    "per_day",
    "one-day runs",
    "lakehouse, one run per day",
    lambda root, days: [_lakehouse((day, day)) for day in _each_day(days)],
)
IMPORTS: Final = Contender(
    "imports",
    "python + dagster definitions import",
    "",
    lambda root, days: [_python("-c", "import lakehouse.definitions")],
)
COLD_SPARK: Final = Contender(
    "cold_spark", "+ a cold SparkSession and one tiny job", "", lambda root, days: [_python("-c", _COLD_SPARK)]
)
CONTENDERS: Final = {c.key: c for c in (LAKEHOUSE, PLAIN, DUCKDB, PER_DAY, IMPORTS, COLD_SPARK)}

STEP_KINDS: Final = ("bronze", "silver", "gold", "checks")
"""The breakdown's order; a step that materialized nothing and checked nothing counts as "other"."""

RATIOS: Final = (("lakehouse", "plain"), ("lakehouse", "duckdb"), ("plain", "duckdb"), ("per_day", "lakehouse"))
"""numerator / denominator, printed when both ran."""


@dataclass(frozen=True)
class Run:
    wall_s: float
    peak_rss_bytes: int
    returncode: int
    log: Path
    step_seconds: dict[str, float] = field(default_factory=dict)
    """Lakehouse runs: seconds inside steps, per layer and for the checks."""
    rows: dict[str, int] = field(default_factory=dict)
    """Rows per Delta table the run left, ``layer.table``."""

    @property
    def ok(self) -> bool:
        return self.returncode == 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders-per-day", type=int, default=100_000, help="orders per landed day (default 100k)")
    parser.add_argument("--days", type=int, default=7, help="days landed and processed in one run (default 7)")
    parser.add_argument("--repeat", type=int, default=1, help="repetitions of each measurement (medians reported)")
    parser.add_argument("--no-duckdb", action="store_true", help="skip the DuckDB reference")
    parser.add_argument(
        "--per-day-runs", action="store_true", help="also run the lakehouse over the same days as one-day runs"
    )
    args = parser.parse_args()
    days = (FIRST_DAY, FIRST_DAY + timedelta(days=args.days - 1))
    engines = [LAKEHOUSE, PLAIN, *([] if args.no_duckdb else [DUCKDB])]

    scale = f"{args.days} day(s) x {args.orders_per_day:,} orders/day"
    small_day = (FIRST_DAY, FIRST_DAY)
    with tempfile.TemporaryDirectory(prefix="lakehouse-bench-") as tmp:
        work = Path(tmp)
        landing = _land(work / "landing", days, args.orders_per_day)
        small = _land(work / "landing-small", small_day, SMALL_ORDERS_PER_DAY)
        print(f"\n{scale}: {args.repeat} repeat(s), in alternating order", flush=True)
        main_runs = _side_by_side([*engines, *([PER_DAY] if args.per_day_runs else [])], landing, days, args.repeat)
        print(f"\nFixed cost: a cold run of 1 day x {SMALL_ORDERS_PER_DAY:,} orders, {args.repeat} repeat(s)")
        fixed_runs = _side_by_side([IMPORTS, COLD_SPARK, *engines], small, small_day, args.repeat)

    _report(scale, main_runs)
    _report(f"fixed cost (1 day x {SMALL_ORDERS_PER_DAY:,} orders)", fixed_runs)
    print(f"\n== the fixed cost as a share of the {scale} run (wall) ==")
    for contender in engines:
        fixed, full = _median_of(fixed_runs[contender.key], "wall_s"), _median_of(main_runs[contender.key], "wall_s")
        print(f"  {contender.label:<48} {fixed / full:6.1%}" if fixed and full else f"  {contender.label:<48} n/a")
    failed = [run for runs in (*main_runs.values(), *fixed_runs.values()) for run in runs if not run.ok]
    return 1 if failed else 0


def _land(landing: Path, days: Days, orders_per_day: int) -> Path:
    config = GeneratorConfig(orders_per_day=orders_per_day, web_logs_per_day=WEB_LOGS_PER_ORDER * orders_per_day)
    start = time.perf_counter()
    for day in _each_day(days):
        land_day(str(landing), day, config)
    size = sum(path.stat().st_size for path in landing.rglob("*") if path.is_file())
    print(f"Landed {days[0]}..{days[1]} ({size / MIB:,.0f} MiB) in {time.perf_counter() - start:.0f} s", flush=True)
    return landing


def _side_by_side(contenders: Sequence[Contender], landing: Path, days: Days, repeat: int) -> dict[str, list[Run]]:
    """Each contender ``repeat`` times, in a fresh process and warehouse, the order reversed every other repeat
    so that neither always runs first (a cold page cache, a noisy neighbour)."""
    runs: dict[str, list[Run]] = defaultdict(list)
    for n in range(repeat):
        for contender in contenders if n % 2 == 0 else contenders[::-1]:
            run = _run(contender, landing, days, landing.parent / f"{landing.name}-{contender.key}-{n}")
            runs[contender.key].append(run)
            print(f"  {n + 1}/{repeat} {contender.label:<48} {_describe(run)}", flush=True)
            if not run.ok:
                print(f"    last lines of its output:\n{_tail(run.log)}", flush=True)
    return runs


def _run(contender: Contender, landing: Path, days: Days, run_dir: Path) -> Run:
    env = _env(run_dir)
    warehouse = Path(env["LAKEHOUSE_ROOT"])
    # Hard links: the same bytes at no disk cost. Neither command writes raw files (the generator replaces a file
    # by renaming a new one over it, never in place).
    shutil.copytree(landing / "raw", warehouse / "raw", copy_function=os.link)
    wall, peak, returncode = 0.0, 0, 0
    log = run_dir / "output.log"
    with log.open("wb") as output:
        for command in contender.commands(warehouse, days):
            seconds, rss, returncode = _measure(command, env, run_dir, output)
            wall, peak = wall + seconds, max(peak, rss)
            if returncode:
                break
    ok = returncode == 0
    steps = _step_seconds(Path(env["DAGSTER_HOME"])) if ok and contender is LAKEHOUSE else {}
    rows = {f"{t.layer}.{t.table}": t.rows for t in summarize_warehouse(str(warehouse))} if ok else {}
    shutil.rmtree(warehouse)  # gigabytes at scale; the log stays for a failed run's tail
    return Run(wall, peak, returncode, log, steps, rows)


def _env(run_dir: Path) -> dict[str, str]:
    dagster_home = run_dir / "dagster"
    dagster_home.mkdir(parents=True)
    shutil.copy(REPO / "dagster.yaml", dagster_home / "dagster.yaml")
    # A LAKEHOUSE_SPARK_MASTER or S3 setting of the caller's would send one contender elsewhere: none is inherited.
    inherited = {key: value for key, value in os.environ.items() if not key.startswith("LAKEHOUSE_")}
    return {
        **inherited,
        "LAKEHOUSE_ROOT": str(run_dir / "warehouse"),
        "DAGSTER_HOME": str(dagster_home),
        "LAKEHOUSE_PII_SALT": PII_SALT,
        # The commands run in their run folder (Spark leaves spark-warehouse/ and derby.log in the working
        # directory), so the repository's test package comes from the path.
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
    }


def _measure(command: list[str], env: dict[str, str], cwd: Path, output: BinaryIO) -> tuple[float, int, int]:
    """(wall seconds, peak RSS in bytes of the process tree, exit code) of one command."""
    start = time.perf_counter()
    process = subprocess.Popen(command, env=env, cwd=cwd, stdout=output, stderr=subprocess.STDOUT)
    peak = 0
    while True:
        peak = max(peak, _tree_rss_bytes(process.pid))
        try:
            returncode = process.wait(timeout=SAMPLE_INTERVAL_S)  # returns as soon as it exits: the wall is exact
            break
        except subprocess.TimeoutExpired:
            continue
    return time.perf_counter() - start, peak, returncode


def _tree_rss_bytes(pid: int) -> int:
    """VmRSS summed over ``pid`` and all its descendants. Pages two processes share count twice (as with any RSS
    sum), the same way for every contender."""
    total = 0
    for member in {pid} | descendants(pid):
        try:
            status = Path(f"/proc/{member}/status").read_text()
        except OSError:  # exited meanwhile
            continue
        total += next((int(line.split()[1]) * 1024 for line in status.splitlines() if line.startswith("VmRSS:")), 0)
    return total


def _step_seconds(dagster_home: Path) -> dict[str, float]:
    """Seconds spent inside the run's steps: per layer for the assets' steps, ``checks`` for the asset checks'."""
    starts: dict[str, float] = {}
    kinds: dict[str, str] = {}
    seconds: dict[str, float] = defaultdict(float)
    for event in _run_events(dagster_home):
        step = event.step_key or ""
        if event.dagster_event_type == DagsterEventType.STEP_START:
            starts[step] = event.timestamp
        elif event.dagster_event_type == DagsterEventType.ASSET_MATERIALIZATION:
            kinds[step] = event.asset_materialization.asset_key.path[0]
        elif event.dagster_event_type == DagsterEventType.ASSET_CHECK_EVALUATION:
            kinds.setdefault(step, "checks")
        else:  # STEP_SUCCESS comes after the step's materializations and check evaluations
            seconds[kinds.get(step, "other")] += event.timestamp - starts[step]
    return dict(seconds)


def _run_events(dagster_home: Path) -> list[EventLogEntry]:
    # dagster.yaml takes its SQLite folder from $DAGSTER_HOME, so the instance is opened with the run's.
    with patch.dict(os.environ, {"DAGSTER_HOME": str(dagster_home)}), DagsterInstance.get() as instance:
        (run,) = instance.get_runs()
        kinds = {
            DagsterEventType.STEP_START,
            DagsterEventType.STEP_SUCCESS,
            DagsterEventType.ASSET_MATERIALIZATION,
            DagsterEventType.ASSET_CHECK_EVALUATION,
        }
        return list(instance.all_logs(run.run_id, of_type=kinds))


def _report(title: str, runs: dict[str, list[Run]]) -> None:
    print(f"\n== {title}: medians ==")
    for contender in (CONTENDERS[key] for key in runs):
        wall, rss = _median_of(runs[contender.key], "wall_s"), _median_of(runs[contender.key], "peak_rss_bytes")
        measured = f"wall {wall:7.1f} s   peak RSS {rss / MIB:7,.0f} MiB" if wall else "FAILED"
        print(f"  {contender.label:<48} {measured}")
    for numerator, denominator in RATIOS:
        if numerator in runs and denominator in runs:
            time_ratio = _ratio(runs[numerator], runs[denominator], "wall_s")
            rss_ratio = _ratio(runs[numerator], runs[denominator], "peak_rss_bytes")
            measured = f"time {time_ratio:5.2f}x   peak RSS {rss_ratio:5.2f}x" if time_ratio else "n/a (a run failed)"
            ratio = f"{CONTENDERS[numerator].name} / {CONTENDERS[denominator].name}"
            print(f"  {ratio:<48} {measured}")
    _print_breakdown(runs.get("lakehouse", []))
    _print_row_check(runs)


def _print_breakdown(lakehouse: list[Run]) -> None:
    ok = [run for run in lakehouse if run.ok]
    if not ok:
        return
    wall = statistics.median(run.wall_s for run in ok)
    print("  where a lakehouse run's time goes (step time, Dagster's event log; bronze includes the Spark start):")
    kinds = {kind for run in ok for kind in run.step_seconds}
    ordered = sorted(kinds, key=lambda kind: (STEP_KINDS.index(kind) if kind in STEP_KINDS else len(STEP_KINDS), kind))
    shares = {kind: statistics.median(run.step_seconds.get(kind, 0.0) for run in ok) for kind in ordered}
    shares["outside steps (imports, run setup, summary)"] = wall - sum(shares.values())
    for kind, seconds in shares.items():
        print(f"    {kind:<46} {seconds:7.1f} s   {seconds / wall:6.1%} of the run")


def _print_row_check(runs: dict[str, list[Run]]) -> None:
    """Same tables, same rows: the floor does the lakehouse's work, not less."""
    lakehouse = next((run.rows for run in runs.get("lakehouse", []) if run.ok), None)
    plain = next((run.rows for run in runs.get("plain", []) if run.ok), None)
    if lakehouse is None or plain is None:
        return
    differing = sorted(t for t in lakehouse.keys() | plain.keys() if lakehouse.get(t) != plain.get(t))
    if not differing:
        print(f"  rows: the same in all {len(lakehouse)} tables of the lakehouse and the plain PySpark run")
    for table in differing:
        print(f"  rows DIFFER in {table}: lakehouse {lakehouse.get(table)}, plain PySpark {plain.get(table)}")


def _median_of(runs: list[Run], attribute: str) -> float | None:
    values = [getattr(run, attribute) for run in runs if run.ok]
    return statistics.median(values) if values else None


def _ratio(numerators: list[Run], denominators: list[Run], attribute: str) -> float | None:
    """The median over repeats of numerator / denominator, each pair measured in the same repeat."""
    ratios = [
        getattr(a, attribute) / getattr(b, attribute)
        for a, b in zip(numerators, denominators, strict=True)
        if a.ok and b.ok
    ]
    return statistics.median(ratios) if ratios else None


def _describe(run: Run) -> str:
    if not run.ok:
        return f"FAILED (exit {run.returncode}) after {run.wall_s:.1f} s"
    return f"{run.wall_s:7.1f} s   {run.peak_rss_bytes / MIB:7,.0f} MiB"


def _tail(log: Path) -> str:
    lines = log.read_text(errors="replace").splitlines()[-LOG_TAIL_LINES:]
    return "\n".join(f"    | {line}" for line in lines)


def _each_day(days: Days) -> list[date]:
    first, last = days
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


if __name__ == "__main__":
    sys.exit(main())
