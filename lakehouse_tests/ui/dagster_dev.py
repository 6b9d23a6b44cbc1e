"""`dagster dev` (webserver + daemon) in a subprocess on a free loopback port, and its GraphQL API."""

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from lakehouse_tests.cluster.conftest import free_port, stop
from lakehouse_tests.processes import descendants

REPO = Path(__file__).resolve().parents[2]
DAGSTER = str(Path(sys.executable).parent / "dagster")

T = TypeVar("T")


@dataclass(frozen=True)
class DagsterDev:
    url: str
    log: Path
    """The subprocess's stdout and stderr: webserver, daemon, code server and the runs they launch."""

    def graphql(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        body = json.dumps({"query": query, "variables": variables or {}}).encode()
        request = urllib.request.Request(f"{self.url}/graphql", body, {"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                answer = json.load(response)
        except urllib.error.HTTPError as error:  # a query the schema refuses: GraphQL says why in the body
            raise AssertionError(f"GraphQL {error.code}: {error.read().decode(errors='replace')[:2000]}") from None
        assert not answer.get("errors"), answer["errors"]
        return answer["data"]

    def log_tail(self, chars: int = 6000) -> str:
        return self.log.read_text(errors="replace")[-chars:]


def poll(probe: Callable[[], T | None], timeout_s: float, what: str, interval_s: float = 1.0) -> T:
    """``probe()`` until it returns something other than None (or False), or fail after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = probe()
        if value is not None and value is not False:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not within {timeout_s:.0f} s")
        time.sleep(interval_s)  # the interval between two polls of a condition, not a wait for a state


def _answers(server: DagsterDev, process: subprocess.Popen) -> bool:
    if process.poll() is not None:
        raise RuntimeError(f"dagster dev exited with {process.returncode}:\n{server.log_tail()}")
    try:
        # The code location must have loaded too, not just the webserver: the UI shows nothing before it.
        data = server.graphql("{ assetNodes { id } }")
    except (urllib.error.URLError, ConnectionError, TimeoutError, AssertionError):
        return False
    return bool(data["assetNodes"])


def _stop_tree(process: subprocess.Popen) -> None:
    """SIGTERM to `dagster dev`, which stops its webserver, daemon and code server; then SIGKILL whatever of the
    tree is left (a run's process and its Spark JVM), by pid."""
    tree = descendants(process.pid)
    stop(process)
    for pid in tree | descendants(process.pid):
        with contextlib.suppress(ProcessLookupError):  # it stopped with its parent
            os.kill(pid, signal.SIGKILL)


@contextmanager
def dagster_dev(env: dict[str, str], log: Path, start_timeout_s: float = 180) -> Iterator[DagsterDev]:
    """`dagster dev -w workspace.yaml` with ``env`` (its DAGSTER_HOME, LAKEHOUSE_ROOT, ...), ready once its GraphQL
    answers with the lakehouse's assets; the whole process tree is killed on exit."""
    port = free_port()
    command = [DAGSTER, "dev", "-w", str(REPO / "workspace.yaml"), "-h", "127.0.0.1", "-p", str(port)]
    with log.open("w") as output:
        # A file, not a pipe: nobody reads the output while the tests run, and a full pipe would block the server.
        process = subprocess.Popen(command, env=env, cwd=REPO, stdout=output, stderr=subprocess.STDOUT)
    server = DagsterDev(url=f"http://127.0.0.1:{port}", log=log)
    try:
        poll(lambda: _answers(server, process), start_timeout_s, f"dagster dev on {server.url} (log: {log})")
        yield server
    finally:
        _stop_tree(process)
