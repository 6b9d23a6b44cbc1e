"""``lakehouse sql`` and ``lakehouse duckdb`` on a warehouse in a real S3 bucket: the views read what Spark wrote,
the secret comes from the storage configuration and stays out of the output and out of the database file."""

import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from lakehouse.delta import write_table
from lakehouse.partitions import DayRange
from lakehouse.resources.warehouse import (
    ACCESS_KEY_ID_ENV,
    DEFAULT_ROOT_ENV,
    S3_ENDPOINT_URL_ENV,
    SECRET_ACCESS_KEY_ENV,
)
from lakehouse.sql.views import extension_file
from lakehouse_tests.s3.conftest import ACCESS_KEY_ID, S3Server
from lakehouse_tests.sql.helpers import numbers_printed, run_cli

pytestmark = pytest.mark.slow

DAY = date(2024, 3, 4)

# What a notebook or BI tool does with the file on S3: load both extensions, create its own session secret, query.
OPEN_THE_FILE = """
import sys, duckdb
database, httpfs, delta, endpoint, key_id, secret, with_secret = sys.argv[1:]
con = duckdb.connect(database, read_only=True)
con.execute("SET enable_progress_bar = false")  # a slow query would draw one on stdout, which the test reads
con.execute(f"LOAD '{httpfs}'")
con.execute(f"LOAD '{delta}'")
keys = "KEY_ID ?, SECRET ?, " if with_secret == "yes" else ""  # else anonymous, as if the file gave no keys
con.execute(
    f"CREATE TEMPORARY SECRET lakehouse_s3 (TYPE s3, {keys}ENDPOINT ?, URL_STYLE 'path', USE_SSL false, "
    "REGION 'us-east-1')",
    [key_id, secret, endpoint] if with_secret == "yes" else [endpoint],
)
print(con.execute("SELECT sum(orders) FROM gold_daily_sales").fetchone()[0])
"""


def test_sql_and_the_duckdb_file_read_gold_from_the_bucket_and_keep_the_secret_out(
    spark_on_s3, s3_server: S3Server, s3_root: str, tmp_path: Path
):
    warehouse = s3_server.warehouse(s3_root)
    sales = spark_on_s3.createDataFrame(
        [(DAY, "books", "web", 3), (DAY, "toys", "app", 4)], "dt date, category string, channel string, orders long"
    )
    write_table(
        sales, warehouse.table_uri("gold", "daily_sales"), mode="overwrite", days=DayRange(DAY, DAY + timedelta(1))
    )
    environment = {
        DEFAULT_ROOT_ENV: s3_root,
        S3_ENDPOINT_URL_ENV: s3_server.endpoint_url,
        ACCESS_KEY_ID_ENV: ACCESS_KEY_ID,
        SECRET_ACCESS_KEY_ENV: s3_server.secret_access_key,
    }
    secret = s3_server.secret_access_key

    queried = run_cli(tmp_path, environment, "sql", "SELECT sum(orders) AS n FROM gold_daily_sales")
    out = tmp_path / "lakehouse.duckdb"
    written = run_cli(tmp_path, environment, "duckdb", "--out", str(out))

    assert queried.returncode == 0, queried.stderr
    assert numbers_printed(queried.stdout) == [7]
    assert written.returncode == 0, written.stderr
    assert "with 1 views: gold_daily_sales" in written.stdout
    assert f"note: no view silver_orders: {s3_root}/silver/orders is not a Delta table yet" in written.stderr
    for output in (queried.stdout, queried.stderr, written.stdout, written.stderr):
        assert secret not in output
    assert secret.encode() not in out.read_bytes(), "the database file holds views, not the secret"

    def open_the_file(with_secret: str) -> subprocess.CompletedProcess[str]:
        arguments = [str(out), str(extension_file("httpfs")), str(extension_file("delta"))]
        arguments += [s3_server.endpoint_url.removeprefix("http://"), ACCESS_KEY_ID, secret, with_secret]
        command = [sys.executable, "-c", OPEN_THE_FILE, *arguments]
        return subprocess.run(command, capture_output=True, text=True, timeout=120)

    with_secret, without = open_the_file("yes"), open_the_file("no")
    assert with_secret.returncode == 0, with_secret.stderr
    assert with_secret.stdout.split() == ["7"]
    assert without.returncode != 0, "without keys of its own the reader cannot read the bucket"
    assert "403" in without.stderr or "Access Denied" in without.stderr, without.stderr
