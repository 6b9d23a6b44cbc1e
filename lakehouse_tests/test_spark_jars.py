"""The JVM jars infra/install.sh adds to pyspark's: pinned, installed, and never a second version of a library."""

import re
import xml.etree.ElementTree as ET
from importlib.metadata import version
from pathlib import Path

import pyspark
from pyspark.find_spark_home import _find_spark_home

from lakehouse.spark_session import JARS_DIR

POM = Path(__file__).resolve().parents[1] / "infra" / "jars" / "pom.xml"
_NS = {"m": "http://maven.apache.org/POM/4.0.0"}
# Artifact, then version (and classifier), as Maven names a jar: bundle-2.35.4.jar, delta-spark_4.2_2.13-4.4.0.jar.
_JAR = re.compile(r"(?P<artifact>.+?)-(?P<version>\d.*)\.jar")


def _artifact(jar: Path) -> str:
    match = _JAR.fullmatch(jar.name)
    assert match, jar.name
    return match["artifact"]


def _pom_artifacts() -> dict[str, str]:
    root = ET.parse(POM).getroot()
    properties = {p.tag.split("}")[1]: p.text for p in root.find("m:properties", _NS)}
    pinned = {}
    for dependency in root.iterfind("m:dependencies/m:dependency", _NS):
        version = dependency.findtext("m:version", namespaces=_NS)
        version = re.sub(r"\$\{(.+?)\}", lambda m: properties[m[1]], version)
        pinned[dependency.findtext("m:artifactId", namespaces=_NS)] = version
    return pinned


def test_the_installed_jars_are_exactly_the_pinned_list() -> None:
    installed = {_artifact(jar): _JAR.fullmatch(jar.name)["version"] for jar in JARS_DIR.glob("*.jar")}

    assert installed == _pom_artifacts()


def test_no_pinned_jar_is_a_second_version_of_one_pyspark_ships() -> None:
    pyspark_jars = {_artifact(jar) for jar in (Path(_find_spark_home()) / "jars").glob("*.jar")}

    assert set(_pom_artifacts()) & pyspark_jars == set()


def test_the_jars_match_the_python_packages() -> None:
    """delta-spark's Python API calls its JVM classes by name: both sides must be one release, for this Spark."""
    pinned = _pom_artifacts()
    spark_minor = ".".join(pyspark.__version__.split(".")[:2])
    hadoop = next((Path(_find_spark_home()) / "jars").glob("hadoop-client-api-*.jar"))

    assert pinned[f"delta-spark_{spark_minor}_2.13"] == version("delta-spark")
    assert pinned["hadoop-aws"] == _JAR.fullmatch(hadoop.name)["version"]
