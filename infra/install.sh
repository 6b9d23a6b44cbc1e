#!/usr/bin/env bash
# Installs the project's virtualenv from the committed uv.lock. One installer for every shape: the local real stack
# (infra/stack.sh) and the Docker image (infra/Dockerfile) both run it.
#
#   infra/install.sh [--no-dev]        VENV=<dir> (default .venv), PYTHON=<python3.11> (default python3)
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${VENV:-$PWD/.venv}
PYTHON=${PYTHON:-python3}
UV_VERSION=0.13.9

# Sync only when the lock or the project changed since the last install (a stamp file). --inexact
# keeps packages installed beside the lock (a developer's tools) instead of removing them.
test -x "$VENV/bin/uv" || { "$PYTHON" -m venv "$VENV" && "$VENV/bin/pip" install --quiet "uv==$UV_VERSION"; }
if [[ ! -f $VENV/.installed || uv.lock -nt $VENV/.installed || pyproject.toml -nt $VENV/.installed || infra/install.sh -nt $VENV/.installed ]]; then
  UV_PROJECT_ENVIRONMENT="$VENV" "$VENV/bin/uv" sync --frozen --inexact --quiet "$@"
  touch "$VENV/.installed"
fi

