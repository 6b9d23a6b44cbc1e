"""The daily run report as markdown: what the UI shows on the report asset and what the report file holds."""

from collections.abc import Sequence
from decimal import Decimal
from typing import Final

from lakehouse.report.daily_figures import DailyFigures, DaySales

MISSING: Final = "n/a"
"""A figure whose table does not exist (not materialized yet)."""


def render_daily_report(figures: DailyFigures, *, run_line: str) -> str:
    """The report of one day; ``run_line`` says which run wrote it (shown under the title)."""
    sections = [
        f"# Daily run report: {figures.day.isoformat()}",
        run_line,
        "## Rows ingested per source",
        _intake(figures),
        "## Quarantined and rejected, by reason",
        _reasons(figures),
        "## Daily summary",
        _sales(figures.sales),
        "## 7-day rolling metrics",
        _rolling(figures.rolling),
    ]
    return "\n\n".join(sections) + "\n"


def _intake(figures: DailyFigures) -> str:
    rows = [
        (intake.source, _count(intake.raw_records), _count(intake.bronze_rows), _count(intake.quarantined))
        for intake in figures.intake
    ]
    table = _table(("source", "raw records", "bronze rows", "quarantined"), rows)
    raw = sum(intake.raw_records or 0 for intake in figures.intake)
    share = f" ({figures.quarantined / raw:.2%} of the raw records)" if raw else ""
    rejected = ", ".join(
        f"{name.split('/', 1)[1]} {_count(rows)}"
        for name, rows in figures.set_aside.items()
        if name.startswith("silver/")
    )
    return (
        f"{table}\n\nQuarantined in bronze: {figures.quarantined:,}{share}. Rejected in silver: {rejected or 'none'}."
    )


def _reasons(figures: DailyFigures) -> str:
    if not figures.reasons:
        return "None: every record of the day passed bronze and silver."
    note = "A row that broke several rules counts under each. Values are elided (…) so that rows add up per rule."
    rows = [(reason.table, reason.reason, f"{reason.rows:,}") for reason in figures.reasons]
    return _table(("table", "rule", "rows"), rows) + f"\n\n{note}"


def _sales(sales: DaySales | None) -> str:
    if sales is None:
        return "No sales: gold.daily_sales has no row for this day."
    totals = _table(
        ("orders", "units", "revenue", "customers", "average order value"),
        [
            (
                f"{sales.orders:,}",
                f"{sales.units:,}",
                _money(sales.revenue),
                _count(sales.customers),
                _money(sales.average_order_value),
            )
        ],
    )
    channels = _table(
        ("channel", "orders", "revenue"),
        [(channel.channel, f"{channel.orders:,}", _money(channel.revenue)) for channel in sales.channels],
    )
    return f"{totals}\n\n{channels}"


_ROLLING_COLUMNS: Final = (
    ("days_in_window", "days with data"),
    ("orders_7d_total", "orders, 7 days"),
    ("revenue_7d_total", "revenue, 7 days"),
    ("avg_daily_orders_7d", "avg daily orders"),
    ("avg_daily_revenue_7d", "avg daily revenue"),
    ("orders_growth_vs_7d_avg", "orders vs 7-day avg"),
    ("revenue_growth_vs_7d_avg", "revenue vs 7-day avg"),
)


def _rolling(row: dict[str, object] | None) -> str:
    if row is None:
        return "None: gold.sales_rolling_7d has no row for this day."
    return _table(
        [label for _, label in _ROLLING_COLUMNS],
        [[_rolling_cell(column, row[column]) for column, _ in _ROLLING_COLUMNS]],
    )


def _rolling_cell(column: str, value: object) -> str:
    if value is None:
        return MISSING
    if column.endswith("_growth_vs_7d_avg"):
        return f"{float(value):+.1%}"
    if column.startswith("revenue") or column == "avg_daily_revenue_7d":
        return _money(Decimal(str(value)))
    if isinstance(value, float):
        return f"{value:,.1f}"
    return f"{value:,}"


def _count(value: int | None) -> str:
    return MISSING if value is None else f"{value:,}"


def _money(value: Decimal | None) -> str:
    return MISSING if value is None else f"{value:,.2f}"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = [_row(header), _row(["---"] * len(header)), *(_row(row) for row in rows)]
    return "\n".join(lines)


def _row(cells: Sequence[str]) -> str:
    # A pipe inside a cell would end it.
    return "| " + " | ".join(str(cell).replace("|", r"\|") for cell in cells) + " |"
