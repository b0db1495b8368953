"""``writ billing export --since DATE``: re-emit the billing events of every invoice and
credit note issued on or after DATE, for reconciliation. Idempotent: the same keys, the
same bytes (``services.billing.events``)."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from typing import Any


def add_billing_commands(sub: Any) -> None:
    billing = sub.add_parser("billing", help="cost recovery: billing events")
    billing_sub = billing.add_subparsers(dest="billing_command", required=True)
    export = billing_sub.add_parser(
        "export", help="re-emit billing events to S3 for documents issued since DATE"
    )
    export.add_argument("--since", required=True, type=_date, help="YYYY-MM-DD")
    export.set_defaults(func=_cmd_export)


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"--since: not a date (YYYY-MM-DD): {value!r}") from exc


def _cmd_export(args: argparse.Namespace) -> int:
    import asyncio

    from services.platform.settings import get_settings

    return asyncio.run(export_events(get_settings(), args.since))


async def export_events(settings: Any, since: dt.date, out: Any = sys.stdout) -> int:
    from services.billing.export import export_since
    from services.platform.objectstore import s3_client
    from services.register.billing import BillingLedger
    from services.register.engine import create_engine

    engine = create_engine(settings.database_url_async)
    try:
        keys = await export_since(BillingLedger(engine), s3_client(settings), settings, since)
    finally:
        await engine.dispose()
    for key in keys:
        print(key, file=out)
    print(f"{len(keys)} billing events re-emitted since {since.isoformat()}", file=sys.stderr)
    return 0
