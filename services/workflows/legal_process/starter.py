"""Starting a request's workflow: once, whoever asks and however often.

Intake records the request and then starts its workflow; a crash between the two would
leave a recorded request nobody works on. Both the retried submission (same
Idempotency-Key) and every worker start call ``ensure_started``, so such a request is
picked up rather than lost, and never started twice (the workflow id is the request id).
"""

from __future__ import annotations

import datetime as dt

import structlog
from temporalio.client import Client
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from contracts.enums import Status
from contracts.legal_process import LegalProcess
from contracts.workflow import LegalProcessInput
from services.register.case_register import Register
from services.workflows.legal_process.workflows import LegalProcessWorkflow

log = structlog.get_logger(__name__)


async def ensure_started(client: Client, task_queue: str, process: LegalProcess) -> bool:
    """Start the workflow of ``process``; False when it already exists (running or done)."""
    try:
        await client.start_workflow(
            LegalProcessWorkflow.run,
            LegalProcessInput(process=process),
            id=process.request_id,
            task_queue=task_queue,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
        )
    except WorkflowAlreadyStartedError:
        return False
    return True


async def resume_orphaned_intakes(
    client: Client,
    register: Register,
    task_queue: str,
    *,
    older_than: dt.timedelta = dt.timedelta(minutes=1),
) -> int:
    """Start the workflow of every request still ``received`` a while after intake."""
    cutoff = dt.datetime.now(dt.UTC) - older_than
    resumed = 0
    for record in await register.legal_processes.list(statuses=[Status.RECEIVED], limit=1000):
        if record.received_at > cutoff:
            continue  # intake may still be starting it
        if await ensure_started(client, task_queue, record.process):
            log.warning("resumed a request whose workflow was never started", request_id=record.id)
            resumed += 1
    return resumed
