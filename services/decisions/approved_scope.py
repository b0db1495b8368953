"""Exactly what is read from the carrier's records once a request is approved or preserved
(docs/architecture.md §5 step 5): which targets, over which period, among which legal
entity's customers, for which categories.

- targets: those the determination allowed (all of the process's when it decided none),
  narrowed to the ones the approvers kept;
- period: the determination's (narrowed) period, else the process's, else the day the
  process was issued;
- legal entity: each target is read among the customers of the entity the target facts
  found controlling its records (GDPR Art. 48 keeps the EU subsidiary's records its own),
  so an approved EU-held target collects from the EU subsidiary, never from nobody;
- categories: the approved ones; a preservation keeps what the determination allowed,
  else what the process asked for (§2703(f) discloses nothing).
"""

from __future__ import annotations

from contracts.collection import CollectionRequest
from contracts.determination import Determination, LegalEntity
from contracts.legal_process import Identifier, LegalProcess, Period
from services.decisions.approval import Approval


def request_period(process: LegalProcess, determination: Determination) -> Period:
    if determination.period is not None:
        return determination.period
    if process.period is not None:
        return process.period
    return Period(start=process.issued_on, end=process.issued_on)


def allowed_targets(process: LegalProcess, determination: Determination) -> list[Identifier]:
    """The targets the determination allowed; the process's own when it decided none."""
    if determination.targets:
        return [d.target for d in determination.targets if d.allowed]
    return list(process.targets)


def approved_targets(
    process: LegalProcess, determination: Determination, kept: list[str] | None
) -> list[Identifier]:
    """The allowed targets the approvers kept (``kept`` None: all of them)."""
    targets = allowed_targets(process, determination)
    if kept is None:
        return targets
    return [t for t in targets if t.value in kept]


def target_entities(determination: Determination) -> dict[str, LegalEntity]:
    """The entity controlling each allowed target's records, by normalised value."""
    return {d.target.value: d.entity for d in determination.targets if d.allowed}


def collection_request(
    process: LegalProcess, determination: Determination, approval: Approval
) -> CollectionRequest:
    return CollectionRequest(
        request_id=process.request_id,
        targets=approved_targets(process, determination, approval.targets),
        categories=list(approval.categories),
        period=approval.period or request_period(process, determination),
        target_entities=target_entities(determination),
    )


def preservation_request(process: LegalProcess, determination: Determination) -> CollectionRequest:
    return CollectionRequest(
        request_id=process.request_id,
        targets=allowed_targets(process, determination),
        categories=list(determination.allowed_categories) or list(process.categories),
        period=request_period(process, determination),
        target_entities=target_entities(determination),
    )
