"""The physical layout of the carrier data lake — the one place its shape is decided.

The lookup that matters is "every record of a few numbers within a date range"
(docs/architecture.md §7).
So each fact table is hive-partitioned by a hash bucket of its lookup key and by calendar
month of its event time, and each file is sorted by key then time:

    s3://<lake>/call_records/bucket=017/month=2025-03/part-00000.parquet

A lookup lists one bucket's prefix, opens only the months in range, and within each file
the row-group min/max statistics on the (sorted) key leave one or two row groups to read.
Bloom filters cover the columns that are looked up without being sorted on (the other
party's number, call and message ids, IP addresses), so those lookups skip row groups too.

The bucket function is CRC-32 of the key's UTF-8 bytes modulo the bucket count: cheap, and
the same function exists in Trino/Athena (``crc32(to_utf8(k)) % n``) and Spark
(``crc32(k) % n``), so the same layout serves them in production.

The layout a lake was written with is recorded in its ``_lake.json`` manifest and read back
by the collector: a reader that computed buckets with another count would silently find
nothing, and "no data" would be a false answer to the agency.
"""

from __future__ import annotations

import datetime as dt
import zlib
from dataclasses import dataclass

import msgspec

# 64 buckets: at 100M call records a year that is ~130k rows per bucket-month file (a few
# MB), large enough that full scans are not drowned in per-file overhead, while a lookup
# still opens one file per month. Row groups of 16k rows keep what a lookup reads of a file
# to a few hundred kilobytes per column.
BUCKET_COUNT = 64
ROW_GROUP_ROWS = 16_384
BUCKET_FUNCTION = "crc32(utf8(key)) % bucket_count"


class LakeLayout(msgspec.Struct, frozen=True, kw_only=True):
    """Partitioning parameters; stored in the lake manifest so readers use the writer's."""

    bucket_count: int = BUCKET_COUNT
    row_group_rows: int = ROW_GROUP_ROWS
    bucket_function: str = BUCKET_FUNCTION

    def __post_init__(self) -> None:
        if not 1 <= self.bucket_count <= 1000:
            raise ValueError(
                "bucket_count must be between 1 and 1000 (three-digit partition names)"
            )
        if self.row_group_rows < 1024:
            raise ValueError("row_group_rows below 1024 makes footers larger than the data")

    def bucket_of(self, key: str) -> int:
        return bucket_of(key, self.bucket_count)


DEFAULT_LAYOUT = LakeLayout()


def bucket_of(key: str, bucket_count: int = BUCKET_COUNT) -> int:
    """The hash bucket of a lookup key (an E.164 number or an account id)."""
    return zlib.crc32(key.encode("utf-8")) % bucket_count


@dataclass(frozen=True)
class TableLayout:
    """How one table is partitioned, sorted and indexed."""

    name: str
    bucket_key: str  # the column hashed into ``bucket=``
    time_column: str | None  # the column whose UTC month is ``month=``; None: no month level
    sort_by: tuple[str, ...]
    bloom_columns: tuple[str, ...]


SUBSCRIBERS = TableLayout(
    name="subscribers",
    bucket_key="account_id",
    time_column=None,
    sort_by=("account_id",),
    bloom_columns=("account_id", "email"),
)
NUMBER_ASSIGNMENTS = TableLayout(
    name="number_assignments",
    bucket_key="number",
    time_column=None,  # an assignment spans months; the table is small
    sort_by=("number", "assigned_from"),
    bloom_columns=("number", "account_id"),
)
CALL_RECORDS = TableLayout(
    name="call_records",
    bucket_key="number",
    time_column="start_time",
    sort_by=("number", "start_time", "call_id"),
    bloom_columns=("number", "calling_number", "called_number", "call_id"),
)
MESSAGE_RECORDS = TableLayout(
    name="message_records",
    bucket_key="number",
    time_column="sent_at",
    sort_by=("number", "sent_at", "message_id"),
    bloom_columns=("number", "from_number", "to_number", "message_id"),
)
# Content is partitioned exactly like its message records, so the bodies of one number's
# messages come from the same bucket and months as the records themselves.
MESSAGE_CONTENT = TableLayout(
    name="message_content",
    bucket_key="number",
    time_column="sent_at",
    sort_by=("number", "sent_at", "message_id"),
    bloom_columns=("number", "message_id"),
)
API_ACCESS_LOGS = TableLayout(
    name="api_access_logs",
    bucket_key="account_id",
    time_column="session_start",
    sort_by=("account_id", "session_start"),
    bloom_columns=("account_id", "ip_address"),
)

TABLES: dict[str, TableLayout] = {
    t.name: t
    for t in (
        SUBSCRIBERS,
        NUMBER_ASSIGNMENTS,
        CALL_RECORDS,
        MESSAGE_RECORDS,
        MESSAGE_CONTENT,
        API_ACCESS_LOGS,
    )
}

MANIFEST_KEY = "_lake.json"


def month_of(moment: dt.datetime | dt.date) -> str:
    """The ``month=`` partition value of a UTC instant or a date."""
    if isinstance(moment, dt.datetime) and moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC)
    return f"{moment.year:04d}-{moment.month:02d}"


def months_between(first: dt.date, last: dt.date) -> list[str]:
    """Every ``month=`` value from the month of ``first`` to that of ``last``, inclusive."""
    if last < first:
        return []
    year, month = first.year, first.month
    months = []
    while (year, month) <= (last.year, last.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def bucket_prefix(table: str, bucket: int) -> str:
    return f"{table}/bucket={bucket:03d}/"


def partition_prefix(table: str, bucket: int, month: str | None = None) -> str:
    prefix = bucket_prefix(table, bucket)
    return prefix if month is None else f"{prefix}month={month}/"


def month_in_key(key: str) -> str | None:
    """The ``month=`` value a partition file's key carries, if any."""
    for part in key.split("/"):
        if part.startswith("month="):
            return part.removeprefix("month=")
    return None
