"""The agencies registry as the admin API works it: register an agency with its roster,
list and read them."""

from __future__ import annotations

from contracts.api import AgencyIn, AgencyView
from contracts.enums import IdentifierKind
from services.decisions.identifiers import InvalidIdentifier, normalise_identifier
from services.intake.auth.tokens import Principal
from services.intake.problems import Problem, invalid_field
from services.register.agencies import AgencyRecord, OfficerRecord
from services.register.case_register import Register


def to_view(agency: AgencyRecord) -> AgencyView:
    return AgencyView(
        id=agency.id,
        name=agency.name,
        jurisdiction=agency.jurisdiction,
        email_domains=agency.email_domains,
        callback_number=agency.callback_number,
        webhook_url=agency.webhook_url,
        created_at=agency.created_at,
    )


class AgencyService:
    def __init__(self, register: Register) -> None:
        self.register = register

    async def list(self) -> list[AgencyView]:
        return [to_view(a) for a in await self.register.agencies.list()]

    async def create(self, principal: Principal, body: AgencyIn) -> AgencyView:
        """Register ``body``; a 409 naming the id when it is taken."""
        try:
            callback = normalise_identifier(
                IdentifierKind.TELEPHONE_NUMBER, body.callback_number
            ).value
        except InvalidIdentifier as exc:
            raise invalid_field("callback_number", str(exc)) from exc
        agency = AgencyRecord(
            id=body.id,
            name=body.name,
            jurisdiction=body.jurisdiction,
            email_domains=sorted({d.lower() for d in body.email_domains}),
            callback_number=callback,
            webhook_url=body.webhook_url,
            webhook_secret=body.webhook_secret,
        )
        roster = [
            OfficerRecord(email=o.email.lower(), name=o.name, badge=o.badge, phone=o.phone)
            for o in body.officers
        ]
        created = await self.register.agencies.create(agency, roster, actor=principal.subject)
        if created is None:
            raise Problem(
                409,
                "conflict",
                "Agency exists",
                f"an agency with id {body.id!r} is already registered",
                field="id",
            )
        return to_view(created)
