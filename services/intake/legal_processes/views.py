"""How a request is shown: the register's record, overlaid with the workflow's live state
when it answered.

Two audiences (issue 11): the agency sees each target's decision, its reason and where to
go instead, and the refusal letter once a person confirmed it; the staff see the same plus
the internal reasons (verification findings, the rule codes behind each target, the
refusal while it waits for confirmation)."""

from __future__ import annotations

from contracts.api import (
    DeterminationSummary,
    FindingView,
    FollowUpView,
    LegalProcessView,
    RefusalView,
    TargetOutcomeView,
)
from contracts.determination import Determination, LegalEntity, TargetDecision
from contracts.enums import Status
from contracts.workflow import CaseState
from services.decisions.refusal import is_internal
from services.register.legal_processes import LegalProcessRecord

ENDED_BY_REFUSAL = (Status.REJECTED, Status.REDIRECTED)


def determination_of(record: LegalProcessRecord, state: CaseState | None) -> Determination | None:
    """The workflow's determination when it answered, the register's copy otherwise."""
    if state is not None and state.determination is not None:
        return state.determination
    return record.determination


def target_outcome(decision: TargetDecision, *, staff: bool) -> TargetOutcomeView:
    if decision.allowed:
        verdict = "allowed"
    elif decision.redirect_to:
        verdict = "redirected"
    else:
        verdict = "refused"
    reason = decision.reason
    internal = ""
    if staff:
        parts = [reason.code] if reason is not None else []
        if decision.entity is not LegalEntity.US:
            parts.append(f"records held by the {decision.entity.value.upper()} entity")
        internal = "; ".join(parts)
    return TargetOutcomeView(
        kind=decision.target.kind.value,
        value=decision.target.value,
        decision=verdict,
        reason=reason.message if reason is not None else "",
        authority=reason.authority if reason is not None else "",
        redirect_to=decision.redirect_to,
        internal_reason=internal,
    )


def refusal_state(determination: Determination, status: Status) -> str | None:
    drafted = determination.refusal
    if drafted is None:
        return None
    if drafted.overridden_by:
        return "overridden"
    if status in ENDED_BY_REFUSAL:
        return "confirmed"
    return "awaiting_confirmation"


def to_view(
    record: LegalProcessRecord,
    state: CaseState | None = None,
    message: str = "",
    *,
    staff: bool = True,
) -> LegalProcessView:
    """``staff`` False: the agency's view (no internal reasons, no verification findings,
    no refusal until a person confirmed it)."""
    determination = determination_of(record, state)
    status = state.status if state else record.status
    summary = None
    targets: list[TargetOutcomeView] = []
    refusal = None
    if determination is not None:
        standing = refusal_state(determination, status)
        drafted = determination.refusal
        if standing is not None and (staff or standing == "confirmed"):
            refusal = RefusalView(
                state=standing,
                reasons=drafted.reasons,
                citations=drafted.citations,
                response=drafted.response,
                needs_legal=drafted.needs_legal if staff else False,
                overridden_by=drafted.overridden_by if staff else None,
            )
        # The agency does not see a machine's refusal before a person confirmed it.
        shown = staff or standing != "awaiting_confirmation"
        if shown:
            summary = DeterminationSummary(
                disposition=determination.disposition.value,
                allowed_categories=determination.allowed_categories,
                denied_categories=determination.denied_categories,
                flags=determination.flags,
                reasons=[r for r in determination.reasons if staff or not is_internal(r)],
                targets_allowed=sum(1 for t in determination.targets if t.allowed),
                targets_refused=sum(1 for t in determination.targets if not t.allowed),
            )
            targets = [target_outcome(t, staff=staff) for t in determination.targets]
    findings = (
        [
            FindingView(code=f.code, reason=f.reason, blocking=f.blocking)
            for f in record.process.requester.findings
        ]
        if staff
        else []
    )
    follow_up = (
        FollowUpView(
            status=record.follow_up_status,
            due_at=record.follow_up_due_at,
            follow_up_request_id=record.follow_up_request_id,
        )
        if record.follow_up_status
        else None
    )
    return LegalProcessView(
        id=record.id,
        status=status,
        process_type=record.process_type,
        case_number=record.case_number,
        agency_id=record.agency_id,
        received_at=record.received_at,
        updated_at=record.updated_at,
        return_date=record.return_date,
        emergency=record.emergency,
        duplicate_of=record.duplicate_of,
        document_sha256=record.document_sha256,
        determination=summary,
        deadlines=state.deadlines if state else None,
        awaiting=state.awaiting if state else "",
        question=state.question if state else "",
        escalated=state.escalated if state else record.escalated,
        overdue=state.overdue if state else record.overdue,
        outcome=(state.outcome if state and state.outcome else record.outcome),
        production_available=bool(record.production_key),
        message=message,
        targets=targets,
        refusal=refusal,
        redirected_by_rule=bool(
            record.redirected_by_rule or (determination and determination.redirected_by_rule)
        ),
        findings=findings,
        follow_up=follow_up,
        follows_emergency=record.follows_emergency,
    )
