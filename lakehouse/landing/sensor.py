"""The landing-zone sensor: files landing under ``raw/<source>/dt=YYYY-MM-DD/`` start ``daily_lakehouse`` for their day.

Each evaluation lists ``raw/`` once (``lakehouse.landing.inventory``) and fingerprints every day's file set (keys
with ETag or mtime, and size). The cursor (JSON: day → fingerprint) remembers the set each day was last requested
for, so a day is requested once per new set of files: a late or replaced file requests its day again, an unchanged
day never does. The run key is the day plus its fingerprint, so even a lost cursor cannot run the same file set
twice.

Only data files count: ``raw/<known source>/dt=<valid day>/<name>``, the name not starting with ``_`` or ``.``
(temporary and marker files, as the landing reader skips them). A day waits, with no request and its old cursor
entry kept, until it is complete (``LandingPolicy``: every source's file, or also every source's ``_SUCCESS``
marker) and a partition (not today, the future, or before the first partition); the skip reason names what each
waiting day lacks.

On S3 the listing's ETag is a content hash: a re-upload of identical bytes is not a change.
"""

import hashlib
import json
from collections import defaultdict
from collections.abc import Container, Iterable, Mapping, Sequence
from datetime import UTC, date, datetime

from dagster import DefaultSensorStatus, RunRequest, SensorEvaluationContext, SensorResult, SkipReason, sensor

from lakehouse.landing.inventory import (
    LANDING_PREFIX,
    LandedObject,
    LandingPolicy,
    day_of_folder,
    list_landing_zone,
    take_inventory,
)
from lakehouse.partitions import daily_partitions
from lakehouse.raw.formats import NOT_DATA_PREFIXES, SOURCES
from lakehouse.resources.warehouse import Warehouse

DAILY_JOB_NAME = "daily_lakehouse"
WAITING_DAYS_SHOWN = 5
"""Waiting days named in a skip reason; the rest are counted."""


def landing_day(key: str) -> str | None:
    """The day ``YYYY-MM-DD`` of a landed data file's key (``raw/<source>/dt=YYYY-MM-DD/<name>``), else None."""
    parts = key.split("/")
    if len(parts) != 4:
        return None
    prefix, source, day_dir, name = parts
    if prefix != LANDING_PREFIX or source not in SOURCES or not name or name.startswith(NOT_DATA_PREFIXES):
        return None
    day = day_of_folder(day_dir)
    return day.isoformat() if day else None


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


def landing_run_requests(
    current: Mapping[str, str], cursor: Mapping[str, str], now: datetime, complete: Container[str]
) -> tuple[list[RunRequest], dict[str, str], list[str]]:
    """Run requests for the complete days whose file set differs from the cursor's, the next cursor, and the
    partition days that wait to be complete.

    The next cursor keeps the days still landed: a day whose partition does not exist yet, or that is not complete,
    keeps its old entry (or none), so it is requested once it is both.
    """
    # Daily partitions in UTC: a day exists once it has ended.
    first_partition, today = daily_partitions.get_first_partition_key(), now.astimezone(UTC).date().isoformat()
    requests, next_cursor, waiting = [], {}, []
    for day, fingerprint in current.items():
        is_partition = first_partition <= day < today
        if not is_partition or day not in complete:
            if is_partition:
                waiting.append(day)
            if day in cursor:
                next_cursor[day] = cursor[day]
            continue
        if cursor.get(day) != fingerprint:
            requests.append(RunRequest(partition_key=day, run_key=f"{day}:{fingerprint}"))
        next_cursor[day] = fingerprint
    return requests, next_cursor, waiting


def describe_waiting(waiting: Sequence[str], missing: Mapping[str, Mapping[str, Sequence[str]]]) -> str:
    """``2024-03-05 lacks web_logs/web_logs.jsonl; ...`` for the first waiting days (day → source → names)."""
    shown = [
        f"{day} lacks {', '.join(f'{source}/{name}' for source, names in missing[day].items() for name in names)}"
        for day in waiting[:WAITING_DAYS_SHOWN]
    ]
    more = len(waiting) - len(shown)
    return "; ".join(shown) + (f"; and {more} more day(s)" if more > 0 else "")


@sensor(
    name="landing_zone_sensor",
    job_name=DAILY_JOB_NAME,
    minimum_interval_seconds=60,
    default_status=DefaultSensorStatus.STOPPED,
    description="Starts daily_lakehouse for each day whose raw files under raw/<source>/dt=YYYY-MM-DD/ are new "
    "or changed since that day was last requested, once the day is complete (every source's file, or also every "
    "source's _SUCCESS marker: the landing resource's complete_when).",
)
def landing_zone_sensor(
    context: SensorEvaluationContext, warehouse: Warehouse, landing: LandingPolicy
) -> SensorResult | SkipReason:
    cursor: dict[str, str] = json.loads(context.cursor) if context.cursor else {}
    objects = list(list_landing_zone(warehouse))
    current, inventory = fingerprints(objects), take_inventory(landed.key for landed in objects)
    missing = {day: inventory.incomplete_sources(date.fromisoformat(day), landing) for day in current}
    complete = {day for day, sources in missing.items() if not sources}
    requests, next_cursor, waiting = landing_run_requests(current, cursor, datetime.now(UTC), complete)
    note = f"; waiting for the rest of their files: {describe_waiting(waiting, missing)}" if waiting else ""
    if not requests and next_cursor == cursor:
        return SkipReason(f"no new complete day under {LANDING_PREFIX}/ ({len(current)} days landed){note}")
    for request in requests:
        context.log.info(f"files changed for {request.partition_key}: requesting {DAILY_JOB_NAME}")
    if waiting:
        context.log.info(f"{len(waiting)} day(s) not complete{note}")
    return SensorResult(run_requests=requests, cursor=json.dumps(next_cursor, sort_keys=True))
