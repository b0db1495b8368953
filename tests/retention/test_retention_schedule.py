"""The retention schedule on a real Temporal dev server: created once however often it is
set up (an existing one is updated, keeping an operator's pause), and a triggered run
starts RetentionWorkflow on the worker's task queue."""

from __future__ import annotations

import asyncio

import msgspec
import pytest
from temporalio.client import ScheduleActionStartWorkflow
from temporalio.worker import Worker

from contracts.retention import RetentionReport
from services.workflows.retention.activities import RetentionActivities
from services.workflows.retention.schedule import SCHEDULE_ID, ensure_retention_schedule
from services.workflows.retention.workflows import RetentionWorkflow


@pytest.fixture(scope="module")
async def dev_server(base_settings):
    from temporalio.testing import WorkflowEnvironment

    from services.platform.temporal import data_converter
    from services.stack.servers import bundled_binary

    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=bundled_binary("temporal"),
        data_converter=data_converter(base_settings),
    )
    yield env
    await env.shutdown()


async def schedules_named(client, schedule_id: str, expected: int) -> int:
    """Poll the (eventually consistent) schedule listing until it shows ``expected``."""
    for _ in range(200):
        found = [s async for s in await client.list_schedules() if s.id == schedule_id]
        if len(found) == expected:
            return len(found)
        await asyncio.sleep(0.1)
    return len(found)


async def test_two_set_ups_make_one_schedule(dev_server, base_settings, task_queue, tmp_path):
    client = dev_server.client
    settings = msgspec.structs.replace(base_settings, task_queue=task_queue)
    assert await ensure_retention_schedule(client, settings) == "created"

    handle = client.get_schedule_handle(SCHEDULE_ID)
    await handle.pause(note="paused by operations during an incident")
    weekly = msgspec.structs.replace(settings, retention_every_hours=168)
    assert await ensure_retention_schedule(client, weekly) == "updated"

    described = await handle.describe()
    assert [i.every.total_seconds() for i in described.schedule.spec.intervals] == [168 * 3600]
    assert described.schedule.state.paused, "a redeploy must not unpause the schedule"
    action = described.schedule.action
    assert isinstance(action, ScheduleActionStartWorkflow)
    assert action.workflow == "RetentionWorkflow" and action.task_queue == task_queue
    assert await schedules_named(client, SCHEDULE_ID, 1) == 1

    await handle.unpause()
    # A triggered run is a real RetentionWorkflow on the worker's queue.
    from services.register.engine import create_engine
    from services.register.migrations import upgrade_url

    url = f"sqlite+aiosqlite:///{tmp_path / 'register.db'}"
    await asyncio.to_thread(upgrade_url, url)
    engine = create_engine(url)
    try:
        activities = RetentionActivities(settings, engine, None)
        async with Worker(
            client,
            task_queue=task_queue,
            workflows=[RetentionWorkflow],
            activities=activities.all(),
        ):
            await handle.trigger()
            for _ in range(300):
                recent = (await handle.describe()).info.recent_actions
                if recent:
                    break
                await asyncio.sleep(0.1)
            started = recent[0].action
            report = await client.get_workflow_handle(
                started.workflow_id,
                run_id=started.first_execution_run_id,
                result_type=RetentionReport,
            ).result()
        assert report.purged == {} and report.locked == []
    finally:
        await engine.dispose()
        await handle.delete()
