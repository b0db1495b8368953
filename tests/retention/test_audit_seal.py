"""Purging the audit log seals a segment from the start of the chain; verification then
starts at the seal. A deleted or edited event after the seal, a forged seal, or a seal
without its attestation in the chain is still detected. On SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio

import pytest
import sqlalchemy as sa

from services.register import audit
from services.register.audit import SEALED_ACTION, AuditChainBroken, AuditLog
from services.register.audit_seals import seal_segment
from services.register.case_register import Register
from services.register.engine import transaction
from services.register.tables import audit_events, audit_seals


async def append(engine, count: int, action: str = "status:in_review") -> list[int]:
    seqs = []
    for _ in range(count):

        async def write(conn):
            return await audit.append(conn, request_id="lp_x", actor="alice", action=action)

        seqs.append(await transaction(engine, write))
    return seqs


async def seal(engine, through_seq: int) -> int:
    async def write(conn):
        return await seal_segment(conn, through_seq=through_seq, actor="retention")

    return await transaction(engine, write)


async def remaining(engine) -> list[int]:
    async with engine.connect() as conn:
        return list(
            (await conn.execute(sa.select(audit_events.c.seq).order_by(audit_events.c.seq)))
            .scalars()
            .all()
        )


async def test_a_chain_starting_at_a_seal_verifies(engine):
    await append(engine, 5)
    assert await AuditLog(engine).verify() == 5
    assert await seal(engine, 3) == 3
    # 4, 5 and the attestation (6) remain; the Register's own verify agrees.
    assert await remaining(engine) == [4, 5, 6]
    assert await AuditLog(engine).verify() == 3
    assert await Register(engine).audit.verify() == 3

    # Appends continue the chain as before, and a second seal chains onto the first.
    await Register(engine).audit.record(request_id=None, actor="bob", action="agency_registered")
    assert await seal(engine, 6) == 3
    assert await remaining(engine) == [7, 8]
    assert await AuditLog(engine).verify() == 2
    async with engine.connect() as conn:
        seals = (await conn.execute(sa.select(audit_seals).order_by("through_seq"))).all()
    assert [(s.first_seq, s.through_seq, s.event_count) for s in seals] == [(1, 3, 3), (4, 6, 3)]
    assert seals[1].prev_seal_hash == seals[0].seal_hash


async def test_sealing_nothing_new_is_a_no_op(engine):
    await append(engine, 3)
    assert await seal(engine, 2) == 2
    assert await seal(engine, 2) == 0
    assert await AuditLog(engine).verify() == 2


async def test_a_tampered_segment_is_never_sealed(engine):
    """Sealing must not launder tampering: the segment is verified before it goes."""
    await append(engine, 4)
    async with engine.begin() as conn:
        await conn.execute(
            audit_events.update().where(audit_events.c.seq == 2).values(actor="mallory")
        )
    with pytest.raises(AuditChainBroken) as refused:
        await seal(engine, 3)
    assert refused.value.seq == 2
    assert await remaining(engine) == [1, 2, 3, 4], "nothing sealed, nothing deleted"


async def test_a_deleted_event_after_the_seal_still_fails(engine):
    await append(engine, 6)
    await seal(engine, 2)
    async with engine.begin() as conn:
        await conn.execute(audit_events.delete().where(audit_events.c.seq == 4))
    with pytest.raises(AuditChainBroken) as broken:
        await AuditLog(engine).verify()
    assert broken.value.seq == 5


async def test_the_first_event_after_the_seal_deleted_fails(engine):
    await append(engine, 4)
    await seal(engine, 2)
    async with engine.begin() as conn:
        await conn.execute(audit_events.delete().where(audit_events.c.seq == 3))
    with pytest.raises(AuditChainBroken, match="a row is missing"):
        await AuditLog(engine).verify()


async def test_an_edited_event_after_the_seal_fails(engine):
    await append(engine, 4)
    await seal(engine, 2)
    async with engine.begin() as conn:
        await conn.execute(
            audit_events.update().where(audit_events.c.seq == 4).values(actor="mallory")
        )
    with pytest.raises(AuditChainBroken) as broken:
        await AuditLog(engine).verify()
    assert broken.value.seq == 4


async def test_a_forged_seal_fails(engine):
    """Dropping events and writing a seal for them is not enough: the seal's own hash, its
    place in the seal chain, and its attestation in the chain after it are checked."""
    await append(engine, 5)
    await seal(engine, 2)
    async with engine.begin() as conn:
        await conn.execute(audit_seals.update().values(last_hash="f" * 64))
    with pytest.raises(AuditChainBroken, match="seal"):
        await AuditLog(engine).verify()


async def test_a_seal_without_its_attestation_fails(engine):
    await append(engine, 4)
    await seal(engine, 2)
    async with engine.begin() as conn:
        attestation = await conn.scalar(
            sa.select(audit_events.c.seq).where(audit_events.c.action == SEALED_ACTION)
        )
        # Rewrite the chain from the attestation on as if it never existed: the hashes are
        # consistent again, but the newest seal is no longer recorded after it.
        await conn.execute(audit_events.delete().where(audit_events.c.seq >= attestation))
    with pytest.raises(AuditChainBroken, match="not recorded"):
        await AuditLog(engine).verify()


async def test_writ_audit_verify_after_a_seal(engine, own_register_url):
    import os
    import subprocess
    import sys

    await append(engine, 4)
    await seal(engine, 3)

    def verify() -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "services.cli", "audit", "verify", "--no-checkpoints"],
            env={**os.environ, "WRIT_DATABASE_URL": own_register_url},
            capture_output=True,
            text=True,
            timeout=120,
        )

    intact = await asyncio.to_thread(verify)
    assert intact.returncode == 0, intact.stderr
    assert "2 events from the newest seal on (3 earlier events sealed)" in intact.stdout

    async with engine.begin() as conn:
        await conn.execute(audit_events.delete().where(audit_events.c.seq == 4))
    tampered = await asyncio.to_thread(verify)
    assert tampered.returncode == 1 and "TAMPERED" in tampered.stderr
