"""A generated day through the landing reader and the parser: nothing lost, exactly the bad lines quarantined."""

from datetime import date, datetime

import pytest
from pyspark.sql import SparkSession

from lakehouse.bronze.parsing import parse_source
from lakehouse.bronze.schemas import BRONZE_MODELS, Quarantine
from lakehouse.landing.reader import read_landing_lines
from lakehouse.partitions import DayRange
from lakehouse.raw.formats import SOURCES
from lakehouse.raw.generator import LandedFile, generate_day, land_day
from lakehouse_tests.raw.dirt import QUARANTINED_KINDS, RECOGNISERS

DAY = date(2024, 1, 15)


@pytest.fixture(scope="module")
def landing(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict[str, LandedFile]]:
    root = tmp_path_factory.mktemp("lake").as_uri()
    land_day(root, date(2024, 1, 14))  # a neighbouring day that must not leak in
    return root, {file.source: file for file in land_day(root, DAY)}


@pytest.mark.parametrize("source", SOURCES)
def test_raw_records_equal_bronze_plus_quarantine_and_only_bad_lines_are_quarantined(
    spark: SparkSession, landing: tuple[str, dict[str, LandedFile]], source: str
) -> None:
    root, landed = landing
    lines = read_landing_lines(spark, root, source, DayRange(DAY, date(2024, 1, 16)))
    parsed = parse_source(lines, source, run_id="run-1", ingested_at=datetime(2024, 1, 16, 2))

    assert parsed.bronze.schema == BRONZE_MODELS[source].to_structtype()
    assert parsed.quarantine.schema == Quarantine.to_structtype()
    bronze, quarantined = parsed.bronze.count(), parsed.quarantine.count()
    assert bronze + quarantined == landed[source].records

    files = generate_day(DAY)
    expected = set().union(*(RECOGNISERS[source, kind](files, DAY) for kind in QUARANTINED_KINDS[source]))
    assert {row["_line_number"] for row in parsed.quarantine.collect()} == expected
    assert parsed.unexpected_columns == []
