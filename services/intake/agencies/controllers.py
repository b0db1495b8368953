"""The agencies registry: who may submit, from which email domains, and where deliveries
go; the roster of officers, the webhook secret's rotation and the change history
(docs/agencies.md)."""

from __future__ import annotations

import datetime as dt

from litestar import Controller, Request, get, patch, post
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from contracts.agencies import (
    AgencyChangeView,
    AgencyDetail,
    AgencyPatch,
    RotatedWebhookSecret,
    WebhookSecretRotation,
)
from contracts.api import AgencyIn, OfficerIn
from contracts.enums import Role
from services.intake.agencies.services import AgencyService
from services.intake.auth.guards import admins, principal_of, requires
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
            "webhook_secret": "wX3k9Qm2ZbT7rLp4Vn8sYc1Hd6Ju0FeA",
            "officers": [{"name": "Jordan Doe", "email": "j.doe@raleighpd.gov", "badge": "4411"}],
        },
    ),
)
PATCH_EXAMPLES = examples(
    new_callback_number=(
        "The agency's published call-back number changed",
        {"callback_number": "+1 919 555 0142"},
    ),
    remove_webhook=("Deliveries by mail only from now on", {"webhook_url": None}),
)
OFFICER_EXAMPLES = examples(
    new_detective=(
        "A detective who joined the agency",
        {"name": "Sam Rivera", "email": "s.rivera@raleighpd.gov", "badge": "5120"},
    ),
)
ROTATION_EXAMPLES = examples(
    one_day_overlap=("The old secret keeps signing for 24 hours", {"overlap_hours": 24}),
)

admins_or_the_agency = requires(Role.ADMIN, Role.AGENCY)


class AgencyController(Controller):
    path = "/v1/agencies"
    tags = ["admin"]
    dependencies = dependencies

    @get(
        "/",
        guards=[admins],
        summary="List registered agencies with their officers",
        operation_class=documented(),
    )
    async def list_agencies(self, agency_service: AgencyService) -> list[AgencyDetail]:
        return await agency_service.list()

    @post(
        "/",
        guards=[admins],
        status_code=HTTP_201_CREATED,
        summary="Register an agency",
        operation_class=documented(AGENCY_EXAMPLES),
    )
    async def create(
        self, request: Request, agency_service: AgencyService, data: AgencyIn
    ) -> AgencyDetail:
        return await agency_service.create(principal_of(request), data)

    @get(
        "/{agency_id:str}",
        guards=[admins_or_the_agency],
        summary="Read one agency's registration (an agency token reads only its own)",
        operation_class=documented(),
    )
    async def read(
        self, request: Request, agency_service: AgencyService, agency_id: str
    ) -> AgencyDetail:
        return await agency_service.read(principal_of(request), agency_id)

    @patch(
        "/{agency_id:str}",
        guards=[admins],
        summary="Change an agency's registration (recorded in its history)",
        operation_class=documented(PATCH_EXAMPLES),
    )
    async def update(
        self, request: Request, agency_service: AgencyService, agency_id: str, data: AgencyPatch
    ) -> AgencyDetail:
        return await agency_service.update(principal_of(request), agency_id, data)

    @get(
        "/{agency_id:str}/history",
        guards=[admins],
        summary="Every change to an agency's registration, oldest first",
        operation_class=documented(),
    )
    async def history(
        self, agency_service: AgencyService, agency_id: str
    ) -> list[AgencyChangeView]:
        return await agency_service.history(agency_id)

    @post(
        "/{agency_id:str}/officers",
        guards=[admins],
        status_code=HTTP_201_CREATED,
        summary="Add an officer to the roster (their next request is verified automatically)",
        operation_class=documented(OFFICER_EXAMPLES),
    )
    async def add_officer(
        self, request: Request, agency_service: AgencyService, agency_id: str, data: OfficerIn
    ) -> AgencyDetail:
        return await agency_service.add_officer(principal_of(request), agency_id, data)

    @post(
        "/{agency_id:str}/officers/{email:str}/deactivate",
        guards=[admins],
        status_code=HTTP_200_OK,
        summary="Deactivate an officer (their new requests go to verification)",
        operation_class=documented(),
    )
    async def deactivate_officer(
        self, request: Request, agency_service: AgencyService, agency_id: str, email: str
    ) -> AgencyDetail:
        return await agency_service.set_officer_active(
            principal_of(request), agency_id, email, active=False
        )

    @post(
        "/{agency_id:str}/officers/{email:str}/reactivate",
        guards=[admins],
        status_code=HTTP_200_OK,
        summary="Reactivate an officer",
        operation_class=documented(),
    )
    async def reactivate_officer(
        self, request: Request, agency_service: AgencyService, agency_id: str, email: str
    ) -> AgencyDetail:
        return await agency_service.set_officer_active(
            principal_of(request), agency_id, email, active=True
        )

    @post(
        "/{agency_id:str}/webhook-secret",
        guards=[admins],
        status_code=HTTP_200_OK,
        summary="Rotate the webhook secret; the old one keeps signing during the overlap",
        operation_class=documented(ROTATION_EXAMPLES),
    )
    async def rotate_webhook_secret(
        self,
        request: Request,
        agency_service: AgencyService,
        agency_id: str,
        data: WebhookSecretRotation,
    ) -> RotatedWebhookSecret:
        return await agency_service.rotate_webhook_secret(
            principal_of(request), agency_id, data, dt.datetime.now(dt.UTC)
        )
