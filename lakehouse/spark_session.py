"""The Spark configuration of the lakehouse, and the one SparkSession of a process. No Dagster here: the resource,
tests and scripts build their session from the same settings.

Delta Lake (delta-spark) and S3A (hadoop-aws) are JVM jars that ``infra/install.sh`` resolves with Maven into the
venv at install time (``infra/jars/pom.xml``). They go on the driver's and executors' classpath by path rather than
through ``spark.jars``, which would copy 700 MB (the AWS SDK bundle) to every executor of a cluster at every start;
a cluster's workers run the same venv at the same path (the Docker image, the local stack).

With a log folder, the driver logs to ``<folder>/spark.log`` instead of the console: log4j through the project's
``lakehouse/log4j2.properties``, and whatever the JVM prints outside log4j (the JDK's notice about incubator
modules, Python workers' stderr, a crash) appended to the same file. The console then belongs to the command.
"""

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from pyspark import SparkConf, SparkContext
from pyspark.errors import PySparkRuntimeError
from pyspark.java_gateway import launch_gateway
from pyspark.sql import SparkSession

JARS_DIR = Path(sys.prefix) / "share" / "lakehouse" / "jars"
"""Where ``infra/install.sh`` puts the Delta and S3A jars: inside the venv, so they travel with it."""

LOOPBACK = "127.0.0.1"

LOG4J2_CONFIG = Path(__file__).with_name("log4j2.properties")
"""Spark's log4j2 configuration for a lakehouse driver: everything to the file in ``-Dlakehouse.spark.log.file``."""

SPARK_LOG_FILE = "spark.log"

LOG_FILE_CONF = "spark.lakehouse.logFile"
"""Our own setting (Spark keeps any ``spark.*`` key and shows it in the UI's environment page): the driver's log
file, which ``build_spark_session`` also hands the JVM's stdout and stderr."""

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
    # VACUUM lists a table's files with this many tasks; Spark's default (10000) made VACUUM of a 20-file table take
    # ~50 s on 2 cores. A few tasks per core of a small cluster list a day-partitioned table's folders fast enough.
    "spark.sql.sources.parallelPartitionDiscovery.parallelism": "16",
    # Delta skips the commit of a write that adds and removes nothing (an empty day rewritten empty). Every write
    # here commits, so a run's write is in the table's history with its run id and zero rows, and is found there.
    "spark.databricks.delta.skipRecordingEmptyCommits": "false",
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


def spark_log_conf(log_dir: Path) -> dict[str, str]:
    """The settings that send the driver's logs to ``log_dir/spark.log`` (see the module's docstring).

    JVM options must be set before the JVM starts: PySpark hands them to spark-submit, which starts the driver JVM
    with them in local and in client mode alike (``spark://`` masters; executors log as their worker says). They
    go in ``spark.driver.defaultJavaOptions``, which Spark puts before ``spark.driver.extraJavaOptions``: a user's
    own extra options stay theirs, and a ``-Dlog4j2.configurationFile`` among them wins.
    """
    log_file = log_dir.resolve() / SPARK_LOG_FILE
    # Spark's launcher splits these options on spaces and honours double quotes: a path may contain spaces.
    java_options = f'-Dlog4j2.configurationFile="{LOG4J2_CONFIG}" -Dlakehouse.spark.log.file="{log_file}"'
    return {"spark.driver.defaultJavaOptions": java_options, LOG_FILE_CONF: str(log_file)}


def lakehouse_spark_conf(
    master: str,
    app_name: str = "lakehouse",
    *,
    driver_host: str | None = None,
    storage_conf: Mapping[str, str] | None = None,
    log_dir: Path | None = None,
    extra: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Every Spark setting of a lakehouse session: our defaults, the jars, the storage (S3A) settings, the
    network binding, the log file, then ``extra`` (the user's), which wins.

    The driver binds to 127.0.0.1 unless ``driver_host`` says otherwise: in local mode nothing outside this machine
    needs it, and a cluster's executors need an address they can reach, which only the deployment knows. Without
    ``log_dir`` Spark logs to the console, as Spark does by default (the test suite's session, scripts).
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
        **(spark_log_conf(log_dir) if log_dir else {}),
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
    log_file = conf.get(LOG_FILE_CONF)
    # PySpark keeps one JVM per process, and its gateway outlives a stopped session: only the first start of a
    # process can choose where the JVM's own output goes. Later sessions reuse that JVM, logging as it was started.
    if log_file and SparkContext._gateway is None:
        _start_context_with_output_to(Path(log_file), conf)
    builder = SparkSession.builder
    for key, value in conf.items():
        builder = builder.config(key, value)
    # The builder's session takes the context started above, if any, and applies the same settings to it.
    return builder.getOrCreate()


def _start_context_with_output_to(log_file: Path, conf: Mapping[str, str]) -> None:
    """Start the driver JVM with its stdout and stderr appended to ``log_file``, then the SparkContext on it.

    This is what ``SparkSession.builder.getOrCreate`` does (a SparkContext of the settings, on a JVM launched by
    spark-submit with them), plus the one thing it cannot be told: ``launch_gateway``'s ``popen_kwargs``.
    """
    log_file.parent.mkdir(parents=True, exist_ok=True)
    spark_conf = SparkConf().setAll(list(conf.items()))
    with log_file.open("ab") as output:  # the JVM keeps its own copy of the descriptor
        try:
            gateway = launch_gateway(spark_conf, popen_kwargs={"stdout": output, "stderr": subprocess.STDOUT})
        except PySparkRuntimeError as error:
            # spark-submit's complaint (no java, a bad option) went to the file: bring it to the console.
            tail = _tail(log_file)
            raise RuntimeError(f"the Spark driver JVM did not start; the end of {log_file}:\n{tail}") from error
    SparkContext(conf=spark_conf, gateway=gateway)


def _tail(path: Path, lines: int = 20) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
