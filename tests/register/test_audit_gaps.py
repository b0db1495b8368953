"""Issue 13 defect 6: what happens without a status change is audited too (the first of two
approvals, who answered a clarification), once per event however often it is applied."""

from __future__ import annotations

from contracts.enums import Status
from contracts.workflow import StatusChange
from tests.register.test_records import _agency, _record


async def test_an_event_without_a_status_change_is_audited_once(register):
    agency = await _agency(register)
    record = _record(agency.id)
    await register.legal_processes.insert(record, actor="j.doe@raleighpd.gov")
    review = StatusChange(request_id=record.id, status=Status.IN_REVIEW, actor="writ")
    await register.legal_processes.apply_status_change(review)
    first_approval = StatusChange(
        request_id=record.id,
        status=Status.IN_REVIEW,
        actor="alice",
        detail="first approval by alice; a second approver is required",
        event="approval:alice",
        event_detail={"reviewer": "alice", "approvers": "alice", "required": "2"},
    )
    answer = StatusChange(
        request_id=record.id,
        status=Status.IN_REVIEW,
        actor="officer@raleighpd.gov",
        event="clarification_answered:1",
        event_detail={"responder": "officer@raleighpd.gov", "text_sha256": "ab" * 32},
    )
    for change in (first_approval, first_approval, answer, answer):  # each applied twice
        await register.legal_processes.apply_status_change(change)
    trail = await register.audit.trail(record.id)
    assert [(e.action, e.actor) for e in trail] == [
        ("received", "j.doe@raleighpd.gov"),
        ("status:in_review", "writ"),
        ("approval:alice", "alice"),
        ("clarification_answered:1", "officer@raleighpd.gov"),
    ]
    assert trail[2].detail["required"] == "2"
    assert trail[3].detail == {"responder": "officer@raleighpd.gov", "text_sha256": "ab" * 32}
    assert (await register.legal_processes.get(record.id)).status is Status.IN_REVIEW
    assert await register.audit.verify() > 0
