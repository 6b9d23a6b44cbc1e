"""Run policies shared by every asset, defined once."""

from dagster import BackfillPolicy, Backoff, Jitter, RetryPolicy

IO_RETRY_POLICY = RetryPolicy(max_retries=3, delay=5, backoff=Backoff.EXPONENTIAL, jitter=Jitter.PLUS_MINUS)
"""Storage and Spark steps fail transiently (object store hiccups, commit races): 3 tries, 5 s, 10 s, 20 s."""

SINGLE_RUN_BACKFILL = BackfillPolicy.single_run()
"""A backfill of N days is one run, one Spark job per asset and one Delta commit per table."""
