"""read_table: the snapshot's rows and schema, pruned to the requested days, the same on both read paths."""

from datetime import date
from pathlib import Path

import pytest
from pyspark.sql import SparkSession
from pyspark.sql.datasource import EqualTo, GreaterThanOrEqual, IsNotNull, LessThan

from lakehouse.delta import TableNotFoundError, read_table, write_table
from lakehouse.delta.datasource import DeltaDataSource
from lakehouse.delta.read import read_with_data_source
from lakehouse.delta.table import open_table
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
    return {str(path) for d in days for path in Path(table_uri, f"dt={d.isoformat()}").glob("*.parquet")}


def test_a_pruned_read_opens_only_the_files_of_the_requested_days(spark: SparkSession, four_days: str) -> None:
    df = read_table(spark, four_days, dt_range=(day(2), day(4)))

    assert {Path(uri.removeprefix("file://")).as_posix() for uri in df.inputFiles()} == _day_files(
        four_days, day(2), day(3)
    )
    assert sorted(df.collect()) == frame_rows(orders(spark, [day(2), day(3)]))


def test_the_data_source_takes_the_partition_filters_and_plans_one_input_partition_per_file_of_those_days(
    four_days: str,
) -> None:
    source = DeltaDataSource({"path": four_days})
    reader = source.reader(source.schema())
    on_quantity, not_null = EqualTo(("quantity",), 11), IsNotNull(("dt",))

    left_to_spark = list(
        reader.pushFilters([GreaterThanOrEqual(("dt",), day(2)), LessThan(("dt",), day(4)), on_quantity, not_null])
    )
    planned = reader.partitions()

    assert left_to_spark == [on_quantity, not_null]
    assert [p.partition_value for p in planned] == ["2024-01-02", "2024-01-03"]
    assert {p.uri for p in planned} == _day_files(four_days, day(2), day(3))


def test_spark_pushes_the_range_down_to_the_data_source(spark: SparkSession, four_days: str) -> None:
    df = read_with_data_source(spark, open_table(four_days), four_days, (day(2), day(4)), None)

    assert df.rdd.getNumPartitions() == 2  # one input partition per file of days 2 and 3
    assert sorted(df.collect()) == frame_rows(orders(spark, [day(2), day(3)]))


@pytest.mark.parametrize("dt_range", [None, (day(2), day(4)), (day(9), day(10))])
def test_the_data_source_returns_the_rows_and_schema_of_the_native_reader(
    spark: SparkSession, four_days: str, dt_range: tuple[date, date] | None
) -> None:
    native = read_table(spark, four_days, dt_range=dt_range)
    remote = read_with_data_source(spark, open_table(four_days), four_days, dt_range, None)

    assert remote.schema == native.schema == ORDERS
    assert sorted(remote.collect()) == sorted(native.collect())


def test_reading_a_missing_table_names_its_uri(spark: SparkSession, tmp_path: Path) -> None:
    missing = str(tmp_path / "nothing-here")

    with pytest.raises(TableNotFoundError, match=f"no Delta table at {missing}"):
        read_table(spark, missing)
