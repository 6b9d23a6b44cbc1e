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
from lakehouse.gold.schemas import (
    Customer360,
    CustomerRfm,
    DailySales,
    ProductPerformance,
    SalesRolling7d,
    WebErrorRateHourly,
)

Days = Sequence[date] | tuple[date, date]
"""The days to compute: a list of days, or a tuple (first, last) meaning every day from first to last inclusive."""

ROLLING_WINDOW_DAYS = 7
RFM_WINDOW_DAYS = 30
LIFETIME_LOOKBACK_DAYS = 100 * 366
"""customer_360 reads every earlier landing day: a lookback longer than any partition's history."""


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
    orders = _latest_versions(silver_orders.join(F.broadcast(as_of_days), in_window), "as_of")

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


def customer_360(silver_orders: DataFrame, silver_customers: DataFrame, rfm: DataFrame, days: Days) -> DataFrame:
    """One profile per customer and requested day: lifetime orders and value, preferences, RFM, contact keys.

    Lifetime, as of day `dt`: every order that landed (`dt`) up to and including it, counted once in its latest
    version (latest `updated_at`, then latest `dt`, as in customer_rfm); `silver_orders` must hold every landing
    day up to the last requested day. Rows exist for the customers with at least one lifetime order.

    - first_order_date, last_order_date: earliest and latest `order_date` of those orders.
    - lifetime_orders, lifetime_revenue; avg_order_value = lifetime_revenue / lifetime_orders.
    - preferred_category, preferred_channel: the one with the most lifetime orders; ties go to the higher revenue,
      then to the name first in alphabetical order.
    - country, signup_date, email_hash, phone_hash: the as-of day's silver customer snapshot (null if absent);
      the contact keys are silver's HMACs, never the raw values.
    - r_score, f_score, m_score, segment: from `rfm`, the output of `customer_rfm` (gold.customer_rfm) for the
      same days; null when the customer had no order landing in its 30-day window.

    Cost: one pass over the history, however many days are requested. An order with no version landing between
    the first and the last requested day has the same latest version on every requested day, so it is reduced to
    that version once and counted for each day at the grain customer x category x channel; only the orders with a
    version in that span are resolved per day, as customer_rfm resolves its window.
    """
    as_of_days = _days_frame(silver_orders, days)
    requested = expand_days(days)
    history = silver_orders.where(F.col("dt") <= requested[-1])
    moving_ids = history.where(F.col("dt") >= requested[0]).select("order_id").distinct()
    settled = _latest_versions(history.join(moving_ids, "order_id", "left_anti"))
    moving = _latest_versions(
        history.join(moving_ids, "order_id", "left_semi").join(F.broadcast(as_of_days), F.col("dt") <= F.col("as_of")),
        "as_of",
    )
    grain = ["customer_id", "category", "channel"]
    cells = (
        _order_totals(settled, grain)
        .crossJoin(F.broadcast(as_of_days))
        .unionByName(_order_totals(moving, ["as_of", *grain]))
    )
    customer = ["as_of", "customer_id"]
    lifetime = cells.groupBy(customer).agg(
        F.min("first_order_date").alias("first_order_date"),
        F.max("last_order_date").alias("last_order_date"),
        F.sum("orders").alias("lifetime_orders"),
        F.sum("revenue").alias("lifetime_revenue"),
    )
    profile = (
        lifetime.withColumn("avg_order_value", F.col("lifetime_revenue").cast("double") / F.col("lifetime_orders"))
        .join(_preferred(cells, customer, "category"), customer)
        .join(_preferred(cells, customer, "channel"), customer)
    )
    contacts = silver_customers.select(
        F.col("dt").alias("as_of"), "customer_id", "country", "signup_date", "email_hash", "phone_hash"
    )
    scores = rfm.select(F.col("dt").alias("as_of"), "customer_id", "r_score", "f_score", "m_score", "segment")
    full = profile.join(contacts, customer, "left").join(scores, customer, "left").withColumnRenamed("as_of", "dt")
    return conform(full, Customer360)


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


def _latest_versions(orders: DataFrame, *per: str) -> DataFrame:
    """Each order once, in its latest version: latest `updated_at`, then the later landing day `dt`. With `per`
    (e.g. the as-of day), once per value of those columns."""
    newest = Window.partitionBy(*per, "order_id").orderBy(F.col("updated_at").desc(), F.col("dt").desc())
    return orders.withColumn("_version", F.row_number().over(newest)).where(F.col("_version") == 1).drop("_version")


def _order_totals(orders: DataFrame, grain: list[str]) -> DataFrame:
    """Orders, revenue and first and last order date per `grain`: sums, minima and maxima, so cells computed
    apart from disjoint sets of orders combine into the totals of their union."""
    return orders.groupBy(grain).agg(
        F.count("*").alias("orders"),
        F.sum("revenue").alias("revenue"),
        F.min("order_date").alias("first_order_date"),
        F.max("order_date").alias("last_order_date"),
    )


def _preferred(cells: DataFrame, per: list[str], attribute: str) -> DataFrame:
    """Per `per`, the value of `attribute` with the most orders; ties: the higher revenue, then the first name."""
    totals = cells.groupBy(*per, attribute).agg(F.sum("orders").alias("_orders"), F.sum("revenue").alias("_revenue"))
    best = Window.partitionBy(*per).orderBy(F.col("_orders").desc(), F.col("_revenue").desc(), F.col(attribute))
    ranked = totals.withColumn("_rank", F.row_number().over(best)).where(F.col("_rank") == 1)
    return ranked.select(*per, F.col(attribute).alias(f"preferred_{attribute}"))


def _growth(value: Column, average: Column) -> Column:
    return F.when(average != 0, value.cast("double") / average - 1)
