"""The agencies registry: who may submit, from which email domains, and where deliveries go."""

from __future__ import annotations

from litestar import Controller, Request, get, post
from litestar.status_codes import HTTP_201_CREATED

from contracts.api import AgencyIn, AgencyView
from contracts.enums import IdentifierKind
from services.decisions.identifiers import InvalidIdentifier, normalise_identifier
from services.intake.auth.guards import admins, principal_of
from services.intake.deps import intake_service
from services.intake.legal_processes.services import IntakeService
from services.intake.openapi import documented, examples
from services.intake.problems import Problem
from services.register.repository import as_utc

AGENCY_EXAMPLES = examples(
    police_department=(
        "A city police department with a webhook for deliveries",
        {
            "id": "raleigh-pd",
            "name": "Raleigh Police Department",
            "jurisdiction": "US-NC",
            "email_domains": ["raleighpd.gov"],
            "callback_number": "+1 919 555 0199",
            "webhook_url": "https://intake.raleighpd.gov/writ/deliveries",
            "webhook_secret": "change-me-to-32-random-bytes-b64",
            "officers": [{"name": "Jordan Doe", "email": "j.doe@raleighpd.gov", "badge": "4411"}],
        },
    ),
)


def _view(row: dict) -> AgencyView:
    fields = {f: row.get(f) for f in AgencyView.__struct_fields__}
    return AgencyView(**fields | {"created_at": as_utc(fields["created_at"])})


class AgencyController(Controller):
    path = "/v1/agencies"
    tags = ["admin"]
    dependencies = intake_service
    guards = [admins]

    @get("/", summary="List registered agencies", operation_class=documented())
    async def list_agencies(self, service: IntakeService) -> list[AgencyView]:
        return [_view(r) for r in await service.register.list_agencies()]

    @post(
        "/",
        status_code=HTTP_201_CREATED,
        summary="Register an agency",
        operation_class=documented(AGENCY_EXAMPLES),
    )
    async def create(self, request: Request, service: IntakeService, data: AgencyIn) -> AgencyView:
        body = data
        try:
            callback = normalise_identifier(
                IdentifierKind.TELEPHONE_NUMBER, body.callback_number
            ).value
        except InvalidIdentifier as exc:
            raise Problem(
                422, "invalid-field", "A field is invalid", str(exc), field="callback_number"
            ) from exc
        row = {
            "id": body.id,
            "name": body.name,
            "jurisdiction": body.jurisdiction,
            "email_domains": sorted({d.lower() for d in body.email_domains}),
            "callback_number": callback,
            "webhook_url": body.webhook_url,
            "webhook_secret": body.webhook_secret,
        }
        officers = [
            {"email": o.email.lower(), "name": o.name, "badge": o.badge, "phone": o.phone}
            for o in body.officers
        ]
        created = await service.register.create_agency(
            row, officers, actor=principal_of(request).subject
        )
        if not created:
            raise Problem(
                409,
                "conflict",
                "Agency exists",
                f"an agency with id {body.id!r} is already registered",
                field="id",
            )
        return _view(await service.register.get_agency(body.id))
