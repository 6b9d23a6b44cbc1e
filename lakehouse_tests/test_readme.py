"""The README's examples work as written."""

import re
from datetime import date
from pathlib import Path

import pytest
from dagster import DagsterInstance
from deltalake import DeltaTable as DeltaRsTable

from lakehouse.delta import read_table
from lakehouse_tests.harness import LakehouseUnderTest

pytestmark = pytest.mark.slow

README = Path(__file__).resolve().parents[1] / "README.md"
DAY = date(2024, 2, 1)


def _python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.DOTALL)


def test_the_time_travel_example_reads_the_table_as_it_was_before_the_last_run(tmp_path, spark):
    (example,) = _python_blocks()
    with DagsterInstance.ephemeral() as instance:
        lakehouse = LakehouseUnderTest(root=tmp_path / ".lakehouse", instance=instance)
        assert lakehouse.materialize(DAY).success
        assert lakehouse.materialize(DAY).success
    # The example names the embedded default's path relative to where it runs; Spark resolves a relative path
    # against its JVM's start directory, which this test process cannot move, so the path is made absolute.
    assert '".lakehouse/gold/daily_sales"' in example
    example = example.replace('".lakehouse/', f'"{tmp_path}/.lakehouse/')

    namespace: dict[str, object] = {}
    exec(compile(example, "README.md", "exec"), namespace)  # the README's own example

    uri = lakehouse.table_uri("gold", "daily_sales")
    latest = read_table(spark, uri)
    commits = namespace["commits"]
    assert [c["operation"] for c in commits] == ["WRITE", "WRITE"]  # type: ignore[index]
    # Both runs wrote the same numbers (the generator is deterministic) into new files: the files tell versions apart.
    first_files = {Path(file.removeprefix("file://")).as_posix() for file in DeltaRsTable(uri, version=0).file_uris()}
    for name in ("before_last_run", "as_first_written"):
        frame = namespace[name]
        assert {p.removeprefix("file:") for p in frame.inputFiles()} == first_files, name  # type: ignore[attr-defined]
        assert sorted(frame.collect()) == sorted(latest.collect()), name  # type: ignore[attr-defined]
    assert set(latest.inputFiles()).isdisjoint(namespace["before_last_run"].inputFiles())  # type: ignore[attr-defined]
