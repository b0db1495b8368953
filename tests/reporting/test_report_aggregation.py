"""The report maths over the hand-counted fixture year (tests/reporting/fixture_year.py):
every cell of the 2026 report and of 2026-H1, pending requests, and the NS exclusion."""

from __future__ import annotations

import pytest

from contracts.reporting import NationalSecurityOption, OutcomeCounts
from services.reporting.aggregate import build_report
from services.reporting.cells import report_cells
from services.reporting.facts import group_of
from services.reporting.periods import InvalidPeriod, parse_period
from tests.reporting.fixture_year import COMPUTED_AT, FIXTURE_YEAR


def report_for(
    label: str, facts=FIXTURE_YEAR, option=NationalSecurityOption.SEMIANNUAL_250, accounts: int = 5
):
    period = parse_period(label)
    facts = [f for f in facts if period.starts_at <= f.received_at < period.ends_before]
    groups = [
        group_of(f, computed_at=COMPUTED_AT, period_ends_before=period.ends_before) for f in facts
    ]
    return build_report(
        groups, accounts_affected=accounts, period=period, option=option, computed_at=COMPUTED_AT
    )


def outcomes(**counts: int) -> OutcomeCounts:
    return OutcomeCounts(**counts)


def test_year_totals():
    t = report_for("2026").totals
    assert (t.requests, t.identifiers, t.accounts_affected) == (15, 21, 5)
    assert t.produced_share == 41.7  # 5 with data of the 12 that ended
    assert t.pending == 3  # r12, r14 (open), r15 (ends after the computation)
    assert t.open_at_period_end == 4  # r11, r12, r14, r15


def test_year_by_process_type():
    rows = {p.process_type.value: p for p in report_for("2026").by_process_type}
    assert "national_security_letter" not in rows and "fisa_order" not in rows
    expected = {
        "subpoena": (3, 4, outcomes(produced=2, no_data=1), 66.7),
        "grand_jury_subpoena": (1, 2, outcomes(pending=1), None),
        "administrative_subpoena": (0, 0, outcomes(), None),
        "court_order_2703d": (1, 1, outcomes(produced=1), 100.0),
        "search_warrant": (2, 4, outcomes(partially_produced=1, pending=1), 100.0),
        "pen_register_order": (0, 0, outcomes(), None),
        "wiretap_order": (0, 0, outcomes(), None),
        "preservation_request": (2, 3, outcomes(preserved=2), 0.0),
        "emergency_request": (2, 2, outcomes(produced=1, rejected=1), 50.0),
        "civil_subpoena": (1, 1, outcomes(withdrawn=1), 0.0),
        "foreign_request": (3, 4, outcomes(redirected=1, rejected=1, pending=1), 0.0),
    }
    assert {
        k: (r.requests, r.identifiers, r.outcomes, r.produced_share) for k, r in rows.items()
    } == expected


def test_year_by_requester():
    rows = {r.issuer_kind.value: r for r in report_for("2026").by_requester}
    expected = {
        "federal": (3, 7, outcomes(partially_produced=1, preserved=1, pending=1), 50.0),
        "state": (5, 6, outcomes(produced=2, rejected=1, preserved=1, pending=1), 50.0),
        "local": (2, 2, outcomes(produced=1, no_data=1), 50.0),
        "tribal": (1, 1, outcomes(produced=1), 100.0),
        "foreign": (3, 4, outcomes(redirected=1, rejected=1, pending=1), 0.0),
        "private_party": (1, 1, outcomes(withdrawn=1), 0.0),
    }
    assert {
        k: (r.requests, r.identifiers, r.outcomes, r.produced_share) for k, r in rows.items()
    } == expected


def test_year_emergency_preservation_foreign_notices():
    report = report_for("2026")
    e = report.emergency
    assert (e.requests, e.disclosed, e.disclosed_share) == (2, 1, 50.0)
    assert e.outcomes == outcomes(produced=1, rejected=1)
    p = report.preservation
    assert (p.requests, p.extended, p.extensions) == (2, 1, 1)
    assert [(c.country, c.requests, c.outcomes) for c in report.foreign] == [
        ("DE", 1, outcomes(rejected=1)),
        ("GB", 2, outcomes(redirected=1, pending=1)),
    ]
    n = report.notices
    assert (n.notified, n.delayed_by_ndo, n.still_barred, n.ndo_requests, n.ndo_share) == (
        3,
        1,
        2,
        3,
        20.0,
    )


def test_first_half_year():
    report = report_for("2026-H1")
    assert (report.period_start.isoformat(), report.period_end.isoformat()) == (
        "2026-01-01",
        "2026-06-30",
    )
    t = report.totals
    assert (t.requests, t.identifiers, t.pending, t.open_at_period_end) == (8, 12, 0, 1)
    assert t.produced_share == 50.0
    rows = {p.process_type.value: p.outcomes for p in report.by_process_type}
    assert rows["emergency_request"] == outcomes(produced=1, rejected=1)  # r06 counted in H1
    assert rows["foreign_request"] == outcomes(redirected=1)
    n = report.notices
    assert (n.notified, n.delayed_by_ndo, n.still_barred, n.ndo_requests, n.ndo_share) == (
        2,
        1,
        1,
        2,
        25.0,
    )
    assert [line.period for line in report.national_security.lines] == ["2026-H1"]


def test_second_half_year():
    t = report_for("2026-H2").totals
    assert (t.requests, t.identifiers, t.pending, t.open_at_period_end) == (7, 9, 3, 4)


def test_pending_is_never_dropped():
    """A request that has not ended counts in every total, under ``pending``."""
    report = report_for("2026")
    assert report.totals.pending == 3
    for row in report.by_process_type:
        assert sum(msgspec_values(row.outcomes)) == row.requests


def msgspec_values(counts: OutcomeCounts) -> list[int]:
    return [getattr(counts, name) for name in OutcomeCounts.__struct_fields__]


def test_unfinished_period_is_marked():
    period = parse_period("2027")
    report = build_report(
        [],
        accounts_affected=0,
        period=period,
        option=NationalSecurityOption.SEMIANNUAL_250,
        computed_at=COMPUTED_AT,
    )
    assert not report.period_ended
    assert report.totals.produced_share is None


def test_national_security_is_in_no_other_figure():
    """With or without the national-security requests, every other cell is the same: no
    exact number can be had by subtracting published figures."""
    with_ns = report_for("2026")
    without = report_for("2026", facts=[f for f in FIXTURE_YEAR if not f.national_security])
    strip = lambda r: [c for c in report_cells(r) if c.section != "national_security"]  # noqa: E731
    assert strip(with_ns) == strip(without)


@pytest.mark.parametrize("text", ["26", "2026-H3", "2026-Q1", "1999", "2026h1", ""])
def test_bad_periods_are_refused(text: str):
    with pytest.raises(InvalidPeriod):
        parse_period(text)
