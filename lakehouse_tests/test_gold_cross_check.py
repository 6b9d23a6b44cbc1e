"""The correctness bar: for a generated week, every gold number equals an independent DuckDB computation
straight over the raw files, with the cleaning rules of docs/design.md re-implemented in SQL."""

import math
from datetime import date, timedelta

import pytest

from lakehouse.delta import read_table
from lakehouse.gold.schemas import GOLD_MODELS, Customer360
from lakehouse.silver.schemas import SilverCustomers
from lakehouse_tests.harness import TEST_PII_SALT
from lakehouse_tests.reference.duckdb_gold import reference_gold

pytestmark = pytest.mark.slow

WEEK_START = date(2024, 2, 5)
WEEK_END = WEEK_START + timedelta(days=6)

# table -> (layer, model): every gold table, so a new one without a reference fails here. The reference returns
# rows in the model's column order, sorted by the model's business key (Config.unique).
TABLES = {
    **{table: ("gold", model) for table, model in GOLD_MODELS.items()},
    "silver_customers": ("silver", SilverCustomers),
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
    layer, model = TABLES[table]
    key = model.to_schema().unique
    name = table.removeprefix("silver_")
    columns = list(model.to_structtype().fieldNames())
    actual = [
        tuple(row) for row in read_table(spark, lakehouse.table_uri(layer, name)).select(columns).orderBy(key).collect()
    ]
    _assert_same_rows(table, columns, actual, reference[table])


def test_customer_360_of_one_day_on_top_of_its_history_equals_the_reference(week, spark):
    """The week's run resolves every order per day; a run of its last day alone reduces the six days before it to
    one latest version per order (customer_360's cheap path), and must give the same lifetime numbers."""
    lakehouse, reference = week
    assert lakehouse.materialize(WEEK_END, selection='key:"gold/customer_360"').success
    columns = list(Customer360.to_structtype().fieldNames())
    last_day = read_table(spark, lakehouse.table_uri("gold", "customer_360")).where(f"dt = DATE'{WEEK_END}'")
    actual = [tuple(row) for row in last_day.select(columns).orderBy("customer_id").collect()]
    expected = [row for row in reference["customer_360"] if row[0] == WEEK_END]
    assert any(row[8] > 1 for row in expected), "some customer must have several lifetime orders"
    _assert_same_rows("customer_360", columns, actual, expected)


def _assert_same_rows(table: str, columns: list[str], actual: list[tuple], expected: list[tuple]) -> None:
    assert len(expected) > 0, "the reference must compute something, or this test proves nothing"
    assert len(actual) == len(expected), f"{table}: {len(actual)} rows, reference has {len(expected)}"
    for actual_row, expected_row in zip(actual, expected, strict=True):
        mismatched = [
            (column, a, e) for column, a, e in zip(columns, actual_row, expected_row, strict=True) if not _same(a, e)
        ]
        assert not mismatched, f"{table} row {dict(zip(columns, actual_row, strict=True))}: {mismatched}"
