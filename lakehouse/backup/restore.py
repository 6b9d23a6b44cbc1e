"""``lakehouse restore``: load a backup made by ``dagster_storage_backup`` into this instance's storage.

Stop the daemon and the webserver first: a restore replaces the run history under them.
"""

import tempfile
from pathlib import Path

from dagster import DagsterInstance

from lakehouse.backup.dump import load, storage_of
from lakehouse.backup.store import backups_uri, download
from lakehouse.resources.warehouse import Warehouse
from lakehouse.storage import join_uri


def resolve_backup(backup: str, root_uri: str) -> str:
    """A local file as is; a URI as is; a bare name is one under ``<root>/backups/dagster/``."""
    if Path(backup).is_file() or "://" in backup or backup.startswith("/"):
        return backup
    return join_uri(backups_uri(root_uri), backup)


def restore(backup: str, warehouse: Warehouse, instance: DagsterInstance) -> str:
    """Restore ``backup`` into ``instance``'s storage; the backup's URI."""
    uri = resolve_backup(backup, warehouse.root_uri)
    target = storage_of(instance)
    if Path(uri).is_file():
        load(target, Path(uri))
        return uri
    with tempfile.TemporaryDirectory(prefix="dagster-restore-") as staging:
        load(target, download(uri, warehouse.storage_options, Path(staging)))
    return uri
