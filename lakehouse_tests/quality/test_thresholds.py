"""The quality thresholds: one file and the environment, resolved at definitions load, stated in the descriptions."""

import os
import subprocess
import sys
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from dagster import AssetCheckKey, AssetKey, DagsterInstance

from lakehouse.definitions import defs
from lakehouse.gold.schemas import GOLD_MODELS
from lakehouse.quality import freshness_checks
from lakehouse.quality.checks import CHECKED_TABLES, last_day_due
from lakehouse.quality.cross_table import volume_result
from lakehouse.quality.thresholds import QualityConfigError, QualityThresholds, load_quality_config

REPO = Path(__file__).resolve().parents[2]
SHIPPED = REPO / "quality.toml"
ORDERS, CUSTOMERS = AssetKey(["silver", "orders"]), AssetKey(["silver", "customers"])
DAY = date(2024, 3, 4)


def _load(tmp_path: Path, text: str | None = None, **environ: str):
    path = None
    if text is not None:
        path = tmp_path / "quality.toml"
        path.write_text(text)
    return load_quality_config(CHECKED_TABLES, path=path, environ=environ)


def _error(tmp_path: Path, text: str | None = None, **environ: str) -> str:
    with pytest.raises(QualityConfigError) as raised:
        _load(tmp_path, text, **environ)
    return str(raised.value)


def test_the_shipped_file_states_the_built_in_defaults_so_a_clone_without_it_judges_the_same(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no quality.toml in the working directory
    built_in = load_quality_config(CHECKED_TABLES, environ={})
    shipped = load_quality_config(CHECKED_TABLES, path=SHIPPED, environ={})

    assert built_in.origin == "built-in defaults"
    assert (shipped.tables, shipped.sample_rows) == (built_in.tables, built_in.sample_rows)
    minimum = {table: bars.min_rows_per_day for table, bars in built_in.tables.items() if bars.min_rows_per_day}
    assert minimum == {"silver/orders": 50, "silver/customers": 50, "silver/products": 20, "silver/web_logs": 100}
    assert built_in.for_table(ORDERS) == QualityThresholds(min_rows_per_day=50)


def test_a_tables_entry_overrides_the_files_defaults_which_override_the_built_in_ones(tmp_path):
    config = _load(
        tmp_path,
        """
        sample_rows = 2
        [defaults]
        completeness = 0.9
        [tables."silver/orders"]
        validity = 0.8
        min_rows_per_day = 80
        [tables."gold/daily_sales"]
        freshness_deadline_cron = "0 6 * * *"
        """,
    )

    assert config.for_table(ORDERS) == QualityThresholds(completeness=0.9, validity=0.8, min_rows_per_day=80)
    # An entry replaces the fields it names only: customers keep their built-in minimum.
    assert config.for_table(CUSTOMERS) == QualityThresholds(completeness=0.9, min_rows_per_day=50)
    assert config.for_table(AssetKey(["gold", "daily_sales"])).freshness_deadline_cron == "0 6 * * *"
    assert config.for_table(AssetKey(["gold", "customer_rfm"])).freshness_deadline_cron == "59 23 * * *"
    assert config.sample_rows == 2


def test_the_environment_overrides_the_file_key_by_key_and_the_more_specific_key_wins(tmp_path):
    config = _load(
        tmp_path,
        '[defaults]\nvalidity = 0.8\n[tables."silver/orders"]\ncompleteness = 0.97\n',
        LAKEHOUSE_QUALITY_VALIDITY="0.85",
        LAKEHOUSE_QUALITY_COMPLETENESS="0.5",
        LAKEHOUSE_QUALITY_SILVER_ORDERS_MIN_ROWS_PER_DAY="80",
        LAKEHOUSE_QUALITY_BRONZE_WEB_LOGS_MAX_QUARANTINE_SHARE="0.2",
        LAKEHOUSE_QUALITY_SAMPLE_ROWS="0",
    )

    # The file's entry for orders beats the environment's default; the environment's default beats the file's.
    assert config.for_table(ORDERS) == QualityThresholds(completeness=0.97, validity=0.85, min_rows_per_day=80)
    assert config.for_table(CUSTOMERS) == QualityThresholds(completeness=0.5, validity=0.85, min_rows_per_day=50)
    assert config.for_table(AssetKey(["bronze", "web_logs"])).max_quarantine_share == 0.2
    assert config.for_table(AssetKey(["bronze", "orders"])).max_quarantine_share == 0.1
    assert config.sample_rows == 0
    assert config.origin.endswith(
        "quality.toml + LAKEHOUSE_QUALITY_BRONZE_WEB_LOGS_MAX_QUARANTINE_SHARE + LAKEHOUSE_QUALITY_COMPLETENESS + "
        "LAKEHOUSE_QUALITY_SAMPLE_ROWS + LAKEHOUSE_QUALITY_SILVER_ORDERS_MIN_ROWS_PER_DAY + LAKEHOUSE_QUALITY_VALIDITY"
    )


def test_the_file_is_found_through_the_environment_and_a_named_file_must_exist(tmp_path):
    other = tmp_path / "strict.toml"
    other.write_text("[defaults]\nuniqueness = 1.0\n")

    config = load_quality_config(CHECKED_TABLES, environ={"LAKEHOUSE_QUALITY_FILE": str(other)})

    assert config.for_table(ORDERS).uniqueness == 1.0 and config.origin == str(other)
    message = _error(tmp_path, LAKEHOUSE_QUALITY_FILE=str(tmp_path / "missing.toml"))
    assert "no quality file at" in message and "missing.toml" in message


@pytest.mark.parametrize(
    ("text", "environ", "named"),
    [
        ('[tables."silver/orders"]\nvalidity = 1.5\n', {}, "tables.'silver/orders'.validity = 1.5"),
        ("[defaults]\ncompleteness = -0.1\n", {}, "defaults.completeness = -0.1"),
        ("[defaults]\nvalidity = true\n", {}, "defaults.validity = True: a number or a string, not a boolean"),
        ('[tables."silver/orders"]\nmin_rows_per_day = "many"\n', {}, "tables.'silver/orders'.min_rows_per_day"),
        ('[tables."silver/order"]\nvalidity = 0.9\n', {}, "tables.'silver/order': no such checked table"),
        ("[defaults]\nvalidty = 0.9\n", {}, "defaults.validty: unknown threshold"),
        ("[default]\nvalidity = 0.9\n", {}, "unknown key(s) default"),
        ("[defaults]\nvalidity = \n", {}, "not valid TOML"),
        ("[defaults]\nmin_rows_per_day = 10\n", {}, "defaults.min_rows_per_day: minimum rows are per source"),
        ('[tables."gold/daily_sales"]\nmin_rows_per_day = 10\n', {}, "judged on silver/<source> tables only"),
        ('[tables."silver/orders"]\nfreshness_deadline_cron = "0 6 * * *"\n', {}, "judged on gold tables only"),
        ('[defaults]\nfreshness_deadline_cron = "at six"\n', {}, "defaults.freshness_deadline_cron = 'at six'"),
        (None, {"LAKEHOUSE_QUALITY_SILVER_ORDERS_VALIDITY": "high"}, "$LAKEHOUSE_QUALITY_SILVER_ORDERS_VALIDITY"),
        (None, {"LAKEHOUSE_QUALITY_SILVER_ORDER_MIN_ROWS_PER_DAY": "80"}, "not a quality setting"),
        (None, {"LAKEHOUSE_QUALITY_SAMPLE_ROWS": "-1"}, "$LAKEHOUSE_QUALITY_SAMPLE_ROWS = '-1'"),
    ],
)
def test_an_invalid_file_or_variable_fails_loading_naming_its_key(tmp_path, text, environ, named):
    assert named in _error(tmp_path, text, **environ)


def _description(check: str) -> str:
    asset, name = check.split(":")
    return defs.resolve_asset_graph().get_check_spec(AssetCheckKey(AssetKey(asset.split("/")), name)).description


def test_each_checks_description_states_its_bars():
    assert _description("silver/orders:matches_model").endswith(
        "fails (ERROR) on a day below completeness ≥ 95 %, uniqueness ≥ 99 %, validity ≥ 90 %."
    )
    # No business key, no uniqueness bar.
    assert "below completeness ≥ 95 %, validity ≥ 90 %." in _description("silver/web_logs:matches_model")
    for table, rows in (("orders", 50), ("customers", 50), ("products", 20), ("web_logs", 100)):
        assert f"≥ {rows} rows in silver.{table}" in _description(f"silver/{table}:enough_{table}_per_day")
    assert "quarantined share is ≤ 10 %" in _description("bronze/orders:raw_equals_bronze_plus_quarantine")
    assert "'59 23 * * *' (UTC)" in _description("gold/daily_sales:freshness_check")
    assert "day D by 23:59 UTC of D + 1" in _description("gold/daily_sales:freshness_check")


def test_the_freshness_checks_rebuilt_with_their_descriptions_still_run_and_expect_the_last_ended_day():
    keys = {key for check in freshness_checks for key in check.check_keys}
    job = defs.resolve_implicit_global_asset_job_def().get_subset(asset_selection=set(), asset_check_selection=keys)

    result = job.execute_in_process(instance=DagsterInstance.ephemeral())

    now = datetime.now(UTC)
    # The last tick of "59 23 * * *" is today's once it has passed; the day that had ended by then is the day before.
    expected = now.date() - timedelta(days=1 if now.time() >= time(23, 59) else 2)
    evaluations = result.get_asset_check_evaluations()
    assert {evaluation.asset_key.path[0] for evaluation in evaluations} == {"gold"} and len(evaluations) == len(keys)
    for evaluation in evaluations:  # an empty instance: never materialized
        assert not evaluation.passed and f"expect partition {expected.isoformat()}" in evaluation.description


def test_the_freshness_checks_pass_while_no_day_is_due_and_the_last_due_day_follows_the_deadline():
    # Partitions that start today: no day has reached its deadline, whatever the hour (a demo's first day).
    script = (
        "from dagster import DagsterInstance\n"
        "from lakehouse.definitions import defs\n"
        "from lakehouse.quality import freshness_checks\n"
        "keys = {key for check in freshness_checks for key in check.check_keys}\n"
        "job = defs.resolve_implicit_global_asset_job_def().get_subset(asset_selection=set(), "
        "asset_check_selection=keys)\n"
        "result = job.execute_in_process(instance=DagsterInstance.ephemeral())\n"
        "for evaluation in result.get_asset_check_evaluations():\n"
        "    print(evaluation.passed, evaluation.description)\n"
    )
    env = {**os.environ, "LAKEHOUSE_FIRST_DAY": datetime.now(UTC).date().isoformat()}
    printed = subprocess.run(
        [sys.executable, "-c", script], env=env, cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.splitlines()

    assert len(printed) == len(GOLD_MODELS)
    assert all(line.startswith("True No day is due yet: the first partition day ") for line in printed), printed

    # "59 23 * * *": day D is due from 23:59 UTC of D + 1.
    assert last_day_due("59 23 * * *", datetime(2024, 3, 2, 23, 58, tzinfo=UTC)) == date(2024, 2, 29)
    assert last_day_due("59 23 * * *", datetime(2024, 3, 2, 23, 59, tzinfo=UTC)) == date(2024, 3, 1)


def test_the_environment_reaches_the_descriptions_when_the_definitions_load(tmp_path):
    script = (
        "from lakehouse.definitions import defs\n"
        "from dagster import AssetCheckKey, AssetKey\n"
        "graph = defs.resolve_asset_graph()\n"
        "for key in (AssetCheckKey(AssetKey(['silver', 'orders']), 'enough_orders_per_day'),\n"
        "            AssetCheckKey(AssetKey(['gold', 'daily_sales']), 'matches_model')):\n"
        "    print(graph.get_check_spec(key).description)\n"
        "print(sorted(k.name for k in graph.asset_check_keys if k.asset_key == AssetKey(['silver', 'products'])))\n"
    )
    env = {
        **os.environ,
        "LAKEHOUSE_QUALITY_SILVER_ORDERS_MIN_ROWS_PER_DAY": "80",
        "LAKEHOUSE_QUALITY_GOLD_DAILY_SALES_VALIDITY": "0.995",
        "LAKEHOUSE_QUALITY_SILVER_PRODUCTS_MIN_ROWS_PER_DAY": "0",
    }
    printed = subprocess.run(
        [sys.executable, "-c", script], env=env, cwd=REPO, capture_output=True, text=True, check=True
    ).stdout

    assert "≥ 80 rows in silver.orders" in printed
    assert "validity ≥ 99.5 %" in printed
    # 0 turned the products' volume check off; their model and drift checks stay.
    assert "'matches_model'" in printed and "enough_products_per_day" not in printed


def test_a_day_below_a_raised_minimum_fails_the_volume_check_naming_the_day(tmp_path):
    raised = _load(tmp_path, LAKEHOUSE_QUALITY_SILVER_CUSTOMERS_MIN_ROWS_PER_DAY="121").for_table(CUSTOMERS)
    counts = {DAY: 120, date(2024, 3, 5): 130}  # the small landing's 120 customers, and a bigger day
    days = sorted(counts)

    passing = volume_result(CUSTOMERS, counts, days, _load(tmp_path).for_table(CUSTOMERS).min_rows_per_day)
    failing = volume_result(CUSTOMERS, counts, days, raised.min_rows_per_day)

    assert passing.passed and passing.description == "silver.customers: all 2 day(s) have at least 50 rows"
    assert not failing.passed
    assert failing.description == "silver.customers: 1 of 2 day(s) below 121 rows: 2024-03-04: 120"
    assert failing.metadata["days_below_minimum"].value == 1
    assert failing.metadata["min_rows_per_day"].value == 121
    assert "| 2024-03-04 | 120 | rows 120 < 121 |" in failing.metadata["per_day"].value
    assert "| 2024-03-05 | 130 | - |" in failing.metadata["per_day"].value
