"""What a run did, gathered from its events: the failed steps and their first error line, the rows it wrote per
table, the checks that passed and failed. The same collector reads the events as the executor yields them and a
finished run's events (``lakehouse run``)."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from dagster import DagsterEvent, DagsterEventType

from lakehouse.partitions import PARTITION_RANGE_END_TAG, PARTITION_RANGE_START_TAG, PARTITION_TAG
from lakehouse.progress import first_error_line, rows_written

# Tables whose rows are the input a run turned away, with a reason per row (bronze quarantine, silver rejects).
_REJECT_SUFFIXES = ("_quarantine", "_rejected")


@dataclass(frozen=True)
class FailedStep:
    step: str
    error: str


@dataclass(frozen=True)
class FailedCheck:
    check: str
    asset: str
    blocking: bool
    description: str | None


@dataclass(frozen=True)
class RunOutcome:
    job_name: str
    run_id: str
    partitions: str | None  # "2024-01-01" or "2024-01-01...2024-01-03"; None for an unpartitioned run
    failed_steps: list[FailedStep]
    rows_by_table: Mapping[str, int]
    checks_passed: int
    checks_failed: list[FailedCheck]
    run_error: str | None = None  # the run broke outside any step (the executor itself)

    @property
    def succeeded(self) -> bool:
        return not self.failed_steps and self.run_error is None

    def rows_in(self, layer: str) -> int:
        return sum(rows for table, rows in self.rows_by_table.items() if table.startswith(f"{layer}/"))

    @property
    def rows_rejected(self) -> int:
        return sum(rows for table, rows in self.rows_by_table.items() if table.endswith(_REJECT_SUFFIXES))


def partitions_of(tags: Mapping[str, str]) -> str | None:
    if PARTITION_RANGE_START_TAG in tags:
        first, last = tags[PARTITION_RANGE_START_TAG], tags.get(PARTITION_RANGE_END_TAG)
        return first if last in (None, first) else f"{first}...{last}"
    return tags.get(PARTITION_TAG)


@dataclass
class OutcomeCollector:
    job_name: str
    run_id: str
    tags: Mapping[str, str]
    _failed_steps: dict[str, str] = field(default_factory=dict)
    _rows: dict[str, int] = field(default_factory=dict)
    _checks_passed: int = 0
    _checks_failed: list[FailedCheck] = field(default_factory=list)
    _run_error: str | None = None

    def add_all(self, events: Iterable[DagsterEvent]) -> "OutcomeCollector":
        for event in events:
            self.add(event)
        return self

    def add(self, event: DagsterEvent) -> None:
        kind = event.event_type
        if kind == DagsterEventType.STEP_FAILURE:
            # A retried step fails with STEP_UP_FOR_RETRY: STEP_FAILURE is the last attempt's.
            self._failed_steps[event.step_key or "?"] = first_error_line(event.step_failure_data.error)
        elif kind == DagsterEventType.ASSET_MATERIALIZATION:
            materialization = event.step_materialization_data.materialization
            rows = rows_written(materialization.metadata)
            if rows is not None:
                table = materialization.asset_key.to_user_string()
                self._rows[table] = self._rows.get(table, 0) + rows
        elif kind == DagsterEventType.ASSET_CHECK_EVALUATION:
            evaluation = event.event_specific_data
            if evaluation.passed:
                self._checks_passed += 1
            else:
                self._checks_failed.append(
                    FailedCheck(
                        check=evaluation.check_name,
                        asset=evaluation.asset_key.to_user_string(),
                        blocking=bool(evaluation.blocking),
                        description=evaluation.description,
                    )
                )

    def run_broke(self, reason: str) -> None:
        self._run_error = reason

    def outcome(self) -> RunOutcome:
        return RunOutcome(
            job_name=self.job_name,
            run_id=self.run_id,
            partitions=partitions_of(self.tags),
            failed_steps=[FailedStep(step, error) for step, error in self._failed_steps.items()],
            rows_by_table=dict(self._rows),
            checks_passed=self._checks_passed,
            checks_failed=list(self._checks_failed),
            run_error=self._run_error,
        )
