"""Issue 13 defect 5: the audit chain anchored outside the database. Deleting the last rows,
or editing a row and recomputing every later hash, still verifies as a chain; the signed
checkpoints in object-locked S3 catch both and name where. SQLite and PostgreSQL, real
SeaweedFS."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import subprocess
import sys
import uuid

import msgspec
import pytest
import sqlalchemy as sa

from services.delivery.signing import ProductionSigner
from services.platform.objectstore import ensure_buckets
from services.register import audit
from services.register.audit import AuditLog, event_hash
from services.register.audit_checkpoints import (
    CHECKPOINT_TYPE,
    CheckpointProblem,
    checkpoint_key,
    read_checkpoints,
    verify_against_checkpoints,
    write_checkpoint,
)
from services.register.engine import as_utc, transaction
from services.register.tables import audit_events


@pytest.fixture
def anchored(base_settings, s3):
    """Settings whose productions bucket (object-locked, like production's) is this test's."""
    settings = msgspec.structs.replace(
        base_settings, productions_bucket=f"writ-test-anchor-{uuid.uuid4().hex[:10]}"
    )
    ensure_buckets(settings, timeout=60)
    return settings


async def append(engine, count: int) -> None:
    for n in range(count):

        async def write(conn, n=n):
            await audit.append(
                conn, request_id="lp_x", actor="alice", action="status:in_review", detail={"n": n}
            )

        await transaction(engine, write)


async def checkpoints_hold(engine, s3, settings) -> int:
    found = await asyncio.to_thread(read_checkpoints, s3, settings)
    return await verify_against_checkpoints(engine, found)


async def test_an_intact_chain_matches_its_checkpoints(engine, s3, anchored):
    await append(engine, 3)
    first = await write_checkpoint(engine, s3, anchored, "periodic")
    assert first is not None and first.seq == 3
    assert await write_checkpoint(engine, s3, anchored, "periodic") is None  # already anchored
    await append(engine, 2)
    await write_checkpoint(engine, s3, anchored, "delivery:lp_x")
    assert await checkpoints_hold(engine, s3, anchored) == 2
    lock = s3.get_object_retention(Bucket=anchored.productions_bucket, Key=checkpoint_key(5))
    assert lock["Retention"]["Mode"] == "COMPLIANCE"


async def test_a_truncated_tail_is_named(engine, s3, anchored):
    await append(engine, 5)
    await write_checkpoint(engine, s3, anchored, "delivery:lp_x")
    async with engine.begin() as conn:
        await conn.execute(audit_events.delete().where(audit_events.c.seq >= 4))
    assert await AuditLog(engine).verify() == 3  # the chain alone cannot tell
    with pytest.raises(CheckpointProblem, match="truncated tail.*seq 5.*missing") as broken:
        await checkpoints_hold(engine, s3, anchored)
    assert broken.value.seq == 5


async def test_a_rehashed_segment_is_named(engine, s3, anchored):
    await append(engine, 3)
    await write_checkpoint(engine, s3, anchored, "periodic")
    await append(engine, 3)
    await write_checkpoint(engine, s3, anchored, "periodic")
    # Edit event 5, then recompute its hash and every later one: a consistent chain.
    async with engine.begin() as conn:
        rows = (
            await conn.execute(
                sa.select(audit_events).where(audit_events.c.seq >= 4).order_by("seq")
            )
        ).all()
        prev = rows[0].prev_hash
        for row in rows:
            detail = {"n": "edited"} if row.seq == 5 else row.detail
            new = event_hash(
                prev, row.seq, row.request_id, row.actor, row.action, detail, as_utc(row.at)
            )
            await conn.execute(
                audit_events.update()
                .where(audit_events.c.seq == row.seq)
                .values(detail=detail, prev_hash=prev, hash=new)
            )
            prev = new
    assert await AuditLog(engine).verify() == 6  # the chain alone cannot tell
    with pytest.raises(CheckpointProblem, match="re-hashed segment.*seq 6.*after seq 3") as broken:
        await checkpoints_hold(engine, s3, anchored)
    assert broken.value.seq == 6


async def test_a_forged_or_hidden_checkpoint_is_caught(engine, s3, anchored):
    await append(engine, 2)
    await write_checkpoint(engine, s3, anchored, "periodic")
    # Hidden behind a delete marker (a delete without a version id): still read.
    s3.delete_object(Bucket=anchored.productions_bucket, Key=checkpoint_key(2))
    async with engine.begin() as conn:
        await conn.execute(audit_events.delete().where(audit_events.c.seq == 2))
    with pytest.raises(CheckpointProblem, match="truncated tail"):
        await checkpoints_hold(engine, s3, anchored)

    # A checkpoint signed with some other key is not the provider's.
    other = ProductionSigner.from_seed(base64.b64encode(os.urandom(32)).decode())
    payload = json.dumps({"seq": 1, "hash": "0" * 64}).encode()
    s3.put_object(
        Bucket=anchored.productions_bucket,
        Key=checkpoint_key(1),
        Body=json.dumps(
            {"payload": payload.decode(), "signature": other.sign(payload, typ=CHECKPOINT_TYPE)}
        ).encode(),
    )
    with pytest.raises(CheckpointProblem, match="not signed by the provider"):
        await checkpoints_hold(engine, s3, anchored)


async def test_writ_audit_verify_checks_the_checkpoints(engine, own_register_url, s3, anchored):
    await append(engine, 4)
    await write_checkpoint(engine, s3, anchored, "periodic")
    env = {
        **os.environ,
        "WRIT_DATABASE_URL": own_register_url,
        "WRIT_S3_ENDPOINT": anchored.s3_endpoint,
        "WRIT_S3_ACCESS_KEY": anchored.s3_access_key,
        "WRIT_S3_SECRET_KEY": anchored.s3_secret_key,
        "WRIT_PRODUCTIONS_BUCKET": anchored.productions_bucket,
        "WRIT_PRODUCTION_SIGNING_KEY": anchored.production_signing_key,
    }

    def verify() -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "services.cli", "audit", "verify"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    intact = await asyncio.to_thread(verify)
    assert intact.returncode == 0, intact.stderr
    assert "matches 1 signed checkpoints" in intact.stdout and "seq 4" in intact.stdout
    async with engine.begin() as conn:
        await conn.execute(audit_events.delete().where(audit_events.c.seq == 4))
    tampered = await asyncio.to_thread(verify)
    assert tampered.returncode == 1
    assert "TAMPERED" in tampered.stderr and "truncated tail" in tampered.stderr
