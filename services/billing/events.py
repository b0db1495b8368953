"""Billing events: the JSON Lines objects a billing system imports (docs/billing.md).

One object per invoice or credit note, at ``billing-events/YYYY/MM/DD/<document id>.jsonl``
dated by the document's issue date, so a re-export (``writ billing export``) or a retried
posting writes the same key with the same bytes. Pure; ``services.billing.export`` stores.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import msgspec

from contracts.billing import BillingEvent, BillingEventLine, ChargeItem
from contracts.determination import LegalEntity

EVENTS_PREFIX = "billing-events"


def event_key(issued_on: dt.date, document_id: str) -> str:
    return f"{EVENTS_PREFIX}/{issued_on:%Y/%m/%d}/{document_id}.jsonl"


def invoice_event(invoice: Mapping[str, Any]) -> BillingEvent:
    return BillingEvent(
        event_id=f"invoice:{invoice['id']}:v{invoice['version']}",
        kind="invoice",
        document_id=invoice["id"],
        invoice_id=invoice["id"],
        request_reference=invoice["request_id"],
        account_id=invoice["account_id"],
        legal_entity=LegalEntity(invoice["legal_entity"]),
        currency=invoice["currency"],
        total=invoice["total"],
        issued_on=invoice["issued_on"],
        version=invoice["version"],
        lines=[
            BillingEventLine(
                item=ChargeItem(line["item"]),
                description=line["description"],
                quantity=line["quantity"],
                unit_amount=line["unit_amount"],
                amount=line["amount"],
            )
            for line in invoice.get("lines", [])
        ],
        pdf_key=invoice.get("pdf_key") or "",
        pdf_sha256=invoice.get("pdf_sha256") or "",
    )


def credit_note_event(note: Mapping[str, Any], invoice: Mapping[str, Any]) -> BillingEvent:
    return BillingEvent(
        event_id=f"credit_note:{note['id']}",
        kind="credit_note",
        document_id=note["id"],
        invoice_id=invoice["id"],
        request_reference=invoice["request_id"],
        account_id=note["account_id"],
        legal_entity=LegalEntity(invoice["legal_entity"]),
        currency=note["currency"],
        total=-note["amount"],
        issued_on=note["issued_on"],
        reason=note["reason"],
    )


def encode_line(event: BillingEvent) -> bytes:
    return msgspec.json.encode(event) + b"\n"
