"""The SDK's core runtime as ``connect()`` sets it up: its log lines go through Python
logging (so structlog's JSON and redaction), and the worker serves its Prometheus metrics."""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import timedelta

import httpx
import msgspec
from temporalio import activity, workflow
from temporalio.worker import UnsandboxedWorkflowRunner, Worker

from services.platform.temporal import connect
from services.stack.servers import free_port


@activity.defn
async def say_hello(name: str) -> str:
    return f"hello {name}"


@workflow.defn
class GreetingWorkflow:
    @workflow.run
    async def run(self, name: str) -> str:
        return await workflow.execute_activity(
            say_hello, name, start_to_close_timeout=timedelta(seconds=10)
        )


async def test_the_worker_serves_sdk_metrics_and_core_logs_reach_python(
    base_settings, temporal_env, caplog
):
    address = f"127.0.0.1:{free_port()}"
    settings = msgspec.structs.replace(
        base_settings,
        temporal_address=temporal_env.client.service_client.config.target_host,
        worker_metrics_address=address,
    )
    client = await connect(settings, serve_metrics=True)
    queue = f"writ-test-{uuid.uuid4()}"
    async with Worker(
        client,
        task_queue=queue,
        workflows=[GreetingWorkflow],
        activities=[say_hello],
        # A greeting needs no sandbox; the test module's imports would not pass it.
        workflow_runner=UnsandboxedWorkflowRunner(),
    ):
        result = await client.execute_workflow(
            GreetingWorkflow.run, "writ", id=f"greet-{uuid.uuid4()}", task_queue=queue
        )
    assert result == "hello writ"
    async with httpx.AsyncClient() as http:
        for _ in range(50):  # the exporter publishes on its own interval
            text = (await http.get(f"http://{address}/metrics")).text
            if "temporal_activity_execution_latency" in text:
                break
            await asyncio.sleep(0.2)
    assert "temporal_activity_execution_latency" in text
    assert f'task_queue="{queue}"' in text
    # The test server lacks a capability the core warns about when a worker starts: that
    # warning arrives as a Python log record (structlog formats and redacts it), not as a
    # line the core printed to stderr itself.
    core = [r for r in caplog.records if r.name.startswith("temporalio.core")]
    assert core and all(r.levelno >= logging.WARNING for r in core), caplog.records
