"""An independent reference for the gold tables: DuckDB SQL straight over the raw landing files.

It re-implements the contract of docs/design.md (Records, Bronze, Silver, Gold) without importing the lakehouse's
parsers or transforms, and with different tools (DuckDB's CSV reader and JSON functions, window frames instead of
joins), so the Spark pipeline and this reference can only agree if both follow the contract.

Reading: every file under ``raw/<source>/dt=YYYY-MM-DD/`` is read on its own, so ``dt`` is the landing day. CSV files
are read all-varchar with their header (fields mapped by name; a record with the wrong number of fields, or bytes
that are not UTF-8, is dropped by the reader); JSON files are read line by line as text and each line must be a
JSON object. Values are then typed with regular expressions and TRY_CAST.
DuckDB does not report file line numbers, so "the later line wins" uses the row's ordinal among the file's readable
records, which has the same order.
"""

import hashlib
import hmac
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Final

import duckdb

CSV_REQUIRED_COLUMNS: Final = {
    "orders": ("order_id", "customer_id", "product_id", "quantity", "unit_price", "order_ts", "updated_at"),
    "products": ("product_id",),
}
"""Header columns without which every record of a CSV file is quarantined (the non-nullable bronze fields)."""

_RAW_TABLES: Final = """
CREATE TABLE raw_orders (
    dt DATE, source_file VARCHAR, line BIGINT, order_id VARCHAR, customer_id VARCHAR, product_id VARCHAR,
    quantity VARCHAR, unit_price VARCHAR, channel VARCHAR, order_ts VARCHAR, updated_at VARCHAR);
CREATE TABLE raw_products (
    dt DATE, source_file VARCHAR, line BIGINT, product_id VARCHAR, product_name VARCHAR, category VARCHAR,
    list_price VARCHAR);
CREATE TABLE raw_json_lines (source VARCHAR, dt DATE, source_file VARCHAR, line BIGINT, record JSON);
"""

_LOAD_CSV: Final = {
    # Columns are picked by header name; a nullable column missing from the header is left null by BY NAME.
    "orders": """
        INSERT INTO raw_orders BY NAME
        SELECT $dt AS dt, $file AS source_file, ordinality AS line,
               COLUMNS(c -> c IN ('order_id', 'customer_id', 'product_id', 'quantity', 'unit_price', 'channel',
                                  'order_ts', 'updated_at'))
        FROM read_csv($file, header = true, all_varchar = true, delim = ',', quote = '"', escape = '"',
                      ignore_errors = true, hive_partitioning = false) WITH ORDINALITY""",
    "products": """
        INSERT INTO raw_products BY NAME
        SELECT $dt AS dt, $file AS source_file, ordinality AS line,
               COLUMNS(c -> c IN ('product_id', 'product_name', 'category', 'list_price'))
        FROM read_csv($file, header = true, all_varchar = true, delim = ',', quote = '"', escape = '"',
                      ignore_errors = true, hive_partitioning = false) WITH ORDINALITY""",
}

# One line, one record: a line is read as text (a JSON line holds no raw control character, so \x01 never splits
# one) and must be a JSON object; anything else, or bytes that are not UTF-8, is not a record of bronze.
_LOAD_JSON_LINES: Final = """
    INSERT INTO raw_json_lines
    SELECT $source, $dt, $file, ordinality,
           CASE WHEN json_valid(text) THEN CASE WHEN json_type(text) = 'OBJECT' THEN CAST(text AS JSON) END END
    FROM read_csv($file, columns = {'text': 'VARCHAR'}, header = false, delim = '\x01', quote = '', escape = '',
                  auto_detect = false, ignore_errors = true, hive_partitioning = false) WITH ORDINALITY"""

JSON_SOURCES: Final = ("customers", "web_logs")

_CSV_HEADER: Final = """
    SELECT * FROM read_csv($file, header = true, all_varchar = true, delim = ',', quote = '"', escape = '"',
                      ignore_errors = true, hive_partitioning = false) LIMIT 0"""

# Bronze: type every field; a record with a required field missing or empty, or any value that does not parse as
# its type, is quarantined (here: dropped). Integers are 32-bit, money is DECIMAL(12,2) exactly, timestamps without
# an offset are UTC (the session time zone), dates are YYYY-MM-DD.
_BRONZE: Final = r"""
CREATE MACRO as_int(v) AS CASE WHEN regexp_full_match(v, '[+-]?[0-9]+') THEN TRY_CAST(v AS INTEGER) END;
CREATE MACRO as_money(v) AS
    CASE WHEN regexp_full_match(v, '[+-]?[0-9]+(\.[0-9]{1,2})?') THEN TRY_CAST(v AS DECIMAL(12, 2)) END;
CREATE MACRO as_date(v) AS CASE WHEN regexp_full_match(v, '[0-9]{4}-[0-9]{2}-[0-9]{2}') THEN TRY_CAST(v AS DATE) END;
CREATE MACRO present(v) AS NULLIF(v, '');

CREATE TABLE bronze_orders AS
SELECT * FROM (
    SELECT dt, source_file, line, present(order_id) AS order_id, present(customer_id) AS customer_id,
           present(product_id) AS product_id, as_int(quantity) AS quantity, as_money(unit_price) AS unit_price,
           channel, TRY_CAST(order_ts AS TIMESTAMPTZ) AS order_ts, TRY_CAST(updated_at AS TIMESTAMPTZ) AS updated_at
    FROM raw_orders)
WHERE order_id IS NOT NULL AND customer_id IS NOT NULL AND product_id IS NOT NULL AND quantity IS NOT NULL
  AND unit_price IS NOT NULL AND order_ts IS NOT NULL AND updated_at IS NOT NULL;

CREATE TABLE bronze_products AS
SELECT dt, source_file, line, product_id, product_name, category, as_money(list_price) AS list_price
FROM (SELECT * REPLACE (present(product_id) AS product_id) FROM raw_products)
WHERE product_id IS NOT NULL AND (list_price IS NULL OR list_price = '' OR as_money(list_price) IS NOT NULL);

CREATE TABLE bronze_customers AS
SELECT * FROM (
    SELECT dt, source_file, line, present(record ->> '$.customer_id') AS customer_id,
           record ->> '$.contact.email' AS email, record ->> '$.contact.phone' AS phone,
           record ->> '$.address.city' AS city, record ->> '$.address.country' AS country,
           record ->> '$.signup_date' AS signup_date_text, as_date(record ->> '$.signup_date') AS signup_date,
           TRY_CAST(record ->> '$.updated_at' AS TIMESTAMPTZ) AS updated_at
    FROM raw_json_lines
    WHERE source = 'customers')
WHERE customer_id IS NOT NULL AND updated_at IS NOT NULL
  AND (signup_date_text IS NULL OR signup_date_text = '' OR signup_date IS NOT NULL);

CREATE TABLE bronze_web_logs AS
SELECT * FROM (
    SELECT dt, source_file, line, TRY_CAST(record ->> '$.ts' AS TIMESTAMPTZ) AS ts,
           as_int(record ->> '$.status') AS status, record ->> '$.latency_ms' AS latency_ms_text,
           as_int(record ->> '$.latency_ms') AS latency_ms
    FROM raw_json_lines
    WHERE source = 'web_logs')
WHERE ts IS NOT NULL AND status BETWEEN 100 AND 599
  AND (latency_ms_text IS NULL OR latency_ms_text = '' OR latency_ms IS NOT NULL);
"""

# Silver: per landing day. Versions: latest updated_at, then the later file, then the later line. A row whose key
# is not wholly its pattern, in ASCII digits, is rejected (here: dropped) before the dedupe, which is per key.
_SILVER: Final = r"""
CREATE MACRO valid_order_id(v) AS regexp_full_match(v, 'O[0-9]{8}-[0-9]{6}');
CREATE MACRO valid_customer_id(v) AS regexp_full_match(v, 'C[0-9]{6}');
CREATE MACRO valid_product_id(v) AS regexp_full_match(v, 'P[0-9]{4}');

CREATE TABLE silver_products AS
SELECT product_id, product_name,
       CASE WHEN trim(coalesce(category, '')) = '' THEN 'uncategorized' ELSE category END AS category,
       CASE WHEN list_price >= 0 THEN list_price END AS list_price, dt
FROM bronze_products
WHERE valid_product_id(product_id)
QUALIFY row_number() OVER (PARTITION BY dt, product_id ORDER BY source_file DESC, line DESC) = 1;

CREATE TABLE silver_customers AS
SELECT customer_id,
       CASE WHEN lower(trim(email)) <> '' THEN pii_hmac(lower(trim(email))) END AS email_hash,
       CASE WHEN regexp_replace(phone, '[^0-9]', '', 'g') <> ''
            THEN pii_hmac(regexp_replace(phone, '[^0-9]', '', 'g')) END AS phone_hash,
       city, country, signup_date, updated_at, dt
FROM bronze_customers
WHERE valid_customer_id(customer_id)
QUALIFY row_number() OVER (PARTITION BY dt, customer_id ORDER BY updated_at DESC, source_file DESC, line DESC) = 1;

CREATE TABLE silver_orders AS
WITH latest AS (
    SELECT * FROM bronze_orders
    QUALIFY row_number() OVER (PARTITION BY dt, order_id ORDER BY updated_at DESC, source_file DESC, line DESC) = 1
)
SELECT o.order_id, o.customer_id, o.product_id, o.quantity, o.unit_price,
       CAST(o.quantity * o.unit_price AS DECIMAL(18, 2)) AS revenue,
       CASE WHEN trim(coalesce(o.channel, '')) = '' THEN 'unknown' ELSE o.channel END AS channel,
       o.order_ts, CAST(o.order_ts AS DATE) AS order_date, hour(o.order_ts) AS order_hour,
       isodow(o.order_ts) AS day_of_week, CAST(o.order_ts AS DATE) < o.dt AS is_late,
       p.category, p.product_name, c.country AS customer_country, o.updated_at, o.dt
FROM latest AS o
JOIN silver_products AS p ON p.dt = o.dt AND p.product_id = o.product_id
JOIN silver_customers AS c ON c.dt = o.dt AND c.customer_id = o.customer_id
WHERE valid_order_id(o.order_id) AND valid_customer_id(o.customer_id) AND valid_product_id(o.product_id)
  AND o.quantity > 0
  AND o.unit_price >= 0
  AND o.order_ts < CAST(o.dt + 1 AS TIMESTAMPTZ)
  AND abs(o.quantity * o.unit_price) < 10000000000000000;
"""

# customer_rfm as a table macro: its own table, and the source of customer_360's scores.
_GOLD_MACROS: Final = """
CREATE MACRO customer_rfm_between(first_day, last_day) AS TABLE
    WITH as_of_days AS (
        SELECT CAST(d AS DATE) AS as_of FROM range(first_day, last_day + 1, INTERVAL 1 DAY) AS days(d)
    ), windowed AS (
        SELECT a.as_of, o.*
        FROM as_of_days AS a JOIN silver_orders AS o ON o.dt BETWEEN a.as_of - 29 AND a.as_of
        QUALIFY row_number() OVER (PARTITION BY a.as_of, o.order_id ORDER BY o.updated_at DESC, o.dt DESC) = 1
    ), rfm AS (
        SELECT as_of, customer_id, date_diff('day', max(order_date), as_of) AS recency_days,
               count(*) AS frequency, sum(revenue) AS monetary
        FROM windowed
        GROUP BY as_of, customer_id
    ), scored AS (
        SELECT *,
               ntile(5) OVER (PARTITION BY as_of ORDER BY recency_days DESC, customer_id) AS r_score,
               ntile(5) OVER (PARTITION BY as_of ORDER BY frequency, customer_id) AS f_score,
               ntile(5) OVER (PARTITION BY as_of ORDER BY monetary, customer_id) AS m_score
        FROM rfm
    )
    SELECT s.as_of AS dt, s.customer_id, c.country, CAST(s.recency_days AS INTEGER) AS recency_days,
           s.frequency, CAST(s.monetary AS DECIMAL(18, 2)) AS monetary,
           CAST(s.monetary AS DOUBLE) / s.frequency AS avg_order_value, CAST(s.r_score AS INTEGER) AS r_score,
           CAST(s.f_score AS INTEGER) AS f_score, CAST(s.m_score AS INTEGER) AS m_score,
           CASE WHEN s.r_score >= 4 AND s.f_score >= 4 THEN 'champions'
                WHEN s.f_score >= 4 THEN 'loyal'
                WHEN s.r_score >= 4 THEN 'potential'
                WHEN s.r_score <= 2 AND s.f_score >= 3 THEN 'at_risk'
                ELSE 'hibernating' END AS segment
    FROM scored AS s
    LEFT JOIN silver_customers AS c ON c.dt = s.as_of AND c.customer_id = s.customer_id;
"""

_GOLD: Final = {
    "daily_sales": """
        SELECT dt, category, channel, count(DISTINCT order_id) AS orders, CAST(sum(quantity) AS BIGINT) AS units,
               CAST(sum(revenue) AS DECIMAL(18, 2)) AS revenue, count(DISTINCT customer_id) AS customers
        FROM silver_orders
        WHERE dt BETWEEN $start AND $end
        GROUP BY dt, category, channel
        ORDER BY dt, category, channel""",
    "sales_rolling_7d": """
        WITH per_day AS (
            SELECT dt, count(DISTINCT order_id) AS orders, sum(revenue) AS revenue FROM silver_orders GROUP BY dt
        ), windowed AS (
            SELECT dt, orders, revenue,
                   count(*) OVER last_7_days AS days_in_window,
                   sum(orders) OVER last_7_days AS orders_7d_total,
                   sum(revenue) OVER last_7_days AS revenue_7d_total
            FROM per_day
            WINDOW last_7_days AS (ORDER BY dt RANGE BETWEEN INTERVAL 6 DAYS PRECEDING AND CURRENT ROW)
        ), averaged AS (
            SELECT *, orders_7d_total / days_in_window AS avg_orders,
                   CAST(revenue_7d_total AS DOUBLE) / days_in_window AS avg_revenue
            FROM windowed
            WHERE dt BETWEEN $start AND $end
        )
        SELECT dt, orders, CAST(revenue AS DECIMAL(18, 2)), CAST(days_in_window AS INTEGER),
               CAST(orders_7d_total AS BIGINT), CAST(revenue_7d_total AS DECIMAL(18, 2)), avg_orders, avg_revenue,
               CASE WHEN avg_orders <> 0 THEN orders / avg_orders - 1 END,
               CASE WHEN avg_revenue <> 0 THEN CAST(revenue AS DOUBLE) / avg_revenue - 1 END
        FROM averaged
        ORDER BY dt""",
    "customer_rfm": "SELECT * FROM customer_rfm_between($start, $end) ORDER BY dt, customer_id",
    "customer_360": """
        WITH as_of_days AS (
            SELECT CAST(d AS DATE) AS as_of FROM range($start, $end + 1, INTERVAL 1 DAY) AS days(d)
        ), lifetime AS (
            SELECT a.as_of, o.*
            FROM as_of_days AS a JOIN silver_orders AS o ON o.dt <= a.as_of
            QUALIFY row_number() OVER (PARTITION BY a.as_of, o.order_id ORDER BY o.updated_at DESC, o.dt DESC) = 1
        ), per_customer AS (
            SELECT as_of, customer_id, min(order_date) AS first_order_date, max(order_date) AS last_order_date,
                   count(*) AS lifetime_orders, sum(revenue) AS lifetime_revenue
            FROM lifetime
            GROUP BY as_of, customer_id
        ), by_category AS (
            SELECT as_of, customer_id, category, count(*) AS n, sum(revenue) AS r FROM lifetime GROUP BY ALL
        ), by_channel AS (
            SELECT as_of, customer_id, channel, count(*) AS n, sum(revenue) AS r FROM lifetime GROUP BY ALL
        ), preferred AS (
            SELECT as_of, customer_id,
                   (SELECT first(category ORDER BY n DESC, r DESC, category) FROM by_category AS b
                    WHERE b.as_of = p.as_of AND b.customer_id = p.customer_id) AS preferred_category,
                   (SELECT first(channel ORDER BY n DESC, r DESC, channel) FROM by_channel AS b
                    WHERE b.as_of = p.as_of AND b.customer_id = p.customer_id) AS preferred_channel
            FROM per_customer AS p
        )
        SELECT p.as_of, p.customer_id, c.country, c.signup_date, c.email_hash, c.phone_hash, p.first_order_date,
               p.last_order_date, p.lifetime_orders, CAST(p.lifetime_revenue AS DECIMAL(18, 2)),
               CAST(p.lifetime_revenue AS DOUBLE) / p.lifetime_orders, f.preferred_category, f.preferred_channel,
               rfm.r_score, rfm.f_score, rfm.m_score, rfm.segment
        FROM per_customer AS p
        JOIN preferred AS f USING (as_of, customer_id)
        LEFT JOIN silver_customers AS c ON c.dt = p.as_of AND c.customer_id = p.customer_id
        LEFT JOIN customer_rfm_between($start, $end) AS rfm ON rfm.dt = p.as_of AND rfm.customer_id = p.customer_id
        ORDER BY p.as_of, p.customer_id""",
    "product_performance": """
        WITH per_product AS (
            SELECT dt, product_id, product_name, category, count(DISTINCT order_id) AS orders,
                   sum(quantity) AS units, sum(revenue) AS revenue
            FROM silver_orders
            WHERE dt BETWEEN $start AND $end
            GROUP BY dt, product_id, product_name, category
        )
        SELECT dt, product_id, product_name, category, orders, CAST(units AS BIGINT), CAST(revenue AS DECIMAL(18, 2)),
               CASE WHEN sum(revenue) OVER same_category > 0
                    THEN CAST(revenue AS DOUBLE) / CAST(sum(revenue) OVER same_category AS DOUBLE)
                    ELSE 0.0 END,
               CAST(row_number() OVER (PARTITION BY dt, category ORDER BY revenue DESC, product_id) AS INTEGER)
        FROM per_product
        WINDOW same_category AS (PARTITION BY dt, category)
        ORDER BY dt, product_id""",
    "web_error_rate_hourly": """
        SELECT dt, CAST(date_trunc('hour', ts) AS TIMESTAMP) AS event_hour, count(*) AS requests,
               count(*) FILTER (WHERE status >= 500) AS server_errors,
               count(*) FILTER (WHERE status BETWEEN 400 AND 499) AS client_errors,
               count(*) FILTER (WHERE status >= 500) / count(*) AS error_rate
        FROM bronze_web_logs
        WHERE dt BETWEEN $start AND $end
        GROUP BY ALL
        ORDER BY dt, event_hour""",
    "silver_customers": """
        SELECT customer_id, email_hash, phone_hash, city, country, signup_date, CAST(updated_at AS TIMESTAMP), dt
        FROM silver_customers
        WHERE dt BETWEEN $start AND $end
        ORDER BY dt, customer_id""",
}


def reference_gold(raw_root: Path, start: date, end: date, pii_salt: str) -> dict[str, list[tuple]]:
    """The gold tables for the landing days ``start``..``end``, from the raw files under ``raw_root/raw``.

    Reads every landed day up to ``end``: customer_360's lifetime is all of them, customer_rfm's window the last
    30. Returns, per table, its rows as tuples in the gold model's column order, sorted by the table's key;
    timestamps are naive UTC. The extra key ``silver_customers`` holds the PII-hashed customer snapshots, to
    cross-check hashing with the salt.
    """
    if start > end:
        raise ValueError(f"day range is reversed: {start} > {end}")
    with duckdb.connect() as con:
        con.execute("SET TimeZone = 'UTC'")
        con.create_function("pii_hmac", _hmac_sha256_hex(pii_salt))
        con.execute(_RAW_TABLES)
        for source, day, path in _landed_files(raw_root, end):
            if source in JSON_SOURCES:
                con.execute(_LOAD_JSON_LINES, {"source": source, "dt": day, "file": str(path)})
            elif _has_required_header(con, source, path):
                con.execute(_LOAD_CSV[source], {"dt": day, "file": str(path)})
        con.execute(_BRONZE)
        con.execute(_SILVER)
        con.execute(_GOLD_MACROS)
        return {name: con.execute(query, {"start": start, "end": end}).fetchall() for name, query in _GOLD.items()}


def _hmac_sha256_hex(key: str) -> Callable[[str], str]:
    """HMAC-SHA256 under ``key``, as a DuckDB scalar function (DuckDB has no HMAC; NULL in gives NULL out)."""

    def hmac_sha256_hex(value: str) -> str:
        return hmac.new(key.encode(), value.encode(), hashlib.sha256).hexdigest()

    return hmac_sha256_hex


def _landed_files(raw_root: Path, last: date) -> list[tuple[str, date, Path]]:
    """(source, landing day, file) for every non-empty file of the days up to ``last``, in file-name order."""
    files = []
    for source in (*_LOAD_CSV, *JSON_SOURCES):
        for day_dir in sorted((raw_root / "raw" / source).glob("dt=*")):
            day = date.fromisoformat(day_dir.name.removeprefix("dt="))
            if day <= last:
                # Names starting with "_" are files still being written.
                files.extend(
                    (source, day, path)
                    for path in sorted(day_dir.iterdir())
                    if path.is_file() and not path.name.startswith("_") and path.stat().st_size > 0
                )
    return files


def _has_required_header(con: duckdb.DuckDBPyConnection, source: str, path: Path) -> bool:
    header = con.execute(_CSV_HEADER, {"file": str(path)}).description
    return set(CSV_REQUIRED_COLUMNS[source]) <= {column[0] for column in header}
