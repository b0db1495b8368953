"""The billing pages in real headless Chromium (docs/billing.md): billing staff sign in,
filter the invoices, read totals and the held-under-gag count, open an invoice with its
lines and PDF, and accept a dispute from the queue; a reviewer cannot sign in there."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from contracts.billing import ChargeHold, ChargeItem, CustomerInvoice, Invoice, InvoiceLine
from contracts.determination import LegalEntity
from services.billing.export import invoice_pdf_key, put_pdf
from services.billing.invoice_pdf import render_invoice_pdf
from services.register.billing import BillingLedger, dispute_until
from tests.ui.browser import CHROMIUM, CHROMIUM_ARGS
from tests.ui.conftest import token_of

pytestmark = pytest.mark.slow
CUSTOMER = "ACUIBILLING"


async def seed_invoice(register, s3, settings, request_id: str) -> tuple[dict, dict]:
    """A posted invoice with its PDF, and a pending dispute on it."""
    now = dt.datetime.now(dt.UTC)
    lines = [
        InvoiceLine(item=ChargeItem.PER_REQUEST, description="Handling of legal process",
                    quantity=1, unit_amount=2500, request_amount=2500, amount=2500),
        InvoiceLine(item=ChargeItem.PER_TARGET, description="Identifiers searched (1)",
                    quantity=1, unit_amount=1000, request_amount=1000, amount=1000),
    ]  # fmt: skip
    invoice = Invoice(
        request_id=request_id,
        service_date=now.date(),
        customers=[
            CustomerInvoice(account_id=CUSTOMER, legal_entity=LegalEntity.US, currency="USD",
                            share="1", lines=lines, total=3500)
        ],
    )  # fmt: skip
    ledger = BillingLedger(register.engine)
    await ledger.prepare_charge(invoice, ChargeHold(), now)
    (posted,) = await ledger.post_charge(request_id, now)
    pdf = render_invoice_pdf(
        posted, provider_name="Writ", dispute_until=dispute_until(posted["issued_on"])
    )
    key = invoice_pdf_key(posted)
    digest = await asyncio.to_thread(put_pdf, s3, settings, key, pdf)
    await ledger.set_invoice_documents(posted["id"], pdf_key=key, pdf_sha256=digest, event_key="")
    dispute = await ledger.open_dispute(
        posted["id"], opened_by="customer", reason="Not our number", amount=1000, now=now
    )
    return posted, dispute


async def test_billing_staff_work_the_invoices_in_the_browser(
    api,
    mint,
    in_review,
    served,  # noqa: F811
    register,
    s3,
    service_settings,
    tmp_path,  # noqa: F811
):
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is not installed (apt-get install chromium)")
    from playwright.async_api import async_playwright

    invoice, dispute = await seed_invoice(register, s3, service_settings, in_review)
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = await browser.new_page()
            await page.goto(f"{served}/ui/billing/")
            assert page.url.endswith("/ui/billing/login")

            await page.get_by_label("Bearer token").fill(token_of(mint("reviewer", sub="rita")))
            await page.get_by_role("button", name="Sign in").click()
            assert "billing staff" in await page.text_content("body")

            await page.get_by_label("Bearer token").fill(token_of(mint("billing", sub="bea")))
            await page.get_by_role("button", name="Sign in").click()
            await page.wait_for_url(f"{served}/ui/billing/")
            assert "Invoices" in await page.text_content("h1")
            assert "Charges held under a gag" in await page.text_content("#held")
            assert CUSTOMER in await page.text_content("#totals")
            assert invoice["id"] in await page.text_content("body")

            await page.get_by_label("Customer").fill("ACNOBODY")
            await page.get_by_role("button", name="Filter").click()
            assert "No invoices." in await page.text_content("body")
            await page.get_by_label("Customer").fill(CUSTOMER)
            await page.get_by_role("button", name="Filter").click()

            await page.get_by_role("link", name=invoice["id"]).first.click()
            await page.wait_for_url(f"{served}/ui/billing/invoices/{invoice['id']}")
            assert "USD 35.00" in await page.text_content("#total")
            assert "Identifiers searched (1)" in await page.text_content("body")
            pdf = await page.request.get(f"{served}/ui/billing/invoices/{invoice['id']}/pdf")
            assert pdf.ok and (await pdf.body()).startswith(b"%PDF")

            await page.goto(f"{served}/ui/billing/disputes")
            assert dispute["id"] in await page.text_content("body")
            await page.get_by_role("button", name=f"Accept {dispute['id']}").click()
            await page.wait_for_url(f"{served}/ui/billing/disputes")
            assert f"Dispute {dispute['id']} accepted." in await page.text_content("body")
            await page.goto(f"{served}/ui/billing/invoices/{invoice['id']}")
            assert "credited" in await page.text_content("#status")
            await page.screenshot(path=str(tmp_path / "invoice.png"), full_page=True)
        finally:
            await browser.close()
    print("screenshots in", tmp_path)
