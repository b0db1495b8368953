"""Staff side: the review queue, decisions, requester verification, the audit trail and
the CPNI disclosure log."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from litestar import Controller, Request, get, post
from litestar.params import Parameter
from litestar.status_codes import HTTP_200_OK

from contracts.api import (
    AssignmentIn,
    AssignmentOut,
    AuditEventView,
    CallbackIn,
    DecisionIn,
    DecisionOut,
    DisclosureView,
    LegalProcessPage,
    VerificationIn,
)
from contracts.enums import ProcessType, Status
from services.intake.auth.guards import auditors, case_readers, principal_of, reviewers
from services.intake.billing.review_time import record_review_time
from services.intake.deps import dependencies
from services.intake.legal_processes.access import CaseAccess
from services.intake.legal_processes.controllers import RequestId
from services.intake.legal_processes.updates import WorkflowUpdates
from services.intake.openapi import documented, examples
from services.intake.review.services import ReviewService, review_decision
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
    confirm_refusal=(
        "Confirm the refusal the machine drafted (the request ends rejected or redirected)",
        {"action": "confirm_refusal", "note": "A subpoena cannot compel content."},
    ),
    override_refusal=(
        "Override the drafted refusal: back into review with this scope (audited; legal"
        " approves, two approvers)",
        {
            "action": "override_refusal",
            "categories": ["subscriber_info"],
            "targets": ["+19195550100"],
            "note": "The subpoena also asks for subscriber information on page 2.",
        },
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
ASSIGNMENT_EXAMPLES = examples(
    claim=("Claim it for yourself", {}),
    assign=("Assign it to a colleague", {"assignee": "bob"}),
)
CALLBACK_EXAMPLES = examples(
    called_back=(
        "Record the call-back for an emergency request",
        {"number_called": "+19195550199", "note": "Sgt. Doe confirmed the request and the danger."},
    ),
)


class ReviewController(Controller):
    path = "/v1"
    tags = ["staff"]
    dependencies = dependencies

    @get(
        "/review-queue",
        guards=[case_readers],
        summary="Requests awaiting people, emergencies first",
        operation_class=documented(),
    )
    async def queue(
        self,
        review_service: ReviewService,
        status: Status | None = None,
        process_type: ProcessType | None = None,
        emergency: bool | None = None,
        overdue: bool | None = None,
        agency_id: Annotated[str | None, Parameter(max_length=100)] = None,
        case_number: Annotated[str | None, Parameter(max_length=200)] = None,
        assignee: Annotated[
            str | None, Parameter(max_length=200, description="Only requests assigned to")
        ] = None,
        cursor: Annotated[
            str | None,
            Parameter(max_length=1000, description="The previous page's next_cursor"),
        ] = None,
        limit: Annotated[int, Parameter(ge=1, le=200)] = 50,
        redirected_by_rule: Annotated[
            bool | None,
            Parameter(description="true: the requests the machine redirected by rule, for a look"),
        ] = None,
    ) -> LegalProcessPage:
        page = await review_service.queue(
            status=status,
            process_type=process_type,
            emergency=emergency,
            overdue=overdue,
            agency_id=agency_id,
            case_number=case_number,
            assignee=assignee,
            cursor=cursor,
            limit=limit,
            redirected_by_rule=redirected_by_rule,
        )
        return LegalProcessPage(items=page.items, next_cursor=page.next_cursor)

    @post(
        "/legal-processes/{request_id:str}/decisions",
        guards=[reviewers],
        status_code=HTTP_200_OK,
        summary="Approve, reject, ask the agency, escalate to legal, or confirm or override"
        " a drafted refusal",
        operation_class=documented(DECISION_EXAMPLES),
    )
    async def decide(
        self,
        request: Request,
        workflow_updates: WorkflowUpdates,
        review_service: ReviewService,
        request_id: RequestId,
        data: DecisionIn,
    ) -> DecisionOut:
        principal = principal_of(request)
        decision = review_decision(principal, data)
        receipt = await workflow_updates.send(
            principal, request_id, LegalProcessWorkflow.decide, decision
        )
        await review_service.record_decision(request_id, principal, data, receipt)
        if (
            data.minutes
        ):  # reviewer time, summed into the invoice (services/billing/charge_facts.py)
            await record_review_time(
                review_service.register, request_id, principal.subject, data.minutes
            )
        return receipt

    @post(
        "/legal-processes/{request_id:str}/verification",
        guards=[reviewers],
        status_code=HTTP_200_OK,
        summary="Confirm or refuse a requester the registry could not verify",
        operation_class=documented(VERIFICATION_EXAMPLES),
    )
    async def verify(
        self,
        request: Request,
        workflow_updates: WorkflowUpdates,
        review_service: ReviewService,
        request_id: RequestId,
        data: VerificationIn,
    ) -> DecisionOut:
        principal = principal_of(request)
        return await review_service.verify(workflow_updates, principal, request_id, data)

    @post(
        "/legal-processes/{request_id:str}/callback",
        guards=[reviewers],
        status_code=HTTP_200_OK,
        summary="Record the call-back to the agency's published number (emergencies)",
        operation_class=documented(CALLBACK_EXAMPLES),
    )
    async def callback(
        self,
        request: Request,
        workflow_updates: WorkflowUpdates,
        review_service: ReviewService,
        request_id: RequestId,
        data: CallbackIn,
    ) -> DecisionOut:
        principal = principal_of(request)
        return await review_service.callback(workflow_updates, principal, request_id, data)

    @post(
        "/legal-processes/{request_id:str}/assignment",
        guards=[reviewers],
        status_code=HTTP_200_OK,
        summary="Claim a request, or assign it to someone (audited)",
        operation_class=documented(ASSIGNMENT_EXAMPLES),
    )
    async def assign(
        self,
        request: Request,
        case_access: CaseAccess,
        review_service: ReviewService,
        request_id: RequestId,
        data: AssignmentIn,
    ) -> AssignmentOut:
        principal = principal_of(request)
        await case_access.own_request(principal, request_id)
        return await review_service.assign(principal, request_id, data)

    @get(
        "/legal-processes/{request_id:str}/audit",
        guards=[case_readers],
        summary="The request's audit trail",
        operation_class=documented(),
    )
    async def audit(
        self,
        request: Request,
        case_access: CaseAccess,
        review_service: ReviewService,
        request_id: RequestId,
    ) -> list[AuditEventView]:
        await case_access.own_request(principal_of(request), request_id)
        return await review_service.audit_trail(request_id)

    @get(
        "/disclosures",
        guards=[auditors],
        summary="CPNI disclosure log (47 CFR §64.2009(c))",
        operation_class=documented(),
    )
    async def disclosures(
        self,
        review_service: ReviewService,
        since: dt.date | None = None,
        limit: Annotated[int, Parameter(ge=1, le=1000)] = 200,
    ) -> list[DisclosureView]:
        return await review_service.disclosures(since=since, limit=limit)
