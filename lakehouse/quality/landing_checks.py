"""Landing completeness, checked by each bronze step on the run's days, from one listing of the landing zone.

``landed_every_day`` fails (ERROR, blocking) when a day of the run lacks the source's file (or, with markers, its
``_SUCCESS``). The one blocking check on bronze: a missing file is not dirty data that may flow with a warning but
an absent day, which silver and gold would publish as a real day with no rows (a day of web logs without errors).
``only_expected_files`` warns with every unexpected file or folder under the source's folder and under ``raw/``
(``lakehouse.landing.inventory``): bronze still reads the extra files of a day folder, which may be a late or split
delivery, and every row keeps its ``_source_file``; the warning says so, so no file is ingested unnoticed.
"""

from collections.abc import Mapping, Sequence
from typing import Any

from dagster import AssetCheckResult, AssetCheckSeverity, AssetCheckSpec, AssetKey, MetadataValue

from lakehouse.landing.inventory import Inventory, LandingPolicy, Unexpected
from lakehouse.partitions import DayRange
from lakehouse.quality.model_checks import markdown_table
from lakehouse.raw.formats import FILE_NAMES

LANDED_CHECK = "landed_every_day"
UNEXPECTED_CHECK = "only_expected_files"


def landing_check_specs(source: str) -> list[AssetCheckSpec]:
    """Evaluated by the bronze asset itself, from the landing zone listed before it reads: no step of their own."""
    asset = AssetKey(["bronze", source])
    return [
        AssetCheckSpec(
            name=LANDED_CHECK,
            asset=asset,
            blocking=True,
            description=f"Every day of the run has raw/{source}/dt=YYYY-MM-DD/{FILE_NAMES[source]} (and its "
            "_SUCCESS marker when the landing resource's complete_when asks for markers). Fails (ERROR) naming "
            f"the days that lack it, and blocks silver.{source}.",
        ),
        AssetCheckSpec(
            name=UNEXPECTED_CHECK,
            asset=asset,
            description=f"raw/{source}/ holds only day folders dt=YYYY-MM-DD, and the run's day folders only "
            f"{FILE_NAMES[source]} (and names starting with _ or .); raw/ holds only source folders. Warns with "
            "each other file or folder, and whether bronze read it (it reads every file of a day folder).",
        ),
    ]


def landing_check_results(
    source: str, inventory: Inventory, days: DayRange, policy: LandingPolicy
) -> list[AssetCheckResult]:
    return [_landed_result(source, inventory, days, policy), _unexpected_result(source, inventory, days)]


def _landed_result(source: str, inventory: Inventory, days: DayRange, policy: LandingPolicy) -> AssetCheckResult:
    missing = {day: inventory.missing(source, day, policy) for day in days.days()}
    incomplete = {day: names for day, names in missing.items() if names}
    rows = [
        {"dt": day, "failing rules": ", ".join(f"{name} missing" for name in names) or "-"}
        for day, names in missing.items()
    ]
    if incomplete:
        description = f"{source}: {len(incomplete)} of {len(missing)} day(s) not landed: " + "; ".join(
            f"{day} lacks {', '.join(names)}" for day, names in incomplete.items()
        )
    else:
        description = f"{source}: all {len(missing)} day(s) landed"
    metadata = {
        "complete_when": MetadataValue.text(policy.mode.value),
        "required_files": MetadataValue.text(", ".join(policy.required_files(source))),
        "days_not_landed": MetadataValue.int(len(incomplete)),
        "missing": MetadataValue.json({day.isoformat(): names for day, names in incomplete.items()}),
    }
    return _result(source, LANDED_CHECK, AssetCheckSeverity.ERROR, not incomplete, description, metadata, rows)


def _unexpected_result(source: str, inventory: Inventory, days: DayRange) -> AssetCheckResult:
    run_days = set(days.days())
    # Entries in no source's folder are named by every source's check: raw/weblogs/ may be web_logs misspelt.
    found = [
        entry
        for entry in inventory.unexpected
        if entry.source in (source, None) and (entry.day is None or entry.day in run_days)
    ]
    read = [entry for entry in found if entry.read_by_bronze]
    rows = [
        {"dt": day, "failing rules": ", ".join(_name(e) for e in found if e.day == day) or "-"} for day in days.days()
    ]
    description = (
        f"{source}: {len(found)} unexpected file(s) or folder(s), {len(read)} read by bronze: "
        + ", ".join(entry.path for entry in found)
        if found
        else f"{source}: only the expected files"
    )
    listed = [{"path": e.path, "dt": e.day, "why": e.reason, "read by bronze": e.read_by_bronze} for e in found]
    metadata = {
        "unexpected": MetadataValue.int(len(found)),
        "read_by_bronze": MetadataValue.int(len(read)),
        "unexpected_files": MetadataValue.md(markdown_table(listed)),
    }
    return _result(source, UNEXPECTED_CHECK, AssetCheckSeverity.WARN, not found, description, metadata, rows)


def _result(
    source: str,
    check_name: str,
    severity: AssetCheckSeverity,
    passed: bool,
    description: str,
    metadata: Mapping[str, MetadataValue],
    per_day: Sequence[Mapping[str, Any]],
) -> AssetCheckResult:
    """A check result of bronze.<source>, with the ``per_day`` table (``dt``, ``failing rules``) the report reads."""
    return AssetCheckResult(
        asset_key=AssetKey(["bronze", source]),
        check_name=check_name,
        passed=passed,
        severity=severity,
        description=description,
        metadata={**metadata, "per_day": MetadataValue.md(markdown_table(per_day))},
    )


def _name(entry: Unexpected) -> str:
    """The entry's name inside its day folder, as the per-day table shows it."""
    return entry.path.rstrip("/").rsplit("/", 1)[-1] + ("/" if entry.path.endswith("/") else "")
