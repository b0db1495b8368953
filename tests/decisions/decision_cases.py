"""Builders for decision-engine tests: one plausible, verified federal subpoena, overridable."""

from __future__ import annotations

import datetime as dt
from typing import Any

from contracts.determination import Determination, Reason, TargetFacts
from contracts.enums import DataCategory, IdentifierKind, IssuerKind, ProcessType
from contracts.legal_process import Identifier, LegalProcess, Period, Requester
from services.decisions.determine import determine
from services.decisions.policy import Policy

NOW = dt.datetime(2026, 3, 2, 15, 30, tzinfo=dt.UTC)
TODAY = NOW.date()
NUMBER = Identifier(kind=IdentifierKind.TELEPHONE_NUMBER, value="+19195550100")
OTHER_NUMBER = Identifier(kind=IdentifierKind.TELEPHONE_NUMBER, value="+19195550101")
ALL = list(DataCategory)
BSI = [DataCategory.SUBSCRIBER_INFO, DataCategory.TOLL_RECORDS, DataCategory.SESSION_RECORDS]

VERIFIED = Requester(
    agency_id="raleigh-pd",
    agency_name="Raleigh Police Department",
    agency_jurisdiction="US-NC",
    officer_name="J. Doe",
    officer_email="j.doe@raleighpd.gov",
    agency_registered=True,
    email_domain_verified=True,
    officer_known=True,
)


def days_ago(n: int) -> dt.date:
    return TODAY - dt.timedelta(days=n)


def make_process(**overrides: Any) -> LegalProcess:
    fields: dict[str, Any] = {
        "request_id": "req-1",
        "process_type": ProcessType.SUBPOENA,
        "issuer_kind": IssuerKind.FEDERAL,
        "issuer_name": "U.S. District Court, E.D.N.C.",
        "jurisdiction": "US",
        "issued_on": days_ago(5),
        "received_at": NOW - dt.timedelta(days=4),
        "case_number": "2026-CR-004211",
        "requester": VERIFIED,
        "targets": [NUMBER],
        "categories": [DataCategory.SUBSCRIBER_INFO],
        "period": Period(start=days_ago(90), end=days_ago(1)),
    }
    fields.update(overrides)
    return LegalProcess(**fields)


def decide(
    *,
    policy: Policy | None = None,
    facts: TargetFacts | None = None,
    now: dt.datetime = NOW,
    **overrides: Any,
) -> Determination:
    return determine(make_process(**overrides), policy or Policy(), now, facts)


def reason(determination: Determination, code: str) -> Reason:
    matches = [r for r in determination.reasons if r.code == code]
    assert matches, f"no reason {code!r} in {[r.code for r in determination.reasons]}"
    return matches[0]


def codes(determination: Determination) -> list[str]:
    return [r.code for r in determination.reasons]
