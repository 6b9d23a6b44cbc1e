"""read_table: the snapshot's rows and schema, pruned to the requested days, and earlier snapshots by time travel."""

from datetime import date
from pathlib import Path

import pytest
from pyspark.sql import SparkSession

from lakehouse.delta import TableNotFoundError, history, read_table, write_table
from lakehouse.partitions import DayRange
from lakehouse_tests.delta.builders import ORDERS, day, frame_rows, order_rows, orders


@pytest.fixture
def four_days(spark: SparkSession, tmp_path: Path) -> str:
    """Days 1 to 4, one file each, and some nulls."""
    table_uri = str(tmp_path / "orders")
    rows = order_rows([day(1), day(2), day(3), day(4)])
    rows[1] = (rows[1][0], None, None, None, None, None, None, None, rows[1][-1])
    write_table(spark.createDataFrame(rows, ORDERS).coalesce(1), table_uri, mode="append")
    return table_uri


def _day_files(table_uri: str, *days: date) -> set[str]:
    return {path.as_posix() for d in days for path in Path(table_uri, f"dt={d.isoformat()}").glob("*.parquet")}


def test_a_pruned_read_opens_only_the_files_of_the_requested_days(spark: SparkSession, four_days: str) -> None:
    df = read_table(spark, four_days, days=DayRange(day(2), day(4)))

    assert {Path(uri.removeprefix("file:")).as_posix() for uri in df.inputFiles()} == _day_files(
        four_days, day(2), day(3)
    )
    assert sorted(df.collect()) == frame_rows(orders(spark, [day(2), day(3)]))


def test_a_read_returns_the_schema_of_the_table(spark: SparkSession, four_days: str) -> None:
    assert read_table(spark, four_days).schema == ORDERS
    assert read_table(spark, four_days, days=DayRange(day(9), day(10))).count() == 0


def test_time_travel_reads_an_earlier_version_by_number_and_by_timestamp(spark: SparkSession, four_days: str) -> None:
    rerun = orders(spark, [day(2)], run=2)
    write_table(rerun, four_days, mode="overwrite", days=DayRange(day(2), day(3)))
    first_commit = history(spark, four_days)[-1]

    by_version = read_table(spark, four_days, version=0, days=DayRange(day(2), day(3)))
    by_timestamp = read_table(spark, four_days, timestamp=first_commit["timestamp"], days=DayRange(day(2), day(3)))
    latest = read_table(spark, four_days, days=DayRange(day(2), day(3)))

    assert sorted(by_version.collect()) == sorted(by_timestamp.collect()) == frame_rows(orders(spark, [day(2)]))
    assert sorted(latest.collect()) == frame_rows(rerun)


def test_reading_a_missing_table_names_its_uri(spark: SparkSession, tmp_path: Path) -> None:
    missing = str(tmp_path / "nothing-here")

    with pytest.raises(TableNotFoundError, match=f"no Delta table at {missing}"):
        read_table(spark, missing)
