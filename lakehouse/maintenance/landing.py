"""Retention of the landing zone: whole day folders ``raw/<source>/dt=YYYY-MM-DD/`` older than the cutoff go.

Local disk and S3 alike, through the warehouse's pyarrow filesystem. A day folder is removed whole (marker files
included), so a day is either fully landed or gone, never half there.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import pyarrow.fs as pafs

from lakehouse.landing.inventory import LANDING_PREFIX, day_of_folder
from lakehouse.raw.formats import SOURCES
from lakehouse.resources.warehouse import Warehouse
from lakehouse.storage import join_uri


@dataclass(frozen=True)
class LandingDay:
    source: str
    day: date
    path: str  # inside the warehouse's filesystem
    files: int
    bytes: int


def landing_days_before(warehouse: Warehouse, cutoff: date) -> Iterator[LandingDay]:
    """Every landed day folder of every source whose day is before ``cutoff``, with its size."""
    fs, root = warehouse.filesystem()
    for source in SOURCES:
        folders = fs.get_file_info(pafs.FileSelector(join_uri(root, LANDING_PREFIX, source), allow_not_found=True))
        for folder in sorted(folders, key=lambda info: info.path):
            day = day_of_folder(folder.base_name)
            if folder.type != pafs.FileType.Directory or day is None or day >= cutoff:
                continue
            files = [
                info
                for info in fs.get_file_info(pafs.FileSelector(folder.path, recursive=True))
                if info.type == pafs.FileType.File
            ]
            yield LandingDay(source, day, folder.path, len(files), sum(info.size for info in files))


def delete_landing_day(warehouse: Warehouse, landing_day: LandingDay) -> None:
    fs, _ = warehouse.filesystem()
    fs.delete_dir(landing_day.path)
