"""The progress lines of ``lakehouse run``, from the events of a real (tiny, Spark-free) Dagster run."""

import io
import re
import uuid
from datetime import date

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetExecutionContext,
    AssetSelection,
    DagsterInstance,
    Definitions,
    MaterializeResult,
    RetryPolicy,
    asset,
    asset_check,
    define_asset_job,
)

from lakehouse.progress import Plan, RunProgress, format_bar

CLEAR_LINE = "\r\x1b[K"


@asset(key_prefix="bronze")
def orders() -> MaterializeResult:
    # As the Delta IO manager records a write: the rows written, and the table's total after it.
    return MaterializeResult(metadata={"rows_written": 9934, "dagster/row_count": 20000})


@asset_check(asset=orders)
def orders_have_rows() -> AssetCheckResult:
    return AssetCheckResult(passed=True)


@asset_check(asset=orders)
def orders_arrived_on_time() -> AssetCheckResult:
    return AssetCheckResult(passed=False, severity=AssetCheckSeverity.WARN)


@asset(key_prefix="silver", deps=[orders], retry_policy=RetryPolicy(max_retries=1))
def flaky(context: AssetExecutionContext) -> MaterializeResult:
    if context.retry_number == 0:
        raise ConnectionError("connection reset by peer\nsecond line of the error")
    return MaterializeResult(metadata={"dagster/row_count": 1234567})


@asset(key_prefix="gold", deps=[flaky])
def broken() -> None:
    raise ValueError("day 2024-01-02 has no orders")


@asset(key_prefix="gold", deps=[broken])
def after_broken() -> None:
    pass


JOB = Definitions(
    assets=[orders, flaky, broken, after_broken],
    asset_checks=[orders_have_rows, orders_arrived_on_time],
    jobs=[define_asset_job("tiny", selection=AssetSelection.all())],
).resolve_job_def("tiny")
PLAN = Plan.of_job(JOB, date(2024, 1, 1), date(2024, 1, 7))


def _run(tty: bool) -> str:
    out = io.StringIO()
    progress = RunProgress(PLAN, out=out, tty=tty, width=60)
    run_id = str(uuid.uuid4())
    with DagsterInstance.ephemeral() as instance:
        instance.add_event_listener(run_id, progress.on_event)
        result = JOB.execute_in_process(instance=instance, run_id=run_id, raise_on_error=False)
    progress.close()
    assert not result.success
    assert progress.broken is None
    return out.getvalue()


def _screen(tty_output: str) -> list[str]:
    """What a terminal shows in the end: each line as left by its last clear."""
    return [line.rsplit(CLEAR_LINE, 1)[-1] for line in tty_output.split("\n") if line.rsplit(CLEAR_LINE, 1)[-1]]


def _without_seconds(lines: list[str]) -> list[str]:
    """Two runs of a step take different times; the rest of their lines is the same."""
    return [re.sub(r"  \d+\.\d s$", "", line) for line in lines]


def test_the_plan_names_the_job_days_steps_and_tables_by_layer():
    assert PLAN.lines() == [
        "Materializing tiny for 2024-01-01...2024-01-07 (7 days, one run, one Spark session): 6 steps writing 4 assets",
        "  bronze  orders",
        "  silver  flaky",
        "  gold    after_broken, broken",
    ]
    # A layer's tables wrap under each other, never past the width.
    assert PLAN.lines(width=24)[-2:] == ["  gold    after_broken,", "          broken"]


def test_plain_output_has_a_line_per_step_with_rows_checks_retries_and_the_failure():
    lines = _run(tty=False).splitlines()

    assert not any("\r" in line or "\x1b" in line for line in lines)
    by_step = {line.split()[4]: line for line in lines if " of 6 steps " in line}
    assert set(by_step) == {"bronze__orders", "silver__flaky", "gold__broken", "gold__after_broken"} | {
        "bronze__orders_orders_have_rows",
        "bronze__orders_orders_arrived_on_time",
    }
    # One line per step, numbered in the order they ended.
    assert sorted(int(line.split()[0]) for line in by_step.values()) == [1, 2, 3, 4, 5, 6]
    assert re.search(r"bronze\.orders 9,934 rows  \d+\.\d s$", by_step["bronze__orders"])
    assert "1 check passed" in by_step["bronze__orders_orders_have_rows"]
    assert (
        "1 check failed: orders_arrived_on_time (warn) of bronze.orders"
        in by_step["bronze__orders_orders_arrived_on_time"]
    )
    assert "silver.flaky 1,234,567 rows; after 1 retry" in by_step["silver__flaky"]
    assert "FAILED: ValueError: day 2024-01-02 has no orders" in by_step["gold__broken"]
    assert "not run: Dependencies for step gold__after_broken failed" in by_step["gold__after_broken"]
    # The retry has its own line, before the step's, with the first line of the step's own error.
    (retry,) = [line for line in lines if line.startswith("retry ")]
    assert retry == "retry silver__flaky (attempt 2): ConnectionError: connection reset by peer"
    assert lines.index(retry) < lines.index(by_step["silver__flaky"])


def test_a_terminal_gets_the_same_lines_with_a_progress_bar_redrawn_below_them():
    tty_output = _run(tty=True)

    assert _without_seconds(_screen(tty_output)) == _without_seconds(_run(tty=False).splitlines())
    bars = re.findall(r"\[[#.]{20}\] \d of 6 steps[^\r\n]*", tty_output)
    assert "[###.................] 1 of 6 steps" in bars
    assert any(bar.endswith("running silver__flaky") for bar in bars)
    assert tty_output.endswith(CLEAR_LINE)  # closed: the summary starts on a clean line


def test_the_bar_never_fills_the_last_column_so_a_redraw_never_wraps():
    bar = format_bar(3, 36, "gold__daily_sales_totals_match_silver_orders", width=50)
    assert len(bar) == 49
    assert bar == "[#...................] 3 of 36 steps  running gol"
