"""Signed documents uploaded ahead of a JSON submission (the bytes are in S3)."""

from __future__ import annotations

import datetime as dt

import msgspec
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from services.register.engine import as_utc, utcnow
from services.register.tables import documents


class DocumentRecord(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    agency_id: str
    key: str  # in the documents bucket
    sha256: str
    bytes: int
    uploaded_at: dt.datetime | None = None  # set by the register


class Documents:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def add(self, document: DocumentRecord) -> None:
        stored = msgspec.structs.replace(document, uploaded_at=utcnow())
        async with self.engine.begin() as conn:
            await conn.execute(documents.insert().values(**msgspec.structs.asdict(stored)))

    async def get(self, document_id: str) -> DocumentRecord | None:
        async with self.engine.connect() as conn:
            row = (
                await conn.execute(sa.select(documents).where(documents.c.id == document_id))
            ).first()
        if row is None:
            return None
        return DocumentRecord(
            id=row.id,
            agency_id=row.agency_id,
            key=row.key,
            sha256=row.sha256,
            bytes=row.bytes,
            uploaded_at=as_utc(row.uploaded_at),
        )
