"""Where the landing zone and the Delta tables live: one storage root, local or S3-compatible.

The whole storage configuration is here. Every field is optional and falls back, at run time (never at import), to
its environment variable, so the same definitions run on a laptop with nothing set and on S3 with the environment
only. Spark's S3A settings, the delta-rs storage options, the pyarrow filesystem and the ``S3Resource`` all derive
from these fields. Secrets never leave this object except as settings handed to the storage clients.
"""

import os
from pathlib import Path
from urllib.parse import urlparse

import pyarrow.fs as pafs
from dagster import ConfigurableResource
from dagster_aws.s3 import S3Resource
from pydantic import Field

from lakehouse.storage import filesystem_for, is_local, join_uri

DEFAULT_ROOT_ENV = "LAKEHOUSE_ROOT"
S3_ENDPOINT_URL_ENV = "LAKEHOUSE_S3_ENDPOINT_URL"
ACCESS_KEY_ID_ENV = "AWS_ACCESS_KEY_ID"
SECRET_ACCESS_KEY_ENV = "AWS_SECRET_ACCESS_KEY"
REGION_ENV = "AWS_REGION"
DEFAULT_REGION = "us-east-1"


class Warehouse(ConfigurableResource):
    """The storage root that holds ``raw/`` (the landing zone) and one folder per Delta table ``<layer>/<table>``.

    Assets never build paths: they ask the warehouse for a table's URI.
    """

    root: str | None = Field(
        default=None,
        description=f"Storage root URI (file path, file:// or s3://bucket/prefix). Default: ${DEFAULT_ROOT_ENV}, "
        "else .lakehouse under the working directory.",
    )
    s3_endpoint_url: str | None = Field(
        default=None,
        description=f"S3-compatible endpoint, e.g. http://minio:9000 (http:// allows plain HTTP). "
        f"Default: ${S3_ENDPOINT_URL_ENV}, else AWS.",
    )
    aws_access_key_id: str | None = Field(default=None, description=f"Default: ${ACCESS_KEY_ID_ENV}.")
    aws_secret_access_key: str | None = Field(
        default=None, description=f"Default: ${SECRET_ACCESS_KEY_ENV}. Give it as EnvVar, never as a literal."
    )
    aws_region: str | None = Field(default=None, description=f"Default: ${REGION_ENV}, else {DEFAULT_REGION}.")

    @property
    def root_uri(self) -> str:
        # Resolved at run time, not at import: the same definitions serve every environment.
        root = self.root or os.environ.get(DEFAULT_ROOT_ENV) or ".lakehouse"
        return str(Path(root).resolve()) if is_local(root) and "://" not in root else root

    @property
    def endpoint_url(self) -> str | None:
        return self.s3_endpoint_url or os.environ.get(S3_ENDPOINT_URL_ENV) or None

    @property
    def region(self) -> str:
        return self.aws_region or os.environ.get(REGION_ENV) or DEFAULT_REGION

    @property
    def storage_options(self) -> dict[str, str]:
        """delta-rs style storage options (pyarrow gets them through ``filesystem_for``); empty for local disk."""
        if is_local(self.root_uri):
            return {}
        options = {
            "AWS_ENDPOINT_URL": self.endpoint_url,
            "AWS_ACCESS_KEY_ID": self.aws_access_key_id or os.environ.get(ACCESS_KEY_ID_ENV),
            "AWS_SECRET_ACCESS_KEY": self.aws_secret_access_key or os.environ.get(SECRET_ACCESS_KEY_ENV),
            "AWS_REGION": self.region,
        }
        if self.endpoint_url and urlparse(self.endpoint_url).scheme == "http":
            options["AWS_ALLOW_HTTP"] = "true"
        return {key: value for key, value in options.items() if value}

    def spark_conf(self) -> dict[str, str]:
        """``hadoop_conf`` as Spark settings (``spark.hadoop.*``), for a session being built."""
        return {f"spark.hadoop.{key}": value for key, value in self.hadoop_conf().items()}

    def hadoop_conf(self) -> dict[str, str]:
        """Hadoop's S3A settings for the same endpoint and keys; empty for local disk. Set on a running session
        (``spark.conf.set``) under these names, they reach every query's Hadoop configuration.

        ``s3://`` is mapped to S3A, so Spark, delta-rs and DuckDB all address a table by the same URI. A custom
        endpoint (MinIO, SeaweedFS) gets path-style access: those servers do not serve bucket subdomains.
        """
        options = self.storage_options
        if not options:
            return {}
        hadoop = {
            "fs.s3.impl": "org.apache.hadoop.fs.s3a.S3AFileSystem",
            "fs.AbstractFileSystem.s3.impl": "org.apache.hadoop.fs.s3a.S3A",
            "fs.s3a.endpoint.region": self.region,
        }
        if self.endpoint_url:
            hadoop["fs.s3a.endpoint"] = self.endpoint_url
            hadoop["fs.s3a.path.style.access"] = "true"
            hadoop["fs.s3a.connection.ssl.enabled"] = str(urlparse(self.endpoint_url).scheme == "https").lower()
        if "AWS_ACCESS_KEY_ID" in options:
            hadoop["fs.s3a.access.key"] = options["AWS_ACCESS_KEY_ID"]
            hadoop["fs.s3a.secret.key"] = options.get("AWS_SECRET_ACCESS_KEY", "")
            hadoop["fs.s3a.aws.credentials.provider"] = "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider"
        return hadoop

    def filesystem(self) -> tuple[pafs.FileSystem, str]:
        """The pyarrow filesystem holding the root, and the root's path inside it."""
        return filesystem_for(self.root_uri, self.storage_options)

    def s3_resource(self) -> S3Resource:
        """An ``S3Resource`` (boto3) on the same endpoint and credentials, for listing the landing zone."""
        options = self.storage_options
        return S3Resource(
            endpoint_url=options.get("AWS_ENDPOINT_URL"),
            aws_access_key_id=options.get("AWS_ACCESS_KEY_ID"),
            aws_secret_access_key=options.get("AWS_SECRET_ACCESS_KEY"),
            region_name=options.get("AWS_REGION", DEFAULT_REGION),
        )

    def table_uri(self, layer: str, table: str) -> str:
        return join_uri(self.root_uri, layer, table)
