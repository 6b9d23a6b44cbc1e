"""Recognisers for each kind of dirt the generator writes, read from the file content alone.

They are independent of the generator's code on purpose: a test built on them checks what lands in the files,
and the bronze tests use them to prove that exactly the malformed lines are quarantined.
"""

import csv
import json
import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from lakehouse.raw.formats import ORDERS_COLUMNS, PRODUCTS_COLUMNS

Files = dict[str, bytes]
DirtyLines = set[int]
"""1-based line numbers of the dirty records in a file."""


def csv_rows(content: bytes) -> list[tuple[int, list[str]]]:
    """(line number, fields) of each data line of a CSV file."""
    lines = content.decode().split("\n")
    return [(number, next(csv.reader([line]))) for number, line in enumerate(lines[1:], start=2) if line.strip()]


def json_records(content: bytes) -> list[tuple[int, Any]]:
    """(line number, parsed object or None when the line is not JSON) of each line of a JSON-lines file."""
    records = []
    for number, line in enumerate(content.decode().split("\n"), start=1):
        if not line.strip():
            continue
        try:
            records.append((number, json.loads(line)))
        except json.JSONDecodeError:
            records.append((number, None))
    return records


def _full_orders(files: Files) -> list[tuple[int, dict[str, str]]]:
    return [
        (number, dict(zip(ORDERS_COLUMNS, fields, strict=True)))
        for number, fields in csv_rows(files["orders"])
        if len(fields) == len(ORDERS_COLUMNS)
    ]


def _catalog_ids(files: Files) -> set[str]:
    return {fields[0] for _, fields in csv_rows(files["products"])}


def duplicate_orders(files: Files, day: date) -> DirtyLines:
    """Lines repeating the id of an earlier order."""
    seen: set[str] = set()
    dirty = set()
    for number, order in _full_orders(files):
        if order["order_id"] in seen:
            dirty.add(number)
        if order["order_id"]:
            seen.add(order["order_id"])
    return dirty


def negative_quantities(files: Files, day: date) -> DirtyLines:
    return {n for n, o in _full_orders(files) if re.fullmatch(r"-[0-9]+", o["quantity"])}


def negative_prices(files: Files, day: date) -> DirtyLines:
    return {n for n, o in _full_orders(files) if o["unit_price"].startswith("-")}


def null_order_keys(files: Files, day: date) -> DirtyLines:
    return {n for n, o in _full_orders(files) if "" in (o["order_id"], o["customer_id"], o["product_id"])}


def wrong_order_field_counts(files: Files, day: date) -> DirtyLines:
    return {n for n, fields in csv_rows(files["orders"]) if len(fields) != len(ORDERS_COLUMNS)}


def non_numeric_quantities(files: Files, day: date) -> DirtyLines:
    return {n for n, o in _full_orders(files) if not re.fullmatch(r"-?[0-9]+", o["quantity"])}


def unknown_products(files: Files, day: date) -> DirtyLines:
    catalog = _catalog_ids(files)
    return {n for n, o in _full_orders(files) if o["product_id"] and o["product_id"] not in catalog}


def late_orders(files: Files, day: date) -> DirtyLines:
    return {n for n, o in _full_orders(files) if datetime.fromisoformat(o["order_ts"]).date() < day}


def empty_channels(files: Files, day: date) -> DirtyLines:
    return {n for n, o in _full_orders(files) if o["channel"] == ""}


def duplicate_customers(files: Files, day: date) -> DirtyLines:
    seen: set[str] = set()
    dirty = set()
    for number, record in json_records(files["customers"]):
        if record is not None:
            if record["customer_id"] in seen:
                dirty.add(number)
            seen.add(record["customer_id"])
    return dirty


def customers_missing_a_nested_object(files: Files, day: date) -> DirtyLines:
    return {
        n
        for n, record in json_records(files["customers"])
        if record is not None and not {"name", "contact", "address"} <= record.keys()
    }


def malformed_customer_lines(files: Files, day: date) -> DirtyLines:
    return {n for n, record in json_records(files["customers"]) if record is None}


def empty_categories(files: Files, day: date) -> DirtyLines:
    return {n for n, fields in csv_rows(files["products"]) if len(fields) == len(PRODUCTS_COLUMNS) and not fields[2]}


def negative_list_prices(files: Files, day: date) -> DirtyLines:
    return {
        n for n, fields in csv_rows(files["products"]) if len(fields) == len(PRODUCTS_COLUMNS) and fields[3][:1] == "-"
    }


def malformed_product_lines(files: Files, day: date) -> DirtyLines:
    return {n for n, fields in csv_rows(files["products"]) if len(fields) != len(PRODUCTS_COLUMNS)}


def malformed_web_log_lines(files: Files, day: date) -> DirtyLines:
    return {n for n, record in json_records(files["web_logs"]) if record is None}


def web_logs_missing_status(files: Files, day: date) -> DirtyLines:
    return {n for n, record in json_records(files["web_logs"]) if record is not None and record.get("status") is None}


def web_logs_with_status_out_of_range(files: Files, day: date) -> DirtyLines:
    return {
        n
        for n, record in json_records(files["web_logs"])
        if record is not None and record.get("status") is not None and not 100 <= record["status"] <= 599
    }


RECOGNISERS: dict[tuple[str, str], Callable[[Files, date], DirtyLines]] = {
    ("orders", "duplicate_order"): duplicate_orders,
    ("orders", "negative_quantity"): negative_quantities,
    ("orders", "negative_price"): negative_prices,
    ("orders", "null_key"): null_order_keys,
    ("orders", "wrong_field_count"): wrong_order_field_counts,
    ("orders", "non_numeric_quantity"): non_numeric_quantities,
    ("orders", "unknown_product"): unknown_products,
    ("orders", "late_order"): late_orders,
    ("orders", "empty_channel"): empty_channels,
    ("customers", "duplicate_customer"): duplicate_customers,
    ("customers", "missing_nested_object"): customers_missing_a_nested_object,
    ("customers", "malformed_json"): malformed_customer_lines,
    ("products", "empty_category"): empty_categories,
    ("products", "negative_list_price"): negative_list_prices,
    ("products", "malformed_line"): malformed_product_lines,
    ("web_logs", "malformed_json"): malformed_web_log_lines,
    ("web_logs", "missing_status"): web_logs_missing_status,
    ("web_logs", "status_out_of_range"): web_logs_with_status_out_of_range,
}

QUARANTINED_KINDS: dict[str, tuple[str, ...]] = {
    "orders": ("null_key", "wrong_field_count", "non_numeric_quantity"),
    "customers": ("malformed_json",),
    "products": ("malformed_line",),
    "web_logs": ("malformed_json", "missing_status", "status_out_of_range"),
}
"""The dirt that breaks the bronze schema; every other kind is valid bronze and is cleaned in silver."""
