"""The one partitioning of the lakehouse: a day, on the column ``dt``, and the one type for a range of days."""

from datetime import date, timedelta
from typing import NamedTuple

from dagster import DailyPartitionsDefinition, TimeWindow

PARTITION_START = "2024-01-01"
PARTITION_COLUMN = "dt"

daily_partitions = DailyPartitionsDefinition(start_date=PARTITION_START, timezone="UTC")


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
