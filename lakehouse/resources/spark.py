"""The Spark resource: one SparkSession per run process, shared by every step of the run."""

import os

from dagster import ConfigurableResource, InitResourceContext
from pydantic import Field, PrivateAttr
from pyspark.sql import SparkSession

from lakehouse.spark_session import build_spark_session

MASTER_ENV = "LAKEHOUSE_SPARK_MASTER"
DEFAULT_MASTER = "local[*]"
DRIVER_HOST_ENV = "LAKEHOUSE_SPARK_DRIVER_HOST"


class SparkResource(ConfigurableResource):
    """PySpark in-process on ``local[*]`` by default, or a standalone cluster (``spark://host:7077``).

    A Spark JVM costs seconds to start, so the jobs run on the in-process executor and every step of a run
    shares this session. It is stopped at teardown only if this resource started it, so a session owned by
    the caller (a notebook, a test) survives the run.
    """

    master: str | None = Field(
        default=None,
        description=f"Spark master URL: local[*] or spark://host:7077. Default: ${MASTER_ENV}, else {DEFAULT_MASTER}",
    )
    app_name: str = Field(default="lakehouse", description="Spark application name, shown in the Spark UI")
    conf: dict[str, str] = Field(default_factory=dict, description="Extra Spark configuration, e.g. executor memory")
    driver_bind_address: str | None = Field(
        default=None,
        description="Address the driver binds to and advertises to a cluster's executors. "
        f"Default: ${DRIVER_HOST_ENV}, else Spark's own choice (the host's address)",
    )

    _session: SparkSession | None = PrivateAttr(default=None)
    _owns_session: bool = PrivateAttr(default=False)

    def setup_for_execution(self, context: InitResourceContext) -> None:
        self._owns_session = SparkSession.getActiveSession() is None

    def teardown_after_execution(self, context: InitResourceContext) -> None:
        if self._session is not None and self._owns_session:
            self._session.stop()
        self._session = None

    @property
    def session(self) -> SparkSession:
        """The run's SparkSession, started on first use so runs that need no Spark start no JVM."""
        if self._session is None:
            self._session = build_spark_session(
                master=self.master or os.environ.get(MASTER_ENV) or DEFAULT_MASTER,
                app_name=self.app_name,
                conf=self.conf,
                driver_bind_address=self.driver_bind_address or os.environ.get(DRIVER_HOST_ENV),
            )
        return self._session
