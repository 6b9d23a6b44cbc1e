"""Reports: the asset check report (what the quality checks said about each table and day, as HTML and as a
summary) and the daily run report (`daily_asset`: what each day's tables hold, as markdown)."""

from lakehouse.report.collect import CheckResult, QualityReport, collect_report
from lakehouse.report.render import render_html
from lakehouse.report.summary import format_summary

__all__ = ["CheckResult", "QualityReport", "collect_report", "format_summary", "render_html"]
