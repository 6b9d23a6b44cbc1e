"""The landing zone: raw files under ``raw/<source>/dt=YYYY-MM-DD/``, read one line per row."""

from lakehouse.landing.reader import read_landing_lines

__all__ = ["read_landing_lines"]
