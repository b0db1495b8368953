"""The audit trail as people read it: one line per event — when (to the second, UTC), who,
what happened in words, and the details that matter — instead of raw JSON (pure)."""

from __future__ import annotations

import datetime as dt

import msgspec

from contracts.api import AuditEventView

# Audit actions (prefix before ":") → what a person calls them.
TITLES = {
    "status": "Status",
    "approval": "Approval",
    "decision": "Decision",
    "callback_recorded": "Call-back to the agency recorded",
    "requester_verified": "Requester verified",
    "requester_refused": "Requester refused",
    "clarification_answered": "The agency answered",
    "production_stored": "Production stored",
    "production_downloaded": "Production downloaded",
    "document_viewed": "Submitted document opened",
    "review_time": "Review time recorded",
    "review_assigned": "Assigned",
    "review_released": "Assignment released (the request ended)",
    "target_search": "Target searched",
}
# Details shown first, in this order, with these labels; others follow as they are.
LABELS = {
    "detail": "",
    "note": "Note",
    "question": "Question",
    "reason_code": "Reason",
    "number_called": "Number called",
    "reviewer": "Reviewer",
    "by": "By",
    "roles": "Roles",
    "approvers": "Approvers so far",
    "required": "Approvals required",
    "approvals": "Approvals so far",
    "approvals_required": "Approvals required",
    "categories": "Categories",
    "targets": "Targets kept (count)",
    "status_after": "Status after",
    "outcome": "Outcome",
    "responder": "Responder",
    "text_length": "Answer length (characters)",
    "text_sha256": "Answer SHA-256",
    "key": "Object",
    "bytes": "Bytes",
    "role": "Role",
    "assignee": "Assignee",
}
HIDDEN = {"hash", "prev_hash"}


class TimelineEntry(msgspec.Struct, frozen=True, kw_only=True):
    seq: int
    at: str
    actor: str
    action: str
    title: str
    summary: str
    details: list[tuple[str, str]]


def when(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _text(value: object) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {v}" for k, v in value.items())
    return str(value)


def entry(event: AuditEventView) -> TimelineEntry:
    kind, _, subject = event.action.partition(":")
    title = TITLES.get(kind, event.action.replace("_", " ").capitalize())
    if kind == "status":
        title = f"Status → {subject}"
    elif kind == "decision":
        title = f"Decision: {subject.replace('_', ' ')}"
    elif kind == "approval":
        title = f"Approval by {subject}"
    elif kind == "clarification_answered":
        title = f"The agency answered (answer {subject})"
    detail = dict(event.detail or {})
    summary = _text(detail.pop("detail", "") or "")
    ordered = [k for k in LABELS if k in detail] + [k for k in detail if k not in LABELS]
    details = [
        (LABELS.get(k) or k.replace("_", " ").capitalize(), _text(detail[k]))
        for k in ordered
        if k not in HIDDEN and detail[k] not in (None, "")
    ]
    return TimelineEntry(
        seq=event.seq,
        at=when(event.at),
        actor=event.actor,
        action=event.action,
        title=title,
        summary=summary,
        details=details,
    )


def timeline(events: list[AuditEventView]) -> list[TimelineEntry]:
    return [entry(e) for e in events]
