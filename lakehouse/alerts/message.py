"""The text an alert posts: one line for a success, the failed steps and checks for a failure, a link to the run."""

from lakehouse.alerts.outcome import RunOutcome

_MAX_LISTED = 5  # failed steps or checks named in one message; the run page has the rest
# The job Dagster runs for a selection of assets (an asset page's Materialize, `dagster asset materialize`):
# "__ASSET_JOB" and, when partitions differ, "__ASSET_JOB_<n>".
_IMPLICIT_ASSET_JOB_PREFIX = "__ASSET_JOB"


def job_label(job_name: str) -> str:
    return "asset materialization" if job_name.startswith(_IMPLICIT_ASSET_JOB_PREFIX) else job_name


def alert_text(outcome: RunOutcome, ui_url: str) -> str:
    """In Slack's markup (``<url|label>`` links, ``*bold*``), which reads as plain text where it is not rendered."""
    job, days = job_label(outcome.job_name), f" for {outcome.partitions}" if outcome.partitions else ""
    link = f"<{ui_url.rstrip('/')}/runs/{outcome.run_id}|run {outcome.run_id[:8]}>"
    checks = f"checks {outcome.checks_passed} passed / {len(outcome.checks_failed)} failed"
    if outcome.succeeded:
        return (
            f"lakehouse: {job}{days} succeeded: {outcome.rows_in('gold'):,} rows in gold, "
            f"{outcome.rows_rejected:,} rejected or quarantined, {checks}. {link}"
        ) + _failed_checks(outcome)
    lines = [f"*lakehouse: {job}{days} FAILED* ({checks}). {link}"]
    if outcome.run_error:
        lines.append(f"run: {outcome.run_error}")
    lines += [f"step {failed.step}: {failed.error}" for failed in outcome.failed_steps[:_MAX_LISTED]]
    if len(outcome.failed_steps) > _MAX_LISTED:
        lines.append(f"... and {len(outcome.failed_steps) - _MAX_LISTED} more failed steps")
    return "\n".join(lines) + _failed_checks(outcome)


def _failed_checks(outcome: RunOutcome) -> str:
    """The failed blocking checks: each one held back the tables downstream of its asset."""
    blocking = [check for check in outcome.checks_failed if check.blocking]
    lines = []
    for check in blocking[:_MAX_LISTED]:
        reason = f": {check.description}" if check.description else ""
        lines.append(f"blocking check {check.check} failed on {check.asset}{reason}")
    if len(blocking) > _MAX_LISTED:
        lines.append(f"... and {len(blocking) - _MAX_LISTED} more failed blocking checks")
    return "".join(f"\n{line}" for line in lines)
