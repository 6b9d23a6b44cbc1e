"""Gold customer 360: lifetime orders and value, preferences with their tie rules, RFM and contact keys, by hand."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from lakehouse.gold.schemas import Customer360
from lakehouse.gold.transforms import customer_360, customer_rfm
from lakehouse.partitions import DayRange
from lakehouse.quality import QualityThresholds
from lakehouse.quality.model_checks import evaluate_model
from lakehouse.silver.schemas import SHA256_HEX, SilverCustomers, SilverOrders
from lakehouse_tests.gold.builders import day, silver_order
from lakehouse_tests.silver.builders import Row, frame, silver_customer, utc

AS_OF = day(45)  # Feb 14: lifetime is everything landed up to it, RFM's window starts on Jan 16

ORDERS = [
    # C1: the Jan 1 order is outside RFM's window but part of the lifetime. C1-b was re-sent on Feb 13 at a new
    # price: counted once, at 60, from Feb 13 on.
    silver_order("C1-a", customer_id="C1", dt=day(1), category="kitchen", channel="web", unit_price="25.00"),
    silver_order("C1-b", customer_id="C1", dt=day(20), category="garden", channel="mobile", unit_price="50.00"),
    silver_order(
        "C1-b",
        customer_id="C1",
        dt=day(44),
        order_date=day(20),
        category="garden",
        channel="mobile",
        unit_price="60.00",
        updated_at=utc(day(44)),
    ),
    silver_order("C1-c", customer_id="C1", dt=AS_OF, category="kitchen", channel="web", quantity=2),
    # C2: one order each in books and toys: the tie on orders goes to the higher revenue (books, web).
    silver_order("C2-a", customer_id="C2", dt=day(40), category="books", channel="web", unit_price="30.00"),
    silver_order("C2-b", customer_id="C2", dt=day(44), category="toys", channel="store", unit_price="20.00"),
    # C3: a tie on orders and revenue goes to the name first in alphabetical order; nothing in RFM's window.
    silver_order("C3-a", customer_id="C3", dt=day(5), category="garden", channel="store", unit_price="15.00"),
    silver_order("C3-b", customer_id="C3", dt=day(6), category="books", channel="mobile", unit_price="15.00"),
    # C4: the copy that landed on Feb 13 is an older version (earlier updated_at): the Jan 30 one stays.
    silver_order("C4-a", customer_id="C4", dt=day(30), unit_price="40.00", updated_at=utc(day(30), 12)),
    silver_order("C4-a", customer_id="C4", dt=day(44), order_date=day(30), unit_price="99.00", updated_at=utc(day(29))),
    # C5: landed after the as-of day.
    silver_order("C5-a", customer_id="C5", dt=day(46), unit_price="10.00"),
]

EMAIL_C1, PHONE_C1, STALE_EMAIL_C1 = "a" * 64, "b" * 64, "c" * 64


def _customer(customer_id: str, dt: date, country: str, email_hash: str | None = None, phone: str | None = None) -> Row:
    return {**silver_customer(customer_id, country=country, dt=dt), "email_hash": email_hash, "phone_hash": phone}


CUSTOMERS = [
    _customer("C1", day(44), "XX", STALE_EMAIL_C1),  # the day before: not the as-of day's snapshot
    _customer("C1", AS_OF, "GB", EMAIL_C1, PHONE_C1),
    _customer("C2", AS_OF, "FR"),
    _customer("C3", AS_OF, "DE"),
    # C4 is missing from the as-of day's snapshot.
]


def _profiles(spark: SparkSession, days: list[date] | tuple[date, date]) -> DataFrame:
    orders = frame(spark, SilverOrders, ORDERS)
    customers = frame(spark, SilverCustomers, CUSTOMERS)
    return customer_360(orders, customers, customer_rfm(orders, customers, days), days)


def _by_customer(df: DataFrame) -> dict[tuple[date, str], dict]:
    return {(row["dt"], row["customer_id"]): row.asDict() for row in df.collect()}


LIFETIME_COLUMNS = (
    "first_order_date",
    "last_order_date",
    "lifetime_orders",
    "lifetime_revenue",
    "preferred_category",
    "preferred_channel",
)


def test_lifetime_orders_value_and_preferences_count_each_order_once_in_its_latest_version(spark: SparkSession) -> None:
    rows = _by_customer(_profiles(spark, [AS_OF]))
    lifetime = {customer: tuple(row[c] for c in LIFETIME_COLUMNS) for (_, customer), row in rows.items()}
    assert lifetime == {
        "C1": (day(1), AS_OF, 3, Decimal("105.00"), "kitchen", "web"),
        "C2": (day(40), day(44), 2, Decimal("50.00"), "books", "web"),
        "C3": (day(5), day(6), 2, Decimal("30.00"), "books", "mobile"),
        "C4": (day(30), day(30), 1, Decimal("40.00"), "kitchen", "web"),
    }
    assert rows[(AS_OF, "C1")]["avg_order_value"] == pytest.approx(105 / 3)


def test_contact_keys_and_country_come_from_the_as_of_days_snapshot(spark: SparkSession) -> None:
    rows = _by_customer(_profiles(spark, [AS_OF]))
    contacts = {customer: (row["country"], row["email_hash"], row["phone_hash"]) for (_, customer), row in rows.items()}
    assert contacts == {
        "C1": ("GB", EMAIL_C1, PHONE_C1),
        "C2": ("FR", None, None),
        "C3": ("DE", None, None),
        "C4": (None, None, None),
    }


def test_rfm_scores_and_segment_are_gold_customer_rfms_and_null_outside_its_window(spark: SparkSession) -> None:
    orders = frame(spark, SilverOrders, ORDERS)
    customers = frame(spark, SilverCustomers, CUSTOMERS)
    rfm = {row["customer_id"]: row for row in customer_rfm(orders, customers, [AS_OF]).collect()}
    rows = _by_customer(_profiles(spark, [AS_OF]))

    assert set(rfm) == {"C1", "C2", "C4"}, "C3 ordered only before the 30-day window"
    for (_, customer), row in rows.items():
        scores = (row["r_score"], row["f_score"], row["m_score"], row["segment"])
        expected = rfm.get(customer)
        assert scores == (
            (expected["r_score"], expected["f_score"], expected["m_score"], expected["segment"])
            if expected
            else (None, None, None, None)
        ), customer


def test_a_re_sent_order_counts_in_its_old_version_until_the_new_one_lands(spark: SparkSession) -> None:
    rows = _by_customer(_profiles(spark, (day(43), AS_OF)))
    revenue = {as_of: rows[(as_of, "C1")]["lifetime_revenue"] for as_of in (day(43), day(44), AS_OF)}
    assert revenue == {day(43): Decimal("75.00"), day(44): Decimal("85.00"), AS_OF: Decimal("105.00")}
    # C2's toys order lands on Feb 13: on Feb 12 books is the only category, then it wins the tie on revenue.
    assert (rows[(day(43), "C2")]["lifetime_orders"], rows[(day(43), "C2")]["preferred_channel"]) == (1, "web")
    assert rows[(day(44), "C2")]["lifetime_orders"] == 2
    assert (day(43), "C5") not in rows and (AS_OF, "C5") not in rows


def test_several_days_at_once_equal_one_day_at_a_time(spark: SparkSession) -> None:
    together = sorted(_profiles(spark, (day(43), AS_OF)).collect())
    one_by_one = sorted(row for as_of in (day(43), day(44), AS_OF) for row in _profiles(spark, [as_of]).collect())
    assert together == one_by_one
    assert {row["dt"] for row in together} == {day(43), day(44), AS_OF}


def test_output_has_the_exact_schema_of_the_model(spark: SparkSession) -> None:
    assert _profiles(spark, [AS_OF]).schema == Customer360.to_structtype()


def test_the_model_check_passes_the_profiles_and_fails_a_raw_e_mail_in_a_contact_key(spark: SparkSession) -> None:
    # The model's business keys look like C000001: give the builders' short ids that shape.
    profiles = _profiles(spark, [AS_OF]).withColumn(
        "customer_id", F.format_string("C%06d", F.substring("customer_id", 2, 9).cast("int"))
    )
    as_of = DayRange(AS_OF, AS_OF + timedelta(days=1))

    clean = evaluate_model(profiles, Customer360, as_of, QualityThresholds(), table="gold.customer_360")
    leaked = evaluate_model(
        profiles.withColumn("email_hash", F.lit("alice@example.com")),
        Customer360,
        as_of,
        QualityThresholds(),
        table="gold.customer_360",
    )

    assert clean.passed, clean.summary()
    assert not leaked.passed
    failing = {rule: count for rule, count in leaked.metadata()["failing_counts"].value.items() if count}
    assert failing == {f"email_hash matches {SHA256_HEX}": 4}
