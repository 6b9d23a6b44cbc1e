"""The partitions' first day: LAKEHOUSE_FIRST_DAY, its default, the Makefile's per-checkout file, the CLI's refusal."""

import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from lakehouse.cli import main
from lakehouse.partitions import daily_partitions, first_day_from

REPO = Path(__file__).resolve().parents[1]


def test_an_unset_or_empty_first_day_is_the_compatible_default():
    assert first_day_from(None) == first_day_from("") == first_day_from("  ") == date(2024, 1, 1)


def test_a_first_day_is_read_as_yyyy_mm_dd_and_a_bad_one_names_the_variable():
    assert first_day_from("2026-11-17") == date(2026, 11, 17)
    with pytest.raises(ValueError, match="LAKEHOUSE_FIRST_DAY='17/11/2026' is not a day"):
        first_day_from("17/11/2026")


def test_the_suite_runs_on_the_pinned_first_day_whatever_the_shell_exports():
    # conftest pins it before any lakehouse import: the suite's 2024 days must be partitions.
    assert daily_partitions.get_first_partition_key() == "2024-01-01"


def test_every_partitioned_asset_starts_at_lakehouse_first_day():
    probe = (
        "from lakehouse.definitions import defs\n"
        "graph = defs.resolve_asset_graph()\n"
        "print(sorted({graph.get(key).partitions_def.get_first_partition_key()\n"
        "              for key in graph.get_all_asset_keys() if graph.get(key).partitions_def}))\n"
    )
    env = {**os.environ, "LAKEHOUSE_FIRST_DAY": "2026-11-17"}
    completed = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert completed.stdout.strip() == "['2026-11-17']"


def test_lakehouse_run_before_the_first_day_fails_naming_the_variable(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["run", "--from", "2023-12-31", "--to", "2024-01-02"])
    assert exit_.value.code == 2
    error = capsys.readouterr().err
    assert "--from 2023-12-31 is before the first partition day 2024-01-01 (LAKEHOUSE_FIRST_DAY)" in error
    assert "Materializing" not in capsys.readouterr().out


def _fake_venv(tmp_path: Path) -> Path:
    """A venv whose ``lakehouse`` and ``pytest`` only print the first day they were given, marked installed so make
    runs no installer: the Makefile's own recipes, without Spark."""
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / ".installed").touch()
    for program in ("lakehouse", "pytest"):
        script = venv / "bin" / program
        script.write_text('#!/bin/sh\necho "${LAKEHOUSE_FIRST_DAY-unset}"\n')
        script.chmod(0o755)
    return venv


def _make(tmp_path: Path, venv: Path, target: str, *variables: str, first_day_env: str | None = None) -> str:
    """``make TARGET`` on a throwaway state directory; what the fake program printed."""
    env = {k: v for k, v in os.environ.items() if k not in ("LAKEHOUSE_FIRST_DAY", "DAGSTER_HOME", "LAKEHOUSE_ROOT")}
    if first_day_env:
        env["LAKEHOUSE_FIRST_DAY"] = first_day_env
    command = ["make", "-s", "-C", str(REPO), f"VENV={venv}", f"STATE={tmp_path / 'state'}", target, *variables]
    completed = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert completed.returncode == 0, completed.stderr
    return completed.stdout.strip()


def test_make_keeps_one_first_day_per_checkout_and_moves_it_only_earlier(tmp_path):
    venv = _fake_venv(tmp_path)
    today = datetime.now(UTC).date()
    week_start = (today - timedelta(days=7)).isoformat()  # yesterday - (DAYS-1), the first day `make run` lands

    assert _make(tmp_path, venv, "summary") == week_start
    assert (tmp_path / "state" / "first_day").read_text().strip() == week_start
    # Made once: a later make with another DAYS reads the file; only a longer `make run` moves it earlier.
    assert _make(tmp_path, venv, "report", "DAYS=3") == week_start
    assert _make(tmp_path, venv, "run", "DAYS=3") == week_start
    month_start = (today - timedelta(days=30)).isoformat()
    assert _make(tmp_path, venv, "run", "DAYS=30") == month_start
    assert _make(tmp_path, venv, "summary") == month_start
    # The environment wins over the file, and the tests get neither (they pin their own).
    assert _make(tmp_path, venv, "summary", first_day_env="2025-02-02") == "2025-02-02"
    assert _make(tmp_path, venv, "test") == "unset"
