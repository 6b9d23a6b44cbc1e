"""The daily run report's figures and markdown, on small DataFrames (the real run is in test_run_cli)."""

from datetime import date
from decimal import Decimal

import pytest
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from lakehouse.report.daily_figures import collect_daily_figures, reason_rule
from lakehouse.report.daily_markdown import render_daily_report

DAY, NEXT_DAY = date(2024, 1, 15), date(2024, 1, 16)
SOURCES = ("orders", "web_logs")


def _reasons(spark: SparkSession, *reasons: str) -> list[list[str]]:
    frame = spark.createDataFrame([(reason,) for reason in reasons], "reason string")
    return [row["rules"] for row in frame.select(reason_rule(F.col("reason")).alias("rules")).collect()]


def test_a_reason_counts_under_each_of_its_rules_with_the_values_it_quoted_elided(spark: SparkSession) -> None:
    assert _reasons(
        spark,
        "quantity: 'abc' is not an integer; unit_price is null",
        "latency_ms: 1.0E30 is not an integer",
        # A quoted value may hold the separator, or a quote of the other kind.
        "product_name: 'a; b' is not a string; city: \"O'Hare\" is not a string",
        "address: {…:1} is not an object",
        "expected 8 fields, got 6",
        "invalid JSON: syntax error",
        "missing column(s) in header: unit_price",
        "order_id 'Ö20240101-000001' breaks ^O\\d{8}-\\d{6}$",
    ) == [
        ["quantity: … is not an integer", "unit_price is null"],
        ["latency_ms: … is not an integer"],
        ["product_name: … is not a string", "city: … is not a string"],
        ["address: … is not an object"],
        ["expected 8 fields, got 6"],
        ["invalid JSON: syntax error"],
        ["missing column(s) in header: unit_price"],
        ["order_id … breaks ^O\\d{8}-\\d{6}$"],
    ]


@pytest.fixture
def tables(spark: SparkSession) -> dict[tuple[str, str], DataFrame]:
    """Two days of the tables the report reads; web_logs was never materialized on the second day, and the
    web_logs quarantine not at all."""
    return {
        ("bronze", "orders"): spark.createDataFrame([(DAY,)] * 5 + [(NEXT_DAY,)] * 2, "dt date"),
        ("bronze", "orders_quarantine"): spark.createDataFrame(
            [
                (DAY, "quantity: 'x' is not an integer"),
                (DAY, "quantity: 'y' is not an integer; order_ts is null"),
            ],
            "dt date, reason string",
        ),
        ("bronze", "web_logs"): spark.createDataFrame([(DAY,)] * 3, "dt date"),
        ("silver", "orders_rejected"): spark.createDataFrame(
            [(DAY, "quantity <= 0"), (NEXT_DAY, "product_id not in products")], "dt date, reason string"
        ),
        ("silver", "orders"): spark.createDataFrame(
            [(DAY, "C1"), (DAY, "C1"), (DAY, "C2"), (NEXT_DAY, "C3")], "dt date, customer_id string"
        ),
        ("gold", "daily_sales"): spark.createDataFrame(
            [
                (DAY, "web", 2, 3, Decimal("30.00")),
                (DAY, "store", 1, 1, Decimal("5.50")),
                (NEXT_DAY, "web", 1, 1, Decimal("2.00")),
            ],
            "dt date, channel string, orders long, units long, revenue decimal(18,2)",
        ),
        ("gold", "sales_rolling_7d"): spark.createDataFrame(
            [(DAY, 1, 3, Decimal("35.50"), Decimal("35.50"), 3.0, 35.5, 0.0, 0.0)],
            "dt date, days_in_window int, orders long, revenue decimal(18,2), revenue_7d_total decimal(18,2), "
            "avg_daily_orders_7d double, avg_daily_revenue_7d double, orders_growth_vs_7d_avg double, "
            "revenue_growth_vs_7d_avg double",
        ).withColumn("orders_7d_total", F.col("orders")),
    }


def test_the_figures_of_each_day_come_from_that_days_rows(tables) -> None:
    day, next_day = collect_daily_figures(
        lambda layer, table: tables.get((layer, table)), [DAY, NEXT_DAY], SOURCES, ["orders_rejected"]
    )

    orders, web_logs = day.intake
    assert (orders.source, orders.bronze_rows, orders.quarantined, orders.raw_records) == ("orders", 5, 2, 7)
    # The web_logs quarantine does not exist: its figures are unknown, not zero.
    assert (web_logs.bronze_rows, web_logs.quarantined, web_logs.raw_records) == (3, None, None)
    assert day.set_aside == {
        "bronze/orders_quarantine": 2,
        "bronze/web_logs_quarantine": None,
        "silver/orders_rejected": 1,
    }
    assert (day.quarantined, day.rejected) == (2, 1)
    assert [(r.table, r.reason, r.rows) for r in day.reasons] == [
        ("bronze/orders_quarantine", "quantity: … is not an integer", 2),
        ("bronze/orders_quarantine", "order_ts is null", 1),
        ("silver/orders_rejected", "quantity <= 0", 1),
    ]
    assert day.sales is not None
    assert (day.sales.orders, day.sales.units, day.sales.revenue) == (3, 4, Decimal("35.50"))
    assert day.sales.customers == 2  # distinct over the day, not summed per channel
    assert day.sales.average_order_value == Decimal("11.83")
    assert [(c.channel, c.orders, c.revenue) for c in day.sales.channels] == [
        ("web", 2, Decimal("30.00")),
        ("store", 1, Decimal("5.50")),
    ]
    assert day.rolling is not None and day.rolling["orders_7d_total"] == 3

    assert next_day.intake[0].bronze_rows == 2 and next_day.intake[0].quarantined == 0
    assert next_day.intake[1].bronze_rows == 0
    assert [r.reason for r in next_day.reasons] == ["product_id not in products"]
    assert next_day.sales is not None and next_day.sales.customers == 1
    assert next_day.rolling is None


def test_the_markdown_shows_every_section_and_says_what_is_missing(tables) -> None:
    day, next_day = collect_daily_figures(
        lambda layer, table: tables.get((layer, table)), [DAY, NEXT_DAY], SOURCES, ["orders_rejected"]
    )

    text = render_daily_report(day, run_line="Written by run `abcd1234`.")
    assert text.startswith("# Daily run report: 2024-01-15\n\nWritten by run `abcd1234`.\n\n")
    assert "| orders | 7 | 5 | 2 |" in text
    assert "| web_logs | n/a | 3 | n/a |" in text
    assert "Quarantined in bronze: 2 (28.57% of the raw records). Rejected in silver: orders_rejected 1." in text
    assert "| bronze/orders_quarantine | quantity: … is not an integer | 2 |" in text
    assert "| 3 | 4 | 35.50 | 2 | 11.83 |" in text
    assert "| web | 2 | 30.00 |" in text
    assert "| 1 | 3 | 35.50 | 3.0 | 35.50 | +0.0% | +0.0% |" in text

    later = render_daily_report(next_day, run_line="")
    assert "None: gold.sales_rolling_7d has no row for this day." in later
