"""The mail that sends an invoice to the customer's billing contact, once it is visible.

Through the delivery package's checked path (one plain address, no header injection, a
Message-ID that is the same on every retry). The text names the invoice and the request
reference; the PDF is attached.
"""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any

from services.billing.invoice_pdf import money

# The delivery package's address check and header policy (a hook: the mail texts move to
# services/delivery/messages.py on another branch).
from services.delivery.mail import _NOTICE_POLICY, SMTP_TIMEOUT_SECONDS, _require_plain_address
from services.platform.settings import Settings


def invoice_message_id(invoice_id: str, mail_from: str) -> str:
    domain = mail_from.rpartition("@")[2] or "writ.local"
    return f"<invoice.{invoice_id}@{domain}>"


def compose_invoice_mail(
    settings: Settings, to_address: str, invoice: dict[str, Any], pdf: bytes, dispute_until: str
) -> EmailMessage:
    _require_plain_address(to_address)
    message = EmailMessage(policy=_NOTICE_POLICY)
    message["From"] = settings.mail_from
    message["To"] = to_address
    message["Subject"] = f"Invoice {invoice['id']}: cost of compliance with legal process"
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = invoice_message_id(invoice["id"], settings.mail_from)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(
        f"Invoice {invoice['id']} for account {invoice['account_id']}: "
        f"{money(invoice['total'], invoice['currency'])}.\n\n"
        f"It recovers the reasonable costs of complying with legal process {invoice['request_id']} "
        "concerning your account, as the terms of service allow. The invoice is attached.\n\n"
        f"To dispute it, reply by {dispute_until} quoting the invoice number, or use "
        f"POST /v1/invoices/{invoice['id']}/disputes.\n"
    )
    message.add_attachment(
        pdf, maintype="application", subtype="pdf", filename=f"{invoice['id']}.pdf"
    )
    return message


def send_invoice_mail(settings: Settings, message: EmailMessage) -> str:
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=SMTP_TIMEOUT_SECONDS) as smtp:
        smtp.send_message(message)
    return str(message["Message-ID"])
