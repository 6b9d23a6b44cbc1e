"""Backups of Dagster's storage (run history, event logs, schedules): dumped, gzipped, kept in object storage."""
