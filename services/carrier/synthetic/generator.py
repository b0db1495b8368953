"""``generate_lake``: a deterministic synthetic carrier data lake in S3.

The carrier (accounts, numbers, assignment history) is planned in Python (``synthetic``);
the fact tables are expanded by DuckDB one hash bucket at a time (``fact_tables``) and written as
sorted partition files while the next bucket is generated (``writer``). Memory stays at
about one bucket of one table, so 100M call records need no more than a few GB.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager

import pyarrow as pa
from botocore.client import BaseClient
from botocore.exceptions import ClientError
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from services.carrier import layout as lake_layout
from services.carrier import schema
from services.carrier.connection import connect
from services.carrier.layout import DEFAULT_LAYOUT, LakeLayout
from services.carrier.manifest import (
    LakeManifest,
    SyntheticParameters,
    read_manifest,
    write_manifest,
)
from services.carrier.synthetic import fact_tables
from services.carrier.synthetic.carrier import SyntheticCarrier, plan_carrier
from services.carrier.synthetic.writer import PartitionWriter
from services.platform.objectstore import s3_client
from services.platform.settings import Settings

DEFAULT_START = dt.date(2025, 1, 1)
DEFAULT_MONTHS = 12
GENERATED_STEM = "part-00000"
FIXTURES_STEM = "fixtures"
# Records generated per DuckDB query: bounds memory (about 0.5 GB per chunk) at any lake size.
CHUNK_ROWS = 1_000_000

# Rows a caller plants on top of the synthetic data, by table name: known facts for tests
# and demos (a number reassigned on a known date, a record at a known instant).
Fixtures = Mapping[str, Sequence[Mapping[str, object]]]


class LakeNotSynthetic(RuntimeError):
    """The bucket holds data the generator did not write; it refuses to overwrite it."""


def generate_lake(
    settings: Settings,
    rows: int,
    seed: int,
    *,
    start: dt.date = DEFAULT_START,
    months: int = DEFAULT_MONTHS,
    layout: LakeLayout = DEFAULT_LAYOUT,
    fixtures: Fixtures | None = None,
    progress: bool = True,
) -> LakeManifest:
    """Write a synthetic lake of ``rows`` call records (and proportionate other tables) to
    ``settings.lake_bucket``, replacing an earlier synthetic lake there; return its manifest."""
    planted = _fixture_tables(fixtures or {})
    parameters = SyntheticParameters(rows=rows, seed=seed, start=start, months=months)
    carrier = plan_carrier(rows=rows, seed=seed, start=start, months=months, layout=layout)
    client = s3_client(settings)
    bucket = settings.lake_bucket
    _claim_bucket(client, bucket, LakeManifest(layout=layout, complete=False, synthetic=parameters))
    with (
        _progress_display(progress, _expected_rows(carrier, planted)) as advance,
        PartitionWriter(client, bucket, layout, on_written=advance) as writer,
    ):
        _write_dimensions(writer, carrier)
        _write_facts(writer, carrier, seed, layout)
        for table_name, table in planted.items():
            writer.write_unpartitioned(lake_layout.TABLES[table_name], table, FIXTURES_STEM)
    manifest = LakeManifest(
        layout=layout,
        complete=True,
        synthetic=parameters,
        tables={name: writer.rows_written.get(name, 0) for name in lake_layout.TABLES},
    )
    write_manifest(client, bucket, manifest)
    return manifest


def _fixture_tables(fixtures: Fixtures) -> dict[str, pa.Table]:
    unknown = set(fixtures) - set(schema.SCHEMAS)
    if unknown:
        raise ValueError(f"unknown lake tables in fixtures: {sorted(unknown)}")
    return {
        name: pa.Table.from_pylist([dict(row) for row in rows], schema=schema.SCHEMAS[name])
        for name, rows in fixtures.items()
        if rows
    }


def _claim_bucket(client: BaseClient, bucket: str, pending: LakeManifest) -> None:
    """Mark the lake incomplete, then clear the previous synthetic lake's tables."""
    _ensure_bucket(client, bucket)
    existing = read_manifest(client, bucket)
    if existing is None and _has_objects(client, bucket):
        raise LakeNotSynthetic(
            f"s3://{bucket} holds objects but no lake manifest; refusing to overwrite"
        )
    if existing is not None and existing.synthetic is None:
        raise LakeNotSynthetic(
            f"s3://{bucket} is a real (not generated) lake; refusing to overwrite"
        )
    write_manifest(client, bucket, pending)
    for table in lake_layout.TABLES:
        _delete_prefix(client, bucket, f"{table}/")


def _ensure_bucket(client: BaseClient, bucket: str) -> None:
    try:
        client.head_bucket(Bucket=bucket)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") not in {"404", "NoSuchBucket", "NotFound"}:
            raise
        client.create_bucket(Bucket=bucket)


def _has_objects(client: BaseClient, bucket: str) -> bool:
    return client.list_objects_v2(Bucket=bucket, MaxKeys=1).get("KeyCount", 0) > 0


def _delete_prefix(client: BaseClient, bucket: str, prefix: str) -> None:
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        keys = [{"Key": item["Key"]} for item in page.get("Contents", [])]
        if keys:
            client.delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})


def _write_dimensions(writer: PartitionWriter, carrier: SyntheticCarrier) -> None:
    writer.write_unpartitioned(lake_layout.SUBSCRIBERS, carrier.subscribers, GENERATED_STEM)
    writer.write_unpartitioned(
        lake_layout.NUMBER_ASSIGNMENTS, carrier.number_assignments, GENERATED_STEM
    )


def _write_facts(
    writer: PartitionWriter, carrier: SyntheticCarrier, seed: int, layout: LakeLayout
) -> None:
    """Expand and write the fact tables, a bounded range of hash buckets at a time."""
    numbers, accounts = carrier.number_activity, carrier.account_activity
    plan = (
        (fact_tables.CALLS, _rows_by_bucket(numbers, "calls"), (lake_layout.CALL_RECORDS,)),
        (
            fact_tables.MESSAGES,
            _rows_by_bucket(numbers, "messages"),
            (lake_layout.MESSAGE_RECORDS, lake_layout.MESSAGE_CONTENT),
        ),
        (
            fact_tables.API_SESSIONS,
            _rows_by_bucket(accounts, "sessions"),
            (lake_layout.API_ACCESS_LOGS,),
        ),
    )
    con = connect()
    try:
        fact_tables.prepare(con, numbers, accounts)
        for query, counts, tables in plan:
            for buckets in fact_tables.bucket_ranges(counts, layout.bucket_count, CHUNK_ROWS):
                records = fact_tables.generate_chunk(con, query, seed=seed, buckets=buckets)
                for bucket, month, rows in fact_tables.partition_slices(records):
                    for table in tables:
                        rows_of_table = fact_tables.project(rows, schema.SCHEMAS[table.name])
                        writer.write(table, bucket, month, rows_of_table, GENERATED_STEM)
    finally:
        con.close()


def _rows_by_bucket(activity: pa.Table, count_column: str) -> dict[int, int]:
    totals = activity.group_by("bucket").aggregate([(count_column, "sum")])
    buckets, sums = (
        totals.column("bucket").to_pylist(),
        totals.column(f"{count_column}_sum").to_pylist(),
    )
    return dict(zip(buckets, sums, strict=True))


def _expected_rows(carrier: SyntheticCarrier, planted: Mapping[str, pa.Table]) -> dict[str, int]:
    expected = {
        "subscribers": carrier.subscribers.num_rows,
        "number_assignments": carrier.number_assignments.num_rows,
        "call_records": carrier.volumes.call_records,
        "message_records": carrier.volumes.message_records,
        "message_content": carrier.volumes.message_records,
        "api_access_logs": carrier.volumes.api_access_logs,
    }
    for name, table in planted.items():
        expected[name] += table.num_rows
    return expected


@contextmanager
def _progress_display(enabled: bool, expected: Mapping[str, int]) -> Iterator:
    """A rich bar per table, advanced as files land in S3; a no-op when disabled."""
    if not enabled:
        yield lambda table, rows: None
        return
    bars = Progress(
        TextColumn("[bold]{task.description:<18}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("rows"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
    )
    tasks: dict[str, TaskID] = {
        name: bars.add_task(name, total=total) for name, total in expected.items()
    }
    with bars:
        yield lambda table, rows: bars.advance(tasks[table], rows)
