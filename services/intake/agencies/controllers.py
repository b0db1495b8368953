"""The agencies registry: who may submit, from which email domains, and where deliveries go."""

from __future__ import annotations

from litestar import Controller, Request, get, post
from litestar.status_codes import HTTP_201_CREATED

from contracts.api import AgencyIn, AgencyView
from contracts.enums import IdentifierKind
from services.intake.auth.guards import admins, principal_of
from services.intake.deps import intake_service
from services.intake.legal_processes.services import IntakeService
from services.intake.problems import Problem
from services.workflows.decisions.targets import InvalidIdentifier, normalize_identifier


def _view(row: dict) -> AgencyView:
    return AgencyView(**{f: row.get(f) for f in AgencyView.__struct_fields__})


class AgencyController(Controller):
    path = "/v1/agencies"
    tags = ["admin"]
    dependencies = intake_service
    guards = [admins]

    @get("/", summary="List registered agencies")
    async def list_agencies(self, service: IntakeService) -> list[AgencyView]:
        return [_view(r) for r in await service.register.list_agencies()]

    @post("/", status_code=HTTP_201_CREATED, summary="Register an agency")
    async def create(self, request: Request, service: IntakeService, data: AgencyIn) -> AgencyView:
        body = data
        try:
            callback = normalize_identifier(IdentifierKind.TELEPHONE_NUMBER, body.callback_number).value
        except InvalidIdentifier as exc:
            raise Problem(422, "invalid-field", "A field is invalid", str(exc), field="callback_number") from exc
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
            {"email": o.email.lower(), "name": o.name, "badge": o.badge, "phone": o.phone} for o in body.officers
        ]
        created = await service.register.create_agency(row, officers, actor=principal_of(request).subject)
        if not created:
            raise Problem(409, "conflict", "Agency exists", f"an agency with id {body.id!r} is already registered", field="id")
        return _view(await service.register.get_agency(body.id))
