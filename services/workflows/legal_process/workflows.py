"""``LegalProcessWorkflow``: the durable life of one request (docs/architecture.md §5).

Deterministic: no I/O, no clock but ``workflow.now()``. The machine's legal
determination arrives from the ``assess`` activity (it needs the policy file and the
carrier's number-assignment facts); people decide through validated updates; every
deadline is a durable timer. Only references to subscriber data pass through here.
"""

from __future__ import annotations

import datetime as dt
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    # Billing hook (docs/billing.md): the input of the workflow that holds and posts the charge.
    from contracts.billing import BillingInput
    from contracts.collection import (
        CollectionRequest,
        CollectionResult,
        DeliveryReceipt,
        DeliveryRequest,
        PackageRequest,
        ProductionPackage,
    )
    from contracts.determination import Determination, Disposition
    from contracts.enums import (
        DataCategory,
        DecisionAction,
        Outcome,
        ProcessType,
        Role,
        Status,
    )
    from contracts.legal_process import LegalProcess, Period
    from contracts.workflow import (
        AgencyNotice,
        AgencyResponse,
        Assessment,
        CallbackVerification,
        CaseState,
        CustomerNotice,
        Deadlines,
        DecisionReceipt,
        ExtensionRequest,
        LegalProcessInput,
        RequesterVerification,
        ReviewDecision,
        StatusChange,
        Timing,
        Withdrawal,
    )
    from services.workflows import search_attributes as sa

SYSTEM = "writ"
QUICK = {
    "start_to_close_timeout": timedelta(seconds=60),
    "retry_policy": RetryPolicy(maximum_interval=timedelta(seconds=30)),
}
LONG_SCAN = {
    "start_to_close_timeout": timedelta(hours=2),
    "heartbeat_timeout": timedelta(minutes=2),
    "retry_policy": RetryPolicy(maximum_interval=timedelta(minutes=1)),
}
DELIVERY = {
    "start_to_close_timeout": timedelta(minutes=5),
    # A worker that dies mid-delivery is noticed in half a minute, not after five; the
    # activity heartbeats between its steps, none of which blocks for longer than 20 s.
    "heartbeat_timeout": timedelta(seconds=30),
    # The agency's endpoint may be down for a while; keep trying with backoff for a day.
    "schedule_to_close_timeout": timedelta(days=1),
    "retry_policy": RetryPolicy(backoff_coefficient=2.0, maximum_interval=timedelta(minutes=30)),
}

APPROVER_ROLES = {Role.REVIEWER.value, Role.LEGAL.value}
FINISHED = {
    Status.DELIVERED,
    Status.CLOSED,
    Status.REJECTED,
    Status.REDIRECTED,
    Status.WITHDRAWN,
    Status.RELEASED,
}


class Withdrawn(Exception):
    """Raised inside the run to unwind to the single clean exit for a withdrawal."""


def _end_of_day(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day + timedelta(days=1), dt.time(), tzinfo=dt.UTC)


@workflow.defn
class LegalProcessWorkflow:
    def __init__(self) -> None:
        self._process: LegalProcess | None = None
        self._status = Status.RECEIVED
        self._assessment: Assessment | None = None
        self._timing = Timing()
        self._approvals: list[str] = []
        self._approved_categories: list[DataCategory] = []
        self._approved_targets: list[str] | None = None
        self._decision: DecisionAction | None = None
        self._rejection: ReviewDecision | None = None
        self._legal_required = False
        self._awaiting = ""
        self._question = ""
        self._answered = False
        self._escalated = False
        self._overdue = False
        self._withdrawal: Withdrawal | None = None
        self._requester_verified: bool | None = None
        self._callback: CallbackVerification | None = None
        self._extensions_used = 0
        self._preservation_expires_at: dt.datetime | None = None
        self._clarification_due_at: dt.datetime | None = None
        self._outcome: Outcome | None = None
        self._production_key = ""

    # -- run -----------------------------------------------------------------------------

    @workflow.run
    async def run(self, arg: LegalProcessInput) -> CaseState:
        self._process = process = arg.process
        workflow.upsert_search_attributes(
            [
                sa.PROCESS_TYPE.value_set(process.process_type.value),
                sa.AGENCY_ID.value_set(process.requester.agency_id),
                sa.EMERGENCY.value_set(process.process_type is ProcessType.EMERGENCY_REQUEST),
            ]
        )
        await self._set_status(Status.RECEIVED, "taken in")
        try:
            if not await self._verify_requester(process):
                await self._finish(
                    Status.REJECTED, Outcome.REJECTED, "requester could not be verified"
                )
                return self.state()
            self._assessment = await workflow.execute_activity(
                "assess", arg, result_type=Assessment, **QUICK
            )
            self._raise_if_withdrawn()
            self._timing = self._assessment.timing
            determination = self._assessment.determination
            self._legal_required = determination.legal_review_required

            if determination.terminal_outcome is not None and determination.disposition in (
                Disposition.REDIRECT,
                Disposition.REJECT,
            ):
                status = (
                    Status.REDIRECTED
                    if determination.disposition is Disposition.REDIRECT
                    else Status.REJECTED
                )
                await self._finish(
                    status, determination.terminal_outcome, "determined by rule", determination
                )
                return self.state()

            if determination.disposition is Disposition.PRESERVE:
                await self._preserve(process, determination)
                return self.state()

            needs_review = (
                determination.human_review_required
                or determination.disposition is Disposition.MANUAL
            )
            if needs_review:
                # Before the status is visible, so a decision sent the moment the queue shows
                # the request is accepted rather than refused as unexpected.
                self._awaiting = "review"
            await self._set_status(
                Status.IN_REVIEW, "machine determination recorded", determination=determination
            )
            if needs_review:
                await self._await_review(process, determination)
            else:
                self._approvals = ["policy:auto-approval"]
                self._approved_categories = list(determination.allowed_categories)
                self._decision = DecisionAction.APPROVE
                await self._set_status(
                    Status.APPROVED, "auto-approved by policy: lowest-risk class"
                )

            if self._rejection is not None:
                reason = (
                    self._rejection.reason_code.value if self._rejection.reason_code else "other"
                )
                await self._finish(
                    Status.REJECTED,
                    Outcome.REJECTED,
                    f"rejected ({reason}): {self._rejection.note}",
                    actor=self._rejection.reviewer,
                )
                return self.state()
            if determination.disposition is Disposition.MANUAL:
                # Prospective and national-security process are executed by legal by hand.
                await self._finish(Status.CLOSED, Outcome.PRODUCED, "handled manually by legal")
                return self.state()
            if determination.disposition is Disposition.REDIRECT:
                # A redirect legal had to confirm (e.g. EU-held data): approval confirms it;
                # nothing is collected without a "proceed" determination.
                await self._finish(
                    Status.REDIRECTED, Outcome.REDIRECTED, "redirect confirmed by review"
                )
                return self.state()
            if determination.disposition is Disposition.REJECT:
                await self._finish(Status.REJECTED, Outcome.REJECTED, "refusal confirmed by review")
                return self.state()

            await self._produce(process, determination)
        except Withdrawn:
            withdrawal = self._withdrawal
            await self._finish(
                Status.WITHDRAWN,
                Outcome.WITHDRAWN,
                f"withdrawn by the agency: {withdrawal.reason}",
                actor=withdrawal.requested_by,
            )
        return self.state()

    # -- steps ---------------------------------------------------------------------------

    async def _verify_requester(self, process: LegalProcess) -> bool:
        """True when the requester is verified (at intake, or by staff while it waited)."""
        requester = process.requester
        # docs/architecture.md §5: agency registered, officer known, email domain the agency's own.
        needs_check = not (
            requester.agency_registered
            and requester.email_domain_verified
            and requester.officer_known
        )
        needs_callback = process.process_type is ProcessType.EMERGENCY_REQUEST and (
            process.emergency is None or not process.emergency.callback_verified_by
        )
        if not needs_check and not needs_callback:
            return True
        await self._set_status(
            Status.VERIFYING,
            "requester not verified" if needs_check else "call-back to the agency required",
        )
        self._awaiting = "verification"
        await self._wait(
            lambda: (
                (not needs_check or self._requester_verified is not None)
                and (not needs_callback or self._callback is not None)
            )
        )
        self._awaiting = ""
        return self._requester_verified is not False

    async def _await_review(self, process: LegalProcess, determination: Determination) -> None:
        self._awaiting = "review"
        while self._decision not in (DecisionAction.APPROVE, DecisionAction.REJECT):
            deadline = self._next_deadline(process)
            timed_out = not await self._wait(
                lambda: (
                    self._decision in (DecisionAction.APPROVE, DecisionAction.REJECT)
                    or self._decision is DecisionAction.ASK_AGENCY
                ),
                until=deadline,
            )
            if timed_out:
                await self._on_deadline(process)
                continue
            if self._decision is DecisionAction.ASK_AGENCY:
                await self._await_agency()
        self._awaiting = ""

    async def _await_agency(self) -> None:
        self._clarification_due_at = workflow.now() + timedelta(
            days=self._timing.clarification_timeout_days
        )
        answered = await self._wait(lambda: self._answered, until=self._clarification_due_at)
        self._clarification_due_at = None
        self._decision = None
        self._awaiting = "review"
        detail = (
            "agency answered the clarification"
            if answered
            else "clarification not answered in time"
        )
        if not answered:
            self._escalated = True
        await self._set_status(Status.IN_REVIEW, detail, escalated=self._escalated)
        self._answered = False

    def _next_deadline(self, process: LegalProcess) -> dt.datetime | None:
        escalate_at, overdue_at = self._deadline_times(process)
        if not self._escalated and escalate_at is not None:
            return escalate_at
        if not self._overdue and overdue_at is not None:
            return overdue_at
        return None

    def _deadline_times(
        self, process: LegalProcess
    ) -> tuple[dt.datetime | None, dt.datetime | None]:
        if process.process_type is ProcessType.EMERGENCY_REQUEST:
            sla = process.received_at + timedelta(minutes=self._timing.emergency_sla_minutes)
            return sla, sla
        if process.return_date is None:
            return None, None
        overdue_at = _end_of_day(process.return_date)
        return overdue_at - timedelta(days=self._timing.escalation_lead_days), overdue_at

    async def _on_deadline(self, process: LegalProcess) -> None:
        escalate_at, overdue_at = self._deadline_times(process)
        now = workflow.now()
        if overdue_at is not None and now >= overdue_at and not self._overdue:
            self._overdue = self._escalated = True
            await self._set_status(
                self._status, "return date passed without a decision", escalated=True, overdue=True
            )
        elif escalate_at is not None and now >= escalate_at and not self._escalated:
            self._escalated = True
            await self._set_status(
                self._status, "return date near without a decision", escalated=True
            )

    async def _produce(self, process: LegalProcess, determination: Determination) -> None:
        # Notice is due now, or once a §2705(b) order with an end date lapses.
        notice_allowed = (
            determination.customer_notice_allowed or determination.notice_barred_until is not None
        )
        if notice_allowed and determination.objection_window_days:
            # Civil process: the customer hears first and may object before anything leaves.
            await self._notify_customer(process, "civil process: objection window opened")
            await self._wait(
                lambda: False,
                until=workflow.now() + timedelta(days=determination.objection_window_days),
            )
            notice_allowed = False

        period = determination.period or process.period
        if period is None:
            day = process.issued_on
            period = Period(start=day, end=day)
        if determination.targets:
            targets = [d.target for d in determination.targets if d.allowed]
        else:
            targets = list(process.targets)
        if self._approved_targets is not None:
            targets = [t for t in targets if t.value in self._approved_targets]
        self._raise_if_withdrawn()
        await self._set_status(Status.COLLECTING, "collecting the approved scope")
        collection = await workflow.execute_activity(
            "collect_records",
            CollectionRequest(
                request_id=process.request_id,
                targets=targets,
                categories=self._approved_categories,
                period=period,
            ),
            result_type=CollectionResult,
            **LONG_SCAN,
        )
        if collection.total_rows == 0:
            await self._finish(
                Status.CLOSED, Outcome.NO_DATA, "no records held for the approved scope"
            )
            await self._start_billing()  # billing hook: no_data is charged if the card says so
            return

        await self._set_status(Status.DELIVERING, "packaging the production")
        package = await workflow.execute_activity(
            "build_package",
            PackageRequest(
                request_id=process.request_id,
                collection=collection,
                authority=f"{process.process_type.value} issued by {process.issuer_name} "
                f"({process.jurisdiction}), case {process.case_number}",
                agency_name=process.requester.agency_name,
                certified_on=workflow.now().date(),
            ),
            result_type=ProductionPackage,
            **QUICK,
        )
        self._production_key = package.archive_key or package.manifest_key
        await workflow.execute_activity(
            "deliver_production",
            DeliveryRequest(
                request_id=process.request_id,
                agency_id=process.requester.agency_id,
                package=package,
            ),
            result_type=DeliveryReceipt,
            **DELIVERY,
        )
        partial = (
            any(not d.allowed for d in determination.targets)
            or any(t.rows == 0 for t in collection.targets)
            or bool(determination.denied_categories)
        )
        self._outcome = Outcome.PARTIALLY_PRODUCED if partial else Outcome.PRODUCED
        await self._set_status(Status.DELIVERED, "production delivered", outcome=self._outcome)
        await self._start_billing()  # billing hook: after delivery, before customer notice

        if notice_allowed:
            await self._customer_notice_after_ndo(process, determination)
        await self._finish(Status.CLOSED, self._outcome, "closed after delivery")

    async def _customer_notice_after_ndo(
        self, process: LegalProcess, determination: Determination
    ) -> None:
        """Notice goes out now, or the day after a §2705(b) order with an end date lapses;
        an indefinite order makes ``customer_notice_allowed`` false and never reaches here."""
        if determination.notice_barred_until is not None:
            await self._wait(lambda: False, until=_end_of_day(determination.notice_barred_until))
        await self._notify_customer(process, "legal process disclosed records of your account")

    async def _notify_customer(self, process: LegalProcess, reason: str) -> None:
        await workflow.execute_activity(
            "notify_customer", CustomerNotice(request_id=process.request_id, reason=reason), **QUICK
        )

    async def _preserve(self, process: LegalProcess, determination: Determination) -> None:
        period = (
            determination.period
            or process.period
            or Period(start=process.issued_on, end=process.issued_on)
        )
        await workflow.execute_activity(
            "preserve_records",
            CollectionRequest(
                request_id=process.request_id,
                targets=[d.target for d in determination.targets if d.allowed]
                or list(process.targets),
                categories=list(determination.allowed_categories) or list(process.categories),
                period=period,
            ),
            result_type=CollectionResult,
            **LONG_SCAN,
        )
        self._preservation_expires_at = workflow.now() + timedelta(
            days=self._timing.preservation_days
        )
        await self._set_status(
            Status.PRESERVED,
            "records preserved under 18 U.S.C. §2703(f)",
            outcome=Outcome.PRESERVED,
        )
        self._outcome = Outcome.PRESERVED
        reminded_for: dt.datetime | None = None
        while True:
            expires_at = self._preservation_expires_at
            remind_at = expires_at - timedelta(days=self._timing.preservation_reminder_days)
            if reminded_for != expires_at and workflow.now() < remind_at:
                extended = await self._wait(
                    lambda e=expires_at: self._preservation_expires_at != e, until=remind_at
                )
                if extended:
                    continue
            if reminded_for != expires_at:
                reminded_for = expires_at
                await workflow.execute_activity(
                    "notify_agency",
                    AgencyNotice(
                        request_id=process.request_id,
                        subject=f"Preservation {process.request_id} expires "
                        f"{expires_at.date().isoformat()}",
                        body="The preserved records will be released on that date unless extended "
                        "(one 90-day extension, 18 U.S.C. §2703(f)(2)) or followed by process.",
                    ),
                    **QUICK,
                )
            extended = await self._wait(
                lambda e=expires_at: self._preservation_expires_at != e, until=expires_at
            )
            if not extended:
                break
        await workflow.execute_activity(
            "release_preservation", CustomerNotice(request_id=process.request_id), **QUICK
        )
        await self._finish(
            Status.RELEASED, Outcome.PRESERVED, "preservation period ended; snapshot released"
        )
        await self._start_billing()  # billing hook: preservation periods and extensions

    async def _start_billing(self) -> None:
        """Billing hook (docs/billing.md): start this request's ``BillingWorkflow`` (id
        ``billing-<request id>``; the activity is idempotent), which outlives the request
        while its charge is held under a gag. Behind a patch: requests already running
        when billing shipped are not billed."""
        if not workflow.patched("billing-workflow"):
            return
        await workflow.execute_activity(
            "start_billing", BillingInput(request_id=self._process.request_id), **QUICK
        )

    # -- plumbing ------------------------------------------------------------------------

    async def _wait(self, condition, until: dt.datetime | None = None) -> bool:
        """Wait for ``condition`` (or a withdrawal) until ``until``; True if the condition held."""
        timeout = None if until is None else max(until - workflow.now(), timedelta(0))
        try:
            await workflow.wait_condition(
                lambda: self._withdrawal is not None or condition(), timeout=timeout
            )
        except TimeoutError:
            return False
        if self._withdrawal is not None:
            raise Withdrawn()
        return True

    async def _set_status(
        self,
        status: Status,
        detail: str,
        *,
        determination: Determination | None = None,
        outcome: Outcome | None = None,
        escalated: bool | None = None,
        overdue: bool | None = None,
        actor: str = SYSTEM,
    ) -> None:
        self._status = status
        workflow.upsert_search_attributes([sa.LEGAL_PROCESS_STATUS.value_set(status.value)])
        await workflow.execute_activity(
            "record_status",
            StatusChange(
                request_id=self._process.request_id,
                status=status,
                actor=actor,
                detail=detail,
                outcome=outcome,
                determination=determination,
                escalated=escalated,
                overdue=overdue,
            ),
            **QUICK,
        )

    async def _finish(
        self,
        status: Status,
        outcome: Outcome,
        detail: str,
        determination: Determination | None = None,
        actor: str = SYSTEM,
    ) -> None:
        self._outcome = outcome
        self._awaiting = ""
        await self._set_status(
            status, detail, outcome=outcome, determination=determination, actor=actor
        )

    def _raise_if_withdrawn(self) -> None:
        if self._withdrawal is not None:
            raise Withdrawn()

    # -- updates, signals, queries -------------------------------------------------------

    @workflow.update
    async def decide(self, decision: ReviewDecision) -> DecisionReceipt:
        # The status is recorded before ``_decision`` releases the run loop, so the register
        # sees "approved" before "collecting", never the other way round.
        if decision.action is DecisionAction.APPROVE:
            self._approvals.append(decision.reviewer)
            self._narrow_approval(decision)
            if len(self._approvals) >= self._approvals_required():
                await self._set_status(
                    Status.APPROVED,
                    f"approved by {', '.join(self._approvals)}",
                    actor=decision.reviewer,
                )
                self._decision = DecisionAction.APPROVE
            else:
                await self._set_status(
                    Status.IN_REVIEW,
                    f"first approval by {decision.reviewer}; a second approver is required",
                    actor=decision.reviewer,
                )
        elif decision.action is DecisionAction.REJECT:
            # The run loop writes the terminal status; the handler only records who decided.
            self._rejection = decision
            self._decision = DecisionAction.REJECT
        elif decision.action is DecisionAction.ASK_AGENCY:
            self._question = decision.question
            self._awaiting = "agency"
            await self._set_status(
                Status.AWAITING_AGENCY, "clarification asked of the agency", actor=decision.reviewer
            )
            self._decision = DecisionAction.ASK_AGENCY
        elif decision.action is DecisionAction.ESCALATE_TO_LEGAL:
            self._legal_required = True
            self._escalated = True
            await self._set_status(
                Status.IN_REVIEW,
                f"escalated to legal: {decision.note}",
                actor=decision.reviewer,
                escalated=True,
            )
        return self._receipt()

    def _narrow_approval(self, decision: ReviewDecision) -> None:
        """Each approver may narrow the scope further; none can widen it (the validator checks)."""
        current = self._approved_categories or self._allowed_categories()
        if decision.categories is not None:
            current = [c for c in current if c in decision.categories]
        self._approved_categories = list(current)
        if decision.targets is not None:
            self._approved_targets = [
                t
                for t in decision.targets
                if self._approved_targets is None or t in self._approved_targets
            ]

    @decide.validator
    def _validate_decision(self, decision: ReviewDecision) -> None:
        if self._status is not Status.IN_REVIEW or self._awaiting != "review":
            raise ValueError(f"no decision is awaited: the request is {self._status.value}")
        roles = set(decision.reviewer_roles)
        if not roles & APPROVER_ROLES:
            raise ValueError("only reviewers and legal may decide")
        if decision.action is DecisionAction.APPROVE:
            if self._legal_required and Role.LEGAL.value not in roles:
                raise ValueError("this request needs legal's approval")
            if decision.reviewer in self._approvals:
                raise ValueError("the same person cannot give both approvals (four-eyes rule)")
            if decision.categories is not None:
                widened = set(decision.categories) - set(self._allowed_categories())
                if widened:
                    raise ValueError(
                        "approval cannot widen the scope the law allows: "
                        + ", ".join(sorted(widened))
                    )
            if decision.targets is not None:
                known = {d.target.value for d in self._determination().targets if d.allowed}
                unknown = set(decision.targets) - known
                if unknown:
                    raise ValueError(f"{len(unknown)} target(s) are not among the allowed targets")
        elif decision.action is DecisionAction.REJECT and decision.reason_code is None:
            raise ValueError("a rejection needs a reason_code")
        elif decision.action is DecisionAction.ASK_AGENCY and not decision.question.strip():
            raise ValueError("asking the agency needs a question")

    @workflow.update
    async def respond(self, response: AgencyResponse) -> DecisionReceipt:
        self._answered = True
        await workflow.execute_activity(
            "record_status",
            StatusChange(
                request_id=self._process.request_id,
                status=self._status,
                actor=response.responder,
                detail="agency response received",
            ),
            **QUICK,
        )
        return self._receipt()

    @respond.validator
    def _validate_response(self, response: AgencyResponse) -> None:
        if self._status is not Status.AWAITING_AGENCY:
            raise ValueError("no clarification is awaited from the agency")
        if not response.text.strip():
            raise ValueError("the response is empty")

    @workflow.update
    async def withdraw(self, withdrawal: Withdrawal) -> DecisionReceipt:
        self._withdrawal = withdrawal
        return self._receipt()

    @withdraw.validator
    def _validate_withdrawal(self, withdrawal: Withdrawal) -> None:
        if self._status in FINISHED or self._status in (Status.COLLECTING, Status.DELIVERING):
            raise ValueError(f"the request can no longer be withdrawn: it is {self._status.value}")

    @workflow.update
    async def extend(self, request: ExtensionRequest) -> DecisionReceipt:
        self._extensions_used += 1
        self._preservation_expires_at += timedelta(days=self._timing.preservation_extension_days)
        await self._set_status(
            Status.EXTENDED,
            f"preservation extended to {self._preservation_expires_at.date().isoformat()}",
            actor=request.requested_by,
        )
        return self._receipt()

    @extend.validator
    def _validate_extension(self, request: ExtensionRequest) -> None:
        if self._status not in (Status.PRESERVED, Status.EXTENDED):
            raise ValueError("only a preservation in force can be extended")
        if self._extensions_used >= self._timing.max_preservation_extensions:
            raise ValueError("18 U.S.C. §2703(f)(2) allows one 90-day extension; it has been used")

    @workflow.update
    async def verify_requester(self, verification: RequesterVerification) -> DecisionReceipt:
        self._requester_verified = verification.verified
        return self._receipt()

    @verify_requester.validator
    def _validate_verification(self, verification: RequesterVerification) -> None:
        if self._status is not Status.VERIFYING:
            raise ValueError("the requester is not awaiting verification")

    @workflow.update
    async def record_callback(self, callback: CallbackVerification) -> DecisionReceipt:
        self._callback = callback
        return self._receipt()

    @record_callback.validator
    def _validate_callback(self, callback: CallbackVerification) -> None:
        if self._status is not Status.VERIFYING:
            raise ValueError("no call-back is awaited")
        if not callback.number_called.strip():
            raise ValueError("record the number that was called")

    @workflow.query
    def state(self) -> CaseState:
        process = self._process
        escalate_at, overdue_at = self._deadline_times(process) if process else (None, None)
        return CaseState(
            request_id=process.request_id if process else "",
            status=self._status,
            determination=self._assessment.determination if self._assessment else None,
            approvals=list(self._approvals),
            approved_categories=list(self._approved_categories),
            awaiting=self._awaiting,
            question=self._question,
            escalated=self._escalated,
            overdue=self._overdue,
            deadlines=Deadlines(
                return_date=process.return_date if process else None,
                respond_by=overdue_at,
                escalate_at=escalate_at,
                preservation_expires_at=self._preservation_expires_at,
                clarification_due_at=self._clarification_due_at,
            ),
            outcome=self._outcome,
            extensions_used=self._extensions_used,
            production_key=self._production_key,
        )

    def _determination(self) -> Determination:
        return (
            self._assessment.determination
            if self._assessment
            else Determination(disposition=Disposition.MANUAL)
        )

    def _allowed_categories(self) -> list[DataCategory]:
        return list(self._determination().allowed_categories)

    def _approvals_required(self) -> int:
        return max(1, self._determination().approvals_required)

    def _receipt(self) -> DecisionReceipt:
        return DecisionReceipt(
            status=self._status,
            approvals=list(self._approvals),
            approvals_required=self._approvals_required(),
        )
