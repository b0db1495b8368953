"""What is due for purging, as a table: each row names the rule (and its authority) it
checks. Pure: no register, no S3, no clock."""

from __future__ import annotations

import datetime as dt

import pytest

from contracts.enums import DataCategory, Status
from contracts.retention import HoldScope, RetentionClass
from services.platform.settings import Settings
from services.retention.classes import RetentionPolicy, retention_policy
from services.retention.due import (
    AuditEventFacts,
    Hold,
    RequestFacts,
    audit_segment,
    due_for_request,
    plan_purge,
)

NOW = dt.datetime(2030, 6, 1, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)
YEAR = 365 * DAY
DEFAULTS = retention_policy(Settings())  # 7 years; collections 1; disclosures 5; toll 3

C = RetentionClass
ALL_BUT_DISCLOSURES = [C.COLLECTIONS, C.DOCUMENTS, C.PRODUCTIONS, C.CASE_RECORDS]
EVERYTHING = [C.COLLECTIONS, C.DOCUMENTS, C.PRODUCTIONS, C.DISCLOSURE_LOG, C.CASE_RECORDS]


def policy(**days: int) -> RetentionPolicy:
    return RetentionPolicy(days=DEFAULTS.days | {C(k): v for k, v in days.items()})


def request(
    closed_ago: dt.timedelta | None,
    *,
    status: Status = Status.CLOSED,
    disclosed_ago: dt.timedelta | None = None,
    toll: bool = False,
    purged: frozenset = frozenset(),
) -> RequestFacts:
    return RequestFacts(
        request_id="lp_1",
        status=status,
        closed_at=None if closed_ago is None else NOW - closed_ago,
        case_number="2026-CR-1",
        account_ids=("ACCT-1",),
        last_disclosed_at=None if disclosed_ago is None else NOW - disclosed_ago,
        disclosed_categories=frozenset(
            {DataCategory.SUBSCRIBER_INFO} | ({DataCategory.TOLL_RECORDS} if toll else set())
        ),
        has_disclosures=disclosed_ago is not None,
        purged=purged,
    )


DUE = [
    # rule / authority, facts, policy, expected classes due
    (
        "open request keeps everything, however old (docs/architecture.md §11)",
        request(None, status=Status.IN_REVIEW),
        DEFAULTS,
        [],
    ),
    (
        "a status that is not terminal is open even with a date (docs/architecture.md §11)",
        request(20 * YEAR, status=Status.DELIVERING),
        DEFAULTS,
        [],
    ),
    (
        "closed 8 years ago, never disclosed: all but the disclosure log",
        request(8 * YEAR),
        DEFAULTS,
        ALL_BUT_DISCLOSURES,
    ),
    (
        "rejected counts as closed (terminal status)",
        request(8 * YEAR, status=Status.REJECTED),
        DEFAULTS,
        ALL_BUT_DISCLOSURES,
    ),
    (
        "closed 2 years ago: only the collected working copies (1 year)",
        request(2 * YEAR),
        DEFAULTS,
        [C.COLLECTIONS],
    ),
    (
        "age counts from the close, exactly at the period's end it is due",
        request(365 * DAY),
        DEFAULTS,
        [C.COLLECTIONS],
    ),
    (
        "a day short of the period: nothing",
        request(364 * DAY),
        DEFAULTS,
        [],
    ),
    (
        "disclosed 8 years ago: the disclosure log too (47 CFR §64.2009(c) met)",
        request(8 * YEAR, disclosed_ago=8 * YEAR, toll=True),
        DEFAULTS,
        EVERYTHING,
    ),
    (
        "disclosure log kept 10 years: it and the case record wait (47 CFR §64.2009(c))",
        request(8 * YEAR, disclosed_ago=8 * YEAR),
        policy(disclosure_log=3650),
        [C.COLLECTIONS, C.DOCUMENTS, C.PRODUCTIONS],
    ),
    (
        "a production of toll records keeps the toll period, 18 months (47 CFR §42.6)",
        request(500 * DAY, disclosed_ago=500 * DAY, toll=True),
        policy(productions=400, documents=400, case_records=400, toll_records=548),
        [C.COLLECTIONS, C.DOCUMENTS],
    ),
    (
        "the same production without toll records goes at its own period",
        request(500 * DAY, disclosed_ago=500 * DAY),
        policy(productions=400, documents=400, case_records=400, disclosure_log=400),
        EVERYTHING,
    ),
    (
        "the production ages from the disclosure when that came after the close",
        request(8 * YEAR, disclosed_ago=6 * YEAR),
        DEFAULTS,
        [C.COLLECTIONS, C.DOCUMENTS, C.DISCLOSURE_LOG],
    ),
    (
        "classes purged by an earlier run are not purged again",
        request(8 * YEAR, purged=frozenset({C.COLLECTIONS, C.DOCUMENTS, C.PRODUCTIONS})),
        DEFAULTS,
        [C.CASE_RECORDS],
    ),
    (
        "case record outlives its documents: kept while they are not due",
        request(8 * YEAR),
        policy(documents=3650),
        [C.COLLECTIONS, C.PRODUCTIONS],
    ),
]


@pytest.mark.parametrize(
    ("rule", "facts", "configured", "expected"), DUE, ids=[row[0] for row in DUE]
)
def test_what_is_due(rule, facts, configured, expected):
    due = due_for_request(facts, configured, NOW)
    assert (due.classes if due else []) == expected
    if due:
        assert len(due.reasons) == len(due.classes)
        assert all(r.authority for r in due.reasons)


def test_reasons_name_the_setting_and_authority():
    due = due_for_request(
        request(8 * YEAR, disclosed_ago=8 * YEAR, toll=True), policy(toll_records=3650), NOW
    )
    # The production holds toll records kept 10 years: not due; the disclosure log is.
    assert C.PRODUCTIONS not in due.classes
    reasons = {c: r for c, r in zip(due.classes, due.reasons, strict=True)}
    assert reasons[C.DISCLOSURE_LOG].authority == "47 CFR §64.2009(c)"
    assert "WRIT_RETENTION_DISCLOSURE_LOG_DAYS" in reasons[C.DISCLOSURE_LOG].message
    assert reasons[C.COLLECTIONS].authority == "docs/architecture.md §11"
    toll_due = due_for_request(
        request(4 * YEAR, disclosed_ago=4 * YEAR, toll=True),
        policy(productions=400, documents=3650),
        NOW,
    )
    toll_reason = dict(zip(toll_due.classes, toll_due.reasons, strict=True))[C.PRODUCTIONS]
    assert toll_reason.authority == "47 CFR §42.6"


HOLDS = [
    (
        "a hold on the request keeps it",
        Hold(id="lh_1", scope=HoldScope.REQUEST, value="lp_1"),
        True,
    ),
    (
        "a hold on a customer account it names keeps it",
        Hold(id="lh_2", scope=HoldScope.CUSTOMER_ACCOUNT, value="ACCT-1"),
        True,
    ),
    (
        "a hold on its case number keeps it",
        Hold(id="lh_3", scope=HoldScope.CASE_NUMBER, value="2026-CR-1"),
        True,
    ),
    (
        "a hold on another request does not",
        Hold(id="lh_4", scope=HoldScope.REQUEST, value="lp_2"),
        False,
    ),
    (
        "a hold on another account does not",
        Hold(id="lh_5", scope=HoldScope.CUSTOMER_ACCOUNT, value="ACCT-2"),
        False,
    ),
    (
        "a request id is not a case number",
        Hold(id="lh_6", scope=HoldScope.CASE_NUMBER, value="lp_1"),
        False,
    ),
]


@pytest.mark.parametrize(("rule", "hold", "kept"), HOLDS, ids=[row[0] for row in HOLDS])
def test_legal_holds_exempt_whatever_is_due(rule, hold, kept):
    plan = plan_purge([request(20 * YEAR, disclosed_ago=20 * YEAR)], [hold], DEFAULTS, NOW)
    if kept:
        assert plan.requests == []
        assert [(h.request_id, h.hold_ids) for h in plan.held] == [("lp_1", [hold.id])]
    else:
        assert [p.classes for p in plan.requests] == [EVERYTHING]
        assert plan.held == []


def test_an_open_request_under_a_hold_is_not_reported_as_held():
    hold = Hold(id="lh_1", scope=HoldScope.REQUEST, value="lp_1")
    plan = plan_purge([request(None, status=Status.IN_REVIEW)], [hold], DEFAULTS, NOW)
    assert plan.requests == [] and plan.held == []


def events(*ages_and_requests: tuple[dt.timedelta, str | None]) -> list[AuditEventFacts]:
    return [
        AuditEventFacts(seq=seq, at=NOW - age, request_id=request_id)
        for seq, (age, request_id) in enumerate(ages_and_requests, start=1)
    ]


SEGMENTS = [
    (
        "aged events are sealed up to the first young one (docs/architecture.md §11)",
        events((9 * YEAR, None), (8 * YEAR, "lp_gone"), (1 * YEAR, None), (9 * YEAR, None)),
        set(),
        (1, 2),
    ),
    (
        "a request still on the register keeps its trail, and all after it",
        events((9 * YEAR, None), (9 * YEAR, "lp_kept"), (9 * YEAR, None)),
        {"lp_kept"},
        (1, 1),
    ),
    (
        "nothing is sealed when the first event must stay",
        events((1 * YEAR, None), (9 * YEAR, None)),
        set(),
        None,
    ),
    ("an empty chain seals nothing", [], set(), None),
]


@pytest.mark.parametrize(
    ("rule", "chain", "on_register", "expected"), SEGMENTS, ids=[row[0] for row in SEGMENTS]
)
def test_audit_segment(rule, chain, on_register, expected):
    segment = audit_segment(chain, DEFAULTS, NOW, on_register=on_register)
    assert (None if segment is None else (segment.first_seq, segment.through_seq)) == expected
