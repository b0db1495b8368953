"""The email notice to the requesting officer that a production is ready.

Mail leaves our control once sent, so the notice carries no personal data: no targets,
no records, no download link that works on its own, only the request id and how to
fetch the package through the authenticated (and audited) route. Its Message-ID is
derived from the request id, so a resend after a retry is recognisably the same notice.
"""

from __future__ import annotations

import smtplib
from email import policy
from email.message import EmailMessage
from email.utils import formatdate

from services.delivery.keys import checked_request_id
from services.platform.settings import Settings

SMTP_TIMEOUT_SECONDS = 30.0
# Never fold headers short of RFC 5322's hard limit: a folded Message-ID comes back with
# leading whitespace from some parsers (CPython's among them), and then duplicates no
# longer compare equal. Our headers are far below 998 characters.
_NOTICE_POLICY = policy.SMTP.clone(max_line_length=998)


class InvalidMailAddress(ValueError):
    """The address could inject headers or is not an address; retrying will not help."""


def production_notice_message_id(request_id: str, mail_from: str) -> str:
    domain = mail_from.rpartition("@")[2] or "writ.local"
    return f"<production-notice.{checked_request_id(request_id)}@{domain}>"


def compose_production_notice(
    settings: Settings, to_address: str, request_id: str, agency_name: str, download_hint: str
) -> EmailMessage:
    _require_plain_address(to_address)
    message = EmailMessage(policy=_NOTICE_POLICY)
    message["From"] = settings.mail_from
    message["To"] = to_address
    message["Subject"] = f"Production ready for legal process {checked_request_id(request_id)}"
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = production_notice_message_id(request_id, settings.mail_from)
    # Tells mail systems not to auto-reply or forward as a person's mail (RFC 3834).
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(_notice_text(request_id, agency_name, download_hint))
    return message


def send_production_notice(
    settings: Settings, to_address: str, request_id: str, agency_name: str, download_hint: str
) -> str:
    """Send the notice; returns its Message-ID. SMTP errors propagate (retryable)."""
    message = compose_production_notice(
        settings, to_address, request_id, agency_name, download_hint
    )
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=SMTP_TIMEOUT_SECONDS) as smtp:
        smtp.send_message(message)
    return str(message["Message-ID"])


def _notice_text(request_id: str, agency_name: str, download_hint: str) -> str:
    greeting = f"To {agency_name}," if agency_name.strip() else "Hello,"
    return (
        f"{greeting}\n\n"
        f"The production for legal process {request_id} is ready.\n\n"
        f"How to download it:\n{download_hint}\n\n"
        "The package contains a manifest with the SHA-256 digest of every file and a "
        "records custodian's certificate (FRE 902(11)).\n"
        "For the protection of the people concerned, this message contains no records and "
        "no identifiers.\n\n"
        "This is an automated notice; replies are not read.\n"
    )


def _require_plain_address(address: str) -> None:
    if any(char in address for char in "\r\n,;") or address.count("@") != 1:
        raise InvalidMailAddress("one plain email address is required")
