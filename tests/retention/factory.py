"""Test data for retention: requests as the register holds them after the workflow closed
them, long ago, with their objects in S3."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

import msgspec
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from services.register.audit import append as append_event
from services.register.tables import (
    agencies,
    disclosures,
    documents,
    legal_processes,
    process_targets,
)
from tests.factories import make_process

AGENCY = "raleigh-pd"
YEAR = dt.timedelta(days=365)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class AgedRequest:
    request_id: str
    document_key: str
    collection_keys: list[str] = field(default_factory=list)
    production_keys: list[str] = field(default_factory=list)
    case_number: str = ""
    account_id: str = ""


async def ensure_agency(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        if await conn.scalar(sa.select(agencies.c.id).where(agencies.c.id == AGENCY)):
            return
        await conn.execute(
            agencies.insert().values(
                id=AGENCY,
                name="Raleigh PD",
                jurisdiction="US-NC",
                email_domains=["raleighpd.gov"],
                callback_number="+19195550199",
                created_at=utcnow() - 10 * YEAR,
            )
        )


async def add_request(
    engine: AsyncEngine,
    s3,
    settings,
    *,
    closed_ago: dt.timedelta | None = 8 * YEAR,
    status: str = "closed",
    categories: tuple[str, ...] = ("subscriber_info", "toll_records"),
    production_locked_until: dt.datetime | None = None,
) -> AgedRequest:
    """A request received and closed ``closed_ago`` (None: still open), with its signed
    document, a collected working copy, a production and a disclosure, and its audit trail
    written at those dates."""
    await ensure_agency(engine)
    now = utcnow()
    request_id = f"lp_{uuid.uuid4().hex[:24]}"
    closed_at = now - (closed_ago or dt.timedelta(0))
    received_at = closed_at - dt.timedelta(days=10)
    aged = AgedRequest(
        request_id=request_id,
        document_key=f"documents/{AGENCY}/{request_id}/process.pdf",
        case_number=f"2018-CR-{uuid.uuid4().hex[:6]}",
        account_id=f"ACCT-{uuid.uuid4().hex[:8]}",
    )
    s3.put_object(Bucket=settings.documents_bucket, Key=aged.document_key, Body=b"%PDF-1.4 x")
    collection_key = f"collections/{request_id}/toll_records.parquet"
    s3.put_object(Bucket=settings.documents_bucket, Key=collection_key, Body=b"PAR1")
    aged.collection_keys.append(collection_key)
    for name in ("toll_records.csv", "manifest.json"):
        key = f"productions/{request_id}/{name}"
        lock = (
            {"ObjectLockMode": "COMPLIANCE", "ObjectLockRetainUntilDate": production_locked_until}
            if production_locked_until
            else {}
        )
        s3.put_object(Bucket=settings.productions_bucket, Key=key, Body=b"{}", **lock)
        aged.production_keys.append(key)
    async with engine.begin() as conn:
        await conn.execute(
            legal_processes.insert().values(
                id=request_id,
                agency_id=AGENCY,
                process_type="subpoena",
                case_number=aged.case_number,
                status=status if closed_ago is not None else "in_review",
                emergency=False,
                received_at=received_at,
                updated_at=closed_at,
                submission={},
                # A whole process, as intake writes it: shared-register readers decode it.
                process=msgspec.to_builtins(
                    make_process(
                        request_id=request_id,
                        case_number=aged.case_number,
                        received_at=received_at,
                        issued_on=(received_at - dt.timedelta(days=1)).date(),
                        period=None,
                    )
                ),
                document_key=aged.document_key,
                document_sha256="0" * 64,
                production_key=aged.production_keys[-1],
                escalated=False,
                overdue=False,
            )
        )
        await conn.execute(
            process_targets.insert(),
            [
                {"request_id": request_id, "kind": "telephone_number", "value": "+19195550100"},
                {"request_id": request_id, "kind": "account_id", "value": aged.account_id},
            ],
        )
        await conn.execute(
            documents.insert().values(
                id=request_id,
                agency_id=AGENCY,
                key=aged.document_key,
                sha256="0" * 64,
                bytes=10,
                uploaded_at=received_at,
            )
        )
        await append_event(
            conn, request_id=request_id, actor="intake", action="received", at=received_at
        )
        if closed_ago is not None:
            await conn.execute(
                disclosures.insert().values(
                    id=f"{request_id}:deliver",
                    request_id=request_id,
                    agency_id=AGENCY,
                    categories=list(categories),
                    targets=["+19195550100"],
                    authority="18 U.S.C. §2703(c)(2)",
                    record_count=5,
                    manifest_sha256="1" * 64,
                    disclosed_at=closed_at,
                )
            )
            await append_event(
                conn, request_id=request_id, actor="worker", action="disclosed", at=closed_at
            )
            await append_event(
                conn, request_id=request_id, actor="worker", action="status:closed", at=closed_at
            )
    return aged


def versions(s3, bucket: str, prefix: str) -> list[dict]:
    page = s3.list_object_versions(Bucket=bucket, Prefix=prefix)
    return page.get("Versions", []) + page.get("DeleteMarkers", [])


async def row_exists(engine: AsyncEngine, table: sa.Table, column: str, value: str) -> bool:
    async with engine.connect() as conn:
        return (await conn.scalar(sa.select(sa.func.count()).where(table.c[column] == value))) > 0
