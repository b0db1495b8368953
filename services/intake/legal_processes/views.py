"""How a request is shown: the register's record, overlaid with the workflow's live state
when it answered."""

from __future__ import annotations

from contracts.api import DeterminationSummary, LegalProcessView
from contracts.determination import Determination
from contracts.workflow import CaseState
from services.register.legal_processes import LegalProcessRecord


def determination_of(record: LegalProcessRecord, state: CaseState | None) -> Determination | None:
    """The workflow's determination when it answered, the register's copy otherwise."""
    if state is not None and state.determination is not None:
        return state.determination
    return record.determination


def to_view(
    record: LegalProcessRecord, state: CaseState | None = None, message: str = ""
) -> LegalProcessView:
    determination = determination_of(record, state)
    summary = None
    if determination is not None:
        summary = DeterminationSummary(
            disposition=determination.disposition.value,
            allowed_categories=determination.allowed_categories,
            denied_categories=determination.denied_categories,
            flags=determination.flags,
            reasons=determination.reasons,
            targets_allowed=sum(1 for t in determination.targets if t.allowed),
            targets_refused=sum(1 for t in determination.targets if not t.allowed),
        )
    return LegalProcessView(
        id=record.id,
        status=state.status if state else record.status,
        process_type=record.process_type,
        case_number=record.case_number,
        agency_id=record.agency_id,
        received_at=record.received_at,
        updated_at=record.updated_at,
        return_date=record.return_date,
        emergency=record.emergency,
        duplicate_of=record.duplicate_of,
        document_sha256=record.document_sha256,
        determination=summary,
        deadlines=state.deadlines if state else None,
        awaiting=state.awaiting if state else "",
        question=state.question if state else "",
        escalated=state.escalated if state else record.escalated,
        overdue=state.overdue if state else record.overdue,
        outcome=(state.outcome if state and state.outcome else record.outcome),
        production_available=bool(record.production_key),
        message=message,
    )
