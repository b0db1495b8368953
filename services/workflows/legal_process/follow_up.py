"""``EmergencyFollowUpWorkflow``: after an emergency disclosure, wait for the follow-up
legal process the policy expects (issue 11; docs/legal-rules.md).

Started by ``LegalProcessWorkflow`` as an abandoned child (id ``follow-up-<request id>``)
once the emergency production is delivered, so the request itself closes as before. It
records that a follow-up is expected (the register's ``follow_up_status`` "awaiting",
with the deadline), reminds the agency before the deadline, and flags the request
("missing": the review queue shows it) when none arrived. Intake links the follow-up
process in the register and signals ``follow_up_received``; a follow-up that arrives after
the deadline is linked by intake as "late". Every wait is a durable timer.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from contracts.workflow import AgencyNotice, FollowUpArrival, FollowUpInput, FollowUpState
    from services.delivery import messages
    from services.workflows.legal_process.activities import LegalProcessActivities

QUICK = {
    "start_to_close_timeout": timedelta(seconds=60),
    "retry_policy": RetryPolicy(maximum_interval=timedelta(seconds=30)),
}


def follow_up_workflow_id(request_id: str) -> str:
    return f"follow-up-{request_id}"


@workflow.defn
class EmergencyFollowUpWorkflow:
    def __init__(self) -> None:
        self._request_id = ""
        self._status = "awaiting"
        self._arrival: FollowUpArrival | None = None
        self._reminded = False
        self._due_at = None

    @workflow.run
    async def run(self, arg: FollowUpInput) -> FollowUpState:
        self._request_id, self._due_at = arg.request_id, arg.due_at
        opened = await workflow.execute_activity_method(
            LegalProcessActivities.open_follow_up, arg, **QUICK
        )
        if opened in ("received", "late"):
            self._status = "received"
            return self.state()
        if not await self._wait_until(arg.remind_at):
            notice = messages.emergency_follow_up_reminder(arg.request_id, arg.due_at.date())
            await workflow.execute_activity_method(
                LegalProcessActivities.notify_agency,
                AgencyNotice(request_id=arg.request_id, subject=notice.subject, body=notice.body),
                **QUICK,
            )
            self._reminded = True
        if await self._wait_until(arg.due_at):
            self._status = "received"
            return self.state()
        self._status = await workflow.execute_activity_method(
            LegalProcessActivities.follow_up_missed, arg.request_id, **QUICK
        )
        return self.state()

    async def _wait_until(self, until) -> bool:
        """True once the follow-up has arrived; False when ``until`` came first."""
        timeout = max(until - workflow.now(), timedelta(0))
        try:
            await workflow.wait_condition(lambda: self._arrival is not None, timeout=timeout)
        except TimeoutError:
            return False
        return True

    @workflow.signal
    def follow_up_received(self, arrival: FollowUpArrival) -> None:
        self._arrival = arrival

    @workflow.query
    def state(self) -> FollowUpState:
        return FollowUpState(
            request_id=self._request_id,
            status=self._status,
            follow_up_request_id=self._arrival.follow_up_request_id if self._arrival else "",
            reminded=self._reminded,
            due_at=self._due_at,
        )
