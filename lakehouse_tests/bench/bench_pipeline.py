"""Where a run's time goes, measured side by side in one invocation (``make bench``).

Absolute seconds on a shared machine are noise; the ratios printed at the end compare commands run back to back
under the same load. Every command runs in a fresh process on a fresh warehouse, like a user's would.

    python -m lakehouse_tests.bench.bench_pipeline [--repeat N] [--skip-per-day]
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
from datetime import UTC, datetime, timedelta
from pathlib import Path

from dagster import DagsterEventType, DagsterInstance

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
YESTERDAY = datetime.now(UTC).date() - timedelta(days=1)


def _env(workdir: Path) -> dict[str, str]:
    dagster_home = workdir / "dagster"
    dagster_home.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "dagster.yaml", dagster_home / "dagster.yaml")
    return {
        **os.environ,
        "LAKEHOUSE_ROOT": str(workdir / "warehouse"),
        "DAGSTER_HOME": str(dagster_home),
        "LAKEHOUSE_PII_SALT": "benchmark-salt",
    }


def _timed(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def _run_days(days: int, workdir: Path) -> tuple[float, dict[str, float]]:
    first = YESTERDAY - timedelta(days=days - 1)
    env = _env(workdir)
    command = [str(BIN / "lakehouse"), "run", "--from", first.isoformat(), "--to", YESTERDAY.isoformat()]
    wall = _timed(command, env)
    return wall, _step_seconds_by_layer(Path(env["DAGSTER_HOME"]))


def _step_seconds_by_layer(dagster_home: Path) -> dict[str, float]:
    """Seconds spent inside steps, per layer, from the run's event log; the rest of the wall time is outside."""
    os.environ["DAGSTER_HOME"] = str(dagster_home)
    with DagsterInstance.get() as instance:
        (run,) = instance.get_runs()
        events = instance.all_logs(run.run_id, of_type={DagsterEventType.STEP_START, DagsterEventType.STEP_SUCCESS})
    starts: dict[str, float] = {}
    seconds: dict[str, float] = defaultdict(float)
    for event in events:
        step = event.step_key or ""
        if event.dagster_event_type == DagsterEventType.STEP_START:
            starts[step] = event.timestamp
        else:
            layer = "landing" if step.startswith("landing") else step.split("_", 1)[0]
            seconds[layer] += event.timestamp - starts[step]
    return dict(seconds)


def _median(values: list[float]) -> float:
    return statistics.median(values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=1, help="repetitions of each measurement (median reported)")
    parser.add_argument("--skip-per-day", action="store_true", help="skip the 7 one-day runs (the slowest part)")
    args = parser.parse_args()

    results: dict[str, list[float]] = defaultdict(list)
    layers: dict[str, list[float]] = defaultdict(list)
    with tempfile.TemporaryDirectory(prefix="lakehouse-bench-") as tmp:
        root = Path(tmp)
        for n in range(args.repeat):
            results["python + dagster definitions import"].append(
                _timed([sys.executable, "-c", "import lakehouse.definitions"], os.environ.copy())
            )
            results["+ a cold SparkSession and one tiny job"].append(
                _timed(
                    [
                        sys.executable,
                        "-c",
                        "import lakehouse.definitions; from lakehouse.spark_session import "
                        "build_spark_session as b; b().range(1).count()",
                    ],
                    os.environ.copy(),
                )
            )
            wall, by_layer = _run_days(1, root / f"one-{n}")
            results["main command, 1 day"].append(wall)
            for layer, seconds in by_layer.items():
                layers[layer].append(seconds)
            results["main command, 7 days (one single-run backfill)"].append(_run_days(7, root / f"seven-{n}")[0])
            if not args.skip_per_day:
                per_day = 0.0
                for day in range(7):
                    first = YESTERDAY - timedelta(days=day)
                    env = _env(root / f"per-day-{n}")
                    command = [str(BIN / "lakehouse"), "run", "--from", first.isoformat(), "--to", first.isoformat()]
                    per_day += _timed(command, env)
                results["7 days as 7 one-day runs"].append(per_day)

    medians = {name: _median(values) for name, values in results.items()}
    print(f"\nMedians of {args.repeat} repetition(s), seconds (noisy; compare the ratios):")
    for name, seconds in medians.items():
        print(f"  {name:<50} {seconds:7.1f}")
    one_day = medians["main command, 1 day"]
    # The Spark JVM starts lazily, inside the first step that needs it (bronze).
    print("\nInside the 1-day run (step time per layer, from the Dagster event log; bronze includes Spark start):")
    for layer in ("landing", "bronze", "silver", "gold"):
        if layer in layers:
            print(f"  {layer:<10} {_median(layers[layer]):6.1f} s  {_median(layers[layer]) / one_day:6.1%} of the run")
    outside = one_day - sum(_median(v) for v in layers.values())
    print(f"  {'outside steps (imports, Dagster run setup)':<10} {outside:6.1f} s  {outside / one_day:6.1%}")
    print("\nRatios (same run, same load):")
    spark_start = medians["+ a cold SparkSession and one tiny job"] - medians["python + dagster definitions import"]
    print(f"  cold Spark start / 1-day run:                 {spark_start / one_day:5.2f}")
    imports = medians["python + dagster definitions import"]
    print(f"  imports / 1-day run:                          {imports / one_day:5.2f}")
    seven = medians["main command, 7 days (one single-run backfill)"]
    print(f"  7-day backfill / 1-day run:                   {seven / one_day:5.2f}")
    if "7 days as 7 one-day runs" in medians:
        print(f"  7 one-day runs / one 7-day backfill:          {medians['7 days as 7 one-day runs'] / seven:5.2f}")


if __name__ == "__main__":
    main()
