"""Errors of the Delta engine. Each one names the table, its version and the offending column or value.

Every refused write leaves the table at the version it had: validation happens before the commit.
"""

import re


class DeltaEngineError(Exception):
    """A read or write the Delta engine refused. Messages are one line, so they survive Spark's error wrapping."""


class SchemaMismatchError(DeltaEngineError):
    """The DataFrame's columns or types differ from the table's."""


class PartitionColumnError(DeltaEngineError):
    """The partition column is missing, has the wrong type, holds nulls, or is not the table's partition column."""


class RowsOutsideRangeError(DeltaEngineError):
    """An overwrite holds rows whose partition value lies outside the range it replaces."""


class TableNotFoundError(DeltaEngineError):
    """There is no Delta table at the URI."""


def describe_table(table_uri: str, version: int | None) -> str:
    """How messages name a table: its URI and the version the check ran against."""
    return f"table {table_uri} at version {version}" if version is not None else f"table {table_uri} (new)"


# Errors raised in Spark's Python workers (tasks, writer planning, commit) reach the caller only as text inside a
# PythonException; Python's traceback prints them as "<module>.<class>: <message>".
_RAISED_IN_WORKER = re.compile(rf"{re.escape(__name__)}\.(\w+): (.+)")


def engine_error_in(exc: BaseException) -> DeltaEngineError | None:
    """The engine error that a failed Spark job carries from a Python worker, rebuilt as itself, if there is one."""
    match = _RAISED_IN_WORKER.search(str(exc))
    if match is None:
        return None
    by_name = {cls.__name__: cls for cls in (DeltaEngineError, *DeltaEngineError.__subclasses__())}
    error_class = by_name.get(match.group(1))
    return error_class(match.group(2).strip()) if error_class else None
