"""docs/legal-rules.md rows and policy branches: ranges, warrants, jurisdiction, notice,
costs."""

from __future__ import annotations

import datetime as dt

import pytest

from contracts.determination import Disposition, Flag
from contracts.enums import DataCategory as C
from contracts.enums import IssuerKind, Outcome, ProcessType
from contracts.legal_process import Emergency, Identifier, NdoTerm, Period, Requester
from services.decisions.determine import determine
from services.decisions.policy import (
    AutoApprovalClass,
    Policy,
    StateProcessHandling,
    StateProcessRule,
)
from tests.decisions.support import BSI, codes, reason
from tests.factories import NOW, NUMBER, TODAY, VERIFIED, days_ago, decide, make_process

P = ProcessType
AUTO = "auto_approved"


# -- the auto-approval class -------------------------------------------------------------


def test_verified_in_jurisdiction_bsi_subpoena_is_auto_approved() -> None:
    d = decide(categories=BSI)
    assert d.disposition is Disposition.PROCEED
    assert d.human_review_required is False
    assert d.flags == []
    assert d.approvals_required == 1
    assert reason(d, AUTO).authority == "Writ policy: auto-approval class (docs/legal-rules.md)"
    assert d.customer_notice_allowed is True


@pytest.mark.parametrize(
    "overrides",
    [
        pytest.param(
            {"jurisdiction": "US-NC", "issuer_kind": IssuerKind.STATE}, id="domicile-state-subpoena"
        ),
        pytest.param(
            {"jurisdiction": "US-NC", "issuer_kind": IssuerKind.LOCAL}, id="domicile-local-subpoena"
        ),
        pytest.param({"process_type": P.GRAND_JURY_SUBPOENA}, id="grand-jury-subpoena"),
        pytest.param({"process_type": P.ADMINISTRATIVE_SUBPOENA}, id="administrative-subpoena"),
        pytest.param(
            {
                "non_disclosure_order": NdoTerm(
                    authority="E.D.N.C.", ends_on=TODAY + dt.timedelta(days=90)
                )
            },
            id="ndo-does-not-change-disclosure",
        ),
    ],
)
def test_auto_approval_class_members(overrides: dict) -> None:
    assert decide(**overrides).human_review_required is False


@pytest.mark.parametrize(
    ("overrides", "policy"),
    [
        pytest.param(
            {"jurisdiction": "US-SC", "issuer_kind": IssuerKind.STATE},
            None,
            id="out-of-state-accepted",
        ),
        pytest.param(
            {"categories": [C.SUBSCRIBER_INFO, C.DETAIL_RECORDS]},
            None,
            id="asked-beyond-bsi-narrowed",
        ),
        pytest.param({"process_type": P.COURT_ORDER_2703D}, None, id="2703(d)-not-in-class"),
        pytest.param({"issuer_kind": IssuerKind.TRIBAL}, None, id="tribal-issuer-not-in-class"),
        pytest.param(
            {
                "targets": [
                    Identifier(kind=NUMBER.kind, value=f"+1919555{n:04d}") for n in range(11)
                ]
            },
            None,
            id="more-targets-than-class-allows",
        ),
        pytest.param({"duplicate_of": "req-0"}, None, id="duplicate"),
        pytest.param({}, Policy(auto_approval=()), id="policy-with-no-class"),
        pytest.param(
            {"period": Period(start=days_ago(400), end=days_ago(1))}, None, id="overbroad"
        ),
        pytest.param(
            {
                "requester": Requester(
                    agency_id="x", agency_registered=True, email_domain_verified=True
                )
            },
            None,
            id="officer-unknown",
        ),
    ],
)
def test_everything_else_waits_for_a_person(overrides: dict, policy: Policy | None) -> None:
    d = decide(policy=policy, **overrides)
    assert d.human_review_required is True
    assert AUTO not in codes(d)


def test_policy_can_widen_the_class_but_never_past_four_eyes() -> None:
    policy = Policy(
        auto_approval=(
            AutoApprovalClass(
                process_types=frozenset({P.COURT_ORDER_2703D, P.SEARCH_WARRANT}),
                categories=frozenset(C),
            ),
        )
    )
    assert (
        decide(
            policy=policy, process_type=P.COURT_ORDER_2703D, categories=[C.DETAIL_RECORDS]
        ).human_review_required
        is False
    )
    content = decide(policy=policy, process_type=P.SEARCH_WARRANT, categories=[C.CONTENT])
    assert content.approvals_required == 2
    assert content.human_review_required is True


# -- requester and duplicates -----------------------------------------------------------


def test_unverified_requester_is_flagged_and_never_auto_approved() -> None:
    requester = Requester(
        agency_id="unknown-pd",
        agency_registered=False,
        email_domain_verified=True,
        officer_known=True,
    )
    d = decide(requester=requester)
    assert Flag.UNVERIFIED_REQUESTER in d.flags
    assert d.human_review_required is True
    r = reason(d, "unverified_requester")
    assert "agency not in the registry" in r.message
    assert r.authority == "Writ policy: requester verification (docs/legal-rules.md)"


def test_duplicate_is_linked() -> None:
    d = decide(duplicate_of="req-0")
    assert Flag.DUPLICATE in d.flags
    assert "req-0" in reason(d, "duplicate").message


# -- date ranges ------------------------------------------------------------------------


def test_inverted_range_is_rejected() -> None:
    d = decide(period=Period(start=days_ago(1), end=days_ago(30)))
    assert d.disposition is Disposition.REJECT
    assert d.terminal_outcome is Outcome.REJECTED
    assert d.flags == [Flag.INVERTED_RANGE]
    expected = "Writ policy: date-range sanity (docs/legal-rules.md)"
    assert reason(d, "inverted_range").authority == expected
    assert [t.reason.code for t in d.targets] == ["inverted_range"]


def test_future_end_is_clamped_to_today() -> None:
    d = decide(period=Period(start=days_ago(10), end=TODAY + dt.timedelta(days=30)))
    assert d.period == Period(start=days_ago(10), end=TODAY)
    assert Flag.FUTURE_RANGE in d.flags
    assert d.disposition is Disposition.PROCEED
    assert d.human_review_required is True
    assert "clamped" in reason(d, "future_range_clamped").message


def test_range_wholly_in_the_future_is_prospective_and_refused() -> None:
    d = decide(period=Period(start=TODAY + dt.timedelta(days=1), end=TODAY + dt.timedelta(days=30)))
    assert d.disposition is Disposition.REJECT
    assert d.terminal_outcome is Outcome.REJECTED
    assert {Flag.FUTURE_RANGE, Flag.PROSPECTIVE} <= set(d.flags)
    assert "§3123" in reason(d, "prospective_range").authority


def test_prospective_emergency_goes_to_legal_under_3125() -> None:
    d = decide(
        process_type=P.EMERGENCY_REQUEST,
        categories=[C.LOCATION],
        emergency=Emergency(nature_of_danger="missing child", callback_verified_by="sgt.k"),
        period=Period(start=TODAY + dt.timedelta(days=1), end=TODAY + dt.timedelta(days=2)),
    )
    assert d.disposition is Disposition.MANUAL
    assert d.legal_review_required is True
    assert d.approvals_required == 2
    assert reason(d, "prospective_emergency").authority == "18 U.S.C. §3125"


@pytest.mark.parametrize(
    ("days", "limit", "overbroad"),
    [
        pytest.param(366, 366, False, id="at-default-limit"),
        pytest.param(367, 366, True, id="over-default-limit"),
        pytest.param(31, 30, True, id="over-policy-limit"),
    ],
)
def test_overbroad_range(days: int, limit: int, overbroad: bool) -> None:
    d = decide(
        policy=Policy(overbreadth_limit_days=limit),
        period=Period(start=days_ago(days), end=days_ago(1)),
    )
    assert (Flag.OVERBROAD_RANGE in d.flags) is overbroad
    assert d.human_review_required is overbroad
    if overbroad:
        assert reason(d, "overbroad_range").authority.startswith("Writ policy: overbreadth limit")


def test_overbreadth_is_judged_after_clamping() -> None:
    d = decide(period=Period(start=days_ago(300), end=TODAY + dt.timedelta(days=300)))
    assert d.period == Period(start=days_ago(300), end=TODAY)
    assert Flag.OVERBROAD_RANGE not in d.flags


@pytest.mark.parametrize(
    ("categories", "flagged"),
    [
        pytest.param([C.SUBSCRIBER_INFO], False, id="current-subscriber-needs-no-range"),
        pytest.param([C.SUBSCRIBER_INFO, C.TOLL_RECORDS], True, id="records-need-a-range"),
    ],
)
def test_missing_range(categories: list[C], flagged: bool) -> None:
    d = decide(categories=categories, period=None)
    assert (Flag.MISSING_RANGE in d.flags) is flagged
    assert d.human_review_required is flagged


# -- warrants: Fed. R. Crim. P. 41(e)(2)(A) ------------------------------------------------


@pytest.mark.parametrize(
    ("issued_days_before_service", "stale"),
    [pytest.param(14, False, id="served-on-day-14"), pytest.param(15, True, id="served-on-day-15")],
)
def test_federal_warrant_execution_window(issued_days_before_service: int, stale: bool) -> None:
    received = NOW - dt.timedelta(days=2)
    d = decide(
        process_type=P.SEARCH_WARRANT,
        categories=[C.CONTENT],
        received_at=received,
        issued_on=received.date() - dt.timedelta(days=issued_days_before_service),
    )
    assert (Flag.WARRANT_STALE in d.flags) is stale
    if stale:
        assert d.disposition is Disposition.REJECT
        assert d.terminal_outcome is Outcome.REJECTED
        assert reason(d, "warrant_expired").authority == "Fed. R. Crim. P. 41(e)(2)(A)(i)"
    else:
        assert d.disposition is Disposition.PROCEED


def test_warrant_served_in_time_stays_good_while_we_produce() -> None:
    d = decide(
        process_type=P.SEARCH_WARRANT,
        issued_on=days_ago(60),
        received_at=NOW - dt.timedelta(days=55),
        period=Period(start=days_ago(120), end=days_ago(61)),
    )
    assert Flag.WARRANT_STALE not in d.flags
    assert d.disposition is Disposition.PROCEED


def test_stale_state_warrant_goes_to_legal() -> None:
    d = decide(
        process_type=P.SEARCH_WARRANT,
        issuer_kind=IssuerKind.STATE,
        jurisdiction="US-NC",
        issued_on=days_ago(30),
        received_at=NOW,
    )
    assert Flag.WARRANT_STALE in d.flags
    assert d.disposition is Disposition.PROCEED
    assert d.legal_review_required is True
    assert reason(d, "warrant_window_state").authority == "Fed. R. Crim. P. 41(e)(2)(A)(i)"


# -- foreign process ---------------------------------------------------------------------


def foreign(country: str, **overrides) -> dict:
    return {"issuer_kind": IssuerKind.FOREIGN, "jurisdiction": country, **overrides}


def test_foreign_request_is_redirected_to_mlat() -> None:
    d = decide(**foreign("BR", process_type=P.FOREIGN_REQUEST))
    assert d.disposition is Disposition.REDIRECT
    assert d.terminal_outcome is Outcome.REDIRECTED
    assert Flag.FOREIGN in d.flags
    assert "MLAT" in d.redirect_to
    assert d.reasons[0].authority == "18 U.S.C. §3512; mutual legal assistance treaty (MLAT)"
    assert d.customer_notice_allowed is False
    assert [(t.allowed, t.redirect_to) for t in d.targets] == [(False, d.redirect_to)]


def test_foreign_process_by_any_name_is_foreign() -> None:
    d = decide(process_type=P.SEARCH_WARRANT, issuer_kind=IssuerKind.STATE, jurisdiction="MX")
    assert d.disposition is Disposition.REDIRECT
    assert d.terminal_outcome is Outcome.REDIRECTED


@pytest.mark.parametrize(
    "country", [pytest.param("GB", id="cloud-act-uk"), pytest.param("AU", id="cloud-act-australia")]
)
def test_cloud_act_agreement_country_goes_to_legal(country: str) -> None:
    d = decide(
        **foreign(
            country, process_type=P.FOREIGN_REQUEST, categories=[C.SUBSCRIBER_INFO, C.CONTENT]
        )
    )
    assert d.disposition is Disposition.PROCEED
    assert d.terminal_outcome is None
    assert d.legal_review_required is True
    assert {Flag.FOREIGN, Flag.CLOUD_ACT} <= set(d.flags)
    assert d.allowed_categories == [C.SUBSCRIBER_INFO, C.CONTENT]
    assert d.approvals_required == 2
    assert d.reasons[0].authority == "18 U.S.C. §2523; §2702(b)(9), (c)(7)"


def test_cloud_act_countries_come_from_policy() -> None:
    d = decide(
        policy=Policy(cloud_act_countries=frozenset()),
        **foreign("GB", process_type=P.FOREIGN_REQUEST),
    )
    assert d.disposition is Disposition.REDIRECT
    assert d.terminal_outcome is Outcome.REDIRECTED


def test_foreign_emergency_goes_to_legal() -> None:
    d = decide(
        **foreign("BR", process_type=P.EMERGENCY_REQUEST),
        emergency=Emergency(nature_of_danger="kidnapping"),
    )
    assert d.disposition is Disposition.MANUAL
    assert d.legal_review_required is True
    assert {Flag.FOREIGN, Flag.EMERGENCY} <= set(d.flags)
    assert d.reasons[0].authority == "18 U.S.C. §2702(c)(6), §2711(4)"


def test_foreign_private_litigant_is_sent_to_1782() -> None:
    d = decide(
        process_type=P.CIVIL_SUBPOENA, issuer_kind=IssuerKind.PRIVATE_PARTY, jurisdiction="FR"
    )
    assert d.disposition is Disposition.REDIRECT
    assert d.terminal_outcome is Outcome.REDIRECTED
    assert d.reasons[0].authority == "28 U.S.C. §1782; Hague Evidence Convention"


# -- process from another state (UIDDA) --------------------------------------------------


def test_criminal_process_from_another_state_is_accepted_by_default() -> None:
    d = decide(issuer_kind=IssuerKind.STATE, jurisdiction="US-SC")
    assert d.disposition is Disposition.PROCEED
    assert Flag.OUT_OF_STATE in d.flags
    assert reason(d, "out_of_state_accepted").authority == "Writ policy: out-of-state process table"
    assert d.human_review_required is True


def test_state_table_can_require_domestication_of_criminal_process() -> None:
    policy = Policy(
        state_process={"US-SC": StateProcessRule(criminal=StateProcessHandling.DOMESTICATE)}
    )
    d = decide(
        policy=policy,
        issuer_kind=IssuerKind.STATE,
        jurisdiction="US-SC",
        process_type=P.SEARCH_WARRANT,
    )
    assert d.disposition is Disposition.REDIRECT
    assert d.terminal_outcome is Outcome.REDIRECTED
    assert d.redirect_to == "domestication in US-NC"
    assert reason(d, "domestication_required").authority == (
        "Uniform Act to Secure the Attendance of Witnesses from Without a State"
        " in Criminal Proceedings, as enacted in US-NC"
    )
    # other states keep the default
    assert (
        decide(policy=policy, issuer_kind=IssuerKind.STATE, jurisdiction="US-VA").disposition
        is Disposition.PROCEED
    )


def test_civil_subpoena_from_another_state_needs_uidda_domestication() -> None:
    d = decide(
        process_type=P.CIVIL_SUBPOENA, issuer_kind=IssuerKind.PRIVATE_PARTY, jurisdiction="US-CA"
    )
    assert d.disposition is Disposition.REDIRECT
    assert d.terminal_outcome is Outcome.REDIRECTED
    assert {Flag.OUT_OF_STATE, Flag.CIVIL} <= set(d.flags)
    assert reason(d, "domestication_required").authority == (
        "Uniform Interstate Depositions and Discovery Act (UIDDA), as enacted in US-NC"
    )


def test_state_table_can_accept_civil_process() -> None:
    policy = Policy(state_process={"US-CA": StateProcessRule(civil=StateProcessHandling.ACCEPT)})
    d = decide(
        policy=policy,
        process_type=P.CIVIL_SUBPOENA,
        issuer_kind=IssuerKind.PRIVATE_PARTY,
        jurisdiction="US-CA",
    )
    assert d.disposition is Disposition.PROCEED
    assert Flag.OUT_OF_STATE in d.flags


@pytest.mark.parametrize(
    "overrides",
    [
        pytest.param(
            {"issuer_kind": IssuerKind.FEDERAL, "jurisdiction": "US-SC"},
            id="federal-court-sitting-elsewhere",
        ),
        pytest.param(
            {
                "issuer_kind": IssuerKind.STATE,
                "jurisdiction": "US-SC",
                "process_type": P.EMERGENCY_REQUEST,
                "emergency": Emergency(nature_of_danger="threat", callback_verified_by="x"),
            },
            id="emergency-is-voluntary-anywhere",
        ),
        pytest.param(
            {
                "issuer_kind": IssuerKind.STATE,
                "jurisdiction": "US-SC",
                "process_type": P.PRESERVATION_REQUEST,
            },
            id="preservation-is-a-request",
        ),
    ],
)
def test_not_out_of_state_process(overrides: dict) -> None:
    policy = Policy(
        out_of_state_default=StateProcessRule(criminal=StateProcessHandling.DOMESTICATE)
    )
    d = decide(policy=policy, **overrides)
    assert Flag.OUT_OF_STATE not in d.flags
    assert d.disposition is not Disposition.REDIRECT


# -- customer notice and §2705(b) -------------------------------------------------------


def test_ndo_in_force_bars_notice_until_it_ends() -> None:
    ends = TODAY + dt.timedelta(days=180)
    d = decide(non_disclosure_order=NdoTerm(authority="E.D.N.C.", ends_on=ends))
    assert d.customer_notice_allowed is False
    assert Flag.NDO in d.flags
    assert d.notice_barred_until == ends
    r = reason(d, "ndo")
    assert r.authority == "18 U.S.C. §2705(b)"
    assert str(ends) in r.message


def test_indefinite_ndo() -> None:
    d = decide(non_disclosure_order=NdoTerm(authority="E.D.N.C."))
    assert d.customer_notice_allowed is False
    assert d.notice_barred_until is None
    assert "no end date" in reason(d, "ndo").message


def test_ended_ndo_no_longer_bars_notice() -> None:
    d = decide(non_disclosure_order=NdoTerm(authority="E.D.N.C.", ends_on=days_ago(1)))
    assert d.customer_notice_allowed is True
    assert Flag.NDO not in d.flags
    assert reason(d, "ndo_ended").authority == "18 U.S.C. §2705(b)"


def test_policy_may_withhold_notice_by_default() -> None:
    assert decide(policy=Policy(customer_notice_by_default=False)).customer_notice_allowed is False


def test_notice_barred_by_the_process_itself_is_not_merely_delayed() -> None:
    """An NDO's end date must not schedule notice where the process bars it anyway (§2709(c))."""
    ends = TODAY + dt.timedelta(days=30)
    d = decide(
        process_type=ProcessType.NATIONAL_SECURITY_LETTER,
        issuer_kind=IssuerKind.FEDERAL,
        jurisdiction="US",
        non_disclosure_order=NdoTerm(authority="FBI", ends_on=ends),
    )
    assert d.customer_notice_allowed is False
    assert d.notice_barred_until is None


def civil(**overrides) -> dict:
    return {
        "process_type": P.CIVIL_SUBPOENA,
        "issuer_kind": IssuerKind.PRIVATE_PARTY,
        "jurisdiction": "US-NC",
        **overrides,
    }


@pytest.mark.parametrize(
    ("policy", "window"),
    [
        pytest.param(Policy(), 14, id="default-window"),
        pytest.param(Policy(civil_objection_window_days=21), 21, id="policy-window"),
    ],
)
def test_civil_subpoena_notice_first_then_objection_window(policy: Policy, window: int) -> None:
    d = decide(policy=policy, **civil(categories=[C.SUBSCRIBER_INFO, C.CONTENT]))
    assert d.allowed_categories == [C.SUBSCRIBER_INFO]
    assert d.customer_notice_allowed is True
    assert d.objection_window_days == window
    assert Flag.CIVIL in d.flags
    assert d.human_review_required is True
    assert reason(d, "civil_notice").authority.startswith("Fed. R. Civ. P. 45(d)(3)")


def test_civil_subpoena_with_an_order_barring_notice_goes_to_legal() -> None:
    d = decide(**civil(non_disclosure_order=NdoTerm(authority="Del. Super. Ct.")))
    assert d.customer_notice_allowed is False
    assert d.objection_window_days == 0
    assert d.legal_review_required is True


# -- §2706 reimbursement --------------------------------------------------------------------


def test_reimbursement_for_costed_categories() -> None:
    d = decide(
        process_type=P.SEARCH_WARRANT,
        categories=[C.TOLL_RECORDS, C.CONTENT],
        reimbursement_requested=True,
    )
    assert Flag.REIMBURSEMENT in d.flags
    assert d.reimbursable_categories == [C.CONTENT]
    assert reason(d, "reimbursement").authority == "18 U.S.C. §2706(a)"
    exemption = reason(d, "reimbursement_exemption")
    assert exemption.authority == "18 U.S.C. §2706(c)"
    assert "unusually voluminous" in exemption.message


def test_toll_records_and_listings_are_exempt() -> None:
    d = decide(categories=[C.SUBSCRIBER_INFO, C.TOLL_RECORDS], reimbursement_requested=True)
    assert Flag.REIMBURSEMENT not in d.flags
    assert d.reimbursable_categories == []
    assert reason(d, "reimbursement_exemption").authority == "18 U.S.C. §2706(c)"


def test_possibly_voluminous_toll_records_are_flagged_for_a_court() -> None:
    targets = [Identifier(kind=NUMBER.kind, value=f"+1919555{n:04d}") for n in range(20)]
    d = decide(
        categories=[C.TOLL_RECORDS],
        targets=targets,
        period=Period(start=days_ago(200), end=days_ago(1)),
        policy=Policy(seek_reimbursement=True),
    )
    assert Flag.REIMBURSEMENT in d.flags
    assert d.reimbursable_categories == []
    assert "4000 target-days" in reason(d, "reimbursement_exemption").message


def test_no_reimbursement_from_private_parties() -> None:
    d = decide(**civil(categories=[C.DETAIL_RECORDS]), policy=Policy(seek_reimbursement=True))
    assert Flag.REIMBURSEMENT not in d.flags


def test_reimbursement_only_when_sought() -> None:
    d = decide(process_type=P.SEARCH_WARRANT, categories=[C.CONTENT])
    assert Flag.REIMBURSEMENT not in d.flags
    assert "reimbursement" not in codes(d)


# -- purity ----------------------------------------------------------------------------------


def test_same_input_same_determination() -> None:
    process = make_process(
        categories=[C.CONTENT, C.SUBSCRIBER_INFO, C.CONTENT], targets=[NUMBER, NUMBER]
    )
    first = determine(process, Policy(), NOW)
    assert first == determine(process, Policy(), NOW)
    assert first.denied_categories == [C.CONTENT]  # repeats collapse
    assert len(first.targets) == 1
    assert process.requester == VERIFIED  # input untouched


def test_the_last_representable_dates_are_decided_not_raised() -> None:
    """Issue 13 defect 2: every decision step is total over valid dates, even 9999-12-31."""
    last = dt.date.max
    d = decide(
        period=Period(start=days_ago(30), end=last),
        return_date=last,
        non_disclosure_order=NdoTerm(authority="E.D.N.C.", ends_on=last),
    )
    assert d.notice_barred_until == last
    assert str(last) in reason(d, "ndo").message
    assert Flag.FUTURE_RANGE in d.flags
