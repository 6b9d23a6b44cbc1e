"""Silver web logs: hour, server-error flag and parsed user agent (docs/design.md, Silver web logs)."""

from datetime import datetime

from pyspark.sql import SparkSession

from lakehouse.bronze.schemas import BronzeWebLogs
from lakehouse.silver.schemas import SilverWebLogs
from lakehouse.silver.transforms import clean_web_logs
from lakehouse_tests.silver.builders import DAY, bronze_web_log, frame, utc
from lakehouse_tests.silver.test_user_agent import CHROME_WINDOWS, SAFARI_IPHONE


def test_each_request_gets_its_hour_error_flag_and_parsed_user_agent(spark: SparkSession) -> None:
    bronze = frame(
        spark,
        BronzeWebLogs,
        [
            bronze_web_log(utc(DAY, 9, 59, 59, 999_000), status=200, user_agent=CHROME_WINDOWS, line=1),
            bronze_web_log(utc(DAY, 10, 0, 0), status=404, user_agent=SAFARI_IPHONE, line=2),
            bronze_web_log(utc(DAY, 10, 30), status=500, user_agent="curl/8.4.0", line=3),
            bronze_web_log(utc(DAY, 23, 1), status=503, user_agent=None, line=4),
        ],
    )
    web_logs = clean_web_logs(bronze)
    rows = [
        (row["event_hour"], row["status"], row["is_error"], row["browser"], row["os"], row["device"])
        for row in web_logs.orderBy("ts").collect()
    ]
    assert rows == [
        (datetime(2024, 1, 15, 9), 200, False, "chrome", "windows", "desktop"),
        (datetime(2024, 1, 15, 10), 404, False, "safari", "ios", "mobile"),
        (datetime(2024, 1, 15, 10), 500, True, "curl", "other", "bot"),
        (datetime(2024, 1, 15, 23), 503, True, "other", "other", "other"),
    ]
    assert web_logs.schema == SilverWebLogs.to_structtype()
