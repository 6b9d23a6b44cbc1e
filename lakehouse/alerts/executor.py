"""The executor of every lakehouse job: Dagster's in-process executor, posting the run's outcome when it ends.

An executor sees every run a Dagster process executes, whoever launched it: the UI's and the daemon's run workers
and ``dagster asset materialize`` / ``dagster job execute`` (cron) alike. A run-status sensor would see only the
runs of a deployment whose daemon is up, and would miss cron's, which run without it.
"""

import logging
from collections.abc import Iterator
from typing import TYPE_CHECKING

from dagster import DagsterEvent, Executor, InitExecutorContext, executor, in_process_executor

# Dagster's in-process executor class: subclassed to keep every behaviour of the executor it replaces (retries,
# step ordering, the config it accepts). It is not exported, hence the private module.
from dagster._core.executor.in_process import InProcessExecutor

from lakehouse.alerts.message import alert_text
from lakehouse.alerts.outcome import OutcomeCollector, RunOutcome
from lakehouse.alerts.webhook import AlertSettings, post_alert

if TYPE_CHECKING:
    from dagster._core.execution.context.system import PlanOrchestrationContext
    from dagster._core.execution.plan.plan import ExecutionPlan


def send_alert(outcome: RunOutcome, log: logging.Logger) -> None:
    """Post the outcome when a webhook is configured in this process's environment. Never raises: it runs when the
    run ends, and a misconfigured alert (say, a timeout that is not a number) must not change the run's outcome."""
    try:
        settings = AlertSettings.from_env()
        if settings is not None:
            post_alert(settings, alert_text(outcome, settings.ui_url), log)
    except Exception as error:
        log.warning(f"alert not sent ({type(error).__name__}: {error}); the run is not affected")


class AlertingInProcessExecutor(InProcessExecutor):
    def execute(
        self, plan_context: "PlanOrchestrationContext", execution_plan: "ExecutionPlan"
    ) -> Iterator[DagsterEvent]:
        run = plan_context.dagster_run
        collector = OutcomeCollector(run.job_name, run.run_id, run.tags)
        try:
            for event in super().execute(plan_context, execution_plan):
                collector.add(event)
                yield event
        except BaseException as error:
            # Also a run terminated from the UI (Dagster interrupts it with a BaseException): it did not succeed.
            collector.run_broke(f"{type(error).__name__}: {error}".splitlines()[0])
            raise
        finally:
            send_alert(collector.outcome(), plan_context.log)


@executor(
    name="in_process",
    config_schema=in_process_executor.config_schema,
)
def alerting_in_process_executor(init_context: InitExecutorContext) -> Executor:
    """Dagster's in-process executor, posting each run's outcome to ``LAKEHOUSE_ALERT_WEBHOOK_URL`` when set."""
    plain = in_process_executor.executor_creation_fn(init_context)
    return AlertingInProcessExecutor(
        retries=plain.retries,
        step_dependency_config=plain.step_dependency_config,
        marker_to_close=plain.marker_to_close,
    )
