"""The cross-table reconciliations, as pure functions over small DataFrames."""

from datetime import date
from decimal import Decimal

from lakehouse.quality.cross_table import compare_totals, orphan_orders, reconcile_raw

DAY_1, DAY_2 = date(2024, 3, 4), date(2024, 3, 5)


def test_raw_records_must_equal_bronze_plus_quarantine_every_day():
    passed, rows = reconcile_raw(
        {DAY_1: 100, DAY_2: 100}, {DAY_1: 95, DAY_2: 90}, {DAY_1: 5, DAY_2: 5}, [DAY_1, DAY_2], 0.1
    )

    assert not passed
    assert [(row["dt"], row["difference"], row["ok"]) for row in rows] == [(DAY_1, 0, True), (DAY_2, 5, False)]


def test_a_day_quarantining_too_much_fails_even_when_it_reconciles():
    passed, rows = reconcile_raw({DAY_1: 100}, {DAY_1: 80}, {DAY_1: 20}, [DAY_1], 0.1)

    assert not passed and rows[0]["quarantine_share"] == 0.2


def test_orders_of_an_unknown_customer_or_product_that_day_are_orphans(spark):
    orders = spark.createDataFrame(
        [(DAY_1, "O1", "C1", "P1"), (DAY_1, "O2", "C9", "P1"), (DAY_1, "O3", "C1", "P9"), (DAY_2, "O4", "C1", "P1")],
        "dt date, order_id string, customer_id string, product_id string",
    )
    customers = spark.createDataFrame([(DAY_1, "C1")], "dt date, customer_id string")
    products = spark.createDataFrame([(DAY_1, "P1"), (DAY_2, "P1")], "dt date, product_id string")

    orphans = {row["order_id"]: row for row in orphan_orders(orders, customers, products).collect()}

    assert set(orphans) == {"O2", "O3", "O4"}  # O4: C1 is not in DAY_2's customer snapshot
    assert (orphans["O2"]["unknown_customer"], orphans["O2"]["unknown_product"]) == (True, False)
    assert (orphans["O3"]["unknown_customer"], orphans["O3"]["unknown_product"]) == (False, True)


def test_gold_totals_must_equal_silver_totals_per_day(spark):
    gold = spark.createDataFrame(
        [(DAY_1, 2, Decimal("30.00")), (DAY_1, 1, Decimal("5.00")), (DAY_2, 1, Decimal("9.00"))],
        "dt date, orders long, revenue decimal(22,2)",
    )
    silver = spark.createDataFrame(
        [(DAY_1, "O1", Decimal("10.00")), (DAY_1, "O2", Decimal("20.00")), (DAY_1, "O3", Decimal("5.00")),
         (DAY_2, "O4", Decimal("10.00"))],
        "dt date, order_id string, revenue decimal(22,2)",
    )  # fmt: skip

    rows = compare_totals(gold, silver, [DAY_1, DAY_2])

    assert [(row["dt"], row["ok"]) for row in rows] == [(DAY_1, True), (DAY_2, False)]
    assert (rows[1]["gold_revenue"], rows[1]["silver_revenue"]) == (Decimal("9.00"), Decimal("10.00"))
