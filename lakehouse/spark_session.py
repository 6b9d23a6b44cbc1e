"""The Spark configuration of the lakehouse, and the one SparkSession of a process. No Dagster here: the resource,
tests and scripts build their session from the same settings.

Delta Lake (delta-spark) and S3A (hadoop-aws) are JVM jars that ``infra/install.sh`` resolves with Maven into the
venv at install time (``infra/jars/pom.xml``). They go on the driver's and executors' classpath by path rather than
through ``spark.jars``, which would copy 700 MB (the AWS SDK bundle) to every executor of a cluster at every start;
a cluster's workers run the same venv at the same path (the Docker image, the local stack).
"""

import os
import sys
from collections.abc import Mapping
from pathlib import Path

from pyspark.sql import SparkSession

JARS_DIR = Path(sys.prefix) / "share" / "lakehouse" / "jars"
"""Where ``infra/install.sh`` puts the Delta and S3A jars: inside the venv, so they travel with it."""

LOOPBACK = "127.0.0.1"

DEFAULT_CONF: Mapping[str, str] = {
    "spark.sql.extensions": "io.delta.sql.DeltaSparkSessionExtension",
    "spark.sql.catalog.spark_catalog": "org.apache.spark.sql.delta.catalog.DeltaCatalog",
    "spark.sql.session.timeZone": "UTC",
    # A day is ~10k-300k rows: 200 shuffle partitions would be 200 tiny tasks per stage.
    "spark.sql.shuffle.partitions": "8",
    "spark.sql.adaptive.enabled": "true",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    # Delta rebuilds a table's snapshot from its log with a shuffle of this many partitions (default 50): our logs
    # hold hundreds of actions, not millions, and 50 tasks per snapshot would dominate small runs.
    "spark.databricks.delta.snapshotPartitions": "2",
    "spark.driver.memory": "4g",
    "spark.ui.showConsoleProgress": "false",
    # The UI shows plans and configuration; it is for the operator on this machine, not the network.
    "spark.ui.enabled": "false",
    # Values of matching keys and of options are redacted in the UI, the event log and plan strings (a second line:
    # secrets are kept out of plans in the first place, see lakehouse.silver.pii).
    "spark.redaction.regex": r"(?i)secret|password|token|access[.]?key|salt",
    "spark.sql.redaction.options.regex": r"(?i)secret|password|token|access[.]?key|salt|url",
}


def jar_classpath(jars_dir: Path = JARS_DIR) -> str:
    if not any(jars_dir.glob("*.jar")):
        raise FileNotFoundError(
            f"no Delta/S3A jars in {jars_dir}: run infra/install.sh (make install), which fetches them with Maven"
        )
    return f"{jars_dir}/*"


def lakehouse_spark_conf(
    master: str,
    app_name: str = "lakehouse",
    *,
    driver_host: str | None = None,
    storage_conf: Mapping[str, str] | None = None,
    extra: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Every Spark setting of a lakehouse session: our defaults, the jars, the storage (S3A) settings, the
    network binding, then ``extra`` (the user's), which wins.

    The driver binds to 127.0.0.1 unless ``driver_host`` says otherwise: in local mode nothing outside this machine
    needs it, and a cluster's executors need an address they can reach, which only the deployment knows.
    """
    classpath = jar_classpath()
    host = driver_host or LOOPBACK
    return {
        "spark.master": master,
        "spark.app.name": app_name,
        **DEFAULT_CONF,
        "spark.driver.extraClassPath": classpath,
        "spark.executor.extraClassPath": classpath,
        "spark.driver.bindAddress": host,
        "spark.driver.host": host,
        **(storage_conf or {}),
        **(extra or {}),
    }


def build_spark_session(conf: Mapping[str, str]) -> SparkSession:
    """Start (or join) the process's SparkSession with ``conf`` (see ``lakehouse_spark_conf``)."""
    # Executors and Python workers must run this interpreter: it has pyarrow and the lakehouse package.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    # Spark's servers that take no bind address from the configuration (the UI, if enabled) listen on
    # SPARK_LOCAL_IP, else on every interface. The JVM that getOrCreate launches inherits this.
    os.environ.setdefault("SPARK_LOCAL_IP", conf.get("spark.driver.bindAddress", LOOPBACK))
    builder = SparkSession.builder
    for key, value in conf.items():
        builder = builder.config(key, value)
    return builder.getOrCreate()
