from pathlib import Path

import pytest


@pytest.fixture
def table_uri(tmp_path: Path) -> str:
    """A fresh, not yet existing Delta table location per test."""
    return str(tmp_path / "orders")
