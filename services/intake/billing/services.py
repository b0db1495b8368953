"""What the billing controllers call: reads scoped to the principal, disputes, credit notes,
the billing release (docs/billing.md).

Who sees what: billing staff and auditors read every posted invoice; a customer (token
with ``account_id``) reads only its own. A charge held under a gag is never an invoice,
so no read can reach it; a customer asking for another's invoice gets a 404, as if it
did not exist.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
from typing import Any

import msgspec
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.service import RPCError

from contracts.billing import (
    BillingRelease,
    BillingReleaseOut,
    CreditNoteView,
    DisputeStatus,
    DisputeView,
    InvoiceLine,
    InvoiceStatus,
    InvoiceView,
)
from contracts.determination import LegalEntity
from contracts.enums import Role
from services.billing.export import export_credit_note, get_object
from services.intake.auth.tokens import Principal
from services.intake.problems import Problem, invalid_field
from services.platform.settings import Settings
from services.register.billing import BillingLedger, BillingRefused, dispute_until
from services.register.engine import as_utc
from services.workflows.billing.workflows import BillingWorkflow, billing_workflow_id

STAFF_BILLING = frozenset({Role.BILLING, Role.AUDITOR, Role.ADMIN})


def invoice_view(row: dict[str, Any]) -> InvoiceView:
    return InvoiceView(
        id=row["id"],
        request_reference=row["request_id"],
        account_id=row["account_id"],
        legal_entity=LegalEntity(row["legal_entity"]),
        currency=row["currency"],
        status=InvoiceStatus(row["status"]),
        issued_on=row["issued_on"],
        dispute_until=dispute_until(row["issued_on"]),
        total=row["total"],
        credited=row["credited"],
        version=row["version"],
        lines=[
            InvoiceLine(
                item=line["item"],
                description=line["description"],
                quantity=line["quantity"],
                unit_amount=line["unit_amount"],
                request_amount=line["request_amount"],
                share=line["share"],
                amount=line["amount"],
            )
            for line in row.get("lines", [])
        ],
        pdf_sha256=row.get("pdf_sha256") or "",
    )


def dispute_view(row: dict[str, Any]) -> DisputeView:
    return DisputeView(
        id=row["id"],
        invoice_id=row["invoice_id"],
        account_id=row["account_id"],
        status=DisputeStatus(row["status"]),
        reason=row["reason"],
        amount=row["amount"],
        opened_at=as_utc(row["opened_at"]),
        decided_by=row.get("decided_by") or "",
        decision_reason=row.get("decision_reason") or "",
        credit_note_id=row.get("credit_note_id") or "",
    )


def credit_note_view(row: dict[str, Any]) -> CreditNoteView:
    return CreditNoteView(
        id=row["id"],
        invoice_id=row["invoice_id"],
        account_id=row["account_id"],
        currency=row["currency"],
        amount=row["amount"],
        reason=row["reason"],
        issued_on=row["issued_on"],
        issued_by=row["issued_by"],
    )


def parse_period(period: str) -> tuple[dt.date, dt.date]:
    """``2026`` or ``2026-12`` → [first day, first day after)."""
    try:
        if len(period) == 4:
            year = int(period)
            return dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
        year, month = (int(p) for p in period.split("-"))
        start = dt.date(year, month, 1)
        return start, (start + dt.timedelta(days=32)).replace(day=1)
    except (ValueError, TypeError) as exc:
        raise invalid_field(
            "period", "a year (2026) or a month (2026-12)", status_code=400
        ) from exc


def encode_cursor(row: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(
        msgspec.json.encode([row["issued_on"].isoformat(), row["id"]])
    ).decode()


def decode_cursor(cursor: str) -> tuple[dt.date, str]:
    try:
        day, invoice_id = msgspec.json.decode(base64.urlsafe_b64decode(cursor.encode()))
        return dt.date.fromisoformat(day), str(invoice_id)
    except (ValueError, TypeError, msgspec.DecodeError) as exc:
        raise invalid_field("cursor", "not a cursor this API issued", status_code=400) from exc


def refused(exc: BillingRefused) -> Problem:
    return Problem(
        exc.status,
        "billing-refused" if exc.status != 404 else "not-found",
        "Not allowed" if exc.status != 404 else "Not found",
        str(exc),
        field=exc.field or None,
    )


class BillingService:
    def __init__(self, settings: Settings, ledger: BillingLedger, s3: Any, temporal: Client):
        self.settings = settings
        self.ledger = ledger
        self.s3 = s3
        self.temporal = temporal

    @staticmethod
    def customer_scope(principal: Principal, customer: str | None) -> str | None:
        """The account filter this principal may use: its own, for a customer."""
        if principal.has(Role.CUSTOMER) and not principal.roles & STAFF_BILLING:
            if customer is not None and customer != principal.account_id:
                raise Problem(
                    403,
                    "forbidden",
                    "Forbidden",
                    "a customer reads only its own invoices",
                    field="customer",
                )
            return principal.account_id
        return customer

    async def visible_invoice(self, principal: Principal, invoice_id: str) -> dict[str, Any]:
        row = await self.ledger.get_invoice(invoice_id)
        scope = self.customer_scope(principal, None)
        if row is None or (scope is not None and row["account_id"] != scope):
            raise Problem(404, "not-found", "Not found", f"no invoice {invoice_id}")
        return row

    async def invoice_pdf(self, row: dict[str, Any]) -> bytes:
        if not row.get("pdf_key"):
            raise Problem(404, "not-found", "Not found", "the invoice PDF is not stored yet")
        return await asyncio.to_thread(get_object, self.s3, self.settings, row["pdf_key"])

    async def open_dispute(
        self, principal: Principal, invoice_id: str, reason: str, amount: int | None
    ) -> DisputeView:
        await self.visible_invoice(principal, invoice_id)
        try:
            row = await self.ledger.open_dispute(
                invoice_id, opened_by=principal.subject, reason=reason, amount=amount, now=_now()
            )
        except BillingRefused as exc:
            raise refused(exc) from exc
        return dispute_view(row)

    async def decide_dispute(
        self, principal: Principal, dispute_id: str, accept: bool, reason: str, amount: int | None
    ) -> DisputeView:
        try:
            row, note = await self.ledger.decide_dispute(
                dispute_id,
                accept=accept,
                decided_by=principal.subject,
                reason=reason,
                amount=amount,
                now=_now(),
            )
        except BillingRefused as exc:
            raise refused(exc) from exc
        if note is not None:
            await export_credit_note(self.ledger, self.s3, self.settings, note["id"])
        return dispute_view(row)

    async def correct(
        self, principal: Principal, invoice_id: str, amount: int | None, reason: str
    ) -> CreditNoteView:
        try:
            note = await self.ledger.issue_credit_note(
                invoice_id, amount=amount, reason=reason, issued_by=principal.subject, now=_now()
            )
        except BillingRefused as exc:
            raise refused(exc) from exc
        await export_credit_note(self.ledger, self.s3, self.settings, note["id"])
        return credit_note_view(note)

    async def release(
        self, principal: Principal, request_id: str, reason: str
    ) -> BillingReleaseOut:
        handle = self.temporal.get_workflow_handle_for(
            BillingWorkflow.run, billing_workflow_id(request_id)
        )
        try:
            state = await handle.execute_update(
                BillingWorkflow.release,
                BillingRelease(
                    released_by=principal.subject,
                    releaser_roles=sorted(r.value for r in principal.roles),
                    reason=reason,
                ),
            )
        except WorkflowUpdateFailedError as exc:
            cause = exc.cause
            raise Problem(
                409,
                "not-allowed-now",
                "Nothing to release",
                getattr(cause, "message", None) or str(cause or exc),
            ) from exc
        except RPCError as exc:
            if "not found" in str(exc).lower() or "completed" in str(exc).lower():
                raise Problem(
                    409,
                    "not-allowed-now",
                    "Nothing to release",
                    f"no charge is held for {request_id}",
                ) from exc
            raise Problem(
                503, "unavailable", "Try again", "the workflow service did not answer"
            ) from exc
        return BillingReleaseOut(
            request_id=request_id, stage=state.stage, released_by=state.released_by
        )


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
