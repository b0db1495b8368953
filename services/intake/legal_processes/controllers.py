"""Agency-side endpoints (docs/architecture.md §4): submit, read, answer, withdraw, extend,
download."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.params import Parameter
from litestar.response import Stream
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from contracts.api import (
    ClarificationIn,
    DecisionOut,
    DocumentOut,
    LegalProcessPage,
    LegalProcessView,
    WithdrawalIn,
)
from contracts.enums import CASE_READING_ROLES, Status
from contracts.legal_process import REQUEST_ID_PATTERN
from contracts.submission import LegalProcessSubmission
from contracts.workflow import AgencyResponse, ExtensionRequest, Withdrawal
from services.intake.auth.guards import agency_only, principal_of
from services.intake.deps import dependencies
from services.intake.legal_processes.access import CaseAccess
from services.intake.legal_processes.bodies import read_document, read_submission
from services.intake.legal_processes.docs import (
    ALREADY_RECEIVED,
    CLARIFICATION_EXAMPLES,
    DOCUMENT_BODY,
    SUBMISSION_BODY,
    WITHDRAWAL_EXAMPLES,
)
from services.intake.legal_processes.production import ProductionDownloads
from services.intake.legal_processes.services import IntakeService
from services.intake.legal_processes.updates import WorkflowUpdates
from services.intake.openapi import documented
from services.intake.ratelimits import DOWNLOADS, SUBMISSIONS, rate_limited
from services.workflows.legal_process.workflows import LegalProcessWorkflow

# Request ids are issued by this API ("lp_" + hex); anything else cannot name one, and is
# refused before it reaches the register (PostgreSQL cannot even compare text holding NUL).
RequestId = Annotated[
    str,
    Parameter(pattern=REQUEST_ID_PATTERN, max_length=64, description="A request id, lp_..."),
]
IdempotencyKey = Annotated[
    str | None,
    Parameter(
        header="Idempotency-Key",
        max_length=200,
        pattern=r"^[\x21-\x7e]+$",
        description="Printable ASCII, chosen by the client: a retry with the same key returns "
        "the first result",
    ),
]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class LegalProcessController(Controller):
    path = "/v1"
    tags = ["agency"]
    dependencies = dependencies

    @post(
        "/legal-processes",
        guards=[agency_only, rate_limited(SUBMISSIONS)],
        operation_class=documented(request_body=SUBMISSION_BODY, responses=ALREADY_RECEIVED),
        status_code=HTTP_201_CREATED,
        summary="Submit legal process",
        description="Idempotent with an `Idempotency-Key` header: a retry returns the first "
        "result (200). "
        "A request of a case already submitted that names no new target is answered with the "
        "earlier "
        "request (200); one that adds targets is created and linked to it (`duplicate_of`).",
    )
    async def submit(
        self,
        request: Request,
        intake_service: IntakeService,
        idempotency_key: IdempotencyKey = None,
    ) -> Response[LegalProcessView]:
        submission, document = await read_submission(request)
        view, created = await intake_service.submit(
            principal_of(request), submission, document, idempotency_key, _now()
        )
        return Response(view, status_code=HTTP_201_CREATED if created else HTTP_200_OK)

    @post(
        "/documents",
        guards=[agency_only, rate_limited(SUBMISSIONS)],
        status_code=HTTP_201_CREATED,
        summary="Upload a signed document for a later JSON submission",
        operation_class=documented(request_body=DOCUMENT_BODY),
    )
    async def upload_document(self, request: Request, intake_service: IntakeService) -> DocumentOut:
        document = await read_document(request)
        return await intake_service.store_document(principal_of(request), document)

    @get(
        "/legal-processes",
        guards=[agency_only],
        summary="List your agency's requests",
        operation_class=documented(),
    )
    async def list_own(
        self,
        request: Request,
        intake_service: IntakeService,
        status: Status | None = None,
        cursor: Annotated[str | None, Parameter(max_length=200)] = None,
        limit: Annotated[int, Parameter(ge=1, le=200)] = 50,
    ) -> LegalProcessPage:
        return await intake_service.page_of_own(principal_of(request), status, cursor, limit)

    @get(
        "/legal-processes/{request_id:str}",
        summary="Status, determination and deadlines",
        operation_class=documented(),
    )
    async def read(
        self,
        request: Request,
        case_access: CaseAccess,
        intake_service: IntakeService,
        request_id: RequestId,
    ) -> LegalProcessView:
        principal = principal_of(request)
        await case_access.own_request(principal, request_id)
        # Issue 11: staff see the internal reasons and the verification findings too.
        staff = not principal.is_agency and bool(principal.roles & CASE_READING_ROLES)
        return await intake_service.view(request_id, staff=staff)

    @get(
        "/legal-processes/{request_id:str}/submission",
        summary="The submission exactly as received",
        operation_class=documented(),
    )
    async def submission(
        self, request: Request, case_access: CaseAccess, request_id: RequestId
    ) -> LegalProcessSubmission:
        record = await case_access.own_request(principal_of(request), request_id)
        return msgspec.convert(record.submission, LegalProcessSubmission)

    @post(
        "/legal-processes/{request_id:str}/responses",
        guards=[agency_only],
        status_code=HTTP_200_OK,
        summary="Answer a clarification request",
        operation_class=documented(CLARIFICATION_EXAMPLES),
    )
    async def respond(
        self,
        request: Request,
        workflow_updates: WorkflowUpdates,
        request_id: RequestId,
        data: ClarificationIn,
    ) -> DecisionOut:
        principal = principal_of(request)
        answer = AgencyResponse(responder=principal.subject, text=data.text)
        return await workflow_updates.send(
            principal, request_id, LegalProcessWorkflow.respond, answer
        )

    @post(
        "/legal-processes/{request_id:str}/withdraw",
        guards=[agency_only],
        status_code=HTTP_200_OK,
        summary="Withdraw the request",
        operation_class=documented(WITHDRAWAL_EXAMPLES),
    )
    async def withdraw(
        self,
        request: Request,
        workflow_updates: WorkflowUpdates,
        request_id: RequestId,
        data: WithdrawalIn,
    ) -> DecisionOut:
        principal = principal_of(request)
        withdrawal = Withdrawal(requested_by=principal.subject, reason=data.reason)
        return await workflow_updates.send(
            principal, request_id, LegalProcessWorkflow.withdraw, withdrawal
        )

    @post(
        "/legal-processes/{request_id:str}/extensions",
        guards=[agency_only],
        status_code=HTTP_200_OK,
        summary="Extend a preservation by 90 days (once)",
        operation_class=documented(),
    )
    async def extend(
        self, request: Request, workflow_updates: WorkflowUpdates, request_id: RequestId
    ) -> DecisionOut:
        principal = principal_of(request)
        extension = ExtensionRequest(requested_by=principal.subject)
        return await workflow_updates.send(
            principal, request_id, LegalProcessWorkflow.extend, extension
        )

    @get(
        "/legal-processes/{request_id:str}/production",
        guards=[agency_only, rate_limited(DOWNLOADS)],
        summary="Download the production (audited)",
        media_type="application/zip",
        operation_class=documented(),
    )
    async def production(
        self, request: Request, production_downloads: ProductionDownloads, request_id: RequestId
    ) -> Stream:
        download = await production_downloads.open(principal_of(request), request_id)
        return Stream(download.chunks, media_type=download.media_type, headers=download.headers)
