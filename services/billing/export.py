"""Storing billing documents in S3: invoice PDFs (with their SHA-256) and billing events.

Keys are derived from the document, so every write is idempotent. Blocking (boto3): call
from a thread.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from contracts.billing import BillingEvent
from services.billing.events import credit_note_event, encode_line, event_key, invoice_event
from services.platform.objectstore import sha256_hex
from services.platform.settings import Settings


def billing_bucket(settings: Settings) -> str:
    return settings.billing_bucket or settings.documents_bucket


def invoice_pdf_key(invoice: Mapping[str, Any]) -> str:
    return f"invoices/{invoice['issued_on']:%Y/%m}/{invoice['id']}.pdf"


def put_pdf(s3: Any, settings: Settings, key: str, pdf: bytes) -> str:
    digest = sha256_hex(pdf)
    s3.put_object(
        Bucket=billing_bucket(settings),
        Key=key,
        Body=pdf,
        ContentType="application/pdf",
        Metadata={"sha256": digest},
    )
    return digest


def put_event(s3: Any, settings: Settings, event: BillingEvent) -> str:
    key = event_key(event.issued_on, event.document_id)
    s3.put_object(
        Bucket=billing_bucket(settings),
        Key=key,
        Body=encode_line(event),
        ContentType="application/x-ndjson",
    )
    return key


def get_object(s3: Any, settings: Settings, key: str) -> bytes:
    return s3.get_object(Bucket=billing_bucket(settings), Key=key)["Body"].read()


async def export_credit_note(ledger: Any, s3: Any, settings: Settings, credit_note_id: str) -> str:
    """Export a credit note like an invoice: its event under the dated prefix."""
    note = await ledger.get_credit_note(credit_note_id)
    invoice = await ledger.get_invoice(note["invoice_id"])
    key = await asyncio.to_thread(put_event, s3, settings, credit_note_event(note, invoice))
    await ledger.set_credit_note_event(credit_note_id, key)
    return key


async def export_since(ledger: Any, s3: Any, settings: Settings, since: Any) -> list[str]:
    """Re-emit every billing event for documents issued on or after ``since`` (idempotent:
    the same keys, the same bytes)."""
    invoices, notes = await ledger.documents_issued_since(since)
    keys = []
    for invoice in invoices:
        keys.append(await asyncio.to_thread(put_event, s3, settings, invoice_event(invoice)))
    by_id = {i["id"]: i for i in invoices}
    for note in notes:
        invoice = by_id.get(note["invoice_id"]) or await ledger.get_invoice(note["invoice_id"])
        keys.append(
            await asyncio.to_thread(put_event, s3, settings, credit_note_event(note, invoice))
        )
    return keys
