"""LegalProcessWorkflow on the time-skipping test server: review, deadlines, preservation,
notice, withdrawal and the emergency path, with the real decision engine deciding."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hashlib

import msgspec
import pytest
from temporalio import activity
from temporalio.client import (
    WorkflowExecutionStatus,
    WorkflowUpdateFailedError,
    WorkflowUpdateStage,
)
from temporalio.service import RPCError
from temporalio.worker import Worker

from contracts.determination import Flag
from contracts.enums import (
    Awaiting,
    DataCategory,
    DecisionAction,
    IssuerKind,
    Outcome,
    ProcessType,
    RejectionReason,
    Status,
)
from contracts.legal_process import Emergency, NdoTerm, Period
from contracts.workflow import (
    AgencyResponse,
    CallbackVerification,
    ExtensionRequest,
    ReviewDecision,
    StatusChange,
    Withdrawal,
)
from services.decisions.deadlines import LATEST
from services.workflows.legal_process.workflows import LegalProcessWorkflow
from tests.factories import received_process
from tests.workflows.support import Recorder, awaiting_review, start, wait_for

BSI = (DataCategory.SUBSCRIBER_INFO, DataCategory.TOLL_RECORDS)


def approve(reviewer: str, *roles: str, **kwargs) -> ReviewDecision:
    return ReviewDecision(
        action=DecisionAction.APPROVE,
        reviewer=reviewer,
        reviewer_roles=list(roles or ["reviewer"]),
        **kwargs,
    )


async def now_of(env) -> dt.datetime:
    return await env.get_current_time()


async def test_verified_in_state_subpoena_for_bsi_is_auto_approved_and_delivered(
    temporal_env, task_queue, carrier
):
    process = received_process(await now_of(temporal_env))
    handle = await start(temporal_env.client, task_queue, process)
    state = await handle.result()
    assert state.status is Status.CLOSED
    assert state.outcome is Outcome.PRODUCED
    assert state.approvals == ["policy:auto-approval"]
    assert carrier.collections[0].categories == list(BSI)
    assert carrier.status_names()[:2] == ["received", "in_review"]
    assert "delivered" in carrier.status_names()
    assert len(carrier.deliveries) == 1
    assert [n.request_id for _, n in carrier.customer_notices] == [process.request_id]


async def test_subpoena_asking_for_content_is_narrowed_to_bsi(temporal_env, task_queue, carrier):
    process = received_process(
        await now_of(temporal_env), categories=(DataCategory.SUBSCRIBER_INFO, DataCategory.CONTENT)
    )
    handle = await start(temporal_env.client, task_queue, process)
    state = await wait_for(handle, awaiting_review)
    assert DataCategory.CONTENT in state.determination.denied_categories
    assert DataCategory.CONTENT not in state.determination.allowed_categories
    with pytest.raises(WorkflowUpdateFailedError):  # approval cannot widen what the law allows
        await handle.execute_update(
            LegalProcessWorkflow.decide, approve("alice", categories=[DataCategory.CONTENT])
        )
    await handle.execute_update(LegalProcessWorkflow.decide, approve("alice"))
    state = await handle.result()
    assert state.outcome is Outcome.PARTIALLY_PRODUCED
    assert DataCategory.CONTENT not in carrier.collections[0].categories


async def test_content_needs_two_different_approvers(temporal_env, task_queue, carrier):
    process = received_process(
        await now_of(temporal_env),
        ProcessType.SEARCH_WARRANT,
        (DataCategory.SUBSCRIBER_INFO, DataCategory.CONTENT),
    )
    handle = await start(temporal_env.client, task_queue, process)
    state = await wait_for(handle, awaiting_review)
    assert state.determination.approvals_required == 2
    receipt = await handle.execute_update(LegalProcessWorkflow.decide, approve("alice"))
    assert receipt.status is Status.IN_REVIEW and receipt.approvals == ["alice"]
    # Issue 13 defect 6: the first approval changes no status but is its own audit event.
    [first] = [c for c in carrier.statuses if c.event == "approval:alice"]
    assert first.status is Status.IN_REVIEW and first.actor == "alice"
    assert first.event_detail["required"] == "2"
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await handle.execute_update(LegalProcessWorkflow.decide, approve("alice"))
    assert "four-eyes" in str(refused.value.cause)
    receipt = await handle.execute_update(LegalProcessWorkflow.decide, approve("bob"))
    assert receipt.status is Status.APPROVED
    state = await handle.result()
    assert state.outcome is Outcome.PRODUCED
    assert DataCategory.CONTENT in carrier.collections[0].categories


async def test_return_date_escalates_then_marks_overdue(temporal_env, task_queue, carrier):
    process = received_process(
        await now_of(temporal_env),
        ProcessType.COURT_ORDER_2703D,
        (DataCategory.DETAIL_RECORDS,),
        return_in_days=5,
    )
    handle = await start(temporal_env.client, task_queue, process)
    await wait_for(handle, awaiting_review)
    await temporal_env.sleep(dt.timedelta(days=3))
    state = await wait_for(handle, lambda s: s.escalated)
    assert not state.overdue
    await temporal_env.sleep(dt.timedelta(days=4))
    state = await wait_for(handle, lambda s: s.overdue)
    assert state.status is Status.IN_REVIEW
    assert [c.overdue for c in carrier.statuses if c.overdue is not None][-1] is True
    await handle.execute_update(
        LegalProcessWorkflow.decide,
        ReviewDecision(
            action=DecisionAction.REJECT,
            reviewer="alice",
            reviewer_roles=["reviewer"],
            reason_code=RejectionReason.EXPIRED,
            note="late",
        ),
    )
    state = await handle.result()
    assert state.status is Status.REJECTED and state.outcome is Outcome.REJECTED


async def test_clarification_answered_and_clarification_timeout(temporal_env, task_queue, carrier):
    process = received_process(
        await now_of(temporal_env),
        ProcessType.COURT_ORDER_2703D,
        (DataCategory.DETAIL_RECORDS,),
        return_in_days=60,
    )
    handle = await start(temporal_env.client, task_queue, process)
    await wait_for(handle, awaiting_review)
    ask = ReviewDecision(
        action=DecisionAction.ASK_AGENCY,
        reviewer="alice",
        reviewer_roles=["reviewer"],
        question="Which date range?",
    )
    with pytest.raises(WorkflowUpdateFailedError):  # an answer nobody asked for is refused
        await handle.execute_update(
            LegalProcessWorkflow.respond, AgencyResponse(responder="officer", text="x")
        )
    await handle.execute_update(LegalProcessWorkflow.decide, ask)
    state = await wait_for(handle, lambda s: s.status is Status.AWAITING_AGENCY)
    assert state.question == "Which date range?"
    await handle.execute_update(
        LegalProcessWorkflow.respond, AgencyResponse(responder="officer", text="August only")
    )
    state = await wait_for(handle, awaiting_review)
    # Issue 13 defect 6: who answered is audited, with a digest of the text, not the text.
    [answered] = [c for c in carrier.statuses if c.event.startswith("clarification_answered")]
    assert answered.actor == "officer" and answered.event_detail["responder"] == "officer"
    assert answered.event_detail["text_sha256"] == hashlib.sha256(b"August only").hexdigest()
    assert "August only" not in repr(answered)
    assert not state.escalated

    await handle.execute_update(LegalProcessWorkflow.decide, ask)
    await wait_for(handle, lambda s: s.status is Status.AWAITING_AGENCY)
    await temporal_env.sleep(dt.timedelta(days=15))
    state = await wait_for(handle, awaiting_review)
    assert state.escalated  # no answer in time: back to people, flagged
    await handle.execute_update(
        LegalProcessWorkflow.withdraw, Withdrawal(requested_by="officer", reason="done")
    )
    assert (await handle.result()).status is Status.WITHDRAWN


async def test_withdrawal_mid_review_ends_cleanly(temporal_env, task_queue, carrier):
    process = received_process(
        await now_of(temporal_env), ProcessType.SEARCH_WARRANT, (DataCategory.CONTENT,)
    )
    handle = await start(temporal_env.client, task_queue, process)
    await wait_for(handle, awaiting_review)
    await handle.execute_update(LegalProcessWorkflow.decide, approve("alice"))
    await handle.execute_update(
        LegalProcessWorkflow.withdraw, Withdrawal(requested_by="officer", reason="case closed")
    )
    state = await handle.result()
    assert state.status is Status.WITHDRAWN and state.outcome is Outcome.WITHDRAWN
    assert carrier.collections == [] and carrier.deliveries == []
    with pytest.raises((WorkflowUpdateFailedError, RPCError)):  # finished: nothing to withdraw
        await handle.execute_update(
            LegalProcessWorkflow.withdraw, Withdrawal(requested_by="officer")
        )


async def test_preservation_runs_90_days_then_releases(temporal_env, task_queue, carrier):
    start_time = await now_of(temporal_env)
    process = received_process(start_time, ProcessType.PRESERVATION_REQUEST, BSI)
    handle = await start(temporal_env.client, task_queue, process)
    state = await handle.result()
    assert state.status is Status.RELEASED and state.outcome is Outcome.PRESERVED
    assert carrier.released == [process.request_id]
    assert carrier.deliveries == []  # §2703(f): nothing is disclosed
    [(reminded_at, reminder)] = carrier.agency_notices
    assert dt.timedelta(days=75) <= reminded_at - start_time <= dt.timedelta(days=77)
    assert "expires" in reminder.subject
    assert (await now_of(temporal_env)) - start_time >= dt.timedelta(days=90)


async def test_preservation_extends_once_only(temporal_env, task_queue, carrier):
    start_time = await now_of(temporal_env)
    process = received_process(start_time, ProcessType.PRESERVATION_REQUEST, BSI)
    handle = await start(temporal_env.client, task_queue, process)
    state = await wait_for(handle, lambda s: s.status is Status.PRESERVED)
    first_expiry = state.deadlines.preservation_expires_at
    await temporal_env.sleep(dt.timedelta(days=80))  # past the first reminder (day 76)
    await wait_for(handle, lambda s: True)
    assert len(carrier.agency_notices) == 1
    receipt = await handle.execute_update(
        LegalProcessWorkflow.extend, ExtensionRequest(requested_by="officer")
    )
    assert receipt.status is Status.EXTENDED
    state = await handle.query(LegalProcessWorkflow.state)
    assert state.deadlines.preservation_expires_at - first_expiry == dt.timedelta(days=90)
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await handle.execute_update(
            LegalProcessWorkflow.extend, ExtensionRequest(requested_by="officer")
        )
    assert "one 90-day extension" in str(refused.value.cause)
    state = await handle.result()
    assert state.status is Status.RELEASED
    assert (await now_of(temporal_env)) - start_time >= dt.timedelta(days=180)
    assert len(carrier.agency_notices) == 2  # a reminder before each expiry
    [(_, first), (_, second)] = carrier.agency_notices
    assert first.subject != second.subject  # each names its own expiry date


async def test_ndo_with_end_date_delays_customer_notice_until_it_ends(
    temporal_env, task_queue, carrier
):
    now = await now_of(temporal_env)
    ends_on = now.date() + dt.timedelta(days=45)
    process = received_process(
        now,
        ProcessType.COURT_ORDER_2703D,
        (DataCategory.DETAIL_RECORDS,),
        ndo=NdoTerm(authority="Wake County Superior Court", ends_on=ends_on),
    )
    handle = await start(temporal_env.client, task_queue, process)
    await wait_for(handle, awaiting_review)
    await handle.execute_update(LegalProcessWorkflow.decide, approve("alice"))
    state = await handle.result()
    assert state.status is Status.CLOSED
    [(noticed_at, _)] = carrier.customer_notices
    assert noticed_at.date() > ends_on


async def test_indefinite_ndo_never_notifies(temporal_env, task_queue, carrier):
    process = received_process(
        await now_of(temporal_env),
        ProcessType.COURT_ORDER_2703D,
        (DataCategory.DETAIL_RECORDS,),
        ndo=NdoTerm(authority="Wake County Superior Court"),
    )
    handle = await start(temporal_env.client, task_queue, process)
    await wait_for(handle, awaiting_review)
    await handle.execute_update(LegalProcessWorkflow.decide, approve("alice"))
    assert (await handle.result()).status is Status.CLOSED
    assert carrier.customer_notices == []


async def test_emergency_needs_callback_and_two_approvers(temporal_env, task_queue, carrier):
    process = received_process(
        await now_of(temporal_env),
        ProcessType.EMERGENCY_REQUEST,
        BSI,
        issuer_kind=IssuerKind.LOCAL,
        emergency=Emergency(nature_of_danger="kidnapping in progress"),
        return_in_days=None,
    )
    handle = await start(temporal_env.client, task_queue, process)
    state = await wait_for(handle, lambda s: s.status is Status.VERIFYING)
    assert state.awaiting is Awaiting.VERIFICATION
    with pytest.raises(WorkflowUpdateFailedError):  # decisions wait for the call-back
        await handle.execute_update(LegalProcessWorkflow.decide, approve("alice"))
    await handle.execute_update(
        LegalProcessWorkflow.record_callback,
        CallbackVerification(verified_by="alice", number_called="+19195550199"),
    )
    state = await wait_for(handle, awaiting_review)
    assert state.determination.approvals_required == 2
    assert state.deadlines.escalate_at is not None
    await handle.execute_update(LegalProcessWorkflow.decide, approve("alice"))
    await handle.execute_update(LegalProcessWorkflow.decide, approve("carol", "legal"))
    state = await handle.result()
    assert state.status is Status.CLOSED
    assert carrier.customer_notices == []  # emergencies are not noticed to the customer


async def test_civil_subpoena_waits_out_the_customer_objection_window(
    temporal_env, task_queue, carrier
):
    start_time = await now_of(temporal_env)
    process = received_process(
        start_time,
        ProcessType.CIVIL_SUBPOENA,
        (DataCategory.SUBSCRIBER_INFO, DataCategory.CONTENT),
        issuer_kind=IssuerKind.PRIVATE_PARTY,
        return_in_days=60,
    )
    handle = await start(temporal_env.client, task_queue, process)
    state = await wait_for(handle, awaiting_review)
    assert DataCategory.CONTENT in state.determination.denied_categories  # §2702(a): never content
    assert state.determination.objection_window_days == 14
    await handle.execute_update(LegalProcessWorkflow.decide, approve("alice"))
    await wait_for(handle, lambda s: len(carrier.customer_notices) == 1)
    assert carrier.collections == []  # nothing leaves while the customer may still object
    state = await handle.result()
    assert state.status is Status.CLOSED
    [(noticed_at, _)] = carrier.customer_notices  # told once, before, not again after
    [collection] = carrier.collections
    assert collection.categories == [DataCategory.SUBSCRIBER_INFO]
    closed_at = await now_of(temporal_env)
    assert closed_at - noticed_at >= dt.timedelta(days=14)


async def test_us_process_for_eu_held_data_goes_to_legal_and_is_never_collected(
    temporal_env, task_queue, carrier
):
    from contracts.determination import Disposition, LegalEntity, TargetFact, TargetFacts

    carrier.facts = TargetFacts(targets={"+19195550100": TargetFact(entity=LegalEntity.EU)})
    process = received_process(
        await now_of(temporal_env), ProcessType.COURT_ORDER_2703D, (DataCategory.DETAIL_RECORDS,)
    )
    handle = await start(temporal_env.client, task_queue, process)
    state = await wait_for(handle, awaiting_review)
    assert state.determination.disposition is Disposition.REDIRECT
    assert state.determination.legal_review_required
    with pytest.raises(WorkflowUpdateFailedError):  # a reviewer is not enough
        await handle.execute_update(LegalProcessWorkflow.decide, approve("alice"))
    await handle.execute_update(LegalProcessWorkflow.decide, approve("carol", "legal"))
    state = await handle.result()
    assert state.status is Status.REDIRECTED and state.outcome is Outcome.REDIRECTED
    assert carrier.collections == [] and carrier.deliveries == []


async def test_a_return_date_of_9999_12_31_waits_instead_of_crashing(
    temporal_env, task_queue, carrier
):
    """The deadline arithmetic clamps at datetime's end; the query and the timers work."""
    process = msgspec.structs.replace(
        received_process(
            await now_of(temporal_env),
            ProcessType.COURT_ORDER_2703D,
            (DataCategory.DETAIL_RECORDS,),
        ),
        return_date=dt.date.max,
    )
    handle = await start(temporal_env.client, task_queue, process)
    state = await wait_for(handle, awaiting_review)
    assert state.deadlines.respond_by == LATEST
    assert state.deadlines.escalate_at == LATEST - dt.timedelta(days=3)
    await handle.execute_update(LegalProcessWorkflow.decide, approve("alice"))
    # Polled, not awaited with time skipping: awaiting the result before the workflow has
    # taken the approval in would let the test server skip to the escalation timer in
    # 9999 and leave its clock there for every later test of the module.
    state = await wait_for(handle, lambda s: s.status is Status.CLOSED)
    assert state.status is Status.CLOSED and not state.escalated
    # Nothing of it may stay behind: a timer of this workflow still pending in 9999 would be
    # the next one the test server skips to when a later test awaits a result.
    if (await handle.describe()).status == WorkflowExecutionStatus.RUNNING:
        await handle.terminate("test done")


async def test_an_approval_accepted_while_another_is_recorded_is_checked_again(
    temporal_env, task_queue
):
    """Content needs two approvers. While the first approval is still being recorded, two
    more reviewers approve; both pass the validator (one approval so far). The handler lock
    makes them wait their turn, so the register hears the approvals in order, and the
    re-check under the lock refuses the one that comes after the request is approved: it is
    approved once, by two people."""
    recorder = Recorder()
    recording_first, gate = asyncio.Event(), asyncio.Event()

    @activity.defn(name="record_status")
    async def record_status(change: StatusChange) -> None:
        if change.detail.startswith("first approval"):
            recording_first.set()
            await gate.wait()
        recorder.statuses.append(change)

    activities = [a for a in recorder.activities() if a.__name__ != "record_status"]
    process = received_process(
        await now_of(temporal_env),
        ProcessType.SEARCH_WARRANT,
        (DataCategory.SUBSCRIBER_INFO, DataCategory.CONTENT),
    )
    async with Worker(
        temporal_env.client,
        task_queue=task_queue,
        workflows=[LegalProcessWorkflow],
        activities=[*activities, record_status],
    ):
        handle = await start(temporal_env.client, task_queue, process)
        await wait_for(handle, awaiting_review)
        first = asyncio.create_task(
            handle.execute_update(LegalProcessWorkflow.decide, approve("alice"))
        )
        await asyncio.wait_for(recording_first.wait(), timeout=20)
        second, third = [
            await handle.start_update(
                LegalProcessWorkflow.decide,
                approve(who),
                wait_for_stage=WorkflowUpdateStage.ACCEPTED,
            )
            for who in ("bob", "carol")
        ]
        gate.set()
        await first
        assert (await second.result()).status is Status.APPROVED
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await third.result()
        state = await handle.result()
    assert "no decision is awaited" in str(refused.value.cause)
    assert state.approvals == ["alice", "bob"]
    details = [c.detail for c in recorder.statuses]
    assert [c.status for c in recorder.statuses].count(Status.APPROVED) == 1
    # The register hears the decisions in the order they were made.
    assert details.index("first approval by alice; a second approver is required") < (
        details.index("approved by alice, bob")
    )


async def test_a_withdrawn_preservation_releases_its_snapshot(temporal_env, task_queue, carrier):
    """Issue 13 defect 4: a withdrawal during preservation ended the request but kept the
    preserved records until no expiry would ever release them."""
    process = received_process(await now_of(temporal_env), ProcessType.PRESERVATION_REQUEST, BSI)
    handle = await start(temporal_env.client, task_queue, process)
    await wait_for(handle, lambda s: s.status is Status.PRESERVED)
    await handle.execute_update(
        LegalProcessWorkflow.withdraw, Withdrawal(requested_by="officer", reason="case closed")
    )
    state = await handle.result()
    assert state.status is Status.WITHDRAWN and state.outcome is Outcome.WITHDRAWN
    assert carrier.released == [process.request_id]
    assert carrier.status_names()[-1] == "withdrawn"


async def test_an_extension_accepted_while_preserved_is_recorded_after_it(temporal_env, task_queue):
    """Chaos run (issue 13): the agency saw "preserved" and extended at once, while the
    register was still being told "preserved"; the extension's record landed first and the
    late "preserved" overwrote it, so the register disagreed with the workflow for good."""
    recorder = Recorder()
    recording, extending, gate = asyncio.Event(), asyncio.Event(), asyncio.Event()

    @activity.defn(name="record_status")
    async def record_status(change: StatusChange) -> None:
        if change.status is Status.PRESERVED:
            recording.set()
            await gate.wait()
        if change.status is Status.EXTENDED:
            extending.set()
        recorder.statuses.append(change)

    activities = [a for a in recorder.activities() if a.__name__ != "record_status"]
    process = received_process(await now_of(temporal_env), ProcessType.PRESERVATION_REQUEST, BSI)
    async with Worker(
        temporal_env.client,
        task_queue=task_queue,
        workflows=[LegalProcessWorkflow],
        activities=[*activities, record_status],
    ):
        handle = await start(temporal_env.client, task_queue, process)
        await asyncio.wait_for(recording.wait(), timeout=20)
        extension = await handle.start_update(
            LegalProcessWorkflow.extend,
            ExtensionRequest(requested_by="officer"),
            wait_for_stage=WorkflowUpdateStage.ACCEPTED,
        )
        # Give the extension every chance to be recorded while "preserved" still is not
        # (without the fix it is, at once); then let "preserved" through.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(extending.wait(), timeout=5)
        gate.set()
        assert (await extension.result()).status is Status.EXTENDED
        await wait_for(handle, lambda s: s.status is Status.EXTENDED)
        assert recorder.status_names()[-2:] == ["preserved", "extended"]
        await handle.terminate("test over")


async def test_call_back_answers_with_the_status_after_it_and_clears_its_flag(
    temporal_env, task_queue, carrier
):
    """Issue 14: /callback answered "verifying" (the status before it), and the machine
    still said callback_unverified — "call the agency back" — after the call-back."""
    process = received_process(
        await now_of(temporal_env),
        ProcessType.EMERGENCY_REQUEST,
        BSI,
        issuer_kind=IssuerKind.LOCAL,
        emergency=Emergency(nature_of_danger="kidnapping in progress"),
        return_in_days=None,
    )
    handle = await start(temporal_env.client, task_queue, process)
    await wait_for(handle, lambda s: s.status is Status.VERIFYING)
    receipt = await handle.execute_update(
        LegalProcessWorkflow.record_callback,
        CallbackVerification(verified_by="alice", number_called="+19195550199"),
    )
    assert receipt.status is Status.IN_REVIEW
    state = await handle.query(LegalProcessWorkflow.state)
    assert Flag.CALLBACK_UNVERIFIED not in state.determination.flags
    assert "callback_required" not in {r.code for r in state.determination.reasons}
    receipt = await handle.execute_update(
        LegalProcessWorkflow.withdraw, Withdrawal(requested_by="officer", reason="found safe")
    )
    assert receipt.status is Status.WITHDRAWN  # the status after the withdrawal, not before
    assert (await handle.result()).status is Status.WITHDRAWN


async def test_an_approval_narrows_the_date_range_and_never_widens_it(
    temporal_env, task_queue, carrier
):
    process = received_process(
        await now_of(temporal_env), ProcessType.COURT_ORDER_2703D, BSI, return_in_days=30
    )
    handle = await start(temporal_env.client, task_queue, process)
    state = await wait_for(handle, awaiting_review)
    allowed = state.determination.period
    wider = Period(start=allowed.start - dt.timedelta(days=1), end=allowed.end)
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await handle.execute_update(LegalProcessWorkflow.decide, approve("alice", period=wider))
    assert "cannot widen the date range" in str(refused.value.cause)
    inverted = Period(start=allowed.end, end=allowed.start)
    with pytest.raises(WorkflowUpdateFailedError):
        await handle.execute_update(LegalProcessWorkflow.decide, approve("alice", period=inverted))
    narrower = Period(start=allowed.start + dt.timedelta(days=30), end=allowed.end)
    await handle.execute_update(LegalProcessWorkflow.decide, approve("alice", period=narrower))
    await handle.result()
    assert carrier.collections[0].period == narrower
