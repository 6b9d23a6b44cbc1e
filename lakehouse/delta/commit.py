"""The driver side of a write: one delta-rs transaction for every file the tasks wrote, retried on conflicts."""

import logging
import random
import time
from collections.abc import Sequence

from deltalake import DeltaTable
from deltalake.exceptions import CommitFailedError, DeltaError
from deltalake.transaction import AddAction, CommitProperties, create_table_with_add_actions
from pyspark.sql.types import StructType

from lakehouse.delta.files import DataFile
from lakehouse.delta.options import WriteMode, WriteOptions
from lakehouse.delta.schema import check_write_schema, delta_schema
from lakehouse.delta.table import WRITE_ID_KEY, open_table_if_exists

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
FIRST_BACKOFF_SECONDS = 0.2


class _TableCreatedConcurrently(Exception):
    """Another writer created the table between our look and our create: retry as a write to that table."""


def commit_files(options: WriteOptions, mode: WriteMode, schema: StructType, files: Sequence[DataFile]) -> int:
    """Commit the files as one transaction (creating the table if needed); return the number of attempts it took.

    An overwrite removes every file whose partition value lies in ``options.replace_range`` in the same commit.
    The first attempt commits on the snapshot the write was validated against (``options.read_version``), so
    delta-rs's conflict check covers everything committed since; a conflict (two overwrites of different days from
    one snapshot conflict) reloads the latest snapshot, validates again and retries with exponential backoff.
    """
    actions = [data_file.add_action(options.partition_column) for data_file in files]
    properties = CommitProperties(custom_metadata={**options.commit_metadata, WRITE_ID_KEY: options.write_id})
    attempt = 1
    while True:
        version = options.read_version if attempt == 1 else None
        table = open_table_if_exists(options.table_uri, options.storage_options, version)
        try:
            _commit(table, options, mode, schema, actions, properties)
            return attempt
        except (CommitFailedError, _TableCreatedConcurrently) as exc:
            if attempt == MAX_ATTEMPTS:
                raise
            delay = FIRST_BACKOFF_SECONDS * 2 ** (attempt - 1) * (1 + random.random())
            logger.warning(
                "commit to %s conflicted (attempt %d of %d), retrying in %.2fs: %s",
                options.table_uri,
                attempt,
                MAX_ATTEMPTS,
                delay,
                exc,
            )
            time.sleep(delay)
            attempt += 1


def _commit(
    table: DeltaTable | None,
    options: WriteOptions,
    mode: WriteMode,
    schema: StructType,
    actions: list[AddAction],
    properties: CommitProperties,
) -> None:
    check_write_schema(schema, options.table_uri, table, options.partition_column)
    storage_options = dict(options.storage_options) or None
    if table is None:
        try:
            create_table_with_add_actions(
                options.table_uri,
                delta_schema(schema),
                actions,
                mode="error",
                partition_by=[options.partition_column],
                storage_options=storage_options,
                commit_properties=properties,
            )
        except DeltaError as exc:
            if open_table_if_exists(options.table_uri, options.storage_options) is not None:
                raise _TableCreatedConcurrently(str(exc)) from exc
            raise
        return
    partition_filters = None
    if mode == "overwrite" and options.replace_range is not None:
        start, end = options.replace_range
        partition_filters = [
            (options.partition_column, ">=", start.isoformat()),
            (options.partition_column, "<", end.isoformat()),
        ]
    # The table's own schema, not the DataFrame's: an equal-but-differently-nullable schema would rewrite metadata.
    table.create_write_transaction(
        actions,
        mode=mode,
        schema=table.schema(),
        partition_by=[options.partition_column],
        partition_filters=partition_filters,
        commit_properties=properties,
    )
