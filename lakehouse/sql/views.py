"""DuckDB over the warehouse: one view per Delta table, ``delta_scan`` over the table's URI. No Dagster here.

Views are named ``<layer>_<table>`` (``gold_daily_sales``, ``silver_orders``) in DuckDB's default schema ``main``,
not ``gold.daily_sales`` in schemas: a BI tool or notebook that opens the file sees every table in the schema it
shows first, and an unqualified name resolves without a ``search_path``. In DuckDB ``gold.daily_sales`` may also
name the catalog ``gold`` (an attached database), which a flat name can never collide with.

The extensions come from the ``duckdb-extension-delta`` and ``duckdb-extension-httpfs`` packages, loaded by path:
DuckDB would otherwise try to download them on first use.
"""

import importlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import duckdb
import pyarrow.fs as pafs

from lakehouse.resources.warehouse import Warehouse
from lakehouse.storage import is_local, join_uri

SECRET_NAME = "lakehouse_s3"


def extension_file(name: str) -> Path:
    """The packaged binary of a DuckDB extension (``delta``, ``httpfs``) for the installed DuckDB version."""
    package = importlib.import_module(f"duckdb_extension_{name}")
    return Path(package.__file__).parent / "extensions" / f"v{duckdb.__version__}" / f"{name}.duckdb_extension"


def extensions(*, s3: bool) -> tuple[str, ...]:
    """The extensions the views need: delta, and httpfs for ``s3://`` (in load order)."""
    return ("httpfs", "delta") if s3 else ("delta",)


def connect(database: str = ":memory:", *, s3: bool = False) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with the delta extension (and httpfs for ``s3://``) loaded from the packages.

    The session time zone is UTC, the time zone every timestamp of the lakehouse is computed in.
    """
    connection = duckdb.connect(database)
    # Fail with DuckDB's own error rather than wait on a download that cannot work offline.
    connection.execute("SET autoinstall_known_extensions = false")
    for name in extensions(s3=s3):
        connection.execute(f"LOAD {sql_literal(str(extension_file(name)))}")
    connection.execute("SET TimeZone = 'UTC'")
    return connection


def create_s3_secret(connection: duckdb.DuckDBPyConnection, warehouse: Warehouse) -> None:
    """A session (TEMPORARY) S3 secret with the warehouse's endpoint and keys: DuckDB keeps it in memory only, never
    in the database file, and ``duckdb_secrets()`` shows it redacted."""
    options = warehouse.storage_options
    parameters: dict[str, str] = {"REGION": warehouse.region}
    if "AWS_ACCESS_KEY_ID" in options:
        parameters["KEY_ID"] = options["AWS_ACCESS_KEY_ID"]
        parameters["SECRET"] = options.get("AWS_SECRET_ACCESS_KEY", "")
    if warehouse.endpoint_url:
        endpoint = urlparse(warehouse.endpoint_url)
        # DuckDB wants host:port; the scheme becomes USE_SSL. MinIO and SeaweedFS serve no bucket subdomains.
        parameters |= {"ENDPOINT": endpoint.netloc, "URL_STYLE": "path"}
        use_ssl = "true" if endpoint.scheme == "https" else "false"
    else:
        use_ssl = "true"
    # The values travel as bound parameters, so they appear in no SQL text.
    settings = ", ".join(f"{key} ?" for key in parameters)
    connection.execute(
        f"CREATE OR REPLACE TEMPORARY SECRET {SECRET_NAME} (TYPE s3, {settings}, USE_SSL {use_ssl})",
        list(parameters.values()),
    )


@dataclass(frozen=True)
class TableView:
    """One Delta table of the warehouse and its view; ``exists`` is False before any run has written the table."""

    layer: str
    table: str
    uri: str
    exists: bool

    @property
    def name(self) -> str:
        return f"{self.layer}_{self.table}"

    @property
    def note(self) -> str:
        return f"no view {self.name}: {self.uri} is not a Delta table yet (no run has written it)"


def table_views(warehouse: Warehouse, tables: Iterable[tuple[str, str]]) -> list[TableView]:
    """The view of each ``(layer, table)``, and whether the table exists (its ``_delta_log`` folder is there)."""
    fs, root_path = warehouse.filesystem()
    views = []
    for layer, table in tables:
        log = fs.get_file_info(join_uri(root_path, layer, table, "_delta_log"))
        views.append(TableView(layer, table, warehouse.table_uri(layer, table), log.type == pafs.FileType.Directory))
    return views


def open_warehouse(
    warehouse: Warehouse, tables: Iterable[tuple[str, str]], database: str = ":memory:"
) -> tuple[duckdb.DuckDBPyConnection, list[TableView]]:
    """A connection with one view per existing table (and the S3 secret its views need on S3), and every view."""
    on_s3 = not is_local(warehouse.root_uri)
    connection = connect(database, s3=on_s3)
    if on_s3:
        create_s3_secret(connection, warehouse)
    views = table_views(warehouse, tables)
    for view in views:
        if view.exists:
            # DDL takes no bound parameters: the URI goes in as an escaped literal, the name as a quoted identifier.
            connection.execute(
                f"CREATE OR REPLACE VIEW {sql_identifier(view.name)} AS "
                f"SELECT * FROM delta_scan({sql_literal(view.uri)})"
            )
    return connection, views


def sql_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def sql_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
