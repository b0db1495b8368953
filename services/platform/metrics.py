"""The worker's business metrics, on the Temporal SDK's own Prometheus endpoint
(``WRIT_WORKER_METRICS_ADDRESS``; docs/operations.md, "Metrics").

Through the SDK's metric meter rather than a second exporter: one port per worker serves
both the SDK's metrics (``temporal_activity_execution_latency`` by ``activity_type`` — the
activity durations —, ``temporal_workflow_completed``, task-queue polls) and these:

- ``writ_request_status_changes{process_type,status}`` — requests by type and status, as
  they move (counter);
- ``writ_legal_processes{status,process_type,overdue}`` — the register's queue depth,
  read every ``REFRESH_SECONDS`` (gauge; the same figures the API's ``/metrics`` serves);
- ``writ_deadline_misses{process_type}`` — open requests past their answer date (gauge);
- ``writ_collection_rows{category}`` — rows collected into productions (counter);
- ``writ_billing_postings{kind}`` — invoices posted (counter);
- ``writ_mails_sent{purpose}`` and ``writ_mail_resends{purpose}`` — mails handed to the
  relay, and resends after an unconfirmed attempt (counters; docs/operations.md, "Mail and
  webhooks: exactly once").

Labels are vocabularies (types, statuses, categories), never identifiers. Activities reach
the meter through ``activity.metric_meter()`` (which adds the SDK's own labels); without a
running activity, and with metrics off, every call is a no-op.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

import structlog
from temporalio import activity
from temporalio.common import MetricMeter

log = structlog.get_logger(__name__)

REFRESH_SECONDS = 15.0


def _meter() -> MetricMeter:
    try:
        return activity.metric_meter()
    except RuntimeError:  # not in an activity (tests calling the code directly)
        return MetricMeter.noop


def count(name: str, description: str, value: int = 1, **labels: str) -> None:
    """Add ``value`` to counter ``name`` with ``labels``, from inside an activity."""
    if value:
        _meter().create_counter(name, description).add(value, labels)


def request_status_changed(process_type: str, status: str) -> None:
    count(
        "writ_request_status_changes",
        "Legal-process status changes, by process type and new status.",
        process_type=process_type,
        status=status,
    )


def collection_rows(category: str, rows: int) -> None:
    count(
        "writ_collection_rows",
        "Rows collected from the carrier lake, by data category.",
        rows,
        category=category,
    )


def billing_posted(kind: str) -> None:
    count("writ_billing_postings", "Invoices posted to the ledger, by kind.", kind=kind)


def mail_sent(purpose: str, *, resend: bool) -> None:
    count("writ_mails_sent", "Mails handed to the SMTP relay, by purpose.", purpose=purpose)
    if resend:
        count(
            "writ_mail_resends",
            "Mails sent again after an attempt whose outcome was not recorded.",
            purpose=purpose,
        )


class QueueGauges:
    """``writ_legal_processes`` and ``writ_deadline_misses`` from the register's counts; a
    combination that disappears is set to 0, so a drained queue reads 0, not its last value."""

    def __init__(self, meter: MetricMeter) -> None:
        self._requests = meter.create_gauge(
            "writ_legal_processes", "Legal processes by status, type and overdue flag."
        )
        self._overdue = meter.create_gauge(
            "writ_deadline_misses", "Open legal processes past their answer date, by type."
        )
        self._seen: set[tuple[str, str, bool]] = set()
        self._seen_types: set[str] = set()

    def update(self, counts: Mapping[tuple[str, str, bool], int]) -> None:
        for key in self._seen - set(counts):
            counts = {**counts, key: 0}
        overdue: dict[str, int] = dict.fromkeys(self._seen_types, 0)
        for (status, process_type, is_overdue), number in sorted(counts.items()):
            self._requests.set(
                number,
                {
                    "status": status,
                    "process_type": process_type,
                    "overdue": str(is_overdue).lower(),
                },
            )
            if is_overdue:
                overdue[process_type] = overdue.get(process_type, 0) + number
            else:
                overdue.setdefault(process_type, 0)
        for process_type, number in sorted(overdue.items()):
            self._overdue.set(number, {"process_type": process_type})
        self._seen |= set(counts)
        self._seen_types |= set(overdue)


async def refresh_queue_gauges(
    meter: MetricMeter, register, stop: asyncio.Event, every: float = REFRESH_SECONDS
) -> None:
    """Until ``stop``: read the register's counts and set the gauges (the worker's loop)."""
    gauges = QueueGauges(meter)
    while not stop.is_set():
        try:
            gauges.update(await register.legal_processes.count_by_status())
        except Exception as exc:  # the next round tries again
            log.warning("queue metrics not refreshed", error=type(exc).__name__)
        try:
            await asyncio.wait_for(stop.wait(), timeout=every)
        except TimeoutError:
            pass
