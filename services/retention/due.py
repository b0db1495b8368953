"""What is due for purging: pure functions over the register's facts, the holds and ``now``.

The rules (docs/architecture.md §11), each reason carrying its authority:

- only a closed request is ever purged (one still open keeps everything);
- anything under a legal hold is kept, whatever its age (on the request, on a customer
  account it names, or on its case number);
- each class ages from its own date: the close date for the case record, the signed
  document and the collected working copies; the last disclosure (or, without one, the
  close) for the production and the CPNI disclosure log;
- a production holding toll records is kept for the longer of the productions and the toll
  records periods (47 CFR §42.6);
- the case record goes last: it is due only once everything that belongs to the request
  is purged or due with it (the purge keeps it while a locked production remains);
- the audit log is purged from its start, a whole segment at a time, up to the first event
  that must stay: one younger than its period, or one of a request still on the register.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

import msgspec

from contracts.determination import Reason
from contracts.enums import TERMINAL_STATUSES, DataCategory, Status
from contracts.retention import (
    HeldRequest,
    HoldScope,
    PurgePlan,
    RequestPurge,
    RetentionClass,
)
from services.retention.classes import LEGAL_MINIMUMS, RetentionPolicy, setting_name

ARCHITECTURE = "docs/architecture.md §11"

# The order a request is purged in: what the case record outlives comes first.
PURGE_ORDER = (
    RetentionClass.COLLECTIONS,
    RetentionClass.DOCUMENTS,
    RetentionClass.PRODUCTIONS,
    RetentionClass.DISCLOSURE_LOG,
    RetentionClass.CASE_RECORDS,
)


class RequestFacts(msgspec.Struct, frozen=True, kw_only=True):
    """One request as the register knows it, reduced to what retention decides on."""

    request_id: str
    status: Status
    closed_at: dt.datetime | None  # when it reached a terminal status; None while open
    case_number: str
    account_ids: tuple[str, ...] = ()  # customer accounts named as targets
    last_disclosed_at: dt.datetime | None = None
    disclosed_categories: frozenset[DataCategory] = frozenset()
    has_disclosures: bool = False
    purged: frozenset[RetentionClass] = frozenset()  # by earlier runs


class Hold(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    scope: HoldScope
    value: str


class AuditEventFacts(msgspec.Struct, frozen=True, kw_only=True):
    seq: int
    at: dt.datetime
    request_id: str | None


class AuditSegment(msgspec.Struct, frozen=True, kw_only=True):
    first_seq: int
    through_seq: int

    @property
    def events(self) -> int:
        return self.through_seq - self.first_seq + 1


def holds_on(request: RequestFacts, holds: Iterable[Hold]) -> list[str]:
    """The ids of the active holds that cover ``request``."""
    matched = []
    for hold in holds:
        if (
            (hold.scope is HoldScope.REQUEST and hold.value == request.request_id)
            or (hold.scope is HoldScope.CASE_NUMBER and hold.value == request.case_number)
            or (hold.scope is HoldScope.CUSTOMER_ACCOUNT and hold.value in request.account_ids)
        ):
            matched.append(hold.id)
    return matched


def _anchor(request: RequestFacts, retention_class: RetentionClass) -> dt.datetime | None:
    assert request.closed_at is not None
    if retention_class is RetentionClass.DISCLOSURE_LOG:
        return request.last_disclosed_at
    if retention_class is RetentionClass.PRODUCTIONS:
        return max(request.closed_at, request.last_disclosed_at or request.closed_at)
    return request.closed_at


def _period(
    request: RequestFacts, retention_class: RetentionClass, policy: RetentionPolicy
) -> tuple[dt.timedelta, Reason]:
    period = policy.period(retention_class)
    days = policy.days[retention_class]
    authority = LEGAL_MINIMUMS.get(retention_class)
    reason = Reason(
        code=f"aged:{retention_class.value}",
        message=f"older than {days} days ({setting_name(retention_class)})",
        authority=authority.authority if authority else ARCHITECTURE,
    )
    if (
        retention_class is RetentionClass.PRODUCTIONS
        and DataCategory.TOLL_RECORDS in request.disclosed_categories
    ):
        toll = policy.period(RetentionClass.TOLL_RECORDS)
        if toll > period:
            toll_days = policy.days[RetentionClass.TOLL_RECORDS]
            reason = Reason(
                code="aged:toll_records",
                message=f"a production of toll records, older than {toll_days} days "
                f"({setting_name(RetentionClass.TOLL_RECORDS)})",
                authority=LEGAL_MINIMUMS[RetentionClass.TOLL_RECORDS].authority,
            )
            period = toll
    return period, reason


def due_for_request(
    request: RequestFacts, policy: RetentionPolicy, now: dt.datetime
) -> RequestPurge | None:
    """What of ``request`` is due at ``now``, holds aside; None when nothing is."""
    if request.status not in TERMINAL_STATUSES or request.closed_at is None:
        return None  # an open request keeps everything
    classes: list[RetentionClass] = []
    reasons: list[Reason] = []
    for retention_class in PURGE_ORDER:
        if retention_class in request.purged:
            continue
        if retention_class is RetentionClass.DISCLOSURE_LOG and not request.has_disclosures:
            continue
        if retention_class is RetentionClass.CASE_RECORDS:
            outlived = [
                c
                for c in PURGE_ORDER[:-1]
                if c not in request.purged
                and not (c is RetentionClass.DISCLOSURE_LOG and not request.has_disclosures)
            ]
            if any(c not in classes for c in outlived):
                continue  # something it outlives is not due yet
        anchor = _anchor(request, retention_class)
        period, reason = _period(request, retention_class, policy)
        if anchor is not None and now >= anchor + period:
            classes.append(retention_class)
            reasons.append(reason)
    if not classes:
        return None
    return RequestPurge(request_id=request.request_id, classes=classes, reasons=reasons)


def plan_purge(
    requests: Iterable[RequestFacts],
    holds: Sequence[Hold],
    policy: RetentionPolicy,
    now: dt.datetime,
) -> PurgePlan:
    """Every request's due classes, except those of requests under a hold (reported)."""
    purges: list[RequestPurge] = []
    held: list[HeldRequest] = []
    for request in requests:
        due = due_for_request(request, policy, now)
        if due is None:
            continue
        hold_ids = holds_on(request, holds)
        if hold_ids:
            held.append(HeldRequest(request_id=request.request_id, hold_ids=hold_ids))
            continue
        purges.append(due)
    return PurgePlan(now=now, requests=purges, held=held)


def audit_segment(
    events: Iterable[AuditEventFacts],
    policy: RetentionPolicy,
    now: dt.datetime,
    *,
    on_register: set[str],
) -> AuditSegment | None:
    """The segment from the chain's first remaining event up to (not including) the first
    one that must stay; None when the first one must. ``events`` are in seq order."""
    cutoff = now - policy.period(RetentionClass.AUDIT_LOG)
    first: int | None = None
    through: int | None = None
    for event in events:
        if event.at > cutoff or (event.request_id is not None and event.request_id in on_register):
            break
        if first is None:
            first = event.seq
        through = event.seq
    if first is None or through is None:
        return None
    return AuditSegment(first_seq=first, through_seq=through)
