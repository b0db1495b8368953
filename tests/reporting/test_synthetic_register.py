"""``writ register generate``'s generator (development tool): seeded, refuses to fill a year
twice, and writes facts whose tallies agree with a count of the facts."""

from __future__ import annotations

import datetime as dt

import pytest

from contracts.reporting import NationalSecurityOption
from services.register import transparency
from services.register.synthetic.generator import AlreadyGenerated, generate_register
from services.register.synthetic.requests import synthetic_requests
from services.reporting.aggregate import build_report
from services.reporting.periods import parse_period

YEAR = 2009  # no other test writes requests received in 2009
NOW = dt.datetime(2010, 3, 1, tzinfo=dt.UTC)


def test_same_seed_same_requests():
    first = [r.fact for r in synthetic_requests(200, YEAR, seed=7, now=NOW)]
    again = [r.fact for r in synthetic_requests(200, YEAR, seed=7, now=NOW)]
    other = [r.fact for r in synthetic_requests(200, YEAR, seed=8, now=NOW)]
    assert first == again and first != other
    assert all(f.received_at.year == YEAR for f in first)
    assert {f.process_type for f in first} >= {"subpoena", "search_warrant"}


async def test_generated_register_is_counted_consistently(register):
    assert await generate_register(register.engine, 400, YEAR, progress=False, now=NOW) == 400
    with pytest.raises(AlreadyGenerated):
        await generate_register(register.engine, 10, YEAR, progress=False, now=NOW)
    period = parse_period(str(YEAR))
    now = dt.datetime.now(dt.UTC)
    option = NationalSecurityOption.SEMIANNUAL_500
    reports = []
    for groups, accounts in (
        await transparency.current_groups(register.engine, period, now.date()),
        await transparency.report_groups(register.engine, period, now),
    ):
        reports.append(
            build_report(
                groups, accounts_affected=accounts, period=period, option=option, computed_at=now
            )
        )
    assert reports[0] == reports[1]
    national_security = sum(
        1 for r in synthetic_requests(400, YEAR, seed=2026, now=NOW) if r.fact.national_security
    )
    assert reports[0].totals.requests == 400 - national_security
    assert 0 < reports[0].totals.accounts_affected <= reports[0].totals.identifiers
