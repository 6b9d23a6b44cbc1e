"""Read the asset check evaluations (and the materialized row counts) of a date range from a Dagster instance.

Generic over whatever checks exist: a check's day is its evaluation's partition; else a ``partition``/``dt``/``day``
metadata entry; else the run's partition (or every day of a single-run backfill range); else the day it ran (UTC).
A check over several days that records a ``per_day`` table (markdown, a ``dt`` column and the score columns, as
``lakehouse.quality`` does) gives one result per listed day with that day's scores and failing rules.
The latest evaluation of each (asset, check, day) wins, like a re-run replaces a day.
"""

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Final

from dagster import DagsterEventType, DagsterInstance, EventRecordsFilter
from dagster._core.definitions.asset_checks.asset_check_evaluation import AssetCheckEvaluation

from lakehouse.partitions import PARTITION_RANGE_END_TAG, PARTITION_RANGE_START_TAG, PARTITION_TAG

SCORE_KEYS: Final = ("completeness", "uniqueness", "validity", "row_count")
"""Check metadata entries shown as scores; the first three are ratios in 0-1, row_count a count."""
RATIO_SCORES: Final = SCORE_KEYS[:3]
RULE_KEYS: Final = ("failing_rules", "failed_rules", "rules_failed", "violations", "failing_counts")
"""Check metadata entries that name the rules a failed check broke (text, or a JSON list or object)."""
DAY_KEYS: Final = ("partition", "dt", "day")
PER_DAY_KEY: Final = "per_day"
PER_DAY_ROWS: Final = {"rows": "row_count"}
"""``per_day`` table columns that are scores under another name."""
ROWS_WRITTEN_KEYS: Final = ("rows_written", "dagster/row_count")
"""Materialization metadata holding the rows a run wrote, first found wins: the Delta IO manager's ``rows_written``;
materializations recorded before it existed had them in ``dagster/row_count``, which is now the table's total."""
NO_RULES: Final = ("", "-", "none")
_CELL_BORDER: Final = re.compile(r"(?<!\\)\|")
LAYERS: Final = ("landing", "raw", "bronze", "silver", "gold")

PASS, WARN, FAIL = "pass", "warn", "fail"
STATUS_ORDER: Final = {PASS: 0, WARN: 1, FAIL: 2}


@dataclass(frozen=True)
class CheckResult:
    """One asset check evaluation for one day."""

    asset: str
    """The asset key as a path, ``silver/orders``."""
    check: str
    day: date
    passed: bool
    severity: str
    """ERROR or WARN."""
    scores: Mapping[str, float] = field(default_factory=dict)
    failing_rules: tuple[str, ...] = ()
    description: str | None = None
    run_id: str = ""
    timestamp: float = 0.0

    @property
    def status(self) -> str:
        """pass; warn (failed at WARN severity); fail (failed at ERROR severity)."""
        if self.passed:
            return PASS
        return WARN if self.severity == "WARN" else FAIL

    @property
    def layer(self) -> str:
        return self.asset.split("/")[0]


@dataclass(frozen=True)
class QualityReport:
    first: date
    last: date
    results: Sequence[CheckResult]
    """The latest evaluation of each (asset, check, day) in the range, sorted by asset, day, check."""
    materialized_rows: Mapping[tuple[str, date], int] = field(default_factory=dict)
    """Rows written per (asset, day), from the latest materialization, for the checked assets."""

    @property
    def days(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]

    @property
    def assets(self) -> list[str]:
        """The checked assets, in layer order (bronze, silver, gold), then by name."""
        return sorted({r.asset for r in self.results}, key=asset_sort_key)

    def cell(self, asset: str, day: date) -> list[CheckResult]:
        return [r for r in self.results if r.asset == asset and r.day == day]


def asset_sort_key(asset: str) -> tuple[int, str]:
    layer = asset.split("/")[0]
    return (LAYERS.index(layer) if layer in LAYERS else len(LAYERS), asset)


def worst_status(results: Iterable[CheckResult]) -> str | None:
    statuses = [r.status for r in results]
    return max(statuses, key=STATUS_ORDER.__getitem__) if statuses else None


def collect_report(instance: DagsterInstance, first: date, last: date) -> QualityReport:
    """Every asset check evaluation of the days ``first..last`` (inclusive) recorded in ``instance``."""
    if first > last:
        raise ValueError(f"first day {first} is after last day {last}")
    storage = instance.event_log_storage
    records = storage.get_event_records(
        EventRecordsFilter(event_type=DagsterEventType.ASSET_CHECK_EVALUATION), ascending=True
    )
    run_tags: dict[str, Mapping[str, str]] = {}
    latest: dict[tuple[str, str, date], CheckResult] = {}
    for record in records:
        entry = record.event_log_entry
        evaluation = entry.dagster_event.event_specific_data if entry.dagster_event else None
        if not isinstance(evaluation, AssetCheckEvaluation):
            continue
        if entry.run_id not in run_tags:
            run = instance.get_run_by_id(entry.run_id)
            run_tags[entry.run_id] = run.tags if run else {}
        per_day = _per_day_results(evaluation, entry.run_id, entry.timestamp)
        if not per_day:
            days = evaluation_days(evaluation, run_tags[entry.run_id], entry.timestamp)
            per_day = [_result(evaluation, day, entry.run_id, entry.timestamp) for day in days]
        for result in per_day:
            if first <= result.day <= last:
                latest[result.asset, result.check, result.day] = result  # ascending: a later evaluation replaces
    results = sorted(latest.values(), key=lambda r: (asset_sort_key(r.asset), r.day, r.check))
    assets = {r.asset for r in results}
    return QualityReport(first, last, results, _materialized_rows(instance, assets, first, last))


def evaluation_days(evaluation: AssetCheckEvaluation, tags: Mapping[str, str], timestamp: float) -> list[date]:
    """The days an evaluation speaks for (see the module docstring)."""
    candidates = [evaluation.partition, *(_text(evaluation.metadata.get(key)) for key in DAY_KEYS)]
    candidates.append(tags.get(PARTITION_TAG))
    for candidate in candidates:
        day = _day(candidate)
        if day:
            return [day]
    start, end = _day(tags.get(PARTITION_RANGE_START_TAG)), _day(tags.get(PARTITION_RANGE_END_TAG))
    if start and end and start <= end:
        return [start + timedelta(days=n) for n in range((end - start).days + 1)]
    return [datetime.fromtimestamp(timestamp, UTC).date()]


def _result(evaluation: AssetCheckEvaluation, day: date, run_id: str, timestamp: float) -> CheckResult:
    scores = {}
    for key in SCORE_KEYS:
        value = _number(evaluation.metadata.get(key))
        if value is not None:
            scores[key] = value
    return CheckResult(
        asset="/".join(evaluation.asset_key.path),
        check=evaluation.check_name,
        day=day,
        passed=evaluation.passed,
        severity=evaluation.severity.value,
        scores=scores,
        failing_rules=() if evaluation.passed else _failing_rules(evaluation),
        description=evaluation.description,
        run_id=run_id,
        timestamp=timestamp,
    )


def _per_day_results(evaluation: AssetCheckEvaluation, run_id: str, timestamp: float) -> list[CheckResult]:
    """One result per row of the evaluation's ``per_day`` markdown table, or [] if it has none.

    A day of a failed evaluation fails when the table lists failing rules for it or the description names it."""
    rows = parse_markdown_table(_text(evaluation.metadata.get(PER_DAY_KEY)) or "")
    results = []
    for row in rows:
        day = _day(row.get("dt") or row.get("day"))
        if day is None:
            continue
        scores = {}
        for column, text in row.items():
            name = PER_DAY_ROWS.get(column, column)
            if name in SCORE_KEYS:
                value = _parse_float(text)
                if value is not None:
                    scores[name] = value
        rules_text = (row.get("failing rules") or row.get("failing_rules") or "").strip()
        rules = () if rules_text.lower() in NO_RULES else tuple(r.strip() for r in rules_text.split(",") if r.strip())
        named = day.isoformat() in (evaluation.description or "")
        passed = evaluation.passed or not (rules or named)
        if not passed and not rules:
            rules = _failing_rules(evaluation)
        results.append(
            CheckResult(
                asset="/".join(evaluation.asset_key.path),
                check=evaluation.check_name,
                day=day,
                passed=passed,
                severity=evaluation.severity.value,
                scores=scores,
                failing_rules=() if passed else rules,
                description=evaluation.description,
                run_id=run_id,
                timestamp=timestamp,
            )
        )
    return results


def parse_markdown_table(text: str) -> list[dict[str, str]]:
    """The rows of a markdown table (``| a | b |`` lines, the second a ``---`` rule) as dicts of stripped cells."""
    lines = [line.strip() for line in text.splitlines() if line.strip().startswith("|")]
    if len(lines) < 2:
        return []

    def cells(line: str) -> list[str]:  # "\\|" is an escaped pipe inside a cell
        return [cell.strip().replace("\\|", "|") for cell in _CELL_BORDER.split(line.strip().strip("|"))]

    header = cells(lines[0])
    return [dict(zip(header, cells(line), strict=False)) for line in lines[2:]]


def _failing_rules(evaluation: AssetCheckEvaluation) -> tuple[str, ...]:
    for key in RULE_KEYS:
        value = _raw(evaluation.metadata.get(key))
        if value is None:
            continue
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                return tuple(part.strip() for part in value.split(";") if part.strip())
        if isinstance(value, Mapping):  # {rule: count of failing rows}; a zero count is not a failing rule
            rules = tuple(f"{rule}: {detail}" for rule, detail in value.items() if detail)
            if rules:
                return rules
            continue
        if isinstance(value, list | tuple):
            return tuple(str(rule) for rule in value)
        return (str(value),)
    return (evaluation.description,) if evaluation.description else (evaluation.check_name,)


def _materialized_rows(
    instance: DagsterInstance, assets: Iterable[str], first: date, last: date
) -> dict[tuple[str, date], int]:
    from dagster import AssetKey, AssetRecordsFilter

    days = [(first + timedelta(days=n)).isoformat() for n in range((last - first).days + 1)]
    rows: dict[tuple[str, date], int] = {}
    for asset in assets:
        result = instance.fetch_materializations(
            AssetRecordsFilter(asset_key=AssetKey(asset.split("/")), asset_partitions=days), limit=10 * len(days)
        )
        for record in sorted(result.records, key=lambda r: r.storage_id):
            materialization = record.asset_materialization
            day = _day(materialization.partition if materialization else None)
            count = _rows_written(materialization.metadata) if materialization else None
            if day and count is not None:
                rows[asset, day] = int(count)
    return rows


def _rows_written(metadata: Mapping[str, Any]) -> float | None:
    return next((_number(metadata[key]) for key in ROWS_WRITTEN_KEYS if key in metadata), None)


def _parse_float(text: str) -> float | None:
    try:
        return float(text.replace(",", ""))
    except ValueError:
        return None


def _raw(value: Any) -> Any:
    """The plain Python value of a metadata entry (MetadataValue.value), or the value itself."""
    return getattr(value, "value", value)


def _text(value: Any) -> str | None:
    raw = _raw(value)
    return raw if isinstance(raw, str) else None


def _number(value: Any) -> float | None:
    raw = _raw(value)
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        return None
    return float(raw)


def _day(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None
