"""The agencies registry: who may submit, from which email domains, and where deliveries go."""

from __future__ import annotations

from litestar import Controller, Request, get, post
from litestar.status_codes import HTTP_201_CREATED

from contracts.api import AgencyIn, AgencyView
from services.intake.agencies.services import AgencyService
from services.intake.auth.guards import admins, principal_of
from services.intake.deps import dependencies
from services.intake.openapi import documented, examples

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


class AgencyController(Controller):
    path = "/v1/agencies"
    tags = ["admin"]
    dependencies = dependencies
    guards = [admins]

    @get("/", summary="List registered agencies", operation_class=documented())
    async def list_agencies(self, agency_service: AgencyService) -> list[AgencyView]:
        return await agency_service.list()

    @post(
        "/",
        status_code=HTTP_201_CREATED,
        summary="Register an agency",
        operation_class=documented(AGENCY_EXAMPLES),
    )
    async def create(
        self, request: Request, agency_service: AgencyService, data: AgencyIn
    ) -> AgencyView:
        return await agency_service.create(principal_of(request), data)
