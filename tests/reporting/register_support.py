"""Put report facts into a real register: the legal-process rows they belong to (minimal but
valid), the facts and the production accounts."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from services.register.tables import agencies, legal_processes
from services.register.transparency import _store_accounts, store_facts
from services.reporting.facts import ReportFact

AGENCY = "report-test-agency"


def process_json(fact: ReportFact) -> dict:
    categories = ["content"] if fact.national_security == "fisa_content" else ["subscriber_info"]
    return {
        "request_id": fact.request_id,
        "process_type": fact.process_type,
        "issuer_kind": fact.issuer_kind,
        "issuer_name": "Test issuer",
        "jurisdiction": fact.country or "US-NC",
        "issued_on": fact.received_at.date().isoformat(),
        "received_at": fact.received_at.isoformat(),
        "case_number": f"case-{fact.request_id}",
        "requester": {"agency_id": AGENCY},
        "targets": [
            {"kind": "telephone_number", "value": f"+1919555{i:04d}"}
            for i in range(fact.identifiers)
        ],
        "categories": categories,
        "non_disclosure_order": (
            {
                "authority": "18 U.S.C. §2705(b)",
                "ends_on": fact.ndo_ends_on.isoformat() if fact.ndo_ends_on else None,
            }
            if fact.ndo
            else None
        ),
    }


async def seed(engine, facts: list[ReportFact], accounts: dict[str, list[str]] | None = None):
    async with engine.begin() as conn:
        if not await conn.scalar(sa.select(agencies.c.id).where(agencies.c.id == AGENCY)):
            await conn.execute(
                agencies.insert().values(
                    id=AGENCY,
                    name="Test",
                    jurisdiction="US-NC",
                    email_domains=["t.gov"],
                    callback_number="+19195550100",
                    created_at=dt.datetime.now(dt.UTC),
                )
            )
        if not facts:
            return
        await conn.execute(
            legal_processes.insert(),
            [
                {
                    "id": f.request_id,
                    "agency_id": AGENCY,
                    "process_type": f.process_type,
                    "case_number": f"case-{f.request_id}",
                    "status": "closed"
                    if f.outcome
                    else "collecting",  # kept out of the review queue
                    "emergency": f.emergency,
                    "received_at": f.received_at,
                    "updated_at": f.resolved_at or f.received_at,
                    "submission": {},
                    "process": process_json(f),
                    "document_key": "",
                    "document_sha256": "",
                    "outcome": f.outcome,
                }
                for f in facts
            ],
        )
        # The register's own write path: facts, their tallies, the accounts' periods.
        await conn.run_sync(store_facts, facts)
        for request_id, names in (accounts or {}).items():
            await conn.run_sync(_store_accounts, request_id, names)
