"""Every quality threshold in one place: a resource, so the launchpad or the environment can change them per run."""

from dagster import ConfigurableResource
from pydantic import Field

FRESHNESS_DEADLINE_CRON = "59 23 * * *"
"""Day D must be in gold by 23:59 UTC of D + 1, i.e. within 24 h of the day's end. Dagster's time-partition
freshness checks take a cron deadline, which is why this one threshold is a constant, not run config."""


class QualityThresholds(ConfigurableResource):
    """The bars the asset checks hold each table to. Scores are shares of rows in [0, 1], checked per day."""

    completeness: float = Field(default=0.95, description="Min share of required (non-nullable) values present")
    uniqueness: float = Field(default=0.99, description="Min share of rows whose business key is unique in its day")
    validity: float = Field(default=0.90, description="Min share of rows passing every value rule of the model")
    min_orders_per_day: int = Field(default=50, description="Min silver orders per landing day")
    max_quarantine_share: float = Field(
        default=0.10, description="Max share of a day's raw records quarantined before bronze warns"
    )
    sample_rows: int = Field(default=5, description="Failing rows shown in a check's metadata (PII masked)")
