"""The audit chain's ends: appending outside the ``Register`` class, sealing a segment from
its start, and verifying from the newest seal onward.

Purging the audit log must not break the chain (docs/architecture.md §11). A segment from
the chain's first remaining event up to a cut-off is *sealed*: a row in ``audit_seals``
records its first and last seq, its event count and the last event's hash, then the
segment's rows are deleted. Verification starts at the newest seal: the first remaining
event must follow the seal's last seq and carry its last hash as ``prev_hash``. Seals are
chained by their own hashes, and the newest one must be attested by an
``audit_segment_sealed`` event in the remaining chain (written in the same transaction),
so dropping rows and writing a seal for them is not enough to pass.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

import msgspec
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.register.repository import (
    GENESIS_HASH,
    AuditChainBroken,
    _audit_hash,
    as_utc,
    utcnow,
)
from services.register.tables import audit_events, audit_seals

T = TypeVar("T")
SEALED_ACTION = "audit_segment_sealed"


async def in_transaction(
    engine: AsyncEngine, work: Callable[[AsyncConnection], Awaitable[T]], attempts: int = 8
) -> T:
    """Run ``work(conn)`` in a transaction, again when a concurrent audit append took the seq."""
    for attempt in range(attempts):
        try:
            async with engine.begin() as conn:
                return await work(conn)
        except IntegrityError as exc:
            if "audit_events" not in str(exc) or attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")


async def append_event(
    conn: AsyncConnection,
    *,
    request_id: str | None,
    actor: str,
    action: str,
    detail: Mapping[str, Any] | None = None,
    at: dt.datetime | None = None,
) -> int:
    """Append one event inside the caller's transaction; returns its seq. The same hash as
    ``Register.append_audit``."""
    last = (
        await conn.execute(
            sa.select(audit_events.c.seq, audit_events.c.hash)
            .order_by(audit_events.c.seq.desc())
            .limit(1)
        )
    ).first()
    if last is not None:
        seq, prev = last.seq + 1, last.hash
    else:
        seal = await newest_seal(conn)
        seq, prev = (seal.through_seq + 1, seal.last_hash) if seal else (1, GENESIS_HASH)
    at = at or utcnow()
    detail = dict(detail or {})
    await conn.execute(
        audit_events.insert().values(
            seq=seq,
            request_id=request_id,
            actor=actor,
            action=action,
            detail=detail,
            at=at,
            prev_hash=prev,
            hash=_audit_hash(prev, seq, request_id, actor, action, detail, at),
        )
    )
    return seq


def seal_hash(
    prev_seal_hash: str,
    first_seq: int,
    through_seq: int,
    event_count: int,
    last_hash: str,
    sealed_at: dt.datetime,
    sealed_by: str,
) -> str:
    body = msgspec.json.encode(
        {
            "prev": prev_seal_hash,
            "first_seq": first_seq,
            "through_seq": through_seq,
            "events": event_count,
            "last_hash": last_hash,
            "sealed_at": sealed_at.isoformat(),
            "sealed_by": sealed_by,
        },
        order="sorted",
    )
    return hashlib.sha256(body).hexdigest()


async def newest_seal(conn: AsyncConnection) -> Any:
    return (
        await conn.execute(
            sa.select(audit_seals).order_by(audit_seals.c.through_seq.desc()).limit(1)
        )
    ).first()


async def seal_segment(
    conn: AsyncConnection, *, through_seq: int, actor: str, now: dt.datetime | None = None
) -> int:
    """Seal every remaining event up to ``through_seq`` inside the caller's transaction;
    returns how many were sealed (0 when none remain at or below it).

    The attestation event is appended first, so the chain never becomes empty and the
    next append continues it as usual."""
    seal = await newest_seal(conn)
    first_seq = seal.through_seq + 1 if seal else 1
    if through_seq < first_seq:
        return 0
    last = (
        await conn.execute(
            sa.select(audit_events.c.seq, audit_events.c.hash).where(
                audit_events.c.seq == through_seq
            )
        )
    ).first()
    if last is None:
        raise AuditChainBroken(through_seq, "cannot seal up to an event that does not exist")
    # Verify the segment before it goes: sealing must never launder a tampered event.
    prev, expected, count = (seal.last_hash if seal else GENESIS_HASH), first_seq, 0
    rows = await conn.execute(
        sa.select(audit_events)
        .where(audit_events.c.seq >= first_seq, audit_events.c.seq <= through_seq)
        .order_by(audit_events.c.seq)
    )
    for r in rows:
        _check_link(r, expected, prev)
        prev, expected, count = r.hash, expected + 1, count + 1
    if count != through_seq - first_seq + 1:
        raise AuditChainBroken(first_seq, "events are missing from the segment to seal")
    sealed_at = now or utcnow()
    prev_seal = seal.seal_hash if seal else GENESIS_HASH
    digest = seal_hash(prev_seal, first_seq, through_seq, count, last.hash, sealed_at, actor)
    await append_event(
        conn,
        request_id=None,
        actor=actor,
        action=SEALED_ACTION,
        detail={
            "first_seq": first_seq,
            "through_seq": through_seq,
            "events": count,
            "last_hash": last.hash,
            "seal_hash": digest,
        },
    )
    await conn.execute(
        audit_seals.insert().values(
            through_seq=through_seq,
            first_seq=first_seq,
            event_count=count,
            last_hash=last.hash,
            sealed_at=sealed_at,
            sealed_by=actor,
            prev_seal_hash=prev_seal,
            seal_hash=digest,
        )
    )
    await conn.execute(
        audit_events.delete().where(
            audit_events.c.seq >= first_seq, audit_events.c.seq <= through_seq
        )
    )
    return count


def _check_link(r: Any, expected_seq: int, prev: str) -> None:
    if r.seq != expected_seq:
        raise AuditChainBroken(r.seq, f"expected seq {expected_seq}: a row is missing")
    if r.prev_hash != prev:
        raise AuditChainBroken(r.seq, "previous hash does not match")
    computed = _audit_hash(prev, r.seq, r.request_id, r.actor, r.action, r.detail, as_utc(r.at))
    if computed != r.hash:
        raise AuditChainBroken(r.seq, "content does not match its hash")


async def verify_audit_chain(engine: AsyncEngine) -> int:
    """Verify the seals, then every remaining event from the newest seal on; raise
    ``AuditChainBroken`` at the first mismatch. Returns the number of events verified."""
    async with engine.connect() as conn:
        prev_seal, expected_first = GENESIS_HASH, 1
        newest = None
        for seal in await conn.execute(sa.select(audit_seals).order_by(audit_seals.c.through_seq)):
            computed = seal_hash(
                seal.prev_seal_hash,
                seal.first_seq,
                seal.through_seq,
                seal.event_count,
                seal.last_hash,
                as_utc(seal.sealed_at),
                seal.sealed_by,
            )
            if (
                seal.first_seq != expected_first
                or seal.prev_seal_hash != prev_seal
                or computed != seal.seal_hash
                or seal.event_count != seal.through_seq - seal.first_seq + 1
            ):
                raise AuditChainBroken(seal.through_seq, "the seal of this segment does not match")
            prev_seal, expected_first, newest = seal.seal_hash, seal.through_seq + 1, seal

        prev = newest.last_hash if newest is not None else GENESIS_HASH
        expected_seq = expected_first
        attested = newest is None
        result = await conn.stream(
            sa.select(audit_events)
            .where(audit_events.c.seq >= expected_first)
            .order_by(audit_events.c.seq)
        )
        async for r in result:
            _check_link(r, expected_seq, prev)
            if (
                not attested
                and r.action == SEALED_ACTION
                and r.detail.get("seal_hash") == newest.seal_hash
            ):
                attested = True
            prev = r.hash
            expected_seq += 1
        if not attested:
            raise AuditChainBroken(
                newest.through_seq, "the newest seal is not recorded in the chain after it"
            )
    return expected_seq - expected_first


async def sealed_event_count(engine: AsyncEngine) -> int:
    """How many events sealed segments have purged so far."""
    async with engine.connect() as conn:
        return int(
            await conn.scalar(
                sa.select(sa.func.coalesce(sa.func.sum(audit_seals.c.event_count), 0))
            )
        )
