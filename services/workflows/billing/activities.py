"""Activities of ``BillingWorkflow``: computing the charge and posting it, exactly once.

``prepare_charge`` records the computed charge (held internally, never customer-visible)
once per request. ``post_charge`` posts each customer's invoice in one ledger transaction
(idempotent by request id + customer + invoice version), then stores the PDF and the
billing event under keys derived from the invoice, and mails the billing contact once
(marked in the audit log; the Message-ID is stable). A retry, a killed worker or a
replayed workflow converges on the same rows and objects.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import msgspec
from temporalio import activity
from temporalio.client import Client
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError

from contracts.billing import BillingInput, PostingReceipt, PostingRequest, PreparedCharge
from contracts.enums import Outcome
from contracts.legal_process import Period
from services.billing.charge_facts import charge_facts
from services.billing.events import invoice_event
from services.billing.export import invoice_pdf_key, put_event, put_pdf
from services.billing.holds import charge_hold
from services.billing.invoice import build_invoice
from services.billing.invoice_mail import compose_invoice_mail
from services.billing.invoice_pdf import render_invoice_pdf
from services.billing.payers import billing_contacts, target_payers
from services.billing.rate_card import RateCard
from services.billing.reimbursement import build_reimbursement, is_agency_account
from services.platform import metrics
from services.platform.settings import Settings
from services.register.billing import BillingLedger, dispute_until
from services.register.case_register import Register
from services.workflows.send_once import send_mail_once


class BillingActivities:
    def __init__(
        self,
        settings: Settings,
        register: Register,
        ledger: BillingLedger,
        s3: Any,
        rate_card: RateCard,
        client: Client | None = None,
    ) -> None:
        self.client = client
        self.settings = settings
        self.register = register
        self.ledger = ledger
        self.s3 = s3
        self.rate_card = rate_card

    @activity.defn(name="start_billing")
    async def start_billing(self, arg: BillingInput) -> None:
        """Start the request's ``BillingWorkflow`` once: a retry finds it started (or done)
        and succeeds; the id is never reused, so a request is billed by one run only."""
        from services.workflows.billing.workflows import BillingWorkflow, billing_workflow_id

        try:
            await self.client.start_workflow(
                BillingWorkflow.run,
                arg,
                id=billing_workflow_id(arg.request_id),
                task_queue=activity.info().task_queue,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            )
        except WorkflowAlreadyStartedError:
            pass

    @activity.defn(name="prepare_charge")
    async def prepare_charge(self, arg: BillingInput) -> PreparedCharge:
        existing = await self.ledger.get_charge(arg.request_id)
        if existing is None:
            existing = await self._prepare(arg.request_id)
        customers = len(existing["invoice"].customers)
        return PreparedCharge(
            request_id=arg.request_id,
            hold=existing["hold"],
            customers=customers,
            # An agency's §2706 invoice alone is still a charge to post.
            zero_charge_reason="" if customers else existing["invoice"].zero_charge_reason,
        )

    async def _prepare(self, request_id: str) -> dict[str, Any]:
        record = await self.register.legal_processes.get(request_id)
        if record is None:
            raise ApplicationError(
                f"no legal process {request_id}", type="UnknownRequest", non_retryable=True
            )
        process = record.process
        determination = record.determination
        outcome = record.outcome or Outcome.PRODUCED
        period = (determination.period if determination else None) or process.period
        period = period or Period(start=process.issued_on, end=process.issued_on)
        payers = await asyncio.to_thread(target_payers, process.targets, period, self.settings)
        facts = charge_facts(
            process,
            outcome,
            records_produced=await self.ledger.records_disclosed(request_id),
            audit_trail=[
                msgspec.to_builtins(event) for event in await self.register.audit.trail(request_id)
            ],
            payers=payers,
        )
        invoice = build_invoice(facts, self.rate_card)
        if process.reimbursement_requested and determination is not None:
            # §2706: the agency's own invoice, posted with the customer's (docs/billing.md).
            agency_part = build_reimbursement(
                facts,
                determination.reimbursable_categories,
                process.requester.agency_id,
                self.rate_card,
            )
            if agency_part is not None:
                invoice = msgspec.structs.replace(
                    invoice,
                    customers=[*invoice.customers, agency_part],
                    rate_card_version=invoice.rate_card_version
                    or self.rate_card.version_on(facts.service_date).effective_from,
                )
        hold = charge_hold(process, determination)
        return await self.ledger.prepare_charge(invoice, hold, _utcnow())

    @activity.defn(name="post_charge")
    async def post_charge(self, request: PostingRequest) -> PostingReceipt:
        now = request.posted_at or activity.info().current_attempt_scheduled_time
        posted = await self.ledger.post_charge(
            request.request_id,
            now,
            released_by=request.released_by,
            reason=request.release_reason,
        )
        activity.heartbeat("posted")
        for invoice in posted:
            metrics.billing_posted(
                "agency" if is_agency_account(invoice["account_id"]) else "customer"
            )
        contacts = await asyncio.to_thread(
            billing_contacts,
            [i["account_id"] for i in posted if not is_agency_account(i["account_id"])],
            self.settings,
        )
        if any(is_agency_account(i["account_id"]) for i in posted):
            # §2706: the agency's invoice goes to the billing contact it named in the
            # submission, or else to the requesting officer.
            record = await self.register.legal_processes.get(request.request_id)
            asked = ((record.submission if record else {}) or {}).get("reimbursement") or {}
            officer = record.process.requester.officer_email if record else None
            contact = asked.get("billing_contact_email") or officer
            for invoice in posted:
                if is_agency_account(invoice["account_id"]) and contact:
                    contacts[invoice["account_id"]] = contact
        event_keys = []
        for invoice in posted:
            invoice = await self._store_documents(invoice)
            event_keys.append(invoice["event_key"])
            activity.heartbeat(f"stored {invoice['id']}")
            await self._mail(invoice, contacts.get(invoice["account_id"]))
        return PostingReceipt(
            request_id=request.request_id,
            invoice_ids=[i["id"] for i in posted],
            event_keys=event_keys,
        )

    async def _store_documents(self, invoice: dict[str, Any]) -> dict[str, Any]:
        """PDF first (its digest goes into the event), then the event; both keys derive from
        the invoice, so a second run overwrites with identical bytes."""
        pdf = self._pdf(invoice)
        key = invoice_pdf_key(invoice)
        digest = await asyncio.to_thread(put_pdf, self.s3, self.settings, key, pdf)
        invoice = {**invoice, "pdf_key": key, "pdf_sha256": digest}
        event_key = await asyncio.to_thread(
            put_event, self.s3, self.settings, invoice_event(invoice)
        )
        if invoice.get("event_key") != event_key:
            await self.ledger.set_invoice_documents(
                invoice["id"], pdf_key=key, pdf_sha256=digest, event_key=event_key
            )
        return {**invoice, "event_key": event_key}

    def _pdf(self, invoice: dict[str, Any]) -> bytes:
        return render_invoice_pdf(
            invoice,
            provider_name=self.settings.provider_name,
            dispute_until=dispute_until(invoice["issued_on"]),
        )

    async def _mail(self, invoice: dict[str, Any], address: str | None) -> None:
        done = f"invoice_mailed:{invoice['id']}"
        if not address or await self.register.audit.has_event(invoice["request_id"], done):
            return
        message = compose_invoice_mail(
            self.settings,
            address,
            invoice,
            self._pdf(invoice),
            dispute_until(invoice["issued_on"]).isoformat(),
        )
        await send_mail_once(
            self.register,
            self.settings,
            message,
            request_id=invoice["request_id"],
            purpose="invoice",
            about=(invoice["id"],),
            done_action=done,
            detail={"message_id": str(message["Message-ID"]), "account_id": invoice["account_id"]},
        )

    def all(self) -> list[Any]:
        return [self.start_billing, self.prepare_charge, self.post_charge]


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
