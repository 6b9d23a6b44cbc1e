"""Backups in object storage: ``<warehouse root>/backups/dagster/<UTC timestamp><suffix>``, newest last by name."""

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pyarrow.fs as pafs

from lakehouse.backup.dump import POSTGRES_SUFFIX, SQLITE_SUFFIX
from lakehouse.storage import filesystem_for, join_uri

BACKUP_PREFIX = ("backups", "dagster")
TIMESTAMP_FORMAT = "%Y%m%dT%H%M%S%fZ"  # sorts as it reads; microseconds, so two backups never share a name


@dataclass(frozen=True)
class StoredBackup:
    name: str
    uri: str
    size: int


def backups_uri(root_uri: str) -> str:
    return join_uri(root_uri, *BACKUP_PREFIX)


def list_backups(root_uri: str, storage_options: Mapping[str, str]) -> list[StoredBackup]:
    """The stored backups, oldest first."""
    fs, folder = filesystem_for(backups_uri(root_uri), storage_options)
    infos = fs.get_file_info(pafs.FileSelector(folder, allow_not_found=True))
    return sorted(
        (
            StoredBackup(info.base_name, join_uri(backups_uri(root_uri), info.base_name), info.size or 0)
            for info in infos
            if info.type == pafs.FileType.File and info.base_name.endswith((POSTGRES_SUFFIX, SQLITE_SUFFIX))
        ),
        key=lambda backup: backup.name,
    )


# pyarrow's streams (de)compress by file extension unless told not to: the backups are gzip already, byte for byte.


def upload(local: Path, root_uri: str, storage_options: Mapping[str, str]) -> StoredBackup:
    fs, folder = filesystem_for(backups_uri(root_uri), storage_options)
    fs.create_dir(folder, recursive=True)
    with local.open("rb") as source, fs.open_output_stream(f"{folder}/{local.name}", compression=None) as target:
        while chunk := source.read(1 << 20):
            target.write(chunk)
    return StoredBackup(local.name, join_uri(backups_uri(root_uri), local.name), local.stat().st_size)


def download(backup_uri: str, storage_options: Mapping[str, str], into: Path) -> Path:
    fs, path = filesystem_for(backup_uri, storage_options)
    local = into / Path(path).name
    with fs.open_input_stream(path, compression=None) as source, local.open("wb") as target:
        while chunk := source.read(1 << 20):
            target.write(chunk)
    return local


def prune(root_uri: str, storage_options: Mapping[str, str], keep_last: int) -> list[StoredBackup]:
    """Delete all but the newest ``keep_last`` backups; the deleted ones."""
    stored = list_backups(root_uri, storage_options)
    expired = stored[:-keep_last] if keep_last > 0 else []
    fs, folder = filesystem_for(backups_uri(root_uri), storage_options)
    for backup in expired:
        fs.delete_file(f"{folder}/{backup.name}")
    return expired
