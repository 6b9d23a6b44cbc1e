"""Gold product performance: per product and day, share of the category and rank in it, hand-computed."""

from decimal import Decimal

import pytest
from pyspark.sql import SparkSession

from lakehouse.gold.schemas import ProductPerformance
from lakehouse.gold.transforms import product_performance
from lakehouse.silver.schemas import SilverOrders
from lakehouse_tests.gold.builders import silver_order
from lakehouse_tests.silver.builders import DAY, NEXT_DAY, frame

ORDERS = [
    silver_order("O1", product_id="P1", category="kitchen", quantity=2, unit_price="10.00"),
    silver_order("O2", product_id="P1", category="kitchen", quantity=1, unit_price="10.00"),
    silver_order("O3", product_id="P2", category="kitchen", quantity=5, unit_price="6.00"),
    silver_order("O4", product_id="P3", category="kitchen", quantity=1, unit_price="15.00"),
    silver_order("O5", product_id="P4", category="garden", quantity=1, unit_price="0.00"),
    silver_order("O1", dt=NEXT_DAY, product_id="P2", category="kitchen", quantity=1, unit_price="6.00"),
]


def test_products_are_ranked_and_shared_within_their_category_each_day(spark: SparkSession) -> None:
    performance = product_performance(frame(spark, SilverOrders, ORDERS))
    rows = {
        (row["dt"], row["product_id"]): (
            row["category"],
            row["orders"],
            row["units"],
            row["revenue"],
            row["category_revenue_share"],
            row["rank_in_category"],
        )
        for row in performance.collect()
    }
    # Kitchen sold 75.00 on DAY; P1 and P2 tie at 30.00 and the lower id ranks first.
    assert rows == {
        (DAY, "P1"): ("kitchen", 2, 3, Decimal("30.00"), pytest.approx(0.4), 1),
        (DAY, "P2"): ("kitchen", 1, 5, Decimal("30.00"), pytest.approx(0.4), 2),
        (DAY, "P3"): ("kitchen", 1, 1, Decimal("15.00"), pytest.approx(0.2), 3),
        (DAY, "P4"): ("garden", 1, 1, Decimal("0.00"), 0.0, 1),
        (NEXT_DAY, "P2"): ("kitchen", 1, 1, Decimal("6.00"), 1.0, 1),
    }


def test_product_names_come_from_silver(spark: SparkSession) -> None:
    orders = [silver_order("O1", product_id="P1", product_name="Teapot")]
    [row] = product_performance(frame(spark, SilverOrders, orders)).collect()
    assert row["product_name"] == "Teapot"


def test_output_has_the_exact_schema_of_the_model(spark: SparkSession) -> None:
    assert product_performance(frame(spark, SilverOrders, ORDERS)).schema == ProductPerformance.to_structtype()
