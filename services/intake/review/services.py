"""The staff's work on requests, shared by the staff API and the review UI: the review
queue, a reviewer's decision as the workflow receives it, the audit trail and the CPNI
disclosure log."""

from __future__ import annotations

import datetime as dt

from contracts.api import AuditEventView, DecisionIn, DisclosureView, LegalProcessView
from contracts.enums import ProcessType, Status
from contracts.workflow import ReviewDecision
from services.intake.auth.tokens import Principal
from services.intake.legal_processes.views import to_view
from services.register.case_register import Register

# What the queue shows unless a status is asked for: requests waiting for people.
OPEN_STATUSES = [Status.RECEIVED, Status.VERIFYING, Status.IN_REVIEW, Status.AWAITING_AGENCY]


def review_decision(principal: Principal, data: DecisionIn) -> ReviewDecision:
    """The decision the workflow's ``decide`` update receives, with the reviewer's identity
    and roles from the token (never from the body)."""
    return ReviewDecision(
        action=data.action,
        reviewer=principal.subject,
        reviewer_roles=sorted(r.value for r in principal.roles),
        reason_code=data.reason_code,
        note=data.note,
        categories=data.categories,
        targets=data.targets,
        question=data.question,
    )


class ReviewService:
    def __init__(self, register: Register) -> None:
        self.register = register

    async def queue(
        self,
        *,
        status: Status | None = None,
        process_type: ProcessType | None = None,
        emergency: bool | None = None,
        overdue: bool | None = None,
        limit: int = 50,
        redirected_by_rule: bool | None = None,
    ) -> list[LegalProcessView]:
        """Requests awaiting people: emergencies first, then the nearest return date. By
        default the open requests and the emergency disclosures whose follow-up process
        never arrived (issue 11); ``redirected_by_rule`` lists the requests the machine
        redirected by rule, for a look. Each row carries its verification findings, its
        drafted refusal, whether it was redirected by rule and its follow-up."""
        if redirected_by_rule:
            statuses = [status] if status else [Status.REDIRECTED]
        else:
            statuses = [status] if status else OPEN_STATUSES
        records = await self.register.legal_processes.list(
            statuses=statuses,
            process_type=process_type,
            emergency=emergency,
            overdue=overdue,
            limit=limit,
            queue_order=True,
            follow_up_missing=status is None and not redirected_by_rule,
            redirected_by_rule=redirected_by_rule,
        )
        return [to_view(r, staff=True) for r in records]

    async def audit_trail(self, request_id: str) -> list[AuditEventView]:
        return [
            AuditEventView(
                seq=e.seq, at=e.at, actor=e.actor, action=e.action, detail=e.detail, hash=e.hash
            )
            for e in await self.register.audit.trail(request_id)
        ]

    async def disclosures(self, *, since: dt.date | None, limit: int) -> list[DisclosureView]:
        start = dt.datetime.combine(since, dt.time(), tzinfo=dt.UTC) if since else None
        return [
            DisclosureView(
                id=d.id,
                request_id=d.request_id,
                agency_id=d.agency_id,
                categories=[c.value for c in d.categories],
                targets=d.targets,
                authority=d.authority,
                record_count=d.record_count,
                manifest_sha256=d.manifest_sha256,
                disclosed_at=d.disclosed_at,
            )
            for d in await self.register.disclosures.list(since=start, limit=limit)
        ]
