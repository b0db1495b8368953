"""No exact national-security count reaches the JSON, CSV or HTML output, an exception or a
repr: distinctive counts are planted and every output is searched for them (and for every
sum of them). The API, log and snapshot side is in tests/reporting/test_transparency_api.py."""

from __future__ import annotations

import datetime as dt

import pytest

from contracts.reporting import NationalSecurityOption
from services.reporting.aggregate import build_report
from services.reporting.csv_export import render_csv
from services.reporting.facts import FactGroup
from services.reporting.html_report import render_html
from services.reporting.json_export import render_json
from services.reporting.periods import parse_period
from tests.reporting.planted import PLANTED, leaked

COMPUTED_AT = dt.datetime(2027, 1, 20, tzinfo=dt.UTC)


def planted_groups() -> list[FactGroup]:
    groups = [
        FactGroup(
            process_type="subpoena",
            issuer_kind="state",
            outcome="produced",
            requests=12,
            identifiers=15,
        ),
        FactGroup(
            process_type="search_warrant",
            issuer_kind="federal",
            half=2,
            requests=4,
            identifiers=4,
            ndo=True,
            notice_barred=True,
        ),
    ]
    for (kind, half), (requests, selectors) in PLANTED.items():
        groups.append(
            FactGroup(
                process_type="national_security_letter" if kind == "nsl" else "fisa_order",
                issuer_kind="federal",
                national_security=kind,
                half=half,
                outcome="produced",
                requests=requests,
                identifiers=selectors,
                ndo=True,
                notice_barred=True,
            )
        )
    return groups


@pytest.mark.parametrize("option", list(NationalSecurityOption))
@pytest.mark.parametrize("label", ["2026", "2026-H1", "2026-H2"])
def test_outputs_carry_no_planted_count(option: NationalSecurityOption, label: str):
    report = build_report(
        planted_groups(),
        accounts_affected=3,
        period=parse_period(label),
        option=option,
        computed_at=COMPUTED_AT,
    )
    for name, output in (
        ("json", render_json(report)),
        ("csv", render_csv(report)),
        ("html", render_html(report)),
    ):
        assert not leaked(output.decode()), f"{name} under {option}: exact count leaked"
    assert report.totals.requests == 16  # the planted national-security requests are not in it


def test_reprs_withhold_national_security_numbers():
    text = repr(planted_groups()) + str(planted_groups())
    assert not leaked(text)
