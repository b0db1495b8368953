"""``writ retention``: set up the schedule (deploy time) and run the purge now."""

from __future__ import annotations

import argparse
import asyncio


def add_retention_commands(subparsers: argparse._SubParsersAction) -> None:
    retention = subparsers.add_parser("retention", help="the retention purge and its schedule")
    sub = retention.add_subparsers(dest="retention_command", required=True)
    sub.add_parser(
        "schedule",
        help="create the retention schedule on Temporal, or update it (idempotent)",
    ).set_defaults(func=_cmd_schedule)
    sub.add_parser(
        "run-now", help="trigger the retention schedule once, now (it must exist)"
    ).set_defaults(func=_cmd_run_now)


def _cmd_schedule(args: argparse.Namespace) -> int:
    from services.platform.settings import get_settings
    from services.platform.temporal import connect
    from services.workflows.retention.schedule import SCHEDULE_ID, ensure_retention_schedule

    async def run() -> str:
        settings = get_settings()
        return await ensure_retention_schedule(await connect(settings), settings)

    outcome = asyncio.run(run())
    print(f"retention schedule {SCHEDULE_ID}: {outcome}")
    return 0


def _cmd_run_now(args: argparse.Namespace) -> int:
    from services.platform.settings import get_settings
    from services.platform.temporal import connect
    from services.workflows.retention.schedule import SCHEDULE_ID

    async def run() -> None:
        client = await connect(get_settings())
        await client.get_schedule_handle(SCHEDULE_ID).trigger()

    asyncio.run(run())
    print(f"retention schedule {SCHEDULE_ID}: triggered")
    return 0
