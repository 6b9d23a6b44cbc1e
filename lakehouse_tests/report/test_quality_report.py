"""The asset check report over real check evaluations: daily-partitioned assets with checks of our own, some
failing, materialized into an ephemeral Dagster instance; the HTML is parsed back with ``html.parser``."""

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from html.parser import HTMLParser

import pytest
from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetKey,
    DagsterInstance,
    DailyPartitionsDefinition,
    MaterializeResult,
    MetadataValue,
    asset,
    asset_check,
    materialize,
)

from lakehouse.cli import main
from lakehouse.report import collect_report, format_summary, render_html
from lakehouse.report.command import default_report_path, write_report

DAYS = [date(2024, 1, 1), date(2024, 1, 2), date(2024, 1, 3)]
BAD_DAY = date(2024, 1, 3)
"""bronze/orders fails its ERROR check on this day."""
WARN_DAY = date(2024, 1, 2)
"""silver/orders fails its WARN check on this day."""

daily = DailyPartitionsDefinition(start_date="2024-01-01")


@asset(key=AssetKey(["bronze", "orders"]), partitions_def=daily)
def bronze_orders() -> MaterializeResult:
    # As the Delta IO manager records it: the table's total rows, and the rows this run wrote.
    return MaterializeResult(metadata={"dagster/row_count": 1000, "rows_written": 100})


@asset(key=AssetKey(["silver", "orders"]), partitions_def=daily, deps=[bronze_orders])
def silver_orders() -> MaterializeResult:
    # As materializations recorded before ``rows_written`` have it: the rows written, in dagster/row_count.
    return MaterializeResult(metadata={"dagster/row_count": 90})


@asset_check(asset=bronze_orders, partitions_def=daily)
def bronze_orders_quality(context) -> AssetCheckResult:
    """Partitioned: the evaluation carries its day."""
    bad = context.partition_key == BAD_DAY.isoformat()
    return AssetCheckResult(
        passed=not bad,
        severity=AssetCheckSeverity.ERROR,
        metadata={
            "completeness": 0.5 if bad else 1.0,
            "uniqueness": 0.8 if bad else 1.0,
            "validity": 0.75 if bad else 0.99,
            "row_count": 100,
            "failing_rules": ["order_id is unique", "quantity > 0"] if bad else [],
        },
    )


@asset_check(asset=silver_orders)
def silver_orders_volume(context) -> AssetCheckResult:
    """Unpartitioned, run for one partition: the report finds the day in the run's partition tag."""
    warn = context.run.tags.get("dagster/partition") == WARN_DAY.isoformat()
    return AssetCheckResult(
        passed=not warn,
        severity=AssetCheckSeverity.WARN,
        description="row count dropped by more than half" if warn else None,
        metadata={"row_count": 40 if warn else 90, "completeness": 0.9 if warn else 1.0},
    )


@pytest.fixture(scope="module")
def instance() -> Iterator[DagsterInstance]:
    with DagsterInstance.ephemeral() as instance:
        for day in DAYS:
            result = materialize(
                [bronze_orders, silver_orders, bronze_orders_quality, silver_orders_volume],
                partition_key=day.isoformat(),
                instance=instance,
            )
            assert result.success
        yield instance


@dataclass
class ParsedReport(HTMLParser):
    """The parts of the report the tests read: grid cells by (asset, day), the trend points, headings."""

    cells: dict[tuple[str, str], dict] = field(default_factory=dict)
    points: list[dict[str, str]] = field(default_factory=list)
    polylines: list[str] = field(default_factory=list)
    headings: list[str] = field(default_factory=list)
    external: list[str] = field(default_factory=list)
    text: list[str] = field(default_factory=list)
    _cell: dict | None = None
    _heading: bool = False

    def __post_init__(self) -> None:
        super().__init__()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag in ("script", "link") or any(v and "://" in v for k, v in attrs if k in ("src", "href")):
            self.external.append(tag)
        if tag == "td" and "data-status" in attributes and "cell" in (attributes.get("class") or ""):
            self._cell = {"status": attributes["data-status"], "text": ""}
            self.cells[attributes["data-asset"], attributes["data-day"]] = self._cell
        elif tag == "circle" and attributes.get("class") == "point":
            self.points.append(attributes)
        elif tag == "polyline":
            self.polylines.append(attributes.get("data-series") or "")
        elif tag in ("h1", "h2"):
            self._heading = True
            self.headings.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "td":
            self._cell = None
        elif tag in ("h1", "h2"):
            self._heading = False

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._cell is not None:
            self._cell["text"] += data + " "
        if self._heading:
            self.headings[-1] += data


def parse(html: str) -> ParsedReport:
    parsed = ParsedReport()
    parsed.feed(html)
    parsed.close()
    return parsed


@pytest.fixture(scope="module")
def report_html(instance) -> str:
    return render_html(collect_report(instance, DAYS[0], DAYS[-1]))


def test_collect_reads_every_evaluation_with_its_day_scores_and_rules(instance):
    report = collect_report(instance, DAYS[0], DAYS[-1])

    assert report.assets == ["bronze/orders", "silver/orders"]
    assert len(report.results) == 6
    (bad,) = report.cell("bronze/orders", BAD_DAY)
    assert (bad.status, bad.severity, bad.failing_rules) == ("fail", "ERROR", ("order_id is unique", "quantity > 0"))
    assert bad.scores == {"completeness": 0.5, "uniqueness": 0.8, "validity": 0.75, "row_count": 100}
    (warned,) = report.cell("silver/orders", WARN_DAY)
    assert (warned.status, warned.failing_rules) == ("warn", ("row count dropped by more than half",))
    assert report.materialized_rows["bronze/orders", BAD_DAY] == 100, "rows written, not the table's total"
    assert report.materialized_rows["silver/orders", WARN_DAY] == 90


def test_collect_keeps_only_the_days_in_range(instance):
    report = collect_report(instance, WARN_DAY, WARN_DAY)

    assert {r.day for r in report.results} == {WARN_DAY}
    assert report.days == [WARN_DAY]


def test_the_grid_says_pass_warn_or_fail_for_each_asset_and_day(report_html):
    cells = parse(report_html).cells

    assert len(cells) == 2 * len(DAYS)
    assert cells["bronze/orders", "2024-01-01"]["status"] == "pass"
    assert cells["bronze/orders", "2024-01-03"]["status"] == "fail"
    assert cells["silver/orders", "2024-01-02"]["status"] == "warn"
    assert cells["silver/orders", "2024-01-03"]["status"] == "pass"


def test_a_failing_cell_shows_its_severity_and_scores(report_html):
    text = " ".join(parse(report_html).cells["bronze/orders", "2024-01-03"]["text"].split())

    assert "fail" in text and "ERROR" in text
    for score in ("completeness 0.5", "uniqueness 0.8", "validity 0.75", "row_count 100"):
        assert score in text


def test_the_failing_rules_are_listed(report_html):
    parsed = parse(report_html)
    text = " ".join(parsed.text)

    assert "Failing rules" in parsed.headings
    assert "order_id is unique" in text and "quantity > 0" in text
    assert "row count dropped by more than half" in text


def test_the_trend_is_an_inline_svg_with_a_point_per_day_and_series(report_html):
    parsed = parse(report_html)

    assert "<svg" in report_html and "Score trend" in parsed.headings
    assert set(parsed.polylines) == {"pass_rate", "completeness", "uniqueness", "validity"}
    completeness = {p["data-day"]: float(p["data-value"]) for p in parsed.points if p["data-series"] == "completeness"}
    assert completeness == {"2024-01-01": 1.0, "2024-01-02": 0.95, "2024-01-03": 0.75}
    pass_rate = {p["data-day"]: float(p["data-value"]) for p in parsed.points if p["data-series"] == "pass_rate"}
    assert pass_rate == {"2024-01-01": 1.0, "2024-01-02": 0.5, "2024-01-03": 0.5}


def test_the_report_is_self_contained(report_html):
    assert parse(report_html).external == []
    assert "http://" not in report_html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in report_html


def test_the_summary_counts_checks_per_layer_and_names_the_worst_days(instance):
    summary = format_summary(collect_report(instance, DAYS[0], DAYS[-1]))

    assert summary.splitlines() == [
        "Quality 2024-01-01..2024-01-03: 6 check evaluations",
        "layer   passed  warned  failed",
        "bronze       2       0       1",
        "silver       2       1       0",
        "Worst days: 2024-01-03 (1 failed, 0 warned), 2024-01-02 (0 failed, 1 warned)",
    ]


def test_an_empty_range_renders_and_says_so(instance):
    report = collect_report(instance, date(2023, 6, 1), date(2023, 6, 2))

    assert "No asset check evaluations in this range." in render_html(report)
    assert "none recorded" in format_summary(report)


def test_write_report_writes_the_default_path(instance, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path, summary = write_report(instance, DAYS[0], DAYS[-1])

    assert path == default_report_path(DAYS[0], DAYS[-1])
    assert str(path) == ".lakehouse/reports/quality-2024-01-01-2024-01-03.html"
    assert parse(path.read_text()).cells["bronze/orders", "2024-01-03"]["status"] == "fail"
    assert summary.startswith("Quality 2024-01-01..2024-01-03")


def test_the_cli_writes_the_report_of_the_dagster_home_instance(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    (tmp_path / "dagster").mkdir()
    out = tmp_path / "report.html"

    assert main(["report", "--from", "2024-01-01", "--to", "2024-01-31", "--out", str(out)]) == 0

    assert "Quality 2024-01-01..2024-01-31: 0 check evaluations" in capsys.readouterr().out
    assert "No asset check evaluations" in out.read_text()


PER_DAY_TABLE = """| dt | rows | completeness | uniqueness | validity | duplicates | failing rules |
|---|---|---|---|---|---|---|
| 2024-01-01 | 120 | 1.0000 | 1.0000 | 1.0000 | 0 | - |
| 2024-01-02 | 80 | 0.9000 | 0.9500 | 0.8000 | 4 | revenue >= 0: 16, category in a \\| b: 2 |
| 2024-01-03 | 100 | 1.0000 | 1.0000 | 0.9990 | 0 | - |"""


@asset(key=AssetKey(["gold", "daily_sales"]))
def gold_daily_sales() -> MaterializeResult:
    return MaterializeResult()


@asset_check(asset=gold_daily_sales)
def gold_daily_sales_model(context) -> AssetCheckResult:
    """Like lakehouse.quality: one evaluation over a range, the days in a ``per_day`` markdown table."""
    return AssetCheckResult(
        passed=False,
        severity=AssetCheckSeverity.ERROR,
        description="gold.daily_sales: 1 of 3 day(s) below a threshold: 2024-01-02: validity 0.8000 < 0.99",
        metadata={
            "row_count": 300,
            "completeness": 0.97,
            "per_day": MetadataValue.md(PER_DAY_TABLE),
            "failing_counts": MetadataValue.json({"revenue >= 0": 16, "category in a | b": 2, "dt is not null": 0}),
        },
    )


def test_a_check_over_a_range_gives_each_day_of_its_per_day_table():
    with DagsterInstance.ephemeral() as instance:
        assert materialize([gold_daily_sales, gold_daily_sales_model], instance=instance).success
        report = collect_report(instance, DAYS[0], DAYS[-1])

    by_day = {r.day: r for r in report.results}
    assert sorted(by_day) == DAYS
    assert [by_day[day].status for day in DAYS] == ["pass", "fail", "pass"]
    assert by_day[WARN_DAY].failing_rules == ("revenue >= 0: 16", "category in a | b: 2")
    assert by_day[WARN_DAY].scores == {"row_count": 80, "completeness": 0.9, "uniqueness": 0.95, "validity": 0.8}
    assert parse(render_html(report)).cells["gold/daily_sales", "2024-01-02"]["status"] == "fail"
