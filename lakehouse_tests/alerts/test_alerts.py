"""Alerts from the executor every Dagster-launched run uses, posted to a real HTTP receiver on loopback."""

import time

import pytest
from dagster import DagsterEventType, DagsterInstance, EventRecordsFilter, execute_job, reconstructable

from lakehouse.alerts.webhook import TIMEOUT_ENV, UI_URL_ENV, WEBHOOK_URL_ENV
from lakehouse_tests.alerts.toy_jobs import toy_exploding, toy_medallion
from lakehouse_tests.webhook_receiver import WebhookReceiver

UI = "http://dagster.example:3000"


@pytest.fixture
def instance():
    with DagsterInstance.ephemeral() as instance:
        yield instance


@pytest.fixture
def alerts_to(monkeypatch):
    """Point the alerts at a receiver (the executor reads the environment of the process running the run)."""

    def configure(receiver: WebhookReceiver | str, timeout_s: float | None = None) -> None:
        monkeypatch.setenv(WEBHOOK_URL_ENV, receiver if isinstance(receiver, str) else receiver.url)
        monkeypatch.setenv(UI_URL_ENV, UI)
        if timeout_s is not None:
            monkeypatch.setenv(TIMEOUT_ENV, str(timeout_s))

    return configure


def _warnings(instance: DagsterInstance, run_id: str) -> list[str]:
    return [entry.user_message for entry in instance.all_logs(run_id) if entry.level >= 30]


def test_a_successful_run_posts_one_line_with_gold_rows_rejects_and_checks(instance, alert_receiver, alerts_to):
    alerts_to(alert_receiver)

    result = execute_job(reconstructable(toy_medallion), instance, tags={"dagster/partition": "2024-01-01"})

    assert result.success
    assert alert_receiver.texts() == [
        f"lakehouse: toy_medallion for 2024-01-01 succeeded: 5 rows in gold, 2 rejected or quarantined, "
        f"checks 1 passed / 1 failed. <{UI}/runs/{result.run_id}|run {result.run_id[:8]}>"
    ]


def test_a_failed_blocking_check_fails_the_run_and_the_alert_names_it(instance, alert_receiver, alerts_to):
    alerts_to(alert_receiver)

    result = execute_job(reconstructable(toy_medallion), instance, tags={"dagster/partition": "2024-01-02"})

    assert not result.success
    (text,) = alert_receiver.texts()
    lines = text.splitlines()
    assert lines[0] == (
        f"*lakehouse: toy_medallion for 2024-01-02 FAILED* (checks 0 passed / 1 failed). "
        f"<{UI}/runs/{result.run_id}|run {result.run_id[:8]}>"
    )
    assert lines[1].startswith("step silver__toy_orders: ")
    assert lines[-1] == "blocking check orders_model failed on silver/toy_orders: 3 rows break order_id's pattern"


def test_a_failed_step_is_named_with_the_first_line_of_its_error_and_the_range(instance, alert_receiver, alerts_to):
    alerts_to(alert_receiver)
    tags = {"dagster/asset_partition_range_start": "2024-01-01", "dagster/asset_partition_range_end": "2024-01-02"}

    result = execute_job(reconstructable(toy_exploding), instance, tags=tags)

    assert not result.success
    assert alert_receiver.texts() == [
        f"*lakehouse: toy_exploding for 2024-01-01...2024-01-02 FAILED* (checks 0 passed / 0 failed). "
        f"<{UI}/runs/{result.run_id}|run {result.run_id[:8]}>\n"
        "step silver__toy_exploding: ValueError: landing file orders.csv is missing"
    ]


def test_without_a_webhook_nothing_is_posted(instance, alert_receiver, monkeypatch):
    monkeypatch.delenv(WEBHOOK_URL_ENV, raising=False)

    result = execute_job(reconstructable(toy_exploding), instance)

    assert not result.success and alert_receiver.texts() == []
    assert not any("alert" in message for message in _warnings(instance, result.run_id))


def test_a_receiver_that_is_down_never_fails_the_run_and_is_logged_without_the_secret_url(instance, alerts_to):
    with WebhookReceiver() as gone:
        url = gone.url  # a port nothing listens on once the receiver has stopped
    alerts_to(url)

    result = execute_job(reconstructable(toy_medallion), instance, tags={"dagster/partition": "2024-01-01"})

    assert result.success
    (warning,) = [message for message in _warnings(instance, result.run_id) if "alert" in message]
    assert warning.startswith("alert not delivered (URLError: [Errno 111] Connection refused)")
    assert all(url not in entry.user_message for entry in instance.all_logs(result.run_id))


@pytest.mark.parametrize("status", [500, 404])
def test_a_receiver_that_refuses_is_logged(instance, alerts_to, status):
    with WebhookReceiver(status=status) as refusing:
        alerts_to(refusing)

        result = execute_job(reconstructable(toy_medallion), instance, tags={"dagster/partition": "2024-01-01"})

    assert result.success and len(refusing.posts) == 1
    assert any(f"HTTPError: HTTP {status} " in message for message in _warnings(instance, result.run_id))


def test_a_slow_receiver_costs_the_run_at_most_the_timeout(instance, alerts_to):
    with WebhookReceiver(delay_s=20) as slow:
        alerts_to(slow, timeout_s=1)
        started = time.monotonic()

        result = execute_job(reconstructable(toy_medallion), instance, tags={"dagster/partition": "2024-01-01"})

        elapsed = time.monotonic() - started
    assert result.success
    assert elapsed < 15, elapsed
    assert any("TimeoutError" in message for message in _warnings(instance, result.run_id))
    records = instance.get_event_records(EventRecordsFilter(DagsterEventType.RUN_SUCCESS))
    assert [record.run_id for record in records] == [result.run_id]


def test_a_misconfigured_alert_is_logged_and_the_run_keeps_its_outcome(instance, alert_receiver, monkeypatch):
    monkeypatch.setenv(WEBHOOK_URL_ENV, alert_receiver.url)
    monkeypatch.setenv(TIMEOUT_ENV, "five")

    result = execute_job(reconstructable(toy_medallion), instance, tags={"dagster/partition": "2024-01-01"})

    assert result.success and alert_receiver.texts() == []
    assert any(
        "alert not sent (ValueError: LAKEHOUSE_ALERT_TIMEOUT_SECONDS='five' is not a number of seconds)" in message
        for message in _warnings(instance, result.run_id)
    )
