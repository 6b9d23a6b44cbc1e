"""What has landed: the landing zone listed once, sorted into each source's days, and what does not belong there.

A source's day is complete when its folder ``raw/<source>/dt=YYYY-MM-DD/`` holds the source's file (``FILE_NAMES``)
and, when the ``LandingPolicy`` asks for markers, a ``_SUCCESS`` marker that the upstream writes after its last
file. A day is complete when every source's is. The landing sensor waits for complete days, and bronze's
``landed_every_day`` check fails the days that are not (docs/design.md, "Landing completeness").

Everything else under ``raw/`` is unexpected and named by bronze's ``only_expected_files`` check: a day-folder file
that is not the source's file (bronze reads it too), a folder that is not ``dt=YYYY-MM-DD``, a file outside a day
folder, a folder inside one, a folder of no source. Names starting with ``_`` or ``.`` are temporary or marker files
(the landing reader skips them), never unexpected.

Listed from the warehouse's root: S3 through dagster-aws's ``S3Resource`` (boto3, one paginated LIST of ``raw/``,
ETags), local disk through pyarrow.
"""

import os
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Final
from urllib.parse import urlparse

import pyarrow.fs as pafs
from dagster import ConfigurableResource
from pydantic import Field

from lakehouse.raw.formats import FILE_NAMES, NOT_DATA_PREFIXES, SOURCES, SUCCESS_MARKER
from lakehouse.resources.warehouse import Warehouse
from lakehouse.storage import is_local, join_uri

LANDING_PREFIX: Final = "raw"

COMPLETE_WHEN_ENV: Final = "LAKEHOUSE_LANDING_COMPLETE_WHEN"


class CompleteWhen(StrEnum):
    """When a source's day counts as landed. In the launchpad by name (``SUCCESS_MARKERS``), in the environment
    by value (``success_markers``)."""

    ALL_SOURCES = "all_sources"
    """Its file is in its day folder."""
    SUCCESS_MARKERS = "success_markers"
    """Its file and a ``_SUCCESS`` marker are: for upstreams whose files appear before they are whole."""


class LandingPolicy(ConfigurableResource):
    """When a landed day is complete: one definition for the landing sensor and bronze's completeness check."""

    complete_when: CompleteWhen | None = Field(
        default=None,
        description="ALL_SOURCES: every source's file is in its day folder; SUCCESS_MARKERS: each source's day "
        f"folder also holds {SUCCESS_MARKER}, written by the upstream after its last file. "
        f"Default: ${COMPLETE_WHEN_ENV} (all_sources or success_markers), else all_sources.",
    )

    @property
    def mode(self) -> CompleteWhen:
        # Read at run time, like the Warehouse: the same definitions serve every environment.
        if self.complete_when is not None:
            return self.complete_when
        value = os.environ.get(COMPLETE_WHEN_ENV) or CompleteWhen.ALL_SOURCES
        try:
            return CompleteWhen(value)
        except ValueError:
            allowed = ", ".join(mode.value for mode in CompleteWhen)
            raise ValueError(f"${COMPLETE_WHEN_ENV} is {value!r}: one of {allowed}") from None

    def required_files(self, source: str) -> tuple[str, ...]:
        """The names a source's day folder must hold for that source's day to be complete."""
        marker = (SUCCESS_MARKER,) if self.mode == CompleteWhen.SUCCESS_MARKERS else ()
        return (FILE_NAMES[source], *marker)


@dataclass(frozen=True)
class LandedObject:
    """One object under the root: its key relative to the root, and what changes when its content does."""

    key: str
    version: str  # "<size>:<etag>" on S3, "<size>:<mtime ns>" on disk


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


@dataclass(frozen=True)
class Unexpected:
    """Something under ``raw/`` that is not a source's file in a day folder. A folder's path ends with ``/``."""

    path: str
    reason: str
    source: str | None
    """None: in no source's folder."""
    day: date | None
    """The day folder it is in, if any."""
    read_by_bronze: bool


@dataclass(frozen=True)
class Inventory:
    files: Mapping[tuple[str, date], frozenset[str]]
    """(source, day) → the names directly inside that day folder, markers and temporary files included."""
    unexpected: tuple[Unexpected, ...]
    """In path order, each wrong folder once (not each file inside it)."""

    def missing(self, source: str, day: date, policy: LandingPolicy) -> list[str]:
        """The names the day folder of ``source`` still lacks for its day to be complete."""
        present = self.files.get((source, day), frozenset())
        return [name for name in policy.required_files(source) if name not in present]

    def incomplete_sources(self, day: date, policy: LandingPolicy) -> dict[str, list[str]]:
        """Source → missing names, for the sources whose ``day`` is not complete."""
        return {source: missing for source in SOURCES if (missing := self.missing(source, day, policy))}


def take_inventory(keys: Iterable[str]) -> Inventory:
    """The inventory of the landing zone from the keys of its objects (relative to the root)."""
    files: dict[tuple[str, date], set[str]] = defaultdict(set)
    unexpected: dict[str, Unexpected] = {}
    for key in keys:
        parts = key.split("/")
        # Keys outside raw/, and empty "folder" objects that S3 consoles create, hold no data.
        if parts[0] != LANDING_PREFIX or len(parts) < 2 or not parts[-1]:
            continue
        found = _sort_key(parts[1:], files)
        if found is not None:
            unexpected.setdefault(found.path, found)
    return Inventory(
        files={place: frozenset(names) for place, names in files.items()},
        unexpected=tuple(unexpected[path] for path in sorted(unexpected)),
    )


def _sort_key(parts: list[str], files: dict[tuple[str, date], set[str]]) -> Unexpected | None:
    """Records a day-folder file in ``files``; returns what is wrong with the key, if anything.

    ``parts`` are the key's names below ``raw/``. A temporary or hidden name (or one inside such a folder) is
    never unexpected.
    """
    source, *rest = parts
    if not rest:
        return None if source.startswith(NOT_DATA_PREFIXES) else _unexpected([source], "a file in no source's folder")
    if source.startswith(NOT_DATA_PREFIXES):
        return None
    if source not in SOURCES:
        return _unexpected([source, ""], f"not a source ({', '.join(SOURCES)})")
    folder, *inside = rest
    if folder.startswith(NOT_DATA_PREFIXES):
        return None
    if not inside:
        return _unexpected([source, folder], "a file outside the day folders", source)
    day = day_of_folder(folder)
    if day is None:
        return _unexpected([source, folder, ""], "not a day folder dt=YYYY-MM-DD", source)
    name = inside[0]
    if len(inside) == 1:
        files[source, day].add(name)
        if name.startswith(NOT_DATA_PREFIXES) or name == FILE_NAMES[source]:
            return None
        return _unexpected([source, folder, name], f"not {FILE_NAMES[source]}", source, day, read_by_bronze=True)
    if name.startswith(NOT_DATA_PREFIXES):
        return None
    return _unexpected([source, folder, name, ""], "a folder inside the day folder", source, day)


def _unexpected(
    parts: list[str], reason: str, source: str | None = None, day: date | None = None, *, read_by_bronze: bool = False
) -> Unexpected:
    return Unexpected("/".join([LANDING_PREFIX, *parts]), reason, source, day, read_by_bronze)
