"""Raw files written into a landing zone the way the generator lands them: ``raw/<source>/dt=YYYY-MM-DD/<name>``."""

from datetime import date
from pathlib import Path


def land(root: Path, source: str, day: date, name: str, content: bytes) -> Path:
    path = root / "raw" / source / f"dt={day.isoformat()}" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path
