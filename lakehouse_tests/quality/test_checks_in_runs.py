"""The quality checks inside real Dagster runs: they judge the run's days, and a blocking failure stops gold."""

import csv
import io
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from dagster import AssetCheckSeverity, AssetKey

from lakehouse.definitions import all_assets, defs
from lakehouse.quality import quality_checks
from lakehouse.quality.drift import DRIFT_CHECK
from lakehouse.raw.formats import FILE_NAMES, ORDERS_COLUMNS
from lakehouse.raw.generator import GeneratorConfig, generate_day
from lakehouse_tests.harness import SMALL_LANDING
from lakehouse_tests.quality.runs import MEDALLION, evaluations, materialize_with_checks

pytestmark = pytest.mark.slow

DAY_1, DAY_2 = date(2024, 3, 4), date(2024, 3, 5)


def _land(root: Path, day: date, config: GeneratorConfig, *, orders_channel: str | None = None) -> None:
    """A generated day written by hand; ``orders_channel`` overwrites the channel of every well-formed order."""
    for source, content in generate_day(day, config).items():
        if source == "orders" and orders_channel is not None:
            rows = list(csv.reader(io.StringIO(content.decode())))
            channel = ORDERS_COLUMNS.index("channel")
            for row in rows[1:]:
                if len(row) == len(ORDERS_COLUMNS):
                    row[channel] = orders_channel
            buffer = io.StringIO()
            csv.writer(buffer, lineterminator="\n").writerows(rows)
            content = buffer.getvalue().encode()
        path = root / "raw" / source / f"dt={day.isoformat()}" / FILE_NAMES[source]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)


def test_every_table_has_a_model_check_and_the_definitions_carry_checks_freshness_and_sensor():
    checked = {check_key.asset_key for check in quality_checks for check_key in check.check_keys}
    # The raw files and the daily run report are not tables.
    tables = {key for key in defs.resolve_asset_graph().get_all_asset_keys() if key.path[0] not in ("raw", "report")}
    assert checked == tables
    check_keys = set(defs.resolve_asset_graph().asset_check_keys)
    assert any(key.name.startswith("freshness_check") for key in check_keys)
    assert defs.resolve_sensor_def("gold_freshness_sensor")
    for check in quality_checks:
        for spec in check.check_specs:
            assert spec.blocking == (
                spec.asset_key.path[0] in ("silver", "gold")
                and "rejected" not in spec.asset_key.path[1]
                and spec.name != DRIFT_CHECK
            )
    drifted = {spec.asset_key for check in quality_checks for spec in check.check_specs if spec.name == DRIFT_CHECK}
    assert drifted == {key for key in tables if key.path[0] in ("silver", "gold") and "rejected" not in key.path[1]}


def test_a_clean_range_passes_every_check_with_scores_for_each_of_its_days(lakehouse, spark):
    result = materialize_with_checks(lakehouse, DAY_1, DAY_2)

    assert result.success
    found = evaluations(result)
    in_asset_checks = {key for asset in all_assets for key in asset.check_keys}  # bronze's reconciliation
    assert set(found) == {
        f"{'.'.join(key.asset_key.path)}:{key.name}"
        for key in in_asset_checks | {key for check in quality_checks for key in check.check_keys}
    }
    assert [name for name, evaluation in found.items() if not evaluation.passed] == []
    orders = found["silver.orders:matches_model"].metadata
    assert orders["row_count"].value > 0
    for score in ("completeness", "uniqueness", "validity"):
        assert orders[score].value == 1.0
    assert orders["checked_days"].value == "2024-03-04..2024-03-05 (2 days)"
    assert DAY_1.isoformat() in orders["per_day"].value and DAY_2.isoformat() in orders["per_day"].value
    # Two days of history: drift gives no verdict yet, and passes.
    drift = found[f"gold.daily_sales:{DRIFT_CHECK}"]
    assert (drift.severity, drift.blocking) == (AssetCheckSeverity.WARN, False)
    assert drift.metadata["days_without_verdict"].value == 2
    reconciliation = found["bronze.orders:raw_equals_bronze_plus_quarantine"].metadata
    assert reconciliation["unaccounted_records"].value == 0 and reconciliation["quarantined_rows"].value > 0


def test_bad_silver_orders_a_thin_day_and_a_missing_file_fail_blocking_checks_and_gold_is_not_materialized(
    lakehouse, spark
):
    small = GeneratorConfig(**SMALL_LANDING)
    _land(lakehouse.root, DAY_1, small, orders_channel="fax")  # passes bronze and silver cleaning, breaks the model
    _land(lakehouse.root, DAY_2, replace(small, orders_per_day=30))
    (lakehouse.root / "raw/web_logs/dt=2024-03-05" / FILE_NAMES["web_logs"]).unlink()
    day_1_orders = lakehouse.root / "raw/orders/dt=2024-03-04"
    first_order = b"".join((day_1_orders / FILE_NAMES["orders"]).read_bytes().splitlines(keepends=True)[:2])
    (day_1_orders / "orders_2.csv").write_bytes(first_order)  # an unexpected file: read, and reported

    result = materialize_with_checks(lakehouse, DAY_1, DAY_2, selection=MEDALLION)

    assert not result.success
    materialized = {event.asset_key for event in result.get_asset_materialization_events()}
    assert AssetKey(["silver", "orders"]) in materialized, "a bronze warning must not stop the data"
    # The orders' checks block the gold tables of orders; the missing web logs block silver and gold web logs.
    assert AssetKey(["silver", "web_logs"]) not in materialized
    assert not any(key.path[0] == "gold" for key in materialized)
    found = evaluations(result)
    landed = found["bronze.web_logs:landed_every_day"]
    assert (landed.passed, landed.severity, landed.blocking) == (False, AssetCheckSeverity.ERROR, True)
    assert landed.description == "web_logs: 1 of 2 day(s) not landed: 2024-03-05 lacks web_logs.jsonl"
    assert found["bronze.orders:landed_every_day"].passed
    extra = found["bronze.orders:only_expected_files"]
    assert (extra.passed, extra.severity) == (False, AssetCheckSeverity.WARN)
    assert "raw/orders/dt=2024-03-04/orders_2.csv" in extra.description
    assert found["bronze.orders:raw_equals_bronze_plus_quarantine"].metadata["unaccounted_records"].value == 0
    bronze = found["bronze.orders:matches_model"]
    assert (bronze.passed, bronze.severity) == (False, AssetCheckSeverity.WARN)
    model = found["silver.orders:matches_model"]
    assert (model.passed, model.severity, model.blocking) == (False, AssetCheckSeverity.ERROR, True)
    assert model.metadata["validity"].value < 0.9
    assert model.metadata["failing_counts"].value["channel in {mobile, store, unknown, web}"] > 0
    assert "fax" in model.metadata["failing_rows_sample"].value
    volume = found["silver.orders:enough_orders_per_day"]
    assert not volume.passed and volume.metadata["days_below_minimum"].value == 1
    assert volume.description.startswith("silver.orders: 1 of 2 day(s) below 50 rows: 2024-03-05: ")
    assert found["silver.customers:enough_customers_per_day"].passed  # every source has its own minimum
    assert found["silver.orders:customers_and_products_exist"].passed
