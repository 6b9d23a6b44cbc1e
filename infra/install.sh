#!/usr/bin/env bash
# Installs the project's virtualenv from the committed uv.lock, and the JVM jars of infra/jars/pom.xml into it.
# One installer for every shape: the local real stack (infra/stack.sh) and the Docker image (infra/Dockerfile)
# both run it.
#
#   infra/install.sh [--no-dev]        VENV=<dir> (default .venv), PYTHON=<python3.11> (default python3)
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${VENV:-$PWD/.venv}
PYTHON=${PYTHON:-python3}
UV_VERSION=0.13.9
MAVEN_DEPENDENCY_PLUGIN=org.apache.maven.plugins:maven-dependency-plugin:3.8.1

# Delta Lake and S3A jars, resolved by the machine's Maven client into ~/.m2 and hard-linked (copied across
# filesystems) into $VENV/share/lakehouse/jars, where lakehouse/spark_session.py puts them on Spark's classpath.
# The folder is replaced whole, so a jar dropped from the pom leaves the classpath too.
install_spark_jars() {
  local jars=$VENV/share/lakehouse/jars classpath jar
  command -v mvn >/dev/null || { echo "install.sh: Maven (mvn) is needed to fetch the Delta and S3A jars" >&2; exit 1; }
  classpath=$(mktemp)
  mvn -q -B -f infra/jars/pom.xml "$MAVEN_DEPENDENCY_PLUGIN:build-classpath" -Dmdep.outputFile="$classpath"
  rm -rf "$jars.new" && mkdir -p "$jars.new"
  while read -r -d: jar || [[ -n $jar ]]; do
    ln -f "$jar" "$jars.new/" 2>/dev/null || cp "$jar" "$jars.new/"
  done <"$classpath"
  rm -rf "$jars" "$classpath" && mv "$jars.new" "$jars"
}

# Install only when the lock, the project or the jar list changed since the last install (a stamp file).
# --inexact keeps packages installed beside the lock (a developer's tools) instead of removing them.
stale() { [[ ! -f $VENV/.installed || $1 -nt $VENV/.installed ]]; }
test -x "$VENV/bin/uv" || { "$PYTHON" -m venv "$VENV" && "$VENV/bin/pip" install --quiet "uv==$UV_VERSION"; }
if stale uv.lock || stale pyproject.toml || stale infra/install.sh || stale infra/jars/pom.xml; then
  UV_PROJECT_ENVIRONMENT="$VENV" "$VENV/bin/uv" sync --frozen --inexact --quiet "$@"
  install_spark_jars
  touch "$VENV/.installed"
fi
