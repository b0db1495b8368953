"""The one place tests build legal processes and determinations.

``make_process`` is one plausible, verified federal subpoena, any field overridable; the
decision-engine tests vary it field by field. ``received_process`` is a state court's
process received at a given instant with a fresh request id and a return date relative to
it, the shape the workflow tests start (their clock is the test server's). ``decide``
runs the real engine; ``make_determination`` builds a determination directly for the
rules that only read one.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from contracts.determination import Determination, Disposition, TargetDecision, TargetFacts
from contracts.enums import DataCategory, IdentifierKind, IssuerKind, ProcessType
from contracts.legal_process import Emergency, Identifier, LegalProcess, NdoTerm, Period, Requester
from services.decisions.determine import determine
from services.decisions.policy import Policy

NOW = dt.datetime(2026, 3, 2, 15, 30, tzinfo=dt.UTC)
TODAY = NOW.date()
NUMBER = Identifier(kind=IdentifierKind.TELEPHONE_NUMBER, value="+19195550100")
OTHER_NUMBER = Identifier(kind=IdentifierKind.TELEPHONE_NUMBER, value="+19195550101")

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


def number(value: str) -> Identifier:
    return Identifier(kind=IdentifierKind.TELEPHONE_NUMBER, value=value)


def make_process(**overrides: Any) -> LegalProcess:
    """A verified federal subpoena for one number's subscriber information, received four
    days before ``NOW``; ``overrides`` replace any field."""
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


def received_process(
    now: dt.datetime,
    process_type: ProcessType = ProcessType.SUBPOENA,
    categories: tuple[DataCategory, ...] = (
        DataCategory.SUBSCRIBER_INFO,
        DataCategory.TOLL_RECORDS,
    ),
    *,
    issuer_kind: IssuerKind = IssuerKind.STATE,
    jurisdiction: str = "US-NC",
    return_in_days: int | None = 30,
    verified: bool = True,
    ndo: NdoTerm | None = None,
    emergency: Emergency | None = None,
    targets: tuple[str, ...] = ("+19195550100",),
) -> LegalProcess:
    """Process from a Wake County court received at ``now`` (the workflow tests' clock), due
    ``return_in_days`` later, from a requester verified unless ``verified`` is False."""
    today = now.date()
    return make_process(
        request_id=f"lp_{uuid.uuid4().hex[:24]}",
        process_type=process_type,
        issuer_kind=issuer_kind,
        issuer_name="Wake County Superior Court",
        jurisdiction=jurisdiction,
        issued_on=today - dt.timedelta(days=2),
        received_at=now,
        case_number="2026-CR-1",
        requester=Requester(
            agency_id="raleigh-pd",
            agency_name="Raleigh PD",
            agency_jurisdiction="US-NC",
            officer_email="j.doe@raleighpd.gov",
            agency_registered=True,
            email_domain_verified=verified,
            officer_known=verified,
        ),
        targets=[number(t) for t in targets],
        categories=list(categories),
        period=Period(start=today - dt.timedelta(days=90), end=today - dt.timedelta(days=1)),
        return_date=today + dt.timedelta(days=return_in_days)
        if return_in_days is not None
        else None,
        non_disclosure_order=ndo,
        emergency=emergency,
    )


def decide(
    *,
    policy: Policy | None = None,
    facts: TargetFacts | None = None,
    now: dt.datetime = NOW,
    **overrides: Any,
) -> Determination:
    """The real engine's determination of ``make_process(**overrides)``."""
    return determine(make_process(**overrides), policy or Policy(), now, facts)


def make_determination(**overrides: Any) -> Determination:
    """A determination that proceeds with ``NUMBER`` allowed, for subscriber information,
    after one person's review; ``overrides`` replace any field."""
    fields: dict[str, Any] = {
        "disposition": Disposition.PROCEED,
        "allowed_categories": [DataCategory.SUBSCRIBER_INFO],
        "targets": [TargetDecision(target=NUMBER, allowed=True)],
        "human_review_required": True,
    }
    fields.update(overrides)
    return Determination(**fields)
