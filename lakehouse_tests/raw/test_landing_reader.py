"""The landing-zone reader: one row per record, with file, line number, header and day (docs/design.md, Records)."""

from datetime import date
from pathlib import Path

import pytest
from pyspark.sql import SparkSession

from lakehouse.landing.reader import LINES_SCHEMA, read_landing_lines
from lakehouse.partitions import DayRange
from lakehouse_tests.raw.landing import land

DAY = date(2024, 1, 15)


def read(spark: SparkSession, root: Path, source: str, start: date = DAY, end: date = date(2024, 1, 16)) -> list[dict]:
    frame = read_landing_lines(spark, root.as_uri(), source, DayRange(start, end))
    assert frame.schema == LINES_SCHEMA
    return [row.asDict() for row in frame.orderBy("_source_file", "_line_number").collect()]


def test_json_lines_keep_their_physical_line_numbers_and_skip_blank_lines(spark: SparkSession, tmp_path: Path) -> None:
    land(
        tmp_path,
        "web_logs",
        DAY,
        "web_logs.jsonl",
        b'{"a": 1}\n\n \t\x0b\x0c\r\n{"a": 2}\r\n{"a": 3}\r\r\n\x85\n{"a": 4}',
    )
    rows = read(spark, tmp_path, "web_logs")
    assert [(r["_line_number"], r["line"]) for r in rows] == [
        (1, '{"a": 1}'),
        (4, '{"a": 2}'),
        (5, '{"a": 3}\r'),  # one \r ends a CRLF line; another is text
        (6, "\ufffd"),  # not whitespace, and not UTF-8
        (7, '{"a": 4}'),
    ]
    assert {r["header"] for r in rows} == {None}
    assert {r["dt"] for r in rows} == {DAY}
    assert {r["_source_file"] for r in rows} == {f"{tmp_path.as_uri()}/raw/web_logs/dt=2024-01-15/web_logs.jsonl"}


def test_the_csv_header_is_not_a_record_but_travels_with_every_record(spark: SparkSession, tmp_path: Path) -> None:
    land(tmp_path, "products", DAY, "products.csv", b"\xef\xbb\xbfproduct_id,product_name\r\nP1,Mug\r\n\r\nP2,Pan\r\n")
    rows = read(spark, tmp_path, "products")
    assert [(r["_line_number"], r["line"], r["header"]) for r in rows] == [
        (2, "P1,Mug", "product_id,product_name"),
        (4, "P2,Pan", "product_id,product_name"),
    ]


def test_a_csv_file_with_only_a_header_has_no_records(spark: SparkSession, tmp_path: Path) -> None:
    land(tmp_path, "orders", DAY, "orders.csv", b"order_id,customer_id\n")
    assert read(spark, tmp_path, "orders") == []


def test_lines_that_are_not_utf8_are_flagged_and_keep_the_rest_of_their_text(
    spark: SparkSession, tmp_path: Path
) -> None:
    content = '{"city": "Köln"}\n'.encode() + b'{"city": "K\xf6ln \xe2\x82"}\n' + '{"city": "\ufffd"}\n'.encode()
    land(tmp_path, "customers", DAY, "customers.jsonl", content)
    rows = read(spark, tmp_path, "customers")
    assert [(r["line"], r["invalid_utf8"]) for r in rows] == [
        ('{"city": "Köln"}', False),
        ('{"city": "K\ufffdln \ufffd"}', True),  # a truncated multi-byte character is one invalid sequence
        ('{"city": "\ufffd"}', False),  # a replacement character that was in the file is valid UTF-8
    ]


def test_only_days_inside_the_range_are_read(spark: SparkSession, tmp_path: Path) -> None:
    for day in (date(2024, 1, 14), date(2024, 1, 15), date(2024, 1, 16), date(2024, 1, 17)):
        land(tmp_path, "web_logs", day, "web_logs.jsonl", f'{{"day": "{day}"}}\n'.encode())
    stray = tmp_path / "raw/web_logs/2024-01-15/web_logs.jsonl"  # not a dt= folder: not a landing day
    stray.parent.mkdir(parents=True)
    stray.write_bytes(b'{"day": "stray"}\n')
    rows = read(spark, tmp_path, "web_logs", date(2024, 1, 15), date(2024, 1, 17))
    assert [(r["dt"], r["_source_file"].rsplit("/raw/", 1)[1], r["line"]) for r in rows] == [
        (date(2024, 1, 15), "web_logs/dt=2024-01-15/web_logs.jsonl", '{"day": "2024-01-15"}'),
        (date(2024, 1, 16), "web_logs/dt=2024-01-16/web_logs.jsonl", '{"day": "2024-01-16"}'),
    ]


def test_every_file_of_a_day_is_read_except_temporary_and_marker_files(spark: SparkSession, tmp_path: Path) -> None:
    land(tmp_path, "web_logs", DAY, "part-1.jsonl", b'{"n": 1}\n')
    land(tmp_path, "web_logs", DAY, "part-2.jsonl", b'{"n": 2}\n')
    land(tmp_path, "web_logs", DAY, "_part-3.jsonl.writing", b'{"n": 3}\n')
    land(tmp_path, "web_logs", DAY, ".hidden", b'{"n": 4}\n')
    land(tmp_path, "web_logs", DAY, "archive/part-0.jsonl", b'{"n": 5}\n')  # not directly in the day folder
    land(tmp_path, "orders", DAY, "orders.csv", b"order_id\nO1\n")  # another source
    assert [r["line"] for r in read(spark, tmp_path, "web_logs")] == ['{"n": 1}', '{"n": 2}']


def test_a_file_name_is_read_literally_even_with_glob_characters(spark: SparkSession, tmp_path: Path) -> None:
    land(tmp_path, "web_logs", DAY, "part[1] {a,b} *?.jsonl", b'{"n": 1}\n')
    land(tmp_path, "web_logs", DAY, "part1 a *?.jsonl", b'{"n": 2}\n')  # what the glob would also match
    rows = read(spark, tmp_path, "web_logs")
    assert [(r["_source_file"].rsplit("/", 1)[1], r["line"]) for r in rows] == [
        ("part1 a *?.jsonl", '{"n": 2}'),
        ("part[1] {a,b} *?.jsonl", '{"n": 1}'),
    ]


def test_a_root_given_as_a_plain_path_reads_the_same(spark: SparkSession, tmp_path: Path) -> None:
    land(tmp_path, "web_logs", DAY, "web_logs.jsonl", b'{"n": 1}\n')
    frame = read_landing_lines(spark, str(tmp_path), "web_logs", DayRange(DAY, date(2024, 1, 16)))
    assert [(r["_source_file"], r["line"]) for r in frame.collect()] == [
        (f"{tmp_path}/raw/web_logs/dt=2024-01-15/web_logs.jsonl", '{"n": 1}')
    ]


def test_a_range_without_files_reads_no_rows(spark: SparkSession, tmp_path: Path) -> None:
    assert read(spark, tmp_path, "orders") == []


def test_an_unknown_source_is_refused(spark: SparkSession, tmp_path: Path) -> None:
    with pytest.raises(Exception, match="unknown source 'invoices'"):
        read(spark, tmp_path, "invoices")
