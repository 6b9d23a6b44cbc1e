"""The shipped crontab (infra/cron/lakehouse.crontab) and its cron.env example, run the way cron runs them."""

import getpass
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from dagster import DagsterInstance, DagsterRunStatus

from lakehouse.delta import table_snapshot
from lakehouse.raw.generator import GeneratorConfig, land_day
from lakehouse.summary import summarize_warehouse
from lakehouse_tests.cron import CRON_ENV_EXAMPLE, CRONTAB, parse_crontab
from lakehouse_tests.harness import SMALL_LANDING, TEST_PII_SALT
from lakehouse_tests.processes import run_counting_spark_jvms
from lakehouse_tests.test_definitions import MEDALLION_TABLES

REPO = Path(__file__).resolve().parents[1]
DOCUMENTED_HOME = "/srv/lakehouse"
"""The install directory the crontab ships with: the one thing a user edits."""


def test_cron_reads_variables_comments_and_the_percent_rule():
    crontab = parse_crontab(
        "# a comment\n"
        "\n"
        'GREETING = " hello "\n'
        "PATH=/opt/bin:/usr/bin\n"
        "LOGNAME=intruder\n"
        "  30 4 * * 1-5  printf '\\%s' day%first line%second line\n"
        "@daily date -u +\\%F\n"
    )

    assert crontab.variables == {"GREETING": " hello ", "PATH": "/opt/bin:/usr/bin", "LOGNAME": "intruder"}
    first, second = crontab.jobs
    assert (first.schedule, first.command) == ("30 4 * * 1-5", "printf '%s' day")
    assert first.stdin == "first line\nsecond line\n"
    assert (second.schedule, second.command, second.stdin) == ("@daily", "date -u +%F", "")
    env = crontab.environment(Path("/home/me"), "me")
    # cron's own variables, PATH overridden, LOGNAME not.
    assert env == {
        "HOME": "/home/me",
        "LOGNAME": "me",
        "SHELL": "/bin/sh",
        "PATH": "/opt/bin:/usr/bin",
        "GREETING": " hello ",
    }


def test_the_crontab_names_its_install_directory_once_and_its_date_survives_cron():
    text = CRONTAB.read_text()
    crontab = parse_crontab(text)

    assert crontab.variables["LAKEHOUSE_HOME"] == DOCUMENTED_HOME
    assert text.count(DOCUMENTED_HOME) == 1, "every job must reach the install directory through $LAKEHOUSE_HOME"
    assert all(job.stdin == "" for job in crontab.jobs), "an unescaped % would cut a command short"
    materialize = crontab.job_running("dagster asset materialize")
    assert materialize.schedule == "0 2 * * *"
    assert '--partition "$(date -u -d yesterday +%F)"' in materialize.command


def _install(tmp_path: Path, alert_webhook_url: str) -> tuple[Path, dict[str, str]]:
    """An install directory as the README describes it (.venv, .lakehouse/cron.env from the example), with its
    storage and Dagster instance elsewhere under tmp_path; the cron.env's test values by name."""
    home = tmp_path / "install"
    (home / ".lakehouse").mkdir(parents=True)
    (home / ".venv").symlink_to(REPO / ".venv")
    dagster_home = tmp_path / "dagster_home"
    dagster_home.mkdir()
    shutil.copy(REPO / "dagster.yaml", dagster_home / "dagster.yaml")
    values = {
        "DAGSTER_HOME": str(dagster_home),
        "LAKEHOUSE_ROOT": str(tmp_path / "warehouse"),
        "LAKEHOUSE_PII_SALT": TEST_PII_SALT,
        "LAKEHOUSE_ALERT_WEBHOOK_URL": alert_webhook_url,
    }
    lines = CRON_ENV_EXAMPLE.read_text().splitlines()
    for name, value in values.items():
        (at,) = [i for i, line in enumerate(lines) if line.startswith(f"export {name}=")]
        lines[at] = f"export {name}={value}"
    (home / ".lakehouse" / "cron.env").write_text("\n".join(lines) + "\n")
    return home, values


@pytest.mark.slow
def test_every_crontab_job_runs_as_cron_runs_it(tmp_path, monkeypatch, alert_receiver):
    home, values = _install(tmp_path, alert_receiver.url)
    crontab = parse_crontab(CRONTAB.read_text().replace(f"={DOCUMENTED_HOME}", f"={home}"))
    user_home = tmp_path / "user_home"
    user_home.mkdir()
    env = crontab.environment(user_home, getpass.getuser())
    yesterday = datetime.now(UTC).date() - timedelta(days=1)  # what `date -u -d yesterday` names
    land_day(values["LAKEHOUSE_ROOT"], yesterday, GeneratorConfig(**SMALL_LANDING))

    materialize = crontab.job_running("dagster asset materialize")
    completed, jvms = run_counting_spark_jvms(
        [env["SHELL"], "-c", materialize.command], env, timeout_s=1800, cwd=user_home, stdin=materialize.stdin
    )

    log = home / ".lakehouse" / "cron.log"
    assert completed.returncode == 0, log.read_text()[-4000:] if log.exists() else completed.stdout
    assert completed.stdout == "", "cron mails a job's output: everything must go to the log"
    assert "RUN_SUCCESS" in log.read_text()
    assert jvms == 1
    for table in MEDALLION_TABLES["gold"]:
        assert table_snapshot(f"{values['LAKEHOUSE_ROOT']}/gold/{table}").partitions == [yesterday.isoformat()], table
    monkeypatch.setenv("DAGSTER_HOME", values["DAGSTER_HOME"])  # dagster.yaml's storage reads it
    with DagsterInstance.from_config(values["DAGSTER_HOME"]) as instance:
        (run,) = instance.get_runs()
        assert run.status == DagsterRunStatus.SUCCESS
        assert run.tags["dagster/partition"] == yesterday.isoformat()
    # Cron's run has no daemon to watch it: its executor posted the alert.
    (alert,) = alert_receiver.texts()
    gold_rows = sum(table.rows for table in summarize_warehouse(values["LAKEHOUSE_ROOT"]) if table.layer == "gold")
    assert alert.startswith(
        f"lakehouse: asset materialization for {yesterday} succeeded: {gold_rows:,} rows in gold, "
    ), alert
    assert f"/runs/{run.run_id}|run {run.run_id[:8]}>" in alert

    report = crontab.job_running("lakehouse report")
    completed = subprocess.run(
        [env["SHELL"], "-c", report.command], env=env, cwd=user_home, input=report.stdin, text=True, timeout=300
    )

    assert completed.returncode == 0, log.read_text()[-4000:]
    week = f"{yesterday - timedelta(days=6)}-{yesterday}"
    html = (home / ".lakehouse" / "reports" / f"quality-{week}.html").read_text()
    assert yesterday.isoformat() in html and "gold/daily_sales" in html
