"""Asset checks generated from a table's pandera model: schema, required values, value rules and business key.

pandera's own pyspark validation runs one Spark job per rule and reports the first failures, not counts per day;
here the model's rules become Spark column predicates and one aggregation pass per table counts, per day, the
rows breaking each rule. The scores derived from those counts are what the thresholds judge and the UI plots.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import reduce
from typing import Any

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetChecksDefinition,
    AssetCheckSeverity,
    AssetKey,
    MetadataValue,
    asset_check,
)
from pandera.pyspark import DataFrameModel
from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F
from pyspark.sql.types import StructType

from lakehouse.delta import read_table
from lakehouse.partitions import DayRange
from lakehouse.quality.thresholds import DEFAULT_SAMPLE_ROWS, QualityThresholds
from lakehouse.resources.spark import SparkResource
from lakehouse.resources.warehouse import Warehouse

MASK = "***"
PII_PREFIX = "PII"
"""Model fields whose description starts with this are never shown in a check's sample rows."""


@dataclass(frozen=True)
class Rule:
    """One row-level rule of a model. ``broken`` is true for a row that breaks it (never null)."""

    name: str
    kind: str  # "required" (counts against completeness) or "value" (against validity)
    broken: Column


@dataclass(frozen=True)
class ModelRules:
    rules: list[Rule]
    unique_key: list[str]
    schema_problems: list[str]
    unsupported: list[str]
    masked: list[str]

    @property
    def required(self) -> list[Rule]:
        return [rule for rule in self.rules if rule.kind == "required"]

    @property
    def value_rules(self) -> list[Rule]:
        return [rule for rule in self.rules if rule.kind == "value"]


def _value_predicate(column: Column, check_name: str, stats: Mapping[str, Any]) -> tuple[str, Column] | None:
    """(rule text, predicate that holds for a valid value) of a pandera built-in check, or None if unsupported."""
    if check_name == "greater_than_or_equal_to":
        return f">= {stats['min_value']}", column >= F.lit(stats["min_value"])
    if check_name == "greater_than":
        return f"> {stats['min_value']}", column > F.lit(stats["min_value"])
    if check_name == "less_than_or_equal_to":
        return f"<= {stats['max_value']}", column <= F.lit(stats["max_value"])
    if check_name == "less_than":
        return f"< {stats['max_value']}", column < F.lit(stats["max_value"])
    if check_name == "in_range":
        low, high = F.lit(stats["min_value"]), F.lit(stats["max_value"])
        above = column >= low if stats.get("include_min", True) else column > low
        below = column <= high if stats.get("include_max", True) else column < high
        return f"in [{stats['min_value']}, {stats['max_value']}]", above & below
    if check_name == "equal_to":
        return f"== {stats['value']}", column == F.lit(stats["value"])
    if check_name == "not_equal_to":
        return f"!= {stats['value']}", column != F.lit(stats["value"])
    if check_name == "isin":
        allowed = sorted(stats["allowed_values"])
        return f"in {{{', '.join(map(str, allowed))}}}", column.isin(allowed)
    if check_name == "notin":
        forbidden = sorted(stats["forbidden_values"])
        return f"not in {{{', '.join(map(str, forbidden))}}}", ~column.isin(forbidden)
    if check_name == "str_matches":
        # pandera's str_matches anchors at the start (re.match); the models' patterns also anchor the end.
        pattern = stats["pattern"]
        pattern = pattern if pattern.startswith("^") else f"^(?:{pattern})"
        return f"matches {stats['pattern']}", column.rlike(pattern)
    return None


def model_rules(
    model: type[DataFrameModel],
    actual: StructType,
    *,
    unique_key: Sequence[str] | None = None,
    masked: Sequence[str] = (),
) -> ModelRules:
    """The model's rules for a table whose actual schema is ``actual``. Rules on missing columns are skipped and
    reported as schema problems."""
    schema = model.to_schema()
    present = {f.name: f.dataType for f in actual.fields}
    problems, rules, unsupported = [], [], []
    for name, column in schema.columns.items():
        expected = column.dtype.type
        if name not in present:
            problems.append(f"{name}: missing (expected {expected.simpleString()})")
            continue
        if present[name] != expected:
            problems.append(f"{name}: {present[name].simpleString()}, expected {expected.simpleString()}")
            continue
        col = F.col(name)
        if not column.nullable:
            rules.append(Rule(f"{name} is not null", "required", col.isNull()))
        for check in column.checks:
            predicate = _value_predicate(col, check.name, check.statistics or {})
            if predicate is None:
                unsupported.append(f"{name}: {check.name}")
                continue
            text, valid = predicate
            rules.append(Rule(f"{name} {text}", "value", col.isNotNull() & ~valid))
    extra = sorted(set(present) - set(schema.columns))
    problems.extend(f"{name}: not in the model" for name in extra)
    key = list(unique_key if unique_key is not None else (schema.unique or []))
    pii = [name for name, column in schema.columns.items() if (column.description or "").startswith(PII_PREFIX)]
    return ModelRules(
        rules=rules,
        unique_key=[name for name in key if name in present],
        schema_problems=problems,
        unsupported=unsupported,
        masked=sorted({*pii, *masked}),
    )


@dataclass(frozen=True)
class DayScores:
    dt: date
    rows: int
    missing_values: int
    invalid_rows: int
    duplicate_rows: int
    required_columns: int
    broken: dict[str, int]

    @property
    def completeness(self) -> float:
        cells = self.rows * self.required_columns
        return 1.0 - self.missing_values / cells if cells else 1.0

    @property
    def validity(self) -> float:
        return 1.0 - self.invalid_rows / self.rows if self.rows else 1.0

    @property
    def uniqueness(self) -> float:
        return 1.0 - self.duplicate_rows / self.rows if self.rows else 1.0


@dataclass(frozen=True)
class ModelReport:
    """What one check found over the days it looked at."""

    table: str
    days: list[DayScores]
    rules: ModelRules
    thresholds: QualityThresholds
    sample: list[dict[str, Any]] = field(default_factory=list)
    duplicate_keys: list[dict[str, Any]] = field(default_factory=list)

    def _total(self, attribute: str) -> int:
        return sum(getattr(day, attribute) for day in self.days)

    @property
    def row_count(self) -> int:
        return self._total("rows")

    def _share(self, bad: int, total: int) -> float:
        return 1.0 - bad / total if total else 1.0

    @property
    def completeness(self) -> float:
        return self._share(self._total("missing_values"), self.row_count * len(self.rules.required))

    @property
    def validity(self) -> float:
        return self._share(self._total("invalid_rows"), self.row_count)

    @property
    def uniqueness(self) -> float:
        return self._share(self._total("duplicate_rows"), self.row_count)

    def failing_days(self) -> list[tuple[date, list[str]]]:
        """Days below a threshold, with what they missed. Empty days pass: volume is a separate check."""
        failing = []
        for day in self.days:
            missed = []
            if day.completeness < self.thresholds.completeness:
                missed.append(f"completeness {day.completeness:.4f} < {self.thresholds.completeness}")
            if self.rules.unique_key and day.uniqueness < self.thresholds.uniqueness:
                missed.append(f"uniqueness {day.uniqueness:.4f} < {self.thresholds.uniqueness}")
            if day.validity < self.thresholds.validity:
                missed.append(f"validity {day.validity:.4f} < {self.thresholds.validity}")
            if missed:
                failing.append((day.dt, missed))
        return failing

    @property
    def passed(self) -> bool:
        return not self.rules.schema_problems and not self.failing_days()

    def summary(self) -> str:
        if self.rules.schema_problems:
            return f"{self.table}: schema differs from the model: {'; '.join(self.rules.schema_problems)}"
        failing = self.failing_days()
        if failing:
            return f"{self.table}: {len(failing)} of {len(self.days)} day(s) below a threshold: " + "; ".join(
                f"{dt}: {', '.join(missed)}" for dt, missed in failing
            )
        return f"{self.table}: {len(self.days)} day(s), {self.row_count} rows meet the model and the thresholds"

    def metadata(self) -> dict[str, Any]:
        broken = {rule.name: sum(day.broken[rule.name] for day in self.days) for rule in self.rules.rules}
        first, last = (self.days[0].dt, self.days[-1].dt) if self.days else (None, None)
        metadata: dict[str, Any] = {
            "row_count": MetadataValue.int(self.row_count),
            "completeness": MetadataValue.float(self.completeness),
            "uniqueness": MetadataValue.float(self.uniqueness),
            "validity": MetadataValue.float(self.validity),
            "duplicate_rows": MetadataValue.int(self._total("duplicate_rows")),
            "failing_counts": MetadataValue.json(broken),
            "checked_days": MetadataValue.text(f"{first}..{last} ({len(self.days)} days)"),
            "per_day": MetadataValue.md(self._per_day_table()),
            "unique_key": MetadataValue.text(", ".join(self.rules.unique_key) or "none"),
            "thresholds": MetadataValue.json(
                {
                    "completeness": self.thresholds.completeness,
                    "uniqueness": self.thresholds.uniqueness,
                    "validity": self.thresholds.validity,
                }
            ),
        }
        if self.rules.schema_problems:
            metadata["schema_problems"] = MetadataValue.json(self.rules.schema_problems)
        if self.rules.unsupported:
            metadata["unsupported_rules"] = MetadataValue.json(self.rules.unsupported)
        if self.sample:
            metadata["failing_rows_sample"] = MetadataValue.md(markdown_table(self.sample))
        if self.duplicate_keys:
            metadata["duplicate_keys_sample"] = MetadataValue.md(markdown_table(self.duplicate_keys))
        return metadata

    def _per_day_table(self) -> str:
        rows = []
        for day in self.days:
            failing_rules = {name: count for name, count in day.broken.items() if count}
            rows.append(
                {
                    "dt": day.dt,
                    "rows": day.rows,
                    "completeness": f"{day.completeness:.4f}",
                    "uniqueness": f"{day.uniqueness:.4f}",
                    "validity": f"{day.validity:.4f}",
                    "duplicates": day.duplicate_rows,
                    "failing rules": ", ".join(f"{name}: {count}" for name, count in failing_rules.items()) or "-",
                }
            )
        return markdown_table(rows)


def markdown_table(rows: Sequence[Mapping[str, Any]]) -> str:
    if not rows:
        return "_none_"
    columns = list(rows[0])

    def cell(value: Any) -> str:
        text = "null" if value is None else str(value)
        text = text if len(text) <= 80 else text[:77] + "..."
        return text.replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(row.get(c)) for c in columns) + " |" for row in rows]
    return "\n".join(lines)


def _count(predicate: Column) -> Column:
    return F.sum(F.when(predicate, 1).otherwise(0))


def evaluate_model(
    df: DataFrame,
    model: type[DataFrameModel],
    dt_range: DayRange,
    thresholds: QualityThresholds,
    *,
    table: str = "",
    unique_key: Sequence[str] | None = None,
    masked: Sequence[str] = (),
    sample_rows: int = DEFAULT_SAMPLE_ROWS,
) -> ModelReport:
    """Scores ``df`` against ``model`` per day of ``dt_range``, in one Spark aggregation (two more small jobs only
    when something fails: a sample of failing rows and of duplicate keys)."""
    rules = model_rules(model, df.schema, unique_key=unique_key, masked=masked)
    required, value_rules = rules.required, rules.value_rules
    aggregates = [F.count(F.lit(1)).alias("rows")]
    aggregates += [_count(rule.broken).alias(f"r{i}") for i, rule in enumerate(rules.rules)]
    if value_rules:
        aggregates.append(_count(reduce(lambda a, b: a | b, [r.broken for r in value_rules])).alias("invalid"))
    if rules.unique_key:
        aggregates.append(F.countDistinct(F.struct(*rules.unique_key)).alias("distinct_keys"))
    by_day = {row["dt"]: row for row in df.groupBy("dt").agg(*aggregates).collect()} if "dt" in df.columns else {}

    days = []
    for day in dt_range.days():
        row = by_day.get(day)
        rows = row["rows"] if row else 0
        broken = {rule.name: (row[f"r{i}"] if row else 0) for i, rule in enumerate(rules.rules)}
        days.append(
            DayScores(
                dt=day,
                rows=rows,
                missing_values=sum(broken[rule.name] for rule in required),
                invalid_rows=row["invalid"] if row and value_rules else 0,
                duplicate_rows=rows - row["distinct_keys"] if row and rules.unique_key else 0,
                required_columns=len(required),
                broken=broken,
            )
        )
    report = ModelReport(table=table, days=days, rules=rules, thresholds=thresholds)
    if not report.passed or any(day.missing_values or day.invalid_rows or day.duplicate_rows for day in days):
        report = ModelReport(
            table=table,
            days=days,
            rules=rules,
            thresholds=thresholds,
            sample=_failing_sample(df, rules, sample_rows),
            duplicate_keys=_duplicate_keys(df, rules, sample_rows),
        )
    return report


def _failing_sample(df: DataFrame, rules: ModelRules, limit: int) -> list[dict[str, Any]]:
    if not rules.rules or limit <= 0:
        return []
    labels = [F.when(rule.broken, F.lit(rule.name)) for rule in rules.rules]
    failing = df.where(reduce(lambda a, b: a | b, [rule.broken for rule in rules.rules]))
    shown = failing.select(F.concat_ws("; ", *labels).alias("broken_rules"), *df.columns).limit(limit).collect()
    return [{k: (MASK if k in rules.masked and v is not None else v) for k, v in r.asDict().items()} for r in shown]


def _duplicate_keys(df: DataFrame, rules: ModelRules, limit: int) -> list[dict[str, Any]]:
    if not rules.unique_key or limit <= 0:
        return []
    duplicates = df.groupBy(*rules.unique_key).count().where(F.col("count") > 1).limit(limit).collect()
    return [{k: (MASK if k in rules.masked else v) for k, v in r.asDict().items()} for r in duplicates]


def checked_days(context: AssetCheckExecutionContext, asset_key: AssetKey) -> DayRange:
    """The days the run materialized: the run's partition or partition range (a check in the same run as its
    asset sees the run's window, also for a single-run backfill). A check launched on its own, with no
    partition, looks at the asset's latest materialized partition."""
    if context.has_partition_key or context.has_partition_key_range:
        return DayRange.of_window(context.partition_time_window)
    event = context.instance.get_latest_materialization_event(asset_key)
    partition = event.dagster_event.partition if event and event.dagster_event else None
    if partition is None:
        raise ValueError(f"{asset_key.to_user_string()} has no materialized partition to check")
    day = date.fromisoformat(partition)
    return DayRange(day, day + timedelta(days=1))


def percent(share: float) -> str:
    return f"{share * 100:g} %"


def model_bars(thresholds: QualityThresholds, *, keyed: bool) -> str:
    """The bars a model check holds each day to; uniqueness only for a table with a business key."""
    bars = [f"completeness ≥ {percent(thresholds.completeness)}"]
    if keyed:
        bars.append(f"uniqueness ≥ {percent(thresholds.uniqueness)}")
    bars.append(f"validity ≥ {percent(thresholds.validity)}")
    return ", ".join(bars)


def build_model_check(
    asset_key: AssetKey,
    model: type[DataFrameModel],
    *,
    blocking: bool,
    thresholds: QualityThresholds,
    sample_rows: int,
    unique_key: Sequence[str] | None = None,
    masked: Sequence[str] = (),
) -> AssetChecksDefinition:
    """``<layer>.<table>`` checked against ``model`` for the run's days. Blocking checks fail with ERROR and stop
    the assets downstream in the run; the others warn."""
    layer, table = asset_key.path
    severity = AssetCheckSeverity.ERROR if blocking else AssetCheckSeverity.WARN
    keyed = bool(unique_key if unique_key is not None else model.to_schema().unique)

    @asset_check(
        asset=asset_key,
        name="matches_model",
        blocking=blocking,
        description=f"{layer}.{table} against {model.__name__}: column types, required values, value rules and "
        f"business key, per day of the run; fails ({severity.value}) on a day below "
        f"{model_bars(thresholds, keyed=keyed)}.",
        compute_kind="spark",
    )
    def matches_model(
        context: AssetCheckExecutionContext, spark: SparkResource, warehouse: Warehouse
    ) -> AssetCheckResult:
        dt_range = checked_days(context, asset_key)
        df = read_table(spark.spark_session, warehouse.table_uri(layer, table), days=dt_range)
        report = evaluate_model(
            df,
            model,
            dt_range,
            thresholds,
            table=f"{layer}.{table}",
            unique_key=unique_key,
            masked=masked,
            sample_rows=sample_rows,
        )
        return AssetCheckResult(
            passed=report.passed, severity=severity, metadata=report.metadata(), description=report.summary()
        )

    return matches_model
