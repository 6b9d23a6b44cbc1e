"""A lakehouse Spark application with its UI and event log on, for lakehouse_tests/test_spark_exposure.py.

Run as ``python -m lakehouse_tests.exposure_app OUT_DIR`` with the salt in ``LAKEHOUSE_PII_SALT``, as the
pipeline gets it: cleans a few customers on a ``local[2]`` session built by ``lakehouse_spark_conf``, then saves,
for the test to search, what the live UI serves about the run (REST API and SQL pages) and the e-mail hashes it
computed; stopping the session completes the event log in ``OUT_DIR/events``. A process has one SparkSession, and
the test process has its own, hence a subprocess.
"""

import json
import os
import sys
import time
import urllib.request
from pathlib import Path

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from lakehouse.spark_session import build_spark_session, lakehouse_spark_conf

EMAIL = "alice@example.com"

CONTROL_LITERAL = "control-literal-7d1f"
"""Not a secret, used in the same query as the salt: where it shows, a salt in the plan would show too."""

EVENTS_DIR = "events"
LOGS_DIR = "logs"
"""The driver's log file, as a run's SparkResource writes it (``lakehouse_spark_conf(log_dir=...)``)."""
UI_DIR = "ui"
HASHES_FILE = "email_hashes.json"
UI_URL_FILE = "ui_url.txt"
SQL_API_FILE = "sql.json"
SQL_PAGE_PREFIX = "sql-execution-"

_UI_TIMEOUT_S = 60


def exposure_conf(events_dir: Path) -> dict[str, str]:
    return lakehouse_spark_conf(
        "local[2]",
        "lakehouse-exposure",
        log_dir=events_dir.parent / LOGS_DIR,
        extra={
            "spark.ui.enabled": "true",
            "spark.ui.port": "0",  # any free port: the UI's address is read back from the context
            "spark.eventLog.enabled": "true",
            "spark.eventLog.dir": events_dir.as_uri(),
            # Spark 4 compresses event logs by default; the test searches them as text.
            "spark.eventLog.compress": "false",
        },
    )


def clean_some_customers(spark: SparkSession, input_dir: Path, salt: str) -> list[str | None]:
    """The e-mail hashes of silver customers cleaned from bronze rows read back from Parquet: a file scan, as in the
    pipeline."""
    # Imported once the session runs: they import pandera (see main).
    from lakehouse.bronze.schemas import BronzeCustomers
    from lakehouse.silver.transforms import clean_customers
    from lakehouse_tests.silver.builders import C1, C2, bronze_customer, frame

    rows = [bronze_customer(C1, email=EMAIL), bronze_customer(C2, email=None)]
    frame(spark, BronzeCustomers, rows).write.parquet(str(input_dir))
    customers = clean_customers(spark.read.parquet(str(input_dir)), salt).table
    kept = customers.where(F.col("country") != CONTROL_LITERAL).orderBy("customer_id")
    return [row["email_hash"] for row in kept.collect()]


def save_ui(spark: SparkSession, out_dir: Path) -> None:
    """The REST API's views of the application, and the UI's page of each SQL execution, once all are done."""
    base = spark.sparkContext.uiWebUrl
    (out_dir / UI_URL_FILE).write_text(base)
    api = f"{base}/api/v1/applications/{spark.sparkContext.applicationId}"
    executions = _finished_sql_executions(api)
    pages = {
        SQL_API_FILE: f"{api}/sql?details=true&planDescription=true",
        "jobs.json": f"{api}/jobs",
        "stages.json": f"{api}/stages?details=true",
        "environment.json": f"{api}/environment",
        "executors.json": f"{api}/executors",
        **{f"{SQL_PAGE_PREFIX}{e['id']}.html": f"{base}/SQL/execution/?id={e['id']}" for e in executions},
    }
    (out_dir / UI_DIR).mkdir()
    for name, url in pages.items():
        (out_dir / UI_DIR / name).write_text(_get(url))


def _finished_sql_executions(api: str) -> list[dict]:
    # The UI learns of executions from the listener bus, asynchronously: wait until it has them all, finished.
    deadline = time.monotonic() + _UI_TIMEOUT_S
    while time.monotonic() < deadline:
        executions = json.loads(_get(f"{api}/sql"))
        if executions and all(e["status"] != "RUNNING" for e in executions):
            return executions
        time.sleep(0.2)
    raise TimeoutError(f"the UI did not show finished SQL executions within {_UI_TIMEOUT_S} s")


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read().decode()


def main(out_dir: Path) -> None:
    # Importing pandera sets SPARK_LOCAL_IP to 127.0.0.1 if unset (pandera.external_config), which would hide a
    # session that does not bind to loopback by itself. The caller unsets it; nothing imported so far may set it.
    if "SPARK_LOCAL_IP" in os.environ:
        raise RuntimeError("SPARK_LOCAL_IP is set before the session starts: the test would not test our binding")
    (out_dir / EVENTS_DIR).mkdir(parents=True)
    spark = build_spark_session(exposure_conf(out_dir / EVENTS_DIR))
    try:
        hashes = clean_some_customers(spark, out_dir / "bronze_customers", os.environ["LAKEHOUSE_PII_SALT"])
        (out_dir / HASHES_FILE).write_text(json.dumps(hashes))
        save_ui(spark, out_dir)
    finally:
        spark.stop()


if __name__ == "__main__":
    main(Path(sys.argv[1]))
