"""What ``lakehouse run`` prints while its run executes: the plan, then one line per step from Dagster's own events.

A step's line says how far the run is (``n of N steps``), the step, the rows it wrote per table (the Delta IO
manager's ``rows_written``), its checks and its seconds; retries and failures get a line of their own with the
first line of the error. On a terminal a progress bar is redrawn below the lines; elsewhere (cron, CI, a pipe) the
output is plain lines only. Dagster itself keeps the full event log, as for any run.
"""

import logging
import shutil
import sys
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TextIO

from dagster import AssetKey, DagsterEventType, EventLogEntry, JobDefinition, MetadataValue
from dagster._utils.error import SerializableErrorInfo

ROWS_WRITTEN_METADATA_KEY = "rows_written"
"""What the Delta IO manager records as the rows a run wrote (``lakehouse.resources.delta_io``)."""
ROW_COUNT_METADATA_KEY = "dagster/row_count"
"""Dagster's standard row count: for an asset without ``rows_written`` (the Delta IO manager's is the table's total)."""
LAYERS = ("raw", "bronze", "silver", "gold")
"""The order the plan lists layers in; a layer not named here comes after them."""

_CLEAR_LINE = "\r\x1b[K"
_MAX_ERROR_CHARS = 300
# Dagster wraps a step's own exception in these; the first line worth reading is the exception they carry.
_WRAPPERS = ("Dagster", "RetryRequested")


@dataclass(frozen=True)
class Plan:
    job_name: str
    first: date
    last: date
    steps: Sequence[str]
    assets: Sequence[AssetKey]

    @classmethod
    def of_job(cls, job: JobDefinition, first: date, last: date) -> "Plan":
        # The jobs run on the in-process executor with no dynamic outputs: one step per node of the job's graph.
        steps = [node.name for node in job.nodes_in_topological_order]
        return cls(job.name, first, last, steps, sorted(job.asset_layer.selected_asset_keys))

    def lines(self, width: int = 120) -> list[str]:
        """The header, then the assets by layer, wrapped to ``width`` columns."""
        days = _plural((self.last - self.first).days + 1, "day")
        header = (
            f"Materializing {self.job_name} for {self.first}...{self.last} ({days}, one run, one Spark session): "
            f"{_plural(len(self.steps), 'step')} writing {_plural(len(self.assets), 'asset')}"
        )
        layers = [
            line
            for layer, tables in _by_layer(self.assets).items()
            for line in textwrap.wrap(
                ", ".join(tables), width, initial_indent=f"  {layer:<7} ", subsequent_indent=" " * 10
            )
        ]
        return [header, *layers]


def _by_layer(keys: Iterable[AssetKey]) -> dict[str, list[str]]:
    layers: dict[str, list[str]] = {}
    for key in keys:
        layers.setdefault(key.path[0], []).append("/".join(key.path[1:]) or key.path[0])
    rank = {layer: i for i, layer in enumerate(LAYERS)}
    return {layer: sorted(layers[layer]) for layer in sorted(layers, key=lambda layer: (rank.get(layer, 99), layer))}


@dataclass
class _Step:
    started_at: float | None = None
    rows: dict[str, int | None] = field(default_factory=dict)
    checks_passed: int = 0
    checks_failed: dict[str, list[str]] = field(default_factory=dict)
    """``check (severity)`` -> the assets it failed on: one check may evaluate several (freshness)."""
    retries: int = 0


def rows_written(metadata: Mapping[str, MetadataValue]) -> int | None:
    """The rows a materialization wrote: the Delta IO manager's ``rows_written``, else Dagster's row count."""
    key = ROWS_WRITTEN_METADATA_KEY if ROWS_WRITTEN_METADATA_KEY in metadata else ROW_COUNT_METADATA_KEY
    count = metadata.get(key)
    return None if count is None else int(count.value)


def format_rows(rows: Mapping[str, int | None]) -> str:
    """``bronze.orders 9,934 rows, bronze.orders_quarantine 66 rows``; an asset without a row count by name only."""
    return ", ".join(name if count is None else f"{name} {_plural(count, 'row')}" for name, count in rows.items())


def _plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def format_step_line(done: int, total: int, step: str, detail: str, seconds: float | None, step_width: int) -> str:
    took = f"  {seconds:.1f} s" if seconds is not None else ""
    return f"{done:>{len(str(total))}} of {total} steps  {step:<{step_width}}  {detail}{took}".rstrip()


def format_bar(done: int, total: int, running: str | None, width: int) -> str:
    """``[#######.............] 12 of 36 steps  running silver_orders``, cut to ``width`` columns."""
    cells = 20
    filled = cells * done // total if total else cells
    text = f"[{'#' * filled}{'.' * (cells - filled)}] {done} of {total} steps"
    if running:
        text += f"  running {running}"
    return text[: max(width - 1, 0)]  # never the last column: a full line would wrap and break the redraw


def first_error_line(error: SerializableErrorInfo | None) -> str:
    """The first line of the exception the step raised, not of Dagster's wrapper around it."""
    while error is not None and error.cause is not None and (error.cls_name or "").startswith(_WRAPPERS):
        error = error.cause
    if error is None:
        return "unknown error"
    line = next((line.strip() for line in error.message.splitlines() if line.strip()), error.cls_name or "error")
    return line if len(line) <= _MAX_ERROR_CHARS else line[: _MAX_ERROR_CHARS - 1] + "…"


class RunProgress:
    """Turns a run's events into progress lines. ``on_event`` is the instance's event listener for the run.

    With ``tty`` (default: whether ``out`` is a terminal) the last line is a progress bar, redrawn in place.
    """

    def __init__(self, plan: Plan, out: TextIO | None = None, tty: bool | None = None, width: int | None = None):
        self._total = len(plan.steps)
        self._step_width = max((len(step) for step in plan.steps), default=0)
        self._out = out or sys.stdout  # looked up now, not at import: a caller may have replaced it
        self._tty = self._out.isatty() if tty is None else tty
        self._width = width or shutil.get_terminal_size().columns
        self._steps: dict[str, _Step] = {}
        self._finished: set[str] = set()
        self._done = 0
        self._running: str | None = None
        self._failed = False
        self.broken: Exception | None = None

    def on_event(self, entry: EventLogEntry) -> None:
        # Called inside Dagster's event handling: an exception here would fail the step being reported. A display
        # problem must never fail a run, so the first one is kept (and reported at the end) and the display stops.
        if self.broken is not None:
            return
        try:
            self._handle(entry)
        except Exception as error:
            self.broken = error

    def close(self) -> None:
        """Clear the bar, so what follows starts on a clean line."""
        if self._tty:
            self._out.write(_CLEAR_LINE)
            self._out.flush()
        if self.broken is not None:
            self._out.write(f"(progress display stopped: {self.broken!r}; the run's events are in Dagster's log)\n")

    def _handle(self, entry: EventLogEntry) -> None:
        event = entry.dagster_event
        key = entry.step_key
        if event is None:
            # Dagster logs a step that will not run because its inputs failed as a plain ERROR message, no event:
            # "Dependencies for step X failed: [...]. Not executing."
            message = entry.user_message
            if key and entry.level == logging.ERROR and "Not executing" in message and key not in self._finished:
                self._finish(key, entry.timestamp, f"not run: {message.splitlines()[0]}")
            return
        kind = event.event_type
        if kind == DagsterEventType.RUN_FAILURE and not self._failed:
            data = event.event_specific_data
            self._line(f"Run failed: {first_error_line(getattr(data, 'error', None))}")
            return
        if key is None:
            return
        step = self._steps.setdefault(key, _Step())
        if kind == DagsterEventType.STEP_START:
            step.started_at = step.started_at or entry.timestamp
            self._running = key
            self._redraw()
        elif kind == DagsterEventType.ASSET_MATERIALIZATION:
            materialization = event.step_materialization_data.materialization
            step.rows[".".join(materialization.asset_key.path)] = rows_written(materialization.metadata)
        elif kind == DagsterEventType.ASSET_CHECK_EVALUATION:
            evaluation = event.event_specific_data
            if evaluation.passed:
                step.checks_passed += 1
            else:
                check = f"{evaluation.check_name} ({evaluation.severity.value.lower()})"
                step.checks_failed.setdefault(check, []).append(".".join(evaluation.asset_key.path))
        elif kind == DagsterEventType.STEP_UP_FOR_RETRY:
            step.retries += 1
            data = event.event_specific_data
            wait = f" in {data.seconds_to_wait:g} s" if data.seconds_to_wait else ""
            self._line(f"retry {key} (attempt {step.retries + 1}{wait}): {first_error_line(data.error)}")
        elif kind == DagsterEventType.STEP_SUCCESS:
            self._finish(key, entry.timestamp, self._detail(step))
        elif kind == DagsterEventType.STEP_FAILURE:
            self._failed = True
            error = first_error_line(event.step_failure_data.error)
            self._finish(key, entry.timestamp, f"FAILED: {error}")
        elif kind == DagsterEventType.STEP_SKIPPED:
            self._finish(key, entry.timestamp, "skipped")

    def _detail(self, step: _Step) -> str:
        parts = [format_rows(step.rows)] if step.rows else []
        if step.checks_passed:
            parts.append(f"{_plural(step.checks_passed, 'check')} passed")
        for check, assets in step.checks_failed.items():
            parts.append(f"{_plural(len(assets), 'check')} failed: {check} of {', '.join(assets)}")
        if step.retries:
            parts.append(f"after {step.retries} retr{'ies' if step.retries > 1 else 'y'}")
        return "; ".join(parts) or "done"

    def _finish(self, key: str, at: float, detail: str) -> None:
        if key in self._finished:
            return
        self._finished.add(key)
        started_at = self._steps.get(key, _Step()).started_at
        self._done += 1
        if self._running == key:
            self._running = None
        seconds = at - started_at if started_at is not None else None
        self._line(format_step_line(self._done, self._total, key, detail, seconds, self._step_width))

    def _line(self, text: str) -> None:
        if self._tty:
            self._out.write(f"{_CLEAR_LINE}{text}\n{format_bar(self._done, self._total, self._running, self._width)}")
        else:
            self._out.write(f"{text}\n")
        self._out.flush()

    def _redraw(self) -> None:
        if self._tty:
            self._out.write(_CLEAR_LINE + format_bar(self._done, self._total, self._running, self._width))
            self._out.flush()
