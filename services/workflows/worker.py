"""``writ worker``: runs LegalProcessWorkflow and its activities on the task queue."""

from __future__ import annotations

import asyncio
import concurrent.futures
import signal

import structlog
from temporalio.client import Client
from temporalio.worker import Worker

from services.decisions.policy import load_policy
from services.platform.logging import configure_logging
from services.platform.objectstore import s3_client
from services.platform.settings import Settings, get_settings
from services.platform.temporal import connect
from services.register.repository import Register, create_engine
from services.workflows.billing.worker_parts import billing_activities, billing_workflows
from services.workflows.legal_process.activities import LegalProcessActivities
from services.workflows.legal_process.starter import resume_orphaned_intakes
from services.workflows.legal_process.workflows import LegalProcessWorkflow

log = structlog.get_logger(__name__)


def build_worker(
    client: Client,
    settings: Settings,
    register: Register,
    *,
    task_queue: str | None = None,
    executor: concurrent.futures.Executor,
) -> Worker:
    activities = LegalProcessActivities(
        settings, register, s3_client(settings), load_policy(settings.policy_file or None)
    )
    return Worker(
        client,
        task_queue=task_queue or settings.task_queue,
        # Billing hook: BillingWorkflow and its activities run on the same task queue.
        workflows=[LegalProcessWorkflow, *billing_workflows()],
        activities=activities.all() + billing_activities(settings, register, client),
        activity_executor=executor,
        max_concurrent_activities=16,
    )


async def run_worker(settings: Settings | None = None) -> None:
    settings = settings or get_settings()
    configure_logging()
    register = Register(create_engine(settings.database_url_async))
    client = await connect(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    with concurrent.futures.ThreadPoolExecutor(max_workers=16) as executor:
        worker = build_worker(client, settings, register, executor=executor)
        log.info("worker started", task_queue=settings.task_queue)
        async with worker:
            resumed = await resume_orphaned_intakes(client, register, settings.task_queue)
            if resumed:
                log.warning("resumed requests left unstarted by an earlier crash", count=resumed)
            await stop.wait()
            log.info("worker stopping: finishing running activities")
    await register.close()
