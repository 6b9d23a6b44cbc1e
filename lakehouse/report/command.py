"""``lakehouse report``: write the HTML report of a date range and print its summary."""

from datetime import date
from pathlib import Path

from dagster import DagsterInstance

from lakehouse.report.collect import collect_report
from lakehouse.report.render import render_html
from lakehouse.report.summary import format_summary

REPORTS_DIR = Path(".lakehouse") / "reports"


def default_report_path(first: date, last: date) -> Path:
    return REPORTS_DIR / f"quality-{first.isoformat()}-{last.isoformat()}.html"


def write_report(instance: DagsterInstance, first: date, last: date, out: Path | None = None) -> tuple[Path, str]:
    """Write the report of ``first..last`` to ``out`` (default ``.lakehouse/reports/quality-<from>-<to>.html``);
    returns the path and the terminal summary."""
    report = collect_report(instance, first, last)
    path = out or default_report_path(first, last)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(report), encoding="utf-8")
    return path, format_summary(report)


def report(first: date, last: date, out: Path | None = None) -> None:
    with DagsterInstance.get() as instance:
        path, summary = write_report(instance, first, last, out)
    print(summary)
    print(f"Report: {path}")
