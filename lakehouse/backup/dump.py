"""Dumping Dagster's storage to one gzipped file, and loading such a file back.

Postgres: ``pg_dump`` in plain SQL with ``--clean --if-exists``, so restoring replaces what a database holds and
also fills an empty one; ``psql`` loads it. The password goes through ``PGPASSWORD``, never the command line.

SQLite (the embedded default): Dagster keeps several databases under ``DAGSTER_HOME`` (runs, one event log per
run plus an index, schedules). Each is copied with SQLite's online backup, which is consistent while a run writes,
and the copies go into one tar, gzipped: ``.sqlite.tar.gz``.
"""

import gzip
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

from dagster import DagsterInstance

POSTGRES_SUFFIX = ".sql.gz"
SQLITE_SUFFIX = ".sqlite.tar.gz"


@dataclass(frozen=True)
class PostgresTarget:
    host: str
    port: int
    user: str
    password: str
    db_name: str

    @classmethod
    def from_url(cls, url: str) -> "PostgresTarget":
        parsed = urlparse(url)
        return cls(
            host=parsed.hostname or "localhost",
            port=parsed.port or 5432,
            user=unquote(parsed.username or ""),
            password=unquote(parsed.password or ""),
            db_name=parsed.path.lstrip("/"),
        )

    def command_args(self) -> list[str]:
        return ["-h", self.host, "-p", str(self.port), "-U", self.user, "-d", self.db_name]

    def env(self) -> dict[str, str]:
        return {**os.environ, "PGPASSWORD": self.password}


@dataclass(frozen=True)
class SqliteTarget:
    base_dir: Path  # DAGSTER_HOME: the databases live in its history/, storage/ and schedules/


StorageTarget = PostgresTarget | SqliteTarget


def storage_of(instance: DagsterInstance) -> StorageTarget:
    """Where ``instance`` keeps its runs: a Postgres database or SQLite files under its root."""
    run_storage = instance.run_storage
    url = getattr(run_storage, "postgres_url", None)
    if url:
        return PostgresTarget.from_url(url)
    if type(run_storage).__name__ == "SqliteRunStorage":
        return SqliteTarget(Path(instance.root_directory))
    raise ValueError(f"cannot back up {type(run_storage).__name__}: only Postgres and SQLite storage are supported")


def dump(target: StorageTarget, out_dir: Path, stem: str) -> Path:
    """Dump the storage into ``out_dir/<stem><suffix>``; the file's path."""
    if isinstance(target, PostgresTarget):
        out = out_dir / f"{stem}{POSTGRES_SUFFIX}"
        with gzip.open(out, "wb") as compressed:
            dumping = subprocess.Popen(
                ["pg_dump", "--clean", "--if-exists", "--no-owner", *target.command_args()],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=target.env(),
            )
            assert dumping.stdout is not None
            shutil.copyfileobj(dumping.stdout, compressed)
            _, errors = dumping.communicate()
        if dumping.returncode != 0:
            out.unlink(missing_ok=True)
            raise RuntimeError(f"pg_dump failed ({dumping.returncode}): {errors.decode(errors='replace').strip()}")
        return out
    out = out_dir / f"{stem}{SQLITE_SUFFIX}"
    with tempfile.TemporaryDirectory(dir=out_dir) as staging, tarfile.open(out, "w:gz") as archive:
        for database in sorted(target.base_dir.rglob("*.db")):
            relative = database.relative_to(target.base_dir)
            copy = Path(staging) / relative
            copy.parent.mkdir(parents=True, exist_ok=True)
            with sqlite3.connect(database) as source, sqlite3.connect(copy) as destination:
                source.backup(destination)
            archive.add(copy, arcname=str(relative))
    return out


def load(target: StorageTarget, backup: Path) -> None:
    """Restore ``backup`` into the storage. SQLite: databases that are there already are kept beside, renamed
    ``*.db.before-restore``, so a restore into the wrong home loses nothing."""
    if isinstance(target, PostgresTarget):
        if not backup.name.endswith(POSTGRES_SUFFIX):
            raise ValueError(f"{backup.name} is not a Postgres backup ({POSTGRES_SUFFIX}); this instance is Postgres")
        loading = subprocess.Popen(
            ["psql", "-q", "-v", "ON_ERROR_STOP=1", *target.command_args()],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            # The dump's DROP ... IF EXISTS would print a NOTICE per missing object into a fresh database.
            env={**target.env(), "PGOPTIONS": "-c client_min_messages=warning"},
        )
        # Piped, not handed over as stdin: a child process would read the gzip file's compressed bytes.
        assert loading.stdin is not None
        with gzip.open(backup, "rb") as sql:
            try:
                shutil.copyfileobj(sql, loading.stdin)
            except BrokenPipeError:
                pass  # psql stopped at the first error (ON_ERROR_STOP): its stderr says which
            finally:
                loading.stdin.close()
        errors = loading.stderr.read() if loading.stderr else b""
        if loading.wait() != 0:
            raise RuntimeError(f"psql failed ({loading.returncode}): {errors.decode(errors='replace').strip()}")
        return
    if not backup.name.endswith(SQLITE_SUFFIX):
        raise ValueError(f"{backup.name} is not a SQLite backup ({SQLITE_SUFFIX}); this instance is SQLite")
    with tarfile.open(backup, "r:gz") as archive:
        members = archive.getmembers()
        for member in members:
            existing = target.base_dir / member.name
            if existing.exists():
                existing.rename(existing.with_name(existing.name + ".before-restore"))
        archive.extractall(target.base_dir, members=members, filter="data")
