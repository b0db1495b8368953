"""Many writers append to the one audit chain at once (issue 13, defect 1: about 20
requests in flight exhausted eight immediate retries). Every append lands, in one intact
chain; the collision is recognised by its constraint, never by an error message."""

from __future__ import annotations

import asyncio
import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from services.register import audit
from services.register.engine import unique_violation
from services.register.tables import AUDIT_SEQ_CONSTRAINT, audit_events

WRITERS = 24


async def test_concurrent_appends_all_land_in_one_intact_chain(register):
    request_id = f"lp_{uuid.uuid4().hex[:24]}"
    before = await register.audit.verify()

    await asyncio.gather(
        *(
            register.audit.record(request_id=request_id, actor=f"writer-{n}", action=f"step:{n}")
            for n in range(WRITERS)
        )
    )

    trail = await register.audit.trail(request_id)
    assert sorted(e.action for e in trail) == sorted(f"step:{n}" for n in range(WRITERS))
    assert await register.audit.verify() == before + WRITERS


async def test_two_processes_appending_at_once_share_one_chain(register, register_url):
    """The API and the worker are two processes with an engine each on the same database."""
    from services.register.case_register import Register

    other = Register.connect(register_url)
    request_id = f"lp_{uuid.uuid4().hex[:24]}"
    before = await register.audit.verify()
    try:
        await asyncio.gather(
            *(
                (register if n % 2 else other).audit.record(
                    request_id=request_id, actor="writ", action=f"step:{n}"
                )
                for n in range(4 * WRITERS)
            )
        )
    finally:
        await other.close()
    assert len(await register.audit.trail(request_id)) == 4 * WRITERS
    assert await register.audit.verify() == before + 4 * WRITERS


async def test_concurrent_status_changes_and_appends_all_land(register):
    """Writes that append inside a larger unit of work are retried whole."""
    request_ids = [f"lp_{uuid.uuid4().hex[:24]}" for _ in range(WRITERS)]
    before = await register.audit.verify()

    async def disclose_and_note(request_id: str) -> None:
        async def work(conn) -> None:
            await audit.append(conn, request_id=request_id, actor="writ", action="first")
            await audit.append(conn, request_id=request_id, actor="writ", action="second")

        await register.transaction(work)

    await asyncio.gather(*(disclose_and_note(r) for r in request_ids))

    for request_id in request_ids:
        assert [e.action for e in await register.audit.trail(request_id)] == ["first", "second"]
    assert await register.audit.verify() == before + 2 * WRITERS


async def test_a_taken_seq_is_recognised_by_its_constraint(register):
    await register.audit.record(request_id=None, actor="tester", action="probe")
    async with register.engine.connect() as conn:
        head = (
            await conn.execute(sa.select(audit_events).order_by(audit_events.c.seq.desc()))
        ).first()
    with pytest.raises(IntegrityError) as taken:
        async with register.engine.begin() as conn:
            await conn.execute(audit_events.insert().values(**head._asdict()))
    # PostgreSQL names the constraint; SQLite reports only that a key was violated.
    expected = AUDIT_SEQ_CONSTRAINT if register.engine.dialect.name == "postgresql" else ""
    assert unique_violation(taken.value) == expected


async def test_other_integrity_errors_are_not_retried(register):
    """A foreign-key violation is a bug to surface, not a race to retry."""

    async def orphan_target(conn) -> None:
        await audit.append(conn, request_id=None, actor="tester", action="orphan")
        await conn.execute(
            sa.text(
                "INSERT INTO process_targets (request_id, kind, value) VALUES (:r, 'email', 'x')"
            ),
            {"r": f"lp_{uuid.uuid4().hex[:24]}"},
        )

    with pytest.raises(IntegrityError) as refused:
        await register.transaction(orphan_target)
    assert unique_violation(refused.value) is None
