"""The landing-zone sensor: files landing under ``raw/<source>/dt=YYYY-MM-DD/`` start ``daily_lakehouse`` for their day.

Each evaluation lists ``raw/`` once and fingerprints every day's file set (keys with ETag or mtime, and size). The
cursor (JSON: day → fingerprint) remembers the set each day was last requested for, so a day is requested once per
new set of files: a late or replaced file requests its day again, an unchanged day never does. The run key is the
day plus its fingerprint, so even a lost cursor cannot run the same file set twice.

Only data files count: ``raw/<known source>/dt=<valid day>/<name>``, the name not starting with ``_`` or ``.``
(temporary and marker files, as the landing reader skips them). Days that are not yet partitions (today, the future,
before the first partition) wait: they are requested once their partition exists.

On S3 the listing goes through dagster-aws's ``S3Resource`` (boto3, one paginated LIST of ``raw/``), whose ETag is a
content hash: a re-upload of identical bytes is not a change. On local disk it goes through pyarrow.
"""

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from urllib.parse import urlparse

import pyarrow.fs as pafs
from dagster import DefaultSensorStatus, RunRequest, SensorEvaluationContext, SensorResult, SkipReason, sensor

from lakehouse.partitions import daily_partitions
from lakehouse.raw.formats import SOURCES
from lakehouse.resources.warehouse import Warehouse
from lakehouse.storage import is_local, join_uri

DAILY_JOB_NAME = "daily_lakehouse"
LANDING_PREFIX = "raw"


@dataclass(frozen=True)
class LandedObject:
    """One object under the root: its key relative to the root, and what changes when its content does."""

    key: str
    version: str  # "<size>:<etag>" on S3, "<size>:<mtime ns>" on disk


def landing_day(key: str) -> str | None:
    """The day ``YYYY-MM-DD`` of a landed data file's key (``raw/<source>/dt=YYYY-MM-DD/<name>``), else None."""
    parts = key.split("/")
    if len(parts) != 4:
        return None
    prefix, source, day_dir, name = parts
    if prefix != LANDING_PREFIX or source not in SOURCES or not name or name.startswith(("_", ".")):
        return None
    day = day_of_folder(day_dir)
    return day.isoformat() if day else None


def day_of_folder(name: str) -> date | None:
    """The day of a landing folder ``dt=YYYY-MM-DD``, else None (any other name, or a day that does not exist)."""
    day = name.removeprefix("dt=")
    if day == name:
        return None
    try:
        parsed = date.fromisoformat(day)
    except ValueError:
        return None
    # fromisoformat also takes forms like 20240101; only the canonical spelling names a partition.
    return parsed if parsed.isoformat() == day else None


def fingerprints(objects: Iterable[LandedObject]) -> dict[str, str]:
    """Day → fingerprint of that day's set of data files; objects that are not data files are ignored."""
    by_day: dict[str, list[str]] = defaultdict(list)
    for landed in objects:
        day = landing_day(landed.key)
        if day is not None:
            by_day[day].append(f"{landed.key}\t{landed.version}")
    return {
        day: hashlib.sha256("\n".join(sorted(entries)).encode()).hexdigest()[:16]
        for day, entries in sorted(by_day.items())
    }


def list_landing_zone(warehouse: Warehouse) -> Iterator[LandedObject]:
    """Every object under ``<root>/raw/``, S3 through ``S3Resource``, local disk through pyarrow."""
    root = warehouse.root_uri
    if is_local(root):
        fs, root_path = warehouse.filesystem()
        selector = pafs.FileSelector(join_uri(root_path, LANDING_PREFIX), recursive=True, allow_not_found=True)
        for info in fs.get_file_info(selector):
            if info.type == pafs.FileType.File:
                key = info.path.removeprefix(root_path.rstrip("/") + "/")
                yield LandedObject(key, f"{info.size}:{info.mtime_ns}")
        return
    parsed = urlparse(root)
    bucket, root_prefix = parsed.netloc, parsed.path.strip("/")
    list_prefix = join_uri(root_prefix, LANDING_PREFIX) + "/" if root_prefix else f"{LANDING_PREFIX}/"
    client = warehouse.s3_resource().get_client()
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=list_prefix):
        for item in page.get("Contents", []):
            key = item["Key"].removeprefix(f"{root_prefix}/") if root_prefix else item["Key"]
            etag = item["ETag"].strip('"')
            yield LandedObject(key, f"{item['Size']}:{etag}")


def landing_run_requests(
    current: dict[str, str], cursor: dict[str, str], now: datetime
) -> tuple[list[RunRequest], dict[str, str]]:
    """Run requests for the days whose file set differs from the cursor's, and the next cursor.

    The next cursor keeps the days still landed: a day whose partition does not exist yet keeps its old entry (or
    none), so it is requested once it does.
    """
    # Daily partitions in UTC: a day exists once it has ended.
    first_partition, today = daily_partitions.get_first_partition_key(), now.astimezone(UTC).date().isoformat()
    requests, next_cursor = [], {}
    for day, fingerprint in current.items():
        if not first_partition <= day < today:
            if day in cursor:
                next_cursor[day] = cursor[day]
            continue
        if cursor.get(day) != fingerprint:
            requests.append(RunRequest(partition_key=day, run_key=f"{day}:{fingerprint}"))
        next_cursor[day] = fingerprint
    return requests, next_cursor


@sensor(
    name="landing_zone_sensor",
    job_name=DAILY_JOB_NAME,
    minimum_interval_seconds=60,
    default_status=DefaultSensorStatus.STOPPED,
    description="Starts daily_lakehouse for each day whose raw files under raw/<source>/dt=YYYY-MM-DD/ are new "
    "or changed since that day was last requested.",
)
def landing_zone_sensor(context: SensorEvaluationContext, warehouse: Warehouse) -> SensorResult | SkipReason:
    cursor: dict[str, str] = json.loads(context.cursor) if context.cursor else {}
    current = fingerprints(list_landing_zone(warehouse))
    requests, next_cursor = landing_run_requests(current, cursor, datetime.now(UTC))
    if not requests and next_cursor == cursor:
        return SkipReason(f"no new files under {LANDING_PREFIX}/ ({len(current)} days landed)")
    for request in requests:
        context.log.info(f"files changed for {request.partition_key}: requesting {DAILY_JOB_NAME}")
    return SensorResult(run_requests=requests, cursor=json.dumps(next_cursor, sort_keys=True))
