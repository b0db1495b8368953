"""The register's side on SQLite and PostgreSQL: the grouped count equals the pure maths over
the same facts, facts are derived from real rows and audit events, and the migration's
backfill fills them for requests recorded before it."""

from __future__ import annotations

import datetime as dt

import msgspec
import pytest
import sqlalchemy as sa

from contracts.enums import Outcome, ProcessType, Status
from contracts.legal_process import LegalProcess
from contracts.reporting import NationalSecurityOption
from contracts.workflow import StatusChange
from services.register import transparency
from services.register.legal_processes import LegalProcessRecord
from services.reporting.aggregate import build_report
from services.reporting.facts import group_of
from services.reporting.periods import parse_period
from tests.reporting.fixture_year import (
    ACCOUNTS,
    COMPUTED_AT,
    FIXTURE_YEAR,
    OUTSIDE_YEAR,
    shifted,
)
from tests.reporting.register_support import seed

YEAR = 2011  # no other test writes requests received in 2011
FACTS = shifted(FIXTURE_YEAR + OUTSIDE_YEAR, YEAR, "reg")
AS_OF = COMPUTED_AT.replace(year=COMPUTED_AT.year + YEAR - 2026)


@pytest.fixture(scope="module")
async def seeded(register):
    await seed(register.engine, FACTS, {f"reg-{k}": v for k, v in ACCOUNTS.items()})
    return register.engine


def pure(label: str, option: NationalSecurityOption):
    period = parse_period(label)
    facts = [f for f in FACTS if period.starts_at <= f.received_at < period.ends_before]
    groups = [group_of(f, computed_at=AS_OF, period_ends_before=period.ends_before) for f in facts]
    return build_report(
        groups, accounts_affected=5, period=period, option=option, computed_at=AS_OF
    )


@pytest.mark.parametrize("label", [f"{YEAR}", f"{YEAR}-H1", f"{YEAR}-H2"])
@pytest.mark.parametrize(
    "option", [NationalSecurityOption.SEMIANNUAL_1000, NationalSecurityOption.ANNUAL_100]
)
async def test_register_count_equals_the_pure_maths(seeded, label, option):
    period = parse_period(label)
    groups, accounts = await transparency.report_groups(seeded, period, AS_OF)
    assert accounts == 5 if label != f"{YEAR}-H2" else accounts == 0
    live = build_report(
        groups, accounts_affected=accounts, period=period, option=option, computed_at=AS_OF
    )
    expected = pure(label, option)
    if label == f"{YEAR}-H2":
        expected = msgspec.structs.replace(
            expected, totals=msgspec.structs.replace(expected.totals, accounts_affected=0)
        )
    assert live == expected


async def test_year_figures_from_the_register(seeded):
    period = parse_period(str(YEAR))
    groups, accounts = await transparency.report_groups(seeded, period, AS_OF)
    report = build_report(
        groups,
        accounts_affected=accounts,
        period=period,
        option=NationalSecurityOption.SEMIANNUAL_250,
        computed_at=AS_OF,
    )
    t = report.totals
    assert (t.requests, t.identifiers, t.accounts_affected, t.pending, t.open_at_period_end) == (
        15,
        21,
        5,
        3,
        4,
    )


@pytest.mark.parametrize("label", [f"{YEAR}", f"{YEAR}-H1", f"{YEAR}-H2", "2010"])
async def test_tallies_count_what_the_facts_count(seeded, label):
    """The report for now reads the running tallies; they agree with a count of the facts
    themselves, also after the facts of a request were rewritten (the test below)."""
    period = parse_period(label)
    now = dt.datetime.now(dt.UTC)
    assert await transparency.current_groups(seeded, period, now.date()) is not None
    facts_groups, facts_accounts = await transparency.report_groups(seeded, period, now)
    tally_groups, tally_accounts = await transparency.current_groups(seeded, period, now.date())
    option = NationalSecurityOption.SEMIANNUAL_1000

    def report(groups, accounts):
        return build_report(
            groups, accounts_affected=accounts, period=period, option=option, computed_at=now
        )

    assert report(tally_groups, tally_accounts) == report(facts_groups, facts_accounts)


async def test_facts_are_derived_from_the_request_and_its_audit_events(register):
    """What the hooks write: taken in, then a status change with an outcome, a notice."""
    received = dt.datetime(2010, 3, 1, 9, tzinfo=dt.UTC)
    request_id = f"lp-{received.timestamp():.0f}-facts"
    process = {
        "request_id": request_id,
        "process_type": "foreign_request",
        "issuer_kind": "foreign",
        "issuer_name": "Metropolitan Police",
        "jurisdiction": "GB-LND",
        "issued_on": "2010-02-27",
        "received_at": received.isoformat(),
        "case_number": "MLAT-1",
        "requester": {
            "agency_id": "report-test-agency",
            "agency_name": "Report Test Agency",
            "agency_jurisdiction": "GB",
            "officer_name": "Officer",
            "officer_email": "officer@example.gov",
        },
        "targets": [
            {"kind": "telephone_number", "value": "+19195550111"},
            {"kind": "email", "value": "a@example.com"},
        ],
        "categories": ["subscriber_info"],
        "non_disclosure_order": {"authority": "court order", "ends_on": "2010-06-30"},
    }
    await seed(register.engine, [])  # the test agency
    await register.legal_processes.insert(
        LegalProcessRecord(
            id=request_id,
            agency_id="report-test-agency",
            process_type=ProcessType.FOREIGN_REQUEST,
            case_number="MLAT-1",
            status=Status.RECEIVED,
            received_at=received,
            submission={},
            process=msgspec.convert(process, LegalProcess),
            document_key="k",
            document_sha256="0" * 64,
        ),
        actor="tester",
    )
    await transparency.refresh_report_facts(register.engine, [request_id])
    row = await fact_row(register.engine, request_id)
    assert (row.country, row.identifiers, row.outcome, row.ndo) == ("GB", 2, None, True)
    await register.legal_processes.apply_status_change(
        StatusChange(
            request_id=request_id,
            status=Status.REDIRECTED,
            actor="writ",
            outcome=Outcome.REDIRECTED,
        )
    )
    await register.audit.record(
        request_id=request_id, actor="writ", action="customer_notified:acct-7"
    )
    await transparency.record_status_facts(
        register.engine,
        StatusChange(
            request_id=request_id,
            status=Status.REDIRECTED,
            actor="writ",
            outcome=Outcome.REDIRECTED,
        ),
    )
    row = await fact_row(register.engine, request_id)
    assert row.outcome == "redirected"
    assert row.resolved_at is not None and row.notice_sent_at is not None
    assert row.ndo_ends_on == dt.date(2010, 6, 30)
    await test_tallies_count_what_the_facts_count(register.engine, "2010")


async def test_backfill_derives_facts_for_existing_rows(register):
    """The migration's backfill (and ``writ transparency backfill``) reach every request."""
    async with register.engine.begin() as conn:
        await conn.execute(
            transparency.report_facts.delete().where(
                transparency.report_facts.c.request_id.like("reg-r0%")
            )
        )
    written = await transparency.backfill(register.engine)
    assert written >= 9
    row = await fact_row(register.engine, "reg-r03")
    assert (row.process_type, row.issuer_kind, row.identifiers, row.ndo) == (
        "search_warrant",
        "federal",
        3,
        True,
    )


async def fact_row(engine, request_id: str):
    async with engine.connect() as conn:
        return (
            await conn.execute(
                sa.select(transparency.report_facts).where(
                    transparency.report_facts.c.request_id == request_id
                )
            )
        ).one()


async def test_writ_transparency_command(seeded, register_url, tmp_path, monkeypatch):
    """``writ transparency 2011 --format csv -o FILE`` over the same register."""
    import asyncio

    from services.cli import main
    from services.platform import settings as settings_module

    monkeypatch.setenv("WRIT_DATABASE_URL", register_url)
    monkeypatch.setenv("WRIT_DATA_DIR", str(tmp_path))
    settings_module.get_settings.cache_clear()
    try:
        out = tmp_path / "report.csv"
        code = await asyncio.to_thread(
            main, ["transparency", str(YEAR), "--format", "csv", "-o", str(out)]
        )
        assert code == 0
        lines = out.read_text().splitlines()
        assert lines[0] == "period,section,row,column,value,unit"
        assert f"{YEAR},totals,all,requests,15,requests" in lines
        html = tmp_path / "report.html"
        assert (
            await asyncio.to_thread(
                main, ["transparency", f"{YEAR}-H1", "--format", "html", "-o", str(html)]
            )
            == 0
        )
        assert "<svg" in html.read_text() and "<script" not in html.read_text()
        assert await asyncio.to_thread(main, ["transparency", "20x1"]) == 2
    finally:
        settings_module.get_settings.cache_clear()
