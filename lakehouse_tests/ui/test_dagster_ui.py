"""The Dagster UI in a real browser: what a user sees and launches, checked against the webserver's own GraphQL.

Each launch is verified through GraphQL, not the page: the runs it made, the partitions each asset materialized in
them (exactly the requested days) and every asset check they planned (all evaluated, all passed).
"""

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date

import pytest
from deltalake import DeltaTable
from playwright.sync_api import Locator, Page, expect

from lakehouse.definitions import defs
from lakehouse.gold.schemas import DailySales
from lakehouse.table_metadata import column_schema
from lakehouse_tests.ui.conftest import (
    BRONZE_BACKFILL_DAYS,
    GOLD_DAYS,
    MEDALLION_BACKFILL_DAYS,
    UiLakehouse,
)
from lakehouse_tests.ui.dagster_dev import DagsterDev, poll

pytestmark = [pytest.mark.ui, pytest.mark.slow]

RUN_TIMEOUT_S = 1200  # a run starts its own Spark JVM, on 2 cores shared with whatever else runs
# Left to right in the graph; `landing` is the raw layer's group, `report` holds the daily run report.
LAYERS = ["landing", "bronze", "silver", "gold", "report"]
RAW_ASSETS = ["raw / customers", "raw / orders", "raw / products", "raw / web_logs"]
TERMINAL_RUN_STATUSES = {"SUCCESS", "FAILURE", "CANCELED"}
UNFINISHED_BACKFILL_STATUSES = {"REQUESTED", "CANCELING", "FAILING"}
FRESHNESS_CHECK = "freshness_check"  # the name build_time_partition_freshness_checks gives every gold check

ASSET_GROUPS = "{ assetNodes { assetKey { path } groupName } }"
RUN_IDS = "{ runsOrError { ... on Runs { results { runId } } } }"
BACKFILL_IDS = "{ partitionBackfillsOrError { ... on PartitionBackfills { results { id } } } }"
BACKFILL = """query ($id: String!) {
  partitionBackfillOrError(backfillId: $id) { ... on PartitionBackfill { status isAssetBackfill } }
  runsOrError(filter: {tags: [{key: "dagster/backfill", value: $id}]}) { ... on Runs { results { runId status } } }
}"""
# `checkedAsset`: a planned check's assetKey is non-null, a materialization's nullable; GraphQL refuses one name.
RUN_EVENTS = """query ($runId: ID!) {
  runOrError(runId: $runId) {
    ... on Run {
      status
      eventConnection(limit: 100000) {
        hasMore
        events {
          __typename
          ... on MaterializationEvent { assetKey { path } partition }
          ... on AssetCheckEvaluationPlannedEvent { checkedAsset: assetKey { path } checkName }
          ... on AssetCheckEvaluationEvent { evaluation { assetKey { path } checkName success } }
        }
      }
    }
  }
}"""


@dataclass(frozen=True)
class RunsOutcome:
    """What some runs did, from their event logs."""

    statuses: list[str]
    materialized: dict[str, list[str]]
    """asset key -> partitions materialized, sorted, with repeats: a day materialized twice shows twice."""
    planned_checks: set[str]
    check_passed: dict[str, bool]
    """``asset key:check name`` -> passed, for every evaluation."""


def _key(asset_key: dict) -> str:
    return "/".join(asset_key["path"])


def _days(days: list[date]) -> list[str]:
    return [day.isoformat() for day in days]


def runs_outcome(server: DagsterDev, run_ids: list[str]) -> RunsOutcome:
    statuses, materialized, planned, passed = [], defaultdict(list), set(), {}
    for run_id in run_ids:
        run = server.graphql(RUN_EVENTS, {"runId": run_id})["runOrError"]
        assert not run["eventConnection"]["hasMore"], f"run {run_id}: more events than one page"
        statuses.append(run["status"])
        for event in run["eventConnection"]["events"]:
            if event["__typename"] == "MaterializationEvent":
                materialized[_key(event["assetKey"])].append(event["partition"])
            elif event["__typename"] == "AssetCheckEvaluationPlannedEvent":
                planned.add(f"{_key(event['checkedAsset'])}:{event['checkName']}")
            elif event["__typename"] == "AssetCheckEvaluationEvent":
                evaluation = event["evaluation"]
                passed[f"{_key(evaluation['assetKey'])}:{evaluation['checkName']}"] = evaluation["success"]
    return RunsOutcome(statuses, {key: sorted(days) for key, days in materialized.items()}, planned, passed)


def assert_every_planned_check_passed(outcome: RunsOutcome) -> None:
    """Every check the runs planned was evaluated and passed, except gold freshness: that one judges whether
    yesterday's partition is in gold by today's deadline, not the run's days, so on a warehouse of 2024 days it
    must fail (and failing shows it judged today, not the backfilled days)."""
    assert outcome.planned_checks, "the runs planned no asset check at all"
    assert set(outcome.check_passed) == outcome.planned_checks, "a planned check was never evaluated"
    failed = {check for check, passed in outcome.check_passed.items() if not passed}
    freshness = {check for check in outcome.check_passed if check.split(":")[1].startswith(FRESHNESS_CHECK)}
    assert failed == freshness


def assert_each_run_alerted_its_success(ui_lakehouse: UiLakehouse, run_ids: list[str]) -> None:
    """The run workers of the UI and of the daemon run on the jobs' executor, which posts each run's outcome."""
    for run_id in run_ids:
        texts = [text for text in ui_lakehouse.alerts.texts() if f"/runs/{run_id}|" in text]
        assert len(texts) == 1 and " succeeded: " in texts[0], (run_id, ui_lakehouse.alerts.texts())


def _ids(server: DagsterDev, query: str, field: str, id_field: str) -> set[str]:
    return {item[id_field] for item in server.graphql(query)[field]["results"]}


def _new_id(server: DagsterDev, query: str, field: str, id_field: str, before: set[str], what: str) -> str:
    """The one id that appeared since ``before``: what the click just launched."""
    new = poll(lambda: _ids(server, query, field, id_field) - before or None, 60, f"a new {what}")
    assert len(new) == 1, f"one click launched {len(new)} {what}s: {new}"
    return new.pop()


def wait_for_run(server: DagsterDev, run_id: str) -> str:
    def finished() -> str | None:
        status = server.graphql(RUN_EVENTS, {"runId": run_id})["runOrError"]["status"]
        return status if status in TERMINAL_RUN_STATUSES else None

    return poll(finished, RUN_TIMEOUT_S, f"run {run_id} to finish (log: {server.log})", interval_s=3)


def wait_for_backfill(server: DagsterDev, backfill_id: str) -> tuple[dict, list[str]]:
    """The finished backfill and its run ids."""

    def finished() -> tuple[dict, list[str]] | None:
        data = server.graphql(BACKFILL, {"id": backfill_id})
        backfill, runs = data["partitionBackfillOrError"], data["runsOrError"]["results"]
        if backfill["status"] in UNFINISHED_BACKFILL_STATUSES or any(
            run["status"] not in TERMINAL_RUN_STATUSES for run in runs
        ):
            return None
        return backfill, [run["runId"] for run in runs]

    return poll(finished, RUN_TIMEOUT_S, f"backfill {backfill_id} to finish (log: {server.log})", interval_s=3)


def open_launch_dialog(
    page: Page, button: str, unmaterialized_upstream: list[str], multi_asset_siblings: tuple[str, ...] | list[str] = ()
) -> Locator:
    """Click ``button`` (Materialize…, Materialize all…) and return the partition dialog.

    A bronze table and its quarantine are one step (one parse, two tables), so the UI first says the quarantine
    comes too. Raw files land outside Dagster, as in a real deployment, so the raw assets were never materialized
    and the UI asks to confirm; those assets must be listed, and no dialog must come when upstream exists."""
    page.get_by_role("button", name=button).click()
    dialog = page.get_by_role("dialog")
    heading = dialog.get_by_text("Launch runs to materialize")
    if multi_asset_siblings:
        expect(dialog.get_by_text("Additional assets will be materialized")).to_be_visible()
        for asset in multi_asset_siblings:
            expect(dialog.get_by_text(asset, exact=True)).to_be_visible()
        dialog.get_by_role("button", name="Confirm").click()
    if unmaterialized_upstream:
        expect(dialog.get_by_text("Are you sure?")).to_be_visible()
        for asset in unmaterialized_upstream:
            expect(dialog.get_by_text(asset, exact=True)).to_be_visible()
        dialog.get_by_role("button", name="Confirm").click()
    expect(heading).to_be_visible()
    expect(dialog.get_by_text("Are you sure?")).to_have_count(0)
    return dialog


def select_partitions(dialog: Locator, selection: str, count: int) -> None:
    """Type a partition selection (``2024-01-16`` or ``[2024-01-20...2024-01-22]``) into the dialog."""
    # The dialog first shows only the last 90 days; 2024 is older.
    dialog.get_by_text("Show all partitions").click()
    partitions = dialog.locator("input[type=text]").first
    partitions.fill(selection)
    partitions.press("Enter")
    expect(dialog.get_by_text(f"{count} partition{'s' if count > 1 else ''}", exact=True)).to_be_visible()


def test_the_asset_graph_shows_the_layers_in_order_and_a_gold_tables_columns(page: Page, ui_lakehouse: UiLakehouse):
    # The webserver serves the definitions' own groups, each with all of its assets.
    assets_per_group: dict[str, int] = defaultdict(int)
    for node in ui_lakehouse.server.graphql(ASSET_GROUPS)["assetNodes"]:
        assets_per_group[node["groupName"]] += 1
    graph = defs.resolve_asset_graph()
    assert assets_per_group == Counter(graph.get(key).group_name for key in graph.get_all_asset_keys())
    assert sorted(assets_per_group) == sorted(LAYERS)

    page.goto("/asset-groups")

    # The group boxes show their assets' statuses, not a count that could be asserted whatever was materialized.
    groups = page.locator("foreignObject.group")
    expect(groups).to_have_count(len(LAYERS))
    lefts = []
    for layer in LAYERS:
        group = groups.filter(has=page.locator(f"[data-tooltip='{layer}']"))
        expect(group).to_be_visible()
        lefts.append(group.bounding_box()["x"])
    assert lefts == sorted(lefts), f"the layers are not drawn raw -> bronze -> silver -> gold -> report: {lefts}"

    page.goto("/assets/gold/daily_sales")

    columns = page.locator("table").filter(has_text="Column name")
    rows = columns.locator("tbody tr")
    expected = column_schema(DailySales).columns
    expect(rows).to_have_count(len(expected))
    shown = [
        (row.locator("td").nth(0).inner_text().strip(), row.locator("td").nth(1).inner_text()) for row in rows.all()
    ]
    assert [name for name, _ in shown] == [column.name for column in expected]
    assert [kind.split()[0] for _, kind in shown] == [column.type for column in expected]
    assert all("non-nullable" in kind for _, kind in shown), "every daily_sales column is required in the model"


def test_materializing_one_day_of_a_gold_asset_from_its_page_runs_that_day_only(page: Page, ui_lakehouse: UiLakehouse):
    server, day = ui_lakehouse.server, GOLD_DAYS[-1]
    runs_before = _ids(server, RUN_IDS, "runsOrError", "runId")
    page.goto("/assets/gold/sales_rolling_7d")

    # Silver orders were prepared for these days: the UI must not warn about missing upstream.
    dialog = open_launch_dialog(page, "Materialize…", unmaterialized_upstream=[])
    select_partitions(dialog, day.isoformat(), 1)
    dialog.get_by_role("button", name="Launch 1 run").click()

    run_id = _new_id(server, RUN_IDS, "runsOrError", "runId", runs_before, "run")
    assert wait_for_run(server, run_id) == "SUCCESS", server.log_tail()
    outcome = runs_outcome(server, [run_id])
    assert outcome.materialized == {"gold/sales_rolling_7d": [day.isoformat()]}
    assert_every_planned_check_passed(outcome)
    # The run read the day before it too (the lookback is not a dependency, but it is still read).
    table = DeltaTable(str(ui_lakehouse.root / "gold" / "sales_rolling_7d")).to_pyarrow_table().to_pylist()
    assert [(row["dt"], row["days_in_window"]) for row in table] == [(day, len(GOLD_DAYS))]
    assert_each_run_alerted_its_success(ui_lakehouse, [run_id])


def test_a_three_day_backfill_of_a_bronze_asset_from_the_partition_dialog_is_one_run(
    page: Page, ui_lakehouse: UiLakehouse
):
    server, days = ui_lakehouse.server, BRONZE_BACKFILL_DAYS
    backfills_before = _ids(server, BACKFILL_IDS, "partitionBackfillsOrError", "id")
    page.goto("/assets/bronze/orders")

    dialog = open_launch_dialog(
        page,
        "Materialize…",
        unmaterialized_upstream=["raw / orders"],
        multi_asset_siblings=["bronze / orders_quarantine"],
    )
    select_partitions(dialog, f"[{days[0]}...{days[-1]}]", len(days))
    dialog.get_by_role("button", name="Launch backfill").click()

    backfill_id = _new_id(server, BACKFILL_IDS, "partitionBackfillsOrError", "id", backfills_before, "backfill")
    backfill, run_ids = wait_for_backfill(server, backfill_id)
    assert backfill == {"status": "COMPLETED_SUCCESS", "isAssetBackfill": True}, (backfill, server.log_tail())
    assert len(run_ids) == 1, "a single-run backfill policy: the range is one run"
    outcome = runs_outcome(server, run_ids)
    # The quarantine is the same step's second output (one parse, two tables): it comes with its table.
    assert outcome.materialized == {"bronze/orders": _days(days), "bronze/orders_quarantine": _days(days)}
    assert_every_planned_check_passed(outcome)
    assert_each_run_alerted_its_success(ui_lakehouse, run_ids)


def test_a_three_day_backfill_of_the_medallion_touches_exactly_those_days_in_one_run(
    page: Page, ui_lakehouse: UiLakehouse
):
    """The `daily_lakehouse` job's graph (bronze, silver, gold and the daily run report), without the demo generator:
    the days' files are landed already, as in production, and the generator would rewrite them with its launchpad's
    config."""
    server, days = ui_lakehouse.server, MEDALLION_BACKFILL_DAYS
    medallion = {
        "/".join(node["assetKey"]["path"])
        for node in server.graphql(ASSET_GROUPS)["assetNodes"]
        if node["groupName"] in ("bronze", "silver", "gold", "report")
    }
    backfills_before = _ids(server, BACKFILL_IDS, "partitionBackfillsOrError", "id")
    page.goto("/locations/lakehouse.definitions/jobs/daily_lakehouse")

    dialog = open_launch_dialog(page, "Materialize all…", unmaterialized_upstream=RAW_ASSETS)
    expect(dialog.get_by_text(f"Launch runs to materialize {len(medallion)} assets")).to_be_visible()
    select_partitions(dialog, f"[{days[0]}...{days[-1]}]", len(days))
    dialog.get_by_role("button", name="Launch backfill").click()

    backfill_id = _new_id(server, BACKFILL_IDS, "partitionBackfillsOrError", "id", backfills_before, "backfill")
    backfill, run_ids = wait_for_backfill(server, backfill_id)
    # Launched from the job's page, Dagster makes a job backfill (isAssetBackfill false), run by the job's own
    # single-run backfill policy; the asset pages make asset backfills.
    assert backfill == {"status": "COMPLETED_SUCCESS", "isAssetBackfill": False}, (backfill, server.log_tail())
    outcome = runs_outcome(server, run_ids)
    # Not 3 days of bronze and silver but 30 of customer_rfm and 7 of sales_rolling_7d: every asset, these days,
    # and a report for each of them.
    assert outcome.materialized == dict.fromkeys(sorted(medallion), _days(days))
    assert len(run_ids) == 1, "a single-run backfill policy: the whole range of the whole graph is one run"
    assert_every_planned_check_passed(outcome)
    assert_each_run_alerted_its_success(ui_lakehouse, run_ids)
