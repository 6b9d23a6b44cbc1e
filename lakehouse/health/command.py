"""``lakehouse health``: every probe of ``lakehouse.health.checks``, as a table; the exit code says whether any
failed, so cron and ``make stack-status`` can act on it."""

import os
from datetime import UTC, date, datetime, timedelta

from dagster import DagsterInstance, Definitions

from lakehouse.alerts.webhook import UI_URL_ENV
from lakehouse.health.checks import (
    Probe,
    Status,
    daemon,
    dagster_storage,
    failing_checks,
    guarded,
    last_runs,
    latest_partitions,
    object_store,
    spark_cluster,
    webserver,
)
from lakehouse.resources.spark import DEFAULT_MASTER, MASTER_ENV
from lakehouse.resources.warehouse import Warehouse

MASTER_UI_ENV = "LAKEHOUSE_SPARK_MASTER_UI_URL"


def probe_all(defs: Definitions, warehouse: Warehouse, instance: DagsterInstance, today: date) -> list[Probe]:
    """Services first, then the data: each gold table should hold yesterday (the daily run's day)."""
    root, options = warehouse.root_uri, warehouse.storage_options
    gold = sorted(key.to_user_string() for key in defs.resolve_all_asset_keys() if key.path[0] == "gold")
    jobs = sorted(job.name for job in defs.resolve_all_job_defs() if not job.name.startswith("__"))
    checks = sorted(defs.resolve_asset_graph().asset_check_keys, key=lambda key: key.to_user_string())
    master = os.environ.get(MASTER_ENV) or DEFAULT_MASTER
    return [
        *guarded("service", "object store", lambda: object_store(root, options)),
        *guarded("service", "spark", lambda: spark_cluster(master, os.environ.get(MASTER_UI_ENV))),
        *guarded("service", "dagster storage", lambda: dagster_storage(instance)),
        *guarded("service", "dagster webserver", lambda: webserver(os.environ.get(UI_URL_ENV))),
        *guarded("service", "dagster daemon", lambda: daemon(instance)),
        *guarded("data", "gold tables", lambda: latest_partitions(root, options, gold, today - timedelta(days=1))),
        *guarded("data", "last runs", lambda: last_runs(instance, jobs)),
        *guarded("data", "checks", lambda: failing_checks(instance, checks)),
    ]


def format_probes(probes: list[Probe]) -> str:
    rows = [("", "what", "status", "detail"), *((p.area, p.name, p.status.value, p.detail) for p in probes)]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row[:3], widths, strict=True)) + "  " + row[3]
        for row in rows
    ).rstrip()


def health(today: date | None = None) -> int:
    from lakehouse.definitions import defs, warehouse

    with DagsterInstance.get() as instance:
        probes = probe_all(defs, warehouse, instance, today or datetime.now(UTC).date())
    print(format_probes(probes))
    failed = [probe for probe in probes if probe.status == Status.FAIL]
    print(f"\n{len(failed)} problem(s)" if failed else "\nhealthy")
    return 1 if failed else 0
