"""Errors of a table read or write. Each one names the table, its version and the offending column or rule.

A refused write leaves the table at the version it had: Delta validates before it commits.
"""

import re

from py4j.protocol import Py4JJavaError
from pyspark.errors import PySparkException


class DeltaTableError(Exception):
    """A read or write of a Delta table that was refused."""


class SchemaMismatchError(DeltaTableError):
    """The DataFrame's columns or types differ from the table's."""


class RowsOutsideRangeError(DeltaTableError):
    """An overwrite holds rows whose partition value lies outside the range it replaces."""


class ConstraintViolationError(DeltaTableError):
    """A row breaks one of the table's NOT NULL or CHECK constraints."""


class PartitionColumnError(DeltaTableError):
    """The table is not partitioned by the column a range of days refers to."""


class TableNotFoundError(DeltaTableError):
    """There is no Delta table at the URI."""


def describe_table(table_uri: str, version: int | None) -> str:
    """How messages name a table: its URI and the version the write started from."""
    return f"table {table_uri} at version {version}" if version is not None else f"table {table_uri} (new)"


# Delta's error conditions (its error classes) that mean the caller's data is wrong, not the system.
_CONDITIONS: dict[str, type[DeltaTableError]] = {
    "DELTA_REPLACE_WHERE_MISMATCH": RowsOutsideRangeError,
    "DELTA_NOT_NULL_CONSTRAINT_VIOLATED": ConstraintViolationError,
    "DELTA_VIOLATE_CONSTRAINT_WITH_VALUES": ConstraintViolationError,
    "DELTA_FAILED_TO_MERGE_FIELDS": SchemaMismatchError,
    "DELTA_METADATA_MISMATCH": SchemaMismatchError,
    "_LEGACY_ERROR_TEMP_DELTA_0007": SchemaMismatchError,
    "DELTA_UNEXPECTED_PARTITION_COLUMN_FROM_FILE_NAME": PartitionColumnError,
    "DELTA_PARTITION_COLUMN_NOT_FOUND": PartitionColumnError,
}


_CONDITION_IN_MESSAGE = re.compile(r"\[([A-Z_0-9]+)\]")
_NAMED_CHECK = re.compile(r"CHECK constraint (?!EXPRESSION\()\w+")


def table_error_in(exc: BaseException, table_uri: str, version: int | None) -> DeltaTableError | None:
    """The table error a failed Delta write stands for, naming the table and version, or None if it is not one.

    Delta refuses some writes while planning (PySpark raises those as ``PySparkException`` with the condition) and
    others in the tasks (``Py4JJavaError`` around the JVM exception, the condition in its message).
    """
    if isinstance(exc, PySparkException):
        message = str(exc)
        conditions = [exc.getCondition() or "", *_CONDITION_IN_MESSAGE.findall(message)]
    elif isinstance(exc, Py4JJavaError):
        message = str(exc.java_exception.getMessage() or "")
        conditions = _CONDITION_IN_MESSAGE.findall(message)
    else:
        return None
    error_class = next((_CONDITIONS[c] for c in conditions if c in _CONDITIONS), None)
    if error_class is None:
        return None
    if error_class is RowsOutsideRangeError and _NAMED_CHECK.search(message):
        # replaceWhere is checked as an anonymous constraint, so Delta wraps a named CHECK's violation in it too.
        error_class = ConstraintViolationError
    return error_class(f"{describe_table(table_uri, version)}: {_without_stack(message)}")


def _without_stack(message: str) -> str:
    """Delta's message (it names the column, the rule and the offending values) as one line, without the JVM stack."""
    lines = []
    for line in message.strip().splitlines():
        if line.startswith("\tat ") or line.startswith("JVM stacktrace"):
            break
        if line.strip():
            lines.append(line.strip())
    return " ".join(lines)
