"""Bucket bootstrap for an S3-compatible storage root, with the ``minio`` client.

The lakehouse itself never creates buckets (``filesystem_for`` refuses to): a deployment runs ``ensure_bucket`` once,
before the first run, with the same storage options as the warehouse.
"""

from collections.abc import Mapping
from urllib.parse import urlparse

from minio import Minio
from minio.error import S3Error

from lakehouse.storage import is_local


def ensure_bucket(root_uri: str, storage_options: Mapping[str, str]) -> bool:
    """Create the bucket of ``root_uri`` (``s3://bucket/prefix``) if it does not exist; return whether it did.

    ``storage_options`` are delta-rs style (``AWS_ENDPOINT_URL``, ``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``,
    ``AWS_REGION``), as ``Warehouse.storage_options`` gives them. A local root needs no bucket.
    """
    if is_local(root_uri):
        return False
    bucket = urlparse(root_uri).netloc
    options = {key.upper(): value for key, value in storage_options.items()}
    endpoint = urlparse(options.get("AWS_ENDPOINT_URL") or "https://s3.amazonaws.com")
    client = Minio(
        endpoint.netloc,
        access_key=options.get("AWS_ACCESS_KEY_ID"),
        secret_key=options.get("AWS_SECRET_ACCESS_KEY"),
        region=options.get("AWS_REGION"),
        secure=endpoint.scheme != "http",
    )
    if client.bucket_exists(bucket):
        return False
    try:
        client.make_bucket(bucket)
    except S3Error as exc:  # created by someone else since we looked
        if exc.code in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
            return False
        raise
    return True
