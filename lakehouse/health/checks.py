"""The probes of ``lakehouse health``. Each returns ``Probe`` rows and never raises: a probe that breaks is a failed
probe, named with its error, and the other probes still run."""

import json
import socket
import urllib.request
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import Enum
from urllib.parse import urlparse

import pyarrow.fs as pafs
from dagster import AssetCheckKey, AssetCheckSeverity, DagsterInstance, DagsterRunStatus, RunsFilter
from dagster._core.storage.asset_check_execution_record import AssetCheckExecutionRecordStatus

from lakehouse.delta import TableNotFoundError, table_snapshot
from lakehouse.storage import filesystem_for, join_uri

TIMEOUT_S = 5.0


class Status(Enum):
    OK = "ok"
    WARN = "warn"  # worth a look, not a failure: a failing check of WARN severity
    FAIL = "FAIL"
    SKIP = "-"  # not configured here, or nothing to judge yet (a job that never ran)


@dataclass(frozen=True)
class Probe:
    area: str  # service or data
    name: str
    status: Status
    detail: str


def guarded(area: str, name: str, probe: Callable[[], Iterable[Probe]]) -> list[Probe]:
    try:
        return list(probe())
    except Exception as error:  # a broken probe is a finding, not a crash of the report
        first_line = next(iter(str(error).splitlines()), "")
        return [Probe(area, name, Status.FAIL, f"{type(error).__name__}: {first_line}")]


def object_store(root_uri: str, storage_options: Mapping[str, str]) -> list[Probe]:
    """The warehouse root answers a listing: the landing zone and every table live under it."""
    fs, root = filesystem_for(root_uri, storage_options)
    info = fs.get_file_info(root)
    if info.type == pafs.FileType.NotFound:
        return [Probe("service", "object store", Status.FAIL, f"{root_uri} does not exist")]
    return [Probe("service", "object store", Status.OK, root_uri)]


def tcp_answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=TIMEOUT_S):
            return True
    except OSError:
        return False


def http_json(url: str) -> object:
    with urllib.request.urlopen(url, timeout=TIMEOUT_S) as response:
        return json.load(response)


def spark_cluster(master: str, master_ui_url: str | None) -> list[Probe]:
    """A standalone master answers on its port, and (with its UI's address) has alive workers."""
    if not master.startswith("spark://"):
        return [Probe("service", "spark", Status.SKIP, f"{master}: in-process, no cluster")]
    address = urlparse(master)
    if not tcp_answers(address.hostname or "", address.port or 7077):
        return [Probe("service", "spark master", Status.FAIL, f"{master} does not answer")]
    probes = [Probe("service", "spark master", Status.OK, master)]
    if master_ui_url:
        workers = http_json(f"{master_ui_url.rstrip('/')}/json/").get("aliveworkers", 0)  # type: ignore[union-attr]
        status = Status.OK if workers else Status.FAIL
        probes.append(Probe("service", "spark workers", status, f"{workers} alive"))
    return probes


def dagster_storage(instance: DagsterInstance) -> list[Probe]:
    runs = instance.get_runs_count()
    kind = type(instance.run_storage).__name__
    return [Probe("service", "dagster storage", Status.OK, f"{kind}, {runs} runs")]


def webserver(ui_url: str | None) -> list[Probe]:
    if not ui_url:
        return [Probe("service", "dagster webserver", Status.SKIP, "LAKEHOUSE_UI_URL not set")]
    version = http_json(f"{ui_url.rstrip('/')}/server_info").get("dagster_webserver_version", "?")  # type: ignore[union-attr]
    return [Probe("service", "dagster webserver", Status.OK, f"{ui_url} (dagster-webserver {version})")]


def daemon(instance: DagsterInstance) -> list[Probe]:
    """Judged when a daemon has ever run against this instance: a cron-only deployment has none, and needs none."""
    if not instance.get_daemon_heartbeats():
        return [Probe("service", "dagster daemon", Status.SKIP, "no daemon has run against this instance")]
    unhealthy = sorted(kind for kind, status in instance.get_daemon_statuses().items() if not status.healthy)
    if unhealthy:
        return [Probe("service", "dagster daemon", Status.FAIL, f"no recent heartbeat: {', '.join(unhealthy)}")]
    return [Probe("service", "dagster daemon", Status.OK, "every daemon heartbeats")]


def latest_partitions(
    root_uri: str, storage_options: Mapping[str, str], tables: Sequence[str], expected: date
) -> list[Probe]:
    """Each table's latest day, against the day it should have (yesterday, for a daily pipeline)."""
    probes = []
    for table in tables:
        try:
            partitions = table_snapshot(join_uri(root_uri, *table.split("/")), storage_options).partitions
        except TableNotFoundError:
            probes.append(Probe("data", table, Status.FAIL, "no table: never materialized here"))
            continue
        except Exception as error:
            probes.append(Probe("data", table, Status.FAIL, f"unreadable: {type(error).__name__}"))
            continue
        if not partitions:
            probes.append(Probe("data", table, Status.FAIL, "no partition"))
            continue
        latest = date.fromisoformat(partitions[-1])
        late = (expected - latest).days
        status = Status.OK if late <= 0 else Status.FAIL
        behind = f", {late} day(s) behind {expected}" if late > 0 else ""
        probes.append(Probe("data", table, status, f"latest day {latest}{behind}"))
    return probes


def last_runs(instance: DagsterInstance, job_names: Sequence[str]) -> list[Probe]:
    probes = []
    for job in job_names:
        records = instance.get_run_records(RunsFilter(job_name=job), limit=1)
        if not records:
            probes.append(Probe("data", f"last {job} run", Status.SKIP, "never ran"))
            continue
        run, started = records[0].dagster_run, records[0].start_time
        status = Status.FAIL if run.status == DagsterRunStatus.FAILURE else Status.OK
        at = f"started {datetime.fromtimestamp(started, UTC):%Y-%m-%d %H:%M} UTC, " if started else ""
        probes.append(Probe("data", f"last {job} run", status, f"{run.status.value} ({at}run {run.run_id[:8]})"))
    return probes


def failing_checks(instance: DagsterInstance, check_keys: Sequence[AssetCheckKey]) -> list[Probe]:
    """The checks whose latest evaluation failed: an ERROR check fails health, a WARN check warns."""
    latest = instance.event_log_storage.get_latest_asset_check_execution_by_key(list(check_keys))
    failing = []
    for key, record in sorted(latest.items(), key=lambda item: item[0].to_user_string()):
        if record.status != AssetCheckExecutionRecordStatus.FAILED or record.event is None:
            continue
        evaluation = record.event.dagster_event.event_specific_data
        error = evaluation.severity == AssetCheckSeverity.ERROR
        failing.append(
            Probe("data", f"check {key.to_user_string()}", Status.FAIL if error else Status.WARN, "failing now")
        )
    evaluated = len(latest)
    return failing or [Probe("data", "checks", Status.OK, f"none failing ({evaluated} evaluated)")]
