"""A real standalone Spark cluster (master + one worker) from the pip pyspark distribution, on loopback."""

import json
import os
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from pyspark.find_spark_home import _find_spark_home


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class SparkCluster:
    master_url: str
    webui_url: str

    def state(self) -> dict:
        """The master's own view: workers, active and completed applications."""
        with urllib.request.urlopen(f"{self.webui_url}/json/", timeout=5) as response:
            return json.load(response)


def stop(process: subprocess.Popen) -> None:
    """SIGTERM, and SIGKILL if it has not exited 10 s later."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def spark_cluster(tmp_path_factory) -> Iterator[SparkCluster]:
    """Master + worker (2 cores, 2g) on free 127.0.0.1 ports; ready once the worker has registered."""
    spark_class = str(Path(_find_spark_home()) / "bin" / "spark-class")
    state_dir = tmp_path_factory.mktemp("spark-cluster")
    env = {**os.environ, "SPARK_LOCAL_IP": "127.0.0.1", "SPARK_WORKER_DIR": str(state_dir / "work")}
    port, webui_port, worker_webui_port = free_port(), free_port(), free_port()
    master_url = f"spark://127.0.0.1:{port}"
    commands = {
        "master": [
            spark_class,
            "org.apache.spark.deploy.master.Master",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--webui-port",
            str(webui_port),
        ],
        "worker": [
            spark_class,
            "org.apache.spark.deploy.worker.Worker",
            "--host",
            "127.0.0.1",
            "--cores",
            "2",
            "--memory",
            "2g",
            "--webui-port",
            str(worker_webui_port),
            master_url,
        ],
    }
    processes: dict[str, subprocess.Popen] = {}
    cluster = SparkCluster(master_url=master_url, webui_url=f"http://127.0.0.1:{webui_port}")
    try:
        for name, command in commands.items():
            log = open(state_dir / f"{name}.log", "wb")  # noqa: SIM115 - the process owns it until teardown
            processes[name] = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while True:
            try:
                if cluster.state().get("aliveworkers", 0) >= 1:
                    break
            except OSError:
                pass
            dead = [name for name, process in processes.items() if process.poll() is not None]
            if dead or time.monotonic() > deadline:
                logs = {name: (state_dir / f"{name}.log").read_text()[-2000:] for name in processes}
                raise RuntimeError(f"Spark cluster did not come up (exited: {dead}): {logs}")
            time.sleep(0.25)
        yield cluster
    finally:
        for process in reversed(list(processes.values())):
            stop(process)
