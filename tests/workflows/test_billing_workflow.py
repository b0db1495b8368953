"""BillingWorkflow on the time-skipping test server (docs/billing.md "Gags"): nothing is
posted while customer notice is barred; a dated §2705(b) order posts the day after it ends
(a durable timer); an indefinite order, an emergency bar or national-security process wait
for legal's release, which records the releasing person; posting happens exactly once,
through retries. Every history is replayed afterwards."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid

import pytest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.service import RPCError
from temporalio.worker import Replayer, Worker

from contracts.billing import BillingInput, BillingRelease, ChargeHold, HoldKind
from contracts.enums import (
    DataCategory,
    DecisionAction,
    Outcome,
    ProcessType,
    RejectionReason,
    Status,
)
from contracts.legal_process import NdoTerm
from contracts.workflow import ReviewDecision
from services.workflows.billing.workflows import BillingWorkflow, billing_workflow_id
from services.workflows.legal_process.workflows import LegalProcessWorkflow
from tests.factories import received_process as make_process
from tests.workflows.billing_support import BillingRecorder
from tests.workflows.support import awaiting_review, start, wait_for

STARTED_BILLING: list[str] = []


@pytest.fixture
async def billing(temporal_env, task_queue):
    recorder = BillingRecorder()
    async with Worker(
        temporal_env.client,
        task_queue=task_queue,
        workflows=[BillingWorkflow],
        activities=recorder.activities(),
    ):
        yield recorder
    from services.platform.settings import Settings
    from services.platform.temporal import data_converter
    from tests.conftest import TEST_PAYLOAD_KEY

    replayer = Replayer(
        workflows=[BillingWorkflow],
        data_converter=data_converter(Settings(payload_key=TEST_PAYLOAD_KEY)),
    )
    for workflow_id in list(STARTED_BILLING):
        history = await temporal_env.client.get_workflow_handle(workflow_id).fetch_history()
        await replayer.replay_workflow(history)
    STARTED_BILLING.clear()


async def start_billing(env, task_queue: str):
    request_id = f"lp_{uuid.uuid4().hex[:24]}"
    STARTED_BILLING.append(billing_workflow_id(request_id))
    return await env.client.start_workflow(
        BillingWorkflow.run,
        BillingInput(request_id=request_id),
        id=billing_workflow_id(request_id),
        task_queue=task_queue,
    )


async def wait_stage(handle, stage: str, timeout: float = 20.0):
    """Poll the billing ``state`` query until it reaches ``stage``."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        try:
            state = await handle.query(BillingWorkflow.state)
        except RPCError:
            state = None  # the child may not have run its first task yet
        if state is not None and state.stage == stage:
            return state
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"billing never reached {stage}; last: {state}")
        await asyncio.sleep(0.05)


async def release(handle, release: BillingRelease) -> None:
    """Send an accepted release. The time-skipping test server may forget an update's outcome
    once the workflow has finished (here at once: the posting double is instant), so a poll
    answered "update not found" counts as delivered; the workflow's result is checked."""
    try:
        await handle.execute_update(BillingWorkflow.release, release)
    except RPCError as exc:
        if "update" not in str(exc) or "not found" not in str(exc):
            raise


def legal(name: str = "lee", *roles: str) -> BillingRelease:
    return BillingRelease(
        released_by=name, releaser_roles=list(roles or ["legal"]), reason="order lifted"
    )


async def test_no_gag_posts_at_once(temporal_env, task_queue, billing):
    handle = await start_billing(temporal_env, task_queue)
    state = await handle.result()
    assert state.stage == "posted"
    assert len(billing.posted) == 1
    assert billing.posted[0][1].released_by == ""


async def test_dated_ndo_posts_the_day_after_it_ends_and_not_before(
    temporal_env, task_queue, billing
):
    now = await temporal_env.get_current_time()
    until = dt.datetime.combine(
        now.date() + dt.timedelta(days=181), dt.time(), tzinfo=dt.UTC
    )  # an order whose last day is 180 days from now
    billing.hold = ChargeHold(kind=HoldKind.NDO_UNTIL, until=until)
    handle = await start_billing(temporal_env, task_queue)
    await wait_stage(handle, "held")
    await temporal_env.sleep(dt.timedelta(days=179))
    assert (await handle.query(BillingWorkflow.state)).stage == "held"
    assert billing.posted == []  # nothing customer-visible while the order is in force
    state = await handle.result()  # time skips to the timer
    assert state.stage == "posted"
    ((posted_at, request),) = billing.posted
    assert posted_at >= until
    assert request.posted_at >= until  # the invoice is dated after the order ended


@pytest.mark.parametrize(
    "kind", [HoldKind.NDO_INDEFINITE, HoldKind.EMERGENCY, HoldKind.NATIONAL_SECURITY]
)
async def test_indefinite_holds_wait_for_legal_release(temporal_env, task_queue, billing, kind):
    billing.hold = ChargeHold(kind=kind)
    handle = await start_billing(temporal_env, task_queue)
    await wait_stage(handle, "held")
    await temporal_env.sleep(dt.timedelta(days=400))  # over a year: still held
    await wait_stage(handle, "held")
    assert (await handle.query(BillingWorkflow.state)).stage == "held"
    assert billing.posted == []

    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await handle.execute_update(BillingWorkflow.release, legal("rita", "reviewer"))
    assert "only legal" in str(refused.value.cause)
    with pytest.raises(WorkflowUpdateFailedError):
        await handle.execute_update(BillingWorkflow.release, legal(" "))

    await release(handle, legal("lee"))
    state = await handle.result()
    assert state.stage == "posted" and state.released_by == "lee"
    ((_, request),) = billing.posted
    assert (request.released_by, request.release_reason) == ("lee", "order lifted")

    with pytest.raises((WorkflowUpdateFailedError, RPCError)):  # finished: nothing to release
        await handle.execute_update(BillingWorkflow.release, legal("lee"))


async def test_zero_charge_posts_nothing(temporal_env, task_queue, billing):
    billing.zero_charge_reason = "national-security process is not charged"
    billing.hold = ChargeHold(kind=HoldKind.NATIONAL_SECURITY)
    handle = await start_billing(temporal_env, task_queue)
    state = await handle.result()
    assert state.stage == "not_charged"
    assert billing.posted == []


async def test_posting_retried_posts_once(temporal_env, task_queue, billing):
    billing.fail_posting_times = 2
    handle = await start_billing(temporal_env, task_queue)
    state = await handle.result()
    assert state.stage == "posted"
    assert billing.attempts == 3
    assert len(billing.posted) == 1


# -- started by LegalProcessWorkflow -------------------------------------------------------


async def test_delivered_request_starts_its_billing_once(temporal_env, task_queue, carrier):
    process = make_process(await temporal_env.get_current_time())
    handle = await start(temporal_env.client, task_queue, process)
    state = await handle.result()
    assert state.status is Status.CLOSED and state.outcome is Outcome.PRODUCED
    assert carrier.billing.started == [process.request_id]
    assert len(carrier.deliveries) == 1


async def test_request_under_ndo_starts_billing_before_it_closes(temporal_env, task_queue, carrier):
    """The billing workflow is started at delivery; it holds the charge itself."""
    now = await temporal_env.get_current_time()
    process = make_process(now, ndo=NdoTerm(authority="Wake County Superior Court", ends_on=None))
    state = await (await start(temporal_env.client, task_queue, process)).result()
    assert state.status is Status.CLOSED
    assert carrier.billing.started == [process.request_id]
    assert carrier.customer_notices == []


async def test_no_data_close_starts_billing(temporal_env, task_queue, carrier):
    carrier.rows_per_target = 0
    process = make_process(await temporal_env.get_current_time())
    state = await (await start(temporal_env.client, task_queue, process)).result()
    assert state.outcome is Outcome.NO_DATA
    assert carrier.billing.started == [process.request_id]


async def test_rejected_request_is_never_billed(temporal_env, task_queue, carrier):
    process = make_process(
        await temporal_env.get_current_time(),
        ProcessType.COURT_ORDER_2703D,
        (DataCategory.DETAIL_RECORDS,),
    )
    handle = await start(temporal_env.client, task_queue, process)
    await wait_for(handle, awaiting_review)
    await handle.execute_update(
        LegalProcessWorkflow.decide,
        ReviewDecision(
            action=DecisionAction.REJECT,
            reviewer="alice",
            reviewer_roles=["reviewer"],
            reason_code=RejectionReason.OVERBROAD,
        ),
    )
    state = await handle.result()
    assert state.status is Status.REJECTED
    assert carrier.billing.started == []
