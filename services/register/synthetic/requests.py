"""Realistic synthetic requests (pure, seeded): the mix of process types, requesters,
outcomes, non-disclosure orders and notices a mid-sized US carrier reports, so the same
seed always gives the same register.

Each request comes with its report facts and the accounts its production reached; the
generator writes no audit trail and no target index (it exists to be counted)."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator

import msgspec

from services.reporting.facts import ReportFact, national_security_kind

AGENCY_ID = "synthetic-agency"
TYPES = {  # weight per 1000 requests
    "subpoena": 400,
    "grand_jury_subpoena": 80,
    "administrative_subpoena": 70,
    "court_order_2703d": 100,
    "search_warrant": 140,
    "pen_register_order": 30,
    "wiretap_order": 5,
    "preservation_request": 80,
    "emergency_request": 60,
    "national_security_letter": 6,
    "fisa_order": 4,
    "civil_subpoena": 15,
    "foreign_request": 10,
}
DOMESTIC_ISSUERS = {"federal": 25, "state": 45, "local": 28, "tribal": 2}
OUTCOMES = {
    "produced": 55,
    "partially_produced": 12,
    "no_data": 13,
    "rejected": 9,
    "redirected": 3,
    "withdrawn": 3,
}
COUNTRIES = {"GB": 40, "CA": 25, "DE": 10, "FR": 8, "AU": 7, "MX": 5, "IN": 5}
NDO_TYPES = {
    "subpoena",
    "grand_jury_subpoena",
    "court_order_2703d",
    "search_warrant",
    "pen_register_order",
    "wiretap_order",
}


class SyntheticRequest(msgspec.Struct, frozen=True, kw_only=True):
    row: dict
    fact: ReportFact
    accounts: list[str]


def _pick(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def synthetic_requests(
    count: int, year: int, seed: int, now: dt.datetime
) -> Iterator[SyntheticRequest]:
    rng = random.Random(seed)
    start = dt.datetime(year, 1, 1, tzinfo=dt.UTC)
    seconds = (dt.datetime(year + 1, 1, 1, tzinfo=dt.UTC) - start).total_seconds()
    account_pool = max(1, int(count * 0.6))
    for index in range(count):
        received_at = start + dt.timedelta(seconds=rng.random() * seconds)
        if received_at > now:
            received_at = start + dt.timedelta(seconds=rng.random() * (now - start).total_seconds())
        process_type = _pick(rng, TYPES)
        if process_type == "foreign_request":
            issuer_kind, jurisdiction = "foreign", _pick(rng, COUNTRIES)
        elif process_type == "civil_subpoena":
            issuer_kind, jurisdiction = "private_party", "US-NC"
        elif process_type in ("national_security_letter", "fisa_order"):
            issuer_kind, jurisdiction = "federal", "US"
        else:
            issuer_kind, jurisdiction = _pick(rng, DOMESTIC_ISSUERS), "US-NC"
        categories = ["subscriber_info", "toll_records"]
        if process_type in ("search_warrant", "wiretap_order") or (
            process_type == "fisa_order" and rng.random() < 0.4
        ):
            categories.append("content")
        identifiers = 1 + (rng.random() < 0.25) + (rng.random() < 0.08)
        # Recent requests are more often still open.
        age_days = (now - received_at).days
        pending = rng.random() < (0.5 if age_days < 14 else 0.03)
        if process_type == "preservation_request":
            outcome = "preserved"
        elif process_type == "foreign_request":
            outcome = "redirected" if rng.random() < 0.6 else _pick(rng, OUTCOMES)
        else:
            outcome = _pick(rng, OUTCOMES)
        outcome = None if pending else outcome
        resolved_at = (
            min(now, received_at + dt.timedelta(hours=rng.expovariate(1 / 240)))
            if outcome
            else None
        )
        ndo = (
            process_type in NDO_TYPES
            and rng.random() < 0.2
            or process_type in ("national_security_letter", "fisa_order")
        )
        ndo_ends_on = (
            (received_at + dt.timedelta(days=rng.choice([90, 180, 365]))).date()
            if ndo and rng.random() < 0.6
            else None
        )
        produced = outcome in ("produced", "partially_produced")
        notice_sent_at = None
        if (
            produced
            and resolved_at
            and process_type not in ("national_security_letter", "fisa_order")
        ):
            if ndo and ndo_ends_on is not None:
                lapse = dt.datetime.combine(ndo_ends_on, dt.time(9), dt.UTC)
                notice_sent_at = lapse + dt.timedelta(days=1) if lapse < now else None
            elif not ndo and rng.random() < 0.4:
                notice_sent_at = resolved_at + dt.timedelta(hours=2)
        extensions = 1 if process_type == "preservation_request" and rng.random() < 0.3 else 0
        request_id = f"lp-syn-{year}-{index:08d}"
        accounts = (
            sorted({f"acct-{rng.randrange(account_pool):07d}" for _ in range(identifiers)})
            if produced and not national_security_kind(process_type, categories)
            else []
        )
        fact = ReportFact(
            request_id=request_id,
            received_at=received_at,
            process_type=process_type,
            issuer_kind=issuer_kind,
            country=jurisdiction if issuer_kind == "foreign" else "",
            emergency=process_type == "emergency_request",
            national_security=national_security_kind(process_type, categories),
            identifiers=identifiers,
            outcome=outcome,
            resolved_at=resolved_at,
            ndo=ndo,
            ndo_ends_on=ndo_ends_on,
            notice_sent_at=notice_sent_at,
            extensions=extensions,
        )
        process = {
            "request_id": request_id,
            "process_type": process_type,
            "issuer_kind": issuer_kind,
            "issuer_name": "Synthetic issuer",
            "jurisdiction": jurisdiction,
            "issued_on": received_at.date().isoformat(),
            "received_at": received_at.isoformat(),
            "case_number": f"SYN-{index}",
            "requester": {"agency_id": AGENCY_ID},
            "targets": [
                {"kind": "telephone_number", "value": f"+1555{index % 10**7:07d}"}
                for _ in range(identifiers)
            ],
            "categories": categories,
            "non_disclosure_order": (
                {
                    "authority": "18 U.S.C. §2705(b)",
                    "ends_on": ndo_ends_on.isoformat() if ndo_ends_on else None,
                }
                if ndo
                else None
            ),
        }
        # Open requests are shown as collecting: no workflow stands behind a synthetic
        # request, so none may wait in the review queue for a decision that cannot be taken.
        status = {None: "collecting", "preserved": "preserved"}.get(outcome, "closed")
        if outcome in ("rejected", "redirected", "withdrawn"):
            status = outcome
        row = {
            "id": request_id,
            "agency_id": AGENCY_ID,
            "process_type": process_type,
            "case_number": f"SYN-{index}",
            "status": status,
            "emergency": process_type == "emergency_request",
            "received_at": received_at,
            "updated_at": resolved_at or received_at,
            "submission": {},
            "process": process,
            "document_key": f"synthetic/{request_id}.pdf",
            "document_sha256": "0" * 64,
            "outcome": outcome,
        }
        yield SyntheticRequest(row=row, fact=fact, accounts=accounts)
