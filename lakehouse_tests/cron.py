"""The shipped crontab (infra/cron/lakehouse.crontab), read the way cron reads it (crontab(5), Vixie cron and cronie).

- Blank lines and lines whose first non-blank character is ``#`` are ignored.
- ``name = value`` sets a variable of every job's environment (blanks around ``=`` optional; a value in matching
  single or double quotes keeps its blanks). Cron itself sets ``HOME``, ``LOGNAME``, ``SHELL=/bin/sh`` and
  ``PATH=/usr/bin:/bin``; a crontab may override ``HOME``, ``SHELL`` and ``PATH``, never ``LOGNAME``.
- Any other line is a job: five time fields (or one ``@`` keyword), then the command, the rest of the line. In the
  command ``\\%`` is a literal ``%``; the first unescaped ``%`` ends the command, and the text after it is the job's
  standard input, each further unescaped ``%`` a newline.
- Cron runs the command as ``$SHELL -c COMMAND`` in ``$HOME``, with that environment only.
"""

import re
import shlex
import sys
from dataclasses import dataclass, field
from pathlib import Path

CRONTAB = Path(__file__).resolve().parents[1] / "infra" / "cron" / "lakehouse.crontab"
CRON_ENV_EXAMPLE = CRONTAB.parent / "cron.env.example"

CRON_PATH = "/usr/bin:/bin"
_VARIABLE = re.compile(r"""^\s*(?P<name>"[^"]*"|'[^']*'|[^\s=]+)\s*=\s*(?P<value>.*?)\s*$""")


@dataclass(frozen=True)
class CronJob:
    schedule: str
    """The time fields, e.g. ``0 2 * * *``."""
    command: str
    """What cron hands to the shell: ``%`` rule applied, standard input removed."""
    stdin: str = ""


@dataclass(frozen=True)
class Crontab:
    variables: dict[str, str] = field(default_factory=dict)
    jobs: list[CronJob] = field(default_factory=list)

    def environment(self, home: Path, logname: str) -> dict[str, str]:
        """The whole environment of a job: cron's own four variables and this crontab's assignments."""
        env = {"HOME": str(home), "LOGNAME": logname, "SHELL": "/bin/sh", "PATH": CRON_PATH}
        for name, value in self.variables.items():
            if name != "LOGNAME":
                env[name] = value
        return env

    def job_running(self, program: str) -> CronJob:
        """The one job whose command runs ``program`` (e.g. ``dagster asset materialize``)."""
        (job,) = (job for job in self.jobs if program in job.command)
        return job


def _unquote(text: str) -> str:
    return text[1:-1] if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"" else text


def _split_percent(text: str) -> tuple[str, str]:
    """The command and its standard input, by cron's ``%`` rule."""
    parts, current, i = [], [], 0
    while i < len(text):
        if text.startswith("\\%", i):
            current.append("%")
            i += 2
            continue
        if text[i] == "%":
            parts.append("".join(current))
            current = []
        else:
            current.append(text[i])
        i += 1
    parts.append("".join(current))
    command, lines = parts[0], parts[1:]
    # Cron ends the input with a newline when the crontab's text does not.
    stdin = "\n".join(lines) + "\n" if lines and lines != [""] else ""
    return command, stdin


def parse_crontab(text: str) -> Crontab:
    crontab = Crontab()
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        variable = _VARIABLE.match(line)
        if variable:
            crontab.variables[_unquote(variable["name"])] = _unquote(variable["value"])
            continue
        fields = 1 if stripped.startswith("@") else 5
        words = stripped.split(None, fields)
        if len(words) <= fields:
            raise ValueError(f"a crontab line with no command: {line!r}")
        command, stdin = _split_percent(words[fields])
        crontab.jobs.append(CronJob(" ".join(words[:fields]), command, stdin))
    return crontab


def shipped_crontab() -> Crontab:
    return parse_crontab(CRONTAB.read_text())


def materialize_command(*partition_args: str) -> list[str]:
    """The crontab's Dagster command as an argument list, run by this interpreter's ``dagster``, with its
    ``--partition "$(date ...)"`` replaced by ``partition_args`` (``--partition DAY``, ``--partition-range A...B``)."""
    job = shipped_crontab().job_running("dagster asset materialize")
    # The last command of the job's `cd ... && . cron.env && dagster ...` chain, its redirections after the partition.
    words = shlex.split(job.command.split("&&")[-1])
    dagster = next(i for i, word in enumerate(words) if word.endswith("/dagster"))
    partition = words.index("--partition")
    return [str(Path(sys.executable).parent / "dagster"), *words[dagster + 1 : partition], *partition_args]
