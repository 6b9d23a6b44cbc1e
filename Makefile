# lakehouse: every command a user or CI needs. Each target installs what it uses.
SHELL := /bin/bash
PYTHON ?= python3
VENV := $(CURDIR)/.venv
BIN := $(VENV)/bin
STATE := $(CURDIR)/.lakehouse

# The embedded default: everything under .lakehouse/ (landing zone, Delta warehouse, Dagster's SQLite storage).
export LAKEHOUSE_ROOT ?= $(STATE)
export DAGSTER_HOME ?= $(STATE)/dagster
# The PII salt is a secret: take it from the environment, else from a per-checkout file made once (mode 600).
SALT_FILE := $(STATE)/pii_salt
WITH_SALT = LAKEHOUSE_PII_SALT="$${LAKEHOUSE_PII_SALT:-$$(cat $(SALT_FILE))}"

DAYS ?= 7
# The partitions' first day (LAKEHOUSE_FIRST_DAY): from the environment, else a per-checkout file made once with the
# first day of the demo's default range (yesterday - (DAYS-1), what `make run` lands), so the UI's "% filled" counts
# the days the demo can hold, not every day since 2024. Not given to `test`: the suite pins its own.
FIRST_DAY_FILE := $(STATE)/first_day
DEMO_FIRST_DAY = $(shell $(PYTHON) -c "from datetime import UTC, datetime, timedelta; print(datetime.now(UTC).date() - timedelta(days=$(DAYS)))")
WITH_FIRST_DAY = LAKEHOUSE_FIRST_DAY="$${LAKEHOUSE_FIRST_DAY:-$$(cat $(FIRST_DAY_FILE))}"

.PHONY: install run summary report dev test lint format clean bench

install: $(VENV)/.installed $(DAGSTER_HOME)/dagster.yaml $(SALT_FILE)

# One installer for every shape (this Makefile, the local stack, the Docker image): infra/install.sh.
$(VENV)/.installed: pyproject.toml uv.lock infra/install.sh infra/jars/pom.xml
	VENV=$(VENV) PYTHON=$(PYTHON) infra/install.sh

$(DAGSTER_HOME)/dagster.yaml: dagster.yaml
	mkdir -p $(DAGSTER_HOME) && cp dagster.yaml $@

$(SALT_FILE):
	mkdir -p $(STATE) && (umask 077 && $(PYTHON) -c "import secrets; print(secrets.token_hex(32))" > $@)

$(FIRST_DAY_FILE):
	mkdir -p $(STATE) && echo $(DEMO_FIRST_DAY) > $@

## run: generate raw data and materialize bronze → silver → gold for the last $(DAYS) days, then print every table
run: install $(FIRST_DAY_FILE)
	@# A longer DAYS moves the first day earlier, never later: a later start would hide days already landed.
	@if [[ "$(DEMO_FIRST_DAY)" < "$$(cat $(FIRST_DAY_FILE))" ]]; then echo $(DEMO_FIRST_DAY) > $(FIRST_DAY_FILE); fi
	$(WITH_SALT) $(WITH_FIRST_DAY) $(BIN)/lakehouse run --days $(DAYS)

## summary: print layer, partitions, rows and Delta version of every table
summary: install $(FIRST_DAY_FILE)
	$(WITH_FIRST_DAY) $(BIN)/lakehouse summary

## report: the asset check report (HTML under .lakehouse/reports/) for FROM..TO (YYYY-MM-DD; default the last 7 days)
report: install $(FIRST_DAY_FILE)
	$(WITH_FIRST_DAY) $(BIN)/lakehouse report $(if $(FROM),--from $(FROM)) $(if $(TO),--to $(TO))

## duckdb: write .lakehouse/lakehouse.duckdb: one DuckDB view per silver and gold table, for a BI tool or notebook
.PHONY: duckdb
duckdb: install
	$(BIN)/lakehouse duckdb --out $(STATE)/lakehouse.duckdb

## dev: the Dagster UI on http://127.0.0.1:3000 (asset graph, materialize a day, backfill a range)
dev: install $(FIRST_DAY_FILE)
	$(WITH_SALT) $(WITH_FIRST_DAY) $(BIN)/dagster dev -w workspace.yaml -h 127.0.0.1 -p 3000

## stack-up: the local real stack on 127.0.0.1 (S3, Spark master + worker, Postgres, Dagster daemon + UI); infra/stack.sh
.PHONY: stack-up stack-status stack-down
stack-up: install $(FIRST_DAY_FILE)
	$(WITH_SALT) $(WITH_FIRST_DAY) infra/stack.sh up

## stack-status: each service of the local stack, up or down, with its URL; then `lakehouse health` against it
stack-status:
	infra/stack.sh status
	infra/stack.sh health

## health: every configured service and the data (latest gold day, last runs, failing checks); exit 1 on a problem
.PHONY: health
health: install $(FIRST_DAY_FILE)
	$(WITH_FIRST_DAY) $(BIN)/lakehouse health

## stack-down: stop every service of the local stack (data stays under .lakehouse/stack/)
stack-down:
	infra/stack.sh down

## test: the whole test suite
test: install
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check lakehouse lakehouse_tests
	$(BIN)/ruff format --check lakehouse lakehouse_tests

format: install
	$(BIN)/ruff format lakehouse lakehouse_tests
	$(BIN)/ruff check --fix lakehouse lakehouse_tests

clean:
	rm -rf $(STATE)

## bench: the lakehouse vs a plain PySpark floor (and DuckDB), side by side: time, peak RSS, ratios, where time goes
##        (default 7 days x 100k orders; BENCH_ARGS="--orders-per-day 300000 --repeat 3", see --help)
bench: install
	$(BIN)/python -m lakehouse_tests.bench.bench_pipeline $(BENCH_ARGS)

## drift-false-alarms: 60 generated days through gold, every silver/gold day judged for drift; the share flagged
##        (nothing is planted, so every flag is a false alarm; DRIFT_ARGS="--orders-per-day 2000 --keep DIR")
.PHONY: drift-false-alarms
drift-false-alarms: install
	$(BIN)/python -m lakehouse_tests.bench.drift_false_alarms $(DRIFT_ARGS)
