"""One place that turns a storage URI plus delta-rs style storage options into a pyarrow filesystem.

The Python-side writers and listers (the demo generator, the landing sensor's local listing, the summary) go through
it; Spark reaches the same storage itself, through S3A, with settings from the same ``Warehouse``.
"""

from collections.abc import Mapping
from urllib.parse import urlparse

import pyarrow.fs as pafs


def is_local(uri: str) -> bool:
    return urlparse(uri).scheme in ("", "file")


def local_path(uri: str) -> str:
    """The filesystem path of a ``file://`` URI or a plain path."""
    parsed = urlparse(uri)
    return parsed.path if parsed.scheme == "file" else uri


def join_uri(root: str, *parts: str) -> str:
    return "/".join([root.rstrip("/"), *(p.strip("/") for p in parts)])


def filesystem_for(uri: str, storage_options: Mapping[str, str] | None = None) -> tuple[pafs.FileSystem, str]:
    """Return the filesystem holding ``uri`` and the path of ``uri`` inside it."""
    if is_local(uri):
        return pafs.LocalFileSystem(), local_path(uri)
    parsed = urlparse(uri)
    if parsed.scheme not in ("s3", "s3a"):
        raise ValueError(f"unsupported storage scheme {parsed.scheme!r} in {uri!r}: use a local path, file:// or s3://")
    options = {k.upper(): v for k, v in (storage_options or {}).items()}
    endpoint = options.get("AWS_ENDPOINT_URL", "")
    endpoint_url = urlparse(endpoint) if endpoint else None
    fs = pafs.S3FileSystem(
        access_key=options.get("AWS_ACCESS_KEY_ID"),
        secret_key=options.get("AWS_SECRET_ACCESS_KEY"),
        region=options.get("AWS_REGION", "us-east-1"),
        endpoint_override=endpoint_url.netloc if endpoint_url else None,
        scheme=endpoint_url.scheme if endpoint_url else "https",
        allow_bucket_creation=False,
    )
    return fs, f"{parsed.netloc}{parsed.path}"
