"""The correctness bar: for a generated week, every gold number equals an independent DuckDB computation
straight over the raw files, with the cleaning rules of docs/design.md re-implemented in SQL."""

import math
from datetime import date, timedelta

import pytest

from lakehouse.delta import read_table
from lakehouse.gold.schemas import CustomerRfm, DailySales, ProductPerformance, SalesRolling7d, WebErrorRateHourly
from lakehouse.silver.schemas import SilverCustomers
from lakehouse_tests.harness import TEST_PII_SALT
from lakehouse_tests.reference.duckdb_gold import reference_gold

pytestmark = pytest.mark.slow

WEEK_START = date(2024, 2, 5)
WEEK_END = WEEK_START + timedelta(days=6)

# table -> (layer, model, sort key): the reference returns rows in the model's column order, sorted by the key.
TABLES = {
    "daily_sales": ("gold", DailySales, ["dt", "category", "channel"]),
    "sales_rolling_7d": ("gold", SalesRolling7d, ["dt"]),
    "customer_rfm": ("gold", CustomerRfm, ["dt", "customer_id"]),
    "product_performance": ("gold", ProductPerformance, ["dt", "product_id"]),
    "web_error_rate_hourly": ("gold", WebErrorRateHourly, ["dt", "event_hour"]),
    "silver_customers": ("silver", SilverCustomers, ["dt", "customer_id"]),
}


def _same(actual: object, expected: object) -> bool:
    if isinstance(actual, float) or isinstance(expected, float):
        return math.isclose(float(actual), float(expected), rel_tol=1e-9, abs_tol=1e-12)
    return actual == expected


@pytest.fixture(scope="module")
def week(tmp_path_factory, spark):
    from dagster import DagsterInstance

    from lakehouse_tests.harness import LakehouseUnderTest

    with DagsterInstance.ephemeral() as instance:
        lakehouse = LakehouseUnderTest(root=tmp_path_factory.mktemp("week") / "warehouse", instance=instance)
        assert lakehouse.materialize(WEEK_START, WEEK_END).success
        yield lakehouse, reference_gold(lakehouse.root, WEEK_START, WEEK_END, TEST_PII_SALT)


@pytest.mark.parametrize("table", list(TABLES))
def test_table_equals_the_independent_duckdb_computation(week, spark, table):
    lakehouse, reference = week
    layer, model, key = TABLES[table]
    name = table.removeprefix("silver_")
    columns = list(model.to_structtype().fieldNames())
    actual = [
        tuple(row) for row in read_table(spark, lakehouse.table_uri(layer, name)).select(columns).orderBy(key).collect()
    ]
    expected = reference[table]

    assert len(expected) > 0, "the reference must compute something, or this test proves nothing"
    assert len(actual) == len(expected), f"{table}: {len(actual)} rows, reference has {len(expected)}"
    for actual_row, expected_row in zip(actual, expected, strict=True):
        mismatched = [
            (column, a, e) for column, a, e in zip(columns, actual_row, expected_row, strict=True) if not _same(a, e)
        ]
        assert not mismatched, f"{table} row {dict(zip(columns, actual_row, strict=True))}: {mismatched}"
