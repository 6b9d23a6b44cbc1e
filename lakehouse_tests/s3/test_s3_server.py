"""The S3 server of the tests is real, private and durable, and the bucket bootstrap is idempotent."""

import boto3
import pytest
from botocore.exceptions import ClientError

from lakehouse.storage import filesystem_for
from lakehouse.storage_admin import ensure_bucket
from lakehouse_tests.s3.conftest import BUCKET, S3Server


def test_ensure_bucket_creates_a_missing_bucket_once(s3_server: S3Server):
    assert ensure_bucket(f"s3://{BUCKET}/any/prefix", s3_server.storage_options) is False  # made by the fixture
    assert ensure_bucket("/a/local/root", s3_server.storage_options) is False


def test_anonymous_and_wrong_key_requests_are_refused(s3_server: S3Server):
    for key, secret in (("lakehouse-tests", "not-the-secret"), ("nobody", "nothing")):
        client = boto3.client(
            "s3",
            endpoint_url=s3_server.endpoint_url,
            aws_access_key_id=key,
            aws_secret_access_key=secret,
            region_name="us-east-1",
        )
        with pytest.raises(ClientError):
            client.put_object(Bucket=BUCKET, Key="intruder.txt", Body=b"x")


def test_pyarrow_writes_and_reads_through_the_warehouse_options(s3_server: S3Server, s3_root: str):
    fs, root = filesystem_for(s3_root, s3_server.warehouse(s3_root).storage_options)
    with fs.open_output_stream(f"{root}/hello.txt") as out:
        out.write(b"hello")
    with fs.open_input_stream(f"{root}/hello.txt") as source:
        assert source.read() == b"hello"
