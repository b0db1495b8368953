"""Benchmark: the transparency report over a register of a million requests, on SQLite and
on PostgreSQL, against a plain ``SELECT count(*)`` of the same tables in the same run.

    .venv/bin/python bench/transparency.py --requests 1000000
    WRIT_TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/test \\
        .venv/bin/python bench/transparency.py --requests 1000000 --keep

For each backend: a fresh register (a SQLite file in a temporary directory, a throwaway
PostgreSQL database), migrated, filled by ``writ register generate``'s generator (timed),
``ANALYZE``d; then ``--repeat`` times each, reporting the median:

- ``count(*) legal_processes``   the plain scan the goal is measured against;
- ``count(*) report_facts``      the same over the narrow table the report reads;
- report (query + maths)         ``TransparencyReports.compute``: the grouped count, the
                                 distinct-account count and the pure aggregation;
- JSON / CSV / HTML              rendering the computed report (HTML draws the charts).

Goal (issue 10): the report under 2 s, and within 3x of the plain scan. Not a test: the
numbers depend on the machine and on what else runs on it.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import sqlalchemy as sa
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from services.platform.settings import Settings  # noqa: E402
from services.register.engine import create_engine  # noqa: E402
from services.register.migrations import upgrade_url  # noqa: E402
from services.register.synthetic.generator import generate_register  # noqa: E402
from services.reporting import reports  # noqa: E402
from services.reporting.periods import parse_period  # noqa: E402

console = Console(width=110)
YEAR = 2025
NOW = dt.datetime(2026, 1, 20, tzinfo=dt.UTC)


async def timed(work, repeat: int) -> tuple[float, object]:
    samples, result = [], None
    for _ in range(repeat):
        began = time.perf_counter()
        result = await work()
        samples.append(time.perf_counter() - began)
    return statistics.median(samples), result


async def bench_backend(
    name: str, url: str, requests: int, repeat: int, *, generate: bool = True
) -> list[tuple]:
    await asyncio.to_thread(upgrade_url, url)
    engine = create_engine(url)
    rows: list[tuple] = []
    try:
        if generate:
            began = time.perf_counter()
            await generate_register(engine, requests, YEAR, progress=True, now=NOW)
            rows.append((name, f"generate {requests:,} requests", time.perf_counter() - began, ""))
        async with engine.begin() as conn:
            await conn.execute(sa.text("ANALYZE"))
        service = reports.TransparencyReports(Settings(), engine, s3=None)
        period = parse_period(str(YEAR))

        async def count(table: str):
            async with engine.connect() as conn:
                return await conn.scalar(sa.text(f"SELECT count(*) FROM {table}"))

        scan, total = await timed(lambda: count("legal_processes"), repeat)
        rows.append((name, "count(*) legal_processes", scan, f"{total:,} rows"))
        narrow, _ = await timed(lambda: count("report_facts"), repeat)
        rows.append((name, "count(*) report_facts", narrow, ""))
        compute, report = await timed(lambda: service.compute(period, NOW), repeat)
        rows.append(
            (
                name,
                "report (query + maths)",
                compute,
                f"{compute / scan:.1f}x the plain scan; {report.totals.requests:,} counted",
            )
        )
        for fmt in ("json", "csv", "html"):

            async def render(fmt=fmt):
                return reports.render(report, fmt)

            seconds, data = await timed(render, repeat)
            rows.append((name, f"render {fmt}", seconds, f"{len(data):,} bytes"))
    finally:
        await engine.dispose()
    return rows


async def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL database")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument(
        "--sqlite-file", help="SQLite register to use and keep (filled when it does not exist)"
    )
    args = parser.parse_args(argv)

    results: list[tuple] = []
    if args.sqlite_file:
        # A register kept from an earlier run (filled once: generating takes minutes).
        path = Path(args.sqlite_file)
        url = f"sqlite+aiosqlite:///{path}"
        results += await bench_backend(
            "SQLite", url, args.requests, args.repeat, generate=not path.exists()
        )
    elif not args.skip_sqlite:
        with tempfile.TemporaryDirectory(prefix="writ-bench-") as directory:
            url = f"sqlite+aiosqlite:///{Path(directory) / 'register.db'}"
            results += await bench_backend("SQLite", url, args.requests, args.repeat)
    admin_url = os.environ.get("WRIT_TEST_POSTGRES_URL")
    if admin_url:
        import asyncpg

        name = f"writ_bench_{uuid.uuid4().hex[:8]}"
        admin = await asyncpg.connect(admin_url)
        await admin.execute(f'CREATE DATABASE "{name}"')
        await admin.close()
        base = admin_url.rsplit("/", 1)[0].split("://", 1)[1]
        try:
            results += await bench_backend(
                "PostgreSQL", f"postgresql+asyncpg://{base}/{name}", args.requests, args.repeat
            )
        finally:
            if not args.keep:
                admin = await asyncpg.connect(admin_url)
                await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                await admin.close()
    else:
        console.print("WRIT_TEST_POSTGRES_URL not set: PostgreSQL skipped")

    table = Table(title=f"transparency report, {args.requests:,} requests, median of {args.repeat}")
    for column in ("backend", "what", "seconds", "notes"):
        table.add_column(column)
    for backend, what, seconds, notes in results:
        table.add_row(backend, what, f"{seconds:.3f}", notes)
    console.print(table)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
