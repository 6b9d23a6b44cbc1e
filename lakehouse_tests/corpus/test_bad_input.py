"""The corpus of bad raw input through the real pipeline: every bad record lands where the contract says, with its
exact reason, and no record is lost (raw records = bronze + quarantine, per source and day).

One run materializes both corpus days (bronze, silver and gold), then many small assertions read its tables.
"""

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest
from dagster import DagsterInstance, ExecuteInProcessResult

from lakehouse.delta import read_table
from lakehouse.landing import read_landing_lines
from lakehouse.partitions import DayRange
from lakehouse.raw.formats import FILE_NAMES, SOURCES
from lakehouse.raw.generator import count_records, generate_day
from lakehouse_tests.corpus.cases import (
    BAD_FILES,
    BAD_RECORDS,
    CLEAN,
    DAY,
    DUPLICATE_ID,
    DUPLICATE_VERSIONS,
    FULL_WIDTH_CUSTOMER_ID,
    KEPT,
    MISSING_COLUMN_REASON,
    NO_NESTED_ID,
    QUARANTINED,
    REJECT_KEYS,
    REJECTED,
    REJECTED_CUSTOMER_EMAIL,
    TRUNCATED_LINE,
    TRUNCATED_REASON,
    WHOLE_FILE_DAY,
    BadRecord,
)
from lakehouse_tests.harness import LakehouseUnderTest

pytestmark = pytest.mark.slow

MEDALLION = "group:bronze or group:silver or group:gold"


@dataclass(frozen=True)
class CorpusRun:
    lakehouse: LakehouseUnderTest
    result: ExecuteInProcessResult
    files: dict[tuple[str, date], bytes]
    """What landed: (source, day) -> file content."""
    _tables: dict[tuple[str, str], list[dict]] = field(default_factory=dict)

    def rows(self, spark, layer: str, table: str, day: date) -> list[dict]:
        """The rows of ``layer.table`` for ``day`` (each table is read once: the tables are small)."""
        if (layer, table) not in self._tables:
            self._tables[layer, table] = [
                row.asDict() for row in read_table(spark, self.lakehouse.table_uri(layer, table)).collect()
            ]
        return [row for row in self._tables[layer, table] if row["dt"] == day]


def corpus_files() -> dict[tuple[str, date], bytes]:
    files = {}
    for source, clean in generate_day(DAY, CLEAN).items():
        bad = [case.line for case in BAD_RECORDS if case.source == source]
        if source == "orders":
            bad += DUPLICATE_VERSIONS
        files[source, DAY] = clean + b"".join(line + b"\n" for line in bad)
    whole_file = {case.source: case for case in BAD_FILES}
    for source, clean in generate_day(WHOLE_FILE_DAY, CLEAN).items():
        files[source, WHOLE_FILE_DAY] = whole_file[source].make(clean) if source in whole_file else clean
    return files


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, spark) -> Iterator[CorpusRun]:
    root = tmp_path_factory.mktemp("corpus") / "warehouse"
    files = corpus_files()
    for (source, day), content in files.items():
        path = root / "raw" / source / f"dt={day.isoformat()}" / FILE_NAMES[source]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    with DagsterInstance.ephemeral() as instance:
        lakehouse = LakehouseUnderTest(root=root, instance=instance)
        result = lakehouse.materialize(DAY, WHOLE_FILE_DAY, selection=MEDALLION)
        yield CorpusRun(lakehouse, result, files)


def test_the_corpus_has_every_kind_of_bad_input():
    kinds = {case.kind for case in BAD_RECORDS} | {case.kind for case in BAD_FILES} | {"duplicate ids"}
    assert len(kinds) >= 15


def test_a_run_over_the_whole_corpus_succeeds(corpus):
    assert corpus.result.success


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("day", [DAY, WHOLE_FILE_DAY])
def test_no_record_is_lost_raw_equals_bronze_plus_quarantine(corpus, spark, source, day):
    root = str(corpus.lakehouse.root)
    raw = read_landing_lines(spark, root, source, DayRange(day, day + timedelta(days=1))).count()
    bronze = len(corpus.rows(spark, "bronze", source, day))
    quarantined = len(corpus.rows(spark, "bronze", f"{source}_quarantine", day))

    assert raw == count_records(corpus.files[source, day], source), "the reader must see every landed record"
    assert bronze + quarantined == raw


def test_no_order_is_lost_between_bronze_and_silver(corpus, spark):
    order_ids = {row["order_id"] for row in corpus.rows(spark, "bronze", "orders", DAY)}
    accepted = [row["order_id"] for row in corpus.rows(spark, "silver", "orders", DAY)]
    rejected = [
        json.loads(row["raw_record"])["order_id"] for row in corpus.rows(spark, "silver", "orders_rejected", DAY)
    ]

    assert len(accepted) == len(set(accepted)), "silver orders must hold one version per order"
    assert sorted(accepted + rejected) == sorted(order_ids)


def _raw_text(line: bytes) -> str:
    """A landed line as the quarantine keeps it: each invalid UTF-8 sequence becomes U+FFFD."""
    return line.decode("utf-8", errors="replace")


@pytest.mark.parametrize("case", [c for c in BAD_RECORDS if c.outcome == QUARANTINED], ids=lambda c: c.kind)
def test_a_record_that_breaks_the_bronze_schema_is_quarantined_with_its_reason(corpus, spark, case: BadRecord):
    quarantined = [
        row
        for row in corpus.rows(spark, "bronze", f"{case.source}_quarantine", DAY)
        if row["raw_record"] == _raw_text(case.line)
    ]

    assert [row["reason"] for row in quarantined] == [case.reason]
    assert quarantined[0]["_source_file"].endswith(f"raw/{case.source}/dt={DAY}/{FILE_NAMES[case.source]}")


@pytest.mark.parametrize("case", [c for c in BAD_RECORDS if c.outcome == REJECTED], ids=lambda c: c.kind)
def test_a_row_that_breaks_a_silver_rule_is_rejected_with_its_reason(corpus, spark, case: BadRecord):
    column = REJECT_KEYS[case.source]
    rejected = [
        row
        for row in corpus.rows(spark, "silver", f"{case.source}_rejected", DAY)
        if json.loads(row["raw_record"])[column] == case.key
    ]

    assert [row["reason"] for row in rejected] == [case.reason]
    assert case.key in {row[column] for row in corpus.rows(spark, "bronze", case.source, DAY)}
    assert case.key not in {row[column] for row in corpus.rows(spark, "silver", case.source, DAY)}


def test_a_rejected_customer_shows_no_personal_data(corpus, spark):
    (rejected,) = corpus.rows(spark, "silver", "customers_rejected", DAY)
    assert json.loads(rejected["raw_record"])["customer_id"] == FULL_WIDTH_CUSTOMER_ID
    assert REJECTED_CUSTOMER_EMAIL not in rejected["raw_record"]


def test_nested_json_without_its_nested_objects_is_kept_with_nulls(corpus, spark):
    (customer,) = [row for row in corpus.rows(spark, "bronze", "customers", DAY) if row["customer_id"] == NO_NESTED_ID]
    assert customer["first_name"] is customer["email"] is customer["country"] is None
    silver = {row["customer_id"]: row for row in corpus.rows(spark, "silver", "customers", DAY)}
    assert silver[NO_NESTED_ID]["email_hash"] is None


def test_an_extra_json_key_is_ignored(corpus, spark):
    (request,) = [row for row in corpus.rows(spark, "bronze", "web_logs", DAY) if row["path"] == "/extra-key"]
    assert request["status"] == 200


def test_every_kept_case_is_covered():
    assert {c.kind for c in BAD_RECORDS if c.outcome == KEPT} == {
        "nested JSON with the nested objects missing",
        "an extra JSON key",
    }


def test_duplicate_ids_keep_every_version_in_bronze_and_the_latest_in_silver(corpus, spark):
    versions = [row for row in corpus.rows(spark, "bronze", "orders", DAY) if row["order_id"] == DUPLICATE_ID]
    (order,) = [row for row in corpus.rows(spark, "silver", "orders", DAY) if row["order_id"] == DUPLICATE_ID]

    assert len(versions) == len(DUPLICATE_VERSIONS)
    assert order["quantity"] == 3
    superseded = [
        event.event_specific_data.materialization.metadata["superseded_versions"].value
        for event in corpus.result.get_asset_materialization_events()
        if event.asset_key.path == ["silver", "orders"]
    ]
    # A range run records its metadata on the materialization of every day of the range.
    assert superseded, "silver orders must record superseded_versions"
    assert set(superseded) == {len(DUPLICATE_VERSIONS) - 1}, "superseded versions are counted in the asset metadata"


# --- whole files (WHOLE_FILE_DAY) -------------------------------------------------------------------------------


def test_a_missing_required_column_quarantines_every_record_of_the_file(corpus, spark):
    quarantined = corpus.rows(spark, "bronze", "orders_quarantine", WHOLE_FILE_DAY)

    assert corpus.rows(spark, "bronze", "orders", WHOLE_FILE_DAY) == []
    assert len(quarantined) == CLEAN.orders_per_day
    assert {row["reason"] for row in quarantined} == {MISSING_COLUMN_REASON}
    assert corpus.rows(spark, "silver", "orders", WHOLE_FILE_DAY) == []


def test_an_extra_column_is_ignored(corpus, spark):
    assert len(corpus.rows(spark, "bronze", "products", WHOLE_FILE_DAY)) == CLEAN.products
    assert corpus.rows(spark, "bronze", "products_quarantine", WHOLE_FILE_DAY) == []
    assert len(corpus.rows(spark, "silver", "products", WHOLE_FILE_DAY)) == CLEAN.products


def test_an_extra_column_is_reported_in_the_bronze_metadata(corpus):
    metadata = [
        event.event_specific_data.materialization.metadata
        for event in corpus.result.get_asset_materialization_events()
        if event.asset_key.path == ["bronze", "products"] and event.partition == WHOLE_FILE_DAY.isoformat()
    ]
    assert any("supplier" in str(entry.get("unexpected_columns", "")) for entry in metadata)


def test_a_truncated_file_quarantines_only_its_cut_record(corpus, spark):
    quarantined = corpus.rows(spark, "bronze", "customers_quarantine", WHOLE_FILE_DAY)

    assert [(row["raw_record"], row["reason"]) for row in quarantined] == [(TRUNCATED_LINE.decode(), TRUNCATED_REASON)]
    assert len(corpus.rows(spark, "bronze", "customers", WHOLE_FILE_DAY)) == CLEAN.customers


def test_an_empty_file_gives_zero_rows_without_error(corpus, spark):
    assert corpus.files["web_logs", WHOLE_FILE_DAY] == b""
    for layer, table in [("bronze", "web_logs"), ("bronze", "web_logs_quarantine"), ("silver", "web_logs")]:
        assert corpus.rows(spark, layer, table, WHOLE_FILE_DAY) == [], table
    assert corpus.rows(spark, "gold", "web_error_rate_hourly", WHOLE_FILE_DAY) == []
