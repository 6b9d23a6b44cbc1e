"""Fault injection: the S3 server goes away for about 30 s in the middle of a run, frozen (SIGSTOP, then SIGCONT)
or stopped and restarted on the same port. The run completes, and every table is whole and holds each row once."""

import os
import signal
import threading
import time
from datetime import date

import pyarrow.compute as pc
import pyarrow.fs as pafs
import pytest
from dagster import DagsterInstance
from deltalake import DeltaTable

from lakehouse.storage import filesystem_for, join_uri
from lakehouse_tests.s3.conftest import S3Server
from lakehouse_tests.s3.test_lakehouse_on_s3 import S3LakehouseUnderTest
from lakehouse_tests.test_definitions import MEDALLION_TABLES

pytestmark = pytest.mark.slow

DAY = date(2024, 4, 2)
OUTAGE_S = 30
# The moment to strike: bronze has committed, silver and gold are still to come.
TRIGGER = ("bronze", "orders", "_delta_log", "00000000000000000000.json")
GOLD_LOG = ("gold", "daily_sales", "_delta_log")


class Outage(threading.Thread):
    """Waits for TRIGGER under the root, then takes the server away for OUTAGE_S seconds."""

    def __init__(self, server: S3Server, root: str, kind: str):
        super().__init__(daemon=True)
        self.server, self.root, self.kind = server, root, kind
        self.fs, self.root_path = filesystem_for(root, server.storage_options)
        self.struck = threading.Event()
        self.gold_existed_when_struck: bool | None = None
        self.error: BaseException | None = None

    def _exists(self, *parts: str) -> bool:
        return self.fs.get_file_info(join_uri(self.root_path, *parts)).type != pafs.FileType.NotFound

    def run(self) -> None:
        try:
            deadline = time.monotonic() + 900
            while not self._exists(*TRIGGER):
                if time.monotonic() > deadline:
                    raise TimeoutError("bronze never committed")
                time.sleep(0.5)
            self.gold_existed_when_struck = self._exists(*GOLD_LOG)
            self.struck.set()
            if self.kind == "frozen":
                os.killpg(self.server.process.pid, signal.SIGSTOP)
                time.sleep(OUTAGE_S)
                os.killpg(self.server.process.pid, signal.SIGCONT)
            else:
                self.server.stop()
                time.sleep(OUTAGE_S)
                self.server.start()  # same data directory, same ports
        except BaseException as error:
            self.error = error


@pytest.mark.parametrize("kind", ["frozen", "restarted"])
def test_a_30_s_outage_mid_run_delays_the_run_and_leaves_every_table_whole(kind, s3_server, s3_root, spark):
    with DagsterInstance.ephemeral() as instance:
        lakehouse = S3LakehouseUnderTest(root=s3_root, instance=instance, server=s3_server)
        outage = Outage(s3_server, s3_root, kind)
        outage.start()

        result = lakehouse.materialize(DAY)

        outage.join(timeout=OUTAGE_S + 120)
    assert outage.error is None, outage.error
    assert outage.struck.is_set() and outage.gold_existed_when_struck is False, "the outage did not hit mid-run"
    assert result.success

    options = s3_server.storage_options
    tables = {}
    for layer, names in MEDALLION_TABLES.items():
        for name in names:
            table = DeltaTable(join_uri(s3_root, layer, name), storage_options=options)
            assert [p["dt"] for p in table.partitions()] == [DAY.isoformat()], f"{layer}/{name}"
            tables[f"{layer}/{name}"] = table.to_pyarrow_table()  # every file of the snapshot reads back
    orders = tables["silver/orders"]
    assert orders.num_rows > 0
    assert pc.count_distinct(orders["order_id"]).as_py() == orders.num_rows, "an order landed twice"
    # Each layer holds the whole day once: bronze + quarantine is every raw record, gold adds up to silver.
    raw_orders = next(
        event.event_specific_data.materialization.metadata["records"].value
        for event in result.get_asset_materialization_events()
        if event.asset_key.path == ["raw", "orders"]
    )
    assert tables["bronze/orders"].num_rows + tables["bronze/orders_quarantine"].num_rows == raw_orders
    daily_sales = tables["gold/daily_sales"]
    assert pc.sum(daily_sales["revenue"]).as_py() == pc.sum(orders["revenue"]).as_py()
    assert pc.sum(daily_sales["orders"]).as_py() == orders.num_rows
