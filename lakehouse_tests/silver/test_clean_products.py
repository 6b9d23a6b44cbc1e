"""Silver products: last record per product of each day's catalog, category and price rules (docs/design.md)."""

from decimal import Decimal

from pyspark.sql import DataFrame, SparkSession

from lakehouse.bronze.schemas import BronzeProducts
from lakehouse.silver.schemas import SilverProducts
from lakehouse.silver.transforms import clean_products
from lakehouse_tests.silver.builders import DAY, NEXT_DAY, Row, bronze_product, frame


def _clean(spark: SparkSession, rows: list[Row]) -> DataFrame:
    return clean_products(frame(spark, BronzeProducts, rows))


def _by_product(df: DataFrame) -> dict[str, dict]:
    return {row["product_id"]: row.asDict() for row in df.collect()}


def test_last_record_of_a_product_in_the_days_catalog_wins(spark: SparkSession) -> None:
    products = _clean(
        spark,
        [
            bronze_product("P1", product_name="late line", line=9),
            bronze_product("P1", product_name="early line", line=3),
            bronze_product("P1", product_name="next day", dt=NEXT_DAY),
        ],
    )
    assert sorted((row["dt"], row["product_name"]) for row in products.collect()) == [
        (DAY, "late line"),
        (NEXT_DAY, "next day"),
    ]


def test_missing_or_blank_category_becomes_uncategorized(spark: SparkSession) -> None:
    products = _clean(
        spark,
        [
            bronze_product("P1", category=None),
            bronze_product("P2", category=""),
            bronze_product("P3", category="  "),
            bronze_product("P4", category="garden"),
        ],
    )
    assert {product_id: row["category"] for product_id, row in _by_product(products).items()} == {
        "P1": "uncategorized",
        "P2": "uncategorized",
        "P3": "uncategorized",
        "P4": "garden",
    }


def test_negative_list_price_becomes_null_and_zero_stays(spark: SparkSession) -> None:
    products = _clean(
        spark,
        [
            bronze_product("P1", list_price="-1.00"),
            bronze_product("P2", list_price="0.00"),
            bronze_product("P3", list_price="4.50"),
            bronze_product("P4", list_price=None),
        ],
    )
    assert {product_id: row["list_price"] for product_id, row in _by_product(products).items()} == {
        "P1": None,
        "P2": Decimal("0.00"),
        "P3": Decimal("4.50"),
        "P4": None,
    }


def test_output_has_the_exact_schema_of_the_model(spark: SparkSession) -> None:
    assert _clean(spark, [bronze_product()]).schema == SilverProducts.to_structtype()
