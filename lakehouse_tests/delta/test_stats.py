"""File statistics: readers skip files by them, so a bound may be loose but must never exclude a value."""

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pyarrow as pa

from lakehouse.delta.stats import STRING_PREFIX_LENGTH, FileStats


def _stats(*batches: dict[str, pa.Array]) -> dict[str, Any]:
    tables = [pa.table(batch) for batch in batches]
    stats = FileStats(tables[0].schema)
    for table in tables:
        for batch in table.to_batches():
            stats.add(batch)
    return json.loads(stats.to_json(), parse_float=Decimal)


def test_record_and_null_counts_add_up_across_batches() -> None:
    stats = _stats({"n": pa.array([1, None], pa.int32())}, {"n": pa.array([None, None, 7], pa.int32())})

    assert stats["numRecords"] == 5
    assert stats["nullCount"] == {"n": 3}
    assert (stats["minValues"], stats["maxValues"]) == ({"n": 1}, {"n": 7})


def test_timestamp_bounds_widen_to_whole_milliseconds_in_utc() -> None:
    instants = [datetime(2024, 1, 1, 23, 59, 59, 999_999, tzinfo=UTC), datetime(2024, 1, 1, 0, 0, 0, 1_500, tzinfo=UTC)]

    stats = _stats({"at": pa.array(instants, pa.timestamp("us", "UTC"))})

    assert stats["minValues"]["at"] == "2024-01-01T00:00:00.001Z"
    assert stats["maxValues"]["at"] == "2024-01-02T00:00:00.000Z"


def test_decimal_bounds_keep_every_digit() -> None:
    values = [Decimal("9999999999999998.99"), Decimal("-9999999999999998.99")]

    stats = _stats({"total": pa.array(values, pa.decimal128(18, 2))})

    assert (stats["minValues"]["total"], stats["maxValues"]["total"]) == (values[1], values[0])


def test_dates_are_bounded_as_iso_days() -> None:
    stats = _stats({"born": pa.array([date(2999, 12, 31), date(1900, 1, 1)])})

    assert (stats["minValues"]["born"], stats["maxValues"]["born"]) == ("1900-01-01", "2999-12-31")


def test_a_float_column_with_nan_or_infinity_gets_no_bounds() -> None:
    stats = _stats({"ratio": pa.array([1.0, 2.0])}, {"ratio": pa.array([float("nan"), 3.0])})
    infinite = _stats({"ratio": pa.array([float("-inf"), 1.0])})

    assert "ratio" not in stats["minValues"] and "ratio" not in stats["maxValues"]
    assert "ratio" not in infinite["minValues"] and "ratio" not in infinite["maxValues"]


def test_long_strings_keep_a_prefix_as_minimum_and_no_maximum() -> None:
    long_value = "z" * (STRING_PREFIX_LENGTH + 5)

    stats = _stats({"name": pa.array(["apple", long_value])})
    short = _stats({"name": pa.array(["apple", "pear"])})

    assert stats["minValues"]["name"] == "apple" and "name" not in stats["maxValues"]
    assert _stats({"name": pa.array([long_value])})["minValues"]["name"] == "z" * STRING_PREFIX_LENGTH
    assert (short["minValues"]["name"], short["maxValues"]["name"]) == ("apple", "pear")


def test_booleans_and_all_null_columns_get_counts_but_no_bounds() -> None:
    stats = _stats({"flag": pa.array([True, False]), "empty": pa.array([None, None], pa.int64())})

    assert stats["nullCount"] == {"flag": 0, "empty": 2}
    assert stats["minValues"] == {} and stats["maxValues"] == {}
