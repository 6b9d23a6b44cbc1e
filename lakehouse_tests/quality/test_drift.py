"""Drift: the statistics of a day on real Spark, and the verdict against the trailing days."""

import math
import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pyspark.sql.types as T
import pytest

from lakehouse.delta import write_table
from lakehouse.partitions import DayRange
from lakehouse.quality.drift import (
    WHOLE_TABLE,
    DayStatistics,
    DriftBounds,
    daily_statistics,
    drift_metadata,
    judge,
    judge_day,
    rows_by_day,
    table_profile,
)
from lakehouse.silver.schemas import SilverOrders

FIRST = date(2024, 3, 1)
BASELINE_DAYS = 14
DAY = FIRST + timedelta(days=BASELINE_DAYS)
"""The day judged: the 14 days before it are the baseline."""
ORDERS_PER_DAY = 80
BOUNDS = DriftBounds()
SCHEMA = T.StructType([T.StructField(n, c.dtype.type, True) for n, c in SilverOrders.to_schema().columns.items()])
PROFILE = table_profile(SCHEMA, SilverOrders, "silver.orders")


def _orders(day: date, n: int = ORDERS_PER_DAY, **planted) -> list[dict]:
    """``n`` orders of ``day`` drawn like the generator's (seeded by the day); ``planted`` overrides a column with a
    function of (random, row)."""
    rng = random.Random(day.toordinal())
    rows = []
    for i in range(n):
        quantity = rng.choices((1, 2, 3, 4, 5), weights=(55, 22, 12, 7, 4))[0]
        price = Decimal(rng.choice(("4.99", "12.50", "19.99", "49.00", "89.90")))
        placed = datetime(day.year, day.month, day.day, rng.randrange(24), tzinfo=UTC)
        row = {
            "order_id": f"O{day:%Y%m%d}-{i:06d}",
            "customer_id": f"C{rng.randrange(1, 200):06d}",
            "product_id": f"P{rng.randrange(1, 40):04d}",
            "quantity": quantity,
            "unit_price": price,
            "revenue": price * quantity,
            "channel": rng.choices(("web", "mobile", "store"), weights=(55, 35, 10))[0],
            "order_ts": placed,
            "order_date": day,
            "order_hour": placed.hour,
            "day_of_week": day.isoweekday(),
            "is_late": False,
            "category": rng.choice(("Books", "Garden", "Toys", "Music")),
            "product_name": "A product",
            "customer_country": rng.choices(("US", "GB", "DE", "FR"), weights=(40, 20, 20, 20))[0],
            "updated_at": placed,
            "dt": day,
        }
        rows.append(row | {column: make(rng, row) for column, make in planted.items()})
    return rows


@pytest.fixture(scope="module")
def baseline(spark) -> dict[date, DayStatistics]:
    rows = [row for n in range(BASELINE_DAYS) for row in _orders(FIRST + timedelta(days=n))]
    return daily_statistics(spark.createDataFrame(rows, SCHEMA), PROFILE)


def _judged(spark, baseline: dict[date, DayStatistics], rows: list[dict]):
    day = daily_statistics(spark.createDataFrame(rows, SCHEMA), PROFILE)
    return judge_day(DAY, {**baseline, **day}, BOUNDS)


def _labels(result) -> list[str]:
    return [drift.label for drift in result.drifted]


def test_the_profile_measures_numbers_and_shares_of_the_value_sets_booleans_and_declared_columns():
    assert PROFILE.numeric == ("quantity", "unit_price", "revenue", "order_hour")  # day_of_week is the calendar
    assert set(PROFILE.low_cardinality) == {"channel", "is_late", "category", "customer_country"}
    assert "dt" not in PROFILE.columns and "order_id" in PROFILE.columns


def test_one_aggregation_gives_each_days_rows_null_rates_means_deviations_and_value_counts(baseline):
    first = baseline[FIRST]
    rows = _orders(FIRST)
    assert first.rows == ORDERS_PER_DAY
    assert first.numbers[(WHOLE_TABLE, "rows")] == ORDERS_PER_DAY
    assert first.numbers[("product_name", "null rate")] == 0.0
    assert first.numbers[("quantity", "mean")] == pytest.approx(sum(r["quantity"] for r in rows) / len(rows))
    assert first.numbers[("revenue", "stddev")] > 0
    assert first.counts["channel"] == {
        channel: sum(1 for r in rows if r["channel"] == channel) for channel in {r["channel"] for r in rows}
    }
    assert first.counts["is_late"] == {"false": ORDERS_PER_DAY}
    assert sorted(baseline) == DayRange(FIRST, DAY).days()


def test_the_delta_log_tells_each_days_rows_without_reading_the_data(spark, tmp_path):
    rows = [row for n in range(3) for row in _orders(FIRST + timedelta(days=n), n=10 + n)]
    uri = str(tmp_path / "orders")
    write_table(spark.createDataFrame(rows, SCHEMA), uri, mode="append")

    assert rows_by_day(uri, {}) == {FIRST + timedelta(days=n): 10 + n for n in range(3)}


def test_an_ordinary_day_is_not_flagged(spark, baseline):
    result = _judged(spark, baseline, _orders(DAY))

    assert (result.verdict, result.drifted, result.baseline_days) == ("ok", [], BASELINE_DAYS)
    assert result.judged > 20


def test_a_planted_shift_in_a_numeric_mean_is_caught_with_its_figures(spark, baseline):
    result = _judged(spark, baseline, _orders(DAY, unit_price=lambda rng, row: row["unit_price"] * 3))

    drifted = {drift.label: drift for drift in result.drifted}
    assert "unit_price mean" in drifted and "unit_price stddev" in drifted
    price = drifted["unit_price mean"]
    assert price.day == pytest.approx(3 * price.baseline_mean, rel=0.3)
    assert price.z > BOUNDS.max_z and price.baseline_stddev > 0
    assert "quantity mean" not in drifted and "channel share of web" not in drifted


def test_a_jump_of_the_null_rate_is_caught_though_the_model_would_let_it_pass(spark, baseline):
    # 30 % nulls in a nullable column: no model rule breaks, completeness is not judged on it.
    result = _judged(
        spark, baseline, _orders(DAY, customer_country=lambda rng, row: None if rng.random() < 0.3 else "US")
    )

    assert "customer_country null rate" in _labels(result)


def test_a_change_of_the_channel_mix_is_caught_by_its_relative_change(spark, baseline):
    result = _judged(
        spark, baseline, _orders(DAY, channel=lambda rng, row: "store" if rng.random() < 0.5 else row["channel"])
    )

    store = next(drift for drift in result.drifted if drift.label == "channel share of store")
    assert store.relative_change > BOUNDS.max_share_change and store.day > 0.4 and store.baseline_mean < 0.15


def test_a_drop_of_the_row_count_is_caught(spark, baseline):
    result = _judged(spark, baseline, _orders(DAY, n=ORDERS_PER_DAY // 2))

    assert _labels(result) == ["rows"]
    assert result.drifted[0].day == ORDERS_PER_DAY // 2


def test_too_little_history_gives_no_verdict_and_passes(baseline):
    recent = {day: stats for day, stats in baseline.items() if day >= DAY - timedelta(days=3)}

    (result,) = judge(recent, DayRange(DAY, DAY + timedelta(days=1)), BOUNDS)

    assert (result.has_verdict, result.judged, result.drifted) == (False, 0, [])
    assert result.verdict == "no verdict: 3 of 7 baseline days"
    metadata = drift_metadata([result], BOUNDS)
    assert metadata["drifted_days"].value == 0 and metadata["days_without_verdict"].value == 1


def test_a_statistic_the_baseline_holds_constant_is_judged_against_the_spread_floor():
    days = {FIRST + timedelta(days=n): _stats(rows=1000) for n in range(10)}
    day = FIRST + timedelta(days=10)

    small = judge_day(day, days | {day: _stats(rows=990)}, BOUNDS)  # 1 %: z = 1 with a 1 % floor
    large = judge_day(day, days | {day: _stats(rows=900)}, BOUNDS)

    assert small.drifted == []
    assert [(d.label, d.z) for d in large.drifted] == [("rows", -10.0)]


def test_a_value_the_baseline_never_had_drifts_unless_it_is_noise():
    days = {FIRST + timedelta(days=n): _stats(channel={"web": 100}) for n in range(10)}
    day = FIRST + timedelta(days=10)

    rare = judge_day(day, days | {day: _stats(channel={"web": 998, "fax": 2})}, BOUNDS)
    common = judge_day(day, days | {day: _stats(channel={"web": 40, "fax": 60})}, BOUNDS)

    assert rare.drifted == []
    fax = next(drift for drift in common.drifted if drift.label == "channel share of fax")
    assert math.isinf(fax.relative_change) and fax.figures()["relative_change"] == "inf"
    assert "channel share of web" in [drift.label for drift in common.drifted]


def _stats(rows: int = 100, channel: dict[str, int] | None = None) -> DayStatistics:
    return DayStatistics(
        rows=rows, numbers={(WHOLE_TABLE, "rows"): float(rows)}, counts={"channel": channel} if channel else {}
    )


def test_bounds_come_from_the_environment_and_are_checked():
    bounds = DriftBounds.from_env({"LAKEHOUSE_DRIFT_MAX_Z": "5", "LAKEHOUSE_DRIFT_MIN_BASELINE_DAYS": "14"})

    assert (bounds.max_z, bounds.min_baseline_days, bounds.baseline_days) == (5.0, 14, 28)
    with pytest.raises(ValueError, match="LAKEHOUSE_DRIFT_MIN_BASELINE_DAYS='a week' is not an integer"):
        DriftBounds.from_env({"LAKEHOUSE_DRIFT_MIN_BASELINE_DAYS": "a week"})
    with pytest.raises(ValueError, match="min_baseline_days <= baseline_days"):
        DriftBounds(min_baseline_days=30)
