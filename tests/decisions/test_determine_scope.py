"""docs/legal-rules.md, a row per statute: what each kind of process may compel, and why
not the rest."""

from __future__ import annotations

import datetime as dt

import msgspec
import pytest

from contracts.determination import Determination, Disposition, Flag
from contracts.enums import DataCategory as C
from contracts.enums import IssuerKind, Outcome, ProcessType
from contracts.legal_process import Emergency, Period
from tests.decisions.support import ALL, BSI, reason
from tests.factories import NOW, days_ago, decide

P = ProcessType
FEDERAL = IssuerKind.FEDERAL
PRIVATE = IssuerKind.PRIVATE_PARTY
NON_CONTENT = [*BSI, C.DETAIL_RECORDS]


@pytest.mark.parametrize(
    ("process_type", "issuer", "allowed", "authority"),
    [
        pytest.param(
            P.SUBPOENA, FEDERAL, BSI, "18 U.S.C. §2703(c)(2)", id="2703(c)(2)-subpoena-bsi-only"
        ),
        pytest.param(
            P.GRAND_JURY_SUBPOENA,
            FEDERAL,
            BSI,
            "18 U.S.C. §2703(c)(2)",
            id="2703(c)(2)-grand-jury-bsi-only",
        ),
        pytest.param(
            P.ADMINISTRATIVE_SUBPOENA,
            FEDERAL,
            BSI,
            "18 U.S.C. §2703(c)(2)",
            id="2703(c)(2)-administrative-bsi-only",
        ),
        pytest.param(
            P.CIVIL_SUBPOENA,
            FEDERAL,
            BSI,
            "18 U.S.C. §2703(c)(2)",
            id="2703(c)(2)-government-civil-subpoena-bsi-only",
        ),
        pytest.param(
            P.COURT_ORDER_2703D,
            FEDERAL,
            NON_CONTENT,
            "18 U.S.C. §2703(c)(1)(B), (d)",
            id="2703(d)-order-non-content",
        ),
        pytest.param(
            P.SEARCH_WARRANT,
            FEDERAL,
            ALL,
            "18 U.S.C. §2703(a), (b)(1)(A), (c)(1)(A)",
            id="2703(a)(b)(c)-warrant-all",
        ),
        pytest.param(
            P.NATIONAL_SECURITY_LETTER,
            FEDERAL,
            [C.SUBSCRIBER_INFO, C.TOLL_RECORDS],
            "18 U.S.C. §2709(a), (b)(1)",
            id="2709-nsl-subscriber-and-toll-only",
        ),
        pytest.param(
            P.CIVIL_SUBPOENA,
            PRIVATE,
            NON_CONTENT,
            "18 U.S.C. §2702(c)(6)",
            id="2702(c)(6)-civil-non-content",
        ),
        pytest.param(
            P.SUBPOENA,
            PRIVATE,
            NON_CONTENT,
            "18 U.S.C. §2702(c)(6)",
            id="2702(c)(6)-private-party-is-civil",
        ),
        pytest.param(
            P.EMERGENCY_REQUEST,
            FEDERAL,
            ALL,
            "18 U.S.C. §2702(c)(4)",
            id="2702(c)(4)-emergency-voluntary-all",
        ),
    ],
)
def test_what_each_process_may_compel(
    process_type: ProcessType, issuer: IssuerKind, allowed: list[C], authority: str
) -> None:
    d = decide(
        process_type=process_type,
        issuer_kind=issuer,
        categories=ALL,
        emergency=Emergency(nature_of_danger="kidnapping", callback_verified_by="sgt.k"),
    )
    assert d.disposition is Disposition.PROCEED
    assert d.allowed_categories == allowed
    assert d.denied_categories == [c for c in ALL if c not in allowed]
    assert d.reasons[0].authority == authority
    assert d.terminal_outcome is None
    assert (Flag.NARROWED in d.flags) is (allowed != ALL)
    assert d.human_review_required is True  # asked for more than BSI: never auto-approved


@pytest.mark.parametrize(
    ("process_type", "issuer", "category", "authority"),
    [
        pytest.param(
            P.SUBPOENA,
            FEDERAL,
            C.DETAIL_RECORDS,
            "18 U.S.C. §2703(c)(1), (d)",
            id="subpoena-detail-needs-2703(d)",
        ),
        pytest.param(
            P.SUBPOENA,
            FEDERAL,
            C.CONTENT,
            "18 U.S.C. §2703(a), (b)(1)(A)",
            id="subpoena-content-needs-warrant",
        ),
        pytest.param(
            P.SUBPOENA,
            FEDERAL,
            C.LOCATION,
            "Carpenter v. United States, 585 U.S. 296 (2018)",
            id="carpenter-subpoena-location-needs-warrant",
        ),
        pytest.param(
            P.COURT_ORDER_2703D,
            FEDERAL,
            C.CONTENT,
            "18 U.S.C. §2703(a), (b)(1)(A)",
            id="2703(d)-content-needs-warrant",
        ),
        pytest.param(
            P.COURT_ORDER_2703D,
            FEDERAL,
            C.LOCATION,
            "Carpenter v. United States, 585 U.S. 296 (2018)",
            id="carpenter-2703(d)-location-needs-warrant",
        ),
        pytest.param(
            P.NATIONAL_SECURITY_LETTER,
            FEDERAL,
            C.SESSION_RECORDS,
            "18 U.S.C. §2709(a), (b)(1)",
            id="2709-nsl-no-session-records",
        ),
        pytest.param(
            P.NATIONAL_SECURITY_LETTER,
            FEDERAL,
            C.LOCATION,
            "18 U.S.C. §2709(a), (b)(1)",
            id="2709-nsl-no-location",
        ),
        pytest.param(
            P.CIVIL_SUBPOENA,
            PRIVATE,
            C.CONTENT,
            "18 U.S.C. §2702(a)",
            id="2702(a)-civil-never-content",
        ),
        pytest.param(
            P.CIVIL_SUBPOENA,
            PRIVATE,
            C.LOCATION,
            "Carpenter v. United States, 585 U.S. 296 (2018)",
            id="carpenter-civil-location-needs-warrant",
        ),
    ],
)
def test_narrowing_says_why(
    process_type: ProcessType, issuer: IssuerKind, category: C, authority: str
) -> None:
    d = decide(
        process_type=process_type, issuer_kind=issuer, categories=[C.SUBSCRIBER_INFO, category]
    )
    assert d.allowed_categories == [C.SUBSCRIBER_INFO]
    assert d.denied_categories == [category]
    assert Flag.NARROWED in d.flags
    assert reason(d, f"narrowed_{category.value}").authority == authority


def test_process_that_reaches_nothing_asked_is_rejected() -> None:
    d = decide(categories=[C.CONTENT])
    assert d.disposition is Disposition.REJECT
    assert d.terminal_outcome is Outcome.REJECTED
    assert d.allowed_categories == []
    assert d.denied_categories == [C.CONTENT]
    assert reason(d, "insufficient_process").authority == "18 U.S.C. §2703(c)(2)"
    assert [t.allowed for t in d.targets] == [False]


def test_warrant_for_content_and_location_needs_two_approvers() -> None:
    d = decide(process_type=P.SEARCH_WARRANT, categories=[C.CONTENT, C.LOCATION])
    assert d.allowed_categories == [C.CONTENT, C.LOCATION]
    assert {Flag.CONTENT, Flag.LOCATION} <= set(d.flags)
    assert d.approvals_required == 2
    assert reason(d, "four_eyes_content").authority.startswith("Writ policy")


@pytest.mark.parametrize(
    ("process_type", "authority", "flag", "notice_authority"),
    [
        pytest.param(
            P.PEN_REGISTER_ORDER,
            "18 U.S.C. §3123",
            Flag.PROSPECTIVE,
            "18 U.S.C. §3123(d)",
            id="3123-pen-register",
        ),
        pytest.param(
            P.WIRETAP_ORDER,
            "18 U.S.C. §2518 (Title III)",
            Flag.PROSPECTIVE,
            "18 U.S.C. §2511(2)(a)(ii)",
            id="2518-title-iii-wiretap",
        ),
        pytest.param(
            P.FISA_ORDER,
            "50 U.S.C. §1801 et seq. (FISA)",
            Flag.NATIONAL_SECURITY,
            "50 U.S.C. §1805(c)(2)(B), §1861(d)",
            id="fisa",
        ),
    ],
)
def test_prospective_and_fisa_process_is_manual(
    process_type: ProcessType, authority: str, flag: Flag, notice_authority: str
) -> None:
    # A prospective range is what these orders are for: it is not refused as "future".
    d = decide(
        process_type=process_type,
        categories=[C.CONTENT],
        period=Period(start=NOW.date(), end=NOW.date() + dt.timedelta(days=60)),
    )
    assert d.disposition is Disposition.MANUAL
    assert d.legal_review_required is True
    assert d.human_review_required is True
    assert d.allowed_categories == []
    assert flag in d.flags
    assert Flag.FUTURE_RANGE not in d.flags
    assert d.reasons[0].authority == authority
    assert d.customer_notice_allowed is False
    assert reason(d, "notice_barred").authority == notice_authority
    assert d.terminal_outcome is None


def test_preservation_2703f_discloses_nothing() -> None:
    d = decide(process_type=P.PRESERVATION_REQUEST, categories=[C.TOLL_RECORDS, C.CONTENT])
    assert d.disposition is Disposition.PRESERVE
    assert d.allowed_categories == []
    assert d.preserved_categories == [C.TOLL_RECORDS, C.CONTENT]
    assert d.reasons[0].authority == "18 U.S.C. §2703(f)"
    assert d.customer_notice_allowed is False
    assert d.terminal_outcome is None
    assert d.human_review_required is True  # not in the default auto-approval class


def test_nsl_2709_legal_review_and_no_notice() -> None:
    d = decide(
        process_type=P.NATIONAL_SECURITY_LETTER, categories=[C.SUBSCRIBER_INFO, C.TOLL_RECORDS]
    )
    assert d.allowed_categories == [C.SUBSCRIBER_INFO, C.TOLL_RECORDS]
    assert Flag.NATIONAL_SECURITY in d.flags
    assert d.legal_review_required is True
    assert d.human_review_required is True
    assert d.customer_notice_allowed is False
    assert reason(d, "notice_barred").authority == "18 U.S.C. §2709(c)"


@pytest.mark.parametrize(
    ("callback", "flagged"),
    [
        pytest.param(None, True, id="callback-missing"),
        pytest.param("sgt.k", False, id="callback-recorded"),
    ],
)
def test_emergency_2702_two_approvers_callback_no_notice(
    callback: str | None, flagged: bool
) -> None:
    d = decide(
        process_type=P.EMERGENCY_REQUEST,
        categories=[C.SUBSCRIBER_INFO, C.CONTENT, C.LOCATION],
        emergency=Emergency(nature_of_danger="hostage situation", callback_verified_by=callback),
    )
    assert d.disposition is Disposition.PROCEED
    assert d.allowed_categories == [C.SUBSCRIBER_INFO, C.CONTENT, C.LOCATION]
    assert d.approvals_required == 2
    assert d.human_review_required is True
    assert d.customer_notice_allowed is False
    assert Flag.EMERGENCY in d.flags
    assert (Flag.CALLBACK_UNVERIFIED in d.flags) is flagged
    assert reason(d, "emergency_content").authority == "18 U.S.C. §2702(b)(8)"
    assert reason(d, "follow_up_process").authority == "18 U.S.C. §2702(c)(4)"
    assert (
        reason(d, "four_eyes_emergency").message
        == "emergency disclosure needs two different approvers"
    )


def test_emergency_without_facts_asks_for_them() -> None:
    d = decide(process_type=P.EMERGENCY_REQUEST, emergency=None)
    assert reason(d, "emergency_facts_missing").authority == "18 U.S.C. §2702(c)(4)"
    assert Flag.CALLBACK_UNVERIFIED in d.flags


@pytest.mark.parametrize(
    "process_type",
    [
        pytest.param(P.SEARCH_WARRANT, id="warrant"),
        pytest.param(P.PEN_REGISTER_ORDER, id="pen-register"),
    ],
)
def test_private_party_cannot_use_government_process(process_type: ProcessType) -> None:
    d = decide(process_type=process_type, issuer_kind=PRIVATE)
    assert d.disposition is Disposition.REJECT
    assert d.terminal_outcome is Outcome.REJECTED
    assert d.reasons[0].authority == "18 U.S.C. §2711(4)"


def test_determination_survives_the_wire() -> None:
    d = decide(
        process_type=P.SEARCH_WARRANT,
        categories=ALL,
        period=Period(start=days_ago(400), end=days_ago(0)),
    )
    assert msgspec.json.decode(msgspec.json.encode(d), type=Determination) == d
