"""Where the landing zone and the Delta tables live: one storage root, local or S3-compatible."""

import os
from pathlib import Path

from dagster import ConfigurableResource
from pydantic import Field

from lakehouse.storage import is_local, join_uri

DEFAULT_ROOT_ENV = "LAKEHOUSE_ROOT"


class Warehouse(ConfigurableResource):
    """The storage root that holds ``raw/`` (the landing zone) and one folder per Delta table ``<layer>/<table>``.

    Assets never build paths: they ask the warehouse for a table's URI.
    """

    root: str | None = Field(
        default=None,
        description=f"Storage root URI (file path, file:// or s3://bucket/prefix). Default: ${DEFAULT_ROOT_ENV}, "
        "else .lakehouse under the working directory.",
    )

    @property
    def root_uri(self) -> str:
        # Resolved at run time, not at import: the same definitions serve every environment.
        root = self.root or os.environ.get(DEFAULT_ROOT_ENV) or ".lakehouse"
        return str(Path(root).resolve()) if is_local(root) and "://" not in root else root

    @property
    def storage_options(self) -> dict[str, str]:
        """delta-rs / pyarrow storage options; empty for local disk."""
        return {}

    def table_uri(self, layer: str, table: str) -> str:
        return join_uri(self.root_uri, layer, table)
