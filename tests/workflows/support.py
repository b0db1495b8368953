"""Helpers for workflow tests on the real time-skipping test server.

The activities are replaced by recording doubles (the SDK's advice for workflow tests),
except that ``assess`` runs the real, pure decision engine, so every test exercises the
real legal rules.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from temporalio import activity
from temporalio.client import Client, WorkflowHandle

from contracts.billing import BillingInput
from contracts.collection import (
    CollectedFile,
    CollectionRequest,
    CollectionResult,
    DeliveryReceipt,
    DeliveryRequest,
    PackagedFile,
    PackageRequest,
    ProductionPackage,
    TargetOutcome,
)
from contracts.determination import TargetFacts
from contracts.enums import Awaiting, Status
from contracts.legal_process import LegalProcess
from contracts.workflow import (
    AgencyNotice,
    Assessment,
    CustomerNotice,
    FollowUpInput,
    LegalProcessInput,
    StatusChange,
)
from services.decisions.determine import determine
from services.decisions.policy import Policy, timing
from services.workflows.legal_process.workflows import LegalProcessWorkflow

POLICY = Policy(domicile_state="US-NC")


@dataclass
class Recorder:
    """What the workflow asked the outside world to do, in order."""

    statuses: list[StatusChange] = field(default_factory=list)
    collections: list[CollectionRequest] = field(default_factory=list)
    deliveries: list[DeliveryRequest] = field(default_factory=list)
    customer_notices: list[tuple[dt.datetime, CustomerNotice]] = field(default_factory=list)
    agency_notices: list[tuple[dt.datetime, AgencyNotice]] = field(default_factory=list)
    released: list[str] = field(default_factory=list)
    rows_per_target: int = 5
    facts: TargetFacts | None = None  # what the lake would say about the targets
    billing_started: list[str] = field(default_factory=list)
    # The billing doubles (billing_support.BillingRecorder), when a test runs the billing
    # workflow too; otherwise starting billing is only recorded.
    billing: Any = None
    policy: Policy = POLICY  # the policy ``assess`` decides by
    # Emergency follow-up (issue 11): request id -> the register's follow-up status.
    follow_ups: dict[str, str] = field(default_factory=dict)
    follow_up_events: list[tuple[dt.datetime, str, str]] = field(default_factory=list)
    on_agency_notice: Any = None  # an async callable a test runs after each agency notice

    def activities(self) -> list[Callable]:
        recorder = self

        @activity.defn(name="record_status")
        async def record_status(change: StatusChange) -> None:
            recorder.statuses.append(change)

        @activity.defn(name="assess")
        async def assess(arg: LegalProcessInput) -> Assessment:
            now = activity.info().current_attempt_scheduled_time
            determination = determine(arg.process, recorder.policy, now, recorder.facts)
            return Assessment(determination=determination, timing=timing(recorder.policy))

        async def _collect(request: CollectionRequest) -> CollectionResult:
            recorder.collections.append(request)
            rows = recorder.rows_per_target
            return CollectionResult(
                request_id=request.request_id,
                files=[
                    CollectedFile(
                        category=c,
                        table="t",
                        key=f"collections/{request.request_id}/{c}.parquet",
                        rows=rows * len(request.targets),
                        sha256="0" * 64,
                    )
                    for c in request.categories
                ]
                if rows
                else [],
                targets=[TargetOutcome(target=t, rows=rows) for t in request.targets],
            )

        @activity.defn(name="collect_records")
        async def collect_records(request: CollectionRequest) -> CollectionResult:
            return await _collect(request)

        @activity.defn(name="preserve_records")
        async def preserve_records(request: CollectionRequest) -> CollectionResult:
            return await _collect(request)

        @activity.defn(name="release_preservation")
        async def release_preservation(notice: CustomerNotice) -> None:
            recorder.released.append(notice.request_id)

        @activity.defn(name="build_package")
        async def build_package(request: PackageRequest) -> ProductionPackage:
            return ProductionPackage(
                request_id=request.request_id,
                bucket="b",
                prefix="p/",
                manifest_key="p/manifest.json",
                manifest_sha256="1" * 64,
                archive_key="p/production.zip",
                archive_sha256="2" * 64,
                files=[PackagedFile(name="manifest.json", sha256="1" * 64, bytes=10)],
                total_records=request.collection.total_rows,
            )

        @activity.defn(name="deliver_production")
        async def deliver_production(request: DeliveryRequest) -> DeliveryReceipt:
            recorder.deliveries.append(request)
            return DeliveryReceipt(
                request_id=request.request_id, webhook_acknowledged=True, webhook_attempts=1
            )

        @activity.defn(name="notify_customer")
        async def notify_customer(notice: CustomerNotice) -> None:
            recorder.customer_notices.append(
                (activity.info().current_attempt_scheduled_time, notice)
            )

        @activity.defn(name="start_billing")
        async def start_billing(arg: BillingInput) -> None:
            recorder.billing_started.append(arg.request_id)

        @activity.defn(name="notify_agency")
        async def notify_agency(notice: AgencyNotice) -> None:
            recorder.agency_notices.append((activity.info().current_attempt_scheduled_time, notice))
            if recorder.on_agency_notice is not None:
                await recorder.on_agency_notice(notice)

        @activity.defn(name="open_follow_up")
        async def open_follow_up(arg: FollowUpInput) -> str:
            status = recorder.follow_ups.setdefault(arg.request_id, "awaiting")
            recorder.follow_up_events.append(
                (activity.info().current_attempt_scheduled_time, arg.request_id, "expected")
            )
            return status

        @activity.defn(name="follow_up_missed")
        async def follow_up_missed(request_id: str) -> str:
            if recorder.follow_ups.get(request_id) == "awaiting":
                recorder.follow_ups[request_id] = "missing"
            recorder.follow_up_events.append(
                (activity.info().current_attempt_scheduled_time, request_id, "missed")
            )
            return recorder.follow_ups[request_id]

        return [
            open_follow_up,
            follow_up_missed,
            record_status,
            assess,
            collect_records,
            preserve_records,
            release_preservation,
            build_package,
            deliver_production,
            notify_customer,
            notify_agency,
            *([] if recorder.billing is not None else [start_billing]),
        ]

    def status_names(self) -> list[str]:
        return [c.status.value for c in self.statuses]


STARTED: list[str] = []  # workflow ids started by the running test, replayed after it


async def start(client: Client, task_queue: str, process: LegalProcess) -> WorkflowHandle:
    STARTED.append(process.request_id)
    return await client.start_workflow(
        LegalProcessWorkflow.run,
        LegalProcessInput(process=process),
        id=process.request_id,
        task_queue=task_queue,
    )


async def wait_for(
    handle: WorkflowHandle, predicate: Callable, timeout: float = 20.0, query: Any = None
):
    """Poll the ``state`` query until ``predicate(state)`` holds (time does not skip meanwhile)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        state = await handle.query(query or LegalProcessWorkflow.state)
        if predicate(state):
            return state
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"state never matched; last: {state}")
        await asyncio.sleep(0.05)


def awaiting_review(state) -> bool:
    return state.status is Status.IN_REVIEW and state.awaiting is Awaiting.REVIEW
