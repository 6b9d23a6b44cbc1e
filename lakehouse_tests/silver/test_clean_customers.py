"""Silver customers: latest version per customer, PII hashed under the salt or dropped, a broken key rejected
(docs/design.md)."""

import hashlib
import hmac
import json

import pytest
from pyspark.sql import DataFrame, SparkSession

from lakehouse.bronze.schemas import CUSTOMER_ID, BronzeCustomers, Quarantine
from lakehouse.silver.schemas import SilverCustomers
from lakehouse.silver.transforms import CleanDimension, clean_customers
from lakehouse_tests.silver.builders import C1, C2, DAY, NEXT_DAY, Row, bronze_customer, frame, full_width, utc

SALT = "pepper-1"

PII_VALUES = ("alice@example.com", "7946", "Alice", "Liddell", "Rabbit Hole", "OX1 1AA")
"""The clear-text personal data of a default bronze_customer."""


def _cleaned(spark: SparkSession, rows: list[Row], salt: str = SALT) -> CleanDimension:
    return clean_customers(frame(spark, BronzeCustomers, rows), salt)


def _clean(spark: SparkSession, rows: list[Row], salt: str = SALT) -> DataFrame:
    return _cleaned(spark, rows, salt).table


def _hmac_sha256(key: str, text: str) -> str:
    return hmac.new(key.encode(), text.encode(), hashlib.sha256).hexdigest()


def test_latest_version_of_a_customer_wins_within_each_day(spark: SparkSession) -> None:
    customers = _clean(
        spark,
        [
            bronze_customer(C1, country="GB", updated_at=utc(DAY, 1), line=1),
            bronze_customer(C1, country="IE", updated_at=utc(DAY, 5), line=2),
            bronze_customer(C1, country="FR", updated_at=utc(DAY, 3), line=3),
            bronze_customer(C1, country="DE", updated_at=utc(NEXT_DAY, 1), dt=NEXT_DAY),
        ],
    )
    assert sorted((row["dt"], row["country"]) for row in customers.collect()) == [(DAY, "IE"), (NEXT_DAY, "DE")]


def test_email_and_phone_are_hmac_sha256_of_their_normalised_values_under_the_salt(spark: SparkSession) -> None:
    [row] = _clean(spark, [bronze_customer(email="  Alice@Example.COM ", phone="+44 (20) 7946-0000")]).collect()
    assert row["email_hash"] == _hmac_sha256(SALT, "alice@example.com")
    assert row["phone_hash"] == _hmac_sha256(SALT, "442079460000")


def test_a_different_salt_gives_a_different_hash(spark: SparkSession) -> None:
    [one] = _clean(spark, [bronze_customer()], salt="salt-a").collect()
    [other] = _clean(spark, [bronze_customer()], salt="salt-b").collect()
    assert one["email_hash"] != other["email_hash"]
    assert one["phone_hash"] != other["phone_hash"]


def test_missing_or_empty_contact_details_hash_to_null(spark: SparkSession) -> None:
    rows = [bronze_customer(C1, email=None, phone=None), bronze_customer(C2, email="  ", phone="n/a")]
    hashes = {row["customer_id"]: (row["email_hash"], row["phone_hash"]) for row in _clean(spark, rows).collect()}
    assert hashes == {C1: (None, None), C2: (None, None)}


def test_no_personal_data_survives_anywhere_in_the_output(spark: SparkSession) -> None:
    customers = _clean(spark, [bronze_customer(email="alice@example.com", phone="+44 20 7946 0000")])
    values = " ".join(str(value) for row in customers.collect() for value in row)
    for pii in PII_VALUES:
        assert pii not in values
    assert not {"first_name", "last_name", "email", "phone", "street", "postcode"} & set(customers.columns)


def test_a_customer_whose_key_breaks_its_pattern_is_rejected_with_the_key_shown(spark: SparkSession) -> None:
    digits, letter, line_break = f"C00000{full_width('3')}", "Ç000004", "C000005\n"
    cleaned = _cleaned(spark, [bronze_customer(key, line=n) for n, key in enumerate((C1, digits, letter, line_break))])
    reasons = {json.loads(row["raw_record"])["customer_id"]: row["reason"] for row in cleaned.rejected.collect()}
    assert reasons == {
        key: f"customer_id: {key!r} does not match {CUSTOMER_ID}" for key in (digits, letter, line_break)
    }
    assert [row["customer_id"] for row in cleaned.table.collect()] == [C1]


def test_a_rejected_customer_keeps_its_silver_row_and_lineage_and_no_personal_data(spark: SparkSession) -> None:
    broken = "Ç000001"
    [row] = _cleaned(spark, [bronze_customer(broken, line=7)]).rejected.collect()
    assert (row["_source_file"], row["_line_number"], row["dt"]) == (f"raw/customers/dt={DAY}/customers.file", 7, DAY)
    record = json.loads(row["raw_record"])
    assert record["email_hash"] == _hmac_sha256(SALT, "alice@example.com")
    assert set(record) == set(SilverCustomers.to_structtype().fieldNames()) - {"dt"}
    for pii in PII_VALUES:
        assert pii not in row["raw_record"]


def test_an_empty_salt_is_refused(spark: SparkSession) -> None:
    with pytest.raises(ValueError, match="pii_salt"):
        _clean(spark, [bronze_customer()], salt="")


def test_outputs_have_the_exact_schemas_of_their_models(spark: SparkSession) -> None:
    cleaned = _cleaned(spark, [bronze_customer()])
    assert cleaned.table.schema == SilverCustomers.to_structtype()
    assert cleaned.rejected.schema == Quarantine.to_structtype()
