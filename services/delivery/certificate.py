"""The records custodian's certificate (FRE 902(11)) that makes the production self-authenticating.

Rendered with fpdf2's core fonts so no font file has to be present on a worker, with a
fixed creation date and no compression so the same facts always give the same bytes:
the manifest and the agency's copy must agree on a retried build.
"""

from __future__ import annotations

import datetime as dt
import unicodedata

import msgspec
from fpdf import FPDF

from contracts.enums import DataCategory

# Core PDF fonts cover Windows-1252 (curly quotes, dashes, accented Latin letters);
# anything else is transliterated or replaced, never allowed to fail the build.
_PDF_TEXT_ENCODING = "windows-1252"
_PRODUCER = "Writ"


class CertifiedFile(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    sha256: str
    records: int
    category: DataCategory | None = None  # None for files that span categories (records.json)


class CertificateFacts(msgspec.Struct, frozen=True, kw_only=True):
    request_id: str
    provider_name: str
    custodian_name: str
    authority: str
    agency_name: str
    certified_on: dt.date
    files: list[CertifiedFile]
    targets_total: int = 0
    targets_without_data: int = 0

    @property
    def total_records(self) -> int:
        return sum(f.records for f in self.files if f.category is not None)


def attestation_paragraphs(facts: CertificateFacts) -> list[str]:
    """The declaration itself: FRE 803(6)(A)-(C) through 902(11), hashes per 902(14)."""
    provider = facts.provider_name
    return [
        f"I, {facts.custodian_name}, declare under penalty of perjury under the laws of the "
        "United States of America (28 U.S.C. \u00a7 1746) that the following is true and correct.",
        f"1. I am employed by {provider} and, by reason of my position, am a custodian of its "
        "records or am otherwise familiar with the manner in which its records are created and "
        "kept; I am qualified to make this certification.",
        f"2. The records identified below are true and complete copies of records in the "
        f"possession, custody or control of {provider}, produced in response to the legal "
        "process identified above.",
        "3. The records were made at or near the time of the acts, events or conditions they "
        "record, by \u2014 or from information transmitted by \u2014 a person with knowledge of "
        "those matters; they were kept in the course of the regularly conducted business activity "
        f"of {provider}; and making such records was a regular practice of that activity.",
        "4. The records were extracted from the systems in which they are kept by an automated "
        "process that reliably reproduces them. Each file is identified by the SHA-256 hash "
        "value shown; a file with the same hash value is an exact copy of the file produced.",
        "I make this certification under Federal Rules of Evidence 902(11) and 902(14) so that "
        "the records may be admitted as records of a regularly conducted activity under Rule "
        "803(6) without the testimony of a witness.",
    ]


def render_certificate(facts: CertificateFacts) -> bytes:
    pdf = _new_document(facts)
    _heading(pdf)
    _particulars(pdf, facts)
    for paragraph in attestation_paragraphs(facts):
        _paragraph(pdf, paragraph)
    _file_table(pdf, facts)
    _absence_statement(pdf, facts)
    _signature_block(pdf, facts)
    return bytes(pdf.output())


def _new_document(facts: CertificateFacts) -> FPDF:
    pdf = FPDF(format="Letter", unit="pt")
    pdf.core_fonts_encoding = _PDF_TEXT_ENCODING
    # Uncompressed: byte-identical across zlib builds, and the text stays greppable.
    pdf.set_compression(False)
    midnight = dt.datetime.combine(facts.certified_on, dt.time(), tzinfo=dt.UTC)
    pdf.set_creation_date(midnight)
    pdf.set_producer(_PRODUCER)
    pdf.set_creator(_PRODUCER)
    pdf.set_title(pdf_text(f"Certificate of authenticity \u2014 request {facts.request_id}"))
    pdf.set_subject(pdf_text(f"FRE 902(11) certification for request {facts.request_id}"))
    pdf.set_author(pdf_text(facts.provider_name))
    pdf.set_margins(54, 54, 54)
    pdf.set_auto_page_break(True, margin=54)
    pdf.add_page()
    return pdf


def _heading(pdf: FPDF) -> None:
    pdf.set_font("Helvetica", style="B", size=13)
    pdf.multi_cell(
        0,
        17,
        "CERTIFICATE OF AUTHENTICITY OF DOMESTIC RECORDS\nOF REGULARLY CONDUCTED ACTIVITY",
        align="C",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.set_font("Helvetica", size=10)
    pdf.cell(
        0,
        14,
        "Federal Rules of Evidence 902(11), 902(14) and 803(6)",
        align="C",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(10)


def _particulars(pdf: FPDF, facts: CertificateFacts) -> None:
    rows = [
        ("Provider", facts.provider_name),
        ("Request ID", facts.request_id),
        ("Legal authority", facts.authority),
        ("Requesting agency", facts.agency_name or "-"),
        ("Records custodian", facts.custodian_name),
        ("Date of certification", facts.certified_on.isoformat()),
        ("Records produced", str(facts.total_records)),
    ]
    for label, value in rows:
        pdf.set_font("Helvetica", style="B", size=10)
        pdf.cell(130, 14, label + ":")
        pdf.set_font("Helvetica", size=10)
        pdf.multi_cell(0, 14, pdf_text(value), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(8)


def _paragraph(pdf: FPDF, text: str) -> None:
    pdf.set_font("Helvetica", size=10)
    pdf.multi_cell(0, 13, pdf_text(text), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(5)


def _file_table(pdf: FPDF, facts: CertificateFacts) -> None:
    pdf.ln(4)
    pdf.set_font("Helvetica", style="B", size=10)
    pdf.cell(0, 14, "Records produced", new_x="LMARGIN", new_y="NEXT")
    for certified in facts.files:
        scope = str(certified.category) if certified.category else "all categories"
        pdf.set_font("Helvetica", size=10)
        line = f"{certified.name} \u2014 {scope} \u2014 {_count(certified.records, 'record')}"
        pdf.cell(0, 13, pdf_text(line), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Courier", size=8.5)
        pdf.cell(0, 12, f"SHA-256 {certified.sha256}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)


def _absence_statement(pdf: FPDF, facts: CertificateFacts) -> None:
    """A diligent search that found nothing is itself a fact the agency may need (FRE 803(7))."""
    if not facts.targets_without_data:
        return
    _paragraph(
        pdf,
        f"A diligent search found no records for {facts.targets_without_data} of the "
        f"{facts.targets_total} identifiers named in the legal process for the period requested; "
        "the reason for each is stated in records.json.",
    )


def _signature_block(pdf: FPDF, facts: CertificateFacts) -> None:
    pdf.ln(24)
    pdf.set_font("Helvetica", size=10)
    pdf.cell(0, 14, "_" * 48, new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 14, "Signature", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 14, pdf_text(f"Name: {facts.custodian_name}"), new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 14, "Title: Custodian of Records", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 14, pdf_text(f"For: {facts.provider_name}"), new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 14, f"Date: {facts.certified_on.isoformat()}", new_x="LMARGIN", new_y="NEXT")


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def pdf_text(text: str) -> str:
    """Text the core fonts can show: transliterate what they lack, '?' for the rest."""
    try:
        text.encode(_PDF_TEXT_ENCODING)
        return text
    except UnicodeEncodeError:
        pass
    shown = []
    for char in text:
        try:
            char.encode(_PDF_TEXT_ENCODING)
            shown.append(char)
        except UnicodeEncodeError:
            decomposed = unicodedata.normalize("NFKD", char).encode("ascii", "ignore").decode()
            shown.append(decomposed or "?")
    return "".join(shown)
