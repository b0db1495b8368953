"""Rows in, report out: the transparency report from grouped report facts.

Pure (no I/O, no clock: ``computed_at`` is passed in). National-security groups feed only
the bands; every other figure is counted over the remaining requests, so no exact
national-security number can be had by subtracting one published figure from another
(docs/transparency.md "National security")."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable

from contracts.enums import IssuerKind, Outcome, ProcessType
from contracts.reporting import (
    CountryFigures,
    EmergencyFigures,
    NationalSecurityOption,
    NoticeFigures,
    OutcomeCounts,
    PreservationFigures,
    ProcessTypeFigures,
    RequesterFigures,
    Totals,
    TransparencyReport,
)
from services.reporting.bands import NationalSecurityTally, national_security_figures
from services.reporting.facts import FactGroup, is_foreign
from services.reporting.periods import ReportPeriod

PRODUCED = frozenset({Outcome.PRODUCED.value, Outcome.PARTIALLY_PRODUCED.value})
PENDING = "pending"
# Process types the report lists (national-security process appears only in bands).
REPORTED_TYPES = [
    t
    for t in ProcessType
    if t not in (ProcessType.NATIONAL_SECURITY_LETTER, ProcessType.FISA_ORDER)
]


def share(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def _outcomes(counter: Counter) -> OutcomeCounts:
    return OutcomeCounts(**{key: counter.get(key, 0) for key in OutcomeCounts.__struct_fields__})


def _produced_share(counter: Counter) -> float | None:
    """Share of the requests that have ended where some data was produced."""
    ended = sum(n for key, n in counter.items() if key != PENDING)
    return share(sum(counter.get(key, 0) for key in PRODUCED), ended)


def build_report(
    groups: Iterable[FactGroup],
    *,
    accounts_affected: int,
    period: ReportPeriod,
    option: NationalSecurityOption,
    computed_at: dt.datetime,
    provider: str = "",
) -> TransparencyReport:
    """``accounts_affected`` is the distinct-account count over the same requests, national
    security excluded (a distinct count cannot be summed from groups)."""
    tallies: list[NationalSecurityTally] = []
    outcomes: Counter = Counter()
    by_type: dict[str, Counter] = {}
    type_identifiers: Counter = Counter()
    by_issuer: dict[str, Counter] = {}
    issuer_identifiers: Counter = Counter()
    by_country: dict[str, Counter] = {}
    emergency: Counter = Counter()
    requests = identifiers = open_at_end = 0
    preservations = extended = extensions = 0
    notified = delayed = barred = ndo_requests = 0

    for g in groups:
        if g.national_security:
            half = f"{period.year}-H{g.half}"
            tallies.append(
                NationalSecurityTally(
                    half=half,
                    kind=g.national_security,
                    requests=g.requests,
                    selectors=g.identifiers,
                )
            )
            continue
        key = g.outcome if g.outcome is not None else PENDING
        requests += g.requests
        identifiers += g.identifiers
        outcomes[key] += g.requests
        by_type.setdefault(g.process_type, Counter())[key] += g.requests
        type_identifiers[g.process_type] += g.identifiers
        by_issuer.setdefault(g.issuer_kind, Counter())[key] += g.requests
        issuer_identifiers[g.issuer_kind] += g.identifiers
        if is_foreign(g.process_type, g.issuer_kind):
            by_country.setdefault(g.country or "??", Counter())[key] += g.requests
        if g.emergency:
            emergency[key] += g.requests
        if g.open_at_period_end:
            open_at_end += g.requests
        if g.process_type == ProcessType.PRESERVATION_REQUEST:
            preservations += g.requests
            extended += g.extended
            extensions += g.extensions
        if g.ndo:
            ndo_requests += g.requests
            if g.notice_sent:
                delayed += g.requests
        if g.notice_sent:
            notified += g.requests
        if g.notice_barred:
            barred += g.requests

    emergency_disclosed = sum(emergency.get(k, 0) for k in PRODUCED)
    return TransparencyReport(
        period=period.label,
        period_start=period.start,
        period_end=period.end,
        period_ended=period.ended(computed_at),
        computed_at=computed_at,
        provider=provider,
        totals=Totals(
            requests=requests,
            identifiers=identifiers,
            accounts_affected=accounts_affected,
            produced_share=_produced_share(outcomes),
            pending=outcomes.get(PENDING, 0),
            open_at_period_end=open_at_end,
        ),
        by_process_type=[
            ProcessTypeFigures(
                process_type=t,
                requests=sum(by_type.get(t.value, Counter()).values()),
                identifiers=type_identifiers.get(t.value, 0),
                outcomes=_outcomes(by_type.get(t.value, Counter())),
                produced_share=_produced_share(by_type.get(t.value, Counter())),
            )
            for t in REPORTED_TYPES
        ],
        by_requester=[
            RequesterFigures(
                issuer_kind=k,
                requests=sum(by_issuer.get(k.value, Counter()).values()),
                identifiers=issuer_identifiers.get(k.value, 0),
                outcomes=_outcomes(by_issuer.get(k.value, Counter())),
                produced_share=_produced_share(by_issuer.get(k.value, Counter())),
            )
            for k in IssuerKind
        ],
        emergency=EmergencyFigures(
            requests=sum(emergency.values()),
            disclosed=emergency_disclosed,
            outcomes=_outcomes(emergency),
            disclosed_share=share(
                emergency_disclosed, sum(n for k, n in emergency.items() if k != PENDING)
            ),
        ),
        preservation=PreservationFigures(
            requests=preservations, extended=extended, extensions=extensions
        ),
        foreign=[
            CountryFigures(
                country=country, requests=sum(counter.values()), outcomes=_outcomes(counter)
            )
            for country, counter in sorted(by_country.items())
        ],
        notices=NoticeFigures(
            notified=notified,
            delayed_by_ndo=delayed,
            still_barred=barred,
            ndo_requests=ndo_requests,
            ndo_share=share(ndo_requests, requests),
        ),
        national_security=national_security_figures(tallies, period, option),
    )
