"""Writ policy: no refusal is final without a person (issue 11; docs/legal-rules.md).
A row per whole refusal the engine can reach (services/decisions/refusal.py), the pure
redirects the policy lets the machine make, and the rules a confirmation or an override
must pass (services/decisions/approval.py)."""

from __future__ import annotations

import pytest

from contracts.determination import Disposition, Flag, TargetFact, TargetFacts
from contracts.enums import (
    Awaiting,
    DataCategory,
    DecisionAction,
    IssuerKind,
    Outcome,
    ProcessType,
    Status,
)
from contracts.legal_process import Period
from contracts.workflow import ReviewDecision
from services.decisions import approval as approvals
from services.decisions.disposition import Finish, Next, after_assessment, refusal_confirmed
from services.decisions.policy import Policy
from services.decisions.refusal import override
from tests.factories import NOW, NUMBER, OTHER_NUMBER, days_ago, decide, make_process

C, P = DataCategory, ProcessType


@pytest.mark.parametrize(
    ("overrides", "citation", "needs_legal"),
    [
        pytest.param(
            {"categories": [C.CONTENT]},
            "18 U.S.C. §2703(a), (b)(1)(A)",
            False,
            id="subpoena-only-content:§2703(a)",
        ),
        pytest.param(
            {"process_type": P.COURT_ORDER_2703D, "categories": [C.LOCATION]},
            "Carpenter v. United States, 585 U.S. 296 (2018)",
            True,
            id="location-on-2703d:Carpenter",
        ),
        pytest.param(
            {
                "process_type": P.SEARCH_WARRANT,
                "issued_on": days_ago(30),
                "received_at": NOW,
            },
            "Fed. R. Crim. P. 41(e)(2)(A)(i)",
            True,
            id="stale-federal-warrant:Rule-41",
        ),
        pytest.param(
            {"period": Period(start=days_ago(1), end=days_ago(30))},
            "Writ policy: date-range sanity (docs/legal-rules.md)",
            False,
            id="inverted-range:policy",
        ),
        pytest.param(
            {"issuer_kind": IssuerKind.PRIVATE_PARTY, "process_type": P.SEARCH_WARRANT},
            "18 U.S.C. §2711(4)",
            False,
            id="private-party-warrant:§2711(4)",
        ),
    ],
)
def test_every_whole_refusal_is_drafted_for_a_person(overrides, citation, needs_legal) -> None:
    d = decide(**overrides)
    assert d.disposition is Disposition.REJECT and d.terminal_outcome is Outcome.REJECTED
    assert d.refusal_confirmation_required and not d.redirected_by_rule
    assert citation in d.refusal.citations
    assert d.refusal.needs_legal is needs_legal
    assert "req-1" in d.refusal.response and d.refusal.reasons[0] in d.reasons
    assert "refusal_drafted" in {r.code for r in d.reasons}
    # The workflow waits instead of ending it; one started before issue 11 still ends it.
    assert after_assessment(d, confirm_refusals=True) is Next.CONFIRM_REFUSAL
    assert isinstance(after_assessment(d), Finish)


def test_no_data_for_every_target_is_drafted_too() -> None:
    facts = TargetFacts(targets={NUMBER.value: TargetFact(held_in_period=False)})
    d = decide(facts=facts)
    assert d.terminal_outcome is Outcome.NO_DATA and d.refusal_confirmation_required
    assert "holds no records" in d.refusal.response


@pytest.mark.parametrize(
    ("overrides", "facts", "redirect"),
    [
        pytest.param(
            {"issuer_kind": IssuerKind.FOREIGN, "jurisdiction": "BR"},
            None,
            "MLAT",
            id="foreign-process:MLAT-§3512",
        ),
        pytest.param(
            {"issuer_kind": IssuerKind.STATE, "jurisdiction": "US-CA"},
            None,
            None,
            id="out-of-state-criminal-accepted-not-a-redirect",
        ),
        pytest.param(
            {},
            TargetFacts(targets={NUMBER.value: TargetFact(resold=True, reseller_customer="Acme")}),
            "Acme",
            id="reseller-number:§2703(c)(1)",
        ),
    ],
)
def test_pure_redirects_end_by_rule_and_are_flagged(overrides, facts, redirect) -> None:
    d = decide(facts=facts, **overrides)
    if redirect is None:
        assert d.disposition is Disposition.PROCEED and not d.redirected_by_rule
        return
    assert d.disposition is Disposition.REDIRECT and redirect in d.redirect_to
    assert d.redirected_by_rule and Flag.REDIRECTED_BY_RULE in d.flags
    assert not d.refusal_confirmation_required
    assert isinstance(after_assessment(d, confirm_refusals=True), Finish)
    strict = decide(policy=Policy(automatic_redirects=False), facts=facts, **overrides)
    assert strict.refusal_confirmation_required and not strict.redirected_by_rule
    assert redirect in strict.refusal.response


def test_civil_domestication_is_a_redirect_by_rule() -> None:
    d = decide(
        process_type=P.CIVIL_SUBPOENA, issuer_kind=IssuerKind.PRIVATE_PARTY, jurisdiction="US-CA"
    )
    assert d.redirected_by_rule and d.redirect_to == "domestication in US-NC"


# -- confirming and overriding ---------------------------------------------------------------


def refusal_decision(action: DecisionAction, reviewer: str = "alice", *roles: str, **kw):
    return ReviewDecision(
        action=action, reviewer=reviewer, reviewer_roles=list(roles or ["reviewer"]), **kw
    )


def problem(decision, determination, awaiting=Awaiting.REFUSAL, process=None):
    return approvals.decision_refusal(
        decision,
        status=Status.IN_REVIEW,
        awaiting=awaiting,
        determination=determination,
        approval=approvals.Approval(),
        legal_required=determination.legal_review_required,
        process=process,
    )


CONTENT_ONLY = make_process(
    categories=[C.CONTENT, C.DETAIL_RECORDS], targets=[NUMBER, OTHER_NUMBER]
)
WARRANT_STALE = make_process(process_type=P.SEARCH_WARRANT, issued_on=days_ago(30), received_at=NOW)


@pytest.mark.parametrize(
    ("process", "decision", "awaiting", "refused_with"),
    [
        pytest.param(
            CONTENT_ONLY,
            refusal_decision(DecisionAction.CONFIRM_REFUSAL),
            Awaiting.REFUSAL,
            None,
            id="a reviewer confirms a subpoena's refusal",
        ),
        pytest.param(
            CONTENT_ONLY,
            refusal_decision(DecisionAction.APPROVE),
            Awaiting.REFUSAL,
            "confirm it",
            id="nothing is approved while a drafted refusal waits",
        ),
        pytest.param(
            CONTENT_ONLY,
            refusal_decision(DecisionAction.ESCALATE_TO_LEGAL, note="court order?"),
            Awaiting.REFUSAL,
            None,
            id="it may go to legal",
        ),
        pytest.param(
            WARRANT_STALE,
            refusal_decision(DecisionAction.CONFIRM_REFUSAL),
            Awaiting.REFUSAL,
            "legal",
            id="a court order's refusal is confirmed by legal",
        ),
        pytest.param(
            WARRANT_STALE,
            refusal_decision(DecisionAction.CONFIRM_REFUSAL, "carol", "legal"),
            Awaiting.REFUSAL,
            None,
            id="legal confirms it",
        ),
        pytest.param(
            CONTENT_ONLY,
            refusal_decision(DecisionAction.OVERRIDE_REFUSAL, categories=[C.DETAIL_RECORDS]),
            Awaiting.REFUSAL,
            "note",
            id="an override says why",
        ),
        pytest.param(
            CONTENT_ONLY,
            refusal_decision(DecisionAction.OVERRIDE_REFUSAL, note="see p. 2"),
            Awaiting.REFUSAL,
            "categories",
            id="an override names the categories",
        ),
        pytest.param(
            CONTENT_ONLY,
            refusal_decision(
                DecisionAction.OVERRIDE_REFUSAL, categories=[C.LOCATION], note="see p. 2"
            ),
            Awaiting.REFUSAL,
            "did not ask for",
            id="an override cannot add categories",
        ),
        pytest.param(
            CONTENT_ONLY,
            refusal_decision(
                DecisionAction.OVERRIDE_REFUSAL,
                categories=[C.DETAIL_RECORDS],
                targets=["+19995550000"],
                note="see p. 2",
            ),
            Awaiting.REFUSAL,
            "targets",
            id="an override cannot add targets",
        ),
        pytest.param(
            CONTENT_ONLY,
            refusal_decision(DecisionAction.CONFIRM_REFUSAL),
            Awaiting.REVIEW,
            "no drafted refusal",
            id="there is nothing to confirm in ordinary review",
        ),
    ],
)
def test_what_a_confirmation_or_override_must_pass(process, decision, awaiting, refused_with):
    from services.decisions.determine import determine

    determination = determine(process, Policy(), NOW)
    found = problem(decision, determination, awaiting, process)
    if refused_with is None:
        assert found is None
    else:
        assert found is not None and refused_with in found


def test_an_override_puts_the_reviewers_scope_back_in_review_for_legal_and_four_eyes() -> None:
    from services.decisions.determine import determine

    d = determine(CONTENT_ONLY, Policy(), NOW)
    decision = refusal_decision(
        DecisionAction.OVERRIDE_REFUSAL,
        categories=[C.DETAIL_RECORDS],
        targets=[NUMBER.value],
        note="a §2703(d) order is attached",
    )
    o = override(d, CONTENT_ONLY, decision)
    assert o.disposition is Disposition.PROCEED and o.terminal_outcome is None
    assert o.allowed_categories == [C.DETAIL_RECORDS] and o.denied_categories == [C.CONTENT]
    assert [t.target for t in o.targets if t.allowed] == [NUMBER]
    assert o.legal_review_required and o.approvals_required == 2 and o.human_review_required
    assert Flag.REFUSAL_OVERRIDDEN in o.flags and o.refusal.overridden_by == "alice"
    assert "a §2703(d) order is attached" in o.reasons[-1].message
    assert after_assessment(o, confirm_refusals=True) is Next.REVIEW


def test_a_confirmation_ends_the_request_as_the_machine_drafted() -> None:
    from services.decisions.determine import determine

    d = determine(CONTENT_ONLY, Policy(), NOW)
    finish = refusal_confirmed(d, refusal_decision(DecisionAction.CONFIRM_REFUSAL, note="ok"))
    assert (finish.status, finish.outcome, finish.actor) == (
        Status.REJECTED,
        Outcome.REJECTED,
        "alice",
    )
    assert finish.detail == "refusal confirmed by alice: ok"
