"""50 U.S.C. §1874(a): national-security process only in bands, under each of the four
reporting options, at the band boundaries 0, 1, 249, 250, 499, 500, 999, 1000."""

from __future__ import annotations

import datetime as dt

import pytest

from contracts.reporting import NationalSecurityCategory as C
from contracts.reporting import NationalSecurityOption as O
from services.reporting.aggregate import build_report
from services.reporting.bands import band
from services.reporting.facts import FactGroup
from services.reporting.periods import parse_period

COMPUTED_AT = dt.datetime(2027, 1, 20, tzinfo=dt.UTC)
BOUNDARIES = [0, 1, 249, 250, 499, 500, 999, 1000]

# (option, count) -> the band's label; counted by hand from the statute's band widths.
EXPECTED = {
    O.SEMIANNUAL_1000: [
        "0-999",
        "0-999",
        "0-999",
        "0-999",
        "0-999",
        "0-999",
        "0-999",
        "1000-1999",
    ],  # §1874(a)(1)
    O.SEMIANNUAL_500: [
        "0-499",
        "0-499",
        "0-499",
        "0-499",
        "0-499",
        "500-999",
        "500-999",
        "1000-1499",
    ],  # §1874(a)(2)
    O.SEMIANNUAL_250: [
        "0-249",
        "0-249",
        "0-249",
        "250-499",
        "250-499",
        "500-749",
        "750-999",
        "1000-1249",
    ],  # §1874(a)(3)
    O.ANNUAL_100: [
        "0-99",
        "0-99",
        "200-299",
        "200-299",
        "400-499",
        "500-599",
        "900-999",
        "1000-1099",
    ],  # §1874(a)(4)
}


def ns_groups(count: int, kind: str = "nsl", half: int = 1) -> list[FactGroup]:
    if count == 0:
        return []
    return [
        FactGroup(
            process_type="national_security_letter" if kind == "nsl" else "fisa_order",
            issuer_kind="federal",
            national_security=kind,
            half=half,
            requests=count,
            identifiers=count,
        )
    ]


def ns_report(groups, option, label="2026"):
    return build_report(
        groups,
        accounts_affected=0,
        period=parse_period(label),
        option=option,
        computed_at=COMPUTED_AT,
    ).national_security


@pytest.mark.parametrize("option", list(O))
@pytest.mark.parametrize("index", range(len(BOUNDARIES)))
def test_band_boundaries(option: O, index: int):
    count = BOUNDARIES[index]
    figures = ns_report(ns_groups(count), option)
    first = figures.lines[0]
    assert first.requests.label == EXPECTED[option][index]
    assert first.selectors.label == EXPECTED[option][index]
    assert first.requests.lower <= count <= first.requests.upper
    width = {O.SEMIANNUAL_1000: 1000, O.SEMIANNUAL_500: 500, O.SEMIANNUAL_250: 250}.get(option, 100)
    assert first.requests.upper - first.requests.lower + 1 == width


def test_band_function_starts_at_zero():
    assert band(0, 1000).label == "0-999"
    assert band(1000, 1000).label == "1000-1999"
    with pytest.raises(ValueError):
        band(-1, 250)


def test_semiannual_1000_reports_three_kinds_per_half():
    groups = (
        ns_groups(3, "nsl", 1)
        + ns_groups(2, "fisa_content", 2)
        + ns_groups(1200, "fisa_non_content", 2)
    )
    figures = ns_report(groups, O.SEMIANNUAL_1000)
    assert figures.authority == "50 U.S.C. §1874(a)(1)"
    assert [(line.period, line.category, line.requests.label) for line in figures.lines] == [
        ("2026-H1", C.NSL, "0-999"),
        ("2026-H1", C.FISA_CONTENT, "0-999"),
        ("2026-H1", C.FISA_NON_CONTENT, "0-999"),
        ("2026-H2", C.NSL, "0-999"),
        ("2026-H2", C.FISA_CONTENT, "0-999"),
        ("2026-H2", C.FISA_NON_CONTENT, "1000-1999"),
    ]


def test_semiannual_500_combines_fisa():
    groups = ns_groups(300, "fisa_content", 1) + ns_groups(300, "fisa_non_content", 1)
    figures = ns_report(groups, O.SEMIANNUAL_500)
    assert [(line.period, line.category, line.requests.label) for line in figures.lines] == [
        ("2026-H1", C.NSL, "0-499"),
        ("2026-H1", C.FISA, "500-999"),
        ("2026-H2", C.NSL, "0-499"),
        ("2026-H2", C.FISA, "0-499"),
    ]


def test_semiannual_250_combines_everything():
    groups = ns_groups(200, "nsl", 2) + ns_groups(100, "fisa_content", 2)
    figures = ns_report(groups, O.SEMIANNUAL_250)
    assert [(line.period, line.category, line.requests.label) for line in figures.lines] == [
        ("2026-H1", C.ALL, "0-249"),
        ("2026-H2", C.ALL, "250-499"),
    ]


def test_annual_100_is_one_yearly_line_and_absent_from_half_years():
    groups = ns_groups(60, "nsl", 1) + ns_groups(60, "fisa_content", 2)
    figures = ns_report(groups, O.ANNUAL_100)
    assert [(line.period, line.category, line.requests.label) for line in figures.lines] == [
        ("2026", C.ALL, "100-199"),
    ]
    half = ns_report(groups, O.ANNUAL_100, label="2026-H1")
    assert not half.reported and half.lines == []


def test_a_half_year_report_has_only_its_half():
    figures = ns_report(ns_groups(5, "nsl", 2), O.SEMIANNUAL_250, label="2026-H2")
    assert [line.period for line in figures.lines] == ["2026-H2"]
