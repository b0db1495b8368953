"""Issue 11 on the time-skipping test server: the follow-up legal process after an
emergency disclosure (Writ policy, docs/legal-rules.md): arriving in time, arriving after
the reminder, never arriving (arriving late is linked by intake: tests/register).

Each test has a test server of its own: a follow-up tracker waits a month, and time on a
shared server would move under the next test."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from temporalio.client import WorkflowExecutionStatus

from contracts.enums import DataCategory, DecisionAction, IssuerKind, Outcome, ProcessType, Status
from contracts.legal_process import Emergency
from contracts.workflow import CallbackVerification, FollowUpArrival
from services.workflows.legal_process.follow_up import (
    EmergencyFollowUpWorkflow,
    follow_up_workflow_id,
)
from services.workflows.legal_process.workflows import LegalProcessWorkflow
from tests.factories import received_process
from tests.workflows.support import POLICY, awaiting_review, start, wait_for
from tests.workflows.test_legal_review_workflow import RESULT_TIMEOUT, decision, now_of

BSI = (DataCategory.SUBSCRIBER_INFO, DataCategory.TOLL_RECORDS)


@pytest.fixture
async def temporal_env(base_settings, temporal_test_server_path):
    from tests.conftest import start_test_server

    env = await start_test_server(base_settings, temporal_test_server_path)
    yield env
    await env.shutdown()


async def _emergency_disclosed(temporal_env, task_queue):
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
    await handle.execute_update(
        LegalProcessWorkflow.record_callback,
        CallbackVerification(verified_by="alice", number_called="+19195550199"),
    )
    await wait_for(handle, awaiting_review)
    await handle.execute_update(
        LegalProcessWorkflow.decide, decision(DecisionAction.APPROVE, "alice")
    )
    await handle.execute_update(
        LegalProcessWorkflow.decide, decision(DecisionAction.APPROVE, "carol", "legal")
    )
    state = await wait_for(handle, lambda s: s.status is Status.CLOSED)
    assert state.outcome is Outcome.PRODUCED  # the request closes as before
    await _completed(handle)
    tracker = temporal_env.client.get_workflow_handle_for(
        EmergencyFollowUpWorkflow.run, follow_up_workflow_id(process.request_id)
    )
    await wait_for(tracker, lambda s: s.due_at is not None, query=EmergencyFollowUpWorkflow.state)
    return process, tracker


async def _completed(handle, timeout: float = 20.0) -> None:
    """Wait, without skipping time, until the workflow has completed (its last activity
    done): one left running would hold the test server's clock for the next test."""
    deadline = asyncio.get_running_loop().time() + timeout
    while (await handle.describe()).status != WorkflowExecutionStatus.COMPLETED:
        assert asyncio.get_running_loop().time() < deadline, "the request never completed"
        await asyncio.sleep(0.05)


def _reminders(carrier, request_id: str) -> list:
    return [
        (at, n) for at, n in carrier.agency_notices if "follow-up legal process due" in n.subject
    ]


async def test_emergency_follow_up_arriving_in_time(temporal_env, task_queue, carrier):
    process, tracker = await _emergency_disclosed(temporal_env, task_queue)
    state = await tracker.query(EmergencyFollowUpWorkflow.state)
    assert state.due_at - (await now_of(temporal_env)) <= dt.timedelta(
        days=POLICY.emergency_follow_up_days
    )
    await tracker.signal(
        EmergencyFollowUpWorkflow.follow_up_received,
        FollowUpArrival(follow_up_request_id="lp_followup", received_at=await now_of(temporal_env)),
    )
    state = await asyncio.wait_for(tracker.result(), RESULT_TIMEOUT)
    assert state.status == "received" and state.follow_up_request_id == "lp_followup"
    assert not state.reminded and _reminders(carrier, process.request_id) == []
    assert carrier.follow_ups[process.request_id] == "awaiting"  # intake records the arrival


async def test_emergency_follow_up_arriving_after_the_reminder(temporal_env, task_queue, carrier):
    process, tracker = await _emergency_disclosed(temporal_env, task_queue)
    due_at = (await tracker.query(EmergencyFollowUpWorkflow.state)).due_at

    async def serve_follow_up_when_reminded(notice) -> None:
        if "follow-up legal process due" in notice.subject:
            await tracker.signal(
                EmergencyFollowUpWorkflow.follow_up_received,
                FollowUpArrival(
                    follow_up_request_id="lp_followup", received_at=dt.datetime.now(dt.UTC)
                ),
            )

    carrier.on_agency_notice = serve_follow_up_when_reminded
    async with temporal_env.time_skipping_unlocked():  # to the reminder, which brings it
        state = await asyncio.wait_for(tracker.result(), RESULT_TIMEOUT)
    assert state.status == "received" and state.reminded
    [(reminded_at, notice)] = _reminders(carrier, process.request_id)
    remind_at = due_at - dt.timedelta(days=POLICY.emergency_follow_up_reminder_days)
    assert abs(reminded_at - remind_at) < dt.timedelta(minutes=1)
    assert due_at.date().isoformat() in notice.subject
    assert [e[2] for e in carrier.follow_up_events] == ["expected"]  # never flagged missing


async def test_emergency_follow_up_never_arriving_flags_the_request(
    temporal_env, task_queue, carrier
):
    """Arriving late is the register's part: intake links it as "late" (tests/register)."""
    process, tracker = await _emergency_disclosed(temporal_env, task_queue)
    due_at = (await tracker.query(EmergencyFollowUpWorkflow.state)).due_at
    async with temporal_env.time_skipping_unlocked():  # past the reminder and the deadline
        state = await asyncio.wait_for(tracker.result(), RESULT_TIMEOUT)
    assert state.status == "missing" and state.reminded
    assert carrier.follow_ups[process.request_id] == "missing"
    [(missed_at, _, _)] = [e for e in carrier.follow_up_events if e[2] == "missed"]
    assert missed_at >= due_at
    assert len(_reminders(carrier, process.request_id)) == 1


async def test_no_follow_up_is_tracked_when_none_is_expected(temporal_env, task_queue, carrier):
    process = received_process(await now_of(temporal_env))  # an auto-approved subpoena
    handle = await start(temporal_env.client, task_queue, process)
    await asyncio.wait_for(handle.result(), RESULT_TIMEOUT)
    assert carrier.follow_up_events == []
