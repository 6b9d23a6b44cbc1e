"""The landing zone: raw files under ``raw/<source>/dt=YYYY-MM-DD/``, read one line per row."""

from lakehouse.landing.reader import LandingLinesDataSource, read_landing_lines

__all__ = ["LandingLinesDataSource", "read_landing_lines"]
