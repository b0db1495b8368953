"""``writ lake …`` subcommands. Heavy imports happen when a command runs, not at parse time."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time


def add_lake_commands(subparsers: argparse._SubParsersAction) -> None:
    """Register ``lake generate`` on the ``writ`` command's subparsers."""
    lake = subparsers.add_parser("lake", help="the carrier data lake")
    commands = lake.add_subparsers(dest="lake_command", required=True)
    generate = commands.add_parser(
        "generate",
        help="write a synthetic carrier lake to the lake bucket (replaces a synthetic one)",
    )
    generate.add_argument("--rows", type=_positive, required=True, help="call records to generate")
    generate.add_argument("--seed", type=int, required=True, help="same seed, same lake")
    generate.add_argument(
        "--months", type=_positive, default=12, help="months of records (default 12)"
    )
    generate.add_argument(
        "--start",
        type=dt.date.fromisoformat,
        default=dt.date(2025, 1, 1),
        help="first month, YYYY-MM-DD (default 2025-01-01)",
    )
    generate.add_argument(
        "--buckets", type=_positive, default=None, help="hash buckets (default: the layout's)"
    )
    generate.add_argument("--no-progress", action="store_true", help="no progress bar")
    generate.set_defaults(func=_cmd_generate)


def _cmd_generate(args: argparse.Namespace) -> int:
    from services.carrier.layout import DEFAULT_LAYOUT, LakeLayout
    from services.carrier.synthetic.generator import LakeNotSynthetic, generate_lake
    from services.platform.settings import get_settings

    settings = get_settings()
    layout = DEFAULT_LAYOUT if args.buckets is None else LakeLayout(bucket_count=args.buckets)
    began = time.perf_counter()
    try:
        manifest = generate_lake(
            settings,
            args.rows,
            args.seed,
            start=args.start,
            months=args.months,
            layout=layout,
            progress=not args.no_progress,
        )
    except LakeNotSynthetic as exc:
        print(f"writ lake generate: {exc}", file=sys.stderr)
        return 2
    elapsed = time.perf_counter() - began
    print(
        f"s3://{settings.lake_bucket}: {layout.bucket_count} buckets, generated in {elapsed:.1f}s"
    )
    for table, rows in manifest.tables.items():
        print(f"  {table:<20} {rows:>14,} rows")
    return 0


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value
