"""Every quality threshold in one place: built-in defaults, overridden by ``quality.toml``, overridden by the
environment, resolved once per process when Dagster loads the definitions.

Resolved at load and not per run, so that each check's description states the bars it judges against, and every
result in a check's history was judged against the bars its description shows (the result's ``thresholds``
metadata records them too). Changing a bar is an edit of the file or the environment and a reload of the code
location, never a launchpad setting: a blocking gate that one run could lower quietly would not be a gate.

Precedence, most specific first: ``LAKEHOUSE_QUALITY_<LAYER>_<TABLE>_<FIELD>``, the table's entry in the file, the
table's built-in entry (the silver sources' minimum rows), ``LAKEHOUSE_QUALITY_<FIELD>``, the file's
``[defaults]``, the built-in defaults below.
"""

import os
import tomllib
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dagster import AssetKey

# Private, but the very validator build_time_partition_freshness_checks applies: a bad cron fails at loading,
# naming its key, instead of in the factory as "Invalid cron string.".
from dagster._utils.schedules import is_valid_cron_string
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from lakehouse.raw.formats import SOURCES

QUALITY_FILE_ENV = "LAKEHOUSE_QUALITY_FILE"
DEFAULT_QUALITY_FILE = Path("quality.toml")
"""In the working directory, like the storage root's default: the repository's root for make, cron and the image."""
ENV_PREFIX = "LAKEHOUSE_QUALITY_"
DEFAULT_SAMPLE_ROWS = 5


class QualityThresholds(BaseModel):
    """The bars one table is held to. Scores are shares of rows in [0, 1], judged per day."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    completeness: float = Field(default=0.95, ge=0, le=1, description="Min share of required values present")
    uniqueness: float = Field(default=0.99, ge=0, le=1, description="Min share of rows whose key is unique that day")
    validity: float = Field(default=0.90, ge=0, le=1, description="Min share of rows passing every value rule")
    min_rows_per_day: int = Field(default=0, ge=0, description="Min rows of a silver source per day; 0: no check")
    max_quarantine_share: float = Field(
        default=0.10, ge=0, le=1, description="Max share of a day's raw records quarantined before bronze warns"
    )
    freshness_deadline_cron: str = Field(
        default="59 23 * * *",
        description="UTC cron: at each tick, a gold table must hold the last day complete before it (day D by "
        "23:59 of D + 1)",
    )

    @field_validator("freshness_deadline_cron")
    @classmethod
    def _valid_cron(cls, value: str) -> str:
        if not is_valid_cron_string(value):
            raise ValueError("not a five-field cron string")
        return value


FIELDS = tuple(QualityThresholds.model_fields)

BUILT_IN_TABLES: Mapping[str, Mapping[str, Any]] = {
    # Orders kept the bar they always had. The others are a partial file's mark: at most half of the suite's small
    # landing (120 customers, 40 products, 600 web logs a day, some of them dirty) and a small share of the
    # generator's defaults (2,000 customers, 200 products, 20,000 web logs), so every generated day passes.
    "silver/orders": {"min_rows_per_day": 50},
    "silver/customers": {"min_rows_per_day": 50},
    "silver/products": {"min_rows_per_day": 20},
    "silver/web_logs": {"min_rows_per_day": 100},
}

APPLIES_TO: Mapping[str, str] = {
    "min_rows_per_day": "silver",
    "max_quarantine_share": "bronze",
    "freshness_deadline_cron": "gold",
}
"""Fields judged on one layer's tables only (the others apply to every table); for the silver and bronze ones, only
on a source's own table. Set on another table, they fail loading rather than being ignored."""


class QualityConfigError(ValueError):
    """The quality file or a LAKEHOUSE_QUALITY_* variable is invalid; the message names the key."""


@dataclass(frozen=True)
class QualityConfig:
    """Every checked table's bars, and how many failing rows a result shows."""

    tables: Mapping[str, QualityThresholds]
    sample_rows: int
    origin: str
    """Where the values came from: the file read (or the built-in defaults), and the variables that overrode them."""

    def for_table(self, key: AssetKey) -> QualityThresholds:
        return self.tables[key.to_user_string()]


def load_quality_config(
    tables: Collection[str], path: Path | None = None, environ: Mapping[str, str] | None = None
) -> QualityConfig:
    """The bars of each of ``tables`` (``layer/table``). ``path`` defaults to ``$LAKEHOUSE_QUALITY_FILE``, else
    ``quality.toml`` if it exists, else the built-in defaults; a file named explicitly must exist."""
    environ = os.environ if environ is None else environ
    named = path or (Path(environ[QUALITY_FILE_ENV]) if environ.get(QUALITY_FILE_ENV) else None)
    if named is not None and not named.is_file():
        raise QualityConfigError(f"no quality file at {named} (named by ${QUALITY_FILE_ENV} or the caller)")
    file = named or (DEFAULT_QUALITY_FILE if DEFAULT_QUALITY_FILE.is_file() else None)
    from_file = _read_file(file, tables) if file else {"defaults": {}, "tables": {}}
    from_env, variables = _read_environ(environ, tables)

    defaults = {**from_file["defaults"], **from_env["defaults"]}
    resolved = {}
    for table in tables:
        own = {
            **BUILT_IN_TABLES.get(table, {}),
            **from_file["tables"].get(table, {}),
            **from_env["tables"].get(table, {}),
        }
        resolved[table] = QualityThresholds(**{**defaults, **own})
    sample_rows = from_env.get("sample_rows", from_file.get("sample_rows", DEFAULT_SAMPLE_ROWS))
    origin = str(file) if file else "built-in defaults"
    return QualityConfig(
        tables=resolved,
        sample_rows=sample_rows,
        origin=" + ".join([origin, *variables]),
    )


def _read_file(path: Path, tables: Collection[str]) -> dict[str, Any]:
    try:
        document = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as error:
        raise QualityConfigError(f"{path}: not valid TOML: {error}") from None
    unknown = set(document) - {"defaults", "tables", "sample_rows"}
    if unknown:
        raise QualityConfigError(f"{path}: unknown key(s) {', '.join(sorted(unknown))}: defaults, tables, sample_rows")
    parsed: dict[str, Any] = {"defaults": {}, "tables": {}}
    for field, value in _section(path, "defaults", document.get("defaults", {})).items():
        parsed["defaults"][field] = _value(f"{path}: defaults.{field}", None, field, value)
    for table, entry in _section(path, "tables", document.get("tables", {})).items():
        if table not in tables:
            raise QualityConfigError(f"{path}: tables.{table!r}: no such checked table: {', '.join(sorted(tables))}")
        parsed["tables"][table] = {
            field: _value(f"{path}: tables.{table!r}.{field}", table, field, value)
            for field, value in _section(path, f"tables.{table!r}", entry).items()
        }
    if "sample_rows" in document:
        parsed["sample_rows"] = _sample_rows(f"{path}: sample_rows", document["sample_rows"])
    return parsed


def _section(path: Path, name: str, section: Any) -> dict[str, Any]:
    if not isinstance(section, dict):
        raise QualityConfigError(f"{path}: {name} must be a table of keys, not {section!r}")
    return section


def _read_environ(environ: Mapping[str, str], tables: Collection[str]) -> tuple[dict[str, Any], list[str]]:
    """The LAKEHOUSE_QUALITY_* variables, parsed like the file, and their names. An unknown name fails: a typo
    would otherwise leave a bar unchanged without a word."""
    table_names = {table.replace("/", "_").upper(): table for table in tables}
    parsed: dict[str, Any] = {"defaults": {}, "tables": {}}
    variables = []
    for name in sorted(environ):
        if not name.startswith(ENV_PREFIX) or name == QUALITY_FILE_ENV:
            continue
        variables.append(name)
        rest, value = name.removeprefix(ENV_PREFIX), environ[name]
        if rest == "SAMPLE_ROWS":
            parsed["sample_rows"] = _sample_rows(f"${name}", value)
            continue
        field = next((f for f in FIELDS if rest == f.upper() or rest.endswith(f"_{f.upper()}")), None)
        scope = rest.removesuffix(field.upper()).removesuffix("_") if field else ""  # "": a default
        table = table_names.get(scope)
        if field is None or (scope and table is None):
            raise QualityConfigError(
                f"${name}: not a quality setting: {ENV_PREFIX}<FIELD> or {ENV_PREFIX}<LAYER>_<TABLE>_<FIELD>, "
                f"FIELD one of {', '.join(f.upper() for f in FIELDS)}, or {ENV_PREFIX}SAMPLE_ROWS"
            )
        section = parsed["tables"].setdefault(table, {}) if table else parsed["defaults"]
        section[field] = _value(f"${name}", table, field, value)
    return parsed, variables


def _value(where: str, table: str | None, field: str, value: Any) -> Any:
    """``value`` of ``field`` validated on its own, for ``table`` (None: the defaults), or an error naming ``where``."""
    if field not in FIELDS:
        raise QualityConfigError(f"{where}: unknown threshold: {', '.join(FIELDS)}")
    if table is None and field == "min_rows_per_day":
        raise QualityConfigError(f"{where}: minimum rows are per source: set them on silver/<source>")
    if table is not None and not _judged_on(field, table):
        where_judged = "gold tables" if APPLIES_TO[field] == "gold" else f"{APPLIES_TO[field]}/<source> tables"
        raise QualityConfigError(f"{where}: {field} is judged on {where_judged} only, not on {table}")
    if isinstance(value, bool):  # pydantic would take true for 1, a bar no one meant
        raise QualityConfigError(f"{where} = {value!r}: a number or a string, not a boolean")
    try:
        return getattr(QualityThresholds(**{field: value}), field)
    except ValidationError as error:
        raise QualityConfigError(f"{where} = {value!r}: {error.errors()[0]['msg']}") from None


def _judged_on(field: str, table: str) -> bool:
    layer = APPLIES_TO.get(field)
    if layer is None:
        return True
    table_layer, name = table.split("/", 1)
    return table_layer == layer and (layer == "gold" or name in SOURCES)


def _sample_rows(where: str, value: Any) -> int:
    try:
        rows = int(value)
    except (TypeError, ValueError):
        rows = -1
    if rows < 0 or isinstance(value, bool | float):
        raise QualityConfigError(f"{where} = {value!r}: a whole number of rows, 0 or more")
    return rows
