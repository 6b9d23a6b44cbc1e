"""The one partitioning of the lakehouse: a day, on the column ``dt``."""

from datetime import date, timedelta

from dagster import DailyPartitionsDefinition, TimeWindow

PARTITION_START = "2024-01-01"

daily_partitions = DailyPartitionsDefinition(start_date=PARTITION_START, timezone="UTC")


def window_dates(window: TimeWindow) -> tuple[date, date]:
    """A partition time window as ``[first day, day after the last)``, the range the Delta engine replaces."""
    return window.start.date(), window.end.date()


def days_in(start: date, end: date) -> list[date]:
    """The days of ``[start, end)``."""
    return [start + timedelta(days=n) for n in range((end - start).days)]
