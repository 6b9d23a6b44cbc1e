"""The landing-zone reader: raw files as one row per line, split by Spark in the JVM (no Python per row).

Spark's CSV and JSON readers lose the text of a bad record, so this reader hands bronze the verbatim lines, with
their file and line number, and bronze parses them (``lakehouse.bronze.parsing``).

Rules (docs/design.md, "Reading raw files" and "Records"):
- files are ``<root>/raw/<source>/dt=YYYY-MM-DD/<name>``, listed through Hadoop's FileSystem API, so ``s3://``
  goes through S3A like every other Spark read; only files directly inside a day folder are read, and names
  starting with ``_`` or ``.`` are not data (temporary or marker files);
- lines end at ``\\n``; a trailing ``\\r`` is dropped (CRLF files);
- a blank line (empty or only ASCII whitespace) is not a record;
- a UTF-8 byte-order mark at the start of a file is dropped;
- line 1 of a CSV file is its header: never a record, carried in ``header`` on every record of the file;
- a line that is not valid UTF-8 is flagged ``invalid_utf8``, and its text has U+FFFD in place of each invalid
  byte sequence.

How: Spark's ``binaryFile`` source reads each file whole (one row per file). Its bytes are decoded as ISO-8859-1,
one character per byte, so that splitting at ``\\n`` and encoding back gives each line's exact bytes; only then is
a line checked and decoded as UTF-8 (Spark's ``split`` would decode the whole file first and hide invalid bytes).
"""

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import BooleanType, DateType, LongType, StringType, StructField, StructType

from lakehouse.conform import conform_to_schema
from lakehouse.partitions import DayRange
from lakehouse.raw.formats import CSV_SOURCES, NOT_DATA_PREFIXES, SOURCES

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

_BYTE_PER_CHAR = "ISO-8859-1"
_UTF8_BOM = "\u00ef\u00bb\u00bf"
"""The UTF-8 byte-order mark's three bytes, as ISO-8859-1 decodes them."""
# Anchored with \z, not $: Java's $ also matches before a final line terminator, and ISO-8859-1 decodes byte
# 0x85 to U+0085, which Java counts as one.
_BLANK = r"^[ \t\n\r\x0B\f]*\z"
"""Only the ASCII whitespace that Python's ``bytes.strip`` removes."""
_TRAILING_CR = r"\r\z"
_GLOB_CHARACTERS = "\\{}[]*?"
"""Characters that make Spark expand a path as a Hadoop glob."""


def read_landing_lines(spark: SparkSession, root_uri: str, source: str, days: DayRange) -> DataFrame:
    """The raw lines of ``source`` landed on ``days``, one row per record (``LINES_SCHEMA``)."""
    if source not in SOURCES:
        raise ValueError(f"unknown source {source!r}, expected one of {SOURCES}")
    paths = _landed_files(spark, root_uri, source, days)
    if not paths:
        return spark.createDataFrame([], LINES_SCHEMA)
    files = spark.read.format("binaryFile").load([_literal_path(path) for path in paths])
    return conform_to_schema(
        _records(files, f"{root_uri.rstrip('/')}/raw/{source}", source in CSV_SOURCES), LINES_SCHEMA, "landing lines"
    )


def _landed_files(spark: SparkSession, root_uri: str, source: str, days: DayRange) -> list[str]:
    """Hadoop paths of the data files of ``source`` landed on ``days``, in day then name order.

    Lists ``raw/<source>/`` once and then only the day folders inside the range, so other days are never opened.
    """
    source_dir = spark._jvm.org.apache.hadoop.fs.Path(f"{root_uri.rstrip('/')}/raw/{source}")
    # The session's Hadoop configuration, as Spark's own readers use it (it includes the session's S3A settings).
    fs = source_dir.getFileSystem(spark._jsparkSession.sessionState().newHadoopConf())
    if not fs.exists(source_dir):
        return []
    wanted = {f"dt={day.isoformat()}" for day in days.days()}
    day_dirs = [
        status.getPath()
        for status in fs.listStatus(source_dir)
        if status.isDirectory() and status.getPath().getName() in wanted
    ]
    files = []
    for day_dir in sorted(day_dirs, key=lambda path: path.getName()):
        statuses = [status for status in fs.listStatus(day_dir) if status.isFile()]
        names = sorted((status.getPath().getName(), status.getPath().toString()) for status in statuses)
        files += [path for name, path in names if not name.startswith(NOT_DATA_PREFIXES)]
    return files


def _literal_path(path: str) -> str:
    """``path`` escaped so that Spark reads that one file even if its name holds glob characters."""
    return "".join(f"\\{char}" if char in _GLOB_CHARACTERS else char for char in path)


def _records(files: DataFrame, source_dir_uri: str, is_csv: bool) -> DataFrame:
    """The records of ``binaryFile`` rows, all of whose paths end in ``dt=YYYY-MM-DD/<name>``."""
    text = F.regexp_replace(F.decode("content", _BYTE_PER_CHAR), f"^{_UTF8_BOM}", "")
    split = files.select(
        # The root URI as the caller spelled it, not Hadoop's qualified form (file:/ instead of file:///).
        F.concat(F.lit(f"{source_dir_uri}/"), F.regexp_extract("path", r"([^/]+/[^/]+)$", 1)).alias("_source_file"),
        F.to_date(F.regexp_extract("path", r"/dt=([^/]+)/[^/]+$", 1)).alias("dt"),
        F.split(text, "\n", -1).alias("raw_lines"),
    )
    header = _utf8_text(F.element_at("raw_lines", 1))[0] if is_csv else F.lit(None).cast(StringType())
    exploded = split.select(
        "_source_file", "dt", header.alias("header"), F.posexplode("raw_lines").alias("index", "raw")
    )
    records = exploded.where(~F.col("raw").rlike(_BLANK))
    if is_csv:
        records = records.where(F.col("index") > 0)
    line, invalid = _utf8_text(F.col("raw"))
    return records.select(
        "_source_file",
        (F.col("index") + 1).cast(LongType()).alias("_line_number"),
        line.alias("line"),
        "header",
        "dt",
        invalid.alias("invalid_utf8"),
    )


def _utf8_text(raw_line: Column) -> tuple[Column, Column]:
    """(text, is not valid UTF-8) of a line decoded byte per character, without its trailing ``\\r``."""
    utf8 = F.encode(F.regexp_replace(raw_line, _TRAILING_CR, ""), _BYTE_PER_CHAR).cast(StringType())
    return F.make_valid_utf8(utf8), ~F.is_valid_utf8(utf8)
