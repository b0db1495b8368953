"""services/decisions/approval.py: who may decide, four eyes, narrowing never widening; a row
per rule."""

from __future__ import annotations

from typing import Any

import pytest

from contracts.determination import TargetDecision
from contracts.enums import Awaiting, DecisionAction, RejectionReason, Status
from contracts.enums import DataCategory as C
from contracts.workflow import ReviewDecision
from services.decisions.approval import (
    AUTO_APPROVER,
    Approval,
    approvals_required,
    approve,
    auto_approval,
    decision_refusal,
    is_approved,
)
from tests.factories import NUMBER, OTHER_NUMBER, make_determination, number

REFUSED_NUMBER = number("+19195550102")
DETERMINATION = make_determination(
    allowed_categories=[C.SUBSCRIBER_INFO, C.TOLL_RECORDS, C.CONTENT],
    denied_categories=[C.LOCATION],
    targets=[
        TargetDecision(target=NUMBER, allowed=True),
        TargetDecision(target=OTHER_NUMBER, allowed=True),
        TargetDecision(target=REFUSED_NUMBER, allowed=False),
    ],
    approvals_required=2,
)


def decision(action: DecisionAction = DecisionAction.APPROVE, **fields: Any) -> ReviewDecision:
    fields.setdefault("reviewer", "alice")
    fields.setdefault("reviewer_roles", ["reviewer"])
    return ReviewDecision(action=action, **fields)


def refusal(decided: ReviewDecision, **state: Any) -> str | None:
    state = {
        "status": Status.IN_REVIEW,
        "awaiting": Awaiting.REVIEW,
        "determination": DETERMINATION,
        "approval": Approval(),
        "legal_required": False,
        **state,
    }
    return decision_refusal(decided, **state)


@pytest.mark.parametrize(
    ("decided", "state", "refused_with"),
    [
        pytest.param(decision(), {}, None, id="a reviewer approves a request in review"),
        pytest.param(
            decision(),
            {"status": Status.APPROVED, "awaiting": Awaiting.NONE},
            "no decision is awaited: the request is approved",
            id="only while in review: not once approved",
        ),
        pytest.param(
            decision(),
            {"status": Status.IN_REVIEW, "awaiting": Awaiting.NONE},
            "no decision is awaited",
            id="only while in review: not while the machine is still recording it",
        ),
        pytest.param(
            decision(),
            {"status": Status.AWAITING_AGENCY, "awaiting": Awaiting.AGENCY},
            "no decision is awaited: the request is awaiting_agency",
            id="only while in review: not while the agency is asked",
        ),
        pytest.param(
            decision(reviewer_roles=["agency"]),
            {},
            "only reviewers and legal may decide",
            id="deciding roles: an agency cannot decide",
        ),
        pytest.param(
            decision(reviewer_roles=["auditor", "admin"]),
            {},
            "only reviewers and legal may decide",
            id="deciding roles: auditors and admins read, they do not decide",
        ),
        pytest.param(
            decision(reviewer_roles=[]),
            {},
            "only reviewers and legal may decide",
            id="deciding roles: no role, no decision",
        ),
        pytest.param(
            decision(reviewer_roles=["legal"]), {}, None, id="deciding roles: legal decides"
        ),
        pytest.param(
            decision(),
            {"legal_required": True},
            "this request needs legal's approval",
            id="legal required: a reviewer's approval is not enough",
        ),
        pytest.param(
            decision(reviewer_roles=["reviewer", "legal"]),
            {"legal_required": True},
            None,
            id="legal required: legal approves",
        ),
        pytest.param(
            decision(DecisionAction.REJECT, reason_code=RejectionReason.OVERBROAD),
            {"legal_required": True},
            None,
            id="legal required: only to approve; a reviewer may still reject",
        ),
        pytest.param(
            decision(),
            {"approval": Approval(approvers=["alice"])},
            "the same person cannot give both approvals (four-eyes rule)",
            id="four eyes: one person, one approval",
        ),
        pytest.param(
            decision(reviewer="bob"),
            {"approval": Approval(approvers=["alice"])},
            None,
            id="four eyes: a second person approves",
        ),
        pytest.param(
            decision(categories=[C.SUBSCRIBER_INFO, C.LOCATION]),
            {},
            "approval cannot widen the scope the law allows: location",
            id="no widening: a category the law denied",
        ),
        pytest.param(
            decision(categories=[C.SUBSCRIBER_INFO]),
            {},
            None,
            id="no widening: narrowing is allowed",
        ),
        pytest.param(
            decision(targets=[NUMBER.value, "+15555550000"]),
            {},
            "1 target(s) are not among the allowed targets",
            id="targets: one the request never named",
        ),
        pytest.param(
            decision(targets=[REFUSED_NUMBER.value]),
            {},
            "1 target(s) are not among the allowed targets",
            id="targets: one the determination refused",
        ),
        pytest.param(
            decision(targets=[OTHER_NUMBER.value]),
            {},
            None,
            id="targets: keeping some allowed targets",
        ),
        pytest.param(
            decision(DecisionAction.REJECT),
            {},
            "a rejection needs a reason_code",
            id="rejection: names its reason",
        ),
        pytest.param(
            decision(DecisionAction.REJECT, reason_code=RejectionReason.INVALID_PROCESS),
            {},
            None,
            id="rejection: with a reason",
        ),
        pytest.param(
            decision(DecisionAction.ASK_AGENCY, question="  "),
            {},
            "asking the agency needs a question",
            id="clarification: a blank question is no question",
        ),
        pytest.param(
            decision(DecisionAction.ASK_AGENCY, question="Which dates?"),
            {},
            None,
            id="clarification: with a question",
        ),
        pytest.param(
            decision(DecisionAction.ESCALATE_TO_LEGAL, note="EU data"),
            {},
            None,
            id="escalation to legal: any decider",
        ),
    ],
)
def test_decision_refusal(decided, state, refused_with) -> None:
    found = refusal(decided, **state)
    if refused_with is None:
        assert found is None
    else:
        assert found is not None and found.startswith(refused_with)


@pytest.mark.parametrize(
    ("before", "decided", "after"),
    [
        pytest.param(
            Approval(),
            decision(),
            Approval(
                approvers=["alice"],
                categories=[C.SUBSCRIBER_INFO, C.TOLL_RECORDS, C.CONTENT],
                targets=None,
            ),
            id="first approval: everything allowed, every allowed target",
        ),
        pytest.param(
            Approval(),
            decision(categories=[C.CONTENT, C.SUBSCRIBER_INFO]),
            Approval(approvers=["alice"], categories=[C.SUBSCRIBER_INFO, C.CONTENT]),
            id="narrowing categories keeps the determination's order",
        ),
        pytest.param(
            Approval(approvers=["alice"], categories=[C.SUBSCRIBER_INFO]),
            decision(reviewer="bob", categories=[C.SUBSCRIBER_INFO, C.CONTENT]),
            Approval(approvers=["alice", "bob"], categories=[C.SUBSCRIBER_INFO]),
            id="a second approver cannot restore what the first took out",
        ),
        pytest.param(
            Approval(),
            decision(targets=[OTHER_NUMBER.value]),
            Approval(
                approvers=["alice"],
                categories=[C.SUBSCRIBER_INFO, C.TOLL_RECORDS, C.CONTENT],
                targets=[OTHER_NUMBER.value],
            ),
            id="narrowing targets",
        ),
        pytest.param(
            Approval(
                approvers=["alice"], categories=[C.SUBSCRIBER_INFO], targets=[OTHER_NUMBER.value]
            ),
            decision(reviewer="bob", targets=[NUMBER.value, OTHER_NUMBER.value]),
            Approval(
                approvers=["alice", "bob"],
                categories=[C.SUBSCRIBER_INFO],
                targets=[OTHER_NUMBER.value],
            ),
            id="a second approver cannot restore a target the first took out",
        ),
        pytest.param(
            Approval(approvers=["alice"], categories=[C.SUBSCRIBER_INFO], targets=[NUMBER.value]),
            decision(reviewer="bob"),
            Approval(
                approvers=["alice", "bob"], categories=[C.SUBSCRIBER_INFO], targets=[NUMBER.value]
            ),
            id="an approval without narrowing keeps the scope so far",
        ),
    ],
)
def test_approve_narrows_never_widens(before, decided, after) -> None:
    assert approve(before, decided, DETERMINATION) == after


def test_auto_approval_is_the_policy_approving_everything_allowed() -> None:
    assert auto_approval(DETERMINATION) == Approval(
        approvers=[AUTO_APPROVER], categories=[C.SUBSCRIBER_INFO, C.TOLL_RECORDS, C.CONTENT]
    )


@pytest.mark.parametrize(
    ("required", "approvers", "complete"),
    [
        pytest.param(0, [], False, id="at least one approval, whatever the determination says"),
        pytest.param(0, ["alice"], True, id="one approval suffices when none is demanded"),
        pytest.param(1, ["alice"], True, id="one approver"),
        pytest.param(2, ["alice"], False, id="two approvers: the first is not enough"),
        pytest.param(2, ["alice", "bob"], True, id="two approvers: both given"),
    ],
)
def test_approvals_required(required, approvers, complete) -> None:
    determination = make_determination(approvals_required=required)
    assert approvals_required(determination) == max(1, required)
    assert is_approved(Approval(approvers=approvers), determination) is complete
