"""The pure parts of the workspace: the time-left bands the queue colours, and the audit
trail rendered as a timeline (words, seconds, no JSON)."""

from __future__ import annotations

import datetime as dt

import pytest

from contracts.api import AuditEventView
from contracts.enums import ProcessType
from contracts.legal_process import Emergency
from contracts.workflow import Timing
from services.intake.ui.timeline import entry
from services.intake.ui.urgency import remaining_text, urgency
from tests.factories import received_process

RECEIVED = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("process_type", "return_in", "now", "flags", "band"),
    [
        # return date in 30 days (respond by its end of day); escalation 3 days before
        (ProcessType.SUBPOENA, 30, RECEIVED, {}, "on-time"),
        (ProcessType.SUBPOENA, 30, RECEIVED + dt.timedelta(days=28, hours=1), {}, "escalated"),
        (ProcessType.SUBPOENA, 30, RECEIVED + dt.timedelta(days=31), {}, "overdue"),
        (ProcessType.SUBPOENA, 30, RECEIVED, {"escalated": True}, "escalated"),
        (ProcessType.SUBPOENA, 30, RECEIVED, {"overdue": True}, "overdue"),
        (ProcessType.SUBPOENA, None, RECEIVED, {}, "none"),
        # emergency: the 60-minute SLA from receipt (escalated when it passes); due soon in
        # its last 15 minutes
        (ProcessType.EMERGENCY_REQUEST, None, RECEIVED + dt.timedelta(minutes=10), {}, "on-time"),
        (ProcessType.EMERGENCY_REQUEST, None, RECEIVED + dt.timedelta(minutes=50), {}, "due-soon"),
        (ProcessType.EMERGENCY_REQUEST, None, RECEIVED + dt.timedelta(minutes=61), {}, "overdue"),
    ],
)
def test_urgency_bands(process_type, return_in, now, flags, band):
    process = received_process(
        RECEIVED,
        process_type,
        return_in_days=return_in,
        emergency=Emergency(nature_of_danger="x")
        if process_type is ProcessType.EMERGENCY_REQUEST
        else None,
    )
    assert urgency(process, Timing(), now, **flags).band == band


def test_due_soon_before_escalation_when_the_lead_is_shorter():
    process = received_process(RECEIVED, ProcessType.SUBPOENA, return_in_days=1)
    timing = Timing(escalation_lead_days=0)
    found = urgency(process, timing, RECEIVED + dt.timedelta(hours=20), escalated=False)
    assert found.band == "due-soon" and found.respond_by is not None


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (dt.timedelta(minutes=59, seconds=48), "59m 48s"),
        (dt.timedelta(hours=3, minutes=5), "3h 05m"),
        (dt.timedelta(days=19, hours=11, minutes=3), "19d 11h"),
        (-dt.timedelta(minutes=12), "overdue by 12m 00s"),
    ],
)
def test_remaining_text(delta, text):
    assert remaining_text(delta) == text


def test_a_call_back_reads_as_words_with_its_details_to_the_second():
    shown = entry(
        AuditEventView(
            seq=7,
            at=dt.datetime(2026, 12, 1, 12, 33, 57, 812000, tzinfo=dt.UTC),
            actor="alice",
            action="callback_recorded",
            detail={
                "by": "alice",
                "roles": "reviewer",
                "number_called": "+19195550199",
                "note": "<b>confirmed</b>",
                "status_after": "in_review",
            },
            hash="ab" * 32,
        )
    )
    assert shown.at == "2026-12-01 12:33:57 UTC"
    assert shown.title == "Call-back to the agency recorded"
    assert shown.details[0] == ("Note", "<b>confirmed</b>")  # escaped by the template
    assert ("Number called", "+19195550199") in shown.details


@pytest.mark.parametrize(
    ("action", "title"),
    [
        ("status:in_review", "Status → in_review"),
        ("decision:ask_agency", "Decision: ask agency"),
        ("approval:bob", "Approval by bob"),
        ("clarification_answered:2", "The agency answered (answer 2)"),
        ("officer_notified", "Officer notified"),
    ],
)
def test_titles(action, title):
    event = AuditEventView(
        seq=1, at=RECEIVED, actor="writ", action=action, detail={"detail": "x"}, hash=""
    )
    shown = entry(event)
    assert shown.title == title and shown.summary == "x"
