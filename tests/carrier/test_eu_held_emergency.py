"""An approved emergency request for a number the EU subsidiary holds collects its records.

GDPR Art. 48 keeps the subsidiary's records its own, so collection reads each target only
among the customers of the entity controlling it; an emergency is the one US request the
engine lets through for EU-held data (a vital-interests transfer, Art. 49(1)(f), legal
deciding). Before the collection request named the entity per target, such a target was
read among the US parent's customers and collected nothing. Real lake (the planted
fixtures in SeaweedFS), real decision engine, and the workflow on the time-skipping server.
"""

from __future__ import annotations

import asyncio
import datetime as dt

import msgspec
import pytest
from temporalio import activity
from temporalio.worker import Replayer, Worker

from contracts.collection import CollectionRequest, CollectionResult
from contracts.determination import LegalEntity
from contracts.enums import DataCategory, DecisionAction, IssuerKind, Outcome, ProcessType, Status
from contracts.legal_process import Emergency, LegalProcess, Period
from contracts.workflow import LegalProcessInput, ReviewDecision
from services.carrier.collector import collect
from services.carrier.facts import target_facts
from services.decisions.approval import Approval, approve
from services.decisions.approved_scope import collection_request
from services.decisions.determine import determine
from services.decisions.policy import Policy
from services.platform.settings import Settings
from services.platform.temporal import data_converter
from services.workflows.legal_process.workflows import LegalProcessWorkflow
from tests.carrier import planted
from tests.carrier.conftest import read_back
from tests.factories import NOW, make_process, number, received_process
from tests.workflows.support import Recorder, awaiting_review, wait_for

pytestmark = pytest.mark.usefixtures("lake")

LAKE_PERIOD = Period(start=dt.date(2025, 1, 1), end=dt.date(2025, 6, 30))
POLICY = Policy(domicile_state="US-NC")
CALL_BACK = Emergency(nature_of_danger="kidnapping in progress", callback_verified_by="sgt.k")


def legal(reviewer: str) -> ReviewDecision:
    return ReviewDecision(
        action=DecisionAction.APPROVE, reviewer=reviewer, reviewer_roles=["legal"]
    )


def eu_emergency(process: LegalProcess) -> LegalProcess:
    return msgspec.structs.replace(
        process,
        process_type=ProcessType.EMERGENCY_REQUEST,
        issuer_kind=IssuerKind.LOCAL,
        issuer_name="Raleigh Police Department",
        jurisdiction="US-NC",
        targets=[number(planted.EU_NUMBER)],
        categories=[DataCategory.SUBSCRIBER_INFO, DataCategory.TOLL_RECORDS],
        period=LAKE_PERIOD,
        return_date=None,
        emergency=CALL_BACK,
    )


def test_the_engine_lets_the_eu_held_emergency_target_through_to_its_own_entity(
    lake_settings: Settings, s3
) -> None:
    process = eu_emergency(make_process())
    facts = target_facts(process.targets, process.period, lake_settings)
    determination = determine(process, POLICY, NOW, facts)
    (target,) = determination.targets
    assert target.allowed and target.entity is LegalEntity.EU
    assert determination.legal_review_required and determination.approvals_required == 2

    approval = approve(Approval(), legal("carol"), determination)
    approval = approve(approval, legal("dave"), determination)
    request = collection_request(process, determination, approval)
    assert request.target_entities == {planted.EU_NUMBER: LegalEntity.EU}

    result = collect(request, lake_settings)
    (outcome,) = result.targets
    assert outcome.accounts == [planted.EVE] and outcome.no_data_reason == ""
    tolls = [f for f in result.files if f.category is DataCategory.TOLL_RECORDS]
    calls = [row for f in tolls for row in read_back(s3, lake_settings, f).to_pylist()]
    # The one planted call of Eve's (toll records name the call, not its id: §2703(c)(2)(C)).
    assert [row["start_time"] for row in calls] == [planted.at("2025-03-03")]


@pytest.fixture(scope="module")
async def temporal_env(base_settings, temporal_test_server_path):
    """A test server of this module's own: it skips time, which must not move the clock
    under the API and end-to-end tests."""
    from tests.conftest import start_test_server

    env = await start_test_server(base_settings, temporal_test_server_path)
    yield env
    await env.shutdown()


async def test_the_workflow_collects_an_approved_eu_held_emergency_target(
    temporal_env, task_queue: str, lake_settings: Settings, base_settings: Settings
) -> None:
    process = eu_emergency(received_process(await temporal_env.get_current_time()))
    recorder = Recorder()
    recorder.facts = await asyncio.to_thread(
        target_facts, process.targets, process.period, lake_settings
    )
    collected: list[CollectionResult] = []

    @activity.defn(name="collect_records")
    async def collect_records(request: CollectionRequest) -> CollectionResult:
        recorder.collections.append(request)
        result = await asyncio.to_thread(collect, request, lake_settings)
        collected.append(result)
        return result

    activities = [a for a in recorder.activities() if a.__name__ != "collect_records"]
    async with Worker(
        temporal_env.client,
        task_queue=task_queue,
        workflows=[LegalProcessWorkflow],
        activities=[*activities, collect_records],
    ):
        handle = await temporal_env.client.start_workflow(
            LegalProcessWorkflow.run,
            LegalProcessInput(process=process),
            id=process.request_id,
            task_queue=task_queue,
        )
        state = await wait_for(handle, awaiting_review)
        assert state.determination.targets[0].entity is LegalEntity.EU
        await handle.execute_update(LegalProcessWorkflow.decide, legal("carol"))
        await handle.execute_update(LegalProcessWorkflow.decide, legal("dave"))
        state = await handle.result()

    assert state.status is Status.CLOSED and state.outcome is Outcome.PRODUCED
    [request] = recorder.collections
    assert request.entity_of(number(planted.EU_NUMBER)) is LegalEntity.EU
    [result] = collected
    assert result.targets[0].accounts == [planted.EVE] and result.total_rows > 0
    [delivery] = recorder.deliveries
    assert delivery.package.total_records == result.total_rows

    replayer = Replayer(
        workflows=[LegalProcessWorkflow], data_converter=data_converter(base_settings)
    )
    await replayer.replay_workflow(await handle.fetch_history())
