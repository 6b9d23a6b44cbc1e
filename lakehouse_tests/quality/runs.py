"""Real Dagster runs of the assets together with their quality checks (the shared harness runs the assets only)."""

from datetime import date

from dagster import AssetCheckEvaluation, ExecuteInProcessResult, materialize

from lakehouse.definitions import all_assets
from lakehouse.partitions import PARTITION_RANGE_END_TAG, PARTITION_RANGE_START_TAG
from lakehouse.quality import quality_checks
from lakehouse_tests.harness import SMALL_LANDING, LakehouseUnderTest

MEDALLION = "group:bronze or group:silver or group:gold"


def materialize_with_checks(
    lakehouse: LakehouseUnderTest, first: date, last: date | None = None, selection: str = "*"
) -> ExecuteInProcessResult:
    last = last or first
    return materialize(
        [*all_assets, *quality_checks],
        selection=selection,
        resources=lakehouse.resources(),
        instance=lakehouse.instance,
        run_config={"ops": {"landing_generator": {"config": SMALL_LANDING}}} if selection == "*" else None,
        tags={PARTITION_RANGE_START_TAG: first.isoformat(), PARTITION_RANGE_END_TAG: last.isoformat()},
        raise_on_error=False,
    )


def evaluations(result: ExecuteInProcessResult) -> dict[str, AssetCheckEvaluation]:
    """``layer.table:check`` -> the check's evaluation in the run."""
    return {f"{'.'.join(e.asset_key.path)}:{e.check_name}": e for e in result.get_asset_check_evaluations()}
