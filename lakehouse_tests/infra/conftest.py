"""A real, throwaway Postgres (Debian's package) on a free loopback port, for Dagster's storage."""

import os
import pwd
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from lakehouse_tests.cluster.conftest import free_port

PG_BIN = Path("/usr/lib/postgresql")


@dataclass(frozen=True)
class Postgres:
    host: str
    port: int
    user: str
    password: str
    db_name: str

    def dagster_env(self) -> dict[str, str]:
        """The variables infra/dagster.postgres.yaml reads."""
        return {
            "DAGSTER_POSTGRES_HOST": self.host,
            "DAGSTER_POSTGRES_PORT": str(self.port),
            "DAGSTER_POSTGRES_USER": self.user,
            "DAGSTER_POSTGRES_PASSWORD": self.password,
            "DAGSTER_POSTGRES_DB": self.db_name,
        }


def _postgres_bin() -> Path | None:
    versions = sorted(PG_BIN.glob("*/bin/postgres"), key=lambda p: int(p.parent.parent.name), reverse=True)
    return versions[0].parent if versions else None


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    """initdb a fresh cluster, run it on 127.0.0.1 only, with a password; stopped by pid and deleted afterwards.

    Postgres refuses to run as root, so as root the cluster belongs to the ``postgres`` system user.
    """
    bin_dir = _postgres_bin()
    if bin_dir is None:
        pytest.skip("Debian's postgresql is not installed (apt-get install postgresql; .ci/run does it)")
    base = Path(tempfile.mkdtemp(prefix="lakehouse-pg-"))
    as_user: dict[str, object] = {}
    if os.geteuid() == 0:
        owner = pwd.getpwnam("postgres")
        os.chown(base, owner.pw_uid, owner.pw_gid)
        as_user = {"user": owner.pw_uid, "group": owner.pw_gid, "extra_groups": []}
    data, password = base / "data", secrets.token_hex(16)
    pwfile = base / "pwfile"
    pwfile.write_text(password + "\n")
    if as_user:
        os.chown(pwfile, owner.pw_uid, owner.pw_gid)
    server = Postgres(host="127.0.0.1", port=free_port(), user="dagster", password=password, db_name="dagster")
    initdb = [str(bin_dir / "initdb"), "-D", str(data), "-U", server.user, f"--pwfile={pwfile}"]
    subprocess.run(
        [*initdb, "--auth=scram-sha-256", "-E", "UTF8"], check=True, capture_output=True, cwd=base, **as_user
    )
    log = open(base / "postgres.log", "wb")  # noqa: SIM115 - the server owns it until teardown
    process = subprocess.Popen(
        [
            str(bin_dir / "postgres"),
            "-D",
            str(data),
            "-h",
            server.host,
            "-p",
            str(server.port),
            "-k",
            str(base),
            "-c",
            "fsync=off",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=base,
        **as_user,
    )
    try:
        import psycopg2

        deadline = time.monotonic() + 30
        while True:
            try:
                psycopg2.connect(
                    host=server.host, port=server.port, user=server.user, password=password, dbname="postgres"
                ).close()
                break
            except psycopg2.OperationalError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError((base / "postgres.log").read_text()[-2000:]) from None
                time.sleep(0.2)
        connection = psycopg2.connect(
            host=server.host, port=server.port, user=server.user, password=password, dbname="postgres"
        )
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute("CREATE DATABASE dagster")
        connection.close()
        yield server
    finally:
        # SIGINT is Postgres's "fast" shutdown: it disconnects the clients and stops cleanly.
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
        shutil.rmtree(base, ignore_errors=True)
