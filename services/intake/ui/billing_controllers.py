"""Billing pages of the review UI (docs/billing.md): invoices with filters, totals per
customer and month and the count of charges held under a gag (never which), one invoice
with its lines and PDF, and the dispute queue with accept/decline.

Billing staff sign in at ``/ui/billing/login`` (their own cookie, scoped to these pages:
the review queue stays closed to the billing role); auditors and admins may also use the
review UI's session. Forms carry the review UI's CSRF token.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.response import Redirect
from litestar.status_codes import HTTP_303_SEE_OTHER

from contracts.billing import InvoiceStatus
from contracts.enums import Role
from services.intake.auth.tokens import InvalidToken, Principal, verify_token
from services.intake.billing.controllers import _provide_billing
from services.intake.billing.services import BillingService, invoice_view, parse_period
from services.intake.billing.services import dispute_view as to_dispute_view
from services.intake.problems import Problem
from services.intake.ui import session
from services.intake.ui.billing_format import money
from services.intake.ui.controllers import read_form_fields, render

BILLING_COOKIE = "writ_billing_session"
READERS = (Role.BILLING, Role.AUDITOR, Role.ADMIN)


def billing_principal(request: Request) -> Principal:
    for name in (BILLING_COOKIE, session.SESSION_COOKIE):
        token = request.cookies.get(name, "")
        if not token:
            continue
        try:
            principal = verify_token(request.app.state.settings, token)
        except InvalidToken:
            continue
        if principal.has(*READERS):
            return principal
    raise session.LoginRequired


def _login_redirect(request: Request, _: Exception) -> Response:
    return Redirect("/ui/billing/login", status_code=HTTP_303_SEE_OTHER)


def _cookie(request: Request, value: str, max_age: int | None = None) -> Cookie:
    return Cookie(
        key=BILLING_COOKIE,
        value=value,
        path="/ui/billing",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        max_age=max_age,
    )


class BillingUIController(Controller):
    path = "/ui/billing"
    include_in_schema = False
    exception_handlers = {session.LoginRequired: _login_redirect}

    @get("/login", sync_to_thread=False)
    def login_form(self, request: Request) -> Response[str]:
        return render("billing_login.html", request, error="")

    @post("/login")
    async def login(self, request: Request) -> Response:
        form = await read_form_fields(request)
        session.check_csrf(request, form)
        token = str(form.get("token") or "").strip()
        try:
            principal = verify_token(request.app.state.settings, token)
            if not principal.has(*READERS):
                raise InvalidToken("billing pages are for billing staff, auditors and admins")
        except InvalidToken as exc:
            return render("billing_login.html", request, status_code=401, error=str(exc))
        return Redirect(
            "/ui/billing/", status_code=HTTP_303_SEE_OTHER, cookies=[_cookie(request, token)]
        )

    @get("/")
    async def invoices(
        self,
        request: Request,
        customer: str | None = None,
        status: str | None = None,
        period: str | None = None,
    ) -> Response[str]:
        principal = billing_principal(request)
        billing: BillingService = _provide_billing(request)
        wanted = InvoiceStatus(status) if status in {s.value for s in InvoiceStatus} else None
        start, before = parse_period(period) if period else (None, None)
        rows = await billing.ledger.list_invoices(
            account_id=customer or None,
            status=wanted.value if wanted else None,
            issued_from=start,
            issued_before=before,
            limit=200,
        )
        return render(
            "billing_invoices.html",
            request,
            principal=principal,
            invoices=[invoice_view(r) for r in rows],
            totals=await billing.ledger.totals_by_customer_month(),
            held_count=await billing.ledger.held_count(),
            statuses=[s.value for s in InvoiceStatus],
            filters={"customer": customer or "", "status": status or "", "period": period or ""},
            money=money,
        )

    @get("/invoices/{invoice_id:str}")
    async def invoice(self, request: Request, invoice_id: str) -> Response[str]:
        principal = billing_principal(request)
        billing: BillingService = _provide_billing(request)
        row = await billing.visible_invoice(principal, invoice_id)
        return render(
            "billing_invoice.html",
            request,
            principal=principal,
            invoice=invoice_view(row),
            credit_notes=await billing.ledger.credit_notes_of(invoice_id),
            money=money,
        )

    @get("/invoices/{invoice_id:str}/pdf")
    async def invoice_pdf(self, request: Request, invoice_id: str) -> Response[bytes]:
        principal = billing_principal(request)
        billing: BillingService = _provide_billing(request)
        row = await billing.visible_invoice(principal, invoice_id)
        return Response(
            await billing.invoice_pdf(row),
            media_type="application/pdf",
            headers={"Content-Disposition": f'inline; filename="{invoice_id}.pdf"'},
        )

    @get("/disputes")
    async def disputes(self, request: Request) -> Response[str]:
        principal = billing_principal(request)
        billing: BillingService = _provide_billing(request)
        rows = await billing.ledger.list_disputes("pending")
        return render(
            "billing_disputes.html",
            request,
            principal=principal,
            disputes=[to_dispute_view(r) for r in rows],
            may_decide=principal.has(Role.BILLING),
            money=money,
        )

    @post("/disputes/{dispute_id:str}/decision")
    async def decide(self, request: Request, dispute_id: str) -> Response:
        principal = billing_principal(request)
        form: Any = await read_form_fields(request)
        session.check_csrf(request, form)
        billing: BillingService = _provide_billing(request)
        if not principal.has(Role.BILLING):
            text, kind = "Only billing staff decide disputes.", "error"
        else:
            accept = form.get("action") == "accept"
            try:
                view = await billing.decide_dispute(
                    principal, dispute_id, accept, str(form.get("reason") or ""), None
                )
                text, kind = f"Dispute {view.id} {view.status.value}.", "ok"
            except Problem as exc:
                text, kind = f"Not recorded: {exc.detail}", "error"
        return Redirect(
            "/ui/billing/disputes",
            status_code=HTTP_303_SEE_OTHER,
            cookies=[session.flash_cookie(request, kind, text)],
        )
