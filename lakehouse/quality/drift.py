"""Drift: each silver and gold table's day against the same table's trailing days. A warning, never blocking.

The model checks judge each row against fixed rules; a day can pass them all and still be unlike every day before
it (half the orders suddenly in one channel, a price column ten times its usual mean, a column that is suddenly 30 %
null but under the completeness bar). Per day, one Spark aggregation per table computes its statistics:

- the row count, and every column's null rate;
- the mean and the standard deviation of every numeric column;
- the share of each value of the low-cardinality columns (the model's ``isin`` columns, booleans, and the columns
  named in ``LOW_CARDINALITY``), over the day's non-null values.

A day's baseline is the same statistics of the days among the ``baseline_days`` (28) before it that have rows. A
number is judged by its z-score against the baseline days' values; a share by its relative change against its
mean baseline share, and only when that change is also beyond the share's day-to-day noise (its z-score), so the
share of a value seen on a handful of rows a day cannot flag on its own noise. A statistic the generator keeps
constant has no day-to-day spread, and a few baseline days can show less spread than there is: the spread in a
z-score is at least a floor (a share of the baseline mean for counts, means and deviations; for a rate, its
sampling noise on the day's rows and an absolute floor), so a tiny change of it is not a drift. Until a day has
``min_baseline_days`` baseline days it gets no verdict and passes, with a note: a new warehouse has no history.
Which days hold rows is read from the Delta log first, so a run none of whose days can have a verdict reads no data.
"""

import math
import os
import statistics
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import date, timedelta
from typing import Any, Final

import pyarrow as pa
from dagster import (
    AssetCheckExecutionContext,
    AssetCheckKey,
    AssetCheckResult,
    AssetChecksDefinition,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetKey,
    MetadataValue,
    multi_asset_check,
)
from pandera.pyspark import DataFrameModel
from pyspark.sql import DataFrame, Row
from pyspark.sql import functions as F
from pyspark.sql import types as T

from lakehouse.delta import read_table
from lakehouse.delta.snapshot import open_with_delta_rs
from lakehouse.partitions import PARTITION_COLUMN, DayRange
from lakehouse.quality.model_checks import checked_days, markdown_table
from lakehouse.resources.spark import SparkResource
from lakehouse.resources.warehouse import Warehouse

DRIFT_CHECK: Final = "no_drift_from_baseline"
ENV_PREFIX: Final = "LAKEHOUSE_DRIFT_"
WHOLE_TABLE: Final = "*"
"""The column of the row count, a statistic of the whole table."""

LOW_CARDINALITY: Final[Mapping[str, tuple[str, ...]]] = {
    "silver.orders": ("category", "customer_country"),
    "silver.customers": ("country",),
    "silver.products": ("category",),
    "silver.web_logs": ("status", "browser", "os"),
    "gold.daily_sales": ("category",),
    "gold.customer_rfm": ("country",),
    "gold.customer_360": ("country", "preferred_category"),
    "gold.product_performance": ("category",),
}
"""Columns of few values whose mix matters, beyond the model's ``isin`` columns and the booleans (found by
themselves): categories and countries are open sets in the models, and an HTTP status is a code, not a number."""

NOT_JUDGED: Final[Mapping[str, tuple[str, ...]]] = {"silver.orders": ("day_of_week",)}
"""Numeric columns whose day-to-day change is the calendar, not drift: a day's orders share one weekday."""

NUMERIC_TYPES: Final = (T.ByteType, T.ShortType, T.IntegerType, T.LongType, T.FloatType, T.DoubleType, T.DecimalType)


@dataclass(frozen=True)
class DriftBounds:
    """When a day counts as drifted. Each field can be set from the environment as ``LAKEHOUSE_DRIFT_<FIELD>``
    (``LAKEHOUSE_DRIFT_MAX_Z=5``), read when the definitions load, like the quality thresholds, so each check's
    description states them. The defaults flag few ordinary generated days
    (docs/design.md, "Drift detection")."""

    max_z: float = 5.0
    """A number drifts when its z-score against the baseline days is beyond this (either side)."""
    max_share_change: float = 0.5
    """A value's share drifts when it moved by more than this share of its baseline share (0.5: by half) and its
    z-score is beyond ``max_z`` too."""
    baseline_days: int = 28
    """The days before a day that form its baseline (those that have rows)."""
    min_baseline_days: int = 7
    """No verdict (a pass with a note) until a day has this many baseline days, nor on a statistic with fewer."""
    min_relative_spread: float = 0.01
    """The spread of a count, mean or deviation is at least this share of its baseline mean's magnitude."""
    min_rate_spread: float = 0.005
    """The spread of a null rate or a share is at least this (half a percentage point), and at least its binomial
    sampling noise on the day's rows."""

    def __post_init__(self) -> None:
        for name in ("max_z", "max_share_change", "min_relative_spread", "min_rate_spread"):
            if getattr(self, name) < 0:
                raise ValueError(f"drift bound {name} must be >= 0, got {getattr(self, name)}")
        # A standard deviation needs two values.
        if not 2 <= self.min_baseline_days <= self.baseline_days:
            raise ValueError(
                f"drift bounds need 2 <= min_baseline_days <= baseline_days, got {self.min_baseline_days} and "
                f"{self.baseline_days}"
            )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> "DriftBounds":
        values: dict[str, Any] = {}
        for bound in fields(cls):
            name = ENV_PREFIX + bound.name.upper()
            text = environ.get(name, "").strip()
            if not text:
                continue
            kind = type(bound.default)
            try:
                values[bound.name] = kind(text)
            except ValueError:
                raise ValueError(f"${name}={text!r} is not {'an integer' if kind is int else 'a number'}") from None
        return cls(**values)

    def as_metadata(self) -> dict[str, float | int]:
        return {bound.name: getattr(self, bound.name) for bound in fields(self)}


# --- statistics of a day -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TableProfile:
    """What is measured of one table: null rates of ``columns``, mean and deviation of ``numeric``, value shares of
    ``low_cardinality``."""

    columns: tuple[str, ...]
    numeric: tuple[str, ...]
    low_cardinality: tuple[str, ...]


def table_profile(schema: T.StructType, model: type[DataFrameModel], table: str) -> TableProfile:
    """The profile of ``table`` (``layer.table``) with the actual ``schema``, its ``model`` naming the value sets."""
    present = [f for f in schema.fields if f.name != PARTITION_COLUMN]
    with_set = {
        name
        for name, column in model.to_schema().columns.items()
        if any(check.name == "isin" for check in column.checks)
    }
    declared = set(LOW_CARDINALITY.get(table, ()))
    low = tuple(f.name for f in present if f.name in with_set | declared or isinstance(f.dataType, T.BooleanType))
    numeric = tuple(
        f.name
        for f in present
        if isinstance(f.dataType, NUMERIC_TYPES) and f.name not in low and f.name not in NOT_JUDGED.get(table, ())
    )
    return TableProfile(columns=tuple(f.name for f in present), numeric=numeric, low_cardinality=low)


@dataclass(frozen=True)
class DayStatistics:
    rows: int
    numbers: dict[tuple[str, str], float]
    """(column, statistic) -> value: (``*``, rows), (c, null rate), (c, mean), (c, stddev). A mean or deviation
    that a day does not define (no values; one value for a deviation) is absent."""
    counts: dict[str, dict[str, int]]
    """Low-cardinality column -> its non-null values (as text) -> rows."""

    @classmethod
    def of_rows(cls, rows: int) -> "DayStatistics":
        """A day known by its row count alone."""
        return cls(rows=rows, numbers={(WHOLE_TABLE, "rows"): float(rows)}, counts={})


def rows_by_day(table_uri: str, storage_options: Mapping[str, str]) -> dict[date, int]:
    """Each day's rows from the table's Delta log alone (delta-rs: no Spark job, no data file read), so that a run
    none of whose days can have a verdict yet costs no aggregation."""
    actions = pa.table(open_with_delta_rs(table_uri, storage_options).get_add_actions(flatten=True))
    rows: dict[date, int] = {}
    for value, records in zip(
        actions[f"partition.{PARTITION_COLUMN}"].to_pylist(), actions["num_records"].to_pylist(), strict=True
    ):
        day = value if isinstance(value, date) else date.fromisoformat(value)
        rows[day] = rows.get(day, 0) + (records or 0)
    return rows


def daily_statistics(df: DataFrame, profile: TableProfile) -> dict[date, DayStatistics]:
    """The statistics of each day of ``df`` that has rows, in one Spark aggregation: grouping sets give the day's
    totals and each low-cardinality column's counts per value in the same pass."""
    low = [f"_v{i}" for i in range(len(profile.low_cardinality))]
    prepared = df.select(
        PARTITION_COLUMN,
        *[F.col(c) for c in profile.columns],
        *[F.col(c).cast("string").alias(alias) for c, alias in zip(profile.low_cardinality, low, strict=True)],
    )
    aggregates = [F.count(F.lit(1)).alias("_rows")]
    aggregates += [F.count(F.col(c)).alias(f"_n{i}") for i, c in enumerate(profile.columns)]
    for i, c in enumerate(profile.numeric):
        value = F.col(c).cast("double")
        aggregates += [F.avg(value).alias(f"_mean{i}"), F.stddev_samp(value).alias(f"_sd{i}")]
    aggregates += [F.grouping(alias).alias(f"_g{i}") for i, alias in enumerate(low)]
    sets = [[PARTITION_COLUMN], *[[PARTITION_COLUMN, alias] for alias in low]]
    result = prepared.groupingSets(sets, PARTITION_COLUMN, *low).agg(*aggregates).collect()

    totals: dict[date, Row] = {}
    counts: dict[date, dict[str, dict[str, int]]] = {}
    for row in result:
        grouped = [i for i in range(len(low)) if row[f"_g{i}"] == 0]
        if not grouped:
            totals[row[PARTITION_COLUMN]] = row
            continue
        (i,) = grouped
        if row[low[i]] is not None:  # nulls are the null rate's
            day = counts.setdefault(row[PARTITION_COLUMN], {})
            day.setdefault(profile.low_cardinality[i], {})[row[low[i]]] = row["_rows"]
    days: dict[date, DayStatistics] = {}
    for day, row in totals.items():
        rows = row["_rows"]
        numbers = {(WHOLE_TABLE, "rows"): float(rows)}
        numbers |= {(c, "null rate"): 1.0 - row[f"_n{i}"] / rows for i, c in enumerate(profile.columns)}
        for i, c in enumerate(profile.numeric):
            for statistic, value in (("mean", row[f"_mean{i}"]), ("stddev", row[f"_sd{i}"])):
                if value is not None and math.isfinite(value):
                    numbers[(c, statistic)] = value
        days[day] = DayStatistics(rows=rows, numbers=numbers, counts=counts.get(day, {}))
    return days


# --- the verdict ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Drift:
    """One statistic of a day outside its bound, with the figures."""

    column: str
    statistic: str
    day: float
    baseline_mean: float
    baseline_stddev: float
    z: float
    relative_change: float | None = None
    """Shares only: (day - baseline) / baseline; infinite for a value the baseline never had."""

    @property
    def label(self) -> str:
        return self.statistic if self.column == WHOLE_TABLE else f"{self.column} {self.statistic}"

    def figures(self) -> dict[str, Any]:
        return {
            "column": self.column,
            "statistic": self.statistic,
            "day": _figure(self.day),
            "baseline_mean": _figure(self.baseline_mean),
            "baseline_stddev": _figure(self.baseline_stddev),
            "z": _figure(self.z),
            "relative_change": None if self.relative_change is None else _figure(self.relative_change),
        }


@dataclass(frozen=True)
class DayDrift:
    dt: date
    rows: int
    baseline_days: int
    judged: int
    """Statistics compared with their baseline; 0 without a verdict."""
    drifted: list[Drift] = field(default_factory=list)
    min_baseline_days: int = 0

    @property
    def has_verdict(self) -> bool:
        return self.baseline_days >= self.min_baseline_days

    @property
    def verdict(self) -> str:
        if not self.has_verdict:
            return f"no verdict: {self.baseline_days} of {self.min_baseline_days} baseline days"
        return "drift" if self.drifted else "ok"

    @property
    def drifted_columns(self) -> list[str]:
        return sorted({drift.column for drift in self.drifted})


def _figure(value: float) -> float | str:
    # JSON metadata has no infinity; 4 significant digits are what a reader compares.
    return float(f"{value:.4g}") if math.isfinite(value) else str(value)


def _rate_floor(baseline: Sequence[float], rows: int, bounds: DriftBounds) -> float:
    """The least spread of a rate measured on ``rows`` rows: its binomial noise, with the absolute floor (a rate
    the baseline never left 0 has no noise of its own)."""
    rate = statistics.fmean(baseline)
    return max(bounds.min_rate_spread, math.sqrt(rate * (1 - rate) / rows) if rows else 0.0)


def _z(day: float, baseline: Sequence[float], floor: float) -> tuple[float, float, float]:
    """(baseline mean, baseline stddev, z-score of ``day``) with the spread at least ``floor``."""
    mean, stddev = statistics.fmean(baseline), statistics.stdev(baseline)
    spread, difference = max(stddev, floor), day - mean
    if difference == 0:
        return mean, stddev, 0.0
    return mean, stddev, difference / spread if spread > 0 else math.copysign(math.inf, difference)


def judge_day(day: date, by_day: Mapping[date, DayStatistics], bounds: DriftBounds) -> DayDrift:
    """``day`` against the days of ``by_day`` in the ``bounds.baseline_days`` before it. A day without rows has
    only its row count to compare, and a row count of 0 drifts like any other."""
    baseline = [by_day[d] for d in DayRange(day - timedelta(days=bounds.baseline_days), day).days() if d in by_day]
    today = by_day.get(day, DayStatistics.of_rows(0))
    if len(baseline) < bounds.min_baseline_days:
        return DayDrift(day, today.rows, len(baseline), 0, min_baseline_days=bounds.min_baseline_days)
    judged, drifted = 0, []
    for (column, statistic), value in today.numbers.items():
        history = [past.numbers[(column, statistic)] for past in baseline if (column, statistic) in past.numbers]
        if len(history) < bounds.min_baseline_days:
            continue
        judged += 1
        if statistic == "null rate":
            floor = _rate_floor(history, today.rows, bounds)
        else:
            floor = bounds.min_relative_spread * abs(statistics.fmean(history))
        mean, stddev, z = _z(value, history, floor)
        if abs(z) > bounds.max_z:
            drifted.append(Drift(column, statistic, value, mean, stddev, z))
    for column, counts in today.counts.items():
        past_counts = [past.counts[column] for past in baseline if past.counts.get(column)]
        if len(past_counts) < bounds.min_baseline_days:
            continue
        total = sum(counts.values())
        past_totals = [sum(past.values()) for past in past_counts]
        for value in sorted({value for c in [counts, *past_counts] for value in c}):
            judged += 1
            share = counts.get(value, 0) / total
            history = [past.get(value, 0) / n for past, n in zip(past_counts, past_totals, strict=True)]
            mean, stddev, z = _z(share, history, _rate_floor(history, total, bounds))
            change = (share - mean) / mean if mean > 0 else math.inf
            if abs(change) > bounds.max_share_change and abs(z) > bounds.max_z:
                drifted.append(Drift(column, f"share of {value}", share, mean, stddev, z, change))
    return DayDrift(day, today.rows, len(baseline), judged, drifted, bounds.min_baseline_days)


def judge(by_day: Mapping[date, DayStatistics], days: DayRange, bounds: DriftBounds) -> list[DayDrift]:
    return [judge_day(day, by_day, bounds) for day in days.days()]


# --- the check -----------------------------------------------------------------------------------------------------


def _summary(table: str, results: Sequence[DayDrift], bounds: DriftBounds) -> str:
    drifted = [result for result in results if result.drifted]
    if drifted:
        return f"{table}: {len(drifted)} of {len(results)} day(s) drifted from their baseline: " + "; ".join(
            f"{result.dt}: "
            + ", ".join(
                f"{d.label} {_figure(d.day)} vs {_figure(d.baseline_mean)}"
                + (f" ({d.relative_change:+.0%})" if d.relative_change is not None else f" (z {d.z:+.1f})")
                for d in result.drifted
            )
            for result in drifted
        )
    unjudged = sum(1 for result in results if not result.has_verdict)
    short = f"without a verdict (fewer than {bounds.min_baseline_days} baseline days)"
    if unjudged == len(results):
        return f"{table}: {unjudged} day(s) {short}"
    text = f"{table}: {len(results) - unjudged} day(s) within their baseline of the {bounds.baseline_days} days before"
    return text + (f"; {unjudged} day(s) {short}" if unjudged else "")


def drift_metadata(results: Sequence[DayDrift], bounds: DriftBounds) -> dict[str, Any]:
    drifts = [{"dt": result.dt, **d.figures()} for result in results for d in result.drifted]
    per_day = [
        {
            "dt": result.dt,
            "rows": result.rows,
            "baseline days": result.baseline_days,
            "statistics judged": result.judged,
            "verdict": result.verdict,
            # The report reads a day's failures from this column (lakehouse.report.collect).
            "failing rules": ", ".join(d.label for d in result.drifted) or "-",
        }
        for result in results
    ]
    first, last = (results[0].dt, results[-1].dt) if results else (None, None)
    return {
        "checked_days": MetadataValue.text(f"{first}..{last} ({len(results)} days)"),
        "drifted_days": MetadataValue.int(sum(1 for result in results if result.drifted)),
        "days_without_verdict": MetadataValue.int(sum(1 for result in results if not result.has_verdict)),
        "per_day": MetadataValue.md(markdown_table(per_day)),
        "drifted": MetadataValue.md(markdown_table(drifts)),
        "drifted_columns": MetadataValue.json(
            {result.dt.isoformat(): [d.figures() for d in result.drifted] for result in results if result.drifted}
        ),
        "bounds": MetadataValue.json(bounds.as_metadata()),
    }


def build_drift_check(layer: str, models: Mapping[str, type[DataFrameModel]]) -> AssetChecksDefinition:
    """One step for every table of ``layer``: each table's days of the run against their trailing days, one
    result (WARN, never blocking) per table. One step, not one per table: every check is a step of every run."""
    keys = {AssetKey([layer, table]): model for table, model in models.items()}
    bounds = DriftBounds.from_env()
    description = (
        f"The run's days of {layer}.<table> against the {bounds.baseline_days} days before each: row count, null "
        f"rates, numeric means and deviations (z-score beyond {bounds.max_z}), shares of low-cardinality values "
        f"(changed by more than {bounds.max_share_change:.0%} and beyond the z bound); no verdict before "
        f"{bounds.min_baseline_days} baseline days. Warns, never blocks. Bounds: ${ENV_PREFIX}<BOUND>."
    )

    @multi_asset_check(
        name=f"{layer}_drift",
        specs=[
            AssetCheckSpec(
                DRIFT_CHECK, asset=key, blocking=False, description=description.replace("<table>", key.path[1])
            )
            for key in keys
        ],
        can_subset=True,
        compute_kind="spark",
        description=description,
    )
    def drift(
        context: AssetCheckExecutionContext, spark: SparkResource, warehouse: Warehouse
    ) -> Iterator[AssetCheckResult]:
        selected: list[AssetCheckKey] = sorted(context.selected_asset_check_keys, key=lambda k: k.asset_key.path)
        for check_key in selected:
            key = check_key.asset_key
            days = checked_days(context, key)
            table, uri = f"{layer}.{key.path[1]}", warehouse.table_uri(layer, key.path[1])
            logged = rows_by_day(uri, warehouse.storage_options)
            results = judge({day: DayStatistics.of_rows(rows) for day, rows in logged.items()}, days, bounds)
            if any(result.has_verdict for result in results):
                window = DayRange(days.start - timedelta(days=bounds.baseline_days), days.end)
                df = read_table(spark.spark_session, uri, days=window)
                results = judge(daily_statistics(df, table_profile(df.schema, keys[key], table)), days, bounds)
            yield AssetCheckResult(
                asset_key=key,
                check_name=DRIFT_CHECK,
                passed=not any(result.drifted for result in results),
                severity=AssetCheckSeverity.WARN,
                metadata=drift_metadata(results, bounds),
                description=_summary(table, results, bounds),
            )

    return drift
