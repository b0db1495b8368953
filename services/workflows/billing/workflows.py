"""``BillingWorkflow``: one request's charge, held while customer notice is barred and
posted exactly once (docs/billing.md).

Started by ``LegalProcessWorkflow`` (its ``start_billing`` activity) once the outcome is
known (after delivery, at a ``no_data`` close, at the end of a preservation); it is not a
child, so the request closes while its charge is still held under a §2705(b) order.
Workflow id: ``billing-<request id>``, never reused. Deterministic; only the request id
and counts pass through here (the computed charge stays in the ledger).
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from contracts.billing import (
        BillingInput,
        BillingRelease,
        BillingState,
        ChargeHold,
        HoldKind,
        PostingRequest,
    )
    from contracts.enums import Role
    from services.workflows.billing.activities import BillingActivities

PREPARE = {
    "start_to_close_timeout": timedelta(minutes=5),
    "retry_policy": RetryPolicy(maximum_interval=timedelta(minutes=5)),
}
POST = {
    "start_to_close_timeout": timedelta(minutes=5),
    # A worker killed mid-posting is noticed in half a minute; the activity heartbeats
    # between its steps (ledger, each invoice's PDF and event, each mail).
    "heartbeat_timeout": timedelta(seconds=30),
    "retry_policy": RetryPolicy(backoff_coefficient=2.0, maximum_interval=timedelta(minutes=10)),
}


def billing_workflow_id(request_id: str) -> str:
    return f"billing-{request_id}"


@workflow.defn
class BillingWorkflow:
    def __init__(self) -> None:
        self._request_id = ""
        self._stage = "preparing"
        self._hold = ChargeHold()
        self._release: BillingRelease | None = None
        self._invoice_ids: list[str] = []

    @workflow.run
    async def run(self, arg: BillingInput) -> BillingState:
        self._request_id = arg.request_id
        prepared = await workflow.execute_activity_method(
            BillingActivities.prepare_charge, arg, **PREPARE
        )
        self._hold = prepared.hold
        if prepared.zero_charge_reason:
            self._stage = "not_charged"
            return self.state()
        if self._hold.kind is not HoldKind.NONE:
            self._stage = "held"
            await self._wait_for_hold_to_end()
        self._stage = "posting"
        release = self._release
        receipt = await workflow.execute_activity_method(
            BillingActivities.post_charge,
            PostingRequest(
                request_id=arg.request_id,
                posted_at=workflow.now(),
                released_by=release.released_by if release else "",
                release_reason=release.reason if release else "",
            ),
            **POST,
        )
        self._invoice_ids = list(receipt.invoice_ids)
        self._stage = "posted"
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.state()

    async def _wait_for_hold_to_end(self) -> None:
        """A dated order: a durable timer to the day after its last day (legal may release
        it earlier). Any other bar: until legal releases it."""
        released = lambda: self._release is not None  # noqa: E731
        if self._hold.until is None:
            await workflow.wait_condition(released)
            return
        remaining = max(self._hold.until - workflow.now(), timedelta(0))
        try:
            await workflow.wait_condition(released, timeout=remaining)
        except TimeoutError:
            pass

    @workflow.update
    async def release(self, release: BillingRelease) -> BillingState:
        self._release = release
        return self.state()

    @release.validator
    def _validate_release(self, release: BillingRelease) -> None:
        if self._stage != "held":
            raise ValueError(f"no charge is held for this request (it is {self._stage})")
        if Role.LEGAL.value not in release.releaser_roles:
            raise ValueError("only legal may release a held charge")
        if not release.released_by.strip():
            raise ValueError("the releasing person must be recorded")
        if not release.reason.strip():
            raise ValueError("a release needs a reason")

    @workflow.query
    def state(self) -> BillingState:
        return BillingState(
            request_id=self._request_id,
            stage=self._stage,
            hold=self._hold,
            released_by=self._release.released_by if self._release else "",
            invoice_ids=list(self._invoice_ids),
        )
