"""Gold table models: the business metrics."""

import pyspark.sql.types as T
from pandera.pyspark import DataFrameModel, Field

from lakehouse.bronze.schemas import COUNTRY, CUSTOMER_ID, PRODUCT_ID
from lakehouse.schema_types import REVENUE
from lakehouse.silver.schemas import SHA256_HEX, SILVER_CHANNELS

RFM_SEGMENTS = ["champions", "loyal", "potential", "at_risk", "hibernating"]


class DailySales(DataFrameModel):
    dt: T.DateType() = Field(nullable=False, description="Landing day")
    category: T.StringType() = Field(nullable=False, description="Product category")
    channel: T.StringType() = Field(nullable=False, isin=SILVER_CHANNELS, description="Sales channel")
    orders: T.LongType() = Field(nullable=False, ge=0, description="Distinct orders")
    units: T.LongType() = Field(nullable=False, ge=0, description="Units sold")
    revenue: REVENUE = Field(nullable=False, ge=0, description="Revenue")
    customers: T.LongType() = Field(nullable=False, ge=0, description="Distinct customers")

    class Config:
        unique = ["dt", "category", "channel"]


class SalesRolling7d(DataFrameModel):
    dt: T.DateType() = Field(nullable=False, description="Last day of the 7-day window")
    orders: T.LongType() = Field(nullable=False, ge=0, description="Orders on dt")
    revenue: REVENUE = Field(nullable=False, ge=0, description="Revenue on dt")
    days_in_window: T.IntegerType() = Field(nullable=False, ge=1, le=7, description="Days with data among the 7")
    orders_7d_total: T.LongType() = Field(nullable=False, ge=0, description="Orders over the 7 days ending on dt")
    revenue_7d_total: REVENUE = Field(nullable=False, ge=0, description="Revenue over the 7 days ending on dt")
    avg_daily_orders_7d: T.DoubleType() = Field(nullable=False, description="orders_7d_total / days_in_window")
    avg_daily_revenue_7d: T.DoubleType() = Field(nullable=False, description="revenue_7d_total / days_in_window")
    orders_growth_vs_7d_avg: T.DoubleType() = Field(nullable=True, description="orders / avg_daily_orders_7d - 1")
    revenue_growth_vs_7d_avg: T.DoubleType() = Field(nullable=True, description="revenue / avg_daily_revenue_7d - 1")

    class Config:
        unique = ["dt"]


class CustomerRfm(DataFrameModel):
    dt: T.DateType() = Field(nullable=False, description="As-of day; the window is the 30 days ending on it")
    customer_id: T.StringType() = Field(nullable=False, str_matches=CUSTOMER_ID, description="Customer business key")
    country: T.StringType() = Field(nullable=True, description="Customer country")
    recency_days: T.IntegerType() = Field(nullable=False, ge=0, description="Days since the last order")
    frequency: T.LongType() = Field(nullable=False, ge=1, description="Orders in the window")
    monetary: REVENUE = Field(nullable=False, ge=0, description="Revenue in the window")
    avg_order_value: T.DoubleType() = Field(nullable=False, ge=0, description="monetary / frequency")
    r_score: T.IntegerType() = Field(nullable=False, ge=1, le=5, description="Recency quintile, 5 = most recent")
    f_score: T.IntegerType() = Field(nullable=False, ge=1, le=5, description="Frequency quintile, 5 = most frequent")
    m_score: T.IntegerType() = Field(nullable=False, ge=1, le=5, description="Monetary quintile, 5 = highest spend")
    segment: T.StringType() = Field(
        nullable=False, isin=RFM_SEGMENTS, description="champions, loyal, potential, at_risk or hibernating"
    )

    class Config:
        unique = ["dt", "customer_id"]


class Customer360(DataFrameModel):
    dt: T.DateType() = Field(
        nullable=False, description="As-of day; lifetime is every order that landed up to and including it"
    )
    customer_id: T.StringType() = Field(nullable=False, str_matches=CUSTOMER_ID, description="Customer business key")
    country: T.StringType() = Field(
        nullable=True, str_matches=COUNTRY, description="ISO country code in the as-of day's customer snapshot"
    )
    signup_date: T.DateType() = Field(nullable=True, description="Signup day in the as-of day's customer snapshot")
    email_hash: T.StringType() = Field(
        nullable=True,
        str_matches=SHA256_HEX,
        description="Contact key: silver.customers' HMAC-SHA256 of the e-mail on the as-of day; never the e-mail",
    )
    phone_hash: T.StringType() = Field(
        nullable=True,
        str_matches=SHA256_HEX,
        description="Contact key: silver.customers' HMAC-SHA256 of the phone digits on the as-of day; never the phone",
    )
    first_order_date: T.DateType() = Field(nullable=False, description="Earliest order_date of the lifetime orders")
    last_order_date: T.DateType() = Field(nullable=False, description="Latest order_date of the lifetime orders")
    lifetime_orders: T.LongType() = Field(
        nullable=False, ge=1, description="Distinct orders landed up to dt, each in its latest version"
    )
    lifetime_revenue: REVENUE = Field(
        nullable=False, ge=0, description="Lifetime value: revenue of the lifetime orders, latest versions"
    )
    avg_order_value: T.DoubleType() = Field(nullable=False, ge=0, description="lifetime_revenue / lifetime_orders")
    preferred_category: T.StringType() = Field(
        nullable=False, description="Category with the most lifetime orders; ties: more revenue, then name A-Z"
    )
    preferred_channel: T.StringType() = Field(
        nullable=False,
        isin=SILVER_CHANNELS,
        description="Channel with the most lifetime orders; ties: more revenue, then name A-Z",
    )
    r_score: T.IntegerType() = Field(
        nullable=True, ge=1, le=5, description="gold.customer_rfm's recency score that day; null: no order in 30 days"
    )
    f_score: T.IntegerType() = Field(
        nullable=True, ge=1, le=5, description="gold.customer_rfm's frequency score that day; null: no order in 30 days"
    )
    m_score: T.IntegerType() = Field(
        nullable=True, ge=1, le=5, description="gold.customer_rfm's monetary score that day; null: no order in 30 days"
    )
    segment: T.StringType() = Field(
        nullable=True, isin=RFM_SEGMENTS, description="gold.customer_rfm's segment that day; null: no order in 30 days"
    )

    class Config:
        unique = ["dt", "customer_id"]


class ProductPerformance(DataFrameModel):
    dt: T.DateType() = Field(nullable=False, description="Landing day")
    product_id: T.StringType() = Field(nullable=False, str_matches=PRODUCT_ID, description="Product business key")
    product_name: T.StringType() = Field(nullable=True, description="Display name")
    category: T.StringType() = Field(nullable=False, description="Product category")
    orders: T.LongType() = Field(nullable=False, ge=0, description="Distinct orders")
    units: T.LongType() = Field(nullable=False, ge=0, description="Units sold")
    revenue: REVENUE = Field(nullable=False, ge=0, description="Revenue")
    category_revenue_share: T.DoubleType() = Field(
        nullable=False, ge=0, le=1, description="Share of its category's revenue that day"
    )
    rank_in_category: T.IntegerType() = Field(
        nullable=False, ge=1, description="1 = best seller of its category that day"
    )

    class Config:
        unique = ["dt", "product_id"]


class WebErrorRateHourly(DataFrameModel):
    dt: T.DateType() = Field(nullable=False, description="Landing day")
    event_hour: T.TimestampType() = Field(nullable=False, description="Hour (UTC)")
    requests: T.LongType() = Field(nullable=False, ge=0, description="Requests in the hour")
    server_errors: T.LongType() = Field(nullable=False, ge=0, description="Requests with status >= 500")
    client_errors: T.LongType() = Field(nullable=False, ge=0, description="Requests with status 400-499")
    error_rate: T.DoubleType() = Field(nullable=False, ge=0, le=1, description="server_errors / requests")

    class Config:
        unique = ["dt", "event_hour"]


GOLD_MODELS: dict[str, type[DataFrameModel]] = {
    "daily_sales": DailySales,
    "sales_rolling_7d": SalesRolling7d,
    "customer_rfm": CustomerRfm,
    "customer_360": Customer360,
    "product_performance": ProductPerformance,
    "web_error_rate_hourly": WebErrorRateHourly,
}
"""Every gold table and its model: the quality checks, the freshness checks and the DuckDB cross-check cover each."""
