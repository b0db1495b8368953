"""``writ worker``: runs LegalProcessWorkflow (with EmergencyFollowUpWorkflow),
RetentionWorkflow and their activities on the task queue."""

from __future__ import annotations

import asyncio
import concurrent.futures
import signal

import structlog
from temporalio.client import Client
from temporalio.worker import Worker

from services.decisions.policy import load_policy
from services.delivery.signing import load_signer
from services.platform.logging import configure_logging
from services.platform.metrics import refresh_queue_gauges
from services.platform.objectstore import s3_client
from services.platform.settings import Settings, get_settings
from services.platform.temporal import connect, temporal_runtime
from services.platform.tracing import configure_tracing
from services.register.audit_checkpoints import write_checkpoint
from services.register.case_register import Register
from services.workflows.billing.worker_parts import billing_activities, billing_workflows
from services.workflows.legal_process.activities import LegalProcessActivities
from services.workflows.legal_process.follow_up import EmergencyFollowUpWorkflow
from services.workflows.legal_process.starter import resume_orphaned_intakes
from services.workflows.legal_process.workflows import LegalProcessWorkflow
from services.workflows.retention.activities import RetentionActivities
from services.workflows.retention.workflows import RetentionWorkflow

log = structlog.get_logger(__name__)


def build_worker(
    client: Client,
    settings: Settings,
    register: Register,
    *,
    task_queue: str | None = None,
    executor: concurrent.futures.Executor,
) -> Worker:
    # Fail at start, not at the first production, when productions cannot be signed.
    load_signer(settings)
    activities = LegalProcessActivities(
        settings, register, s3_client(settings), load_policy(settings.policy_file or None)
    )
    # Retention hook: the scheduled purge runs on the same task queue (docs/architecture.md §11).
    retention = RetentionActivities(settings, register.engine, s3_client(settings))
    return Worker(
        client,
        task_queue=task_queue or settings.task_queue,
        # BillingWorkflow and RetentionWorkflow run on the same task queue.
        workflows=[
            LegalProcessWorkflow,
            EmergencyFollowUpWorkflow,  # issue 11: an emergency disclosure's follow-up
            RetentionWorkflow,
            *billing_workflows(),
        ],
        activities=activities.all()
        + retention.all()
        + billing_activities(settings, register, client),
        activity_executor=executor,
        # Async activities (the register writes) wait on I/O and need only a slot; the
        # blocking ones (boto3, DuckDB, PDF) also take one of the executor's threads.
        max_concurrent_activities=settings.worker_activity_slots,
    )


async def run_worker(settings: Settings | None = None) -> None:
    settings = settings or get_settings()
    configure_logging()
    configure_tracing("writ-worker")
    register = Register.connect(settings.database_url_async)
    client = await connect(settings, serve_metrics=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    with concurrent.futures.ThreadPoolExecutor(
        max_workers=settings.worker_activity_threads
    ) as executor:
        worker = build_worker(client, settings, register, executor=executor)
        log.info("worker started", task_queue=settings.task_queue)
        async with worker:
            resumed = await resume_orphaned_intakes(client, register, settings.task_queue)
            if resumed:
                log.warning("resumed requests left unstarted by an earlier crash", count=resumed)
            anchoring = asyncio.create_task(_anchor_periodically(settings, register, stop))
            gauges = None
            if settings.worker_metrics_address:  # business metrics beside the SDK's
                meter = temporal_runtime(settings.worker_metrics_address).metric_meter
                gauges = asyncio.create_task(refresh_queue_gauges(meter, register, stop))
            await stop.wait()
            log.info("worker stopping: finishing running activities")
            await anchoring
            if gauges is not None:
                await gauges
    await register.close()


async def _anchor_periodically(settings: Settings, register: Register, stop: asyncio.Event) -> None:
    """Sign the audit chain head into object-locked S3 every few minutes (issue 13 defect
    5): rows deleted or re-hashed after the last delivery are then caught too."""
    minutes = settings.audit_checkpoint_every_minutes
    if minutes <= 0:
        return
    s3 = s3_client(settings)
    while not stop.is_set():
        try:
            written = await write_checkpoint(register.engine, s3, settings, "periodic")
            if written is not None:
                log.info("audit chain anchored", seq=written.seq)
        except Exception as exc:  # the next round tries again; deliveries anchor meanwhile
            log.warning("audit checkpoint not written", error=type(exc).__name__)
        try:
            await asyncio.wait_for(stop.wait(), timeout=minutes * 60)
        except TimeoutError:
            pass
