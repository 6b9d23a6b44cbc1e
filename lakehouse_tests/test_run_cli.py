"""``lakehouse run`` (what ``make run`` calls) as a user runs it: a subprocess, its console read as the user sees it."""

import os
import re
import shutil
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pyarrow.compute as pc
import pytest
from dagster import AssetRecordsFilter, DagsterInstance
from deltalake import DeltaTable

from lakehouse.alerts.webhook import UI_URL_ENV, WEBHOOK_URL_ENV
from lakehouse.definitions import defs
from lakehouse.raw.formats import SOURCES
from lakehouse.raw.generator import GeneratorConfig, land_day
from lakehouse.report.daily_asset import REPORT_KEY
from lakehouse.summary import summarize_warehouse
from lakehouse_tests.harness import SMALL_LANDING, TEST_PII_SALT
from lakehouse_tests.health.output import health_rows
from lakehouse_tests.webhook_receiver import WebhookReceiver

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
DAY = date(2024, 1, 15)

DIMENSION_REJECTS = ("silver.customers_rejected", "silver.products_rejected")
STEP_LINE = re.compile(r"^\s*(\d+) of (\d+) steps  (\S+)\s+(.*?)  (\d+\.\d) s$")


@pytest.fixture(scope="module")
def lakehouse_run(tmp_path_factory) -> tuple[subprocess.CompletedProcess[str], Path, list[str], dict[str, str]]:
    """One real one-day run of the production job on small landed files: its console output, its storage root,
    the alerts it posted and its environment."""
    tmp_path = tmp_path_factory.mktemp("lakehouse_run")
    root, dagster_home = tmp_path / "warehouse", tmp_path / "dagster_home"
    dagster_home.mkdir()
    shutil.copy(REPO / "dagster.yaml", dagster_home / "dagster.yaml")
    land_day(str(root), DAY, GeneratorConfig(**SMALL_LANDING))
    env = {
        # The defaults of the log folder and of the UI's address (in the alert's link), whatever the shell says.
        **{key: value for key, value in os.environ.items() if key not in ("LAKEHOUSE_LOG_DIR", UI_URL_ENV)},
        "LAKEHOUSE_ROOT": str(root),
        "DAGSTER_HOME": str(dagster_home),
        "LAKEHOUSE_PII_SALT": TEST_PII_SALT,
    }
    command = [str(Path(sys.executable).parent / "lakehouse"), "run", "--job", "daily_lakehouse"]
    command += ["--from", DAY.isoformat(), "--to", DAY.isoformat()]
    with WebhookReceiver() as receiver:
        env[WEBHOOK_URL_ENV] = receiver.url
        # stderr into stdout: the user's console is both, and nothing may hide in either.
        completed = subprocess.run(
            command, env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=1800
        )
    assert completed.returncode == 0, completed.stdout[-4000:]
    return completed, root, receiver.texts(), env


def test_it_prints_the_plan_then_one_line_per_step_with_its_rows_then_the_summary(lakehouse_run):
    completed, root, _, _ = lakehouse_run
    lines = completed.stdout.splitlines()

    plan = re.fullmatch(
        r"Materializing daily_lakehouse for 2024-01-15\.\.\.2024-01-15 \(1 day, one run, one Spark session\): "
        r"(\d+) steps writing (\d+) assets",
        lines[0],
    )
    assert plan, lines[0]
    total = int(plan[1])
    assert lines[1].startswith("  bronze  customers, customers_quarantine, orders")
    steps = [match for line in lines if (match := STEP_LINE.match(line))]
    assert [int(step[1]) for step in steps] == list(range(1, total + 1))
    assert {step[2] for step in steps} == {str(total)}
    job = defs.resolve_job_def("daily_lakehouse")
    assert {step[3] for step in steps} == {node.name for node in job.nodes_in_topological_order}
    # Every table the run wrote has its rows on its step's line, and they are the rows the table holds.
    tables = {f"{t.layer}.{t.table}": t.rows for t in summarize_warehouse(str(root))}
    assert int(plan[2]) == len(tables) + 1  # and the daily run report, which is no table
    printed = {
        table: int(rows.replace(",", ""))
        for step in steps
        for table, rows in re.findall(r"(\w+\.\w+) ([\d,]+) rows?", step[4])
    }
    assert printed == tables
    # Every table has rows, but the rejects of the dimensions: the generator plants no broken customer or product key.
    assert all(rows > 0 for table, rows in printed.items() if table not in DIMENSION_REJECTS), printed
    assert any("check passed" in step[4] or "checks passed" in step[4] for step in steps)
    # Then the summary, as before.
    run_line = next(i for i, line in enumerate(lines) if line.startswith("Run "))
    assert re.fullmatch(r"Run [0-9a-f-]{36}: succeeded in \d+ s", lines[run_line])
    assert lines[run_line + 1] == f"Warehouse: {root}"
    assert lines[run_line + 2].split() == ["layer", "table", "partitions", "rows", "delta", "version"]
    assert lines[-1] == f"Daily run report: {root}/reports/daily/{DAY}.md"
    # A pipe is not a terminal: no progress bar redraws.
    assert "\r" not in completed.stdout and "\x1b" not in completed.stdout


def test_the_console_has_no_warnings_or_spark_logs_which_go_to_the_log_file(lakehouse_run):
    completed, root, _, _ = lakehouse_run

    for noise in ("BetaWarning", "WARN", "log4j", "Setting default log level", "SparkContext"):
        assert noise not in completed.stdout, noise
    log = (root / "logs" / "spark.log").read_text()
    assert re.search(r"^\S+ \S+ \d+ INFO SparkContext: Running Spark version 4\.", log, flags=re.MULTILINE)
    # The JVM's own output went there too (the JDK's notice about the incubator module Spark adds).
    assert "WARNING: Using incubator modules" in log
    # SparkContext's start-up lines, not its line per Spark job (hundreds a run).
    assert "Starting job" not in log


def test_it_posts_the_same_alert_as_a_dagster_launched_run(lakehouse_run):
    completed, root, alerts, _ = lakehouse_run
    run_id = re.search(r"^Run ([0-9a-f-]{36}): succeeded", completed.stdout, flags=re.MULTILINE)[1]
    summaries = summarize_warehouse(str(root))
    gold_rows = sum(table.rows for table in summaries if table.layer == "gold")
    rejects = sum(table.rows for table in summaries if table.table.endswith(("_quarantine", "_rejected")))

    (alert,) = alerts
    assert re.fullmatch(
        rf"lakehouse: daily_lakehouse for {DAY} succeeded: {gold_rows:,} rows in gold, {rejects:,} rejected or "
        rf"quarantined, checks \d+ passed / \d+ failed\. <http://127\.0\.0\.1:3000/runs/{run_id}\|run {run_id[:8]}>",
        alert.splitlines()[0],
    ), alert
    assert rejects > 0  # the small landing has dirty rows: the count is a real one


def _health(env: dict[str, str], *args: str) -> tuple[int, dict[str, tuple[str, str]]]:
    command = [str(Path(sys.executable).parent / "lakehouse"), "health", *args]
    completed = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    return completed.returncode, health_rows(completed.stdout)


def test_health_judges_the_run_from_the_day_after_it_and_fails_when_gold_is_stale(lakehouse_run):
    _, root, _, env = lakehouse_run

    code, rows = _health(env, "--as-of", (DAY + timedelta(days=1)).isoformat())

    assert rows["object store"] == ("ok", str(root))
    assert rows["spark"][0] == "-" and rows["dagster daemon"][0] == "-"
    assert rows["dagster storage"][0] == "ok"
    assert rows["gold/daily_sales"] == ("ok", f"latest day {DAY}")
    assert rows["last daily_lakehouse run"][0] == "ok" and rows["last daily_lakehouse run"][1].startswith("SUCCESS")
    assert code == (1 if any(status == "FAIL" for status, _ in rows.values()) else 0)

    code, rows = _health(env)  # today: gold stopped at DAY

    assert code == 1
    assert rows["gold/daily_sales"][0] == "FAIL" and "behind" in rows["gold/daily_sales"][1]


def test_the_daily_run_report_is_on_the_report_asset_and_in_the_warehouse_and_adds_up(lakehouse_run, monkeypatch):
    _, root, _, env = lakehouse_run
    text = (root / "reports" / "daily" / f"{DAY}.md").read_text(encoding="utf-8")
    monkeypatch.setenv("DAGSTER_HOME", env["DAGSTER_HOME"])  # the instance's dagster.yaml reads it
    with DagsterInstance.get() as instance:
        (record,) = instance.fetch_materializations(
            AssetRecordsFilter(asset_key=REPORT_KEY, asset_partitions=[DAY.isoformat()]), limit=5
        ).records
    metadata = record.asset_materialization.metadata
    assert metadata["report"].value == text
    assert metadata["report_file"].value == f"{root}/reports/daily/{DAY}.md"

    rows = {f"{t.layer}.{t.table}": t.rows for t in summarize_warehouse(str(root))}
    for source in SOURCES:
        bronze, quarantined = rows[f"bronze.{source}"], rows[f"bronze.{source}_quarantine"]
        assert f"| {source} | {bronze + quarantined:,} | {bronze:,} | {quarantined:,} |" in text
    assert metadata["rejected"].value == rows["silver.orders_rejected"]
    assert metadata["quarantined"].value == sum(rows[f"bronze.{s}_quarantine"] for s in SOURCES) > 0
    revenue = pc.sum(DeltaTable(str(root / "gold" / "daily_sales")).to_pyarrow_table()["revenue"]).as_py()
    assert metadata["revenue"].value == float(revenue)
    assert f"| {rows['silver.orders']:,} | " in text  # the day's orders open the summary row
    for section in ("Quarantined and rejected, by reason", "Daily summary", "7-day rolling metrics"):
        assert f"## {section}" in text
    assert "has no row for this day" not in text
