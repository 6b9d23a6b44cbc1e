"""Retention per layer, configured in one place: how many days of partitions each layer keeps.

Every field is optional and falls back, at run time, to its environment variable, then to the defaults our users
had (raw 7, bronze 30, silver 30, gold 90 days; ``0`` keeps forever), so the launchpad, the environment and the
defaults all meet here.
"""

import os
from datetime import date, timedelta

from dagster import ConfigurableResource
from pydantic import Field

from lakehouse.delta.maintenance import DEFAULT_VACUUM_RETENTION_HOURS

LAYERS = ("raw", "bronze", "silver", "gold")
DEFAULT_DAYS = {"raw": 7, "bronze": 30, "silver": 30, "gold": 90}
VACUUM_HOURS_ENV = "LAKEHOUSE_VACUUM_RETENTION_HOURS"


def days_env(layer: str) -> str:
    return f"LAKEHOUSE_RETENTION_{layer.upper()}_DAYS"


def _days_field(layer: str) -> int | None:
    return Field(
        default=None,
        ge=0,
        description=f"Days of {layer} partitions kept (0 keeps forever). Default: ${days_env(layer)}, "
        f"else {DEFAULT_DAYS[layer]}.",
    )


class Retention(ConfigurableResource):
    """How long each layer keeps its days, and how long VACUUM keeps the files of older table versions."""

    raw_days: int | None = _days_field("raw")
    bronze_days: int | None = _days_field("bronze")
    silver_days: int | None = _days_field("silver")
    gold_days: int | None = _days_field("gold")
    vacuum_retention_hours: float | None = Field(
        default=None,
        ge=0,
        description="Hours of table history VACUUM keeps readable (time travel, slow readers). Below Delta's week "
        f"only when set so on purpose. Default: ${VACUUM_HOURS_ENV}, else {DEFAULT_VACUUM_RETENTION_HOURS}.",
    )

    def days(self, layer: str) -> int:
        if layer not in LAYERS:
            raise ValueError(f"unknown layer {layer!r}: one of {', '.join(LAYERS)}")
        configured = getattr(self, f"{layer}_days")
        if configured is not None:
            return configured
        from_env = os.environ.get(days_env(layer))
        return int(_non_negative(days_env(layer), int(from_env))) if from_env else DEFAULT_DAYS[layer]

    def cutoff(self, layer: str, today: date, read_back_days: int = 0) -> date | None:
        """The first day a table of ``layer`` keeps on ``today``: every partition before it has expired. None keeps
        all. A table that a downstream asset reads ``read_back_days`` back from its day (rolling windows, customer
        lifetime) keeps at least those days before yesterday, whatever its layer's retention: dropping them would
        change the numbers of the next run, not only the history."""
        days = self.days(layer)
        if not days:
            return None
        cutoff = today - timedelta(days=days)
        return min(cutoff, today - timedelta(days=read_back_days + 1)) if read_back_days else cutoff

    @property
    def vacuum_hours(self) -> float:
        if self.vacuum_retention_hours is not None:
            return self.vacuum_retention_hours
        from_env = os.environ.get(VACUUM_HOURS_ENV)
        return _non_negative(VACUUM_HOURS_ENV, float(from_env)) if from_env else DEFAULT_VACUUM_RETENTION_HOURS


def _non_negative(name: str, value: float) -> float:
    if value < 0:
        raise ValueError(f"${name} must be 0 or more, got {value}")
    return value
