"""A request's view when its workflow cannot answer the ``state`` query: the register's
view, never a 500. A query can fail for more than a timeout (a workflow task failing, the
SDK's "Potential deadlock" under load): here a worker runs a workflow of the same name whose
``state`` query raises, so the query fails as a query, not as an RPC or a timeout."""

from __future__ import annotations

import pytest
from temporalio import workflow
from temporalio.worker import UnsandboxedWorkflowRunner, Worker

from tests.support import submission, submit


@workflow.defn(name="LegalProcessWorkflow")
class BrokenStateWorkflow:
    """Stands in for a workflow whose query handler fails."""

    @workflow.run
    async def run(self, arg: object) -> None:
        await workflow.wait_condition(lambda: False)

    @workflow.query(name="state")
    def state(self) -> object:
        raise RuntimeError("the query handler failed")


@pytest.fixture
async def broken_worker(temporal_env, service_settings):
    async with Worker(
        temporal_env.client,
        task_queue=service_settings.task_queue,
        workflows=[BrokenStateWorkflow],
        workflow_runner=UnsandboxedWorkflowRunner(),
    ):
        yield


async def test_a_failing_state_query_answers_from_the_register(api, agency, broken_worker):
    created = await submit(api, agency["headers"], submission())
    assert created.status_code == 201, created.text
    request_id = created.json()["id"]
    view = await api.get(f"/v1/legal-processes/{request_id}", headers=agency["headers"])
    assert view.status_code == 200, view.text
    assert view.json()["id"] == request_id and view.json()["status"] == "received"
