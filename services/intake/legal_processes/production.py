"""The agency's download of its production (docs/architecture.md §8): streamed from the
productions bucket in chunks, never held whole in memory, and audited before the first
byte leaves."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from services.intake.auth.tokens import Principal
from services.intake.legal_processes.access import CaseAccess
from services.intake.problems import Problem
from services.register.case_register import Register

CHUNK_BYTES = 1024 * 1024


@dataclass(frozen=True)
class ProductionDownload:
    filename: str
    media_type: str
    size: int
    chunks: AsyncIterator[bytes]

    @property
    def headers(self) -> dict[str, str]:
        return {
            "Content-Disposition": f'attachment; filename="{self.filename}"',
            "Content-Length": str(self.size),
        }


class ProductionDownloads:
    def __init__(self, access: CaseAccess, register: Register, s3: Any, bucket: str) -> None:
        self.access = access
        self.register = register
        self.s3 = s3
        self.bucket = bucket

    async def open(self, principal: Principal, request_id: str) -> ProductionDownload:
        record = await self.access.own_request(principal, request_id)
        key = record.production_key or ""
        if not key:
            raise _no_production()
        try:
            obj = await asyncio.to_thread(self.s3.get_object, Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in {"404", "NoSuchKey", "NotFound"}:
                raise _no_production() from exc
            raise
        body, size = obj["Body"], int(obj["ContentLength"])
        try:
            await self.register.audit.record(
                request_id=request_id,
                actor=principal.subject,
                action="production_downloaded",
                detail={"key": key, "bytes": size},
            )
        except BaseException:
            await asyncio.to_thread(body.close)
            raise
        name = key.rsplit("/", 1)[-1]
        return ProductionDownload(
            filename=f"{request_id}-{name}",
            media_type="application/zip" if name.endswith(".zip") else "application/json",
            size=size,
            chunks=_chunks(body),
        )


async def _chunks(body: Any) -> AsyncIterator[bytes]:
    """The object's bytes, a chunk at a time, each read in a thread (boto3 blocks)."""
    try:
        while chunk := await asyncio.to_thread(body.read, CHUNK_BYTES):
            yield chunk
    finally:
        await asyncio.to_thread(body.close)


def _no_production() -> Problem:
    return Problem(
        404, "no-production", "No production", "there is no production for this request (yet)"
    )
