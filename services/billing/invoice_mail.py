"""The mail that sends an invoice to the customer's billing contact, once it is visible.

Through the delivery package's checked path (one plain address, no header injection, a
Message-ID that is the same on every retry). The text names the invoice and the request
reference; the PDF is attached.
"""

from __future__ import annotations

from email.message import EmailMessage
from typing import Any

from services.billing.invoice_pdf import money
from services.delivery import messages
from services.delivery.mail import compose
from services.platform.settings import Settings


def invoice_message_id(invoice_id: str, mail_from: str) -> str:
    domain = mail_from.rpartition("@")[2] or "writ.local"
    return f"<invoice.{invoice_id}@{domain}>"


def compose_invoice_mail(
    settings: Settings, to_address: str, invoice: dict[str, Any], pdf: bytes, dispute_until: str
) -> EmailMessage:
    text = messages.invoice_notice(
        invoice["id"],
        invoice["account_id"],
        money(invoice["total"], invoice["currency"]),
        invoice["request_id"],
        dispute_until,
    )
    message = compose(
        settings,
        to_address=to_address,
        subject=text.subject,
        message_id=invoice_message_id(invoice["id"], settings.mail_from),
        body=text.body,
    )
    message.add_attachment(
        pdf, maintype="application", subtype="pdf", filename=f"{invoice['id']}.pdf"
    )
    return message
