"""The report's terminal summary: checks passed, warned and failed per layer, and the worst days."""

from collections import Counter
from datetime import date

from lakehouse.report.collect import FAIL, LAYERS, PASS, WARN, QualityReport

WORST_DAYS = 3


def format_summary(report: QualityReport) -> str:
    lines = [f"Quality {report.first}..{report.last}: {len(report.results)} check evaluations"]
    if not report.results:
        return lines[0] + " (none recorded: materialize assets that have checks first)"
    per_layer: dict[str, Counter[str]] = {}
    for result in report.results:
        per_layer.setdefault(result.layer, Counter())[result.status] += 1
    layers = sorted(per_layer, key=lambda layer: (LAYERS.index(layer) if layer in LAYERS else len(LAYERS), layer))
    width = max(len("layer"), *(len(layer) for layer in layers))
    lines.append(f"{'layer':<{width}}  {'passed':>6}  {'warned':>6}  {'failed':>6}")
    for layer in layers:
        counts = per_layer[layer]
        lines.append(f"{layer:<{width}}  {counts[PASS]:>6}  {counts[WARN]:>6}  {counts[FAIL]:>6}")
    lines.append(worst_days_line(report))
    return "\n".join(lines)


def worst_days(report: QualityReport, limit: int = WORST_DAYS) -> list[tuple[date, int, int]]:
    """(day, failed, warned) of the days with failures or warnings, worst first (most failed, then warned)."""
    per_day: dict[date, Counter[str]] = {}
    for result in report.results:
        per_day.setdefault(result.day, Counter())[result.status] += 1
    bad = [(day, counts[FAIL], counts[WARN]) for day, counts in per_day.items() if counts[FAIL] or counts[WARN]]
    return sorted(bad, key=lambda item: (-item[1], -item[2], item[0]))[:limit]


def worst_days_line(report: QualityReport) -> str:
    days = worst_days(report)
    if not days:
        return "Worst days: none, every check passed"
    return "Worst days: " + ", ".join(f"{day} ({failed} failed, {warned} warned)" for day, failed, warned in days)
