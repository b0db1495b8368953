"""``writ register generate``: write synthetic requests into a register in batches, with a
progress bar. Refuses a register holding synthetic requests of that year already."""

from __future__ import annotations

import datetime as dt
import itertools

import sqlalchemy as sa
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn
from sqlalchemy.ext.asyncio import AsyncEngine

from services.register.synthetic.requests import AGENCY_ID, synthetic_requests
from services.register.tables import agencies, legal_processes
from services.register.transparency import add_account_periods, report_accounts, store_facts

BATCH = 5000


class AlreadyGenerated(Exception):
    pass


async def generate_register(
    engine: AsyncEngine,
    count: int,
    year: int,
    *,
    seed: int = 2026,
    progress: bool = True,
    now: dt.datetime | None = None,
) -> int:
    now = now or dt.datetime.now(dt.UTC)
    async with engine.begin() as conn:
        taken = await conn.scalar(
            sa.select(legal_processes.c.id)
            .where(legal_processes.c.id.like(f"lp-syn-{year}-%"))
            .limit(1)
        )
        if taken is not None:
            raise AlreadyGenerated(f"the register already holds synthetic requests of {year}")
        if not await conn.scalar(sa.select(agencies.c.id).where(agencies.c.id == AGENCY_ID)):
            await conn.execute(
                agencies.insert().values(
                    id=AGENCY_ID,
                    name="Synthetic agency",
                    jurisdiction="US-NC",
                    email_domains=["synthetic.invalid"],
                    callback_number="+15550000000",
                    created_at=now,
                )
            )
    written = 0
    requests = synthetic_requests(count, year, seed, now)
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        disable=not progress,
    ) as bar:
        task = bar.add_task(f"register {year}", total=count)
        while batch := list(itertools.islice(requests, BATCH)):
            async with engine.begin() as conn:
                await conn.execute(legal_processes.insert(), [r.row for r in batch])
                await conn.run_sync(store_facts, [r.fact for r in batch])
                accounts = [
                    {"request_id": r.fact.request_id, "account_id": a}
                    for r in batch
                    for a in r.accounts
                ]
                if accounts:
                    await conn.execute(report_accounts.insert(), accounts)
                    await conn.run_sync(
                        add_account_periods,
                        [(r.fact.received_at, a) for r in batch for a in r.accounts],
                    )
            written += len(batch)
            bar.update(task, advance=len(batch))
    return written
