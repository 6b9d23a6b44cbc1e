"""The Spark resource: dagster-pyspark's lazy session, configured for Delta Lake and the warehouse's storage.

One SparkSession per run process, shared by every step of the run (the jobs use the in-process executor): a Spark
JVM costs seconds to start, more than a day's work. The session starts on first use, so runs that need no Spark
start no JVM, and it is stopped at teardown only if this resource started it, so a session owned by the caller
(a notebook, a test) survives the run.
"""

import os
from pathlib import Path
from typing import Any

from dagster import InitResourceContext, ResourceDependency
from dagster_pyspark import LazyPySparkResource
from pydantic import Field, PrivateAttr
from pyspark.sql import SparkSession

from lakehouse.resources.warehouse import Warehouse
from lakehouse.spark_session import build_spark_session, lakehouse_spark_conf
from lakehouse.storage import is_local, local_path

MASTER_ENV = "LAKEHOUSE_SPARK_MASTER"
DEFAULT_MASTER = "local[*]"
DRIVER_HOST_ENV = "LAKEHOUSE_SPARK_DRIVER_HOST"
LOG_DIR_ENV = "LAKEHOUSE_LOG_DIR"


class SparkResource(LazyPySparkResource):
    """PySpark in-process on ``local[*]`` by default, or a standalone cluster (``spark://host:7077``)."""

    warehouse: ResourceDependency[Warehouse]
    spark_config: dict[str, Any] = Field(
        default_factory=dict, description="Extra Spark configuration (wins over ours), e.g. spark.executor.memory"
    )
    master: str | None = Field(
        default=None,
        description=f"Spark master URL: local[*] or spark://host:7077. Default: ${MASTER_ENV}, else {DEFAULT_MASTER}",
    )
    app_name: str = Field(default="lakehouse", description="Spark application name, shown in the Spark UI")
    driver_host: str | None = Field(
        default=None,
        description="Address the driver binds to and advertises to a cluster's executors. "
        f"Default: ${DRIVER_HOST_ENV}, else 127.0.0.1",
    )
    log_dir: str | None = Field(
        default=None,
        description=f"Folder of the Spark driver's log file, spark.log. Default: ${LOG_DIR_ENV}, else logs/ under a "
        "local storage root, else .lakehouse/logs under the working directory (log4j writes local files, not S3)",
    )

    _owns_session: bool = PrivateAttr(default=False)

    def setup_for_execution(self, context: InitResourceContext) -> None:
        self._owns_session = SparkSession.getActiveSession() is None

    def teardown_after_execution(self, context: InitResourceContext) -> None:
        if self._spark_session is not None and self._owns_session:
            self._spark_session.stop()
        self._spark_session = None

    def spark_conf(self) -> dict[str, str]:
        """The session's whole configuration. Resolved at run time (never at import): one definition serves every
        environment."""
        return lakehouse_spark_conf(
            master=self.master or os.environ.get(MASTER_ENV) or DEFAULT_MASTER,
            app_name=self.app_name,
            driver_host=self.driver_host or os.environ.get(DRIVER_HOST_ENV),
            storage_conf=self.warehouse.spark_conf(),
            log_dir=self.spark_log_dir(),
            extra={key: str(value) for key, value in self.spark_config.items()},
        )

    def spark_log_dir(self) -> Path:
        configured = self.log_dir or os.environ.get(LOG_DIR_ENV)
        if configured:
            return Path(configured)
        root = self.warehouse.root_uri
        return Path(local_path(root)) / "logs" if is_local(root) else Path(".lakehouse") / "logs"

    def _init_session(self) -> None:
        if self._spark_session is not None:
            return
        existing = SparkSession.getActiveSession()
        if existing is None:
            self._spark_session = build_spark_session(self.spark_conf())
            return
        # Someone else's session (a notebook, the test suite): its JVM settings are fixed, but the storage settings
        # are per query: Spark and Delta copy the session's settings into the Hadoop configuration of every file
        # system access, under their own names (so fs.s3a.*, not spark.hadoop.fs.s3a.*).
        for key, value in self.warehouse.hadoop_conf().items():
            existing.conf.set(key, value)
        self._spark_session = existing
