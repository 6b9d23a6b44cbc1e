#!/usr/bin/env bash
# The local real stack, without Docker: SeaweedFS S3, a standalone Spark master + worker, Postgres, and the Dagster
# daemon and webserver on Postgres storage. Every process listens on 127.0.0.1 only; pid files, logs and data live
# under .lakehouse/stack/. Runs launched from the UI or the schedule write to S3 and compute on the cluster.
#
#   infra/stack.sh up | status | health | down | env   (make stack-up / stack-status / stack-down)
#
# `health` runs `lakehouse health` against the stack (its services, then its data): exit 1 when something is wrong.
#
# Ports can be moved with LAKEHOUSE_STACK_{S3,SPARK,SPARK_UI,SPARK_WORKER_UI,POSTGRES,DAGSTER}_PORT, the state
# directory with LAKEHOUSE_STACK_DIR (the tests run a whole stack in a throwaway one).
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
VENV=${VENV:-$REPO/.venv}
BIN=$VENV/bin
STACK=${LAKEHOUSE_STACK_DIR:-$REPO/.lakehouse/stack}
HOST=127.0.0.1

S3_PORT=${LAKEHOUSE_STACK_S3_PORT:-8333}
SPARK_PORT=${LAKEHOUSE_STACK_SPARK_PORT:-7077}
SPARK_UI_PORT=${LAKEHOUSE_STACK_SPARK_UI_PORT:-8090}
SPARK_WORKER_UI_PORT=${LAKEHOUSE_STACK_SPARK_WORKER_UI_PORT:-8091}
POSTGRES_PORT=${LAKEHOUSE_STACK_POSTGRES_PORT:-5433}
DAGSTER_PORT=${LAKEHOUSE_STACK_DAGSTER_PORT:-3000}
SPARK_WORKER_CORES=${LAKEHOUSE_STACK_SPARK_WORKER_CORES:-2}
SPARK_WORKER_MEMORY=${LAKEHOUSE_STACK_SPARK_WORKER_MEMORY:-4g}

SERVICES=(s3 postgres spark-master spark-worker dagster-daemon dagster-webserver)

log() { printf 'stack: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

pid_of() { cat "$STACK/pids/$1.pid" 2>/dev/null || true; }
is_running() { local pid; pid=$(pid_of "$1"); [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; }
port_is_free() { ! (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }
http_ok() { "$BIN/python" - "$1" <<'PY' 2>/dev/null
import sys, urllib.request
urllib.request.urlopen(sys.argv[1], timeout=2).close()
PY
}

url_of() {
  case $1 in
    s3) echo "http://$HOST:$S3_PORT" ;;
    postgres) echo "postgresql://dagster@$HOST:$POSTGRES_PORT/dagster" ;;
    spark-master) echo "spark://$HOST:$SPARK_PORT (UI http://$HOST:$SPARK_UI_PORT)" ;;
    spark-worker) echo "http://$HOST:$SPARK_WORKER_UI_PORT" ;;
    dagster-daemon) echo "(no port; see dagster-webserver's Deployment > Daemons)" ;;
    dagster-webserver) echo "http://$HOST:$DAGSTER_PORT" ;;
  esac
}

# start NAME PORT COMMAND...: in the background, in its own session, with its pid file and log.
start() {
  local name=$1 port=$2
  shift 2
  if is_running "$name"; then
    log "$name already running (pid $(pid_of "$name"))"
    return
  fi
  [[ $port == - ]] || port_is_free "$port" || die "$name: port $HOST:$port is busy (set LAKEHOUSE_STACK_*_PORT)"
  setsid "$@" >"$STACK/logs/$name.log" 2>&1 </dev/null &
  echo $! >"$STACK/pids/$name.pid"
  log "$name started (pid $!), log $STACK/logs/$name.log"
}

# wait_until NAME SECONDS COMMAND...: poll until COMMAND succeeds; fail with the service's log if it dies or times out.
wait_until() {
  local name=$1 deadline=$((SECONDS + $2))
  shift 2
  until "$@"; do
    if ! is_running "$name" || ((SECONDS > deadline)); then
      tail -n 30 "$STACK/logs/$name.log" >&2 || true
      die "$name did not come up"
    fi
    sleep 0.5
  done
}

stop() {
  local name=$1 pid
  pid=$(pid_of "$name")
  if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    if kill -0 "$pid" 2>/dev/null; then
      log "$name (pid $pid) ignored SIGTERM for 10 s: SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
    fi
    log "$name stopped"
  fi
  rm -f "$STACK/pids/$name.pid"
}

# Secrets made once per checkout (mode 600): S3 keys and the Postgres password. The PII salt is the Makefile's.
secrets() {
  if [[ ! -f $STACK/secrets.env ]]; then
    (umask 077 && "$BIN/python" - >"$STACK/secrets.env" <<'PY'
import secrets
print(f"AWS_ACCESS_KEY_ID=lakehouse-{secrets.token_hex(4)}")
print(f"AWS_SECRET_ACCESS_KEY={secrets.token_hex(20)}")
print(f"DAGSTER_POSTGRES_PASSWORD={secrets.token_hex(16)}")
PY
    )
  fi
  # shellcheck disable=SC1091
  source "$STACK/secrets.env"
}

# The environment of the Dagster processes and of every run they launch; `infra/stack.sh env` prints it for a shell.
write_env() {
  local salt=${LAKEHOUSE_PII_SALT:-$(cat "$REPO/.lakehouse/pii_salt" 2>/dev/null || true)}
  [[ -n $salt ]] || die "no PII salt: set LAKEHOUSE_PII_SALT or run make install (creates .lakehouse/pii_salt)"
  (umask 077 && cat >"$STACK/stack.env" <<EOF
export DAGSTER_HOME=$STACK/dagster_home
export DAGSTER_POSTGRES_HOST=$HOST
export DAGSTER_POSTGRES_PORT=$POSTGRES_PORT
export DAGSTER_POSTGRES_USER=dagster
export DAGSTER_POSTGRES_PASSWORD=$DAGSTER_POSTGRES_PASSWORD
export DAGSTER_POSTGRES_DB=dagster
export LAKEHOUSE_ROOT=s3://lakehouse/warehouse
export LAKEHOUSE_S3_ENDPOINT_URL=http://$HOST:$S3_PORT
export AWS_ACCESS_KEY_ID=$AWS_ACCESS_KEY_ID
export AWS_SECRET_ACCESS_KEY=$AWS_SECRET_ACCESS_KEY
export AWS_REGION=us-east-1
export LAKEHOUSE_SPARK_MASTER=spark://$HOST:$SPARK_PORT
export LAKEHOUSE_SPARK_DRIVER_HOST=$HOST
export LAKEHOUSE_SPARK_MASTER_UI_URL=http://$HOST:$SPARK_UI_PORT
export LAKEHOUSE_UI_URL=http://$HOST:$DAGSTER_PORT
export LAKEHOUSE_PII_SALT=$salt
export PYSPARK_PYTHON=$BIN/python
export SPARK_LOCAL_IP=$HOST
EOF
  )
}

start_s3() {
  mkdir -p "$STACK/s3/data"
  (umask 077 && "$BIN/python" - "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY" >"$STACK/s3/s3.json" <<'PY'
import json, sys
identity = {"name": "lakehouse", "credentials": [{"accessKey": sys.argv[1], "secretKey": sys.argv[2]}],
            "actions": ["Admin", "Read", "List", "Tagging", "Write"]}
print(json.dumps({"identities": [identity]}))
PY
  )
  start s3 "$S3_PORT" "$BIN/weed" mini -dir="$STACK/s3/data" -ip=$HOST -ip.bind=$HOST -s3.port="$S3_PORT" \
    -s3.config="$STACK/s3/s3.json" -bucket=lakehouse -master.telemetry=false -webdav=false -admin.ui=false \
    -s3.port.iceberg=0 -s3.port.lance=0 -volume.max=1000 -master.volumeSizeLimitMB=64
  wait_until s3 60 http_ok "http://$HOST:$S3_PORT/healthz"
}

# Debian's Postgres, initdb'd once into .lakehouse/stack/pg. It refuses to run as root: as root the cluster
# belongs to the `postgres` system user, and setpriv execs the server itself so the pid file holds its real pid.
start_postgres() {
  local pg_bin as_user=()
  pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [[ -n $pg_bin ]] || die "postgres: Debian's postgresql is not installed (apt-get install postgresql)"
  mkdir -p "$STACK/pg"
  if ((EUID == 0)); then
    chown postgres:postgres "$STACK/pg"
    as_user=(setpriv --reuid=postgres --regid=postgres --clear-groups)
  fi
  if [[ ! -f $STACK/pg/data/PG_VERSION ]]; then
    local pwfile=$STACK/pg/pwfile
    (umask 077 && echo "$DAGSTER_POSTGRES_PASSWORD" >"$pwfile")
    ((EUID == 0)) && chown postgres:postgres "$pwfile"
    (cd "$STACK/pg" && "${as_user[@]}" "$pg_bin/initdb" -D "$STACK/pg/data" -U dagster --pwfile="$pwfile" \
      --auth=scram-sha-256 -E UTF8 >"$STACK/logs/initdb.log" 2>&1) || die "initdb failed: $STACK/logs/initdb.log"
    rm -f "$pwfile"
    local fresh=1
  fi
  start postgres "$POSTGRES_PORT" "${as_user[@]}" "$pg_bin/postgres" -D "$STACK/pg/data" -h $HOST \
    -p "$POSTGRES_PORT" -k "$STACK/pg"
  wait_until postgres 30 "$pg_bin/pg_isready" -q -h $HOST -p "$POSTGRES_PORT"
  if [[ -n ${fresh:-} ]]; then
    PGPASSWORD=$DAGSTER_POSTGRES_PASSWORD "$pg_bin/createdb" -h $HOST -p "$POSTGRES_PORT" -U dagster dagster
  fi
}

start_spark() {
  local spark_class
  spark_class=$("$BIN/python" -c 'from pyspark.find_spark_home import _find_spark_home; print(_find_spark_home())')
  spark_class=$spark_class/bin/spark-class
  mkdir -p "$STACK/spark/work"
  export SPARK_LOCAL_IP=$HOST SPARK_WORKER_DIR=$STACK/spark/work PYSPARK_PYTHON=$BIN/python
  start spark-master "$SPARK_PORT" "$spark_class" org.apache.spark.deploy.master.Master --host $HOST \
    --port "$SPARK_PORT" --webui-port "$SPARK_UI_PORT"
  wait_until spark-master 60 http_ok "http://$HOST:$SPARK_UI_PORT/json/"
  start spark-worker "$SPARK_WORKER_UI_PORT" "$spark_class" org.apache.spark.deploy.worker.Worker --host $HOST \
    --cores "$SPARK_WORKER_CORES" --memory "$SPARK_WORKER_MEMORY" --webui-port "$SPARK_WORKER_UI_PORT" \
    "spark://$HOST:$SPARK_PORT"
  wait_until spark-worker 60 worker_registered
}

worker_registered() {
  "$BIN/python" - "http://$HOST:$SPARK_UI_PORT/json/" <<'PY' 2>/dev/null
import json, sys, urllib.request
with urllib.request.urlopen(sys.argv[1], timeout=2) as response:
    sys.exit(0 if json.load(response).get("aliveworkers", 0) >= 1 else 1)
PY
}

start_dagster() {
  mkdir -p "$DAGSTER_HOME"
  cp "$REPO/infra/dagster.postgres.yaml" "$DAGSTER_HOME/dagster.yaml"
  start dagster-daemon - "$BIN/dagster-daemon" run -w "$REPO/workspace.yaml"
  start dagster-webserver "$DAGSTER_PORT" "$BIN/dagster-webserver" -h $HOST -p "$DAGSTER_PORT" \
    -w "$REPO/workspace.yaml"
  wait_until dagster-webserver 120 http_ok "http://$HOST:$DAGSTER_PORT/server_info"
}

up() {
  mkdir -p "$STACK/pids" "$STACK/logs"
  VENV=$VENV "$REPO/infra/install.sh"
  secrets
  write_env
  # shellcheck disable=SC1091
  source "$STACK/stack.env"
  start_s3
  start_postgres
  start_spark
  start_dagster
  status
  log "for the CLI against this stack: source $STACK/stack.env"
}

status() {
  local name state
  for name in "${SERVICES[@]}"; do
    if is_running "$name"; then state="up (pid $(pid_of "$name"))"; else state=down; fi
    printf '%-18s %-16s %s\n' "$name" "$state" "$(url_of "$name")"
  done
  return 0
}

down() {
  local i
  for ((i = ${#SERVICES[@]} - 1; i >= 0; i--)); do stop "${SERVICES[i]}"; done
}

case ${1:-} in
  up) up ;;
  status) status ;;
  down) down ;;
  env) cat "$STACK/stack.env" ;;
  health)
    shift
    # shellcheck disable=SC1091
    source "$STACK/stack.env" && exec "$BIN/lakehouse" health "$@"
    ;;
  *) die "usage: $0 up|status|health|down|env" ;;
esac
