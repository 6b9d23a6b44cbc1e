"""Gold hourly web error rate: requests, server and client errors per UTC hour, hand-computed."""

from datetime import datetime

from pyspark.sql import SparkSession

from lakehouse.gold.schemas import WebErrorRateHourly
from lakehouse.gold.transforms import web_error_rate_hourly
from lakehouse.silver.schemas import SilverWebLogs
from lakehouse_tests.gold.builders import silver_web_log
from lakehouse_tests.silver.builders import DAY, NEXT_DAY, frame, utc

WEB_LOGS = [
    silver_web_log(utc(DAY, 9, 0), 200),
    silver_web_log(utc(DAY, 9, 10), 404),
    silver_web_log(utc(DAY, 9, 20), 500),
    silver_web_log(utc(DAY, 9, 59), 503),
    silver_web_log(utc(DAY, 10, 5), 200),
    silver_web_log(utc(DAY, 10, 6), 302),
    silver_web_log(utc(NEXT_DAY, 0, 1), 400, dt=NEXT_DAY),
    silver_web_log(utc(NEXT_DAY, 0, 2), 499, dt=NEXT_DAY),
]


def test_requests_and_errors_are_counted_per_hour(spark: SparkSession) -> None:
    rates = web_error_rate_hourly(frame(spark, SilverWebLogs, WEB_LOGS))
    assert sorted(tuple(row) for row in rates.collect()) == [
        (DAY, datetime(2024, 1, 15, 9), 4, 2, 1, 0.5),
        (DAY, datetime(2024, 1, 15, 10), 2, 0, 0, 0.0),
        (NEXT_DAY, datetime(2024, 1, 16, 0), 2, 0, 2, 0.0),
    ]


def test_output_has_the_exact_schema_of_the_model(spark: SparkSession) -> None:
    assert web_error_rate_hourly(frame(spark, SilverWebLogs, WEB_LOGS)).schema == WebErrorRateHourly.to_structtype()
