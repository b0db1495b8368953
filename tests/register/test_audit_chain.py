"""The audit log is append-only and hash-chained: any edit or deletion is detected."""

import uuid

import pytest
import sqlalchemy as sa

from services.register.audit import AuditChainBroken
from services.register.tables import audit_events


async def test_chain_verifies_and_detects_tampering(register):
    request_id = f"lp_{uuid.uuid4().hex[:24]}"
    for action in ("received", "status:in_review", "status:approved"):
        await register.audit.record(
            request_id=request_id, actor="alice", action=action, detail={"n": action}
        )
    assert await register.audit.verify() >= 3

    trail = await register.audit.trail(request_id)
    assert [e.action for e in trail] == ["received", "status:in_review", "status:approved"]
    victim = trail[1].seq
    async with register.engine.begin() as conn:
        await conn.execute(
            audit_events.update().where(audit_events.c.seq == victim).values(actor="mallory")
        )
    with pytest.raises(AuditChainBroken) as broken:
        await register.audit.verify()
    assert broken.value.seq == victim

    # Put it back so the session's shared register stays verifiable for other tests.
    async with register.engine.begin() as conn:
        await conn.execute(
            audit_events.update().where(audit_events.c.seq == victim).values(actor="alice")
        )
    assert await register.audit.verify() >= 3


async def test_deleting_an_event_breaks_the_chain(register):
    request_id = f"lp_{uuid.uuid4().hex[:24]}"
    for action in ("received", "status:closed", "status:reopened"):
        await register.audit.record(request_id=request_id, actor="bob", action=action)
    trail = await register.audit.trail(request_id)
    victim = trail[1]
    async with register.engine.begin() as conn:
        row = (
            (await conn.execute(sa.select(audit_events).where(audit_events.c.seq == victim.seq)))
            .mappings()
            .one()
        )
        await conn.execute(audit_events.delete().where(audit_events.c.seq == victim.seq))
    with pytest.raises(AuditChainBroken):
        await register.audit.verify()
    async with register.engine.begin() as conn:
        await conn.execute(audit_events.insert().values(**row))
    assert await register.audit.verify() >= 3
