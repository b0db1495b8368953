"""``/v1/legal-holds`` (docs/operations.md "Retention and legal holds"): a hold keeps a
request, every request naming a customer account, or every request of a case number from
the retention purge until it is lifted."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, delete, get, post
from litestar.params import Parameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from contracts.enums import Role
from contracts.retention import LegalHoldIn, LegalHoldLiftIn, LegalHoldView
from services.intake.auth.guards import principal_of, requires
from services.intake.legal_holds.services import LegalHoldService, legal_hold_service
from services.intake.openapi import documented, examples

HoldId = Annotated[
    str, Parameter(pattern=r"^lh_[0-9a-f]{24}$", description="A legal hold id, lh_...")
]

PLACE_EXAMPLES = examples(
    request=(
        "Hold one request",
        {"request_id": "lp_0123456789abcdef01234567", "reason": "Doe v. Writ, litigation hold"},
    ),
    customer_account=(
        "Hold every request naming a customer account",
        {"customer_account_id": "ACCT-1001", "reason": "Preservation letter of 2026-11-30"},
    ),
    case_number=(
        "Hold every request of an agency case",
        {"case_number": "2026-CR-1", "reason": "Appeal pending in State v. Roe"},
    ),
)
LIFT_EXAMPLES = examples(
    lifted=("Lift a hold", {"reason": "Doe v. Writ settled; counsel released the hold"})
)

place_or_lift = requires(Role.LEGAL)
read = requires(Role.LEGAL, Role.AUDITOR)


class LegalHoldController(Controller):
    path = "/v1/legal-holds"
    tags = ["legal holds"]
    dependencies = legal_hold_service

    @get(
        "/",
        guards=[read],
        summary="List legal holds (active ones, unless include_lifted)",
        operation_class=documented(),
    )
    async def list_holds(
        self,
        request: Request,
        service: LegalHoldService,
        include_lifted: Annotated[bool, Parameter(query="include_lifted")] = False,
    ) -> list[LegalHoldView]:
        return await service.list_holds(principal_of(request).subject, include_lifted)

    @post(
        "/",
        guards=[place_or_lift],
        status_code=HTTP_201_CREATED,
        summary="Place a legal hold",
        operation_class=documented(PLACE_EXAMPLES),
    )
    async def place(
        self, request: Request, service: LegalHoldService, data: LegalHoldIn
    ) -> LegalHoldView:
        return await service.place(data, principal_of(request).subject)

    @delete(
        "/{hold_id:str}",
        guards=[place_or_lift],
        status_code=HTTP_200_OK,
        summary="Lift a legal hold (who and why are recorded)",
        operation_class=documented(LIFT_EXAMPLES),
    )
    async def lift(
        self, request: Request, service: LegalHoldService, hold_id: HoldId, data: LegalHoldLiftIn
    ) -> LegalHoldView:
        return await service.lift(hold_id, data, principal_of(request).subject)
