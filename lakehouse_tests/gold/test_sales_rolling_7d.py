"""Gold rolling 7-day sales: windows, averages over days with data, growth; hand-computed."""

from datetime import timedelta
from decimal import Decimal

import pytest
from pyspark.sql import DataFrame, SparkSession

from lakehouse.gold.schemas import SalesRolling7d
from lakehouse.gold.transforms import sales_rolling_7d
from lakehouse.silver.schemas import SilverOrders
from lakehouse_tests.gold.builders import day, silver_order
from lakehouse_tests.silver.builders import frame

# Orders and revenue per day: Jan 1: 1 / 10, Jan 2: 2 / 30, Jan 4: 1 / 40, Jan 8: 3 / 60, Jan 9: 1 / 5.
ORDERS = [
    silver_order("A", dt=day(1), unit_price="10.00"),
    silver_order("A", dt=day(2), unit_price="10.00"),
    silver_order("B", dt=day(2), unit_price="20.00"),
    silver_order("A", dt=day(4), quantity=2, unit_price="20.00"),
    silver_order("A", dt=day(8), unit_price="10.00"),
    silver_order("B", dt=day(8), unit_price="20.00"),
    silver_order("C", dt=day(8), unit_price="30.00"),
    silver_order("A", dt=day(9), unit_price="5.00"),
]


def _by_day(df: DataFrame) -> dict:
    return {row["dt"]: row.asDict() for row in df.collect()}


def test_the_first_days_average_only_over_the_days_with_data(spark: SparkSession) -> None:
    rolling = _by_day(sales_rolling_7d(frame(spark, SilverOrders, ORDERS), (day(1), day(9))))
    assert sorted(rolling) == [day(1), day(2), day(4), day(8), day(9)]

    first = rolling[day(1)]
    assert (first["orders"], first["revenue"], first["days_in_window"]) == (1, Decimal("10.00"), 1)
    assert (first["avg_daily_orders_7d"], first["avg_daily_revenue_7d"]) == (1.0, 10.0)
    assert (first["orders_growth_vs_7d_avg"], first["revenue_growth_vs_7d_avg"]) == (0.0, 0.0)

    second = rolling[day(2)]
    assert (second["days_in_window"], second["orders_7d_total"], second["revenue_7d_total"]) == (
        2,
        3,
        Decimal("40.00"),
    )
    assert (second["avg_daily_orders_7d"], second["avg_daily_revenue_7d"]) == (1.5, 20.0)
    assert second["orders_growth_vs_7d_avg"] == pytest.approx(2 / 1.5 - 1)
    assert second["revenue_growth_vs_7d_avg"] == pytest.approx(0.5)


def test_a_day_falls_out_of_the_window_seven_days_later(spark: SparkSession) -> None:
    rolling = _by_day(sales_rolling_7d(frame(spark, SilverOrders, ORDERS), (day(1), day(9))))
    # Jan 8 covers Jan 2-8 (Jan 1 has dropped out); Jan 9 covers Jan 3-9 (Jan 2 has dropped out).
    eighth, ninth = rolling[day(8)], rolling[day(9)]
    assert (eighth["days_in_window"], eighth["orders_7d_total"], eighth["revenue_7d_total"]) == (
        3,
        6,
        Decimal("130.00"),
    )
    assert eighth["orders_growth_vs_7d_avg"] == pytest.approx(3 / 2 - 1)
    assert eighth["revenue_growth_vs_7d_avg"] == pytest.approx(60 / (130 / 3) - 1)
    assert (ninth["days_in_window"], ninth["orders_7d_total"], ninth["revenue_7d_total"]) == (
        3,
        5,
        Decimal("105.00"),
    )
    assert ninth["avg_daily_revenue_7d"] == pytest.approx(35.0)
    assert ninth["revenue_growth_vs_7d_avg"] == pytest.approx(5 / 35 - 1)


def test_only_requested_days_with_orders_are_output(spark: SparkSession) -> None:
    orders = frame(spark, SilverOrders, ORDERS)
    # A list names exact days (Jan 3 has no orders); a 2-tuple is an inclusive range.
    assert sorted(_by_day(sales_rolling_7d(orders, [day(9), day(3), day(1)]))) == [day(1), day(9)]
    assert sorted(_by_day(sales_rolling_7d(orders, (day(3), day(8))))) == [day(4), day(8)]


def test_growth_is_null_when_the_average_is_zero(spark: SparkSession) -> None:
    free = frame(spark, SilverOrders, [silver_order("A", dt=day(1), unit_price="0.00")])
    [row] = sales_rolling_7d(free, [day(1)]).collect()
    assert (row["orders_growth_vs_7d_avg"], row["revenue_growth_vs_7d_avg"]) == (0.0, None)


def test_several_days_at_once_equal_one_day_at_a_time(spark: SparkSession) -> None:
    together = _by_day(sales_rolling_7d(frame(spark, SilverOrders, ORDERS), (day(1), day(9))))
    for end, row in together.items():
        lookback = [o for o in ORDERS if end - timedelta(days=6) <= o["dt"] <= end]
        [alone] = sales_rolling_7d(frame(spark, SilverOrders, lookback), [end]).collect()
        assert alone.asDict() == row


def test_output_has_the_exact_schema_of_the_model(spark: SparkSession) -> None:
    rolling = sales_rolling_7d(frame(spark, SilverOrders, ORDERS), [day(1)])
    assert rolling.schema == SalesRolling7d.to_structtype()
