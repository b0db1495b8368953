"""What each machine determination was made from, so it can be replayed exactly
(docs/policy.md; migration ``0007_determination_inputs``).

The ``assess`` activity records, per request, the policy in force, the instant taken as
"now", a digest of the process it assessed (the register already holds the process) and
the carrier's facts about the targets. The facts are stored by reference — the index of the
target in the process's target list — never by the identifier itself, so this table holds
no phone number, email or account id. Re-assessing a request (an activity retry) replaces
its row: the last attempt is the one whose result the workflow kept.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence

import msgspec
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from contracts.determination import Determination, TargetFact, TargetFacts
from contracts.legal_process import LegalProcess
from services.decisions.policy import Policy
from services.decisions.simulation import NotReplayable, RecordedCase
from services.register.engine import as_utc, transaction, utcnow
from services.register.tables import UTC_TIMESTAMP, legal_processes, metadata

# No foreign key to ``legal_processes``: the row is an appendix of the case record and must
# not stand in the way of the retention purge deleting it.
determination_inputs = sa.Table(
    "determination_inputs",
    metadata,
    sa.Column("request_id", sa.String(40), primary_key=True),
    sa.Column("assessed_at", UTC_TIMESTAMP, nullable=False),
    sa.Column("process_sha256", sa.String(64), nullable=False),
    sa.Column("policy", sa.JSON, nullable=False),
    sa.Column("policy_sha256", sa.String(64), nullable=False),
    # [{"target_index": i, "fact": {...TargetFact}}]: references into process.targets.
    sa.Column("facts", sa.JSON, nullable=False),
    sa.Column("recorded_at", UTC_TIMESTAMP, nullable=False),
)


def process_digest(process: LegalProcess) -> str:
    return hashlib.sha256(msgspec.json.encode(process)).hexdigest()


def policy_digest(policy: Policy) -> str:
    return hashlib.sha256(msgspec.json.encode(policy, order="deterministic")).hexdigest()


def fact_references(process: LegalProcess, facts: TargetFacts | None) -> list[dict]:
    """The facts keyed by the first index of their target in ``process.targets``."""
    if facts is None:
        return []
    references = []
    seen: set[str] = set()
    for index, target in enumerate(process.targets):
        fact = facts.targets.get(target.value)
        if fact is None or target.value in seen:
            continue
        seen.add(target.value)
        references.append({"target_index": index, "fact": msgspec.to_builtins(fact)})
    return references


def facts_from_references(process: LegalProcess, references: Sequence[dict]) -> TargetFacts:
    targets: dict[str, TargetFact] = {}
    for reference in references:
        target = process.targets[int(reference["target_index"])]
        targets[target.value] = msgspec.convert(reference["fact"], TargetFact)
    return TargetFacts(targets=targets)


async def record(
    engine: AsyncEngine,
    process: LegalProcess,
    policy: Policy,
    now: dt.datetime,
    facts: TargetFacts | None,
) -> None:
    """Keep what ``determine(process, policy, now, facts)`` was given (idempotent)."""
    row = {
        "request_id": process.request_id,
        "assessed_at": now,
        "process_sha256": process_digest(process),
        "policy": msgspec.to_builtins(policy, order="deterministic"),
        "policy_sha256": policy_digest(policy),
        "facts": fact_references(process, facts),
        "recorded_at": utcnow(),
    }

    async def write(conn: AsyncConnection) -> None:
        await conn.execute(
            determination_inputs.delete().where(
                determination_inputs.c.request_id == process.request_id
            )
        )
        await conn.execute(determination_inputs.insert().values(**row))

    await transaction(engine, write)


async def recorded_cases(
    engine: AsyncEngine, since: dt.date | None = None
) -> tuple[list[RecordedCase], list[NotReplayable]]:
    """Every request received on or after ``since`` (all when None): the ones whose inputs
    were recorded, ready to replay, and the others with the reason they cannot be."""
    query = (
        sa.select(
            legal_processes.c.id,
            legal_processes.c.process,
            legal_processes.c.determination,
            determination_inputs.c.assessed_at,
            determination_inputs.c.process_sha256,
            determination_inputs.c.policy,
            determination_inputs.c.facts,
        )
        .select_from(
            legal_processes.outerjoin(
                determination_inputs,
                determination_inputs.c.request_id == legal_processes.c.id,
            )
        )
        .order_by(legal_processes.c.received_at, legal_processes.c.id)
    )
    if since is not None:
        start = dt.datetime.combine(since, dt.time(), tzinfo=dt.UTC)
        query = query.where(legal_processes.c.received_at >= start)
    cases: list[RecordedCase] = []
    skipped: list[NotReplayable] = []
    async with engine.connect() as conn:
        rows = (await conn.execute(query)).all()
    for row in rows:
        if row.assessed_at is None:
            reason = (
                "assessed before determination inputs were recorded"
                if row.determination is not None
                else "not assessed yet"
            )
            skipped.append(NotReplayable(request_id=row.id, reason=reason))
            continue
        process = msgspec.convert(row.process, LegalProcess)
        if process_digest(process) != row.process_sha256:
            skipped.append(
                NotReplayable(
                    request_id=row.id,
                    reason="the process held differs from the one assessed",
                )
            )
            continue
        try:
            policy = msgspec.convert(row.policy, Policy)
        except msgspec.ValidationError as exc:
            skipped.append(
                NotReplayable(request_id=row.id, reason=f"recorded policy unreadable: {exc}")
            )
            continue
        cases.append(
            RecordedCase(
                request_id=row.id,
                process=process,
                policy=policy,
                now=as_utc(row.assessed_at),
                facts=facts_from_references(process, row.facts),
                recorded=msgspec.convert(row.determination, Determination)
                if row.determination is not None
                else None,
            )
        )
    return cases, skipped
