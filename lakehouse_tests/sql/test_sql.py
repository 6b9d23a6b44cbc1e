"""``lakehouse sql`` and ``lakehouse duckdb`` on a warehouse written by a real materialization: DuckDB's views
count what Spark reads, in-process, in a subprocess, in the shell and from the written file in another process."""

import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pyarrow as pa
import pytest
from dagster import DagsterInstance
from deltalake import write_deltalake
from pyspark.sql import functions as F

from lakehouse.cli import main
from lakehouse.delta import read_table
from lakehouse.resources.warehouse import Warehouse
from lakehouse.sql.command import medallion_tables
from lakehouse.sql.views import connect, create_s3_secret, extension_file, open_warehouse
from lakehouse.summary import summarize_warehouse
from lakehouse_tests.harness import LakehouseUnderTest
from lakehouse_tests.sql.helpers import counts_printed, numbers_printed, run_cli

DAY_1, DAY_2 = date(2024, 3, 4), date(2024, 3, 5)


def count_every_view(views: list[str]) -> str:
    return " UNION ALL ".join(f"SELECT '{view}' AS view, count(*) AS n FROM {view}" for view in views)


def lakehouse_cli(root: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """``lakehouse ARGS`` in a fresh process on the warehouse at ``root``, configured by the environment."""
    return run_cli(root, {"LAKEHOUSE_ROOT": str(root)}, *args, stdin=stdin)


@pytest.fixture(scope="module")
def materialized(tmp_path_factory: pytest.TempPathFactory, spark) -> Iterator[LakehouseUnderTest]:
    """One two-day run of every asset (the harness's small generated data), shared by this module's tests."""
    with DagsterInstance.ephemeral() as instance:
        lakehouse = LakehouseUnderTest(root=tmp_path_factory.mktemp("sql") / "warehouse", instance=instance)
        assert lakehouse.materialize(DAY_1, DAY_2).success
        yield lakehouse


@pytest.fixture(scope="module")
def spark_counts(materialized: LakehouseUnderTest, spark) -> dict[str, int]:
    """Rows per silver and gold table as Spark reads them, keyed by view name; the tables from the warehouse
    itself (the summary lists its folders), not from the definitions the views come from."""
    tables = summarize_warehouse(str(materialized.root))
    return {
        f"{t.layer}_{t.table}": read_table(spark, materialized.table_uri(t.layer, t.table)).count()
        for t in tables
        if t.layer in ("silver", "gold")
    }


@pytest.mark.slow
def test_sql_prints_the_row_count_spark_reads_for_every_silver_and_gold_table(
    materialized: LakehouseUnderTest, spark_counts: dict[str, int], monkeypatch, capsys
):
    monkeypatch.setenv("LAKEHOUSE_ROOT", str(materialized.root))
    assert {"gold_daily_sales", "gold_customer_rfm", "silver_orders", "silver_orders_rejected"} <= set(spark_counts)

    assert main(["sql", count_every_view(sorted(spark_counts))]) == 0

    captured = capsys.readouterr()
    assert counts_printed(captured.out) == spark_counts
    assert all(count > 0 for name, count in spark_counts.items() if name.startswith("gold_"))
    assert "note:" not in captured.err, "every table exists: no view is missing"


@pytest.mark.slow
def test_sql_in_a_subprocess_sums_revenue_like_spark(materialized: LakehouseUnderTest, spark):
    daily_sales = read_table(spark, materialized.table_uri("gold", "daily_sales"))
    per_day = daily_sales.groupBy("dt").agg(F.sum("revenue").alias("revenue")).collect()
    spark_revenue = {str(row["dt"]): row["revenue"] for row in per_day}

    result = lakehouse_cli(
        materialized.root,
        "sql",
        "SELECT CAST(dt AS VARCHAR) AS day, CAST(sum(revenue) * 100 AS BIGINT) AS cents FROM gold_daily_sales "
        "GROUP BY dt ORDER BY dt",
    )

    assert result.returncode == 0, result.stderr
    assert set(spark_revenue) == {DAY_1.isoformat(), DAY_2.isoformat()}
    assert counts_printed(result.stdout) == {day: int(revenue * 100) for day, revenue in spark_revenue.items()}


@pytest.mark.slow
def test_the_shell_reads_statements_from_stdin_until_quit(materialized: LakehouseUnderTest, spark_counts):
    script = "\n".join(
        [
            ".tables",
            "SELECT 'orders' AS view,",  # a statement over two lines runs once its ';' arrives
            "       count(*) AS n FROM silver_orders;",
            "SELECT * FROM no_such_view;",  # an error is printed and the shell goes on
            "SELECT 'products' AS view, count(*) AS n FROM gold_product_performance;",
            ".quit",
            "SELECT 'after_quit' AS view, 1 AS n;",
        ]
    )

    result = lakehouse_cli(materialized.root, "sql", stdin=script + "\n")

    assert result.returncode == 0, result.stderr
    assert counts_printed(result.stdout) == {
        "orders": spark_counts["silver_orders"],
        "products": spark_counts["gold_product_performance"],
    }
    listed = {line.strip() for line in result.stdout.splitlines()}
    assert set(spark_counts) <= listed, ".tables lists every view"
    assert "no_such_view does not exist" in result.stderr


@pytest.mark.slow
def test_the_written_duckdb_file_is_queried_by_a_fresh_process(
    materialized: LakehouseUnderTest, spark_counts: dict[str, int], tmp_path: Path, monkeypatch, capsys
):
    monkeypatch.setenv("LAKEHOUSE_ROOT", str(materialized.root))
    out = tmp_path / "bi" / "lakehouse.duckdb"
    assert main(["duckdb", "--out", str(out)]) == 0
    assert f"Wrote {out} with {len(spark_counts)} views" in capsys.readouterr().out

    # What a notebook does: a plain duckdb.connect on the file, the packaged delta extension, a query.
    reader = (
        "import sys, duckdb\n"
        "con = duckdb.connect(sys.argv[1], read_only=True)\n"
        "con.execute('SET enable_progress_bar = false')\n"  # a slow query would draw one on stdout, read here
        "con.execute(f\"LOAD '{sys.argv[2]}'\")\n"
        "views = [v for (v,) in con.execute('SELECT view_name FROM duckdb_views() WHERE NOT internal').fetchall()]\n"
        "for view in sorted(views):\n"
        "    print(view, con.execute(f'SELECT count(*) FROM {view}').fetchone()[0])\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", reader, str(out), str(extension_file("delta"))],
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    assert {view: int(n) for view, n in (line.split() for line in result.stdout.splitlines())} == spark_counts


def test_views_come_from_every_silver_and_gold_asset_of_the_definitions():
    tables = medallion_tables()

    assert ("gold", "daily_sales") in tables and ("silver", "orders") in tables
    assert {layer for layer, _ in tables} == {"gold", "silver"}, "bronze is not for BI"
    assert tables.index(("gold", "web_error_rate_hourly")) < tables.index(("silver", "customers")), "gold first"


def test_a_warehouse_with_no_run_gets_no_views_and_a_note_per_table(tmp_path: Path, monkeypatch, capsys):
    monkeypatch.setenv("LAKEHOUSE_ROOT", str(tmp_path / "empty"))
    out = tmp_path / "lakehouse.duckdb"

    assert main(["duckdb", "--out", str(out)]) == 0
    written = capsys.readouterr()
    assert main(["sql", "SELECT count(*) AS n FROM duckdb_views() WHERE NOT internal"]) == 0
    queried = capsys.readouterr()

    assert "with 0 views" in written.out and out.exists()
    for captured in (written, queried):
        notes = [line for line in captured.err.splitlines() if line.startswith("note: no view ")]
        assert len(notes) == len(medallion_tables())
        assert f"note: no view gold_daily_sales: {tmp_path / 'empty'}/gold/daily_sales is not a Delta table" in (
            captured.err
        )
    assert numbers_printed(queried.out) == [0]


def test_a_table_path_with_a_quote_is_read_not_injected(tmp_path: Path):
    root = tmp_path / "it's a warehouse"
    write_deltalake(str(root / "gold" / "daily_sales"), pa.table({"dt": [DAY_1, DAY_2], "orders": [3, 4]}))

    connection, views = open_warehouse(Warehouse(root=str(root)), [("gold", "daily_sales"), ("gold", "customer_360")])

    with connection:
        assert connection.execute("SELECT sum(orders) FROM gold_daily_sales").fetchone() == (7,)
    assert [(view.name, view.exists) for view in views] == [("gold_daily_sales", True), ("gold_customer_360", False)]


def test_a_failing_statement_exits_non_zero_and_names_the_error(tmp_path: Path, monkeypatch, capsys):
    monkeypatch.setenv("LAKEHOUSE_ROOT", str(tmp_path))

    assert main(["sql", "SELECT 1 AS n; SELECT * FROM gold_daily_sales"]) == 1

    captured = capsys.readouterr()
    assert numbers_printed(captured.out) == [1], "the statement before the failing one ran"
    assert "Error: Catalog Error: Table with name gold_daily_sales does not exist" in captured.err


@pytest.mark.parametrize(
    ("endpoint", "use_ssl"), [("https://minio.example:9000", "true"), ("http://127.0.0.1:8333", "false")]
)
def test_the_s3_secret_takes_the_warehouse_endpoint_and_keys_and_stays_in_memory(endpoint: str, use_ssl: str):
    warehouse = Warehouse(
        root="s3://bucket/prefix", s3_endpoint_url=endpoint, aws_access_key_id="AKID", aws_secret_access_key="s3cr3t-v"
    )
    connection = connect(s3=True)

    create_s3_secret(connection, warehouse)

    ((persistent, storage, described),) = connection.execute(
        "SELECT persistent, storage, secret_string FROM duckdb_secrets() WHERE name = 'lakehouse_s3'"
    ).fetchall()
    settings = dict(pair.split("=", 1) for pair in described.split(";"))
    assert (persistent, storage) == (False, "memory"), "a session secret, never written to a database file"
    assert settings["endpoint"] == endpoint.split("://")[1] and settings["use_ssl"] == use_ssl
    assert (settings["url_style"], settings["key_id"], settings["region"]) == ("path", "AKID", "us-east-1")
    assert settings["secret"] == "redacted" and "s3cr3t-v" not in described


def test_piped_output_gets_no_progress_bar(tmp_path: Path, monkeypatch, capsys):
    """DuckDB draws a progress bar on stdout for a slow query; in a pipe it would end up among the results."""
    monkeypatch.setenv("LAKEHOUSE_ROOT", str(tmp_path))

    assert main(["sql", "SELECT CAST(current_setting('enable_progress_bar') AS INTEGER) AS bar"]) == 0

    assert numbers_printed(capsys.readouterr().out) == [0]
