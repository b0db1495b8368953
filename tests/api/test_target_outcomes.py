"""Issue 11 item 5: each target's outcome in the agency's view (decision, reason,
``redirect_to``) and the staff's (the same plus the internal reasons), built from the real
engine's determination (services/intake/legal_processes/views.py)."""

from __future__ import annotations

import datetime as dt

import msgspec

from contracts.determination import LegalEntity, TargetFact, TargetFacts
from contracts.enums import IdentifierKind, Status
from contracts.legal_process import Identifier, VerificationFinding
from services.intake.legal_processes.views import to_view
from services.register.legal_processes import LegalProcessRecord
from tests.factories import NOW, NUMBER, VERIFIED, decide, make_process

RESOLD = Identifier(kind=IdentifierKind.TELEPHONE_NUMBER, value="+19195550102")
NOT_HELD = Identifier(kind=IdentifierKind.TELEPHONE_NUMBER, value="+19195550103")
EU = Identifier(kind=IdentifierKind.TELEPHONE_NUMBER, value="+19195550104")
FACTS = TargetFacts(
    targets={
        RESOLD.value: TargetFact(resold=True, reseller_customer="Acme Mobile LLC"),
        NOT_HELD.value: TargetFact(held_in_period=False),
        EU.value: TargetFact(entity=LegalEntity.EU),
    }
)


def record(**process_overrides) -> LegalProcessRecord:
    process = make_process(**process_overrides)
    determination = decide(facts=FACTS, **process_overrides)
    return LegalProcessRecord(
        id=process.request_id,
        agency_id="raleigh-pd",
        process_type=process.process_type,
        case_number=process.case_number,
        status=Status.IN_REVIEW,
        received_at=NOW - dt.timedelta(days=1),
        submission={},
        process=process,
        document_key="k",
        document_sha256="0" * 64,
        determination=determination,
    )


def by_value(view) -> dict:
    return {t.value: t for t in view.targets}


def test_the_agency_sees_each_targets_decision_reason_and_where_to_go() -> None:
    """18 U.S.C. §2703(c)(1): the provider answers for its own customers only."""
    view = to_view(record(targets=[NUMBER, RESOLD, NOT_HELD]), staff=False)
    targets = by_value(view)
    assert targets[NUMBER.value].decision == "allowed"
    resold = targets[RESOLD.value]
    assert resold.decision == "redirected" and "Acme Mobile LLC" in resold.redirect_to
    assert resold.reason and resold.authority
    assert targets[NOT_HELD.value].decision == "refused"
    assert all(t.internal_reason == "" for t in view.targets)
    # the summary counts stay as they were
    assert view.determination.targets_allowed == 1 and view.determination.targets_refused == 2


def test_staff_see_the_same_plus_the_internal_reasons() -> None:
    requester = msgspec.structs.replace(
        VERIFIED,
        findings=[
            VerificationFinding(
                code="first_request_from_officer", reason="the first request", blocking=False
            )
        ],
    )
    rec = record(targets=[NUMBER, RESOLD, EU], requester=requester)
    staff, agency = to_view(rec, staff=True), to_view(rec, staff=False)
    assert [(t.value, t.decision, t.redirect_to) for t in staff.targets] == [
        (t.value, t.decision, t.redirect_to) for t in agency.targets
    ]
    internal = {t.value: t.internal_reason for t in staff.targets}
    assert internal[RESOLD.value]  # the rule's code
    assert "EU entity" in internal[EU.value]
    assert [f.code for f in staff.findings] == ["first_request_from_officer"]
    assert agency.findings == []
    staff_codes = {r.code for r in staff.determination.reasons}
    agency_codes = {r.code for r in agency.determination.reasons}
    assert "verification:first_request_from_officer" in staff_codes - agency_codes
