"""Builds the one SparkSession a process uses. No Dagster here: tests and scripts share it with the resource."""

import os
import sys
from collections.abc import Mapping

from pyspark.sql import SparkSession

DEFAULT_CONF: Mapping[str, str] = {
    # Our data sources are pushed dt filters; Spark ignores pushFilters unless this is on.
    "spark.sql.python.filterPushdown.enabled": "true",
    "spark.sql.session.timeZone": "UTC",
    # A day is ~10k rows: 200 shuffle partitions would be 200 tiny tasks per stage.
    "spark.sql.shuffle.partitions": "8",
    "spark.sql.adaptive.enabled": "true",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.driver.memory": "4g",
    "spark.ui.showConsoleProgress": "false",
}


def build_spark_session(
    master: str = "local[*]",
    app_name: str = "lakehouse",
    conf: Mapping[str, str] | None = None,
    driver_bind_address: str | None = None,
) -> SparkSession:
    """Start (or join) the process's SparkSession with our defaults and register the lakehouse data sources."""
    # Executors and Python workers must run this interpreter: it has pyarrow and the lakehouse package.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    builder = SparkSession.builder.master(master).appName(app_name)
    settings = {**DEFAULT_CONF, **(conf or {})}
    if driver_bind_address:
        settings.setdefault("spark.driver.bindAddress", driver_bind_address)
        settings.setdefault("spark.driver.host", driver_bind_address)
    for key, value in settings.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    register_data_sources(spark)
    return spark


_REGISTERED_FLAG = "lakehouse.dataSources.registered"


def register_data_sources(spark: SparkSession) -> None:
    """Register our data sources once per session (re-registering makes Spark warn on every resource setup)."""
    if spark.conf.get(_REGISTERED_FLAG, "false") == "true":
        return
    # Imported here so that importing this module does not pull in deltalake for callers that only build a session.
    from lakehouse.delta.datasource import DeltaDataSource
    from lakehouse.landing.reader import LandingLinesDataSource

    spark.dataSource.register(DeltaDataSource)
    spark.dataSource.register(LandingLinesDataSource)
    spark.conf.set(_REGISTERED_FLAG, "true")
