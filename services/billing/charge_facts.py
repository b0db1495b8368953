"""``charge_facts``: the facts a charge is computed from, out of what the register holds
about a finished request (pure; the billing activity reads the rows).

- service date: the day the request was received (it selects the rate-card version);
- records produced: the disclosure log's count for the production (47 CFR §64.2009(c));
- preservation: one 90-day period for a §2703(f) request, plus each recorded extension;
- reviewer time: the minutes reviewers recorded with their decisions (audit
  ``review_time_recorded``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from contracts.billing import ChargeFacts, TargetHolders
from contracts.enums import Outcome, ProcessType
from contracts.legal_process import LegalProcess

REVIEW_TIME_ACTION = "review_time_recorded"
EXTENDED_ACTION = "status:extended"


def reviewer_minutes(audit_trail: Iterable[Mapping[str, Any]]) -> int:
    return sum(
        int((event.get("detail") or {}).get("minutes") or 0)
        for event in audit_trail
        if event.get("action") == REVIEW_TIME_ACTION
    )


def charge_facts(
    process: LegalProcess,
    outcome: Outcome,
    *,
    records_produced: int,
    audit_trail: Sequence[Mapping[str, Any]],
    payers: list[TargetHolders],
) -> ChargeFacts:
    preserved = process.process_type is ProcessType.PRESERVATION_REQUEST
    return ChargeFacts(
        request_id=process.request_id,
        process_type=process.process_type,
        service_date=process.received_at.date(),
        outcome=outcome,
        emergency=process.process_type is ProcessType.EMERGENCY_REQUEST,
        targets=payers,
        records_produced=records_produced,
        preservation_periods=1 if preserved and outcome is Outcome.PRESERVED else 0,
        preservation_extensions=sum(1 for e in audit_trail if e.get("action") == EXTENDED_ACTION)
        if preserved
        else 0,
        reviewer_minutes=reviewer_minutes(audit_trail),
    )
