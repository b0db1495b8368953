"""A hand-counted year of requests (2026), used by the pure tests and the register tests.

Every expected figure in ``test_report_aggregation.py`` was counted by hand from this table;
the comments give each request's role. Computed at ``COMPUTED_AT`` (after the year ended)."""

from __future__ import annotations

import datetime as dt

import msgspec

from services.reporting.facts import ReportFact

UTC = dt.UTC
COMPUTED_AT = dt.datetime(2027, 1, 20, tzinfo=UTC)


def at(y: int, m: int, d: int, hh: int = 12, mm: int = 0) -> dt.datetime:
    return dt.datetime(y, m, d, hh, mm, tzinfo=UTC)


def fact(request_id: str, received_at: dt.datetime, process_type: str, issuer_kind: str, **kw):
    return ReportFact(
        request_id=request_id,
        received_at=received_at,
        process_type=process_type,
        issuer_kind=issuer_kind,
        **kw,
    )


FIXTURE_YEAR: list[ReportFact] = [
    # -- first half ------------------------------------------------------------------------
    fact(
        "r01",
        at(2026, 2, 10),
        "subpoena",
        "state",
        identifiers=2,
        outcome="produced",
        resolved_at=at(2026, 2, 20),
        notice_sent_at=at(2026, 2, 21),
    ),
    fact(
        "r02",
        at(2026, 3, 5),
        "subpoena",
        "local",
        identifiers=1,
        outcome="no_data",
        resolved_at=at(2026, 3, 10),
    ),
    # NDO with an end date: notice given after it lapsed -> delayed by an NDO.
    fact(
        "r03",
        at(2026, 4, 1),
        "search_warrant",
        "federal",
        identifiers=3,
        outcome="partially_produced",
        resolved_at=at(2026, 4, 10),
        ndo=True,
        ndo_ends_on=dt.date(2026, 10, 1),
        notice_sent_at=at(2026, 10, 2),
    ),
    # Indefinite NDO -> still barred.
    fact(
        "r04",
        at(2026, 5, 15),
        "court_order_2703d",
        "state",
        identifiers=1,
        outcome="produced",
        resolved_at=at(2026, 5, 20),
        ndo=True,
    ),
    fact(
        "r05",
        at(2026, 6, 1),
        "emergency_request",
        "local",
        identifiers=1,
        emergency=True,
        outcome="produced",
        resolved_at=at(2026, 6, 1, 13),
    ),
    # Last minute of H1, ended in H2 -> open at the end of 2026-H1.
    fact(
        "r06",
        at(2026, 6, 30, 23, 59),
        "emergency_request",
        "state",
        identifiers=1,
        emergency=True,
        outcome="rejected",
        resolved_at=at(2026, 7, 1, 1),
    ),
    # First minute of the year; extended once.
    fact(
        "r07",
        at(2026, 1, 1, 0, 0),
        "preservation_request",
        "federal",
        identifiers=2,
        outcome="preserved",
        resolved_at=at(2026, 1, 2),
        extensions=1,
    ),
    fact(
        "r08",
        at(2026, 2, 1),
        "foreign_request",
        "foreign",
        country="GB",
        identifiers=1,
        outcome="redirected",
        resolved_at=at(2026, 2, 3),
    ),
    # -- second half -----------------------------------------------------------------------
    fact(
        "r09",
        at(2026, 7, 1, 0, 0),
        "foreign_request",
        "foreign",
        country="DE",
        identifiers=2,
        outcome="rejected",
        resolved_at=at(2026, 7, 5),
    ),
    fact(
        "r10",
        at(2026, 8, 1),
        "civil_subpoena",
        "private_party",
        identifiers=1,
        outcome="withdrawn",
        resolved_at=at(2026, 8, 10),
        notice_sent_at=at(2026, 8, 2),
    ),
    # Ended after the year but before the report: produced, yet open at the period's end.
    fact(
        "r11",
        at(2026, 9, 1),
        "subpoena",
        "tribal",
        identifiers=1,
        outcome="produced",
        resolved_at=at(2027, 1, 10),
    ),
    # Pending; its NDO runs past the computation -> still barred.
    fact(
        "r12",
        at(2026, 12, 31, 23, 59),
        "search_warrant",
        "state",
        identifiers=1,
        ndo=True,
        ndo_ends_on=dt.date(2027, 6, 30),
    ),
    fact(
        "r13",
        at(2026, 11, 1),
        "preservation_request",
        "state",
        identifiers=1,
        outcome="preserved",
        resolved_at=at(2026, 11, 1, 13),
    ),
    fact("r14", at(2026, 10, 10), "foreign_request", "foreign", country="GB", identifiers=1),
    # Ends after the report was computed -> pending at COMPUTED_AT.
    fact(
        "r15",
        at(2026, 12, 1),
        "grand_jury_subpoena",
        "federal",
        identifiers=2,
        outcome="produced",
        resolved_at=at(2027, 2, 1),
    ),
    # -- national security: bands only, in no other figure ---------------------------------
    fact(
        "n01",
        at(2026, 3, 1),
        "national_security_letter",
        "federal",
        national_security="nsl",
        identifiers=1,
        outcome="produced",
        resolved_at=at(2026, 3, 2),
        ndo=True,
    ),
    fact(
        "n02",
        at(2026, 4, 1),
        "national_security_letter",
        "federal",
        national_security="nsl",
        identifiers=2,
        ndo=True,
    ),
    fact(
        "n03",
        at(2026, 9, 1),
        "fisa_order",
        "federal",
        national_security="fisa_content",
        identifiers=1,
        outcome="produced",
        resolved_at=at(2026, 9, 2),
    ),
]

# Outside 2026 by a second: never counted.
OUTSIDE_YEAR: list[ReportFact] = [
    fact(
        "x01",
        dt.datetime(2025, 12, 31, 23, 59, 59, tzinfo=UTC),
        "subpoena",
        "state",
        identifiers=1,
        outcome="produced",
        resolved_at=at(2026, 1, 5),
    ),
    fact("x02", dt.datetime(2027, 1, 1, 0, 0, tzinfo=UTC), "subpoena", "state", identifiers=1),
]

ACCOUNTS = {  # request -> accounts whose records were produced (distinct over the year: 5)
    "r01": ["acct-1", "acct-2"],
    "r03": ["acct-2", "acct-3", "acct-4"],
    "r04": ["acct-5"],
    "r05": ["acct-1"],
    "n01": ["acct-9"],  # national security: never counted
    "x01": ["acct-8"],  # outside the year
}


def _shift(value, years: int):
    return None if value is None else value.replace(year=value.year + years)


def shifted(facts: list[ReportFact], year: int, prefix: str) -> list[ReportFact]:
    """The fixture moved to ``year`` (the register is shared by the whole session: each test
    module counts a year no other test writes to), with request ids made unique."""
    years = year - 2026
    return [
        msgspec.structs.replace(
            f,
            request_id=f"{prefix}-{f.request_id}",
            received_at=_shift(f.received_at, years),
            resolved_at=_shift(f.resolved_at, years),
            ndo_ends_on=_shift(f.ndo_ends_on, years),
            notice_sent_at=_shift(f.notice_sent_at, years),
        )
        for f in facts
    ]
