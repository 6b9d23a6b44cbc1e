"""What the warehouse holds: one line per Delta table (layer, partitions, rows, version). No Dagster here."""

from collections.abc import Mapping
from dataclasses import dataclass

import pyarrow.fs as pafs

from lakehouse.delta import table_snapshot
from lakehouse.storage import filesystem_for, join_uri

LAYERS = ("bronze", "silver", "gold")


@dataclass(frozen=True)
class TableSummary:
    layer: str
    table: str
    partitions: list[str]
    rows: int
    version: int

    @property
    def partition_span(self) -> str:
        if not self.partitions:
            return "(empty)"
        return f"{self.partitions[0]}..{self.partitions[-1]} ({len(self.partitions)} days)"


def summarize_warehouse(root_uri: str, storage_options: Mapping[str, str] | None = None) -> list[TableSummary]:
    fs, root_path = filesystem_for(root_uri, storage_options)
    summaries = []
    for layer in LAYERS:
        listing = fs.get_file_info(pafs.FileSelector(f"{root_path}/{layer}", allow_not_found=True))
        for table_dir in sorted(
            (info for info in listing if info.type == pafs.FileType.Directory), key=lambda info: info.base_name
        ):
            if fs.get_file_info(f"{table_dir.path}/_delta_log").type != pafs.FileType.Directory:
                continue
            snapshot = table_snapshot(join_uri(root_uri, layer, table_dir.base_name), storage_options)
            summaries.append(
                TableSummary(layer, table_dir.base_name, snapshot.partitions, snapshot.rows, snapshot.version)
            )
    return summaries


def format_summary(summaries: list[TableSummary]) -> str:
    header = ("layer", "table", "partitions", "rows", "delta version")
    rows = [(s.layer, s.table, s.partition_span, f"{s.rows:,}", str(s.version)) for s in summaries]
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=True)]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in [header, *rows]
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)
