"""Policy simulation reports (docs/policy.md): the one thing a simulation writes.

``run_simulation`` reads the recorded determination inputs, replays them with the candidate
policy (``services.decisions.simulation``), and keeps the report with its audit event in one
transaction. Nothing about the requests themselves is written.
"""

from __future__ import annotations

import datetime as dt
import secrets

import msgspec
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.decisions.policy import Policy
from services.decisions.simulation import SimulationReport, simulate
from services.register import audit
from services.register.determination_inputs import policy_digest, recorded_cases
from services.register.engine import as_utc, transaction, utcnow
from services.register.tables import UTC_TIMESTAMP, metadata

policy_simulations = sa.Table(
    "policy_simulations",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("requested_by", sa.String(200), nullable=False),
    sa.Column("created_at", UTC_TIMESTAMP, nullable=False),
    sa.Column("since", sa.Date),
    sa.Column("candidate_policy", sa.JSON, nullable=False),
    sa.Column("candidate_sha256", sa.String(64), nullable=False),
    sa.Column("report", sa.JSON, nullable=False),
)

SIMULATION_ID = r"^ps_[0-9a-f]{24}$"


class StoredSimulation(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    requested_by: str
    created_at: dt.datetime
    report: SimulationReport


async def run_simulation(
    engine: AsyncEngine, candidate: Policy, *, since: dt.date | None, actor: str
) -> StoredSimulation:
    """Replay every recorded request with ``candidate``; store and audit the report."""
    cases, skipped = await recorded_cases(engine, since)
    digest = policy_digest(candidate)
    report = simulate(
        cases, candidate, candidate_sha256=digest, since=since, not_replayable=skipped
    )
    stored = StoredSimulation(
        id=f"ps_{secrets.token_hex(12)}", requested_by=actor, created_at=utcnow(), report=report
    )

    async def write(conn: AsyncConnection) -> None:
        await conn.execute(
            policy_simulations.insert().values(
                id=stored.id,
                requested_by=actor,
                created_at=stored.created_at,
                since=since,
                candidate_policy=msgspec.to_builtins(candidate, order="deterministic"),
                candidate_sha256=digest,
                report=msgspec.to_builtins(report),
            )
        )
        await audit.append(
            conn,
            request_id=None,
            actor=actor,
            action="policy_simulated",
            detail={
                "simulation_id": stored.id,
                "candidate_sha256": digest,
                "since": since.isoformat() if since else None,
                "replayed": report.replayed,
                "changed": report.changed,
                "not_replayable": len(report.not_replayable),
            },
        )

    await transaction(engine, write)
    return stored


async def get_simulation(engine: AsyncEngine, simulation_id: str) -> StoredSimulation | None:
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                sa.select(policy_simulations).where(policy_simulations.c.id == simulation_id)
            )
        ).first()
    if row is None:
        return None
    return StoredSimulation(
        id=row.id,
        requested_by=row.requested_by,
        created_at=as_utc(row.created_at),
        report=msgspec.convert(row.report, SimulationReport),
    )
