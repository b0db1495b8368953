"""The staff's work on requests, shared by the staff API and the review UI: the review
queue, a reviewer's decision as the workflow receives it, the audit trail and the CPNI
disclosure log."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib

import msgspec

from contracts.api import (
    AssignmentIn,
    AssignmentOut,
    AuditEventView,
    CallbackIn,
    DecisionIn,
    DecisionOut,
    DisclosureView,
    LegalProcessView,
    VerificationIn,
)
from contracts.enums import DecisionAction, IdentifierKind, ProcessType, Role, Status
from contracts.workflow import CallbackVerification, RequesterVerification, ReviewDecision
from services.decisions.identifiers import InvalidIdentifier, normalise_identifier
from services.intake.auth.tokens import InvalidToken, Principal, normalise_subject
from services.intake.legal_processes.updates import WorkflowUpdates
from services.intake.legal_processes.views import to_view
from services.intake.problems import Problem
from services.register.case_register import Register
from services.register.legal_processes import LegalProcessRecord, QueuePosition
from services.workflows.legal_process.workflows import LegalProcessWorkflow

# What the queue shows unless a status is asked for: requests waiting for people.
OPEN_STATUSES = [Status.RECEIVED, Status.VERIFYING, Status.IN_REVIEW, Status.AWAITING_AGENCY]


def review_decision(principal: Principal, data: DecisionIn) -> ReviewDecision:
    """The decision the workflow's ``decide`` update receives, with the reviewer's identity
    and roles from the token (never from the body). A rejection without its reason code is
    a 422 naming the field (there is no default reason)."""
    if data.action is DecisionAction.REJECT and data.reason_code is None:
        raise Problem(
            422,
            "invalid-field",
            "A field is invalid",
            "reason_code: a rejection needs its reason code",
            field="reason_code",
        )
    return ReviewDecision(
        action=data.action,
        reviewer=principal.subject,
        reviewer_roles=sorted(r.value for r in principal.roles),
        reason_code=data.reason_code,
        note=data.note,
        categories=data.categories,
        targets=data.targets,
        question=data.question,
        period=data.period,
    )


def encode_cursor(record: LegalProcessRecord) -> str:
    position = QueuePosition(
        emergency=record.emergency,
        return_date=record.return_date,
        received_at=record.received_at,
        id=record.id,
    )
    return base64.urlsafe_b64encode(msgspec.json.encode(position)).decode().rstrip("=")


def decode_cursor(cursor: str) -> QueuePosition:
    """The position a ``next_cursor`` names; anything else is a 400 naming ``cursor``."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        position = msgspec.json.decode(raw, type=QueuePosition)
    except (binascii.Error, ValueError, msgspec.DecodeError) as exc:
        raise Problem(
            400,
            "invalid-field",
            "A query parameter is invalid",
            "cursor: not a cursor this queue returned",
            field="cursor",
        ) from exc
    if position.received_at.tzinfo is None:
        position = msgspec.structs.replace(
            position, received_at=position.received_at.replace(tzinfo=dt.UTC)
        )
    return position


def _roles(principal: Principal) -> str:
    return ",".join(sorted(r.value for r in principal.roles))


class QueuePage(msgspec.Struct, frozen=True, kw_only=True):
    items: list[LegalProcessView]
    next_cursor: str | None = None
    records: list[LegalProcessRecord] = []  # the rows behind ``items``, for the UI
    assignees: dict[str, str] = {}  # request id → who works it


def decision_audit_detail(principal: Principal, data: DecisionIn) -> dict[str, object]:
    """What a decision's own audit entry records: the person, their roles, and everything
    they typed (the note, the reason code, the question for the agency, a narrowing)."""
    detail: dict[str, object] = {
        "reviewer": principal.subject,
        "roles": _roles(principal),
        "note": data.note,
    }
    if data.reason_code is not None:
        detail["reason_code"] = data.reason_code.value
    if data.question:
        detail["question"] = data.question
    if data.categories is not None:
        detail["categories"] = ",".join(c.value for c in data.categories)
    if data.targets is not None:
        detail["targets"] = len(data.targets)
    if data.period is not None:
        detail["period"] = f"{data.period.start} to {data.period.end}"
    return detail


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
        agency_id: str | None = None,
        case_number: str | None = None,
        search: str | None = None,
        assignee: str | None = None,
        cursor: str | None = None,
        limit: int = 50,
        redirected_by_rule: bool | None = None,
    ) -> QueuePage:
        """Requests awaiting people: emergencies first, then the nearest return date; one
        page, and the cursor of the next when there is more (keyset paging). By default the
        open requests and the emergency disclosures whose follow-up process never arrived
        (issue 11); ``redirected_by_rule`` lists the requests the machine redirected by
        rule, for a look. Each row carries its verification findings, its drafted refusal,
        whether it was redirected by rule and its follow-up."""
        if redirected_by_rule:
            statuses = [status] if status else [Status.REDIRECTED]
        else:
            statuses = [status] if status else OPEN_STATUSES
        records = await self.register.legal_processes.list(
            statuses=statuses,
            process_type=process_type,
            emergency=emergency,
            overdue=overdue,
            agency_id=agency_id,
            case_number=case_number,
            search=search,
            assignee=assignee,
            limit=limit + 1,
            queue_order=True,
            queue_after=decode_cursor(cursor) if cursor else None,
            follow_up_missing=status is None and not redirected_by_rule,
            redirected_by_rule=redirected_by_rule,
        )
        more = len(records) > limit
        records = records[:limit]
        return QueuePage(
            items=[to_view(r, staff=True) for r in records],
            next_cursor=encode_cursor(records[-1]) if more else None,
            records=records,
            assignees={
                k: a.assignee
                for k, a in (
                    await self.register.review_assignments.of(r.id for r in records)
                ).items()
            },
        )

    async def assignee_of(self, request_id: str) -> str:
        found = await self.register.review_assignments.of([request_id])
        return found[request_id].assignee if request_id in found else ""

    async def assign(
        self, principal: Principal, request_id: str, data: AssignmentIn
    ) -> AssignmentOut:
        """Claim a request (no assignee: yourself) or assign it to someone; audited."""
        try:
            assignee = (
                normalise_subject(data.assignee) if data.assignee.strip() else principal.subject
            )
        except InvalidToken as exc:
            raise Problem(
                422,
                "invalid-field",
                "A field is invalid",
                "assignee: not a plain staff identifier",
                field="assignee",
            ) from exc
        made = await self.register.review_assignments.assign(
            request_id, assignee, by=principal.subject, roles=_roles(principal)
        )
        return AssignmentOut(
            request_id=made.request_id,
            assignee=made.assignee,
            assigned_by=made.assigned_by,
            assigned_at=made.assigned_at,
        )

    async def record_decision(
        self, request_id: str, principal: Principal, data: DecisionIn, receipt: DecisionOut
    ) -> None:
        detail = decision_audit_detail(principal, data)
        detail["status_after"] = receipt.status.value
        if data.action is DecisionAction.APPROVE:
            detail["approvals"] = ",".join(receipt.approvals)
            detail["approvals_required"] = receipt.approvals_required
        await self.record_staff_action(
            request_id, principal, f"decision:{data.action.value}", detail
        )

    async def verify(
        self, updates: WorkflowUpdates, principal: Principal, request_id: str, data: VerificationIn
    ) -> DecisionOut:
        """Confirm or refuse the requester; audited with who, the verdict and the note."""
        receipt = await updates.send(
            principal,
            request_id,
            LegalProcessWorkflow.verify_requester,
            RequesterVerification(
                verified_by=principal.subject, verified=data.verified, note=data.note
            ),
        )
        await self.record_staff_action(
            request_id,
            principal,
            "requester_verified" if data.verified else "requester_refused",
            {
                "by": principal.subject,
                "roles": _roles(principal),
                "note": data.note,
                "status_after": receipt.status.value,
            },
        )
        return receipt

    async def callback(
        self, updates: WorkflowUpdates, principal: Principal, request_id: str, data: CallbackIn
    ) -> DecisionOut:
        """Record the call-back to the agency; audited with who, the number and the note."""
        receipt = await updates.send(
            principal,
            request_id,
            LegalProcessWorkflow.record_callback,
            CallbackVerification(
                verified_by=principal.subject, number_called=data.number_called, note=data.note
            ),
        )
        await self.record_staff_action(
            request_id,
            principal,
            "callback_recorded",
            {
                "by": principal.subject,
                "roles": _roles(principal),
                "number_called": data.number_called,
                "note": data.note,
                "status_after": receipt.status.value,
            },
        )
        return receipt

    async def target_search(
        self, principal: Principal, kind: str, raw: str, limit: int = 200
    ) -> list[LegalProcessView]:
        """Every request (open or not) naming a target, newest first, for legal only; each
        search audited with who searched, the kind, a digest of the normalised value and
        the hits."""
        if not principal.has(Role.LEGAL):
            raise Problem(403, "forbidden", "Forbidden", "searching by target needs the legal role")
        try:
            target = normalise_identifier(IdentifierKind(kind), raw)
        except (ValueError, InvalidIdentifier) as exc:
            raise Problem(
                422, "invalid-field", "A field is invalid", f"target: {exc}", field="target"
            ) from exc
        records = await self.register.legal_processes.list(
            statuses=list(Status), target=target, limit=limit, queue_order=False
        )
        await self.register.audit.record(
            request_id=None,
            actor=principal.subject,
            action="target_search",
            detail={
                "by": principal.subject,
                "roles": _roles(principal),
                "kind": target.kind.value,
                "target_sha256": hashlib.sha256(target.value.encode()).hexdigest(),
                "found": ",".join(r.id for r in records),
            },
        )
        return [to_view(r, staff=True) for r in records]

    async def exists(self, request_id: str) -> bool:
        return await self.register.legal_processes.get(request_id) is not None

    async def open_counts(self) -> dict[str, int]:
        return await self.register.legal_processes.count_open(OPEN_STATUSES)

    async def record_staff_action(
        self, request_id: str, principal: Principal, action: str, detail: dict[str, object]
    ) -> None:
        """An audit entry for what a person did, with what they typed. Written here, not by
        the workflow: its events carry no free text (``contracts.workflow.StatusChange``)."""
        await self.register.audit.record(
            request_id=request_id, actor=principal.subject, action=action, detail=detail
        )

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
