"""Every text Writ mails to people, in one place: the officer's production notice and
preservation reminder, the customer notice and invoice, and how to download a production.
Mail leaves our control once sent, so no text here carries a target, a record or a link
that works on its own."""

from __future__ import annotations

import datetime as dt

import msgspec

from contracts.legal_process import LegalProcess


class MailText(msgspec.Struct, frozen=True, kw_only=True):
    subject: str
    body: str


def download_hint(api_base_url: str, request_id: str) -> str:
    return (
        f"GET {api_base_url}/v1/legal-processes/{request_id}/production "
        "with your agency's bearer token."
    )


def production_notice(request_id: str, agency_name: str, download_hint: str) -> MailText:
    greeting = f"To {agency_name}," if agency_name.strip() else "Hello,"
    return MailText(
        subject=f"Production ready for legal process {request_id}",
        body=(
            f"{greeting}\n\n"
            f"The production for legal process {request_id} is ready.\n\n"
            f"How to download it:\n{download_hint}\n\n"
            "The package contains a manifest with the SHA-256 digest of every file and a "
            "records custodian's certificate (FRE 902(11)).\n"
            "For the protection of the people concerned, this message contains no records and "
            "no identifiers.\n\n"
            "This is an automated notice; replies are not read.\n"
        ),
    )


def customer_notice(process: LegalProcess, account_id: str, reason: str) -> MailText:
    """To a customer who held a target: names the process, never the records."""
    request_id = process.request_id
    return MailText(
        subject=f"Legal process concerning your account ({request_id})",
        body=(
            f"We received legal process "
            f"({process.process_type.value.replace('_', ' ')}) from "
            f"{process.requester.agency_name or 'a government agency'}, issued by "
            f"{process.issuer_name} "
            f"on {process.issued_on.isoformat()}, concerning records of your account "
            f"{account_id}.\n\n"
            f"{reason}.\n\nQuote reference {request_id} in any reply to "
            f"our legal team."
        ),
    )


def preservation_expiring(request_id: str, expires_on: dt.date) -> MailText:
    """To the requesting officer, before a §2703(f) preservation lapses."""
    return MailText(
        subject=f"Preservation {request_id} expires {expires_on.isoformat()}",
        body=(
            "The preserved records will be released on that date unless extended "
            "(one 90-day extension, 18 U.S.C. §2703(f)(2)) or followed by process."
        ),
    )


def refusal_confirmed(request_id: str, response: str) -> MailText:
    """To the requesting officer, once a person confirmed the refusal the machine drafted
    (issue 11): the drafted answer, which carries request-level reasons only."""
    return MailText(subject=f"Request {request_id}: the provider's answer", body=response + "\n")


def emergency_follow_up_reminder(request_id: str, due_on: dt.date) -> MailText:
    """To the requesting officer, before the follow-up process for an emergency disclosure
    is due (docs/legal-rules.md: provider policy, not a statute)."""
    return MailText(
        subject=f"Emergency request {request_id}: follow-up legal process due {due_on}",
        body=(
            f"Records were disclosed to your agency in an emergency under 18 U.S.C. §2702 "
            f"(request {request_id}). The provider's policy asks for legal process covering "
            f"that disclosure by {due_on.isoformat()}.\n\n"
            "Serve it through the portal with the same case number, or name this request in "
            f'the submission\'s "follows_emergency" field, and it is linked automatically.\n'
        ),
    )


def invoice_notice(
    invoice_id: str, account_id: str, amount: str, request_id: str, dispute_until: str
) -> MailText:
    """To a customer's billing contact, once the invoice may be seen (docs/billing.md)."""
    return MailText(
        subject=f"Invoice {invoice_id}: cost of compliance with legal process",
        body=(
            f"Invoice {invoice_id} for account {account_id}: {amount}.\n\n"
            f"It recovers the reasonable costs of complying with legal process {request_id} "
            "concerning your account, as the terms of service allow. The invoice is attached.\n\n"
            f"To dispute it, reply by {dispute_until} quoting the invoice number, or use "
            f"POST /v1/invoices/{invoice_id}/disputes.\n"
        ),
    )
