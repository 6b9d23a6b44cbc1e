"""``lakehouse sql`` and ``lakehouse duckdb``: SQL over the silver and gold tables in DuckDB.

``lakehouse sql "SELECT …"`` runs the statements and prints each result; without a query it reads statements from
standard input (an interactive shell on a terminal). ``lakehouse duckdb --out PATH`` writes a DuckDB database file
holding the views only, for a BI tool or a notebook to open.

The views come from the definitions (every silver and gold asset), so a new table gets its view without a change
here; a table no run has written yet gets none, and a note on standard error says so.
"""

import os
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TextIO

import duckdb

from lakehouse.resources.warehouse import Warehouse
from lakehouse.sql.views import SECRET_NAME, TableView, extension_file, extensions, open_warehouse
from lakehouse.storage import is_local

VIEW_LAYERS = ("gold", "silver")
"""The layers BI reads, gold first. Bronze is raw material (strings, lineage, quarantine): not for reports."""

DEFAULT_MAX_ROWS = 40
PROMPT, CONTINUATION_PROMPT = "lakehouse> ", "      ...> "
SHELL_HELP = """Statements end with ';'. Commands:
  .tables   list the views (one per silver and gold table)
  .help     this text
  .quit     leave (end of input does too)"""


def medallion_tables() -> list[tuple[str, str]]:
    """``(layer, table)`` of every gold and silver asset in the definitions, gold first."""
    from lakehouse.definitions import all_assets

    keys = {tuple(key.path) for asset in all_assets for key in asset.keys}
    return sorted(
        ((path[0], path[1]) for path in keys if len(path) == 2 and path[0] in VIEW_LAYERS),
        key=lambda key: (VIEW_LAYERS.index(key[0]), key[1]),
    )


def sql(query: str | None, warehouse: Warehouse, max_rows: int = DEFAULT_MAX_ROWS) -> int:
    """Run ``query`` (one or more statements) and print each result, or, without one, the shell on standard input."""
    connection, views = open_warehouse(warehouse, medallion_tables())
    # DuckDB draws a progress bar on standard output for a query that takes seconds: on a terminal only, so that
    # piped results stay just the tables.
    connection.execute(f"SET enable_progress_bar = {str(sys.stdout.isatty()).lower()}")
    with connection:
        _print_notes(views)
        if query is not None:
            return 0 if run_statements(connection, query, max_rows) else 1
        shell(connection, sys.stdin, max_rows)
        return 0


def write_duckdb(out: Path, warehouse: Warehouse) -> int:
    """Write ``out``, a DuckDB database with one view per existing silver and gold table, and nothing else.

    On S3 the views need a secret when they are created (DuckDB binds a view, reading the Delta log) and again when
    they are queried. The secret lives in this session only and is not written into the file: whoever opens the file
    creates their own (see the README, "Gold in DuckDB"). The file is written beside ``out`` and moved over it, so a
    tool that has the old one open keeps reading that one.
    """
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.partial")
    partial.unlink(missing_ok=True)
    connection, views = open_warehouse(warehouse, medallion_tables(), str(partial))
    connection.close()
    os.replace(partial, out)
    _print_notes(views)
    written = [view.name for view in views if view.exists]
    print(f"Wrote {out} with {len(written)} views: {', '.join(written) or '(none: run the lakehouse first)'}")
    on_s3 = not is_local(warehouse.root_uri)
    print(
        f"DuckDB {duckdb.__version__} reads it with the extensions below: LOAD them in each session, or INSTALL them "
        "once (DuckDB then loads them by itself):"
    )
    for name in extensions(s3=on_s3):
        print(f"  LOAD '{extension_file(name)}';")
    if on_s3:
        print(
            f"On S3 the reader also needs its own secret (the file holds none): `lakehouse sql` makes one from the "
            f"environment; elsewhere CREATE TEMPORARY SECRET {SECRET_NAME} (TYPE s3, KEY_ID '…', SECRET '…', …)."
        )
    return 0


def run_statements(connection: duckdb.DuckDBPyConnection, text: str, max_rows: int) -> bool:
    """Execute every statement of ``text`` in order, printing each result; stop at the first error (printed)."""
    try:
        for statement in connection.extract_statements(text):
            relation = connection.sql(statement.query)
            if relation is not None:
                relation.show(max_rows=max_rows, max_width=_output_width())
    except duckdb.Error as error:
        print(f"Error: {error}", file=sys.stderr)
        return False
    return True


def shell(connection: duckdb.DuckDBPyConnection, stdin: TextIO, max_rows: int) -> None:
    """Read statements ending with ``;`` and dot commands until ``.quit`` or the end of input; an error is printed
    and the shell goes on."""
    interactive = stdin.isatty()
    if interactive:
        print(f"DuckDB {duckdb.__version__} over the lakehouse. {SHELL_HELP}")
    pending: list[str] = []
    for line in _input_lines(stdin, interactive, lambda: bool(pending)):
        if not pending and line.strip().startswith("."):
            if not _dot_command(connection, line.strip()):
                return
            continue
        pending.append(line)
        if "\n".join(pending).rstrip().endswith(";"):
            run_statements(connection, "\n".join(pending), max_rows)
            pending.clear()
    if "\n".join(pending).strip():
        run_statements(connection, "\n".join(pending), max_rows)


def _input_lines(stdin: TextIO, interactive: bool, continuing: Callable[[], bool]) -> Iterator[str]:
    if not interactive:
        for line in stdin:
            yield line.rstrip("\n")
        return
    # input() gives line editing and history on a terminal (readline).
    import readline  # noqa: F401

    while True:
        try:
            yield input(CONTINUATION_PROMPT if continuing() else PROMPT)
        except EOFError:
            print()
            return


def _dot_command(connection: duckdb.DuckDBPyConnection, command: str) -> bool:
    """Run a dot command; False means leave the shell."""
    name = command.split()[0]
    if name in (".quit", ".exit"):
        return False
    if name == ".tables":
        # The views, and any table or view made in this session.
        for (view,) in connection.execute("SHOW TABLES").fetchall():
            print(view)
    elif name == ".help":
        print(SHELL_HELP)
    else:
        print(f"Error: unknown command {name} (.help lists them)", file=sys.stderr)
    return True


def _print_notes(views: list[TableView]) -> None:
    for view in views:
        if not view.exists:
            print(f"note: {view.note}", file=sys.stderr)


def _output_width() -> int | None:
    """The terminal's width; when the output is a pipe or a file, no limit, so that no column is elided."""
    return shutil.get_terminal_size().columns if sys.stdout.isatty() else 10_000
