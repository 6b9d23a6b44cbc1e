"""The UI suite's world: a warehouse with a few landed days, `dagster dev` on it, and Debian's Chromium."""

import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from lakehouse.alerts.webhook import WEBHOOK_URL_ENV
from lakehouse.raw.generator import GeneratorConfig, land_day
from lakehouse_tests.harness import SMALL_LANDING, TEST_PII_SALT
from lakehouse_tests.ui.dagster_dev import DAGSTER, REPO, DagsterDev, dagster_dev
from lakehouse_tests.webhook_receiver import WebhookReceiver

CHROMIUM = "/usr/bin/chromium"  # Debian's; `playwright install` would download another one
UI_TIMEOUT_MS = 90_000
FAILURE_SCREENSHOTS = REPO / ".lakehouse" / "ui-failures"
"""Gitignored, not pytest's tmp_path: pytest keeps the last 3 of its tmp directories per user, so the next pytest
run on the machine would delete the screenshot."""

# Each test works on its own days, so the tests do not depend on each other's order and each can run alone.
GOLD_DAYS = [date(2024, 1, 15), date(2024, 1, 16)]
"""Silver is prepared for both; the UI materializes gold for the second, whose 7-day window holds both."""
BRONZE_BACKFILL_DAYS = [date(2024, 1, 20), date(2024, 1, 21), date(2024, 1, 22)]
MEDALLION_BACKFILL_DAYS = [date(2024, 1, 25), date(2024, 1, 26), date(2024, 1, 27)]

# Silver orders and everything upstream of it in the medallion: web logs (no gold test reads them) left out.
SILVER_ORDERS_AND_UPSTREAM = '(group:bronze or group:silver) and not key:"*web_logs*"'


@dataclass(frozen=True)
class UiLakehouse:
    server: DagsterDev
    root: Path
    """LAKEHOUSE_ROOT of the server's runs: the landing zone and the Delta tables."""
    alerts: WebhookReceiver
    """The alert webhook of the server's runs: what the UI's and the daemon's run workers posted."""


def _prepare_silver(env: dict[str, str], days: list[date], log: Path) -> None:
    """Silver orders for ``days`` in one run of Dagster's CLI, on the server's instance, before the server starts.

    The CLI rather than the UI: this is the setup of the gold test, not what it tests (the CLI is tested in
    test_cron_cli.py), and a run before the server starts does not compete with it for the machine's cores."""
    command = [DAGSTER, "asset", "materialize", "-m", "lakehouse.definitions"]
    command += ["--select", SILVER_ORDERS_AND_UPSTREAM, "--partition-range", f"{days[0]}...{days[-1]}"]
    with log.open("w") as output:
        completed = subprocess.run(command, env=env, cwd=REPO, stdout=output, stderr=subprocess.STDOUT, timeout=900)
    assert completed.returncode == 0, log.read_text(errors="replace")[-4000:]


@pytest.fixture(scope="session")
def ui_lakehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[UiLakehouse]:
    base = tmp_path_factory.mktemp("ui")
    dagster_home = base / "dagster_home"
    dagster_home.mkdir()
    shutil.copy(REPO / "dagster.yaml", dagster_home / "dagster.yaml")
    root = base / "warehouse"
    for day in [*GOLD_DAYS, *BRONZE_BACKFILL_DAYS, *MEDALLION_BACKFILL_DAYS]:
        land_day(str(root), day, GeneratorConfig(**SMALL_LANDING))
    with WebhookReceiver() as alerts:
        env = {
            **os.environ,
            "DAGSTER_HOME": str(dagster_home),
            "LAKEHOUSE_ROOT": str(root),
            "LAKEHOUSE_PII_SALT": TEST_PII_SALT,
            WEBHOOK_URL_ENV: alerts.url,
        }
        _prepare_silver(env, GOLD_DAYS, base / "prepare_silver.log")
        with dagster_dev(env, base / "dagster_dev.log") as server:
            # The first visit shows a newsletter dialog over every page; the UI itself records it as seen so.
            server.graphql("mutation { setNuxSeen }")
            yield UiLakehouse(server=server, root=root, alerts=alerts)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium; .ci/run does it)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser, ui_lakehouse: UiLakehouse) -> Iterator[Page]:
    context = browser.new_context(base_url=ui_lakehouse.server.url, viewport={"width": 1600, "height": 1000})
    # The webserver shares 2 cores with Spark runs: its pages can take longer than Playwright's defaults (30 s for
    # actions, 5 s for `expect`).
    context.set_default_timeout(UI_TIMEOUT_MS)
    expect.set_options(timeout=UI_TIMEOUT_MS)
    page = context.new_page()
    yield page
    context.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> pytest.TestReport:
    """A failed UI test leaves a screenshot of its page in FAILURE_SCREENSHOTS, and says where, with the server's
    log."""
    report = yield
    page: Page | None = item.funcargs.get("page") if report.when == "call" and report.failed else None  # type: ignore[attr-defined]
    if page is not None and not page.is_closed():
        path = FAILURE_SCREENSHOTS / f"{item.name}.png"
        page.screenshot(path=path, full_page=True)  # makes the folder
        print(f"\nscreenshot of the failed UI test: {path}")
        report.sections.append(("UI screenshot", str(path)))
        server: DagsterDev = item.funcargs["ui_lakehouse"].server  # type: ignore[attr-defined]
        report.sections.append((f"dagster dev log ({server.log}), tail", server.log_tail()))
    return report
