"""The clocks of a request (docs/architecture.md §5 step 4): when its answer is due, when to
escalate before that, and the other timers the workflow keeps (clarification, objection
window, preservation, the end of a non-disclosure order).

When an answer is due depends on the kind of process, so it is a table
(``RESPONSE_RULES``): a row per kind whose clock runs from receipt, and the return date the
process itself sets for every other kind. A new regime is a new row, not a new branch.

Pure and total: every instant is computed from the process, the ``Timing`` fixed in the
workflow's history and a ``now`` passed in; an instant past what ``datetime`` can hold (a
return date of 9999-12-31, a policy of a billion days) is clamped to ``LATEST`` (or
``EARLIEST``) instead of raising ``OverflowError`` inside a workflow task.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import NamedTuple

from contracts.enums import ProcessType
from contracts.legal_process import LegalProcess
from contracts.workflow import Timing

LATEST = dt.datetime.max.replace(tzinfo=dt.UTC)
EARLIEST = dt.datetime.min.replace(tzinfo=dt.UTC)
_MAX_DAYS = dt.timedelta.max.days


def days(n: int) -> dt.timedelta:
    """``n`` days, clamped to the longest ``timedelta``."""
    return dt.timedelta(days=max(-_MAX_DAYS, min(n, _MAX_DAYS)))


def minutes(n: int) -> dt.timedelta:
    """``n`` minutes, clamped to the longest ``timedelta``."""
    whole_days, rest = divmod(n, 24 * 60)
    if abs(whole_days) >= _MAX_DAYS:
        return days(whole_days)
    return dt.timedelta(days=whole_days, minutes=rest)


def shifted(instant: dt.datetime, delta: dt.timedelta) -> dt.datetime:
    """``instant + delta``, clamped to [``EARLIEST``, ``LATEST``]."""
    try:
        return instant + delta
    except OverflowError:
        return LATEST if delta > dt.timedelta(0) else EARLIEST


def end_of_day(day: dt.date) -> dt.datetime:
    """The instant ``day`` ends in UTC (midnight after it); ``LATEST`` for ``date.max``."""
    return shifted(dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC), dt.timedelta(days=1))


# -- when the answer is due ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ResponseRule:
    """When the answer to one kind of process is due, and how long before it to escalate.

    ``due_after_receipt`` gives the time allowed from receipt (from the policy's ``Timing``
    or fixed by law); None means the answer is due when the return date ends.
    """

    due_after_receipt: Callable[[Timing], dt.timedelta] | None
    escalation_lead: Callable[[Timing], dt.timedelta]
    authority: str


ON_RETURN_DATE = ResponseRule(
    due_after_receipt=None,
    escalation_lead=lambda timing: days(timing.escalation_lead_days),
    authority="the return date the process names; escalation lead from the policy",
)

# Kinds of process whose clock runs from receipt. Every other kind is due ON_RETURN_DATE.
# Regulation (EU) 2023/1543 is the next row: Art. 10(2) gives 10 days from receipt of an
# EPOC, Art. 10(4) 8 hours for an emergency one, e.g.
#   EU_PRODUCTION_ORDER: ResponseRule(lambda t: days(10), ON_RETURN_DATE.escalation_lead, ...)
RESPONSE_RULES: Mapping[ProcessType, ResponseRule] = {
    ProcessType.EMERGENCY_REQUEST: ResponseRule(
        due_after_receipt=lambda timing: minutes(timing.emergency_sla_minutes),
        # The SLA is itself the alarm: escalated and overdue at the same instant.
        escalation_lead=lambda timing: dt.timedelta(0),
        authority="the policy's emergency SLA (18 U.S.C. §2702(c)(4) disclosures)",
    ),
}


class ResponseDeadline(NamedTuple):
    escalate_at: dt.datetime | None = None
    respond_by: dt.datetime | None = None


def response_deadline(
    process: LegalProcess,
    timing: Timing,
    rules: Mapping[ProcessType, ResponseRule] = RESPONSE_RULES,
) -> ResponseDeadline:
    """When to escalate and when the answer is overdue; both None when no clock runs (no
    return date)."""
    rule = rules.get(process.process_type, ON_RETURN_DATE)
    if rule.due_after_receipt is not None:
        respond_by = shifted(process.received_at, rule.due_after_receipt(timing))
    elif process.return_date is not None:
        respond_by = end_of_day(process.return_date)
    else:
        return ResponseDeadline()
    return ResponseDeadline(
        escalate_at=shifted(respond_by, -rule.escalation_lead(timing)), respond_by=respond_by
    )


class DeadlineEvent(enum.StrEnum):
    ESCALATED = "escalated"  # the answer is due soon and nobody has decided
    OVERDUE = "overdue"  # the answer is late


def next_deadline(
    deadline: ResponseDeadline, *, escalated: bool, overdue: bool
) -> dt.datetime | None:
    """The next instant review should wake at: escalation first, then the due time."""
    if not escalated and deadline.escalate_at is not None:
        return deadline.escalate_at
    if not overdue and deadline.respond_by is not None:
        return deadline.respond_by
    return None


def deadline_event(
    deadline: ResponseDeadline, now: dt.datetime, *, escalated: bool, overdue: bool
) -> DeadlineEvent | None:
    """What passing ``now`` means for a request still in review: overdue wins over escalated;
    None when nothing new has happened."""
    if deadline.respond_by is not None and now >= deadline.respond_by and not overdue:
        return DeadlineEvent.OVERDUE
    if deadline.escalate_at is not None and now >= deadline.escalate_at and not escalated:
        return DeadlineEvent.ESCALATED
    return None


# -- the other clocks -----------------------------------------------------------------------


def clarification_due(now: dt.datetime, timing: Timing) -> dt.datetime:
    """Until when a question to the agency waits for its answer."""
    return shifted(now, days(timing.clarification_timeout_days))


def objection_window_ends(now: dt.datetime, window_days: int) -> dt.datetime:
    """When a customer told of civil process may no longer object (nothing leaves before)."""
    return shifted(now, days(window_days))


def notice_barred_until(last_barred_day: dt.date) -> dt.datetime:
    """The first instant a customer may be told once a §2705(b) order ends (its last day
    is still barred)."""
    return end_of_day(last_barred_day)


def preservation_expires(now: dt.datetime, timing: Timing) -> dt.datetime:
    """The end of a §2703(f) preservation made at ``now`` (90 days by the statute)."""
    return shifted(now, days(timing.preservation_days))


def preservation_extended(expires_at: dt.datetime, timing: Timing) -> dt.datetime:
    """The end of a preservation after its §2703(f)(2) extension."""
    return shifted(expires_at, days(timing.preservation_extension_days))


def preservation_reminder(expires_at: dt.datetime, timing: Timing) -> dt.datetime:
    """When to remind the agency that a preservation is about to lapse."""
    return shifted(expires_at, -days(timing.preservation_reminder_days))


# -- follow-up legal process after an emergency disclosure (issue 11) ---------------------


def follow_up_due(disclosed_at: dt.datetime, timing: Timing) -> dt.datetime:
    """When the follow-up legal process for an emergency disclosure is due: the policy's
    ``emergency_follow_up_days`` after the disclosure (provider policy, not a statute)."""
    return shifted(disclosed_at, days(timing.emergency_follow_up_days))


def follow_up_reminder(
    due_at: dt.datetime, disclosed_at: dt.datetime, timing: Timing
) -> dt.datetime:
    """When to remind the agency: ``emergency_follow_up_reminder_days`` before the
    deadline, never before the disclosure itself."""
    return max(disclosed_at, shifted(due_at, -days(timing.emergency_follow_up_reminder_days)))
