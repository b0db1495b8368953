"""Issue 11 on the time-skipping test server, with the real decision engine deciding: no
refusal is final without a person (docs/legal-rules.md), and pure redirects by rule. The
emergency follow-up is in test_emergency_follow_up_workflow.py."""

from __future__ import annotations

import asyncio
import datetime as dt

import msgspec
import pytest
from temporalio.client import WorkflowUpdateFailedError

from contracts.enums import (
    Awaiting,
    DataCategory,
    DecisionAction,
    IssuerKind,
    Outcome,
    ProcessType,
    Status,
)
from contracts.workflow import (
    ReviewDecision,
)
from services.workflows.legal_process.workflows import LegalProcessWorkflow
from tests.factories import received_process
from tests.workflows.support import POLICY, awaiting_review, start, wait_for

BSI = (DataCategory.SUBSCRIBER_INFO, DataCategory.TOLL_RECORDS)
# A workflow that never finishes fails its test instead of hanging the suite.
RESULT_TIMEOUT = 60


def decision(action: DecisionAction, reviewer: str, *roles: str, **kwargs) -> ReviewDecision:
    return ReviewDecision(
        action=action, reviewer=reviewer, reviewer_roles=list(roles or ["reviewer"]), **kwargs
    )


def awaiting_refusal(state) -> bool:
    return state.status is Status.IN_REVIEW and state.awaiting is Awaiting.REFUSAL


async def now_of(env) -> dt.datetime:
    return await env.get_current_time()


# -- Writ policy: no refusal is final without a person --------------------------------------


@pytest.mark.parametrize(
    ("process_type", "categories", "overrides", "confirmer", "rule"),
    [
        pytest.param(
            ProcessType.SUBPOENA,
            (DataCategory.CONTENT,),
            {},
            ("alice", "reviewer"),
            "18 U.S.C. §2703(a), (b)(1)(A)",
            id="subpoena-asking-only-for-content",
        ),
        pytest.param(
            ProcessType.COURT_ORDER_2703D,
            (DataCategory.LOCATION,),
            {},
            ("carol", "legal"),
            "Carpenter v. United States, 585 U.S. 296 (2018)",
            id="location-on-a-2703d-order-legal-confirms",
        ),
        pytest.param(
            ProcessType.SEARCH_WARRANT,
            BSI,
            {"issuer_kind": IssuerKind.FEDERAL, "jurisdiction": "US", "stale": True},
            ("carol", "legal"),
            "Fed. R. Crim. P. 41(e)(2)(A)(i)",
            id="stale-federal-warrant-legal-confirms",
        ),
    ],
)
async def test_refusal_waits_for_a_person_and_ends_rejected_only_after_confirmation(
    temporal_env, task_queue, carrier, process_type, categories, overrides, confirmer, rule
):
    now = await now_of(temporal_env)
    stale = overrides.pop("stale", False)
    process = received_process(now, process_type, categories, **overrides)
    if stale:
        process = msgspec.structs.replace(process, issued_on=now.date() - dt.timedelta(days=30))
    handle = await start(temporal_env.client, task_queue, process)
    state = await wait_for(handle, awaiting_refusal)
    drafted = state.determination.refusal
    assert state.determination.refusal_confirmation_required
    assert drafted is not None and rule in drafted.citations
    assert process.request_id in drafted.response and "cannot" in drafted.response
    assert "rejected" not in carrier.status_names()
    # Nothing but a confirmation, an override or an escalation is taken meanwhile.
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await handle.execute_update(
            LegalProcessWorkflow.decide, decision(DecisionAction.APPROVE, "alice")
        )
    assert "confirm it" in str(refused.value.cause)
    if confirmer[1] == "legal":  # a court order's refusal is confirmed by legal
        assert drafted.needs_legal
        with pytest.raises(WorkflowUpdateFailedError):
            await handle.execute_update(
                LegalProcessWorkflow.decide, decision(DecisionAction.CONFIRM_REFUSAL, "alice")
            )
    await handle.execute_update(
        LegalProcessWorkflow.decide,
        decision(DecisionAction.CONFIRM_REFUSAL, *confirmer, note="the refusal stands"),
    )
    state = await asyncio.wait_for(handle.result(), RESULT_TIMEOUT)
    assert state.status is Status.REJECTED and state.outcome is Outcome.REJECTED
    final = carrier.statuses[-1]
    assert final.status is Status.REJECTED and final.actor == confirmer[0]
    assert final.detail.startswith(f"refusal confirmed by {confirmer[0]}")
    [(_, letter)] = carrier.agency_notices
    assert letter.body.strip() == drafted.response.strip()
    assert carrier.collections == []


async def test_an_overridden_refusal_returns_to_review_with_the_reviewers_scope(
    temporal_env, task_queue, carrier
):
    """Writ policy: an override is audited and needs legal's approval and four eyes."""
    process = received_process(
        await now_of(temporal_env),
        ProcessType.SUBPOENA,
        (DataCategory.CONTENT, DataCategory.DETAIL_RECORDS),
        targets=("+19195550100", "+19195550101"),
    )
    handle = await start(temporal_env.client, task_queue, process)
    await wait_for(handle, awaiting_refusal)
    override = decision(
        DecisionAction.OVERRIDE_REFUSAL,
        "alice",
        categories=[DataCategory.DETAIL_RECORDS],
        targets=["+19195550100"],
        note="the court's order under §2703(d) is attached to the subpoena",
    )
    with pytest.raises(WorkflowUpdateFailedError):  # an override says why
        await handle.execute_update(
            LegalProcessWorkflow.decide, msgspec.structs.replace(override, note="")
        )
    with pytest.raises(WorkflowUpdateFailedError):  # and cannot add what was never asked
        await handle.execute_update(
            LegalProcessWorkflow.decide,
            msgspec.structs.replace(override, categories=[DataCategory.LOCATION]),
        )
    await handle.execute_update(LegalProcessWorkflow.decide, override)
    state = await wait_for(handle, awaiting_review)
    d = state.determination
    assert d.disposition.value == "proceed" and d.allowed_categories == [
        DataCategory.DETAIL_RECORDS
    ]
    assert [t.target.value for t in d.targets if t.allowed] == ["+19195550100"]
    assert d.legal_review_required and d.approvals_required == 2
    assert d.refusal.overridden_by == "alice" and "refusal_overridden" in d.flags
    [event] = [c for c in carrier.statuses if c.event == "refusal_overridden:alice"]
    assert event.event_detail["categories"] == "detail_records"
    with pytest.raises(WorkflowUpdateFailedError):  # legal approves an overridden refusal
        await handle.execute_update(
            LegalProcessWorkflow.decide, decision(DecisionAction.APPROVE, "bob")
        )
    await handle.execute_update(
        LegalProcessWorkflow.decide, decision(DecisionAction.APPROVE, "carol", "legal")
    )
    await handle.execute_update(
        LegalProcessWorkflow.decide, decision(DecisionAction.APPROVE, "erin", "legal")
    )
    state = await asyncio.wait_for(handle.result(), RESULT_TIMEOUT)
    assert state.status is Status.CLOSED
    [collection] = carrier.collections
    assert collection.categories == [DataCategory.DETAIL_RECORDS]
    assert [t.value for t in collection.targets] == ["+19195550100"]


async def test_foreign_process_is_redirected_by_rule_and_marked_for_a_look(
    temporal_env, task_queue, carrier
):
    """18 U.S.C. §3512 (MLAT): a pure redirect; policy automatic_redirects (default true)."""
    process = received_process(
        await now_of(temporal_env), issuer_kind=IssuerKind.FOREIGN, jurisdiction="BR"
    )
    handle = await start(temporal_env.client, task_queue, process)
    state = await asyncio.wait_for(handle.result(), RESULT_TIMEOUT)
    assert state.status is Status.REDIRECTED and state.outcome is Outcome.REDIRECTED
    assert state.determination.redirected_by_rule
    assert "redirected_by_rule" in state.determination.flags
    assert not state.determination.refusal_confirmation_required


async def test_redirects_wait_for_a_person_when_the_policy_says_so(
    temporal_env, task_queue, carrier
):
    carrier.policy = msgspec.structs.replace(POLICY, automatic_redirects=False)
    process = received_process(
        await now_of(temporal_env), issuer_kind=IssuerKind.FOREIGN, jurisdiction="BR"
    )
    handle = await start(temporal_env.client, task_queue, process)
    state = await wait_for(handle, awaiting_refusal)
    assert not state.determination.redirected_by_rule
    assert "MLAT" in state.determination.refusal.response
    await handle.execute_update(
        LegalProcessWorkflow.decide, decision(DecisionAction.CONFIRM_REFUSAL, "alice")
    )
    state = await asyncio.wait_for(handle.result(), RESULT_TIMEOUT)
    assert state.status is Status.REDIRECTED and state.outcome is Outcome.REDIRECTED
