"""Shared fixtures. One SparkSession for the whole test process: a JVM costs seconds to start."""

import os
import time
from collections.abc import Iterator

import pytest
from dagster import DagsterInstance
from pyspark.sql import SparkSession

# The suite's days are in 2024, and the partitions' first day is read when lakehouse.partitions is imported: pin it
# before any lakehouse import, whatever the developer's shell exports (subprocess tests inherit os.environ).
os.environ["LAKEHOUSE_FIRST_DAY"] = "2024-01-01"
# A developer's own alert webhook must not get the suite's runs: tests that alert start their own receiver.
os.environ.pop("LAKEHOUSE_ALERT_WEBHOOK_URL", None)

from lakehouse.spark_session import build_spark_session, lakehouse_spark_conf
from lakehouse_tests.harness import LakehouseUnderTest
from lakehouse_tests.webhook_receiver import WebhookReceiver

# PySpark hands timestamps to Python as naive datetimes in the *process's* time zone; the session computes in UTC.
# Running the tests in UTC makes the values the tests compare the values the tables hold.
os.environ["TZ"] = "UTC"
time.tzset()

TEST_SPARK_CONF = {"spark.sql.shuffle.partitions": "2"}


@pytest.fixture(scope="session")
def spark() -> Iterator[SparkSession]:
    session = build_spark_session(lakehouse_spark_conf("local[2]", "lakehouse-tests", extra=TEST_SPARK_CONF))
    yield session
    session.stop()


@pytest.fixture
def lakehouse(tmp_path, spark) -> Iterator[LakehouseUnderTest]:
    """A fresh warehouse and Dagster instance per test; runs share the session's SparkSession."""
    with DagsterInstance.ephemeral() as instance:
        yield LakehouseUnderTest(root=tmp_path / "warehouse", instance=instance)


@pytest.fixture
def alert_receiver() -> Iterator[WebhookReceiver]:
    """A real HTTP server on loopback recording what is posted to it: the alert webhook of a test."""
    with WebhookReceiver() as receiver:
        yield receiver
