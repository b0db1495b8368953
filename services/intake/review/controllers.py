"""Staff side: the review queue, decisions, requester verification, the audit trail and
the CPNI disclosure log."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from litestar import Controller, Request, get, post
from litestar.params import Parameter
from litestar.status_codes import HTTP_200_OK

from contracts.api import (
    AuditEventView,
    CallbackIn,
    DecisionIn,
    DecisionOut,
    DisclosureView,
    LegalProcessPage,
    VerificationIn,
)
from contracts.enums import ProcessType, Status
from contracts.workflow import CallbackVerification, RequesterVerification, ReviewDecision
from services.intake.auth.guards import STAFF_READ, auditors, principal_of, requires, reviewers
from services.intake.billing.review_time import record_review_time
from services.intake.deps import intake_service
from services.intake.legal_processes.controllers import RequestId, own_request, send_update
from services.intake.legal_processes.services import IntakeService, to_view
from services.intake.openapi import documented, examples
from services.register.repository import as_utc
from services.workflows.legal_process.workflows import LegalProcessWorkflow

DECISION_EXAMPLES = examples(
    approve=(
        "Approve as the machine determined",
        {"action": "approve", "note": "Process and scope verified."},
    ),
    approve_narrowed=(
        "Approve only subscriber information for one target",
        {
            "action": "approve",
            "categories": ["subscriber_info"],
            "targets": ["+19195550100"],
            "note": "Toll records are outside the period the affidavit supports.",
        },
    ),
    reject=(
        "Reject, with the reason code the transparency report counts",
        {
            "action": "reject",
            "reason_code": "overbroad",
            "note": "Asks for every customer in an area code.",
        },
    ),
    ask_agency=(
        "Ask the agency a question (the request waits for its answer)",
        {
            "action": "ask_agency",
            "question": "Which account holder does case 2026-CR-004211 concern?",
        },
    ),
    escalate=(
        "Send the request to legal",
        {"action": "escalate_to_legal", "note": "Out-of-state process."},
    ),
)
VERIFICATION_EXAMPLES = examples(
    verified=(
        "The requester is who they say",
        {
            "verified": True,
            "note": "Confirmed with the agency's legal unit at its published number.",
        },
    ),
    refused=(
        "The requester could not be verified",
        {"verified": False, "note": "The agency has no such officer."},
    ),
)
CALLBACK_EXAMPLES = examples(
    called_back=(
        "Record the call-back for an emergency request",
        {"number_called": "+19195550199", "note": "Sgt. Doe confirmed the request and the danger."},
    ),
)

OPEN_STATUSES = [Status.RECEIVED, Status.VERIFYING, Status.IN_REVIEW, Status.AWAITING_AGENCY]


class ReviewController(Controller):
    path = "/v1"
    tags = ["staff"]
    dependencies = intake_service

    @get(
        "/review-queue",
        guards=[requires(*STAFF_READ)],
        summary="Requests awaiting people, emergencies first",
        operation_class=documented(),
    )
    async def queue(
        self,
        service: IntakeService,
        status: Status | None = None,
        process_type: ProcessType | None = None,
        emergency: bool | None = None,
        overdue: bool | None = None,
        limit: Annotated[int, Parameter(ge=1, le=200)] = 50,
    ) -> LegalProcessPage:
        rows = await service.register.list_legal_processes(
            statuses=[status.value] if status else [s.value for s in OPEN_STATUSES],
            process_type=process_type.value if process_type else None,
            emergency=emergency,
            overdue=overdue,
            limit=limit,
            queue_order=True,
        )
        return LegalProcessPage(items=[to_view(r) for r in rows])

    @post(
        "/legal-processes/{request_id:str}/decisions",
        guards=[reviewers],
        status_code=HTTP_200_OK,
        summary="Approve, reject, ask the agency or escalate to legal",
        operation_class=documented(DECISION_EXAMPLES),
    )
    async def decide(
        self, request: Request, service: IntakeService, request_id: RequestId, data: DecisionIn
    ) -> DecisionOut:
        principal = principal_of(request)
        receipt = await send_update(
            service,
            principal,
            request_id,
            LegalProcessWorkflow.decide,
            ReviewDecision(
                action=data.action,
                reviewer=principal.subject,
                reviewer_roles=sorted(r.value for r in principal.roles),
                reason_code=data.reason_code,
                note=data.note,
                categories=data.categories,
                targets=data.targets,
                question=data.question,
            ),
        )
        if data.minutes:  # billing hook: reviewer time, read by the billing activity
            await record_review_time(service.register, request_id, principal.subject, data.minutes)
        return receipt

    @post(
        "/legal-processes/{request_id:str}/verification",
        guards=[reviewers],
        status_code=HTTP_200_OK,
        summary="Confirm or refuse a requester the registry could not verify",
        operation_class=documented(VERIFICATION_EXAMPLES),
    )
    async def verify(
        self, request: Request, service: IntakeService, request_id: RequestId, data: VerificationIn
    ) -> DecisionOut:
        principal = principal_of(request)
        return await send_update(
            service,
            principal,
            request_id,
            LegalProcessWorkflow.verify_requester,
            RequesterVerification(
                verified_by=principal.subject, verified=data.verified, note=data.note
            ),
        )

    @post(
        "/legal-processes/{request_id:str}/callback",
        guards=[reviewers],
        status_code=HTTP_200_OK,
        summary="Record the call-back to the agency's published number (emergencies)",
        operation_class=documented(CALLBACK_EXAMPLES),
    )
    async def callback(
        self, request: Request, service: IntakeService, request_id: RequestId, data: CallbackIn
    ) -> DecisionOut:
        principal = principal_of(request)
        return await send_update(
            service,
            principal,
            request_id,
            LegalProcessWorkflow.record_callback,
            CallbackVerification(
                verified_by=principal.subject, number_called=data.number_called, note=data.note
            ),
        )

    @get(
        "/legal-processes/{request_id:str}/audit",
        guards=[requires(*STAFF_READ)],
        summary="The request's audit trail",
        operation_class=documented(),
    )
    async def audit(
        self, request: Request, service: IntakeService, request_id: RequestId
    ) -> list[AuditEventView]:
        await own_request(service, principal_of(request), request_id)
        return [AuditEventView(**e) for e in await service.register.audit_trail(request_id)]

    @get(
        "/disclosures",
        guards=[auditors],
        summary="CPNI disclosure log (47 CFR §64.2009(c))",
        operation_class=documented(),
    )
    async def disclosures(
        self,
        service: IntakeService,
        since: dt.date | None = None,
        limit: Annotated[int, Parameter(ge=1, le=1000)] = 200,
    ) -> list[DisclosureView]:
        start = dt.datetime.combine(since, dt.time(), tzinfo=dt.UTC) if since else None
        rows = await service.register.list_disclosures(since=start, limit=limit)
        return [DisclosureView(**r | {"disclosed_at": as_utc(r["disclosed_at"])}) for r in rows]
