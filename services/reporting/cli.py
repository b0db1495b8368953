"""``writ transparency …`` and ``writ register generate`` (the latter a development tool in
``services/register/synthetic/``). Heavy imports happen when a command runs."""

from __future__ import annotations

import argparse
import sys


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    report = subparsers.add_parser(
        "transparency",
        help="the transparency report: compute a period, or backfill report facts",
        description="writ transparency 2026 --format html -o report.html; "
        "writ transparency backfill",
    )
    report.add_argument("period", help="a year (2026), a half (2026-H1), or 'backfill'")
    report.add_argument("--format", choices=["json", "csv", "html"], default="json")
    report.add_argument("-o", "--output", help="write to this file (default: stdout)")
    report.set_defaults(func=_cmd_transparency)

    register = subparsers.add_parser("register", help="the case register (development tools)")
    commands = register.add_subparsers(dest="register_command", required=True)
    generate = commands.add_parser(
        "generate", help="development only: fill the register with synthetic requests"
    )
    generate.add_argument("--requests", type=_positive, required=True)
    generate.add_argument("--year", type=int, required=True)
    generate.add_argument("--seed", type=int, default=2026, help="same seed, same register")
    generate.add_argument("--no-progress", action="store_true")
    generate.set_defaults(func=_cmd_generate)


def _positive(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError("must be a positive number")
    return value


def _cmd_transparency(args: argparse.Namespace) -> int:
    import asyncio
    import datetime as dt

    from services.platform.settings import get_settings
    from services.register.engine import create_engine
    from services.reporting import reports
    from services.reporting.periods import InvalidPeriod, parse_period

    settings = get_settings()
    if args.period == "backfill":
        return asyncio.run(_backfill(settings))
    try:
        period = parse_period(args.period)
    except InvalidPeriod as exc:
        print(f"writ transparency: period: {exc}", file=sys.stderr)
        return 2

    async def run() -> bytes:
        engine = create_engine(settings.database_url_async)
        try:
            service = reports.TransparencyReports(settings, engine, s3=None)
            now = dt.datetime.now(dt.UTC)
            publication = await service.publication(period)
            if publication is not None:
                print(
                    f"note: {period.label} was published {publication.published_at:%Y-%m-%d} "
                    "by " + publication.published_by + "; this is a fresh computation "
                    "(the snapshot: GET /v1/transparency-reports/" + period.label + ")",
                    file=sys.stderr,
                )
            return reports.render(await service.compute(period, now), args.format)
        finally:
            await engine.dispose()

    data = asyncio.run(run())
    if args.output:
        with open(args.output, "wb") as out:
            out.write(data)
    else:
        sys.stdout.buffer.write(data)
    return 0


async def _backfill(settings) -> int:
    from services.platform.objectstore import s3_client
    from services.register.engine import create_engine
    from services.register.transparency import backfill

    engine = create_engine(settings.database_url_async)
    try:
        written = await backfill(
            engine, s3=s3_client(settings), productions_bucket=settings.productions_bucket
        )
    finally:
        await engine.dispose()
    print(f"report facts written for {written} requests")
    return 0


def _cmd_generate(args: argparse.Namespace) -> int:
    import asyncio
    import time

    from services.platform.settings import get_settings
    from services.register.engine import create_engine
    from services.register.migrations import upgrade
    from services.register.synthetic.generator import AlreadyGenerated, generate_register

    settings = get_settings()
    upgrade(settings)

    async def run() -> int:
        engine = create_engine(settings.database_url_async)
        try:
            return await generate_register(
                engine, args.requests, args.year, seed=args.seed, progress=not args.no_progress
            )
        finally:
            await engine.dispose()

    began = time.perf_counter()
    try:
        written = asyncio.run(run())
    except AlreadyGenerated as exc:
        print(f"writ register generate: {exc}", file=sys.stderr)
        return 2
    print(f"{written} synthetic requests of {args.year} in {time.perf_counter() - began:.1f}s")
    return 0
