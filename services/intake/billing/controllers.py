"""Billing routes (docs/billing.md): invoices for billing staff, auditors and customers,
disputes and their decision, correcting credit notes, totals, and legal's billing release."""

from __future__ import annotations

from typing import Annotated, Literal

from litestar import Controller, Request, Response, get, post
from litestar.di import Provide
from litestar.params import Parameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from contracts.billing import (
    BillingReleaseIn,
    BillingReleaseOut,
    BillingSummary,
    CreditNoteIn,
    CreditNoteView,
    CustomerMonthTotal,
    DisputeAction,
    DisputeDecisionIn,
    DisputeIn,
    DisputePage,
    DisputeStatus,
    InvoicePage,
    InvoiceStatus,
)
from contracts.enums import Role
from services.intake.auth.guards import principal_of, requires
from services.intake.billing.services import (
    BillingService,
    decode_cursor,
    dispute_view,
    encode_cursor,
    invoice_view,
    parse_period,
)
from services.intake.legal_processes.controllers import RequestId
from services.intake.openapi import documented, examples
from services.register.billing import BillingLedger

DocumentId = Annotated[
    str, Parameter(pattern=r"^[a-z]{2,4}_[0-9a-f]{24}$", max_length=40, description="inv_… / dsp_…")
]

billing_readers = requires(Role.BILLING, Role.AUDITOR, Role.ADMIN, Role.CUSTOMER)
billing_staff = requires(Role.BILLING)
legal_only = requires(Role.LEGAL)

DISPUTE_EXAMPLES = examples(
    whole=("Dispute the whole invoice", {"reason": "This number was ported away in July."}),
    part=("Dispute part of it", {"reason": "Reviewer time looks doubled.", "amount": 2000}),
)
DECISION_EXAMPLES = examples(
    accept=("Accept: a credit note for the disputed amount", {"action": "accept"}),
    accept_part=(
        "Accept part of it",
        {"action": "accept", "amount": 1000, "reason": "One quarter hour was recorded twice."},
    ),
    decline=(
        "Decline, with the reason the customer is told",
        {"action": "decline", "reason": "The number was yours throughout the period."},
    ),
)
CREDIT_EXAMPLES = examples(
    wrong_account=(
        "Billed to the wrong account: credit it all",
        {"reason": "Number reassigned on 2026-09-01; billed to the previous holder."},
    ),
)
RELEASE_EXAMPLES = examples(
    lifted=(
        "The court lifted the order",
        {"reason": "Order lifted by Wake County Superior Court on 2027-01-15."},
    ),
)


def _provide_billing(request: Request) -> BillingService:
    """One per app, built from the intake service's register, S3 and Temporal clients."""
    state = request.app.state
    if "billing" not in state:
        intake = state.intake
        state.billing = BillingService(
            intake.settings, BillingLedger(intake.register.engine), intake.s3, intake.temporal
        )
    return state.billing


class BillingController(Controller):
    path = "/v1"
    tags = ["billing"]
    dependencies = {"billing": Provide(_provide_billing, sync_to_thread=False)}

    @get(
        "/invoices",
        guards=[billing_readers],
        summary="Posted invoices (a customer sees only its own)",
        operation_class=documented(),
    )
    async def list_invoices(
        self,
        request: Request,
        billing: BillingService,
        customer: Annotated[
            str | None, Parameter(max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")
        ] = None,
        status: InvoiceStatus | None = None,
        period: Annotated[
            str | None, Parameter(max_length=7, description="2026 or 2026-12")
        ] = None,
        cursor: Annotated[str | None, Parameter(max_length=200)] = None,
        limit: Annotated[int, Parameter(ge=1, le=200)] = 50,
    ) -> InvoicePage:
        account = billing.customer_scope(principal_of(request), customer)
        issued_from, issued_before = parse_period(period) if period else (None, None)
        rows = await billing.ledger.list_invoices(
            account_id=account,
            status=status.value if status else None,
            issued_from=issued_from,
            issued_before=issued_before,
            after=decode_cursor(cursor) if cursor else None,
            limit=limit + 1,
        )
        page, more = rows[:limit], len(rows) > limit
        return InvoicePage(
            items=[invoice_view(r) for r in page],
            next_cursor=encode_cursor(page[-1]) if more and page else None,
        )

    @get(
        "/invoices/{invoice_id:str}",
        guards=[billing_readers],
        summary="One invoice with its lines (?format=pdf for the PDF)",
        operation_class=documented(),
    )
    async def read_invoice(
        self,
        request: Request,
        billing: BillingService,
        invoice_id: DocumentId,
        format: Literal["json", "pdf"] = "json",  # noqa: A002
    ) -> Response:
        row = await billing.visible_invoice(principal_of(request), invoice_id)
        if format == "pdf":
            pdf = await billing.invoice_pdf(row)
            return Response(
                pdf,
                media_type="application/pdf",
                headers={
                    "Content-Disposition": f'inline; filename="{invoice_id}.pdf"',
                    "X-Content-SHA256": row.get("pdf_sha256") or "",
                },
            )
        return Response(invoice_view(row))

    @post(
        "/invoices/{invoice_id:str}/disputes",
        guards=[requires(Role.CUSTOMER, Role.BILLING)],
        status_code=HTTP_201_CREATED,
        summary="Dispute an invoice within 30 days of its date",
        operation_class=documented(DISPUTE_EXAMPLES),
    )
    async def dispute(
        self, request: Request, billing: BillingService, invoice_id: DocumentId, data: DisputeIn
    ) -> Response:
        view = await billing.open_dispute(
            principal_of(request), invoice_id, data.reason, data.amount
        )
        return Response(view, status_code=HTTP_201_CREATED)

    @get(
        "/disputes",
        guards=[requires(Role.BILLING, Role.AUDITOR, Role.ADMIN)],
        summary="The dispute queue",
        operation_class=documented(),
    )
    async def disputes(
        self, billing: BillingService, status: DisputeStatus | None = DisputeStatus.PENDING
    ) -> DisputePage:
        rows = await billing.ledger.list_disputes(status.value if status else None)
        return DisputePage(items=[dispute_view(r) for r in rows])

    @post(
        "/disputes/{dispute_id:str}/decision",
        guards=[billing_staff],
        status_code=HTTP_200_OK,
        summary="Accept (credit note) or decline (with a reason) a dispute",
        operation_class=documented(DECISION_EXAMPLES),
    )
    async def decide(
        self,
        request: Request,
        billing: BillingService,
        dispute_id: DocumentId,
        data: DisputeDecisionIn,
    ) -> Response:
        view = await billing.decide_dispute(
            principal_of(request),
            dispute_id,
            data.action is DisputeAction.ACCEPT,
            data.reason,
            data.amount,
        )
        return Response(view)

    @post(
        "/invoices/{invoice_id:str}/credit-notes",
        guards=[billing_staff],
        status_code=HTTP_201_CREATED,
        summary="Issue a correcting credit note (billing error), audited",
        operation_class=documented(CREDIT_EXAMPLES),
    )
    async def credit_note(
        self, request: Request, billing: BillingService, invoice_id: DocumentId, data: CreditNoteIn
    ) -> CreditNoteView:
        return await billing.correct(principal_of(request), invoice_id, data.amount, data.reason)

    @get(
        "/billing/summary",
        guards=[requires(Role.BILLING, Role.AUDITOR, Role.ADMIN)],
        summary="Totals per customer and month; how many charges are held (no details)",
        operation_class=documented(),
    )
    async def summary(self, billing: BillingService) -> BillingSummary:
        return BillingSummary(
            totals=[
                CustomerMonthTotal(**t) for t in await billing.ledger.totals_by_customer_month()
            ],
            held_count=await billing.ledger.held_count(),
        )

    @post(
        "/legal-processes/{request_id:str}/billing-release",
        guards=[legal_only],
        status_code=HTTP_200_OK,
        summary="Release a charge held under an indefinite order, emergency bar or NSL",
        operation_class=documented(RELEASE_EXAMPLES),
    )
    async def release(
        self,
        request: Request,
        billing: BillingService,
        request_id: RequestId,
        data: BillingReleaseIn,
    ) -> BillingReleaseOut:
        return await billing.release(principal_of(request), request_id, data.reason)
