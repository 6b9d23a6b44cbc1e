"""What a running lakehouse Spark application exposes: the PII salt nowhere (plans, UI, REST API, event log, logs),
and no port beyond loopback.

Both tests search one real application, lakehouse_tests/exposure_app.py, run in a subprocess (this process has its
own SparkSession) with its UI and event log on, while its process tree's listening sockets are recorded.
"""

import hashlib
import hmac
import json
import os
import secrets
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from lakehouse_tests.exposure_app import (
    CONTROL_LITERAL,
    EMAIL,
    EVENTS_DIR,
    HASHES_FILE,
    LOGS_DIR,
    SQL_API_FILE,
    SQL_PAGE_PREFIX,
    UI_DIR,
    UI_URL_FILE,
)
from lakehouse_tests.processes import ListeningSocket, run_recording_listening_sockets

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]

SALT = f"exposure-salt-{secrets.token_hex(8)}"
"""Random, so that finding it anywhere can only mean it leaked there."""


@dataclass(frozen=True)
class ExposureRun:
    out_dir: Path
    output: str
    """The application's stdout and stderr (PySpark's; the driver JVM logs to ``LOGS_DIR/spark.log``)."""
    sockets: set[ListeningSocket]

    def texts(self, under: str) -> dict[str, str]:
        """The files under ``out_dir/under``, by name relative to it."""
        root = self.out_dir / under
        return {str(path.relative_to(root)): path.read_text() for path in sorted(root.rglob("*")) if path.is_file()}


@pytest.fixture(scope="module")
def exposure(tmp_path_factory) -> ExposureRun:
    out_dir = tmp_path_factory.mktemp("exposure")
    # The application must bind to loopback by its own configuration, not by the SPARK_LOCAL_IP or PySpark settings
    # this process's session put in its environment.
    env = {key: value for key, value in os.environ.items() if key != "SPARK_LOCAL_IP" and not key.startswith("PYSPARK")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    env["LAKEHOUSE_PII_SALT"] = SALT
    command = [sys.executable, "-m", "lakehouse_tests.exposure_app", str(out_dir)]

    completed, sockets = run_recording_listening_sockets(command, env)

    assert completed.returncode == 0, completed.stdout[-4000:]
    return ExposureRun(out_dir, completed.stdout, sockets)


def test_the_salt_is_in_no_plan_ui_page_event_log_or_log(exposure: ExposureRun) -> None:
    # The application did hash with the salt: the search below is for a secret the query really used.
    expected = hmac.new(SALT.encode(), EMAIL.encode(), hashlib.sha256).hexdigest()
    assert json.loads((exposure.out_dir / HASHES_FILE).read_text()) == [expected, None]
    ui, event_log, spark_log = exposure.texts(UI_DIR), exposure.texts(EVENTS_DIR), exposure.texts(LOGS_DIR)
    assert "Running Spark version" in spark_log["spark.log"]  # the driver did log there: the search below is real

    searched = {
        **{f"UI {name}": text for name, text in ui.items()},
        **{f"event log {name}": text for name, text in event_log.items()},
        **{f"Spark log {name}": text for name, text in spark_log.items()},
        "the application's output": exposure.output,
    }
    assert [name for name, text in searched.items() if SALT in text] == []

    # Control: a literal of the same query shows in the plans each kind of source holds, so the salt would too.
    plans = {
        "the REST API": ui[SQL_API_FILE],
        "the SQL pages": "".join(text for name, text in ui.items() if name.startswith(SQL_PAGE_PREFIX)),
        "the event log": "".join(event_log.values()),
    }
    assert [source for source, text in plans.items() if CONTROL_LITERAL not in text] == []


def test_every_listening_socket_is_on_loopback(exposure: ExposureRun) -> None:
    assert {socket for socket in exposure.sockets if not socket.is_loopback()} == set()

    # Control: the search saw the JVM's servers (the UI among them) and the Python processes' (accumulator server,
    # worker daemon).
    ui_port = urlsplit((exposure.out_dir / UI_URL_FILE).read_text()).port
    assert ("java", ui_port) in {(socket.program, socket.port) for socket in exposure.sockets}
    assert any(socket.program.startswith("python") for socket in exposure.sockets)
