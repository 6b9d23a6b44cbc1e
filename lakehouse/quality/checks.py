"""Every quality check of the lakehouse, gathered for the definitions.

Severity follows the layer: bronze tables and the quarantine / rejects tables warn (a human should look, the data
may flow); silver and gold checks fail with ERROR and are blocking, so a bad day never reaches the tables below.
"""

import warnings

from dagster import (
    AssetChecksDefinition,
    AssetKey,
    build_sensor_for_freshness_checks,
    build_time_partition_freshness_checks,
)

from lakehouse.bronze.schemas import BRONZE_MODELS, Quarantine
from lakehouse.gold.schemas import GOLD_MODELS
from lakehouse.quality.cross_table import (
    build_gold_totals_check,
    build_order_volume_check,
    build_referential_integrity_check,
)
from lakehouse.quality.model_checks import build_model_check
from lakehouse.quality.thresholds import FRESHNESS_DEADLINE_CRON
from lakehouse.raw.formats import SOURCES
from lakehouse.silver.schemas import SilverCustomers, SilverOrders, SilverProducts, SilverWebLogs

BRONZE_ROW_KEY = ("dt", "_source_file", "_line_number")
"""Bronze keeps every version of a record, so its key is the record's place in the landing zone."""

SILVER_MODELS = {
    "orders": SilverOrders,
    "customers": SilverCustomers,
    "products": SilverProducts,
    "web_logs": SilverWebLogs,
}

SILVER_REJECTS = ("orders", "customers", "products")
"""The silver tables with a ``<table>_rejected`` table beside them."""


def _bronze_checks() -> list[AssetChecksDefinition]:
    checks = []
    for source in SOURCES:
        checks.append(
            build_model_check(
                AssetKey(["bronze", source]), BRONZE_MODELS[source], blocking=False, unique_key=BRONZE_ROW_KEY
            )
        )
        checks.append(
            build_model_check(
                AssetKey(["bronze", f"{source}_quarantine"]),
                Quarantine,
                blocking=False,
                unique_key=BRONZE_ROW_KEY,
                # The verbatim record of a customer is full of PII.
                masked=("raw_record",) if source == "customers" else (),
            )
        )
    return checks


def _silver_checks() -> list[AssetChecksDefinition]:
    checks = [build_model_check(AssetKey(["silver", t]), model, blocking=True) for t, model in SILVER_MODELS.items()]
    # Silver rejects hold no PII (customers' are their silver row), so nothing is masked.
    checks += [
        build_model_check(AssetKey(["silver", f"{table}_rejected"]), Quarantine, blocking=False, unique_key=())
        for table in SILVER_REJECTS
    ]
    checks += [build_referential_integrity_check(), build_order_volume_check()]
    return checks


def _gold_checks() -> list[AssetChecksDefinition]:
    checks = [build_model_check(AssetKey(["gold", t]), model, blocking=True) for t, model in GOLD_MODELS.items()]
    checks.append(build_gold_totals_check())
    return checks


quality_checks: list[AssetChecksDefinition] = [*_bronze_checks(), *_silver_checks(), *_gold_checks()]
"""The checks that run with the assets they check, on the run's days."""

with warnings.catch_warnings():
    # Superseded by FreshnessPolicy, which judges "a materialization in the last 24 h"; these checks judge what we
    # mean, "yesterday's partition exists", and show a check result with the overdue time in the UI.
    warnings.simplefilter("ignore", FutureWarning)  # dagster's SupersessionWarning
    freshness_checks = build_time_partition_freshness_checks(
        assets=[AssetKey(["gold", table]) for table in GOLD_MODELS],
        deadline_cron=FRESHNESS_DEADLINE_CRON,
        timezone="UTC",
    )
    """Gold is fresh when yesterday's partition is materialized by 23:59 UTC today (within 24 h of the day's end)."""

    freshness_sensor = build_sensor_for_freshness_checks(
        freshness_checks=freshness_checks, name="gold_freshness_sensor"
    )
    """Evaluates the freshness checks between runs (needs the daemon, like the schedule)."""
