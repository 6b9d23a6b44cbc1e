"""Running ``lakehouse sql`` / ``lakehouse duckdb`` as a user does, and reading what they print."""

import os
import re
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

LAKEHOUSE_CLI = str(Path(sys.executable).parent / "lakehouse")
ROW = re.compile(r"^│\s*([\w-]+)\s*│\s*(-?\d+)\s*│$", re.MULTILINE)
SINGLE_NUMBER = re.compile(r"^│\s*(-?\d+)\s*│$", re.MULTILINE)


def counts_printed(output: str) -> dict[str, int]:
    """The ``(name, number)`` rows of the two-column results printed by ``lakehouse sql``."""
    return {name: int(count) for name, count in ROW.findall(output)}


def numbers_printed(output: str) -> list[int]:
    """The values of the one-column, one-number results printed by ``lakehouse sql``."""
    return [int(value) for value in SINGLE_NUMBER.findall(output)]


def run_cli(
    cwd: Path, environment: Mapping[str, str], *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """``lakehouse ARGS`` in a fresh process, with ``environment`` added to this one's."""
    return subprocess.run(
        [LAKEHOUSE_CLI, *args],
        input=stdin,
        env={**os.environ, **environment},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )
