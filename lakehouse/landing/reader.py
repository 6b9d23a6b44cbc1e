"""The landing-zone reader: a Spark Python data source that yields raw files one line per row.

Spark cannot reach ``s3://`` here (no hadoop-aws) and its CSV/JSON readers lose the text of a bad record, so this
reader goes through pyarrow filesystems and hands bronze the verbatim lines, with their file and line number.

Rules (docs/design.md, "Reading raw files" and "Records"):
- files are ``<root>/raw/<source>/dt=YYYY-MM-DD/*``; names starting with ``_`` or ``.`` are not data (temporary
  or marker files);
- lines end at ``\\n``; a trailing ``\\r`` is dropped (CRLF files);
- a blank line (empty or only ASCII whitespace) is not a record;
- a UTF-8 byte-order mark at the start of a file is dropped;
- line 1 of a CSV file is its header: never a record, carried in ``header`` on every record of the file;
- a line that is not valid UTF-8 is decoded with backslash escapes and flagged ``invalid_utf8``.
"""

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import pyarrow as pa
import pyarrow.fs as pafs
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql.datasource import DataSource, DataSourceReader, InputPartition
from pyspark.sql.pandas.types import to_arrow_schema
from pyspark.sql.types import BooleanType, DateType, LongType, StringType, StructField, StructType

from lakehouse.raw.formats import CSV_SOURCES, SOURCES
from lakehouse.storage import filesystem_for, join_uri

LINES_SCHEMA = StructType(
    [
        StructField("_source_file", StringType()),
        StructField("_line_number", LongType()),
        StructField("line", StringType()),
        StructField("header", StringType()),
        StructField("dt", DateType()),
        StructField("invalid_utf8", BooleanType()),
    ]
)
"""One row per record. ``header`` is the file's header line (CSV sources) or null (JSON lines)."""

# Option names. The storage options carry credentials: Spark redacts option values whose key contains "secret"
# when it prints plans and logs.
ROOT_OPTION = "root"
SOURCE_OPTION = "source"
DT_START_OPTION = "dt_start"
DT_END_OPTION = "dt_end"
STORAGE_OPTIONS_OPTION = "storage_options_secret"

_BATCH_ROWS = 10_000
_UTF8_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class LandingFile(InputPartition):
    """One landed file: the unit of work of a read task."""

    uri: str
    """As recorded in ``_source_file``: the storage root URI joined with the file's relative path."""
    path: str
    """Path inside the filesystem."""
    dt: date
    is_csv: bool


class LandingLinesDataSource(DataSource):
    """``spark.read.format("lakehouse_landing")``: options root, source, dt_start, dt_end ([start, end) days) and
    storage_options_secret (JSON object of delta-rs style storage options)."""

    @classmethod
    def name(cls) -> str:
        return "lakehouse_landing"

    def schema(self) -> StructType:
        return LINES_SCHEMA

    def reader(self, schema: StructType) -> "LandingLinesReader":
        return LandingLinesReader(self.options, schema)


class LandingLinesReader(DataSourceReader):
    def __init__(self, options: Mapping[str, str], schema: StructType) -> None:
        missing = [key for key in (ROOT_OPTION, SOURCE_OPTION, DT_START_OPTION, DT_END_OPTION) if not options.get(key)]
        if missing:
            raise ValueError(f"lakehouse_landing: missing option(s) {', '.join(missing)}")
        self.root = options[ROOT_OPTION]
        self.source = options[SOURCE_OPTION]
        if self.source not in SOURCES:
            raise ValueError(f"lakehouse_landing: unknown source {self.source!r}, expected one of {SOURCES}")
        self.dt_start = date.fromisoformat(options[DT_START_OPTION])
        self.dt_end = date.fromisoformat(options[DT_END_OPTION])
        self.storage_options: dict[str, str] = json.loads(options.get(STORAGE_OPTIONS_OPTION) or "{}")
        self.arrow_schema = to_arrow_schema(schema, timezone="UTC")

    def partitions(self) -> Sequence[InputPartition]:
        return list_landing_files(self.root, self.source, self.dt_start, self.dt_end, self.storage_options)

    def read(self, partition: InputPartition) -> Iterator[pa.RecordBatch]:
        if not isinstance(partition, LandingFile):
            return  # no files in range: Spark still plans one empty InputPartition(None)
        fs, _ = filesystem_for(self.root, self.storage_options)
        # A landed file is one source's day (a few MB): reading it whole is simpler and faster than streaming.
        with fs.open_input_stream(partition.path) as stream:
            content = stream.read()
        rows = iter_lines(content, partition.is_csv)
        while True:
            chunk = [row for _, row in zip(range(_BATCH_ROWS), rows, strict=False)]
            if not chunk:
                return
            numbers, lines, headers, invalid = zip(*chunk, strict=True)
            yield pa.RecordBatch.from_arrays(
                [
                    pa.array([partition.uri] * len(chunk), pa.string()),
                    pa.array(numbers, pa.int64()),
                    pa.array(lines, pa.string()),
                    pa.array(headers, pa.string()),
                    pa.array([partition.dt] * len(chunk), pa.date32()),
                    pa.array(invalid, pa.bool_()),
                ],
                schema=self.arrow_schema,
            )


def list_landing_files(
    root_uri: str, source: str, dt_start: date, dt_end: date, storage_options: Mapping[str, str] | None = None
) -> list[LandingFile]:
    """The files of ``source`` landed on days in ``[dt_start, dt_end)``, in day then name order.

    Lists ``raw/<source>/`` once and then only the day folders inside the range, so other days are never opened.
    """
    fs, root_path = filesystem_for(root_uri, storage_options)
    source_dir = join_uri(root_path, "raw", source)
    days = [dt_start + timedelta(days=n) for n in range((dt_end - dt_start).days)]
    wanted = {f"dt={day.isoformat()}": day for day in days}
    day_dirs = [
        info
        for info in fs.get_file_info(pafs.FileSelector(source_dir, allow_not_found=True))
        if info.type == pafs.FileType.Directory and info.base_name in wanted
    ]
    files = []
    for day_dir in sorted(day_dirs, key=lambda info: info.base_name):
        day = wanted[day_dir.base_name]
        for info in sorted(fs.get_file_info(pafs.FileSelector(day_dir.path)), key=lambda info: info.base_name):
            if info.type != pafs.FileType.File or info.base_name.startswith(("_", ".")):
                continue
            uri = join_uri(root_uri, "raw", source, day_dir.base_name, info.base_name)
            files.append(LandingFile(uri=uri, path=info.path, dt=day, is_csv=source in CSV_SOURCES))
    return files


def iter_lines(content: bytes, is_csv: bool) -> Iterator[tuple[int, str, str | None, bool]]:
    """(line number, text, header, invalid_utf8) for each record of a file's content."""
    content = content.removeprefix(_UTF8_BOM)
    raw_lines = content.split(b"\n")
    header = None
    if is_csv:
        header, _ = _decode(raw_lines[0].removesuffix(b"\r"))
    for number, raw in enumerate(raw_lines[1:] if is_csv else raw_lines, start=2 if is_csv else 1):
        if not raw.strip():
            continue
        text, invalid = _decode(raw.removesuffix(b"\r"))
        yield number, text, header, invalid


def _decode(raw: bytes) -> tuple[str, bool]:
    try:
        return raw.decode("utf-8"), False
    except UnicodeDecodeError:
        return raw.decode("utf-8", errors="backslashreplace"), True


def read_landing_lines(
    spark: SparkSession,
    root_uri: str,
    source: str,
    dt_range: tuple[date, date],
    storage_options: Mapping[str, str] | None = None,
) -> DataFrame:
    """The raw lines of ``source`` landed on days in ``[start, end)``, one row per record (``LINES_SCHEMA``)."""
    start, end = dt_range
    return (
        spark.read.format(LandingLinesDataSource.name())
        .option(ROOT_OPTION, root_uri)
        .option(SOURCE_OPTION, source)
        .option(DT_START_OPTION, start.isoformat())
        .option(DT_END_OPTION, end.isoformat())
        .option(STORAGE_OPTIONS_OPTION, json.dumps(dict(storage_options or {})))
        .load()
    )
