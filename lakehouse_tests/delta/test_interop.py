"""Our tables are standard Delta tables: Spark, delta-rs and DuckDB read back exactly the values Spark wrote."""

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import duckdb
import pyarrow as pa
import pyspark.sql.types as T
import pytest
from deltalake import DeltaTable, QueryBuilder
from pyspark.sql import SparkSession

from lakehouse.delta import read_table, write_table
from lakehouse.sql.views import connect as connect_duckdb

EDGES = T.StructType(
    [
        T.StructField("id", T.IntegerType()),
        T.StructField("big", T.LongType()),
        T.StructField("name", T.StringType()),
        T.StructField("price", T.DecimalType(12, 2)),
        T.StructField("total", T.DecimalType(18, 2)),
        T.StructField("ratio", T.DoubleType()),
        T.StructField("flag", T.BooleanType()),
        T.StructField("born", T.DateType()),
        T.StructField("paid_at", T.TimestampType()),
        T.StructField("dt", T.DateType()),
    ]
)

LONG_NAME = "Zoë Ångström-Lindqvist, Økonomiafdelingen, København"  # longer than the 32-character stats prefix
EDGE_ROWS = [
    (1, 2**62, LONG_NAME, Decimal("9999999999.99"), Decimal("9999999999999998.99"), 1e300, True,
     date(1900, 1, 1), datetime(2024, 1, 1, 23, 59, 59, 999999, tzinfo=UTC), date(2024, 1, 1)),
    (2, -(2**62), "", Decimal("-0.01"), Decimal("-9999999999999998.99"), -0.5, False,
     date(2999, 12, 31), datetime(1969, 12, 31, 23, 59, 59, 500001, tzinfo=UTC), date(2024, 1, 1)),
    (3, 0, "plain", Decimal("0.00"), Decimal("0.10"), 0.0, True,
     date(2024, 2, 29), datetime(2024, 1, 2, 0, 0, tzinfo=UTC), date(2024, 1, 2)),
    (4, None, None, None, None, None, None, None, None, date(2024, 1, 2)),
]  # fmt: skip


@pytest.fixture(scope="module")
def edge_table(spark: SparkSession, tmp_path_factory: pytest.TempPathFactory) -> str:
    table_uri = str(tmp_path_factory.mktemp("interop") / "edges")
    write_table(spark.createDataFrame(EDGE_ROWS, EDGES), table_uri, mode="append")
    return table_uri


def _expected() -> list[dict[str, Any]]:
    return [dict(zip(EDGES.fieldNames(), row, strict=True)) for row in EDGE_ROWS]


def _rows(table: pa.Table) -> list[dict[str, Any]]:
    """Rows by id, in EDGES' column order, every timestamp as a UTC instant."""
    rows = table.select(EDGES.fieldNames()).to_pylist()
    for row in rows:
        if row["paid_at"] is not None:
            row["paid_at"] = row["paid_at"].astimezone(UTC)
    return sorted(rows, key=lambda row: row["id"])


def _duckdb() -> duckdb.DuckDBPyConnection:
    """DuckDB as ``lakehouse sql`` opens it: the packaged delta extension, the session in UTC."""
    return connect_duckdb()


def test_spark_reads_back_what_it_wrote(spark: SparkSession, edge_table: str) -> None:
    df = read_table(spark, edge_table)

    assert df.schema == EDGES
    assert _rows(df.toArrow()) == _expected()


def test_delta_rs_reads_the_same_values(edge_table: str) -> None:
    table = pa.table(QueryBuilder().register("edges", DeltaTable(edge_table)).execute("SELECT * FROM edges"))

    assert _rows(table) == _expected()


def test_duckdb_delta_extension_reads_the_same_values(edge_table: str) -> None:
    table = _duckdb().sql(f"SELECT * FROM delta_scan('{edge_table}')").to_arrow_table()

    assert _rows(table) == _expected()


@pytest.mark.parametrize(
    ("duckdb_predicate", "delta_rs_predicate", "expected_id"),
    [
        (
            "paid_at = TIMESTAMPTZ '2024-01-01 23:59:59.999999+00'",
            "paid_at = TIMESTAMP '2024-01-01T23:59:59.999999Z'",
            1,
        ),
        (
            "paid_at = TIMESTAMPTZ '1969-12-31 23:59:59.500001+00'",
            "paid_at = TIMESTAMP '1969-12-31T23:59:59.500001Z'",
            2,
        ),
        ("total = 9999999999999998.99", "total = CAST('9999999999999998.99' AS DECIMAL(18, 2))", 1),
        ("total = -9999999999999998.99", "total = CAST('-9999999999999998.99' AS DECIMAL(18, 2))", 2),
        (f"name = '{LONG_NAME}'", f"name = '{LONG_NAME}'", 1),
        ("born = DATE '2999-12-31'", "born = DATE '2999-12-31'", 2),
    ],
)
def test_file_statistics_never_skip_a_matching_file(
    edge_table: str, duckdb_predicate: str, delta_rs_predicate: str, expected_id: int
) -> None:
    """DuckDB and delta-rs skip files by the min/max statistics delta-spark wrote: sub-millisecond timestamps,
    18-digit decimals and long strings sit right at the bounds, so a bound rounded the wrong way would lose the row."""
    in_duckdb = _duckdb().sql(f"SELECT id FROM delta_scan('{edge_table}') WHERE {duckdb_predicate}").fetchall()
    query = QueryBuilder().register("edges", DeltaTable(edge_table))
    in_delta_rs = pa.table(query.execute(f"SELECT id FROM edges WHERE {delta_rs_predicate}"))

    assert in_duckdb == [(expected_id,)]
    assert in_delta_rs.column("id").to_pylist() == [expected_id]
