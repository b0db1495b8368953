"""Reviewer time recorded with a decision (``DecisionIn.minutes``): one audit event, which
the billing activity sums (``services.billing.charge_facts``)."""

from __future__ import annotations

from services.billing.charge_facts import REVIEW_TIME_ACTION
from services.register.case_register import Register


async def record_review_time(
    register: Register, request_id: str, reviewer: str, minutes: int
) -> None:
    await register.audit.record(
        request_id=request_id,
        actor=reviewer,
        action=REVIEW_TIME_ACTION,
        detail={"minutes": minutes},
    )
