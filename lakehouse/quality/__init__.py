"""Quality gates: Dagster asset checks generated from the table models, plus cross-table reconciliations."""

from lakehouse.quality.checks import freshness_checks, freshness_sensor, quality_checks
from lakehouse.quality.thresholds import QualityThresholds

__all__ = ["QualityThresholds", "freshness_checks", "freshness_sensor", "quality_checks"]
