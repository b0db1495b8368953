"""The CPNI disclosure log: a record of every disclosure to a third party, kept at least a
year (47 CFR §64.2009(c))."""

from __future__ import annotations

import datetime as dt

import msgspec
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from contracts.enums import DataCategory
from services.register import audit
from services.register.engine import as_utc, transaction
from services.register.tables import disclosures


class Disclosure(msgspec.Struct, frozen=True, kw_only=True):
    id: str  # request id + delivery step: recording it twice is a no-op
    request_id: str
    agency_id: str
    categories: list[DataCategory]
    targets: list[str]
    authority: str
    record_count: int
    manifest_sha256: str
    disclosed_at: dt.datetime


class Disclosures:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def record(self, disclosure: Disclosure, actor: str) -> bool:
        """Record once per id; False when it was already recorded."""
        row = msgspec.structs.asdict(disclosure) | {
            "categories": sorted(c.value for c in disclosure.categories)
        }

        async def write(conn: AsyncConnection) -> bool:
            if await conn.scalar(
                sa.select(disclosures.c.id).where(disclosures.c.id == disclosure.id)
            ):
                return False
            await conn.execute(disclosures.insert().values(**row))
            await audit.append(
                conn,
                request_id=disclosure.request_id,
                actor=actor,
                action="disclosed",
                detail={
                    "categories": row["categories"],
                    "records": disclosure.record_count,
                    "manifest_sha256": disclosure.manifest_sha256,
                },
            )
            return True

        return await transaction(self.engine, write)

    async def list(self, *, since: dt.datetime | None = None, limit: int = 200) -> list[Disclosure]:
        query = sa.select(disclosures).order_by(disclosures.c.disclosed_at.desc()).limit(limit)
        if since is not None:
            query = query.where(disclosures.c.disclosed_at >= since)
        async with self.engine.connect() as conn:
            rows = (await conn.execute(query)).mappings().all()
        return [
            msgspec.convert(
                {str(name): value for name, value in r.items()}
                | {"disclosed_at": as_utc(r["disclosed_at"])},
                Disclosure,
            )
            for r in rows
        ]
