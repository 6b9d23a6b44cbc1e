"""The one partitioning of the lakehouse: a day, on the column ``dt``, and the one type for a range of days.

The first partition day comes from ``LAKEHOUSE_FIRST_DAY`` (YYYY-MM-DD), else ``DEFAULT_FIRST_DAY``. It is read
when this module is imported, unlike the rest of the configuration: Dagster fixes a partitions definition when the
code location loads, and the UI's "% filled" and every partition picker count from it. ``make`` sets it from a
per-checkout file (``.lakehouse/first_day``) so the demo's UI counts only the days it could have landed.
"""

import os
from datetime import date, timedelta
from typing import NamedTuple

from dagster import DailyPartitionsDefinition, TimeWindow

FIRST_DAY_ENV = "LAKEHOUSE_FIRST_DAY"
DEFAULT_FIRST_DAY = date(2024, 1, 1)
"""The first day when ``LAKEHOUSE_FIRST_DAY`` is unset: the start every deployment had before it was configurable,
kept so that their partitions (and the runs recorded against them) stay valid."""
PARTITION_COLUMN = "dt"

# The run tags that say which days a run is for: one day, or the range of a single-run backfill (the tags with which
# Dagster's UI, its CLI and ``lakehouse run`` launch one).
PARTITION_TAG = "dagster/partition"
PARTITION_RANGE_START_TAG = "dagster/asset_partition_range_start"
PARTITION_RANGE_END_TAG = "dagster/asset_partition_range_end"


def first_day_from(value: str | None) -> date:
    """The first partition day that ``LAKEHOUSE_FIRST_DAY`` = ``value`` configures (unset or empty: the default)."""
    if not value or not value.strip():
        return DEFAULT_FIRST_DAY
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"{FIRST_DAY_ENV}={value!r} is not a day: give YYYY-MM-DD, e.g. 2024-01-01") from None


FIRST_DAY = first_day_from(os.environ.get(FIRST_DAY_ENV))

daily_partitions = DailyPartitionsDefinition(start_date=FIRST_DAY.isoformat(), timezone="UTC")


class DayRange(NamedTuple):
    """Days ``[start, end)``: half-open, like Dagster's time windows, so ranges that meet never overlap.

    Every range of days that crosses a module boundary (partitions, table reads and writes, checks, the report)
    is one of these.
    """

    start: date
    end: date

    @classmethod
    def of_window(cls, window: TimeWindow) -> "DayRange":
        return cls(window.start.date(), window.end.date())

    @property
    def last(self) -> date:
        return self.end - timedelta(days=1)

    def days(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range((self.end - self.start).days)]

    def sql_predicate(self, column: str = PARTITION_COLUMN) -> str:
        """The range as a Spark SQL predicate on a date column (Delta's ``replaceWhere``)."""
        return f"{column} >= DATE'{self.start.isoformat()}' AND {column} < DATE'{self.end.isoformat()}'"

    def __str__(self) -> str:
        return f"{self.start}...{self.last}"
