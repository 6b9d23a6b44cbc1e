"""Gold customer RFM over 30 days: recency, frequency, monetary, quintiles and segments, hand-computed."""

from datetime import date
from decimal import Decimal

import pytest
from pyspark.sql import DataFrame, SparkSession

from lakehouse.gold.schemas import CustomerRfm
from lakehouse.gold.transforms import customer_rfm
from lakehouse.silver.schemas import SilverCustomers, SilverOrders
from lakehouse_tests.gold.builders import day, silver_order
from lakehouse_tests.silver.builders import frame, silver_customer, utc

AS_OF = day(31)  # the window is the orders that landed Jan 2 .. Jan 31

ORDERS = [
    # C1: 3 orders, last on Jan 30. C1-b was re-sent on Jan 21 with a new price: counted once, at 60.
    silver_order("C1-a", customer_id="C1", dt=day(10), quantity=1, unit_price="25.00"),
    silver_order("C1-b", customer_id="C1", dt=day(20), quantity=1, unit_price="50.00", updated_at=utc(day(20), 12)),
    silver_order("C1-b", customer_id="C1", dt=day(21), order_date=day(20), unit_price="60.00", updated_at=utc(day(21))),
    silver_order("C1-c", customer_id="C1", dt=day(30), quantity=2, unit_price="50.00"),
    # C2: one order today.
    silver_order("C2-a", customer_id="C2", dt=day(31), unit_price="10.00"),
    # C3: the first order landed on Jan 2, the first day of the window.
    silver_order("C3-a", customer_id="C3", dt=day(2), unit_price="30.00"),
    silver_order("C3-b", customer_id="C3", dt=day(6), unit_price="30.00"),
    # C4: the Jan 1 order is outside the window.
    silver_order("C4-a", customer_id="C4", dt=day(1), unit_price="99.00"),
    silver_order("C4-b", customer_id="C4", dt=day(15), unit_price="20.00"),
    # C5: the Jan 29 order arrived late, on Jan 31: recency counts from the order date.
    silver_order("C5-a", customer_id="C5", dt=day(25), unit_price="200.00"),
    silver_order("C5-b", customer_id="C5", dt=day(31), order_date=day(29), unit_price="5.00"),
]

CUSTOMERS = [
    silver_customer("C1", country="XX", dt=day(30)),
    silver_customer("C1", country="GB", dt=AS_OF),
    silver_customer("C2", country="FR", dt=AS_OF),
    silver_customer("C3", country="DE", dt=AS_OF),
    silver_customer("C5", country="ES", dt=AS_OF),
]


def _rfm(spark: SparkSession, days: list[date] | tuple[date, date], orders: list | None = None) -> DataFrame:
    return customer_rfm(
        frame(spark, SilverOrders, ORDERS if orders is None else orders), frame(spark, SilverCustomers, CUSTOMERS), days
    )


def test_recency_frequency_monetary_scores_and_segments(spark: SparkSession) -> None:
    rows = {row["customer_id"]: row.asDict() for row in _rfm(spark, [AS_OF]).collect()}
    summary = {
        customer: (
            row["country"],
            row["recency_days"],
            row["frequency"],
            row["monetary"],
            row["r_score"],
            row["f_score"],
            row["m_score"],
            row["segment"],
        )
        for customer, row in rows.items()
    }
    # r: recency 25 (C3) < 16 (C4) < 2 (C5) < 1 (C1) < 0 (C2). f: 1 (C2, C4) < 2 (C3, C5) < 3 (C1), ties by id.
    # m: 10 (C2) < 20 (C4) < 60 (C3) < 185 (C1) < 205 (C5).
    assert summary == {
        "C1": ("GB", 1, 3, Decimal("185.00"), 4, 5, 4, "champions"),
        "C2": ("FR", 0, 1, Decimal("10.00"), 5, 1, 1, "potential"),
        "C3": ("DE", 25, 2, Decimal("60.00"), 1, 3, 3, "at_risk"),
        "C4": (None, 16, 1, Decimal("20.00"), 2, 2, 2, "hibernating"),
        "C5": ("ES", 2, 2, Decimal("205.00"), 3, 4, 5, "loyal"),
    }
    assert rows["C1"]["avg_order_value"] == pytest.approx(185 / 3)
    assert {row["dt"] for row in rows.values()} == {AS_OF}


def test_several_days_at_once_equal_one_day_at_a_time(spark: SparkSession) -> None:
    together = sorted(_rfm(spark, (day(30), AS_OF)).collect())
    one_by_one = sorted(
        row
        for as_of in (day(30), AS_OF)
        for row in _rfm(spark, [as_of], [o for o in ORDERS if o["dt"] <= as_of]).collect()
    )
    assert together == one_by_one
    assert {row["dt"] for row in together} == {day(30), AS_OF}


def test_output_has_the_exact_schema_of_the_model(spark: SparkSession) -> None:
    assert _rfm(spark, [AS_OF]).schema == CustomerRfm.to_structtype()
