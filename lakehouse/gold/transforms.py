"""Gold transforms: business metrics from silver (docs/design.md, "Cleaning rules", Gold).

Pure functions of DataFrames: no Dagster, no paths. Each computes many days at once (a backfill is one Spark job
per table) and gives, for each day, exactly what a run over that day alone gives: per-day tables group by `dt`,
windowed tables (`sales_rolling_7d`, `customer_rfm`) join each requested day to its own window.
"""

from collections.abc import Sequence
from datetime import date, timedelta

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from lakehouse.conform import conform
from lakehouse.gold.schemas import CustomerRfm, DailySales, ProductPerformance, SalesRolling7d, WebErrorRateHourly

Days = Sequence[date] | tuple[date, date]
"""The days to compute: a list of days, or a tuple (first, last) meaning every day from first to last inclusive."""

ROLLING_WINDOW_DAYS = 7
RFM_WINDOW_DAYS = 30


def daily_sales(silver_orders: DataFrame) -> DataFrame:
    """Per day x category x channel: distinct orders, units, revenue and distinct customers."""
    sales = silver_orders.groupBy("dt", "category", "channel").agg(
        F.count_distinct("order_id").alias("orders"),
        F.sum("quantity").alias("units"),
        F.sum("revenue").alias("revenue"),
        F.count_distinct("customer_id").alias("customers"),
    )
    return conform(sales, DailySales)


def sales_rolling_7d(silver_orders: DataFrame, days: Days) -> DataFrame:
    """For each requested day that has orders: its totals and those of the 7 days ending on it.

    `silver_orders` must also cover the 6 days before the first requested day. Averages divide by the days of the
    window that have orders (`days_in_window`), so the first days of a new pipeline are not diluted by empty days.
    Growth is `day / average - 1`, null when the average is zero.
    """
    per_day = silver_orders.groupBy("dt").agg(
        F.count_distinct("order_id").alias("orders"),
        F.sum("revenue").alias("revenue"),
    )
    window_ends = per_day.where(F.col("dt").isin(expand_days(days))).alias("end")
    window_days = per_day.alias("day")
    in_window = (F.col("day.dt") <= F.col("end.dt")) & (
        F.col("day.dt") > F.date_sub(F.col("end.dt"), ROLLING_WINDOW_DAYS)
    )
    totals = (
        window_ends.join(window_days, in_window)
        .groupBy("end.dt", "end.orders", "end.revenue")
        .agg(
            F.count("*").alias("days_in_window"),
            F.sum("day.orders").alias("orders_7d_total"),
            F.sum("day.revenue").alias("revenue_7d_total"),
        )
    )
    averages = totals.withColumns(
        {
            "avg_daily_orders_7d": F.col("orders_7d_total").cast("double") / F.col("days_in_window"),
            "avg_daily_revenue_7d": F.col("revenue_7d_total").cast("double") / F.col("days_in_window"),
        }
    )
    rolling = averages.withColumns(
        {
            "orders_growth_vs_7d_avg": _growth(F.col("orders"), F.col("avg_daily_orders_7d")),
            "revenue_growth_vs_7d_avg": _growth(F.col("revenue"), F.col("avg_daily_revenue_7d")),
        }
    )
    return conform(rolling, SalesRolling7d)


def customer_rfm(silver_orders: DataFrame, silver_customers: DataFrame, days: Days) -> DataFrame:
    """Recency, frequency and monetary value of each customer over the 30 days ending on each requested day.

    Window: the orders that landed (`dt`) in the 30 days ending on the as-of day `dt`; `silver_orders` must cover
    the 29 days before the first requested day. An order that landed on several days in the window counts once,
    in its latest version (latest `updated_at`, then latest `dt`). Rows exist for the customers with at least one
    order in the window; `country` comes from the as-of day's customer snapshot (null if absent).

    - recency_days: as-of day minus the customer's last `order_date`.
    - frequency: orders; monetary: revenue; avg_order_value = monetary / frequency.
    - r_score, f_score, m_score: quintiles 1-5 (`ntile(5)`) among the day's customers, 5 = most recent, most
      frequent, highest spend. Ties are broken by `customer_id` ascending (the lower id gets the lower score).
    - segment, first rule that matches:
      champions (r >= 4 and f >= 4), loyal (f >= 4), potential (r >= 4), at_risk (r <= 2 and f >= 3),
      hibernating (everything else).
    """
    as_of_days = _days_frame(silver_orders, days)
    in_window = (F.col("dt") <= F.col("as_of")) & (F.col("dt") > F.date_sub(F.col("as_of"), RFM_WINDOW_DAYS))
    windowed = silver_orders.join(F.broadcast(as_of_days), in_window)
    newest_version = Window.partitionBy("as_of", "order_id").orderBy(F.col("updated_at").desc(), F.col("dt").desc())
    orders = windowed.withColumn("_version", F.row_number().over(newest_version)).where(F.col("_version") == 1)

    rfm = orders.groupBy("as_of", "customer_id").agg(
        F.date_diff(F.col("as_of"), F.max("order_date")).alias("recency_days"),
        F.count("*").alias("frequency"),
        F.sum("revenue").alias("monetary"),
    )

    def quintile(*order: Column) -> Column:
        return F.ntile(5).over(Window.partitionBy("as_of").orderBy(*order, F.col("customer_id")))

    scored = rfm.withColumns(
        {
            "avg_order_value": F.col("monetary").cast("double") / F.col("frequency"),
            "r_score": quintile(F.col("recency_days").desc()),
            "f_score": quintile(F.col("frequency")),
            "m_score": quintile(F.col("monetary")),
        }
    )
    r, f = F.col("r_score"), F.col("f_score")
    segmented = scored.withColumn(
        "segment",
        F.when((r >= 4) & (f >= 4), "champions")
        .when(f >= 4, "loyal")
        .when(r >= 4, "potential")
        .when((r <= 2) & (f >= 3), "at_risk")
        .otherwise("hibernating"),
    )
    countries = silver_customers.select(F.col("dt").alias("as_of"), "customer_id", "country")
    with_country = segmented.join(countries, on=["as_of", "customer_id"], how="left").withColumnRenamed("as_of", "dt")
    return conform(with_country, CustomerRfm)


def product_performance(silver_orders: DataFrame) -> DataFrame:
    """Per day x product: orders, units, revenue, share of its category's revenue, rank in its category.

    Rank 1 is the highest revenue of the category that day; ties are broken by `product_id` ascending. The share is
    0 when the whole category sold for nothing.
    """
    per_product = silver_orders.groupBy("dt", "product_id", "product_name", "category").agg(
        F.count_distinct("order_id").alias("orders"),
        F.sum("quantity").alias("units"),
        F.sum("revenue").alias("revenue"),
    )
    category = Window.partitionBy("dt", "category")
    category_revenue = F.sum("revenue").over(category).cast("double")
    performance = per_product.withColumns(
        {
            "category_revenue_share": F.when(
                category_revenue > 0, F.col("revenue").cast("double") / category_revenue
            ).otherwise(F.lit(0.0)),
            "rank_in_category": F.row_number().over(category.orderBy(F.col("revenue").desc(), F.col("product_id"))),
        }
    )
    return conform(performance, ProductPerformance)


def web_error_rate_hourly(silver_web_logs: DataFrame) -> DataFrame:
    """Per day x UTC hour: requests, server errors (>= 500), client errors (4xx) and server_errors / requests."""
    hourly = silver_web_logs.groupBy("dt", "event_hour").agg(
        F.count("*").alias("requests"),
        F.count_if(F.col("is_error")).alias("server_errors"),
        F.count_if(F.col("status").between(400, 499)).alias("client_errors"),
    )
    rates = hourly.withColumn("error_rate", F.col("server_errors") / F.col("requests"))
    return conform(rates, WebErrorRateHourly)


def expand_days(days: Days) -> list[date]:
    """The requested days as a sorted list; a (first, last) tuple means every day in between, inclusive."""
    if isinstance(days, tuple) and len(days) == 2:
        first, last = days
        if first > last:
            raise ValueError(f"day range is reversed: {first} > {last}")
        return [first + timedelta(days=offset) for offset in range((last - first).days + 1)]
    return sorted(set(days))


def _days_frame(like: DataFrame, days: Days) -> DataFrame:
    return like.sparkSession.createDataFrame([(day,) for day in expand_days(days)], "as_of date")


def _growth(value: Column, average: Column) -> Column:
    return F.when(average != 0, value.cast("double") / average - 1)
