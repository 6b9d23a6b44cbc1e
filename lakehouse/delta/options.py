"""The string options the ``lakehouse_delta`` data source takes, and their typed form.

Spark redacts the values of options whose key matches ``spark.redaction.regex`` (secret, password, token,
access key) in plans, logs and the UI, so storage options travel as one JSON blob under a key containing "secret".
"""

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Literal, get_args

WriteMode = Literal["append", "overwrite"]

PATH = "path"
STORAGE_OPTIONS = "storage_options_secret"
PARTITION_COLUMN = "partition_column"
REPLACE_RANGE_START = "replace_range_start"
REPLACE_RANGE_END = "replace_range_end"
COMMIT_METADATA = "commit_metadata"
WRITE_ID = "write_id"
READ_VERSION = "read_version"
VERSION = "version"  # read: the table version to read (default: the latest)

DEFAULT_PARTITION_COLUMN = "dt"


def storage_options_from(options: Mapping[str, str]) -> dict[str, str]:
    return json.loads(options.get(STORAGE_OPTIONS) or "{}")


def table_uri_from(options: Mapping[str, str]) -> str:
    table_uri = options.get(PATH)
    if not table_uri:
        raise ValueError("lakehouse_delta needs the table URI: .save(uri) / .load(uri)")
    return table_uri


@dataclass(frozen=True)
class WriteOptions:
    """What a write needs besides its rows. ``read_version`` is the table version the write was validated against."""

    table_uri: str
    partition_column: str = DEFAULT_PARTITION_COLUMN
    replace_range: tuple[date, date] | None = None
    storage_options: Mapping[str, str] = field(default_factory=dict)
    commit_metadata: Mapping[str, str] = field(default_factory=dict)
    write_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    read_version: int | None = None

    def check_mode(self, mode: WriteMode) -> None:
        """An overwrite replaces exactly ``replace_range`` = [start, end); an append replaces nothing."""
        if mode not in get_args(WriteMode):
            raise ValueError(f"write mode {mode!r} for {self.table_uri}: use one of {get_args(WriteMode)}")
        if mode == "overwrite" and self.replace_range is None:
            raise ValueError(f"overwriting {self.table_uri} needs replace_range=(start, end), the days it replaces")
        if mode == "append" and self.replace_range is not None:
            raise ValueError(f"appending to {self.table_uri} replaces nothing: replace_range is only for overwrite")
        if self.replace_range is not None and self.replace_range[0] >= self.replace_range[1]:
            start, end = self.replace_range
            raise ValueError(f"replace_range [{start}, {end}) of {self.table_uri} is empty: its end is exclusive")

    def to_spark(self) -> dict[str, str]:
        options = {
            PARTITION_COLUMN: self.partition_column,
            STORAGE_OPTIONS: json.dumps(dict(self.storage_options)),
            COMMIT_METADATA: json.dumps(dict(self.commit_metadata)),
            WRITE_ID: self.write_id,
        }
        if self.replace_range is not None:
            options[REPLACE_RANGE_START] = self.replace_range[0].isoformat()
            options[REPLACE_RANGE_END] = self.replace_range[1].isoformat()
        if self.read_version is not None:
            options[READ_VERSION] = str(self.read_version)
        return options

    @classmethod
    def from_spark(cls, options: Mapping[str, str]) -> "WriteOptions":
        start, end = options.get(REPLACE_RANGE_START), options.get(REPLACE_RANGE_END)
        if bool(start) != bool(end):
            raise ValueError(f"give both {REPLACE_RANGE_START} and {REPLACE_RANGE_END}, or neither")
        read_version = options.get(READ_VERSION)
        return cls(
            table_uri=table_uri_from(options),
            partition_column=options.get(PARTITION_COLUMN) or DEFAULT_PARTITION_COLUMN,
            replace_range=(date.fromisoformat(start), date.fromisoformat(end)) if start and end else None,
            storage_options=storage_options_from(options),
            commit_metadata=json.loads(options.get(COMMIT_METADATA) or "{}"),
            write_id=options.get(WRITE_ID) or uuid.uuid4().hex,
            read_version=int(read_version) if read_version else None,
        )
