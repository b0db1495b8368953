"""The one way Writ sends mail: officer production notices, customer notices, agency
notices (and later invoices) are all composed and sent here.

Every message is checked before it is built: one plain recipient address (no lists, no
display names, no line breaks that would inject headers), header values on one line, and
headers never folded (see ``_POLICY``). Each carries a Message-ID derived from the request
and the step, the same on every retry, so a resend is recognisably the same message. The
texts are in ``services/delivery/messages.py``.
"""

from __future__ import annotations

import smtplib
from email import policy
from email.message import EmailMessage
from email.utils import formatdate

from services.delivery import messages
from services.delivery.keys import checked_request_id
from services.platform.settings import Settings

SMTP_TIMEOUT_SECONDS = 30.0
# Never fold headers short of RFC 5322's hard limit: a folded Message-ID comes back with
# leading whitespace from some parsers (CPython's among them), and then duplicates no
# longer compare equal. Our headers are far below 998 characters.
_POLICY = policy.SMTP.clone(max_line_length=998)


class InvalidMailAddress(ValueError):
    """The address could inject headers or is not an address; retrying will not help."""


class InvalidMailHeader(ValueError):
    """A header value would break onto a second line (header injection); not retryable."""


def compose(
    settings: Settings, *, to_address: str, subject: str, message_id: str, body: str
) -> EmailMessage:
    """A plain automated message, checked (see the module docstring)."""
    _require_plain_address(to_address)
    for name, value in (("Subject", subject), ("Message-ID", message_id)):
        _require_one_line(name, value)
    message = EmailMessage(policy=_POLICY)
    message["From"] = settings.mail_from
    message["To"] = to_address
    message["Subject"] = subject
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = message_id
    # Tells mail systems not to auto-reply or forward as a person's mail (RFC 3834).
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(body)
    return message


def send(settings: Settings, message: EmailMessage) -> str:
    """Hand the message to the SMTP relay; returns its Message-ID. SMTP errors propagate
    (retryable)."""
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=SMTP_TIMEOUT_SECONDS) as smtp:
        smtp.send_message(message)
    return str(message["Message-ID"])


# -- the officer's production notice ---------------------------------------------------------


def production_notice_message_id(request_id: str, mail_from: str) -> str:
    domain = mail_from.rpartition("@")[2] or "writ.local"
    return f"<production-notice.{checked_request_id(request_id)}@{domain}>"


def compose_production_notice(
    settings: Settings, to_address: str, request_id: str, agency_name: str, download_hint: str
) -> EmailMessage:
    text = messages.production_notice(checked_request_id(request_id), agency_name, download_hint)
    return compose(
        settings,
        to_address=to_address,
        subject=text.subject,
        message_id=production_notice_message_id(request_id, settings.mail_from),
        body=text.body,
    )


def send_production_notice(
    settings: Settings, to_address: str, request_id: str, agency_name: str, download_hint: str
) -> str:
    """Send the notice; returns its Message-ID."""
    return send(
        settings,
        compose_production_notice(settings, to_address, request_id, agency_name, download_hint),
    )


# -- notices to customers and agencies --------------------------------------------------------


def customer_notice_message_id(request_id: str, account_id: str) -> str:
    return f"<customer-notice.{checked_request_id(request_id)}.{account_id}@writ>"


def agency_notice_message_id(request_id: str, subject_digest: str) -> str:
    return f"<agency-notice.{checked_request_id(request_id)}.{subject_digest}@writ>"


def _require_plain_address(address: str) -> None:
    if any(char in address for char in '\r\n,;<>"') or address.count("@") != 1:
        raise InvalidMailAddress("one plain email address is required")


def _require_one_line(name: str, value: str) -> None:
    if "\r" in value or "\n" in value:
        raise InvalidMailHeader(f"the {name} header must be one line")
