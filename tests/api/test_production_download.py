"""The production download streams from S3 a chunk at a time and is audited before the
first byte leaves (docs/architecture.md §8)."""

from __future__ import annotations

import asyncio
import hashlib
import os

import pytest

from services.intake.legal_processes import production
from tests.support import submission, submit

SIZE = 3 * 1024 * 1024 + 17  # a few chunks and a short last one


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Record the size of every read from the S3 body."""
    reads: list[int] = []
    real = production._chunks

    async def counting(body):
        async for chunk in real(body):
            reads.append(len(chunk))
            yield chunk

    monkeypatch.setattr(production, "_chunks", counting)
    return reads


async def test_download_streams_in_chunks_and_is_audited(
    api, agency, register, s3, service_settings, small_chunks
):
    response = await submit(api, agency["headers"], submission())
    assert response.status_code == 201, response.text
    request_id = response.json()["id"]
    key = f"productions/{request_id}/production.zip"
    data = os.urandom(SIZE)
    await asyncio.to_thread(
        s3.put_object, Bucket=service_settings.productions_bucket, Key=key, Body=data
    )
    await register.legal_processes.set_production(request_id, key, actor="writ")

    download = await api.get(
        f"/v1/legal-processes/{request_id}/production", headers=agency["headers"]
    )

    assert download.status_code == 200, download.text
    assert hashlib.sha256(download.content).digest() == hashlib.sha256(data).digest()
    assert download.headers["content-type"] == "application/zip"
    assert download.headers["content-length"] == str(SIZE)
    assert f'filename="{request_id}-production.zip"' in download.headers["content-disposition"]
    assert len(small_chunks) == 4 and max(small_chunks) == production.CHUNK_BYTES
    [audited] = [
        e for e in await register.audit.trail(request_id) if e.action == "production_downloaded"
    ]
    assert audited.detail == {"key": key, "bytes": SIZE}
    assert audited.actor == "j.doe@raleighpd.gov"


async def test_a_missing_production_object_is_a_404_and_not_audited(
    api, agency, register, service_settings
):
    response = await submit(api, agency["headers"], submission())
    request_id = response.json()["id"]
    await register.legal_processes.set_production(
        request_id, f"productions/{request_id}/production.zip", actor="writ"
    )

    download = await api.get(
        f"/v1/legal-processes/{request_id}/production", headers=agency["headers"]
    )

    assert download.status_code == 404, download.text
    assert download.json()["title"] == "No production"
    trail = await register.audit.trail(request_id)
    assert "production_downloaded" not in [e.action for e in trail]
