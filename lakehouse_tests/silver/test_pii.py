"""The keyed hash of PII: HMAC-SHA256, with the key outside the plan (lakehouse.silver.pii).

That no plan, UI page or event log shows the key is tested on a live application in
lakehouse_tests/test_spark_exposure.py.
"""

from pyspark import cloudpickle
from pyspark.sql import SparkSession
from pyspark.sql import types as T

from lakehouse.silver.pii import keyed_hash

# RFC 4231, test case 2: a published HMAC-SHA-256 vector, independent of any implementation here.
RFC_4231_KEY = "Jefe"
RFC_4231_DATA = "what do ya want for nothing?"
RFC_4231_HMAC_SHA256 = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"


def test_the_hash_is_hmac_sha256_under_the_key(spark: SparkSession) -> None:
    frame = spark.createDataFrame([(RFC_4231_DATA,)], "value string")
    [row] = frame.select(keyed_hash(spark, RFC_4231_KEY)("value").alias("hash")).collect()
    assert row["hash"] == RFC_4231_HMAC_SHA256


def test_null_and_empty_values_hash_to_null(spark: SparkSession) -> None:
    frame = spark.createDataFrame([(None,), ("",)], T.StructType([T.StructField("value", T.StringType())]))
    hashes = [row["hash"] for row in frame.select(keyed_hash(spark, "key")("value").alias("hash")).collect()]
    assert hashes == [None, None]


def test_the_key_is_not_in_the_function_the_plan_carries(spark: SparkSession) -> None:
    # The plan's UDF expression carries the pickled function (as PySpark pickles it, with cloudpickle): a key
    # captured in its closure would be in the plan, unprinted. Only the broadcast's id may be there.
    key = "key-that-must-stay-out-of-the-plan"
    pickled = cloudpickle.dumps(keyed_hash(spark, key).func)
    assert key.encode() not in pickled
