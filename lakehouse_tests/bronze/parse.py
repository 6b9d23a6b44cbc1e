"""Land a raw file, read it with the landing reader and parse it with the bronze parser; return its outcome per
line, for readable assertions."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pyspark.sql.functions as F
import pyspark.sql.types as T
from pyspark.sql import DataFrame, SparkSession

from lakehouse.bronze.parsing import ParsedSource, parse_source
from lakehouse.landing.reader import read_landing_lines
from lakehouse.partitions import DayRange
from lakehouse_tests.raw.landing import land

DAY = date(2024, 1, 15)
INGESTED_AT = datetime(2024, 1, 16, 2, 0, tzinfo=UTC)
RUN_ID = "run-1"
FILE_NAME = "file"


@dataclass(frozen=True)
class Outcome:
    parsed: ParsedSource
    bronze: dict[int, dict[str, Any]]
    """Bronze rows by line number, lineage dropped, timestamps as UTC ISO strings."""
    reasons: dict[int, str]
    """Quarantine reason by line number."""


def landed_lines(spark: SparkSession, root: Path, source: str, content: bytes) -> DataFrame:
    """The landing reader's rows for ``content``, landed on ``DAY`` as ``FILE_NAME`` under ``root``."""
    land(root, source, DAY, FILE_NAME, content)
    return read_landing_lines(spark, root.as_uri(), source, DayRange(DAY, DAY + timedelta(days=1)))


def parse(spark: SparkSession, root: Path, source: str, content: bytes) -> Outcome:
    lines = landed_lines(spark, root, source, content)
    parsed = parse_source(lines, source, run_id=RUN_ID, ingested_at=INGESTED_AT)
    bronze = {
        row["_line_number"]: {k: v for k, v in row.asDict().items() if not k.startswith("_") and k != "dt"}
        for row in _timestamps_as_text(parsed.bronze).collect()
    }
    reasons = {row["_line_number"]: row["reason"] for row in parsed.quarantine.collect()}
    return Outcome(parsed, bronze, reasons)


def _timestamps_as_text(frame: DataFrame) -> DataFrame:
    # Collected timestamps become naive datetimes in the test process's local zone; text in the session zone
    # (UTC, set by build_spark_session) says exactly which instant was stored.
    return frame.select(
        *[
            F.date_format(field.name, "yyyy-MM-dd'T'HH:mm:ss.SSSSSS").alias(field.name)
            if isinstance(field.dataType, T.TimestampType)
            else F.col(field.name)
            for field in frame.schema.fields
        ]
    )
