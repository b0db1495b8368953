"""Reads return the Structs that were written, on SQLite and PostgreSQL alike: UTC times,
dates, enums and the nested process all come back as they went in."""

from __future__ import annotations

import datetime as dt
import uuid

from contracts.determination import Determination, Disposition
from contracts.enums import (
    DataCategory,
    IdentifierKind,
    IssuerKind,
    Outcome,
    ProcessType,
    Status,
)
from contracts.legal_process import Identifier, LegalProcess, Period, Requester
from contracts.workflow import StatusChange
from services.register.agencies import AgencyRecord, OfficerRecord
from services.register.disclosures import Disclosure
from services.register.documents import DocumentRecord
from services.register.legal_processes import LegalProcessRecord

NOW = dt.datetime(2026, 11, 20, 14, 30, 15, 123456, tzinfo=dt.UTC)


async def _agency(register) -> AgencyRecord:
    agency = AgencyRecord(
        id=f"pd-{uuid.uuid4().hex[:10]}",
        name="Raleigh Police Department",
        jurisdiction="US-NC",
        email_domains=["raleighpd.gov"],
        callback_number="+19195550199",
        webhook_url="https://intake.raleighpd.gov/writ",
        webhook_secret="s" * 32,
    )
    officer = OfficerRecord(email="j.doe@raleighpd.gov", name="Jordan Doe", badge="4411")
    created = await register.agencies.create(agency, [officer], actor="admin")
    assert created is not None and created.created_at is not None
    assert await register.agencies.create(agency, [], actor="admin") is None  # id taken
    return created


def _record(agency_id: str) -> LegalProcessRecord:
    request_id = f"lp_{uuid.uuid4().hex[:24]}"
    targets = [
        Identifier(kind=IdentifierKind.TELEPHONE_NUMBER, value="+19195550100"),
        Identifier(kind=IdentifierKind.EMAIL, value="holder@mail.example"),
    ]
    process = LegalProcess(
        request_id=request_id,
        process_type=ProcessType.SEARCH_WARRANT,
        issuer_kind=IssuerKind.STATE,
        issuer_name="Wake County Superior Court",
        jurisdiction="US-NC",
        issued_on=dt.date(2026, 11, 18),
        received_at=NOW,
        case_number="2026-CR-7",
        requester=Requester(agency_id=agency_id, officer_email="j.doe@raleighpd.gov"),
        targets=targets,
        categories=[DataCategory.SUBSCRIBER_INFO, DataCategory.CONTENT],
        period=Period(start=dt.date(2026, 8, 1), end=dt.date(2026, 10, 31)),
        return_date=dt.date(2026, 12, 18),
    )
    return LegalProcessRecord(
        id=request_id,
        agency_id=agency_id,
        process_type=process.process_type,
        case_number=process.case_number,
        status=Status.RECEIVED,
        received_at=NOW,
        return_date=process.return_date,
        submission={"case_number": process.case_number, "note": "as sent"},
        process=process,
        document_key=f"documents/{agency_id}/{request_id}/process.pdf",
        document_sha256="ab" * 32,
        idempotency_key="retry-1",
        request_digest="cd" * 32,
    )


async def test_a_legal_process_reads_back_as_written(register):
    agency = await _agency(register)
    assert await register.agencies.get(agency.id) == agency
    assert await register.agencies.officer_known(agency.id, "J.Doe@RaleighPD.gov")
    record = _record(agency.id)
    await register.legal_processes.insert(record, actor="j.doe@raleighpd.gov")

    stored = await register.legal_processes.get(record.id)
    assert stored == LegalProcessRecord(**{**_fields(record), "updated_at": NOW})
    assert stored.received_at.tzinfo is not None
    found = await register.legal_processes.find_by_idempotency_key(agency.id, "retry-1")
    assert found == stored
    assert await register.legal_processes.case_targets(record.id) == {
        ("telephone_number", "+19195550100"),
        ("email", "holder@mail.example"),
    }
    assert [r.id for r in await register.legal_processes.list(agency_id=agency.id)] == [record.id]

    determination = Determination(disposition=Disposition.PROCEED)
    await register.legal_processes.apply_status_change(
        StatusChange(
            request_id=record.id,
            status=Status.CLOSED,
            actor="writ",
            outcome=Outcome.PRODUCED,
            determination=determination,
        )
    )
    closed = await register.legal_processes.get(record.id)
    assert (closed.status, closed.outcome, closed.determination) == (
        Status.CLOSED,
        Outcome.PRODUCED,
        determination,
    )
    assert [e.action for e in await register.audit.trail(record.id)] == [
        "received",
        "status:closed",
    ]


async def test_documents_and_disclosures_read_back_as_written(register):
    agency = await _agency(register)
    document = DocumentRecord(
        id=f"doc_{uuid.uuid4().hex[:24]}",
        agency_id=agency.id,
        key="documents/x.pdf",
        sha256="ef" * 32,
        bytes=1234,
    )
    await register.documents.add(document)
    stored = await register.documents.get(document.id)
    assert stored is not None and stored.uploaded_at is not None
    assert stored == DocumentRecord(**{**_fields(document), "uploaded_at": stored.uploaded_at})

    record = _record(agency.id)
    await register.legal_processes.insert(record, actor="j.doe@raleighpd.gov")
    disclosure = Disclosure(
        id=f"{record.id}:production",
        request_id=record.id,
        agency_id=agency.id,
        categories=[DataCategory.TOLL_RECORDS, DataCategory.SUBSCRIBER_INFO],
        targets=["+19195550100"],
        authority="search_warrant 2026-CR-7 (Wake County Superior Court)",
        record_count=3,
        manifest_sha256="01" * 32,
        disclosed_at=NOW,
    )
    assert await register.disclosures.record(disclosure, actor="writ")
    assert not await register.disclosures.record(disclosure, actor="writ")  # once per id
    [logged] = [d for d in await register.disclosures.list(limit=1000) if d.id == disclosure.id]
    # Categories are kept in a stable order, whatever order the caller gave.
    assert logged == Disclosure(
        **{
            **_fields(disclosure),
            "categories": [DataCategory.SUBSCRIBER_INFO, DataCategory.TOLL_RECORDS],
        }
    )


def _fields(struct) -> dict:
    return {name: getattr(struct, name) for name in struct.__struct_fields__}
