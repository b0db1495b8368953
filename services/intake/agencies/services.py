"""The agencies registry as the admin API works it: register an agency with its roster,
read and change it, keep the roster current, rotate the webhook secret, and show the
history of every change. An agency may read its own registration."""

from __future__ import annotations

import asyncio
import datetime as dt
import secrets
from typing import Any

import msgspec

from contracts.agencies import (
    AgencyChangeView,
    AgencyDetail,
    AgencyPatch,
    OfficerView,
    RotatedWebhookSecret,
    WebhookSecretRotation,
)
from contracts.api import AgencyIn, OfficerIn
from contracts.enums import IdentifierKind, Role
from services.decisions.identifiers import InvalidIdentifier, normalise_identifier
from services.delivery.webhook import (
    UnsafeWebhookUrl,
    WebhookDeliveryError,
    resolve_webhook_address,
)
from services.intake.auth.tokens import Principal
from services.intake.problems import Problem, invalid_field
from services.platform.settings import Settings
from services.register.agencies import AgencyRecord, OfficerRecord
from services.register.case_register import Register

# 32 random bytes, URL-safe base64 text: the secret is used as this text's UTF-8 bytes.
SECRET_BYTES = 32


def to_detail(agency: AgencyRecord, roster: list[OfficerRecord]) -> AgencyDetail:
    return AgencyDetail(
        id=agency.id,
        name=agency.name,
        jurisdiction=agency.jurisdiction,
        email_domains=agency.email_domains,
        callback_number=agency.callback_number,
        webhook_url=agency.webhook_url,
        webhook_secret_set=bool(agency.webhook_secret),
        previous_secret_valid_until=agency.previous_secret_expires_at
        if agency.previous_webhook_secret
        else None,
        officers=[OfficerView(**msgspec.structs.asdict(o)) for o in roster],
        created_at=agency.created_at,
        updated_at=agency.updated_at,
    )


def not_found(agency_id: str) -> Problem:
    return Problem(404, "not-found", "No such agency", f"no agency {agency_id!r} is registered")


def _officer_record(officer: OfficerIn) -> OfficerRecord:
    return OfficerRecord(
        email=officer.email.lower(), name=officer.name, badge=officer.badge, phone=officer.phone
    )


class AgencyService:
    def __init__(self, register: Register, settings: Settings) -> None:
        self.register = register
        self.settings = settings

    async def list(self) -> list[AgencyDetail]:
        rosters = await self.register.agencies.rosters()
        return [to_detail(a, rosters.get(a.id, [])) for a in await self.register.agencies.list()]

    async def read(self, principal: Principal, agency_id: str) -> AgencyDetail:
        """Admins read any agency; an agency token reads only its own (any other id is a
        403, whether it is registered or not)."""
        if not principal.has(Role.ADMIN) and principal.agency_id != agency_id:
            raise Problem(
                403,
                "forbidden",
                "Forbidden",
                "an agency token reads only its own agency's registration",
            )
        return await self._detail(agency_id)

    async def _detail(self, agency_id: str) -> AgencyDetail:
        agency = await self.register.agencies.get(agency_id)
        if agency is None:
            raise not_found(agency_id)
        return to_detail(agency, await self.register.agencies.officers(agency_id))

    async def create(self, principal: Principal, body: AgencyIn) -> AgencyDetail:
        """Register ``body``; a 409 naming the id when it is taken."""
        callback = self._callback_number(body.callback_number)
        if body.webhook_url:
            await self.check_webhook_url(body.webhook_url)
        agency = AgencyRecord(
            id=body.id,
            name=body.name,
            jurisdiction=body.jurisdiction,
            email_domains=sorted({d.lower() for d in body.email_domains}),
            callback_number=callback,
            webhook_url=body.webhook_url,
            webhook_secret=body.webhook_secret,
        )
        roster = [_officer_record(o) for o in body.officers]
        created = await self.register.agencies.create(agency, roster, actor=principal.subject)
        if created is None:
            raise Problem(
                409,
                "conflict",
                "Agency exists",
                f"an agency with id {body.id!r} is already registered; change it with "
                f"PATCH /v1/agencies/{body.id}",
                field="id",
            )
        return await self._detail(body.id)

    async def update(
        self, principal: Principal, agency_id: str, patch: AgencyPatch
    ) -> AgencyDetail:
        values: dict[str, Any] = {
            name: value
            for name, value in msgspec.structs.asdict(patch).items()
            if value is not msgspec.UNSET
        }
        if "callback_number" in values:
            values["callback_number"] = self._callback_number(values["callback_number"])
        if "email_domains" in values:
            values["email_domains"] = sorted({d.lower() for d in values["email_domains"]})
        if values.get("webhook_url"):
            await self.check_webhook_url(values["webhook_url"])
        updated = await self.register.agencies.update(agency_id, values, actor=principal.subject)
        if updated is None:
            raise not_found(agency_id)
        return await self._detail(agency_id)

    async def add_officer(
        self, principal: Principal, agency_id: str, officer: OfficerIn
    ) -> AgencyDetail:
        outcome = await self.register.agencies.add_officer(
            agency_id, _officer_record(officer), actor=principal.subject
        )
        if outcome == "no-agency":
            raise not_found(agency_id)
        if outcome == "exists":
            raise Problem(
                409,
                "conflict",
                "Officer exists",
                f"{officer.email.lower()} is already on the roster; reactivate them instead",
                field="email",
            )
        return await self._detail(agency_id)

    async def set_officer_active(
        self, principal: Principal, agency_id: str, email: str, active: bool
    ) -> AgencyDetail:
        officer = await self.register.agencies.set_officer_active(
            agency_id, email, active, actor=principal.subject
        )
        if officer is None:
            raise Problem(
                404,
                "not-found",
                "No such officer",
                f"agency {agency_id!r} has no officer {email.lower()!r}",
            )
        return await self._detail(agency_id)

    async def rotate_webhook_secret(
        self, principal: Principal, agency_id: str, body: WebhookSecretRotation, now: dt.datetime
    ) -> RotatedWebhookSecret:
        new_secret = secrets.token_urlsafe(SECRET_BYTES)
        overlap_ends = now + dt.timedelta(hours=body.overlap_hours)
        rotated = await self.register.agencies.rotate_webhook_secret(
            agency_id, new_secret, overlap_ends, actor=principal.subject
        )
        if rotated is None:
            raise not_found(agency_id)
        return RotatedWebhookSecret(
            webhook_secret=new_secret,
            previous_secret_valid_until=rotated.previous_secret_expires_at,
        )

    async def history(self, agency_id: str) -> list[AgencyChangeView]:
        if await self.register.agencies.get(agency_id) is None:
            raise not_found(agency_id)
        return [
            AgencyChangeView(at=c.at, actor=c.actor, action=c.action, changes=c.changes)
            for c in await self.register.agencies.history(agency_id)
        ]

    async def check_webhook_url(self, url: str) -> None:
        """The delivery-time rule, applied at registration too: https (plain http only to
        this machine in local mode); a host that resolves to a loopback (outside local mode),
        private, link-local or otherwise non-public address is refused. A name that does
        not resolve yet is accepted: every delivery resolves and checks it again."""
        try:
            await asyncio.to_thread(
                resolve_webhook_address, url, allow_loopback=self.settings.mode == "local"
            )
        except UnsafeWebhookUrl as exc:
            raise invalid_field("webhook_url", str(exc)) from exc
        except WebhookDeliveryError:
            return

    @staticmethod
    def _callback_number(raw: str) -> str:
        try:
            return normalise_identifier(IdentifierKind.TELEPHONE_NUMBER, raw).value
        except InvalidIdentifier as exc:
            raise invalid_field("callback_number", str(exc)) from exc
