"""Reading ``lakehouse health``'s table as a user reads it: columns are separated by two spaces or more."""

import re


def health_rows(stdout: str) -> dict[str, tuple[str, str]]:
    """``what`` -> (status, detail), for every row under the header."""
    rows = {}
    for line in stdout.splitlines()[1:]:
        cells = re.split(r"\s{2,}", line.strip(), maxsplit=3)
        if len(cells) >= 3:
            rows[cells[1]] = (cells[2], cells[3] if len(cells) > 3 else "")
    return rows
