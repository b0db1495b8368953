"""Reads and writes of the case register. Every write that changes a request also appends
to the hash-chained audit log in the same transaction, so neither exists without the other."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping
from typing import Any

import msgspec
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from contracts.legal_process import Identifier
from contracts.workflow import StatusChange
from services.register.tables import (
    agencies,
    audit_events,
    disclosures,
    documents,
    legal_processes,
    officers,
    process_targets,
)

GENESIS_HASH = "0" * 64


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def as_utc(value: dt.datetime | None) -> dt.datetime | None:
    """SQLite hands back naive datetimes; everything stored is UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def create_engine(database_url_async: str) -> AsyncEngine:
    if database_url_async.startswith("sqlite"):
        engine = create_async_engine(database_url_async, connect_args={"timeout": 30})

        @sa.event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            # WAL lets the API read while the worker writes; both processes share the file.
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    return create_async_engine(database_url_async, pool_pre_ping=True, pool_size=10)


def _audit_hash(
    prev_hash: str,
    seq: int,
    request_id: str | None,
    actor: str,
    action: str,
    detail: Mapping[str, Any],
    at: dt.datetime,
) -> str:
    body = msgspec.json.encode(
        {
            "prev": prev_hash,
            "seq": seq,
            "request_id": request_id,
            "actor": actor,
            "action": action,
            "detail": detail,
            "at": at.isoformat(),
        },
        order="sorted",
    )
    return hashlib.sha256(body).hexdigest()


class AuditChainBroken(Exception):
    def __init__(self, seq: int, message: str) -> None:
        super().__init__(f"audit event {seq}: {message}")
        self.seq = seq


class Register:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def close(self) -> None:
        await self.engine.dispose()

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(sa.text("SELECT 1"))

    # -- audit ---------------------------------------------------------------------------

    async def append_audit(
        self,
        conn: AsyncConnection,
        *,
        request_id: str | None,
        actor: str,
        action: str,
        detail: Mapping[str, Any] | None = None,
    ) -> None:
        """Append inside the caller's transaction; the seq primary key makes racing writers
        collide, and the caller's transaction retry picks the next seq."""
        last = (
            await conn.execute(
                sa.select(audit_events.c.seq, audit_events.c.hash)
                .order_by(audit_events.c.seq.desc())
                .limit(1)
            )
        ).first()
        seq, prev = (last.seq + 1, last.hash) if last else (1, GENESIS_HASH)
        at = utcnow()
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

    async def audit(
        self,
        *,
        request_id: str | None,
        actor: str,
        action: str,
        detail: Mapping[str, Any] | None = None,
    ) -> None:
        async def write(conn: AsyncConnection) -> None:
            await self.append_audit(
                conn, request_id=request_id, actor=actor, action=action, detail=detail
            )

        await self.transaction(write)

    async def transaction(self, work: Any, attempts: int = 8) -> Any:
        """Run ``work(conn)`` in a transaction, retrying when a concurrent audit append won."""
        for attempt in range(attempts):
            try:
                async with self.engine.begin() as conn:
                    return await work(conn)
            except IntegrityError as exc:
                if "audit_events" not in str(exc) or attempt == attempts - 1:
                    raise
        return None

    async def audit_trail(self, request_id: str) -> list[dict[str, Any]]:
        async with self.engine.connect() as conn:
            rows = await conn.execute(
                sa.select(audit_events)
                .where(audit_events.c.request_id == request_id)
                .order_by(audit_events.c.seq)
            )
            return [
                {
                    "seq": r.seq,
                    "at": as_utc(r.at),
                    "actor": r.actor,
                    "action": r.action,
                    "detail": r.detail,
                    "hash": r.hash,
                }
                for r in rows
            ]

    async def has_event(self, request_id: str, action: str) -> bool:
        async with self.engine.connect() as conn:
            found = await conn.scalar(
                sa.select(audit_events.c.seq)
                .where(audit_events.c.request_id == request_id, audit_events.c.action == action)
                .limit(1)
            )
            return found is not None

    async def verify_audit_chain(self) -> int:
        """Recompute every hash from the newest sealed segment on; raise ``AuditChainBroken``
        at the first mismatch. Retention hook: sealing lives in ``audit_chain``."""
        from services.register.audit_chain import verify_audit_chain

        return await verify_audit_chain(self.engine)

    # -- agencies ------------------------------------------------------------------------

    async def create_agency(
        self, row: Mapping[str, Any], officer_rows: Iterable[Mapping[str, Any]], actor: str
    ) -> bool:
        """Insert an agency and its officers; False when the id is taken."""
        officer_rows = [dict(o, agency_id=row["id"]) for o in officer_rows]

        async def write(conn: AsyncConnection) -> bool:
            exists = await conn.scalar(sa.select(agencies.c.id).where(agencies.c.id == row["id"]))
            if exists:
                return False
            await conn.execute(agencies.insert().values(**row, created_at=utcnow()))
            if officer_rows:
                await conn.execute(officers.insert(), officer_rows)
            await self.append_audit(
                conn,
                request_id=None,
                actor=actor,
                action="agency_registered",
                detail={"agency_id": row["id"]},
            )
            return True

        return await self.transaction(write)

    async def get_agency(self, agency_id: str) -> dict[str, Any] | None:
        async with self.engine.connect() as conn:
            row = (
                (await conn.execute(sa.select(agencies).where(agencies.c.id == agency_id)))
                .mappings()
                .first()
            )
            return dict(row) if row else None

    async def list_agencies(self) -> list[dict[str, Any]]:
        async with self.engine.connect() as conn:
            rows = await conn.execute(sa.select(agencies).order_by(agencies.c.id))
            return [dict(r) for r in rows.mappings()]

    async def officer_known(self, agency_id: str, email: str) -> bool:
        async with self.engine.connect() as conn:
            found = await conn.scalar(
                sa.select(officers.c.email).where(
                    officers.c.agency_id == agency_id, officers.c.email == email.lower()
                )
            )
            return found is not None

    # -- documents -----------------------------------------------------------------------

    async def add_document(self, row: Mapping[str, Any]) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(documents.insert().values(**row, uploaded_at=utcnow()))

    async def get_document(self, document_id: str) -> dict[str, Any] | None:
        async with self.engine.connect() as conn:
            row = (
                (await conn.execute(sa.select(documents).where(documents.c.id == document_id)))
                .mappings()
                .first()
            )
            return dict(row) if row else None

    # -- legal processes -----------------------------------------------------------------

    async def find_by_idempotency_key(self, agency_id: str, key: str) -> dict[str, Any] | None:
        async with self.engine.connect() as conn:
            row = (
                (
                    await conn.execute(
                        sa.select(legal_processes).where(
                            legal_processes.c.agency_id == agency_id,
                            legal_processes.c.idempotency_key == key,
                        )
                    )
                )
                .mappings()
                .first()
            )
            return dict(row) if row else None

    async def find_duplicate(
        self, agency_id: str, case_number: str, targets: Iterable[Identifier]
    ) -> str | None:
        """The first request of this agency's case sharing a target with ``targets``, or the
        request it was itself linked to: a case keeps one root however often it is served."""
        pairs = [(t.kind.value, t.value) for t in targets]
        if not pairs:
            return None
        async with self.engine.connect() as conn:
            return await conn.scalar(
                sa.select(sa.func.coalesce(legal_processes.c.duplicate_of, legal_processes.c.id))
                .join(process_targets, process_targets.c.request_id == legal_processes.c.id)
                .where(
                    legal_processes.c.agency_id == agency_id,
                    legal_processes.c.case_number == case_number,
                    sa.tuple_(process_targets.c.kind, process_targets.c.value).in_(pairs),
                )
                .order_by(legal_processes.c.received_at)
                .limit(1)
            )

    async def case_targets(self, root_id: str) -> set[tuple[str, str]]:
        """Every (kind, value) asked for by a case's root request and the requests linked to it."""
        async with self.engine.connect() as conn:
            rows = await conn.execute(
                sa.select(process_targets.c.kind, process_targets.c.value)
                .join(legal_processes, process_targets.c.request_id == legal_processes.c.id)
                .where(
                    sa.or_(
                        legal_processes.c.id == root_id, legal_processes.c.duplicate_of == root_id
                    )
                )
            )
            return {(r.kind, r.value) for r in rows}

    async def insert_legal_process(
        self, row: Mapping[str, Any], targets: Iterable[Identifier], actor: str
    ) -> None:
        targets = list(targets)

        async def write(conn: AsyncConnection) -> None:
            await conn.execute(
                legal_processes.insert().values(**row, updated_at=row["received_at"])
            )
            await conn.execute(
                process_targets.insert(),
                [
                    {"request_id": row["id"], "kind": t.kind.value, "value": t.value}
                    for t in {(t.kind, t.value): t for t in targets}.values()
                ],
            )
            await self.append_audit(
                conn,
                request_id=row["id"],
                actor=actor,
                action="received",
                detail={
                    "process_type": row["process_type"],
                    "document_sha256": row["document_sha256"],
                    "duplicate_of": row.get("duplicate_of"),
                },
            )

        await self.transaction(write)

    async def abort_intake(self, request_id: str, actor: str, reason: str) -> None:
        """Undo an intake whose workflow could not be started; the audit keeps both facts."""

        async def write(conn: AsyncConnection) -> None:
            await conn.execute(
                process_targets.delete().where(process_targets.c.request_id == request_id)
            )
            await conn.execute(legal_processes.delete().where(legal_processes.c.id == request_id))
            await self.append_audit(
                conn,
                request_id=request_id,
                actor=actor,
                action="intake_aborted",
                detail={"reason": reason},
            )

        await self.transaction(write)

    async def get_legal_process(self, request_id: str) -> dict[str, Any] | None:
        async with self.engine.connect() as conn:
            row = (
                (
                    await conn.execute(
                        sa.select(legal_processes).where(legal_processes.c.id == request_id)
                    )
                )
                .mappings()
                .first()
            )
            return dict(row) if row else None

    async def list_legal_processes(
        self,
        *,
        agency_id: str | None = None,
        statuses: Iterable[str] | None = None,
        process_type: str | None = None,
        emergency: bool | None = None,
        overdue: bool | None = None,
        after: tuple[dt.datetime, str] | None = None,
        limit: int = 50,
        queue_order: bool = False,
    ) -> list[dict[str, Any]]:
        query = sa.select(legal_processes)
        if agency_id is not None:
            query = query.where(legal_processes.c.agency_id == agency_id)
        if statuses:
            query = query.where(legal_processes.c.status.in_(list(statuses)))
        if process_type is not None:
            query = query.where(legal_processes.c.process_type == process_type)
        if emergency is not None:
            query = query.where(legal_processes.c.emergency == emergency)
        if overdue is not None:
            query = query.where(legal_processes.c.overdue == overdue)
        if queue_order:
            # Emergencies first, then the nearest return date, then the oldest.
            query = query.order_by(
                legal_processes.c.emergency.desc(),
                legal_processes.c.return_date.is_(None),
                legal_processes.c.return_date,
                legal_processes.c.received_at,
                legal_processes.c.id,
            )
        else:
            if after is not None:
                query = query.where(
                    sa.tuple_(legal_processes.c.received_at, legal_processes.c.id)
                    < sa.tuple_(*after)
                )
            query = query.order_by(
                legal_processes.c.received_at.desc(), legal_processes.c.id.desc()
            )
        async with self.engine.connect() as conn:
            rows = await conn.execute(query.limit(limit))
            return [dict(r) for r in rows.mappings()]

    async def count_by_status(self) -> dict[tuple[str, str, bool], int]:
        """(status, process type, overdue) → number of requests: the queue's shape for metrics."""
        query = sa.select(
            legal_processes.c.status,
            legal_processes.c.process_type,
            legal_processes.c.overdue,
            sa.func.count(),
        ).group_by(
            legal_processes.c.status, legal_processes.c.process_type, legal_processes.c.overdue
        )
        async with self.engine.connect() as conn:
            return {(r[0], r[1], bool(r[2])): int(r[3]) for r in await conn.execute(query)}

    async def apply_status_change(self, change: StatusChange) -> None:
        """Idempotent: re-applying the same change (an activity retry) writes no second event."""

        async def write(conn: AsyncConnection) -> None:
            current = (
                await conn.execute(
                    sa.select(
                        legal_processes.c.status,
                        legal_processes.c.escalated,
                        legal_processes.c.overdue,
                        legal_processes.c.outcome,
                    ).where(legal_processes.c.id == change.request_id)
                )
            ).first()
            if current is None:
                raise LookupError(f"no legal process {change.request_id}")
            values: dict[str, Any] = {"status": change.status.value, "updated_at": utcnow()}
            if change.outcome is not None:
                values["outcome"] = change.outcome.value
            if change.determination is not None:
                values["determination"] = msgspec.to_builtins(change.determination)
            if change.escalated is not None:
                values["escalated"] = change.escalated
            if change.overdue is not None:
                values["overdue"] = change.overdue
            unchanged = (
                current.status == change.status.value
                and (change.escalated is None or current.escalated == change.escalated)
                and (change.overdue is None or current.overdue == change.overdue)
                and (change.outcome is None or current.outcome == change.outcome.value)
                and change.determination is None
            )
            if unchanged:
                return
            await conn.execute(
                legal_processes.update()
                .where(legal_processes.c.id == change.request_id)
                .values(**values)
            )
            await self.append_audit(
                conn,
                request_id=change.request_id,
                actor=change.actor,
                action=f"status:{change.status.value}",
                detail={
                    "detail": change.detail,
                    "outcome": change.outcome.value if change.outcome else None,
                },
            )

        await self.transaction(write)

    async def set_production(self, request_id: str, key: str, actor: str) -> None:
        async def write(conn: AsyncConnection) -> None:
            current = await conn.scalar(
                sa.select(legal_processes.c.production_key).where(
                    legal_processes.c.id == request_id
                )
            )
            if current == key:
                return
            await conn.execute(
                legal_processes.update()
                .where(legal_processes.c.id == request_id)
                .values(production_key=key)
            )
            await self.append_audit(
                conn,
                request_id=request_id,
                actor=actor,
                action="production_stored",
                detail={"key": key},
            )

        await self.transaction(write)

    # -- disclosures ---------------------------------------------------------------------

    async def record_disclosure(self, row: Mapping[str, Any], actor: str) -> bool:
        """Record once per id (request + step); False when it was already recorded."""

        async def write(conn: AsyncConnection) -> bool:
            if await conn.scalar(sa.select(disclosures.c.id).where(disclosures.c.id == row["id"])):
                return False
            await conn.execute(disclosures.insert().values(**row))
            await self.append_audit(
                conn,
                request_id=row["request_id"],
                actor=actor,
                action="disclosed",
                detail={
                    "categories": row["categories"],
                    "records": row["record_count"],
                    "manifest_sha256": row["manifest_sha256"],
                },
            )
            return True

        return await self.transaction(write)

    async def list_disclosures(
        self, *, since: dt.datetime | None = None, limit: int = 200
    ) -> list[dict[str, Any]]:
        query = sa.select(disclosures).order_by(disclosures.c.disclosed_at.desc()).limit(limit)
        if since is not None:
            query = query.where(disclosures.c.disclosed_at >= since)
        async with self.engine.connect() as conn:
            return [dict(r) for r in (await conn.execute(query)).mappings()]
