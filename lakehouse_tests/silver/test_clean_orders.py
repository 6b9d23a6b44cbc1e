"""Silver orders: dedupe, reject rules, derived columns and enrichment (docs/design.md, Silver orders)."""

import json
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from pyspark.sql import DataFrame, SparkSession

from lakehouse.bronze.schemas import CUSTOMER_ID, ORDER_ID, PRODUCT_ID, BronzeOrders, Quarantine
from lakehouse.silver.schemas import SilverCustomers, SilverOrders, SilverProducts
from lakehouse.silver.transforms import CleanOrders, clean_orders
from lakehouse_tests.silver.builders import (
    C1,
    C2,
    DAY,
    NEXT_DAY,
    O1,
    O2,
    O3,
    P1,
    P2,
    Row,
    bronze_order,
    frame,
    full_width,
    silver_customer,
    silver_product,
    utc,
)


def _clean(
    spark: SparkSession,
    orders: list[Row],
    products: list[Row] | None = None,
    customers: list[Row] | None = None,
) -> CleanOrders:
    days = sorted({row["dt"] for row in orders})
    products = products if products is not None else [silver_product(dt=day) for day in days]
    customers = customers if customers is not None else [silver_customer(dt=day) for day in days]
    return clean_orders(
        frame(spark, BronzeOrders, orders),
        frame(spark, SilverProducts, products),
        frame(spark, SilverCustomers, customers),
    )


def _by_order(df: DataFrame) -> dict[str, dict]:
    return {row["order_id"]: row.asDict() for row in df.collect()}


def _reasons(cleaned: CleanOrders) -> dict[str, str]:
    return {json.loads(row["raw_record"])["order_id"]: row["reason"] for row in cleaned.rejected.collect()}


def test_latest_version_of_an_order_wins(spark: SparkSession) -> None:
    cleaned = _clean(
        spark,
        [
            bronze_order(O1, quantity=1, updated_at=utc(DAY, 10), line=2),
            bronze_order(O1, quantity=3, updated_at=utc(DAY, 12), line=3),
            bronze_order(O1, quantity=2, updated_at=utc(DAY, 11), line=4),
        ],
    )
    orders = cleaned.orders.collect()
    assert [(row["order_id"], row["quantity"], row["updated_at"]) for row in orders] == [
        (O1, 3, datetime(2024, 1, 15, 12))
    ]
    assert sorted(row["quantity"] for row in cleaned.superseded.collect()) == [1, 2]


def test_tied_versions_go_to_the_later_line_of_the_later_file(spark: SparkSession) -> None:
    same_time = utc(DAY, 9)
    first_file, later_file = "raw/orders/dt=2024-01-15/a.csv", "raw/orders/dt=2024-01-15/b.csv"
    cleaned = _clean(
        spark,
        [
            bronze_order(O1, quantity=1, updated_at=same_time, file=first_file, line=9),
            bronze_order(O1, quantity=2, updated_at=same_time, file=later_file, line=2),
            bronze_order(O2, quantity=1, updated_at=same_time, line=5),
            bronze_order(O2, quantity=2, updated_at=same_time, line=3),
        ],
    )
    assert {order_id: row["quantity"] for order_id, row in _by_order(cleaned.orders).items()} == {O1: 2, O2: 1}


def test_the_same_order_landing_on_two_days_is_kept_on_each(spark: SparkSession) -> None:
    cleaned = _clean(
        spark,
        [
            bronze_order(O1, order_ts=utc(DAY, 10), dt=DAY),
            bronze_order(O1, order_ts=utc(DAY, 10), updated_at=utc(NEXT_DAY, 1), dt=NEXT_DAY),
        ],
    )
    assert sorted(row["dt"] for row in cleaned.orders.collect()) == [DAY, NEXT_DAY]
    assert cleaned.superseded.count() == 0


def test_each_broken_rule_rejects_the_order_with_its_reason(spark: SparkSession) -> None:
    cases: dict[str, tuple[dict[str, Any], str | None]] = {
        "zero quantity": ({"quantity": 0}, "quantity <= 0"),
        "negative quantity": ({"quantity": -2}, "quantity <= 0"),
        "negative price": ({"unit_price": "-0.01"}, "unit_price < 0"),
        "next midnight": ({"order_ts": utc(NEXT_DAY)}, "order_ts in the future"),
        "unknown product": ({"product_id": "P0404"}, "product_id not in products"),
        "unknown customer": ({"customer_id": "C000404"}, "customer_id not in customers"),
        "huge": ({"quantity": 2_000_000_000, "unit_price": "9999999999.99"}, "revenue does not fit DECIMAL(18,2)"),
        "valid": ({}, None),
    }
    ids = {case: f"O20240115-{n:06d}" for n, case in enumerate(cases, start=10)}
    cleaned = _clean(spark, [bronze_order(ids[case], **change) for case, (change, _) in cases.items()])
    assert _reasons(cleaned) == {ids[case]: reason for case, (_, reason) in cases.items() if reason}
    assert list(_by_order(cleaned.orders)) == [ids["valid"]]


def test_an_order_whose_key_breaks_its_pattern_is_rejected_with_the_key_shown(spark: SparkSession) -> None:
    # Spark's regex (Java) and Python's re differ: Java's \d is ASCII digits only, and its $ also matches before a
    # final line break. The contract is the first and not the second.
    digits, letter, line_break = f"O{full_width('2024')}0115-000001", "Ö20240115-000002", "O20240115-000003\n"
    customer, product = f"C00000{full_width('1')}", f"P{full_width('000')}1"
    cleaned = _clean(
        spark,
        [
            bronze_order(digits),
            bronze_order(letter),
            bronze_order(line_break),
            bronze_order(O1, customer_id=customer),
            bronze_order(O2, product_id=product),
            bronze_order(O3),
        ],
    )
    assert _reasons(cleaned) == {
        digits: f"order_id: {digits!r} does not match {ORDER_ID}",
        letter: f"order_id: {letter!r} does not match {ORDER_ID}",
        line_break: f"order_id: {line_break!r} does not match {ORDER_ID}",
        # The dimension rejected that key too, so it is not in that day's customers or products either.
        O1: f"customer_id: {customer!r} does not match {CUSTOMER_ID}; customer_id not in customers",
        O2: f"product_id: {product!r} does not match {PRODUCT_ID}; product_id not in products",
    }
    assert list(_by_order(cleaned.orders)) == [O3]


def test_an_order_breaking_several_rules_lists_every_reason_keys_first(spark: SparkSession) -> None:
    broken_key = "Ö20240115-000001"
    cleaned = _clean(
        spark,
        [
            bronze_order(O1, quantity=-1, unit_price="-5.00", product_id="P0404"),
            bronze_order(broken_key, quantity=0),
        ],
    )
    assert _reasons(cleaned) == {
        O1: "quantity <= 0; unit_price < 0; product_id not in products",
        broken_key: f"order_id: {broken_key!r} does not match {ORDER_ID}; quantity <= 0",
    }


def test_a_free_order_and_the_last_microsecond_of_the_day_are_accepted(spark: SparkSession) -> None:
    last_instant = utc(DAY, 23, 59, 59, 999_999)
    cleaned = _clean(spark, [bronze_order(O1, unit_price="0.00", order_ts=last_instant)])
    assert cleaned.rejected.count() == 0
    assert _by_order(cleaned.orders)[O1]["revenue"] == Decimal("0.00")


def test_dimensions_are_matched_on_the_same_landing_day(spark: SparkSession) -> None:
    # P2 and C2 exist only in the next day's snapshots: an order landing today cannot use them.
    cleaned = _clean(
        spark,
        [bronze_order(O1, product_id=P2), bronze_order(O2, customer_id=C2)],
        products=[silver_product(P1), silver_product(P2, dt=NEXT_DAY)],
        customers=[silver_customer(C1), silver_customer(C2, dt=NEXT_DAY)],
    )
    assert _reasons(cleaned) == {O1: "product_id not in products", O2: "customer_id not in customers"}


def test_rejected_rows_keep_the_bronze_row_as_json_and_its_lineage(spark: SparkSession) -> None:
    cleaned = _clean(spark, [bronze_order(O1, quantity=-3, channel=None, line=7)])
    [row] = cleaned.rejected.collect()
    assert (row["_source_file"], row["_line_number"], row["_run_id"], row["dt"]) == (
        "raw/orders/dt=2024-01-15/orders.file",
        7,
        "run-1",
        DAY,
    )
    record = json.loads(row["raw_record"])
    assert record["quantity"] == -3
    assert record["unit_price"] == 10.0
    assert record["customer_id"] == C1
    assert record["order_ts"].startswith("2024-01-15T10:00:00")


def test_revenue_is_the_exact_decimal_product(spark: SparkSession) -> None:
    cleaned = _clean(spark, [bronze_order(O1, quantity=3, unit_price="19.99")])
    # 3 x 19.99 in binary floating point is 59.970000000000006.
    assert _by_order(cleaned.orders)[O1]["revenue"] == Decimal("59.97")


def test_hour_iso_day_of_week_and_late_flag_are_derived_in_utc(spark: SparkSession) -> None:
    sunday_before = DAY - timedelta(days=1)
    cleaned = _clean(
        spark,
        [
            bronze_order(O1, order_ts=utc(DAY, 0, 30)),
            bronze_order(O2, order_ts=utc(DAY, 23, 59)),
            bronze_order(O3, order_ts=utc(sunday_before, 22, 15)),
        ],
    )
    derived = {
        order_id: (row["order_date"], row["order_hour"], row["day_of_week"], row["is_late"], row["dt"])
        for order_id, row in _by_order(cleaned.orders).items()
    }
    assert derived == {
        O1: (DAY, 0, 1, False, DAY),
        O2: (DAY, 23, 1, False, DAY),
        O3: (sunday_before, 22, 7, True, DAY),
    }


def test_missing_or_empty_channel_becomes_unknown(spark: SparkSession) -> None:
    cleaned = _clean(
        spark,
        [bronze_order(O1, channel=None), bronze_order(O2, channel=""), bronze_order(O3, channel="store")],
    )
    assert {order_id: row["channel"] for order_id, row in _by_order(cleaned.orders).items()} == {
        O1: "unknown",
        O2: "unknown",
        O3: "store",
    }


def test_orders_are_enriched_from_that_days_product_and_customer_snapshots(spark: SparkSession) -> None:
    cleaned = _clean(
        spark,
        [bronze_order(O1, dt=DAY), bronze_order(O2, order_ts=utc(NEXT_DAY, 8), dt=NEXT_DAY)],
        products=[
            silver_product(P1, product_name="Teapot", category="kitchen", dt=DAY),
            silver_product(P1, product_name="Teapot XL", category="tableware", dt=NEXT_DAY),
        ],
        customers=[silver_customer(C1, country="GB", dt=DAY), silver_customer(C1, country="FR", dt=NEXT_DAY)],
    )
    enriched = {
        order_id: (row["product_name"], row["category"], row["customer_country"])
        for order_id, row in _by_order(cleaned.orders).items()
    }
    assert enriched == {O1: ("Teapot", "kitchen", "GB"), O2: ("Teapot XL", "tableware", "FR")}


def test_dimension_joins_are_broadcast(spark: SparkSession, capsys: pytest.CaptureFixture[str]) -> None:
    cleaned = _clean(spark, [bronze_order(O1)])
    cleaned.orders.explain()
    plan = capsys.readouterr().out
    assert plan.count("BroadcastHashJoin") == 2
    assert "SortMergeJoin" not in plan


def test_several_days_at_once_equal_one_day_at_a_time(spark: SparkSession) -> None:
    rows = [
        bronze_order(O1, quantity=1, updated_at=utc(DAY, 10)),
        bronze_order(O1, quantity=4, updated_at=utc(DAY, 11)),
        bronze_order(O2, quantity=-1),
        bronze_order(O1, quantity=2, order_ts=utc(DAY, 23), updated_at=utc(NEXT_DAY, 1), dt=NEXT_DAY),
        bronze_order(O3, order_ts=utc(NEXT_DAY, 9), dt=NEXT_DAY),
    ]
    both = _clean(spark, rows)
    for day in (DAY, NEXT_DAY):
        alone = _clean(spark, [row for row in rows if row["dt"] == day])
        assert sorted(both.orders.where(f"dt = '{day}'").collect()) == sorted(alone.orders.collect())
        assert sorted(both.rejected.where(f"dt = '{day}'").collect()) == sorted(alone.rejected.collect())


def test_outputs_have_the_exact_schemas_of_their_models(spark: SparkSession) -> None:
    cleaned = _clean(spark, [bronze_order(O1), bronze_order(O2, quantity=0)])
    assert cleaned.orders.schema == SilverOrders.to_structtype()
    assert cleaned.rejected.schema == Quarantine.to_structtype()
    assert cleaned.superseded.schema == BronzeOrders.to_structtype()
