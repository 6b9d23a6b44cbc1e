"""The quality report as one self-contained HTML file: no script, no external CSS, font or CDN; the trend is inline SVG.

Sections: an asset-by-day grid (status, severity, scores, rows), a trend plot of the scores per day, the failing
rules, and every evaluation. Cells carry ``data-asset``, ``data-day`` and ``data-status`` so tools can read them.
"""

import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from html import escape
from statistics import fmean
from typing import Final

from lakehouse.report.collect import FAIL, PASS, RATIO_SCORES, WARN, CheckResult, QualityReport, worst_status

PASS_RATE: Final = "pass_rate"
"""Trend series: share of the day's checks that passed (always present, even when checks record no scores)."""
SERIES_COLOURS: Final = {
    PASS_RATE: "#555555",
    "completeness": "#1f77b4",
    "uniqueness": "#9467bd",
    "validity": "#ff7f0e",
}
STATUS_COLOURS: Final = {PASS: "#d9f2d9", WARN: "#fff0c2", FAIL: "#f8d0d0"}

_CSS: Final = """
body { font-family: system-ui, sans-serif; margin: 1.5rem; color: #222; }
h1 { font-size: 1.4rem; } h2 { font-size: 1.1rem; margin-top: 2rem; }
table { border-collapse: collapse; font-size: 0.8rem; }
th, td { border: 1px solid #ccc; padding: 0.25rem 0.4rem; vertical-align: top; text-align: left; }
thead th { background: #f4f4f4; position: sticky; top: 0; }
td.cell { min-width: 6.5rem; }
td.none { color: #999; text-align: center; }
.status { font-weight: bold; text-transform: uppercase; }
.severity { margin-left: 0.4rem; font-size: 0.7rem; color: #555; }
ul { margin: 0.2rem 0 0 0; padding-left: 1rem; }
.scores { list-style: none; padding: 0; color: #333; }
.legend span { margin-right: 1rem; }
""" + "\n".join(f"td.{status} {{ background: {colour}; }}" for status, colour in STATUS_COLOURS.items())


def render_html(report: QualityReport) -> str:
    title = f"Data quality: {report.first} to {report.last}"
    counts = {status: sum(1 for r in report.results if r.status == status) for status in (PASS, WARN, FAIL)}
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{escape(title)}</h1>",
        f'<p class="totals">{len(report.results)} check evaluations on {len(report.assets)} assets: '
        f"{counts[PASS]} passed, {counts[WARN]} warned, {counts[FAIL]} failed.</p>",
        "<h2>Checks by asset and day</h2>",
        _grid(report),
        "<h2>Score trend</h2>",
        _trend_svg(report),
        "<h2>Failing rules</h2>",
        _failures(report.results),
        "<h2>All evaluations</h2>",
        _evaluations(report.results),
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"


def _grid(report: QualityReport) -> str:
    if not report.results:
        return '<p class="empty">No asset check evaluations in this range.</p>'
    head = "".join(f'<th scope="col">{day.isoformat()}</th>' for day in report.days)
    rows = []
    for asset in report.assets:
        cells = "".join(_cell(asset, day, report) for day in report.days)
        rows.append(f'<tr><th scope="row">{escape(asset)}</th>{cells}</tr>')
    return f'<table class="grid"><thead><tr><th>asset</th>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


def _cell(asset: str, day: date, report: QualityReport) -> str:
    results = report.cell(asset, day)
    data = f'data-asset="{escape(asset)}" data-day="{day.isoformat()}"'
    if not results:
        return f'<td class="cell none" {data} data-status="none">&ndash;</td>'
    status = worst_status(results) or PASS
    severities = sorted({r.severity for r in results if not r.passed})
    scores = _cell_scores(results)
    rows = report.materialized_rows.get((asset, day))
    if rows is not None and "row_count" not in scores:
        scores["rows written"] = rows
    items = "".join(
        f'<li data-score="{escape(name)}">{escape(name)} <span class="value">{_format(value)}</span></li>'
        for name, value in scores.items()
    )
    tooltip = "; ".join(f"{r.check}: {r.status}" for r in results)
    return (
        f'<td class="cell {status}" {data} data-status="{status}" title="{escape(tooltip)}">'
        f'<span class="status">{status}</span>'
        + (f'<span class="severity">{escape(", ".join(severities))}</span>' if severities else "")
        + f'<span class="checks"> {sum(r.passed for r in results)}/{len(results)} passed</span>'
        + (f'<ul class="scores">{items}</ul>' if items else "")
        + "</td>"
    )


def _cell_scores(results: Sequence[CheckResult]) -> dict[str, float]:
    """The worst value of each score over the cell's checks (lowest ratio; row_count as the checks saw it)."""
    scores: dict[str, float] = {}
    for result in results:
        for name, value in result.scores.items():
            scores[name] = min(scores[name], value) if name in scores else value
    return scores


def _failures(results: Iterable[CheckResult]) -> str:
    failed = [r for r in results if not r.passed]
    if not failed:
        return '<p class="empty">No check failed.</p>'
    rows = "".join(
        f'<tr class="{r.status}" data-asset="{escape(r.asset)}" data-day="{r.day.isoformat()}">'
        f"<td>{r.day.isoformat()}</td><td>{escape(r.asset)}</td><td>{escape(r.check)}</td>"
        f"<td>{escape(r.severity)}</td>"
        f'<td><ul class="rules">{"".join(f"<li>{escape(rule)}</li>" for rule in r.failing_rules)}</ul></td></tr>'
        for r in sorted(failed, key=lambda r: (r.day, r.asset, r.check))
    )
    head = "<tr><th>day</th><th>asset</th><th>check</th><th>severity</th><th>failing rules</th></tr>"
    return f'<table class="failures"><thead>{head}</thead><tbody>{rows}</tbody></table>'


def _evaluations(results: Sequence[CheckResult]) -> str:
    if not results:
        return '<p class="empty">None.</p>'
    head = "".join(
        f"<th>{name}</th>" for name in ("day", "asset", "check", "status", "severity", *_score_names(results), "run")
    )
    rows = []
    for r in results:
        scores = "".join(
            f"<td>{_format(r.scores[name]) if name in r.scores else ''}</td>" for name in _score_names(results)
        )
        rows.append(
            f'<tr class="{r.status}"><td>{r.day.isoformat()}</td><td>{escape(r.asset)}</td><td>{escape(r.check)}</td>'
            f"<td>{r.status}</td><td>{escape(r.severity)}</td>{scores}<td>{escape(r.run_id[:8])}</td></tr>"
        )
    return f'<table class="evaluations"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


def _score_names(results: Iterable[CheckResult]) -> list[str]:
    present = {name for r in results for name in r.scores}
    return [name for name in ("completeness", "uniqueness", "validity", "row_count") if name in present]


def trend_series(report: QualityReport) -> dict[str, dict[date, float]]:
    """Per series, the day's value: the pass rate, and the mean of each ratio score over the day's checks."""
    series: dict[str, dict[date, float]] = {}
    for day in report.days:
        results = [r for r in report.results if r.day == day]
        if not results:
            continue
        series.setdefault(PASS_RATE, {})[day] = sum(r.passed for r in results) / len(results)
        for name in RATIO_SCORES:
            values = [r.scores[name] for r in results if name in r.scores]
            if values:
                series.setdefault(name, {})[day] = fmean(values)
    return series


def _trend_svg(report: QualityReport, width: int = 760, height: int = 260) -> str:
    series = trend_series(report)
    if not series:
        return '<p class="empty">No data to plot.</p>'
    left, right, top, bottom = 48, 16, 12, 36
    values = [v for points in series.values() for v in points.values()]
    low = min(0.9, math.floor(min(values) * 10) / 10)
    days = report.days
    span = max(len(days) - 1, 1)

    def x(day: date) -> float:
        return left + (width - left - right) * (days.index(day) / span if len(days) > 1 else 0.5)

    def y(value: float) -> float:
        return top + (height - top - bottom) * (1 - (value - low) / (1 - low))

    out = [
        f'<svg class="trend" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="score trend per day">'
    ]
    for tick in (low, (low + 1) / 2, 1.0):
        out.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" stroke="#ddd"/>'
            f'<text x="{left - 6}" y="{y(tick) + 4:.1f}" font-size="11" text-anchor="end">{tick:.2f}</text>'
        )
    step = max(1, math.ceil(len(days) / 8))
    for day in days[::step]:
        out.append(
            f'<text x="{x(day):.1f}" y="{height - bottom + 16}" font-size="11" text-anchor="middle">'
            f"{day.isoformat()[5:]}</text>"
        )
    for name, points in series.items():
        colour = SERIES_COLOURS.get(name, "#000")
        coordinates = " ".join(f"{x(day):.1f},{y(value):.1f}" for day, value in sorted(points.items()))
        out.append(
            f'<polyline class="series" data-series="{name}" fill="none" stroke="{colour}" stroke-width="2" '
            f'points="{coordinates}"/>'
        )
        for day, value in sorted(points.items()):
            out.append(
                f'<circle class="point" data-series="{name}" data-day="{day.isoformat()}" data-value="{value:.4f}" '
                f'cx="{x(day):.1f}" cy="{y(value):.1f}" r="3" fill="{colour}">'
                f"<title>{name} {day.isoformat()}: {value:.4f}</title></circle>"
            )
    out.append("</svg>")
    legend = "".join(
        f'<span style="color:{SERIES_COLOURS.get(name, "#000")}">■ {name.replace("_", " ")}</span>' for name in series
    )
    return "".join(out) + f'<p class="legend">{legend}</p>'


def _format(value: float) -> str:
    if float(value).is_integer() and abs(value) >= 1:
        return f"{int(value):,}"
    return f"{value:.4f}".rstrip("0").rstrip(".") if value else "0"


def score_table(scores: Mapping[str, float]) -> str:
    """``name value`` pairs as the report prints them (used by the terminal summary too)."""
    return ", ".join(f"{name} {_format(value)}" for name, value in scores.items())
