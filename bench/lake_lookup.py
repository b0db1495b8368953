"""Benchmark: one number, 90 days — the lake's layout against full scans and a naive layout.

    .venv/bin/python bench/lake_lookup.py --rows 10000000

Starts its own SeaweedFS (or, with ``--use-settings``, uses the S3 that ``WRIT_*`` points
at), generates the lake, copies its call records into a naive day-partitioned layout, then
times, on fresh DuckDB connections, the same lookup of one number over 90 days:

- ``collect()``            the production path end to end (resolve holder, read, write to S3);
- bucketed lookup          the same query over the files ``collect`` reads (one bucket, 3-4 months);
- bucketed full scan       the same query over every file of the same lake (no partition pruning);
- naive lookup             day partitions, rows in arrival order: the 90 days' files;
- naive full scan          every day file.

Each is run ``--repeat`` times; the median is reported with the HTTP requests and bytes
DuckDB fetched (its HTTP log). Not a test: numbers depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table

from contracts.collection import CollectionRequest
from contracts.enums import DataCategory, IdentifierKind
from contracts.legal_process import Identifier, Period
from services.carrier.collector import collect
from services.carrier.connection import connect, lake_cursor, sql_literal
from services.carrier.layout import DEFAULT_LAYOUT, months_between
from services.carrier.manifest import read_manifest
from services.carrier.reader import LakeReader
from services.carrier.synthetic.generator import generate_lake
from services.platform.objectstore import ensure_buckets, s3_client
from services.platform.settings import Settings, get_settings

console = Console(width=110)  # wide enough that the results table never wraps in a log
LOOKUP_DAYS = 90
START = dt.date(2025, 1, 1)
MONTHS = 12


@dataclass
class Measurement:
    name: str
    seconds: list[float]
    requests: int
    bytes_read: int
    rows: int

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=10_000_000, help="call records in the lake")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--repeat", type=int, default=5, help="runs per measurement (median reported)"
    )
    parser.add_argument(
        "--use-settings", action="store_true", help="use WRIT_* S3 instead of starting SeaweedFS"
    )
    parser.add_argument(
        "--reuse-lake", action="store_true", help="keep a lake of the same rows and seed"
    )
    parser.add_argument(
        "--no-naive", action="store_true", help="skip the day-partitioned comparison"
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        help="keep the SeaweedFS data here (not a temporary directory), so a later run with "
        "--reuse-lake measures the same lake without generating it again",
    )
    args = parser.parse_args()

    if args.use_settings:
        return run(get_settings(), args)
    from services.stack.servers import SeaweedS3, free_port

    with contextlib.ExitStack() as stack:
        if args.data_dir is not None:
            args.data_dir.mkdir(parents=True, exist_ok=True)
            scratch = args.data_dir
        else:
            scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="writ-bench-")))
        server = SeaweedS3(
            scratch, s3_port=free_port(), access_key="bench", secret_key="bench-secret"
        )
        server.start()
        try:
            server.wait_ready(timeout=90)
            settings = Settings(
                s3_endpoint=server.endpoint,
                s3_access_key="bench",
                s3_secret_key="bench-secret",
                lake_bucket="bench-lake",
                documents_bucket="bench-documents",
                productions_bucket="bench-productions",
            )
            ensure_buckets(settings, timeout=90)
            return run(settings, args)
        finally:
            server.stop()


def run(settings: Settings, args: argparse.Namespace) -> int:
    client = s3_client(settings)
    naive_bucket = f"{settings.lake_bucket}-naive"
    lake = f"s3://{settings.lake_bucket} at {settings.s3_endpoint}"
    console.print(f"[bold]lake[/] {lake}: {args.rows:,} call records")
    manifest = read_manifest(client, settings.lake_bucket)
    reusable = (
        args.reuse_lake
        and manifest is not None
        and manifest.complete
        and manifest.synthetic is not None
        and (manifest.synthetic.rows, manifest.synthetic.seed) == (args.rows, args.seed)
    )
    if reusable:
        console.print("reusing the existing lake")
    else:
        began = time.perf_counter()
        manifest = generate_lake(
            settings, args.rows, args.seed, start=START, months=MONTHS, progress=True
        )
        elapsed = time.perf_counter() - began
        total = sum(manifest.tables.values())
        console.print(
            f"generated {total:,} rows in {elapsed:.1f}s ({total / elapsed:,.0f} rows/s; "
            f"{manifest.tables['call_records'] / elapsed:,.0f} call records/s) — "
            f"{DEFAULT_LAYOUT.bucket_count} buckets x {MONTHS} months, "
            f"row groups of {DEFAULT_LAYOUT.row_group_rows:,}"
        )
    if not args.no_naive:
        _build_naive_layout(settings, naive_bucket, reuse=args.reuse_lake)

    target, period = _pick_target(settings)
    console.print(f"target: a number held all of {period.start}..{period.end} ({LOOKUP_DAYS} days)")
    measurements = _measure_all(settings, naive_bucket, target, period, args)
    _report(measurements)
    return 0


def _build_naive_layout(settings: Settings, bucket: str, *, reuse: bool) -> None:
    """The same call records, partitioned by day only, in arrival order (by time, not number)."""
    client = s3_client(settings)
    existing = (
        client.list_objects_v2(Bucket=bucket, MaxKeys=1) if _bucket_exists(client, bucket) else None
    )
    if reuse and existing and existing.get("KeyCount"):
        console.print(f"reusing the naive layout in s3://{bucket}")
        return
    if existing is None:
        client.create_bucket(Bucket=bucket)
    began = time.perf_counter()
    con = connect(settings)
    try:
        con.execute(
            "COPY (SELECT *, strftime(start_time, '%Y-%m-%d') AS day "
            f"FROM read_parquet('s3://{settings.lake_bucket}/call_records/*/*/*.parquet') "
            "ORDER BY start_time) "
            f"TO 's3://{bucket}/call_records' "
            "(FORMAT parquet, PARTITION_BY (day), OVERWRITE_OR_IGNORE, COMPRESSION zstd)"
        )
    finally:
        con.close()
    console.print(f"naive day-partitioned copy written in {time.perf_counter() - began:.1f}s")


def _bucket_exists(client, bucket: str) -> bool:
    return any(b["Name"] == bucket for b in client.list_buckets().get("Buckets", []))


def _pick_target(settings: Settings) -> tuple[str, Period]:
    """A number of median activity, held by one account of the US parent (what a request
    collects from by default) through the whole lookup period."""
    period = Period(
        start=dt.date(2025, 7, 1), end=dt.date(2025, 7, 1) + dt.timedelta(days=LOOKUP_DAYS - 1)
    )
    con = connect(settings)
    try:
        (number,) = con.execute(
            f"""
            WITH us_accounts AS (
                SELECT account_id FROM read_parquet('s3://{settings.lake_bucket}/subscribers/*/*.parquet')
                WHERE legal_entity = 'us'
            ), steady AS (
                SELECT number FROM read_parquet('s3://{settings.lake_bucket}/number_assignments/*/*.parquet')
                WHERE assigned_from < TIMESTAMPTZ '2025-01-01 00:00:00+00' AND assigned_to IS NULL
                  AND account_id IN (SELECT account_id FROM us_accounts)
            ), busy AS (
                SELECT number, count(*) AS calls
                FROM read_parquet('s3://{settings.lake_bucket}/call_records/*/month=2025-0[789]/*.parquet')
                WHERE number IN (SELECT number FROM steady) GROUP BY number
            )
            SELECT number FROM busy ORDER BY calls, number
            LIMIT 1 OFFSET (SELECT count(*) / 2 FROM busy)
            """
        ).fetchone()
    finally:
        con.close()
    return number, period


def _lookup_sql(source: str) -> str:
    # What a subpoena's toll records need, with the filters collect() pushes down.
    return (
        f"SELECT calling_number, called_number, start_time, duration_seconds FROM {source} "
        "WHERE number = ? AND start_time >= ? AND start_time < ?"
    )


def _files_source(files: list[str]) -> str:
    return f"read_parquet([{', '.join(sql_literal(f) for f in files)}])"


def _measure_all(
    settings: Settings, naive_bucket: str, target: str, period: Period, args: argparse.Namespace
) -> list[Measurement]:
    start = dt.datetime.combine(period.start, dt.time(), tzinfo=dt.UTC)
    end = dt.datetime.combine(period.end + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
    params = [target, start, end]
    with LakeReader(settings) as lake:
        pruned = lake.files(
            "call_records", keys=[target], months=months_between(period.start, period.end)
        )
    days = [period.start + dt.timedelta(days=i) for i in range(LOOKUP_DAYS)]
    naive_days = [f"s3://{naive_bucket}/call_records/day={d.isoformat()}/*.parquet" for d in days]

    queries: list[tuple[str, str]] = [
        (f"bucketed lookup ({len(pruned)} files)", _lookup_sql(_files_source(pruned))),
        (
            "bucketed full scan",
            _lookup_sql(f"read_parquet('s3://{settings.lake_bucket}/call_records/*/*/*.parquet')"),
        ),
    ]
    if not args.no_naive:
        queries += [
            (f"naive lookup ({LOOKUP_DAYS} day files)", _lookup_sql(_files_source(naive_days))),
            (
                "naive full scan",
                _lookup_sql(f"read_parquet('s3://{naive_bucket}/call_records/*/*.parquet')"),
            ),
        ]
    results = [_measure_collect(settings, target, period, args.repeat)]
    for name, sql in queries:
        results.append(_measure_query(settings, name, sql, params, args.repeat))
    # Warm: on the process's one lake database, as the worker's lookups run (a cursor per
    # lookup; DuckDB's external file cache keeps the byte ranges read before), after one
    # untimed run of the same query.
    results.append(
        _measure_warm(
            settings,
            f"bucketed lookup, warm ({len(pruned)} files)",
            queries[0][1],
            params,
            args.repeat,
        )
    )
    results.append(
        _measure_warm(settings, "bucketed full scan, warm", queries[1][1], params, args.repeat)
    )
    return results


def _measure_warm(
    settings: Settings, name: str, sql: str, params: list, repeat: int
) -> Measurement:
    seconds, rows = [], 0
    for attempt in range(repeat + 1):
        cursor = lake_cursor(settings)
        try:
            began = time.perf_counter()
            rows = cursor.execute(sql, params).to_arrow_table().num_rows
            if attempt:  # the first run fills the caches
                seconds.append(time.perf_counter() - began)
        finally:
            cursor.close()
    return Measurement(name, seconds, 0, 0, rows)


def _measure_query(
    settings: Settings, name: str, sql: str, params: list, repeat: int
) -> Measurement:
    seconds, requests, bytes_read, rows = [], 0, 0, 0
    for _ in range(repeat):
        con = connect(settings)  # fresh: no metadata or HTTP cache carried between runs
        try:
            con.execute("CALL enable_logging('HTTP')")
            began = time.perf_counter()
            rows = con.execute(sql, params).to_arrow_table().num_rows
            seconds.append(time.perf_counter() - began)
            requests, bytes_read = _http_totals(con)
        finally:
            con.close()
    return Measurement(name, seconds, requests, bytes_read, rows)


def _measure_collect(settings: Settings, target: str, period: Period, repeat: int) -> Measurement:
    seconds, rows = [], 0
    for _ in range(repeat):
        request = CollectionRequest(
            request_id=f"bench-{uuid.uuid4().hex[:12]}",
            targets=[Identifier(kind=IdentifierKind.TELEPHONE_NUMBER, value=target)],
            categories=[DataCategory.TOLL_RECORDS],
            period=period,
        )
        began = time.perf_counter()
        result = collect(request, settings)
        seconds.append(time.perf_counter() - began)
        rows = result.total_rows
    return Measurement("collect() toll_records", seconds, 0, 0, rows)


def _http_totals(con) -> tuple[int, int]:
    row = con.execute(
        "SELECT count(*), coalesce(sum(TRY_CAST(response.headers['Content-Length'] AS BIGINT)), 0) "
        "FROM duckdb_logs_parsed('HTTP') WHERE request.type = 'GET'"
    ).fetchone()
    return int(row[0]), int(row[1])


def _report(measurements: list[Measurement]) -> None:
    def by_name(prefix: str) -> Measurement:
        return next(m for m in measurements if m.name.startswith(prefix))

    table = Table(
        title=f"one number, {LOOKUP_DAYS} days (median of {len(measurements[0].seconds)} runs)"
    )
    for column in ("measurement", "median s", "min s", "rows", "GET requests", "MB fetched"):
        table.add_column(column, justify="left" if column == "measurement" else "right")
    for m in measurements:
        table.add_row(
            m.name,
            f"{m.median:.3f}",
            f"{min(m.seconds):.3f}",
            f"{m.rows:,}",
            f"{m.requests:,}" if m.requests else "-",
            f"{m.bytes_read / 1e6:.1f}" if m.requests else "-",
        )
    console.print(table)
    lookup, full = by_name("bucketed lookup ("), by_name("bucketed full scan")
    warm, warm_full = by_name("bucketed lookup, warm"), by_name("bucketed full scan, warm")
    console.print(
        f"bucketed lookup / full scan of the same lake: {lookup.median / full.median:.1%} "
        f"({full.median / lookup.median:.0f}x faster)"
    )
    console.print(
        f"warm lookup: {warm.median * 1000:.0f} ms median; / cold full scan "
        f"{warm.median / full.median:.2%}; / warm full scan {warm.median / warm_full.median:.2%}"
    )
    met = warm.median < 0.1 and warm.median / full.median < 0.01
    console.print(f"goal < 100 ms warm and < 1 % of the full scan: {'met' if met else 'not met'}")
    collected = by_name("collect()")
    console.print(f"collect() end to end / full scan: {collected.median / full.median:.1%}")
    if any(m.name.startswith("naive") for m in measurements):
        naive, naive_full = by_name("naive lookup"), by_name("naive full scan")
        console.print(
            f"naive day-partitioned lookup / its full scan: {naive.median / naive_full.median:.1%}"
        )
        console.print(f"bucketed lookup / naive lookup: {lookup.median / naive.median:.1%}")


if __name__ == "__main__":
    sys.exit(main())
