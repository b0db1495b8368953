"""The agencies registry: who may submit, from which email domains, and where deliveries
go; with each agency's roster of officers, the webhook secrets that sign its deliveries and
the history of every change to its registration."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

import msgspec
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.register import audit
from services.register.engine import as_utc, transaction, utcnow
from services.register.tables import agencies, agency_changes, officers

OfficerStatus = Literal["active", "deactivated"]

# Fields an admin may change with PATCH; the id is the agency's name in every request and
# token, so it never changes. Secrets change only by rotation.
UPDATABLE_FIELDS = ("name", "jurisdiction", "email_domains", "callback_number", "webhook_url")


class AgencyRecord(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    name: str
    jurisdiction: str
    email_domains: list[str]
    callback_number: str
    webhook_url: str | None = None
    webhook_secret: str | None = None
    created_at: dt.datetime | None = None  # set by the register when the agency is created
    # A rotation keeps the replaced secret signing until ``previous_secret_expires_at``.
    previous_webhook_secret: str | None = None
    previous_secret_expires_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None


class OfficerRecord(msgspec.Struct, frozen=True, kw_only=True):
    email: str  # lower case
    name: str
    badge: str | None = None
    phone: str | None = None
    active: bool = True
    deactivated_at: dt.datetime | None = None


class AgencyChange(msgspec.Struct, frozen=True, kw_only=True):
    at: dt.datetime
    actor: str
    action: str
    changes: dict[str, Any]


def webhook_signing_secrets(agency: AgencyRecord, now: dt.datetime) -> list[bytes]:
    """The keys that sign a delivery now: the current secret and, during a rotation's
    overlap, the one it replaced. A secret is used as its UTF-8 bytes (docs/agencies.md)."""
    if not agency.webhook_secret:
        return []
    secrets = [agency.webhook_secret.encode()]
    if (
        agency.previous_webhook_secret
        and agency.previous_secret_expires_at is not None
        and now < agency.previous_secret_expires_at
    ):
        secrets.append(agency.previous_webhook_secret.encode())
    return secrets


def _agency(row: sa.Row) -> AgencyRecord:
    return AgencyRecord(
        id=row.id,
        name=row.name,
        jurisdiction=row.jurisdiction,
        email_domains=list(row.email_domains),
        callback_number=row.callback_number,
        webhook_url=row.webhook_url,
        webhook_secret=row.webhook_secret,
        created_at=as_utc(row.created_at),
        previous_webhook_secret=row.previous_webhook_secret,
        previous_secret_expires_at=as_utc(row.previous_secret_expires_at)
        if row.previous_secret_expires_at
        else None,
        updated_at=as_utc(row.updated_at) if row.updated_at else None,
    )


def _officer(row: sa.Row) -> OfficerRecord:
    return OfficerRecord(
        email=row.email,
        name=row.name,
        badge=row.badge,
        phone=row.phone,
        active=bool(row.active),
        deactivated_at=as_utc(row.deactivated_at) if row.deactivated_at else None,
    )


async def _record_change(
    conn: AsyncConnection,
    agency_id: str,
    actor: str,
    action: str,
    changes: dict[str, Any],
    at: dt.datetime,
) -> None:
    """The change history row and the audit chain's event, in the caller's transaction."""
    await conn.execute(
        agency_changes.insert().values(
            agency_id=agency_id, at=at, actor=actor, action=action, changes=changes
        )
    )
    await audit.append(
        conn,
        request_id=None,
        actor=actor,
        action=action,
        detail={"agency_id": agency_id, **changes},
    )


class Agencies:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def create(
        self, agency: AgencyRecord, roster: list[OfficerRecord], actor: str
    ) -> AgencyRecord | None:
        """Insert an agency and its officers; None when the id is taken."""
        stored = msgspec.structs.replace(agency, created_at=utcnow())

        async def write(conn: AsyncConnection) -> AgencyRecord | None:
            exists = await conn.scalar(sa.select(agencies.c.id).where(agencies.c.id == agency.id))
            if exists:
                return None
            await conn.execute(agencies.insert().values(**msgspec.structs.asdict(stored)))
            if roster:
                await conn.execute(
                    officers.insert(),
                    [msgspec.structs.asdict(o) | {"agency_id": agency.id} for o in roster],
                )
            await audit.append(
                conn,
                request_id=None,
                actor=actor,
                action="agency_registered",
                detail={"agency_id": agency.id},
            )
            await conn.execute(
                agency_changes.insert().values(
                    agency_id=agency.id,
                    at=stored.created_at,
                    actor=actor,
                    action="agency_registered",
                    changes={"officers": sorted(o.email for o in roster)},
                )
            )
            return stored

        return await transaction(self.engine, write)

    async def get(self, agency_id: str) -> AgencyRecord | None:
        async with self.engine.connect() as conn:
            row = (
                await conn.execute(sa.select(agencies).where(agencies.c.id == agency_id))
            ).first()
            return _agency(row) if row else None

    async def list(self) -> list[AgencyRecord]:
        async with self.engine.connect() as conn:
            rows = await conn.execute(sa.select(agencies).order_by(agencies.c.id))
            return [_agency(r) for r in rows]

    async def officers(self, agency_id: str) -> list[OfficerRecord]:
        async with self.engine.connect() as conn:
            rows = await conn.execute(
                sa.select(officers)
                .where(officers.c.agency_id == agency_id)
                .order_by(officers.c.email)
            )
            return [_officer(r) for r in rows]

    async def rosters(self) -> dict[str, list[OfficerRecord]]:
        """Every agency's officers, by agency id (the list view shows them)."""
        async with self.engine.connect() as conn:
            rows = await conn.execute(
                sa.select(officers).order_by(officers.c.agency_id, officers.c.email)
            )
            found: dict[str, list[OfficerRecord]] = {}
            for row in rows:
                found.setdefault(row.agency_id, []).append(_officer(row))
            return found

    async def update(
        self, agency_id: str, values: dict[str, Any], actor: str
    ) -> AgencyRecord | None:
        """Change the ``UPDATABLE_FIELDS`` in ``values``; the history records each changed
        field as ``{"from": old, "to": new}``. None when there is no such agency."""
        unknown = set(values) - set(UPDATABLE_FIELDS)
        if unknown:
            raise ValueError(f"not updatable: {sorted(unknown)}")

        async def write(conn: AsyncConnection) -> AgencyRecord | None:
            row = (
                await conn.execute(sa.select(agencies).where(agencies.c.id == agency_id))
            ).first()
            if row is None:
                return None
            current = _agency(row)
            changes = {
                name: {"from": getattr(current, name), "to": value}
                for name, value in values.items()
                if getattr(current, name) != value
            }
            if not changes:
                return current
            now = utcnow()
            await conn.execute(
                agencies.update()
                .where(agencies.c.id == agency_id)
                .values(**{n: c["to"] for n, c in changes.items()}, updated_at=now)
            )
            await _record_change(conn, agency_id, actor, "agency_updated", changes, now)
            return msgspec.structs.replace(
                current, **{n: c["to"] for n, c in changes.items()}, updated_at=now
            )

        return await transaction(self.engine, write)

    async def add_officer(
        self, agency_id: str, officer: OfficerRecord, actor: str
    ) -> Literal["added", "exists", "no-agency"]:
        async def write(conn: AsyncConnection) -> Literal["added", "exists", "no-agency"]:
            if not await conn.scalar(sa.select(agencies.c.id).where(agencies.c.id == agency_id)):
                return "no-agency"
            exists = await conn.scalar(
                sa.select(officers.c.email).where(
                    officers.c.agency_id == agency_id, officers.c.email == officer.email
                )
            )
            if exists:
                return "exists"
            await conn.execute(
                officers.insert().values(
                    **msgspec.structs.asdict(officer) | {"agency_id": agency_id, "active": True}
                )
            )
            await _record_change(
                conn, agency_id, actor, "officer_added", {"officer": officer.email}, utcnow()
            )
            return "added"

        return await transaction(self.engine, write)

    async def set_officer_active(
        self, agency_id: str, email: str, active: bool, actor: str
    ) -> OfficerRecord | None:
        """Deactivate or reactivate an officer; None when the agency has no such officer.
        Setting the state an officer already has changes nothing and records nothing."""
        email = email.lower()

        async def write(conn: AsyncConnection) -> OfficerRecord | None:
            where = (officers.c.agency_id == agency_id) & (officers.c.email == email)
            row = (await conn.execute(sa.select(officers).where(where))).first()
            if row is None:
                return None
            if bool(row.active) == active:
                return _officer(row)
            now = utcnow()
            await conn.execute(
                officers.update()
                .where(where)
                .values(active=active, deactivated_at=None if active else now)
            )
            action = "officer_reactivated" if active else "officer_deactivated"
            await _record_change(conn, agency_id, actor, action, {"officer": email}, now)
            row = (await conn.execute(sa.select(officers).where(where))).first()
            return _officer(row)

        return await transaction(self.engine, write)

    async def rotate_webhook_secret(
        self, agency_id: str, new_secret: str, overlap_ends_at: dt.datetime, actor: str
    ) -> AgencyRecord | None:
        """``new_secret`` signs from now on; the current one keeps signing beside it until
        ``overlap_ends_at``. None when there is no such agency."""

        async def write(conn: AsyncConnection) -> AgencyRecord | None:
            row = (
                await conn.execute(sa.select(agencies).where(agencies.c.id == agency_id))
            ).first()
            if row is None:
                return None
            current = _agency(row)
            now = utcnow()
            values = {
                "webhook_secret": new_secret,
                "previous_webhook_secret": current.webhook_secret,
                "previous_secret_expires_at": overlap_ends_at if current.webhook_secret else None,
                "updated_at": now,
            }
            await conn.execute(agencies.update().where(agencies.c.id == agency_id).values(**values))
            await _record_change(
                conn,
                agency_id,
                actor,
                "webhook_secret_rotated",
                {
                    "overlap_ends_at": overlap_ends_at.isoformat()
                    if current.webhook_secret
                    else None
                },
                now,
            )
            return msgspec.structs.replace(current, **values)

        return await transaction(self.engine, write)

    async def history(self, agency_id: str) -> list[AgencyChange]:
        async with self.engine.connect() as conn:
            rows = await conn.execute(
                sa.select(agency_changes)
                .where(agency_changes.c.agency_id == agency_id)
                .order_by(agency_changes.c.id)
            )
            return [
                AgencyChange(at=as_utc(r.at), actor=r.actor, action=r.action, changes=r.changes)
                for r in rows
            ]

    async def officer_status(self, agency_id: str, email: str) -> OfficerStatus | None:
        """``active``, ``deactivated``, or None for an officer not on the roster."""
        async with self.engine.connect() as conn:
            active = await conn.scalar(
                sa.select(officers.c.active).where(
                    officers.c.agency_id == agency_id, officers.c.email == email.lower()
                )
            )
            if active is None:
                return None
            return "active" if active else "deactivated"

    async def officer_known(self, agency_id: str, email: str) -> bool:
        """On the roster and active: a deactivated officer is not a verified requester."""
        return await self.officer_status(agency_id, email) == "active"
