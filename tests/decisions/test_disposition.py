"""services/decisions/disposition.py: where a request goes after assessment, review and
collection, and which outcome a production reports; a row per rule."""

from __future__ import annotations

import datetime as dt

import pytest

from contracts.collection import CollectedFile, CollectionResult, TargetOutcome
from contracts.determination import Disposition, TargetDecision
from contracts.enums import DataCategory as C
from contracts.enums import DecisionAction, Outcome, RejectionReason, Status
from contracts.workflow import ReviewDecision
from services.decisions.disposition import (
    CustomerNoticePlan,
    Finish,
    Next,
    after_assessment,
    after_collection,
    after_review,
    customer_notice_plan,
    production_outcome,
)
from tests.factories import NUMBER, OTHER_NUMBER, make_determination

D = Disposition


@pytest.mark.parametrize(
    ("fields", "step"),
    [
        pytest.param(
            {"disposition": D.REDIRECT, "terminal_outcome": Outcome.REDIRECTED},
            Finish(
                status=Status.REDIRECTED, outcome=Outcome.REDIRECTED, detail="determined by rule"
            ),
            id="a redirect the law settles ends at once (MLAT, domestication, reseller)",
        ),
        pytest.param(
            {"disposition": D.REJECT, "terminal_outcome": Outcome.NO_DATA},
            Finish(status=Status.REJECTED, outcome=Outcome.NO_DATA, detail="determined by rule"),
            id="a refusal the law settles ends at once, with its outcome",
        ),
        pytest.param(
            {"disposition": D.REDIRECT, "terminal_outcome": None},
            Next.REVIEW,
            id="a redirect legal must confirm (EU-held data) waits for review",
        ),
        pytest.param(
            {"disposition": D.PRESERVE, "human_review_required": False},
            Next.PRESERVE,
            id="§2703(f): a preservation is preserved",
        ),
        pytest.param(
            {"disposition": D.MANUAL, "human_review_required": False},
            Next.REVIEW,
            id="manual process always waits for legal",
        ),
        pytest.param(
            {"disposition": D.PROCEED, "human_review_required": True},
            Next.REVIEW,
            id="anything a person must see waits for review",
        ),
        pytest.param(
            {"disposition": D.PROCEED, "human_review_required": False},
            Next.AUTO_APPROVE,
            id="the policy's lowest-risk class is approved by the machine",
        ),
        pytest.param(
            {
                "disposition": D.PROCEED,
                "human_review_required": True,
                "terminal_outcome": Outcome.REJECTED,
            },
            Next.REVIEW,
            id="an outcome on a proceeding request ends nothing",
        ),
    ],
)
def test_after_assessment(fields, step) -> None:
    assert after_assessment(make_determination(**fields)) == step


def rejection(reason_code: RejectionReason | None) -> ReviewDecision:
    return ReviewDecision(
        action=DecisionAction.REJECT,
        reviewer="alice",
        reviewer_roles=["reviewer"],
        reason_code=reason_code,
        note="range too wide",
    )


@pytest.mark.parametrize(
    ("disposition", "rejected", "step"),
    [
        pytest.param(
            D.PROCEED,
            rejection(RejectionReason.OVERBROAD),
            Finish(
                status=Status.REJECTED,
                outcome=Outcome.REJECTED,
                detail="rejected (overbroad): range too wide",
                actor="alice",
            ),
            id="a rejection ends as rejected, with the reviewer's reason and name",
        ),
        pytest.param(
            D.PROCEED,
            rejection(None),
            Finish(
                status=Status.REJECTED,
                outcome=Outcome.REJECTED,
                detail="rejected (other): range too wide",
                actor="alice",
            ),
            id="a rejection recorded without a reason reads as other",
        ),
        pytest.param(
            D.MANUAL,
            rejection(RejectionReason.LEGAL_OBJECTION),
            Finish(
                status=Status.REJECTED,
                outcome=Outcome.REJECTED,
                detail="rejected (legal_objection): range too wide",
                actor="alice",
            ),
            id="a rejection wins over every disposition",
        ),
        pytest.param(
            D.MANUAL,
            None,
            Finish(
                status=Status.CLOSED, outcome=Outcome.PRODUCED, detail="handled manually by legal"
            ),
            id="manual process is executed by legal by hand",
        ),
        pytest.param(
            D.REDIRECT,
            None,
            Finish(
                status=Status.REDIRECTED,
                outcome=Outcome.REDIRECTED,
                detail="redirect confirmed by review",
            ),
            id="approving a redirect confirms it: nothing is collected",
        ),
        pytest.param(
            D.REJECT,
            None,
            Finish(
                status=Status.REJECTED,
                outcome=Outcome.REJECTED,
                detail="refusal confirmed by review",
            ),
            id="approving a drafted refusal confirms it",
        ),
        pytest.param(D.PROCEED, None, Next.PRODUCE, id="an approved request is produced"),
    ],
)
def test_after_review(disposition, rejected, step) -> None:
    assert after_review(make_determination(disposition=disposition), rejected) == step


def collected(*rows_per_target: int) -> CollectionResult:
    targets = [NUMBER, OTHER_NUMBER][: len(rows_per_target)]
    return CollectionResult(
        request_id="req-1",
        files=[
            CollectedFile(
                category=C.SUBSCRIBER_INFO,
                table="subscribers",
                key="k",
                rows=sum(rows_per_target),
                sha256="0",
            )
        ]
        if sum(rows_per_target)
        else [],
        targets=[
            TargetOutcome(target=t, rows=n) for t, n in zip(targets, rows_per_target, strict=True)
        ],
    )


@pytest.mark.parametrize(
    ("collection", "step"),
    [
        pytest.param(
            collected(0),
            Finish(
                status=Status.CLOSED,
                outcome=Outcome.NO_DATA,
                detail="no records held for the approved scope",
            ),
            id="nothing held for the approved scope closes as no_data",
        ),
        pytest.param(collected(3), Next.DELIVER, id="records held are delivered"),
    ],
)
def test_after_collection(collection, step) -> None:
    assert after_collection(collection) == step


BOTH_ALLOWED = [
    TargetDecision(target=NUMBER, allowed=True),
    TargetDecision(target=OTHER_NUMBER, allowed=True),
]


@pytest.mark.parametrize(
    ("fields", "collection", "outcome"),
    [
        pytest.param(
            {"targets": BOTH_ALLOWED}, collected(2, 3), Outcome.PRODUCED, id="everything asked"
        ),
        pytest.param(
            {"targets": [BOTH_ALLOWED[0], TargetDecision(target=OTHER_NUMBER, allowed=False)]},
            collected(2),
            Outcome.PARTIALLY_PRODUCED,
            id="a target refused",
        ),
        pytest.param(
            {"targets": BOTH_ALLOWED},
            collected(2, 0),
            Outcome.PARTIALLY_PRODUCED,
            id="a target without records in the period",
        ),
        pytest.param(
            {"targets": BOTH_ALLOWED, "denied_categories": [C.CONTENT]},
            collected(2, 3),
            Outcome.PARTIALLY_PRODUCED,
            id="a category the law denied",
        ),
    ],
)
def test_production_outcome(fields, collection, outcome) -> None:
    assert production_outcome(make_determination(**fields), collection) is outcome


@pytest.mark.parametrize(
    ("fields", "plan"),
    [
        pytest.param(
            {"customer_notice_allowed": True},
            CustomerNoticePlan(after_delivery=True),
            id="notice allowed: the customer is told after delivery",
        ),
        pytest.param(
            {"customer_notice_allowed": False, "notice_barred_until": dt.date(2026, 6, 30)},
            CustomerNoticePlan(after_delivery=True),
            id="§2705(b) order with an end date: told after delivery, once it lapses",
        ),
        pytest.param(
            {"customer_notice_allowed": False},
            CustomerNoticePlan(),
            id="barred for good (indefinite order, emergency, policy): never told",
        ),
        pytest.param(
            {"customer_notice_allowed": True, "objection_window_days": 14},
            CustomerNoticePlan(before_collection=True),
            id="§2702(a) civil process: told first, may object, not told again",
        ),
        pytest.param(
            {"customer_notice_allowed": False, "objection_window_days": 14},
            CustomerNoticePlan(),
            id="civil process whose notice is barred waits for legal, not the customer",
        ),
    ],
)
def test_customer_notice_plan(fields, plan) -> None:
    assert customer_notice_plan(make_determination(**fields)) == plan
