"""Landing completeness and unexpected files, judged on a landing zone in a temporary folder (no Spark, no run)."""

from datetime import date
from pathlib import Path

import pytest
from dagster import AssetCheckResult, AssetCheckSeverity

from lakehouse.landing.inventory import (
    COMPLETE_WHEN_ENV,
    CompleteWhen,
    Inventory,
    LandingPolicy,
    list_landing_zone,
    take_inventory,
)
from lakehouse.partitions import DayRange
from lakehouse.quality.landing_checks import LANDED_CHECK, UNEXPECTED_CHECK, landing_check_results
from lakehouse.raw.formats import FILE_NAMES, SOURCES, SUCCESS_MARKER
from lakehouse.raw.generator import GeneratorConfig, land_day
from lakehouse.report.collect import parse_markdown_table
from lakehouse.resources.warehouse import Warehouse

DAY_1, DAY_2 = date(2024, 3, 4), date(2024, 3, 5)
RUN = DayRange(DAY_1, date(2024, 3, 6))
EVERY_SOURCE = LandingPolicy(complete_when=CompleteWhen.ALL_SOURCES)
MARKERS = LandingPolicy(complete_when=CompleteWhen.SUCCESS_MARKERS)


def land(root: Path, key: str) -> None:
    path = root / key
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x\n")


def land_every_source(root: Path, day: date, *, but: str | None = None) -> None:
    for source in SOURCES:
        if source != but:
            land(root, f"raw/{source}/dt={day.isoformat()}/{FILE_NAMES[source]}")


def inventory_of(root: Path) -> Inventory:
    return take_inventory(landed.key for landed in list_landing_zone(Warehouse(root=str(root))))


def results(root: Path, source: str, policy: LandingPolicy = EVERY_SOURCE) -> dict[str, AssetCheckResult]:
    return {r.check_name: r for r in landing_check_results(source, inventory_of(root), RUN, policy)}


def per_day(result: AssetCheckResult) -> dict[str, str]:
    """dt → the day's failing rules, from the table the report reads."""
    return {row["dt"]: row["failing rules"] for row in parse_markdown_table(result.metadata["per_day"].value)}


def test_a_day_without_its_web_logs_file_fails_the_blocking_check_naming_the_day_and_file(tmp_path):
    land_every_source(tmp_path, DAY_1)
    land_every_source(tmp_path, DAY_2, but="web_logs")

    web_logs = results(tmp_path, "web_logs")[LANDED_CHECK]
    assert (web_logs.passed, web_logs.severity) == (False, AssetCheckSeverity.ERROR)
    assert web_logs.description == "web_logs: 1 of 2 day(s) not landed: 2024-03-05 lacks web_logs.jsonl"
    assert web_logs.metadata["missing"].value == {"2024-03-05": ["web_logs.jsonl"]}
    assert per_day(web_logs) == {"2024-03-04": "-", "2024-03-05": "web_logs.jsonl missing"}
    for source in ("orders", "customers", "products"):
        assert results(tmp_path, source)[LANDED_CHECK].passed, f"{source} landed on both days"


def test_with_markers_a_day_is_landed_only_with_its_success_marker(tmp_path):
    land_every_source(tmp_path, DAY_1)
    land_every_source(tmp_path, DAY_2)
    land(tmp_path, f"raw/orders/dt={DAY_1.isoformat()}/{SUCCESS_MARKER}")

    orders = results(tmp_path, "orders", MARKERS)[LANDED_CHECK]
    assert not orders.passed
    assert orders.metadata["missing"].value == {"2024-03-05": [SUCCESS_MARKER]}
    assert orders.metadata["complete_when"].value == "success_markers"
    assert results(tmp_path, "orders")[LANDED_CHECK].passed, "without markers the files are enough"
    assert not results(tmp_path, "orders", MARKERS)[UNEXPECTED_CHECK].metadata["unexpected"].value


def test_unexpected_files_and_folders_are_each_named_and_warn(tmp_path):
    land_every_source(tmp_path, DAY_1)
    land_every_source(tmp_path, DAY_2)
    for key in [
        "raw/orders/dt=2024-03-04/orders_2.csv",  # read by bronze
        "raw/orders/dt=2024-03-04/nested/orders.csv",
        "raw/orders/dt=2024-03-04/_orders.csv.writing",  # temporary: not unexpected
        "raw/orders/dt=2024-03-04/.DS_Store",
        "raw/orders/2024-03-04/orders.csv",
        "raw/orders/2024-03-04/orders_2.csv",  # the same wrong folder, named once
        "raw/orders/dt=2024-02-30/orders.csv",
        "raw/orders/orders.csv",
        "raw/weblogs/dt=2024-03-04/web_logs.jsonl",  # no such source: named by every source's check
        "raw/orders/dt=2024-04-01/orders_2.csv",  # not a day of the run
        "raw/web_logs/dt=2024-03-04/part-2.jsonl",  # another source's
    ]:
        land(tmp_path, key)

    orders = results(tmp_path, "orders")
    unexpected = orders[UNEXPECTED_CHECK]
    assert (unexpected.passed, unexpected.severity) == (False, AssetCheckSeverity.WARN)
    table = parse_markdown_table(unexpected.metadata["unexpected_files"].value)
    assert {row["path"]: row["read by bronze"] for row in table} == {
        "raw/orders/2024-03-04/": "False",
        "raw/orders/dt=2024-02-30/": "False",
        "raw/orders/dt=2024-03-04/nested/": "False",
        "raw/orders/dt=2024-03-04/orders_2.csv": "True",
        "raw/orders/orders.csv": "False",
        "raw/weblogs/": "False",
    }
    assert unexpected.metadata["read_by_bronze"].value == 1
    assert "raw/orders/dt=2024-03-04/orders_2.csv" in unexpected.description
    assert per_day(unexpected) == {"2024-03-04": "nested/, orders_2.csv", "2024-03-05": "-"}
    assert orders[LANDED_CHECK].passed, "extra files do not make a day incomplete"

    web_logs = {
        row["path"]
        for row in parse_markdown_table(
            results(tmp_path, "web_logs")[UNEXPECTED_CHECK].metadata["unexpected_files"].value
        )
    }
    assert web_logs == {"raw/web_logs/dt=2024-03-04/part-2.jsonl", "raw/weblogs/"}


def test_a_generated_day_is_landed_in_both_modes_and_holds_nothing_unexpected(tmp_path):
    tiny = GeneratorConfig(orders_per_day=5, customers=2, products=2, web_logs_per_day=5)
    for day in RUN.days():
        land_day(str(tmp_path), day, tiny)
    for source in SOURCES:
        for policy in (EVERY_SOURCE, MARKERS):
            assert all(result.passed for result in results(tmp_path, source, policy).values()), (source, policy)


def test_the_mode_comes_from_the_environment_and_a_wrong_value_names_the_variable(monkeypatch):
    monkeypatch.delenv(COMPLETE_WHEN_ENV, raising=False)
    assert LandingPolicy().mode == CompleteWhen.ALL_SOURCES
    monkeypatch.setenv(COMPLETE_WHEN_ENV, "success_markers")
    assert LandingPolicy().required_files("orders") == ("orders.csv", SUCCESS_MARKER)
    assert LandingPolicy(complete_when=CompleteWhen.ALL_SOURCES).mode == CompleteWhen.ALL_SOURCES
    monkeypatch.setenv(COMPLETE_WHEN_ENV, "markers")
    with pytest.raises(ValueError, match=f"{COMPLETE_WHEN_ENV}.*all_sources, success_markers"):
        LandingPolicy().required_files("orders")
