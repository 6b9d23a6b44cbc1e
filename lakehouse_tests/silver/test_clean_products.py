"""Silver products: last record per product of each day's catalog, category and price rules, a broken key rejected
(docs/design.md)."""

import json
from decimal import Decimal

from pyspark.sql import DataFrame, SparkSession

from lakehouse.bronze.schemas import PRODUCT_ID, BronzeProducts, Quarantine
from lakehouse.silver.schemas import SilverProducts
from lakehouse.silver.transforms import CleanDimension, clean_products
from lakehouse_tests.silver.builders import DAY, NEXT_DAY, P1, P2, P3, P4, Row, bronze_product, frame, full_width


def _cleaned(spark: SparkSession, rows: list[Row]) -> CleanDimension:
    return clean_products(frame(spark, BronzeProducts, rows))


def _clean(spark: SparkSession, rows: list[Row]) -> DataFrame:
    return _cleaned(spark, rows).table


def _by_product(df: DataFrame) -> dict[str, dict]:
    return {row["product_id"]: row.asDict() for row in df.collect()}


def test_last_record_of_a_product_in_the_days_catalog_wins(spark: SparkSession) -> None:
    products = _clean(
        spark,
        [
            bronze_product(P1, product_name="late line", line=9),
            bronze_product(P1, product_name="early line", line=3),
            bronze_product(P1, product_name="next day", dt=NEXT_DAY),
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
            bronze_product(P1, category=None),
            bronze_product(P2, category=""),
            bronze_product(P3, category="  "),
            bronze_product(P4, category="garden"),
        ],
    )
    assert {product_id: row["category"] for product_id, row in _by_product(products).items()} == {
        P1: "uncategorized",
        P2: "uncategorized",
        P3: "uncategorized",
        P4: "garden",
    }


def test_negative_list_price_becomes_null_and_zero_stays(spark: SparkSession) -> None:
    products = _clean(
        spark,
        [
            bronze_product(P1, list_price="-1.00"),
            bronze_product(P2, list_price="0.00"),
            bronze_product(P3, list_price="4.50"),
            bronze_product(P4, list_price=None),
        ],
    )
    assert {product_id: row["list_price"] for product_id, row in _by_product(products).items()} == {
        P1: None,
        P2: Decimal("0.00"),
        P3: Decimal("4.50"),
        P4: None,
    }


def test_a_product_whose_key_breaks_its_pattern_is_rejected_as_its_bronze_row(spark: SparkSession) -> None:
    digits, letter = f"P{full_width('0002')}", "\N{CYRILLIC CAPITAL LETTER ER}0003"  # looks like P0003
    cleaned = _cleaned(
        spark,
        [
            bronze_product(P1),
            bronze_product(digits, category=""),
            bronze_product(letter, line=3),
            bronze_product(letter, product_name="the later line wins the dedupe first", line=4),
        ],
    )
    rejected = {json.loads(row["raw_record"])["product_id"]: row for row in cleaned.rejected.collect()}
    assert {key: row["reason"] for key, row in rejected.items()} == {
        key: f"product_id: {key!r} does not match {PRODUCT_ID}" for key in (digits, letter)
    }
    # As it landed: the category rule is silver's, and the row did not get that far.
    assert json.loads(rejected[digits]["raw_record"])["category"] == ""
    assert rejected[letter]["_line_number"] == 4
    assert [row["product_id"] for row in cleaned.table.collect()] == [P1]


def test_outputs_have_the_exact_schemas_of_their_models(spark: SparkSession) -> None:
    cleaned = _cleaned(spark, [bronze_product()])
    assert cleaned.table.schema == SilverProducts.to_structtype()
    assert cleaned.rejected.schema == Quarantine.to_structtype()
