"""Gold daily sales: day x category x channel totals, hand-computed."""

from decimal import Decimal

from pyspark.sql import DataFrame, SparkSession

from lakehouse.gold.schemas import DailySales
from lakehouse.gold.transforms import daily_sales
from lakehouse.silver.schemas import SilverOrders
from lakehouse_tests.gold.builders import silver_order
from lakehouse_tests.silver.builders import DAY, NEXT_DAY, frame

ORDERS = [
    silver_order("O1", customer_id="C1", category="kitchen", channel="web", quantity=2, unit_price="10.00"),
    silver_order("O2", customer_id="C2", category="kitchen", channel="web", quantity=1, unit_price="5.50"),
    silver_order("O3", customer_id="C1", category="kitchen", channel="store", quantity=3, unit_price="1.00"),
    silver_order("O4", customer_id="C1", category="garden", channel="web", quantity=1, unit_price="7.25"),
    silver_order("O5", customer_id="C1", category="kitchen", channel="web", quantity=1, unit_price="0.10"),
    silver_order("O1", dt=NEXT_DAY, customer_id="C3", category="kitchen", channel="web", quantity=4, unit_price="2.50"),
]


def _rows(df: DataFrame) -> list[tuple]:
    return sorted(tuple(row) for row in df.collect())


def test_sales_are_totalled_per_day_category_and_channel(spark: SparkSession) -> None:
    sales = daily_sales(frame(spark, SilverOrders, ORDERS))
    assert _rows(sales) == [
        (DAY, "garden", "web", 1, 1, Decimal("7.25"), 1),
        (DAY, "kitchen", "store", 1, 3, Decimal("3.00"), 1),
        (DAY, "kitchen", "web", 3, 4, Decimal("25.60"), 2),
        (NEXT_DAY, "kitchen", "web", 1, 4, Decimal("10.00"), 1),
    ]


def test_several_days_at_once_equal_one_day_at_a_time(spark: SparkSession) -> None:
    both = _rows(daily_sales(frame(spark, SilverOrders, ORDERS)))
    one_by_one = sorted(
        row
        for day in (DAY, NEXT_DAY)
        for row in _rows(daily_sales(frame(spark, SilverOrders, [o for o in ORDERS if o["dt"] == day])))
    )
    assert both == one_by_one


def test_output_has_the_exact_schema_of_the_model(spark: SparkSession) -> None:
    assert daily_sales(frame(spark, SilverOrders, ORDERS)).schema == DailySales.to_structtype()
