"""The checks generated from the table models: rules, scores per day, samples and PII masking, on real Spark."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pyspark.sql.types as T
import pytest

from lakehouse.bronze.schemas import BronzeCustomers
from lakehouse.partitions import DayRange
from lakehouse.quality import QualityThresholds
from lakehouse.quality.model_checks import MASK, evaluate_model, model_rules
from lakehouse.silver.schemas import SilverOrders

DAY_1, DAY_2, DAY_3 = date(2024, 3, 4), date(2024, 3, 5), date(2024, 3, 6)
THRESHOLDS = QualityThresholds()


def _schema(model) -> T.StructType:
    return T.StructType([T.StructField(n, c.dtype.type, True) for n, c in model.to_schema().columns.items()])


def silver_order(n: int, dt: date = DAY_1, **changes) -> dict:
    row = {
        "order_id": f"O{dt:%Y%m%d}-{n:06d}",
        "customer_id": "C000001",
        "product_id": "P0001",
        "quantity": 2,
        "unit_price": Decimal("10.50"),
        "revenue": Decimal("21.00"),
        "channel": "web",
        "order_ts": datetime(dt.year, dt.month, dt.day, 10, tzinfo=UTC),
        "order_date": dt,
        "order_hour": 10,
        "day_of_week": dt.isoweekday(),
        "is_late": False,
        "category": "Books",
        "product_name": "A book",
        "customer_country": "US",
        "updated_at": datetime(dt.year, dt.month, dt.day, 10, tzinfo=UTC),
        "dt": dt,
    }
    return {**row, **changes}


def _orders(spark, rows):
    return spark.createDataFrame(rows, _schema(SilverOrders))


def test_clean_orders_pass_with_perfect_scores_for_each_day(spark):
    orders = _orders(spark, [silver_order(n, day) for day in (DAY_1, DAY_2) for n in range(1, 21)])

    report = evaluate_model(orders, SilverOrders, DayRange(DAY_1, DAY_3), THRESHOLDS, table="silver.orders")

    assert report.passed, report.summary()
    assert [day.rows for day in report.days] == [20, 20]
    metadata = report.metadata()
    assert metadata["row_count"].value == 40
    assert (metadata["completeness"].value, metadata["uniqueness"].value, metadata["validity"].value) == (1, 1, 1)
    assert "failing_rows_sample" not in metadata
    assert set(metadata["failing_counts"].value.values()) == {0}


def test_value_rules_come_from_the_model(spark):
    rules = {rule.name for rule in model_rules(SilverOrders, _schema(SilverOrders)).rules}

    assert {
        "order_id is not null",
        "quantity >= 1",
        "order_hour <= 23",
        r"order_id matches ^O\d{8}-\d{6}$",
        r"customer_id matches ^C\d{6}$",
        r"product_id matches ^P\d{4}$",
        "channel in {mobile, store, unknown, web}",
    } <= rules


def test_broken_rules_are_counted_per_rule_and_per_day_and_fail_the_day_below_the_threshold(spark):
    good_day = [silver_order(n, DAY_1) for n in range(1, 21)]
    bad_day = [silver_order(n, DAY_2) for n in range(1, 16)] + [
        silver_order(16, DAY_2, channel="fax"),
        silver_order(17, DAY_2, order_id="X-17"),
        silver_order(18, DAY_2, quantity=0),
        silver_order(19, DAY_2, channel="fax", customer_id="c1"),
        silver_order(20, DAY_2, category=None),
    ]

    report = evaluate_model(_orders(spark, good_day + bad_day), SilverOrders, DayRange(DAY_1, DAY_3), THRESHOLDS)

    assert not report.passed
    assert [dt for dt, _ in report.failing_days()] == [DAY_2]
    counts = report.metadata()["failing_counts"].value
    assert counts["channel in {mobile, store, unknown, web}"] == 2
    assert counts[r"order_id matches ^O\d{8}-\d{6}$"] == 1
    assert counts["quantity >= 1"] == 1
    assert counts["category is not null"] == 1
    day_2 = report.days[1]
    assert day_2.invalid_rows == 4  # rows breaking at least one value rule; row 19 breaks two
    assert day_2.validity == pytest.approx(16 / 20)
    assert day_2.completeness == pytest.approx(1 - 1 / (20 * 15))
    assert report.validity == pytest.approx(36 / 40)
    sample = report.metadata()["failing_rows_sample"].value
    assert "broken_rules" in sample and "fax" in sample


def test_duplicate_business_keys_lower_uniqueness_and_fail_the_check(spark):
    rows = [silver_order(n) for n in range(1, 20)] + [silver_order(1, quantity=3)]

    report = evaluate_model(_orders(spark, rows), SilverOrders, DayRange(DAY_1, DAY_2), THRESHOLDS)

    assert not report.passed
    assert report.days[0].duplicate_rows == 1
    assert report.uniqueness == pytest.approx(19 / 20)
    assert "O20240304-000001" in report.metadata()["duplicate_keys_sample"].value


def test_a_column_of_the_wrong_type_or_missing_fails_whatever_the_scores(spark):
    orders = _orders(spark, [silver_order(n) for n in range(1, 11)])
    drifted = orders.drop("channel").withColumn("quantity", orders["quantity"].cast("long"))

    report = evaluate_model(drifted, SilverOrders, DayRange(DAY_1, DAY_2), THRESHOLDS)

    assert not report.passed
    assert report.validity == 1.0
    assert report.metadata()["schema_problems"].value == [
        "quantity: bigint, expected int",
        "channel: missing (expected string)",
    ]


def test_a_day_without_rows_is_reported_and_judged_by_the_volume_check_not_this_one(spark):
    orders = _orders(spark, [silver_order(n) for n in range(1, 11)])

    report = evaluate_model(orders, SilverOrders, DayRange(DAY_1, DAY_3), THRESHOLDS)

    assert report.passed
    assert [(day.dt, day.rows) for day in report.days] == [(DAY_1, 10), (DAY_2, 0)]


def test_the_sample_of_failing_rows_never_shows_the_pii_of_bronze_customers(spark):
    row = {
        "_source_file": "raw/customers/dt=2024-03-04/customers.jsonl",
        "_line_number": 1,
        "_ingested_at": datetime(2024, 3, 5, tzinfo=UTC),
        "_run_id": "run",
        "dt": DAY_1,
        "customer_id": "bad-id",
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": "ada@example.com",
        "phone": "+44 20 1234",
        "street": "1 Main St",
        "city": "London",
        "postcode": "N1 9GU",
        "country": "GB",
        "signup_date": DAY_1,
        "updated_at": datetime(2024, 3, 4, tzinfo=UTC),
    }
    customers = spark.createDataFrame([row], _schema(BronzeCustomers))

    report = evaluate_model(
        customers, BronzeCustomers, DayRange(DAY_1, DAY_2), THRESHOLDS, unique_key=("_line_number",)
    )

    assert not report.passed
    sample = report.metadata()["failing_rows_sample"].value
    assert "bad-id" in sample and "London" in sample
    for pii in ("Ada", "Lovelace", "ada@example.com", "+44 20 1234", "1 Main St", "N1 9GU"):
        assert pii not in sample
    assert sample.count(MASK) == 6
