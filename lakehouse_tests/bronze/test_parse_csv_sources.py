"""Bronze parsing of the CSV sources, orders and products (docs/design.md, "Cleaning rules → Records / Bronze")."""

import csv
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from pyspark.sql import SparkSession

from lakehouse.bronze.parsing import parse_source
from lakehouse.bronze.schemas import BronzeOrders, Quarantine
from lakehouse.landing.reader import read_landing_lines
from lakehouse.partitions import DayRange
from lakehouse.raw.formats import ORDERS_COLUMNS, PRODUCTS_COLUMNS
from lakehouse_tests.bronze.parse import DAY, FILE_NAME, INGESTED_AT, RUN_ID, parse
from lakehouse_tests.raw.landing import land

ORDERS_HEADER = ",".join(ORDERS_COLUMNS)
PRODUCTS_HEADER = ",".join(PRODUCTS_COLUMNS)
TS = "2024-01-15T10:00:00+00:00"


def csv_file(header: str, *lines: str) -> bytes:
    return "\n".join([header, *lines, ""]).encode()


def test_good_orders_parse_to_exact_types_in_utc(spark: SparkSession, tmp_path: Path) -> None:
    outcome = parse(
        spark,
        tmp_path,
        "orders",
        csv_file(
            ORDERS_HEADER,
            "O1,C000001,P0001,3,12.5,web,2024-01-15T10:04:00+02:00,2024-01-15T09:00:00Z",
            "O2,C000002,P0002,1,1e1,,2024-01-15 23:59:59.123456,2024-01-15T23:59:59.1234567",
            "O3,C000003,P0003, +7 ,100e-4,store, 2024-01-15T10:04Z ,2024-01-15 10:04:30.5-0530",
            "O4,C000004,P0004,-0,-1.50E1,mobile,2024-01-15T10:04+01,2024-01-15T10:04",
        ),
    )
    assert outcome.reasons == {}
    assert outcome.bronze == {
        2: {
            "order_id": "O1",
            "customer_id": "C000001",
            "product_id": "P0001",
            "quantity": 3,
            "unit_price": Decimal("12.50"),
            "channel": "web",
            "order_ts": "2024-01-15T08:04:00.000000",  # +02:00 converted to UTC
            "updated_at": "2024-01-15T09:00:00.000000",
        },
        3: {
            "order_id": "O2",
            "customer_id": "C000002",
            "product_id": "P0002",
            "quantity": 1,
            "unit_price": Decimal("10.00"),
            "channel": None,  # empty is null; silver turns it into "unknown"
            "order_ts": "2024-01-15T23:59:59.123456",  # no offset: UTC
            "updated_at": "2024-01-15T23:59:59.123456",  # nanoseconds truncated to microseconds
        },
        4: {
            "order_id": "O3",
            "customer_id": "C000003",
            "product_id": "P0003",
            "quantity": 7,  # numbers and timestamps are read trimmed
            "unit_price": Decimal("0.01"),
            "channel": "store",
            "order_ts": "2024-01-15T10:04:00.000000",  # seconds may be left out, with or without an offset
            "updated_at": "2024-01-15T15:34:30.500000",  # -05:30 is behind UTC
        },
        5: {
            "order_id": "O4",
            "customer_id": "C000004",
            "product_id": "P0004",
            "quantity": 0,
            "unit_price": Decimal("-15.00"),
            "channel": "mobile",
            "order_ts": "2024-01-15T09:04:00.000000",
            "updated_at": "2024-01-15T10:04:00.000000",
        },
    }


def test_negative_amounts_are_valid_bronze_and_left_for_silver(spark: SparkSession, tmp_path: Path) -> None:
    outcome = parse(spark, tmp_path, "orders", csv_file(ORDERS_HEADER, f"O1,C1,P1,-2,-4.99,store,{TS},{TS}"))
    assert (outcome.bronze[2]["quantity"], outcome.bronze[2]["unit_price"]) == (-2, Decimal("-4.99"))


def test_each_kind_of_bad_order_is_quarantined_with_its_reason(spark: SparkSession, tmp_path: Path) -> None:
    outcome = parse(
        spark,
        tmp_path,
        "orders",
        csv_file(
            ORDERS_HEADER,
            f"O1,C1,P1,1,1.00,web,{TS}",
            f"O2,C1,P1,1,1.00,web,{TS},{TS},gift",
            f",C1, ,abc,1.00,web,{TS},{TS}",
            f"O4,C1,P1,99999999999,1.00,web,{TS},{TS}",
            f"O5,C1,P1,1,1e20,web,{TS},{TS}",
            f"O6,C1,P1,1,1.234,web,{TS},{TS}",
            f"O7,C1,P1,1,ten,web,{TS},{TS}",
            f"O8,C1,P1,1,1.00,web,2024-13-01,{TS}",
            f"O9,C1,P1,1,1.00,web,2024-02-30T10:00:00Z,{TS}",
            f"O10,C1,P1,1,,web,{TS},",
            f"O11,C1,P1,1,1e-3,web,0000-01-01T00:00:00Z,{TS}",
            "O12,C1,P1,1.0,1.2.3,web,2024-01-15T10:04:00+02:00:00,2024-01-15",
            f"O13,C1,P1,2147483648,1e99999999999,web,{TS},{TS}",
        ),
    )
    assert outcome.bronze == {}
    assert outcome.reasons == {
        2: "expected 8 fields, got 7",
        3: "expected 8 fields, got 9",
        4: "order_id is null; product_id is null; quantity: 'abc' is not an integer",
        5: "quantity: '99999999999' does not fit a 32-bit integer",
        6: "unit_price: '1e20' does not fit DECIMAL(12,2)",
        7: "unit_price: '1.234' does not fit DECIMAL(12,2)",
        8: "unit_price: 'ten' is not a decimal",
        9: "order_ts: '2024-13-01' is not an ISO-8601 timestamp",
        10: "order_ts: '2024-02-30T10:00:00Z' is not an ISO-8601 timestamp",
        11: "unit_price is null; updated_at is null",
        12: "unit_price: '1e-3' does not fit DECIMAL(12,2); "
        "order_ts: '0000-01-01T00:00:00Z' is not an ISO-8601 timestamp",
        13: "quantity: '1.0' is not an integer; unit_price: '1.2.3' is not a decimal; "
        "order_ts: '2024-01-15T10:04:00+02:00:00' is not an ISO-8601 timestamp; "
        "updated_at: '2024-01-15' is not an ISO-8601 timestamp",
        14: "quantity: '2147483648' does not fit a 32-bit integer; "
        "unit_price: '1e99999999999' does not fit DECIMAL(12,2)",
    }


def test_quarantine_keeps_the_verbatim_line_and_its_lineage(spark: SparkSession, tmp_path: Path) -> None:
    line = f'O1,C1,P1,"3x",1.00,web,{TS},{TS}'
    outcome = parse(spark, tmp_path, "orders", csv_file(ORDERS_HEADER, "", line))
    assert outcome.parsed.quarantine.schema == Quarantine.to_structtype()
    [row] = outcome.parsed.quarantine.drop("_ingested_at").collect()
    assert row.asDict() == {
        "_source_file": f"{tmp_path.as_uri()}/raw/orders/dt={DAY}/{FILE_NAME}",
        "_line_number": 3,
        "_run_id": RUN_ID,
        "dt": DAY,
        "raw_record": line,
        "reason": "quantity: '3x' is not an integer",
    }
    stamped = outcome.parsed.quarantine.selectExpr("unix_micros(_ingested_at) AS us").first()["us"]
    assert stamped == int(INGESTED_AT.timestamp()) * 1_000_000


def test_a_line_that_is_not_utf8_is_quarantined_with_replacement_characters(
    spark: SparkSession, tmp_path: Path
) -> None:
    bad = f"O1,C1,P1,1,1.00,w\xe9b,{TS},{TS}".encode("latin-1")
    outcome = parse(spark, tmp_path, "orders", csv_file(ORDERS_HEADER, f"O2,C1,P1,1,1.00,web,{TS},{TS}") + bad)
    assert outcome.reasons == {3: "invalid UTF-8"}
    assert outcome.parsed.quarantine.first()["raw_record"] == f"O1,C1,P1,1,1.00,w\ufffdb,{TS},{TS}"
    assert list(outcome.bronze) == [2]


def test_a_field_of_any_length_is_read_whole(spark: SparkSession, tmp_path: Path) -> None:
    # Long enough to overflow the stack of a regular expression that recurses once per character.
    huge = "x" * 200_000
    content = csv_file(PRODUCTS_HEADER, f'P1,"{huge}",Home,1.00', f"P2,{huge},Home,1.00", "P3,Mug,Home,1.00")
    outcome = parse(spark, tmp_path, "products", content)
    assert outcome.reasons == {}
    assert [outcome.bronze[n]["product_name"] for n in (2, 3, 4)] == [huge, huge, "Mug"]


def test_fields_are_split_as_pythons_csv_module_splits_them(spark: SparkSession, tmp_path: Path) -> None:
    tricky_names = [
        '"Chef\'s Knife, 8 inch"',
        '"Mug ""Classic"""',
        '"Mug" 2 "pack"',
        'Mug "Classic"',
        ' "Mug"',
        '""',
        '""""',
        '"Mug ""',
        '"Mug """',
        '"unterminated, quote',
        "Mug, Pan",
    ]
    lines = [f"P{number},{name},Home,1.00" for number, name in enumerate(tricky_names)]
    outcome = parse(spark, tmp_path, "products", csv_file(PRODUCTS_HEADER, *lines))
    for number, line in enumerate(lines, start=2):
        fields = next(csv.reader([line]))
        if len(fields) == len(PRODUCTS_COLUMNS):
            assert outcome.bronze[number]["product_name"] == (fields[1] or None), line
        else:
            assert outcome.reasons[number] == f"expected 4 fields, got {len(fields)}", line


def test_fields_are_found_by_header_name_whatever_the_column_order(spark: SparkSession, tmp_path: Path) -> None:
    values = dict(zip(ORDERS_COLUMNS, ["O1", "C1", "P1", "2", "5.00", "mobile", TS, TS], strict=True))
    reordered = list(reversed(ORDERS_COLUMNS))
    canonical = parse(spark, tmp_path / "canonical", "orders", csv_file(ORDERS_HEADER, ",".join(values.values())))
    permuted_file = csv_file(",".join(reordered), ",".join(values[c] for c in reordered))
    permuted = parse(spark, tmp_path / "permuted", "orders", permuted_file)
    assert permuted.bronze == canonical.bronze
    assert permuted.bronze[2]["quantity"] == 2
    assert permuted.parsed.bronze.columns == BronzeOrders.to_structtype().fieldNames()


def test_extra_columns_are_ignored_and_reported(spark: SparkSession, tmp_path: Path) -> None:
    outcome = parse(
        spark, tmp_path, "orders", csv_file(f"{ORDERS_HEADER},coupon,note", f"O1,C1,P1,1,1.00,web,{TS},{TS},SAVE10,")
    )
    assert outcome.reasons == {}
    assert outcome.bronze[2]["order_id"] == "O1"
    assert outcome.parsed.unexpected_columns == ["coupon", "note"]


def test_a_missing_required_column_quarantines_every_record_of_the_file(spark: SparkSession, tmp_path: Path) -> None:
    header = ",".join(c for c in ORDERS_COLUMNS if c != "unit_price")
    outcome = parse(
        spark, tmp_path, "orders", csv_file(header, f"O1,C1,P1,1,web,{TS},{TS}", f"O2,C1,P1,1,web,{TS},{TS}")
    )
    assert outcome.reasons == {
        2: "missing column(s) in header: unit_price",
        3: "missing column(s) in header: unit_price",
    }


def test_a_missing_optional_column_reads_as_null(spark: SparkSession, tmp_path: Path) -> None:
    header = ",".join(c for c in ORDERS_COLUMNS if c != "channel")
    outcome = parse(spark, tmp_path, "orders", csv_file(header, f"O1,C1,P1,1,1.00,{TS},{TS}"))
    assert outcome.reasons == {}
    assert outcome.bronze[2]["channel"] is None


def test_products_parse_quoted_names_and_optional_fields(spark: SparkSession, tmp_path: Path) -> None:
    outcome = parse(
        spark,
        tmp_path,
        "products",
        csv_file(
            PRODUCTS_HEADER,
            'P0002,"Glass Chef\'s Knife, 8 inch",Home & Kitchen,14.49',
            'P0003,"Monitor 27""",,',
            "P0004,Mug,Home & Kitchen,-9.99",
            ",Mug,Home & Kitchen,1.00",
            "P0005,Knife, 8 inch,Home & Kitchen,1.00",
        ),
    )
    assert outcome.bronze == {
        2: {
            "product_id": "P0002",
            "product_name": "Glass Chef's Knife, 8 inch",
            "category": "Home & Kitchen",
            "list_price": Decimal("14.49"),
        },
        3: {"product_id": "P0003", "product_name": 'Monitor 27"', "category": None, "list_price": None},
        4: {"product_id": "P0004", "product_name": "Mug", "category": "Home & Kitchen", "list_price": Decimal("-9.99")},
    }
    assert outcome.reasons == {5: "product_id is null", 6: "expected 4 fields, got 5"}


def test_records_of_several_days_keep_their_own_day(spark: SparkSession, tmp_path: Path) -> None:
    next_day = DAY + timedelta(days=1)
    for day, product in ((DAY, "P1"), (next_day, "P2")):
        land(tmp_path, "products", day, "products.csv", csv_file(PRODUCTS_HEADER, f"{product},Mug,Home,1.00"))
    lines = read_landing_lines(spark, tmp_path.as_uri(), "products", DayRange(DAY, next_day + timedelta(days=1)))
    parsed = parse_source(lines, "products", run_id=RUN_ID, ingested_at=INGESTED_AT)
    assert sorted((row["dt"], row["product_id"]) for row in parsed.bronze.collect()) == [(DAY, "P1"), (next_day, "P2")]
