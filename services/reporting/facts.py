"""Report facts: what the transparency report needs to know about one request, derived once
(when it is taken in and at each status change) and kept in denormalised columns, so the
yearly count never scans JSON (docs/transparency.md "How it is counted").

``derive_fact`` is pure: the request as taken in, its recorded outcome and its audit events
in, one ``ReportFact`` out. ``FactGroup`` is one row of the register's grouped count, what
``services/reporting/aggregate.py`` turns into the report."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import msgspec

from contracts.enums import DataCategory, IssuerKind, Outcome, ProcessType
from contracts.legal_process import LegalProcess
from services.reporting.bands import FISA_CONTENT, FISA_NON_CONTENT, NSL


class AuditFact(msgspec.Struct, frozen=True, kw_only=True):
    """The part of an audit event the report reads."""

    action: str
    at: dt.datetime
    outcome: str | None = None


class ReportFact(msgspec.Struct, frozen=True, kw_only=True):
    request_id: str
    received_at: dt.datetime
    process_type: str
    issuer_kind: str
    country: str = ""  # ISO 3166-1 alpha-2, foreign requests only
    emergency: bool = False
    national_security: str = ""  # "", "nsl", "fisa_content" or "fisa_non_content"
    identifiers: int = 0
    outcome: str | None = None
    resolved_at: dt.datetime | None = None
    ndo: bool = False
    ndo_ends_on: dt.date | None = None
    notice_sent_at: dt.datetime | None = None
    extensions: int = 0


def national_security_kind(process_type: str, categories: Iterable[str]) -> str:
    """NSLs (which reach no content, 18 U.S.C. §2709), and FISA orders split by whether they
    compel content (50 U.S.C. §1874(a)(1)(A),(B))."""
    if process_type == ProcessType.NATIONAL_SECURITY_LETTER:
        return NSL
    if process_type == ProcessType.FISA_ORDER:
        return FISA_CONTENT if DataCategory.CONTENT.value in set(categories) else FISA_NON_CONTENT
    return ""


def is_foreign(process_type: str, issuer_kind: str) -> bool:
    return issuer_kind == IssuerKind.FOREIGN or process_type == ProcessType.FOREIGN_REQUEST


def country_of(jurisdiction: str) -> str:
    return jurisdiction.split("-", 1)[0].upper()[:2]


def derive_fact(
    process: LegalProcess,
    *,
    outcome: str | None,
    events: Iterable[AuditFact],
    fallback_resolved_at: dt.datetime | None = None,
) -> ReportFact:
    events = sorted(events, key=lambda e: e.at)
    resolved_at = next(
        (e.at for e in events if e.action.startswith("status:") and e.outcome is not None), None
    )
    if outcome is not None and resolved_at is None:
        resolved_at = fallback_resolved_at
    notice_sent_at = next((e.at for e in events if e.action.startswith("customer_notified:")), None)
    ndo = process.non_disclosure_order
    process_type = process.process_type.value
    issuer_kind = process.issuer_kind.value
    return ReportFact(
        request_id=process.request_id,
        received_at=process.received_at,
        process_type=process_type,
        issuer_kind=issuer_kind,
        country=country_of(process.jurisdiction) if is_foreign(process_type, issuer_kind) else "",
        emergency=process.process_type is ProcessType.EMERGENCY_REQUEST
        or process.emergency is not None,
        national_security=national_security_kind(
            process_type, [c.value for c in process.categories]
        ),
        identifiers=len({(t.kind, t.value) for t in process.targets}),
        outcome=Outcome(outcome).value if outcome is not None else None,
        resolved_at=resolved_at if outcome is not None else None,
        ndo=ndo is not None,
        ndo_ends_on=ndo.ends_on if ndo is not None else None,
        notice_sent_at=notice_sent_at,
        extensions=sum(1 for e in events if e.action == "status:extended"),
    )


class FactGroup(msgspec.Struct, frozen=True, kw_only=True):
    """Requests alike in every dimension the report cuts by, with their number.

    ``outcome`` is the outcome as of the report's computation (None: still pending);
    ``notice_barred`` means an order was in force then and no customer had been told."""

    process_type: str
    issuer_kind: str
    country: str = ""
    emergency: bool = False
    national_security: str = ""
    half: int = 1
    outcome: str | None = None
    open_at_period_end: bool = False
    ndo: bool = False
    notice_sent: bool = False
    notice_barred: bool = False
    requests: int = 1
    identifiers: int = 0
    extensions: int = 0
    extended: int = 0  # how many of ``requests`` were extended at least once

    def __repr__(self) -> str:
        # A national-security group's numbers must not reach a traceback or a log line.
        if self.national_security:
            return f"FactGroup(national_security={self.national_security!r}, <withheld>)"
        return super().__repr__()

    __str__ = __repr__


def group_of(fact: ReportFact, *, computed_at: dt.datetime, period_ends_before: dt.datetime):
    """One request as a group of one: what the register's grouped query computes in SQL."""
    resolved = fact.resolved_at is not None and fact.resolved_at <= computed_at
    notice_sent = fact.notice_sent_at is not None and fact.notice_sent_at <= computed_at
    in_force = fact.ndo and (fact.ndo_ends_on is None or fact.ndo_ends_on >= computed_at.date())
    return FactGroup(
        process_type=fact.process_type,
        issuer_kind=fact.issuer_kind,
        country=fact.country,
        emergency=fact.emergency,
        national_security=fact.national_security,
        half=1 if fact.received_at.month <= 6 else 2,
        outcome=fact.outcome if resolved else None,
        open_at_period_end=fact.resolved_at is None or fact.resolved_at >= period_ends_before,
        ndo=fact.ndo,
        notice_sent=notice_sent,
        notice_barred=in_force and not notice_sent,
        requests=1,
        identifiers=fact.identifiers,
        extensions=fact.extensions,
        extended=1 if fact.extensions else 0,
    )


# -- tallies ---------------------------------------------------------------------------------
# The register keeps, beside each request's facts, running tallies: requests counted by every
# dimension the report cuts by that does not depend on the moment of computation, and when
# each ended to the half-year. The one figure that depends on the day of computation — still
# barred by an order — is kept apart (``barred_key``): only the half-year received and the
# day the order ends, for requests under an order whose customers have not been told
# (national security left out, as from every figure but its bands). Folding the day into the
# tallies themselves multiplied their rows tenfold (bench/README.md). The report for "now"
# then reads a few thousand tally rows and a few hundred barred rows instead of a million
# facts.

TALLY_KEYS = (
    "received_half",
    "process_type",
    "issuer_kind",
    "country",
    "emergency",
    "national_security",
    "ndo",
    "outcome",  # "" while pending
    "resolved_half",  # "" while pending
    "notice_sent",
)
TALLY_SUMS = ("requests", "identifiers", "extensions", "extended")
BARRED_KEYS = ("received_half", "ndo_open_until")  # ISO date the order ends, "" if indefinite


def half_label(moment: dt.datetime | dt.date) -> str:
    return f"{moment.year}-H{1 if moment.month <= 6 else 2}"


def tally_key(fact: ReportFact) -> tuple:
    return (
        half_label(fact.received_at),
        fact.process_type,
        fact.issuer_kind,
        fact.country,
        fact.emergency,
        fact.national_security,
        fact.ndo,
        fact.outcome or "",
        half_label(fact.resolved_at) if fact.outcome and fact.resolved_at else "",
        fact.notice_sent_at is not None,
    )


def barred_key(fact: ReportFact) -> tuple[str, str] | None:
    """Where ``fact`` counts for "still barred", or None when it never can: no order, a
    customer already told, or national-security process (reported only in bands)."""
    if not fact.ndo or fact.notice_sent_at is not None or fact.national_security:
        return None
    ends_on = fact.ndo_ends_on.isoformat() if fact.ndo_ends_on is not None else ""
    return (half_label(fact.received_at), ends_on)


def barred_deltas(old: list[ReportFact], new: list[ReportFact]) -> dict[tuple, int]:
    """What rewriting ``old`` facts as ``new`` does to the barred counts."""
    deltas: dict[tuple, int] = {}
    for sign, facts in ((-1, old), (1, new)):
        for fact in facts:
            key = barred_key(fact)
            if key is not None:
                deltas[key] = deltas.get(key, 0) + sign
    return {key: n for key, n in deltas.items() if n}


def tally_sums(fact: ReportFact) -> tuple[int, int, int, int]:
    return (1, fact.identifiers, fact.extensions, 1 if fact.extensions else 0)


def tally_deltas(old: list[ReportFact], new: list[ReportFact]) -> dict[tuple, list[int]]:
    """What rewriting ``old`` facts as ``new`` does to the tallies."""
    deltas: dict[tuple, list[int]] = {}
    for sign, facts in ((-1, old), (1, new)):
        for fact in facts:
            totals = deltas.setdefault(tally_key(fact), [0, 0, 0, 0])
            for i, value in enumerate(tally_sums(fact)):
                totals[i] += sign * value
    return {key: sums for key, sums in deltas.items() if any(sums)}
