"""Alerts: every run of a lakehouse job posts its outcome to a Slack-compatible incoming webhook.

``LAKEHOUSE_ALERT_WEBHOOK_URL`` (a secret: from the environment only) turns them on. The executor of every job
(``lakehouse.alerts.executor``) posts them, so runs launched from the UI, by the daemon (schedules, sensors,
backfills) and by ``dagster asset materialize`` / ``dagster job execute`` from cron all alert; ``lakehouse run``,
which executes in process with Dagster's own executor, posts the same message from the run's events.
"""
