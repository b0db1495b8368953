""" "Still barred" counted apart from the tallies (bench/README.md): on the day a report is
computed it counts the requests under an order in force whose customers were not told —
from the register's ``report_barred`` exactly as from the facts themselves — and laying
that count onto the tally groups changes no other figure."""

from __future__ import annotations

import datetime as dt

import msgspec
import pytest

from contracts.reporting import NationalSecurityOption
from services.register import transparency
from services.reporting.aggregate import build_report
from services.reporting.facts import FactGroup, ReportFact
from services.reporting.periods import parse_period
from tests.reporting.register_support import seed

YEAR = 2004  # a year no other test writes to (the register is shared)
TODAY = dt.date(2010, 3, 1)


def _fact(name: str, **fields) -> ReportFact:
    base = {
        "request_id": f"barred-{name}",
        "received_at": dt.datetime(YEAR, 5, 10, tzinfo=dt.UTC),
        "process_type": "search_warrant",
        "issuer_kind": "state",
        "identifiers": 2,
    }
    return ReportFact(**(base | fields))


FACTS = [
    _fact("lapsed", ndo=True, ndo_ends_on=dt.date(2010, 2, 28)),  # ended yesterday: not barred
    _fact("today", ndo=True, ndo_ends_on=TODAY),  # in force to the end of today: barred
    _fact("later", ndo=True, ndo_ends_on=dt.date(2011, 1, 1)),  # barred
    _fact("indefinite", ndo=True),  # barred
    _fact(
        "told",
        ndo=True,
        ndo_ends_on=dt.date(YEAR, 9, 1),
        notice_sent_at=dt.datetime(YEAR, 9, 2, tzinfo=dt.UTC),
    ),
    _fact(
        "nsl",
        process_type="national_security_letter",
        issuer_kind="federal",
        national_security="nsl",
        ndo=True,
    ),
    _fact("open", outcome=None),
]


@pytest.fixture
async def barred_register(register):
    await seed(register.engine, FACTS)
    return register


async def test_still_barred_from_the_tallies_equals_the_facts(barred_register):
    period = parse_period(str(YEAR))
    now = dt.datetime.combine(TODAY, dt.time(12), tzinfo=dt.UTC)
    reports = []
    for groups, accounts in (
        await transparency.current_groups(barred_register.engine, period, TODAY),
        await transparency.report_groups(barred_register.engine, period, now),
    ):
        reports.append(
            build_report(
                groups,
                accounts_affected=accounts,
                period=period,
                option=NationalSecurityOption.SEMIANNUAL_250,
                computed_at=now,
            )
        )
    assert reports[0] == reports[1]
    assert reports[0].notices.still_barred == 3
    assert reports[0].notices.delayed_by_ndo == 1
    assert reports[0].totals.requests == 6  # the NSL only in its band


def _group(requests: int, **fields) -> FactGroup:
    return FactGroup(
        process_type="court_order_2703d",
        issuer_kind="state",
        requests=requests,
        identifiers=requests * 2,
        **fields,
    )


def test_laying_the_barred_count_splits_a_group_and_keeps_every_sum():
    groups = [
        _group(4),  # no order: never barred
        _group(3, ndo=True, notice_sent=True),  # told: never barred
        _group(2, ndo=True),
        _group(5, ndo=True),
        _group(1, ndo=True, national_security="nsl"),
    ]
    laid = transparency._lay_barred(groups, 4)

    assert sum(g.requests for g in laid if g.notice_barred) == 4
    assert not any(g.notice_barred for g in laid if g.national_security or g.notice_sent)
    for field in ("requests", "identifiers", "extensions", "extended"):
        assert sum(getattr(g, field) for g in laid) == sum(getattr(g, field) for g in groups)
    unflagged = [msgspec.structs.replace(g, notice_barred=False) for g in laid]
    assert {(g.ndo, g.notice_sent, g.national_security) for g in unflagged} == {
        (g.ndo, g.notice_sent, g.national_security) for g in groups
    }


def test_a_barred_count_the_tallies_cannot_hold_is_an_error_not_a_figure():
    with pytest.raises(RuntimeError):
        transparency._lay_barred([_group(2, ndo=True)], 3)
