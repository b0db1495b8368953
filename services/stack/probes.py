"""Readiness probes the supervisor polls: real requests, never a sleep that hopes."""

from __future__ import annotations

import asyncio
import datetime as dt
import urllib.error
import urllib.request


def http_get(url: str, timeout: float = 2.0) -> tuple[int | None, str]:
    """``(status, body)`` of a GET; ``(None, reason)`` when nothing answered."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read(2000).decode(errors="replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(2000).decode(errors="replace")
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        return None, f"no answer from {url}: {reason}"


class TaskQueueProbe:
    """Whether any worker polls a task queue, asked of the Temporal frontend.

    Keeps one event loop and one client across polls, so probing twice a second is cheap.
    """

    def __init__(self, address: str, namespace: str, task_queue: str) -> None:
        self.address = address
        self.namespace = namespace
        self.task_queue = task_queue
        self._loop = asyncio.new_event_loop()
        self._client = None

    def has_pollers(self) -> bool:
        return self._loop.run_until_complete(self._has_pollers())

    async def _has_pollers(self) -> bool:
        from temporalio.api.enums.v1 import TaskQueueKind, TaskQueueType
        from temporalio.api.taskqueue.v1 import TaskQueue
        from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
        from temporalio.client import Client

        if self._client is None:
            self._client = await Client.connect(self.address, namespace=self.namespace)
        response = await self._client.workflow_service.describe_task_queue(
            DescribeTaskQueueRequest(
                namespace=self.namespace,
                task_queue=TaskQueue(
                    name=self.task_queue, kind=TaskQueueKind.TASK_QUEUE_KIND_NORMAL
                ),
                task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
            ),
            timeout=dt.timedelta(seconds=2),
        )
        return len(response.pollers) > 0

    def close(self) -> None:
        self._client = None
        self._loop.close()
