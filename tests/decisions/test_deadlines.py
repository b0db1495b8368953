"""services/decisions/deadlines.py: every clock of a request, a row per rule; totality at
the edges of what ``datetime`` can hold."""

from __future__ import annotations

import datetime as dt

import pytest

from contracts.enums import ProcessType
from contracts.workflow import Timing
from services.decisions import deadlines
from services.decisions.deadlines import (
    EARLIEST,
    LATEST,
    ON_RETURN_DATE,
    DeadlineEvent,
    ResponseDeadline,
    ResponseRule,
    days,
    response_deadline,
)
from tests.factories import make_process

RECEIVED = dt.datetime(2026, 3, 2, 15, 30, tzinfo=dt.UTC)
TIMING = Timing()
EMERGENCY = ProcessType.EMERGENCY_REQUEST


def utc(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("process_type", "return_date", "timing", "escalate_at", "respond_by"),
    [
        pytest.param(
            ProcessType.SUBPOENA,
            dt.date(2026, 3, 20),
            TIMING,
            utc(2026, 3, 18),
            utc(2026, 3, 21),
            id="return date: overdue when the return date ends, escalated 3 days before",
        ),
        pytest.param(
            ProcessType.SEARCH_WARRANT,
            dt.date(2026, 3, 20),
            Timing(escalation_lead_days=7),
            utc(2026, 3, 14),
            utc(2026, 3, 21),
            id="return date: the policy's escalation lead",
        ),
        pytest.param(
            ProcessType.COURT_ORDER_2703D,
            None,
            TIMING,
            None,
            None,
            id="return date: none named, no clock runs",
        ),
        pytest.param(
            EMERGENCY,
            None,
            TIMING,
            utc(2026, 3, 2, 16, 30),
            utc(2026, 3, 2, 16, 30),
            id="emergency: the SLA from receipt, escalated and overdue at once",
        ),
        pytest.param(
            EMERGENCY,
            dt.date(2026, 4, 1),
            Timing(emergency_sla_minutes=15),
            utc(2026, 3, 2, 15, 45),
            utc(2026, 3, 2, 15, 45),
            id="emergency: the policy's SLA, whatever return date the agency wrote",
        ),
        pytest.param(
            ProcessType.SUBPOENA,
            dt.date.max,
            TIMING,
            LATEST - dt.timedelta(days=3),
            LATEST,
            id="total: a return date of 9999-12-31 clamps to the latest instant",
        ),
        pytest.param(
            ProcessType.SUBPOENA,
            dt.date.min,
            Timing(escalation_lead_days=3),
            EARLIEST,
            utc(1, 1, 2),
            id="total: escalation before 0001-01-01 clamps to the earliest instant",
        ),
        pytest.param(
            EMERGENCY,
            None,
            Timing(emergency_sla_minutes=10**15),
            LATEST,
            LATEST,
            id="total: an SLA longer than timedelta can hold clamps",
        ),
        pytest.param(
            ProcessType.SUBPOENA,
            dt.date(2026, 3, 20),
            Timing(escalation_lead_days=10**12),
            EARLIEST,
            utc(2026, 3, 21),
            id="total: a lead longer than timedelta can hold clamps",
        ),
    ],
)
def test_response_deadline(process_type, return_date, timing, escalate_at, respond_by) -> None:
    process = make_process(process_type=process_type, received_at=RECEIVED, return_date=return_date)
    assert response_deadline(process, timing) == ResponseDeadline(escalate_at, respond_by)


EU_RULES = {
    # How Regulation (EU) 2023/1543 will read as rows (keys stand in for its process kinds).
    ProcessType.FOREIGN_REQUEST: ResponseRule(
        due_after_receipt=lambda timing: days(10),
        escalation_lead=ON_RETURN_DATE.escalation_lead,
        authority="Regulation (EU) 2023/1543 Art. 10(2)",
    ),
    EMERGENCY: ResponseRule(
        due_after_receipt=lambda timing: dt.timedelta(hours=8),
        escalation_lead=lambda timing: dt.timedelta(hours=2),
        authority="Regulation (EU) 2023/1543 Art. 10(4)",
    ),
}


@pytest.mark.parametrize(
    ("process_type", "escalate_at", "respond_by"),
    [
        pytest.param(
            ProcessType.FOREIGN_REQUEST,
            utc(2026, 3, 9, 15, 30),
            utc(2026, 3, 12, 15, 30),
            id="EU order (Art. 10(2)): 10 days from receipt is a table row",
        ),
        pytest.param(
            EMERGENCY,
            utc(2026, 3, 2, 21, 30),
            utc(2026, 3, 2, 23, 30),
            id="EU emergency order (Art. 10(4)): 8 hours from receipt is a table row",
        ),
        pytest.param(
            ProcessType.SUBPOENA,
            utc(2026, 3, 18),
            utc(2026, 3, 21),
            id="kinds without a row are due on their return date",
        ),
    ],
)
def test_a_new_regime_is_a_row_of_the_table(process_type, escalate_at, respond_by) -> None:
    process = make_process(
        process_type=process_type, received_at=RECEIVED, return_date=dt.date(2026, 3, 20)
    )
    assert response_deadline(process, TIMING, EU_RULES) == ResponseDeadline(escalate_at, respond_by)


def test_every_row_of_the_table_cites_its_authority() -> None:
    assert all(rule.authority for rule in deadlines.RESPONSE_RULES.values())
    assert ON_RETURN_DATE.authority


DUE = ResponseDeadline(escalate_at=utc(2026, 3, 18), respond_by=utc(2026, 3, 21))


@pytest.mark.parametrize(
    ("deadline", "escalated", "overdue", "expected"),
    [
        pytest.param(DUE, False, False, utc(2026, 3, 18), id="escalation first"),
        pytest.param(DUE, True, False, utc(2026, 3, 21), id="once escalated, the due time"),
        pytest.param(DUE, True, True, None, id="once overdue, nothing more to wake for"),
        pytest.param(ResponseDeadline(), False, False, None, id="no clock: wait for people"),
    ],
)
def test_next_deadline(deadline, escalated, overdue, expected) -> None:
    assert deadlines.next_deadline(deadline, escalated=escalated, overdue=overdue) == expected


@pytest.mark.parametrize(
    ("now", "escalated", "overdue", "expected"),
    [
        pytest.param(utc(2026, 3, 17), False, False, None, id="before escalation: nothing"),
        pytest.param(utc(2026, 3, 18), False, False, DeadlineEvent.ESCALATED, id="escalated"),
        pytest.param(utc(2026, 3, 19), True, False, None, id="escalated once only"),
        pytest.param(utc(2026, 3, 21), True, False, DeadlineEvent.OVERDUE, id="overdue"),
        pytest.param(utc(2026, 3, 22), False, False, DeadlineEvent.OVERDUE, id="overdue wins"),
        pytest.param(utc(2026, 3, 22), True, True, None, id="overdue once only"),
    ],
)
def test_deadline_event(now, escalated, overdue, expected) -> None:
    event = deadlines.deadline_event(DUE, now, escalated=escalated, overdue=overdue)
    assert event is expected


@pytest.mark.parametrize(
    ("clock", "expected"),
    [
        pytest.param(
            lambda: deadlines.clarification_due(RECEIVED, TIMING),
            utc(2026, 3, 16, 15, 30),
            id="clarification: 14 days for the agency's answer",
        ),
        pytest.param(
            lambda: deadlines.objection_window_ends(RECEIVED, 14),
            utc(2026, 3, 16, 15, 30),
            id="civil process: the customer's objection window",
        ),
        pytest.param(
            lambda: deadlines.notice_barred_until(dt.date(2026, 6, 30)),
            utc(2026, 7, 1),
            id="§2705(b): notice once the order's last day has ended",
        ),
        pytest.param(
            lambda: deadlines.preservation_expires(RECEIVED, TIMING),
            utc(2026, 5, 31, 15, 30),
            id="§2703(f): preserved for 90 days",
        ),
        pytest.param(
            lambda: deadlines.preservation_extended(utc(2026, 5, 31), TIMING),
            utc(2026, 8, 29),
            id="§2703(f)(2): extended by 90 days",
        ),
        pytest.param(
            lambda: deadlines.preservation_reminder(utc(2026, 5, 31), TIMING),
            utc(2026, 5, 17),
            id="preservation: the agency reminded 14 days before it lapses",
        ),
        pytest.param(
            lambda: deadlines.notice_barred_until(dt.date.max),
            LATEST,
            id="total: an order ending 9999-12-31",
        ),
        pytest.param(
            lambda: deadlines.preservation_extended(LATEST - dt.timedelta(days=1), TIMING),
            LATEST,
            id="total: an extension past the latest instant",
        ),
        pytest.param(
            lambda: deadlines.clarification_due(
                RECEIVED, Timing(clarification_timeout_days=10**10)
            ),
            LATEST,
            id="total: more days than timedelta can hold",
        ),
        pytest.param(
            lambda: deadlines.preservation_reminder(
                EARLIEST + dt.timedelta(days=1), Timing(preservation_reminder_days=14)
            ),
            EARLIEST,
            id="total: a reminder before the earliest instant",
        ),
    ],
)
def test_other_clocks(clock, expected) -> None:
    assert clock() == expected
