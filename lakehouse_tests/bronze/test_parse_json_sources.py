"""Bronze parsing of the JSON-lines sources, customers (nested) and web logs."""

import json
from datetime import date
from pathlib import Path
from typing import Any

from pyspark.sql import SparkSession

from lakehouse_tests.bronze.parse import parse

CUSTOMER: dict[str, Any] = {
    "customer_id": "C000001",
    "name": {"first": "Jürgen", "last": "Groß"},
    "contact": {"email": "j.gross@web.de", "phone": "+49 30 1234567"},
    "address": {"street": "Hauptstraße 5", "city": "Köln", "postcode": "50667", "country": "DE"},
    "signup_date": "2023-04-01",
    "updated_at": "2024-01-15T04:00:00+01:00",
}
WEB_LOG: dict[str, Any] = {
    "ts": "2024-01-15T10:04:00.123+00:00",
    "method": "GET",
    "path": "/products/P0001",
    "status": 200,
    "latency_ms": 35,
    "user_agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X)",
    "customer_id": None,
}


def jsonl(*records: Any) -> bytes:
    return "".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in records).encode()


def customer(**changes: Any) -> dict[str, Any]:
    return {**CUSTOMER, **changes}


def without(record: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k != key}


def test_nested_customers_are_flattened_into_typed_columns(spark: SparkSession, tmp_path: Path) -> None:
    outcome = parse(spark, tmp_path, "customers", jsonl(CUSTOMER))
    assert outcome.bronze == {
        1: {
            "customer_id": "C000001",
            "first_name": "Jürgen",
            "last_name": "Groß",
            "email": "j.gross@web.de",
            "phone": "+49 30 1234567",
            "street": "Hauptstraße 5",
            "city": "Köln",
            "postcode": "50667",
            "country": "DE",
            "signup_date": date(2023, 4, 1),
            "updated_at": "2024-01-15T03:00:00.000000",
        }
    }


def test_a_missing_or_null_nested_object_gives_null_columns(spark: SparkSession, tmp_path: Path) -> None:
    outcome = parse(spark, tmp_path, "customers", jsonl(without(CUSTOMER, "address"), customer(contact=None)))
    assert outcome.reasons == {}
    assert [outcome.bronze[1][c] for c in ("street", "city", "postcode", "country")] == [None] * 4
    assert (outcome.bronze[1]["email"], outcome.bronze[2]["email"]) == ("j.gross@web.de", None)


def test_each_kind_of_bad_customer_is_quarantined_with_its_reason(spark: SparkSession, tmp_path: Path) -> None:
    outcome = parse(
        spark,
        tmp_path,
        "customers",
        jsonl(
            '{"customer_id": "C000001", "name": {"first": "J',
            "[1, 2]",
            without(CUSTOMER, "customer_id"),
            customer(customer_id=17, updated_at=""),
            customer(address="Hauptstraße 5, Köln"),
            customer(signup_date="2023/04/01"),
        ),
    )
    assert outcome.bronze == {}
    assert outcome.reasons == {
        1: "invalid JSON: syntax error",
        2: "invalid JSON: expected an object, got an array",
        3: "customer_id is null",
        4: "customer_id: 17 is not a string; updated_at is null",
        5: "address: 'Hauptstraße 5, Köln' is not an object",
        6: "signup_date: '2023/04/01' is not a YYYY-MM-DD date",
    }


def test_unknown_keys_are_ignored_and_reported_with_their_path(spark: SparkSession, tmp_path: Path) -> None:
    record = customer(loyalty={"tier": "gold"}, address={**CUSTOMER["address"], "floor": 2})
    outcome = parse(spark, tmp_path, "customers", jsonl(record, CUSTOMER))
    assert outcome.reasons == {}
    assert outcome.bronze[1]["city"] == "Köln"
    assert outcome.parsed.unexpected_columns == ["address.floor", "loyalty"]


def test_good_web_logs_parse_to_exact_types_in_utc(spark: SparkSession, tmp_path: Path) -> None:
    naive = {**WEB_LOG, "ts": "2024-01-15 23:00:00", "status": "404", "customer_id": "C000002", "latency_ms": None}
    outcome = parse(spark, tmp_path, "web_logs", jsonl(WEB_LOG, naive))
    assert outcome.reasons == {}
    assert outcome.bronze == {
        1: {
            "ts": "2024-01-15T10:04:00.123000",
            "method": "GET",
            "path": "/products/P0001",
            "status": 200,
            "latency_ms": 35,
            "user_agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X)",
            "customer_id": None,
        },
        2: {
            "ts": "2024-01-15T23:00:00.000000",  # no offset: UTC
            "method": "GET",
            "path": "/products/P0001",
            "status": 404,  # a string holding an integer is an integer
            "latency_ms": None,
            "user_agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X)",
            "customer_id": "C000002",
        },
    }


def test_each_kind_of_bad_web_log_is_quarantined_with_its_reason(spark: SparkSession, tmp_path: Path) -> None:
    outcome = parse(
        spark,
        tmp_path,
        "web_logs",
        jsonl(
            '{"ts": "2024-01-15T10:04:00+00:00", "status": 200',
            {**WEB_LOG, "status": 999},
            {**WEB_LOG, "status": 99},
            without(WEB_LOG, "status"),
            {**WEB_LOG, "status": None},
            {**WEB_LOG, "status": "abc"},
            {**WEB_LOG, "status": 200.5},
            '{"ts": "2024-01-15T10:04:00+00:00", "status": 200.0}',
            {**WEB_LOG, "status": True},
            {**WEB_LOG, "latency_ms": 3_000_000_000},
            {**WEB_LOG, "ts": "yesterday", "status": 600},
        ),
    )
    assert outcome.bronze == {}
    assert outcome.reasons == {
        1: "invalid JSON: syntax error",
        2: "status: 999 is outside 100-599",
        3: "status: 99 is outside 100-599",
        4: "status is null",
        5: "status is null",
        6: "status: 'abc' is not an integer",
        7: "status: 200.5 is not an integer",
        8: "status: 200.0 is not an integer",  # a JSON integer is written without a fraction
        9: "status: true is not an integer",
        10: "latency_ms: 3000000000 does not fit a 32-bit integer",
        11: "ts: 'yesterday' is not an ISO-8601 timestamp; status: 600 is outside 100-599",
    }


def test_a_line_is_one_json_object_and_nothing_else(spark: SparkSession, tmp_path: Path) -> None:
    good = json.dumps(WEB_LOG)
    outcome = parse(
        spark,
        tmp_path,
        "web_logs",
        jsonl(
            f"  {good}\t",
            f"{good} trailing",
            f"{good}]",
            f"{good},{good}",
            f'{good},0] {{"x": 1}}',
            '{"ts": "2024-01-15T10:04:00+00:00", "status": 200, "status": 201}',
            '"a string"',
            "42",
            "true",
            "null",
            "{'status': 200}",
            '{"status": NaN}',
        ),
    )
    assert list(outcome.bronze) == [1]
    assert outcome.reasons == {
        2: "invalid JSON: syntax error",
        3: "invalid JSON: syntax error",
        4: "invalid JSON: syntax error",
        5: "invalid JSON: syntax error",
        6: "invalid JSON: duplicate key",
        7: "invalid JSON: expected an object, got a string",
        8: "invalid JSON: expected an object, got a number",
        9: "invalid JSON: expected an object, got a boolean",
        10: "invalid JSON: expected an object, got null",
        11: "invalid JSON: syntax error",
        12: "invalid JSON: syntax error",
    }


def test_reasons_show_json_values_as_json_and_strings_as_python_does(spark: SparkSession, tmp_path: Path) -> None:
    quoted, escaped, both_quotes = "it's", 'say "hi"\t\\', 'it\'s "now"'
    outcome = parse(
        spark,
        tmp_path,
        "customers",
        jsonl(
            customer(name=["Ann", "Lee"], contact=42, address={**CUSTOMER["address"], "city": {"name": "Köln"}}),
            customer(signup_date=quoted, updated_at=escaped),
            customer(signup_date=20230401, updated_at=both_quotes),
        ),
    )
    assert outcome.bronze == {}
    assert outcome.reasons == {
        1: 'name: ["Ann","Lee"] is not an object; contact: 42 is not an object; city: {"name":"Köln"} is not a string',
        2: f"signup_date: {quoted!r} is not a YYYY-MM-DD date; updated_at: {escaped!r} is not an ISO-8601 timestamp",
        3: f"signup_date: 20230401 is not a YYYY-MM-DD date; updated_at: {both_quotes!r} is not an ISO-8601 timestamp",
    }
