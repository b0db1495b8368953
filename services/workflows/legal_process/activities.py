"""Activities of ``LegalProcessWorkflow``: every piece of I/O it does.

Each is idempotent (keys derive from the request id and the step), so a retry after a
crash converges instead of duplicating. Legal and validation failures are
non-retryable; infrastructure failures retry with backoff.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hashlib
from collections.abc import Iterator
from typing import Any

import msgspec
import structlog
from temporalio import activity
from temporalio.exceptions import ApplicationError

from contracts.collection import (
    CollectionRequest,
    CollectionResult,
    DeliveryReceipt,
    DeliveryRequest,
    PackageRequest,
    ProductionPackage,
)
from contracts.workflow import (
    AgencyNotice,
    Assessment,
    CustomerNotice,
    FollowUpInput,
    LegalProcessInput,
    StatusChange,
)
from services.carrier.collector import collect, delete_collection
from services.carrier.contacts import customer_contacts
from services.carrier.facts import target_facts
from services.decisions.determine import determine
from services.decisions.policy import Policy, timing
from services.delivery import messages
from services.delivery.mail import (
    agency_notice_message_id,
    compose,
    compose_production_notice,
    customer_notice_message_id,
)
from services.delivery.package import ProductionConflict, build_production_package
from services.delivery.records import CollectedFileError
from services.delivery.webhook import (
    UnsafeWebhookUrl,
    deliver_webhook,
    presign_production,
    production_ready_payload,
    webhook_delivery_id,
)
from services.platform import metrics
from services.platform.settings import Settings
from services.register import determination_inputs
from services.register.agencies import AgencyRecord, webhook_signing_secrets
from services.register.audit_checkpoints import write_checkpoint
from services.register.case_register import Register
from services.register.disclosures import Disclosure
from services.register.legal_processes import LegalProcessRecord
from services.register.outbox import outbox_key
from services.register.transparency import record_produced_accounts
from services.workflows.send_once import send_mail_once

log = structlog.get_logger(__name__)

PRESIGNED_URL_SECONDS = 900


class LegalProcessActivities:
    def __init__(self, settings: Settings, register: Register, s3: Any, policy: Policy) -> None:
        self.settings = settings
        self.register = register
        self.s3 = s3
        self.policy = policy

    @activity.defn(name="record_status")
    async def record_status(self, change: StatusChange) -> None:
        # Transparency report facts follow every change in its transaction; the produced
        # accounts (read from S3) after it (§10).
        process_type = await self.register.legal_processes.apply_status_change(change)
        metrics.request_status_changed(process_type, change.status.value)
        await record_produced_accounts(
            self.register.engine,
            change,
            s3=self.s3,
            productions_bucket=self.settings.productions_bucket,
        )

    @activity.defn(name="assess")
    async def assess(self, arg: LegalProcessInput) -> Assessment:
        """The machine determination over the carrier's facts about the targets. What it
        was made from is recorded, so the policy simulator can replay it exactly."""
        process = arg.process
        facts = (
            await asyncio.to_thread(target_facts, process.targets, process.period, self.settings)
            if process.targets
            else None
        )
        # The scheduled time is the server's clock (skipped in tests), fixed per attempt.
        now = activity.info().current_attempt_scheduled_time
        determination = determine(process, self.policy, now, facts)
        await determination_inputs.record(self.register.engine, process, self.policy, now, facts)
        return Assessment(determination=determination, timing=timing(self.policy))

    @activity.defn(name="collect_records")
    def collect_records(self, request: CollectionRequest) -> CollectionResult:
        return self._collect(request)

    @activity.defn(name="preserve_records")
    def preserve_records(self, request: CollectionRequest) -> CollectionResult:
        """A §2703(f) snapshot: the same scoped read, kept, and disclosed to no one."""
        return self._collect(request)

    def _collect(self, request: CollectionRequest) -> CollectionResult:
        """Resume from the last heartbeat: a retried scan skips the targets already done."""
        details = activity.info().heartbeat_details
        with _business_failures():
            result = collect(
                request,
                self.settings,
                heartbeat=activity.heartbeat,
                resume=details[0] if details else None,
            )
        for file in result.files:
            metrics.collection_rows(str(file.category), file.rows)
        return result

    @activity.defn(name="release_preservation")
    def release_preservation(self, notice: CustomerNotice) -> None:
        delete_collection(notice.request_id, self.settings)

    @activity.defn(name="build_package")
    def build_package(self, request: PackageRequest) -> ProductionPackage:
        if not request.provider_name:
            request = msgspec.structs.replace(request, provider_name=self.settings.provider_name)
        with _business_failures():
            return build_production_package(request, self.settings, self.s3)

    @activity.defn(name="deliver_production")
    async def deliver_production(self, request: DeliveryRequest) -> DeliveryReceipt:
        """Record, then tell: the disclosure log and the download exist before anyone is
        told. Each channel is marked done in the audit log once it succeeded, so a retry
        (or a restarted worker) skips it; the narrow window between success and the mark is
        covered by ids that stay the same on every attempt (Writ-Delivery-Id, Message-ID)."""
        package = request.package
        agency = await self.register.agencies.get(request.agency_id)
        if agency is None:
            raise ApplicationError(
                f"agency {request.agency_id} is not registered",
                type="UnknownAgency",
                non_retryable=True,
            )
        process = (await self._legal_process(request.request_id)).process
        await self.register.legal_processes.set_production(
            request.request_id, package.archive_key or package.manifest_key, actor="writ"
        )
        await self.register.disclosures.record(
            Disclosure(
                id=f"{request.request_id}:production",
                request_id=request.request_id,
                agency_id=request.agency_id,
                categories=package.categories,
                targets=[t.value for t in process.targets],
                authority=f"{process.process_type.value} {process.case_number} "
                f"({process.issuer_name})",
                record_count=package.total_records,
                manifest_sha256=package.manifest_sha256,
                disclosed_at=dt.datetime.now(dt.UTC),
            ),
            actor="writ",
        )
        activity.heartbeat("recorded")
        officer_email = process.requester.officer_email
        if officer_email:
            notice = compose_production_notice(
                self.settings,
                officer_email,
                request.request_id,
                agency.name,
                messages.download_hint(self.settings.api_base_url, request.request_id),
            )
            await send_mail_once(
                self.register,
                self.settings,
                notice,
                request_id=request.request_id,
                purpose="production-notice",
                done_action="officer_notified",
                detail={"message_id": str(notice["Message-ID"])},
            )
        activity.heartbeat("officer notified")
        acknowledged = await self._deliver_webhook(request, agency)
        await self._drop_working_copies(request.request_id)
        # Every delivery anchors the audit chain head (disclosure included) outside the
        # register: a signed checkpoint under object lock (issue 13 defect 5).
        await write_checkpoint(
            self.register.engine, self.s3, self.settings, f"delivery:{request.request_id}"
        )
        return DeliveryReceipt(
            request_id=request.request_id,
            webhook_acknowledged=acknowledged,
            webhook_attempts=activity.info().attempt,
            email_sent=bool(officer_email),
            delivered_at=dt.datetime.now(dt.UTC),
        )

    async def _drop_working_copies(self, request_id: str) -> None:
        """The collected Parquet copies live in the mutable documents bucket; once the
        production is committed (signed, under object lock in the productions bucket) and
        every channel has been told, they are only a second, unlocked copy of disclosed
        records, so they go now rather than at the retention purge (issue 13 defect 4)."""
        deleted = await asyncio.to_thread(delete_collection, request_id, self.settings)
        if deleted or not await self.register.audit.has_event(request_id, "collection_deleted"):
            await self.register.audit.record(
                request_id=request_id,
                actor="writ",
                action="collection_deleted",
                detail={"objects": deleted},
            )

    async def _legal_process(self, request_id: str) -> LegalProcessRecord:
        record = await self.register.legal_processes.get(request_id)
        if record is None:
            raise LookupError(f"no legal process {request_id} in the register")
        return record

    async def _deliver_webhook(self, request: DeliveryRequest, agency: AgencyRecord) -> bool:
        if not (agency.webhook_url and agency.webhook_secret):
            return False
        if await self.register.audit.has_event(request.request_id, "webhook_acknowledged"):
            return True
        package = request.package
        delivery_id = webhook_delivery_id(request.request_id)
        key = outbox_key("webhook", request.request_id)
        entry = await self.register.outbox.claim(
            key,
            request_id=request.request_id,
            channel="webhook",
            purpose="production-ready",
            message_id=delivery_id,
        )
        if entry.sent_at is not None:
            return True
        url = await asyncio.to_thread(
            presign_production, self.s3, package.bucket, package.archive_key, PRESIGNED_URL_SECONDS
        )
        expires = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=PRESIGNED_URL_SECONDS)
        try:
            status = await asyncio.to_thread(
                deliver_webhook,
                agency.webhook_url,
                webhook_signing_secrets(agency, dt.datetime.now(dt.UTC)),
                delivery_id,
                production_ready_payload(package, url, expires),
                now=dt.datetime.now(dt.UTC),
                timeout=20.0,
                allow_loopback=self.settings.mode == "local",
            )
        except UnsafeWebhookUrl as exc:
            # Checked again at every delivery (the name may now resolve somewhere internal):
            # the presigned URL is not sent. The disclosure is recorded and the officer's
            # mail says where to download, so the delivery goes on without the webhook.
            if not await self.register.audit.has_event(request.request_id, "webhook_refused"):
                await self.register.audit.record(
                    request_id=request.request_id,
                    actor="writ",
                    action="webhook_refused",
                    detail={"reason": str(exc)},
                )
            return False
        await self.register.outbox.mark_sent(
            key,
            request_id=request.request_id,
            actor="writ",
            action="webhook_acknowledged",
            detail={"status": status, "attempt": activity.info().attempt},
        )
        return True

    @activity.defn(name="notify_customer")
    async def notify_customer(self, notice: CustomerNotice) -> None:
        """Tell each customer that held a target. The mail names the process, not the
        records; each account is marked done in the audit log, so a retry skips it."""
        process = (await self._legal_process(notice.request_id)).process
        contacts = await asyncio.to_thread(
            customer_contacts, process.targets, process.period, self.settings
        )
        for account_id, email in sorted(contacts.items()):
            text = messages.customer_notice(process, account_id, notice.reason)
            await send_mail_once(
                self.register,
                self.settings,
                compose(
                    self.settings,
                    to_address=email,
                    subject=text.subject,
                    message_id=customer_notice_message_id(notice.request_id, account_id),
                    body=text.body,
                ),
                request_id=notice.request_id,
                purpose="customer-notice",
                about=(account_id,),
                done_action=f"customer_notified:{account_id}",
                detail={"reason": notice.reason},
            )

    @activity.defn(name="notify_agency")
    async def notify_agency(self, notice: AgencyNotice) -> None:
        record = await self.register.legal_processes.get(notice.request_id)
        to_address = record.process.requester.officer_email if record else ""
        if not to_address:
            return
        subject_digest = hashlib.sha256(notice.subject.encode()).hexdigest()[:16]
        await send_mail_once(
            self.register,
            self.settings,
            compose(
                self.settings,
                to_address=to_address,
                subject=notice.subject,
                message_id=agency_notice_message_id(notice.request_id, subject_digest),
                body=notice.body,
            ),
            request_id=notice.request_id,
            purpose="agency-notice",
            about=(subject_digest,),
            done_action=f"agency_notified:{subject_digest}",
            detail={"subject": notice.subject},
        )

    # -- issue 11: emergency follow-up ------------------------------------------------------

    @activity.defn(name="open_follow_up")
    async def open_follow_up(self, arg: FollowUpInput) -> str:
        """The follow-up is now expected by ``arg.due_at``; the status it has (a follow-up
        that arrived before the disclosure was delivered keeps "received")."""
        return await self.register.legal_processes.expect_follow_up(arg.request_id, arg.due_at)

    @activity.defn(name="follow_up_missed")
    async def follow_up_missed(self, request_id: str) -> str:
        return await self.register.legal_processes.follow_up_missed(request_id)

    def all(self) -> list[Any]:
        return [
            self.open_follow_up,
            self.follow_up_missed,
            self.record_status,
            self.assess,
            self.collect_records,
            self.preserve_records,
            self.release_preservation,
            self.build_package,
            self.deliver_production,
            self.notify_customer,
            self.notify_agency,
        ]


@contextlib.contextmanager
def _business_failures() -> Iterator[None]:
    """Failures no retry can fix (a malformed request, a production already committed
    from other inputs, collected data that does not match its digest) stop at once and
    surface in the workflow; I/O failures propagate and are retried."""
    try:
        yield
    except (ValueError, ProductionConflict, CollectedFileError) as exc:
        raise ApplicationError(str(exc), type=type(exc).__name__, non_retryable=True) from exc
