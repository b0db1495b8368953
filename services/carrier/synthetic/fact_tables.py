"""The fact tables (calls, messages and their content, API sessions), made by DuckDB.

Each query expands the activity rows of ``synthetic`` for a range of hash buckets into
records, so the generator holds a bounded chunk (about a million rows) whatever the lake's
size, and DuckDB does the heavy lifting in vectorised, multi-threaded C++.

Every value is derived from ``hash(seed, activity_id, k)`` — the k-th record of one activity
row — so the same seed gives the same records regardless of thread scheduling. Output is
ordered by partition (bucket, month), then by the table's sort key, so each partition's
slice is one contiguous, sorted run ready to be written as that partition's file.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

_MACROS = r"""
CREATE OR REPLACE MACRO u01(h, salt) AS (hash(h, salt) >> 11)::DOUBLE / 9007199254740992.0;
CREATE OR REPLACE MACRO pick(options, h, salt) AS
    options[1 + (hash(h, salt) % len(options))::BIGINT];
CREATE OR REPLACE MACRO hex128(h) AS printf('%016x%016x', hash(h, 101), hash(h, 102));
-- An instant from epoch microseconds; plain TIMESTAMP arithmetic, no calendar involved.
CREATE OR REPLACE MACRO instant(from_us, span_us, fraction) AS
    make_timestamp(from_us + (fraction * span_us)::BIGINT);
CREATE OR REPLACE MACRO month_key(t) AS year(t) * 100 + month(t);
-- A number outside the provider, in the caller's own country's format.
CREATE OR REPLACE MACRO external_number(country_code, h) AS
    CASE WHEN country_code = '1'
         THEN '+1' || (201 + h % 799)::VARCHAR || (200 + (h >> 12) % 800)::VARCHAR
                   || lpad(((h >> 24) % 10000)::VARCHAR, 4, '0')
         ELSE '+' || country_code || '7' || lpad(((h >> 8) % 1000000000)::VARCHAR, 9, '0')
    END;
"""

_CALL_RECORDS = r"""
WITH legs AS (
    SELECT a.*, hash($seed, a.activity_id, r.k, 1) AS h
    FROM number_activity AS a, range(a.calls) AS r(k)
    WHERE a.bucket BETWEEN $first_bucket AND $last_bucket
), shaped AS (
    SELECT
        bucket,
        number,
        number_rank,
        h,
        instant(held_from_us, span_us, u01(h, 1)) AS start_time,
        CASE WHEN u01(h, 2) < 0.55 THEN 'outbound' ELSE 'inbound' END AS direction,
        -- most calls go to a small circle of regular contacts, the rest to one-off numbers
        external_number(country_code, CASE WHEN u01(h, 3) < 0.8
            THEN hash($seed, activity_id, 4, hash(h, 4) % 24) ELSE hash(h, 5) END) AS other,
        u01(h, 6) AS outcome,
        u01(h, 7) AS length,
        hex128(h) AS call_id,
        'trk-' || lower(region) || '-' || lpad((hash(h, 8) % 48)::VARCHAR, 2, '0') AS trunk_id,
        CASE WHEN cell_prefix IS NOT NULL AND u01(h, 9) < 0.85
             THEN cell_prefix || '-' || (cell_base + CASE WHEN u01(h, 10) < 0.7 THEN 0
                                                         ELSE hash(h, 11) % 40 END)::VARCHAR
        END AS cell_site
    FROM legs
)
SELECT
    number,
    direction,
    CASE WHEN direction = 'outbound' THEN number ELSE other END AS calling_number,
    CASE WHEN direction = 'outbound' THEN other ELSE number END AS called_number,
    start_time,
    CASE WHEN outcome < 0.78 THEN least(14400, greatest(1, (-ln(1 - length) * 150)::INTEGER))
         ELSE 0 END AS duration_seconds,
    call_id,
    trunk_id,
    CASE WHEN outcome < 0.78 THEN 'answered' WHEN outcome < 0.90 THEN 'no_answer'
         WHEN outcome < 0.96 THEN 'busy' ELSE 'failed' END AS disposition,
    CASE WHEN outcome < 0.78 THEN 200 WHEN outcome < 0.90 THEN 480
         WHEN outcome < 0.96 THEN 486 ELSE 503 END AS sip_response_code,
    cell_site,
    bucket * 1000000 + month_key(start_time) AS partition
FROM shaped
-- integer sort keys: the same order as (number, start_time), at a fraction of the cost
ORDER BY partition, number_rank, start_time, h
"""

# One query feeds both message tables: the records and, split off by column, their content.
_MESSAGES = r"""
WITH texts AS (
    SELECT a.*, hash($seed, a.activity_id, r.k, 2) AS h
    FROM number_activity AS a, range(a.messages) AS r(k)
    WHERE a.bucket BETWEEN $first_bucket AND $last_bucket
), shaped AS (
    SELECT
        bucket,
        number,
        number_rank,
        h,
        instant(held_from_us, span_us, u01(h, 1)) AS sent_at,
        CASE WHEN u01(h, 2) < 0.5 THEN 'outbound' ELSE 'inbound' END AS direction,
        external_number(country_code, CASE WHEN u01(h, 3) < 0.85
            THEN hash($seed, activity_id, 4, hash(h, 4) % 24) ELSE hash(h, 5) END) AS other,
        'SM' || hex128(h) AS message_id,
        u01(h, 6) AS size,
        u01(h, 7) AS fate
    FROM texts
)
SELECT
    number,
    direction,
    CASE WHEN direction = 'outbound' THEN number ELSE other END AS from_number,
    CASE WHEN direction = 'outbound' THEN other ELSE number END AS to_number,
    sent_at,
    message_id,
    (1 + (size < 0.15)::INTEGER + (size < 0.04)::INTEGER) AS segments,
    CASE WHEN u01(h, 8) < 0.1 THEN 1 + hash(h, 9) % 3 ELSE 0 END AS media_count,
    CASE WHEN fate < 0.95 THEN 'delivered' WHEN fate < 0.98 THEN 'failed' ELSE 'undelivered' END
        AS delivery_status,
    CASE WHEN u01(h, 10) < 0.3
         THEN 'Your verification code is ' || lpad((hash(h, 11) % 1000000)::VARCHAR, 6, '0')
         ELSE pick(['Running late', 'On my way', 'Call me when you can', 'See you at 6',
                    'Thanks!', 'Can you send the invoice?', 'Meeting moved to 3pm',
                    'Your order has shipped', 'Reminder: appointment tomorrow', 'Got it'], h, 12)
              || ' ' || pick(['', ':)', 'Talk soon.', 'Sent from my phone',
                              'Reply STOP to opt out'], h, 13)
    END AS body,
    bucket * 1000000 + month_key(sent_at) AS partition
FROM shaped
ORDER BY partition, number_rank, sent_at, h
"""

_API_ACCESS_LOGS = r"""
WITH sessions AS (
    SELECT a.*, hash($seed, a.activity_id, r.k, 3) AS h
    FROM account_activity AS a, range(a.sessions) AS r(k)
    WHERE a.bucket BETWEEN $first_bucket AND $last_bucket
), shaped AS (
    SELECT
        bucket,
        account_id,
        account_rank,
        -- an account works from a few regular addresses and now and then from elsewhere
        CASE WHEN u01(h, 1) < 0.85 THEN hash($seed, activity_id, 5, hash(h, 2) % 3)
             ELSE hash(h, 3) END AS ip_h,
        instant(active_from_us, span_us, u01(h, 4)) AS session_start,
        h
    FROM sessions
)
SELECT
    account_id,
    CASE WHEN ip_h % 10 = 0
         THEN printf('2001:db8:%x:%x::%x', (ip_h >> 8) % 65536, (ip_h >> 24) % 65536,
                     (ip_h >> 40) % 65536)
         ELSE printf('%d.%d.%d.%d', 11 + (ip_h >> 8) % 212, (ip_h >> 16) % 256,
                     (ip_h >> 24) % 256, 1 + (ip_h >> 32) % 254)
    END AS ip_address,
    session_start,
    least(86400, greatest(1, (-ln(1 - u01(h, 5)) * 300)::INTEGER)) AS duration_seconds,
    pick(['/v1/messages', '/v1/calls', '/v1/numbers', '/v1/numbers/search', '/v1/usage',
          '/v1/recordings', '/v1/webhooks', '/v1/accounts'], h, 6) AS api_endpoint,
    CASE WHEN u01(h, 7) < 0.6 THEN 'GET' WHEN u01(h, 7) < 0.95 THEN 'POST' ELSE 'DELETE' END
        AS http_method,
    pick(['writ-python/4.2.0', 'writ-node/3.9.1', 'writ-java/9.0.3', 'curl/8.5.0',
          'Mozilla/5.0 (Windows NT 10.0; Win64; x64)', 'Go-http-client/1.1'], h, 8) AS user_agent,
    CASE WHEN u01(h, 9) < 0.9 THEN 200 WHEN u01(h, 9) < 0.95 THEN 201
         WHEN u01(h, 9) < 0.97 THEN 400 WHEN u01(h, 9) < 0.98 THEN 401
         WHEN u01(h, 9) < 0.995 THEN 429 ELSE 500 END AS status_code,
    bucket * 1000000 + month_key(session_start) AS partition
FROM shaped
ORDER BY partition, account_rank, session_start, h
"""

CALLS = _CALL_RECORDS
MESSAGES = _MESSAGES  # feeds message_records and message_content
API_SESSIONS = _API_ACCESS_LOGS


def prepare(
    con: duckdb.DuckDBPyConnection, number_activity: pa.Table, account_activity: pa.Table
) -> None:
    """Load the activity tables and the helper macros into ``con``."""
    con.execute(_MACROS)
    con.register("number_activity_arrow", number_activity)
    con.register("account_activity_arrow", account_activity)
    # Instants are computed as epoch microseconds and plain TIMESTAMPs: arithmetic on
    # TIMESTAMPTZ goes through ICU calendars and is an order of magnitude slower. Sorting
    # uses integer ranks of the number and account strings for the same reason.
    con.execute(
        "CREATE OR REPLACE TABLE number_activity AS SELECT *, epoch_us(held_from) AS held_from_us,"
        " dense_rank() OVER (ORDER BY number) AS number_rank FROM number_activity_arrow"
    )
    con.execute(
        "CREATE OR REPLACE TABLE account_activity AS SELECT *,"
        " epoch_us(active_from) AS active_from_us,"
        " dense_rank() OVER (ORDER BY account_id) AS account_rank FROM account_activity_arrow"
    )
    con.unregister("number_activity_arrow")
    con.unregister("account_activity_arrow")


def bucket_ranges(
    counts_by_bucket: dict[int, int], bucket_count: int, chunk_rows: int
) -> list[tuple[int, int]]:
    """Consecutive bucket ranges of at most ``chunk_rows`` records each (a single bucket may
    exceed it): few enough queries to amortise their overhead, small enough to bound memory."""
    ranges: list[tuple[int, int]] = []
    first, rows = 0, 0
    for bucket in range(bucket_count):
        count = counts_by_bucket.get(bucket, 0)
        if rows and rows + count > chunk_rows:
            ranges.append((first, bucket - 1))
            first, rows = bucket, 0
        rows += count
    ranges.append((first, bucket_count - 1))
    return ranges


def generate_chunk(
    con: duckdb.DuckDBPyConnection, query: str, *, seed: int, buckets: tuple[int, int]
) -> pa.Table:
    """The records of a range of buckets, ordered by partition and then the sort key."""
    first, last = buckets
    return con.execute(
        query, {"seed": seed, "first_bucket": first, "last_bucket": last}
    ).to_arrow_table()


def partition_slices(records: pa.Table) -> list[tuple[int, str, pa.Table]]:
    """Split partition-ordered records into (bucket, month, rows) runs."""
    if records.num_rows == 0:
        return []
    runs = pc.run_end_encode(records.column("partition").combine_chunks())
    body = records.drop_columns(["partition"])
    slices: list[tuple[int, str, pa.Table]] = []
    start = 0
    for key, end in zip(runs.values.to_pylist(), runs.run_ends.to_pylist(), strict=True):
        bucket, yyyymm = divmod(key, 1_000_000)
        month = f"{yyyymm // 100:04d}-{yyyymm % 100:02d}"
        slices.append((bucket, month, body.slice(start, end - start)))
        start = end
    return slices


def project(records: pa.Table, target: pa.Schema) -> pa.Table:
    """The columns of ``target`` from a query's output, cast to the lake's types."""
    return records.select(target.names).cast(target)
