"""The agencies registry: who may submit, from which email domains, and where deliveries
go; with each agency's roster of officers."""

from __future__ import annotations

import datetime as dt

import msgspec
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.register import audit
from services.register.engine import as_utc, transaction, utcnow
from services.register.tables import agencies, officers


class AgencyRecord(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    name: str
    jurisdiction: str
    email_domains: list[str]
    callback_number: str
    webhook_url: str | None = None
    webhook_secret: str | None = None
    created_at: dt.datetime | None = None  # set by the register when the agency is created


class OfficerRecord(msgspec.Struct, frozen=True, kw_only=True):
    email: str  # lower case
    name: str
    badge: str | None = None
    phone: str | None = None


def _agency(row: sa.Row) -> AgencyRecord:
    return AgencyRecord(
        id=row.id,
        name=row.name,
        jurisdiction=row.jurisdiction,
        email_domains=list(row.email_domains),
        callback_number=row.callback_number,
        webhook_url=row.webhook_url,
        webhook_secret=row.webhook_secret,
        created_at=as_utc(row.created_at),
    )


class Agencies:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def create(
        self, agency: AgencyRecord, roster: list[OfficerRecord], actor: str
    ) -> AgencyRecord | None:
        """Insert an agency and its officers; None when the id is taken."""
        stored = msgspec.structs.replace(agency, created_at=utcnow())

        async def write(conn: AsyncConnection) -> AgencyRecord | None:
            exists = await conn.scalar(sa.select(agencies.c.id).where(agencies.c.id == agency.id))
            if exists:
                return None
            await conn.execute(agencies.insert().values(**msgspec.structs.asdict(stored)))
            if roster:
                await conn.execute(
                    officers.insert(),
                    [msgspec.structs.asdict(o) | {"agency_id": agency.id} for o in roster],
                )
            await audit.append(
                conn,
                request_id=None,
                actor=actor,
                action="agency_registered",
                detail={"agency_id": agency.id},
            )
            return stored

        return await transaction(self.engine, write)

    async def get(self, agency_id: str) -> AgencyRecord | None:
        async with self.engine.connect() as conn:
            row = (
                await conn.execute(sa.select(agencies).where(agencies.c.id == agency_id))
            ).first()
            return _agency(row) if row else None

    async def list(self) -> list[AgencyRecord]:
        async with self.engine.connect() as conn:
            rows = await conn.execute(sa.select(agencies).order_by(agencies.c.id))
            return [_agency(r) for r in rows]

    async def officer_known(self, agency_id: str, email: str) -> bool:
        async with self.engine.connect() as conn:
            found = await conn.scalar(
                sa.select(officers.c.email).where(
                    officers.c.agency_id == agency_id, officers.c.email == email.lower()
                )
            )
            return found is not None
