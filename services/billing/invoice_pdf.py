"""The invoice PDF (fpdf2), one per customer invoice or credit note.

Like the custodian's certificate: core fonts (no font files on a worker), uncompressed, a
creation date fixed to the invoice date, so the same invoice always renders to the same
bytes and a retried posting stores the same object with the same digest. The PDF shows
what the invoice lines show (the request reference, counts, amounts), never the targets.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from fpdf import FPDF

from services.delivery.certificate import pdf_text

_PRODUCER = "Writ"


def money(cents: int, currency: str) -> str:
    """``money(123456, "USD") == "USD 1,234.56"``: explicit, never a float."""
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    return f"{sign}{currency} {whole:,}.{part:02d}"


def render_invoice_pdf(
    invoice: Mapping[str, Any],
    *,
    provider_name: str,
    dispute_until: dt.date,
    credit_notes: Sequence[Mapping[str, Any]] = (),
) -> bytes:
    currency = invoice["currency"]
    issued_on: dt.date = invoice["issued_on"]
    pdf = FPDF(format="Letter", unit="pt")
    pdf.core_fonts_encoding = "windows-1252"
    pdf.set_compression(False)
    pdf.set_creation_date(dt.datetime.combine(issued_on, dt.time(), tzinfo=dt.UTC))
    pdf.set_producer(_PRODUCER)
    pdf.set_creator(_PRODUCER)
    pdf.set_title(pdf_text(f"Invoice {invoice['id']}"))
    pdf.set_author(pdf_text(provider_name))
    pdf.set_margins(54, 54, 54)
    pdf.set_auto_page_break(True, margin=54)
    pdf.add_page()

    pdf.set_font("Helvetica", style="B", size=15)
    pdf.cell(0, 20, pdf_text(provider_name), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=11)
    pdf.cell(0, 16, "Invoice: cost of compliance with legal process", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(8)
    for label, value in (
        ("Invoice", invoice["id"]),
        ("Account", invoice["account_id"]),
        ("Request reference", invoice["request_id"]),
        ("Invoice date", issued_on.isoformat()),
        ("Dispute by", dispute_until.isoformat()),
        ("Share of the request", invoice.get("share") or "1"),
    ):
        pdf.set_font("Helvetica", style="B", size=10)
        pdf.cell(130, 14, pdf_text(label))
        pdf.set_font("Helvetica", size=10)
        pdf.cell(0, 14, pdf_text(str(value)), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(10)

    widths = (230, 45, 80, 60, 89)
    pdf.set_font("Helvetica", style="B", size=9)
    for width, title in zip(widths, ("Item", "Qty", "Unit", "Share", "Amount"), strict=True):
        pdf.cell(width, 14, title, border="B", align="L" if title == "Item" else "R")
    pdf.ln(14)
    pdf.set_font("Helvetica", size=9)
    for line in invoice.get("lines", []):
        cells = (
            line["description"],
            str(line["quantity"]),
            money(line["unit_amount"], currency),
            line["share"],
            money(line["amount"], currency),
        )
        for i, (width, text) in enumerate(zip(widths, cells, strict=True)):
            pdf.cell(width, 13, pdf_text(text), align="L" if i == 0 else "R")
        pdf.ln(13)
    pdf.set_font("Helvetica", style="B", size=10)
    pdf.cell(sum(widths[:-1]), 16, "Total", border="T", align="R")
    pdf.cell(widths[-1], 16, money(invoice["total"], currency), border="T", align="R")
    pdf.ln(22)
    for note in credit_notes:
        pdf.set_font("Helvetica", size=9)
        pdf.multi_cell(
            0,
            12,
            pdf_text(
                f"Credit note {note['id']} of {note['issued_on'].isoformat()}: "
                f"{money(-note['amount'], currency)} ({note['reason']})"
            ),
            new_x="LMARGIN",
            new_y="NEXT",
        )
    pdf.set_font("Helvetica", size=8)
    pdf.multi_cell(
        0,
        11,
        pdf_text(
            "Charged under the terms of service for the actual and reasonable costs of "
            "complying with legal process concerning your account's numbers, users or end "
            f"users. To dispute this invoice, reply within 30 days (by {dispute_until}) "
            "quoting the invoice number."
        ),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    return bytes(pdf.output())
