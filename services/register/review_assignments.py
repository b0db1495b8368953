"""Who works which open request (the review queue's claim / assign / "mine"): one row per
assigned request, replaced on reassignment; every assignment is audited in the same
transaction. No foreign key to ``legal_processes``: retention purges case records on its
own schedule, and an assignment must never hold a purge up."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import msgspec
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.register import audit
from services.register.engine import as_utc, transaction, utcnow
from services.register.tables import UTC_TIMESTAMP, metadata

review_assignments = sa.Table(
    "review_assignments",
    metadata,
    sa.Column("request_id", sa.String(40), primary_key=True),
    sa.Column("assignee", sa.String(200), nullable=False),
    sa.Column("assigned_by", sa.String(200), nullable=False),
    sa.Column("assigned_at", UTC_TIMESTAMP, nullable=False),
    sa.Index("ix_review_assignments_assignee", "assignee"),
)


class Assignment(msgspec.Struct, frozen=True, kw_only=True):
    request_id: str
    assignee: str
    assigned_by: str
    assigned_at: dt.datetime


class ReviewAssignments:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def assign(self, request_id: str, assignee: str, *, by: str, roles: str) -> Assignment:
        """Assign (or reassign) ``request_id`` to ``assignee``; audited as ``review_assigned``."""
        assignment = Assignment(
            request_id=request_id, assignee=assignee, assigned_by=by, assigned_at=utcnow()
        )

        async def write(conn: AsyncConnection) -> None:
            previous = await conn.scalar(
                sa.select(review_assignments.c.assignee).where(
                    review_assignments.c.request_id == request_id
                )
            )
            await conn.execute(
                review_assignments.delete().where(review_assignments.c.request_id == request_id)
            )
            await conn.execute(
                review_assignments.insert().values(
                    **msgspec.to_builtins(assignment, builtin_types=(dt.datetime,))
                )
            )
            await audit.append(
                conn,
                request_id=request_id,
                actor=by,
                action="review_assigned",
                detail={"assignee": assignee, "previous": previous or "", "by": by, "roles": roles},
            )

        await transaction(self.engine, write)
        return assignment

    async def of(self, request_ids: Iterable[str]) -> dict[str, Assignment]:
        ids = list(request_ids)
        if not ids:
            return {}
        async with self.engine.connect() as conn:
            rows = await conn.execute(
                sa.select(review_assignments).where(review_assignments.c.request_id.in_(ids))
            )
            return {
                r.request_id: Assignment(
                    request_id=r.request_id,
                    assignee=r.assignee,
                    assigned_by=r.assigned_by,
                    assigned_at=as_utc(r.assigned_at),
                )
                for r in rows
            }


def assigned_to(assignee: str) -> sa.Select:
    """The request ids assigned to ``assignee`` (a subquery for the queue's "mine")."""
    return sa.select(review_assignments.c.request_id).where(
        review_assignments.c.assignee == assignee
    )


async def release_assignment(conn: AsyncConnection, request_id: str, *, actor: str) -> None:
    """A request that has ended leaves its assignee's "mine": the assignment row goes in
    the transaction that records the final status, audited when there was one."""
    assignee = await conn.scalar(
        review_assignments.delete()
        .where(review_assignments.c.request_id == request_id)
        .returning(review_assignments.c.assignee)
    )
    if assignee is not None:
        await audit.append(
            conn,
            request_id=request_id,
            actor=actor,
            action="review_released",
            detail={"assignee": assignee, "reason": "the request ended"},
        )
