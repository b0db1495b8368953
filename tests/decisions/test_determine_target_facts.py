"""Per-target decisions (docs/legal-rules.md: resold numbers, the EU side)."""

from __future__ import annotations

import pytest

from contracts.determination import Disposition, Flag, LegalEntity, TargetFact, TargetFacts
from contracts.enums import DataCategory as C
from contracts.enums import IdentifierKind, IssuerKind, Outcome, ProcessType
from contracts.legal_process import Emergency
from services.decisions.identifiers import normalise_identifier
from tests.decisions.support import reason
from tests.factories import NUMBER, OTHER_NUMBER, decide

NOT_HELD = TargetFact(held_in_period=False)
RESOLD = TargetFact(resold=True, reseller_customer="Acme Wholesale Voice LLC")
EU_HELD = TargetFact(entity=LegalEntity.EU)
OURS = TargetFact()


def facts(**by_value: TargetFact) -> TargetFacts:
    return TargetFacts(
        targets={NUMBER.value: by_value["first"], OTHER_NUMBER.value: by_value["second"]}
    )


@pytest.mark.parametrize(
    ("fact", "code", "flag", "redirect_to", "authority"),
    [
        pytest.param(
            NOT_HELD,
            "not_held",
            Flag.NOT_HELD,
            None,
            "18 U.S.C. §2703(c)(1)",
            id="not-held-in-period",
        ),
        pytest.param(
            RESOLD,
            "reseller",
            Flag.RESELLER,
            "Acme Wholesale Voice LLC",
            "18 U.S.C. §2703(c)(1)",
            id="reseller-number",
        ),
        pytest.param(
            EU_HELD,
            "eu_data",
            Flag.EU_DATA,
            "MLAT with the EU Member State of the EU subsidiary",
            "GDPR Art. 48",
            id="gdpr-art-48-eu-held",
        ),
    ],
)
def test_one_target_refused_the_other_produced(
    fact: TargetFact, code: str, flag: Flag, redirect_to: str | None, authority: str
) -> None:
    d = decide(targets=[NUMBER, OTHER_NUMBER], facts=facts(first=fact, second=OURS))
    assert d.disposition is Disposition.PROCEED
    assert d.terminal_outcome is None
    refused, produced = d.targets
    assert (refused.target, refused.allowed, refused.redirect_to) == (NUMBER, False, redirect_to)
    assert refused.reason is not None and refused.reason.code == code
    assert refused.reason.authority == authority
    assert (produced.target, produced.allowed, produced.reason) == (OTHER_NUMBER, True, None)
    assert flag in d.flags
    assert d.human_review_required is True  # a partial answer is a person's call
    assert reason(d, code) == refused.reason


def test_reseller_is_named() -> None:
    d = decide(facts=TargetFacts(targets={NUMBER.value: RESOLD}), targets=[NUMBER, OTHER_NUMBER])
    assert "Acme Wholesale Voice LLC" in d.targets[0].reason.message


def test_all_targets_not_held_is_no_data() -> None:
    d = decide(targets=[NUMBER, OTHER_NUMBER], facts=facts(first=NOT_HELD, second=NOT_HELD))
    assert d.disposition is Disposition.REJECT
    assert d.terminal_outcome is Outcome.NO_DATA
    assert d.allowed_categories == []
    assert d.denied_categories == []  # the process was sound; the targets are not ours
    assert [t.allowed for t in d.targets] == [False, False]
    assert reason(d, "no_data").authority == "18 U.S.C. §2703(c)(1)"
    assert d.customer_notice_allowed is False


def test_all_targets_resold_redirects_to_the_resellers() -> None:
    other = TargetFact(resold=True, reseller_customer="Beta Telecom Inc.")
    d = decide(targets=[NUMBER, OTHER_NUMBER], facts=facts(first=RESOLD, second=other))
    assert d.disposition is Disposition.REDIRECT
    assert d.terminal_outcome is Outcome.REDIRECTED
    assert d.redirect_to == "Acme Wholesale Voice LLC; Beta Telecom Inc."
    assert d.legal_review_required is False


def test_reseller_and_not_held_together_redirect() -> None:
    d = decide(targets=[NUMBER, OTHER_NUMBER], facts=facts(first=NOT_HELD, second=RESOLD))
    assert d.disposition is Disposition.REDIRECT
    assert d.terminal_outcome is Outcome.REDIRECTED
    assert d.redirect_to == "Acme Wholesale Voice LLC"


def test_all_targets_eu_held_redirect_is_confirmed_by_legal() -> None:
    d = decide(
        process_type=ProcessType.SEARCH_WARRANT,
        targets=[NUMBER, OTHER_NUMBER],
        facts=facts(first=EU_HELD, second=EU_HELD),
    )
    assert d.disposition is Disposition.REDIRECT
    assert d.terminal_outcome is None  # 18 U.S.C. §2713 "control" is a legal question
    assert d.legal_review_required is True
    assert Flag.EU_DATA in d.flags
    assert d.redirect_to == "MLAT with the EU Member State of the EU subsidiary"
    assert reason(d, "all_targets_redirected").authority == "GDPR Art. 48"


def test_eu_held_emergency_is_a_vital_interests_question_for_legal() -> None:
    d = decide(
        process_type=ProcessType.EMERGENCY_REQUEST,
        emergency=Emergency(nature_of_danger="suicide threat", callback_verified_by="sgt.k"),
        facts=TargetFacts(targets={NUMBER.value: EU_HELD}),
    )
    assert d.disposition is Disposition.PROCEED
    assert d.targets[0].allowed is True
    assert d.targets[0].reason.authority == "GDPR Art. 48; Art. 49(1)(f)"
    assert d.targets[0].entity is LegalEntity.EU  # collected among the subsidiary's customers
    assert d.legal_review_required is True
    assert Flag.EU_DATA in d.flags


def test_eu_authority_order_for_eu_held_data_goes_to_the_subsidiary() -> None:
    d = decide(
        issuer_kind=IssuerKind.FOREIGN,
        jurisdiction="DE",
        process_type=ProcessType.FOREIGN_REQUEST,
        facts=TargetFacts(targets={NUMBER.value: EU_HELD}),
    )
    assert d.disposition is Disposition.MANUAL
    assert d.legal_review_required is True
    assert {Flag.FOREIGN, Flag.EU_DATA} <= set(d.flags)
    assert d.reasons[0].authority == "Regulation (EU) 2023/1543"
    assert d.targets[0].allowed is True  # GDPR Art. 48 is no bar to the EU's own order
    assert d.targets[0].entity is LegalEntity.EU


def test_eu_country_order_for_us_held_data_is_mlat() -> None:
    d = decide(
        issuer_kind=IssuerKind.FOREIGN, jurisdiction="DE", process_type=ProcessType.FOREIGN_REQUEST
    )
    assert d.disposition is Disposition.REDIRECT
    assert d.terminal_outcome is Outcome.REDIRECTED


def test_facts_match_a_target_written_another_way() -> None:
    # Intake normalises "(919) 555-0100"; the carrier's facts are keyed by E.164.
    target = normalise_identifier(IdentifierKind.TELEPHONE_NUMBER, "(919) 555-0100")
    d = decide(targets=[target], facts=TargetFacts(targets={"+19195550100": NOT_HELD}))
    assert d.terminal_outcome is Outcome.NO_DATA


def test_preservation_of_a_resold_number_is_redirected() -> None:
    d = decide(
        process_type=ProcessType.PRESERVATION_REQUEST,
        categories=[C.TOLL_RECORDS],
        facts=TargetFacts(targets={NUMBER.value: RESOLD}),
    )
    assert d.disposition is Disposition.REDIRECT
    assert d.terminal_outcome is Outcome.REDIRECTED


def test_manual_process_is_never_ended_by_target_facts() -> None:
    d = decide(
        process_type=ProcessType.WIRETAP_ORDER, facts=TargetFacts(targets={NUMBER.value: NOT_HELD})
    )
    assert d.disposition is Disposition.MANUAL
    assert d.targets[0].allowed is False
    assert d.terminal_outcome is None
