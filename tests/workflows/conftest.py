"""A worker running LegalProcessWorkflow with recording activity doubles."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from temporalio.worker import Replayer, Worker

from services.workflows.billing.workflows import BillingWorkflow
from services.workflows.legal_process.follow_up import EmergencyFollowUpWorkflow
from services.workflows.legal_process.workflows import LegalProcessWorkflow
from tests.workflows.billing_support import BillingRecorder
from tests.workflows.support import STARTED, Recorder

HISTORIES = Path(__file__).parent / "histories"


@pytest.fixture(scope="module")
async def temporal_env(base_settings, temporal_test_server_path):
    """A test server of this package's own: its tests skip months ahead, which must not
    move the clock under the API and end-to-end tests."""
    from tests.conftest import start_test_server

    env = await start_test_server(base_settings, temporal_test_server_path)
    yield env
    await env.shutdown()


@pytest.fixture
async def carrier(temporal_env, task_queue):
    recorder = Recorder()
    recorder.billing = BillingRecorder()  # the billing child runs beside (docs/billing.md)
    async with Worker(
        temporal_env.client,
        task_queue=task_queue,
        workflows=[LegalProcessWorkflow, BillingWorkflow, EmergencyFollowUpWorkflow],
        activities=recorder.activities() + recorder.billing.activities(),
    ):
        yield recorder


@pytest.fixture(autouse=True)
async def replays_deterministically(request, temporal_env):
    """After each test, replay the histories it produced against the current workflow code:
    a non-deterministic change fails here, not in production. WRIT_RECORD_HISTORIES=1
    also saves them under histories/ so future code must replay today's runs too."""
    from services.platform.settings import Settings
    from services.platform.temporal import data_converter
    from tests.conftest import TEST_PAYLOAD_KEY

    STARTED.clear()
    yield
    converter = data_converter(Settings(payload_key=TEST_PAYLOAD_KEY))
    replayer = Replayer(workflows=[LegalProcessWorkflow], data_converter=converter)
    for workflow_id in list(STARTED):
        history = await temporal_env.client.get_workflow_handle(workflow_id).fetch_history()
        await replayer.replay_workflow(history)
        if os.environ.get("WRIT_RECORD_HISTORIES"):
            HISTORIES.mkdir(exist_ok=True)
            name = re.sub(r"[^a-z0-9_]+", "_", request.node.name.lower())
            (HISTORIES / f"{name}.json").write_text(history.to_json())
    STARTED.clear()
