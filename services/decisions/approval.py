"""Decisions by people (docs/architecture.md §5 step 4): who may decide a request, how many
must approve it, and how each approval narrows what is disclosed.

``decision_refusal`` holds the rules a decision must pass before the workflow accepts it:

- a decision is taken only while the request waits in review;
- only the deciding roles (reviewers and legal, ``DECIDING_ROLES``) decide;
- a request the machine or a reviewer sent to legal needs legal's approval;
- four eyes: one person cannot give two of the approvals a request needs;
- an approval may narrow the categories the law allows, never widen them;
- approved targets must be among the targets the determination allowed;
- an approved date range lies inside the one allowed, start before end;
- a rejection names its reason; a question to the agency is a question;
- a refusal the machine drafted is confirmed or overridden while it waits for that, and
  nothing else is decided meanwhile but an escalation to legal; the refusal of a court
  order (or one legal must see) is confirmed or overridden by legal; an override says why
  and names the categories (and may name the targets) it puts back in review.

``approve`` applies an accepted approval: the approver is counted, and the categories and
targets can only shrink, approver by approver.
"""

from __future__ import annotations

import msgspec

from contracts.determination import Determination
from contracts.enums import (
    DECIDING_ROLES,
    Awaiting,
    DataCategory,
    DecisionAction,
    Role,
    Status,
)
from contracts.legal_process import LegalProcess, Period
from contracts.workflow import ReviewDecision
from services.decisions.refusal import override_refusal_problem

AUTO_APPROVER = "policy:auto-approval"


class Approval(msgspec.Struct, frozen=True, kw_only=True):
    """The approvals a request has so far and the scope they leave."""

    approvers: list[str] = []
    # Empty until an approver (or the policy) approves: then the categories approved.
    categories: list[DataCategory] = []
    # None: every target the determination allowed; else the normalised values kept.
    targets: list[str] | None = None
    # None: the period allowed; else the narrower date range the approvers kept.
    period: Period | None = None


def auto_approval(determination: Determination) -> Approval:
    """The policy's approval of the lowest-risk class: everything the law allows."""
    return Approval(approvers=[AUTO_APPROVER], categories=list(determination.allowed_categories))


def approvals_required(determination: Determination) -> int:
    return max(1, determination.approvals_required)


def is_approved(approval: Approval, determination: Determination) -> bool:
    return len(approval.approvers) >= approvals_required(determination)


def approve(approval: Approval, decision: ReviewDecision, determination: Determination) -> Approval:
    """``approval`` once ``decision`` (an accepted approve) is counted: each approver may
    narrow the scope further; ``decision_refusal`` has already refused any widening."""
    categories = approval.categories or list(determination.allowed_categories)
    if decision.categories is not None:
        categories = [c for c in categories if c in decision.categories]
    targets = approval.targets
    if decision.targets is not None:
        targets = [t for t in decision.targets if approval.targets is None or t in approval.targets]
    period = approval.period
    if decision.period is not None:
        period = _intersection(period, decision.period)
    return Approval(
        approvers=[*approval.approvers, decision.reviewer],
        categories=categories,
        targets=targets,
        period=period,
    )


def _intersection(kept: Period | None, asked: Period) -> Period:
    if kept is None:
        return asked
    return Period(start=max(kept.start, asked.start), end=min(kept.end, asked.end))


def decision_refusal(
    decision: ReviewDecision,
    *,
    status: Status,
    awaiting: Awaiting,
    determination: Determination,
    approval: Approval,
    legal_required: bool,
    process: LegalProcess | None = None,
    period_allowed: Period | None = None,
) -> str | None:
    """Why ``decision`` cannot be accepted now (the message the reviewer sees), or None.
    ``period_allowed`` is the date range collection would read (``approved_scope``)."""
    if status is not Status.IN_REVIEW or awaiting not in (Awaiting.REVIEW, Awaiting.REFUSAL):
        return f"no decision is awaited: the request is {status.value}"
    roles = set(decision.reviewer_roles)
    if not roles & DECIDING_ROLES:
        return "only reviewers and legal may decide"
    if awaiting is Awaiting.REFUSAL or decision.action in REFUSAL_ACTIONS:
        return _refusal_decision_problem(
            decision, roles, awaiting, determination, legal_required, process
        )
    if decision.action is DecisionAction.APPROVE:
        return _approval_refusal(
            decision, roles, determination, approval, legal_required
        ) or _period_refusal(decision.period, period_allowed)
    if decision.action is DecisionAction.REJECT and decision.reason_code is None:
        return "a rejection needs a reason_code"
    if decision.action is DecisionAction.ASK_AGENCY and not decision.question.strip():
        return "asking the agency needs a question"
    return None


REFUSAL_ACTIONS = (DecisionAction.CONFIRM_REFUSAL, DecisionAction.OVERRIDE_REFUSAL)


def _refusal_decision_problem(
    decision: ReviewDecision,
    roles: set[str],
    awaiting: Awaiting,
    determination: Determination,
    legal_required: bool,
    process: LegalProcess | None,
) -> str | None:
    if awaiting is not Awaiting.REFUSAL:
        return "no drafted refusal awaits confirmation"
    if decision.action is DecisionAction.ESCALATE_TO_LEGAL:
        return None
    if decision.action not in REFUSAL_ACTIONS:
        return (
            "the machine drafted a refusal: confirm it (confirm_refusal) or override it"
            " (override_refusal)"
        )
    drafted = determination.refusal
    needs_legal = legal_required or bool(drafted and drafted.needs_legal)
    if needs_legal and Role.LEGAL not in roles:
        return "this refusal is confirmed or overridden by legal"
    if decision.action is DecisionAction.OVERRIDE_REFUSAL:
        return override_refusal_problem(decision, determination, process)
    return None


def _approval_refusal(
    decision: ReviewDecision,
    roles: set[str],
    determination: Determination,
    approval: Approval,
    legal_required: bool,
) -> str | None:
    if legal_required and Role.LEGAL not in roles:
        return "this request needs legal's approval"
    if decision.reviewer in approval.approvers:
        return "the same person cannot give both approvals (four-eyes rule)"
    if decision.categories is not None:
        widened = set(decision.categories) - set(determination.allowed_categories)
        if widened:
            return "approval cannot widen the scope the law allows: " + ", ".join(sorted(widened))
    if decision.targets is not None:
        known = {d.target.value for d in determination.targets if d.allowed}
        unknown = set(decision.targets) - known
        if unknown:
            return f"{len(unknown)} target(s) are not among the allowed targets"
    return None


def _period_refusal(asked: Period | None, allowed: Period | None) -> str | None:
    if asked is None:
        return None
    if asked.end < asked.start:
        return "the approved date range ends before it starts"
    if allowed is None or asked.start < allowed.start or asked.end > allowed.end:
        limits = f"{allowed.start} to {allowed.end}" if allowed else "none"
        return f"approval cannot widen the date range allowed ({limits})"
    return None
